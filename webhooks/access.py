"""The permission gate for webhooks: people admins only (culture.access primitives)."""

from __future__ import annotations

from django.http import Http404

from culture.access import require_people_admin
from webhooks.models import Endpoint, WebhookDelivery

__all__ = ["get_delivery_for_user", "get_endpoint_for_user", "require_people_admin"]


def get_endpoint_for_user(user, endpoint_id) -> Endpoint:
    require_people_admin(user)
    try:
        return Endpoint.objects.get(pk=int(endpoint_id))
    except (Endpoint.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_delivery_for_user(user, endpoint_id, delivery_id) -> WebhookDelivery:
    endpoint = get_endpoint_for_user(user, endpoint_id)
    try:
        return WebhookDelivery.objects.select_related("event", "endpoint").get(
            pk=int(delivery_id), endpoint=endpoint
        )
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404
