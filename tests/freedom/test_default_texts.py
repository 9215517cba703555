"""The default guides are shown in the reader's language while nobody has edited them; a text
a person edited is shown as they wrote it. What is stored stays English either way."""

from __future__ import annotations

import pytest
from django.urls import reverse

from freedom import defaults
from freedom.models import Guide

pytestmark = pytest.mark.django_db


@pytest.fixture
def shouting(monkeypatch):
    """A stand-in catalogue: every translated text in capitals."""
    monkeypatch.setattr(defaults, "gettext", lambda text: text.upper())


def test_an_unchanged_default_guide_is_shown_translated(world, client_for, shouting):
    Guide.objects.filter(slug="travel").update(summary="Our own words on travel.")
    html = client_for(world.employee).get(reverse("guides:guide", args=["travel"])).content
    page = html.decode()
    assert "ACT IN THE COMPANY&#x27;S BEST INTEREST" in page or "ACT IN THE COMPANY" in page
    listing = client_for(world.employee).get(reverse("guides:index")).content.decode()
    assert "TRAVEL" in listing  # the title nobody edited
    assert "Our own words on travel." in listing  # the summary a person wrote
    assert "OUR OWN WORDS" not in listing
    # Nothing shown translated was saved.
    assert Guide.objects.get(slug="travel").title == "Travel"


def test_the_edit_form_shows_the_stored_text(world, client_for, shouting):
    html = client_for(world.people_admin).get(reverse("guides:edit", args=["travel"]))
    assert 'value="Travel"' in html.content.decode()


def test_without_a_catalogue_the_default_guides_read_as_before(world, client_for):
    listing = client_for(world.employee).get(reverse("guides:index")).content.decode()
    assert "Book what you would book if it were your own money and your own time." in listing


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_freedom_pages_render_for_a_reader_of_another_language(world, client_for, language):
    world.people_admin.language = language
    world.people_admin.save(update_fields=["language"])
    client = client_for(world.people_admin)
    urls = [
        reverse("away:index"),
        reverse("away:new"),
        reverse("away:settings"),
        reverse("guides:index"),
        reverse("guides:guide", args=["vacation"]),
        reverse("guides:edit", args=["vacation"]),
        reverse("home"),
    ]
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)
