"""What chat holds about a person is in their data export and goes when they are erased."""

from datetime import time

import pytest
from django.utils import timezone

from chat.models import ChatDelivery, DeliveryPreference, SlackInstallation, SlackUser
from culture import notifications, privacy
from culture.models import Delivery

pytestmark = pytest.mark.django_db


def _setup(world):
    SlackInstallation.objects.create(pk=1, team_name="Acme", installed_at=timezone.now())
    DeliveryPreference.objects.create(
        person=world.inactive,
        channels={"keeper": "slack"},
        quiet_from=time(22),
        quiet_until=time(7),
    )
    SlackUser.objects.create(person=world.inactive, team_id="T1", slack_user_id="U42")
    world.inactive.is_active = True
    world.inactive.save()
    notifications.notify(
        world.inactive, key="keeper:1", kind="keeper.opened", title="Keeper test, Q1", url="/k/"
    )
    world.inactive.is_active = False
    world.inactive.save()


def test_the_export_has_the_preferences_slack_match_and_chat_messages(world):
    _setup(world)
    data = privacy.export_person(world.inactive, viewer=world.people_admin)["chat"]
    assert data["delivery_preferences"]["channels"] == {"keeper": "slack"}
    assert data["delivery_preferences"]["quiet_from"] == time(22)
    assert data["slack_user_id"] == "U42"
    assert [(m["channel"], m["text"], m["status"]) for m in data["chat_messages"]] == [
        ("slack", "Keeper test, Q1", "pending")
    ]


def test_erasing_deletes_them_and_the_held_email_is_never_sent(world):
    _setup(world)
    privacy.do_erase_person(by=world.people_admin, person=world.inactive)
    assert not ChatDelivery.objects.exists()
    assert not SlackUser.objects.exists()
    assert not DeliveryPreference.objects.exists()
    email = Delivery.objects.get()
    assert (email.status, email.subject, email.text_body) == ("skipped", "", "")


def test_the_retention_sweep_blanks_settled_chat_messages_and_keeps_open_ones(world):
    from datetime import timedelta

    from culture import retention

    _setup(world)
    old = timezone.now() - retention.KEEP_EMAIL_BODIES - timedelta(days=1)
    open_row = ChatDelivery.objects.get()
    ChatDelivery.objects.create(
        key="old:sent",
        channel="slack",
        recipient=world.employee,
        text="Keeper test, Q4",
        payload={"text": "Keeper test, Q4"},
        status="sent",
        sent_at=old,
        created_at=old,
        give_up_at=old,
    )
    done = retention.sweep()
    assert done["chat"] == 1
    sent = ChatDelivery.objects.get(key="old:sent")
    assert (sent.text, sent.payload, sent.status) == ("", {}, "sent")
    open_row.refresh_from_db()
    assert open_row.text == "Keeper test, Q1"
    assert retention.sweep()["chat"] == 0


def test_the_demo_company_has_people_who_chose_how_messages_reach_them(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    employee = DeliveryPreference.objects.get(person__email="employee@example.com")
    assert (employee.channels, employee.digest, employee.digest_at) == (
        {"memos": "app"},
        True,
        time(8, 0),
    )
    chosen = DeliveryPreference.objects.count()
    assert f"chat: {chosen} people chose how messages reach them" in out.getvalue()
    assert DeliveryPreference.objects.filter(quiet_from=time(19)).exists()
