"""The load test's virtual users (locust). Run through `make load` (load/run.py).

Every user logs in once as its own demo person (from the plan that load/prepare.py wrote),
then loops over what that kind of person does. Every POST that the server accepted is
appended to the sent-log (LOAD_SENT, JSON lines) so that load/verify.py can find it in the
database afterwards.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import time
import uuid

import gevent
import requests
from gevent.lock import Semaphore
from locust import HttpUser, between, events, task
from locust.clients import HttpSession

with open(os.environ["LOAD_PLAN"]) as _f:
    PLAN = json.load(_f)
PASSWORD = "culture-demo"
HX = {"HX-Request": "true"}
RUN = uuid.uuid4().hex[:8]

_sent = open(os.environ["LOAD_SENT"], "a", buffering=1)  # noqa: SIM115 - open for the run
_sent_lock = Semaphore()


def record(what: str, **data) -> None:
    with _sent_lock:
        _sent.write(json.dumps({"what": what, **data}) + "\n")


def token() -> str:
    return f"load-{RUN}-{uuid.uuid4().hex[:12]}"


_pools = {
    "browsers": list(PLAN["browsers"]),
    "keeper": list(PLAN["keeper_managers"]),
    "pay": list(PLAN["pay_managers"]),
    "raters": list(PLAN["raters"]),
    "api": list(PLAN["api"]),
    "sso": list(PLAN["sso"]),
}
_seats = list(PLAN["circle"]["seats"])  # position order; seat 0 is the facilitator
_logged_in: set[str] = set()
_steady_from: list[float] = []


# Think time between two page views, in seconds: with LOAD_THINK="2-6" (the default) 180
# people click about every 4 s and ask for about 50 requests a second in all; "5-15" is a
# person who reads what a page says before the next click (load/README.md has both).
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "2-6").split("-", 1))


class Base(HttpUser):
    abstract = True
    wait_time = between(*THINK)
    pool = ""

    def on_start(self):
        self.me = _pools[self.pool].pop()
        self.email = self.me if isinstance(self.me, str) else self.me["email"]
        self.login()

    def login(self):
        self.client.get("/login/", name="login page")
        csrf = self.client.cookies.get("csrftoken")
        with self.client.post(
            "/login/",
            data={"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            self.arrived()
            if r.status_code != 302:
                r.failure(f"login of {self.email} answered {r.status_code}")
                raise gevent.GreenletExit  # never retry a password (lock-out)

    def arrived(self) -> None:
        """This user is in (logged in, or holds its API token)."""
        _logged_in.add(self.email)  # an SSO user logging in again is counted once
        if len(_logged_in) == self.environment.runner.target_user_count and not _steady_from:
            _steady_from.append(time.monotonic())  # every user is in: the steady state

    def post(self, url, data, name, *, htmx=True, pending: dict | None = None):
        """POST; with `pending` (what is written, with a unique "token"), the write is also
        recorded as sent before it goes and as answered (with its status) when its response
        arrives, so that verify.py can tell a lost write from one still in flight when the
        run stopped, or answered with an error (which may have been applied before it)."""
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": ""}
        headers["Referer"] = self.host + url
        if htmx:
            headers.update(HX)
        if pending:
            record("sending", **pending)
        response = self.client.post(
            url, data=data, headers=headers, name=name, allow_redirects=False, catch_response=True
        )
        if pending:
            record("answered", token=pending["token"], status=response.status_code)
        return response

    def hx_get(self, url, name):
        return self.client.get(url, headers=HX, name=name)


class Browser(Base):
    """People browsing home and the directory."""

    weight = 40
    pool = "browsers"

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(2)
    def directory(self):
        self.client.get("/people/", name="directory")

    @task(2)
    def directory_search(self):
        q = random.choice(["an", "li", "ma", "son", "er", "jo", "ka", "el"])
        self.hx_get(f"/people/?q={q}", name="directory search (htmx)")

    @task(1)
    def directory_page(self):
        self.client.get(f"/people/?page={random.randint(2, 50)}", name="directory page N")


class KeeperManager(Base):
    """Managers answering this quarter's keeper test, one card at a time (htmx POSTs)."""

    weight = 20
    pool = "keeper"

    @task(1)
    def index(self):
        self.client.get("/keeper/", name="keeper index")

    @task(3)
    def answer(self):
        test_id = random.choice(self.me["tests"])
        answer = random.choice(["yes", "yes", "yes", "not_sure", "no"])
        notes = token()
        with self.post(
            f"/keeper/tests/{test_id}/answer/",
            {f"t{test_id}-answer": answer, f"t{test_id}-notes": notes},  # the card's prefix
            "keeper answer (htmx POST)",
            pending={"kind": "keeper", "token": notes, "test": test_id, "answer": answer},
        ) as r:
            if r.status_code != 200:
                r.failure(f"keeper answer {r.status_code}")
            else:
                record("keeper", email=self.email, test=test_id, answer=answer, notes=notes)


