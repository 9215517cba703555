"""A manager's keeper answer, their private notes and the look-again date."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from culture import audit
from culture.errors import InvalidInput
from culture.models import Person
from keeper.models import Answer, HireAgain, KeeperNote, KeeperTest, Wording


def check_writable(test: KeeperTest, actor: Person, now: datetime | None = None) -> None:
    if not test.cycle.is_open(now):
        raise InvalidInput(_("This cycle has closed; its answers are locked."))
    if test.report.manager_id != actor.pk or not test.report.is_active:
        raise InvalidInput(_("Only their manager answers the keeper test for this person."))


# One statement, whatever runs at the same time: the unique (test, author) decides. A save
# that leaves the text as it was (the card saves on every change) keeps the note's date.
_SAVE_NOTE = """
INSERT INTO keeper_keepernote (test_id, author_id, text, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (test_id, author_id) DO UPDATE
    SET text = EXCLUDED.text, updated_at = EXCLUDED.updated_at
    WHERE keeper_keepernote.text IS DISTINCT FROM EXCLUDED.text
"""


def _save_note(*, test: KeeperTest, author: Person, text: str, now: datetime) -> None:
    """The author's own note on the test: written, changed, or (emptied) deleted. Nobody
    else's note is touched."""
    if not text:
        KeeperNote.objects.filter(test=test, author=author).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_NOTE, [test.pk, author.pk, text, now, now])


def do_answer(
    *,
    actor: Person,
    test_id: int,
    answer: str,
    notes: str,
    shared_with_employee: bool,
    hire_again: str | None = None,
    now: datetime | None = None,
) -> KeeperTest:
    """The report's current manager answers, and writes their own private notes (`notes`):
    the answer is the test's, the notes are the actor's. `hire_again` answers the 2024
    wording's second question (None leaves it as it is; classic cycles do not ask it)."""
    now = now or timezone.now()
    with transaction.atomic():
        test = (
            KeeperTest.objects.select_for_update(of=("self",))
            .select_related("cycle", "report")
            .get(pk=test_id)
        )
        check_writable(test, actor, now)
        if answer not in Answer.values and answer != "":
            raise InvalidInput(_("Choose one of the answers."))
        if hire_again is not None:
            if hire_again and test.cycle.wording != Wording.CLASSIC_2024:
                raise InvalidInput(_("This cycle does not ask whether you would hire them again."))
            if hire_again not in HireAgain.values and hire_again != "":
                raise InvalidInput(_("Choose one of the answers to “Would you hire them again?”."))
            test.hire_again = hire_again
        changed = test.answer != answer
        test.answer = answer
        test.shared_with_employee = shared_with_employee and bool(answer or test.hire_again)
        test.manager = actor
        if changed:
            test.answered_at = now if answer else None
        if answer == Answer.YES:
            test.look_again_on = None
        test.save()
        _save_note(test=test, author=actor, text=notes, now=now)
        audit.record(actor, "keeper.answer.written", subject=test.report, obj=test)
    return test


def do_set_look_again(*, actor: Person, test_id: int, on: date | None) -> KeeperTest:
    with transaction.atomic():
        test = (
            KeeperTest.objects.select_for_update(of=("self",))
            .select_related("cycle", "report")
            .get(pk=test_id)
        )
        check_writable(test, actor)
        if not test.needs_guidance:
            raise InvalidInput(_("A look-again date follows a Not sure or No answer."))
        test.look_again_on = on
        test.look_again_reminded_at = None
        test.save(update_fields=["look_again_on", "look_again_reminded_at"])
        audit.record(actor, "keeper.look_again.set", subject=test.report, obj=test)
    return test
