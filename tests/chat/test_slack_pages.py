"""The Slack page: the app's credentials, "Add to Slack" (OAuth v2 against the stand-in),
checking and disconnecting, the Events API; every action audited, forms refused with 422 in
place, the page's queries do not grow with the people matched."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from chat import slack_admin
from chat.models import ChatDelivery, ChatSettings, SlackInstallation, SlackUser
from culture.models import AuditEvent, Delivery
from sso import crypto
from tests.chat import slack_standin
from tests.chat import slack_standin as s
from tests.chat.factories import make_installation, make_slack_app, make_slack_message
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def standin(settings):
    yield from slack_standin.serving(settings)


PAGE = "/settings/chat/slack/"


@pytest.fixture
def admin_client(world, client_for):
    return client_for(world.people_admin)


def _start(admin_client) -> dict[str, str]:
    response = admin_client.post(reverse("chat:slack_install"))
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def test_the_page_shows_the_manifest_with_our_redirect_url_and_the_bot_scopes(
    admin_client, settings
):
    settings.SITE_URL = "https://culture.example.com"
    response = admin_client.get(PAGE)

    assert response.status_code == 200
    manifest = json.loads(response.context["manifest"])
    assert manifest["oauth_config"] == {
        "redirect_urls": ["https://culture.example.com/settings/chat/slack/callback/"],
        "scopes": {"bot": ["chat:write", "im:write", "users:read", "users:read.email"]},
    }
    assert manifest["settings"]["event_subscriptions"] == {
        "request_url": "https://culture.example.com/settings/chat/slack/events",
        "bot_events": ["app_uninstalled", "tokens_revoked"],
    }
    text = response.content.decode()
    assert "https://culture.example.com/settings/chat/slack/callback/" in text
    assert "Not connected: everyone gets email." in text
    assert "Add to Slack" not in text  # no app credentials yet
    # "Add to Slack" redirects the form to Slack: its origin is allowed as a form action.
    assert "form-action 'self' https://slack.com" in response["Content-Security-Policy"]


def test_an_admin_saves_the_apps_credentials_encrypted_and_audited(world, admin_client):
    response = admin_client.post(
        reverse("chat:slack_app"),
        {"client_id": s.CLIENT_ID, "client_secret": s.CLIENT_SECRET, "signing_secret": "sig"},
    )

    assert response.status_code == 302 and response["Location"] == PAGE
    saved = ChatSettings.objects.get()
    assert saved.slack_client_id == s.CLIENT_ID
    assert crypto.decrypt(saved.slack_client_secret_encrypted) == s.CLIENT_SECRET
    assert s.CLIENT_SECRET not in saved.slack_client_secret_encrypted
    assert crypto.decrypt(saved.slack_signing_secret_encrypted) == "sig"
    event = AuditEvent.objects.get(action="chat.slack_app_saved")
    assert event.actor == world.people_admin
    assert s.CLIENT_SECRET not in json.dumps(event.detail)
    page = admin_client.get(PAGE).content.decode()
    assert "Add to Slack" in page and s.CLIENT_SECRET not in page

    # A blank secret keeps the stored one.
    admin_client.post(reverse("chat:slack_app"), {"client_id": "111.222"})
    saved.refresh_from_db()
    assert saved.slack_client_id == "111.222"
    assert crypto.decrypt(saved.slack_client_secret_encrypted) == s.CLIENT_SECRET


def test_invalid_credentials_come_back_with_422_and_the_errors_in_place(admin_client):
    response = admin_client.post(reverse("chat:slack_app"), {"client_id": "not an id!"})

    assert response.status_code == 422
    text = response.content.decode()
    assert "A client ID is digits with a dot" in text
    assert "Enter the app&#x27;s client secret." in text
    assert "<html" in text
    assert not ChatSettings.objects.exclude(slack_client_id="").exists()


def test_an_htmx_post_gets_only_the_form_fragment_with_422(admin_client):
    response = admin_client.post(
        reverse("chat:slack_app"), {"client_id": ""}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    text = response.content.decode()
    assert "<html" not in text and text.lstrip().startswith('<section class="card"')
    assert 'id="app"' in text and "This field is required." in text


def test_add_to_slack_redirects_to_slacks_authorize_page_with_a_session_bound_state(
    admin_client,
    standin,
    settings,
):
    make_slack_app()
    response = admin_client.post(reverse("chat:slack_install"))

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == standin.authorize_url
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == s.CLIENT_ID
    assert query["scope"] == "chat:write,im:write,users:read,users:read.email"
    assert query["redirect_uri"] == f"{settings.SITE_URL}/settings/chat/slack/callback/"
    assert query["state"] == admin_client.session[slack_admin.STATE_SESSION_KEY]["state"]
    assert len(query["state"]) >= 40


def test_the_callback_stores_the_workspace_with_the_token_encrypted(
    world,
    admin_client,
    standin,
    settings,
    django_capture_on_commit_callbacks,
):
    make_slack_app()
    make_installation(revoked_at=timezone.now(), revoked_reason="old", team_id="TOLD")
    SlackInstallation.objects.filter(pk=1).update(paused_until=timezone.now())
    state = _start(admin_client)["state"]

    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        response = admin_client.get(
            reverse("chat:slack_callback"), {"code": s.CODE, "state": state}
        )

    assert response.status_code == 302 and response["Location"] == PAGE
    (access,) = standin.calls("oauth.v2.access")
    assert access.method == "POST"
    basic = (
        "Basic "
        + __import__("base64").b64encode(f"{s.CLIENT_ID}:{s.CLIENT_SECRET}".encode()).decode()
    )
    assert access.headers["authorization"] == basic
    assert access.form == {
        "code": s.CODE,
        "redirect_uri": f"{settings.SITE_URL}/settings/chat/slack/callback/",
    }
    installation = SlackInstallation.objects.get()
    assert (installation.team_id, installation.team_name) == (s.TEAM_ID, s.TEAM_NAME)
    assert (installation.app_id, installation.bot_user_id) == (s.APP_ID, s.BOT_USER_ID)
    assert installation.scopes == "chat:write,im:write,users:read,users:read.email"
    assert s.BOT_TOKEN not in installation.bot_token_encrypted
    assert crypto.decrypt(installation.bot_token_encrypted) == s.BOT_TOKEN
    assert installation.installed_by == world.people_admin
    assert (installation.revoked_at, installation.revoked_reason) == (None, "")
    assert installation.paused_until is None
    event = AuditEvent.objects.get(action="chat.slack_connected")
    assert event.detail["team_id"] == s.TEAM_ID and event.detail["previous_team_id"] == "TOLD"
    assert len(handed_over) == 1  # the user sync, after commit
    # Single use: the same answer again is refused.
    again = admin_client.get(reverse("chat:slack_callback"), {"code": s.CODE, "state": state})
    assert again.status_code == 400
    assert "does not match a connection started here" in again.content.decode()


@pytest.mark.parametrize(
    "params,status,message",
    [
        ({"code": s.CODE, "state": "forged"}, 400, "does not match a connection started here"),
        ({"error": "access_denied"}, 400, "Slack did not connect: access_denied"),
        ({"code": "wrong-code"}, 502, "Slack refused the connection: invalid_code."),
    ],
)
def test_a_callback_that_cannot_connect_says_why_and_changes_nothing(
    admin_client,
    standin,
    params,
    status,
    message,
):
    make_slack_app()
    state = _start(admin_client)["state"]
    params = {"state": state, **params}

    response = admin_client.get(reverse("chat:slack_callback"), params)

    assert response.status_code == status
    assert message in response.content.decode()
    assert not SlackInstallation.objects.filter(installed_at__isnull=False).exists()


def test_a_state_older_than_ten_minutes_is_refused(admin_client, standin):
    make_slack_app()
    state = _start(admin_client)["state"]

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = admin_client.get(
            reverse("chat:slack_callback"), {"code": s.CODE, "state": state}
        )

    assert response.status_code == 400
    assert "took longer than 10 minutes" in response.content.decode()
    assert standin.calls("oauth.v2.access") == []


def test_another_admins_state_is_refused(world, admin_client, client_for, standin):
    make_slack_app()
    state = _start(admin_client)["state"]
    other = make_person(is_people_admin=True)

    response = client_for(other).get(
        reverse("chat:slack_callback"), {"code": s.CODE, "state": state}
    )

    assert response.status_code == 400


def test_the_connected_page_shows_who_connected_and_how_many_people_were_found(
    world,
    admin_client,
    standin,
):
    make_installation(by=world.people_admin)
    SlackUser.objects.create(person=world.employee, team_id=s.TEAM_ID, slack_user_id="U1")
    SlackUser.objects.create(person=world.peer, team_id=s.TEAM_ID, slack_user_id="")

    response = admin_client.get(PAGE)

    text = response.content.decode()
    assert response.context["matched"] == 1
    assert s.TEAM_NAME in text and world.people_admin.name in text
    assert "Check connection" in text and "Disconnect" in text


@pytest.mark.parametrize("people", [2, 40])
def test_the_page_costs_the_same_queries_however_many_people_are_matched(
    world, admin_client, people, django_assert_max_num_queries
):
    make_installation(by=world.people_admin)
    for i in range(people):
        person = make_person(manager=world.manager)
        SlackUser.objects.create(person=person, team_id=s.TEAM_ID, slack_user_id=f"U{i}")

    with django_assert_max_num_queries(8):
        response = admin_client.get(PAGE)

    assert response.context["matched"] == people


def test_check_connection_asks_slack_with_the_bot_token(world, admin_client, standin):
    make_installation(by=world.people_admin)

    response = admin_client.post(reverse("chat:slack_check"), follow=True)

    (call,) = standin.calls("auth.test")
    assert call.method == "POST" and call.headers["authorization"] == f"Bearer {s.BOT_TOKEN}"
    assert f"Connected to {s.TEAM_NAME} as @culture." in response.content.decode()


def test_check_connection_finds_a_revoked_token_and_shows_it(world, admin_client, standin):
    make_installation(by=world.people_admin)
    standin.revoked = True

    response = admin_client.post(reverse("chat:slack_check"))

    assert response.status_code == 400
    text = response.content.decode()
    assert "Slack answered token_revoked" in text
    assert "Slack says the token was revoked on" in text
    assert SlackInstallation.active() is None


def test_disconnect_revokes_the_token_and_sends_waiting_messages_by_email(
    world,
    admin_client,
    standin,
):
    make_installation(by=world.people_admin)
    waiting = make_slack_message(world.employee)

    response = admin_client.post(reverse("chat:slack_disconnect"), follow=True)

    (call,) = standin.calls("auth.revoke")
    assert call.headers["authorization"] == f"Bearer {s.BOT_TOKEN}"
    installation = SlackInstallation.objects.get()
    assert installation.revoked_reason == f"Disconnected by {world.people_admin.name}"
    assert ChatDelivery.objects.get(pk=waiting.pk).status == ChatDelivery.Status.FELL_BACK
    assert Delivery.objects.get(pk=waiting.email_id).status == Delivery.Status.PENDING
    text = response.content.decode()
    assert "1 waiting for Slack went by email" in text
    assert f"Disconnected by {world.people_admin.name} on" in text
    assert AuditEvent.objects.filter(action="chat.slack_disconnected").count() == 1


def _signed(client, body: dict, secret: str = s.SIGNING_SECRET, at: int | None = None):
    raw = json.dumps(body).encode()
    ts = str(at or int(time.time()))
    sig = (
        "v0="
        + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    )
    return client.post(
        reverse("chat:slack_events"),
        raw,
        content_type="application/json",
        headers={"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig},
    )


def test_the_events_endpoint_answers_slacks_url_verification(client):
    make_slack_app()

    response = _signed(client, {"type": "url_verification", "challenge": "abc123"})

    assert response.status_code == 200 and response.json() == {"challenge": "abc123"}


@pytest.mark.parametrize("secret,age", [("not-the-secret", 0), (s.SIGNING_SECRET, 301)])
def test_an_event_without_slacks_signature_is_refused(client, secret, age):
    make_slack_app()

    response = _signed(
        client, {"type": "url_verification", "challenge": "x"}, secret, int(time.time()) - age
    )

    assert response.status_code == 403


def test_app_uninstalled_revokes_and_sends_waiting_messages_by_email(world, client):
    make_installation()
    waiting = make_slack_message(world.employee)

    response = _signed(
        client,
        {"type": "event_callback", "team_id": s.TEAM_ID, "event": {"type": "app_uninstalled"}},
    )

    assert response.status_code == 200
    installation = SlackInstallation.objects.get()
    assert installation.revoked_reason == "Slack says the app was uninstalled from the workspace"
    assert ChatDelivery.objects.get(pk=waiting.pk).status == ChatDelivery.Status.FELL_BACK
    assert Delivery.objects.get(pk=waiting.email_id).status == Delivery.Status.PENDING
    assert world.people_admin.notifications.filter(kind="chat.slack_revoked").count() == 1


def test_tokens_revoked_for_our_bot_revokes(client):
    make_installation()

    _signed(
        client,
        {
            "type": "event_callback",
            "team_id": s.TEAM_ID,
            "event": {"type": "tokens_revoked", "tokens": {"bot": [s.BOT_USER_ID]}},
        },
    )

    assert SlackInstallation.active() is None
