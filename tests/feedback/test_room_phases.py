"""The circle's phases as one table (feedback.phases), issue 18 point 5: the facilitator's
steps are refused in every phase that does not allow them. One circle is taken to each
phase (lobby, writing, revealed, wrap-up, ended) with four roles in it: the facilitator
(Mia), the person in the centre (Eli), a writer (Pat) and someone who left (Fay, who left
in the lobby, so her round is skipped). What each phase refuses is written here by hand,
independently of the table, so that a wrong table fails.
"""

from __future__ import annotations

import pytest

from feedback import services
from feedback.models import Circle, Participant, Step
from tests.feedback.factories import make_circle, step, write

PHASES = ["lobby", "writing", "revealed", "wrapup", "ended"]
ROLES = ["facilitator", "recipient", "writer", "left"]


def build(world, fourth, phase):
    """Mia (facilitator, position 0), Eli (1), Fay (2, leaves in the lobby), Pat (3). The
    writing and revealed phases are Eli's round, after Mia's was revealed; Pat was nudged
    and nobody has written for Eli yet when writing."""
    mia, eli, pat = world.manager, world.employee, world.peer
    circle = make_circle(facilitator=mia, people=[eli, pat, fourth, mia])
    services.do_leave(circle_id=circle.pk, person=fourth)
    circle.refresh_from_db()
    people = {"facilitator": mia, "recipient": eli, "writer": pat, "left": fourth}
    if phase == "lobby":
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
        with pytest.raises(services.StepRefused):
            services.do_step(
                circle_id=circle.pk,
                actor=people["facilitator"],
                action=action,
                **_kwargs(action, world),
            )
        assert _snapshot(circle) == before, action


def test_after_the_end_undo_says_the_circle_has_ended(world, fourth):
    circle, people = build(world, fourth, "ended")
    with pytest.raises(services.StepRefused, match="The circle has ended"):
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

    assert set(services.STEPS) == set(phases.STEPS)
    assert {value for value, _ in StepForm.base_fields["action"].choices} == set(phases.STEPS)
