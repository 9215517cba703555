"""What one viewer sees of a circle right now, rendered on the server for that viewer.

Before a reveal, nobody gets anyone else's items or who wrote them: the only query for item
content is CircleItem.objects.visible_to(circle, viewer); the counts query returns author
ids only, and is used as "N of M have written" (plus, for the facilitator, who has not).
A fixed number of queries, whatever the number of seats, items or past circles (fewer in
the lobby, and without a previous circle: queries for what cannot be shown are skipped;
one more, names only, when an item's author no longer has a seat: _attach_authors).
"""

from __future__ import annotations

from html import escape  # Django's escape is this plus a lazy-string wrapper per call

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from culture.models import Person
from feedback.models import ActionItem, Circle, CircleItem, Kind, Participant

Phase = Circle.Phase
SEAT_FIELDS = [f.name for f in Participant._meta.concrete_fields]
KIND_LABELS = dict(Kind.choices)


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
    # The person's name and email are all a seat shows (a person row is 18 columns).
    seats = list(
        Participant.objects.filter(circle=circle)
        .select_related("person")
        .only(*SEAT_FIELDS, "person__name", "person__email")
    )
    viewer_id = viewer.pk
    me = next((s for s in seats if s.person_id == viewer_id), None)
    present = [s for s in seats if s.left_at is None]
    recipient = next((s for s in seats if s.position == circle.current_position), None)
    # In the lobby nothing from the items is shown (no round yet, nothing revealed), so a
    # live re-fetch there skips the query.
    visible = (
        [] if circle.phase == Phase.LOBBY else list(CircleItem.objects.visible_to(circle, viewer))
    )
    _attach_authors(visible, seats)
    writer_ids = set()
    if circle.phase in (Phase.WRITING, Phase.REVEALED) and recipient is not None:
        writer_ids = set(
            CircleItem.objects.filter(circle=circle, recipient_position=circle.current_position)
            .order_by()
            .values_list("author_id", flat=True)
        )
    writers_expected = [s for s in present if recipient is None or s.pk != recipient.pk]
    not_written = [s for s in writers_expected if s.person_id not in writer_ids]
    is_facilitator = circle.facilitator_id == viewer_id
    for seat in seats:  # what each seat's row shows, computed once here
        seat.here = seat.is_here(now)
        seat.in_centre = recipient is not None and seat.pk == recipient.pk

    current_items = [
        i for i in visible if recipient is not None and i.recipient_position == recipient.position
    ]
    my_current = [i for i in current_items if i.author_id == viewer_id]
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
        if i.recipient_id == viewer_id and i.recipient_position <= circle.revealed_through
    ]

    # Action items: this circle's, plus the open ones carried from the previous circle with
    # the same people (they come back at the top). This circle's own are only shown from the
    # wrap-up on: before that, and with no previous circle, there is nothing to fetch.
    circle_ids = [circle.pk] if circle.phase in (Phase.WRAPUP, Phase.ENDED) else []
    if circle.previous_id:
        circle_ids.append(circle.previous_id)
    actions = (
        list(ActionItem.objects.filter(circle_id__in=circle_ids).select_related("owner"))
        if circle_ids
        else []
    )
    carried = [a for a in actions if a.circle_id != circle.pk and not a.done]
    mine = [a for a in actions if a.circle_id == circle.pk and a.owner_id == viewer_id]

    can_move = is_facilitator and circle.phase == Phase.LOBBY
    can_undo = is_facilitator and circle.steps.exclude(action="handover").exists()
    can_write = (
        circle.phase == Phase.WRITING
        and me is not None
        and me.left_at is None
        and recipient is not None
        and recipient.person_id != viewer_id
    )
    return {
        "circle": circle,
        "step_url": reverse("feedback:step", args=[circle.pk]),
        "step_buttons": _step_buttons(circle, can_undo) if is_facilitator else [],
        "seats": seats,
        "me": me,
        "present": present,
        "can_move": can_move,
        "presence_rows": presence_rows(
            seats, facilitator_id=circle.facilitator_id, can_move=can_move
        ),
        # One <option> per other present person, built in one pass (50 in a big circle).
        "handover_options": format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((s.person_id, s.person.name) for s in present if s.person_id != circle.facilitator_id),
        )
        if is_facilitator
        else "",
        "recipient": recipient,
        "is_recipient": recipient is not None and recipient.person_id == viewer_id,
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
        "revealed_sections": revealed_sections(revealed_rounds),
        "received": received,
        "carried": carried,
        "my_actions": mine,
        "can_write": can_write,
        "seconds_left": circle.seconds_left(now),
        "paused": circle.paused_remaining is not None,
        "can_undo": can_undo,
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


