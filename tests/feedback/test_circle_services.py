import threading

import pytest
import time_machine
from django.db import connection

from culture.errors import InvalidInput
from feedback.models import ActionItem, Circle, CircleItem, Participant
from feedback.services import circle as circle_services
from tests.conftest import make_person
from tests.feedback.factories import make_circle, step, write

Phase = Circle.Phase


def positions(circle):
    return {p.person_id: p.position for p in Participant.objects.filter(circle=circle)}


def test_the_manager_goes_first_then_the_others_by_name(world, circle, fourth):
    order = positions(circle)
    assert order[world.manager.pk] == 0
    rest = sorted([world.employee, world.peer, fourth], key=lambda p: p.name)
    assert [order[p.pk] for p in rest] == [1, 2, 3]
    assert circle.facilitator_id == world.manager.pk
    assert circle.phase == Phase.LOBBY


def test_a_full_circle_runs_lobby_writing_reveal_next_wrapup_end(world, circle, fourth):
    step(circle, world.manager, "start")
    assert (circle.phase, circle.current_position) == (Phase.WRITING, 0)
    assert circle.deadline is not None
    write(circle, world.employee, "Start sharing plans earlier")
    step(circle, world.manager, "reveal")
    assert circle.phase == Phase.REVEALED and circle.revealed_through == 0
    for pos in (1, 2, 3):
        step(circle, world.manager, "next")
        assert (circle.phase, circle.current_position) == (Phase.WRITING, pos)
        step(circle, world.manager, "reveal")
    step(circle, world.manager, "next")
    assert circle.phase == Phase.WRAPUP
    step(circle, world.manager, "end")
    assert circle.phase == Phase.ENDED and circle.ended_at is not None


def test_only_the_facilitator_can_step(world, circle):
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.employee, "start")
    circle.refresh_from_db()
    assert circle.phase == Phase.LOBBY


def test_reveal_before_start_and_next_before_reveal_are_refused(world, circle):
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "reveal")
    step(circle, world.manager, "start")
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "next")


def test_two_clicks_on_next_from_the_same_screen_advance_once(world, circle):
    step(circle, world.manager, "start")
    step(circle, world.manager, "reveal")
    seen = circle_services.state_key(circle)
    step(circle, world.manager, "next", expect=seen)
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "next", expect=seen)
    circle.refresh_from_db()
    assert circle.current_position == 1


@pytest.mark.django_db(transaction=True)
def test_racing_facilitator_clicks_in_two_threads_advance_once():
    from tests.conftest import build_world

    world = build_world()
    extra = make_person(manager=world.manager)
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer, extra])
    step(circle, world.manager, "start")
    step(circle, world.manager, "reveal")
    seen = circle_services.state_key(circle)
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            barrier.wait()
            circle_services.do_step(
                circle_id=circle.pk, actor=world.manager, action="next", expect=seen
            )
            outcomes.append("moved")
        except circle_services.StepRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    circle.refresh_from_db()
    assert sorted(outcomes) == ["moved", "refused"]
    assert circle.current_position == 1 and circle.phase == Phase.WRITING


def test_undo_recovers_an_accidental_next_and_hides_nothing_new(world, circle):
    step(circle, world.manager, "start")
    write(circle, world.employee, "Continue the demos", kind="continue")
    step(circle, world.manager, "reveal")
    step(circle, world.manager, "next")
    assert circle.current_position == 1
    step(circle, world.manager, "undo")
    assert (circle.phase, circle.current_position, circle.revealed_through) == (
        Phase.REVEALED,
        0,
        0,
    )
    step(circle, world.manager, "undo")
    assert circle.phase == Phase.WRITING and circle.revealed_through == -1
    step(circle, world.manager, "undo")
    assert circle.phase == Phase.LOBBY
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "undo")


def test_extend_pause_and_resume_the_timer(world, circle):
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        step(circle, world.manager, "start")
        assert circle.seconds_left() == 600
        step(circle, world.manager, "extend", minutes=2)
        assert circle.seconds_left() == 720
    with time_machine.travel("2026-03-02 10:01:00+00:00", tick=False):
        step(circle, world.manager, "pause")
        assert circle.paused_remaining == 660 and circle.deadline is None
    with time_machine.travel("2026-03-02 10:30:00+00:00", tick=False):
        assert circle.seconds_left() == 660
        step(circle, world.manager, "extend", minutes=1)
        assert circle.paused_remaining == 720
        step(circle, world.manager, "resume")
        assert circle.paused_remaining is None and circle.seconds_left() == 720


def test_nudge_marks_the_person_and_is_for_writing_only(world, circle):
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "nudge", person_id=world.peer.pk)
    step(circle, world.manager, "start")
    step(circle, world.manager, "nudge", person_id=world.peer.pk)
    assert Participant.objects.get(circle=circle, person=world.peer).nudged_at is not None


def test_facilitator_hands_over_and_loses_the_controls(world, circle):
    step(circle, world.manager, "handover", to_person_id=world.peer.pk)
    assert circle.facilitator_id == world.peer.pk
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "start")
    step(circle, world.peer, "start")
    assert circle.phase == Phase.WRITING


def test_handover_to_someone_outside_the_circle_is_refused(world, circle):
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "handover", to_person_id=world.outsider.pk)


