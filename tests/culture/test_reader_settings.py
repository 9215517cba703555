"""Each person's own time zone and language (issue 25): the account page, the zone offered at
login, pages and messages in the reader's zone and language, one circle seen from three zones
across a summer-time change, and keeper reminders at the cycle's hour where each manager is."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from culture import clock
from culture.forms import TIME_ZONES
from culture.i18n import SUGGESTED_ZONE_KEY, as_reader, language_for
from culture.models import Delivery, Notification, Person
from feedback import invitations
from feedback.services import circle as circle_services
from keeper.models import KeeperCycle
from keeper.services import sweep as sweep_services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
LONDON = ZoneInfo("Europe/London")


def _set(person: Person, **fields) -> Person:
    Person.objects.filter(pk=person.pk).update(**fields)
    person.refresh_from_db()
    return person


# --- The account page ------------------------------------------------------------------------


def test_the_account_page_saves_a_language_and_a_zone(world, client_for):
    client = client_for(world.employee)
    page = client.get(reverse("reader_settings"))
    assert page.status_code == 200
    # Every zone is offered once (the select is drawn with Django's Jinja2 widget
    # templates, culture.forms.JINJA2_WIDGETS), the company's chosen while theirs is blank.
    assert '<option value="" selected>The company&#39;s (Europe/London)</option>' in page.text
    assert page.text.count("<option value=") == len(TIME_ZONES) + 1 + len(settings.LANGUAGES) + 1
    assert page.text.count(f'<option value="{TOKYO}">{TOKYO}</option>') == 1
    response = client.post(reverse("reader_settings"), {"language": "fr", "time_zone": TOKYO})
    assert response.status_code == 302
    world.employee.refresh_from_db()
    assert (world.employee.language, world.employee.time_zone) == ("fr", TOKYO)
    again = client.get(reverse("reader_settings")).text
    assert f'<option value="{TOKYO}" selected>{TOKYO}</option>' in again
    assert '<option value="fr" selected>' in again and again.count(" selected>") == 2
    # The next page is in their language and names it.
    home = client.get(reverse("home"))
    assert home["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in home.text


def test_a_zone_or_language_that_does_not_exist_is_refused_and_nothing_changes(world, client_for):
    client = client_for(world.employee)
    response = client.post(
        reverse("reader_settings"), {"language": "xx", "time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 422
    assert response.text.count('class="errorlist"') == 2
    world.employee.refresh_from_db()
    assert (world.employee.language, world.employee.time_zone) == ("", "")


def test_blank_follows_the_browser_and_the_company(world, client_for):
    client = client_for(world.employee)
    page = client.get(reverse("home"), headers={"accept-language": "ja,en;q=0.5"})
    assert page["Content-Language"] == "ja"
    assert "Accept-Language" in page["Vary"]
    assert '<html lang="ja" dir="ltr">' in page.text
    arabic = client.get(reverse("home"), headers={"accept-language": "ar-EG"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    # Their own choice wins over the browser, and the page no longer varies on it.
    _set(world.employee, language="de")
    page = client.get(reverse("home"), headers={"accept-language": "ja"})
    assert page["Content-Language"] == "de"
    assert "Accept-Language" not in page.get("Vary", "")
    assert clock.zone_for(world.employee).key == "Europe/London"
    _set(world.employee, time_zone=TOKYO)
    assert clock.zone_for(world.employee).key == TOKYO


def test_the_login_page_follows_the_browser(client):
    page = client.get(reverse("login"), headers={"accept-language": "es-MX,es;q=0.9"})
    assert page.status_code == 200
    assert page["Content-Language"] == "es"
    assert '<html lang="es"' in page.text


# --- Suggested at the first login --------------------------------------------------------------


def _log_in(client, person, **headers):
    return client.post(
        reverse("login"), {"username": person.email, "password": PASSWORD}, headers=headers
    )


def test_the_first_login_takes_the_browser_language_and_offers_its_zone(world, client):
    client.cookies["culture_browser_tz"] = "America%2FNew_York"
    response = _log_in(client, world.employee, **{"accept-language": "fr-CA,fr;q=0.9"})
    assert response.status_code == 302, response.text[:500]
    world.employee.refresh_from_db()
    assert world.employee.language == "fr"
    assert world.employee.time_zone == ""  # offered, not imposed
    assert client.session[SUGGESTED_ZONE_KEY] == NEW_YORK
    home = client.get(reverse("home"))
    assert 'name="zone" value="America/New_York"' in home.text
    # Taking it sets their zone and the offer goes.
    client.post(reverse("reader_settings"), {"zone": NEW_YORK, "next": "/"})
    world.employee.refresh_from_db()
    assert world.employee.time_zone == NEW_YORK
    assert SUGGESTED_ZONE_KEY not in client.session
    assert 'name="zone"' not in client.get(reverse("home")).text


def test_declining_the_zone_keeps_the_company_one(world, client):
    client.cookies["culture_browser_tz"] = "Asia%2FTokyo"
    _log_in(client, world.employee)
    client.post(reverse("reader_settings"), {"keep": "1", "next": "https://evil.example/"})
    world.employee.refresh_from_db()
    assert world.employee.time_zone == ""
    assert SUGGESTED_ZONE_KEY not in client.session


def test_a_zone_posted_that_was_not_offered_is_ignored(world, client_for):
    client = client_for(world.employee)
    response = client.post(reverse("reader_settings"), {"zone": TOKYO})
    assert response.status_code == 302
    world.employee.refresh_from_db()
    assert world.employee.time_zone == ""


def test_a_browser_in_the_company_zone_is_offered_nothing(world, client):
    client.cookies["culture_browser_tz"] = "Europe%2FLondon"
    _log_in(client, world.employee)
    assert SUGGESTED_ZONE_KEY not in client.session


# --- One circle, three zones, across a summer-time change ------------------------------------

# Planned on 10 March 2027, when New York (EST, UTC-5) and London (GMT) are on winter time, for
# 31 March 2027, when both are on summer time (EDT from 14 March, BST from 28 March). Tokyo has
# no summer time. 16:00 UTC on the day is 12:00 in New York, 17:00 in London, 01:00 on 1 April
# in Tokyo: each reader sees the circle's own local time, not today's offset.
PLANNED = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
MEETS = datetime(2027, 3, 31, 16, 0, tzinfo=UTC)


@pytest.fixture
def three_zones(world):
    _set(world.peer, time_zone=NEW_YORK)
    _set(world.employee, time_zone=TOKYO)
    with time_machine.travel(PLANNED, tick=False):
        circle = circle_services.do_create_circle(
            creator=world.manager,
            title="Spring circle",
            people=[world.employee, world.peer],
            facilitator=world.manager,
            scheduled_at=MEETS,
            minutes_per_person=10,
        )
    return circle


@pytest.mark.parametrize(
    "persona, shown",
    [
        ("manager", "31 Mar 2027, 17:00 BST"),
        ("peer", "31 Mar 2027, 12:00 EDT"),
        ("employee", "1 Apr 2027, 01:00 JST"),
    ],
)
def test_each_participant_sees_the_circle_in_their_zone_with_the_zone_named(
    world, three_zones, client_for, persona, shown
):
    with time_machine.travel(PLANNED, tick=False):
        page = client_for(getattr(world, persona)).get(
            reverse("feedback:room", args=[three_zones.pk])
        )
    assert page.status_code == 200
    assert shown in " ".join(page.text.split())


def test_each_invitation_is_written_in_its_readers_zone(world, three_zones):
    with time_machine.travel(PLANNED, tick=False):
        invitations.send_invitations(three_zones.pk)
    bodies = {
        d.recipient_id: " ".join(d.text_body.split())
        for d in Delivery.objects.filter(key__contains=f"circle:{three_zones.pk}:invite")
    }
    assert "Wednesday 31 March 2027, 17:00 BST" in bodies[world.manager.pk]
    assert "Wednesday 31 March 2027, 12:00 EDT" in bodies[world.peer.pk]
    assert "Thursday 1 April 2027, 01:00 JST" in bodies[world.employee.pk]


def test_a_message_is_written_in_its_readers_language_and_zone(world):
    _set(world.peer, language="ja", time_zone=TOKYO)
    with as_reader(world.peer):
        from django.utils import timezone, translation

        assert translation.get_language() == "ja"
        assert timezone.get_current_timezone().key == TOKYO
    assert language_for(world.employee) == "en-gb"


# --- Keeper reminders at the cycle's hour where each manager is -------------------------------


def _sweep(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        sweep_services.sweep()


def _nudged(cycle: KeeperCycle, stage: str) -> set[int]:
    prefix = f"keeper:{cycle.period_key}:{stage}:"
    return set(
        Notification.objects.filter(key__startswith=prefix).values_list("recipient_id", flat=True)
    )


def test_the_due_day_reminder_reaches_each_manager_at_nine_in_their_own_zone(world):
    _set(world.manager, time_zone=TOKYO)
    _set(world.other_manager, time_zone=NEW_YORK)
    _sweep(datetime(2027, 1, 1, 9, 5, tzinfo=LONDON))  # Q1 2027 opens, due 15 January
    cycle = KeeperCycle.objects.get()
    # 09:05 in Tokyo on the due day is 00:05 UTC: only the manager there.
    _sweep(datetime(2027, 1, 15, 0, 5, tzinfo=UTC))
    assert _nudged(cycle, "due") == {world.manager.pk}
    cycle.refresh_from_db()
    assert cycle.due_sent_at is None  # others are still to come
    # 09:05 in London: the managers on the company's zone.
    _sweep(datetime(2027, 1, 15, 9, 5, tzinfo=UTC))
    london = _nudged(cycle, "due") - {world.manager.pk}
    assert london and world.other_manager.pk not in london
    # 09:05 in New York (EST, UTC-5) is 14:05 UTC: the last one, and the stage is done.
    _sweep(datetime(2027, 1, 15, 14, 5, tzinfo=UTC))
    assert world.other_manager.pk in _nudged(cycle, "due")
    cycle.refresh_from_db()
    assert cycle.due_sent_at is not None
    # Once each, however many sweeps.
    _sweep(datetime(2027, 1, 15, 15, 5, tzinfo=UTC))
    keys = Notification.objects.filter(key__startswith=f"keeper:{cycle.period_key}:due:")
    assert keys.count() == len(_nudged(cycle, "due"))


def test_the_cycle_opens_on_the_company_date_whoever_is_where(world):
    _set(world.manager, time_zone=TOKYO)
    # 09:00 on 1 January in Tokyo is midnight in London: nothing opens yet.
    _sweep(datetime(2027, 1, 1, 0, 5, tzinfo=UTC))
    assert not KeeperCycle.objects.exists()
    _sweep(datetime(2027, 1, 1, 9, 5, tzinfo=LONDON))
    assert KeeperCycle.objects.get().label == "Q1 2027"


# --- Daily reminders reach each person in their morning ---------------------------------------


def test_a_morning_message_waits_for_nine_oclock_where_its_reader_is(world):
    from culture.notifications import notify

    _set(world.manager, time_zone=TOKYO)
    _set(world.other_manager, time_zone=NEW_YORK)
    # A daily sweep at 08:20 UTC on 15 January 2027 (winter: London GMT, New York EST).
    with time_machine.travel(datetime(2027, 1, 15, 8, 20, tzinfo=UTC), tick=False):
        for person in (world.manager, world.other_manager, world.skip_level):
            notify(
                person,
                key=f"t:morning:{person.pk}",
                kind="keeper.look_again",
                title="Time to look again",
                morning=True,
            )
        notify(world.peer, key="t:now", kind="keeper.look_again", title="Not a morning one")
    after = {d.recipient_id: d.send_after for d in Delivery.objects.all()}
    # Tokyo: 17:20 there, so 09:00 the next day (00:00 UTC on the 16th).
    assert after[world.manager.pk] == datetime(2027, 1, 16, 0, 0, tzinfo=UTC)
    # New York: 03:20 there, so 09:00 the same day (14:00 UTC).
    assert after[world.other_manager.pk] == datetime(2027, 1, 15, 14, 0, tzinfo=UTC)
    # London (the company's zone): 08:20, so 09:00.
    assert after[world.skip_level.pk] == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    assert after[world.peer.pk] == datetime(2027, 1, 15, 8, 20, tzinfo=UTC)
    # The in-app notification is there at once for everyone.
    assert Notification.objects.count() == 4


def test_a_morning_message_inside_the_morning_goes_at_once(world):
    from culture.notifications import notify

    with time_machine.travel(datetime(2027, 7, 1, 10, 0, tzinfo=UTC), tick=False):  # 11:00 BST
        notify(world.employee, key="t:m", kind="keeper.look_again", title="x", morning=True)
    (delivery,) = Delivery.objects.all()
    assert delivery.send_after == datetime(2027, 7, 1, 10, 0, tzinfo=UTC)
