"""No page that only a typed URL reaches (issue 18, point 6).

For every persona, follow the links from home breadth-first (anchors, htmx `hx-get`, GET
forms, `data-*-url` attributes) and check that every GET page the authorization matrix
(tests/*/access_matrix.py) lets that persona open was reached with a 200. A new page that
nothing links to fails here; the few pages that are rightly reached some other way are listed
in EXCEPTIONS (or PERSONA_EXCEPTIONS, for one persona), each with its reason.

POST forms, logging out, other sites and the Django admin are never followed, and the walk
opens at most VISITS_PER_NAME URLs of each URL name, so a directory of people stays cheap.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from tests.conftest import PERSONAS, build_world
from tests.matrix import all_cases

pytestmark = pytest.mark.django_db

# Pages a persona may open that no page has to link to. Keep this short and honest.
EXCEPTIONS = {
    "password_reset": "for people who cannot log in: linked from the login page",
    "password_reset_done": "where the reset form sends you once submitted (a POST)",
    "password_reset_confirm": "opened from the link in the reset email",
    "password_reset_complete": "where the new-password form sends you once submitted (a POST)",
    "livez": "a probe for the orchestrator (is the process up?), not a page anyone reads",
    "readyz": "a probe for the load balancer (does the database answer?), not a page",
    "scim:service_provider_config": "SCIM's description of itself, for identity providers "
    "(RFC 7643 §5 has it answer without a token); a machine's endpoint, not a page",
    "mfa_list_webauthn": "the two-factor page links a person's security keys once they have "
    "one; with none it links straight to adding one (mfa_add_webauthn)",
    "javascript_catalog": "the scripts' translations, loaded by every page's <script> tag "
    "(base.html), not a page anyone reads",
}
# For one persona only: the page is linked for the others who may open it, and checked there.
PERSONA_EXCEPTIONS = {
    ("manager", "keeper:rollup_manager"): "the matrix opens the drill-down with the manager's "
    "own id: for them it is a read-only copy of their keeper page (keeper:index), which they "
    "reach; the drill-down is linked from the rollup, for managers of managers",
}
# Never requested by the walk: the room's live stream (it stays open; a link to it, the
# room's data-stream-url, counts as reaching it), logging out, the Django admin.
NEVER_FETCH = {"feedback:stream", "logout"}
NEVER_FETCH_NAMESPACES = {"admin"}
# At most this many distinct URLs per URL name: enough to reach what hangs off a profile, a
# memo or a colleague's place in the org chart, few enough that a directory of people does
# not explode.
VISITS_PER_NAME = 6
WALKERS = [p for p in PERSONAS if p not in ("anonymous", "inactive")]


# --- The links on a page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    url: str
    htmx_target: str | None = None  # set for hx-get: the request then carries HX-Request

    @property
    def headers(self) -> dict:
        if self.htmx_target is None:
            return {}
        headers = {"HX-Request": "true"}
        if self.htmx_target:
            headers["HX-Target"] = self.htmx_target
        return headers


class LinkParser(HTMLParser):
    """Every same-page reference a person (or htmx acting for them) can follow with a GET."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[Link] = []

    def _add(self, raw: str | None, htmx_target: str | None = None) -> None:
        if raw is None or raw.startswith(("#", "mailto:", "tel:", "javascript:")):
            return
        self.links.append(Link(urljoin(self.base, raw), htmx_target))

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self._add(a["href"])
        if tag == "form":
            method = a.get("method", "get").lower()
            if method == "get" and not any(k in a for k in ("hx-post", "hx-put", "hx-delete")):
                self._add(a.get("action") or self.base)
        if "hx-get" in a:
            target = a.get("hx-target", "")
            self._add(a["hx-get"], target[1:] if target.startswith("#") else "")
        for name, value in a.items():
            if name.startswith("data-") and name.endswith("-url"):
                self._add(value)


# --- The walk ---------------------------------------------------------------------------------


