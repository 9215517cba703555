"""Microsoft Teams: posting a claimed ledger row to a team's channel (chat.delivery calls
`send`), and turning off a channel that keeps failing.

A team's channel is reached through a Teams Workflows webhook URL ("Post to a channel when
a webhook request is received"): the URL is a bearer secret, stored encrypted (sso.crypto).
Each post is a JSON POST of an Adaptive Card message (chat.blocks.teams_card); Workflows
answers 202 Accepted. What the answer means for the row (chat.delivery.settle):

- 2xx: sent;
- 429: tried again after Retry-After, the whole channel paused until then;
- 5xx, a timeout, a refused connection: tried again with backoff, the channel paused;
- any other 4xx (404/410: the workflow was deleted; 400: a card it will not take): failed.

A channel whose posts have failed for 24 hours (TeamsChannel.failing_since) is turned off
on its next failure, its open posts fail, and the team's managers and the people admins are
told in-app and by email (as webhooks.delivery does for an endpoint after 3 days).

Rows are written by chat.teams_posts (in the services' transactions); this module imports
nothing of chat.delivery, which imports it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.access_teams import team_managers
from chat.models import ChatDelivery, TeamsChannel
from chat.outcome import Outcome
from culture import audit
from culture.i18n import as_reader
from culture.models import Person
from sso import crypto
from webhooks import addresses
from webhooks.delivery import retry_after

log = logging.getLogger(__name__)

TIMEOUT = getattr(settings, "TEAMS_TIMEOUT_SECONDS", 5)
DISABLE_AFTER = timedelta(hours=24)
USER_AGENT = "Culture-Teams/1"
DISABLED_ACTION = "chat.teams_channel_disabled"


def send(row: ChatDelivery) -> Outcome:
    """POST one claimed row's card to its channel; what happened, for chat.delivery.settle."""
    channel = TeamsChannel.objects.filter(pk=row.teams_channel_id or 0).first()
    if channel is None or not channel.is_active:
        return Outcome.failed("The channel is turned off.")
    try:
        url = crypto.decrypt(channel.webhook_url_encrypted)
    except crypto.Unreadable:
        error = "The webhook URL cannot be read (the key changed): set it again."
        return _failing(channel, Outcome.failed(error))
    if (reason := addresses.refusal(url)) is not None:
        return _failing(channel, Outcome.failed(reason))
    try:
        response = requests.post(
            url,
            json=row.payload,
            headers={"User-Agent": USER_AGENT},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return _failing(channel, Outcome.retry(f"{type(exc).__name__}: {exc}", pause=True))
    code = response.status_code
    if 200 <= code < 300:
        return Outcome.sent()
    error = f"HTTP {code}"
    if detail := response.text.strip()[:200]:
        error = f"{error}: {detail}"
    if code == 429:
        wait = retry_after(response.headers.get("Retry-After"), timezone.now())
        after = wait.total_seconds() if wait is not None else None
        return _failing(channel, Outcome.retry(error, after=after, pause=True))
    if code >= 500:
        return _failing(channel, Outcome.retry(error, pause=True))
    return _failing(channel, Outcome.failed(error))


def _failing(channel: TeamsChannel, outcome: Outcome) -> Outcome:
    """A failed try: past 24 hours of failures the channel is turned off (and this post
    fails with it), else `outcome` as it is."""
    now = timezone.now()
    if channel.failing_since is not None and now - channel.failing_since >= DISABLE_AFTER:
        reason = f"Every post failed for 24 hours (last: {outcome.error})"
        disable(channel.pk, reason=reason, now=now)
        return Outcome.failed(f"The channel was turned off: {outcome.error}")
    return outcome


def fail_open(channel_id: int, error: str) -> int:
    """Fail the channel's posts not yet sent (it was turned off or removed)."""
    return ChatDelivery.objects.filter(
        teams_channel_id=channel_id,
        status__in=[ChatDelivery.Status.PENDING, ChatDelivery.Status.SENDING],
    ).update(status=ChatDelivery.Status.FAILED, last_error=error)


def disable(channel_id: int, *, reason: str, now: datetime | None = None) -> bool:
    """Turn a failing channel off for the system, fail its open posts, record why (audit)
    and tell the team's managers and the people admins. True if this call turned it off."""
    from culture.notifications import notify

    now = now or timezone.now()
    with transaction.atomic():
        turned_off = TeamsChannel.objects.filter(pk=channel_id, is_active=True).update(
            is_active=False, paused_until=None
        )
        if not turned_off:
            return False
        fail_open(channel_id, "The channel was turned off.")
        channel = TeamsChannel.objects.select_related("team").get(pk=channel_id)
        audit.record(None, DISABLED_ACTION, obj=channel, detail={"reason": reason[:500]})
        team = channel.team
        url = reverse("chat:teams_channel", args=[team.slug])
        people = {p.pk: p for p in team_managers(team)}
        admins = Person.objects.filter(is_people_admin=True, is_active=True)
        people.update({p.pk: p for p in admins})
        for person in people.values():
            # The reason is the ledger's diagnostic (HTTP status, Teams' answer): as recorded.
            with as_reader(person):
                title = _("The Teams channel of %(team)s was turned off") % {"team": team.name}
                body = _(
                    "%(reason)s. Nothing more is posted to it until someone turns it back on "
                    "or sets a new Workflows URL."
                ) % {"reason": reason}
            notify(
                person,
                key=f"chat:teams_disabled:{channel_id}:{now:%Y%m%d%H%M%S}:{person.pk}",
                kind="chat.teams_disabled",
                title=title,
                body=body,
                url=url,
            )
    log.warning("teams channel %s turned off: %s", channel_id, reason)
    return True


class Sender:
    """chat.delivery's sender for Teams rows (registered by chat.apps): each row goes to its
    own team's channel, so there is nothing to share across a batch."""

    def send(self, row: ChatDelivery) -> Outcome:
        return send(row)
