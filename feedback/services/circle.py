"""Writes for the live feedback circle: setting one up, the facilitator's steps (the
phase table is feedback.phases), and what participants do in the room.

Every facilitator step is a conditional UPDATE on (phase, version) under a row lock, so two
clicks on "next" advance once. Each step stores the state before it (Step) for undo.
After commit, the circle's channel is told "changed, version V" (culture.live).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat import teams_posts
from culture import jobs, live
from culture.errors import Conflict, InvalidInput
from culture.models import Person
from feedback import invitations, phases
from feedback.models import (
    PRESENCE_WINDOW,
    ActionItem,
    Circle,
    CircleItem,
    Decision,
    Participant,
    Step,
)
from webhooks import events

Phase = Circle.Phase


class StepRefused(Conflict):
    """A facilitator step that does not apply to the current state (stale click): 409."""


def _publish_after_commit(circle_id: int, event: dict | None = None) -> None:
    """After commit, tell the circle's channel "changed, version V": the version read then,
    or the `event` given (an item's, with its exact version and count)."""

    def send() -> None:
        if event is not None:
            live.publish(f"circle:{circle_id}", **event)
            return
        version = Circle.objects.filter(pk=circle_id).values_list("version", flat=True).first()
        live.publish(f"circle:{circle_id}", version=version)

    transaction.on_commit(send)


def _bump(circle_id: int, event: dict | None = None) -> None:
    Circle.objects.filter(pk=circle_id).update(version=F("version") + 1)
    _publish_after_commit(circle_id, event)


# --- Setting up --------------------------------------------------------------------------


def default_order(people: list[Person]) -> list[Person]:
    """The manager goes first: whoever manages the most others in the group, then the
    rest by name."""
    managers = [p for p in people if any(q.manager_id == p.pk for q in people)]
    first = None
    if managers:
        first = max(managers, key=lambda m: sum(1 for q in people if q.manager_id == m.pk))
    rest = sorted((p for p in people if p is not first), key=lambda p: (p.name, p.pk))
    return ([first] if first else []) + rest


def previous_circle_with_same_people(person_ids: set[int]) -> Circle | None:
    candidates = (
        Circle.objects.filter(participants__person_id__in=person_ids)
        .distinct()
        .order_by("-scheduled_at", "-id")[:20]
    )
    for circle in candidates.prefetch_related("participants"):
        if {p.person_id for p in circle.participants.all()} == person_ids:
            return circle
    return None


def do_create_circle(
    *,
    creator: Person,
    title: str,
    people: list[Person],
    facilitator: Person | None,
    scheduled_at: datetime,
    minutes_per_person: int = 20,
    reveal_to: str = Circle.Audience.CIRCLE,
    order: list[Person] | None = None,
) -> Circle:
    facilitator = facilitator or creator
    people = list({p.pk: p for p in [*people, facilitator] if p.is_active}.values())
    if len(people) < 2:
        raise InvalidInput(_("A circle needs at least two people."))
    ordered = order or default_order(people)
    with transaction.atomic():
        circle = Circle.objects.create(
            title=title,
            created_by=creator,
            facilitator=facilitator,
            scheduled_at=scheduled_at,
            minutes_per_person=minutes_per_person,
            reveal_to=reveal_to,
            previous=previous_circle_with_same_people({p.pk for p in people}),
        )
        Participant.objects.bulk_create(
            Participant(circle=circle, person=p, position=i) for i, p in enumerate(ordered)
        )
        jobs.defer(invitations.send_invitations, circle.pk)
        teams_posts.circle_scheduled(circle, people)
    return circle


def check_organiser(circle: Circle, person: Person) -> None:
    """Rescheduling and cancelling are for the circle's creator and its facilitator, before
    the circle starts."""
    if person.pk not in (circle.created_by_id, circle.facilitator_id):
        raise InvalidInput(_("Only the person who set up the circle or its facilitator can."))
    if circle.phase == Phase.CANCELLED:
        raise InvalidInput(_("This circle is cancelled."))
    if circle.phase != Phase.LOBBY:
        raise InvalidInput(_("The circle has started; its time can no longer change."))


def do_reschedule_circle(
    *, circle_id: int, by: Person, scheduled_at: datetime, minutes_per_person: int | None = None
) -> Circle:
    """Move a circle that has not started. Every participant gets the updated invitation
    (same UID, SEQUENCE + 1) once, and the hour-before reminder follows the new time."""
    with transaction.atomic():
        circle = _locked(circle_id)
        check_organiser(circle, by)
        minutes = minutes_per_person or circle.minutes_per_person
        if scheduled_at == circle.scheduled_at and minutes == circle.minutes_per_person:
            return circle
        Circle.objects.filter(pk=circle.pk).update(
            scheduled_at=scheduled_at,
            minutes_per_person=minutes,
            sequence=F("sequence") + 1,
            version=F("version") + 1,
        )
        jobs.defer(invitations.send_invitations, circle.pk)
        _publish_after_commit(circle.pk)
    circle.refresh_from_db()
    return circle


def do_cancel_circle(*, circle_id: int, by: Person) -> Circle:
    """Cancel a circle that has not started: everyone who was invited gets a cancellation
    (METHOD:CANCEL, SEQUENCE + 1) once."""
    with transaction.atomic():
        circle = _locked(circle_id)
        check_organiser(circle, by)
        Circle.objects.filter(pk=circle.pk).update(
            phase=Phase.CANCELLED,
            cancelled_at=timezone.now(),
            sequence=F("sequence") + 1,
            version=F("version") + 1,
            deadline=None,
            paused_remaining=None,
        )
        jobs.defer(invitations.send_cancellations, circle.pk)
        _publish_after_commit(circle.pk)
    circle.refresh_from_db()
    return circle


# --- Facilitator steps ---------------------------------------------------------------------


def _locked(circle_id: int) -> Circle:
    return Circle.objects.select_for_update().get(pk=circle_id)


def _check_facilitator(circle: Circle, actor: Person) -> None:
    if circle.facilitator_id != actor.pk:
        raise StepRefused(_("Only the facilitator can do this."))


def _snapshot(circle: Circle, action: str) -> None:
    Step.objects.create(
        circle=circle,
        action=action,
        phase=circle.phase,
        current_position=circle.current_position,
        revealed_through=circle.revealed_through,
        deadline=circle.deadline,
        paused_remaining=circle.paused_remaining,
        facilitator_id=circle.facilitator_id,
    )


def _next_position(circle: Circle, after: int) -> int | None:
    return (
        Participant.objects.present()
        .filter(circle=circle, position__gt=after)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )


def _save(circle: Circle, expected_version: int | None, **fields: Any) -> None:
    """Conditional UPDATE: applies only if nobody moved the circle since the click."""
    qs = Circle.objects.filter(pk=circle.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    updated = qs.update(version=F("version") + 1, **fields)
    if not updated:
        raise StepRefused(_("The room moved on; your screen has been refreshed."))
    _publish_after_commit(circle.pk)


def do_step(
    *, circle_id: int, actor: Person, action: str, expect: str | None = None, **kw: Any
) -> None:
    """Run one facilitator step, if feedback.phases allows it in the circle's phase (after
    the end, none is). `expect` is the "phase:position" the facilitator's screen showed; a
    second click made on the same screen (or a racing facilitator tab) is refused instead
    of advancing twice."""
    handler = STEPS.get(action)
    if handler is None:
        raise StepRefused(_("Unknown step."))
    with transaction.atomic():
        circle = _locked(circle_id)
        _check_facilitator(circle, actor)
        if expect and expect != state_key(circle):
            raise StepRefused(_("The room moved on; your screen has been refreshed."))
        refused = phases.refusal(circle.phase, action)
        if refused:
            raise StepRefused(refused)
        handler(circle, version=circle.version, **kw)


def state_key(circle: Circle) -> str:
    return f"{circle.phase}:{circle.current_position}"


def _start(circle: Circle, *, version: int) -> None:
    first = _next_position(circle, -1)
    if first is None:
        raise StepRefused(_("Nobody is left in the circle."))
    _snapshot(circle, "start")
    _save(
        circle,
        version,
        phase=phases.leads_to(circle.phase, "start"),
        current_position=first,
        deadline=timezone.now() + timedelta(minutes=circle.minutes_per_person),
        paused_remaining=None,
    )


def _reveal(circle: Circle, *, version: int) -> None:
    _snapshot(circle, "reveal")
    _save(
        circle,
        version,
        phase=phases.leads_to(circle.phase, "reveal"),
        revealed_through=max(circle.revealed_through, circle.current_position),
    )


def _next(circle: Circle, *, version: int) -> None:
    """Onward: writing for the next person present, or the wrap-up after the last."""
    _snapshot(circle, "next")
    following = _next_position(circle, circle.current_position)
    if following is None:
        _save(circle, version, phase=Phase.WRAPUP, deadline=None, paused_remaining=None)
    else:
        _save(
            circle,
            version,
            phase=Phase.WRITING,
            current_position=following,
            deadline=timezone.now() + timedelta(minutes=circle.minutes_per_person),
            paused_remaining=None,
        )


def _end(circle: Circle, *, version: int) -> None:
    _snapshot(circle, "end")
    to = phases.leads_to(circle.phase, "end")
    _save(circle, version, phase=to, deadline=None, paused_remaining=None)
    ended_at = timezone.now()
    Circle.objects.filter(pk=circle.pk).update(ended_at=ended_at)
    # Ids and a link only: never the items, their authors, who sat in or the title.
    events.emit(
        "circle.ended",
        {
            "id": circle.pk,
            "url": events.link(reverse("feedback:room", args=[circle.pk])),
            "facilitator_id": circle.facilitator_id,
            "ended_at": ended_at.isoformat(),
        },
        occurred_at=ended_at,
    )


def _undo(circle: Circle, *, version: int) -> None:
    """Back to the state before the last step. Not after the end (feedback.phases): the
    browsers' live streams close then, so an undone end would reach nobody."""
    step = Step.objects.filter(circle=circle).exclude(action="handover").first()
    if step is None:
        raise StepRefused(_("There is nothing to undo."))
    revealed = step.revealed_through
    _save(
        circle,
        version,
        phase=step.phase,
        current_position=step.current_position,
        revealed_through=revealed,
        deadline=step.deadline,
        paused_remaining=step.paused_remaining,
    )
    step.delete()


def _extend(circle: Circle, *, version: int, minutes: int = 2) -> None:
    minutes = max(1, min(int(minutes), 30))
    if circle.paused_remaining is not None:
        _save(circle, version, paused_remaining=circle.paused_remaining + minutes * 60)
    else:
        base = max(circle.deadline or timezone.now(), timezone.now())
        _save(circle, version, deadline=base + timedelta(minutes=minutes))


def _pause(circle: Circle, *, version: int) -> None:
    if circle.deadline is None or circle.paused_remaining is not None:
        raise StepRefused(_("The timer is not running."))
    _save(circle, version, paused_remaining=circle.seconds_left(), deadline=None)


def _resume(circle: Circle, *, version: int) -> None:
    if circle.paused_remaining is None:
        raise StepRefused(_("The timer is not paused."))
    _save(
        circle,
        version,
        deadline=timezone.now() + timedelta(seconds=circle.paused_remaining),
        paused_remaining=None,
    )


def _handover(circle: Circle, *, version: int, to_person_id: int) -> None:
    seat = Participant.objects.present().filter(circle=circle, person_id=to_person_id).first()
    if seat is None:
        raise StepRefused(_("The new facilitator must be in the circle."))
    _save(circle, version, facilitator_id=to_person_id)


def _nudge(circle: Circle, *, version: int, person_id: int) -> None:
    updated = Participant.objects.filter(circle=circle, person_id=person_id).update(
        nudged_at=timezone.now()
    )
    if not updated:
        raise StepRefused(_("That person is not in the circle."))
    _save(circle, None)


def _move(circle: Circle, *, version: int, person_id: int, up: bool) -> None:
    """Change the order of recipients in the lobby: swap with the neighbour."""
    seats = list(Participant.objects.filter(circle=circle).order_by("position"))
    index = next((i for i, s in enumerate(seats) if s.person_id == person_id), None)
    if index is None:
        raise StepRefused(_("Cannot move there."))
    other = index + (-1 if up else 1)
    if other < 0 or other >= len(seats):
        raise StepRefused(_("Cannot move there."))
    a, b = seats[index], seats[other]
    Participant.objects.filter(pk=a.pk).update(position=32000)
    Participant.objects.filter(pk=b.pk).update(position=a.position)
    Participant.objects.filter(pk=a.pk).update(position=b.position)
    _save(circle, None)


# The handler of each step in feedback.phases.STEPS; which phase allows which is the
# table's to say (do_step asks it before calling a handler).
# Each takes the locked circle, its version and the step's own keywords.
STEPS: dict[str, Callable[..., None]] = {
    "move": _move,
    "start": _start,
    "reveal": _reveal,
    "next": _next,
    "end": _end,
    "undo": _undo,
    "extend": _extend,
    "pause": _pause,
    "resume": _resume,
    "handover": _handover,
    "nudge": _nudge,
}


# --- Participants' actions -----------------------------------------------------------------


def current_recipient_seat(circle: Circle) -> Participant | None:
    if circle.current_position < 0:
        return None
    return (
        Participant.objects.select_related("person")
        .filter(circle=circle, position=circle.current_position)
        .first()
    )


def do_write_item(*, circle_id: int, author: Person, kind: str, text: str) -> CircleItem:
    """The item is in the database before anyone is told it was accepted."""
    with transaction.atomic():
        circle = Circle.objects.select_for_update().get(pk=circle_id)
        if circle.phase != Phase.WRITING:
            raise InvalidInput(_("Writing is closed for this round."))
        seat = current_recipient_seat(circle)
        if seat is None or seat.person_id == author.pk:
            raise InvalidInput(_("You are in the centre this round: listen and thank."))
        if not Participant.objects.present().filter(circle=circle, person=author).exists():
            raise InvalidInput(_("You are not in this circle."))
        item = CircleItem.objects.create(
            circle=circle,
            recipient_id=seat.person_id,
            recipient_position=seat.position,
            author=author,
            kind=kind,
            text=text.strip(),
        )
        # The row lock held since the start makes this item the only change between
        # version V-1 and V, and the count below the count at V. So the event can say
        # "V, N of M have written": a viewer still at V-1 updates its count in place
        # instead of re-fetching the room (the stream keeps author and facilitator ids to
        # itself: feedback.views.stream.changed_data).
        event = {
            "version": circle.version + 1,
            "author": author.pk,
            "facilitator": circle.facilitator_id,
            **Participant.objects.writers_count(seat),
        }
        _bump(circle.pk, event)
    return item


# The recipient's thank-you, stored as these English keys (Participant.response) and shown
# in the reader's language (RESPONSE_LABELS).
RESPONSES = ["Thank you", "Thank you, I'll think about it", "Thank you, that helps"]
RESPONSE_LABELS = {
    "Thank you": gettext_lazy("Thank you"),
    "Thank you, I'll think about it": gettext_lazy("Thank you, I'll think about it"),
    "Thank you, that helps": gettext_lazy("Thank you, that helps"),
}


def do_respond(*, circle_id: int, person: Person, response: str) -> None:
    if response not in RESPONSES:
        raise InvalidInput(_("Choose one of the responses: thank, don't argue."))
    with transaction.atomic():
        circle = Circle.objects.select_for_update().get(pk=circle_id)
        if circle.revealed_through < 0:
            raise InvalidInput(_("Nothing has been revealed yet."))
        updated = Participant.objects.filter(
            circle=circle, person=person, position__lte=circle.revealed_through
        ).update(response=response)
        if not updated:
            raise InvalidInput(_("Your round has not been revealed yet."))
        _bump(circle.pk)


def do_decide_item(*, item: CircleItem, person: Person, decision: str) -> None:
    """Accept or discard: the recipient's call, nobody else's."""
    if item.recipient_id != person.pk:
        raise InvalidInput(_("Only the recipient decides."))
    if decision not in (Decision.ACCEPTED, Decision.DISCARDED):
        raise InvalidInput(_("Accept or discard."))
    with transaction.atomic():
        updated = CircleItem.objects.filter(
            pk=item.pk,
            recipient=person,
            recipient_position__lte=F("circle__revealed_through"),
        ).update(decision=decision)
        if not updated:
            raise InvalidInput(_("This item has not been revealed yet."))
        _bump(item.circle_id)


def do_add_action_item(*, circle_id: int, person: Person, text: str) -> ActionItem:
    with transaction.atomic():
        circle = Circle.objects.select_for_update().get(pk=circle_id)
        if not Participant.objects.filter(
            circle=circle, person=person, position__lte=circle.revealed_through
        ).exists():
            raise InvalidInput(_("Action items follow your own round."))
        action = ActionItem.objects.create(circle=circle, owner=person, text=text.strip())
        _bump(circle.pk)
    return action


def do_complete_action_item(
    *, action: ActionItem, person: Person, circle_id: int | None = None
) -> None:
    """Check an action item off. `circle_id`: the room where it was checked off (the one it
    was carried to), whose participants see it go."""
    if action.owner_id != person.pk:
        raise InvalidInput(_("Only its owner can complete an action item."))
    with transaction.atomic():
        ActionItem.objects.filter(pk=action.pk).update(done=True)
        if circle_id is not None:
            _bump(circle_id)


def do_leave(*, circle_id: int, person: Person) -> None:
    """A participant leaves mid-circle: they stop counting in "N of M have written", their
    round is skipped if it has not come yet, and a leaving facilitator hands the room to
    the next person present."""
    with transaction.atomic():
        circle = Circle.objects.select_for_update().get(pk=circle_id)
        if not phases.shows(circle.phase, phases.WRITER, "leave"):
            raise InvalidInput(_("The circle has ended."))
        updated = (
            Participant.objects.present()
            .filter(circle=circle, person=person)
            .update(left_at=timezone.now())
        )
        if not updated:
            raise InvalidInput(_("You are not in this circle."))
        if circle.facilitator_id == person.pk:
            successor = (
                Participant.objects.present()
                .filter(circle=circle)
                .order_by("position")
                .values_list("person_id", flat=True)
                .first()
            )
            if successor:
                Circle.objects.filter(pk=circle.pk).update(facilitator_id=successor)
        _bump(circle.pk)


def do_rejoin(*, circle_id: int, person: Person) -> None:
    with transaction.atomic():
        circle = Circle.objects.select_for_update().get(pk=circle_id)
        if not phases.shows(circle.phase, phases.LEFT, "rejoin"):
            raise InvalidInput(_("The circle has ended."))
        Participant.objects.filter(circle_id=circle_id, person=person).update(left_at=None)
        _bump(circle_id)


def _seats(pairs: set[tuple[int, int]]) -> Q:
    return reduce(operator.or_, (Q(circle_id=c, person_id=p) for c, p in sorted(pairs)))


def touch_presence(
    here: Iterable[tuple[int, int]] = (), gone: Iterable[tuple[int, int]] = ()
) -> set[int]:
    """Presence, for (circle id, person id) seats: those `here` are seen now, those `gone`
    closed their stream. A round of one web process's streams opening, beating (each
    HEARTBEAT_SECONDS) and closing is one call (feedback.views.stream.Heartbeats). A seat
    in both (a page reloaded: its old stream closed as the new one opened) is here.

    Those still here are one UPDATE between them and tell nobody: nearly every call, as
    every open stream beats. Arrivals and departures are one UPDATE each, and each circle
    where someone came or went is bumped once and told once, whatever the number of seats
    (after a deploy every stream of a circle comes back within seconds). A pair without a
    seat writes nothing. Returns the circles told."""
    viewers = set(here)
    leaving = set(gone) - viewers
    if not viewers and not leaving:
        return set()
    now = timezone.now()
    changed: set[int] = set()
    if viewers:
        seats = Participant.objects.filter(_seats(viewers))
        seats.here(now).update(last_seen=now)
        arrived = list(seats.exclude(last_seen=now).values_list("pk", "circle_id"))
        if arrived:
            Participant.objects.filter(pk__in=[pk for pk, _c in arrived]).update(last_seen=now)
            changed.update(circle_id for _pk, circle_id in arrived)
    if leaving:
        left = list(
            Participant.objects.filter(_seats(leaving)).here(now).values_list("pk", "circle_id")
        )
        if left:
            Participant.objects.filter(pk__in=[pk for pk, _c in left]).update(
                last_seen=now - PRESENCE_WINDOW * 2
            )
            changed.update(circle_id for _pk, circle_id in left)
    if changed:
        Circle.objects.filter(pk__in=changed).update(version=F("version") + 1)
        transaction.on_commit(lambda: _publish_versions(changed))  # at once, in autocommit
    return changed


def _publish_versions(circle_ids: set[int]) -> None:
    """Tell each circle's channel its version, read once for all of them."""
    versions = Circle.objects.filter(pk__in=circle_ids).values_list("pk", "version")
    for circle_id, version in versions:
        live.publish(f"circle:{circle_id}", version=version)
