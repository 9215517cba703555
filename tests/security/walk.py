"""One walk of the site, shared by the suites that need it.

Four tests start from the same state: the personas' company, every matrix setup, and a crawl
of every page each persona is shown (forms.py `crawl`, about 1,200 requests). Two of them
then write the XSS corpus through every form (test_injection_forms.py and, before Chromium
opens the pages, test_xss_browser.py). Each used to build all of it for itself; here it is
built once per pytest process and committed, and each test then runs on it:

- the foreign-ids tests and the injection-forms test run in a transaction that is rolled
  back (`walked` fixture, then `db`), so each starts from exactly the state they share;
- the browser test is transactional (Chromium reaches the data through the live server), and
  pytest-django empties the database after it, as after any transactional test.

The state is kept only while the next test also asks for it: after the last one in a row,
`release_after` (tests/security/conftest.py) empties the database, so no other test ever
sees it. The tests that share it are in one xdist_group ("walk") so that they run in a row,
in one pytest-xdist worker. Every check of every test is unchanged; only the repeated
building is gone.

The state is built the way those tests built it: in autocommit (as test_xss_browser did),
so work deferred to a commit (jobs sent to the broker, pay notifications) has happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from culture.models import Person
from tests.conftest import World, build_world
from tests.security.forms import Site, crawl

FIXTURE = "walked"
GROUP = "walk"


@dataclass
class Walk:
    world: World
    site: Site
    written: object | None = None  # test_injection_forms.Written, once the corpus is in


_current: Walk | None = None


def _present(walk: Walk) -> bool:
    """Is this walk's company still in the database (not emptied by a transactional test)?"""
    ceo = walk.world.ceo
    return Person.objects.filter(pk=ceo.pk, email=ceo.email).exists()


def empty_database() -> None:
    """What pytest-django does after a transactional test: every table emptied."""
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False)


def get(*, corpus: bool) -> Walk:
    """The shared walk; with `corpus`, with the XSS corpus written through every form too.
    Must be called outside any transaction (the `walked` fixture does)."""
    global _current
    assert not connection.in_atomic_block, "request `walked` before `db` (not django_db)"
    walk = _current
    if walk is not None and (not _present(walk) or (walk.written is not None and not corpus)):
        # Emptied by a transactional test, or it holds the corpus and this test needs the
        # walk without it: start again from an empty database.
        _current = walk = None
        empty_database()
    if walk is None:
        world = build_world()
        walk = Walk(world=world, site=crawl(world))
        _current = walk
    if corpus and walk.written is None:
        from tests.security.test_injection_forms import write_corpus_through_forms

        walk.written = write_corpus_through_forms(walk.world, walk.site)
    return walk


def current() -> Walk | None:
    return _current


def release() -> None:
    """Forget the walk and empty the database it is in (unless a transactional test's
    teardown already did)."""
    global _current
    walk, _current = _current, None
    if walk is not None and _present(walk):
        empty_database()
