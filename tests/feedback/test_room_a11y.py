"""The live room passes axe (serious and critical findings) in every phase, for the person in
the centre, a writer and the facilitator, at a desktop width and at 390px: the step bar, the
timer beside it, the person in the centre, the presence pills and the read-only end. The
matrix sweep (tests/a11y/test_every_page.py) sees the room in the lobby only; this walks the
phases with tests/feedback/test_room_phases.py's build()."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.a11y.sweep import logged_in
from tests.e2e.conftest import AXE_SOURCE
from tests.feedback.test_room_phases import PHASES, build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_JS = """async () => {
    const r = await axe.run(document, {resultTypes: ["violations"]});
    return r.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => `${v.id} (${v.impact}): ${v.help} -> ` +
                  v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def test_the_room_passes_axe_in_every_phase_for_every_role(
    world, fourth, browser, live_server, _test_db_free_at_exit
):
    findings = []
    checked = 0
    for phase in PHASES:
        circle, people = build(world, fourth, phase)
        for role in ("facilitator", "recipient", "writer"):
            for width in (1280, 390):
                page = logged_in(
                    browser,
                    live_server.url,
                    people[role],
                    viewport={"width": width, "height": 900},
                )
                try:
                    response = page.goto(reverse("feedback:room", args=[circle.pk]))
                    assert response is not None and response.status == 200
                    page.locator("#state").wait_for()
                    if phase in ("writing", "revealed"):
                        page.locator("#state .step-bar [aria-current=step] .timer").wait_for()
                    page.evaluate(AXE_SOURCE)
                    found = page.evaluate(AXE_JS)
                    findings += [f"{phase}/{role}/{width}px: {f}" for f in found]
                    # At 390px nothing is wider than the screen.
                    overflow = page.evaluate(
                        "() => document.documentElement.scrollWidth - window.innerWidth"
                    )
                    if overflow > 0:
                        findings.append(f"{phase}/{role}/{width}px: {overflow}px too wide")
                    checked += 1
                finally:
                    page.context.close()
    assert checked == len(PHASES) * 3 * 2
    assert not findings, "\n".join(findings)
