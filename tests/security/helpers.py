"""Shared helpers for the attack suites: the matrix cases, clients per persona, a database
fingerprint."""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from django.test import Client

from tests.conftest import PERSONAS
from tests.culture.test_authz_matrix import CASES  # noqa: F401  (re-exported)

# Tables a read may legitimately write: sessions, the login-attempt log and the audit log
# (every read of confidential data appends one row by design).
NOT_STATE = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
AUDIT_TABLE = "culture_auditevent"


def client(world, persona: str, **kwargs) -> Client:
    c = Client(**kwargs)
    person = world.inactive if persona == "inactive" else world.persona(persona)
    if person is not None:
        c.force_login(person)
    return c


def allowed_persona(spec) -> str | None:
    """The first logged-in active persona the case lets through (status below 400)."""
    for persona in PERSONAS:
        if persona in ("anonymous", "inactive"):
            continue
        if spec.expected(persona) < 400:
            return persona
    return None


def tables() -> list[str]:
    names = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    return sorted(names - NOT_STATE - {AUDIT_TABLE})


def load_singletons() -> None:
    """The settings singletons are created with their defaults on first read; create them
    up front so that a first read is not counted as a state change."""
    from culture.models import CompanySettings
    from feedback.models import FeedbackPolicy
    from keeper.models import KeeperPolicy
    from pay.models import PayPolicy

    for model in (CompanySettings, FeedbackPolicy, KeeperPolicy, PayPolicy):
        model.load()


def fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every model's table."""
    # One statement for all the tables (about a hundred): the sweeps take ten fingerprints a
    # page, and a round trip a table was a third of their time.
    names = tables()
    sql = " UNION ALL ".join(
        f"SELECT {i}, count(*), md5(coalesce(string_agg(md5(t::text), '' "
        f"ORDER BY md5(t::text)), '')) FROM \"{table}\" t"
        for i, table in enumerate(names)
    )
    with connection.cursor() as cur:
        cur.execute(sql)  # noqa: S608 - table names from the models, quoted
        return {names[i]: (count, digest) for i, count, digest in cur.fetchall()}


def body(response) -> str:
    if getattr(response, "streaming", False):
        # Streams in the matrix are for ended circles: they send their event and close.
        if response.is_async:
            from asgiref.sync import async_to_sync

            async def collect():
                return [chunk async for chunk in response.streaming_content]

            chunks = async_to_sync(collect)()
        else:
            chunks = list(response.streaming_content)
        return b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode(
            "utf-8", "replace"
        )
    return response.content.decode("utf-8", "replace")
