"""Sessions: deactivation ends every session of that person on every device, and a later
reactivation does not bring an old session back; logout ends the session it is sent from;
a reset link expires. (Login rotation, the lock-out and single-use reset links are in
tests/culture/test_accounts.py.)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from culture.models import Delivery, Person
from culture.notifications import send
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _device(email: str) -> Client:
    c = Client()
    response = c.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    assert c.get("/").status_code == 200
    return c


def _edit(world, person: Person, **changes):
    data = {
        "name": person.name,
        "title": person.title,
        "job_family": person.job_family,
        "level": person.level,
        "location": person.location,
        "team": person.team_id or "",
        "manager": person.manager_id or "",
        "start_date": person.start_date.isoformat(),
        "is_active": "on" if person.is_active else "",
    }
    data.update(changes)
    admin = Client()
    admin.force_login(world.people_admin)
    response = admin.post(f"/people/{person.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:500]


def _sessions_of(person: Person) -> int:
    return sum(
        1
        for s in Session.objects.filter(expire_date__gt=timezone.now())
        if s.get_decoded().get("_auth_user_id") == str(person.pk)
    )


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(world):
    laptop, phone = _device("employee@example.test"), _device("employee@example.test")
    assert _sessions_of(world.employee) == 2
    _edit(world, world.employee, is_active="")
    for device in (laptop, phone):
        assert device.get("/").status_code == 302
    assert _sessions_of(world.employee) == 0
    world.employee.refresh_from_db()
    _edit(world, world.employee, is_active="on")
    for device in (laptop, phone):
        assert device.get("/").status_code == 302, "an old session came back to life"


def test_deactivation_by_import_ends_every_session(world):
    from culture import people_import

    phone = _device("outsider@example.test")
    rows = [",".join(people_import.COLUMNS)]
    for p in Person.objects.filter(is_active=True).exclude(pk=world.outsider.pk):
        rows.append(
            ",".join(
                [
                    p.email,
                    p.name,
                    p.title,
                    p.job_family,
                    str(p.level),
                    p.location,
                    p.team.name if p.team_id else "",
                    p.manager.email if p.manager_id else "",
                    p.start_date.isoformat(),
                ]
            )
        )
    plan = people_import.validate("\n".join(rows).encode())
    assert plan.ok, plan.problems[:3]
    people_import.apply(plan, deactivate_missing=True)
    assert phone.get("/").status_code == 302
    assert _sessions_of(world.outsider) == 0


def test_logout_ends_this_session_only_by_design(world):
    laptop, phone = _device("peer@example.test"), _device("peer@example.test")
    assert laptop.post("/logout/").status_code == 302
    assert laptop.get("/").status_code == 302
    # Documented in SECURITY.md: logout is per device; deactivation ends them all.
    assert phone.get("/").status_code == 200


def test_a_reset_link_expires_after_the_timeout(world, settings):
    client = Client()
    client.post("/password/reset/", {"email": "employee@example.test"})
    delivery = Delivery.objects.get(recipient=world.employee)
    from django.core import mail

    assert send(delivery.pk)
    link = re.search(r"http://[^\s\"]+/password/reset/[^\s\"]+/", mail.outbox[0].body).group(0)
    link = re.sub(r"^http://[^/]+", "", link)
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        page = Client().get(link, follow=True)
    assert "This link has expired" in page.content.decode()
