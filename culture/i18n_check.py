"""Finds user-facing English that is not marked for translation (issue 25), for
tests/culture/test_translations.py and `make messages`.

- Templates (Django and Jinja2, pages and emails): any word outside `{% translate %}`,
  `{% blocktranslate %}` and `_("...")`, in text or in a user-facing attribute (aria-label,
  title, placeholder, alt, hx-confirm).
- Python: string literals in the calls and places that reach people: flash messages,
  ValidationError and the refusals (culture.errors.ActionRefused and its subclasses),
  form and model `label` / `verbose_name` / `help_text`, notification `title` / `body`,
  choices labels.

A literal that is deliberately not translated carries `# i18n: not translated (why)` on its
line. It is a lint, not a proof: it knows the places strings reach people in this codebase.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "culture",
    "keeper",
    "feedback",
    "decisions",
    "pay",
    "context",
    "freedom",
    "chat",
    "sso",
    "api",
    "webhooks",
)
# Not reaching people, or not at run time.
SKIP_PY = re.compile(
    r"(/migrations/|/management/|/tests?/|settings\.py$|devstack\.py$|checks\.py$|"
    r"demo\.py$|i18n_check\.py$|/formats/|"
    # The public API answers machines: its problem titles and details are English, as the
    # API reference documents (README, "The API").
    r"^/api/core\.py$)"
)
# Third-party pages we do not own (the API's Swagger page), and the benchmarks' floor page.
SKIP_TEMPLATES = re.compile(r"^(ninja/|culture/floor\.html$)")
ATTRS = frozenset({"aria-label", "title", "placeholder", "alt", "hx-confirm", "aria-description"})
# Names and codes that are the same in every language.
KEEP = frozenset(
    {
        "Culture",
        "Slack",
        "Microsoft",
        "Teams",
        "SCIM",
        "SAML",
        "OpenID",
        "Connect",
        "API",
        "CSV",
        "JSON",
        "HTTP",
        "HTTPS",
        "URL",
        "UTC",
        "ID",
        "SSO",
        "Netflix",
        "htmx",
        "QR",
        "TOTP",
        "WebAuthn",
        "ISO",
        "HMAC",
        "SHA",
    }
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
ENTITY = re.compile(r"&#?\w+;")
MARKER = "i18n: not translated"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def _english(text: str) -> str | None:
    text = ENTITY.sub(" ", text.replace("\x00", " "))
    words = [w for w in WORD.findall(text) if w not in KEEP]
    return " ".join(text.split()) if words else None


# Code and pictures: commands and paths are the same in every language.
SKIP_TAGS = frozenset({"script", "style", "svg", "code", "pre", "kbd", "samp"})


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[int, str]] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
        for name, value in attrs:
            if name in ATTRS and value and (text := _english(value)):
                self.found.append((self.getpos()[0], text))

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and (text := _english(data)):
            self.found.append((self.getpos()[0], text))


_OPEN = re.compile(r"^(blocktranslate|blocktrans|comment|verbatim)\b")
_CLOSE = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}


COMMENT = re.compile(r"\{#.*?#\}", re.S)
# `<tr{% if x %} class="y"{% endif %}>`: the tag's name runs into a template tag.
TAG_THEN_TAG = re.compile(r"<(\w+)(?=\x00)")


def _skeleton(source: str) -> str:
    """The template's own text: every tag, variable, comment and translated block becomes
    a NUL (line breaks kept, so lines still count). Comments first: Jinja2's span lines."""
    source = COMMENT.sub(lambda m: "\x00" + "\n" * m.group(0).count("\n"), source)
    out: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        raw = token.contents
        if token.token_type == TokenType.TEXT and closing is None:
            out.append(raw)
            continue
        if token.token_type == TokenType.BLOCK:
            name = raw.split()[0] if raw.split() else ""
            if closing is None and (m := _OPEN.match(name)):
                closing = _CLOSE.get(m.group(1), "end" + m.group(1))
            elif closing is not None and name == closing:
                closing = None
        out.append("\x00" + "\n" * raw.count("\n"))
    # A tag whose name a template tag chooses (`<{% if a %}a{% else %}button{% endif %}`).
    return TAG_THEN_TAG.sub(r"<\1 ", "".join(out).replace("<\x00", "<tpl "))


def template_findings(root: Path = ROOT / "templates") -> list[Finding]:
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.suffix not in (".html", ".txt") or SKIP_TEMPLATES.match(rel):
            continue
        parser = _Text()
        parser.feed(_skeleton(path.read_text()))
        parser.close()
        found += [Finding(f"templates/{rel}", line, text) for line, text in parser.found]
    return found


REFUSALS = frozenset(
    {
        "ValidationError",
        "ActionRefused",
        "InvalidInput",
        "Conflict",
        "Refused",
        "StepRefused",
        "ProposalNotOpen",
        "MixWindowClosed",
        "TeamsChannelError",
        "WebhookError",
        "AlreadyQueued",
        "DecisionError",
        "PageChanged",
    }
)
KEYWORDS = frozenset({"label", "verbose_name", "help_text", "title", "body", "empty_label"})
RELATIONS = frozenset({"OneToOneField", "ManyToManyField"})
MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error"})


def _literal(node: ast.AST | None) -> bool:
    """A bare string (or f-string) with a word in it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _english(node.value) is not None
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _english(str(v.value)) for v in node.values)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _python_nodes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if (
                name in MESSAGE_LEVELS
                and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) == "messages"
                and len(node.args) > 1
            ):
                yield node.args[1]
            if name in REFUSALS and node.args:
                yield node.args[0]
            # models.CharField("job title", ...); a relation's first argument is a model.
            field = isinstance(node.func, ast.Attribute) and name.endswith("Field")
            if field and name not in RELATIONS and node.args:
                yield node.args[0]
            for kw in node.keywords:
                if kw.arg in KEYWORDS:
                    yield kw.value
        if isinstance(node, ast.ClassDef) and any(
            _name(b) in ("TextChoices", "IntegerChoices", "Choices") for b in node.bases
        ):
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.value, ast.Tuple):
                    yield item.value.elts[-1]


def python_findings(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[Finding]:
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if SKIP_PY.search("/" + rel):
                continue
            source = path.read_text()
            lines = source.splitlines()
            for node in _python_nodes(ast.parse(source)):
                if _literal(node) and MARKER not in lines[node.lineno - 1]:
                    text = ast.get_source_segment(source, node) or ""
                    found.append(Finding(rel, node.lineno, text[:80]))
    return found
