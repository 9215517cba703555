"""Core pages: fragments for htmx, forms that keep the user's input, safe Markdown."""

import pytest

from culture.models import CompanySettings

pytestmark = pytest.mark.django_db


def test_directory_search_over_htmx_returns_only_the_results_fragment(world, client_for):
    response = client_for(world.employee).get(
        "/people/",
        {"q": "outsider"},
        headers={"HX-Request": "true", "HX-Target": "directory-results"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="directory-results"')
    assert "Otto Outsider" in body and "Eli Employee" not in body and "<html" not in body


def test_directory_without_htmx_is_a_full_page_that_keeps_the_query(world, client_for):
    body = client_for(world.employee).get("/people/", {"q": "peer"}).content.decode()
    assert "<html" in body and 'value="peer"' in body and "Pat Peer" in body


def test_directory_filters_by_team_and_hides_inactive_people(world, client_for):
    htmx = {"HX-Request": "true", "HX-Target": "directory-results"}
    client = client_for(world.employee)
    body = client.get("/people/", {"team": "growth"}, headers=htmx).content.decode()
    assert "Otto Outsider" in body and "Eli Employee" not in body
    assert "Ida Inactive" not in client.get("/people/", headers=htmx).content.decode()


def test_a_directory_search_counts_its_matches_up_to_a_cap_and_pages_on_past_it(
    world, client_for, monkeypatch, django_assert_num_queries
):
    """A common word matches a fifth of a large company: the search counts at most
    SEARCH_COUNT_CAP + 1 matches ("1,000+ people matching") and pages on without a total,
    where counting every match cost more than the page itself."""
    from culture.views import people
    from tests.conftest import make_person

    monkeypatch.setattr(people, "SEARCH_COUNT_CAP", 2)
    monkeypatch.setattr(people, "PAGE_SIZE", 1)
    htmx = {"HX-Request": "true", "HX-Target": "directory-results"}
    client = client_for(world.employee)
    make_person(name="Cora Capper", team=world.team)
    make_person(name="Cato Capper", team=world.team)
    body = client.get("/people/", {"q": "capper"}, headers=htmx).content.decode()
    assert "2 people matching “capper”" in body and "Page 1 of 2" in body  # under the cap
    make_person(name="Cy Capper", team=world.team)
    client.get("/people/", {"q": "capper"}, headers=htmx)  # warm: the first request sets up
    with django_assert_num_queries(5) as captured:
        body = client.get("/people/", {"q": "capper"}, headers=htmx).content.decode()
    assert "2+ people matching “capper”" in body and "Page 1" in body and " of " not in body
    assert "Cato Capper" in body and "page=2" in body
    count = next(q["sql"] for q in captured.captured_queries if "COUNT(*) FROM (" in q["sql"])
    assert "LIMIT 3" in count, count  # cap + 1 rows, never every match
    last = client.get("/people/", {"q": "capper", "page": 3}, headers=htmx).content.decode()
    assert "Cy Capper" in last and "page=4" not in last and "page=2" in last


def test_org_branch_over_htmx_lists_the_reports(world, client_for):
    body = (
        client_for(world.employee)
        .get(f"/people/org/{world.manager.pk}/", headers={"HX-Request": "true"})
        .content.decode()
    )
    assert "Eli Employee" in body and "Pat Peer" in body and "<html" not in body


def test_org_branch_without_htmx_redirects_to_the_chart_focused_there(world, client_for):
    response = client_for(world.employee).get(f"/people/org/{world.manager.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(
        f"focus={world.manager.pk}"
    )


def test_profile_of_an_unknown_id_is_404(world, client_for):
    assert client_for(world.employee).get("/people/999999/").status_code == 404
    assert client_for(world.employee).get("/people/org/?focus=999999").status_code == 404


def test_company_settings_reject_an_unknown_time_zone_with_422(world, client_for):
    response = client_for(world.people_admin).post(
        "/settings/", {"name": "Acme", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    ok = client_for(world.people_admin).post(
        "/settings/", {"name": "Acme", "time_zone": "America/New_York"}
    )
    assert ok.status_code == 302
    assert CompanySettings.load().time_zone == "America/New_York"


def test_only_people_admins_change_settings(world, client_for):
    response = client_for(world.manager).post("/settings/", {"name": "Hacked", "time_zone": "UTC"})
    assert response.status_code == 403
    assert CompanySettings.load().name != "Hacked"


def test_the_culture_page_renders_markdown_safely(world, client_for):
    text = (
        "## Hello\n\n<script>window.x=1</script>\n\n[click](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(1)">\n\n| a | b |\n|---|---|\n| 1 | 2 |\n'
    )
    admin = client_for(world.people_admin)
    assert admin.post("/culture/edit/", {"culture_text": text}).status_code == 302
    body = client_for(world.employee).get("/culture/").content.decode()
    article = body[body.index('<article class="card prose">') : body.index("</article>")]
    assert "<h2>Hello</h2>" in article and "<table>" in article
    # Raw HTML is shown as text, never as markup; the javascript: link is not a link.
    assert "<script" not in article and "&lt;script&gt;" in article
    assert 'href="javascript' not in article and "<a " not in article
    assert "<img" not in article


def test_every_response_carries_the_security_headers(world, client_for):
    response = client_for(world.employee).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    body = response.content.decode()
    nonce = csp.split("'nonce-")[1].split("'")[0]
    # Every script tag on the page carries the nonce; htmx eval is switched off.
    assert body.count("<script") == body.count(f'nonce="{nonce}"')
    assert '"allowEval": false' in body
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_no_get_changes_state_on_the_mark_read_endpoint(world, client_for):
    assert client_for(world.employee).get("/notifications/read/").status_code == 405


def test_seed_demo_builds_the_company_with_the_four_logins(db):
    from io import StringIO

    from django.core.management import call_command

    from culture.models import Person

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert 55 <= Person.objects.count() <= 65
    admin = Person.objects.get(email="admin@example.com")
    director = Person.objects.get(email="director@example.com")
    manager = Person.objects.get(email="manager@example.com")
    employee = Person.objects.get(email="employee@example.com")
    assert admin.is_people_admin and admin.check_password("culture-demo")
    assert employee.manager == manager and manager.manager == director
    assert director.manages_managers()
    assert Person.objects.values("team").distinct().count() >= 6
    assert "employee@example.com" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()


def test_the_csp_system_check_fails_if_inline_code_is_allowed(settings):
    from django.utils.csp import CSP

    from culture.checks import csp_is_strict

    assert csp_is_strict(None) == []
    settings.SECURE_CSP = {**settings.SECURE_CSP, "script-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
    ids = {e.id for e in csp_is_strict(None)}
    assert ids == {"culture.E002", "culture.E003"}


def test_deactivating_someone_ends_their_sessions_on_the_next_request(world, client_for):
    from culture.models import Person

    client = client_for(world.employee)
    assert client.get("/").status_code == 200
    Person.objects.filter(pk=world.employee.pk).update(is_active=False)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def _edit_data(person, **changes):
    data = {
        "name": person.name,
        "title": person.title,
        "job_family": person.job_family,
        "level": person.level or "",
        "location": person.location,
        "team": person.team_id or "",
        "manager": person.manager_id or "",
        "start_date": person.start_date.isoformat() if person.start_date else "",
        "is_active": "on" if person.is_active else "",
    }
    data.update(changes)
    return data


def test_a_people_admin_moves_someone_to_another_manager(world, client_for):
    from culture.models import AuditEvent, Person

    response = client_for(world.people_admin).post(
        f"/people/{world.employee.pk}/edit/",
        _edit_data(world.employee, manager=world.other_manager.pk),
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=world.employee.pk).manager == world.other_manager
    assert not world.manager.is_above(Person.objects.get(pk=world.employee.pk))
    assert AuditEvent.objects.filter(action="person.changed", subject=world.employee).exists()


def test_an_edit_that_would_make_a_reporting_cycle_is_refused(world, client_for):
    from culture.models import Person

    response = client_for(world.people_admin).post(
        f"/people/{world.skip_level.pk}/edit/",
        _edit_data(world.skip_level, manager=world.employee.pk),
    )
    assert response.status_code == 422
    assert "reporting cycle" in response.content.decode()
    assert Person.objects.get(pk=world.skip_level.pk).manager == world.ceo


def test_only_people_admins_edit_people(world, client_for):
    response = client_for(world.manager).post(
        f"/people/{world.employee.pk}/edit/", _edit_data(world.employee, title="Hacked")
    )
    assert response.status_code == 403


def test_a_big_branch_shows_only_the_viewer_until_asked(world, client_for):
    from tests.conftest import make_person

    for i in range(15):
        make_person(name=f"Colleague {i:02}", manager=world.manager, team=world.team)
    body = client_for(world.employee).get("/people/org/").content.decode()
    assert "Colleague 00" not in body
    assert "Show all 17 people who report to Mia Manager" in body
    branch = (
        client_for(world.employee)
        .get(f"/people/org/{world.manager.pk}/", headers={"HX-Request": "true"})
        .content.decode()
    )
    assert "Colleague 00" in branch and "Colleague 14" in branch


def test_the_directory_team_filter_becomes_a_text_field_for_many_teams(world, client_for):
    from culture.models import Team

    Team.objects.bulk_create([Team(name=f"Squad {i}", slug=f"squad-{i}") for i in range(80)])
    client = client_for(world.employee)
    body = client.get("/people/").content.decode()
    assert "<select" not in body and 'placeholder="Team name"' in body
    found = client.get(
        "/people/",
        {"team": "growth"},
        headers={"HX-Request": "true", "HX-Target": "directory-results"},
    ).content.decode()
    assert "Otto Outsider" in found and "Eli Employee" not in found


def test_the_settings_row_is_read_once_per_request_and_fresh_on_the_next(
    world, client_for, django_assert_num_queries
):
    from culture.request_local import _request_var

    # Outside a request (tasks, commands) every read goes to the database.
    with django_assert_num_queries(2):
        CompanySettings.load()
        CompanySettings.load()

    def in_a_request():
        token = _request_var.set(type("Request", (), {})())
        try:
            with django_assert_num_queries(1):
                first, again = CompanySettings.load(), CompanySettings.load()
            assert first is again
            return first
        finally:
            _request_var.reset(token)

    assert in_a_request().time_zone == "Europe/London"
    CompanySettings.objects.filter(pk=1).update(time_zone="Asia/Tokyo")
    assert in_a_request().time_zone == "Asia/Tokyo"  # the next request reads it again
    # A change made on the settings page is what the very next page shows.
    client = client_for(world.people_admin)
    ok = client.post("/settings/", {"name": "Acme", "time_zone": "America/New_York"})
    assert ok.status_code == 302
    assert 'value="America/New_York" selected' in client.get("/settings/").content.decode()


def test_org_nodes_count_active_direct_reports_only(world, client_for):
    """Mia Manager has three direct reports, one of them inactive: her node says 2, and a
    node without active reports has no toggle (the counts are subqueries, one per node)."""
    import re

    body = client_for(world.skip_level).get("/people/org/").content.decode()
    assert re.search(r"2 reports<span class=\"visually-hidden\"> of Mia Manager<", body)
    body = client_for(world.employee).get("/people/org/").content.decode()
    assert "of Eli Employee<" not in body and "of Pat Peer<" not in body
    world.peer.is_active = False
    world.peer.save(update_fields=["is_active"])
    body = client_for(world.skip_level).get("/people/org/").content.decode()
    assert re.search(r"1 report<span class=\"visually-hidden\"> of Mia Manager<", body)
