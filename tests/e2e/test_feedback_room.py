"""A live feedback circle in four real Chromium contexts against a real uvicorn (ASGI, SSE,
Redis): the facilitator and three participants. Every response body and every stream event
each browser received is recorded, to prove no unrevealed item reached anyone else."""

from __future__ import annotations

import contextlib
import re
import time

import pytest

from tests.conftest import make_person
from tests.e2e.conftest import Session
from tests.feedback.factories import make_circle
from tests.feedback.servers import uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_EVENTS = """
(() => {
  const Original = window.EventSource;
  window.EventSource = function (url, opts) {
    const source = new Original(url, opts);
    const add = source.addEventListener.bind(source);
    source.addEventListener = function (type, listener, o) {
      return add(type, function (event) {
        if (event && typeof event.data === "string") window.__recordEvent(type, event.data);
        return listener.call(this, event);
      }, o);
    };
    return source;
  };
  window.EventSource.CLOSED = Original.CLOSED;
  window.EventSource.OPEN = Original.OPEN;
  window.EventSource.CONNECTING = Original.CONNECTING;
})();
"""


class Recorder:
    """Everything one browser received: response bodies (with arrival time) and events."""

    def __init__(self, session: Session, name: str):
        self.name = name
        self.bodies: list[tuple[float, str, str]] = []
        self.events: list[tuple[float, str, str]] = []
        context = session.context
        context.expose_binding(
            "__recordEvent",
            lambda source, kind, data: self.events.append((time.monotonic(), kind, data)),
        )
        context.add_init_script(RECORD_EVENTS)
        session.page.on("requestfinished", self._finished)

    def _finished(self, request):
        try:
            response = request.response()
            if response is None:
                return
            kind = response.headers.get("content-type", "")
            if "text/html" in kind or "text/plain" in kind or "csv" in kind or "markdown" in kind:
                self.bodies.append((time.monotonic(), request.url, response.text()))
        except Exception:  # noqa: BLE001, S110 - a page navigated away mid-read
            pass

    def state_fetches(self) -> int:
        return sum(1 for _, url, _ in self.bodies if url.endswith("/state/"))

    def seen_before(self, token: str, moment: float) -> list[str]:
        return [url for t, url, text in self.bodies if t < moment and token in text]


@pytest.fixture
def room_server(redis_url):
    with uvicorn_server(redis_url=redis_url) as base:
        yield base


def state(page):
    return page.locator("#state")


def wait_text(page, text, timeout=8000):
    page.locator("#state").get_by_text(text, exact=False).first.wait_for(timeout=timeout)


def click_step(page, label):
    page.locator("#state").get_by_role("button", name=label).click()


def write_item(page, text, kind="Start"):
    form = page.locator("form[data-compose]")
    form.get_by_label(kind, exact=True).check()
    form.get_by_label("Your feedback (signed)").fill(text)
    form.get_by_role("button", name="Add item").click()
    page.locator("#state .items.mine").get_by_text(text).wait_for()


