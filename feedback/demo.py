"""Demo data for the feedback practice, called by `manage.py seed_demo`."""

from datetime import timedelta

from django.utils import timezone

from feedback.models import (
    ActionItem,
    Circle,
    CircleItem,
    Decision,
    Kind,
    Participant,
    WrittenFeedback,
)

SAMPLES = {
    Kind.START: [
        "Start sharing the draft plan a day earlier so we can react before the meeting.",
        "Start saying no to requests that don't fit the quarter's goals; you take on too much.",
        "Start writing down the decision and who made it at the end of each design review.",
    ],
    Kind.STOP: [
        "Stop answering for the team in reviews; let us explain our own work.",
        "Stop rewriting pull requests late at night; it hides how much is on your plate.",
        "Stop opening meetings without an agenda: we lose the first ten minutes.",
    ],
    Kind.CONTINUE: [
        "Continue the Friday demos: they are where I learn the most.",
        "Continue asking 'what did you learn?' after incidents; it keeps us candid.",
    ],
}


def seed(*, people, rng, scale: int = 1) -> str:
    """A finished circle (items, decisions, action items), a scheduled circle with the same
    people, and written feedback between demo people."""
    manager, employee = people["manager"], people["employee"]
    team = [p for p in people["all"] if p.manager_id == manager.pk][:5]
    group = [manager, *[p for p in team if p.pk != manager.pk]]
    if employee not in group:
        group.append(employee)
    now = timezone.now()
    done = Circle.objects.create(
        title="Platform team circle",
        created_by=manager,
        facilitator=manager,
        scheduled_at=now - timedelta(days=30),
        phase=Circle.Phase.ENDED,
        current_position=len(group) - 1,
        revealed_through=len(group) - 1,
        ended_at=now - timedelta(days=30),
    )
    Participant.objects.bulk_create(
        Participant(circle=done, person=p, position=i, response="Thank you")
        for i, p in enumerate(group)
    )
    items = []
    for pos, recipient in enumerate(group):
        for author in group:
            if author.pk == recipient.pk:
                continue
            kind = rng.choice([Kind.START, Kind.STOP, Kind.STOP, Kind.CONTINUE])
            items.append(
                CircleItem(
                    circle=done,
                    recipient=recipient,
                    recipient_position=pos,
                    author=author,
                    kind=kind,
                    text=rng.choice(SAMPLES[kind]),
                    decision=rng.choice([Decision.ACCEPTED, Decision.ACCEPTED, Decision.DISCARDED]),
                )
            )
    CircleItem.objects.bulk_create(items)
    ActionItem.objects.bulk_create(
        [
            ActionItem(circle=done, owner=manager, text="Share plans a day before reviews"),
            ActionItem(circle=done, owner=employee, text="Say no to work outside the quarter"),
        ]
    )
    upcoming = Circle.objects.create(
        title="Platform team circle (next)",
        created_by=manager,
        facilitator=manager,
        scheduled_at=now + timedelta(days=7),
        previous=done,
    )
    Participant.objects.bulk_create(
        Participant(circle=upcoming, person=p, position=i) for i, p in enumerate(group)
    )
    everyone = list(people["all"])
    written = []
    for _ in range(min(40 * scale, 2000)):
        author, recipient = rng.sample(everyone, 2)
        kind = rng.choice(list(Kind))
        written.append(
            WrittenFeedback(
                author=author, recipient=recipient, kind=kind, text=rng.choice(SAMPLES[kind])
            )
        )
    for kind in Kind:
        written.append(
            WrittenFeedback(
                author=manager, recipient=employee, kind=kind, text=rng.choice(SAMPLES[kind])
            )
        )
    WrittenFeedback.objects.bulk_create(written)
    return f"2 circles ({len(items)} items), {len(written)} written feedback"
