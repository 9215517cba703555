"""Keeper notes stay with their author (issue 18, point 4).

While a cycle is open a keeper test follows the report to their new manager, answer and all.
The private notes do not: the new manager starts with an empty note of their own, and the old
manager's note stays readable where it was readable before the move (the old manager's chain
and people admins, labelled with its author's name), never by a new manager who is not above
its author, and never by the report."""

from __future__ import annotations

import re
import threading

import pytest

from culture.models import AuditEvent
from tests.conftest import make_person
from tests.keeper.helpers import keeper_test_of, open_cycle_now

HTMX = {"HX-Request": "true"}
MIA_NOTE = "MIA-PRIVATE-NOTE about the on-call rota"


@pytest.fixture
def cycle(world):
    return open_cycle_now()


def _answer(client, test, answer, notes=""):
    data = {f"t{test.pk}-answer": answer, f"t{test.pk}-notes": notes}
    return client.post(f"/keeper/tests/{test.pk}/answer/", data, headers=HTMX)


def _move(person, to):
    person.manager = to
    person.save()


def _textarea(html: str, test) -> str:
    """What the notes box of a card holds ("" when the card has no notes box)."""
    found = re.search(rf'id="id_t{test.pk}-notes">\n(.*?)</textarea>', html, re.S)
    return found.group(1) if found else ""


def _notes_by(html: str) -> dict[str, str]:
    """The other people's notes a card shows, by their author's name."""
    return dict(re.findall(r"Private notes by ([^<]+?)</h4>\s*<p[^>]*>(.*?)</p>", html, re.S))


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _mia_wrote_a_note(world, test, client_for, answer="not_sure"):
    assert _answer(client_for(world.manager), test, answer, MIA_NOTE).status_code == 200


# --- The new manager -------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_manager_starts_with_an_empty_note_after_a_mid_cycle_move(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _mia_wrote_a_note(world, test, client_for)
    _move(world.employee, world.other_manager)

    omar = client_for(world.other_manager)
    html = _page(omar, "/keeper/")
    assert "Eli Employee" in html  # the test moved with Eli
    assert "MIA-PRIVATE-NOTE" not in html and "on-call rota" not in html
    assert "Mia Manager" not in html  # no trace: not even whose note there is
    assert _textarea(html, test) == ""

    assert _answer(omar, test, "yes", "OMAR-OWN-NOTE").status_code == 200
    html = _page(omar, "/keeper/")
    assert _textarea(html, test) == "OMAR-OWN-NOTE"
    assert "MIA-PRIVATE-NOTE" not in html

    # Saving their own note did not overwrite the old manager's.
    admin = _page(client_for(world.people_admin), f"/keeper/rollup/{world.other_manager.pk}/")
    assert MIA_NOTE in admin and "OMAR-OWN-NOTE" in admin


@pytest.mark.django_db
def test_the_answer_follows_the_report_to_the_new_manager_and_the_note_does_not(
    world, cycle, client_for
):
    test = keeper_test_of(cycle, world.employee)
    _mia_wrote_a_note(world, test, client_for, answer="no")
    _move(world.employee, world.other_manager)

    omar = client_for(world.other_manager)
    html = _page(omar, "/keeper/")
    # The answer, as before: the new manager sees it and answers from now on.
    assert re.search(rf'id="id_t{test.pk}-answer_2" checked>', html)  # "No"
    assert "MIA-PRIVATE-NOTE" not in html
    mia = client_for(world.manager)
    assert _answer(mia, test, "yes", "MIA-AGAIN").status_code == 404
    assert _answer(omar, test, "yes").status_code == 200
    test.refresh_from_db()
    assert (test.answer, test.manager) == ("yes", world.other_manager)
    assert mia.get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404
    assert "MIA-AGAIN" not in _page(
        client_for(world.people_admin), f"/keeper/rollup/{world.other_manager.pk}/"
    )


# --- The old manager's chain, people admins, the report ----------------------------------


