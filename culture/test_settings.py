"""Settings for the test suite: the production settings with test-friendly transport.

Tests run over plain http on loopback, so the HTTPS-only protections are off here;
everything else (CSP, lock-out, MAILERS, Redis when REDIS_URL is set) is as in production.
"""

import os

os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("MAIL_URL", "locmem:")

from culture.settings import *  # noqa: E402,F403
from culture.settings import AUTH_PASSWORD_VALIDATORS  # noqa: E402,F401

# Fast hashing keeps persona creation cheap; production hashes with Argon2 (settings.py;
# tests/culture/test_password_hashing.py checks the production list).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate-limit counts are forgotten before each test (tests/conftest.py); each pytest-xdist
# worker keeps its own, so that one worker's reset or requests never touch another's.
RATE_LIMIT_PREFIX = f"rl-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
# The webhook tests' receivers listen on 127.0.0.1; tests/webhooks/test_addresses.py turns
# this off to check the refusal.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
# The same for everything else in the cache (allauth's used second-factor codes and its
# limits among them): each worker's test database numbers people from 1, so one worker's
# "code 123456 used by person 10" must not refuse another's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES["default"]["KEY_PREFIX"] = f"{CACHES['default'].get('KEY_PREFIX', 'culture')}-{_worker}"  # noqa: F405
# allauth's limit on wrong second-factor codes counts per address as well as per person; every
# test's browser and client come from 127.0.0.1 and share Redis across pytest-xdist workers,
# so one test's deliberate wrong codes would refuse another's right one. The per-person limit
# (5 in 5 minutes, tests/sso/test_two_factor.py) is kept; the per-address one is raised.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login_failed": "1000/m/ip,5/300s/key"}  # noqa: F405
