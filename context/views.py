"""Context pages: the company's and each team's, their history, and editing them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from context import access, services
from context.diff import revision_diff
from context.forms import ContextPageForm
from context.models import ContextPage, ContextRevision
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.markdown import render_markdown
from culture.models import Team
from decisions.models import Memo

HISTORY_PAGE_SIZE = 25
TEAMS_PAGE_SIZE = 50
MEMOS_SHOWN = 20


@require_GET
def index(request: AuthedHttpRequest) -> HttpResponse:
    """The company's page and every team's, with when each last changed (three queries)."""
    user = access.require_active(request.user)
    company = ContextPage.objects.company().only("version", "updated_at").first()
    teams = (
        Team.objects.filter(scim_deleted_at__isnull=True)
        .select_related("context_page")
        .only("name", "slug", "context_page__version", "context_page__updated_at")
        .order_by("name")
    )
    page = Paginator(teams, TEAMS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "context/index.html",
        {"company": company, "page": page, "my_team_id": user.team_id},
    )


@require_GET
def page(request: AuthedHttpRequest, slug: str | None = None) -> HttpResponse:
    user = access.require_active(request.user)
    context_page = access.get_page_for_user(user, slug)
    latest = (
        ContextRevision.objects.filter(page_id=context_page.pk, number=context_page.version)
        .only("summary", "created_at")
        .first()
        if context_page.version
        else None
    )
    memos = (
        list(
            Memo.objects.visible_to(user)
            .filter(context_pages=context_page)
            .select_related("captain")
            .only("title", "state", "captain__name", "created_at")
            .order_by("-created_at", "-id")[:MEMOS_SHOWN]
        )
        if context_page.pk
        else []
    )
    return render(
        request,
        "context/page.html",
        {
            "context_page": context_page,
            "sections": [
                (heading, render_markdown(text))
                for _field, heading, text in context_page.sections()
            ],
            "latest": latest,
            "can_edit": access.may_edit(user, context_page),
            "memos": memos,
            "memos_shown": MEMOS_SHOWN,
        },
    )


@require_http_methods(["GET", "POST"])
def edit(request: AuthedHttpRequest, slug: str | None = None) -> HttpResponse:
    context_page = access.get_page_for_user(request.user, slug, write=True)
    form = ContextPageForm(request.POST or None, initial=ContextPageForm.initial_for(context_page))
    latest = None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.do_save_page(
                    page=context_page,
                    by=request.user,
                    base_version=form.cleaned_data["version"],
                    summary=form.cleaned_data["summary"],
                    texts=form.texts(),
                )
                messages.success(request, _("Saved. The people this page concerns are told."))
                return redirect(context_page.get_absolute_url())
            except services.PageChanged as exc:
                # Their text stays in the form; the version becomes the one they have now
                # been shown, so saving again replaces it knowingly, never silently.
                latest = exc.latest
                data = request.POST.copy()
                data["version"] = str(latest.number if latest else 0)
                form = ContextPageForm(data)
                form.is_valid()
                form.add_error(None, exc.message)
                status = exc.status
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
        return render(
            request,
            "context/edit.html",
            {"context_page": context_page, "form": form, "latest": latest},
            status=status,
        )
    return render(request, "context/edit.html", {"context_page": context_page, "form": form})


@require_GET
def history(request: AuthedHttpRequest, slug: str | None = None) -> HttpResponse:
    context_page = access.get_page_for_user(request.user, slug)
    revisions = ContextRevision.objects.filter(page_id=context_page.pk).for_history()
    if context_page.pk is None:
        revisions = revisions.none()
    page_obj = Paginator(revisions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "context/history.html", {"context_page": context_page, "page": page_obj})


@require_GET
def revision(request: AuthedHttpRequest, number: int, slug: str | None = None) -> HttpResponse:
    context_page, shown = access.get_revision_for_user(request.user, slug, number)
    previous = ContextRevision.objects.filter(page_id=context_page.pk, number=number - 1).first()
    return render(
        request,
        "context/revision.html",
        {
            "context_page": context_page,
            "revision": shown,
            "previous": previous,
            "diffs": revision_diff(previous, shown),
            "is_latest": shown.number == context_page.version,
        },
    )
