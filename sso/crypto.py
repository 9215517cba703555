"""Secrets at rest (the identity provider's client secret): Fernet, from `cryptography`.

The key: FIELD_ENCRYPTION_KEY, a comma-separated list of Fernet keys (make one with
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
The first encrypts; every one decrypts. Unset, one key is derived from SECRET_KEY with HKDF
(SHA-256, a fixed label), so the embedded setup needs nothing.

Rotating (README "Single sign-on and provisioning"): put the new key first and keep the old
one after it, restart, run `python manage.py sso_reencrypt` (re-encrypts every stored secret
with the first key), then drop the old key. Changing SECRET_KEY without FIELD_ENCRYPTION_KEY
set makes the stored secret unreadable: the page then says so and asks for it again.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class Unreadable(Exception):
    """The stored secret was encrypted with a key that is no longer configured."""


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"culture.sso.fields.v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    return MultiFernet([Fernet(_derived_key(secret_key))])


def fernet() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    return _fernet(keys, settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise Unreadable


def rotate(token: str) -> str:
    """The same secret, encrypted with the first key."""
    return fernet().rotate(token.encode()).decode() if token else ""