@pytest.mark.django_db
def test_the_old_managers_note_stays_readable_to_their_chain_and_people_admins_with_their_name(
    world, cycle, client_for
):
    """A move inside the director's organisation: the director reads both notes, each
    labelled with its author; the new manager reads only their own."""
    nora = make_person(name="Nora Newlead", manager=world.skip_level, team=world.team)
    test = keeper_test_of(cycle, world.employee)
    _mia_wrote_a_note(world, test, client_for)
    _move(world.employee, nora)
    assert _answer(client_for(nora), test, "not_sure", "NORA-OWN-NOTE").status_code == 200

    html = _page(client_for(nora), "/keeper/")
    assert "MIA-PRIVATE-NOTE" not in html and _textarea(html, test) == "NORA-OWN-NOTE"

    for reader in (world.skip_level, world.ceo, world.people_admin):
        html = _page(client_for(reader), f"/keeper/rollup/{nora.pk}/")
        assert _notes_by(html) == {"Mia Manager": MIA_NOTE, "Nora Newlead": "NORA-OWN-NOTE"}
        assert 'textarea name="t' not in html  # a reader's card has no notes box to fill
    # Reading the card with notes is audited, as every read of keeper data is.
    assert AuditEvent.objects.filter(
        action="keeper.answer.read", actor=world.skip_level, subject=world.employee
    ).exists()

    eli = client_for(world.employee)
    for url in ("/keeper/", "/keeper/ask/", "/"):
        html = _page(eli, url)
        assert "MIA-PRIVATE-NOTE" not in html and "NORA-OWN-NOTE" not in html
    assert eli.get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404
    assert eli.get(f"/keeper/rollup/{nora.pk}/").status_code == 404


@pytest.mark.django_db
def test_after_a_move_to_another_branch_only_those_above_the_old_manager_read_their_note(
    world, cycle, client_for
):
    test = keeper_test_of(cycle, world.employee)
    _mia_wrote_a_note(world, test, client_for)
    _move(world.employee, world.other_manager)
    _answer(client_for(world.other_manager), test, "yes", "OMAR-OWN-NOTE")
    drill = f"/keeper/rollup/{world.other_manager.pk}/"

    # The new manager's director reads the new manager's note, not the old one.
    html = _page(client_for(world.other_director), drill)
    assert "Eli Employee" in html and "OMAR-OWN-NOTE" in html
    assert "MIA-PRIVATE-NOTE" not in html and "Mia Manager" not in html
    # Above both, and people admins: both notes, each with its author's name.
    for reader in (world.ceo, world.people_admin):
        html = _page(client_for(reader), drill)
        assert _notes_by(html) == {"Mia Manager": MIA_NOTE, "Omar Manager": "OMAR-OWN-NOTE"}
    # The old chain lost the test itself with the move (the answer's rule, unchanged).
    assert client_for(world.skip_level).get(drill).status_code == 404
    assert client_for(world.skip_level).get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404


@pytest.mark.django_db
def test_a_new_manager_above_the_old_one_reads_the_old_note_but_writes_only_their_own(
    world, cycle, client_for
):
    test = keeper_test_of(cycle, world.employee)
    _mia_wrote_a_note(world, test, client_for)
    _move(world.employee, world.skip_level)
    sam = client_for(world.skip_level)

    html = _page(sam, "/keeper/")
    assert _textarea(html, test) == ""
    assert _notes_by(html) == {"Mia Manager": MIA_NOTE}

    assert _answer(sam, test, "yes", "SAM-OWN-NOTE").status_code == 200
    html = _page(sam, "/keeper/")
    assert _textarea(html, test) == "SAM-OWN-NOTE"
    assert _notes_by(html) == {"Mia Manager": MIA_NOTE}  # untouched
    # Clearing their own note leaves the old one alone too.
    assert _answer(sam, test, "yes", "").status_code == 200
    html = _page(sam, "/keeper/")
    assert _textarea(html, test) == "" and _notes_by(html) == {"Mia Manager": MIA_NOTE}


