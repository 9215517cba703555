"""culture.mail.LedgerEmail: the bytes Django's own EmailMultiAlternatives would send, built
with each header class made once and the boundary chosen without a regular expression."""

import email
import email.policy
import re
from email.headerregistry import HeaderRegistry

import pytest
from django.core.mail import EmailMultiAlternatives

from culture import mail as culture_mail
from culture.mail import LedgerEmail
from culture.notifications import _part

LONG = "Platform meets twice a year; no circle with your reports is held or planned. " * 3
ICS = (
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Cercle de feedback — équipe\r\nEND:VCALENDAR\r\n"
)


def _pair(**extra):
    """The same message as Django's class and as ours."""
    args = dict(
        subject="Évaluation du trimestre — équipe 東京, a subject long enough to be folded once",
        body=f"Bonjour Zoë,\n\n{LONG}\n",
        from_email="Culture <culture@example.com>",
        to=["Zoë Müller <zoe@example.com>", "dana@example.com"],
        headers={"Date": "Mon, 07 Dec 2026 05:00:00 +0000", "Message-ID": "<1.keeper@culture>"},
        **extra,
    )
    ours, django = LedgerEmail(**args), EmailMultiAlternatives(**args)
    for message in (ours, django):
        message.attach_alternative(f"<p>Bonjour Zoë,</p><p>{LONG}</p>", "text/html")
    return ours, django


def _flat(message, policy):
    """The message's bytes with each multipart boundary replaced by its place, and the
    Content-Type line a long boundary folds unfolded (ours is 26 characters, the standard
    library's 36)."""
    msg = message.message(policy=policy)
    data = msg.as_bytes()
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        data = data.replace(part.get_boundary().encode(), f"BOUNDARY-{i}".encode())
    return re.sub(rb";\r?\n boundary=", b"; boundary=", data)


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
@pytest.mark.parametrize("with_invite", [False, True])
def test_the_bytes_are_djangos_but_for_the_boundary(policy, with_invite):
    ours, django = _pair()
    if with_invite:
        for message in (ours, django):
            message.attach(_part("invite.ics", ICS, "text/calendar; method=REQUEST"))
    mine, theirs = _flat(ours, policy), _flat(django, policy)
    assert mine == theirs
    assert b"=?utf-8?" in mine  # the subject and a name were encoded, not passed raw
    parsed = email.message_from_bytes(ours.message(policy=policy).as_bytes(), policy=policy)
    bodies = [p.get_content() for p in parsed.walk() if not p.is_multipart()]
    assert bodies[0].replace("\r\n", "\n") == ours.body
    if with_invite:
        assert bodies[-1].replace("\r\n", "\n") == ICS.replace("\r\n", "\n")


def test_the_boundary_is_never_a_string_the_parts_contain(monkeypatch):
    ours, _django = _pair()
    ours.body += " =_" + "a" * 24
    tokens = iter(["a" * 24, "b" * 24])
    monkeypatch.setattr(culture_mail.secrets, "token_hex", lambda n: next(tokens))
    assert ours.message().get_boundary() == "=_" + "b" * 24


def test_each_header_class_is_made_once_and_other_factories_are_left_alone():
    policy = culture_mail._quick(email.policy.default)
    assert policy.header_factory["Subject"] is policy.header_factory["subject"]
    assert HeaderRegistry()["Subject"] is not HeaderRegistry()["Subject"]  # why it exists

    class Own(HeaderRegistry):
        pass

    own = email.policy.default.clone(header_factory=Own())
    assert culture_mail._quick(own) is own
