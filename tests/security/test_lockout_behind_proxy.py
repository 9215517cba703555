"""The login lock-out behind a reverse proxy (issue 19, point 1).

Behind the proxy every request arrives from the proxy's address; the client's own address is
the one the proxy appends to X-Forwarded-For. The lock-out (django-axes) must count failures
per account and *client* address, as the audit log records it (culture.middleware.client_ip),
or five wrong passwords for alice from anywhere lock alice out for everyone."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from culture.middleware import client_ip
from culture.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"
ALICE = "employee@example.test"


def _login(password, *, forwarded, remote=PROXY, email=ALICE):
    return Client().post(
        "/login/",
        {"username": email, "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture
def behind_one_proxy(settings):
    settings.PROXY_COUNT = 1


def test_five_failures_from_one_client_lock_out_that_client_and_not_the_account(
    world, behind_one_proxy
):
    for _ in range(4):
        assert _login("wrong", forwarded=CLIENT_A).status_code == 200
    assert _login("wrong", forwarded=CLIENT_A).status_code == 429  # the fifth locks
    assert _login(PASSWORD, forwarded=CLIENT_A).status_code == 429
    # Alice, from her own machine, behind the same proxy, still gets in.
    assert _login(PASSWORD, forwarded=CLIENT_B).status_code == 302
    # The lock-out recorded the client, not the proxy.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_a_client_cannot_escape_its_lock_out_by_forging_the_forwarded_header(
    world, behind_one_proxy
):
    # The proxy appends the address it sees; what the client sent comes before it.
    for n in range(5):
        _login("wrong", forwarded=f"192.0.2.{n}, {CLIENT_A}")
    assert _login(PASSWORD, forwarded=f"{CLIENT_B}, {CLIENT_A}").status_code == 429
    assert _login(PASSWORD, forwarded=CLIENT_B).status_code == 302


def test_without_a_proxy_the_forwarded_header_is_not_trusted(world, settings):
    settings.PROXY_COUNT = 0
    for n in range(5):
        _login("wrong", remote=CLIENT_A, forwarded=f"192.0.2.{n}")
    assert _login(PASSWORD, remote=CLIENT_A, forwarded=CLIENT_B).status_code == 429
    assert _login(PASSWORD, remote=CLIENT_B, forwarded=CLIENT_A).status_code == 302


def test_the_lock_out_and_the_audit_log_see_the_same_client(world, behind_one_proxy):
    from django.test import RequestFactory

    from culture.audit import record

    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT_A)
    event = record(world.employee, "test.read", request=request)
    assert AuditEvent.objects.get(pk=event.pk).ip == CLIENT_A
    from axes.helpers import get_client_ip_address

    assert get_client_ip_address(request) == CLIENT_A


@pytest.mark.parametrize(
    "forwarded", ["not-an-address", "203.0.113.10:5555", "", " , ", "[2001:db8::1]"]
)
def test_a_malformed_forwarded_address_falls_back_to_the_connection(forwarded, settings):
    from django.test import RequestFactory

    settings.PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    # Never a string that is not an address: the audit log and axes store it as inet.
    assert client_ip(request) == PROXY


def test_ipv6_clients_behind_the_proxy_are_recorded(settings):
    from django.test import RequestFactory

    settings.PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8::7")
    assert client_ip(request) == "2001:db8::7"
