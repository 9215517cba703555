"""Where a message goes: the one function that reads a person's delivery preferences.

    routes = Router.for_people(people)        # two queries, whatever the number of people
    route = routes.route(person, kind, urgent=False)
    route.channel      # "email", "slack" or "app" (chat.kinds)
    route.digest       # held for the person's daily digest
    route.send_after   # now, the end of the person's quiet hours, or their morning

Account messages (an invitation, a password reset: kinds outside chat.kinds' groups) go by
email at once, whatever anyone chose. Slack is chosen only while a workspace is connected;
otherwise email. Quiet hours are read in the person's own zone (culture.clock.zone_for): a
message written during them waits until they end. An urgent message (one that matters on
its date) ignores the digest, not the quiet hours. A morning message (a daily reminder)
waits for the person's morning, 09:00 to 14:00 in their zone: the sweeps that write them
run once a day at one UTC hour, which is evening somewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from chat import kinds
from chat.models import ChatSettings, DeliveryPreference, SlackInstallation
from culture import clock
from culture.request_local import once_per_request

# A Slack message not sent within this falls back to its email (chat.delivery).
SLACK_GIVE_UP = timedelta(hours=1)


@dataclass(frozen=True)
class Route:
    channel: str
    digest: bool
    send_after: datetime


def in_quiet_hours(local: datetime, start: time, end: time) -> bool:
    now = local.time()
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end  # across midnight, e.g. 22:00-07:00


def quiet_hours_end(local: datetime, start: time, end: time) -> datetime | None:
    """When the quiet hours `start`-`end` around `local` end (an aware datetime), or None
    when `local` is outside them. Computed in local wall time, so a summer-time change in
    the night still ends them at `end` o'clock."""
    if not in_quiet_hours(local, start, end):
        return None
    day = local.date()
    if local.time() >= end:
        day += timedelta(days=1)
    naive = datetime.combine(day, end)
    return timezone.make_aware(naive, local.tzinfo)


# A daily reminder reaches a person in this part of their day (their zone).
MORNING = (time(9), time(14))


def morning_start(local: datetime) -> datetime:
    """`local` itself when it is in the morning window, else the next 09:00 there (today's
    or tomorrow's), in local wall time across a summer-time change."""
    start, end = MORNING
    if start <= local.time() < end:
        return local
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, start), local.tzinfo)


def last_digest_moment(local: datetime, at: time) -> datetime:
    """The latest digest time at or before `local` (today's, or yesterday's)."""
    moment = timezone.make_aware(datetime.combine(local.date(), at), local.tzinfo)
    if moment > local:
        moment = timezone.make_aware(
            datetime.combine(local.date() - timedelta(days=1), at), local.tzinfo
        )
    return moment


def company_settings() -> ChatSettings:
    return once_per_request("chat_settings", ChatSettings.load)


def slack_connected() -> bool:
    return once_per_request("slack_connected", lambda: SlackInstallation.active() is not None)


class Router:
    def __init__(self, preferences: dict[int, DeliveryPreference], company: ChatSettings):
        self.preferences = preferences
        self.company = company
        self.slack_on = slack_connected()
        self.now = timezone.now()

    @classmethod
    def for_people(cls, people: Iterable) -> Router:
        """A router for these people: their preferences in one query, the company's default
        and whether Slack is connected once per request."""
        ids = {p.pk for p in people}
        preferences = DeliveryPreference.objects.in_bulk(list(ids)) if ids else {}
        return cls(preferences, company_settings())

    def channels_of(self, person) -> dict[str, str]:
        chosen = dict(self.company.default_channels or {})
        preference = self.preferences.get(person.pk)
        if preference is not None:
            chosen.update(preference.channels or {})
        return chosen

    def route(self, person, kind: str, *, urgent: bool = False, morning: bool = False) -> Route:
        group = kinds.group_of(kind)
        if group is None:
            return Route(kinds.EMAIL, False, self.now)
        channel = self.channels_of(person).get(group, kinds.EMAIL)
        if channel == kinds.SLACK and not self.slack_on:
            channel = kinds.EMAIL
        if channel not in (kinds.EMAIL, kinds.SLACK, kinds.APP):
            channel = kinds.EMAIL
        preference = self.preferences.get(person.pk)
        digest = preference.digest if preference is not None else self.company.default_digest
        urgent = urgent or kinds.is_urgent(kind)
        send_after = self.now
        if morning:
            send_after = morning_start(timezone.localtime(self.now, clock.zone_for(person)))
        if preference is not None and preference.quiet_from and preference.quiet_until:
            local = timezone.localtime(send_after, clock.zone_for(person))
            end = quiet_hours_end(local, preference.quiet_from, preference.quiet_until)
            if end is not None:
                send_after = end
        return Route(channel, bool(digest) and not urgent and channel != kinds.APP, send_after)
