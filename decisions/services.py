"""Writes for decision memos. Nobody approves or blocks: only the captain moves a memo.

Every state change locks the memo row (select_for_update) and checks the state it is in,
so two clicks never advance a memo twice; anything outside TRANSITIONS is refused with a
message that says why and what is possible instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from chat import teams_posts
from context.models import ContextPage
from culture import clock, jobs
from culture.errors import InvalidInput
from culture.i18n import as_reader
from culture.models import Delivery, Notification, Person, Team
from culture.notifications import notify
from decisions import body as memo_body
from decisions.models import (
    MAX_SCORE,
    MIN_SCORE,
    BetReview,
    Comment,
    FeedPost,
    Invitation,
    Memo,
    Rating,
    RatingRevision,
    RevisitRequest,
    refresh_spread,
)
from webhooks import events

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

S = Memo.State

# (from, to) -> what the captain does. Nothing else is allowed. Keyed by str: the states
# are str choices, and a memo's state and a requested move arrive as plain strings.
# The words name the step in a refusal ("From here the captain can decide."), translated.
TRANSITIONS: dict[tuple[str, str], StrOrPromise] = {
    (S.DRAFT, S.OPEN): gettext_lazy("publish"),
    (S.OPEN, S.TESTING): gettext_lazy("start a test"),
    (S.OPEN, S.DECIDED): gettext_lazy("decide"),
    (S.TESTING, S.DECIDED): gettext_lazy("decide"),
    (S.DECIDED, S.OUTCOME): gettext_lazy("record the outcome"),
}

MIN_REASON = 10


class DecisionError(InvalidInput):
    """A refused step on a memo, with a message meant for the person who tried it: 422."""


def allowed_next(state: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == state]


def _lock(memo_id: int) -> Memo:
    return Memo.objects.select_related("captain").select_for_update(of=("self",)).get(pk=memo_id)


def _move(memo_id: int, *, by: Person, to: str) -> Memo:
    """Lock the memo, check who and from where; the caller then writes the new state."""
    memo = _lock(memo_id)
    if memo.captain_id != by.pk:
        raise DecisionError(
            _(
                "Only the captain moves a memo. You can rate it, comment, or ask the captain "
                "to revisit."
            )
        )
    if (memo.state, to) not in TRANSITIONS:
        message = _("A memo that is %(state)s cannot move to “%(target)s”.") % {
            "state": str(S(memo.state).label).lower(),
            "target": str(S(to).label).lower(),
        }
        options = [str(TRANSITIONS[(memo.state, t)]) for t in allowed_next(memo.state)]
        if options:
            hint = _("From here the captain can %(steps)s.") % {
                "steps": pgettext("between alternatives", " or ").join(options)
            }
            message = _("%(refusal)s %(hint)s") % {"refusal": message, "hint": hint}
        raise DecisionError(message)
    return memo


def long_date(day: date) -> str:
    """ "9 December 2026" in English, in the reader's language and its order."""
    return date_format(day, pgettext("date format: day, month in full, year", "j F Y"))


def long_month_day(day: date) -> str:
    """ "9 December" in English, in the reader's language and its order."""
    return date_format(day, pgettext("date format: day, month in full", "j F"))


def _memo_url(memo: Memo) -> str:
    return reverse("decisions:memo", args=[memo.pk])


def _emit(event_type: str, memo: Memo) -> None:
    """Tell the webhook endpoints, in this transaction. A memo open to the whole company
    only: a confidential memo's readers are chosen, so it emits nothing. Public fields
    only (the memo page shows them to everyone): never ratings, reasons or comments."""
    if memo.confidential:
        return
    events.emit(
        event_type,
        {
            "id": memo.pk,
            "url": events.link(_memo_url(memo)),
            "title": memo.title,
            "state": memo.state,
            "captain_id": memo.captain_id,
            "decide_by": memo.decide_by.isoformat() if memo.decide_by else None,
            "published_at": memo.published_at.isoformat() if memo.published_at else None,
            "decided_at": memo.decided_at.isoformat() if memo.decided_at else None,
            "bet": memo.bet or None,
            "look_back_on": memo.look_back_on.isoformat() if memo.look_back_on else None,
            "outcome": memo.outcome or None,
            "outcome_at": memo.outcome_at.isoformat() if memo.outcome_at else None,
        },
    )


