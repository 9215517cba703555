"""Logging in, lock-out, invitations and password resets."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from culture.models import Delivery, Person
from culture.notifications import send
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, email, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_with_email_and_password_lands_on_home(world, client):
    response = _login(client, "employee@example.test", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Hello, Eli" in client.get("/").content.decode()


def test_login_rotates_the_session_key(world, client):
    client.get("/login/")
    before = client.cookies.get("sessionid")
    _login(client, "employee@example.test", PASSWORD)
    assert client.cookies["sessionid"].value != (before.value if before else None)


def test_wrong_password_rerenders_the_form_with_an_error(world, client):
    response = _login(client, "employee@example.test", "nope")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_repeated_failures_lock_that_account_and_address_for_a_cool_off(world, client):
    for _ in range(5):
        _login(client, "employee@example.test", "wrong")
    locked = _login(client, "employee@example.test", PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # The same account from another address, and another account from this address, still work.
    from django.test import Client

    assert _login(Client(), "employee@example.test", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _login(Client(), "peer@example.test", PASSWORD).status_code == 302
    # Not forever: after the cool-off the right password works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _login(Client(), "employee@example.test", PASSWORD).status_code == 302


def test_inactive_people_cannot_log_in(world, client):
    response = _login(client, "inactive@example.test", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(world, client_for):
    client = client_for(world.employee)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def _link(text: str) -> str:
    return re.search(r"http://[^\s\"]+/password/reset/[^\s\"]+/", text).group(0)


def test_an_invited_person_sets_a_password_from_the_emailed_link(world, client_for):
    from django.core import mail
    from django.test import Client

    admin = client_for(world.people_admin)
    response = admin.post(
        "/people/invite/",
        {"email": "New.Person@example.test", "name": "Nora New", "manager": world.manager.pk},
    )
    person = Person.objects.get(email="new.person@example.test")
    assert response.status_code == 302
    assert person.manager == world.manager and not person.has_usable_password()
    delivery = Delivery.objects.get(recipient=person)
    assert send(delivery.pk)
    link = _link(mail.outbox[0].body)
    assert "Ada Admin invited you" in mail.outbox[0].body

    visitor = Client()
    form = visitor.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert "Choose a password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = visitor.post(
        set_url, {"new_password1": "a-long-new-password", "new_password2": "a-long-new-password"}
    )
    assert done.status_code == 302
    assert _login(Client(), "new.person@example.test", "a-long-new-password").status_code == 302


def test_an_invite_with_a_bad_email_comes_back_with_errors(world, client_for):
    response = client_for(world.people_admin).post("/people/invite/", {"email": "nope", "name": ""})
    assert response.status_code == 422
    assert "Enter a valid email address." in response.content.decode()


def test_password_reset_goes_through_the_ledger_and_the_link_works_once(world, client):
    from django.core import mail
    from django.test import Client

    client.post("/password/reset/", {"email": "employee@example.test"})
    delivery = Delivery.objects.get(recipient=world.employee)
    assert send(delivery.pk)
    link = _link(mail.outbox[0].body).replace("http://127.0.0.1:8000", "")
    visitor = Client()
    form = visitor.get(link, follow=True)
    set_url = form.redirect_chain[-1][0]
    ok = visitor.post(
        set_url, {"new_password1": "another-long-pass", "new_password2": "another-long-pass"}
    )
    assert ok.status_code == 302
    again = Client().get(link, follow=True)
    assert "This link has expired" in again.content.decode()


def test_password_reset_for_an_unknown_email_reveals_nothing(world, client):
    response = client.post("/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert not Delivery.objects.exists()
