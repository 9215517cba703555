"""Saving a context page: revisions, the version check, the notice to the team."""

from __future__ import annotations

import pytest

from context import notices, services
from context.diff import line_diff, revision_diff
from context.models import ContextPage, ContextRevision
from culture.errors import InvalidInput
from culture.models import AuditEvent, Job, Notification
from tests.conftest import make_person
from tests.context.conftest import page_of, save

pytestmark = pytest.mark.django_db


def test_every_save_is_a_new_revision_with_its_author_summary_and_full_text(world):
    first = save(world.manager, "platform", north_star="Ship daily.", summary="First version")
    second = save(world.skip_level, "platform", numbers="- Deploys: 38", summary="  Add\n numbers ")
    page = page_of("platform")
    assert (page.version, page.north_star, page.numbers) == (2, "Ship daily.", "- Deploys: 38")
    assert page.updated_by == world.skip_level
    assert (first.number, first.author, first.summary) == (1, world.manager, "First version")
    assert (second.number, second.author, second.summary) == (2, world.skip_level, "Add numbers")
    assert (second.north_star, second.numbers, second.current_bets) == (
        "Ship daily.",
        "- Deploys: 38",
        "",
    )
    assert list(page.revisions.values_list("number", flat=True)) == [2, 1]
    assert AuditEvent.objects.filter(action="context.saved").count() == 2


def test_the_company_page_is_one_row_whoever_saves_it(world):
    save(world.people_admin, north_star="Be the first choice.", summary="First")
    save(world.people_admin, will_not_do="- Live sports", summary="Second")
    assert ContextPage.objects.filter(is_company=True).count() == 1
    assert page_of(None).version == 2


def test_a_save_over_a_newer_version_is_refused_and_changes_nothing(world):
    save(world.manager, "platform", north_star="Ship daily.", summary="First")
    save(world.skip_level, "platform", north_star="Ship hourly.", summary="Faster")
    with pytest.raises(services.PageChanged) as refused:
        save(world.manager, "platform", version=1, north_star="Mine", summary="Overwrite")
    assert refused.value.status == 409
    assert refused.value.latest.number == 2
    assert refused.value.message.startswith(
        "This page changed since you opened it: Sam Skip saved “Faster”."
    )
    page = page_of("platform")
    assert (page.version, page.north_star) == (2, "Ship hourly.")
    assert ContextRevision.objects.filter(page=page).count() == 2


def test_a_save_that_changes_no_section_is_refused(world):
    save(world.manager, "platform", north_star="Ship daily.", summary="First")
    with pytest.raises(InvalidInput, match="Nothing changed"):
        save(world.manager, "platform", north_star="Ship daily.", summary="Again")
    assert page_of("platform").version == 1


def test_a_save_needs_a_summary(world):
    with pytest.raises(InvalidInput, match="Say in one line what changed"):
        save(world.manager, "platform", north_star="Ship daily.", summary="   ")
    assert not ContextPage.objects.exists()


def test_the_notice_is_deferred_with_the_save(world):
    revision = save(world.manager, "platform", north_star="Ship daily.", summary="First")
    job = Job.objects.get()
    assert (job.name, job.args) == ("context.notices.send_revision_notices", [revision.pk])


def test_a_team_save_tells_each_active_member_but_the_editor_exactly_once(world):
    revision = save(world.manager, "platform", north_star="Ship daily.", summary="First version")
    assert notices.send_revision_notices(revision.pk) == 3  # skip_level, employee, peer
    assert notices.send_revision_notices(revision.pk) == 0
    sent = Notification.objects.filter(kind="context.changed")
    assert sorted(sent.values_list("recipient__name", flat=True)) == [
        "Eli Employee",
        "Pat Peer",
        "Sam Skip",
    ]
    notice = sent.get(recipient=world.employee)
    assert notice.title == "Platform context changed: First version"
    assert notice.body == "Mia Manager updated Platform's context page: “First version”."
    assert notice.url == "/context/teams/platform/history/1/"
    again = save(world.manager, "platform", numbers="- 38", summary="Numbers")
    assert notices.send_revision_notices(again.pk) == 3
    assert Notification.objects.filter(recipient=world.employee).count() == 2


def test_a_company_save_tells_every_active_person_but_the_editor(world):
    make_person(name="Late Joiner", is_active=False)
    revision = save(world.people_admin, north_star="Be the first choice.", summary="Hello")
    assert notices.send_revision_notices(revision.pk) == 8  # 9 active people less the editor
    assert not Notification.objects.filter(recipient=world.people_admin).exists()
    assert not Notification.objects.filter(recipient=world.inactive).exists()
    assert Notification.objects.get(recipient=world.outsider).title == (
        "The company context changed: Hello"
    )


def test_the_diff_marks_removed_and_added_lines_in_order():
    assert line_diff("a\nb\nc", "a\nB\nc\nd") == [
        ("same", "a"),
        ("removed", "b"),
        ("added", "B"),
        ("same", "c"),
        ("added", "d"),
    ]
    assert line_diff("", "x") == [("added", "x")]


def test_the_first_revision_is_all_added_and_unchanged_sections_say_so(world):
    first = save(world.manager, "platform", north_star="One", summary="First")
    second = save(world.manager, "platform", numbers="Two", summary="Second")
    diffs = {d.field: d for d in revision_diff(None, first)}
    assert diffs["north_star"].lines == [("added", "One")]
    diffs = {d.field: d for d in revision_diff(first, second)}
    assert (diffs["north_star"].changed, diffs["north_star"].lines) == (False, [("same", "One")])
    assert (diffs["numbers"].changed, diffs["numbers"].lines) == (True, [("added", "Two")])


def test_a_persons_data_export_has_the_revisions_they_saved(world):
    from culture.privacy import export_person

    save(world.manager, "platform", north_star="Ship daily.", summary="First")
    save(world.skip_level, "platform", numbers="38", summary="Numbers")
    rows = export_person(world.manager, viewer=world.people_admin)["context"]["context_revisions"]
    assert [(r["page"], r["number"], r["summary"], r["north_star"]) for r in rows] == [
        ("platform", 1, "First", "Ship daily.")
    ]


def test_each_notice_is_written_in_its_readers_language(world, monkeypatch):
    """Issue 25: the title and body are built as the recipient reads (once per language)."""
    from django.utils import translation

    from culture.models import Person

    Person.objects.filter(pk=world.peer.pk).update(language="fr")
    built: list[str | None] = []
    words = notices._words

    def spy(revision, page):
        built.append(translation.get_language())
        return words(revision, page)

    monkeypatch.setattr(notices, "_words", spy)
    revision = save(world.manager, "platform", north_star="Ship daily.", summary="First version")
    assert notices.send_revision_notices(revision.pk) == 3
    assert sorted(built) == ["en-gb", "fr"]
    # Each in their own language; the summary (what the manager wrote) as written.
    assert Notification.objects.get(recipient=world.peer).title == (
        "Le contexte de Platform a changé\u00a0: First version"
    )
    assert Notification.objects.get(recipient=world.employee).title == (
        "Platform context changed: First version"
    )
