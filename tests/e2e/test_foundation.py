"""The front door in a real browser: log in, home, org chart, directory, import."""

import pytest

from culture.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_employee_logs_in_and_finds_their_way_around(world, browse):
    session = browse(world.employee)
    page = session.page
    session.visit("/")
    assert page.get_by_role("heading", name="Hello, Eli").is_visible()
    for label in ["Circles", "Keeper", "Decisions", "Pay", "People"]:
        assert (
            page.get_by_role("navigation", name="Main").get_by_role("link", name=label).is_visible()
        )

    session.visit("/people/org/")
    # The viewer's own node is highlighted and their manager sits above them.
    assert page.locator(".org-node.me").get_by_text("Eli Employee").is_visible()
    assert page.get_by_text("Mia Manager").first.is_visible()

    session.visit("/people/")
    page.get_by_label("Search people").fill("Outsider")
    page.wait_for_function(
        "() => document.querySelectorAll('#directory-results tbody tr').length === 1"
    )
    assert page.locator("#directory-results").get_by_text("Otto Outsider").is_visible()
    assert "q=Outsider" in page.url


def test_org_chart_branches_expand_in_place(world, browse):
    session = browse(world.skip_level)
    page = session.page
    session.visit("/people/org/")
    # The director's own branch is open; the manager under them expands on click.
    toggle = page.get_by_role("button", name="2 reports of Mia Manager")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    page.wait_for_selector("text=Pat Peer")
    assert page.get_by_text("Eli Employee").is_visible()
    session.check_a11y("org chart expanded")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.get_by_text("Pat Peer").is_hidden()


def test_people_admin_imports_a_csv_and_sees_the_result(world, browse, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "email,name,title,job_family,level,location,team,manager_email,start_date\n"
        "new.hire@example.test,Nia New,Designer,Design,3,Berlin,Design,manager@example.test,2026-10-01\n"
    )
    session = browse(world.people_admin)
    page = session.page
    session.visit("/people/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url("**/people/import/*/")
    # No worker runs in this test: run the queued job the way the worker would.
    from culture.models import ImportJob
    from culture.people_import import run_job

    run_job(ImportJob.objects.get().pk)
    page.wait_for_selector("text=Done.", timeout=10_000)
    assert Person.objects.get(email="new.hire@example.test").manager == world.manager
    session.check_a11y("import done")


def test_import_with_errors_lists_every_problem_and_writes_nothing(world, browse, tmp_path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(
        "email,name,title,job_family,level,location,team,manager_email,start_date\n"
        "a@example.test,A,,,,,,nobody@example.test,2026-13-01\n"
    )
    session = browse(world.people_admin)
    page = session.page
    session.visit("/people/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_selector("text=Nothing was imported")
    assert page.get_by_text("Unknown manager 'nobody@example.test'.").is_visible()
    assert not Person.objects.filter(email="a@example.test").exists()
    session.check_a11y("import errors")
