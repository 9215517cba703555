"""axe-core over every page of the authorization matrix, for every persona that may open it.

The matrix (tests/matrix.py all_cases()) is the list of pages: every GET case, for each persona
whose expected status is 200. Nothing here names a URL, so a page another branch adds to its
app's access_matrix.py is swept as soon as it is merged.

How it stays fast (one browser; about 870 page views, 557 of them checked by axe, in two to
three minutes on a 2-core machine):
- Django's test client renders each page in-process with the persona's session; the browser
  then navigates to the page's real URL and the live server answers that one request with that
  very response (status, headers with the CSP nonce, body: `Canned`), so the stylesheets and
  scripts load from the live server as on any visit, with the persona's session cookie for
  whatever the page loads itself. No browser route is involved: a route turns the browser's
  cache off, and every page then fetched the stylesheet, htmx, the scripts and the script
  catalogue again (four requests to the one live server a page, half the sweep's time).
- axe runs once per distinct page: the HTML is normalised (text and text-like attributes reduced
  to "empty or not", CSRF tokens and nonces dropped, digits in URLs zeroed) and hashed. Two
  pages that differ only in names, dates or ids in links give the same axe result.
- axe runs only the rules that can report a serious or critical finding.

States of each page: "empty" (the matrix world: people and teams, nothing else; the cases that
need no setup), "full" (every case's setup run in one world), "fragment" (each case sent with
HX-Request, its response swapped into the page that holds its root element's id) and "error"
(each POST case, sent by each persona the matrix lets act, with its data blanked: a 422
re-rendered form, as a page or as a fragment swapped in). POSTs run inside a transaction that
is rolled back, so one error state never changes the world of the next.
"""

from __future__ import annotations

import hashlib
import http
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import unquote

from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.conftest import PERSONAS
from tests.e2e.conftest import AXE_SOURCE
from tests.matrix import Case

# Rules whose findings can be serious or critical (rules with a fixed lower impact are left out;
# rules whose impact comes from their checks stay in).
RULES_JS = """() => axe._audit.rules
    .filter(r => r.enabled !== false && !(r.tags || []).includes("experimental"))
    .filter(r => !r.impact || r.impact === "serious" || r.impact === "critical")
    .map(r => r.id)"""