def test_a_live_circle_in_four_browsers_keeps_unrevealed_items_private(world, browser, room_server):
    fourth = make_person(name="Fay Fourth", email="fourth@example.test", manager=world.manager)
    circle = make_circle(
        facilitator=world.manager, people=[world.employee, world.peer, fourth], title="Platform"
    )
    room = f"/feedback/circles/{circle.pk}/"
    people = {"mia": world.manager, "eli": world.employee, "pat": world.peer, "fay": fourth}
    sessions, recorders = {}, {}
    try:
        for key, person in people.items():
            session = Session(browser, room_server)
            recorders[key] = Recorder(session, key)
            session.login(person.email, "correct-horse-battery")
            sessions[key] = session
        for session in sessions.values():
            session.visit(room)
        mia, eli, pat, fay = (sessions[k].page for k in ("mia", "eli", "pat", "fay"))

        # Lobby: the facilitator sees everyone here.
        mia.wait_for_function(
            "() => document.querySelectorAll('#state .presence-item.here').length === 4"
        )

        # Round 1: Mia (the manager) is in the centre.
        click_step(mia, "Start the circle")
        for page in (mia, eli, pat, fay):
            wait_text(page, "Writing for Mia Manager")
        assert eli.locator("form[data-compose]").is_visible()
        assert mia.locator("form[data-compose]").count() == 0  # the recipient listens

        # The timer counts down on every screen from the server's deadline.
        timer = fay.locator("#state .timer-value")
        first = timer.inner_text()
        assert re.fullmatch(r"\d+:\d\d", first)
        fay.wait_for_function(
            "t => document.querySelector('#state .timer-value').textContent !== t", arg=first
        )
        click_step(mia, "+2 minutes")
        fay.wait_for_function(
            "() => { const [m] = document.querySelector('#state .timer-value').textContent.split(':');"
            " return parseInt(m, 10) >= 11; }"
        )

        # Fay starts typing while the others write; her draft survives.
        fay.locator("form[data-compose]").get_by_label("Your feedback (signed)").fill("Half a thou")
        fay_fetches = recorders["fay"].state_fetches()
        write_item(eli, "Stop answering for us SECRET-ELI-1", kind="Stop")
        write_item(pat, "Continue the Friday demos SECRET-PAT-1", kind="Continue")
        for page in (mia, eli, pat, fay):
            wait_text(page, "2 of 3")
        # Someone else's item changes only "N of M have written" on Fay's screen: the count
        # came in the events ("V 1/3", "V 2/3") and her page fetched nothing.
        fay_counts = [d for _, k, d in recorders["fay"].events if re.fullmatch(r"\d+ \d/3", d)]
        assert len(fay_counts) == 2, recorders["fay"].events
        assert recorders["fay"].state_fetches() == fay_fetches
        assert fay.locator("#state").get_attribute("data-version") == fay_counts[-1].split()[0]
        draft = fay.locator("form[data-compose]").get_by_label("Your feedback (signed)")
        assert draft.input_value() == "Half a thou"
        not_written = mia.locator("#state .not-written")
        assert "Fay Fourth" in not_written.inner_text()
        assert "Eli Employee" not in not_written.inner_text()
        click_step(mia, "Nudge Fay")
        wait_text(fay, "The facilitator is waiting for your feedback")
        write_item(fay, "Start sharing plans earlier SECRET-FAY-1")
        wait_text(mia, "3 of 3")

        reveal_1 = time.monotonic()
        click_step(mia, "Reveal")
        for page in (mia, eli, pat, fay):
            wait_text(page, "SECRET-ELI-1")
            wait_text(page, "SECRET-PAT-1")
        assert "Eli Employee" in fay.locator("#state .revealed-round").inner_text()
        mia.locator("#state").get_by_role("button", name="Thank you, I'll think about it").click()
        wait_text(eli, "“Thank you, I'll think about it”")

        # Next, then an accidental next is undone.
        click_step(mia, "Next person")
        for page in (mia, eli, pat, fay):
            wait_text(page, "Writing for Eli Employee")
        click_step(mia, "Undo last step")
        for page in (mia, eli, pat, fay):
            wait_text(page, "Revealed: feedback for Mia Manager")
        click_step(mia, "Next person")
        wait_text(pat, "Writing for Eli Employee")

        # Pat drops off; the room moves on; Pat comes back to exactly the current state.
        sessions["pat"].context.set_offline(True)
        write_item(fay, "Start pairing on reviews SECRET-FAY-2")
        write_item(mia, "Continue mentoring SECRET-MIA-2", kind="Continue")
        sessions["pat"].context.set_offline(False)
        pat.wait_for_function(
            "() => /2 of 3/.test(document.querySelector('#state').textContent)", timeout=15000
        )
        assert "SECRET-FAY-2" not in state(pat).inner_text()
        pat.reload()
        wait_text(pat, "2 of 3")
        write_item(pat, "Start demoing your work SECRET-PAT-2")

        reveal_2 = time.monotonic()
        click_step(mia, "Reveal")
        wait_text(eli, "SECRET-FAY-2")
        # Rounds 3 and 4 without writing, then wrap-up.
        for name in ("Fay Fourth", "Pat Peer"):
            click_step(mia, "Next person")
            wait_text(mia, f"Writing for {name}")
            click_step(mia, "Reveal")
            wait_text(mia, f"Revealed: feedback for {name}")
        click_step(mia, "Next person")
        wait_text(mia, "Wrap-up")
        received = mia.locator("#state .items.received li", has_text="SECRET-ELI-1")
        received.get_by_role("button", name="Accept").click()
        mia.locator("#state .items.received li", has_text="SECRET-ELI-1").get_by_text(
            "Accepted"
        ).wait_for()
        sessions["mia"].check_a11y("room in wrap-up")

        # Privacy: before each reveal, no browser but the author's received an item's text.
        secrets = {
            "SECRET-ELI-1": ("eli", reveal_1),
            "SECRET-PAT-1": ("pat", reveal_1),
            "SECRET-FAY-1": ("fay", reveal_1),
            "SECRET-FAY-2": ("fay", reveal_2),
            "SECRET-MIA-2": ("mia", reveal_2),
            "SECRET-PAT-2": ("pat", reveal_2),
        }
        for token, (author, revealed_at) in secrets.items():
            for key, recorder in recorders.items():
                if key == author:
                    continue
                leaked = recorder.seen_before(token, revealed_at)
                assert not leaked, f"{token} reached {key} before the reveal: {leaked}"
        for key, recorder in recorders.items():
            assert len(recorder.bodies) > 10, key
            assert recorder.events, f"{key} received no live events"
            for _, kind, data in recorder.events:
                # Events carry a version number and nothing else (for someone else's
                # item, also the room's "N of M have written").
                assert re.fullmatch(r"\d+( \d+/\d+)?|poll", data), (key, kind, data)
            assert any(tok in " ".join(b for _, _, b in recorder.bodies) for tok in secrets)
        for session in sessions.values():
            session.assert_clean()
    finally:
        for session in sessions.values():
            session.close()


