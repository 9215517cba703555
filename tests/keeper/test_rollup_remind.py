"""The rollup (issue 24): completion as a bar per manager, numeric columns aligned with
their headings, and a "remind" button that reaches the manager through the notification
ledger at most once a day, for the rollup's readers only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from culture.models import AuditEvent, Delivery, Notification
from culture.tasks import send_delivery
from keeper.models import KeeperTest
from tests.keeper.helpers import keeper_test_of, open_cycle_now

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def cycle(world):
    cycle = open_cycle_now()
    # The manager has answered one of their two people.
    KeeperTest.objects.filter(pk=keeper_test_of(cycle, world.employee).pk).update(answer="yes")
    return cycle


def _remind_url(person):
    return f"/keeper/rollup/{person.pk}/remind/"


def _emails_to(person):
    for delivery in Delivery.objects.filter(recipient=person):
        send_delivery(delivery.pk)
    return [m for m in mail.outbox if m.to == [person.email]]


def test_the_rollup_shows_a_bar_per_manager_with_the_numbers(world, cycle, client_for):
    html = client_for(world.skip_level).get("/keeper/rollup/").content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>Mia Manager</a>.*?</tr>", html, re.S).group(0)
    assert "1 of 2" in row
    assert '<progress max="2" value="1" aria-label="Mia Manager: 1 of 2 answered">' in row
    assert f'action="{_remind_url(world.manager)}"' in row


def test_numeric_columns_and_their_headings_are_right_aligned(world, cycle, client_for):
    html = client_for(world.skip_level).get("/keeper/rollup/").content.decode()
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    headings = re.findall(r'<th scope="col"( class="num")?>([^<]*)<', head)
    numeric = {label for cls, label in headings if cls}
    assert numeric == {"Answered", "Yes", "Not sure", "No"}
    assert {label for cls, label in headings if not cls} >= {"Manager", "Team"}
    row = re.search(r"<tr>\s*<td><a[^>]*>Mia Manager</a>.*?</tr>", html, re.S).group(0)
    assert len(re.findall(r'<td class="num[ "]', row)) == len(numeric)


def test_two_clicks_the_same_day_send_one_email_and_say_reminded_today(
    world, cycle, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.skip_level)
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(_remind_url(world.manager), follow=True)
        second = client.post(_remind_url(world.manager), follow=True)
    assert "Reminded Mia Manager." in first.content.decode()
    assert "Mia Manager was already reminded today." in second.content.decode()
    emails = _emails_to(world.manager)
    assert len(emails) == 1
    assert "1 still to answer" in emails[0].subject
    assert Notification.objects.filter(recipient=world.manager, kind="keeper.remind").count() == 1
    assert AuditEvent.objects.filter(action="keeper.manager.reminded").count() == 1
    # The rollup says so in the row, instead of the button.
    html = client.get("/keeper/rollup/").content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>Mia Manager</a>.*?</tr>", html, re.S).group(0)
    assert "Reminded today" in row and _remind_url(world.manager) not in row
    # Another reader the same day sends nothing either.
    client_for(world.people_admin).post(_remind_url(world.manager))
    assert Delivery.objects.filter(recipient=world.manager).count() == 1


def test_the_next_day_a_click_reminds_again(world, cycle, client_for):
    client = client_for(world.skip_level)
    client.post(_remind_url(world.manager))
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.post(_remind_url(world.manager))
    assert Notification.objects.filter(recipient=world.manager, kind="keeper.remind").count() == 2


def test_over_htmx_the_cell_is_swapped_for_the_outcome(world, cycle, client_for):
    client = client_for(world.skip_level)
    response = client.post(_remind_url(world.manager), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<td id="remind-{world.manager.pk}"') and "Reminder sent" in html
    html = client.post(_remind_url(world.manager), headers=HTMX).content.decode()
    assert "Reminded today" in html


@pytest.mark.parametrize(
    "who,status", [("employee", 403), ("manager", 403), ("other_manager", 403)]
)
def test_who_is_not_a_rollup_reader_is_refused(world, cycle, client_for, who, status):
    response = client_for(getattr(world, who)).post(_remind_url(world.manager))
    assert response.status_code == status
    assert not Notification.objects.filter(kind="keeper.remind").exists()


def test_a_manager_outside_the_readers_tree_is_not_found(world, cycle, client_for):
    from tests.conftest import make_person

    # A director of another branch reads a rollup, but not Mia's line.
    make_person(name="Rae Report", manager=world.other_manager, team=world.team)
    assert world.other_manager.manager_id is not None
    boss = world.other_manager.manager
    assert boss.manages_managers()
    response = client_for(boss).post(_remind_url(world.manager))
    assert response.status_code == 404
    assert not Notification.objects.filter(kind="keeper.remind").exists()


def test_a_manager_with_everything_answered_has_no_button_and_is_not_reminded(
    world, cycle, client_for
):
    KeeperTest.objects.filter(cycle=cycle, report__manager=world.manager).update(answer="yes")
    client = client_for(world.skip_level)
    html = client.get("/keeper/rollup/").content.decode()
    assert _remind_url(world.manager) not in html
    response = client.post(_remind_url(world.manager), follow=True)
    assert "has answered every keeper test" in response.content.decode()
    assert not Notification.objects.filter(kind="keeper.remind").exists()
