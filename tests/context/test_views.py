"""The context pages as people use them: reading, editing, history, the memos that rely on
a page, the home section."""

from __future__ import annotations

import pytest
from django.urls import reverse

from context.models import ContextPage
from decisions.models import Memo
from tests.context.conftest import page_of, save
from tests.decisions.conftest import make_memo

pytestmark = pytest.mark.django_db

TEAM_EDIT = "/context/teams/platform/edit/"


def _form(version, **texts):
    return {"version": version, "summary": "Numbers for Q3", **texts}


def test_a_manager_writes_the_teams_first_version_and_the_team_reads_it(world, client_for):
    manager = client_for(world.manager)
    form = manager.get(TEAM_EDIT)
    assert form.status_code == 200
    assert 'name="version" value="0"' in form.content.decode()
    response = manager.post(TEAM_EDIT, _form(0, north_star="Ship **daily**."))
    assert response.status_code == 302
    assert response["Location"] == "/context/teams/platform/"
    page = client_for(world.outsider).get("/context/teams/platform/").content.decode()
    assert "<strong>daily</strong>" in page
    assert "by Mia Manager: “Numbers for Q3”" in page
    assert "Edit this page" not in page  # the outsider reads, does not edit


def test_user_markdown_is_sanitised(world, client_for):
    save(world.manager, "platform", north_star="<script>alert(1)</script>[x](javascript:alert(1))")
    html = client_for(world.employee).get("/context/teams/platform/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html


def test_a_team_with_no_page_says_so_and_reading_creates_nothing(world, client_for):
    response = client_for(world.employee).get("/context/teams/platform/")
    assert response.status_code == 200
    assert "Platform has no context page yet." in response.content.decode()
    assert not ContextPage.objects.exists()


def test_the_form_comes_back_422_with_the_error_in_place_without_a_summary(world, client_for):
    response = client_for(world.manager).post(TEAM_EDIT, {"version": 0, "north_star": "x"})
    assert response.status_code == 422
    assert response.context["form"].errors["summary"] == ["This field is required."]
    assert not ContextPage.objects.exists()


def test_nothing_changed_comes_back_422(world, client_for):
    save(world.manager, "platform", north_star="Ship daily.")
    response = client_for(world.manager).post(TEAM_EDIT, _form(1, north_star="Ship daily."))
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == [
        "Nothing changed: edit a section before saving a new version."
    ]


def test_two_editors_cannot_silently_overwrite_each_other(world, client_for):
    save(world.manager, "platform", north_star="Ship daily.")
    manager, skip = client_for(world.manager), client_for(world.skip_level)
    assert manager.get(TEAM_EDIT).status_code == 200  # both open version 1
    assert skip.post(TEAM_EDIT, _form(1, north_star="Ship hourly.")).status_code == 302
    stale = manager.post(TEAM_EDIT, _form(1, north_star="Ship weekly."))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "This page changed since you opened it: Sam Skip saved “Numbers for Q3”." in html
    assert "Ship weekly." in html  # their text is kept
    assert 'href="/context/teams/platform/history/2/"' in html
    assert 'name="version" value="2"' in html
    assert page_of("platform").north_star == "Ship hourly."
    # Having seen the change, saving again replaces it knowingly.
    again = manager.post(TEAM_EDIT, _form(2, north_star="Ship weekly."))
    assert again.status_code == 302
    assert (page_of("platform").version, page_of("platform").north_star) == (3, "Ship weekly.")


def test_the_history_lists_each_version_and_a_version_shows_its_diff(world, client_for):
    save(world.manager, "platform", north_star="One\nTwo", summary="First")
    save(world.skip_level, "platform", north_star="One\nThree", summary="Second")
    client = client_for(world.outsider)
    history = client.get("/context/teams/platform/history/").content.decode()
    assert history.index("Second") < history.index("First")
    assert "Sam Skip" in history and "Mia Manager" in history
    response = client.get("/context/teams/platform/history/2/")
    assert response.status_code == 200
    north_star = response.context["diffs"][0]
    assert north_star.lines == [("same", "One"), ("removed", "Two"), ("added", "Three")]
    html = response.content.decode()
    assert '<li class="removed"><span class="op" aria-hidden="true">−</span>' in html
    assert '<span class="visually-hidden">Added: </span>Three</li>' in html


def test_a_memo_links_the_context_it_relies_on_and_the_page_lists_it(world, client_for):
    save(world.people_admin, north_star="Be the first choice.")
    save(world.manager, "platform", north_star="Ship daily.")
    company, platform = page_of(None), page_of("platform")
    captain = client_for(world.employee)
    form = captain.get(reverse("decisions:new")).content.decode()
    assert f'<option value="{company.pk}">Company</option>' in form
    response = captain.post(
        reverse("decisions:new"),
        {"title": "Nightly retraining", "body": "Because.", "context_pages": [platform.pk]},
    )
    assert response.status_code == 302
    memo = Memo.objects.get(title="Nightly retraining")
    assert list(memo.context_pages.all()) == [platform]
    memo.state = Memo.State.OPEN
    memo.save()
    memo_page = client_for(world.outsider).get(memo.get_absolute_url()).content.decode()
    assert 'Relies on the context of <a href="/context/teams/platform/">Platform</a>' in memo_page
    context_page = client_for(world.outsider).get("/context/teams/platform/")
    assert [m.title for m in context_page.context["memos"]] == ["Nightly retraining"]
    edit = captain.get(reverse("decisions:edit", args=[memo.pk])).content.decode()
    assert f'<option value="{platform.pk}" selected>Platform</option>' in edit


def test_a_confidential_memo_is_not_listed_for_whoever_may_not_read_it(world, client_for):
    save(world.manager, "platform", north_star="Ship daily.")
    secret = make_memo(
        captain=world.manager,
        title="Close the Lisbon office",
        confidential=True,
        readers=[world.peer],
    )
    draft = make_memo(captain=world.manager, title="Half-baked idea", state=Memo.State.DRAFT)
    open_memo = make_memo(captain=world.manager, title="Open idea")
    for memo in (secret, draft, open_memo):
        memo.context_pages.add(page_of("platform"))

    def listed(person):
        response = client_for(person).get("/context/teams/platform/")
        return sorted(m.title for m in response.context["memos"])

    assert listed(world.outsider) == ["Open idea"]
    assert listed(world.people_admin) == ["Open idea"]
    assert listed(world.peer) == ["Close the Lisbon office", "Open idea"]
    assert listed(world.manager) == ["Close the Lisbon office", "Half-baked idea", "Open idea"]
    html = client_for(world.outsider).get("/context/teams/platform/").content.decode()
    assert "Lisbon" not in html


def test_the_home_page_links_my_teams_page_and_the_companys(world, client_for):
    save(world.manager, "platform", north_star="Ship daily.")
    html = client_for(world.employee).get("/").content.decode()
    assert '<a href="/context/teams/platform/">Platform</a>' in html
    assert '<a href="/context/company/">The company</a>' in html
    assert "not written yet" in html


def test_the_directory_and_the_profile_link_the_team_context(world, client_for):
    client = client_for(world.outsider)
    assert 'href="/context/teams/platform/"' in client.get("/people/").content.decode()
    profile = client.get(reverse("people:profile", args=[world.employee.pk])).content.decode()
    assert '(<a href="/context/teams/platform/">context</a>)' in profile


def test_the_index_lists_the_company_and_every_team(world, client_for):
    save(world.manager, "platform", north_star="Ship daily.")
    html = client_for(world.employee).get("/context/").content.decode()
    assert '<a href="/context/teams/growth/">Growth</a>' in html
    assert (
        '<a href="/context/teams/platform/">Platform</a> <span class="pill info">Your team</span>'
        in html
    )


def test_every_context_page_renders_for_a_reader_of_another_language(world, client_for):
    """Issue 25: every context page in French for a French reader; nothing breaks."""
    from culture.models import Person

    Person.objects.filter(pk=world.manager.pk).update(language="fr")
    save(world.manager, "platform", north_star="Ship daily.", summary="First")
    save(world.manager, "platform", numbers="- 38", summary="Numbers")
    manager = client_for(world.manager)
    for url in [
        "/context/",
        "/context/teams/platform/",
        TEAM_EDIT,
        "/context/teams/platform/history/",
        "/context/teams/platform/history/2/",
        reverse("home"),
    ]:
        response = manager.get(url)
        assert response.status_code == 200, url
        assert 'lang="fr"' in response.content.decode(), url
    html = manager.get("/context/teams/platform/history/2/").content.decode()
    assert "Par rapport à la version 1" in html and "Cap" in html
    assert "Compared with version 1:" not in html and "North star" not in html
    stale = manager.post(TEAM_EDIT, _form(1, north_star="Ship weekly."))
    assert stale.status_code == 409
    assert "Cette page a changé depuis que vous l&#x27;avez ouverte" in stale.content.decode()
