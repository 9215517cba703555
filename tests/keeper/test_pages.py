"""The keeper pages: the manager's page with save-as-you-go, guidance, the keeper prompt,
the rollup, the people-admin overview, the home section; confidentiality and audit."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from culture.models import AuditEvent
from keeper.models import KeeperCycle, KeeperPolicy, KeeperPromptLog, KeeperTest
from tests.conftest import make_person
from tests.keeper.helpers import keeper_test_of, note_text, open_cycle_now, write_note

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def cycle(world):
    return open_cycle_now()


def _answer(client, test, answer, notes="", shared=False, headers=HTMX):
    data = {f"t{test.pk}-answer": answer, f"t{test.pk}-notes": notes}
    if shared:
        data[f"t{test.pk}-shared_with_employee"] = "on"
    return client.post(f"/keeper/tests/{test.pk}/answer/", data, headers=headers)


# --- The manager's page ------------------------------------------------------------------


def test_manager_page_shows_the_cycle_progress_due_date_and_the_question(world, cycle, client_for):
    html = client_for(world.manager).get("/keeper/").content.decode()
    assert f"Keeper test, {cycle.label}" in html
    assert "0 of 2 answered" in html
    assert f"Due {cycle.due_on:%-d %b %Y}" in html
    assert (
        "If Eli told you they were leaving for a similar job at a peer company, "
        "would you fight hard to keep them?" in html
    )
    assert "hire Eli again" not in html
    assert "Pat Peer" in html and "Otto Outsider" not in html
    assert "Ida Inactive" not in html


def test_a_cycle_with_the_2024_wording_also_asks_whether_you_would_hire_them_again(
    world, client_for
):
    policy = KeeperPolicy.load()
    policy.wording = "classic_2024"
    policy.save()
    open_cycle_now()
    html = client_for(world.manager).get("/keeper/").content.decode()
    assert "Knowing everything you know today, would you hire Eli again?" in html


def test_an_answer_saves_as_you_go_and_the_htmx_response_is_only_the_fragment(
    world, cycle, client_for
):
    client = client_for(world.manager)
    test = keeper_test_of(cycle, world.employee)
    response = _answer(client, test, "yes", notes="Carries the on-call rota")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'id="status-{test.pk}"' in html
    assert 'id="keeper-progress"' in html and 'hx-swap-oob="true"' in html
    assert "1 of 2 answered" in html
    test.refresh_from_db()
    assert test.answer == "yes" and note_text(test, world.manager) == "Carries the on-call rota"
    assert test.answered_at is not None
    assert AuditEvent.objects.filter(
        action="keeper.answer.written", actor=world.manager, subject=world.employee
    ).exists()
    # Changing the answer is fine while the cycle is open.
    html = _answer(client, test, "not_sure").content.decode()
    assert "read the guidance for Eli" in html
    keeper_test = KeeperTest.objects.get(pk=test.pk)
    assert keeper_test.answer == "not_sure"


def test_an_answer_without_htmx_redirects_back_to_the_card(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    response = _answer(client_for(world.manager), test, "no", headers={})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/keeper/#card-{test.pk}")


def test_an_invalid_answer_comes_back_with_422_and_the_error_in_place(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    response = _answer(client_for(world.manager), test, "maybe")
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    response = _answer(client_for(world.manager), test, "maybe", headers={})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    test.refresh_from_db()
    assert test.answer == ""


def test_answers_are_locked_once_the_cycle_has_closed(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "yes")
    KeeperCycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    client = client_for(world.manager)
    assert _answer(client, test, "no").status_code == 403
    test.refresh_from_db()
    assert test.answer == "yes"
    html = client.get("/keeper/").content.decode()
    assert "Closed: answers are locked" in html and "Locked" in html
    assert "disabled" in html and "hx-post" not in html


def _card(html: str, test) -> str:
    card = html.split(f'id="card-{test.pk}"', 1)[1].split("</article>", 1)[0]
    # The card is a Jinja2 template (culture/jinja2.py), which escapes " and ' as &#34; and
    # &#39; where Django writes &quot; and &#x27;. One spelling for the assertions.
    return card.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


def _controls(card: str) -> list[str]:
    return re.findall(
        r"<input type=\"(?:radio|checkbox)\"[^>]*>|<textarea.*?</textarea>", card, re.S
    )


@pytest.mark.parametrize("writable", [True, False])
def test_a_saved_answer_shows_checked_with_the_note_escaped_and_a_readers_card_locked(
    world, cycle, client_for, writable
):
    test = keeper_test_of(cycle, world.employee)
    test.answer, test.shared_with_employee = "not_sure", True
    test.save()
    write_note(test, text='Owns <the> "rota" & more')
    if writable:  # the manager's own page
        card = _card(client_for(world.manager).get("/keeper/").content.decode(), test)
    else:  # the skip-level's drill-down: read only, the note shown apart with its author
        url = f"/keeper/rollup/{world.manager.pk}/"
        card = _card(client_for(world.skip_level).get(url).content.decode(), test)
    controls = _controls(card)
    radios = [c for c in controls if 'type="radio"' in c]
    assert len(radios) == 3 and all(("disabled" in c) is not writable for c in controls)
    checked = [c for c in radios if " checked" in c]
    assert len(checked) == 1 and 'value="not_sure"' in checked[0]
    assert controls[-1].startswith('<input type="checkbox"') and " checked" in controls[-1]
    assert "<the>" not in card
    if writable:
        assert f'name="t{test.pk}-notes"' in controls[3]
        assert controls[3].endswith("Owns &lt;the&gt; &quot;rota&quot; &amp; more</textarea>")
        assert f'aria-describedby="id_t{test.pk}-notes_helptext"' in controls[3]
        assert f'<span class="help" id="id_t{test.pk}-notes_helptext">' in card
    else:
        assert "<textarea" not in card and "Private notes by Mia Manager" in card
        assert "Owns &lt;the&gt; &quot;rota&quot; &amp; more" in card


def test_an_unanswered_card_has_nothing_checked(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    card = _card(client_for(world.manager).get("/keeper/").content.decode(), test)
    assert len(_controls(card)) == 5 and "checked" not in card and "disabled" not in card


def test_a_post_with_errors_shows_the_posted_values_marked_invalid(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    response = _answer(client_for(world.manager), test, "maybe", "x" * 5001, True, headers={})
    assert response.status_code == 422
    card = _card(response.content.decode(), test)
    controls = _controls(card)
    assert len(controls) == 5
    assert all('aria-invalid="true"' in c for c in controls[:4])  # the radios and the notes
    assert controls[3].endswith("x" * 5001 + "</textarea>")
    assert controls[-1].endswith("checked>")
    assert "Select a valid choice" in card


def test_earlier_answers_show_as_a_small_trend(world, client_for):
    now = timezone.now()
    from keeper.services import sweep as sweep_services

    for months_ago, answer in ((9, "yes"), (6, "not_sure"), (3, "yes")):
        old, _ = sweep_services.open_cycle(
            opening=now - timedelta(days=30 * months_ago),
            closes_at=now - timedelta(days=30 * months_ago - 20),
            now=now,
        )
        KeeperTest.objects.filter(cycle=old, report=world.employee).update(answer=answer)
    open_cycle_now()
    html = client_for(world.manager).get("/keeper/").content.decode()
    assert "Your earlier answers:" in html
    assert html.count("Not sure</span>") == 1
    assert html.count("Yes, I would fight to keep them</span>") == 2


def test_the_page_never_ranks_scores_or_compares_people(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no")
    for persona, url in (
        (world.manager, "/keeper/"),
        (world.skip_level, "/keeper/rollup/"),
        (world.people_admin, "/keeper/admin/"),
    ):
        html = client_for(persona).get(url).content.decode().lower()
        for word in ("ranking", "score", "percentile", "bottom 10", "top performer", "<ol"):
            assert word not in html, (url, word)


# --- Guidance for Not sure / No -------------------------------------------------------------


def test_guidance_offers_the_two_paths_severance_by_level_and_the_post_exit_template(
    world, cycle, client_for
):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no")
    html = client_for(world.manager).get(f"/keeper/tests/{test.pk}/guidance/").content.decode()
    assert "A candid conversation" in html and "Parting now, generously" in html
    assert "4 months’ pay" in html  # level 4: the company minimum
    assert "No salary on record" in html
    assert "post-exit Q&amp;A" in html
    assert AuditEvent.objects.filter(action="keeper.answer.read", subject=world.employee).exists()


def test_severance_follows_the_policy_and_the_current_salary_when_pay_knows_it(
    world, cycle, client_for
):
    from keeper.services import severance as severance_services
    from pay.models import PayRecord

    world.employee.level = 8
    world.employee.save()
    policy = KeeperPolicy.load()
    assert severance_services.severance_estimate(world.employee, policy).months == 8
    assert severance_services.severance_estimate(world.ceo, policy).months == 9
    PayRecord.objects.create(
        person=world.employee,
        effective_date=timezone.localdate() - timedelta(days=30),
        base_salary="120000.00",
        currency="GBP",
    )
    estimate = severance_services.severance_estimate(world.employee, policy, viewer=world.manager)
    assert (estimate.amount, estimate.currency, estimate.monthly) == (
        Decimal("80000"),
        "GBP",
        Decimal("10000"),
    )
    assert AuditEvent.objects.filter(
        action="keeper.salary.read", actor=world.manager, subject=world.employee
    ).exists()
    # Someone outside the person's chain never gets the salary, only the months.
    assert (
        severance_services.severance_estimate(world.employee, policy, viewer=world.peer).amount
        is None
    )
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no")
    html = client_for(world.manager).get(f"/keeper/tests/{test.pk}/guidance/").content.decode()
    assert "GBP 80,000" in html and "GBP 10,000 a month" in html and "8 months’ pay" in html


def test_a_look_again_date_is_set_from_the_guidance(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.manager)
    _answer(client, test, "not_sure")
    day = timezone.localdate() + timedelta(days=30)
    response = client.post(
        f"/keeper/tests/{test.pk}/look-again/", {"look_again_on": day.isoformat()}
    )
    assert response.status_code == 302
    test.refresh_from_db()
    assert test.look_again_on == day
    past = client.post(f"/keeper/tests/{test.pk}/look-again/", {"look_again_on": "2001-01-01"})
    assert past.status_code == 422 and "Choose a date in the future" in past.content.decode()


# --- Confidentiality ------------------------------------------------------------------------


def test_employee_never_sees_an_answer_about_themselves(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no", notes="secret-watch-item", shared=True)
    client = client_for(world.employee)
    for url in ("/keeper/", "/keeper/ask/", "/"):
        html = client.get(url).content.decode()
        assert "secret-watch-item" not in html
        assert "No</span>" not in html
    assert client.get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404
    # Shared: the employee sees only that it was shared.
    assert "shared where you stand with you" in client.get("/keeper/ask/").content.decode()


def test_manager_of_another_team_guessing_ids_in_the_url_is_refused(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no", notes="secret-watch-item")
    client = client_for(world.other_manager)
    assert client.get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404
    assert _answer(client, test, "yes", headers={}).status_code == 404
    assert client.get(f"/keeper/rollup/{world.manager.pk}/").status_code == 404
    assert client_for(world.other_director).get(
        f"/keeper/rollup/{world.manager.pk}/"
    ).status_code == (404)
    test.refresh_from_db()
    assert test.answer == "no"


def test_manager_of_another_team_guessing_ids_in_htmx_requests_is_refused(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.other_manager)
    assert _answer(client, test, "yes", headers=HTMX).status_code == 404
    response = client.post(
        f"/keeper/tests/{test.pk}/look-again/", {"look_again_on": "2099-01-01"}, headers=HTMX
    )
    assert response.status_code == 404
    assert client.get(f"/keeper/tests/{test.pk}/guidance/", headers=HTMX).status_code == 404


def test_manager_of_another_team_guessing_ids_in_form_data_changes_nothing(
    world, cycle, client_for
):
    theirs = keeper_test_of(cycle, world.outsider)
    target = keeper_test_of(cycle, world.employee)
    client = client_for(world.other_manager)
    # Their own test's URL, with the other team's test id in the form fields.
    response = client.post(
        f"/keeper/tests/{theirs.pk}/answer/",
        {
            f"t{target.pk}-answer": "no",
            f"t{target.pk}-notes": "injected",
            "test_id": target.pk,
            "report": world.employee.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 422  # none of the fields is for their own test
    target.refresh_from_db()
    assert target.answer == "" and not target.private_notes.exists()
    # Query parameters do not open other teams' data either.
    html = client.get(f"/keeper/?cycle={cycle.pk}&manager={world.manager.pk}").content.decode()
    assert "Eli Employee" not in html
    assert client.get(f"/keeper/admin/export.csv?cycle={cycle.pk}&answers=1").status_code == 403
    assert client.get(f"/keeper/rollup/?cycle={cycle.pk}").status_code == 403


def test_skip_level_reads_but_cannot_change_an_answer(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "not_sure", notes="watch the deadlines")
    client = client_for(world.skip_level)
    assert client.get(f"/keeper/tests/{test.pk}/guidance/").status_code == 200
    assert _answer(client, test, "no").status_code == 403


def test_every_read_of_an_answer_writes_an_audit_row(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no")
    reads = AuditEvent.objects.filter(action="keeper.answer.read")
    before = reads.count()
    client_for(world.manager).get("/keeper/")
    assert reads.filter(actor=world.manager, subject=world.employee).count() == 1
    client_for(world.skip_level).get(f"/keeper/rollup/{world.manager.pk}/")
    assert reads.filter(actor=world.skip_level, subject=world.employee).count() == 1
    client_for(world.people_admin).get(f"/keeper/admin/export.csv?cycle={cycle.pk}&answers=1")
    assert reads.filter(actor=world.people_admin, subject=world.employee).count() == 1
    assert reads.count() == before + 3


# --- The keeper prompt ----------------------------------------------------------------------


def test_employee_logs_the_keeper_prompt_privately_and_the_manager_sees_only_that_they_asked(
    world, cycle, client_for
):
    client = client_for(world.employee)
    html = client.get("/keeper/ask/").content.decode()
    assert "If I told you I was leaving, how hard would you work to change my mind?" in html
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(
        "/keeper/ask/",
        {"asked_on": day.isoformat(), "heard": "improve", "note": "ship-the-design-doc"},
    )
    assert response.status_code == 302
    html = client.get("/keeper/ask/").content.decode()
    assert "Told me what to improve" in html and "ship-the-design-doc" in html
    entry = KeeperPromptLog.objects.get()
    assert entry.manager == world.manager
    manager_html = client_for(world.manager).get("/keeper/").content.decode()
    assert f"Asked you the keeper prompt on {day:%-d %b %Y}" in manager_html
    assert "ship-the-design-doc" not in manager_html and "what to improve" not in manager_html
    assert "ship-the-design-doc" not in client_for(world.peer).get("/keeper/ask/").content.decode()


def test_an_invalid_prompt_log_comes_back_with_422(world, client_for):
    response = client_for(world.employee).post("/keeper/ask/", {"asked_on": "2999-01-01"})
    assert response.status_code == 422
    assert "That date is in the future" in response.content.decode()


# --- Rollup and people-admin overview -------------------------------------------------------


def test_director_sees_completion_and_answer_counts_for_every_manager_under_them(
    world, cycle, client_for
):
    _answer(client_for(world.manager), keeper_test_of(cycle, world.employee), "no")
    html = client_for(world.skip_level).get("/keeper/rollup/").content.decode()
    assert "Mia Manager" in html and "1 of 2" in html
    assert "Omar Manager" not in html
    drill = client_for(world.skip_level).get(f"/keeper/rollup/{world.manager.pk}/")
    assert drill.status_code == 200
    assert "Eli Employee" in drill.content.decode()
    assert "disabled" in drill.content.decode()


def test_people_admin_sees_completion_by_team_and_manager_and_changes_settings(
    world, cycle, client_for
):
    client = client_for(world.people_admin)
    html = client.get("/keeper/admin/").content.decode()
    assert "by team" in html and "Platform" in html and "Mia Manager" in html
    data = {
        "cadence": 6,
        "opening_month": 3,
        "opening_hour": 8,
        "due_days": 21,
        "wording": "classic_2024",
    }
    data.update({f"level_{n}": 4 + n for n in range(1, 10)})
    assert client.post("/keeper/admin/settings/", data).status_code == 302
    policy = KeeperPolicy.load()
    assert (policy.cadence, policy.opening_month, policy.due_days) == (6, 3, 21)
    assert policy.months_for_level(9) == 13
    cycle.refresh_from_db()
    assert cycle.wording == "classic"  # the open cycle keeps its wording
    data["due_days"] = 0
    response = client.post("/keeper/admin/settings/", data)
    assert response.status_code == 422 and "errorlist" in response.content.decode()


def test_completion_export_has_no_answers_unless_asked_and_is_formula_safe(
    world, cycle, client_for
):
    test = keeper_test_of(cycle, world.employee)
    _answer(client_for(world.manager), test, "no")
    world.peer.name = "=HYPERLINK(1)"
    world.peer.save()
    client = client_for(world.people_admin)
    rows = list(csv.reader(io.StringIO(client.get("/keeper/admin/export.csv").content.decode())))
    assert "answer" not in rows[0]
    assert not any(cell == "no" for row in rows[1:] for cell in row[:-1])
    assert any(row[4] == "'=HYPERLINK(1)" for row in rows[1:])
    with_answers = client.get(f"/keeper/admin/export.csv?cycle={cycle.pk}&answers=1")
    rows = list(csv.reader(io.StringIO(with_answers.content.decode())))
    assert rows[0][-3:] == ["answer", "hire_again", "shared_with_employee"]
    assert rows[[r[4] for r in rows].index("Eli Employee")][4:] == [
        "Eli Employee",
        "employee@example.test",
        "yes",
        "no",
        "",
        "no",
    ]


# --- Home -----------------------------------------------------------------------------------


def test_home_shows_a_manager_their_open_tests_and_an_employee_that_they_may_ask(
    world, cycle, client_for
):
    html = client_for(world.manager).get("/").content.decode()
    assert f"{cycle.label}: 0 of 2 answered" in html and f"due {cycle.due_on:%-d %b}" in html
    html = client_for(world.employee).get("/").content.decode()
    assert "You may ask your manager the keeper prompt" in html
    assert "answered" not in html


def test_new_report_added_after_opening_is_not_in_the_snapshot(world, cycle, client_for):
    make_person(name="Nia New", manager=world.manager, team=world.team)
    page = client_for(world.manager).get("/keeper/")
    assert "Nia New" not in [card.test.report.name for card in page.context["cards"]]
    assert len(page.context["cards"]) == 2
    # (The Circles section below the cards may name them: they have not been in a circle.)


def test_nobody_reads_an_answer_about_themselves_not_even_a_people_admin(world, cycle, client_for):
    own = keeper_test_of(cycle, world.people_admin)
    KeeperTest.objects.filter(pk=own.pk).update(answer="not_sure")
    write_note(own, text="about-the-admin")
    client = client_for(world.people_admin)
    assert client.get(f"/keeper/tests/{own.pk}/guidance/").status_code == 404
    drill = client.get(f"/keeper/rollup/{world.ceo.pk}/").content.decode()
    assert "Sam Skip" in drill and "about-the-admin" not in drill
    assert f'/people/{world.skip_level.pk}/">Sam Skip</a></h3>' in drill
    assert f'/people/{world.people_admin.pk}/">Ada Admin</a></h3>' not in drill
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/keeper/admin/export.csv?cycle={cycle.pk}&answers=1").content.decode()
            )
        )
    )
    admin_row = next(r for r in rows if r[4] == "Ada Admin")
    assert admin_row[-2] == ""


def test_a_manager_can_look_back_at_an_earlier_cycle_locked(world, client_for):
    from keeper.services import sweep as sweep_services

    now = timezone.now()
    old, _ = sweep_services.open_cycle(
        opening=now - timedelta(days=120), closes_at=now - timedelta(days=30), now=now
    )
    KeeperTest.objects.filter(cycle=old, report=world.employee).update(answer="yes")
    current = open_cycle_now()
    client = client_for(world.manager)
    html = client.get("/keeper/").content.decode()
    assert f'href="?cycle={old.pk}"' in html and f"Keeper test, {current.label}" in html
    html = client.get(f"/keeper/?cycle={old.pk}").content.decode()
    assert f"Keeper test, {old.label}" in html and "1 of 2 answered" in html
    assert "Closed: answers are locked" in html and "hx-post" not in html
    assert client.get("/keeper/?cycle=999999").status_code == 404


@pytest.mark.parametrize("viewer", ["skip_level", "ceo"])
def test_the_rollup_counts_the_same_whichever_way_it_finds_the_people_under_the_viewer(
    world, cycle, client_for, monkeypatch, viewer
):
    """Small subtrees are found level by level, big ones through the recursive subquery
    (Person.objects.subtree, culture.models.SUBTREE_BY_LEVEL_LIMIT): both give the same
    table."""
    from culture import models

    _answer(client_for(world.manager), keeper_test_of(cycle, world.employee), "no")
    _answer(client_for(world.other_manager), keeper_test_of(cycle, world.outsider), "yes")
    me = getattr(world, viewer)
    by_level = KeeperTest.objects.rollup_for(me, cycle)
    monkeypatch.setattr(models, "SUBTREE_BY_LEVEL_LIMIT", 1)
    assert KeeperTest.objects.rollup_for(me, cycle) == by_level
    mia = next(row for row in by_level if row["name"] == "Mia Manager")
    assert (mia["total"], mia["answered"], mia["no"]) == (2, 1, 1)


def test_every_keeper_page_renders_for_a_reader_in_another_language(world, cycle, client_for):
    """A reader who reads French gets every keeper page (no catalogue yet: the words stay
    English, Django's own month names are French)."""
    from culture.models import Person
    from keeper.services.post_exit import person_left

    Person.objects.filter(
        pk__in=[world.manager.pk, world.skip_level.pk, world.people_admin.pk]
    ).update(language="fr")
    test = keeper_test_of(cycle, world.employee)
    manager = client_for(Person.objects.get(pk=world.manager.pk))
    assert _answer(manager, test, "no", notes="Watch this").status_code == 200
    leaver = make_person(name="Lee Leaver", manager=world.manager, is_active=False)
    person_left([leaver.pk])
    post_exit = world.manager.post_exits_to_hold.get()
    for path in (
        "/keeper/",
        "/keeper/compact/",
        f"/keeper/tests/{test.pk}/guidance/",
        "/keeper/ask/",
        "/keeper/post-exit/",
        f"/keeper/post-exit/{post_exit.pk}/",
        "/",
    ):
        response = manager.get(path)
        assert response.status_code == 200, path
        assert 'lang="fr"' in response.content.decode(), path
    skip = client_for(Person.objects.get(pk=world.skip_level.pk))
    for path in ("/keeper/rollup/", f"/keeper/rollup/{world.manager.pk}/"):
        assert skip.get(path).status_code == 200, path
    # A reminder to the French reader: its title and email are built as they read.
    other = make_person(name="Nia New", manager=world.manager)
    KeeperTest.objects.create(cycle=cycle, manager=world.manager, report=other)
    assert skip.post(f"/keeper/rollup/{world.manager.pk}/remind/").status_code == 302
    assert (
        client_for(Person.objects.get(pk=world.people_admin.pk)).get("/keeper/admin/").status_code
        == 200
    )
