"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

    webhook-id: msg_...            the same on every try of one event
    webhook-timestamp: 1614265330  seconds since the epoch, of this try
    webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">

The secret is "whsec_" + base64 of 32 random bytes; the HMAC key is the decoded bytes.
Signed here with hmac and base64 from the standard library: it is five lines, and the
`standardwebhooks` package would be a new runtime dependency for them (the tests check this
module against the specification's own test vector).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header for one try."""
    digest = hmac.new(
        _key(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
