"""A feedback circle's phases as one table: what the facilitator may do in each phase and
where each step leads, and what each role sees and may press in the room.

Everything else is derived from this table (as decisions/services.py TRANSITIONS does for
memos): feedback.services.circle.do_step refuses a step its phase does not list, forms.StepForm
takes its choices from STEPS, feedback.room builds the facilitator's buttons from the
phase's steps and hands the template the viewer's SECTIONS, and the room shows a section
only when it is listed here.

Roles. Every seat is one of RECIPIENT (in the centre: writing and revealed only), WRITER
(present and not in the centre; in the lobby, wrap-up and after the end that is everyone
present) or LEFT (left the circle). The facilitator sees their seat's sections plus the
FACILITATOR row: the controls are an extra role, not a seat.

What the table does not say, because it depends on the data rather than the phase:
"pause" or "resume" (is the timer paused?), "undo" (is there a step to undo?), the list of
who has not written (is anybody missing?), "appreciate" (has the recipient thanked yet?),
"decide" (did the viewer receive anything?), "nudged" (were they nudged?), the revealed
rounds and the action items carried from last time (are there any?).

The rules, and why:
- lobby: the facilitator orders the seats, starts, hands over or ends; nothing to undo yet.
- writing: only now does anyone write, so only now is there "not written yet" and a nudge.
  The timer runs in writing and revealed, and nowhere else.
- wrap-up: nobody is in the centre any more. The recipient accepts or discards what they
  received and adds action items (their own follow-up, not a room step, so it goes on
  after the end too). The facilitator can still undo the last "next" or end the circle.
- ended: final, and the room becomes a read-only summary: no forms at all. No facilitator
  controls (no undo, hand-over, nudge or timer: the browsers' live streams close at the
  end, so an undone end would reach nobody), nobody in the centre, no leaving or rejoining;
  the circle's action items with their owners, the revealed rounds, and a prominent link to
  the viewer's own summary, where they go on accepting or discarding what they received
  and adding action items (their follow-up outlives the room). Presence says "left" for
  whoever is no longer on the page: nobody is expected in the room any more.
- Someone who left sees the room read-only plus "Rejoin" (until the circle ends): no
  writing, thanking, deciding, or "you were nudged".
- cancelled: the circle never started (moving and cancelling are organiser actions outside
  the room's steps: feedback.services.circle.do_reschedule_circle, do_cancel_circle); the room
  says so and offers nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from feedback.models import Circle

if TYPE_CHECKING:
    # A lazily translated string (gettext_lazy); django-stubs-ext is a dev dependency only.
    from django_stubs_ext import StrPromise

Phase = Circle.Phase

FACILITATOR = "facilitator"
RECIPIENT = "recipient"
WRITER = "writer"
LEFT = "left"
ROLES = (FACILITATOR, RECIPIENT, WRITER, LEFT)

# Where a step leads, when it is not one fixed phase.
STAYS = "stays"  # the same phase (timer, order, hand-over, nudge)
BACK = "back"  # the phase the last step was taken in (undo)
ONWARD = "onward"  # writing for the next person present, or wrap-up after the last one


@dataclass(frozen=True)
class Step:
    """A facilitator step. `label` is its button in the controls row ("" for the steps
    pressed from a form of their own: the order arrows, the nudge and hand-over forms);
    `refused` is what the facilitator is told when the phase does not allow it."""

    label: str | StrPromise
    refused: str | StrPromise
    primary: bool = False


STEPS: dict[str, Step] = {
    "start": Step(_("Start the circle"), _("The circle has already started."), primary=True),
    "reveal": Step(_("Reveal"), _("There is nothing to reveal now."), primary=True),
    "next": Step(_("Next person"), _("Reveal this round before moving on."), primary=True),
    "extend": Step(_("+2 minutes"), _("There is no timer running.")),
    "pause": Step(_("Pause timer"), _("There is no timer running.")),
    "resume": Step(_("Resume timer"), _("There is no timer running.")),
    "undo": Step(_("Undo last step"), _("There is nothing to undo.")),
    "end": Step(_("End the circle"), _("The circle has ended.")),
    "move": Step("", _("The order is fixed once the circle has started.")),
    "handover": Step("", _("The facilitator role cannot be handed over now.")),
    "nudge": Step("", _("Nudges are for the writing phase.")),
}
ENDED_REFUSAL = _("The circle has ended: its summary is final.")
CANCELLED_REFUSAL = _("This circle was cancelled before it started.")


# Sections of the room (templates/jinja2/feedback/room_state.html shows each only when listed):
#   centre_pill    the presence list marks who is in the centre
#   here_pills     the presence list says where each seat is (presence_label: "here", "not
#                  here yet", "away"; after the end "left"; "left" for who left, always)
#   timer          the round's timer
#   written_count  "N of M have written"
#   nudged         "the facilitator is waiting for your feedback" (when nudged)
#   centre_notice  "You are in the centre: listen"
#   compose        the form to write an item for the person in the centre
#   appreciate     the recipient's thank-you buttons (until they have thanked)
#   round_balance  the round's appreciative / developmental balance
#   decide         accept or discard what you received, and add action items
#   revealed       the revealed rounds (each viewer's, as CircleItem.visible_to allows)
#   carried        the open action items the person in the centre carries from earlier circles
#   leave / rejoin the button to leave the circle, or to come back
#   summary        a prominent link to the summary
#   actions        the circle's action items with their owners, read-only (after the end;
#                  someone else's only in a circle revealed to the whole circle)
#   controls       the facilitator's step buttons
#   order          the facilitator's arrows to reorder the seats
#   not_written    the facilitator's list of who has not written, with a nudge each
#   handover       the facilitator's form to hand the role to someone present
#   cancelled      the notice that the circle was cancelled before it started
SECTIONS = frozenset(
    {
        "centre_pill",
        "here_pills",
        "timer",
        "written_count",
        "nudged",
        "centre_notice",
        "compose",
        "appreciate",
        "round_balance",
        "decide",
        "revealed",
        "carried",
        "leave",
        "rejoin",
        "summary",
        "actions",
        "controls",
        "order",
        "not_written",
        "handover",
        "cancelled",
    }
)


@dataclass(frozen=True)
class PhaseRules:
    steps: dict[str, str]  # action -> where it leads: a phase, STAYS, BACK or ONWARD
    sections: dict[str, frozenset[str]]  # role -> the sections that role sees


def _rules(steps: dict[str, str], **sections: set[str]) -> PhaseRules:
    return PhaseRules(steps, {role: frozenset(shown) for role, shown in sections.items()})


# Shared rows: what every role sees in a phase, before its own sections.
_ALWAYS = {"revealed", "carried"}  # each only when there is any (visible_to decides whose)
_OPEN = _ALWAYS | {"here_pills"}  # lobby to wrap-up: people are expected in the room
_ROUND = _OPEN | {"centre_pill", "timer"}  # writing and revealed: someone is in the centre

TABLE: dict[str, PhaseRules] = {
    Phase.LOBBY: _rules(
        {"start": Phase.WRITING, "end": Phase.ENDED, "move": STAYS, "handover": STAYS},
        facilitator={"controls", "order", "handover"},
        recipient=_OPEN | {"leave"},
        writer=_OPEN | {"leave"},
        left=_OPEN | {"rejoin"},
    ),
    Phase.WRITING: _rules(
        {
            "reveal": Phase.REVEALED,
            "extend": STAYS,
            "pause": STAYS,
            "resume": STAYS,
            "undo": BACK,
            "end": Phase.ENDED,
            "handover": STAYS,
            "nudge": STAYS,
        },
        facilitator={"controls", "not_written", "handover"},
        recipient=_ROUND | {"written_count", "centre_notice", "leave"},
        writer=_ROUND | {"written_count", "compose", "nudged", "leave"},
        left=_ROUND | {"written_count", "rejoin"},
    ),
    Phase.REVEALED: _rules(
        {
            "next": ONWARD,
            "extend": STAYS,
            "pause": STAYS,
            "resume": STAYS,
            "undo": BACK,
            "end": Phase.ENDED,
            "handover": STAYS,
        },
        facilitator={"controls", "handover"},
        recipient=_ROUND | {"round_balance", "appreciate", "leave"},
        writer=_ROUND | {"round_balance", "leave"},
        left=_ROUND | {"round_balance", "rejoin"},
    ),
    Phase.WRAPUP: _rules(
        {"undo": BACK, "end": Phase.ENDED, "handover": STAYS},
        facilitator={"controls", "handover"},
        recipient=_OPEN | {"decide", "leave"},
        writer=_OPEN | {"decide", "leave"},
        left=_OPEN | {"rejoin"},
    ),
    Phase.ENDED: _rules(
        {},
        facilitator=set(),
        recipient=_ALWAYS | {"here_pills", "actions", "summary"},
        writer=_ALWAYS | {"here_pills", "actions", "summary"},
        left=_ALWAYS | {"here_pills", "actions", "summary"},
    ),
    # Cancelled before it started (feedback.services.circle.do_cancel_circle): nothing happened,
    # so nothing to show or press but the notice.
    Phase.CANCELLED: _rules(
        {},
        facilitator=set(),
        recipient={"cancelled"},
        writer={"cancelled"},
        left={"cancelled"},
    ),
}


def refusal(phase: str, action: str) -> str | None:
    """Why `action` may not be taken in `phase`, or None when the table allows it."""
    if action not in STEPS:
        return str(_("Unknown step."))
    if action in TABLE[phase].steps:
        return None
    if phase == Phase.CANCELLED:
        return str(CANCELLED_REFUSAL)
    return str(ENDED_REFUSAL if phase == Phase.ENDED else STEPS[action].refused)


def leads_to(phase: str, action: str) -> str:
    """Where an allowed step leads from `phase`: a phase, STAYS, BACK or ONWARD."""
    return TABLE[phase].steps[action]


def allows(phase: str, action: str) -> bool:
    return action in TABLE[phase].steps


def buttons(phase: str) -> list[tuple[str, Step]]:
    """The phase's steps that have a button in the controls row, in the table's order."""
    return [(action, STEPS[action]) for action in TABLE[phase].steps if STEPS[action].label]


def role_of(seat, recipient_seat) -> str:
    """The viewer's seat role: LEFT, RECIPIENT (in the centre) or WRITER. A viewer without
    a seat (none reach the room: the access gate wants one) counts as LEFT: read-only."""
    if seat is None or seat.left_at is not None:
        return LEFT
    if recipient_seat is not None and seat.pk == recipient_seat.pk:
        return RECIPIENT
    return WRITER


def sections(phase: str, role: str, *, facilitator: bool) -> frozenset[str]:
    """What one viewer sees: their seat role's sections, plus the facilitator's."""
    rules = TABLE[phase].sections
    shown = rules[role]
    if facilitator:
        shown |= rules[FACILITATOR]
    return shown


def shows(phase: str, role: str, section: str) -> bool:
    """Whether `role` sees (and so may press) `section` in `phase`."""
    return section in TABLE[phase].sections[role]


def has_centre(phase: str) -> bool:
    """Someone sits in the centre in this phase (the table shows them the centre pill)."""
    return shows(phase, WRITER, "centre_pill")


# --- What the room says about the circle's progress and about each seat --------------------

# The step bar: the circle as a meeting's agenda. Writing and revealed are one step, "one
# person at a time" (each person's round is writing, then the reveal). A cancelled circle
# never started and has no bar.
STEP_BAR: tuple[tuple[str, str | StrPromise, frozenset[str]], ...] = (
    ("lobby", _("Lobby"), frozenset({Phase.LOBBY})),
    ("rounds", _("One person at a time"), frozenset({Phase.WRITING, Phase.REVEALED})),
    ("wrapup", _("Wrap-up"), frozenset({Phase.WRAPUP})),
    ("ended", _("Ended"), frozenset({Phase.ENDED})),
)

DONE = "done"
CURRENT = "current"
TODO = "todo"


def step_bar(phase: str) -> list[dict]:
    """The bar's steps in order, each {"key", "label", "state"}: DONE, CURRENT or TODO.
    Empty for a cancelled circle."""
    keys = [key for key, _label, phases_ in STEP_BAR if phase in phases_]
    if not keys:
        return []
    current = [key for key, _label, _phases in STEP_BAR].index(keys[0])
    return [
        {
            "key": key,
            "label": label,
            "state": DONE if i < current else CURRENT if i == current else TODO,
        }
        for i, (key, label, _phases) in enumerate(STEP_BAR)
    ]


# Presence, honestly, by phase: (label, pill tone). Nobody is "missing" before the circle
# has started, and after the end whoever closed the page has simply left.
HERE = (_("here"), "good")
NOT_YET = (_("not here yet"), "")
AWAY = (_("away"), "warn")
GONE = (_("left"), "")


def presence_label(
    phase: str, *, here: bool, seen: bool, left: bool
) -> tuple[str | StrPromise, str] | None:
    """What a seat's presence pill says, or None for no pill. `here`: on the page now;
    `seen`: has been on the page at some point; `left`: pressed "Leave the circle"."""
    if left:
        return GONE
    if phase == Phase.CANCELLED:
        return None
    if here:
        return HERE
    if phase == Phase.ENDED:
        return GONE if seen else None
    if phase == Phase.LOBBY or not seen:
        return NOT_YET
    return AWAY
