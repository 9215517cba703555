"""The core's words are marked for translation (issue 25): pages render in any language the
product offers, the default culture text follows the reader until someone edits it, and the
zone offered at login renders."""

import pytest
from django.utils import translation

from culture import models
from culture.models import DEFAULT_CULTURE_TEXT, CompanySettings

pytestmark = pytest.mark.django_db

CORE_PAGES = [
    "/",
    "/people/",
    "/people/org/",
    "/notifications/",
    "/culture/",
    "/settings/",
    "/people/import/",
    "/people/invite/",
    "/audit/",
    "/culture/edit/",
    "/settings/scim/",
    "/account/",
]


@pytest.mark.parametrize("language", ["fr", "de", "es", "ja", "ar"])
def test_core_pages_render_in_every_language(world, client_for, language):
    world.people_admin.language = language
    world.people_admin.save(update_fields=["language"])
    client = client_for(world.people_admin)
    person = world.employee.pk
    extra = [f"/people/{person}/", f"/people/{person}/edit/", f"/people/{person}/data/"]
    for path in CORE_PAGES + extra:
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'lang="{language}"' in response.content.decode(), path


def test_the_default_culture_text_is_shown_in_the_readers_language(world, monkeypatch):
    company = CompanySettings.load_fresh()
    assert company.culture_text == DEFAULT_CULTURE_TEXT
    monkeypatch.setattr(models, "gettext", lambda text: "[fr] " + text)
    assert company.culture_text_shown == "[fr] " + DEFAULT_CULTURE_TEXT
    # Once someone edits it, it is shown as they wrote it, whatever the reader's language.
    company.culture_text = "Our own words."
    assert company.culture_text_shown == "Our own words."


def test_the_culture_page_in_english_is_the_default_text(world, client_for):
    body = client_for(world.employee).get("/culture/").content.decode()
    assert "Why we work this way" in body


def test_the_zone_offered_at_login_renders(world, client_for):
    client = client_for(world.employee)
    session = client.session
    session["suggested_time_zone"] = "America/New_York"
    session.save()
    body = client.get("/").content.decode()
    assert "Your browser is set to America/New_York." in body
    assert 'value="America/New_York"' in body


def test_import_problems_are_in_the_readers_language_and_english_unchanged():
    from culture import people_import

    with translation.override("en-gb"):
        problems = [str(p) for p in people_import.validate(b"email,name\n").problems]
    assert "row 1, column title: Required column is missing from the header." in problems
    with translation.override("fr"):
        assert people_import.validate(b"").problems  # renders, whatever the catalogue
