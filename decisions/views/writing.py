"""Writing a memo, and the captain's steps from publishing to the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms as django_forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from culture import clock, ratelimit
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.markdown import render_markdown
from culture.models import Person
from decisions import access, forms, services
from decisions.models import Invitation, Memo, memo_template

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- writing -----------------------------------------------------------------------------------


def _memo_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "body": data["body"],
        "decide_by": data["decide_by"],
        "teams": data["teams"],
        "context_pages": data["context_pages"],
        "co_authors": data["co_authors"],
        "confidential": data["confidential"],
        "readers": data["readers"] if data["confidential"] else [],
        "hide_spread": data["hide_spread"],
    }


@require_http_methods(["GET", "POST"])
def new_memo(request: AuthedHttpRequest) -> HttpResponse:
    user = access.require_active(request.user)
    form = forms.MemoForm(request.POST or None, initial={"body": memo_template()})
    if request.method == "POST":
        if form.is_valid():
            memo = services.do_create_memo(by=user, **_memo_kwargs(form.cleaned_data))
            return redirect("decisions:memo", memo_id=memo.pk)
        return render(request, "decisions/edit.html", {"form": form, "memo": None}, status=422)
    return render(request, "decisions/edit.html", {"form": form, "memo": None})


@require_http_methods(["GET", "POST"])
def edit_memo(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    memo = access.get_memo_for_user(request.user, memo_id, author=True)
    form = forms.MemoForm(request.POST or None, initial=forms.MemoForm.initial_for(memo))
    if request.method == "POST":
        if form.is_valid():
            try:
                services.do_edit_memo(memo=memo, by=request.user, **_memo_kwargs(form.cleaned_data))
                return redirect("decisions:memo", memo_id=memo.pk)
            except ActionRefused as exc:
                form.add_error(None, exc.message)
        return render(request, "decisions/edit.html", {"form": form, "memo": memo}, status=422)
    return render(request, "decisions/edit.html", {"form": form, "memo": memo})


@require_POST
def preview(request: AuthedHttpRequest) -> HttpResponse:
    """Render Markdown for the preview pane. Changes nothing."""
    access.require_active(request.user)
    body = request.POST.get("body", "")[:100_000]
    return render(request, "decisions/_preview.html", {"body_html": render_markdown(body)})


# --- the captain's steps -----------------------------------------------------------------------

STEPS: dict[str, tuple[type[django_forms.Form], StrOrPromise]] = {
    "publish": (forms.PublishForm, _("Publish for dissent")),
    "test": (forms.TestForm, _("Start a test")),
    "results": (forms.ResultsForm, _("Record the test results")),
    "decide": (forms.DecideForm, _("Make the bet")),
    "outcome": (forms.OutcomeForm, _("Record how it went")),
}


def _run_step(step: str, memo: Memo, by: Person, data: dict[str, Any]) -> Memo:
    if step == "publish":
        return services.do_publish(
            memo_id=memo.pk, by=by, reasons_after_rating=data["reasons_after_rating"]
        )
    if step == "test":
        return services.do_start_test(memo_id=memo.pk, by=by, description=data["description"])
    if step == "results":
        return services.do_record_test_results(memo_id=memo.pk, by=by, results=data["results"])
    if step == "decide":
        return services.do_decide(
            memo_id=memo.pk,
            by=by,
            bet=data["bet"],
            why=data["why"],
            look_back_on=data["look_back_on"],
        )
    return services.do_record_outcome(
        memo_id=memo.pk,
        by=by,
        outcome=data["outcome"],
        celebration=data["celebration"],
        happened=data["happened"],
        learned=data["learned"],
        new_look_back_on=data["new_look_back_on"],
    )


@require_http_methods(["GET", "POST"])
def step(request: AuthedHttpRequest, memo_id: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    memo = access.get_memo_for_user(request.user, memo_id, write=True)
    form_class, title = STEPS[step]
    form = form_class(request.POST if request.method == "POST" else None)
    if step == "results" and request.method == "GET":
        form = forms.ResultsForm(initial={"results": memo.test_results})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _run_step(step, memo, request.user, form.cleaned_data)
                if request.htmx:  # the whole memo page, not swapped into the form
                    return HttpResponseClientRedirect(memo.get_absolute_url())
                return redirect("decisions:memo", memo_id=memo.pk)
            except ActionRefused as exc:
                error = exc.message
        else:
            error = ""
        status = 422
    else:
        error = ""
    context = {"memo": memo, "form": form, "step": step, "title": title, "error": error}
    if step == "publish":
        # What still stops publishing, shown before the captain tries (and after a refusal).
        context["problems"] = services.publish_problems(memo, clock.today())
    # An htmx post gets the form back alone, with its error in place.
    template = "decisions/step.html#step-form" if request.htmx else "decisions/step.html"
    return render(request, template, context, status=status)


def _captain_post(
    request: AuthedHttpRequest,
    memo_id: int,
    form_class: type[django_forms.Form],
    step: str,
    title: StrOrPromise,
    action: Callable[[Memo, dict[str, Any]], object],
) -> HttpResponse:
    """A captain's form posted from the memo page (hand over, invite): the memo back on
    success; on bad input or a refused step, the form again with the error (422)."""
    memo = access.get_memo_for_user(request.user, memo_id, write=True)
    form = form_class(request.POST)
    error = ""
    if form.is_valid():
        try:
            action(memo, form.cleaned_data)
            return redirect("decisions:memo", memo_id=memo.pk)
        except ActionRefused as exc:
            error = exc.message
    return render(
        request,
        "decisions/step.html",
        {"memo": memo, "form": form, "step": step, "title": title, "error": error},
        status=422,
    )


@require_POST
def hand_over(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    return _captain_post(
        request,
        memo_id,
        forms.HandOverForm,
        "handover",
        gettext("Hand over"),
        lambda memo, data: services.do_hand_over(
            memo_id=memo.pk, by=request.user, to=data["email"]
        ),
    )


@require_POST
def invite(request: AuthedHttpRequest, memo_id: int) -> HttpResponse:
    def action(memo: Memo, data: dict[str, Any]) -> list[Invitation]:
        ratelimit.check(request, "memo_invite", to=data["people"])
        return services.do_invite(memo_id=memo.pk, by=request.user, people=data["people"])

    return _captain_post(request, memo_id, forms.InviteForm, "invite", gettext("Invite"), action)
