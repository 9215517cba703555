"""Slack, Microsoft Teams and each person's choice of how messages reach them (issue 22).

- DeliveryPreference: per person, one channel per group of kinds (chat.kinds), quiet hours
  in their own zone and a daily digest; ChatSettings holds the company's default and the
  Slack app's credentials.
- SlackInstallation: the workspace a people admin connected, with its bot token encrypted
  (sso.crypto). SlackUser: who a person is in that workspace, matched by email.
- TeamsChannel: a team's channel, reached through a Teams Workflows webhook URL (a bearer
  secret, so encrypted too).
- ChatDelivery: the ledger of chat messages, in culture.ledger's discipline like the email
  ledger (culture.models.Delivery): unique key per channel, claimed by a conditional UPDATE,
  a lease for crashed workers, a sweeper. A Slack message carries the email that stands in
  for it (held until Slack answers): sent on Slack, the email is skipped; Slack gone or the
  person not found there, the email goes instead. Nothing is lost and nothing goes twice.
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chat import kinds
from culture.models import Delivery, Notification, Person, Team


def default_channels() -> dict[str, str]:
    return dict.fromkeys(kinds.GROUP_SLUGS, kinds.EMAIL)


class ChatSettings(models.Model):
    """One row (pk=1): the company's default delivery, and the Slack app to install."""

    default_channels = models.JSONField(default=default_channels)
    default_digest = models.BooleanField(
        _("daily digest by default"),
        default=False,
        help_text=_("People who have not chosen get one message a day instead of one each."),
    )
    slack_client_id = models.CharField(_("Slack app's client ID"), max_length=100, blank=True)
    slack_client_secret_encrypted = models.TextField(blank=True)
    slack_signing_secret_encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return "Chat settings"

    @classmethod
    def load(cls) -> ChatSettings:
        # Read-only: a page that shows the settings writes nothing (tests/security/
        # test_requests.py: no GET changes state); saving the unsaved default inserts it.
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class DeliveryPreference(models.Model):
    """How one person wants their messages. No row: the company's default."""

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="delivery_preference"
    )
    # group slug -> chat.kinds channel; a group missing here follows the company default.
    channels = models.JSONField(default=dict, blank=True)
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    digest = models.BooleanField(default=False)
    digest_at = models.TimeField(default=time(8, 0))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.person_id}"


class SlackInstallation(models.Model):
    """One row (pk=1): the Slack workspace the company connected, or none yet."""

    team_id = models.CharField(max_length=32, blank=True)
    team_name = models.CharField(max_length=200, blank=True)
    app_id = models.CharField(max_length=32, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    bot_token_encrypted = models.TextField(blank=True)
    scopes = models.CharField(max_length=500, blank=True)
    installed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    installed_at = models.DateTimeField(null=True, blank=True)
    # Set when Slack says the token is gone (uninstalled, revoked): messages go by email
    # until an admin connects again; the admin page says so.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    # Slack rate-limited us or is down: no Slack message is tried before this time.
    paused_until = models.DateTimeField(null=True, blank=True)
    users_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.team_name or "Slack (not connected)"

    @classmethod
    def load(cls) -> SlackInstallation:
        # Read-only: a page that shows the settings writes nothing (tests/security/
        # test_requests.py: no GET changes state); saving the unsaved default inserts it.
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @classmethod
    def active(cls) -> SlackInstallation | None:
        """The connected workspace whose token still works, or None."""
        return cls.objects.filter(pk=1, revoked_at__isnull=True, installed_at__isnull=False).first()

    @property
    def is_connected(self) -> bool:
        return self.installed_at is not None and self.revoked_at is None


class SlackUser(models.Model):
    """Who a person is in the connected workspace, matched by their email address. An
    empty slack_user_id: looked up and not found (they get email)."""

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="slack_user"
    )
    team_id = models.CharField(max_length=32)
    slack_user_id = models.CharField(max_length=32, blank=True)
    looked_up_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.person_id} -> {self.slack_user_id or 'not found'}"


class TeamsChannel(models.Model):
    """A team's Microsoft Teams channel, posted to through a Workflows webhook URL."""

    class Post(models.TextChoices):
        CIRCLES = "circles", _("Feedback circle invitations")
        MEMOS = "memos", _("Decision memos published")
        FEED = "feed", _("Celebrations and sunshines")

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="teams_channel")
    webhook_url_encrypted = models.TextField()
    # Its host, to show which URL is set without showing the secret path.
    url_host = models.CharField(max_length=200)
    posts = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    set_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Teams channel of {self.team_id}"


class ChatDeliveryQuerySet(models.QuerySet["ChatDelivery"]):
    def open(self) -> ChatDeliveryQuerySet:
        return self.filter(status__in=[ChatDelivery.Status.PENDING, ChatDelivery.Status.SENDING])


class ChatDelivery(models.Model):
    """One chat message (a Slack DM, a Teams channel post) in the ledger."""

    class Channel(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        # Waiting for the person's daily digest.
        HELD = "held"
        # Gathered into a digest message.
        DIGESTED = "digested"
        # Not sendable on this channel (Slack gone, person not in Slack): its email went.
        FELL_BACK = "fellback"

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="chat_deliveries"
    )
    teams_channel = models.ForeignKey(
        TeamsChannel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The email that stands in for this message (status held until this one is settled).
    email = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=64, blank=True)
    text = models.TextField(help_text=_("The message as plain text (notification text)."))
    payload = models.JSONField(default=dict, help_text=_("Block Kit blocks or a Teams card."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Not tried before this: quiet hours, Retry-After, backoff.
    send_after = models.DateTimeField(default=timezone.now)
    # After this, a message still unsent falls back to its email (Slack) or fails (Teams).
    give_up_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = ChatDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("chat deliveries")
        indexes = [
            models.Index(
                fields=["send_after"],
                name="chatdelivery_open_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(
                fields=["recipient", "created_at"],
                name="chatdelivery_held_idx",
                condition=Q(status="held"),
            ),
            models.Index(fields=["teams_channel", "-created_at"], name="chatdelivery_teams_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
