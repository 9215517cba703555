"""The people admin connects Slack in a real browser: app credentials, "Add to Slack",
"Allow" on the stand-in's authorize page, back on our page with the workspace connected."""

from __future__ import annotations

import pytest

from chat.models import SlackInstallation
from sso import crypto
from tests.chat import slack_standin
from tests.chat import slack_standin as s

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def standin(settings, live_server):
    settings.SITE_URL = live_server.url
    yield from slack_standin.serving(settings)


def test_a_people_admin_connects_slack_from_the_app_alone(world, browse, standin):
    admin = browse(world.people_admin)
    page = admin.page
    admin.visit("/settings/")
    page.get_by_role("link", name="Slack", exact=True).click()
    page.wait_for_url("**/settings/chat/slack/")
    admin.check_a11y("Slack page, not connected")
    assert f"{standin.api_url}" not in page.content()
    assert page.locator("#slack-redirect-url").inner_text() == (
        f"{admin.base_url}/settings/chat/slack/callback/"
    )

    page.get_by_label("Client ID").fill(s.CLIENT_ID)
    page.get_by_label("Client secret").fill(s.CLIENT_SECRET)
    page.get_by_label("Signing secret").fill(s.SIGNING_SECRET)
    page.get_by_role("button", name="Save the app's credentials").click()
    page.get_by_text("Saved the Slack app's credentials").wait_for()

    page.get_by_role("button", name="Add to Slack").click()
    page.wait_for_url(f"{standin.authorize_url}?*")
    assert page.get_by_text("chat:write,im:write,users:read,users:read.email").is_visible()
    page.get_by_role("button", name="Allow").click()

    page.wait_for_url("**/settings/chat/slack/")
    page.get_by_text("Connected to the Slack workspace").wait_for()
    assert page.locator("#slack-workspace").inner_text().startswith(s.TEAM_NAME)
    assert world.people_admin.name in page.locator("#slack-status").inner_text()
    admin.check_a11y("Slack page, connected")
    admin.assert_clean()

    installation = SlackInstallation.objects.get()
    assert installation.is_connected and installation.installed_by == world.people_admin
    assert crypto.decrypt(installation.bot_token_encrypted) == s.BOT_TOKEN
    (access,) = standin.calls("oauth.v2.access")
    assert access.form["code"] == s.CODE
