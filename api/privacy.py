"""The api app's part of a person's data (culture.privacy): their API tokens, described
(name, kind, scopes, dates; never a digest), and deleted when they are erased: a leaver's
tokens already open nothing (api.tokens.authenticate asks for an active person)."""

from __future__ import annotations

from api.models import ApiToken


def export(person, *, viewer) -> dict:
    rows = ApiToken.objects.filter(person=person).order_by("created_at", "id")
    return {
        "api_tokens": list(
            rows.values(
                "name",
                "kind",
                "scopes",
                "hint",
                "created_at",
                "expires_at",
                "last_used_at",
                "revoked_at",
            )
        )
    }


def erase(person, *, old_name: str, old_email: str) -> None:
    ApiToken.objects.filter(person=person).delete()
