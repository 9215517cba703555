"""What one viewer sees of a circle right now, rendered on the server for that viewer.

Which sections and controls that is, in each phase and for each role, is feedback.phases'
to say (room_context hands the template `show`, the viewer's sections); this module only
fills them in.

Before a reveal, nobody gets anyone else's items or who wrote them: the only query for item
content is CircleItem.objects.visible_to(circle, viewer); the counts query returns author
ids only, and is used as "N of M have written" (plus, for the facilitator, who has not).
A fixed number of queries, whatever the number of seats, items or past circles (fewer in
the lobby, and with nobody in the centre: queries for what is not shown are skipped;
one more, names only, when an item's author no longer has a seat: _attach_authors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from culture.models import Person
from feedback import phases
from feedback.models import (
    ActionItem,
    Circle,
    CircleItem,
    Kind,
    Participant,
    shows_action_item,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Phase = Circle.Phase
SEAT_FIELDS = [f.name for f in Participant._meta.concrete_fields]


def balance(items) -> dict:
    total = len(items)
    appreciative = sum(1 for i in items if i.kind == Kind.CONTINUE)
    share = round(100 * appreciative / total) if total else 0
    return {
        "total": total,
        "appreciative": appreciative,
        "share": share,
        "dev_share": 100 - share if total else 0,
    }


def room_context(circle: Circle, viewer) -> dict:
    now = timezone.now()
    phase = circle.phase
    # The person's name and email are all a seat shows (a person row is 18 columns).
    seats = list(
        Participant.objects.filter(circle=circle)
        .select_related("person")
        .only(*SEAT_FIELDS, "person__name", "person__email")
    )
    viewer_id = viewer.pk
    me = next((s for s in seats if s.person_id == viewer_id), None)
    present = [s for s in seats if s.left_at is None]
    # Someone sits in the centre only while writing and revealed: in the wrap-up and after
    # the end, current_position still names the last one, who is in the centre no more.
    recipient = (
        next((s for s in seats if s.position == circle.current_position), None)
        if phases.has_centre(phase)
        else None
    )
    is_facilitator = circle.facilitator_id == viewer_id
    role = phases.role_of(me, recipient)
    # What this viewer sees and may press: feedback.phases is the one place that says so.
    show = phases.sections(phase, role, facilitator=is_facilitator)
    # In the lobby nothing from the items is shown (no round yet, nothing revealed), so a
    # live re-fetch there skips the query.
    visible = [] if phase == Phase.LOBBY else list(CircleItem.objects.visible_to(circle, viewer))
    _attach_authors(visible, seats)
    writer_ids = set()
    if recipient is not None and show & {"written_count", "not_written", "nudged"}:
        writer_ids = set(
            CircleItem.objects.filter(circle=circle, recipient_position=circle.current_position)
            .order_by()
            .values_list("author_id", flat=True)
        )
    writers_expected = [s for s in present if recipient is None or s.pk != recipient.pk]
    not_written = [s for s in writers_expected if s.person_id not in writer_ids]
    live_presence = "here_pills" in show
    for seat in seats:  # what each seat's row shows, computed once here
        seat.here = live_presence and seat.is_here(now)
        seat.in_centre = recipient is not None and seat.pk == recipient.pk
        seat.presence = (
            phases.presence_label(
                phase, here=seat.here, seen=seat.last_seen is not None, left=bool(seat.left_at)
            )
            if live_presence or seat.left_at
            else None
        )

    current_items = [
        i for i in visible if recipient is not None and i.recipient_position == recipient.position
    ]
    my_current = [i for i in current_items if i.author_id == viewer_id]
    revealed_rounds = []
    by_position: dict[int, list] = {}
    if "revealed" in show:
        for item in visible:
            if item.recipient_position <= circle.revealed_through:
                by_position.setdefault(item.recipient_position, []).append(item)
    for seat in seats:
        if seat.position in by_position:
            revealed_rounds.append({"seat": seat, "items": by_position[seat.position]})
    revealed_rounds.reverse()  # newest round first
    received = (
        [
            i
            for i in visible
            if i.recipient_id == viewer_id and i.recipient_position <= circle.revealed_through
        ]
        if "decide" in show
        else []
    )

    # Action items: this circle's (shown with what you received, from the wrap-up on), plus
    # the open ones the person in the centre carries from any earlier circle, whoever else
    # sat in it: an action item follows its owner and comes back in their round, where
    # they can check it off. One query for both, none when neither is shown. In a circle
    # revealed only to the recipient, only the person in the centre sees theirs.
    own = "decide" in show or "actions" in show
    carrier = None
    if (
        recipient is not None
        and "carried" in show
        and (circle.reveal_to == Circle.Audience.CIRCLE or recipient.person_id == viewer_id)
    ):
        carrier = recipient.person_id
    actions = (
        list(ActionItem.objects.for_room(circle, own=own, centre_person_id=carrier))
        if own or carrier is not None
        else []
    )
    carried = [a for a in actions if a.circle_id != circle.pk and not a.done]
    mine = [a for a in actions if a.circle_id == circle.pk and a.owner_id == viewer_id]
    # After the end, the circle's action items with their owners: everyone's in a circle
    # revealed to the circle (the commitments are shared there), else only the viewer's own.
    circle_actions = (
        sorted((a for a in actions if shows_action_item(circle, a, viewer_id)), key=lambda a: a.pk)
        if "actions" in show
        else []
    )

    round_balance = balance(current_items) if "round_balance" in show else None
    can_move = "order" in show
    can_undo = (
        "controls" in show
        and phases.allows(phase, "undo")
        and circle.steps.exclude(action="handover").exists()
    )
    return {
        "circle": circle,
        "show": show,
        "role": role,
        "step_bar": phases.step_bar(phase),
        "step_url": reverse("feedback:step", args=[circle.pk]),
        "step_buttons": _step_buttons(circle, can_undo) if "controls" in show else [],
        "seats": seats,
        "me": me,
        "present": present,
        "can_move": can_move,
        "live_presence": live_presence,
        "handover_to": [s for s in present if s.person_id != circle.facilitator_id]
        if "handover" in show
        else [],
        "recipient": recipient,
        "is_facilitator": is_facilitator,
        "written_count": len([s for s in writers_expected if s.person_id in writer_ids]),
        "expected_count": len(writers_expected),
        "not_written": not_written if "not_written" in show else [],
        "nudged": "nudged" in show
        and me is not None
        and me.nudged_at is not None
        and me.person_id not in writer_ids,
        "my_current": my_current,
        "my_balance": balance(my_current),
        "round_balance": round_balance,
        "round_balance_text": _round_balance_text(round_balance) if round_balance else "",
        "revealed_rounds": revealed_rounds,
        "received": received,
        "carried": carried,
        "carried_mine": bool(carried)
        and recipient is not None
        and recipient.person_id == viewer_id,
        "my_actions": mine,
        "circle_actions": circle_actions,
        "can_write": "compose" in show and recipient is not None,
        "seconds_left": circle.seconds_left(now),
        "paused": circle.paused_remaining is not None,
    }


def _round_balance_text(counts: dict) -> str:
    """The revealed round's balance, in the reader's language (room_state.html)."""
    return ngettext(
        "This round: %(appreciative)s appreciative of %(total)s items (%(share)s%%; rule of "
        "thumb about 25%%).",
        "This round: %(appreciative)s appreciative of %(total)s items (%(share)s%%; rule of "
        "thumb about 25%%).",
        counts["total"],
    ) % {
        "appreciative": counts["appreciative"],
        "total": counts["total"],
        "share": counts["share"],
    }


def _attach_authors(items, seats) -> None:
    """Give every item its author from the seats already fetched (authors sit in the
    circle), instead of joining a whole person row to each of hundreds of items. An author
    whose seat is gone is fetched, names only, in one more query."""
    people = {seat.person_id: seat.person for seat in seats}
    missing = {item.author_id for item in items} - people.keys()
    if missing:
        people.update(Person.objects.only("name", "email").in_bulk(missing))
    cache_author = CircleItem.author.field.set_cached_value
    for item in items:
        cache_author(item, people[item.author_id])


def _step_buttons(circle: Circle, can_undo: bool) -> list[tuple[str, str | StrPromise, bool]]:
    """The facilitator's step buttons, (action, label, secondary): the phase's steps in
    feedback.phases, less those the state rules out (pause or resume, whichever the timer
    is not; undo with nothing to undo)."""
    hidden = {"resume" if circle.paused_remaining is None else "pause"}
    if not can_undo:
        hidden.add("undo")
    return [
        (action, step.label, not step.primary)
        for action, step in phases.buttons(circle.phase)
        if action not in hidden
    ]
