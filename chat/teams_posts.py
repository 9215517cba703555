"""Posts to a team's Microsoft Teams channel, written in the transaction of the change that
causes them and handed to the chat ledger (chat.delivery) after commit.

`post` is the one way in: when the team has an active channel that takes this type of post
(TeamsChannel.posts), one ChatDelivery row is written under the key
`teams:<channel>:<key>`, exactly once whoever calls it how often. With no channel set it
costs one indexed query (TeamsChannel.team is unique).

The services call one hook each, with public fields only (what the pages show everyone):

A channel is read by the whole team: its posts are in the company's language
(settings.LANGUAGE_CODE) and name the company's zone with any time they give.

- `circle_scheduled` (feedback.services.circle): the circle's title and time in the
  company's zone (named), to the team most of its people belong to; never who sits where or any
  item.
- `memo_published` (decisions.services): the title, the captain and the decide-by date, to
  the captain's team; a confidential memo posts nothing.
- `outcome_posted` (decisions.services): what the company feed shows of a celebration or a
  sunshine (the celebration note, or "what we learned", cut at 200 characters as the feed
  cuts it), to the captain's team; a confidential memo posts nothing.

This module does not import feedback or decisions (they import it); it reads the objects
it is given.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chat import blocks
from chat.delivery import TEAMS_GIVE_UP, enqueue
from chat.models import ChatDelivery, TeamsChannel
from culture import clock
from culture.models import Team

Post = TeamsChannel.Post
TEST = "test"
# What the feed page shows of a celebration or a sunshine (templates/decisions/index.html).
FEED_CHARS = 200


@contextmanager
def for_channel() -> Iterator[None]:
    """Write as a team's channel reads: the company's language and zone."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(clock.company_zone()):
        yield


def post(
    team: Team | int | None,
    *,
    post_type: str,
    key: str,
    title: str,
    text: str,
    url: str,
) -> ChatDelivery | None:
    """Queue a post to `team`'s channel if it has an active one that takes `post_type`.
    The row, or None (no channel, not this type, or this key was already posted)."""
    team_id = team.pk if isinstance(team, Team) else team
    if team_id is None:
        return None
    channel = (
        TeamsChannel.objects.filter(team_id=team_id, is_active=True).only("pk", "posts").first()
    )
    if channel is None or post_type not in channel.posts:
        return None
    return queue(channel, post_type=post_type, key=key, title=title, text=text, url=url)


def queue(
    channel: TeamsChannel, *, post_type: str, key: str, title: str, text: str, url: str
) -> ChatDelivery | None:
    """Write the row (a key already written: nothing) and hand it over after commit."""
    now = timezone.now()
    with for_channel():
        payload = blocks.teams_card(title, text, blocks.TEAMS_WHY.get(post_type, ""), url)
    row = ChatDelivery(
        key=f"teams:{channel.pk}:{key}"[:200],
        channel=ChatDelivery.Channel.TEAMS,
        teams_channel=channel,
        kind=f"teams.{post_type}",
        text=f"{title}\n{text}".strip(),
        payload=payload,
        created_at=now,
        send_after=now,
        give_up_at=now + TEAMS_GIVE_UP,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # the same key again: posted once already
        return None
    enqueue([row.pk])
    return row


def test_post(channel: TeamsChannel, *, by_name: str) -> ChatDelivery | None:
    with for_channel():
        title = _("Test post from Culture")
        text = _("%(name)s sent this to check that posts reach this channel.") % {"name": by_name}
    return queue(
        channel,
        post_type=TEST,
        key=f"test:{uuid.uuid4().hex}",
        title=title,
        text=text,
        url=reverse("chat:teams_channel", args=[channel.team.slug]),
    )


def recent(channel: TeamsChannel, limit: int = 20) -> QuerySet[ChatDelivery]:
    """The channel's newest posts, with what the settings page shows (one query)."""
    return (
        ChatDelivery.objects.filter(teams_channel=channel)
        .only(
            "kind",
            "text",
            "status",
            "attempts",
            "created_at",
            "sent_at",
            "send_after",
            "last_error",
        )
        .order_by("-created_at", "-id")[:limit]
    )


# --- the services' hooks ---------------------------------------------------------------------


def circle_team(people: Iterable[Any]) -> int | None:
    """The team more than half of a circle's people belong to, else None (a circle across
    teams belongs to no one channel)."""
    team_ids = [p.team_id for p in people]
    counts = Counter(t for t in team_ids if t is not None)
    if not counts:
        return None
    team_id, n = counts.most_common(1)[0]
    return team_id if 2 * n > len(team_ids) else None


def circle_scheduled(circle: Any, people: Iterable[Any]) -> ChatDelivery | None:
    with for_channel():
        # The company's zone, named: the channel's readers may sit in other zones.
        local = timezone.localtime(circle.scheduled_at, clock.company_zone())
        title = _("Feedback circle: %(title)s") % {"title": circle.title}
        text = _("On %(day)s, %(time)s %(zone)s.") % {
            # The circle's day in a channel post: weekday, day, month and year in full.
            "day": date_format(local, pgettext("circle day in a chat post", "l j F Y")),
            "time": date_format(local, "TIME_FORMAT"),
            "zone": local.tzname(),
        }
    return post(
        circle_team(people),
        post_type=Post.CIRCLES,
        key=f"circle:{circle.pk}:scheduled",
        title=title,
        text=text,
        url=circle.get_absolute_url(),
    )


def _memo_url(memo: Any, anchor: str = "") -> str:
    return reverse("decisions:memo", args=[memo.pk]) + anchor


def memo_published(memo: Any) -> ChatDelivery | None:
    if memo.confidential:
        return None
    with for_channel():
        if memo.decide_by:
            text = _(
                "Captain: %(captain)s. Rate it from −10 to +10, with your reason, by %(date)s."
            ) % {
                "captain": memo.captain.name,
                "date": date_format(
                    memo.decide_by, pgettext("decide-by date in a chat post", "j F Y")
                ),
            }
        else:
            text = _("Captain: %(captain)s.") % {"captain": memo.captain.name}
        title = _("Memo published: %(title)s") % {"title": memo.title}
    return post(
        memo.captain.team_id,
        post_type=Post.MEMOS,
        key=f"memo:{memo.pk}:published",
        title=title,
        text=text,
        url=_memo_url(memo),
    )


def outcome_posted(memo: Any, kind: str) -> ChatDelivery | None:
    """A celebration ("celebration") or a sunshine ("sunshine") posted to the feed."""
    if memo.confidential:
        return None
    with for_channel():
        if kind == "celebration":
            title = _("Celebrated: %(title)s") % {"title": memo.title}
            note = Truncator(memo.celebration).chars(FEED_CHARS)
        else:
            title = _("Sunshined: %(title)s") % {"title": memo.title}
            note = _("What we learned: %(learned)s") % {
                "learned": Truncator(memo.sunshine_learned).chars(FEED_CHARS)
            }
        text = _("%(note)s (by %(captain)s)") % {"note": note, "captain": memo.captain.name}
    return post(
        memo.captain.team_id,
        post_type=Post.FEED,
        key=f"memo:{memo.pk}:{kind}",
        title=title,
        text=text,
        url=_memo_url(memo, "#outcome"),
    )
