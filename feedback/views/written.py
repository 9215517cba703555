"""Written 360 feedback: write, inbox, given, decide, ask, and the policy."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import ratelimit
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.models import Team
from feedback import access, forms
from feedback.models import (
    Campaign,
    Decision,
    FeedbackPolicy,
    FeedbackRequest,
    Kind,
    WrittenFeedback,
)
from feedback.services import policy as policy_services
from feedback.services import written as written_services
from feedback.views import FOUR_A
from feedback.views.cadence import cadence_of


@require_http_methods(["GET", "POST"])
def write(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    initial = {}
    request_obj = None
    if request.GET.get("to"):
        initial["recipient"] = request.GET.get("to")
    if request.GET.get("request"):
        initial["request"] = request.GET.get("request")
        request_obj = (
            FeedbackRequest.objects.filter(pk=request.GET["request"], asked=me)
            .select_related("requester")
            .first()
            if request.GET["request"].isdigit()
            else None
        )
    form = forms.WriteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ratelimit.check(request, "written", to=[data["recipient"]])
        try:
            written_services.do_write_feedback(
                author=me,
                recipient=data["recipient"],
                kind=data["kind"],
                text=data["text"],
                request_id=data.get("request"),
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Sent to %(name)s, signed by you.") % {"name": data["recipient"].name}
            )
            return redirect("feedback:given")
    campaign = Campaign.current()
    written_in_campaign = None
    if campaign:
        written_in_campaign = written_services.campaign_progress(campaign, me)
    return render(
        request,
        "feedback/write.html",
        {
            "form": form,
            "four_a": FOUR_A,
            "campaign": campaign,
            "written_in_campaign": written_in_campaign,
            "request_obj": request_obj,
        },
        status=422 if request.method == "POST" else 200,
    )


INBOX_PAGE_SIZE = 25


def _inbox_filters(params: QueryDict) -> dict[str, str]:
    """The inbox's filters and page from a query string, valid values only (so they can be
    carried through a decision and back)."""
    kind = params.get("kind", "")
    decision = params.get("decision", "")
    page = params.get("page", "")
    return {
        "kind": kind if kind in Kind.values else "",
        "decision": decision if decision in Decision.values else "",
        "page": page if page.isdigit() else "",
    }


def _inbox_query(filters: dict[str, str], *, page: str | int | None = None) -> str:
    chosen = {**filters, "page": filters["page"] if page is None else page}
    return urlencode({k: v for k, v in chosen.items() if v})


@require_GET
def inbox(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    filters = _inbox_filters(request.GET)
    items = WrittenFeedback.objects.received_by(me)
    if filters["kind"]:
        items = items.filter(kind=filters["kind"])
    if filters["decision"]:
        items = items.filter(decision=filters["decision"])
    page = Paginator(items, INBOX_PAGE_SIZE).get_page(filters["page"])
    page_filters = {**filters, "page": str(page.number) if page.number > 1 else ""}
    context: dict[str, Any] = {
        "page": page,
        "items": page.object_list,
        "kind": filters["kind"],
        "decision": filters["decision"],
        # Where a decision comes back to: the same filters and page.
        "here_query": _inbox_query(page_filters),
        "previous_query": _inbox_query(filters, page=page.previous_page_number())
        if page.has_previous()
        else None,
        "next_query": _inbox_query(filters, page=page.next_page_number())
        if page.has_next()
        else None,
    }
    if request.htmx and request.htmx.target == "inbox-results":
        return render(request, "feedback/inbox.html#results", context)
    asks = FeedbackRequest.objects.filter(asked=me, answered_at__isnull=True).select_related(
        "requester"
    )
    context.update(kinds=Kind.choices, decisions=Decision.choices, asks=list(asks[:50]))
    return render(request, "feedback/inbox.html", context)


@require_GET
def given(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    return render(
        request,
        "feedback/given.html",
        {"items": list(WrittenFeedback.objects.given_by(me)[:200])},
    )


@require_POST
def decide_written(request: AuthedHttpRequest, feedback_id: int) -> HttpResponse:
    feedback = access.get_written_feedback_for_recipient(request.user, feedback_id)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        written_services.do_decide_written(
            feedback=feedback, person=request.user, decision=form.cleaned_data["decision"]
        )
        # Back to the same filters and page of the inbox.
        query = _inbox_query(_inbox_filters(request.GET))
        return redirect(reverse("feedback:inbox") + (f"?{query}" if query else ""))
    return HttpResponse(_("Accept or discard."), status=422)


@require_http_methods(["GET", "POST"])
def ask(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_active(request.user)
    form = forms.AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ratelimit.check(request, "ask", to=form.cleaned_data["people"])
        try:
            written_services.do_request_feedback(
                requester=me,
                asked=list(form.cleaned_data["people"]),
                question=form.cleaned_data["question"],
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Asked. They will be reminded after 3 days."))
            return redirect("feedback:index")
    return render(
        request,
        "feedback/ask.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def person_received(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = access.get_feedback_reader_for_user(request.user, person_id)
    items = list(WrittenFeedback.objects.received_by(person)[:200])
    if person.pk != request.user.pk:
        from culture import audit

        audit.record(request.user, "feedback.written.read", subject=person)
    return render(request, "feedback/person_received.html", {"person": person, "items": items})


@require_http_methods(["GET", "POST"])
def admin_settings(request: AuthedHttpRequest) -> HttpResponse:
    me = access.require_people_admin(request.user)
    policy = FeedbackPolicy.load()
    form = forms.PolicyForm(
        request.POST or None, initial={"chain_may_read": policy.chain_may_read}, prefix="policy"
    )
    campaign_form = forms.CampaignForm(request.POST or None, prefix="campaign")
    status = 200
    if request.method == "POST":
        if request.POST.get("which") == "campaign":
            if campaign_form.is_valid():
                written_services.do_open_campaign(actor=me, **campaign_form.cleaned_data)
                messages.success(request, _("Campaign opened."))
                return redirect("feedback:admin_settings")
            status = 422
            form = forms.PolicyForm(
                initial={"chain_may_read": policy.chain_may_read}, prefix="policy"
            )
        else:
            if form.is_valid():
                policy_services.do_set_policy(
                    actor=me, chain_may_read=form.cleaned_data["chain_may_read"]
                )
                messages.success(request, _("Saved."))
                return redirect("feedback:admin_settings")
            status = 422
            campaign_form = forms.CampaignForm(prefix="campaign")
    campaigns = list(Campaign.objects.order_by("-opens_on")[:10])
    teams = [
        {"team": t, "name": t.name, "cadence": cadence_of(t)}
        for t in Team.objects.filter(scim_deleted_at__isnull=True)
        .select_related("circle_cadence")
        .order_by("name")[:300]
    ]
    return render(
        request,
        "feedback/admin_settings.html",
        {"form": form, "campaign_form": campaign_form, "campaigns": campaigns, "teams": teams},
        status=status,
    )
