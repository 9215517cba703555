"""Writes for written 360 feedback: write, accept or discard, ask, the reminder sweep and
the campaign window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from culture import audit, clock, jobs
from culture.errors import InvalidInput
from culture.i18n import as_reader
from culture.models import Person
from culture.notifications import Message, notify, notify_many
from feedback.models import (
    DEFAULT_CAMPAIGN_TARGET,
    REMIND_BEFORE_CLOSE,
    Campaign,
    Decision,
    FeedbackRequest,
    WrittenFeedback,
)
from webhooks import events


def do_write_feedback(
    *, author: Person, recipient: Person, kind: str, text: str, request_id: int | None = None
) -> WrittenFeedback:
    if author.pk == recipient.pk:
        raise InvalidInput(_("Write to someone else."))
    with transaction.atomic():
        request = None
        if request_id:
            request = FeedbackRequest.objects.filter(
                pk=request_id, asked=author, requester=recipient
            ).first()
        feedback = WrittenFeedback.objects.create(
            author=author,
            recipient=recipient,
            kind=kind,
            text=text.strip(),
            request=request,
            campaign=Campaign.current(),
        )
        if request is not None:
            FeedbackRequest.objects.filter(pk=request.pk, answered_at__isnull=True).update(
                answered_at=timezone.now()
            )
        with as_reader(recipient):
            title = _("%(name)s wrote you feedback") % {"name": author.name}
        notify(
            recipient,
            key=f"feedback:written:{feedback.pk}",
            kind="feedback.received",
            title=title,
            url="/feedback/inbox/",
            template="emails/feedback_received",
            context={"author": author},
        )
    return feedback


def do_decide_written(*, feedback: WrittenFeedback, person: Person, decision: str) -> None:
    if feedback.recipient_id != person.pk:
        raise InvalidInput(_("Only the recipient decides."))
    if decision not in (Decision.ACCEPTED, Decision.DISCARDED, Decision.PENDING):
        raise InvalidInput(_("Accept or discard."))
    WrittenFeedback.objects.filter(pk=feedback.pk, recipient=person).update(decision=decision)


def do_request_feedback(
    *, requester: Person, asked: list[Person], question: str = ""
) -> list[FeedbackRequest]:
    asked = [p for p in asked if p.pk != requester.pk and p.is_active]
    if not asked:
        raise InvalidInput(_("Choose at least one colleague."))
    with transaction.atomic():
        requests = FeedbackRequest.objects.bulk_create(
            FeedbackRequest(requester=requester, asked=p, question=question.strip()) for p in asked
        )
        for req in requests:
            with as_reader(req.asked):
                title = _("%(name)s asked you for feedback") % {"name": requester.name}
            notify(
                req.asked,
                key=f"feedback:request:{req.pk}",
                kind="feedback.requested",
                title=title,
                body=req.question,
                url=f"/feedback/write/?to={requester.pk}&request={req.pk}",
                template="emails/feedback_request",
                context={"requester": requester, "question": req.question},
            )
    return requests


REQUEST_REMINDER_AFTER = timedelta(days=3)


def remind_open_requests(now: datetime | None = None) -> int:
    """Idempotent sweeper: one reminder per unanswered request older than 3 days."""
    now = now or timezone.now()
    due = FeedbackRequest.objects.filter(
        answered_at__isnull=True,
        created_at__lte=now - REQUEST_REMINDER_AFTER,
        created_at__gte=now - timedelta(days=30),
    ).select_related("requester", "asked")
    messages = []
    for req in due[:5000]:
        with as_reader(req.asked):
            title = _("Reminder: %(name)s asked you for feedback") % {"name": req.requester.name}
        messages.append(
            Message(
                recipient=req.asked,
                key=f"feedback:request:{req.pk}:reminder",
                kind="feedback.request_reminder",
                morning=True,  # a daily reminder: in the reader's morning
                title=title,
                body=req.question,
                url=f"/feedback/write/?to={req.requester_id}&request={req.pk}",
                template="emails/feedback_request",
                context={"requester": req.requester, "question": req.question, "reminder": True},
            )
        )
    return notify_many(messages)


def do_open_campaign(
    *,
    actor: Person,
    name: str,
    opens_on: date,
    closes_on: date,
    target: int = DEFAULT_CAMPAIGN_TARGET,
    repeats_yearly: bool = False,
) -> Campaign:
    if closes_on < opens_on:
        raise InvalidInput(_("The window must close after it opens."))
    if target < 1:
        raise InvalidInput(_("The target is at least one colleague."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=actor,
            target=target,
            repeats_yearly=repeats_yearly,
        )
        audit.record(
            actor,
            "feedback.campaign.opened",
            detail={"id": campaign.pk, "opens_on": opens_on.isoformat(), "target": target},
        )
        _emit_opened(campaign)
        # Open today (the company's date): everyone hears now, by deferred work (a message
        # for every person is no work for the admin's request); a later window is announced
        # by the daily sweep on its first day.
        if opens_on <= clock.today() <= closes_on:
            jobs.defer(announce_campaign_now, campaign.pk)
    return campaign


@jobs.job
def announce_campaign_now(campaign_id: int) -> int:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return announce_campaign(campaign) if campaign else 0


def _emit_opened(campaign: Campaign) -> None:
    events.emit(
        "feedback.campaign_opened",
        {
            "id": campaign.pk,
            "url": events.link(reverse("feedback:write")),
            "name": campaign.name,
            "opens_on": campaign.opens_on.isoformat(),
            "closes_on": campaign.closes_on.isoformat(),
        },
    )


def announce_campaign(campaign: Campaign, today: date | None = None) -> int:
    """Tell every active person that the campaign is open, once each (the key names the
    campaign and the person); nothing before it opens or after it closes."""
    today = today or clock.today()
    if not campaign.opens_on <= today <= campaign.closes_on:
        return 0
    messages = []
    for person in Person.objects.filter(is_active=True).only(
        "name", "email", "is_active", "language", "time_zone"
    ):
        with as_reader(person):
            title = _("%(campaign)s is open until %(closes)s") % {
                "campaign": campaign.name,
                "closes": _day_and_month(campaign.closes_on),
            }
            body = ngettext(
                "Write signed start / stop / continue feedback to %(count)s or more colleagues: "
                "aim to assist, make it actionable.",
                "Write signed start / stop / continue feedback to %(count)s or more colleagues: "
                "aim to assist, make it actionable.",
                campaign.target,
            ) % {"count": campaign.target}
        messages.append(
            Message(
                recipient=person,
                key=f"feedback:campaign:{campaign.pk}:opened:{person.pk}",
                kind="feedback.campaign_opened",
                morning=True,  # a daily reminder: in the reader's morning
                title=title,
                body=body,
                url=reverse("feedback:write"),
            )
        )
    return notify_many(messages)


def _day_and_month(day: date) -> str:
    """The day and month ("9 December") in the active language (Django format characters)."""
    return date_format(day, pgettext("day and month, in full", "j F"))


def campaign_progress(campaign: Campaign, person: Person) -> int:
    """How many colleagues `person` has written to in the campaign. One query."""
    return (
        WrittenFeedback.objects.filter(author=person, campaign=campaign)
        .values("recipient")
        .distinct()
        .count()
    )


def remind_campaign_writers(campaign: Campaign, today: date | None = None) -> int:
    """From a week before the campaign closes until it does, each active person who has
    written to fewer colleagues than the target is reminded, once per campaign."""
    today = today or clock.today()
    if not campaign.closes_on - REMIND_BEFORE_CLOSE <= today <= campaign.closes_on:
        return 0
    if today < campaign.opens_on:
        return 0
    written = (
        WrittenFeedback.objects.filter(author_id=OuterRef("pk"), campaign=campaign)
        .order_by()
        .values("author_id")
        .annotate(n=Count("recipient_id", distinct=True))
        .values("n")
    )
    people = (
        Person.objects.filter(is_active=True)
        .annotate(written=Coalesce(Subquery(written), 0))
        .filter(written__lt=campaign.target)
        .only("name", "email", "is_active", "language", "time_zone")
    )
    messages = []
    for person in people:
        with as_reader(person):
            title = ngettext(
                "%(campaign)s closes on %(closes)s: you have written to %(written)s of %(count)s",
                "%(campaign)s closes on %(closes)s: you have written to %(written)s of %(count)s",
                campaign.target,
            ) % {
                "campaign": campaign.name,
                "closes": _day_and_month(campaign.closes_on),
                "written": person.written,
                "count": campaign.target,
            }
        messages.append(
            Message(
                recipient=person,
                key=f"feedback:campaign:{campaign.pk}:reminder:{person.pk}",
                kind="feedback.campaign_reminder",
                morning=True,  # a daily reminder: in the reader's morning
                title=title,
                url=reverse("feedback:write"),
            )
        )
    return notify_many(messages)


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def repeat_campaign(campaign: Campaign) -> Campaign | None:
    """Next year's campaign, with the same dates one year on, created exactly once: the
    claim is a conditional UPDATE on `repeated_at`."""
    with transaction.atomic():
        claimed = Campaign.objects.filter(
            pk=campaign.pk, repeats_yearly=True, repeated_at__isnull=True
        ).update(repeated_at=timezone.now())
        if not claimed:
            return None
        year = str(campaign.opens_on.year)
        name = campaign.name.replace(year, str(campaign.opens_on.year + 1))
        nxt = Campaign.objects.create(
            name=name,
            opens_on=_next_year(campaign.opens_on),
            closes_on=_next_year(campaign.closes_on),
            created_by_id=campaign.created_by_id,
            target=campaign.target,
            repeats_yearly=True,
        )
    return nxt


def sweep_campaigns(today: date | None = None) -> dict[str, int]:
    """The daily campaign sweeper (idempotent): announce the open ones, remind in the last
    week, and create next year's from the closed ones that repeat."""
    today = today or clock.today()
    done = {"announced": 0, "reminded": 0, "repeated": 0}
    for campaign in Campaign.objects.filter(opens_on__lte=today, closes_on__gte=today):
        done["announced"] += announce_campaign(campaign, today)
        done["reminded"] += remind_campaign_writers(campaign, today)
    for campaign in Campaign.objects.filter(
        repeats_yearly=True, repeated_at__isnull=True, closes_on__lt=today
    ):
        if repeat_campaign(campaign) is not None:
            done["repeated"] += 1
    return done
