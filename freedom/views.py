"""The time-away board and the context guides: parse, gate (freedom.access), form, service,
render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import clock
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.markdown import render_markdown
from culture.paging import CappedPaginator
from freedom import access, services
from freedom.defaults import translated
from freedom.forms import FreedomSettingsForm, GuideForm, TimeAwayForm
from freedom.models import FreedomSettings, Guide, TimeAway

PAGE_SIZE = 30
VACATION_GUIDE = "vacation"


# --- Time away -------------------------------------------------------------------------------


@require_GET
def away_index(request: AuthedHttpRequest) -> HttpResponse:
    """Upcoming time away of the viewer's team and everyone below them (people admins:
    everyone), soonest first."""
    user = access.require_active(request.user)
    today = clock.today()
    entries = TimeAway.objects.visible_to(user).upcoming(today).for_list()
    page = CappedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "today": today}
    if request.htmx and request.htmx.target == "away-results":
        return render(request, "freedom/away.html#results", context)
    vacation_guide = Guide.objects.filter(slug=VACATION_GUIDE).only("slug", "title").first()
    context["vacation_guide"] = translated(vacation_guide) if vacation_guide else None
    return render(request, "freedom/away.html", context)


def _time_away_form(request, form, *, entry: TimeAway | None = None) -> HttpResponse:
    return render(
        request,
        "freedom/away_form.html",
        {"form": form, "entry": entry},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def away_new(request: AuthedHttpRequest) -> HttpResponse:
    user = access.require_active(request.user)
    form = TimeAwayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_note_time_away(person=user, **form.cleaned_data)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Noted. Your team and your manager will see it."))
            return redirect("away:index")
    return _time_away_form(request, form)


@require_http_methods(["GET", "POST"])
def away_edit(request: AuthedHttpRequest, entry_id: int) -> HttpResponse:
    entry = access.get_time_away_for_user(request.user, entry_id, write=True)
    form = TimeAwayForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_change_time_away(entry=entry, **form.cleaned_data)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your time away was changed."))
            return redirect("away:index")
    return _time_away_form(request, form, entry=entry)


@require_POST
def away_delete(request: AuthedHttpRequest, entry_id: int) -> HttpResponse:
    entry = access.get_time_away_for_user(request.user, entry_id, write=True)
    services.do_remove_time_away(entry=entry)
    messages.success(request, _("Your time away was removed."))
    return redirect("away:index")


@require_http_methods(["GET", "POST"])
def away_settings(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = FreedomSettingsForm(request.POST or None, instance=FreedomSettings.load())
    if request.method == "POST":
        if form.is_valid():
            services.do_update_settings(by=admin, form=form)
            messages.success(request, _("Saved."))
            return redirect("away:settings")
        return render(request, "freedom/settings.html", {"form": form}, status=422)
    return render(request, "freedom/settings.html", {"form": form})


# --- Guides ----------------------------------------------------------------------------------


@require_GET
def guides_index(request: AuthedHttpRequest) -> HttpResponse:
    access.require_active(request.user)
    today = clock.today()
    guides = [(translated(guide), guide.review_is_old(today)) for guide in Guide.objects.for_list()]
    return render(request, "freedom/guides.html", {"guides": guides})


@require_GET
def guide_page(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    guide = translated(access.get_guide_for_user(request.user, slug))
    return render(
        request,
        "freedom/guide.html",
        {
            "guide": guide,
            "html": render_markdown(guide.body),
            "may_review": access.may_review(request.user, guide),
            "review_old": guide.review_is_old(clock.today()),
        },
    )


def _guide_form(request, form, *, guide: Guide | None = None) -> HttpResponse:
    return render(
        request,
        "freedom/guide_form.html",
        {"form": form, "guide": guide},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def guide_new(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    form = GuideForm(request.POST or None, initial={"owner": admin.pk})
    if request.method == "POST" and form.is_valid():
        guide = services.do_save_guide(by=admin, form=form)
        messages.success(request, _("The guide was published."))
        return redirect(guide)
    return _guide_form(request, form)


@require_http_methods(["GET", "POST"])
def guide_edit(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    guide = access.get_guide_for_user(request.user, slug, write=True)
    form = GuideForm(request.POST or None, instance=guide)
    if request.method == "POST" and form.is_valid():
        guide = services.do_save_guide(by=request.user, form=form)
        messages.success(request, _("The guide was saved."))
        return redirect(guide)
    return _guide_form(request, form, guide=guide)


@require_POST
def guide_delete(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    guide = access.get_guide_for_user(request.user, slug, write=True)
    services.do_delete_guide(by=request.user, guide=guide)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": translated(guide).title})
    return redirect("guides:index")


@require_POST
def guide_reviewed(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    guide = access.get_guide_for_user(request.user, slug, review=True)
    services.do_mark_reviewed(by=request.user, guide=guide)  # Conflict: 409 by the middleware
    messages.success(request, _("Marked reviewed today."))
    return redirect(guide)
