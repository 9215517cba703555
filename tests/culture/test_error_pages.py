"""The error pages (403, 404, 429, 500) are pages of the product: its layout, its navigation,
the reason in words and a way back, with the status kept; an htmx request gets the fragment
for the page's alert region instead. The 500 page needs neither the database nor the user."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from culture.errors import server_error
from culture.ratelimit import Limited, RateLimitMiddleware

NAV = '<nav class="main-nav" aria-label="Main">'


def _links(body: str) -> dict[str, str]:
    """The page's links by their text."""
    return {
        re.sub(r"<[^>]+>", "", text).strip(): href
        for href, text in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', body, re.S)
    }


def _in_the_layout(body: str) -> dict[str, str]:
    assert body.lstrip().lower().startswith("<!doctype html>")
    assert NAV in body
    assert 'id="main"' in body
    links = _links(body)
    for label in ("Home", "Circles", "Keeper", "Decisions", "Pay", "People"):
        assert label in links, f"{label} is missing from the navigation"
    assert links["Go to Home"] == reverse("home")
    return links


def test_a_manager_who_follows_the_rollup_link_gets_the_403_page_with_a_way_back(world, client_for):
    # world.manager manages people, not managers: the rollup is not theirs to open.
    response = client_for(world.manager).get(reverse("keeper:rollup"))
    assert response.status_code == 403
    body = response.content.decode()
    links = _in_the_layout(body)
    assert "This page is not open to you" in body
    assert links["Back to Keeper"] == reverse("keeper:index")
    assert "403 Forbidden" not in body
    # The account menu and the unread bell are there: it is the ordinary page.
    assert 'class="account-menu"' in body


def test_an_htmx_request_refused_with_403_gets_the_fragment_for_the_alerts(world, client_for):
    response = client_for(world.manager).get(
        reverse("keeper:rollup"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "<html" not in body.lower()
    assert 'id="refused"' in body
    assert "open to particular people only" in body
    assert response["HX-Retarget"] == "#alerts"
    assert response["HX-Reselect"] == "#refused"


def test_an_unknown_address_is_the_404_page_in_the_layout(world, client_for):
    response = client_for(world.employee).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    links = _in_the_layout(body)
    assert "Page not found" in body
    assert not any(label.startswith("Back to") for label in links)


def test_a_404_from_a_section_offers_the_way_back_to_that_section(world, client_for):
    # A drill-down into a manager the viewer is not above: 404, not revealing it exists.
    response = client_for(world.employee).get(
        reverse("keeper:rollup_manager", args=[world.manager.pk])
    )
    assert response.status_code == 404
    links = _in_the_layout(response.content.decode())
    assert links["Back to Keeper"] == reverse("keeper:index")


def test_an_htmx_404_is_the_fragment(world, client_for):
    response = client_for(world.employee).get("/no/such/page/", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.content.decode().lower()
    assert response["HX-Retarget"] == "#alerts"


def test_a_404_for_someone_not_logged_in_has_a_way_back_and_no_navigation(db):
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert NAV not in body  # the sections are for people who are logged in
    assert _links(body)["Go to Home"] == reverse("home")


def test_a_429_from_the_rate_limiter_is_in_the_layout(world):
    request = RequestFactory().post("/people/invite/")
    request.user = world.employee
    request.htmx = False
    response = RateLimitMiddleware(lambda r: None).process_exception(
        request, Limited("invite", "user", 300)
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    body = response.content.decode()
    _in_the_layout(body)
    assert "Too many requests" in body


@override_settings(ROOT_URLCONF="tests.culture.error_urls")
def test_a_failing_page_is_the_500_page_in_the_layout_without_the_account(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.employee)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    _in_the_layout(body)
    assert "Something went wrong" in body
    # The static-safe variant: nothing that needs the session, the user or a script nonce.
    assert 'class="account-menu"' not in body
    assert world.employee.email not in body
    assert "<script" not in body


@override_settings(ROOT_URLCONF="tests.culture.error_urls")
def test_a_failing_htmx_request_gets_the_500_fragment(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.employee)
    response = client.post("/boom/", headers={"HX-Request": "true"})
    assert response.status_code == 500
    assert "<html" not in response.content.decode().lower()
    assert "Something went wrong on our side" in response.content.decode()
    assert response["HX-Retarget"] == "#alerts"


@pytest.mark.django_db
def test_the_500_handler_needs_neither_the_database_nor_the_user(django_assert_num_queries):
    request = RequestFactory().get("/anywhere/")  # no user, no session: nothing ran
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    _in_the_layout(response.content.decode())
