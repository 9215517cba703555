"""The innovation cycle: allowed transitions only, the captain alone moves a memo, ratings."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from decisions import services
from decisions.models import FeedPost, Memo, Rating, RatingRevision
from decisions.services import DecisionError
from tests.decisions.conftest import make_memo, make_rating

S = Memo.State
ALL = [S.DRAFT, S.OPEN, S.TESTING, S.DECIDED, S.OUTCOME]
ALLOWED = {
    (S.DRAFT, S.OPEN),
    (S.OPEN, S.TESTING),
    (S.OPEN, S.DECIDED),
    (S.TESTING, S.DECIDED),
    (S.DECIDED, S.OUTCOME),
}


def _go(memo, by, to):
    later = timezone.localdate() + timedelta(days=30)
    if to == S.OPEN:
        return services.do_publish(memo_id=memo.pk, by=by)
    if to == S.TESTING:
        return services.do_start_test(memo_id=memo.pk, by=by, description="A/B in one market")
    if to == S.DECIDED:
        return services.do_decide(
            memo_id=memo.pk, by=by, bet=Memo.Bet.GO, why="The test worked.", look_back_on=later
        )
    if to == S.OUTCOME:
        return services.do_record_outcome(
            memo_id=memo.pk, by=by, outcome=Memo.Outcome.WENT_WELL, celebration="It worked!"
        )
    raise AssertionError(to)


@pytest.mark.django_db
@pytest.mark.parametrize("frm", ALL)
@pytest.mark.parametrize("to", [S.OPEN, S.TESTING, S.DECIDED, S.OUTCOME])
def test_every_transition_is_allowed_or_refused_with_a_clear_message(world, frm, to):
    memo = make_memo(captain=world.employee, state=frm)
    if (frm, to) in ALLOWED:
        moved = _go(memo, world.employee, to)
        assert moved.state == to
        assert Memo.objects.get(pk=memo.pk).state == to
    else:
        with pytest.raises(DecisionError) as exc:
            _go(memo, world.employee, to)
        assert "cannot move" in str(exc.value)
        assert Memo.objects.get(pk=memo.pk).state == frm


@pytest.mark.django_db
@pytest.mark.parametrize("frm,to", sorted(ALLOWED))
def test_only_the_captain_moves_a_memo(world, frm, to):
    memo = make_memo(captain=world.employee, state=frm)
    for other in (world.manager, world.people_admin, world.ceo):
        with pytest.raises(DecisionError, match="Only the captain"):
            _go(memo, other, to)
    assert Memo.objects.get(pk=memo.pk).state == frm


@pytest.mark.django_db
def test_the_second_click_on_publish_does_not_publish_twice(world):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    services.do_publish(memo_id=memo.pk, by=world.employee)
    with pytest.raises(DecisionError, match="open for dissent cannot move"):
        services.do_publish(memo_id=memo.pk, by=world.employee)


@pytest.mark.django_db
def test_publishing_needs_a_decide_by_date(world):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    Memo.objects.filter(pk=memo.pk).update(decide_by=None)
    with pytest.raises(DecisionError, match="decide-by date"):
        services.do_publish(memo_id=memo.pk, by=world.employee)


@pytest.mark.django_db
def test_a_failure_needs_a_sunshine_write_up_which_is_posted_to_the_feed(world):
    memo = make_memo(captain=world.employee, state=S.DECIDED)
    with pytest.raises(DecisionError, match="sunshined"):
        services.do_record_outcome(
            memo_id=memo.pk, by=world.employee, outcome=Memo.Outcome.DID_NOT, happened="x"
        )
    assert not FeedPost.objects.exists()
    services.do_record_outcome(
        memo_id=memo.pk,
        by=world.employee,
        outcome=Memo.Outcome.DID_NOT,
        happened="Churn went up.",
        learned="Test smaller first.",
    )
    post = FeedPost.objects.get()
    assert post.kind == FeedPost.Kind.SUNSHINE and post.memo_id == memo.pk


@pytest.mark.django_db
def test_a_success_needs_a_celebration_note_which_is_posted_to_the_feed(world):
    memo = make_memo(captain=world.employee, state=S.DECIDED)
    with pytest.raises(DecisionError, match="celebration"):
        services.do_record_outcome(
            memo_id=memo.pk, by=world.employee, outcome=Memo.Outcome.WENT_WELL
        )
    services.do_record_outcome(
        memo_id=memo.pk, by=world.employee, outcome=Memo.Outcome.WENT_WELL, celebration="Yay"
    )
    assert FeedPost.objects.get().kind == FeedPost.Kind.CELEBRATION


@pytest.mark.django_db
def test_still_open_keeps_the_bet_decided_with_a_new_future_date(world):
    memo = make_memo(captain=world.employee, state=S.DECIDED)
    today = timezone.localdate()
    with pytest.raises(DecisionError, match="new look-back date"):
        services.do_record_outcome(
            memo_id=memo.pk, by=world.employee, outcome=Memo.Outcome.STILL_OPEN
        )
    services.do_record_outcome(
        memo_id=memo.pk,
        by=world.employee,
        outcome=Memo.Outcome.STILL_OPEN,
        new_look_back_on=today + timedelta(days=90),
    )
    memo.refresh_from_db()
    assert memo.state == S.DECIDED and memo.outcome == Memo.Outcome.STILL_OPEN
    assert memo.look_back_on == today + timedelta(days=90)
    assert not FeedPost.objects.exists()


@pytest.mark.django_db
def test_test_results_are_recorded_only_while_testing(world):
    memo = make_memo(captain=world.employee, state=S.OPEN)
    with pytest.raises(DecisionError, match="while the memo is testing"):
        services.do_record_test_results(memo_id=memo.pk, by=world.employee, results="ok")
    services.do_start_test(memo_id=memo.pk, by=world.employee, description="One market")
    services.do_record_test_results(memo_id=memo.pk, by=world.employee, results="+4% retention")
    assert Memo.objects.get(pk=memo.pk).test_results == "+4% retention"


@pytest.mark.django_db
def test_hand_over_makes_someone_else_captain_and_keeps_the_old_one_as_co_author(
    world, django_capture_on_commit_callbacks
):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_hand_over(memo_id=memo.pk, by=world.employee, to=world.peer)
    memo.refresh_from_db()
    assert memo.captain == world.peer
    assert list(memo.co_authors.all()) == [world.employee]
    with pytest.raises(DecisionError, match="Only the captain"):
        services.do_publish(memo_id=memo.pk, by=world.employee)
    assert world.peer.notifications.filter(kind="decisions.captain").exists()


# --- ratings ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rating_without_a_reason_is_refused(world, memo):
    for reason in ["", "   ", "meh"]:
        with pytest.raises(DecisionError, match="Give a reason"):
            services.do_rate(memo_id=memo.pk, by=world.peer, score=5, reason=reason)
    assert not Rating.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("score", [-11, 11, "x", None])
def test_a_rating_outside_minus_ten_to_ten_is_refused(world, memo, score):
    with pytest.raises(DecisionError, match="-10 to \\+10"):
        services.do_rate(memo_id=memo.pk, by=world.peer, score=score, reason="Long enough reason")


@pytest.mark.django_db
@pytest.mark.parametrize("state", [S.TESTING, S.DECIDED, S.OUTCOME])
def test_a_rating_after_the_captain_moved_on_is_refused_with_a_clear_message(world, state):
    memo = make_memo(captain=world.employee, state=state)
    with pytest.raises(DecisionError, match="Rating is closed: the dissent window"):
        services.do_rate(memo_id=memo.pk, by=world.peer, score=5, reason="I like it a lot.")


@pytest.mark.django_db
def test_a_rating_after_the_decide_by_date_is_refused_with_a_clear_message(world):
    memo = make_memo(captain=world.employee)
    with (
        time_machine.travel(timezone.now() + timedelta(days=9), tick=False),
        pytest.raises(DecisionError, match="ended on"),
    ):
        services.do_rate(memo_id=memo.pk, by=world.peer, score=5, reason="I like it a lot.")


@pytest.mark.django_db
def test_a_draft_cannot_be_rated(world):
    memo = make_memo(captain=world.employee, state=S.DRAFT)
    with pytest.raises(DecisionError, match="still a draft"):
        services.do_rate(memo_id=memo.pk, by=world.employee, score=5, reason="I like it a lot.")


@pytest.mark.django_db
def test_one_rating_per_person_changeable_with_its_history_kept(world, memo):
    services.do_rate(memo_id=memo.pk, by=world.peer, score=-3, reason="Too expensive for now.")
    services.do_rate(memo_id=memo.pk, by=world.peer, score=4, reason="The test changed my mind.")
    rating = Rating.objects.get()
    assert (rating.score, rating.version) == (4, 2)
    assert [(r.score, r.reason) for r in RatingRevision.objects.filter(rating=rating)] == [
        (-3, "Too expensive for now."),
        (4, "The test changed my mind."),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_the_same_rating_at_once_keep_one(world):
    memo = make_memo(captain=world.employee)
    make_rating(memo, world.peer, score=0, reason="Undecided at first.")
    barrier = threading.Barrier(2)
    errors = []

    def edit(score):
        try:
            barrier.wait()
            services.do_rate(
                memo_id=memo.pk, by=world.peer, score=score, reason=f"Now {score}....."
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(s,)) for s in (-7, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ratings = list(Rating.objects.filter(memo=memo, person=world.peer))
    assert len(ratings) == 1
    assert ratings[0].score in (-7, 8) and ratings[0].version == 3
    # Both edits are in the history, and the kept rating is the last revision.
    revisions = list(RatingRevision.objects.filter(rating=ratings[0]))
    assert len(revisions) == 3 and revisions[-1].score == ratings[0].score


@pytest.mark.django_db(transaction=True)
def test_two_first_ratings_at_once_create_one(world):
    memo = make_memo(captain=world.employee)
    barrier = threading.Barrier(2)
    errors = []

    def rate(score):
        try:
            barrier.wait()
            services.do_rate(
                memo_id=memo.pk, by=world.peer, score=score, reason=f"Now {score}....."
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(s,)) for s in (-2, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Rating.objects.filter(memo=memo).count() == 1


@pytest.mark.django_db
def test_the_hidden_spread_cannot_be_changed_after_the_window_closes(world):
    memo = make_memo(captain=world.employee, hide_spread=True)
    assert not memo.spread_visible(memo.window_open)
    services.do_decide(
        memo_id=memo.pk,
        by=world.employee,
        bet=Memo.Bet.GO,
        why="Go",
        look_back_on=timezone.localdate() + timedelta(days=9),
    )
    memo.refresh_from_db()
    assert memo.spread_visible(memo.window_open)
    with pytest.raises(DecisionError, match="can no longer be hidden"):
        services.check_hide_spread(memo, False)


@pytest.mark.django_db
def test_a_hidden_spread_cannot_be_un_hidden_while_the_window_is_open(world):
    draft = make_memo(captain=world.employee, state=S.DRAFT, hide_spread=True)
    services.check_hide_spread(draft, False)  # drafting: free to change
    memo = make_memo(captain=world.employee, hide_spread=True)
    with pytest.raises(DecisionError, match="stays hidden until then"):
        services.check_hide_spread(memo, False)
    shown = make_memo(captain=world.employee)
    services.check_hide_spread(shown, True)  # hiding mid-window is allowed


@pytest.mark.django_db
def test_revisit_requests_are_for_memos_past_the_window_and_notify_the_captain(
    world, django_capture_on_commit_callbacks
):
    memo = make_memo(captain=world.employee)
    with pytest.raises(DecisionError, match="while it is open"):
        services.do_request_revisit(memo_id=memo.pk, by=world.peer, new_information="New data!!")
    Memo.objects.filter(pk=memo.pk).update(state=S.DECIDED)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_request_revisit(
            memo_id=memo.pk, by=world.peer, new_information="Competitor launched it."
        )
    note = world.employee.notifications.get(kind="decisions.revisit")
    assert "Pat Peer" in note.title
