"""The webhook pages: a people admin registers, reads deliveries, sends again; every action
audited; forms refused with 422 in place; the deliveries page's queries do not grow."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from culture.models import AuditEvent
from sso import crypto
from webhooks.models import Endpoint, Event, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world, client_for):
    return client_for(world.people_admin)


def _create(client, **data):
    return client.post(
        reverse("webhooks:endpoints"),
        {"url": "https://hooks.example.test/in", "events": ["person.created"], **data},
    )


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(world, admin_client):
    response = _create(admin_client, description="The HR data lake")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = Endpoint.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    assert endpoint.secret_encrypted != secret and secret not in endpoint.secret_encrypted
    assert crypto.decrypt(endpoint.secret_encrypted) == secret
    assert endpoint.events == ["person.created"] and endpoint.created_by == world.people_admin
    page = admin_client.get(reverse("webhooks:endpoint", args=[endpoint.pk]))
    assert secret not in page.content.decode()
    assert AuditEvent.objects.filter(
        action="webhook.endpoint_created", actor=world.people_admin
    ).exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://files.example.test/x"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["salary.changed"]}, "events"),
    ],
)
def test_a_bad_endpoint_form_comes_back_422_with_the_errors(admin_client, data, field):
    response = _create(admin_client, **data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize("persona", ["employee", "manager", "skip_level", "outsider"])
def test_only_people_admins_open_the_webhook_pages(world, client_for, persona):
    client = client_for(world.persona(persona))
    assert client.get(reverse("webhooks:endpoints")).status_code == 403
    assert _create(client).status_code == 403
    assert not Endpoint.objects.exists()


def _endpoint_with(world, n: int) -> Endpoint:
    from webhooks import services

    endpoint, _ = services.do_create_endpoint(
        by=world.people_admin, url="https://hooks.example.test/in", events=["person.created"]
    )
    now = timezone.now()
    events = Event.objects.bulk_create(
        [Event(type="person.created", data={"id": i}) for i in range(n)]
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event=e,
                status="failed" if i % 2 else "sent",
                attempts=2,
                response_status=503 if i % 2 else 200,
                give_up_at=now,
            )
            for i, e in enumerate(events)
        ]
    )
    return endpoint


def test_the_deliveries_page_shows_status_response_and_send_again(world, admin_client):
    endpoint = _endpoint_with(world, 3)
    response = admin_client.get(reverse("webhooks:endpoint", args=[endpoint.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Delivered" in html and "Failed" in html and "503" in html
    assert html.count(">Send again</button>") == 3


@pytest.mark.parametrize("n", [5, 60])
def test_the_deliveries_page_queries_do_not_grow_with_deliveries(
    world, admin_client, n, django_assert_max_num_queries
):
    endpoint = _endpoint_with(world, n)
    url = reverse("webhooks:endpoint", args=[endpoint.pk])
    admin_client.get(url)
    with django_assert_max_num_queries(8):
        response = admin_client.get(url)
    assert len(response.context["deliveries"]) == min(n, 50)


def test_send_again_over_htmx_swaps_the_table_and_409s_while_queued(world, admin_client):
    endpoint = _endpoint_with(world, 1)
    row = WebhookDelivery.objects.get()
    url = reverse("webhooks:delivery_send_again", args=[endpoint.pk, row.pk])
    headers = {"HX-Request": "true", "HX-Target": "deliveries"}
    response = admin_client.post(url, headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="deliveries"')
    assert "<html" not in html
    row.refresh_from_db()
    assert row.status == "pending"
    again = admin_client.post(url, headers=headers)
    assert again.status_code == 409 and "already queued" in again.content.decode()
    assert again.content.decode().lstrip().startswith('<section class="card" id="deliveries"')
    assert AuditEvent.objects.filter(action="webhook.delivery_resent").count() == 1


def test_a_delivery_of_another_endpoint_is_404(world, admin_client):
    a = _endpoint_with(world, 1)
    b = _endpoint_with(world, 1)
    row = WebhookDelivery.objects.filter(endpoint=a).get()
    url = reverse("webhooks:delivery_send_again", args=[b.pk, row.pk])
    assert admin_client.post(url).status_code == 404


def test_turn_off_on_rotate_and_delete_are_audited(world, admin_client):
    endpoint = _endpoint_with(world, 2)
    old = endpoint.secret_encrypted
    admin_client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    admin_client.post(reverse("webhooks:endpoint_enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None
    rotated = admin_client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    assert rotated["Cache-Control"] == "no-store"
    endpoint.refresh_from_db()
    assert endpoint.secret_encrypted != old
    assert crypto.decrypt(endpoint.secret_encrypted) == rotated.context["secret"]
    response = admin_client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert response.status_code == 302
    assert not Endpoint.objects.exists() and not WebhookDelivery.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "webhook.endpoint_disabled",
        "webhook.endpoint_enabled",
        "webhook.secret_rotated",
        "webhook.endpoint_deleted",
    } <= actions


def test_turning_off_fails_what_was_queued(world, admin_client):
    endpoint = _endpoint_with(world, 1)
    WebhookDelivery.objects.update(status="pending")
    admin_client.post(reverse("webhooks:endpoint_disable", args=[endpoint.pk]))
    assert WebhookDelivery.objects.get().status == "failed"


def test_refreshing_the_deliveries_over_htmx_renders_the_table_only(world, admin_client):
    endpoint = _endpoint_with(world, 2)
    response = admin_client.get(
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        headers={"HX-Request": "true", "HX-Target": "deliveries"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="deliveries"')
    assert "<html" not in html and "Rotate the secret" not in html