PILL_LEFT = '<span class="pill">left</span>'
PILL_HERE = '<span class="pill good">here</span>'
PILL_MISSING = '<span class="pill warn">missing</span>'
PILL_FACILITATOR = '<span class="pill info">facilitator</span>'
PILL_CENTRE = '<span class="pill info">in the centre</span>'


def presence_rows(seats, *, facilitator_id: int, can_move: bool) -> SafeString:
    """The <li> of every seat in the presence list: avatar, name, here / missing / left,
    the facilitator and centre pills, and (lobby, facilitator) the arrows, which submit the
    shared move-up / move-down forms with their person. Built here in one pass: through the
    template engine, 51 seats cost more than the rest of the room together. Every value
    interpolated is escaped (names) or an int (ids)."""
    rows = []
    last = len(seats) - 1
    for index, seat in enumerate(seats):
        pid = int(seat.person_id)
        name = escape(seat.person.name)
        row = (
            f'<li class="presence-item{" here" if seat.here else ""}'
            f'{" left" if seat.left_at else ""}" data-person="{pid}">'
            f'<span class="avatar" aria-hidden="true">{escape(seat.person.initials)}</span> '
            f"{name} "
            f"{PILL_LEFT if seat.left_at else PILL_HERE if seat.here else PILL_MISSING}"
        )
        if pid == facilitator_id:
            row += " " + PILL_FACILITATOR
        if seat.in_centre:
            row += " " + PILL_CENTRE
        if can_move:
            row += ' <span class="order">'
            if index > 0:
                row += (
                    f'<button type="submit" form="move-up" name="person" value="{pid}"'
                    f' class="secondary small" aria-label="Move {name} earlier">↑</button>'
                )
            if index < last:
                row += (
                    f'<button type="submit" form="move-down" name="person" value="{pid}"'
                    f' class="secondary small" aria-label="Move {name} later">↓</button>'
                )
            row += "</span>"
        rows.append(row + "</li>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every interpolated value is escaped


def revealed_sections(rounds) -> SafeString:
    """One <section> per revealed round, newest first: who it was for, their response and
    every item with its author. Built here in one pass for the same reason as the presence
    rows: a circle that has gone round shows hundreds of items, and every live re-fetch of
    every seat renders them. Every interpolated text is escaped; positions are ints."""
    out = []
    for round_ in rounds:
        seat = round_["seat"]
        position = int(seat.position)
        section = (
            f'<section class="card revealed-round" aria-labelledby="round-{position}">\n'
            f'    <h2 id="round-{position}">For {escape(seat.person.name)}</h2>\n'
        )
        if seat.response:
            section += (
                f'    <p class="muted">{escape(seat.person.get_short_name())}: '
                f"\u201c{escape(seat.response)}\u201d</p>\n"
            )
        section += '    <ul class="items">\n      '
        section += "".join(
            f'<li class="item {escape(item.kind)}"><span class="pill">'
            f"{escape(KIND_LABELS.get(item.kind, item.kind))}</span> {escape(item.text)} "
            f'<span class="muted">\u2014 {escape(item.author.name)}</span></li>'
            for item in round_["items"]
        )
        out.append(section + "\n    </ul>\n  </section>")
    return mark_safe("\n  ".join(out))  # noqa: S308 - every interpolated value is escaped


def _step_buttons(circle: Circle, can_undo: bool) -> list[tuple[str, str, bool]]:
    """The facilitator's step buttons for this phase: (action, label, secondary)."""
    phase = circle.phase
    buttons = []
    if phase == Phase.LOBBY:
        buttons.append(("start", "Start the circle", False))
    elif phase == Phase.WRITING:
        buttons.append(("reveal", "Reveal", False))
    elif phase == Phase.REVEALED:
        buttons.append(("next", "Next person", False))
    if phase in (Phase.WRITING, Phase.REVEALED):
        buttons.append(("extend", "+2 minutes", True))
        if circle.paused_remaining is not None:
            buttons.append(("resume", "Resume timer", True))
        else:
            buttons.append(("pause", "Pause timer", True))
    if can_undo:
        buttons.append(("undo", "Undo last step", True))
    if phase != Phase.ENDED:
        buttons.append(("end", "End the circle", True))
    return buttons
