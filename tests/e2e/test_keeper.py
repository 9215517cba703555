"""The keeper test in a real browser: the manager answers (one No, then the guidance), the
employee logs the keeper prompt, the director sees the rollup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from keeper.models import KeeperTest
from tests.conftest import make_person
from tests.keeper.helpers import keeper_test_of, open_cycle_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_answers_follows_the_guidance_employee_asks_director_sees_rollup(world, browse):
    nia = make_person(name="Nia Newell", manager=world.manager, team=world.team, level=5)
    cycle = open_cycle_now()

    session = browse(world.manager)
    page = session.page
    session.visit("/keeper/")
    progress = page.locator("#keeper-progress")
    assert "0 of 3 answered" in progress.inner_text()
    for n, (person, answer) in enumerate(
        [
            (world.employee, "Yes, I would fight to keep them"),
            (world.peer, "Yes, I would fight to keep them"),
            (nia, "No"),
        ],
        start=1,
    ):
        card = page.locator(f"#card-{keeper_test_of(cycle, person).pk}")
        card.get_by_label(answer, exact=True).check()
        page.wait_for_function(
            "n => document.querySelector('#keeper-progress').innerText.includes(n + ' of 3')",
            arg=n,
        )
        assert card.get_by_text("Saved").is_visible()
    assert "3 of 3 answered" in progress.inner_text()
    assert KeeperTest.objects.get(cycle=cycle, report=nia).answer == "no"

    # "No" opens guidance, not a verdict.
    page.get_by_role("link", name="Not sure or No: read the guidance for Nia").click()
    page.wait_for_url("**/guidance/")
    session.check_a11y("guidance")
    assert page.get_by_role("heading", name="A candid conversation").is_visible()
    assert page.get_by_text("5 months’ pay").is_visible()
    day = timezone.localdate() + timedelta(days=30)
    page.get_by_label("Date to look again").fill(day.isoformat())
    page.get_by_role("button", name="Set the date to look again").click()
    assert page.locator(".message.success").get_by_text("We will remind you on").is_visible()
    assert KeeperTest.objects.get(cycle=cycle, report=nia).look_again_on == day
    session.visit("/keeper/")
    assert "3 of 3 answered" in page.locator("#keeper-progress").inner_text()

    employee = browse(world.employee)
    session = employee
    session.visit("/keeper/ask/")
    page = session.page
    page.get_by_label("When did you ask?").fill(timezone.localdate().isoformat())
    page.get_by_label("Would fight to keep me").check()
    page.get_by_label("Your private note").fill("Said my incident write-ups matter.")
    page.get_by_role("button", name="Add to my log").click()
    assert page.get_by_text("Added to your private log.").is_visible()
    assert page.get_by_text("Said my incident write-ups matter.").is_visible()
    session.check_a11y("ask after logging")

    director = browse(world.skip_level)
    director.visit("/keeper/rollup/")
    page = director.page
    row = page.get_by_role("row", name="Mia Manager")
    assert "3 of 3" in row.inner_text()
    row.get_by_role("link", name="Mia Manager").click()
    page.wait_for_url(f"**/keeper/rollup/{world.manager.pk}/**")
    director.check_a11y("drill-down")
    assert page.get_by_role("heading", name="Nia Newell").is_visible()

    admin = browse(world.people_admin)
    admin.visit("/keeper/admin/")
    assert "3 of 3" in admin.page.get_by_role("row", name="Mia Manager").inner_text()


def test_a_note_stays_with_its_author_when_the_report_moves_to_another_manager(world, browse):
    """In the browser: the manager's note saves as they leave the box; after a move the new
    manager's box is empty, and the director reads the old note under its author's name."""
    nora = make_person(name="Nora Newlead", manager=world.skip_level, team=world.team)
    cycle = open_cycle_now()
    test = keeper_test_of(cycle, world.employee)

    mia = browse(world.manager)
    mia.visit("/keeper/")
    card = mia.page.locator(f"#card-{test.pk}")
    card.get_by_label("Your private notes").fill("Carries the on-call rota")
    card.get_by_label("Yes, I would fight to keep them", exact=True).check()
    card.get_by_text("Saved").wait_for()
    # "Saved" may be the note's own save (on leaving the box): wait for the answer's too.
    for _ in range(100):
        if KeeperTest.objects.filter(pk=test.pk, answer="yes").exists():
            break
        mia.page.wait_for_timeout(100)

    world.employee.manager = nora
    world.employee.save()

    new = browse(nora)
    new.visit("/keeper/")
    card = new.page.locator(f"#card-{test.pk}")
    assert card.get_by_label("Your private notes").input_value() == ""
    assert "on-call rota" not in new.page.content()
    assert card.get_by_label("Yes, I would fight to keep them", exact=True).is_checked()

    director = browse(world.skip_level)
    director.visit(f"/keeper/rollup/{nora.pk}/")
    note = director.page.locator(f"#card-{test.pk} .keeper-note")
    assert note.get_by_role("heading", name="Private notes by Mia Manager").is_visible()
    assert note.get_by_text("Carries the on-call rota").is_visible()