@pytest.mark.django_db
def test_the_notes_of_a_closed_cycle_stay_with_their_authors(world, cycle, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from keeper.models import KeeperCycle

    test = keeper_test_of(cycle, world.employee)
    _mia_wrote_a_note(world, test, client_for)
    _move(world.employee, world.other_manager)
    _answer(client_for(world.other_manager), test, "yes", "OMAR-OWN-NOTE")
    KeeperCycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() - timedelta(hours=1))

    html = _page(client_for(world.other_manager), f"/keeper/?cycle={cycle.pk}")
    assert _textarea(html, test) == "OMAR-OWN-NOTE" and "MIA-PRIVATE-NOTE" not in html
    html = _page(client_for(world.people_admin), f"/keeper/rollup/{world.other_manager.pk}/")
    assert _notes_by(html) == {"Mia Manager": MIA_NOTE, "Omar Manager": "OMAR-OWN-NOTE"}


# --- Writes ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_note_is_saved_for_its_author_and_an_unchanged_save_keeps_its_date(world, cycle):
    from keeper.models import KeeperNote
    from keeper.services import answers as answers_services

    test = keeper_test_of(cycle, world.employee)

    def save(notes, answer="yes"):
        answers_services.do_answer(
            actor=world.manager,
            test_id=test.pk,
            answer=answer,
            notes=notes,
            shared_with_employee=False,
        )

    save("")
    assert not KeeperNote.objects.exists()  # no empty notes
    save("first")
    note = KeeperNote.objects.get()
    assert (note.test_id, note.author_id, note.text) == (test.pk, world.manager.pk, "first")
    save("first", answer="no")  # the card saves on every change; the note did not change
    assert KeeperNote.objects.get().updated_at == note.updated_at
    save("second")
    assert KeeperNote.objects.get().text == "second"
    save("")
    assert not KeeperNote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_the_same_note_at_once_leave_one_note(world):
    from django.db import connections

    from keeper.models import KeeperNote
    from keeper.services import answers as answers_services

    test = keeper_test_of(open_cycle_now(), world.employee)
    barrier = threading.Barrier(2)
    errors = []

    def save(text):
        try:
            barrier.wait(timeout=10)
            answers_services.do_answer(
                actor=world.manager,
                test_id=test.pk,
                answer="yes",
                notes=text,
                shared_with_employee=False,
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert [n.text in ("one", "two") for n in KeeperNote.objects.all()] == [True]


# --- The migration -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_note_to_whoever_last_saved_it_else_to_the_tests_manager(world):
    """Existing notes become notes by the manager who last saved the answer (the audit log
    knows), else by the test's manager. The audit log matters for a report who moved: the
    sweep already pointed their test at the new manager, who never wrote that note."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("keeper", "0001_initial")]
    after = [("keeper", "0002_keepernote")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        now = timezone.now()
        cycle = old.get_model("keeper", "KeeperCycle").objects.create(
            period_key="2027-01",
            label="Q1 2027",
            opens_at=now,
            due_at=now,
            due_on=now.date(),
            closes_at=now,
            wording="classic",
        )
        Test = old.get_model("keeper", "KeeperTest")
        moved = Test.objects.create(
            cycle=cycle, manager_id=world.other_manager.pk, report_id=world.employee.pk
        )
        moved.notes = "written by Mia before the move"
        moved.save()
        stayed = Test.objects.create(
            cycle=cycle, manager_id=world.manager.pk, report_id=world.peer.pk, notes="by Mia"
        )
        Test.objects.create(
            cycle=cycle, manager_id=world.other_manager.pk, report_id=world.outsider.pk
        )
        old.get_model("culture", "AuditEvent").objects.create(
            actor_id=world.manager.pk,
            action="keeper.answer.written",
            subject_id=world.employee.pk,
            object_type="keeper.keepertest",
            object_id=str(moved.pk),
        )

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        notes = {
            (n.test_id, n.author_id, n.text)
            for n in new.get_model("keeper", "KeeperNote").objects.all()
        }
        assert notes == {
            (moved.pk, world.manager.pk, "written by Mia before the move"),
            (stayed.pk, world.manager.pk, "by Mia"),
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
