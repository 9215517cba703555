"""The product's own forms, found the way a user finds them: every page of the matrix and every
page one link away, fetched as each persona, parsed for `<form method="post">`. Shared by the
injection-through-forms suite and the foreign-ids-in-form-fields suite."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.db import transaction
from django.urls import Resolver404, resolve

from tests.security.helpers import CASES, body, client

# Inputs a person types free text into.
TEXT_TYPES = {"text", "search", ""}
# Links a crawl does not follow: they end the session, stream forever, download a file or
# leave the product.
NO_FOLLOW = ("/logout", "/stream", ".csv", ".md", "/static/", "/healthz", "/xss")


def followed(path: str) -> bool:
    return not path.startswith("/admin/") and not any(s in path for s in NO_FOLLOW)


@dataclass
class Field:
    tag: str  # input, textarea, select, button
    type: str
    name: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, str, bool]] = field(default_factory=list)  # value, label, selected
    maxlength: int | None = None
    min: str | None = None
    max: str | None = None
    disabled: bool = False

    @property
    def free_text(self) -> bool:
        return (self.tag == "textarea" or (self.tag == "input" and self.type in TEXT_TYPES)) and (
            not self.disabled
        )


@dataclass
class Form:
    method: str  # post, or get for the htmx search forms
    page: str  # the URL the form was found on
    action: str  # path of the URL it posts to
    htmx: bool
    enctype: str
    fields: list[Field] = field(default_factory=list)
    token: str = ""  # the page's CSRF token (the hidden input or hx-headers)

    @property
    def url_name(self) -> str:
        try:
            match = resolve(urlsplit(self.action).path)
        except Resolver404:
            return "?"
        return match.view_name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted({f.name for f in self.fields if f.name}))

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.free_text and f.name != "csrfmiddlewaretoken"]

    def key(self) -> tuple:
        """Forms that differ only in the ids inside their field names count once."""
        return (self.method, self.url_name, tuple(re.sub(r"\d+", "N", n) for n in self.names))


_HX_TOKEN = re.compile(r'"X-CSRFToken"\s*:\s*"([^"]+)"')


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.page_token = ""
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v if v is not None else "") for k, v in attrs}
        if "hx-headers" in a and (m := _HX_TOKEN.search(a["hx-headers"])):
            self.page_token = m.group(1)
        for attr in ("href", "hx-get"):
            if tag in ("a", "div", "section", "button", "li", "span", "tr") and a.get(attr):
                self.links.append(urljoin(self.page, a[attr]))
        if tag == "form":
            method = a.get("method", "get").lower()
            if method == "post" or "hx-get" in a:
                self._form = Form(
                    method=method,
                    page=self.page,
                    action=urlsplit(
                        urljoin(self.page, a.get("action") or a.get("hx-get") or self.page)
                    ).path,
                    htmx="hx-post" in a or "hx-get" in a,
                    enctype=a.get("enctype", ""),
                )
            return
        form = self._form
        if form is None:
            return
        disabled = "disabled" in a
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            f = Field(
                "input",
                a.get("type", "").lower(),
                a.get("name", ""),
                a.get("value", ""),
                checked="checked" in a,
                maxlength=maxlength,
                min=a.get("min"),
                max=a.get("max"),
                disabled=disabled,
            )
            if f.name == "csrfmiddlewaretoken":
                form.token = f.value
            form.fields.append(f)
        elif tag == "textarea":
            self._textarea = Field("textarea", "", a.get("name", ""), maxlength=maxlength)
            self._textarea.disabled = disabled
            form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field("select", "multiple" if "multiple" in a else "", a.get("name", ""))
            self._select.disabled = disabled
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]
        elif tag == "button" and a.get("name"):
            form.fields.append(
                Field("button", a.get("type", "submit"), a["name"], a.get("value", ""))
            )

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, label, selected = self._option
            self._select.options.append(
                (label.strip() if value is None else value, label, selected)
            )
            self._option = None


def parse(html: str, page: str) -> tuple[list[Form], list[str]]:
    """The POST forms and the same-site links of a page."""
    parser = _FormParser(page)
    parser.feed(html)
    for form in parser.forms:
        form.token = form.token or parser.page_token
    links = []
    for link in parser.links:
        parts = urlsplit(link)
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if followed(path):
            links.append(path)
    return parser.forms, links


def matrix_pages(world) -> list[str]:
    """Every GET URL of the matrix, set up in one world (a setup that clashes with an
    earlier one, such as a second open cycle, is skipped: its page is reached via others).
    The setups of POST cases run too: they create the objects in the states only those
    cases need (a circle in its writing phase, a revealed one...), reached by links."""
    urls = []
    for name in sorted(CASES):
        spec = CASES[name]
        try:
            with transaction.atomic():
                extra = spec.setup(world) if spec.setup else {}
                url = spec.url(world, extra)
        except Exception:  # noqa: BLE001
            try:
                url = spec.url(world, {})  # pages that need no object of their own
            except Exception:  # noqa: BLE001
                continue
        if spec.method == "get" and followed(url):
            urls.append(url)
    return urls


PERSONAS = (
    "employee",
    "peer",
    "manager",
    "skip_level",
    "other_manager",
    "outsider",
    "people_admin",
)
# Pages of one kind (profiles, memos, circles...) a crawl visits per persona: enough to meet
# every state the setups create (a circle in its lobby, writing, revealed and ended...).
PER_VIEW = 14


@dataclass
class Site:
    forms: dict[tuple, tuple[str, Form]]  # key -> (the first persona who saw it, the form)
    pages: dict[str, list[str]]  # persona -> the HTML pages (200) they were shown


def crawl(world, personas=PERSONAS, depth: int = 1) -> Site:
    """Every distinct form a persona reaches from the matrix's pages, following same-site
    links and hx-get URLs `depth` times. Personas are tried in order: the first one shown a
    form is the one who submits it."""
    start = list(dict.fromkeys(matrix_pages(world)))
    site = Site(forms={}, pages={})
    for persona in personas:
        c = client(world, persona)
        seen: set[str] = set()
        per_view: dict[str, int] = {}
        pages = site.pages.setdefault(persona, [])
        frontier = start
        for level in range(depth + 1):
            nxt = []
            for url in frontier:
                if url in seen:
                    continue
                seen.add(url)
                try:
                    view = resolve(urlsplit(url).path).view_name
                except Resolver404:
                    continue
                if level and per_view.get(view, 0) >= PER_VIEW:
                    continue
                per_view[view] = per_view.get(view, 0) + 1
                response = c.get(url)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                pages.append(url)
                forms, links = parse(body(response), url)
                for form in forms:
                    site.forms.setdefault(form.key(), (persona, form))
                if level < depth:
                    nxt += links
            frontier = nxt
    return site


# --- filling and submitting a form as its persona would -----------------------------------


# Text inputs that hold an amount, a code or a list of addresses, not prose: they get a valid
# value when the other fields carry the corpus (a hostile value in them is tried separately).
class _TypedText(dict):
    """TYPED_TEXT: a valid value per field name; a guide's `slug` (its address: letters,
    digits and hyphens, unique) is a new one each time it is asked for."""

    _slugs = itertools.count(1)

    def __getitem__(self, name):
        if name == "slug":
            return f"a-guide-{next(self._slugs)}"
        return super().__getitem__(name)

    def get(self, name, default=None):
        return self[name] if name in self else default  # noqa: SIM401 - __getitem__ makes slugs


TYPED_TEXT = _TypedText(
    {
        "slug": "",
        "amount": "90000",
        "base_salary": "75000",
        "proposed_salary": "80000",
        "rate": "1.1",
        "currency": "EUR",
        "from_currency": "USD",
        "to_currency": "EUR",
        "co_authors": "",
        "readers": "",
        "people": "peer@example.test",
        "overrides": "",  # pay policy: one "Job family: percentile" per line
        "email_domains": "example.test",  # single sign-on: the company's email domains
    }
)


def valid_value(f: Field, n: int) -> str | list[str] | None:
    """What a person would leave or pick in a field that is not free text (None: not sent)."""
    from datetime import timedelta

    from django.utils import timezone

    if f.tag == "select":
        chosen = [v for v, _, selected in f.options if selected and v]
        values = [v for v, _, _ in f.options if v]
        if f.type == "multiple":
            return chosen or values[:2]
        return chosen[0] if chosen else (values[0] if values else "")
    kind = f.type
    if kind in ("checkbox", "radio"):
        return (f.value or "on") if f.checked else None
    if f.value or kind in ("hidden", "submit", "button", "file", "password"):
        return f.value
    today = timezone.localdate()
    if kind == "date":
        return (today + timedelta(days=14)).isoformat()
    if kind == "datetime-local":
        return (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    if kind == "number":
        return f.min or "1"
    if kind == "email":
        return f"someone{n}@example.test"
    return f.value


def form_data(form: Form, text: dict[str, str], n: int = 0) -> dict:
    """The POST body: `text` for the free-text fields it names, a valid value elsewhere
    (the first option of a radio group nobody checked, the first of several submit buttons)."""
    data: dict = {}
    radios: dict[str, str] = {}
    button = None
    for f in form.fields:
        if not f.name or f.disabled or f.name == "csrfmiddlewaretoken":
            continue
        if f.name in text:
            data[f.name] = text[f.name]
        elif f.tag == "button":
            button = button or (f.name, f.value)
        elif f.type == "radio":
            radios.setdefault(f.name, f.value)
            if f.checked:
                radios[f.name] = f.value
        else:
            value = valid_value(f, n)
            if value is not None:
                if isinstance(value, list) or f.name not in data:
                    data[f.name] = value
                else:  # several checkboxes of one name
                    data[f.name] = [
                        *([data[f.name]] if isinstance(data[f.name], str) else data[f.name]),
                        value,
                    ]
    data.update(radios)
    if button:
        data.setdefault(*button)
    return data


def fresh(world, persona: str, form: Form):
    """A CSRF-enforcing client for `persona` and the same form as just rendered for it (its
    token matches the client's cookie), or (client, None) if the page no longer shows it."""
    c = client(world, persona, enforce_csrf_checks=True)
    response = c.get(form.page)
    if response.status_code != 200:
        return c, None
    forms, _ = parse(body(response), form.page)
    same = [f for f in forms if f.key() == form.key() and f.action == form.action]
    same = same or [f for f in forms if f.key() == form.key()]
    return c, (same[0] if same else None)


def submit(c, form: Form, data: dict, extra_headers: dict | None = None):
    headers = {"Origin": "http://testserver", **(extra_headers or {})}
    if form.htmx:
        headers["HX-Request"] = "true"
    if form.method == "get":
        return c.get(form.action, data=data, headers=headers)
    headers["X-CSRFToken"] = form.token
    return c.post(form.action, data={**data, "csrfmiddlewaretoken": form.token}, headers=headers)


def has_form_error(text: str) -> bool:
    return 'class="errorlist' in text or 'role="alert"' in text
