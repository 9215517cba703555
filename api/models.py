"""API tokens: personal ones, which each person makes for themself, and service ones, which
people admins make for integrations. Only a SHA-256 digest of a token is kept (it is 256
random bits: a fast hash is enough, as for culture.models.ScimToken); the token itself is
shown once, when it is made."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from culture.models import Person

# What a token may do. Every object still comes through the access gate as the token's
# person: a scope never widens what that person may see, it narrows what the token may ask.
SCOPES = {
    "people:read": _("Read the directory, the teams and the reporting tree"),
    "memos:read": _("Read and search the decision memos you can see"),
    "memos:write": _("Write memos (as drafts) and rate open memos"),
    "feedback:read": _("Read your feedback circles, your summaries and your written feedback"),
    "keeper:read": _("Managers: read the keeper tests of your own reports in the open cycle"),
    "keeper:write": _("Managers: answer the keeper tests of your own reports"),
    "pay:read": _("Read the pay position of the people in your chain (managers, people admins)"),
}


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self, now: datetime | None = None) -> Self:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def personal_of(self, person: Person) -> Self:
        return self.filter(kind=ApiToken.Kind.PERSONAL, person=person).order_by(
            "-created_at", "-id"
        )

    def service(self) -> Self:
        return (
            self.filter(kind=ApiToken.Kind.SERVICE)
            .select_related("person", "revoked_by")
            .order_by("-created_at", "-id")
        )


class ApiToken(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        SERVICE = "service", _("Service")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    name = models.CharField(max_length=100)
    # Whom the token acts as: the person who made a personal token; for a service token the
    # people admin who made it, and only while they are an active people admin.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    scopes = ArrayField(models.CharField(max_length=20), default=list)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=16, help_text=_("Its first characters, to recognise it."))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "kind"], name="api_token_person_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