@dataclass
class Walk:
    reached: dict[str, set[str]] = field(default_factory=dict)  # url name -> URLs that gave 200
    linked: set[str] = field(default_factory=set)  # NEVER_FETCH names that something links to
    capped: set[str] = field(default_factory=set)  # names with links left unfollowed
    requests: int = 0


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.namespace in NEVER_FETCH_NAMESPACES or not match.url_name:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def walk(client: Client, start: str = "/", *, visits_per_name: int = VISITS_PER_NAME) -> Walk:
    result = Walk()
    origin = "http://testserver"
    queue: deque[Link] = deque([Link(urljoin(origin, start))])
    seen: set[Link] = set()
    per_name: dict[str, int] = {}
    while queue:
        link = queue.popleft()
        parts = urlsplit(link.url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue  # another site
        name = url_name(parts.path)
        if name is None:
            continue  # static files, the admin, anything outside the URL map
        if name in NEVER_FETCH:
            result.linked.add(name)
            continue
        if link in seen:
            continue
        if per_name.get(name, 0) >= visits_per_name:
            result.capped.add(name)
            continue
        seen.add(link)
        per_name[name] = per_name.get(name, 0) + 1
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = client.get(path, headers=link.headers)
        result.requests += 1
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(Link(urljoin(link.url, response["Location"])))
            continue
        if response.status_code != 200:
            continue
        result.reached.setdefault(name, set()).add(path)
        if "html" not in response.get("Content-Type", "") or response.streaming:
            continue
        parser = LinkParser(link.url)
        parser.feed(response.content.decode())
        queue.extend(parser.links)
    return result


def may_open(persona: str) -> set[str]:
    """The URL names the matrix says `persona` may GET with a 200."""
    return {
        key.split("#")[0]
        for key, spec in all_cases().items()
        if spec.method == "get" and spec.expected(persona) == 200
    }


def unreached(persona: str, result: Walk) -> list[str]:
    """What `persona` may open that the walk did not reach, less the exceptions."""
    excused = set(EXCEPTIONS) | {name for p, name in PERSONA_EXCEPTIONS if p == persona}
    return sorted(may_open(persona) - set(result.reached) - result.linked - excused)


def logged_in(person, client_class=Client) -> Client:
    client = client_class()
    client.force_login(person)
    return client


# --- A company where every page exists --------------------------------------------------------


def populated_world():
    """build_world() plus what makes each page exist: the matrix's own setups (circles in
    every phase, a written item, memos in every state, an open keeper cycle, pay records, a
    proposal, import jobs, a notification), market data, a campaign, a circle in the other
    branch, and the company setting that lets the chain read received written feedback."""
    from feedback.models import Campaign, FeedbackPolicy
    from tests.context import access_matrix as context_matrix
    from tests.culture import access_matrix as culture_matrix
    from tests.decisions import access_matrix as decisions_matrix
    from tests.feedback import access_matrix as feedback_matrix
    from tests.feedback.factories import make_circle
    from tests.freedom import access_matrix as freedom_matrix
    from tests.keeper import access_matrix as keeper_matrix
    from tests.pay import access_matrix as pay_matrix
    from tests.pay.conftest import BAND, make_data_set
    from tests.webhooks import access_matrix as webhooks_matrix

    world = build_world()
    feedback_matrix.lobby(world)
    feedback_matrix.ended(world)
    feedback_matrix.action(world)
    feedback_matrix.written(world)
    make_circle(facilitator=world.other_manager, people=[world.outsider])
    today = timezone.localdate()
    Campaign.objects.create(
        name="Spring 360",
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=30),
        created_by=world.people_admin,
    )
    FeedbackPolicy.objects.update_or_create(pk=1, defaults={"chain_may_read": True})
    decisions_matrix._memos(world)
    keeper_matrix._open(world)
    pay_matrix._proposal(world)
    pay_matrix._job(world)
    make_data_set(rows=[("Engineering", 4, "London", BAND)])
    culture_matrix._job(world)
    culture_matrix._note(world)
    webhooks_matrix._endpoint(world)
    context_matrix._pages(world)
    freedom_matrix._entry(world)
    keeper_matrix._post_exit(world, shared=True)
    pay_matrix._shared(world)
    return world


# --- The tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", WALKERS)
def test_every_page_a_persona_may_open_is_linked_from_home(persona):
    world = populated_world()
    result = walk(logged_in(world.persona(persona)))
    missing = unreached(persona, result)
    capped = sorted(result.capped & set(missing))
    assert not missing, (
        f"{persona} may open these pages, but no link from home leads there: {missing}"
        + (f" (the walk stopped at {VISITS_PER_NAME} URLs of {capped})" if capped else "")
    )


def test_every_exception_names_a_page_of_the_url_map():
    names = {key.split("#")[0] for key in all_cases()}
    excused = set(EXCEPTIONS) | {name for _, name in PERSONA_EXCEPTIONS}
    assert excused <= names, f"exceptions for URLs that no longer exist: {excused - names}"
    assert {persona for persona, _ in PERSONA_EXCEPTIONS} <= set(WALKERS)


def test_a_page_whose_only_link_is_removed_is_reported_unreached():
    """Take every link to the bet review out of the pages (there is one, on the decisions
    page): the walk must report the review, as it would any new page nobody links to."""
    world = populated_world()
    review_link = f'href="{reverse("decisions:reviews")}"'.encode()
    removed = []

    class WithoutReviewLinks(Client):
        def get(self, path, *args, **kwargs):
            response = super().get(path, *args, **kwargs)
            if review_link in response.content:
                response.content = response.content.replace(review_link, b"")
                removed.append(path)
            return response

    assert "decisions:reviews" not in unreached("manager", walk(logged_in(world.manager)))
    blind = logged_in(world.manager, WithoutReviewLinks)
    assert "decisions:reviews" in unreached("manager", walk(blind))
    assert removed


def test_the_parser_follows_links_htmx_gets_and_get_forms_but_not_post_forms():
    parser = LinkParser("http://testserver/people/3/")
    parser.feed(
        '<a href="/keeper/">k</a><a href="#top">t</a><a href="mailto:a@b.c">m</a>'
        '<a href="?page=2">p</a><button hx-get="/people/org/5/" hx-target="#org-5">+</button>'
        '<form method="get" action="/people/"></form><form action="/decisions/"></form>'
        '<form method="post" action="/logout/"></form><form hx-post="/feedback/x/"></form>'
        '<div data-stream-url="/feedback/circles/1/stream/"></div>'
    )
    assert parser.links == [
        Link("http://testserver/keeper/"),
        Link("http://testserver/people/3/?page=2"),
        Link("http://testserver/people/org/5/", "org-5"),
        Link("http://testserver/people/"),
        Link("http://testserver/decisions/"),
        Link("http://testserver/feedback/circles/1/stream/"),
    ]