def test_with_redis_down_the_room_polls_and_keeps_working(world, browser):
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    with uvicorn_server(redis_url="redis://127.0.0.1:1/0") as base:
        participant = Session(browser, base)
        facilitator = Session(browser, base)
        try:
            participant.login(world.employee.email, "correct-horse-battery")
            facilitator.login(world.manager.email, "correct-horse-battery")
            # The stream is refused (503): expected here, so no a11y/console checks on it.
            participant.page.goto(f"/feedback/circles/{circle.pk}/")
            facilitator.page.goto(f"/feedback/circles/{circle.pk}/")
            participant.page.get_by_text("refreshing every 3 seconds").wait_for()
            click_step(facilitator.page, "Start the circle")
            wait_text(participant.page, "Writing for Mia Manager", timeout=10000)
            write_item(participant.page, "Start sharing the roadmap")
            wait_text(facilitator.page, "1 of 2", timeout=10000)
        finally:
            participant.close()
            facilitator.close()


def test_after_a_server_restart_the_browser_reconnects_and_shows_the_current_state(
    world, browser, redis_url
):
    from tests.feedback.servers import RawClient, free_port, session_cookie_for

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    port = free_port()
    with uvicorn_server(redis_url=redis_url, port=port) as base:
        participant = Session(browser, base)
        participant.login(world.employee.email, "correct-horse-battery")
        participant.visit(f"/feedback/circles/{circle.pk}/")
        participant.page.get_by_text("Live.").wait_for()
    # The server is gone; the room moves on through a new server on the same address.
    try:
        with uvicorn_server(redis_url=redis_url, port=port) as base:
            facilitator = RawClient(base, session_cookie_for(world.manager))
            facilitator.get(f"/feedback/circles/{circle.pk}/")
            status, _ = facilitator.post(
                f"/feedback/circles/{circle.pk}/step/", {"action": "start"}
            )
            assert status == 302
            # Back within the stream's `retry:` (at most 20 s, drawn at random) or, failing
            # that, by polling after feedback.js's 25-s grace: never more than 30 s.
            wait_text(participant.page, "Writing for Mia Manager", timeout=30000)
            participant.page.get_by_text("Live.").wait_for(timeout=30000)
    finally:
        participant.close()