class Rater(Base):
    """Colleagues reading memos and rating them (-10..+10 with a reason)."""

    weight = 25
    pool = "raters"

    @task(1)
    def index(self):
        self.client.get("/decisions/", name="memo index")

    @task(3)
    def rate(self):
        memo = random.choice(PLAN["memos"])
        self.client.get(f"/decisions/{memo}/", name="memo page")
        score = random.randint(-10, 10)
        reason = token()
        with self.post(
            f"/decisions/{memo}/rate/",
            {"score": score, "reason": reason},
            "memo rate (htmx POST)",
            pending={
                "kind": "rating",
                "token": reason,
                "memo": memo,
                "email": self.email,
                "score": score,
            },
        ) as r:
            if r.status_code != 200:
                r.failure(f"rate {r.status_code}")
            else:
                record("rating", email=self.email, memo=memo, score=score, reason=reason)


class PayManager(Base):
    """Managers browsing the pay view of their team."""

    weight = 15
    pool = "pay"

    @task(3)
    def team(self):
        self.client.get("/pay/team/", name="pay team")

    @task(1)
    def index(self):
        self.client.get("/pay/", name="pay index")


class ApiClient(Base):
    """A script on the public API (/api/v1/) with its person's token: searching the
    directory page by page, reading the memos, rating one."""

    weight = 10
    pool = "api"

    def on_start(self):
        self.me = _pools[self.pool].pop()
        self.email = self.me["email"]
        self.auth = {"Authorization": f"Bearer {self.me['token']}"}
        self.arrived()

    @task(3)
    def people(self):
        q = random.choice(["an", "li", "ma", "son", "er", "jo", "ka", "el"])
        with self.client.get(
            f"/api/v1/people/?q={q}&limit=50",
            headers=self.auth,
            name="API people search",
            catch_response=True,
        ) as r:
            following = r.json().get("next") if r.status_code == 200 else None
        if following:
            self.client.get(following, headers=self.auth, name="API people next page")

    @task(1)
    def memos(self):
        self.client.get("/api/v1/memos/", headers=self.auth, name="API memos")

    @task(2)
    def rate(self):
        memo = random.choice(PLAN["memos"])
        score = random.randint(-10, 10)
        reason = token()
        record(
            "sending",
            kind="rating",
            token=reason,
            memo=memo,
            email=self.email,
            score=score,
        )
        with self.client.post(
            f"/api/v1/memos/{memo}/rating/",
            json={"score": score, "reason": reason},
            headers=self.auth,
            name="API memo rate (POST)",
            catch_response=True,
        ) as r:
            record("answered", token=reason, status=r.status_code)
            if r.status_code != 200:
                r.failure(f"API rate {r.status_code}")
            else:
                record("rating", email=self.email, memo=memo, score=score, reason=reason)


LEAVING = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


