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
