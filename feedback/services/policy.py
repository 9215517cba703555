"""The company's feedback policy (who in the chain may read written feedback)."""

from __future__ import annotations

from culture import audit
from culture.models import Person
from feedback.models import FeedbackPolicy


def do_set_policy(*, actor: Person, chain_may_read: bool) -> None:
    FeedbackPolicy.load()
    FeedbackPolicy.objects.filter(pk=1).update(chain_may_read=chain_may_read)
    audit.record(actor, "feedback.policy.changed", detail={"chain_may_read": chain_may_read})
