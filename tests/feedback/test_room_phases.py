"""The circle room tells the truth in every phase (issue 18, point 5).

One circle is taken to each phase (lobby, writing, revealed, wrap-up, ended) and its room
rendered, through the view, for each role: the facilitator (Mia, a writer while someone
else is in the centre), the person in the centre (Eli), a writer (Pat) and someone who
left (Fay, who left in the lobby, so her round is skipped). What each sees is read off the
page by what is really there (buttons, forms, texts), and compared with EXPECTED below;
what the service refuses in each phase is compared with REFUSED. Both are written here by
hand, independently of feedback.phases, so that a wrong table fails.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from feedback.models import Circle, Participant, Step
from feedback.services import circle as circle_services
from tests.feedback.factories import make_circle, step, write

PHASES = ["lobby", "writing", "revealed", "wrapup", "ended", "cancelled"]
ROLES = ["facilitator", "recipient", "writer", "left"]


def build(world, fourth, phase):
    """Mia (facilitator, position 0), Eli (1), Fay (2, leaves in the lobby), Pat (3). The
    writing and revealed phases are Eli's round, after Mia's was revealed; Pat was nudged
    and nobody has written for Eli yet when writing."""
    mia, eli, pat = world.manager, world.employee, world.peer
    circle = make_circle(facilitator=mia, people=[eli, pat, fourth, mia])
    circle_services.do_leave(circle_id=circle.pk, person=fourth)
    circle.refresh_from_db()
    people = {"facilitator": mia, "recipient": eli, "writer": pat, "left": fourth}
    if phase == "lobby":
        return circle, people
    if phase == "cancelled":
        circle_services.do_cancel_circle(circle_id=circle.pk, by=mia)
        circle.refresh_from_db()
        return circle, people
    step(circle, mia, "start")
    write(circle, eli, "Start delegating the rota")
    write(circle, pat, "Continue the Friday demos", kind="continue")
    step(circle, mia, "reveal")
    step(circle, mia, "next")
    assert circle.current_position == 1  # Eli's round
    step(circle, mia, "nudge", person_id=pat.pk)
    if phase == "writing":
        return circle, people
    write(circle, pat, "Stop answering for the team", kind="stop")
    step(circle, mia, "reveal")
    if phase == "revealed":
        return circle, people
    step(circle, mia, "next")  # Fay left: her round is skipped
    assert circle.current_position == 3  # Pat's round
    write(circle, mia, "Start pairing on reviews")
    step(circle, mia, "reveal")
    step(circle, mia, "next")
    assert circle.phase == "wrapup"
    if phase == "wrapup":
        return circle, people
    step(circle, mia, "end")
    return circle, people


# --- The service refuses what the phase does not allow -----------------------------------

REFUSED = {
    "lobby": ["reveal", "next", "extend", "pause", "resume", "undo", "nudge"],
    "writing": ["start", "next", "move"],
    "revealed": ["start", "reveal", "move", "nudge"],
    "wrapup": ["start", "reveal", "next", "extend", "pause", "resume", "move", "nudge"],
    "ended": [
        "start",
        "reveal",
        "next",
        "extend",
        "pause",
        "resume",
        "undo",
        "end",
        "move",
        "handover",
        "nudge",
    ],
    "cancelled": [
        "start",
        "reveal",
        "next",
        "extend",
        "pause",
        "resume",
        "undo",
        "end",
        "move",
        "handover",
        "nudge",
    ],
}


def _kwargs(action, world):
    if action in ("nudge", "move"):
        return {"person_id": world.peer.pk, **({"up": True} if action == "move" else {})}
    if action == "handover":
        return {"to_person_id": world.peer.pk}
    return {}


def _snapshot(circle):
    circle.refresh_from_db()
    seats = Participant.objects.filter(circle=circle).order_by("pk")
    return (
        circle.version,
        circle.phase,
        circle.current_position,
        circle.revealed_through,
        circle.facilitator_id,
        circle.deadline,
        circle.paused_remaining,
        circle.ended_at,
        Step.objects.filter(circle=circle).count(),
        [(s.position, s.nudged_at, s.left_at) for s in seats],
    )


@pytest.mark.parametrize("phase", PHASES)
def test_the_service_refuses_every_step_the_phase_does_not_allow(world, fourth, phase):
    circle, people = build(world, fourth, phase)
    before = _snapshot(circle)
    for action in REFUSED[phase]:
        with pytest.raises(circle_services.StepRefused):
            circle_services.do_step(
                circle_id=circle.pk,
                actor=people["facilitator"],
                action=action,
                **_kwargs(action, world),
            )
        assert _snapshot(circle) == before, action


def test_after_the_end_undo_says_the_circle_has_ended(world, fourth):
    circle, people = build(world, fourth, "ended")
    with pytest.raises(circle_services.StepRefused, match="The circle has ended"):
        step(circle, people["facilitator"], "undo")


# --- The table itself ---------------------------------------------------------------------


def test_the_table_covers_every_phase_and_role_with_known_sections():
    from feedback import phases

    assert set(phases.TABLE) == set(Circle.Phase.values)
    for phase, rules in phases.TABLE.items():
        assert set(rules.sections) == set(phases.ROLES), phase
        for role, shown_ in rules.sections.items():
            assert shown_ <= phases.SECTIONS, (phase, role, shown_ - phases.SECTIONS)
        for action, to in rules.steps.items():
            assert action in phases.STEPS
            assert to in {*Circle.Phase.values, phases.STAYS, phases.BACK, phases.ONWARD}


def test_the_facilitators_sections_follow_from_the_steps_the_phase_allows():
    from feedback import phases

    for phase, rules in phases.TABLE.items():
        controls = rules.sections[phases.FACILITATOR]
        assert ("order" in controls) == ("move" in rules.steps), phase
        assert ("not_written" in controls) == ("nudge" in rules.steps), phase
        assert ("handover" in controls) == ("handover" in rules.steps), phase
        assert ("controls" in controls) == bool(phases.buttons(phase)), phase


def test_every_step_in_the_table_has_a_handler_and_a_form_choice():
    from feedback import phases
    from feedback.forms import StepForm

    assert set(circle_services.STEPS) == set(phases.STEPS)
    assert {value for value, _ in StepForm.base_fields["action"].choices} == set(phases.STEPS)


# --- The room, phase by phase and role by role -----------------------------------------


# What the room may show, each found by what is really on the page.
MARKERS = {
    "controls": 'id="controls-h"',
    "order": 'id="move-up"',
    "not_written": 'name="action" value="nudge"',
    "handover": 'name="action" value="handover"',
    "centre_pill": 'pill info">in the centre<',
    # The presence pill of someone who has not left: nobody in build() has opened the page.
    "presence": re.compile(r'class="pill[^"]*">(here|not here yet|away)<'),
    "timer": 'class="timer',
    "written_count": 'class="written-count"',
    "nudged": "The facilitator is waiting for your feedback",
    "centre_notice": "You are in the centre",
    "compose": "data-compose",
    "appreciate": "/respond/",
    "round_balance": "This round:",
    "decide": 'name="decision" value="accepted"',
    "revealed": 'class="card revealed-round"',
    "leave": ">Leave the circle<",
    "rejoin": ">Rejoin the circle<",
    "summary": 'id="ended-summary"',
    "actions": 'id="actions-h"',
    "cancelled": "This circle was cancelled",
}

# The rules, by hand. Mia is a writer in Eli's round, so she also writes; everyone but Fay
# has received items by the wrap-up; nothing is revealed in the lobby.
_LIVE = {"presence"}
_ROUND = _LIVE | {"centre_pill", "timer", "revealed"}
EXPECTED = {
    "lobby": {
        "facilitator": _LIVE | {"controls", "order", "handover", "leave"},
        "recipient": _LIVE | {"leave"},
        "writer": _LIVE | {"leave"},
        "left": _LIVE | {"rejoin"},
    },
    "writing": {
        "facilitator": _ROUND
        | {"written_count", "compose", "controls", "not_written"}
        | {"handover", "leave"},
        "recipient": _ROUND | {"written_count", "centre_notice", "leave"},
        "writer": _ROUND | {"written_count", "compose", "nudged", "leave"},
        "left": _ROUND | {"written_count", "rejoin"},
    },
    "revealed": {
        "facilitator": _ROUND | {"round_balance", "controls", "handover", "leave"},
        "recipient": _ROUND | {"round_balance", "appreciate", "leave"},
        "writer": _ROUND | {"round_balance", "leave"},
        "left": _ROUND | {"round_balance", "rejoin"},
    },
    "wrapup": {
        "facilitator": _LIVE | {"revealed", "decide", "controls", "handover", "leave"},
        "recipient": _LIVE | {"revealed", "decide", "leave"},
        "writer": _LIVE | {"revealed", "decide", "leave"},
        "left": _LIVE | {"revealed", "rejoin"},
    },
    # Read-only: the revealed rounds, the action items and a link to your own summary.
    "ended": {
        "facilitator": {"revealed", "actions", "summary"},
        "recipient": {"revealed", "actions", "summary"},
        "writer": {"revealed", "actions", "summary"},
        "left": {"revealed", "actions", "summary"},
    },
    "cancelled": {
        "facilitator": {"cancelled"},
        "recipient": {"cancelled"},
        "writer": {"cancelled"},
        "left": {"cancelled"},
    },
}

# The facilitator's step buttons (data-step), in order; nobody else has any.
EXPECTED_STEPS = {
    "lobby": ["start", "end"],
    "writing": ["reveal", "extend", "pause", "undo", "end"],
    "revealed": ["next", "extend", "pause", "undo", "end"],
    "wrapup": ["undo", "end"],
    "ended": [],
    "cancelled": [],
}


def room_state(client, circle) -> str:
    page = client.get(reverse("feedback:room", args=[circle.pk]))
    assert page.status_code == 200
    return page.content.decode().split('<div id="state"', 1)[1]


def shown(state: str) -> set[str]:
    return {
        name
        for name, marker in MARKERS.items()
        if (marker.search(state) if isinstance(marker, re.Pattern) else marker in state)
    }


def seat_row(state: str, person) -> str:
    return state.split(f'data-person="{person.pk}"', 1)[1].split("</li>", 1)[0]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", PHASES)
def test_each_role_sees_and_may_press_exactly_what_the_phase_allows(
    world, fourth, client_for, phase, role
):
    circle, people = build(world, fourth, phase)
    assert circle.phase == phase
    state = room_state(client_for(people[role]), circle)
    assert shown(state) == EXPECTED[phase][role]
    steps = re.findall(r'data-step="(\w+)"', state)
    assert steps == (EXPECTED_STEPS[phase] if role == "facilitator" else [])
    # Whoever left says "left" in every phase, never "away", "not here yet" or "here".
    fay = seat_row(state, people["left"])
    assert ">left<" in fay and "away" not in fay and "not here yet" not in fay
    assert ">here<" not in fay and "missing" not in state


@pytest.mark.parametrize("phase", PHASES)
def test_someone_is_in_the_centre_only_while_writing_and_revealed(world, fourth, client_for, phase):
    circle, people = build(world, fourth, phase)
    state = room_state(client_for(people["writer"]), circle)
    in_centre = [
        person
        for person in people.values()
        if 'pill info">in the centre<' in seat_row(state, person)
    ]
    assert in_centre == ([people["recipient"]] if phase in ("writing", "revealed") else [])


def test_only_those_who_have_not_written_are_listed_to_nudge(world, fourth, client_for):
    circle, people = build(world, fourth, "writing")
    state = room_state(client_for(people["facilitator"]), circle)
    nudges = re.findall(r'name="person" value="(\d+)" class="secondary small">Nudge', state)
    # Eli is in the centre and Fay left: Mia and Pat are the ones still to write.
    assert sorted(int(p) for p in nudges) == sorted([world.manager.pk, world.peer.pk])
    write(circle, world.peer, "Start sharing the roadmap")
    state = room_state(client_for(people["facilitator"]), circle)
    nudges = re.findall(r'name="person" value="(\d+)" class="secondary small">Nudge', state)
    assert nudges == [str(world.manager.pk)]


def test_the_paused_timer_offers_resume_instead_of_pause(world, fourth, client_for):
    circle, people = build(world, fourth, "writing")
    step(circle, people["facilitator"], "pause")
    state = room_state(client_for(people["facilitator"]), circle)
    assert re.findall(r'data-step="(\w+)"', state) == ["reveal", "extend", "resume", "undo", "end"]


@pytest.mark.parametrize("action", ["undo", "nudge", "handover", "extend"])
def test_a_step_posted_after_the_end_is_refused_with_409_and_changes_nothing(
    world, fourth, client_for, action
):
    circle, people = build(world, fourth, "ended")
    before = _snapshot(circle)
    client = client_for(people["facilitator"])
    url = reverse("feedback:step", args=[circle.pk])
    data = {"action": action, "person": world.peer.pk, "expect": circle_services.state_key(circle)}
    response = client.post(url, data)
    assert response.status_code == 409
    assert "The circle has ended" in response.content.decode()
    # From the room (htmx): the fragment, with the reason and still nothing to press.
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The circle has ended" in page and "data-step=" not in page
    assert _snapshot(circle) == before


# --- After the end ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["writer", "left"])
def test_nobody_leaves_or_rejoins_an_ended_circle(world, fourth, client_for, role):
    circle, people = build(world, fourth, "ended")
    before = _snapshot(circle)
    response = client_for(people[role]).post(reverse("feedback:leave", args=[circle.pk]))
    assert response.status_code == 422
    assert "The circle has ended" in response.content.decode()
    assert _snapshot(circle) == before


def test_after_the_end_the_recipient_still_decides_and_adds_action_items(world, fourth, client_for):
    from feedback.models import ActionItem, CircleItem

    circle, people = build(world, fourth, "ended")
    eli = people["recipient"]
    item = CircleItem.objects.filter(circle=circle, recipient=eli).first()
    client = client_for(eli)
    response = client.post(
        reverse("feedback:decide_item", args=[item.pk]), {"decision": "accepted"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("feedback:add_action", args=[circle.pk]), {"text": "Hand the rota to Pat"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == "accepted"
    assert ActionItem.objects.filter(circle=circle, owner=eli).count() == 1


# --- The step bar, presence and the read-only end (issue 24) -----------------------------

# The bar's steps, by hand: (key, state) in order; writing and revealed are one step.
STEP_KEYS = ["lobby", "rounds", "wrapup", "ended"]
CURRENT_STEP = {
    "lobby": "lobby",
    "writing": "rounds",
    "revealed": "rounds",
    "wrapup": "wrapup",
    "ended": "ended",
}


def step_bar(state: str) -> list[tuple[str, str, bool, str]]:
    """The bar's items as (key, state class, aria-current="step", the item's markup)."""
    bar = state.split('<ol class="step-bar"', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r'<li class="step (\w+)" data-step-key="(\w+)"([^>]*)>(.*?)</li>', bar, re.S)
    return [(key, cls, 'aria-current="step"' in attrs, inner) for cls, key, attrs, inner in items]


@pytest.mark.parametrize("phase", PHASES)
def test_the_step_bar_is_an_ordered_list_with_the_current_phase_marked(
    world, fourth, client_for, phase
):
    circle, people = build(world, fourth, phase)
    for role in ROLES:
        state = room_state(client_for(people[role]), circle)
        if phase == "cancelled":  # it never started: no agenda to follow
            assert "step-bar" not in state
            continue
        bar = step_bar(state)
        assert [key for key, *_ in bar] == STEP_KEYS
        current = STEP_KEYS.index(CURRENT_STEP[phase])
        for i, (key, cls, is_current, inner) in enumerate(bar):
            expected = "done" if i < current else "current" if i == current else "todo"
            assert cls == expected, (phase, key)
            assert is_current == (i == current), (phase, key)
            assert ("(done)" in inner) == (expected == "done")
            # The timer sits beside the current step, while someone is in the centre.
            has_timer = 'class="timer' in inner
            assert has_timer == (i == current and phase in ("writing", "revealed")), key
        # Exactly one timer on the page, never a live region: read on demand, not each second.
        timers = re.findall(r'<span class="timer(?: paused)?"([^>]*)>', state)
        assert len(timers) == (1 if phase in ("writing", "revealed") else 0)
        for attrs in timers:
            assert 'role="timer"' in attrs and "aria-live" not in attrs


def test_the_step_bar_follows_an_undo_back_to_the_previous_phase(world, fourth, client_for):
    circle, people = build(world, fourth, "wrapup")
    step(circle, people["facilitator"], "undo")
    state = room_state(client_for(people["writer"]), circle)
    assert [(key, cls) for key, cls, *_ in step_bar(state)] == [
        ("lobby", "done"),
        ("rounds", "current"),
        ("wrapup", "todo"),
        ("ended", "todo"),
    ]


@pytest.mark.parametrize("phase", ["writing", "revealed"])
def test_the_person_in_the_centre_is_shown_prominently(world, fourth, client_for, phase):
    circle, people = build(world, fourth, phase)
    state = room_state(client_for(people["writer"]), circle)
    spot = state.split('<div class="centre-spot">', 1)[1].split("</div>", 1)[0]
    assert '<strong class="centre-name">Eli Employee</strong>' in spot
    assert "In the centre<" in spot
    mine = room_state(client_for(people["recipient"]), circle)
    assert "In the centre: you<" in mine


@pytest.mark.parametrize("phase", ["lobby", "wrapup", "ended", "cancelled"])
def test_nobody_is_shown_in_the_centre_outside_the_rounds(world, fourth, client_for, phase):
    circle, people = build(world, fourth, phase)
    assert "centre-spot" not in room_state(client_for(people["writer"]), circle)


def _pill(state: str, person) -> str | None:
    match = re.search(r'<span class="pill[^"]*">([^<]+)</span>', seat_row(state, person))
    if match and match.group(1) in ("facilitator", "in the centre"):
        return None
    return match.group(1) if match else None


# Pat has the page open; Eli had it open and closed it; Fay left in the lobby; Mia, the
# facilitator, never opened it. What each seat's pill says, phase by phase.
PRESENCE = {
    "lobby": {"writer": "here", "recipient": "not here yet", "left": "left"},
    "writing": {"writer": "here", "recipient": "away", "left": "left"},
    "revealed": {"writer": "here", "recipient": "away", "left": "left"},
    "wrapup": {"writer": "here", "recipient": "away", "left": "left"},
    "ended": {"writer": "here", "recipient": "left", "left": "left"},
    "cancelled": {"writer": None, "recipient": None, "left": "left"},
}
NEVER_CAME = {
    "lobby": "not here yet",
    "writing": "not here yet",
    "revealed": "not here yet",
    "wrapup": "not here yet",
    "ended": None,  # never there: not "left", and not "missing" either
    "cancelled": None,
}


@pytest.mark.parametrize("phase", PHASES)
def test_presence_is_honest_in_every_phase(world, fourth, client_for, phase):
    circle, people = build(world, fourth, phase)
    recipient = (circle.pk, people["recipient"].pk)
    circle_services.touch_presence([recipient])
    circle_services.touch_presence(gone=[recipient])
    circle_services.touch_presence([(circle.pk, people["writer"].pk)])
    state = room_state(client_for(people["writer"]), circle)
    for role, label in PRESENCE[phase].items():
        assert _pill(state, people[role]) == label, (phase, role)
    assert _pill(state, people["facilitator"]) == NEVER_CAME[phase]
    assert "missing" not in state


def test_a_round_of_heartbeats_is_one_update_for_all_still_here_and_tells_of_returns(
    world, fourth, django_assert_num_queries
):
    """touch_presence, the heartbeats of one web process's streams at once: those still
    here are one UPDATE and tell nobody; coming back after the window is told."""
    from datetime import timedelta

    from django.utils import timezone

    from feedback.models import PRESENCE_WINDOW

    circle, people = build(world, fourth, "writing")
    eli, pat = people["recipient"], people["writer"]
    other = make_circle(facilitator=eli, people=[eli, pat])  # their seats elsewhere
    seats = Participant.objects.filter(circle__in=[circle, other])
    a_while_ago = timezone.now() - timedelta(seconds=5)
    seats.update(last_seen=a_while_ago)
    version = Circle.objects.get(pk=circle.pk).version
    with django_assert_num_queries(2):  # the UPDATE, and the seats it did not refresh
        circle_services.touch_presence([(circle.pk, eli.pk), (circle.pk, pat.pk)] * 2)
    refreshed = set(seats.filter(last_seen__gt=a_while_ago).values_list("circle", "person"))
    assert refreshed == {(circle.pk, eli.pk), (circle.pk, pat.pk)}  # not Mia, not elsewhere
    assert Circle.objects.get(pk=circle.pk).version == version  # nobody re-fetches
    # Past the window Eli was away: coming back is told, once; Pat's beat stays quiet.
    Participant.objects.filter(circle=circle, person=eli).update(
        last_seen=timezone.now() - PRESENCE_WINDOW - timedelta(seconds=1)
    )
    circle_services.touch_presence([(circle.pk, eli.pk), (circle.pk, pat.pk)])
    assert Participant.objects.get(circle=circle, person=eli).is_here()
    assert Circle.objects.get(pk=circle.pk).version == version + 1
    # Someone with no seat: nothing written, nothing told; no viewers, no query.
    circle_services.touch_presence([(circle.pk, world.outsider.pk)])
    assert not Participant.objects.filter(person=world.outsider).exists()
    assert Circle.objects.get(pk=circle.pk).version == version + 1
    with django_assert_num_queries(0):
        circle_services.touch_presence([])


def test_a_round_of_arrivals_and_departures_bumps_each_circle_once(
    world, fourth, django_assert_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    """After a deploy every seat of a circle comes back within seconds: a round of arrivals
    is one bump and one event for each circle, however many arrive; departures likewise;
    and a seat both leaving and arriving in a round (a page reloaded) stays here, untold."""
    from datetime import timedelta

    from django.utils import timezone

    from culture import live
    from feedback.models import PRESENCE_WINDOW

    published = []
    monkeypatch.setattr(live, "publish", lambda channel, **data: published.append((channel, data)))
    circle, people = build(world, fourth, "writing")
    eli, pat, mia = people["recipient"], people["writer"], people["facilitator"]
    other = make_circle(facilitator=eli, people=[eli, pat])
    away = timezone.now() - PRESENCE_WINDOW - timedelta(seconds=1)
    Participant.objects.filter(circle__in=[circle, other]).update(last_seen=away)
    before = dict(Circle.objects.filter(pk__in=[circle.pk, other.pk]).values_list("pk", "version"))
    arriving = [(circle.pk, eli.pk), (circle.pk, pat.pk), (circle.pk, mia.pk), (other.pk, eli.pk)]
    # the cheap UPDATE, the seats it did not refresh, their UPDATE, the bump, the versions
    with django_assert_num_queries(5), django_capture_on_commit_callbacks(execute=True):
        told = circle_services.touch_presence(arriving)
    assert told == {circle.pk, other.pk}
    after = dict(Circle.objects.filter(pk__in=[circle.pk, other.pk]).values_list("pk", "version"))
    assert after == {pk: v + 1 for pk, v in before.items()}  # once each, not once a seat
    assert sorted(published) == sorted((f"circle:{pk}", {"version": v}) for pk, v in after.items())
    seats = Participant.objects.filter(circle__in=[circle, other])
    assert {(s.circle_id, s.person_id) for s in seats if s.is_here()} == set(arriving)

    # Eli leaves both circles while Pat reloads the page: one bump a circle Eli left.
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        told = circle_services.touch_presence(
            [(circle.pk, pat.pk)],
            gone=[(circle.pk, eli.pk), (other.pk, eli.pk), (circle.pk, pat.pk)],
        )
    assert told == {circle.pk, other.pk}
    assert len(published) == 2
    here = {
        (s.circle_id, s.person_id): s.is_here()
        for s in Participant.objects.filter(circle__in=[circle, other])
    }
    assert here[(circle.pk, pat.pk)] and here[(circle.pk, mia.pk)]
    assert not here[(circle.pk, eli.pk)] and not here[(other.pk, eli.pk)]
    # Leaving twice, or without a seat, tells nobody.
    published.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert circle_services.touch_presence([], gone=[(circle.pk, eli.pk)]) == set()
        nobody = [(circle.pk, world.outsider.pk)]
        assert circle_services.touch_presence([], gone=nobody) == set()
    assert published == [] and callbacks == []


def test_presence_labels_follow_the_phase_rule():
    from feedback import phases

    def label(phase, **kw):
        found = phases.presence_label(phase, **kw)
        return None if found is None else str(found[0])

    for phase in PHASES:
        assert label(phase, here=True, seen=True, left=True) == "left"
    assert label("lobby", here=False, seen=True, left=False) == "not here yet"
    assert label("writing", here=False, seen=True, left=False) == "away"
    assert label("writing", here=False, seen=False, left=False) == "not here yet"
    assert label("ended", here=False, seen=True, left=False) == "left"
    assert label("ended", here=False, seen=False, left=False) is None
    assert label("ended", here=True, seen=True, left=False) == "here"
    assert label("cancelled", here=True, seen=True, left=False) is None


def _with_action_items(world, fourth, reveal_to):
    """An ended circle in which Eli (Mia's and his round revealed) and Pat took action items,
    and Mia took one and checked it off."""
    from feedback.models import ActionItem

    mia, eli, pat = world.manager, world.employee, world.peer
    circle = make_circle(facilitator=mia, people=[eli, pat, fourth, mia], reveal_to=reveal_to)
    step(circle, mia, "start")
    for _ in range(4):
        step(circle, mia, "reveal")
        step(circle, mia, "next")
    assert circle.phase == "wrapup"
    circle_services.do_add_action_item(circle_id=circle.pk, person=eli, text="Hand the rota on")
    circle_services.do_add_action_item(circle_id=circle.pk, person=pat, text="Demo on Fridays")
    done = circle_services.do_add_action_item(circle_id=circle.pk, person=mia, text="Plan early")
    circle_services.do_complete_action_item(action=ActionItem.objects.get(pk=done.pk), person=mia)
    step(circle, mia, "end")
    return circle


def _actions(page: str) -> list[tuple[str, str, bool]]:
    section = page.split('id="actions-h"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r'<li><span class="action-text">(.*?)</span> <span class="muted">— '
        r'<span class="visually-hidden">owner: </span>(.*?)</span>(.*?)</li>',
        section,
    )
    return [(text, owner, "done" in rest) for text, owner, rest in rows]


@pytest.mark.parametrize("viewer", ["manager", "employee", "peer", "fourth"])
def test_the_ended_room_is_a_read_only_summary_with_action_items_and_owners(
    world, fourth, client_for, viewer
):
    circle = _with_action_items(world, fourth, Circle.Audience.CIRCLE)
    person = fourth if viewer == "fourth" else getattr(world, viewer)
    for name in ("feedback:room", "feedback:room_state"):
        page = client_for(person).get(reverse(name, args=[circle.pk])).content.decode()
        state = page.split('<div id="state"', 1)[1]
        assert "<form" not in state and "<button" not in state and "<textarea" not in state
        assert _actions(state) == [
            ("Hand the rota on", "Eli Employee", False),
            ("Demo on Fridays", "Pat Peer", False),
            ("Plan early", "Mia Manager", True),
        ]
        assert 'id="ended-summary"' in state
    # The live room's step bar says it has ended.
    assert [(k, c) for k, c, *_ in step_bar(state)][-1] == ("ended", "current")


def test_in_a_circle_revealed_to_each_recipient_the_ended_room_shows_only_your_own_actions(
    world, fourth, client_for
):
    circle = _with_action_items(world, fourth, Circle.Audience.RECIPIENT)
    expected = {
        world.employee: [("Hand the rota on", "Eli Employee", False)],
        world.peer: [("Demo on Fridays", "Pat Peer", False)],
        fourth: [],
    }
    for person, actions in expected.items():
        client = client_for(person)
        for name in ("feedback:room", "feedback:room_state", "feedback:summary"):
            page = client.get(reverse(name, args=[circle.pk])).content.decode()
            assert _actions(page) == actions, (person, name)
            others = {"Hand the rota on", "Demo on Fridays", "Plan early"} - {
                a for a, *_ in actions
            }
            assert not any(text in page for text in others), (person, name)


def test_after_the_end_the_summary_page_is_where_the_recipient_decides_and_adds_actions(
    world, fourth, client_for
):
    from feedback.models import ActionItem, CircleItem

    circle, people = build(world, fourth, "ended")
    eli = people["recipient"]
    client = client_for(eli)
    summary = reverse("feedback:summary", args=[circle.pk])
    page = client.get(summary).content.decode()
    item = CircleItem.objects.filter(circle=circle, recipient=eli).first()
    decide = reverse("feedback:decide_item", args=[item.pk])
    assert f'action="{decide}"' in page and 'name="next" value="summary"' in page
    response = client.post(decide, {"decision": "accepted", "next": "summary"})
    assert response.status_code == 302 and response["Location"] == summary
    item.refresh_from_db()
    assert item.decision == "accepted"
    add = reverse("feedback:add_action", args=[circle.pk])
    response = client.post(add, {"text": "Hand the rota to Pat", "next": "summary"})
    assert response.status_code == 302 and response["Location"] == summary
    assert ActionItem.objects.filter(circle=circle, owner=eli).count() == 1
    # Blank: the summary again, 422, with the reason, and nothing added.
    response = client.post(add, {"text": "", "next": "summary"})
    assert response.status_code == 422
    assert "Write the action item" in response.content.decode()
    assert 'id="acc-h"' in response.content.decode()
    assert ActionItem.objects.filter(circle=circle, owner=eli).count() == 1

    # Before their own round is revealed, nobody has action items to add (the service
    # refuses them): Pat, mid-circle, gets no form.
    circle, people = build(world, fourth, "writing")
    summary = reverse("feedback:summary", args=[circle.pk])
    assert 'id="action-text"' not in client_for(people["writer"]).get(summary).content.decode()
    assert 'id="action-text"' in client_for(people["facilitator"]).get(summary).content.decode()
