"""Webhook pages under company settings, for people admins: the endpoints, one endpoint's
recent deliveries with "send again", and the actions on an endpoint. Thin views: parse,
access gate, form, one service call, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from culture.errors import ActionRefused
from webhooks import access, services
from webhooks.forms import EndpointForm
from webhooks.models import EVENT_TYPES, Endpoint, WebhookDelivery


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _list(request, form, *, status=200):
    return render(
        request,
        "webhooks/endpoints.html",
        {"form": form, "endpoints": Endpoint.objects.for_listing(), "event_types": EVENT_TYPES},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def endpoints(request):
    admin = access.require_people_admin(request.user)
    if request.method == "GET":
        return _list(request, EndpointForm())
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=422)
    endpoint, secret = services.do_create_endpoint(
        by=admin,
        url=form.cleaned_data["url"],
        events=form.cleaned_data["events"],
        description=form.cleaned_data["description"],
    )
    # The secret is in this answer only (rendered, not redirected; never cached).
    return _no_store(_endpoint_page(request, endpoint, secret=secret))


def _endpoint_page(request, endpoint, *, secret=None, error=None, status=200, partial=None):
    template = "webhooks/endpoint.html" + (f"#{partial}" if partial else "")
    return render(
        request,
        template,
        {
            "endpoint": endpoint,
            "deliveries": WebhookDelivery.objects.recent(endpoint),
            "secret": secret,
            "error": error,
            "event_labels": dict(EVENT_TYPES),
        },
        status=status,
    )


@require_GET
def endpoint(request, endpoint_id):
    endpoint = access.get_endpoint_for_user(request.user, endpoint_id)
    partial = "deliveries" if request.htmx and request.htmx.target == "deliveries" else None
    return _endpoint_page(request, endpoint, partial=partial)


@require_POST
def endpoint_rotate(request, endpoint_id):
    endpoint = access.get_endpoint_for_user(request.user, endpoint_id)
    secret = services.do_rotate_secret(by=request.user, endpoint=endpoint)
    return _no_store(_endpoint_page(request, endpoint, secret=secret))


@require_POST
def endpoint_disable(request, endpoint_id):
    endpoint = access.get_endpoint_for_user(request.user, endpoint_id)
    if services.do_disable(by=request.user, endpoint=endpoint):
        messages.success(
            request, _("Turned off: nothing more is sent to %(url)s.") % {"url": endpoint.url}
        )
    return redirect("webhooks:endpoint", endpoint.pk)


@require_POST
def endpoint_enable(request, endpoint_id):
    endpoint = access.get_endpoint_for_user(request.user, endpoint_id)
    if services.do_enable(by=request.user, endpoint=endpoint):
        messages.success(
            request,
            _("Turned on: new events are sent to %(url)s again.") % {"url": endpoint.url},
        )
    return redirect("webhooks:endpoint", endpoint.pk)


@require_POST
def endpoint_delete(request, endpoint_id):
    endpoint = access.get_endpoint_for_user(request.user, endpoint_id)
    services.do_delete(by=request.user, endpoint=endpoint)
    messages.success(
        request, _("Deleted the endpoint %(url)s and its deliveries.") % {"url": endpoint.url}
    )
    return redirect("webhooks:endpoints")


@require_POST
def delivery_send_again(request, endpoint_id, delivery_id):
    delivery = access.get_delivery_for_user(request.user, endpoint_id, delivery_id)
    endpoint = delivery.endpoint
    try:
        services.do_send_again(by=request.user, delivery=delivery)
    except ActionRefused as exc:  # shown in place, above the deliveries
        partial = "deliveries" if request.htmx else None
        return _endpoint_page(
            request, endpoint, error=exc.message, status=exc.status, partial=partial
        )
    if request.htmx:
        return _endpoint_page(request, endpoint, partial="deliveries")
    messages.success(request, _("Queued: the event is sent again, with the same webhook-id."))
    return redirect("webhooks:endpoint", endpoint.pk)
