"""Company-wide pages: the culture page, settings, audit log, notification centre."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture import access, services
from culture import notifications as notify_service
from culture.forms import AuditFilterForm, CompanySettingsForm, CultureTextForm
from culture.http import AuthedHttpRequest
from culture.markdown import render_markdown
from culture.models import AuditEvent, CompanySettings, Notification


@require_GET
def culture_page(request: AuthedHttpRequest) -> HttpResponse:
    company = CompanySettings.load()
    return render(
        request,
        "culture/culture_page.html",
        {"company": company, "html": render_markdown(company.culture_text_shown)},
    )


@require_http_methods(["GET", "POST"])
def culture_edit(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    company = CompanySettings.load_fresh()
    form = CultureTextForm(
        request.POST or None, instance=company, initial={"culture_text": company.culture_text_shown}
    )
    if request.method == "POST":
        if form.is_valid():
            services.do_update_company_settings(by=admin, form=form)
            messages.success(request, _("The culture page was updated."))
            return redirect("culture_page")
        return render(request, "culture/culture_edit.html", {"form": form}, status=422)
    return render(request, "culture/culture_edit.html", {"form": form})


@require_http_methods(["GET", "POST"])
def company_settings(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    company = CompanySettings.load_fresh()
    form = CompanySettingsForm(request.POST or None, instance=company)
    if request.method == "POST":
        if form.is_valid():
            services.do_update_company_settings(by=admin, form=form)
            messages.success(request, _("Settings saved."))
            return redirect("company_settings")
        return render(request, "culture/settings.html", {"form": form}, status=422)
    return render(request, "culture/settings.html", {"form": form})


@require_GET
def audit_log(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.for_browse()
    if form.is_valid():
        events = events.filtered(**form.cleaned_data)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "culture/audit_log.html"
    if request.htmx and request.htmx.target == "audit-results":
        template += "#results"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@require_GET
def notifications(request: AuthedHttpRequest) -> HttpResponse:
    user = access.require_active(request.user)
    page = Paginator(Notification.objects.for_person(user), 30).get_page(request.GET.get("page"))
    return render(request, "culture/notifications.html", {"page": page})


@require_POST
def notifications_read(request: AuthedHttpRequest) -> HttpResponse:
    user = access.require_active(request.user)
    notification_id = request.POST.get("id")
    if notification_id:
        notification = access.get_notification_for_user(user, notification_id)
        notify_service.mark_read(user, notification.pk)
        target = request.POST.get("next") or notification.url or "/notifications/"
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "/notifications/"
        return redirect(target)
    notify_service.mark_read(user)
    return redirect("notifications")
