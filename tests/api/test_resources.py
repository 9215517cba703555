"""Each resource over the pages' access gate: what it shows, what it refuses, what it audits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from culture.models import AuditEvent
from decisions.models import Memo, Rating
from feedback.models import WrittenFeedback
from keeper.models import KeeperTest
from pay.models import PayRecord
from tests.decisions.conftest import make_memo
from tests.feedback.factories import make_circle, step, write
from tests.keeper.helpers import keeper_test_of, note_text, open_cycle_now, write_note

pytestmark = pytest.mark.django_db


# --- Memos ----------------------------------------------------------------------------------


def test_memos_lists_what_the_reader_may_see_newest_first(world, api_as):
    public = make_memo(captain=world.manager, title="Public idea")
    secret = make_memo(captain=world.manager, title="Secret idea", confidential=True)
    draft = make_memo(captain=world.peer, title="Peer draft", state=Memo.State.DRAFT)
    items = api_as(world.employee, ["memos:read"]).get("memos/").json()["items"]
    ids = [m["id"] for m in items]
    assert public.pk in ids and secret.pk not in ids and draft.pk not in ids
    mine = api_as(world.peer, ["memos:read"]).get("memos/").json()["items"]
    assert [m["id"] for m in mine] == [draft.pk, public.pk]


def test_memos_search_title_and_body(world, api_as):
    make_memo(captain=world.manager, title="Four-day week")
    make_memo(captain=world.manager, title="Office plants", body="Greenery for the office.")
    items = api_as(world.employee, ["memos:read"]).get("memos/", {"q": "greenery"}).json()
    assert [m["title"] for m in items["items"]] == ["Office plants"]


def test_reading_a_confidential_memo_is_audited_and_others_get_404(world, api_as):
    secret = make_memo(captain=world.manager, confidential=True, readers=[world.employee])
    body = api_as(world.employee, ["memos:read"]).get(f"memos/{secret.pk}/").json()
    assert body["body"].startswith("## Context")
    assert AuditEvent.objects.filter(
        action="decisions.memo.read", actor=world.employee, object_id=str(secret.pk)
    ).exists()
    assert api_as(world.peer, ["memos:read"]).get(f"memos/{secret.pk}/").status_code == 404
    assert api_as(world.people_admin, ["memos:read"]).get(f"memos/{secret.pk}/").status_code == 404


def test_a_hidden_spread_stays_hidden_through_the_api(world, api_as):
    memo = make_memo(captain=world.manager, hide_spread=True)
    api = api_as(world.employee, ["memos:read", "memos:write"])
    api.post(f"memos/{memo.pk}/rating/", {"score": -6, "reason": "Too risky for this quarter."})
    body = api.get(f"memos/{memo.pk}/").json()
    assert body["spread"] is None
    assert body["my_rating"]["score"] == -6
    shown = make_memo(captain=world.manager)
    api.post(f"memos/{shown.pk}/rating/", {"score": 5, "reason": "Worth a try on one team."})
    assert api.get(f"memos/{shown.pk}/").json()["spread"] == {"count": 1, "low": 5, "high": 5}


def test_reasons_after_rating_keeps_the_spread_from_a_caller_who_has_not_rated(world, api_as):
    """As on the page: the others' ratings show once the caller has rated (the captain
    always), in the list and the memo alike."""
    memo = make_memo(captain=world.manager, reasons_after_rating=True)
    Rating.objects.create(memo=memo, person=world.outsider, score=-3, reason="Too costly now.")
    Memo.objects.filter(pk=memo.pk).update(rating_count=1, rating_low=-3, rating_high=-3)
    api = api_as(world.employee, ["memos:read", "memos:write"])
    assert api.get(f"memos/{memo.pk}/").json()["spread"] is None
    listed = {m["id"]: m for m in api.get("memos/").json()["items"]}
    assert listed[memo.pk]["spread"] is None
    captain = api_as(world.manager, ["memos:read"])
    assert captain.get(f"memos/{memo.pk}/").json()["spread"] == {"count": 1, "low": -3, "high": -3}
    api.post(f"memos/{memo.pk}/rating/", {"score": 5, "reason": "Worth a try on one team."})
    assert api.get(f"memos/{memo.pk}/").json()["spread"] == {"count": 2, "low": -3, "high": 5}
    listed = {m["id"]: m for m in api.get("memos/").json()["items"]}
    assert listed[memo.pk]["spread"] == {"count": 2, "low": -3, "high": 5}


def test_a_memo_written_through_the_api_is_a_draft_captained_by_the_token_holder(world, api_as):
    response = api_as(world.employee, ["memos:write", "memos:read"]).post(
        "memos/",
        {"title": "Quiet Fridays", "body": "## Context\nFocus.", "team_ids": [world.team.pk]},
    )
    assert response.status_code == 201, response.content
    memo = Memo.objects.get(pk=response.json()["id"])
    assert (memo.state, memo.captain, memo.title) == ("draft", world.employee, "Quiet Fridays")
    assert list(memo.teams.all()) == [world.team]
    assert api_as(world.peer, ["memos:read"]).get(f"memos/{memo.pk}/").status_code == 404


def test_writing_and_rating_need_memos_write(world, api_as):
    memo = make_memo(captain=world.manager)
    api = api_as(world.employee, ["memos:read"])
    assert api.post("memos/", {"title": "x"}).status_code == 403
    response = api.post(f"memos/{memo.pk}/rating/", {"score": 1, "reason": "Long enough reason."})
    assert response.status_code == 403
    assert not Rating.objects.exists()


def test_rating_again_changes_ones_rating(world, api_as):
    memo = make_memo(captain=world.manager)
    api = api_as(world.employee, ["memos:write"])
    api.post(f"memos/{memo.pk}/rating/", {"score": 2, "reason": "Small upside, small cost."})
    body = api.post(
        f"memos/{memo.pk}/rating/", {"score": -2, "reason": "Changed my mind after the test."}
    ).json()
    assert body["score"] == -2
    assert Rating.objects.get().score == -2


# --- Feedback -------------------------------------------------------------------------------


def test_circles_and_a_summary_never_show_unrevealed_items(world, api_as):
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    step(circle, world.manager, "start")
    item = write(circle, world.employee, "Start sharing plans earlier")
    centre = item.recipient
    api = api_as(centre, ["feedback:read"])
    assert [c["id"] for c in api.get("circles/").json()["items"]] == [circle.pk]
    before = api.get(f"circles/{circle.pk}/summary/").json()
    assert before["received"] == []
    step(circle, world.manager, "reveal")
    after = api.get(f"circles/{circle.pk}/summary/").json()
    assert [(i["text"], i["author"]["name"]) for i in after["received"]] == [
        ("Start sharing plans earlier", "Eli Employee")
    ]
    assert (
        api_as(world.outsider, ["feedback:read"]).get(f"circles/{circle.pk}/summary/").status_code
        == 404
    )


def test_written_feedback_received_and_given_are_ones_own(world, api_as):
    WrittenFeedback.objects.create(
        author=world.peer, recipient=world.employee, kind="start", text="Start asking"
    )
    WrittenFeedback.objects.create(
        author=world.employee, recipient=world.manager, kind="continue", text="Keep it up"
    )
    WrittenFeedback.objects.create(
        author=world.peer, recipient=world.manager, kind="stop", text="Not for the employee"
    )
    api = api_as(world.employee, ["feedback:read"])
    received = api.get("feedback/received/").json()["items"]
    assert [(f["text"], f["author"]["name"]) for f in received] == [("Start asking", "Pat Peer")]
    given = api.get("feedback/given/").json()["items"]
    assert [(f["text"], f["recipient"]["name"]) for f in given] == [("Keep it up", "Mia Manager")]


# --- Keeper ---------------------------------------------------------------------------------


def test_a_manager_reads_their_own_reports_tests_and_the_read_is_audited(world, api_as):
    cycle = open_cycle_now()
    test = keeper_test_of(cycle, world.employee)
    KeeperTest.objects.filter(pk=test.pk).update(answer="no")
    write_note(test, text="private to the manager")
    body = api_as(world.manager, ["keeper:read"]).get("keeper/tests/").json()
    assert body["cycle"]["label"] == cycle.label
    by_report = {t["report"]["name"]: t for t in body["tests"]}
    assert set(by_report) == {"Eli Employee", "Pat Peer"}
    assert by_report["Eli Employee"]["answer"] == "no"
    assert "private to the manager" not in str(body)  # notes never leave through the API
    assert AuditEvent.objects.filter(
        action="keeper.answer.read", actor=world.manager, subject=world.employee
    ).exists()


def test_nobody_else_reads_a_managers_reports_tests_through_the_list(world, api_as):
    cycle = open_cycle_now()
    KeeperTest.objects.filter(cycle=cycle).update(answer="no")
    for person in [world.employee, world.peer, world.outsider, world.skip_level]:
        tests = api_as(person, ["keeper:read"]).get("keeper/tests/").json()["tests"]
        names = {t["report"]["name"] for t in tests}
        assert not names & {"Eli Employee", "Pat Peer"}, person


def test_no_open_cycle_means_no_tests(world, api_as):
    assert api_as(world.manager, ["keeper:read"]).get("keeper/tests/").json() == {
        "cycle": None,
        "tests": [],
    }


def test_the_manager_answers_and_keeps_their_private_note(world, api_as):
    cycle = open_cycle_now()
    test = keeper_test_of(cycle, world.employee)
    write_note(test, text="valued for mentoring", author=world.manager)
    response = api_as(world.manager, ["keeper:write"]).post(
        f"keeper/tests/{test.pk}/answer/", {"answer": "yes", "shared_with_employee": True}
    )
    assert response.status_code == 200, response.content
    test.refresh_from_db()
    assert (test.answer, test.shared_with_employee) == ("yes", True)
    assert note_text(test, world.manager) == "valued for mentoring"
    assert AuditEvent.objects.filter(action="keeper.answer.written", actor=world.manager).exists()


def test_answering_needs_keeper_write_and_a_valid_answer(world, api_as):
    test = keeper_test_of(open_cycle_now(), world.employee)
    url = f"keeper/tests/{test.pk}/answer/"
    assert api_as(world.manager, ["keeper:read"]).post(url, {"answer": "yes"}).status_code == 403
    assert api_as(world.manager, ["keeper:write"]).post(url, {"answer": "maybe"}).status_code == 422
    test.refresh_from_db()
    assert test.answer == ""


def test_a_closed_cycles_test_cannot_be_answered(world, api_as):
    test = keeper_test_of(open_cycle_now(), world.employee)
    test.cycle.closes_at = timezone.now() - timedelta(minutes=1)
    test.cycle.save()
    response = api_as(world.manager, ["keeper:write"]).post(
        f"keeper/tests/{test.pk}/answer/", {"answer": "yes"}
    )
    assert response.status_code == 403


# --- Pay ------------------------------------------------------------------------------------


def test_the_chain_reads_a_persons_pay_position_and_each_read_is_audited(world, api_as):
    PayRecord.objects.create(
        person=world.employee, effective_date="2025-01-01", base_salary="70000", currency="EUR"
    )
    body = api_as(world.skip_level, ["pay:read"]).get(f"pay/people/{world.employee.pk}/").json()
    assert body["salary"] == "70000.00" and body["currency"] == "EUR"
    assert body["person"]["name"] == "Eli Employee"
    assert AuditEvent.objects.filter(
        action="pay.salary.read", actor=world.skip_level, subject=world.employee
    ).exists()


def test_pay_is_not_for_peers_the_person_or_other_branches(world, api_as):
    PayRecord.objects.create(
        person=world.employee, effective_date="2025-01-01", base_salary="70000", currency="EUR"
    )
    for person in [world.peer, world.employee, world.other_manager, world.outsider]:
        response = api_as(person, ["pay:read"]).get(f"pay/people/{world.employee.pk}/")
        assert response.status_code == 404, person
        assert "70000" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="pay.salary.read").exists()


def test_pay_needs_the_pay_scope(world, api_as):
    scopes = ["people:read", "keeper:read"]
    response = api_as(world.manager, scopes).get(f"pay/people/{world.employee.pk}/")
    assert response.status_code == 403