# --- writing -----------------------------------------------------------------------------------


def check_hide_spread(memo: Memo | None, hide: bool) -> None:
    """Free while drafting. Once published, a hidden spread stays hidden until the window
    closes (un-hiding it mid-window would show late raters the others' numbers); after
    the window closes the spread is shown to everyone and the choice is locked."""
    if memo is None or hide == memo.hide_spread or memo.state == S.DRAFT:
        return
    if memo.state != S.OPEN or not memo.window_open:
        raise DecisionError(
            _(
                "The dissent window has closed, so the spread is shown to everyone and can no "
                "longer be hidden or changed."
            )
        )
    if not hide:
        raise DecisionError(
            _(
                "You chose to hide the spread until the window closes; it stays hidden until "
                "then so everyone rates independently."
            )
        )


def do_create_memo(
    *,
    by: Person,
    title: str,
    body: str,
    decide_by: date | None = None,
    teams: Iterable[Team] = (),
    co_authors: Iterable[Person] = (),
    confidential: bool = False,
    readers: Iterable[Person] = (),
    hide_spread: bool = False,
    context_pages: Iterable[ContextPage] = (),
) -> Memo:
    with transaction.atomic():
        memo = Memo.objects.create(
            title=title,
            body=body,
            captain=by,
            created_by=by,
            decide_by=decide_by,
            confidential=confidential,
            hide_spread=hide_spread,
        )
        memo.teams.set(teams)
        memo.context_pages.set(context_pages)
        memo.co_authors.set([p for p in co_authors if p.pk != by.pk])
        memo.readers.set(readers)
    return memo


def do_edit_memo(
    *,
    memo: Memo,
    by: Person,
    title: str,
    body: str,
    decide_by: date | None,
    teams: Iterable[Team] = (),
    co_authors: Iterable[Person] = (),
    confidential: bool = False,
    readers: Iterable[Person] = (),
    hide_spread: bool = False,
    context_pages: Iterable[ContextPage] = (),
) -> Memo:
    with transaction.atomic():
        locked = _lock(memo.pk)
        if locked.state == S.OUTCOME:
            raise DecisionError(_("The outcome is recorded; the memo is now part of the record."))
        check_hide_spread(locked, hide_spread)
        locked.title = title
        locked.body = body
        locked.decide_by = decide_by
        locked.confidential = confidential
        locked.hide_spread = hide_spread
        locked.save()
        locked.teams.set(teams)
        locked.context_pages.set(context_pages)
        if by.pk == locked.captain_id:
            locked.co_authors.set([p for p in co_authors if p.pk != locked.captain_id])
        locked.readers.set(readers)
    return locked


def publish_problems(memo: Memo, today: date) -> list[str]:
    """Why `memo` cannot be published yet, each in words for the captain (empty: it can).
    People are asked to rate a proposal, so it must state one; prompts left from the
    template are answered or removed; the window needs its closing date."""
    problems = memo_body.publish_problems(memo.body)
    if memo.decide_by is None or memo.decide_by < today:
        problems.append(
            _(
                "Set a decide-by date (today or later) before publishing, so colleagues know "
                "how long they have to weigh in."
            )
        )
    return problems


def do_publish(*, memo_id: int, by: Person, reasons_after_rating: bool = False) -> Memo:
    """Open the memo for dissent. `reasons_after_rating`: colleagues see the others'
    ratings and reasons only once they have rated (until the window closes); chosen here,
    once, like hiding the spread."""
    with transaction.atomic():
        memo = _move(memo_id, by=by, to=S.OPEN)
        problems = publish_problems(memo, clock.today())
        if problems:
            raise DecisionError(" ".join(problems))
        memo.state = S.OPEN
        memo.published_at = timezone.now()
        memo.reasons_after_rating = reasons_after_rating
        memo.save(update_fields=["state", "published_at", "reasons_after_rating", "updated_at"])
        _emit("memo.published", memo)
        teams_posts.memo_published(memo)
        invited = list(
            Invitation.objects.filter(memo=memo)
            .exclude(person_id=by.pk)
            .values_list("person_id", flat=True)
        )
        if invited:
            jobs.defer(notify_invited, memo.pk, invited)
    return memo


