"""The pages where a person chooses how messages reach them, and admins set the default."""

from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import ChatSettings, DeliveryPreference, SlackInstallation
from culture.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANNELS = {
    "channel_keeper": "email",
    "channel_circles": "app",
    "channel_feedback": "email",
    "channel_memos": "email",
    "channel_pay": "email",
    "channel_team": "email",
}


def test_a_person_sees_the_company_default_until_they_choose(world, client_for):
    company = ChatSettings.load()
    company.default_channels = {"circles": "app"}
    company.save()
    response = client_for(world.employee).get(reverse("chat:preferences"))
    html = response.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    assert form["channel_circles"].initial == "app"
    assert form["channel_keeper"].initial == "email"
    # Slack is not connected: not offered.
    assert 'value="slack"' not in html
    assert "Slack is not connected for the company yet" in html
    assert "Europe/London" in html


def test_saving_stores_the_choice_and_the_hours(world, client_for):
    response = client_for(world.employee).post(
        reverse("chat:preferences"),
        {
            **CHANNELS,
            "quiet_from": "22:00",
            "quiet_until": "07:00",
            "digest": "on",
            "digest_at": "08:30",
        },
    )
    assert response.status_code == 302
    preference = DeliveryPreference.objects.get(person=world.employee)
    assert preference.channels == {
        "keeper": "email",
        "circles": "app",
        "feedback": "email",
        "memos": "email",
        "pay": "email",
        "team": "email",
    }
    assert (preference.quiet_from, preference.quiet_until) == (time(22), time(7))
    assert (preference.digest, preference.digest_at) == (True, time(8, 30))


def test_half_quiet_hours_are_refused_with_the_error_in_place_and_nothing_saved(world, client_for):
    client = client_for(world.employee)
    data = {**CHANNELS, "quiet_from": "22:00", "digest_at": "08:00"}
    response = client.post(reverse("chat:preferences"), data)
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "quiet_until": ["Give both ends of the quiet hours, or neither."]
    }
    assert "Give both ends of the quiet hours, or neither." in response.content.decode()
    # The typed values stay.
    assert 'value="22:00"' in response.content.decode()
    response = client.post(reverse("chat:preferences"), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert not DeliveryPreference.objects.exists()


def test_slack_is_refused_while_it_is_not_connected_and_offered_once_it_is(world, client_for):
    client = client_for(world.employee)
    data = {**CHANNELS, "channel_keeper": "slack", "digest_at": "08:00"}
    response = client.post(reverse("chat:preferences"), data)
    assert response.status_code == 422
    assert "channel_keeper" in response.context["form"].errors
    SlackInstallation.objects.create(pk=1, team_name="Acme", installed_at=timezone.now())
    assert client.post(reverse("chat:preferences"), data).status_code == 302
    assert DeliveryPreference.objects.get().channels["keeper"] == "slack"


def test_an_admin_sets_the_company_default_and_it_is_audited(world, client_for):
    client = client_for(world.people_admin)
    response = client.post(reverse("chat:defaults"), {**CHANNELS, "default_digest": "on"})
    assert response.status_code == 302
    company = ChatSettings.load()
    assert company.default_channels["circles"] == "app"
    assert company.default_digest is True
    event = AuditEvent.objects.get(action="chat.defaults_changed")
    assert event.actor == world.people_admin
    assert event.detail["digest"] is True


@pytest.mark.parametrize("n", [2, 40])
def test_the_preferences_page_queries_do_not_grow(
    world, client_for, n, django_assert_max_num_queries
):
    from culture.models import Person

    Person.objects.bulk_create(
        [Person(email=f"p{i}@example.test", name=f"P {i}") for i in range(n)]
    )
    DeliveryPreference.objects.bulk_create(
        [DeliveryPreference(person=p) for p in Person.objects.filter(email__startswith="p")]
    )
    client = client_for(world.employee)
    client.get(reverse("chat:preferences"))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("chat:preferences")).status_code == 200
    admin = client_for(world.people_admin)
    admin.get(reverse("chat:defaults"))
    with django_assert_max_num_queries(7):
        assert admin.get(reverse("chat:defaults")).status_code == 200


def test_managers_and_admins_find_their_teams_channels_from_the_page(world, client_for):
    link = 'href="/settings/chat/teams/"'
    assert link in client_for(world.manager).get(reverse("chat:preferences")).content.decode()
    assert link in client_for(world.people_admin).get(reverse("chat:preferences")).content.decode()
    assert link not in client_for(world.employee).get(reverse("chat:preferences")).content.decode()