# The API reference (/api/v1/docs) is django-ninja's Swagger UI, a third-party widget drawn by
# its own script after the page loads: whether axe saw it depended on that race, and when it
# did it found Swagger UI's own colour contrast and nested buttons (upstream issues). It is
# left out by name, every time, so the sweep is the same on every run; the page around it
# is checked. The widget's CSP and script errors are covered by tests/e2e/test_api.py.
RUN_JS = """async (rules) => {
    const r = await axe.run({exclude: [["#swagger-ui"]]}, {
        runOnly: {type: "rule", values: rules},
        resultTypes: ["violations"],
        iframes: false,
    });
    return r.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => `${v.id} (${v.impact}): ${v.help} -> ` +
                  v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""

# Swap a fragment into the page as htmx does it: the page's own element that asks for the URL
# (hx-get/hx-post/action) sends the request through htmx, with its own hx-target and hx-swap,
# and the live server answers with the rendered fragment (`Canned`). A fragment no element
# asks for: each top-level element whose id is on the page replaces that element, else it goes
# into <main>.
SWAP_JS = """async ([url, method, html]) => {
    const shape = u => u.split("?")[0].replace(/[0-9]+/g, "0");
    const askers = [...document.querySelectorAll("[hx-get], [hx-post], form[action]")];
    const asks = (e, same) => ["hx-get", "hx-post", "action"].some(a => e.getAttribute(a) &&
        same(e.getAttribute(a).split("?")[0], url.split("?")[0]));
    const source = askers.find(e => asks(e, (a, b) => a === b)) ||
                   askers.find(e => asks(e, (a, b) => shape(a) === shape(b)));
    if (source && window.htmx) {
        const settled = new Promise(resolve => {
            document.body.addEventListener("htmx:afterSettle", resolve, {once: true});
            setTimeout(resolve, 3000);
        });
        htmx.ajax(method, url, {source: source, values: {}});
        await settled;
        return "htmx";
    }
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    const roots = [...tpl.content.children].filter(n => n.id && document.getElementById(n.id));
    for (const node of roots) document.getElementById(node.id).replaceWith(node);
    if (!roots.length) {
        // Rows and list items need their table or list around them, as on their page.
        const first = tpl.content.firstElementChild;
        const tag = first ? first.tagName : "";
        const wrap = {LI: "ul", TR: "table", OPTION: "select"}[tag];
        const box = wrap ? document.createElement(wrap) : document.createElement("div");
        box.append(tpl.content);
        document.getElementById("main").replaceChildren(box);
    }
    return roots.length ? "id" : "main";
}"""

TEXT = re.compile(r">([^<]*\S[^<]*)<")
TEXT_ATTRS = re.compile(
    r"\s(aria-label|aria-valuetext|title|alt|value|placeholder|datetime|content|label"
    r'|data-[\w-]+|hx-(?:vals|headers|confirm|prompt))="([^"]*)"'
)
URL_ATTRS = re.compile(
    r'\s(href|action|src|hx-(?:get|post|put|patch|delete)|sse-connect)="([^"]*)"'
)
DROP = re.compile(r'\s(nonce|name="csrfmiddlewaretoken" value)="[^"]*"')
SCRIPT = re.compile(r"(?s)<script\b[^>]*>.*?</script>")


def normalise(html: str) -> str:
    """What axe's serious/critical rules can see of a page, give or take: structure, roles,
    ids, classes and styles exactly; text only as present or absent."""
    html = DROP.sub("", html)
    html = SCRIPT.sub(lambda m: m[0].split(">", 1)[0] + ">", html)
    html = TEXT.sub(">T<", html)
    html = TEXT_ATTRS.sub(lambda m: f' {m[1]}="{"T" if m[2].strip() else ""}"', html)
    return URL_ATTRS.sub(lambda m: f' {m[1]}="{re.sub(r"[0-9]+", "0", m[2])}"', html)


def digest(html: str) -> str:
    return hashlib.sha256(normalise(html).encode()).hexdigest()


class _Blocks(HTMLParser):
    """The offsets where <main>'s top-level children start and end."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.main_depth: int | None = None
        self.cuts: list[int] = []
        self.html = ""
        self.line_starts: list[int] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if self.main_depth is not None and self.depth == self.main_depth + 1:
                self.cuts.append(self._offset())
            return
        self.depth += 1
        if tag == "main" and self.main_depth is None:
            self.main_depth = self.depth
            self.cuts.append(self._offset())
        elif self.main_depth is not None and self.depth == self.main_depth + 1:
            self.cuts.append(self._offset())

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        end = self.html.index(">", self._offset()) + 1
        if self.main_depth is not None and self.depth == self.main_depth + 1:
            self.cuts.append(end)
        if self.depth == self.main_depth:
            self.cuts.append(end)
            self.main_depth = -1
        self.depth -= 1


def blocks(html: str) -> set[str]:
    """Digests of a page's parts: what comes before <main>, each top-level element in it, and
    what follows it."""
    parser = _Blocks()
    parser.html = html
    parser.line_starts = [0]
    for line in html.splitlines(keepends=True):
        parser.line_starts.append(parser.line_starts[-1] + len(line))
    parser.feed(html)
    cuts = [0, *parser.cuts, len(html)]
    return {digest(html[a:b]) for a, b in itertools.pairwise(cuts) if html[a:b].strip()}


def is_fragment(html: str) -> bool:
    return not html.lstrip()[:15].lower().startswith(("<!doctype", "<html"))


def root_ids(html: str) -> list[str]:
    """The ids of a fragment's top-level elements (its root and out-of-band parts), roughly."""
    return re.findall(
        r'<[a-zA-Z][\w-]*\s[^>]*?\bid="([^"]+)"[^>]*\bhx-swap-oob', html
    ) + re.findall(r'^\s*<[a-zA-Z][\w-]*\s[^>]*?\bid="([^"]+)"', html)


@dataclass
class Rendered:
    url: str
    status: int
    headers: dict
    body: str


