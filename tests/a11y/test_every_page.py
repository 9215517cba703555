"""Every GET page of the URL map, for every persona that may open it, in each significant state
(empty company, full company, htmx fragment swapped in, form re-rendered with errors), has no
serious or critical axe-core finding. tests/a11y/sweep.py says how, and how it stays fast."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.a11y.sweep import Sweep, personas_allowed
from tests.conftest import build_world
from tests.matrix import all_cases

# Its own xdist group: the sweep is long, and the other worker runs the rest meanwhile.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("a11y-sweep"),
]

# A POST case's persona may act when the matrix expects them to get through the gate.
ACTING = (200, 302, 422)


def _setups(world, cases) -> dict[str, dict]:
    """Every case's setup, run once per setup function, all in the same world."""
    done: dict = {}
    extras: dict[str, dict] = {}
    for name, spec in cases.items():
        if spec.setup is None:
            extras[name] = {}
            continue
        if spec.setup not in done:
            try:
                with transaction.atomic():
                    done[spec.setup] = spec.setup(world) or {}
            except Exception as exc:  # noqa: BLE001 - named in the failure below
                pytest.fail(
                    f"{name}: its setup cannot run beside the other cases' setups in one "
                    f"world ({exc!r}); make it idempotent (get_or_create) so the a11y sweep "
                    "can see the page"
                )
        extras[name] = done[spec.setup]
    return extras


def test_every_page_every_persona_every_state_has_no_serious_axe_finding(
    browser, live_server, _test_db_free_at_exit
):
    world = build_world()
    cases = all_cases()
    gets = {n: c for n, c in cases.items() if c.method == "get"}
    sweep = Sweep(browser, live_server, world)
    try:
        # Empty: a fresh company, the pages that need nothing set up.
        for name, spec in gets.items():
            if spec.setup is None:
                for persona in personas_allowed(spec):
                    sweep.page(persona, name, "empty", spec, {})
        # Full: every setup in one world, every page (fragments swapped into their pages).
        extras = _setups(world, cases)
        ordered = sorted(gets.items(), key=lambda item: bool(item[1].headers))
        for name, spec in ordered:
            for persona in personas_allowed(spec):
                sweep.page(persona, name, "full", spec, extras[name])
        # Error: every POST case with its data blanked, by whoever may act.
        for name, spec in cases.items():
            if spec.method == "post":
                for persona in personas_allowed(spec, ACTING):
                    sweep.error(persona, name, spec, extras[name])
    finally:
        sweep.close()
    print(sweep.report())
    assert not sweep.findings, (
        f"{sweep.report()}\n{len(sweep.findings)} serious or critical axe findings:\n"
        + "\n".join(sweep.findings)
    )