class SsoUser(Base):
    """People who log in through the company's identity provider (OpenID Connect; load/run.py
    starts oidc-provider-mock, the provider tests/sso uses), browse, and now and then log
    out and in again. The provider's own pages are not counted: only the app's answers."""

    weight = 10 if PLAN["sso"] else 0
    pool = "sso"

    def login(self):
        self.client.get("/login/", name="login page")
        csrf = self.client.cookies.get("csrftoken")
        with self.client.post(
            "/sso/start/",
            data={"csrfmiddlewaretoken": csrf, "next": "/"},
            name="sso start",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            # A page that goes on to the provider by itself (sso/views.py `leave_for`: the
            # CSP's form-action would block a redirect to another site): its refresh URL.
            found = LEAVING.search(r.text or "") if r.status_code == 200 else None
            to_provider = html.unescape(found.group(1)) if found else ""
            if "/oauth2/authorize" not in to_provider:
                r.failure(f"sso start answered {r.status_code}, no way to the provider")
                raise gevent.GreenletExit
        # The person at the provider: its form, then "Authorize as <them>". A session of
        # its own: the provider is another site.
        with requests.Session() as idp:
            idp.get(to_provider, timeout=30)
            back = idp.post(
                to_provider, data={"sub": self.email}, allow_redirects=False, timeout=30
            )
        callback = back.headers.get("Location", "")
        with self.client.get(
            callback,
            name="sso callback (code exchange, login)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            self.arrived()
            if r.status_code != 302 or "/login/" in r.headers.get("Location", ""):
                r.failure(f"sso login of {self.email} answered {r.status_code}")
                raise gevent.GreenletExit

    @task(4)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def directory(self):
        self.hx_get(
            f"/people/?q={random.choice(['an', 'li', 'ma', 'son'])}",
            name="directory search (htmx)",
        )

    @task(1)
    def again(self):
        """Log out, and in again through the provider."""
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        self.client.post("/logout/", headers=headers, name="logout", allow_redirects=False)
        self.login()


# --- The live circle of 20 ------------------------------------------------------------------

CIRCLE = PLAN["circle"]["id"]
ROOM = f"/feedback/circles/{CIRCLE}/"
WRITING_SECONDS = float(os.environ.get("LOAD_CIRCLE_WRITING", "20"))
REVEALED_SECONDS = float(os.environ.get("LOAD_CIRCLE_REVEALED", "6"))


VERSION = re.compile(r'id="state" data-version="(\d+)"')
DEBUG = None
if os.environ.get("LOAD_DEBUG"):  # LOAD_DEBUG=file: every line the streams receive
    DEBUG = open(os.environ["LOAD_DEBUG"], "a", buffering=1)  # noqa: SIM115


class Room:
    """What the facilitator's screen says, shared with the participants' greenlets. The
    facilitator closes writing and waits for the items already on their way before it
    reveals (as a facilitator waits for the last writer), so no item meets a closed round."""

    phase = "lobby"
    position = -1
    accepting = False
    in_flight = 0


class CircleSeat(Base):
    abstract = True
    wait_time = between(3, 8)

    def on_start(self):
        self.seat = _seats.pop(0) if self.facilitator else _seats.pop()
        self.me = self.email = self.seat["email"]
        self.login()
        self.version, self.shows_count = 0, False
        self.seen(self.client.get(ROOM, name="circle room"))
        # The EventSource has its own connection (as in a browser), with the same cookies.
        self.sse = HttpSession(self.host, self.environment.events.request, self)
        self.sse.cookies.update(self.client.cookies)
        self.stream = gevent.spawn(self.listen)

    def on_stop(self):
        self.stream.kill(block=False)

    def seen(self, response) -> None:
        """What static/js/feedback.js keeps of a room render it swaps in: its version (an
        older render never replaces a newer one) and whether it shows "N of M have written"."""
        match = VERSION.search(response.text or "")
        if match and int(match.group(1)) >= self.version:
            self.version = int(match.group(1))
            self.shows_count = 'class="written-count"' in response.text

    def changed(self, data: str) -> None:
        """A "changed" event, as feedback.js takes it: nothing to do at a version shown;
        "V N/M" one version ahead updates the count in place; anything else re-fetches the
        room's fragment (htmx)."""
        parts = data.split(" ")
        version = int(parts[0]) if parts[0].isdigit() else 0
        if version and version <= self.version:
            return
        if version == self.version + 1 and len(parts) > 1 and self.shows_count:
            self.version = version
            return
        self.seen(self.sse.get(ROOM + "state/", headers=HX, name="circle state (htmx, on SSE)"))

    def listen(self):
        """The EventSource: each "changed" event goes to `changed`."""
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            try:
                r = self.sse.get(
                    ROOM + "stream/",
                    name="circle SSE connect (time to headers)",
                    stream=True,
                    headers={"Accept": "text/event-stream"},
                )
                try:
                    if r.status_code != 200:  # counted as a failure by locust already
                        gevent.sleep(10)  # the page polls, and retries the stream later
                        continue
                    event = ""
                    for line in r.iter_lines(decode_unicode=True):
                        if DEBUG:
                            print(f"{time.time():.2f} {self.email} {line!r}", file=DEBUG)
                        if line and line.startswith("event: "):
                            event = line[7:]
                            if event == "ended":
                                return
                        elif line and line.startswith("data: ") and event == "changed":
                            self.changed(line[6:])
                        elif not line:
                            event = ""
                finally:
                    r.close()
            except gevent.GreenletExit:
                return
            except Exception as exc:  # a dropped stream reconnects, as EventSource does
                if DEBUG:
                    print(f"{time.time():.2f} {self.email} stream error {exc!r}", file=DEBUG)
                gevent.sleep(2)


class Facilitator(CircleSeat):
    fixed_count = 1
    facilitator = True

    @task
    def run_circle(self):
        if Room.phase == "lobby":
            if self.step("start", "lobby:-1"):
                Room.phase, Room.position, Room.accepting = "writing", 0, True
            return
        if Room.phase == "writing":
            gevent.sleep(WRITING_SECONDS)
            Room.accepting = False
            until = time.monotonic() + 30
            while Room.in_flight and time.monotonic() < until:
                gevent.sleep(0.1)
            if self.step("reveal", f"writing:{Room.position}"):
                Room.phase = "revealed"
            return
        if Room.phase == "revealed":
            gevent.sleep(REVEALED_SECONDS)
            if not self.step("next", f"revealed:{Room.position}"):
                return
            if Room.position + 1 >= len(PLAN["circle"]["seats"]):
                Room.phase = "wrapup"
            else:
                Room.phase, Room.position, Room.accepting = "writing", Room.position + 1, True
            return
        gevent.sleep(5)  # wrap-up: the circle has gone round; keep listening

    def step(self, action, expect) -> bool:
        """True when the server took the step (a failed one is tried again next turn)."""
        with self.post(
            ROOM + "step/",
            {"action": action, "expect": expect},
            f"circle step {action}",
            pending={"kind": "step", "token": token(), "action": action},
        ) as r:
            if r.status_code != 200 or "moved on" in r.text:
                r.failure(f"step {action} {r.status_code}")
                return False
            self.seen(r)
            record("step", email=self.email, circle=CIRCLE, action=action, expect=expect)
            return True


class Participant(CircleSeat):
    fixed_count = len(PLAN["circle"]["seats"]) - 1
    facilitator = False
    wait_time = between(10, 20)  # about one item per person per round

    @task
    def write(self):
        if not Room.accepting or Room.position == self.seat["position"]:
            return
        Room.in_flight += 1
        try:
            kind = random.choice(["start", "stop", "stop", "continue"])
            text = token()
            position = Room.position
            with self.post(
                ROOM + "items/", {"kind": kind, "text": text}, "circle item (htmx POST)"
            ) as r:
                if r.status_code != 200:
                    r.failure(f"item {r.status_code}")
                else:
                    self.seen(r)
                    record(
                        "item",
                        email=self.email,
                        circle=CIRCLE,
                        position=position,
                        kind=kind,
                        text=text,
                    )
        finally:
            Room.in_flight -= 1


@events.test_start.add_listener
def _warm_up(environment, **kw):
    """Production web processes have been up for hours, their Redis listeners connected.
    A fresh process connects its listener on its first stream request and answers 503
    (the page polls) if that takes over 3 s, which a cold start under full load can. So
    open a few streams first, as the facilitator, until both web processes have one."""
    import requests

    s = requests.Session()
    host = environment.host
    s.get(host + "/login/", timeout=30)
    r = s.post(
        host + "/login/",
        data={
            "username": PLAN["circle"]["facilitator"],
            "password": PASSWORD,
            "csrfmiddlewaretoken": s.cookies.get("csrftoken"),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert r.status_code == 302, f"warm-up login answered {r.status_code}"
    ok = 0
    until = time.monotonic() + 30
    while ok < 8 and time.monotonic() < until:
        with s.get(host + ROOM + "stream/", stream=True, timeout=10) as r:
            ok += r.status_code == 200
    s.close()


# --- Figures: every request's time, so percentiles are exact and windows can be told apart ---

# (when, name, milliseconds, failed, and from Server-Timing or None: Django's own
# milliseconds, and how long the request waited for a page thread before Django)
_times: list[tuple[float, str, float, bool, float | None, float | None]] = []
_errors: dict[str, int] = {}
APP_DUR = re.compile(r"app;dur=([0-9.]+)")
QUEUE_DUR = re.compile(r"queue;dur=([0-9.]+)")
WINDOW_S = 30


@events.request.add_listener
def _on_request(request_type, name, response_time, exception, response=None, **kw):
    # The time Django spent (culture.middleware.ServerTimingMiddleware) and the time the
    # request waited for a page thread (culture.asgi): what is left of the response time
    # is the event loop, the network and locust itself.
    timing = response.headers.get("Server-Timing", "") if response is not None else ""
    app, queue = APP_DUR.search(timing), QUEUE_DUR.search(timing)
    _times.append(
        (
            time.monotonic(),
            name,
            response_time,
            exception is not None,
            float(app.group(1)) if app else None,
            float(queue.group(1)) if queue else None,
        )
    )
    if exception is not None:
        key = f"{request_type} {name}: {exception!r}"[:300]
        _errors[key] = _errors.get(key, 0) + 1


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, int(round(q / 100 * len(sorted_ms) + 0.5)) - 1)]


def _summary(rows) -> dict:
    by_name: dict[str, list[tuple[float, bool, float | None, float | None]]] = {}
    for _, name, ms, failed, app, queue in rows:
        by_name.setdefault(name, []).append((ms, failed, app, queue))
    out = {}
    for name, values in [*sorted(by_name.items()), ("ALL", [r[2:] for r in rows])]:
        ms = sorted(v[0] for v in values)
        app = sorted(v[2] for v in values if v[2] is not None)
        queue = sorted(v[3] for v in values if v[3] is not None)
        out[name] = {
            "count": len(values),
            "failures": sum(1 for v in values if v[1]),
            "p50": _percentile(ms, 50),
            "p95": _percentile(ms, 95),
            "p99": _percentile(ms, 99),
            "max": ms[-1] if ms else 0.0,
            "app_p50": _percentile(app, 50),
            "app_p95": _percentile(app, 95),
            "queue_p50": _percentile(queue, 50),
            "queue_p95": _percentile(queue, 95),
        }
    return out


@events.quitting.add_listener
def _close(environment, **kw):
    _sent.close()
    start = _times[0][0] if _times else time.monotonic()
    end = time.monotonic()
    steady = _steady_from[0] if _steady_from else start
    report = {
        "run": {"seconds": round(end - start, 1), "requests": _summary(_times)},
        "steady": {
            "seconds": round(end - steady, 1),
            "requests": _summary([r for r in _times if r[0] >= steady]),
        },
        "errors": _errors,
        # Every 30 s of the run: whether a p95 is a level or a stretch (a backlog).
        "windows": [
            {
                "from_s": round(t0 - start),
                "steady": t0 >= steady,
                **_summary([r for r in _times if t0 <= r[0] < t0 + WINDOW_S])["ALL"],
            }
            for t0 in (start + i * WINDOW_S for i in range(int((end - start) // WINDOW_S) + 1))
        ],
    }
    with open(os.environ["LOAD_STATS"], "w") as f:
        json.dump(report, f, indent=1)