def test_the_facilitator_reorders_the_lobby_and_nudges_with_shared_forms(
    world, browser, room_server
):
    """Every seat's arrows submit one of two shared forms (and every nudge button one form):
    the button's own person reaches the server through htmx in a real browser."""
    from feedback.models import Participant

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])

    def order():
        seats = Participant.objects.filter(circle=circle).select_related("person")
        return [s.person.name for s in seats]

    assert order() == ["Mia Manager", "Eli Employee", "Pat Peer"]
    session = Session(browser, room_server)
    try:
        session.login(world.manager.email, "correct-horse-battery")
        session.visit(f"/feedback/circles/{circle.pk}/")
        page = session.page
        page.get_by_role("button", name="Move Pat Peer earlier").click()
        page.wait_for_function(
            "want => [...document.querySelectorAll('#state .presence-item')]"
            ".map(li => li.dataset.person).join() === want",
            arg=f"{world.manager.pk},{world.peer.pk},{world.employee.pk}",
        )
        assert order() == ["Mia Manager", "Pat Peer", "Eli Employee"]
        page.get_by_role("button", name="Move Mia Manager later").click()
        page.locator("#state .presence-item").first.get_by_text("Pat Peer").wait_for()
        assert order() == ["Pat Peer", "Mia Manager", "Eli Employee"]
        session.check_a11y("lobby with move buttons")

        click_step(page, "Start the circle")
        wait_text(page, "Writing for Pat Peer")
        page.get_by_role("button", name="Nudge Eli").click()
        page.locator("#state .not-written li", has_text="Eli Employee").get_by_text(
            "nudged"
        ).wait_for()
        seat = Participant.objects.get(circle=circle, person=world.employee)
        assert seat.nudged_at is not None
        assert Participant.objects.get(circle=circle, person=world.manager).nudged_at is None
        session.assert_clean()
    finally:
        session.close()


FAKE_STREAM = """
(() => {
  // The room's EventSource, driven by the test: window.__fire(type, data).
  const listeners = {};
  window.EventSource = function () { this.readyState = 1; };
  window.EventSource.prototype.addEventListener = function (type, fn) {
    (listeners[type] = listeners[type] || []).push(fn);
  };
  window.EventSource.prototype.close = function () { this.readyState = 2; };
  window.EventSource.CONNECTING = 0;
  window.EventSource.OPEN = 1;
  window.EventSource.CLOSED = 2;
  window.__fire = (type, data) => (listeners[type] || []).forEach(fn => fn({ data }));
})();
"""


@contextlib.contextmanager
def fake_stream_room(world, browser, room_server):
    """Eli in a started circle of three whose room script hears only what the test fires
    (FAKE_STREAM): yields (circle, page, fetches of the room's fragment, version())."""
    from feedback.models import Circle
    from feedback.services import circle as circle_services

    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="start")

    def version():
        return Circle.objects.get(pk=circle.pk).version

    session = Session(browser, room_server)
    fetches = []
    try:
        session.context.add_init_script(FAKE_STREAM)
        session.page.on(
            "request", lambda r: fetches.append(r.url) if r.url.endswith("/state/") else None
        )
        session.login(world.employee.email, "correct-horse-battery")
        session.visit(f"/feedback/circles/{circle.pk}/")
        yield circle, session.page, fetches, version
        session.assert_clean()
    finally:
        session.close()


