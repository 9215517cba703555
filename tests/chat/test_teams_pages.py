"""A team's Teams channel page: a manager sets the Workflows URL (never shown again), sends a
test post and sees its result, turns the channel off and on, removes it; every change
audited; bad forms back with 422 in place; the page's queries do not grow with its posts
nor the list's with the teams."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import delivery, teams_posts
from chat.models import ChatDelivery, TeamsChannel
from culture.models import AuditEvent
from sso import crypto
from tests.chat.teams_standin import Workflows, channel_for, free_port
from tests.conftest import make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflows():
    standin = Workflows(port=free_port()).start()
    yield standin
    standin.stop()


@pytest.fixture
def manager_client(world, client_for):
    return client_for(world.manager)


def _page(slug="platform"):
    return reverse("chat:teams_channel", args=[slug])


def test_a_manager_sets_tests_turns_off_and_on_and_removes_their_teams_channel(
    world, manager_client, workflows
):
    page = manager_client.get(_page())
    assert page.status_code == 200
    assert "No channel is set for Platform" in page.content.decode()

    url = workflows.url()
    response = manager_client.post(_page(), {"url": url, "posts": ["circles", "feed"]})
    assert response.status_code == 302 and response["Location"] == _page()
    channel = TeamsChannel.objects.get(team=world.team)
    assert crypto.decrypt(channel.webhook_url_encrypted) == url
    assert (channel.posts, channel.set_by, channel.is_active) == (
        ["circles", "feed"],
        world.manager,
        True,
    )
    html = manager_client.get(_page()).content.decode()
    assert "s3cret" not in html and "/workflows/abc" not in html
    assert "<code>127.0.0.1</code>" in html

    # Posts changed with the URL left empty: the URL set stays.
    manager_client.post(_page(), {"url": "", "posts": ["memos"]})
    channel.refresh_from_db()
    assert channel.posts == ["memos"]
    assert crypto.decrypt(channel.webhook_url_encrypted) == url

    response = manager_client.post(reverse("chat:teams_test", args=["platform"]))
    assert response.status_code == 302
    row = ChatDelivery.objects.get(teams_channel=channel)
    assert row.kind == "teams.test" and row.status == "pending"
    assert "Waiting" in manager_client.get(_page()).content.decode()
    assert delivery.send_batch([row.pk]) == 1
    [request] = workflows.requests
    card = request.json["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Test post from Culture"
    assert (
        card["body"][1]["text"] == "Mia Manager sent this to check that posts reach this channel."
    )
    html = manager_client.get(_page()).content.decode()
    assert "Posted" in html and "Test post from Culture" in html

    manager_client.post(reverse("chat:teams_off", args=["platform"]))
    channel.refresh_from_db()
    assert not channel.is_active
    html = manager_client.get(_page()).content.decode()
    assert "turned off by Mia Manager" in html and "Turned off by Mia Manager." in html
    test = manager_client.post(reverse("chat:teams_test", args=["platform"]))
    assert test.status_code == 422
    assert test.context["error"] == "The channel is turned off: turn it on first."

    manager_client.post(reverse("chat:teams_on", args=["platform"]))
    channel.refresh_from_db()
    assert channel.is_active

    manager_client.post(reverse("chat:teams_remove", args=["platform"]))
    assert not TeamsChannel.objects.exists() and not ChatDelivery.objects.exists()

    actions = list(
        AuditEvent.objects.filter(actor=world.manager, action__startswith="chat.teams_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "chat.teams_channel_set",
        "chat.teams_channel_set",
        "chat.teams_test_post",
        "chat.teams_channel_turned_off",
        "chat.teams_channel_turned_on",
        "chat.teams_channel_removed",
    ]
    details = AuditEvent.objects.filter(action="chat.teams_channel_set").order_by("id")
    assert [d.detail for d in details] == [
        {
            "team": "platform",
            "host": "127.0.0.1",
            "posts": ["circles", "feed"],
            "url_changed": True,
        },
        {"team": "platform", "host": "127.0.0.1", "posts": ["memos"], "url_changed": False},
    ]
    assert not any("s3cret" in str(e.detail) for e in AuditEvent.objects.all())


def test_a_new_url_turns_a_channel_that_was_turned_off_on_afresh(world, manager_client):
    channel = channel_for(world.team, "https://old.example.test/x", by=world.manager)
    TeamsChannel.objects.filter(pk=channel.pk).update(
        is_active=False, last_error="HTTP 404", failing_since="2026-12-01T00:00Z"
    )
    manager_client.post(_page(), {"url": "https://new.example.test/y", "posts": ["memos"]})
    channel.refresh_from_db()
    assert (channel.is_active, channel.last_error, channel.failing_since) == (True, "", None)
    assert channel.url_host == "new.example.test"


@pytest.mark.parametrize(
    "url,error",
    [
        ("", "Paste the Workflows URL of the team's channel."),
        ("not a url", "Enter a valid URL."),
        ("ftp://files.example.test/x", "Use the https:// address Teams gave you."),
    ],
)
def test_a_bad_url_comes_back_422_with_the_error_in_place(manager_client, url, error):
    response = manager_client.post(_page(), {"url": url, "posts": ["memos"]})
    assert response.status_code == 422
    assert response.context["form"].errors["url"] == [error]
    assert error.replace("'", "&#x27;") in response.content.decode()
    assert not TeamsChannel.objects.exists()


def test_http_and_private_addresses_are_refused_where_private_addresses_are_not_allowed(
    manager_client, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    response = manager_client.post(_page(), {"url": "http://hooks.example.test/x"})
    assert response.context["form"].errors["url"] == ["Use the https:// address Teams gave you."]
    response = manager_client.post(_page(), {"url": "https://10.0.0.8/x"})
    assert response.status_code == 422
    assert response.context["form"].errors["url"] == [
        "10.0.0.8 is 10.0.0.8, an address inside a private or reserved network; webhooks go "
        "to the internet only (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES allows it)."
    ]


def test_an_htmx_form_error_comes_back_as_the_settings_fragment(manager_client):
    response = manager_client.post(
        _page(), {"url": "ftp://x.example.test/"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="settings"')
    assert "<html" not in html


def test_an_htmx_test_post_answers_with_the_posts_fragment_polling_until_it_is_settled(
    world, manager_client
):
    channel_for(world.team, "https://hooks.example.test/x", by=world.manager)
    response = manager_client.post(
        reverse("chat:teams_test", args=["platform"]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="posts"')
    assert 'hx-trigger="load delay:2s"' in html and "<html" not in html
    ChatDelivery.objects.update(status="sent")
    html = manager_client.get(
        _page(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="posts"
    ).content.decode()
    assert html.lstrip().startswith('<section class="card" id="posts"')
    assert "hx-trigger" not in html.split(">", 1)[0]


def test_the_page_shows_why_the_system_turned_a_channel_off(world, manager_client):
    from chat import teams

    channel = channel_for(world.team, "https://hooks.example.test/x", by=world.manager)
    TeamsChannel.objects.filter(pk=channel.pk).update(last_error="HTTP 500")
    teams.disable(channel.pk, reason="Every post failed for 24 hours (last: HTTP 500)")
    html = manager_client.get(_page()).content.decode()
    assert "turned off automatically" in html
    assert "Every post failed for 24 hours (last: HTTP 500)" in html


def test_the_channel_page_lists_the_last_20_posts_in_the_same_queries_however_many(
    world, manager_client
):
    channel = channel_for(world.team, "https://hooks.example.test/x", by=world.manager)
    TeamsChannel.objects.filter(pk=channel.pk).update(is_active=False)  # the "why off" query too

    def queries_with(n: int) -> tuple[int, int]:
        ChatDelivery.objects.all().delete()
        for i in range(n):
            teams_posts.queue(
                channel, post_type="memos", key=f"k{i}", title=f"Post {i}", text="", url="/"
            )
        with CaptureQueriesContext(connection) as ctx:
            response = manager_client.get(_page())
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["posts"])

    few, shown_few = queries_with(2)
    many, shown_many = queries_with(30)
    assert (shown_few, shown_many) == (2, 20)
    assert few == many


def test_the_teams_list_costs_the_same_queries_with_more_teams(world, client_for):
    admin = client_for(world.people_admin)
    channel_for(world.team, "https://hooks.example.test/x", by=world.people_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin.get(reverse("chat:teams")).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(8):
        team = make_team(name=f"Team {i}", slug=f"team-{i}")
        channel_for(team, f"https://hooks.example.test/{i}", by=world.people_admin)
    assert queries() == few


def test_a_manager_lists_only_the_teams_they_manage(world, client_for):
    response = client_for(world.other_manager).get(reverse("chat:teams"))
    assert [t.slug for t in response.context["teams"]] == ["growth"]
    response = client_for(world.people_admin).get(reverse("chat:teams"))
    assert [t.slug for t in response.context["teams"]] == ["growth", "platform"]


def test_another_teams_manager_can_neither_see_nor_change_the_channel(world, client_for):
    channel = channel_for(world.team, "https://hooks.example.test/x", by=world.manager)
    other = client_for(world.other_manager)
    assert other.get(_page()).status_code == 404
    assert other.post(_page(), {"url": "https://evil.example.test/"}).status_code == 404
    assert other.post(reverse("chat:teams_remove", args=["platform"])).status_code == 404
    channel.refresh_from_db()
    assert channel.url_host == "hooks.example.test"
