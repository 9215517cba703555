"""Outbound webhooks: endpoints, the events they receive, and the delivery ledger.

An Event is recorded in the transaction of the change it reports, with one WebhookDelivery
per endpoint subscribed to its type (webhooks.events.emit): a crash or a broker outage
loses none. WebhookDelivery is a ledger row in culture.ledger's discipline: unique per
(endpoint, event), claimed pending -> sending by a conditional UPDATE, a lease for crashed
workers, a sweeper (webhooks.delivery).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from culture.models import Person

EVENT_TYPES = [
    ("person.created", _("A person joined")),
    ("person.updated", _("A person's public details changed")),
    ("person.deactivated", _("A person left (was deactivated)")),
    ("memo.published", _("A decision memo was published")),
    ("memo.decided", _("A captain made the bet")),
    ("memo.outcome_recorded", _("A bet's outcome was recorded")),
    ("circle.ended", _("A feedback circle ended")),
    ("keeper.cycle_opened", _("A keeper-test cycle opened")),
    ("feedback.campaign_opened", _("A written-feedback campaign opened")),
]
EVENT_NAMES = [name for name, _label in EVENT_TYPES]


class EndpointQuerySet(models.QuerySet):
    def subscribed_to(self, event_type: str):
        return self.filter(is_active=True, events__contains=[event_type])

    def for_listing(self):
        return self.select_related("created_by").order_by("-created_at", "-id")


class Endpoint(models.Model):
    """A URL a people admin registered for some event types. Its signing secret is
    encrypted at rest (sso.crypto, as the identity provider's client secret is)."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40))
    secret_encrypted = models.TextField()
    is_active = models.BooleanField(default=True)
    # The start of the current run of failures (None once a delivery succeeds): an endpoint
    # failing for DISABLE_AFTER is turned off and the people admins are told.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


class Event(models.Model):
    """Something that happened, as the endpoints see it: a type and public fields only."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=40)
    data = models.JSONField()
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["occurred_at"], name="webhook_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"

    @property
    def msg_id(self) -> str:
        """The Standard Webhooks `webhook-id`: the same on every try and every endpoint, so
        a receiver drops what it has already seen."""
        return f"msg_{self.uid.hex}"


class WebhookDeliveryQuerySet(models.QuerySet):
    def queue(self, endpoint_id: int):
        """An endpoint's open deliveries, in the order their events happened."""
        return self.filter(endpoint_id=endpoint_id, status__in=["pending", "sending"]).order_by(
            "event__occurred_at", "event_id"
        )

    def recent(self, endpoint, limit: int = 50):
        return (
            self.filter(endpoint=endpoint)
            .select_related("event")
            .order_by("-event__occurred_at", "-id")[:limit]
        )


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Pending rows are not tried before this (backoff, Retry-After).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # After this, a failed try marks the row failed instead of scheduling another (24 h
    # from creation, or from "send again").
    give_up_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="webhook_delivery_open_idx",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}/{self.event_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.SENDING)
