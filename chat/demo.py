"""Demo: a few people who chose how messages reach them (Slack is not connected in the demo:
it needs a real Slack app), so the preferences page and the digest have something to show."""

from __future__ import annotations

from datetime import time

from chat.models import DeliveryPreference


def seed(*, people, rng, scale: int = 1) -> str:
    everyone = [p for p in people["all"] if p.pk != people["employee"].pk]
    chosen = rng.sample(everyone, k=max(1, len(everyone) // 10))
    rows = []
    for i, person in enumerate(chosen):
        if i % 3 == 0:
            rows.append(DeliveryPreference(person=person, digest=True, digest_at=time(8, 30)))
        elif i % 3 == 1:
            rows.append(
                DeliveryPreference(person=person, quiet_from=time(19, 0), quiet_until=time(8, 0))
            )
        else:
            rows.append(DeliveryPreference(person=person, channels={"memos": "app"}))
    # The demo's employee reads memos in the app and gets the rest in a morning digest.
    rows.append(
        DeliveryPreference(
            person=people["employee"],
            channels={"memos": "app"},
            digest=True,
            digest_at=time(8, 0),
        )
    )
    DeliveryPreference.objects.bulk_create(rows, ignore_conflicts=True)
    return f"{len(rows)} people chose how messages reach them"
