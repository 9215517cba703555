"""Access attacks beyond the path: protected ids in query strings and form fields, the Django
admin for every persona, a reporting-line change taking effect on the very next request, and
the audit log (one row per subject read; nothing in the app can change or delete it)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from culture.models import AuditEvent
from tests.conftest import PERSONAS
from tests.security.checks import secrets_in_logs_and_pages
from tests.security.helpers import client

pytestmark = pytest.mark.django_db


def _open_keeper(world):
    from keeper.models import KeeperTest
    from tests.keeper.helpers import keeper_test_of, open_cycle_now, write_note

    cycle = open_cycle_now()
    test = keeper_test_of(cycle, world.employee)
    KeeperTest.objects.filter(pk=test.pk).update(answer="no")
    write_note(test, text="SECRET-KEEPER-NOTE")
    return test


def _answer(c, test, answer="yes", notes="new notes", field_test=None):
    field_test = field_test or test
    return c.post(
        reverse("keeper:answer", args=[test.pk]),
        {f"t{field_test.pk}-answer": answer, f"t{field_test.pk}-notes": notes},
        headers={"HX-Request": "true"},
    )


# --- ids in query strings and form fields ------------------------------------------------


def test_a_foreign_feedback_request_id_in_the_query_or_form_is_ignored(world):
    from feedback.models import FeedbackRequest, WrittenFeedback

    asked = FeedbackRequest.objects.create(
        requester=world.manager, asked=world.employee, question="SECRET-QUESTION"
    )
    outsider = client(world, "outsider")
    page = outsider.get(reverse("feedback:write") + f"?request={asked.pk}&to={world.manager.pk}")
    assert page.status_code == 200
    assert "SECRET-QUESTION" not in page.content.decode()
    outsider.post(
        reverse("feedback:write"),
        {"recipient": world.manager.pk, "kind": "start", "text": "hi", "request": asked.pk},
    )
    asked.refresh_from_db()
    assert asked.answered_at is None
    assert not WrittenFeedback.objects.filter(request=asked).exists()


def test_a_foreign_keeper_test_id_in_the_form_fields_writes_nothing(world):
    """The manager posts to their own test's URL with the field names of another team's test."""
    from keeper.models import KeeperTest

    mine = _open_keeper(world)
    theirs = KeeperTest.objects.get(cycle=mine.cycle, report=world.outsider)
    response = _answer(client(world, "manager"), mine, notes="x", field_test=theirs)
    assert response.status_code == 422
    assert "not for this person" in response.content.decode()
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.answer, list(theirs.private_notes.values_list("text", flat=True))) == ("", [])
    mine_notes = list(mine.private_notes.values_list("author_id", "text"))
    assert (mine.answer, mine_notes) == ("no", [(world.manager.pk, "SECRET-KEEPER-NOTE")])


@pytest.mark.parametrize(
    "url",
    [
        "/keeper/?cycle=999999",
        "/keeper/?cycle=abc",
        "/keeper/rollup/?cycle=999999",
        "/people/org/?focus=999999",
        "/people/org/?focus=abc",
        "/feedback/write/?request=abc&to=abc",
        "/decisions/?page=999999",
        "/audit/?person=999999",
    ],
)
def test_garbage_or_unknown_ids_in_the_query_never_error(world, url):
    for persona in ("employee", "manager", "skip_level", "people_admin"):
        response = client(world, persona).get(url)
        assert response.status_code in (200, 302, 400, 403, 404), (persona, url)


# --- the Django admin --------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/culture/person/", "/admin/culture/auditevent/"]
)
def test_the_django_admin_is_refused_to_every_persona(world, persona, path):
    response = client(world, persona).get(path)
    assert response.status_code == 302
    assert "login/" in response["Location"]


def test_even_a_superuser_cannot_change_or_delete_audit_rows_in_the_admin(world):
    from culture import audit

    event = audit.record(world.manager, "pay.salary.read", subject=world.employee)
    root = world.people_admin
    root.is_staff = root.is_superuser = True
    root.save()
    c = Client()
    c.force_login(root)
    base = f"/admin/culture/auditevent/{event.pk}"
    assert c.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    c.post(f"{base}/change/", {"action": "edited", "detail": "{}"})
    c.post(
        "/admin/culture/auditevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert c.get("/admin/culture/auditevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.action == "pay.salary.read"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- a reporting-line change takes effect on the very next request ------------------------


def test_a_reporting_line_change_takes_effect_on_the_next_request(world):
    from pay.models import PayRecord

    test = _open_keeper(world)
    PayRecord.objects.create(
        person=world.employee, effective_date="2025-01-01", base_salary="70000", currency="EUR"
    )
    old, new = client(world, "manager"), client(world, "other_manager")
    pay_page = reverse("pay:person", args=[world.employee.pk])
    assert old.get(pay_page).status_code == 200
    assert new.get(pay_page).status_code == 404
    assert _answer(new, test).status_code == 404

    admin = client(world, "people_admin")
    e = world.employee
    response = admin.post(
        f"/people/{e.pk}/edit/",
        {
            "name": e.name,
            "title": e.title,
            "job_family": e.job_family,
            "level": e.level,
            "location": e.location,
            "team": world.other_team.pk,
            "manager": world.other_manager.pk,
            "start_date": e.start_date.isoformat(),
            "is_active": "on",
        },
    )
    assert response.status_code == 302

    assert old.get(pay_page).status_code == 404
    assert _answer(old, test).status_code == 404
    assert new.get(pay_page).status_code == 200
    assert _answer(new, test).status_code == 200


# --- audit: exactly one row per subject read -----------------------------------------------

READS = {"keeper.answer.read", "pay.salary.read", "pay.salary.exported", "keeper.salary.read"}


def _pay_world(world):
    from pay.models import PayRecord, RaiseProposal

    for p in (world.employee, world.peer, world.manager, world.outsider):
        PayRecord.objects.create(
            person=p, effective_date="2025-01-01", base_salary="70000", currency="EUR"
        )
    return RaiseProposal.objects.create(
        person=world.employee, proposed_by=world.manager, proposed_salary="80000", currency="EUR"
    )


# (persona, url builder, subjects the page shows, action)
AUDITED = [
    ("employee", lambda w, x: "/pay/", ["employee"], "pay.salary.read"),
    ("manager", lambda w, x: "/pay/team/", ["employee", "peer"], "pay.salary.read"),
    ("manager", lambda w, x: f"/pay/people/{w.employee.pk}/", ["employee"], "pay.salary.read"),
    ("skip_level", lambda w, x: f"/pay/people/{w.employee.pk}/", ["employee"], "pay.salary.read"),
    (
        "manager",
        lambda w, x: f"/pay/proposals/{x['proposal'].pk}/",
        ["employee"],
        "pay.salary.read",
    ),
    (
        "people_admin",
        lambda w, x: "/pay/overview/",
        ["employee", "peer", "manager", "outsider"],
        "pay.salary.read",
    ),
    (
        "people_admin",
        lambda w, x: "/pay/overview/export.csv",
        ["employee", "peer", "manager", "outsider"],
        "pay.salary.exported",
    ),
    ("manager", lambda w, x: "/keeper/", ["employee"], "keeper.answer.read"),
    ("manager", lambda w, x: f"/keeper/tests/{x['test'].pk}/guidance/", ["employee"], None),
    ("people_admin", lambda w, x: "/keeper/admin/export.csv?answers=1", ["employee"], None),
]


@pytest.mark.parametrize("case", range(len(AUDITED)))
def test_every_read_of_a_salary_or_keeper_answer_writes_one_audit_row_per_subject(world, case):
    persona, url, subjects, action = AUDITED[case]
    extra = {"proposal": _pay_world(world), "test": _open_keeper(world)}
    wide = "overview" in url(world, extra)  # the overview lists everyone, record or not
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client(world, persona).get(url(world, extra))
    assert response.status_code == 200
    rows = AuditEvent.objects.filter(pk__gt=start, action__in=READS)
    if action:
        rows = rows.filter(action=action)
    pairs = list(rows.values_list("action", "subject__email"))
    where = f"{url(world, extra)} as {persona}"
    assert len(pairs) == len(set(pairs)), f"{where}: a subject audited twice: {sorted(pairs)}"
    got = {email for _, email in pairs}
    want = {getattr(world, s).email for s in subjects}
    assert want <= got, f"{where}: no audit row for {sorted(want - got)}"
    if not wide:
        assert got == want, f"{where}: audit rows for {sorted(got)}, expected {sorted(want)}"
    assert rows.exclude(actor=world.persona(persona)).count() == 0


# --- logs and error pages hold no secrets ---------------------------------------------------


SECRETS = ("70,000", "70000", "8765432109", "876543", "SECRET-EVID", "SECRET-KEEPER-NOTE")


def test_logs_and_error_responses_hold_no_salary_evidence_or_answer(world):
    from pay.models import PayRecord

    _open_keeper(world)
    PayRecord.objects.create(
        person=world.employee, effective_date="2025-01-01", base_salary="70000", currency="EUR"
    )
    found, records = secrets_in_logs_and_pages(lambda: _provoke(world), SECRETS)
    assert any("boom" in r or "Internal Server Error" in r for r in records), "no log captured"
    assert not found, found


def _provoke(world) -> str:
    manager = client(world, "manager")
    bodies = []
    # Validation failures carrying secrets.
    bodies.append(
        manager.post(
            reverse("pay:evidence_add", args=[world.employee.pk]),
            {"kind": "offer", "amount": "8765432109", "currency": "EURO", "note": "SECRET-EVID"},
        )
    )
    bodies.append(
        manager.post(
            reverse("pay:record", args=[world.employee.pk]),
            {"effective_date": "nope", "base_salary": "876543", "currency": "EUR"},
        )
    )
    # Someone else's pages with a secret in the query.
    outsider = client(world, "outsider")
    bodies.append(outsider.get(reverse("pay:person", args=[world.employee.pk])))
    bodies.append(outsider.get("/keeper/tests/999999/guidance/?notes=SECRET-KEEPER-NOTE"))
    # An unhandled error inside a view that read a salary.
    crasher = Client(raise_request_exception=False)
    crasher.force_login(world.manager)
    from unittest import mock

    with mock.patch("pay.views.render", side_effect=RuntimeError("boom")):
        error = crasher.get(reverse("pay:person", args=[world.employee.pk]))
    assert error.status_code == 500
    bodies.append(error)
    return "\n".join(r.content.decode() for r in bodies[2:])
