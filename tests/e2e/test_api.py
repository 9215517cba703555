"""The API in a real browser: a person makes a token on their page, calls the API with it,
and reads the docs page (Swagger UI from our own static files) under the site's CSP."""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _get(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_person_makes_a_token_calls_the_api_and_reads_the_docs(world, browse):
    me = browse(world.employee)
    page = me.page
    me.visit("/")
    page.locator(".account-menu summary").click()
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url("**/account/api-tokens/")
    me.check_a11y("token page")
    page.get_by_label("Name").fill("my script")
    page.get_by_label("Read the directory, the teams and the reporting tree").check()
    page.get_by_role("button", name="Make a token").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("culture_pat_")
    me.check_a11y("token shown")
    me.assert_clean()

    status, body = _get(f"{me.base_url}/api/v1/people/?limit=5", token)
    assert status == 200 and len(body["items"]) == 5 and body["next"]
    status, body = _get(f"{me.base_url}/api/v1/memos/", token)
    assert status == 403 and body["scope"] == "memos:read"

    page.get_by_role("link", name="API reference").first.click()
    page.wait_for_url("**/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 17
    me.assert_clean()  # no CSP violation, no script error

    me.visit("/account/api-tokens/")
    assert token not in page.content()
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("was revoked").wait_for()
    status, body = _get(f"{me.base_url}/api/v1/people/", token)
    assert status == 401 and body["status"] == 401