def test_the_room_script_updates_the_count_in_place_and_fetches_only_what_it_lacks(
    world, browser, room_server
):
    """static/js/feedback.js, event by event: a version already on screen (or older) needs
    nothing; "V N/M" one version ahead of a page showing the count updates it in place; a
    change it cannot apply (a step, a count with versions missed, a count for a page that
    does not show one) fetches the room."""
    from feedback.services import circle as circle_services

    with fake_stream_room(world, browser, room_server) as (circle, page, fetches, version):

        def write(text):
            circle_services.do_write_item(
                circle_id=circle.pk, author=world.peer, kind="start", text=text
            )
            return version()

        shown = page.locator("#state")
        v0 = version()
        assert shown.get_attribute("data-version") == str(v0)
        assert "0 of 2" in page.locator("#state .written-count").inner_text()

        page.evaluate(
            "v => { __fire('changed', String(v)); __fire('changed', String(v - 1)); }", v0
        )
        v1 = write("Start sharing the roadmap")
        page.evaluate("v => __fire('changed', v + ' 1/2')", v1)
        assert page.locator("#state .written-count").inner_text() == "1 of 2 have written"
        assert shown.get_attribute("data-version") == str(v1)
        assert page.locator("#state .written-count").get_attribute("data-written") == "1"

        # Two items, and the page heard only of the second: it fetches (and gets both).
        write("Stop skipping the retro")
        v3 = write("Continue the demos")
        page.evaluate("v => __fire('changed', v + ' 1/2')", v3)
        page.wait_for_function(f"() => document.querySelector('#state').dataset.version === '{v3}'")
        assert len(fetches) == 1, fetches

        # A step: fetched. Then a count for a page that shows none (revealed): fetched.
        circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="extend")
        page.evaluate("v => __fire('changed', String(v))", version())
        page.wait_for_function(
            f"() => document.querySelector('#state').dataset.version === '{version()}'"
        )
        circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="reveal")
        page.evaluate("v => __fire('changed', String(v))", version())
        wait_text(page, "Revealed: feedback for Mia Manager")
        assert len(fetches) == 3, fetches
        with page.expect_response(lambda r: r.url.endswith("/state/")):
            page.evaluate("v => __fire('changed', (v + 1) + ' 2/2')", version())
        assert len(fetches) == 4, fetches


def test_events_heard_while_the_room_is_being_fetched_fetch_again_only_for_what_it_lacks(
    world, browser, room_server
):
    """A busy room: a step's event starts a fetch, and more events arrive before it lands.
    When what it brings already holds the newest version announced, that was all; when an
    event announced a newer one, the room is fetched once more, and the end of the circle
    is always fetched."""
    from feedback.services import circle as circle_services

    with fake_stream_room(world, browser, room_server) as (circle, page, fetches, version):
        shown = page.locator("#state")

        def settled(expected_fetches):
            page.wait_for_function(
                "() => !document.querySelector('#room-live.htmx-request')"
                " && !document.querySelector('#state.htmx-request')"
            )
            page.wait_for_timeout(300)  # a second fetch would have started by now
            assert len(fetches) == expected_fetches, fetches

        # A step, then an item, both committed; the browser hears of the step, starts the
        # fetch, and hears of the item (the count, one version on) while it is on its way.
        circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="extend")
        step_version = version()
        circle_services.do_write_item(
            circle_id=circle.pk, author=world.peer, kind="start", text="Start pairing"
        )
        latest = version()
        with page.expect_response(lambda r: r.url.endswith("/state/")):
            page.evaluate(
                "([s, v]) => { __fire('changed', String(s)); __fire('changed', v + ' 1/2'); }",
                [step_version, latest],
            )
        page.wait_for_function(
            f"() => document.querySelector('#state').dataset.version === '{latest}'"
        )
        settled(1)
        assert "1 of 2" in page.locator("#state .written-count").inner_text()

        # An event for a version the fetch in flight cannot hold yet: fetched once more.
        circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="extend")
        now = version()
        page.evaluate(
            "([v, later]) => { __fire('changed', String(v)); __fire('changed', String(later)); }",
            [now, now + 1],
        )
        page.wait_for_function(
            f"() => document.querySelector('#state').dataset.version === '{now}'"
        )
        settled(3)
        assert shown.get_attribute("data-version") == str(now)

        # A change that names no version, and the end of the circle: fetched again even
        # when the fetch in flight holds the newest version announced.
        circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="extend")
        page.evaluate("v => { __fire('changed', String(v)); __fire('changed', '0'); }", version())
        settled(5)
        circle_services.do_step(circle_id=circle.pk, actor=world.manager, action="extend")
        page.evaluate("v => { __fire('changed', String(v)); __fire('ended', '0'); }", version())
        settled(7)