def test_the_recipient_cannot_write_for_themselves_and_writing_closes_at_reveal(world, circle):
    step(circle, world.manager, "start")
    with pytest.raises(InvalidInput):
        write(circle, world.manager, "I am great")
    write(circle, world.peer, "Stop answering for us", kind="stop")
    step(circle, world.manager, "reveal")
    with pytest.raises(InvalidInput):
        write(circle, world.employee, "Too late")
    item = CircleItem.objects.get()
    assert (item.author_id, item.recipient_id, item.kind) == (
        world.peer.pk,
        world.manager.pk,
        "stop",
    )


def test_outsiders_cannot_write_into_a_circle(world, circle):
    step(circle, world.manager, "start")
    with pytest.raises(InvalidInput):
        write(circle, world.outsider, "Hello")


def test_a_participant_leaving_mid_round_stops_counting_and_their_round_is_skipped(
    world, circle, fourth
):
    from feedback.room import room_context

    step(circle, world.manager, "start")
    write(circle, world.employee, "Start delegating")
    assert room_context(circle, world.manager)["expected_count"] == 3
    circle_services.do_leave(circle_id=circle.pk, person=fourth)
    circle.refresh_from_db()
    ctx = room_context(circle, world.manager)
    assert (ctx["written_count"], ctx["expected_count"]) == (1, 2)
    with pytest.raises(InvalidInput):
        write(circle, fourth, "After leaving")
    step(circle, world.manager, "reveal")
    order = positions(circle)
    visited = []
    while circle.phase != Phase.WRAPUP:
        step(circle, world.manager, "next")
        if circle.phase == Phase.WRITING:
            visited.append(circle.current_position)
            step(circle, world.manager, "reveal")
    assert order[fourth.pk] not in visited
    assert len(visited) == 2


def test_a_leaving_facilitator_hands_the_room_to_the_next_person(world, circle):
    circle_services.do_leave(circle_id=circle.pk, person=world.manager)
    circle.refresh_from_db()
    assert circle.facilitator_id != world.manager.pk
    assert Participant.objects.filter(circle=circle, person_id=circle.facilitator_id).exists()


def test_only_the_recipient_accepts_or_discards_and_only_after_reveal(world, circle):
    step(circle, world.manager, "start")
    item = write(circle, world.employee, "Start earlier")
    with pytest.raises(InvalidInput):
        circle_services.do_decide_item(item=item, person=world.manager, decision="accepted")
    step(circle, world.manager, "reveal")
    with pytest.raises(InvalidInput):
        circle_services.do_decide_item(item=item, person=world.employee, decision="accepted")
    circle_services.do_decide_item(item=item, person=world.manager, decision="discarded")
    item.refresh_from_db()
    assert item.decision == "discarded"


def test_the_recipient_can_only_thank(world, circle):
    step(circle, world.manager, "start")
    with pytest.raises(InvalidInput):
        circle_services.do_respond(circle_id=circle.pk, person=world.manager, response="Thank you")
    step(circle, world.manager, "reveal")
    with pytest.raises(InvalidInput):
        circle_services.do_respond(
            circle_id=circle.pk, person=world.manager, response="That is wrong"
        )
    circle_services.do_respond(circle_id=circle.pk, person=world.manager, response="Thank you")
    assert Participant.objects.get(circle=circle, person=world.manager).response == "Thank you"


def test_action_items_come_back_in_their_owners_round_at_the_next_circle(world, circle, fourth):
    from feedback.room import room_context

    step(circle, world.manager, "start")
    step(circle, world.manager, "reveal")
    circle_services.do_add_action_item(
        circle_id=circle.pk, person=world.manager, text="Delegate more"
    )
    with pytest.raises(InvalidInput):
        circle_services.do_add_action_item(
            circle_id=circle.pk, person=world.peer, text="Not my round"
        )
    # The next circle has other people: the manager's item still comes with them.
    nxt = make_circle(facilitator=world.manager, people=[world.employee, world.manager])
    assert room_context(nxt, world.employee)["carried"] == []  # nobody in the centre yet
    step(nxt, world.manager, "start")  # the manager goes first
    carried = room_context(nxt, world.employee)["carried"]
    assert [a.text for a in carried] == ["Delegate more"]
    assert room_context(nxt, world.manager)["carried_mine"] is True
    assert room_context(nxt, world.employee)["carried_mine"] is False
    assert ActionItem.objects.open_for(world.manager).count() == 1


def test_every_step_bumps_the_version_and_is_published_after_commit(
    world, circle, django_capture_on_commit_callbacks
):
    before = circle.version
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        step(circle, world.manager, "start")
    assert circle.version == before + 1
    assert len(callbacks) == 1


def test_the_facilitator_reorders_recipients_in_the_lobby_only(world, circle, fourth):
    before = positions(circle)
    last = max(before, key=before.get)
    step(circle, world.manager, "move", person_id=last, up=True)
    after = positions(circle)
    assert after[last] == before[last] - 1
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "move", person_id=world.manager.pk, up=True)
    step(circle, world.manager, "start")
    with pytest.raises(circle_services.StepRefused):
        step(circle, world.manager, "move", person_id=last, up=True)
