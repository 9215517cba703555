# The browser fixtures (`browser`, `browse`) are shared from tests/conftest.py.
"""The shared walk of the site (tests/security/walk.py): built once, used by the tests that
ask for `walked` or `walked_with_corpus` one after another, emptied after the last of them."""

from __future__ import annotations

import pytest
from pytest_django.plugin import blocking_manager_key

from tests.security import walk

FIXTURES = ("walked", "walked_with_corpus")


def _walk_order(item) -> int:
    """The walk alone first, then with the corpus (rolled back), then the transactional test
    that empties the database: each step reuses what the one before built."""
    if "walked_with_corpus" not in item.fixturenames:
        return 0
    marker = item.get_closest_marker("django_db")
    return 2 if marker is not None and marker.kwargs.get("transaction") else 1


def pytest_collection_modifyitems(items):
    """The tests that share the walk run in a row, in the order that builds it once."""
    sharing = [i for i, item in enumerate(items) if set(FIXTURES) & set(item.fixturenames)]
    if sharing:
        ordered = sorted((items[i] for i in sharing), key=_walk_order)
        moved = set(sharing)
        rest = [item for i, item in enumerate(items) if i not in moved]
        items[:] = rest[: sharing[0]] + ordered + rest[sharing[0] :]


@pytest.fixture(scope="session")
def _walk_released(django_db_setup, django_db_blocker):
    """Torn down before the test database is: the last test of a worker may have used it."""
    yield
    with django_db_blocker.unblock():
        walk.release()


def _walked(request, django_db_blocker, *, corpus: bool) -> walk.Walk:
    # Built and committed outside the test's transaction; a test without a django_db mark
    # then gets its own transaction (`db`), rolled back after it, over the shared state.
    with django_db_blocker.unblock():
        shared = walk.get(corpus=corpus)
    if request.node.get_closest_marker("django_db") is None:
        request.getfixturevalue("db")
    return shared


@pytest.fixture
def walked(request, _walk_released, django_db_blocker) -> walk.Walk:
    """The company and the crawl of every page each persona is shown (walk.py)."""
    return _walked(request, django_db_blocker, corpus=False)


@pytest.fixture
def walked_with_corpus(request, _walk_released, django_db_blocker) -> walk.Walk:
    """The same, with the XSS corpus written through every form (walk.written)."""
    return _walked(request, django_db_blocker, corpus=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test in a row that shares the walk, empty the database it is in, so
    that the next test starts as every test does. (After the last test of all, the session
    fixture above has done it, before the test database went away.)"""
    try:
        return (yield)
    finally:
        uses = any(f in getattr(nextitem, "fixturenames", ()) for f in FIXTURES)
        if nextitem is not None and not uses and walk.current() is not None:
            with item.config.stash[blocking_manager_key].unblock():
                walk.release()
