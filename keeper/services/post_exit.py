"""The post-exit Q&A (PRACTICES.md): after someone leaves, their former manager holds a
Q&A with the team so nobody is left to rumour: what happened, and how much feedback the
person had received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from culture import audit, clock
from culture.errors import InvalidInput
from culture.i18n import as_reader
from culture.models import Person
from culture.notifications import notify
from feedback.models import Circle, Participant, WrittenFeedback
from keeper.labels import long_date
from keeper.models import KeeperTest, PostExit

RECORD_WINDOW = timedelta(days=365)


def person_left(person_ids: list[int]) -> int:
    """culture.sections' "person left" hook: ask each leaver's former manager (if they
    have one who is still here) to hold the post-exit Q&A, once per departure (the unique
    person + day they left decides, so a second deactivation asks nobody). How many were
    asked."""
    leavers = Person.objects.filter(
        pk__in=person_ids, is_active=False, manager__is_active=True
    ).select_related("manager")
    asked = 0
    for leaver in leavers:
        assert leaver.manager is not None  # the filter above
        left_on = leaver.left_on or clock.today()
        post_exit, created = PostExit.objects.get_or_create(
            person=leaver, left_on=left_on, defaults={"manager": leaver.manager}
        )
        if not created:
            continue
        with as_reader(leaver.manager):
            title = _("%(name)s has left: hold a post-exit Q&A with your team") % {
                "name": leaver.name
            }
            body = _(
                "%(name)s left on %(date)s. Tell your team what happened, and how much "
                "feedback they had received, so nobody is left to rumour."
            ) % {"name": leaver.name, "date": long_date(left_on)}
        notify(
            leaver.manager,
            key=f"keeper:post_exit:{post_exit.pk}:{leaver.manager_id}",
            kind="keeper.post_exit",
            title=title,
            body=body,
            url=reverse("keeper:post_exit", args=[post_exit.pk]),
            template="emails/keeper_post_exit",
            context={"leaver": leaver, "post_exit": post_exit},
        )
        asked += 1
    return asked


@dataclass(frozen=True)
class FeedbackRecord:
    """How much feedback the person had received, from the product's own records: counts
    and a date only, never the feedback's text or a keeper answer."""

    since: date
    written_received: int
    circles_in_centre: int
    last_keeper_answered: date | None


def feedback_record(post_exit: PostExit) -> FeedbackRecord:
    """Three aggregate queries, whatever the person's history."""
    person_id = post_exit.person_id
    until = post_exit.left_on
    since = until - RECORD_WINDOW
    tz = clock.zone_for(post_exit.person)
    start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    written = WrittenFeedback.objects.filter(
        recipient_id=person_id, created_at__gte=start, created_at__lt=end
    ).count()
    # A seat whose round came: the circle revealed through their position.
    circles = (
        Participant.objects.filter(
            person_id=person_id,
            circle__scheduled_at__gte=start,
            circle__scheduled_at__lt=end,
            circle__revealed_through__gte=F("position"),
        )
        .exclude(circle__phase=Circle.Phase.CANCELLED)
        .count()
    )
    last = KeeperTest.objects.filter(report_id=person_id, answered_at__isnull=False).aggregate(
        last=Max("answered_at")
    )["last"]
    return FeedbackRecord(
        since=since,
        written_received=written,
        circles_in_centre=circles,
        last_keeper_answered=timezone.localtime(last, tz).date() if last else None,
    )


def _locked(post_exit_id: int) -> PostExit:
    return PostExit.objects.select_for_update().select_related("person").get(pk=post_exit_id)


def _check_manager(post_exit: PostExit, actor: Person) -> None:
    if post_exit.manager_id != actor.pk:
        raise InvalidInput(_("Only their former manager prepares and holds this Q&A."))


def do_prepare(
    *,
    actor: Person,
    post_exit_id: int,
    what_happened: str,
    notes: str,
    now: datetime | None = None,
) -> PostExit:
    now = now or timezone.now()
    with transaction.atomic():
        post_exit = _locked(post_exit_id)
        _check_manager(post_exit, actor)
        post_exit.what_happened = what_happened
        post_exit.notes = notes
        post_exit.updated_at = now
        post_exit.save(update_fields=["what_happened", "notes", "updated_at"])
        audit.record(actor, "keeper.post_exit.written", subject=post_exit.person, obj=post_exit)
    return post_exit


def do_mark_held(
    *, actor: Person, post_exit_id: int, held_on: date, now: datetime | None = None
) -> PostExit:
    now = now or timezone.now()
    if held_on > clock.today():
        raise InvalidInput(_("That date is in the future."))
    with transaction.atomic():
        post_exit = _locked(post_exit_id)
        _check_manager(post_exit, actor)
        if held_on < post_exit.left_on:
            raise InvalidInput(_("The Q&A is held after they left."))
        post_exit.held_on = held_on
        post_exit.updated_at = now
        post_exit.save(update_fields=["held_on", "updated_at"])
        audit.record(
            actor,
            "keeper.post_exit.held",
            subject=post_exit.person,
            obj=post_exit,
            detail={"held_on": held_on.isoformat()},
        )
    return post_exit


def do_share(
    *, actor: Person, post_exit_id: int, shared: bool, now: datetime | None = None
) -> PostExit:
    """Share the notes (and what happened) with the team, or stop sharing them."""
    now = now or timezone.now()
    with transaction.atomic():
        post_exit = _locked(post_exit_id)
        _check_manager(post_exit, actor)
        if shared and not (post_exit.what_happened.strip() or post_exit.notes.strip()):
            raise InvalidInput(_("Write what happened or your notes before sharing them."))
        post_exit.shared_at = now if shared else None
        post_exit.updated_at = now
        post_exit.save(update_fields=["shared_at", "updated_at"])
        audit.record(
            actor,
            "keeper.post_exit.shared" if shared else "keeper.post_exit.unshared",
            subject=post_exit.person,
            obj=post_exit,
        )
    return post_exit


def team_may_read(post_exit: PostExit, viewer: Person) -> bool:
    """A team member (a current direct report of the former manager) reads shared notes."""
    return (
        post_exit.shared_at is not None
        and viewer.pk != post_exit.person_id
        and viewer.manager_id == post_exit.manager_id
    )
