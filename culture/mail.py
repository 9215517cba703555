"""The email the delivery ledger sends: Django's EmailMultiAlternatives, built cheaper.

Opening a keeper cycle hands one email per manager and report to the mail backend, and every
backend calls `message()` and `as_bytes()`: Python's `email` package with a modern policy.
Two parts of that are work for nothing when it is done a hundred thousand times, and this
class takes them out without changing what is sent (but the random boundary, whose shorter
length can leave the Content-Type line unfolded):

- **The header classes.** The standard `HeaderRegistry` makes a new class (`type(...)`) for
  each header every time one is parsed or folded, about thirty a message, which the garbage
  collector must then take apart. `_HeaderClasses` makes each once.
- **The multipart boundary.** Left to the generator, each message compiles a new regular
  expression to prove its random boundary absent from the text. The boundary is set here
  instead: `=_` and 24 random hex digits, which quoted-printable and base64 cannot produce,
  checked against every part's text as given.

The figures are in bench/README.md ("Issue 26, fourth round"); the test beside
culture.notifications (tests/culture/test_mail.py) compares the bytes with Django's own.
"""

from __future__ import annotations

import email.policy
import secrets
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy, Policy

from django.core.mail import EmailMultiAlternatives


class _HeaderClasses(HeaderRegistry):
    """HeaderRegistry, with the class for each header name made once."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


_HEADER_CLASSES = _HeaderClasses()


def _quick(policy: Policy | None) -> Policy | None:
    """`policy` with the registry above, unless it brings a header factory of its own."""
    if isinstance(policy, EmailPolicy) and type(policy.header_factory) is HeaderRegistry:
        return policy.clone(header_factory=_HEADER_CLASSES)
    return policy


class LedgerEmail(EmailMultiAlternatives):
    def message(self, *, policy: Policy | None = email.policy.default) -> EmailMessage:
        msg = super().message(policy=_quick(policy))
        if msg.is_multipart():
            msg.set_boundary(self._boundary())
        return msg

    def _boundary(self) -> str:
        parts = [self.body, *(content for content, _mimetype in self.alternatives)]
        for attachment in self.attachments:
            parts.append(
                attachment.get_content() if isinstance(attachment, MIMEPart) else attachment[1]
            )
        texts = [p.decode(errors="replace") if isinstance(p, bytes) else str(p) for p in parts]
        while True:
            boundary = "=_" + secrets.token_hex(12)
            if not any(boundary in text for text in texts):
                return boundary