def test_a_dropped_stream_reconnects_without_polling_meanwhile(world, browser, redis_url):
    """A deploy drops every stream at once: the browser reconnects by itself after the
    server's `retry:`, so the room does not start polling (which thousands of browsers would
    do against a restarting server) unless the stream stays away past the grace; the first
    event after reconnecting re-renders what changed meanwhile."""
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    with uvicorn_server(redis_url=redis_url) as base:
        participant = Session(browser, base)
        try:
            participant.login(world.employee.email, "correct-horse-battery")
            page = participant.page
            dropped = []

            def drop_first(route):
                if not dropped:
                    dropped.append(route.request.url)
                    route.abort("connectionreset")  # expected here: no console check on it
                else:
                    route.continue_()

            page.route("**/stream/", drop_first)
            page.add_init_script(
                """new MutationObserver(() => {
                     const el = document.getElementById("live-status");
                     if (el) (window.__statuses ||= []).push(el.textContent);
                   }).observe(document, {subtree: true, childList: true, characterData: true});"""
            )
            page.goto(f"/feedback/circles/{circle.pk}/")
            page.wait_for_function(
                "() => document.getElementById('live-status').textContent === 'Live.'",
                timeout=15000,
            )
            assert dropped
            statuses = page.evaluate("window.__statuses || []")
            assert not any("refreshing every 3 seconds" in s for s in statuses), statuses
        finally:
            participant.close()


def test_a_click_is_not_lost_when_the_room_changes_while_the_button_is_pressed(
    world, browser, room_server
):
    """A click is a press and a release. A re-render landing between them (someone arrived)
    would replace the button under the pointer, and the click would go nowhere: the room
    holds the re-render until the pointer is released, then fetches it."""
    circle = make_circle(facilitator=world.manager, people=[world.employee, world.peer])
    room = f"/feedback/circles/{circle.pk}/"
    mia, eli = Session(browser, room_server), Session(browser, room_server)
    try:
        mia.login(world.manager.email, "correct-horse-battery")
        eli.login(world.employee.email, "correct-horse-battery")
        mia.visit(room)
        page = mia.page
        # Mia's own arrival has been rendered (the room re-renders once when she arrives):
        # nothing else changes the room until Eli comes.
        page.wait_for_function(
            "() => document.querySelectorAll('#state .presence-item.here').length === 1"
        )
        page.get_by_text("Live.").wait_for()
        start = page.locator("#state").get_by_role("button", name="Start the circle")
        box = start.bounding_box()
        assert box, "the Start button is on the page"
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        # Eli arrives: Mia's room hears of it and fetches itself while the button is down.
        with page.expect_response(lambda r: r.url.endswith("/state/")):
            eli.visit(room)
        page.wait_for_timeout(300)  # the fetched room has landed (and, unheld, been swapped)
        page.mouse.up()
        wait_text(page, "Writing for Mia Manager")
        # The held re-render is fetched once the pointer is up: Eli shows as here.
        page.wait_for_function(
            "() => document.querySelectorAll('#state .presence-item.here').length === 2"
        )
        mia.assert_clean()
    finally:
        mia.close()
        eli.close()
