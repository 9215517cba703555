"""The company's keeper policy: cadence, dates, wording, severance months."""

from __future__ import annotations

from django.db import transaction

from culture import audit
from culture.models import Person
from keeper.models import KeeperPolicy


def do_update_policy(*, actor: Person, cleaned: dict) -> KeeperPolicy:
    """Applies from the next cycle: the open cycle keeps its snapshotted wording and dates."""
    with transaction.atomic():
        policy = KeeperPolicy.load()
        policy = KeeperPolicy.objects.select_for_update().get(pk=policy.pk)
        for name in ("cadence", "opening_month", "opening_hour", "due_days", "wording"):
            setattr(policy, name, cleaned[name])
        policy.severance_months = {str(lv): int(cleaned[f"level_{lv}"]) for lv in range(1, 10)}
        policy.updated_by = actor
        policy.save()
        audit.record(actor, "keeper.policy.updated", obj=policy)
    return policy