def do_start_test(*, memo_id: int, by: Person, description: str) -> Memo:
    with transaction.atomic():
        memo = _move(memo_id, by=by, to=S.TESTING)
        memo.state = S.TESTING
        memo.test_description = description
        memo.save(update_fields=["state", "test_description", "updated_at"])
    return memo


def do_record_test_results(*, memo_id: int, by: Person, results: str) -> Memo:
    with transaction.atomic():
        memo = _lock(memo_id)
        if memo.captain_id != by.pk:
            raise DecisionError(_("Only the captain records the results of the test."))
        if memo.state != S.TESTING:
            raise DecisionError(_("Test results can only be recorded while the memo is testing."))
        memo.test_results = results
        memo.save(update_fields=["test_results", "updated_at"])
    return memo


def do_decide(*, memo_id: int, by: Person, bet: str, why: str, look_back_on: date) -> Memo:
    with transaction.atomic():
        memo = _move(memo_id, by=by, to=S.DECIDED)
        if look_back_on <= clock.today():
            raise DecisionError(_("The look-back date must be in the future."))
        memo.state = S.DECIDED
        memo.bet = bet
        memo.bet_why = why
        memo.look_back_on = look_back_on
        memo.decided_at = timezone.now()
        memo.save(
            update_fields=["state", "bet", "bet_why", "look_back_on", "decided_at", "updated_at"]
        )
        _emit("memo.decided", memo)
    return memo


def do_record_outcome(
    *,
    memo_id: int,
    by: Person,
    outcome: str,
    celebration: str = "",
    happened: str = "",
    learned: str = "",
    new_look_back_on: date | None = None,
) -> Memo:
    Out = Memo.Outcome
    with transaction.atomic():
        if outcome == Out.STILL_OPEN:
            memo = _lock(memo_id)
            if memo.captain_id != by.pk:
                raise DecisionError(_("Only the captain records how the bet went."))
            if memo.state != S.DECIDED:
                raise DecisionError(_("Only a decided bet can be marked as still open."))
            if new_look_back_on is None or new_look_back_on <= clock.today():
                raise DecisionError(_("Still open: set a new look-back date in the future."))
            memo.outcome = Out.STILL_OPEN
            memo.look_back_on = new_look_back_on
            memo.save(update_fields=["outcome", "look_back_on", "updated_at"])
            return memo
        memo = _move(memo_id, by=by, to=S.OUTCOME)
        if outcome == Out.WENT_WELL:
            if not celebration.strip():
                raise DecisionError(_("Write a short celebration note for the feed."))
            memo.celebration = celebration
            kind = FeedPost.Kind.CELEBRATION
        elif outcome == Out.DID_NOT:
            if not happened.strip() or not learned.strip():
                raise DecisionError(
                    _(
                        "A bet that did not go well is sunshined: write what happened and "
                        "what we learned. It is published to the feed."
                    )
                )
            memo.sunshine_happened = happened
            memo.sunshine_learned = learned
            kind = FeedPost.Kind.SUNSHINE
        else:
            raise DecisionError(_("Choose went well, did not go well, or still open."))
        memo.state = S.OUTCOME
        memo.outcome = outcome
        memo.outcome_at = timezone.now()
        memo.save()
        FeedPost.objects.create(memo=memo, kind=kind)
        teams_posts.outcome_posted(memo, kind)
        _emit("memo.outcome_recorded", memo)
    return memo


