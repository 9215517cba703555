"""Recording events for the endpoints: called by services inside their transaction.

    from webhooks import events
    events.emit("memo.published", events.memo_data(memo))      # in the change's transaction
    events.emit_people("person.created", [person.pk])

An event is written, with one ledger row per endpoint subscribed to its type, in the
caller's transaction: it exists if and only if the change does, so a crash or a broker
outage loses none. After commit each endpoint's queue is handed to the broker
(culture.jobs.after_commit: a broker that is down fails nobody; the sweeper hands over).
Nobody subscribed: nothing is written (one indexed SELECT).

Payloads carry ids, links and public fields only: what every employee may already see on
the page the link opens. Never keeper answers, salaries or pay, feedback text or circle
items, and nothing about a confidential memo (it emits no event at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from culture import jobs
from webhooks.models import EVENT_NAMES, Endpoint, Event, WebhookDelivery

# How long a delivery is retried before it is marked failed.
RETRY_FOR = timedelta(hours=24)


def link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def emit(event_type: str, data: dict, *, occurred_at=None) -> int:
    """Record one event for every endpoint subscribed to `event_type`; how many
    deliveries were queued."""
    return emit_many(event_type, [data], occurred_at=occurred_at)


def _subscribers(event_type: str) -> list[int]:
    if event_type not in EVENT_NAMES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    return list(Endpoint.objects.subscribed_to(event_type).values_list("pk", flat=True))


def emit_many(event_type: str, datas: Iterable[dict], *, occurred_at=None, endpoint_ids=None):
    endpoint_ids = _subscribers(event_type) if endpoint_ids is None else endpoint_ids
    datas = list(datas)
    if not endpoint_ids or not datas:
        return 0
    now = timezone.now()
    created = Event.objects.bulk_create(
        [Event(type=event_type, data=data, occurred_at=occurred_at or now) for data in datas],
        batch_size=1000,
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event=event,
                created_at=now,
                next_attempt_at=now,
                give_up_at=now + RETRY_FOR,
            )
            for event in created
            for endpoint_id in endpoint_ids
        ],
        batch_size=1000,
    )
    jobs.after_commit_each("webhooks.tasks.deliver_endpoint", [[pk] for pk in sorted(endpoint_ids)])
    return len(created) * len(endpoint_ids)


# --- payloads: public fields only -------------------------------------------------------------


# The Person fields a person.* payload shows (person_data): a change to any other field
# (level, pay, location...) is not an event.
PERSON_FIELDS = ("name", "email", "title", "team", "manager", "is_active")


def person_data(person) -> dict:
    """What the directory shows every employee: no pay, level, keeper or feedback data."""
    return {
        "id": person.pk,
        "url": link(reverse("people:profile", args=[person.pk])),
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "team": {"id": person.team_id, "name": person.team.name} if person.team_id else None,
        "manager_id": person.manager_id,
        "is_active": person.is_active,
    }


def emit_people(event_type: str, person_ids: Iterable[int]) -> int:
    """person.created / updated / deactivated for these people, read back as they are now."""
    from culture.models import Person

    person_ids = list(person_ids)
    if not person_ids:
        return 0
    endpoint_ids = _subscribers(event_type)
    if not endpoint_ids:
        return 0
    people = Person.objects.filter(pk__in=person_ids).select_related("team").order_by("pk")
    return emit_many(event_type, [person_data(p) for p in people], endpoint_ids=endpoint_ids)


def snapshot_people(people) -> dict[int, dict] | None:
    """Payloads of these people before a bulk change (None when nobody listens), for
    emit_people_changed: the people whose public fields the change left alone emit nothing.
    The people should come with their team (select_related)."""
    if not _subscribers("person.updated"):
        return None
    return {p.pk: person_data(p) for p in people}


def emit_people_changed(before: dict[int, dict] | None) -> int:
    """person.updated for each person of the snapshot whose payload changed."""
    from culture.models import Person

    if not before:
        return 0
    people = Person.objects.filter(pk__in=list(before)).select_related("team").order_by("pk")
    changed = [data for data in map(person_data, people) if data != before[data["id"]]]
    return emit_many("person.updated", changed)
