"""The freedom app's part of a person's data (culture.privacy): their time away and the
guides they own. At erasure their time away goes (dates and notes about one person, of no
use to anyone once they are gone); guides they owned stay, with no owner, for an admin to
hand on."""

from __future__ import annotations

from typing import Any

from culture.models import Person
from freedom.models import Guide, TimeAway


def export(person: Person, *, viewer: Person) -> dict[str, Any]:
    return {
        "time_away": [
            {"from": e.starts_on, "to": e.ends_on, "note": e.note}
            for e in TimeAway.objects.filter(person=person).order_by("starts_on", "id")
        ],
        "guides_owned": [
            {"slug": g.slug, "title": g.title, "last_reviewed_on": g.last_reviewed_on}
            for g in Guide.objects.filter(owner=person).order_by("title", "id")
        ],
    }


def erase(person: Person, *, old_name: str, old_email: str) -> None:
    TimeAway.objects.filter(person=person).delete()
    Guide.objects.filter(owner=person).update(owner=None)
