"""Which changes emit which events, and that payloads carry public fields only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from culture import people_import, services
from culture.scim import services as scim_services
from culture.scim import tokens
from decisions import services as decisions
from decisions.models import Memo
from tests.culture.test_people_import import GOOD, csv_bytes
from tests.decisions.conftest import make_memo
from tests.pay.conftest import make_pay
from tests.webhooks.conftest import make_endpoint
from webhooks.delivery import body_of
from webhooks.models import EVENT_NAMES, Event, WebhookDelivery

pytestmark = pytest.mark.django_db

PERSON_FIELDS = {"id", "url", "name", "email", "title", "team", "manager_id", "is_active"}


@pytest.fixture
def everything(world):
    return make_endpoint(by=world.people_admin, url="http://127.0.0.1:9/all", events=EVENT_NAMES)


def _events(event_type=None):
    rows = Event.objects.order_by("occurred_at", "pk")
    if event_type:
        rows = rows.filter(type=event_type)
    return list(rows)


def test_an_invitation_emits_person_created_with_public_fields_only(world, everything):
    make_pay(world.employee, amount="123456")
    person = services.do_invite(
        by=world.people_admin, email="new@example.test", name="Nia New", team=world.team
    )
    [event] = _events("person.created")
    assert set(event.data) == PERSON_FIELDS
    assert event.data["id"] == person.pk
    assert event.data["url"].endswith(f"/people/{person.pk}/")
    assert event.data["team"] == {"id": world.team.pk, "name": "Platform"}
    assert WebhookDelivery.objects.filter(event=event, endpoint=everything).count() == 1


def test_payloads_never_carry_pay_level_or_private_fields(world, everything):
    make_pay(world.employee, amount="123456")
    services.do_invite(by=world.people_admin, email=world.employee.email, name="Emma E")
    [event] = _events("person.updated")
    body = body_of(event)
    for secret in ("123456", "salary", "level", "job_family", "location", "keeper", "password"):
        assert secret not in body, secret
    assert json.loads(body)["type"] == "person.updated"


def test_the_import_emits_created_updated_and_deactivated(world, everything):
    people_import.apply(people_import.validate(GOOD))
    assert len(_events("person.created")) == 2
    dev = _events("person.created")[1].data
    assert dev["manager_id"] is not None  # read back once the reporting line is set
    Event.objects.all().delete()
    people_import.apply(
        people_import.validate(
            csv_bytes("boss@example.test,Bea Boss,CTO,Engineering,8,London,Platform,,2019-01-01")
        ),
        deactivate_missing=True,
    )
    assert [e.data["title"] for e in _events("person.updated")] == ["CTO"]
    gone = {e.data["email"] for e in _events("person.deactivated")}
    assert "dev@example.test" in gone and "ceo@example.test" in gone
    assert all(not e.data["is_active"] for e in _events("person.deactivated"))


def test_scim_emits_created_updated_and_deactivated(world, everything):
    token, _raw = tokens.do_create_token(by=world.people_admin, name="Okta")
    person = scim_services.do_create_user(
        token=token,
        changes={"user_name": "sc@example.test", "email": "sc@example.test", "name": "Sc Im"},
    )
    assert [e.data["id"] for e in _events("person.created")] == [person.pk]
    scim_services.do_delete_user(token=token, person=person)
    assert [e.data["id"] for e in _events("person.deactivated")] == [person.pk]


def test_memo_events_follow_the_captains_steps(world, everything):
    memo = make_memo(captain=world.employee, state=Memo.State.DRAFT)
    decisions.do_publish(memo_id=memo.pk, by=world.employee)
    decisions.do_decide(
        memo_id=memo.pk,
        by=world.employee,
        bet=Memo.Bet.GO,
        why="The test went well.",
        look_back_on=timezone.localdate() + timedelta(days=30),
    )
    decisions.do_record_outcome(
        memo_id=memo.pk, by=world.employee, outcome=Memo.Outcome.WENT_WELL, celebration="Yay"
    )
    kinds = [e.type for e in _events()]
    assert kinds == ["memo.published", "memo.decided", "memo.outcome_recorded"]
    last = _events()[-1].data
    assert last["id"] == memo.pk and last["outcome"] == Memo.Outcome.WENT_WELL
    assert "bet_why" not in last and "celebration" not in last
    assert last["url"].endswith(f"/decisions/{memo.pk}/")


def test_a_confidential_memo_emits_nothing(world, everything):
    memo = make_memo(
        captain=world.employee, state=Memo.State.DRAFT, confidential=True, readers=[world.peer]
    )
    decisions.do_publish(memo_id=memo.pk, by=world.employee)
    assert _events() == []


def test_a_refused_change_emits_nothing(world, everything):
    memo = make_memo(captain=world.employee, state=Memo.State.DRAFT)
    with pytest.raises(decisions.DecisionError):
        decisions.do_publish(memo_id=memo.pk, by=world.peer)
    assert _events() == []


def test_reimporting_the_same_file_emits_nothing(world, everything):
    people_import.apply(people_import.validate(GOOD))
    Event.objects.all().delete()
    people_import.apply(people_import.validate(GOOD))
    assert _events() == []


def test_an_edit_emits_only_when_a_public_field_changes(world, everything):
    from culture.forms import PersonForm

    def edit(**changes):
        person = type(world.employee).objects.get(pk=world.employee.pk)
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
            **changes,
        }
        form = PersonForm(data, instance=person)
        assert form.is_valid(), form.errors
        services.do_update_person(by=world.people_admin, form=form)

    edit(level=7, location="Paris")
    assert _events() == []
    edit(title="Staff engineer")
    assert [(e.type, e.data["title"]) for e in _events()] == [("person.updated", "Staff engineer")]
    edit(is_active="")
    assert [e.type for e in _events()][-1] == "person.deactivated"


def test_ending_a_circle_emits_ids_and_a_link_never_its_items(world, everything):
    from tests.feedback.access_matrix import ended

    x = ended(world)
    [event] = _events("circle.ended")
    assert set(event.data) == {"id", "url", "facilitator_id", "ended_at"}
    assert event.data["id"] == x["circle"].pk
    body = body_of(event)
    assert "Start sharing plans earlier" not in body and x["circle"].title not in body
    assert _events("circle.ended") == [event]  # only the end, not the steps before it


def test_opening_a_keeper_cycle_emits_it_without_tests_or_answers(world, everything):
    from keeper.models import KeeperTest
    from tests.keeper.helpers import open_cycle_now

    cycle = open_cycle_now()
    assert KeeperTest.objects.filter(cycle=cycle).exists()
    [event] = _events("keeper.cycle_opened")
    assert set(event.data) == {"id", "url", "label", "opens_at", "due_on"}
    assert event.data["id"] == cycle.pk
    for word in ("answer", "report", "manager"):
        assert word not in body_of(event)


def test_opening_a_campaign_emits_it(world, everything):
    from feedback.services import written

    today = timezone.localdate()
    campaign = written.do_open_campaign(
        actor=world.people_admin,
        name="Spring 360",
        opens_on=today,
        closes_on=today + timedelta(days=30),
    )
    [event] = _events("feedback.campaign_opened")
    assert event.data == {
        "id": campaign.pk,
        "url": event.data["url"],
        "name": "Spring 360",
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(),
    }
    assert event.data["url"].endswith("/feedback/write/")


def test_erasing_a_person_deletes_the_events_that_carry_their_name(world, everything):
    from culture import privacy

    services.do_invite(by=world.people_admin, email="gone@example.test", name="Gwen Gone")
    services.do_invite(by=world.people_admin, email="stays@example.test", name="Sam Stays")
    gone = type(world.employee).objects.get(email="gone@example.test")
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    privacy.do_erase_person(by=world.people_admin, person=gone)
    names = [e.data["name"] for e in _events() if e.type.startswith("person.")]
    assert "Gwen Gone" not in names and "Sam Stays" in names
    assert not WebhookDelivery.objects.filter(event__data__id=gone.pk).exists()
