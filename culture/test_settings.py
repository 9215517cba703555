"""Settings for the test suite: the production settings with test-friendly transport.

Tests run over plain http on loopback, so the HTTPS-only protections are off here;
everything else (CSP, lock-out, MAILERS, Redis when REDIS_URL is set) is as in production.
"""

import os
import sys

os.environ.setdefault("HTTPS", "false")


def _bytecode_cache() -> None:
    """Let the test processes keep compiled bytecode, in var/test/pycache, not the tree.

    With PYTHONDONTWRITEBYTECODE=1 (these machines set it; so does the Dockerfile) and a venv
    installed without .pyc files, every Python process compiles Django, Celery and the app
    from source: about 5 s of CPU each. The suite starts dozens of them (two pytest-xdist
    workers, and Celery workers and beats, uvicorn, manage.py in the real-process tests), so
    on a 2-core machine that was minutes of `make test`. Here the first process to import a
    module writes its bytecode under the prefix (Python checks each file against its source,
    so a changed module is compiled again) and the processes the tests start inherit the
    environment. The source tree stays free of __pycache__ folders; nothing else changes.
    """
    base = os.environ.get("VAR_DIR") or os.path.join(os.path.dirname(__file__), "..", "var", "test")
    prefix = os.environ.setdefault(
        "PYTHONPYCACHEPREFIX", os.path.abspath(os.path.join(base, "pycache"))
    )
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False


_bytecode_cache()
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("MAIL_URL", "locmem:")


def _for_xdist_worker(worker: str) -> None:
    """Give a pytest-xdist worker (gw0, gw1, ...) its own Redis database and var/ folder.

    Redis database N+i for worker gwi, N being REDIS_URL's: its cache, Celery queue, kombu
    bindings and live channels (culture/live.py names them by database) are then its own,
    so one worker's Celery worker never takes the other's tasks and one worker's reset or
    flush never touches the other's keys. `make test` runs two workers (Makefile), so it
    uses REDIS_URL's database and the next one. pytest-django already gives each worker its
    own test database (test_<name>_gw0, ...).

    The worker's environment is rewritten once, in the pytest worker; the processes its tests
    start (uvicorn, Celery, manage.py) inherit it, with CULTURE_XDIST_WORKER saying it was
    done, so a REDIS_URL a test hands them (a private redis-server) is taken as it is.
    """
    if os.environ.get("CULTURE_XDIST_WORKER") == worker:
        return
    os.environ["CULTURE_XDIST_WORKER"] = worker
    index = int(worker.removeprefix("gw"))
    url = os.environ.get("REDIS_URL", "")
    if url:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{base + index}"))
    # `make test` sets VAR_DIR to var/test (culture/devstack.py); a bare `pytest -n 2` too.
    var = os.environ.get("VAR_DIR") or os.path.join(os.path.dirname(__file__), "..", "var", "test")
    os.environ["VAR_DIR"] = os.path.abspath(os.path.join(var, worker))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if _worker != "main":
    _for_xdist_worker(_worker)

from culture.settings import *  # noqa: E402,F403
from culture.settings import AUTH_PASSWORD_VALIDATORS  # noqa: E402,F401

# Each xdist worker's Celery queue has its own name too (above, it has its own Redis
# database): a Celery worker a test starts consumes this queue only, and the app processes
# that test starts publish to it (both read these settings), so even two workers sharing one
# Redis database could not take each other's tasks. Outside xdist, Celery's own name.
CELERY_TASK_DEFAULT_QUEUE = "celery" if _worker == "main" else f"celery-{_worker}"

# Fast hashing keeps persona creation cheap; production hashes with Argon2 (settings.py;
# tests/culture/test_password_hashing.py checks the production list).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate-limit counts are forgotten before each test (tests/conftest.py); each pytest-xdist
# worker keeps its own, so that one worker's reset or requests never touch another's.
RATE_LIMIT_PREFIX = f"rl-{_worker}"
# The webhook tests' receivers listen on 127.0.0.1; tests/webhooks/test_addresses.py turns
# this off to check the refusal.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
# The same for everything else in the cache (allauth's used second-factor codes and its
# limits among them): each worker's test database numbers people from 1, so one worker's
# "code 123456 used by person 10" must not refuse another's.
CACHES["default"]["KEY_PREFIX"] = f"{CACHES['default'].get('KEY_PREFIX', 'culture')}-{_worker}"  # noqa: F405
# allauth's limit on wrong second-factor codes counts per address as well as per person; every
# test's browser and client come from 127.0.0.1 and share Redis across pytest-xdist workers,
# so one test's deliberate wrong codes would refuse another's right one. The per-person limit
# (5 in 5 minutes, tests/sso/test_two_factor.py) is kept; the per-address one is raised.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login_failed": "1000/m/ip,5/300s/key"}  # noqa: F405
