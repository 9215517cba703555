"""Injection: the XSS corpus written into every user-writable text field of every model, then
every GET page of the matrix fetched as the personas who may see it: every payload is inert
(escaped or sanitised), whatever field it came through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import DatabaseError, models, transaction

from tests.conftest import build_world
from tests.security.helpers import CASES, body, client
from tests.security.xss_corpus import PAYLOADS

GETS = sorted(n for n, s in CASES.items() if s.method == "get")
# Not user-writable text, or not rendered as text: identifiers and secrets.
SKIP_FIELDS = {
    "email",
    "password",
    "slug",
    "key",
    "token",
    "content",
    "ip",
    "currency",
    "time_zone",
}
VIEWERS = ("employee", "manager", "skip_level", "people_admin")


def text_fields():
    """(model, field) for every free-text field of every product model."""
    out = []
    for model in apps.get_models():
        if model._meta.app_label not in ("culture", "keeper", "feedback", "decisions", "pay"):
            continue
        for f in model._meta.concrete_fields:
            if not isinstance(f, (models.CharField, models.TextField)) or f.choices:
                continue
            if f.name in SKIP_FIELDS or isinstance(f, (models.EmailField, models.SlugField)):
                continue
            if f.max_length and f.max_length < 60:
                continue
            out.append((model, f))
    return out


def poison() -> int:
    """Write a payload (cycling through the corpus) into every text field of every row."""
    n = 0
    for model, field in text_fields():
        for pk in model._default_manager.values_list("pk", flat=True):
            payload = PAYLOADS[n % len(PAYLOADS)]
            if field.max_length:
                payload = payload[: field.max_length - 6]
            value = f"{payload} {pk}"
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**{field.name: value})
            except DatabaseError:
                continue  # an append-only table (pay records, audit): written once, below
            n += 1
    return n


_TOKEN = re.compile(r"[A-Za-z0-9]{32,}")


class _Scan(HTMLParser):
    """Real elements and attributes (text that merely looks like markup is not flagged)."""

    INJECTED = {"iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base"}

    def __init__(self, nonce):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems = []

    def handle_starttag(self, tag, attrs):
        # Random CSRF tokens (64 letters and digits, in hx-headers and hidden inputs) can
        # contain "xss" by chance; mask them so only what a user wrote is judged.
        attrs = [(k.lower(), _TOKEN.sub("TOKEN", v or "")) for k, v in attrs]
        values = " ".join(v for _, v in attrs).lower()
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)[:100]}>"
        if tag == "script" and (not self.nonce or dict(attrs).get("nonce") != self.nonce):
            self.problems.append(f"script without the nonce: {where}")
        if tag in {"iframe", "object", "embed", "base"} or (
            tag in self.INJECTED and "xss" in values
        ):
            self.problems.append(f"injected element: {where}")
        for name, value in attrs:
            low = value.lower().replace("\t", "").strip()
            if name.startswith("on"):
                self.problems.append(f"event handler: {where}")
            if name.startswith("hx-") and "xss" in low:
                self.problems.append(f"htmx attribute: {where}")
            if name in ("href", "src", "action", "data", "formaction", "xlink:href") and (
                low.startswith(("javascript:", "data:", "vbscript:")) or "xss" in low
            ):
                self.problems.append(f"script URL: {where}")
            if name == "style" and "xss" in values:
                self.problems.append(f"inline style: {where}")


def inert_problems(text: str, csp_nonce: str | None) -> list[str]:
    scan = _Scan(csp_nonce)
    scan.feed(text)
    problems = scan.problems
    if "49xss" in text or "xss49" in text:
        problems.append("template syntax was evaluated")
    return problems


def test_the_corpus_reaches_every_kind_of_text_field():
    labels = {f"{m._meta.label_lower}.{f.name}" for m, f in text_fields()}
    for expected in (
        "culture.person.name",
        "culture.person.title",
        "culture.team.name",
        "decisions.memo.title",
        "feedback.circleitem.text",
        "feedback.actionitem.text",
        "feedback.writtenfeedback.text",
        "keeper.keepernote.text",
        "pay.marketevidence.note",
    ):
        assert expected in labels, expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", GETS)
def test_every_page_shows_the_corpus_inert(name):
    world = build_world()
    spec = CASES[name]
    extra = spec.setup(world) if spec.setup else {}
    url = spec.url(world, extra)
    assert poison() > 0
    problems = []
    for persona in VIEWERS:
        response = client(world, persona).get(url, headers=spec.headers)
        if response.status_code != 200:
            continue
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue
        text = body(response)
        nonce = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
        problems += [
            f"{persona}: {p}" for p in inert_problems(text, nonce.group(1) if nonce else None)
        ]
    assert not problems, f"{name}:\n" + "\n".join(sorted(set(problems))[:20])