class Canned:
    """The live server's WSGI application, with responses the sweep rendered waiting at their
    URLs: the next request for such a URL gets that response, once; every other request goes
    to the live server's own application."""

    def __init__(self, app):
        self.app = app
        self.waiting: dict[str, Rendered] = {}
        self.lock = threading.Lock()

    @staticmethod
    def key(path: str, query: str) -> str:
        return f"{path}?{query}" if query else path

    @classmethod
    def key_of(cls, rendered: Rendered) -> str:
        """The rendered URL as the WSGI server gives it: the path percent-decoded, each byte
        a latin-1 character, and the query string as sent."""
        path, _, query = rendered.url.partition("?")
        return cls.key(unquote(path, "latin-1"), query)

    def put(self, rendered: Rendered) -> None:
        with self.lock:
            self.waiting[self.key_of(rendered)] = rendered

    def withdraw(self, rendered: Rendered) -> None:
        with self.lock:
            self.waiting.pop(self.key_of(rendered), None)

    def served(self, rendered: Rendered) -> bool:
        with self.lock:
            return self.waiting.get(self.key_of(rendered)) is not rendered

    def __call__(self, environ, start_response):
        key = self.key(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        with self.lock:
            rendered = self.waiting.pop(key, None)
        if rendered is None:
            return self.app(environ, start_response)
        body = rendered.body.encode()
        headers = [(k, v) for k, v in rendered.headers.items() if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{rendered.status} {http.HTTPStatus(rendered.status).phrase}", headers)
        return [body]


@dataclass
class Sweep:
    browser: object
    live_server: object
    world: object
    findings: list[str] = field(default_factory=list)
    views: int = 0  # pages and states rendered
    checked: int = 0  # distinct ones axe ran on
    skipped: list[str] = field(default_factory=list)
    seen: set = field(default_factory=set)
    pages: dict = field(default_factory=dict)  # persona -> [Rendered] (full pages, latest first)
    started: float = field(default_factory=time.monotonic)
    render_seconds: float = 0.0
    browser_seconds: float = 0.0
    axe_seconds: float = 0.0

    def __post_init__(self):
        self.base_url = self.live_server.url
        httpd = self.live_server.thread.httpd
        self.canned = Canned(httpd.get_app())
        httpd.set_app(self.canned)
        self.clients: dict[str, Client] = {}
        self.tabs: dict = {}
        self.contexts: list = []
        self.rules: list[str] | None = None

    # --- personas -------------------------------------------------------------------------
    def client(self, persona: str) -> Client:
        if persona not in self.clients:
            client = Client()
            person = self.world.persona(persona)
            if person is not None:
                client.force_login(person)
            self.clients[persona] = client
        return self.clients[persona]

    def tab(self, persona: str):
        """One browser context per persona, carrying the test client's session cookie."""
        if persona not in self.tabs:
            context = self.browser.new_context(base_url=self.base_url, reduced_motion="reduce")
            context.set_default_timeout(10_000)
            context.add_init_script(script=AXE_SOURCE)
            cookie = self.client(persona).cookies.get(settings.SESSION_COOKIE_NAME)
            if cookie is not None and cookie.value:
                context.add_cookies(
                    [{"name": cookie.key, "value": cookie.value, "url": self.base_url}]
                )
            self.contexts.append(context)
            self.tabs[persona] = context.new_page()
        return self.tabs[persona]

    def serve(self, rendered: Rendered) -> None:
        """The next request for the rendered URL gets the rendered response (`Canned`)."""
        self.canned.put(rendered)

    # --- rendering ------------------------------------------------------------------------
    def render(self, persona: str, spec: Case, extra: dict, *, data=None) -> Rendered | None:
        client = self.client(persona)
        url = spec.url(self.world, extra)
        started = time.monotonic()
        if spec.method == "get":
            response = client.get(url, headers=spec.headers)
        else:
            from culture import ratelimit

            ratelimit.reset()
            # A copy of the persona's cookies: logging out must not end the sweep's session.
            poster = Client()
            poster.cookies = SimpleCookie(client.cookies.output(header="", sep=";"))
            with transaction.atomic():
                response = poster.post(url, data=data or {}, headers=spec.headers)
                transaction.set_rollback(True)
        self.render_seconds += time.monotonic() - started
        if getattr(response, "streaming", False):
            return None  # a live stream or an export, not a page
        if not response.get("Content-Type", "").startswith("text/html"):
            return None
        return Rendered(
            url=url,
            status=response.status_code,
            headers=dict(response.headers),
            body=response.content.decode(),
        )

    def page(self, persona: str, name: str, state: str, spec: Case, extra: dict):
        """A page (or a fragment, swapped into its page) as `persona`, checked once per look."""
        rendered = self.render(persona, spec, extra)
        if rendered is None:
            return
        self.views += 1
        if rendered.status != 200:
            self.skipped.append(f"{name} as {persona} ({state}): {rendered.status}")
            return
        if is_fragment(rendered.body):
            self.fragment(persona, name, state, rendered, "GET")
            return
        self.pages.setdefault(persona, []).insert(0, rendered)
        self.check(persona, name, state, rendered)

    def error(self, persona: str, name: str, spec: Case, extra: dict):
        """The POST case with its data blanked: when a form comes back with errors (422)."""
        data = spec.data(self.world, extra) if spec.data else {}
        blank = dict.fromkeys(data, "")
        rendered = self.render(persona, spec, extra, data=blank)
        if rendered is None or rendered.status != 422:
            return
        self.views += 1
        if is_fragment(rendered.body):
            self.fragment(persona, name, "error", rendered, "POST")
        else:
            self.check(persona, name, "error", rendered)

    def fragment(self, persona: str, name: str, state: str, rendered: Rendered, method: str):
        self.check(persona, name, state, self.host_for(persona, rendered), (method, rendered))

    def host_for(self, persona: str, fragment: Rendered) -> Rendered:
        """The page the fragment belongs on: the persona's page (at the same URL first) with an
        element asking for its URL, else one holding its root's id, else the first page."""
        pages = self.pages.get(persona) or self.pages.get("employee") or []
        path = fragment.url.split("?")[0]
        candidates = [p for p in pages if p.url.split("?")[0] == path] + pages
        pattern = re.sub(r"[0-9]+", "[0-9]+", re.escape(path))
        asks = re.compile(r'(hx-get|hx-post|action)="' + pattern + r'[?"]')
        for page in candidates:
            if asks.search(page.body):
                return page
        ids = root_ids(fragment.body)
        for page in candidates:
            if any(f'id="{i}"' in page.body for i in ids):
                return page
        return pages[-1]

    # --- axe --------------------------------------------------------------------------------
    def check(self, persona, name, state, page: Rendered, swap: tuple | None = None):
        """axe on the page (with the fragment swapped in), unless every part of it has been
        checked already: the header, each top-level block of <main> and the footer are keyed
        apart (axe's serious rules look at elements locally, and base.html gives every page
        the same frame), so a page made of blocks seen on other pages is not run again."""
        keys = blocks(page.body)
        if swap is not None:
            keys.add(digest(page.url + "\0" + swap[1].body))
        if keys <= self.seen:
            return
        self.seen |= keys
        self.checked += 1
        started = time.monotonic()
        tab = self.tab(persona)
        self.serve(page)
        tab.goto(page.url, wait_until="load")
        assert self.canned.served(page), f"{page.url}: the browser asked for another URL"
        if swap is not None:
            method, fragment = swap
            self.serve(fragment)
            how = tab.evaluate(SWAP_JS, [fragment.url, method, fragment.body])
            if how == "htmx":
                assert self.canned.served(fragment), f"{fragment.url}: htmx asked elsewhere"
            else:
                self.canned.withdraw(fragment)
            state = f"{state}, swapped into {page.url}"
        if self.rules is None:
            self.rules = tab.evaluate(RULES_JS)
        loaded = time.monotonic()
        self.browser_seconds += loaded - started
        found = tab.evaluate(RUN_JS, self.rules)
        self.axe_seconds += time.monotonic() - loaded
        url = swap[1].url if swap else page.url
        for finding in found:
            self.findings.append(f"{url} [{name}, {state}] as {persona}: {finding}")

    def close(self):
        for context in self.contexts:
            context.close()
        self.live_server.thread.httpd.set_app(self.canned.app)

    def report(self) -> str:
        return (
            f"a11y sweep: {self.views} page views, {self.checked} distinct checked by axe, "
            f"{len(self.skipped)} not 200 in the shared world, "
            f"{time.monotonic() - self.started:.1f}s (rendering {self.render_seconds:.1f}s, "
            f"loading {self.browser_seconds:.1f}s, axe {self.axe_seconds:.1f}s)"
        )


def personas_allowed(spec: Case, statuses: tuple[int, ...] = (200,)) -> list[str]:
    return [p for p in PERSONAS if spec.expected(p) in statuses]


def logged_in(browser, base_url: str, person, **context_options):
    """A new tab logged in as `person` through a session made by the test client (no login
    form: quicker, and the same session the form would give)."""
    client = Client()
    client.force_login(person)
    context = browser.new_context(base_url=base_url, **context_options)
    context.set_default_timeout(10_000)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
    return context.new_page()
