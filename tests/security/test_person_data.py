"""A person's data on request (issue 19, point 5): people admins export everything the
product holds about one person, and erase a person who has left; nothing of them stays
searchable, their content stays under "a former colleague", and their pay records and keeper
tests go once the company's retention period has run out (culture/privacy.py)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
import time_machine
from axes.models import AccessLog
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from culture import audit, clock, privacy
from culture.models import AuditEvent, CompanySettings, Delivery, ImportJob, Notification, Person
from decisions.models import Memo
from feedback.models import ActionItem, CircleItem, FeedbackRequest, WrittenFeedback
from keeper.models import KeeperNote, KeeperPromptLog, KeeperTest
from pay.models import MarketEvidence, PayRecord, RaiseProposal
from tests.conftest import make_person
from tests.decisions.conftest import make_comment, make_memo, make_rating
from tests.feedback.factories import make_circle
from tests.keeper.helpers import open_cycle_now

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Lena Leaverton", "lena.leaverton@example.test"
TITLE, LOCATION = "Principal Cartographer", "Reykjavik"
CATEGORIES = {
    "person",
    "notifications",
    "emails",
    "audit",
    "keeper",
    "feedback",
    "decisions",
    "pay",
}


def give_data(world, person, n: int = 1):
    """`n` of everything the product can hold about `person` (none of it names them, so
    that whatever still names them after erasure is a leak)."""
    circle = make_circle(facilitator=world.manager, people=[person, world.peer])
    seats = {p.person_id: p.position for p in circle.participants.all()}
    circle.revealed_through = max(seats.values())
    circle.save(update_fields=["revealed_through"])
    today = clock.today()
    for i in range(n):
        WrittenFeedback.objects.create(
            author=person, recipient=world.peer, kind="start", text=f"Given {i}"
        )
        WrittenFeedback.objects.create(
            author=world.peer, recipient=person, kind="stop", text=f"Heard {i}"
        )
        FeedbackRequest.objects.create(requester=person, asked=world.peer, question=f"How? {i}")
        FeedbackRequest.objects.create(requester=world.peer, asked=person, question=f"And? {i}")
        CircleItem.objects.create(
            circle=circle,
            recipient=world.peer,
            recipient_position=seats[world.peer.pk],
            author=person,
            kind="continue",
            text=f"Item given {i}",
        )
        CircleItem.objects.create(
            circle=circle,
            recipient=person,
            recipient_position=seats[person.pk],
            author=world.peer,
            kind="start",
            text=f"Item heard {i}",
        )
        ActionItem.objects.create(circle=circle, owner=person, text=f"Act {i}")
        KeeperPromptLog.objects.create(
            person=person, manager=world.manager, asked_on=today, heard="improve", note=f"Note {i}"
        )
        captained = make_memo(captain=person, title=f"Move the build {i}", body="Faster builds.")
        shared = make_memo(captain=world.peer, title=f"Shared {i}", co_authors=[person])
        make_rating(shared, person, score=4, reason=f"Reason {i}")
        make_comment(shared, person, body=f"Comment {i}")
        audit.record(person, "decisions.memo.read", obj=captained)
        PayRecord.objects.create(
            person=person,
            effective_date=today - timedelta(days=i),
            base_salary="70000",
            currency="EUR",
            recorded_by=world.people_admin,
        )
        MarketEvidence.objects.create(
            person=person,
            kind="offer",
            amount="80000",
            currency="EUR",
            observed_on=today,
            recorded_by=world.manager,
        )
        RaiseProposal.objects.create(
            person=person, proposed_by=world.manager, proposed_salary="75000", currency="EUR"
        )
        Notification.objects.create(
            key=f"n-{person.pk}-{i}", recipient=person, kind="x", title=f"Hi {i}"
        )
        audit.record(world.people_admin, "pay.salary.read", subject=person)


@pytest.fixture
def leaver(world):
    """Someone who has left: answered in a keeper cycle, wrote and heard feedback, captains a
    memo, has pay, and appears in what the product wrote to others."""
    person = make_person(
        name=NAME,
        email=EMAIL,
        manager=world.manager,
        team=world.team,
        title=TITLE,
        location=LOCATION,
    )
    cycle = open_cycle_now()
    KeeperTest.objects.filter(cycle=cycle, report=person).update(
        answer="no", answered_at=timezone.now()
    )
    KeeperNote.objects.create(
        test=KeeperTest.objects.get(cycle=cycle, report=person),
        author=world.manager,
        text="Needs to own the roadmap.",
    )
    give_data(world, person)
    # What the product wrote to others with their name and address in it.
    Notification.objects.create(
        key="peer-heard", recipient=world.peer, kind="feedback", title=f"{NAME} wrote you feedback"
    )
    Delivery.objects.create(
        key="peer-mail",
        recipient=world.peer,
        to_email=world.peer.email,
        status="sent",
        subject=f"[Acme] {NAME} wrote you feedback",
        text_body=f"{NAME} ({EMAIL}) wrote.",
        attachments=[{"filename": "c.ics", "content": f"ATTENDEE;CN={NAME}:mailto:{EMAIL}"}],
        sent_at=timezone.now(),
    )
    ImportJob.objects.create(
        created_by=world.people_admin,
        filename="p.csv",
        content=b"",
        status="done",
        result={"missing": 1, "missing_emails": [EMAIL]},
    )
    AccessLog.objects.create(
        username=EMAIL,
        ip_address="198.51.100.9",
        user_agent="x",
        http_accept="*/*",
        path_info="/login/",
    )
    person.is_active = False
    person.save()
    return person


def export(client, person, email=None):
    return client.post(
        reverse("people:data_export", args=[person.pk]),
        {"export-email": person.email if email is None else email},
    )


def erase(client, person, email=None):
    return client.post(
        reverse("people:data_erase", args=[person.pk]),
        {"erase-email": person.email if email is None else email},
    )


# --- Who may -------------------------------------------------------------------------------


def test_only_people_admins_reach_a_persons_data_outsiders_get_404_and_others_403(
    world, leaver, client_for
):
    for persona in ("employee", "manager", "skip_level", "outsider"):
        c = client_for(world.persona(persona))
        # Someone who left is hidden from non-admins: as if they did not exist.
        assert c.get(reverse("people:data", args=[leaver.pk])).status_code == 404
        assert export(c, leaver).status_code == 404
        assert erase(c, leaver).status_code == 404
        # An active colleague exists for everyone, but their data is not theirs to take.
        assert c.get(reverse("people:data", args=[world.peer.pk])).status_code == 403
        assert export(c, world.peer).status_code == 403
    assert (
        client_for(world.people_admin).get(reverse("people:data", args=[999999])).status_code == 404
    )
    leaver.refresh_from_db()
    assert leaver.erased_at is None
    assert not AuditEvent.objects.filter(action__startswith="person.data").exists()


def test_the_profile_links_people_admins_to_the_data_page_and_nobody_else(world, client_for):
    url = reverse("people:data", args=[world.employee.pk])
    profile = reverse("people:profile", args=[world.employee.pk])
    assert url in client_for(world.people_admin).get(profile).content.decode()
    assert url not in client_for(world.manager).get(profile).content.decode()


# --- Export ---------------------------------------------------------------------------------


def test_the_export_is_a_json_download_with_every_category(world, leaver, client_for):
    response = export(client_for(world.people_admin), leaver)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="person-{leaver.pk}-data.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert set(data) >= CATEGORIES
    assert data["person"]["name"] == NAME and data["person"]["email"] == EMAIL
    # Their own settings are their data too (blank: they follow the browser and the company).
    assert (data["person"]["language"], data["person"]["time_zone"]) == ("", "")
    assert data["person"]["left_on"] == clock.today().isoformat()
    for app, keys in {
        "keeper": ["keeper_tests_about_them", "keeper_prompt_log"],
        "feedback": [
            "written_feedback_given",
            "written_feedback_received",
            "feedback_requests_made",
            "feedback_requests_received",
            "circles",
            "circle_items_given",
            "circle_items_received",
            "action_items",
        ],
        "decisions": [
            "memos_captained",
            "memos_co_authored",
            "ratings",
            "comments",
        ],
        "pay": ["pay_records", "market_evidence", "raise_proposals"],
    }.items():
        for key in keys:
            assert data[app][key], f"{app}.{key} is empty"
    (note,) = data["keeper"]["keeper_tests_about_them"][0]["notes"]
    assert note["text"] == "Needs to own the roadmap." and note["author"]["name"] == "Mia Manager"
    assert data["pay"]["pay_records"][0]["base_salary"] == "70000.00"
    assert data["decisions"]["ratings"][0]["revisions"][0]["reason"] == "Reason 0"
    assert data["notifications"][0]["title"] == "Hi 0"
    about = {row["action"] for row in data["audit"]["about_them"]}
    assert {"pay.salary.read", "person.data_exported"} <= about
    assert [row["action"] for row in data["audit"]["by_them"]] == ["decisions.memo.read"]
    # The reads of others are theirs: no reader's address in the rows about them.
    assert all("ip" not in row for row in data["audit"]["about_them"])
    row = AuditEvent.objects.get(action="person.data_exported")
    assert (row.actor_id, row.subject_id) == (world.people_admin.pk, leaver.pk)


def test_the_export_withholds_what_the_admin_may_not_read(world, leaver, client_for):
    secret = make_memo(captain=leaver, title="Secret plan", confidential=True, body="Hush")
    make_memo(captain=leaver, title="Half-written", state=Memo.State.DRAFT, body="Draft")
    CircleItem.objects.filter(recipient=leaver).update(recipient_position=99)  # not revealed
    data = json.loads(export(client_for(world.people_admin), leaver).content)
    captained = {m["id"]: m for m in data["decisions"]["memos_captained"]}
    assert "withheld" in captained[secret.pk] and "Secret plan" not in json.dumps(data)
    assert "Draft" not in json.dumps(data["decisions"])
    assert data["feedback"]["circle_items_received"] == []
    # Nobody reads keeper answers about themselves, people admins included.
    give_data(world, world.people_admin)
    own = json.loads(export(client_for(world.people_admin), world.people_admin).content)
    assert own["keeper"]["keeper_tests_about_them"] == []
    assert own["keeper"]["keeper_tests_withheld"]


def test_the_export_needs_the_typed_email(world, leaver, client_for):
    response = export(client_for(world.people_admin), leaver, email="someone@example.test")
    assert response.status_code == 422
    assert "That is not their email" in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.data_exported").exists()
    # Case and spaces do not matter.
    assert (
        export(client_for(world.people_admin), leaver, email=f" {EMAIL.upper()} ").status_code
        == 200
    )


def test_the_exports_query_count_does_not_grow_with_the_data(world, client_for):
    admin = client_for(world.people_admin)

    def queries(person):
        with CaptureQueriesContext(connection) as ctx:
            response = export(admin, person)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = make_person(name="Small", manager=world.manager, team=world.team)
    large = make_person(name="Large", manager=world.manager, team=world.team)
    open_cycle_now()
    give_data(world, small, n=1)
    give_data(world, large, n=6)
    assert queries(large) == queries(small)
    # The request, the audit row and 34 reads: chat adds its 3 (preferences, the Slack match,
    # chat messages), the time-away board 2 (time away, guides owned), the post-exit Q&A 1.
    assert queries(small) <= 40


# --- Erasure --------------------------------------------------------------------------------


def test_erasure_needs_the_typed_email_and_changes_nothing_otherwise(world, leaver, client_for):
    before = Person.objects.filter(pk=leaver.pk).values().get()
    response = erase(client_for(world.people_admin), leaver, email="lena@example.test")
    assert response.status_code == 422
    assert "That is not their email" in response.content.decode()
    assert Person.objects.filter(pk=leaver.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="person.erased").exists()
    assert Notification.objects.filter(key="peer-heard", title__contains=NAME).exists()


def test_erasing_someone_still_active_is_refused(world, client_for):
    response = erase(client_for(world.people_admin), world.employee)
    assert response.status_code == 422
    assert "still active" in response.content.decode()
    world.employee.refresh_from_db()
    assert world.employee.erased_at is None and world.employee.name == "Eli Employee"
    with pytest.raises(privacy.Refused):
        privacy.do_erase_person(by=world.people_admin, person=world.employee)


def test_erasure_replaces_the_personal_fields_for_good(world, leaver, client_for):
    Person.objects.filter(pk=leaver.pk).update(language="fr", time_zone="Asia/Tokyo")
    response = erase(client_for(world.people_admin), leaver)
    assert response.status_code == 302
    assert response.url == reverse("people:data", args=[leaver.pk])
    person = Person.objects.get(pk=leaver.pk)
    assert person.name == privacy.ERASED_NAME == "A former colleague"
    assert person.email == f"erased-{leaver.pk}@invalid"
    assert (person.title, person.job_family, person.location) == ("", "", "")
    assert (person.language, person.time_zone) == ("", "")  # a zone says where they live
    assert (person.level, person.start_date, person.team, person.manager) == (None,) * 4
    assert not person.has_usable_password() and not person.is_active
    assert person.erased_at is not None and person.left_on == clock.today()
    assert NAME.lower() not in person.search_text and EMAIL not in person.search_text
    # Erased once: again is refused, and so is bringing them back.
    assert erase(client_for(world.people_admin), person).status_code == 422
    edit = client_for(world.people_admin).post(
        reverse("people:edit", args=[person.pk]),
        {"name": "Lena", "is_active": "on"},
    )
    assert edit.status_code == 422 and "cannot be reactivated" in edit.content.decode()
    assert not Person.objects.get(pk=person.pk).is_active


def test_nothing_of_an_erased_person_remains_searchable(world, leaver, client_for):
    erase(client_for(world.people_admin), leaver)
    admin = client_for(world.people_admin)
    for text in (NAME, "Leaverton", EMAIL, TITLE, LOCATION):
        assert not Person.objects.search(text).exists(), text
        for viewer in (admin, client_for(world.manager)):
            page = viewer.get(reverse("people:directory"), {"q": text}).content.decode()
            assert "0 people matching" in page, text  # the page says what was searched
        assert not Memo.objects.search(text).exists(), text
        page = admin.get(reverse("decisions:index"), {"q": text}).content.decode()
        assert "Move the build" not in page, text
        for field in ("actor", "subject"):
            page = admin.get(reverse("audit_log"), {field: text}).content.decode()
            assert "No entries match" in page, (field, text)
    # Nor anywhere on the pages an admin sees about them, or in the audit log.
    for url in (
        reverse("audit_log"),
        reverse("people:profile", args=[leaver.pk]),
        reverse("people:data", args=[leaver.pk]),
    ):
        page = admin.get(url).content.decode()
        assert "Leaverton" not in page and EMAIL not in page, url
    # Nor in what the product wrote to others, nor in import reports and login records.
    peer_note = Notification.objects.get(key="peer-heard")
    assert peer_note.title == "A former colleague wrote you feedback"
    mail = Delivery.objects.get(key="peer-mail")
    assert "Leaverton" not in json.dumps([mail.subject, mail.text_body, mail.attachments])
    assert EMAIL not in json.dumps([mail.text_body, mail.attachments])
    assert EMAIL not in json.dumps(list(ImportJob.objects.values_list("result", flat=True)))
    assert not AccessLog.objects.filter(username__iexact=EMAIL).exists()
    assert not Notification.objects.filter(recipient=leaver).exists()
    # And the export after erasure holds none of their old personal fields.
    data = export(admin, Person.objects.get(pk=leaver.pk)).content.decode()
    for old in (NAME, "Leaverton", EMAIL, TITLE, LOCATION):
        assert old not in data, old


def test_what_they_wrote_stays_signed_by_a_former_colleague(world, leaver, client_for):
    memo = Memo.objects.get(captain=leaver)
    erase(client_for(world.people_admin), leaver)
    page = client_for(world.peer).get(reverse("decisions:memo", args=[memo.pk])).content.decode()
    assert "A former colleague" in page and "Leaverton" not in page
    inbox = client_for(world.peer).get(reverse("feedback:inbox")).content.decode()
    assert "Given 0" in inbox and "A former colleague" in inbox and "Leaverton" not in inbox
    assert WrittenFeedback.objects.filter(author=leaver).exists()
    assert CircleItem.objects.filter(author=leaver).exists()
    assert Memo.objects.filter(captain=leaver).count() == 1
    assert not KeeperPromptLog.objects.filter(person=leaver).exists()  # theirs alone to read


def test_erasure_is_audited_and_the_audit_rows_about_them_stay(world, leaver, client_for):
    before = list(AuditEvent.objects.filter(subject=leaver).values_list("pk", "action"))
    assert before
    erase(client_for(world.people_admin), leaver)
    after = list(AuditEvent.objects.filter(subject=leaver).values_list("pk", "action"))
    assert set(before) <= set(after)
    row = AuditEvent.objects.get(action="person.erased")
    assert (row.actor_id, row.subject_id) == (world.people_admin.pk, leaver.pk)
    due = privacy.months_after(clock.today(), 24)
    assert row.detail == {"records_delete_on": due.isoformat()}
    assert "Leaverton" not in json.dumps(list(AuditEvent.objects.values_list("detail", flat=True)))


# --- Retention of a leaver's records ---------------------------------------------------------


def _records(person) -> dict:
    return {
        "pay": PayRecord.objects.filter(person=person).count(),
        "evidence": MarketEvidence.objects.filter(person=person).count(),
        "proposals": RaiseProposal.objects.filter(person=person).count(),
        "keeper": KeeperTest.objects.filter(report=person).count(),
    }


def _noon(day):
    return timezone.make_aware(datetime.combine(day, time(12)), clock.company_zone())


def test_pay_records_and_keeper_tests_go_when_the_retention_runs_out(world, leaver, client_for):
    others = (
        PayRecord.objects.exclude(person=leaver).count(),
        KeeperTest.objects.exclude(report=leaver).count(),
    )
    erase(client_for(world.people_admin), leaver)
    assert all(_records(leaver).values())  # kept for the company's period
    due = privacy.months_after(leaver.left_on, 24)
    with time_machine.travel(_noon(due - timedelta(days=1)), tick=False):
        assert privacy.do_delete_expired_records() == 0
    assert all(_records(leaver).values())
    with time_machine.travel(_noon(due), tick=False):
        assert privacy.do_delete_expired_records() == 1
        assert privacy.do_delete_expired_records() == 0  # nothing left, nothing more recorded
    assert not any(_records(leaver).values())
    rows = AuditEvent.objects.filter(action="person.records_deleted", subject=leaver)
    assert rows.count() == 1 and rows.get().actor_id is None
    assert rows.get().detail == {
        "pay_records": 1,
        "raise_proposals": 1,
        "market_evidence": 1,
        "keeper_tests": 1,
    }
    assert others == (PayRecord.objects.count(), KeeperTest.objects.count())


@pytest.mark.parametrize("months_ago,setting", [(25, 24), (0, 0)])
def test_erasing_someone_past_the_retention_deletes_their_records_at_once(
    world, leaver, client_for, months_ago, setting
):
    CompanySettings.objects.filter(pk=1).update(leaver_records_months=setting)
    left = privacy.months_after(clock.today(), -months_ago)
    Person.objects.filter(pk=leaver.pk).update(left_on=left)
    erase(client_for(world.people_admin), leaver)
    assert not any(_records(leaver).values())
    row = AuditEvent.objects.get(action="person.records_deleted")
    assert row.actor_id == world.people_admin.pk


def test_pay_records_of_everyone_else_stay_append_only(world, leaver):
    record = PayRecord.objects.create(
        person=world.employee, effective_date="2026-01-01", base_salary="1", currency="EUR"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        PayRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        PayRecord.objects.filter(person=leaver).delete()  # left, but not erased


# --- The day someone leaves ------------------------------------------------------------------


def test_deactivating_records_the_day_they_left_and_reactivating_clears_it(world, client_for):
    admin = client_for(world.people_admin)
    url = reverse("people:edit", args=[world.peer.pk])
    fields = {"name": world.peer.name, "manager": world.manager.pk, "level": 4}
    assert admin.post(url, fields).status_code == 302
    world.peer.refresh_from_db()
    assert not world.peer.is_active and world.peer.left_on == clock.today()
    assert admin.post(url, {**fields, "is_active": "on"}).status_code == 302
    world.peer.refresh_from_db()
    assert world.peer.is_active and world.peer.left_on is None


def test_the_import_records_the_day_it_deactivates_someone(world):
    from culture import people_import

    rows = "".join(
        f"{p.email},{p.name},,,,,,,\n"
        for p in Person.objects.active().exclude(pk=world.peer.pk).order_by("pk")
    )
    header = "email,name,title,job_family,level,location,team,manager_email,start_date\n"
    plan = people_import.validate((header + rows).encode())
    assert plan.ok, plan.problems
    people_import.apply(plan, deactivate_missing=True)
    world.peer.refresh_from_db()
    assert not world.peer.is_active and world.peer.left_on == clock.today()
    plan = people_import.validate(
        (header + rows + f"{world.peer.email},Pat Peer,,,,,,,\n").encode()
    )
    people_import.apply(plan)
    world.peer.refresh_from_db()
    assert world.peer.is_active and world.peer.left_on is None


def test_the_company_sets_how_long_a_leavers_records_are_kept(world, client_for):
    admin = client_for(world.people_admin)
    page = admin.get(reverse("company_settings")).content.decode()
    assert "leaver_records_months" in page
    response = admin.post(
        reverse("company_settings"),
        {"name": "Acme", "time_zone": "Europe/London", "leaver_records_months": 36},
    )
    assert response.status_code == 302
    assert CompanySettings.load_fresh().leaver_records_months == 36
    bad = admin.post(
        reverse("company_settings"),
        {"name": "Acme", "time_zone": "Europe/London", "leaver_records_months": 999},
    )
    assert bad.status_code == 422
