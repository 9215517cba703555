"""What one viewer sees of a circle right now, rendered on the server for that viewer.

Before a reveal, nobody gets anyone else's items or who wrote them: the only query for item
content is CircleItem.objects.visible_to(circle, viewer); the counts query returns author
ids only, and is used as "N of M have written" (plus, for the facilitator, who has not).
A fixed number of queries, whatever the number of items or past circles.
"""

from __future__ import annotations

from django.utils import timezone

from feedback.models import ActionItem, Circle, CircleItem, Kind, Participant

Phase = Circle.Phase


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
    seats = list(Participant.objects.filter(circle=circle).select_related("person"))
    me = next((s for s in seats if s.person_id == viewer.pk), None)
    present = [s for s in seats if s.left_at is None]
    recipient = next((s for s in seats if s.position == circle.current_position), None)
    visible = list(
        CircleItem.objects.visible_to(circle, viewer).select_related("author", "recipient")
    )
    writer_ids = set()
    if circle.phase in (Phase.WRITING, Phase.REVEALED) and recipient is not None:
        writer_ids = set(
            CircleItem.objects.filter(
                circle=circle, recipient_position=circle.current_position
            ).values_list("author_id", flat=True)
        )
    writers_expected = [s for s in present if recipient is None or s.pk != recipient.pk]
    not_written = [s for s in writers_expected if s.person_id not in writer_ids]
    is_facilitator = circle.facilitator_id == viewer.pk

    current_items = [
        i for i in visible if recipient is not None and i.recipient_position == recipient.position
    ]
    my_current = [i for i in current_items if i.author_id == viewer.pk]
    revealed_rounds = []
    by_position: dict[int, list] = {}
    for item in visible:
        if item.recipient_position <= circle.revealed_through:
            by_position.setdefault(item.recipient_position, []).append(item)
    for seat in seats:
        if seat.position in by_position:
            revealed_rounds.append({"seat": seat, "items": by_position[seat.position]})
    revealed_rounds.reverse()  # newest round first
    received = [
        i
        for i in visible
        if i.recipient_id == viewer.pk and i.recipient_position <= circle.revealed_through
    ]

    # Action items: this circle's, plus the open ones carried from the previous circle with
    # the same people (they come back at the top).
    circle_ids = [circle.pk] + ([circle.previous_id] if circle.previous_id else [])
    actions = list(ActionItem.objects.filter(circle_id__in=circle_ids).select_related("owner"))
    carried = [a for a in actions if a.circle_id != circle.pk and not a.done]
    mine = [a for a in actions if a.circle_id == circle.pk and a.owner_id == viewer.pk]

    can_write = (
        circle.phase == Phase.WRITING
        and me is not None
        and me.left_at is None
        and recipient is not None
        and recipient.person_id != viewer.pk
    )
    return {
        "circle": circle,
        "seats": seats,
        "me": me,
        "present": present,
        "here_ids": {s.person_id for s in seats if s.is_here(now)},
        "recipient": recipient,
        "is_recipient": recipient is not None and recipient.person_id == viewer.pk,
        "is_facilitator": is_facilitator,
        "written_count": len([s for s in writers_expected if s.person_id in writer_ids]),
        "expected_count": len(writers_expected),
        "not_written": not_written if is_facilitator else [],
        "nudged": me is not None
        and me.nudged_at is not None
        and me.person_id not in writer_ids
        and circle.phase == Phase.WRITING,
        "my_current": my_current,
        "my_balance": balance(my_current),
        "round_balance": balance(current_items) if circle.phase == Phase.REVEALED else None,
        "revealed_rounds": revealed_rounds,
        "received": received,
        "carried": carried,
        "my_actions": mine,
        "can_write": can_write,
        "seconds_left": circle.seconds_left(now),
        "paused": circle.paused_remaining is not None,
        "can_undo": is_facilitator and circle.steps.exclude(action="handover").exists(),
    }
