"""The product screenshots in docs/screens/ (README, issue 24): home, keeper, the live room, the
memo page and feed, my pay and team pay, at desktop (1280 px) and phone (390 × 844) size, and
three of them for readers of Japanese and Arabic (issue 25), of
the demo company (`seed_demo`, as `make run` shows it). Not part of `make test` (the file name
does not start with test_); refresh them with `make screens`, which runs:

    .venv/bin/python -m culture.devstack test tests/e2e/screens.py -q -p no:randomly
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from culture.demo import DEMO_PASSWORD
from culture.models import Person
from decisions.models import Memo
from feedback.models import Circle
from feedback.services import circle as circle_services

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shot(session, path: str, name: str, size: str) -> None:
    session.page.set_viewport_size(SIZES[size])
    session.visit(path)
    session.page.wait_for_load_state("networkidle")
    SCREENS.mkdir(parents=True, exist_ok=True)
    # The first screen, as a person opens the page (a full-page shot would draw the phone's
    # fixed tab bar in the middle of the page).
    session.page.screenshot(path=str(SCREENS / f"{name}-{size}.png"), animations="disabled")


def test_make_product_screens(browse, _test_db_free_at_exit):
    call_command("seed_demo", people=60, verbosity=0)
    manager = Person.objects.get(email="manager@example.com")
    employee = Person.objects.get(email="employee@example.com")
    circle = Circle.objects.filter(facilitator=manager, phase=Circle.Phase.LOBBY).first()
    assert circle is not None, "the demo company has an upcoming circle for the manager"
    circle_services.do_step(circle_id=circle.pk, actor=manager, action="start")
    memo = Memo.objects.filter(state=Memo.State.OPEN).order_by("-pk").first()
    assert memo is not None, "the demo company has an open memo"
    # Headless Chromium says UTC: with no zone of their own, they would be offered it.
    Person.objects.filter(pk__in=[manager.pk, employee.pk]).update(time_zone="Europe/London")
    as_manager = browse(manager, password=DEMO_PASSWORD)
    as_employee = browse(employee, password=DEMO_PASSWORD)
    for size in SIZES:
        _shot(as_manager, "/", "home", size)
        _shot(as_manager, "/keeper/", "keeper", size)
        _shot(as_manager, f"/feedback/circles/{circle.pk}/", "live-room", size)
        _shot(as_employee, f"/decisions/{memo.pk}/", "memo", size)
        _shot(as_employee, "/decisions/", "memo-feed", size)
        _shot(as_employee, "/pay/", "my-pay", size)
        _shot(as_manager, "/pay/team/", "team-pay", size)
    # Issue 25: the same product for a reader of Japanese and of Arabic (right to left).
    Person.objects.filter(pk=manager.pk).update(language="ja")
    Person.objects.filter(pk=employee.pk).update(language="ar")
    for size in SIZES:
        _shot(as_manager, "/keeper/", "keeper-ja", size)
        _shot(as_employee, "/", "home-ar", size)
        _shot(as_employee, f"/decisions/{memo.pk}/", "memo-ar", size)
    made = sorted(p.name for p in SCREENS.glob("*-desktop.png"))
    assert len(made) >= 10, made