def do_hand_over(*, memo_id: int, by: Person, to: Person) -> Memo:
    with transaction.atomic():
        memo = _lock(memo_id)
        if memo.captain_id != by.pk:
            raise DecisionError(_("Only the captain can hand the memo over."))
        if to.pk == by.pk or not to.is_active:
            raise DecisionError(_("Choose an active colleague other than yourself."))
        if memo.state == S.OUTCOME:
            raise DecisionError(_("The outcome is recorded; the captain stays on the record."))
        memo.captain = to
        memo.save(update_fields=["captain", "updated_at"])
        memo.co_authors.remove(to)
        memo.co_authors.add(by)
        with as_reader(to):
            notify(
                to,
                key=f"decisions:captain:{memo.pk}:{to.pk}:{memo.updated_at:%Y%m%d%H%M%S%f}",
                kind="decisions.captain",
                title=_("You are now the captain of “%(title)s”") % {"title": memo.title},
                body=_("%(name)s handed the memo to you. You make the call.") % {"name": by.name},
                url=_memo_url(memo),
            )
    return memo


@jobs.job
def notify_invited(memo_id: int, person_ids: list[int]) -> int:
    """Ask each invited person to weigh in (deferred by publish and invite; once each)."""
    memo = Memo.objects.select_related("captain").get(pk=memo_id)
    sent = 0
    for person in Person.objects.filter(pk__in=person_ids):
        with as_reader(person):
            sent += bool(
                notify(
                    person,
                    key=f"decisions:invited:{memo.pk}:{person.pk}",
                    kind="decisions.invited",
                    title=_("%(name)s asks you to weigh in on “%(title)s”")
                    % {"name": memo.captain.name, "title": memo.title},
                    body=_(
                        "Rate it from -10 to +10 with a reason. Silent disagreement is "
                        "unacceptable."
                    ),
                    url=_memo_url(memo),
                    template="emails/decisions_invited",
                    context={"memo": memo},
                )
            )
    return sent


def do_invite(*, memo_id: int, by: Person, people: Iterable[Person]) -> list[Invitation]:
    with transaction.atomic():
        memo = _lock(memo_id)
        if memo.captain_id != by.pk:
            raise DecisionError(_("Only the captain invites people to weigh in."))
        if memo.state not in (S.DRAFT, S.OPEN):
            raise DecisionError(_("The dissent window has closed; invitations are over."))
        people = [p for p in people if p.is_active and p.pk != by.pk]
        if memo.confidential:
            # Inviting someone to a confidential memo names them on it.
            memo.readers.add(*people)
        created = Invitation.objects.bulk_create(
            [Invitation(memo=memo, person=p, invited_by=by) for p in people],
            ignore_conflicts=True,
        )
        if memo.state == S.OPEN and people:
            jobs.defer(notify_invited, memo.pk, [p.pk for p in people])
    return created


# --- rating ------------------------------------------------------------------------------------


def check_rating(*, score: int | str | None, reason: str) -> tuple[int, str]:
    reason = (reason or "").strip()
    if score is None:
        raise DecisionError(_("Choose a rating from -10 to +10."))
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise DecisionError(_("Choose a rating from -10 to +10."))
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise DecisionError(_("Choose a rating from -10 to +10."))
    if len(reason) < MIN_REASON:
        raise DecisionError(
            _(
                "Give a reason for your rating (a short sentence at least): the reasons are "
                "what the captain learns from."
            )
        )
    return score, reason


def do_rate(*, memo_id: int, by: Person, score: int | str | None, reason: str) -> Rating:
    """One rating per person; a second call changes it and keeps the history.

    The memo row is locked first, so concurrent ratings on one memo queue up and the
    window check cannot race with the captain closing it."""
    score, reason = check_rating(score=score, reason=reason)
    with transaction.atomic():
        memo = _lock(memo_id)
        if not memo.window_open:
            if memo.state == S.DRAFT:
                raise DecisionError(
                    _("This memo is still a draft; ratings open when it is published.")
                )
            if memo.state == S.OPEN:
                raise DecisionError(
                    _(
                        "Rating is closed: the dissent window for this memo ended on "
                        "%(date)s. You can still comment or ask the captain to revisit."
                    )
                    % {"date": long_date(memo.decide_by) if memo.decide_by else ""}
                )
            raise DecisionError(
                _(
                    "Rating is closed: the dissent window for this memo has closed. You can "
                    "still comment or ask the captain to revisit."
                )
            )
        now = timezone.now()
        rating = Rating.objects.select_for_update().filter(memo=memo, person=by).first()
        if rating is None:
            rating = Rating.objects.create(
                memo=memo, person=by, score=score, reason=reason, created_at=now, updated_at=now
            )
        else:
            rating.score = score
            rating.reason = reason
            rating.updated_at = now
            rating.version += 1
            rating.save(update_fields=["score", "reason", "updated_at", "version"])
        RatingRevision.objects.create(rating=rating, score=score, reason=reason, at=now)
        refresh_spread(memo.pk)
    return rating


