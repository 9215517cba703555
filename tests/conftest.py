"""Personas, factories and shared fixtures.

The personas form one small company:

    ceo
    ├── skip_level (director: manages managers)
    │   └── manager
    │       ├── employee
    │       ├── peer
    │       └── inactive (deactivated)
    ├── other_director
    │   └── other_manager (manager of another team)
    │       └── outsider (another branch of the tree)
    └── people_admin
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password

from culture.models import CompanySettings, Person, Team

PASSWORD = "correct-horse-battery"
# The people admin persona's authenticator app (issue 21): the company requires a second
# factor of people admins by default, so build_world gives them one, and tests that log in
# through the form type the code `totp_code` computes, as the person's phone would.
ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Tests that give another persona an app use theirs from here, so the browser login helper
# can answer for them too (tests/sso/access_matrix.py gives the employee one).
TOTP_SECRETS = {
    "admin@example.test": ADMIN_TOTP_SECRET,
    "employee@example.test": "JBSWY3DPEHPK3PXPKRSXG5CTMVRXEZLU",
}


def a_zone_in_its_morning() -> str:
    """A zone where it is late morning now (10:00 to 12:59), for tests with a real worker of
    the daily reminders, which wait for the reader's morning (chat.routing.morning_start):
    wall-clock time cannot be frozen in another process."""
    offset = (11 - datetime.now(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"  # Etc/GMT-3 is UTC+3


def totp_code(secret: str = ADMIN_TOTP_SECRET, at: float | None = None) -> str:
    """The code an authenticator app shows now (or at `at`) for `secret` (RFC 6238). Now,
    with under 2 s of its step left, the next step's: it will still be good when it arrives
    (the settings accept one step either side)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    when = at or time.time()
    if at is None and when % 30 > 28:
        when += 2
    return format_hotp_value(hotp_value(secret, int(when // 30)))


_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = make_password(password)
    return _hash_cache[password]


def make_team(*, name: str | None = None, slug: str | None = None) -> Team:
    n = next(_counter)
    name = name or f"Team {n}"
    return Team.objects.create(name=name, slug=slug or f"team-{n}")


def make_person(
    *,
    name: str | None = None,
    email: str | None = None,
    manager: Person | None = None,
    team: Team | None = None,
    title: str = "Engineer",
    job_family: str = "Engineering",
    level: int | None = 4,
    location: str = "London",
    start_date: date | None = date(2022, 1, 10),
    is_active: bool = True,
    is_people_admin: bool = False,
    password: str = PASSWORD,
) -> Person:
    n = next(_counter)
    return Person.objects.create(
        name=name or f"Person {n}",
        email=email or f"person{n}@example.test",
        manager=manager,
        team=team,
        title=title,
        job_family=job_family,
        level=level,
        location=location,
        start_date=start_date,
        is_active=is_active,
        is_people_admin=is_people_admin,
        password=_hash(password),
    )


def run_jobs() -> int:
    """Run every deferred job (culture.jobs) now, in this process, as a worker would; for
    tests without a worker. Returns how many ran."""
    from culture import jobs
    from culture.models import Job

    ran = 0
    for job_id in Job.objects.filter(status=Job.Status.PENDING).values_list("pk", flat=True):
        ran += jobs.run(job_id)
    return ran


def run_in_thread(coro):
    """asyncio.run in its own thread (Playwright's sync API may own this thread's loop)."""
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


@dataclass
class World:
    ceo: Person
    skip_level: Person
    manager: Person
    employee: Person
    peer: Person
    inactive: Person
    other_director: Person
    other_manager: Person
    outsider: Person
    people_admin: Person
    team: Team
    other_team: Team

    def persona(self, name: str) -> Person | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = [
    "anonymous",
    "employee",
    "peer",
    "manager",
    "skip_level",
    "other_manager",
    "outsider",
    "people_admin",
    "inactive",
]


def build_world() -> World:
    from freedom.defaults import add_default_guides
    from freedom.models import Guide

    CompanySettings.load()
    # What the first migrate leaves in every company (a transactional test's flush takes it).
    add_default_guides(Guide)
    team = make_team(name="Platform", slug="platform")
    other_team = make_team(name="Growth", slug="growth")
    ceo = make_person(name="Cora CEO", email="ceo@example.test", level=9, title="CEO")
    skip_level = make_person(
        name="Sam Skip",
        email="skip@example.test",
        manager=ceo,
        team=team,
        level=8,
        title="Director",
    )
    manager = make_person(
        name="Mia Manager",
        email="manager@example.test",
        manager=skip_level,
        team=team,
        level=6,
        title="Engineering Manager",
    )
    employee = make_person(
        name="Eli Employee", email="employee@example.test", manager=manager, team=team
    )
    peer = make_person(name="Pat Peer", email="peer@example.test", manager=manager, team=team)
    inactive = make_person(
        name="Ida Inactive",
        email="inactive@example.test",
        manager=manager,
        team=team,
        is_active=False,
    )
    other_director = make_person(
        name="Olga Director",
        email="otherdirector@example.test",
        manager=ceo,
        team=other_team,
        level=8,
    )
    other_manager = make_person(
        name="Omar Manager",
        email="othermanager@example.test",
        manager=other_director,
        team=other_team,
        level=6,
    )
    outsider = make_person(
        name="Otto Outsider",
        email="outsider@example.test",
        manager=other_manager,
        team=other_team,
        job_family="Marketing",
    )
    people_admin = make_person(
        name="Ada Admin",
        email="admin@example.test",
        manager=ceo,
        is_people_admin=True,
        job_family="People",
        title="Head of People",
    )
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(people_admin, ADMIN_TOTP_SECRET)
    return World(
        ceo=ceo,
        skip_level=skip_level,
        manager=manager,
        employee=employee,
        peer=peer,
        inactive=inactive,
        other_director=other_director,
        other_manager=other_manager,
        outsider=outsider,
        people_admin=people_admin,
        team=team,
        other_team=other_team,
    )


def _long(item) -> bool:
    return any(item.iter_markers("e2e")) or any(item.iter_markers("xdist_group"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `xdist_group` marks work under pytest 9 (`make test` runs --dist loadgroup).

    pytest-xdist (3.8) groups a marked test by renaming it in the worker (`item._nodeid` gets
    an "@<group>" suffix, which its scheduler reads); pytest 9 derives `nodeid` from `item._id`
    instead, so the rename did nothing and every group's tests were spread over both workers:
    the fault tests ran two at once, which tests/faults/__init__.py says they must not. Here
    the same suffix is put where pytest 9 reads it (only if xdist's own rename did not work).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    # The long tests first (real browsers, and the groups that run one after another in one
    # worker): pytest-xdist hands out tests in this order, so a sweep of minutes that came
    # last (pytest-randomly shuffles) would leave the other worker idle while it ran.
    items.sort(key=lambda item: not _long(item))
    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid.rpartition("]")[2]:
            item._id = type(item._id).parse(f"{item.nodeid}@{'_'.join(sorted(groups))}")


@pytest.fixture(scope="session", autouse=True)
def _static_files_listed_once():
    """List the static files once per process, not once per test client.

    Every Django test `Client` builds its own middleware chain on its first request, and
    WhiteNoise's middleware lists every static file it serves when it is built, reading each
    one's size, date and compressed variants from the disk: the finders' files (about 200)
    and STATIC_ROOT's, which `collectstatic` fills (`make run` and `make bench` run it: about
    390 files and their compressed copies, and listing them made the authorization matrix
    take 203 s instead of 75). The sweeps make a client per persona per page. Here the first
    chain of a process lists them and later chains take the same entries: the middleware
    still serves from its own dictionary, as in production, where a process builds its
    chain once. The key holds every setting the entries depend on, so a test that overrides
    one lists them again.
    """
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    listed: dict[tuple, dict] = {}

    def settings_key(self) -> tuple:
        return (
            self.static_prefix,
            repr(settings.STATICFILES_DIRS),
            repr(settings.STORAGES),
            settings.DEBUG,
            tuple((n, repr(getattr(settings, n))) for n in dir(settings) if "WHITENOISE" in n),
        )

    def once(original, key_of):
        def listing(self, *args, **kwargs) -> None:
            if self.autorefresh:  # nothing listed: each request looks at the disk
                return original(self, *args, **kwargs)
            key = (key_of(self, *args, **kwargs), settings_key(self))
            if key not in listed:
                before = dict(self.files)
                original(self, *args, **kwargs)
                listed[key] = {u: f for u, f in self.files.items() if before.get(u) is not f}
            self.files.update(listed[key])

        return listing

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            WhiteNoiseMiddleware,
            "add_files_from_finders",
            once(WhiteNoiseMiddleware.add_files_from_finders, lambda self: "finders"),
        )
        patch.setattr(
            WhiteNoiseMiddleware,
            "add_files",
            once(
                WhiteNoiseMiddleware.add_files,
                lambda self, root, prefix=None: (str(root), prefix),
            ),
        )
        yield


# Kept by the quick flush below: the rows `post_migrate` writes again after Django's flush.
POST_MIGRATE_TABLES = ("django_content_type", "auth_permission")


def tables_with_pages(connection, tables) -> list[str]:
    """Those of `tables` whose files hold pages: rows, or dead rows not vacuumed yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' "
            "AND pg_relation_size(oid) > 0 ORDER BY relname",
            [list(tables)],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    """Empty the tables after a transactional test with DELETE and VACUUM, not Django's flush.

    Django's flush ends a transactional test with one TRUNCATE of all 85 tables and then
    `post_migrate`, which writes the content types and permissions again: 450-700 ms a test
    on these machines (PostgreSQL makes new files for every table and index). Here only the
    tables with pages on disk (rows, or the dead rows of tests rolled back since) are
    emptied, by DELETE in one transaction with `session_replication_role = replica`, which
    skips the foreign key checks (everything goes) and the append-only triggers of the audit
    log and the pay records (culture/0002, pay/0002), as TRUNCATE does; then VACUUM gives
    their pages back, as TRUNCATE would: without it the dead rows would stay (autovacuum is
    off on these machines) for every later test to read. 10-20 ms a test. The content types
    and permissions stay as the last full flush left them; if a test changed them, or
    PostgreSQL refuses the setting (it needs a superuser), Django's own flush runs.
    """
    from django.db import DatabaseError, connections, transaction
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    kept: dict[str, str] = {}  # database alias -> the kept tables' rows after a full flush

    def kept_rows(connection) -> str:
        parts = " || ".join(
            f"(SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t.id)), '') FROM {t} t)"
            for t in POST_MIGRATE_TABLES
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {parts}")  # noqa: S608 (fixed table names)
            return cursor.fetchone()[0]

    def emptied(connection) -> bool:
        alias = connection.alias
        if connection.vendor != "postgresql" or alias not in kept or connection.in_atomic_block:
            return False
        quote = connection.ops.quote_name
        try:
            if kept_rows(connection) != kept[alias]:
                return False
            tables = connection.introspection.django_table_names(
                only_existing=True, include_views=False
            )
            flushed = [t for t in tables if t not in POST_MIGRATE_TABLES]
            used = [quote(name) for name in tables_with_pages(connection, flushed)]
            if not used:
                return True
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.execute(
                    "SET LOCAL session_replication_role = replica;"
                    + "".join(f"DELETE FROM {t};" for t in used)
                )
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {', '.join(used)}")
        except DatabaseError:  # e.g. no privilege to set the role: Django's flush
            return False
        return True

    def _fixture_teardown(self) -> None:
        aliases = self._databases_names(include_mirrors=False)
        if (
            self.available_apps is None
            and not self.serialized_rollback
            and all(emptied(connections[alias]) for alias in aliases)
        ):
            return
        original(self)
        for alias in aliases:
            if connections[alias].vendor == "postgresql":
                kept[alias] = kept_rows(connections[alias])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", _fixture_teardown)
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Every test starts with no rate-limit counts (culture/ratelimit.py): they live in the
    cache (Redis, or the file cache), outside the test database, so without this one test's
    requests would count against the next. Tests that need another limit set it with the
    `settings` fixture (RATE_LIMITS); none raises the limits for everyone."""
    from culture import ratelimit

    with contextlib.suppress(Exception):  # no cache to reach (a test that stops Redis)
        ratelimit.reset()
        _forget_allauth_cache()


def _forget_allauth_cache() -> None:
    """allauth keeps its limits and the second-factor codes already used in the cache; people
    are numbered from 1 in every test's database, so "code 123456 used by person 10" from one
    test would refuse the next test's person 10 within the same 30 seconds."""
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("allauth*"), count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def employee(world):
    return world.employee


@pytest.fixture
def peer(world):
    return world.peer


@pytest.fixture
def manager(world):
    return world.manager


@pytest.fixture
def skip_level(world):
    return world.skip_level


@pytest.fixture
def people_admin(world):
    return world.people_admin


@pytest.fixture
def outsider(world):
    return world.outsider


@pytest.fixture
def other_manager(world):
    return world.other_manager


@pytest.fixture
def inactive_user(world):
    return world.inactive


@pytest.fixture
def client_for(client):
    """client_for(person) -> a Django test client logged in as that person (None: anonymous)."""
    from django.test import Client

    def _make(person):
        c = Client()
        if person is not None:
            c.force_login(person)
        return c

    return _make


def require_service(name: str, reason: str):
    """Skip locally when a service is missing; fail under CI=true (never skip in CI).

    The skip is deliberate: a developer without Redis or Chromium can still run the rest of
    the suite, and the skip message names what is missing. `.ci/run` sets CI=true, so there a
    missing service fails the run instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


def celery_queue() -> str:
    """The Celery queue of this pytest worker (one per xdist worker: culture/test_settings.py);
    the Celery workers that tests start consume it, the app processes they start publish to it."""
    from django.conf import settings

    return settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        require_service("Redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        require_service("Redis", f"cannot reach {url}: {exc}")
    return url


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        require_service("Chromium", f"{path} not found (apt-get install -y chromium)")
    return path


class WorkerHandle:
    def __init__(self, process, mail_dir, env):
        self.process = process
        self.mail_dir = mail_dir
        self.env = env

    def sent_messages(self) -> list[str]:
        """The raw text of every email the worker handed to the (file) mail backend."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            content = path.read_text()
            # The file backend separates messages with a line of 79 dashes.
            messages += [m for m in content.split("-" * 79 + "\n") if m.strip()]
        return messages

    def sent_emails(self) -> list:
        """The same messages parsed: headers unfolded and decoded, bodies decoded. Look for
        text here, not in the raw file: a long subject folds and a non-ASCII body is
        quoted-printable, so where a line breaks depends on the date in the message."""
        import email
        import email.policy

        return [
            email.message_from_string(m.lstrip("\n"), policy=email.policy.default)
            for m in self.sent_messages()
        ]

    def sent_texts(self) -> list[str]:
        """Each message as its decoded subject, a blank line and its plain-text body."""
        return [
            f"{m['Subject']}\n\n{m.get_body(('plain',)).get_content()}" for m in self.sent_emails()
        ]

    def wait_for(self, predicate, timeout: float = 20.0, interval: float = 0.2):
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited with {self.process.returncode}")
            time.sleep(interval)
        raise TimeoutError(f"condition not met within {timeout:.0f}s")


@pytest.fixture
def celery_worker(transactional_db, redis_url, tmp_path):
    """A real Celery worker process against Redis and the test database.

    Use with committed data (this fixture makes the test transactional). Mail goes to a
    file backend in tmp_path; read it with `celery_worker.sent_messages()`.
    """
    import subprocess
    import sys
    import time

    import redis as redis_lib
    from django.db import connection

    # The worker shares this pytest worker's REDIS_URL and queue (culture/test_settings.py
    # gives each xdist worker its own); start from an empty queue so nothing from an earlier
    # test is picked up.
    worker_redis = redis_url
    queue = celery_queue()
    redis_lib.Redis.from_url(worker_redis).delete(queue)

    settings_dict = connection.settings_dict
    db_url = (
        f"postgres://{settings_dict['USER'] or 'postgres'}"
        + (f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else "")
        + f"@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "culture.test_settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": worker_redis,
        "MAIL_URL": f"file://{mail_dir}",
        "CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "culture",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    try:
        client = redis_lib.Redis.from_url(worker_redis)
        deadline = time.monotonic() + 30
        # Wait until the worker is consuming (it registers its queue binding in Redis).
        while time.monotonic() < deadline and not client.exists(f"_kombu.binding.{queue}"):
            if process.poll() is not None:
                raise RuntimeError("Celery worker failed to start")
            time.sleep(0.2)
        yield WorkerHandle(process, mail_dir, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- Real Chromium ----------------------------------------------------------------------------
# One Playwright instance at a time, per test module: while it runs, its event loop occupies
# this thread, and Django's test client could not serve async views (the live streams) to
# later tests. Defined here, once, so no suite starts a second one inside the first.


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; test bodies still use the
    # database synchronously, which is safe here (one thread, no real async code).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _test_db_free_at_exit(django_db_setup, django_db_blocker):
    """Set up before the live server, so torn down after it and before the test database is
    dropped: a live-stream request the server thread was still serving when the browser went
    away keeps that thread's connection, and the drop would then warn "database is being
    accessed by other users" and leave the database behind."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def browse(_test_db_free_at_exit, browser, live_server):
    """browse(person=None) -> Session; logs in as `person` (password from factories)."""
    from tests.e2e.conftest import Session

    sessions = []

    def _open(person=None, password: str = PASSWORD):
        session = Session(browser, live_server.url)
        sessions.append(session)
        if person is not None:
            session.login(person.email, password)
        return session

    yield _open
    for session in sessions:
        session.assert_clean()
        session.close()
