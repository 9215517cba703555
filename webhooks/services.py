"""Writes for webhook endpoints: people admins register, turn off and on, delete, rotate a
secret, and send a delivery again. Each is audited (culture.audit)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from culture import audit, jobs
from culture.errors import Conflict, InvalidInput
from culture.models import Person
from sso import crypto
from webhooks import signing
from webhooks.delivery import fail_open
from webhooks.events import RETRY_FOR
from webhooks.models import Endpoint, WebhookDelivery


class WebhookError(InvalidInput):
    """Refused as asked (422): e.g. sending again to an endpoint that is turned off."""


class AlreadyQueued(Conflict):
    """Send again on a delivery that is still queued (409): a second click."""


def do_create_endpoint(
    *, by: Person, url: str, events: list[str], description: str = ""
) -> tuple[Endpoint, str]:
    """The endpoint and its secret, which is shown this once (kept encrypted)."""
    secret = signing.new_secret()
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=url,
            events=sorted(events),
            description=description,
            secret_encrypted=crypto.encrypt(secret),
            created_by=by,
        )
        audit.record(
            by,
            "webhook.endpoint_created",
            obj=endpoint,
            detail={"url": url, "events": sorted(events)},
        )
    return endpoint, secret


def do_rotate_secret(*, by: Person, endpoint: Endpoint) -> str:
    """A new secret for the endpoint, shown this once; the old one stops at once."""
    secret = signing.new_secret()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(secret_encrypted=crypto.encrypt(secret))
        audit.record(by, "webhook.secret_rotated", obj=endpoint, detail={"url": endpoint.url})
    return secret


def do_disable(*, by: Person, endpoint: Endpoint) -> bool:
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False,
            disabled_at=timezone.now(),
            disabled_reason=f"Turned off by {by.name}."[:200],
        )
        if changed:
            fail_open(endpoint.pk, "The endpoint was turned off.")
            audit.record(
                by, "webhook.endpoint_disabled", obj=endpoint, detail={"url": endpoint.url}
            )
    return bool(changed)


def do_enable(*, by: Person, endpoint: Endpoint) -> bool:
    """On again, with a clean failure record (what failed meanwhile can be sent again)."""
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=False).update(
            is_active=True, disabled_at=None, disabled_reason="", failing_since=None
        )
        if changed:
            audit.record(by, "webhook.endpoint_enabled", obj=endpoint, detail={"url": endpoint.url})
    return bool(changed)


def do_delete(*, by: Person, endpoint: Endpoint) -> None:
    with transaction.atomic():
        audit.record(
            by,
            "webhook.endpoint_deleted",
            obj=endpoint,
            detail={"url": endpoint.url, "events": endpoint.events},
        )
        Endpoint.objects.filter(pk=endpoint.pk).delete()


def do_send_again(*, by: Person, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a finished delivery (sent or failed) for another try of the same event: the
    same `webhook-id`, as the Standard Webhooks specification has for retries, a fresh
    24 hours of retries. Refused while it is still queued (409) or the endpoint is off
    (422)."""
    now = timezone.now()
    with transaction.atomic():
        if not Endpoint.objects.filter(pk=delivery.endpoint_id, is_active=True).exists():
            raise WebhookError(_("The endpoint is turned off: turn it on first."))
        changed = WebhookDelivery.objects.filter(
            pk=delivery.pk,
            status__in=[WebhookDelivery.Status.SENT, WebhookDelivery.Status.FAILED],
        ).update(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at=now,
            give_up_at=now + RETRY_FOR,
        )
        if not changed:
            raise AlreadyQueued(
                _("This delivery is already queued: it is sent as soon as it can be.")
            )
        audit.record(
            by,
            "webhook.delivery_resent",
            obj=delivery,
            detail={"endpoint": delivery.endpoint_id, "event": str(delivery.event.uid)},
        )
        jobs.after_commit("webhooks.tasks.deliver_endpoint", delivery.endpoint_id)
    delivery.refresh_from_db()
    return delivery
