"""Demo data for the feedback practice, called by `manage.py seed_demo`."""

from datetime import timedelta

from django.utils import timezone

from chat.access_teams import managed_by
from culture import clock
from feedback.models import (
    ActionItem,
    Campaign,
    Circle,
    CircleCadence,
    CircleItem,
    Decision,
    Kind,
    Participant,
    WrittenFeedback,
)
from feedback.services import cadence as cadence_services

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
    campaign_note = _campaign(people, rng)
    cadence_note = _cadences(people)
    return (
        f"2 circles ({len(items)} items), {len(written)} written feedback, "
        f"{campaign_note}, {cadence_note}"
    )


def _campaign(people, rng) -> str:
    """An open written 360 (target 10, repeating every year) in its last week, the
    employee part of the way there."""
    today = clock.today()
    campaign = Campaign.objects.create(
        name=f"Spring written 360 {today.year}",
        opens_on=today - timedelta(days=16),
        closes_on=today + timedelta(days=5),
        created_by=people["admin"],
        target=10,
        repeats_yearly=True,
    )
    employee = people["employee"]
    colleagues = [p for p in people["all"] if p.pk != employee.pk][:40]
    chosen = rng.sample(colleagues, min(4, len(colleagues)))
    opened = timezone.now() - timedelta(days=10)
    WrittenFeedback.objects.bulk_create(
        WrittenFeedback(
            author=employee,
            recipient=p,
            kind=kind,
            text=rng.choice(SAMPLES[kind]),
            campaign=campaign,
            created_at=opened + timedelta(days=i),
        )
        for i, (p, kind) in enumerate(
            zip(chosen, [Kind.START, Kind.CONTINUE, Kind.STOP, Kind.START], strict=False)
        )
    )
    return f"an open campaign ({len(chosen)} of 10 written by the employee)"


def _cadences(people) -> str:
    """The manager's team meets twice a year (a circle is planned); the director's teams
    too, with no circle held in the last six months: the director is told one is due."""
    count = 0
    for who in ("manager", "director"):
        for team in managed_by(people[who]):
            CircleCadence.objects.get_or_create(
                team=team, defaults={"per_year": 2, "set_by": people[who]}
            )
            count += 1
    reminded = cadence_services.remind_due_circles()
    return f"{count} team cadences ({reminded} circle due)"