# --- comments and revisits ---------------------------------------------------------------------

MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9][\w.+-]*)")


def mentioned_people(body: str) -> list[Person]:
    """@handle is the part of a colleague's email before the @ (e.g. @ada.lovelace)."""
    handles = {m.rstrip(".").lower() for m in MENTION.findall(body or "")}
    if not handles:
        return []
    people = Person.objects.active().filter(
        email__regex=r"^(" + "|".join(re.escape(h) for h in sorted(handles)[:20]) + r")@"
    )
    return list(people)


def do_comment(*, memo_id: int, by: Person, body: str, parent_id: int | None = None) -> Comment:
    body = (body or "").strip()
    if not body:
        raise DecisionError(_("Write something first."))
    with transaction.atomic():
        memo = Memo.objects.select_related("captain").get(pk=memo_id)
        parent = None
        if parent_id:
            parent = Comment.objects.filter(memo=memo, pk=parent_id).first()
            if parent is None:
                raise DecisionError(_("That comment is not on this memo."))
            if parent.parent_id:
                parent = Comment.objects.get(pk=parent.parent_id)  # one level of threads
        comment = Comment.objects.create(memo=memo, author=by, parent=parent, body=body)
        # Only people who can already read the memo are told about it.
        mentioned = [p for p in mentioned_people(body) if p.pk != by.pk]
        visible = [p for p in mentioned if Memo.objects.visible_to(p).filter(pk=memo.pk).exists()]
        url = _memo_url(memo) + f"#comment-{comment.pk}"
        for p in visible:
            with as_reader(p):
                notify(
                    p,
                    key=f"decisions:mention:{comment.pk}:{p.pk}",
                    kind="decisions.mention",
                    title=_("%(name)s mentioned you on “%(title)s”")
                    % {"name": by.name, "title": memo.title},
                    body=body[:500],
                    url=url,
                )
        if parent is not None and parent.author_id != by.pk:
            with as_reader(parent.author):
                notify(
                    parent.author,
                    key=f"decisions:reply:{comment.pk}",
                    kind="decisions.reply",
                    title=_("%(name)s replied to you on “%(title)s”")
                    % {"name": by.name, "title": memo.title},
                    body=body[:500],
                    url=url,
                )
    return comment


def do_request_revisit(*, memo_id: int, by: Person, new_information: str) -> RevisitRequest:
    text = (new_information or "").strip()
    if len(text) < MIN_REASON:
        raise DecisionError(_("Say what is new: the information the captain should look at."))
    with transaction.atomic():
        memo = Memo.objects.select_related("captain").get(pk=memo_id)
        if memo.state not in (S.TESTING, S.DECIDED, S.OUTCOME):
            raise DecisionError(
                _(
                    "Revisit requests are for memos the captain has moved past the dissent "
                    "window; while it is open, rate it or comment."
                )
            )
        req = RevisitRequest.objects.create(memo=memo, requested_by=by, new_information=text)
        with as_reader(memo.captain):
            notify(
                memo.captain,
                key=f"decisions:revisit:{req.pk}",
                kind="decisions.revisit",
                morning=True,  # a daily reminder: in the reader's morning
                title=_("%(name)s asks you to revisit “%(title)s”")
                % {"name": by.name, "title": memo.title},
                body=text[:500],
                url=_memo_url(memo) + "#revisits",
            )
    return req


# --- bet reviews -------------------------------------------------------------------------------


def current_period(today: date) -> str:
    return f"{today.year}-H{1 if today.month <= 6 else 2}"


