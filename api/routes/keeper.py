"""Keeper tests (scopes keeper:read, keeper:write): a manager's own reports' tests in the
open cycle, and answering one. Answers are private (PRACTICES.md): the manager, the
managers above them and people admins; the keeper gate in culture.access decides, and every
read of an answer is audited as the manager's page audits it. Private notes never leave
through the API: they are their author's, and a token is a copy of its holder's hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from api.core import caller
from culture import audit
from keeper import access
from keeper.models import Answer, HireAgain, KeeperCycle, KeeperNote, KeeperTest
from keeper.services import answers as answers_services

router = Router(tags=["keeper"])
READ = "keeper:read"
WRITE = "keeper:write"


class PersonRef(Schema):
    id: int
    name: str


class CycleOut(Schema):
    id: int
    label: str
    due_on: date
    closes_at: datetime


class TestOut(Schema):
    id: int
    report: PersonRef
    questions: list[str]
    answer: str
    hire_again: str
    shared_with_employee: bool
    answered_at: datetime | None
    look_again_on: date | None


class TestsOut(Schema):
    cycle: CycleOut | None
    tests: list[TestOut]


class AnswerIn(Schema):
    answer: Answer
    # The 2024 wording's second question; left as it is when not given.
    hire_again: HireAgain | None = None
    shared_with_employee: bool = False


def _out(test: KeeperTest, cycle: KeeperCycle) -> dict[str, Any]:
    return {
        "id": test.pk,
        "report": test.report,
        "questions": cycle.questions(test.report.get_short_name()),
        "answer": test.answer,
        "hire_again": test.hire_again,
        "shared_with_employee": test.shared_with_employee,
        "answered_at": test.answered_at,
        "look_again_on": test.look_again_on,
    }


@router.get(
    "/keeper/tests/",
    response=TestsOut,
    url_name="keeper_tests",
    summary="Your own reports' keeper tests in the open cycle",
    openapi_extra={"x-scope": READ},
)
def tests(request: HttpRequest) -> dict[str, Any]:
    me = caller(request, READ)
    cycle = KeeperCycle.objects.current()
    if cycle is None:
        return {"cycle": None, "tests": []}
    rows = list(KeeperTest.objects.for_manager_page(cycle, me).exclude(report=me))
    answered = [t.report for t in rows if t.answer or t.hire_again]
    if answered:
        audit.record_many(
            me, "keeper.answer.read", answered, detail={"cycle": cycle.label, "page": "api"}
        )
    return {"cycle": cycle, "tests": [_out(t, cycle) for t in rows]}


@router.post(
    "/keeper/tests/{test_id}/answer/",
    response=TestOut,
    url_name="keeper_answer",
    summary="Answer a report's keeper test (their current manager, while the cycle is open)",
    openapi_extra={"x-scope": WRITE},
)
def answer(request: HttpRequest, test_id: int, payload: AnswerIn) -> dict[str, Any]:
    me = caller(request, WRITE)
    test = access.get_keeper_test_for_user(me, test_id, write=True)
    # The answer is the test's; the notes are the manager's own and stay as they are.
    notes = (
        KeeperNote.objects.filter(test=test, author=me).values_list("text", flat=True).first() or ""
    )
    saved = answers_services.do_answer(
        actor=me,
        test_id=test.pk,
        answer=payload.answer.value,
        notes=notes,
        shared_with_employee=payload.shared_with_employee,
        hire_again=payload.hire_again.value if payload.hire_again else None,
    )
    return _out(saved, saved.cycle)
