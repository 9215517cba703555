"""The kinds of message the product sends, grouped the way a person chooses how to get them.

A person picks one channel per group (email, Slack or the app only) on their account page;
people admins pick the company's default. Account messages (an invitation, a password reset,
a security notice) are not in any group: they always go by email, whatever anyone chose.

`urgent` marks a kind that matters on its date (a circle about to start, a rating window
about to close): it ignores the daily digest. A message can also be urgent on its own (the
keeper nudge on the due date), through notify(..., urgent=True).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EMAIL = "email"
SLACK = "slack"
APP = "app"
CHANNELS: list[tuple[str, StrOrPromise]] = [
    (EMAIL, _("Email")),
    (SLACK, "Slack"),
    (APP, _("In the app only")),
]


@dataclass(frozen=True)
class Group:
    slug: str
    label: StrOrPromise
    help: StrOrPromise


GROUPS = [
    Group(
        "keeper",
        _("Keeper tests"),
        _("A cycle opening, what is still to answer, overdue reports."),
    ),
    Group("circles", _("Feedback circles"), _("Invitations, changes, reminders before a circle.")),
    Group(
        "feedback",
        _("Written feedback"),
        _("Requests for feedback and feedback you received."),
    ),
    Group("memos", _("Decision memos"), _("Invitations to rate, mentions, replies, look-backs.")),
    Group("pay", _("Pay"), _("Raise proposals and pay reviews for the people you look after.")),
    Group("team", _("Your team"), _("Time away, context changes and other news of your team.")),
]
GROUP_SLUGS = [g.slug for g in GROUPS]

# kind -> (group, urgent)
KINDS: dict[str, tuple[str, bool]] = {
    "keeper.opened": ("keeper", False),
    "keeper.prompt": ("keeper", False),
    "keeper.nudge": ("keeper", False),
    "keeper.remind": ("keeper", False),
    "keeper.overdue": ("keeper", False),
    "keeper.look_again": ("keeper", False),
    "keeper.post_exit": ("keeper", False),
    "feedback.circle_invite": ("circles", False),
    "feedback.circle_update": ("circles", False),
    "feedback.circle_cancelled": ("circles", True),
    "feedback.circle_reminder": ("circles", True),
    "feedback.nudge": ("circles", False),
    "feedback.circle_due": ("circles", False),
    "feedback.requested": ("feedback", False),
    "feedback.request_reminder": ("feedback", False),
    "feedback.received": ("feedback", False),
    "feedback.campaign_opened": ("feedback", False),
    "feedback.campaign_reminder": ("feedback", True),
    "decisions.invited": ("memos", False),
    "decisions.rate_reminder": ("memos", True),
    "decisions.captain": ("memos", False),
    "decisions.mention": ("memos", False),
    "decisions.reply": ("memos", False),
    "decisions.revisit": ("memos", False),
    "decisions.look_back": ("memos", False),
    "decisions.bet_review": ("memos", False),
    "pay.proposal": ("pay", False),
    "pay.review": ("pay", False),
    "pay.evidence_shared": ("pay", False),
    "context.changed": ("team", False),
    "freedom.time_off_nudge": ("team", False),
}


def group_of(kind: str) -> str | None:
    """The group a person chooses for `kind`; None for account messages (always email)."""
    entry = KINDS.get(kind)
    return entry[0] if entry else None


def is_urgent(kind: str) -> bool:
    entry = KINDS.get(kind)
    return bool(entry and entry[1])
