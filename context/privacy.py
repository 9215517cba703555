"""The context app's part of a person's data (culture.privacy): the revisions they saved.
Nothing is deleted at erasure: context pages are open to everyone and part of the company's
record; a revision of an erased person names "a former colleague" through the person row,
and its author becomes empty when the row itself is deleted (SET_NULL)."""

from __future__ import annotations

from typing import Any

from context.models import ContextRevision
from culture.models import Person


def export(person: Person, *, viewer: Person) -> dict[str, Any]:
    """One query, whatever the amount."""
    revisions = (
        ContextRevision.objects.filter(author=person)
        .select_related("page__team")
        .order_by("created_at", "id")
    )
    return {
        "context_revisions": [
            {
                "page": "company" if r.page.is_company else r.page.team.slug,  # type: ignore[union-attr]
                "number": r.number,
                "created_at": r.created_at,
                "summary": r.summary,
                "north_star": r.north_star,
                "current_bets": r.current_bets,
                "will_not_do": r.will_not_do,
                "numbers": r.numbers,
            }
            for r in revisions
        ]
    }
