"""The time-away board: noting, changing and removing time away, who sees it, and where."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from culture import clock
from culture.errors import InvalidInput
from freedom import services
from freedom.models import FreedomSettings, TimeAway
from tests.conftest import make_person
from tests.freedom.conftest import make_time_away

pytestmark = pytest.mark.django_db


def _form(start, days=3, note=""):
    return {"starts_on": start, "ends_on": start + timedelta(days=days - 1), "note": note}


def test_anyone_notes_time_away_with_no_approval(world, client_for):
    start = clock.today() + timedelta(days=10)
    response = client_for(world.employee).post(reverse("away:new"), _form(start, 5, "Offline"))
    assert response.status_code == 302
    entry = TimeAway.objects.get()
    assert (entry.person, entry.starts_on, entry.days, entry.note) == (
        world.employee,
        start,
        5,
        "Offline",
    )


def test_a_last_day_before_the_first_comes_back_422_with_the_error(world, client_for):
    start = clock.today() + timedelta(days=10)
    data = {"starts_on": start, "ends_on": start - timedelta(days=1), "note": ""}
    response = client_for(world.employee).post(reverse("away:new"), data)
    assert response.status_code == 422
    assert response.context["form"].errors["ends_on"] == [
        "The last day away comes on or after the first."
    ]
    assert not TimeAway.objects.exists()


def test_overlapping_time_away_is_refused_in_place_with_the_one_it_clashes_with(world, client_for):
    start = clock.today() + timedelta(days=10)
    make_time_away(person=world.employee, starts_on=start, days=5)
    response = client_for(world.employee).post(
        reverse("away:new"), _form(start + timedelta(days=4), 2)
    )
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == [
        f"You already noted time away from {start:%-d %b %Y} to "
        f"{start + timedelta(days=4):%-d %b %Y}: change that one instead."
    ]
    assert TimeAway.objects.count() == 1


def test_the_check_refuses_a_reversed_range():
    with pytest.raises(InvalidInput):
        services.check_time_away(
            person=None, starts_on=clock.today(), ends_on=clock.today() - timedelta(days=1)
        )


def test_the_owner_changes_and_removes_their_own_time_away(world, client_for):
    entry = make_time_away(person=world.employee, days=3)
    client = client_for(world.employee)
    new_start = entry.starts_on + timedelta(days=1)
    assert client.get(reverse("away:edit", args=[entry.pk])).status_code == 200
    response = client.post(reverse("away:edit", args=[entry.pk]), _form(new_start, 4, "Moved"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.starts_on, entry.days, entry.note) == (new_start, 4, "Moved")
    assert client.post(reverse("away:delete", args=[entry.pk])).status_code == 302
    assert not TimeAway.objects.exists()


def test_changing_an_entry_does_not_clash_with_itself(world, client_for):
    entry = make_time_away(person=world.employee, days=3)
    response = client_for(world.employee).post(
        reverse("away:edit", args=[entry.pk]), _form(entry.starts_on, 3, "Same days")
    )
    assert response.status_code == 302


def test_the_manager_cannot_change_a_reports_time_away(world, client_for):
    entry = make_time_away(person=world.employee)
    client = client_for(world.manager)
    response = client.post(reverse("away:edit", args=[entry.pk]), _form(clock.today(), 1))
    assert response.status_code == 403
    assert client.post(reverse("away:delete", args=[entry.pk])).status_code == 403
    assert TimeAway.objects.get().starts_on == entry.starts_on


def test_the_board_shows_the_team_and_chain_and_not_the_other_branch(world, client_for):
    make_time_away(person=world.employee, note="Hiking")
    make_time_away(person=world.outsider, note="Elsewhere")
    for persona, expected in [
        ("employee", ["Hiking"]),
        ("peer", ["Hiking"]),
        ("manager", ["Hiking"]),
        ("skip_level", ["Hiking"]),
        ("ceo", ["Elsewhere", "Hiking"]),
        ("other_manager", ["Elsewhere"]),
        ("outsider", ["Elsewhere"]),
        ("people_admin", ["Elsewhere", "Hiking"]),
    ]:
        response = client_for(getattr(world, persona)).get(reverse("away:index"))
        notes = sorted(e.note for e in response.context["page"].object_list)
        assert notes == expected, persona


def test_the_board_leaves_out_past_time_away_and_inactive_people(world, client_for):
    make_time_away(person=world.employee, starts_on=clock.today() - timedelta(days=10), days=3)
    make_time_away(person=world.inactive)
    response = client_for(world.manager).get(reverse("away:index"))
    assert list(response.context["page"].object_list) == []
    assert "Leaders go first" in response.content.decode()


def test_the_board_links_the_vacation_guide_because_there_is_no_policy(world, client_for):
    html = client_for(world.employee).get(reverse("away:index")).content.decode()
    assert "There is no vacation policy" in html
    assert 'href="/guides/vacation/"' in html


def test_the_board_over_htmx_renders_only_the_results(world, client_for):
    make_time_away(person=world.employee, note="Hiking")
    response = client_for(world.manager).get(
        reverse("away:index"), headers={"HX-Request": "true", "HX-Target": "away-results"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="away-results"')
    assert "Hiking" in html and "<h1>" not in html


def _team_with_time_away(world, n):
    start = clock.today()  # every one of them away this week
    for i in range(n):
        person = make_person(manager=world.manager, team=world.team)
        make_time_away(person=person, starts_on=start + timedelta(days=i % 4))


@pytest.mark.parametrize("n", [3, 40])
def test_the_board_queries_do_not_grow_with_time_away(
    world, client_for, n, django_assert_num_queries
):
    _team_with_time_away(world, n)
    client = client_for(world.manager)
    client.get(reverse("away:index"))
    with django_assert_num_queries(6):
        response = client.get(reverse("away:index"))
    assert len(response.context["page"].object_list) == min(n, 30)


@pytest.mark.parametrize("n", [3, 40])
def test_the_home_section_queries_do_not_grow_with_time_away(
    world, client_for, n, django_assert_num_queries
):
    from freedom.home import home_context

    _team_with_time_away(world, n)

    class Request:
        user = world.manager

    with django_assert_num_queries(2):  # the company's date, then the entries
        context = home_context(Request())
    assert len(context["away_now"]) + len(context["away_this_week"]) == min(n, 8)
    assert context["away_more"] is (n > 8)


def test_the_home_page_shows_who_is_away_now_and_this_week(world, client_for):
    today = clock.today()
    make_time_away(person=world.peer, starts_on=today - timedelta(days=1), note="Offline")
    make_time_away(person=world.employee, starts_on=today + timedelta(days=2), days=2)
    make_time_away(person=world.outsider, starts_on=today)
    response = client_for(world.manager).get(reverse("home"))
    assert [e.person for e in response.context["away_now"]] == [world.peer]
    assert [e.person for e in response.context["away_this_week"]] == [world.employee]
    html = response.content.decode()
    # The section is named as the page it links to (issue 24: one name for one page).
    assert '<a href="/away/">Time away</a></h2>' in html
    assert 'href="/guides/"' in html


def test_the_profile_shows_away_until_to_the_team_and_chain_only(world, client_for):
    today = clock.today()
    make_time_away(person=world.employee, starts_on=today - timedelta(days=1), days=4)
    until = f"Away until {today + timedelta(days=2):%-d %b}"
    url = reverse("people:profile", args=[world.employee.pk])
    for persona, shown in [
        ("employee", True),
        ("peer", True),
        ("manager", True),
        ("skip_level", True),
        ("people_admin", True),
        ("outsider", False),
        ("other_manager", False),
    ]:
        html = client_for(getattr(world, persona)).get(url).content.decode()
        assert (until in html) is shown, persona


def test_the_profile_shows_no_marker_when_the_person_is_not_away(world, client_for):
    make_time_away(person=world.employee, starts_on=clock.today() + timedelta(days=5))
    url = reverse("people:profile", args=[world.employee.pk])
    assert "Away until" not in client_for(world.manager).get(url).content.decode()


def test_people_admins_set_the_months_and_a_bad_value_comes_back_422(world, client_for):
    client = client_for(world.people_admin)
    assert client.get(reverse("away:settings")).status_code == 200
    bad = client.post(reverse("away:settings"), {"nudge_after_months": "0"})
    assert bad.status_code == 422
    assert bad.context["form"].errors["nudge_after_months"]
    assert client.post(reverse("away:settings"), {"nudge_after_months": "9"}).status_code == 302
    assert FreedomSettings.load().nudge_after_months == 9
    from culture.models import AuditEvent

    event = AuditEvent.objects.get(action="freedom.settings_changed")
    assert (event.actor, event.detail) == (world.people_admin, {"nudge_after_months": 9})


def test_the_privacy_export_and_erasure_cover_time_away(world):
    from freedom import privacy

    make_time_away(person=world.employee, note="Hiking")
    exported = privacy.export(world.employee, viewer=world.people_admin)
    assert [e["note"] for e in exported["time_away"]] == ["Hiking"]
    privacy.erase(world.employee, old_name="Eli Employee", old_email="employee@example.test")
    assert not TimeAway.objects.exists()


# --- The directory: "Away until" beside a name, to whoever may see it -------------------------


def _marks_in_directory(client, name):
    page = client.get(reverse("people:directory"), {"q": name})
    assert page.status_code == 200
    return [[m.text for m in p.marks] for p in page.context["page"].object_list if p.name == name][
        0
    ]


def test_the_directory_marks_who_is_away_for_their_team_and_chain_only(world, client_for):
    today = clock.today()
    make_time_away(person=world.employee, starts_on=today - timedelta(days=1), days=4)
    make_time_away(person=world.peer, starts_on=today + timedelta(days=3), days=2)
    until = f"Away until {today + timedelta(days=2):%-d %b}"
    starts = f"Away from {today + timedelta(days=3):%-d %b}"
    for viewer in (world.employee, world.peer, world.manager, world.ceo, world.people_admin):
        client = client_for(viewer)
        assert _marks_in_directory(client, world.employee.name) == [until], viewer
        assert _marks_in_directory(client, world.peer.name) == [starts], viewer
    html = client_for(world.manager).get(reverse("people:directory")).content.decode()
    assert f'<span class="pill info">{until}</span>' in html
    # Outside the team and the chain: the directory says nothing.
    client = client_for(world.outsider)
    assert _marks_in_directory(client, world.employee.name) == []
    assert "Away until" not in client.get(reverse("people:directory")).content.decode()


def test_time_away_further_ahead_or_long_past_is_not_marked(world, client_for):
    today = clock.today()
    make_time_away(person=world.employee, starts_on=today + timedelta(days=8), days=2)
    make_time_away(person=world.peer, starts_on=today - timedelta(days=9), days=3)
    client = client_for(world.manager)
    assert _marks_in_directory(client, world.employee.name) == []
    assert _marks_in_directory(client, world.peer.name) == []


def test_the_directory_marks_cost_one_query_whatever_the_number_away(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = clock.today()
    client = client_for(world.people_admin)
    counts = []
    for batch in (1, 8):
        for i in range(batch):
            person = make_person(name=f"Away {batch}-{i}", email=f"a{batch}{i}@x.test")
            make_time_away(person=person, starts_on=today, days=2)
        client.get(reverse("people:directory"))
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("people:directory"))
        marked = sum(1 for p in page.context["page"].object_list if p.marks)
        away = [q for q in ctx.captured_queries if "freedom_timeaway" in q["sql"]]
        assert len(away) == 1
        counts.append((marked, len(ctx.captured_queries)))
    assert [m for m, _ in counts] == [1, 9]
    assert counts[0][1] == counts[1][1]


def test_who_sees_time_away_is_one_set_of_people_with_no_or(world):
    """The viewer, their team and everyone below them are one UNION of person ids, each
    found by an index, and the time away is looked up by person: an OR of the three kept
    Postgres from using any index and read all the company's time away."""
    for viewer in (world.manager, world.ceo):  # with and without a team
        sql = str(TimeAway.objects.visible_to(viewer).query)
        assert " UNION " in sql and " OR " not in sql, viewer
    sql = str(TimeAway.objects.of_team_and_reports(world.people_admin).query)
    assert " UNION " in sql and " OR " not in sql


