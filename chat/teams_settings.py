"""Writes for a team's Microsoft Teams channel, from its settings page: set the Workflows
URL and which posts go, send a test post, turn off and on, remove. A team's managers and
the people admins do these (chat.access_teams); each is audited (culture.audit), never
with the URL itself (a bearer secret: encrypted at rest, shown as its host only)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import teams, teams_posts
from chat.models import ChatDelivery, TeamsChannel
from culture import audit
from culture.errors import InvalidInput
from culture.models import AuditEvent, Person, Team
from sso import crypto

TURNED_OFF = "chat.teams_channel_turned_off"
OFF_ACTIONS = [TURNED_OFF, teams.DISABLED_ACTION]


class TeamsChannelError(InvalidInput):
    """Refused as asked (422): a test post to a channel that is off, a first save with no
    URL."""


def _audit(by: Person, action: str, channel: TeamsChannel, **detail) -> None:
    audit.record(
        by,
        action,
        obj=channel,
        detail={"team": channel.team.slug, "host": channel.url_host, **detail},
    )


def do_set_channel(*, by: Person, team: Team, url: str, posts: list[str]) -> TeamsChannel:
    """Set the channel's URL (blank: keep the one set) and its posts. A new URL starts
    afresh: on, with no failure record."""
    posts = [p for p in TeamsChannel.Post.values if p in posts]
    with transaction.atomic():
        channel = TeamsChannel.objects.select_for_update().filter(team=team).first()
        if channel is None and not url:
            raise TeamsChannelError(_("Paste the Workflows URL of the team's channel."))
        if channel is None:
            channel = TeamsChannel(team=team)
        if url:
            channel.webhook_url_encrypted = crypto.encrypt(url)
            channel.url_host = (urlsplit(url).hostname or "")[:200]
            channel.is_active = True
            channel.failing_since = None
            channel.paused_until = None
            channel.last_error = ""
            channel.set_by = by
            channel.set_at = timezone.now()
        channel.posts = posts
        channel.save()
        _audit(by, "chat.teams_channel_set", channel, posts=posts, url_changed=bool(url))
    return channel


def do_test_post(*, by: Person, channel: TeamsChannel) -> ChatDelivery:
    with transaction.atomic():
        if not TeamsChannel.objects.filter(pk=channel.pk, is_active=True).exists():
            raise TeamsChannelError(_("The channel is turned off: turn it on first."))
        row = teams_posts.test_post(channel, by_name=by.name)
        assert row is not None  # a fresh key each time
        _audit(by, "chat.teams_test_post", channel)
    return row


def do_turn_off(*, by: Person, channel: TeamsChannel) -> bool:
    with transaction.atomic():
        changed = TeamsChannel.objects.filter(pk=channel.pk, is_active=True).update(
            is_active=False, paused_until=None
        )
        if changed:
            teams.fail_open(channel.pk, "The channel was turned off.")
            _audit(by, TURNED_OFF, channel, reason=f"Turned off by {by.name}.")
    return bool(changed)


def do_turn_on(*, by: Person, channel: TeamsChannel) -> bool:
    """On again, with a clean failure record."""
    with transaction.atomic():
        changed = TeamsChannel.objects.filter(pk=channel.pk, is_active=False).update(
            is_active=True, failing_since=None, paused_until=None, last_error=""
        )
        if changed:
            _audit(by, "chat.teams_channel_turned_on", channel)
    return bool(changed)


def do_remove(*, by: Person, channel: TeamsChannel) -> None:
    """Forget the URL and the channel's posts (the audit log keeps who removed it)."""
    with transaction.atomic():
        _audit(by, "chat.teams_channel_removed", channel, posts=channel.posts)
        TeamsChannel.objects.filter(pk=channel.pk).delete()


def why_off(channel: TeamsChannel) -> AuditEvent | None:
    """Who or what turned the channel off, and why: the newest such audit row (one query;
    None while it is on)."""
    if channel.is_active:
        return None
    return (
        AuditEvent.objects.filter(
            action__in=OFF_ACTIONS,
            object_type=TeamsChannel._meta.label_lower,
            object_id=str(channel.pk),
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
