"""The two lookups every request makes, each one statement: the session (Django's database
backend) and the person with their unread count and the company's zone (culture.backends)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from culture import notifications
from culture.backends import PersonBackend
from culture.models import Notification

pytestmark = pytest.mark.django_db


def test_a_live_session_loads_in_one_statement():
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store["note"] = "hello"
    store.create()
    with CaptureQueriesContext(connection) as ctx:
        data = SessionStore(store.session_key).load()
    assert data == {"_auth_user_id": "42", "note": "hello"}
    assert len(ctx) == 1 and "django_session" in ctx[0]["sql"]


def test_an_expired_unknown_or_malformed_session_key_loads_nothing_and_drops_the_key():
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (store.session_key, "x" * 32, "short", None):
        loaded = SessionStore(key)
        assert loaded.load() == {}
        assert loaded.session_key is None


def test_the_person_lookup_counts_only_their_unread_notifications(world):
    backend = PersonBackend()
    for key in ("a", "b", "c"):
        notifications.notify(world.employee, key=key, kind="t", title="t", url="/")
    notifications.notify(world.peer, key="p", kind="t", title="t", url="/")
    read = Notification.objects.get(recipient=world.employee, key="c")
    notifications.mark_read(world.employee, read.pk)
    with CaptureQueriesContext(connection) as ctx:
        person = backend.get_user(world.employee.pk)
    assert len(ctx) == 1
    assert person == world.employee and person.unread_notifications == 2
    assert person.company_time_zone == "Europe/London"
    assert backend.get_user(world.manager.pk).unread_notifications == 0
    assert backend.get_user(world.inactive.pk) is None  # as ModelBackend: inactive is no one
    assert backend.get_user(10**9) is None
