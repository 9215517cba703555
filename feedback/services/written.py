"""Writes for written 360 feedback: write, accept or discard, ask, the reminder sweep and
the campaign window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from culture.errors import InvalidInput
from culture.models import Person
from culture.notifications import Message, notify, notify_many
from feedback.models import Campaign, Decision, FeedbackRequest, WrittenFeedback
from webhooks import events


def do_write_feedback(
    *, author: Person, recipient: Person, kind: str, text: str, request_id: int | None = None
) -> WrittenFeedback:
    if author.pk == recipient.pk:
        raise InvalidInput("Write to someone else.")
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
        notify(
            recipient,
            key=f"feedback:written:{feedback.pk}",
            kind="feedback.received",
            title=f"{author.name} wrote you feedback",
            url="/feedback/inbox/",
            template="emails/feedback_received",
            context={"author": author},
        )
    return feedback


def do_decide_written(*, feedback: WrittenFeedback, person: Person, decision: str) -> None:
    if feedback.recipient_id != person.pk:
        raise InvalidInput("Only the recipient decides.")
    if decision not in (Decision.ACCEPTED, Decision.DISCARDED, Decision.PENDING):
        raise InvalidInput("Accept or discard.")
    WrittenFeedback.objects.filter(pk=feedback.pk, recipient=person).update(decision=decision)


def do_request_feedback(
    *, requester: Person, asked: list[Person], question: str = ""
) -> list[FeedbackRequest]:
    asked = [p for p in asked if p.pk != requester.pk and p.is_active]
    if not asked:
        raise InvalidInput("Choose at least one colleague.")
    with transaction.atomic():
        requests = FeedbackRequest.objects.bulk_create(
            FeedbackRequest(requester=requester, asked=p, question=question.strip()) for p in asked
        )
        for req in requests:
            notify(
                req.asked,
                key=f"feedback:request:{req.pk}",
                kind="feedback.requested",
                title=f"{requester.name} asked you for feedback",
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
    return notify_many(
        [
            Message(
                recipient=req.asked,
                key=f"feedback:request:{req.pk}:reminder",
                kind="feedback.request_reminder",
                title=f"Reminder: {req.requester.name} asked you for feedback",
                body=req.question,
                url=f"/feedback/write/?to={req.requester_id}&request={req.pk}",
                template="emails/feedback_request",
                context={"requester": req.requester, "question": req.question, "reminder": True},
            )
            for req in due[:5000]
        ]
    )


def do_open_campaign(*, actor: Person, name: str, opens_on: date, closes_on: date) -> Campaign:
    if closes_on < opens_on:
        raise InvalidInput("The window must close after it opens.")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name, opens_on=opens_on, closes_on=closes_on, created_by=actor
        )
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
    return campaign