def do_open_bet_review(*, by: Person) -> BetReview:
    today = clock.today()
    period = current_period(today)
    with transaction.atomic():
        review, created = BetReview.objects.get_or_create(
            manager=by, period=period, defaults={"due_on": today + timedelta(days=14)}
        )
        if not created:
            raise DecisionError(
                _("You already opened the %(period)s bet review; it runs twice a year.")
                % {"period": period}
            )
        jobs.defer(remind_bet_review, review.pk, "open")
    return review


@jobs.job
def remind_bet_review(review_id: int, stage: str) -> int:
    """Tell the manager's reports that a bet review is open (deferred; once each)."""
    review = BetReview.objects.select_related("manager").get(pk=review_id)
    members = Person.objects.active().direct_reports_of(review.manager)
    return sum(bool(_remind_review(review, p, stage)) for p in members)


def _remind_review(review: BetReview, person: Person, stage: str) -> Notification | Delivery | None:
    with as_reader(person):
        return notify(
            person,
            key=f"decisions:betreview:{review.pk}:{person.pk}:{stage}",
            kind="decisions.bet_review",
            morning=True,  # a daily reminder: in the reader's morning
            title=_("Bet review %(period)s: bring your bet ledger up to date")
            % {"period": review.period},
            body=_(
                "%(name)s reviews the team's bets by %(date)s. Record how your decided bets "
                "went: went well, did not, or still open."
            )
            % {"name": review.manager.name, "date": long_month_day(review.due_on)},
            url=reverse("decisions:person_ledger", args=[person.pk]),
            template="emails/decisions_bet_review",
            context={"review": review},
        )


# --- reminders (the sweeper) -------------------------------------------------------------------


def sweep_reminders() -> dict[str, int]:
    """Idempotent: every reminder has a deterministic key, so running twice sends once."""
    today = clock.today()
    counts = {"rate": 0, "look_back": 0, "bet_review": 0}
    # Invited people who have not rated, a day before the window closes.
    tomorrow = today + timedelta(days=1)
    invitations = (
        Invitation.objects.filter(memo__state=S.OPEN, memo__decide_by=tomorrow)
        .filter(
            ~Exists(
                Rating.objects.filter(memo_id=OuterRef("memo_id"), person_id=OuterRef("person_id"))
            )
        )
        .select_related("memo", "memo__captain", "person")
    )
    for inv in invitations:
        memo = inv.memo
        with as_reader(inv.person):
            sent = notify(
                inv.person,
                key=f"decisions:rate-reminder:{memo.pk}:{inv.person_id}",
                kind="decisions.rate_reminder",
                title=_("Tomorrow is the last day to rate “%(title)s”") % {"title": memo.title},
                body=_(
                    "%(name)s asked for your view. Silent disagreement is unacceptable: rate it "
                    "from -10 to +10 with a reason."
                )
                % {"name": memo.captain.name},
                url=_memo_url(memo),
                template="emails/decisions_rate_reminder",
                context={"memo": memo},
            )
        if sent:
            counts["rate"] += 1
    # Captains on the look-back date (once per date; a new date means a new reminder).
    for memo in Memo.objects.filter(state=S.DECIDED, look_back_on__lte=today).select_related(
        "captain"
    ):
        assert memo.look_back_on is not None  # the filter above
        with as_reader(memo.captain):
            sent = notify(
                memo.captain,
                key=f"decisions:look-back:{memo.pk}:{memo.look_back_on.isoformat()}",
                kind="decisions.look_back",
                morning=True,  # a daily reminder: in the reader's morning
                title=_("Time to look back on “%(title)s”") % {"title": memo.title},
                body=_(
                    "How did the bet go? Went well (celebrate), did not (sunshine it), or still "
                    "open."
                ),
                url=reverse("decisions:step", args=[memo.pk, "outcome"]),
                template="emails/decisions_look_back",
                context={"memo": memo},
            )
        if sent:
            counts["look_back"] += 1
    # Bet reviews: a second reminder three days before the review is due.
    for review in BetReview.objects.filter(
        due_on__gte=today, due_on__lte=today + timedelta(days=3)
    ).select_related("manager"):
        for person in Person.objects.active().direct_reports_of(review.manager):
            if _remind_review(review, person, "due"):
                counts["bet_review"] += 1
    return counts
