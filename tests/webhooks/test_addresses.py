"""Webhooks go to the internet, not into the product's own network (webhooks/addresses.py):
an endpoint on a loopback, private, link-local or reserved address is refused when it is
registered and before each delivery, unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is on."""

from __future__ import annotations

import pytest

from webhooks import addresses
from webhooks.forms import EndpointForm

pytestmark = pytest.mark.django_db

INSIDE = [
    "http://127.0.0.1:6379/",
    "http://localhost:5432/",
    "http://10.0.0.8/hook",
    "http://192.168.1.20/hook",
    "http://172.16.4.4/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://0.0.0.0/hook",
]


@pytest.fixture
def strict(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_the_network_is_refused(strict, url):
    assert addresses.refusal(url) is not None
    form = EndpointForm(data={"url": url, "events": ["memo.published"]})
    assert not form.is_valid() and "url" in form.errors


def test_a_public_address_is_accepted(strict):
    assert addresses.refusal("https://93.184.215.14/hook") is None


def test_a_name_that_does_not_resolve_is_refused_with_the_reason(strict):
    reason = addresses.refusal("https://no-such-host.invalid/hook")
    assert reason is not None and "cannot be resolved" in reason


def test_the_setting_allows_a_receiver_on_the_companys_network(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    assert addresses.refusal("http://10.0.0.8/hook") is None


def test_a_delivery_to_an_address_inside_the_network_is_not_sent(world, receiver, settings):
    # Registered while allowed (or a name that resolved elsewhere then): refused at send time,
    # recorded as a failed try, and the receiver hears nothing.
    from culture.models import Person
    from tests.webhooks.conftest import make_endpoint
    from webhooks import events, tasks
    from webhooks.models import WebhookDelivery

    endpoint = make_endpoint(by=world.people_admin, url=receiver.url, receiver=receiver)
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    events.emit_people("person.created", [Person.objects.first().pk])
    assert tasks.deliver_endpoint(endpoint.pk) == 0
    assert receiver.received == []
    row = WebhookDelivery.objects.get()
    assert row.status == WebhookDelivery.Status.PENDING and row.attempts == 1
    assert "private or reserved network" in row.last_error