def test_time_away_is_seen_by_the_team_the_chain_and_below_at_any_depth(world):
    """The same rule as before the UNION: the person, their team (any branch), everyone
    above them; without a team, only their own and below; each entry once."""
    other_team_report = make_person(name="Tia Teamless", manager=world.employee, team=None)
    deep = make_person(name="Dee Deep", manager=other_team_report, team=world.other_team)
    for person in (world.employee, world.peer, other_team_report, deep, world.outsider):
        make_time_away(person=person, note=person.name)

    def seen(viewer, qs=None):
        qs = TimeAway.objects.visible_to(viewer) if qs is None else qs
        return sorted(qs.values_list("note", flat=True))

    assert seen(world.employee) == sorted(["Eli Employee", "Pat Peer", "Tia Teamless", "Dee Deep"])
    assert seen(other_team_report) == ["Dee Deep", "Tia Teamless"]  # no team: self and below
    assert seen(deep) == ["Dee Deep", "Otto Outsider"]  # their team, in another branch
    assert seen(world.skip_level) == sorted(
        ["Eli Employee", "Pat Peer", "Tia Teamless", "Dee Deep"]
    )
    assert seen(world.ceo) == sorted(
        ["Eli Employee", "Pat Peer", "Tia Teamless", "Dee Deep", "Otto Outsider"]
    )
    home = TimeAway.objects.of_team_and_reports(world.people_admin)
    assert seen(world.people_admin, home) == []  # home: their team and below, not everyone
    assert len(seen(world.people_admin)) == 5  # the board: everyone
