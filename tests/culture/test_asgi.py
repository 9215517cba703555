"""The application uvicorn serves (culture/asgi.py): every request through Django's WSGI
handler on a thread pool, an async body (a live stream) then sent by the event loop. Against
a real uvicorn process, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import http.client
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from culture.asgi import WebThreads
from culture.models import Person
from tests.conftest import PASSWORD, make_person
from tests.feedback.servers import RawClient, db_url_for_tests, session_cookie_for, uvicorn_server

ROOT = Path(__file__).resolve().parent.parent.parent


class _Hold:
    """A request that holds its web thread until released."""

    def __init__(self):
        self.holding, self.release = threading.Event(), threading.Event()

    def __call__(self):
        self.holding.set()
        self.release.wait(10)

    async def started(self):
        await asyncio.to_thread(self.holding.wait, 10)


def _in_order(writes_in_a_row: int, queued: list[str]) -> list[str]:
    """The order in which one web thread runs `queued` ("w1" a write, "r1" a read), all
    waiting behind a request that holds the thread."""
    done: list[str] = []
    hold = _Hold()

    async def run():
        threads = WebThreads(1, writes_in_a_row=writes_in_a_row)
        first = threads.submit(False, hold)
        await hold.started()
        rest = [threads.submit(name[0] == "w", done.append, name) for name in queued]
        hold.release.set()
        await asyncio.gather(first, *rest)

    asyncio.run(run())
    return done


def test_a_write_is_taken_before_the_reads_waiting_but_never_starves_them():
    queued = ["r1", "r2", "r3", "w1", "w2", "w3", "w4", "w5"]
    assert _in_order(3, queued) == ["w1", "w2", "w3", "r1", "w4", "w5", "r2", "r3"]
    assert _in_order(1, queued) == ["w1", "r1", "w2", "r2", "w3", "r3", "w4", "w5"]
    # With one queue only (reads alone, writes alone), first come first served.
    assert _in_order(3, ["r1", "r2", "r3"]) == ["r1", "r2", "r3"]
    assert _in_order(3, ["w1", "w2", "w3", "w4"]) == ["w1", "w2", "w3", "w4"]


def test_a_web_thread_hands_back_errors_and_outlives_a_cancelled_request():
    hold = _Hold()

    def fail():
        raise ValueError("from the view")

    async def run():
        threads = WebThreads(1)
        held = threads.submit(False, hold)
        await hold.started()
        failing = threads.submit(True, fail)
        held.cancel()  # the client went away while its request ran
        hold.release.set()
        with pytest.raises(ValueError, match="from the view"):
            await failing
        assert await threads.submit(False, sum, [1, 2]) == 3
        assert held.cancelled()

    asyncio.run(run())


def _raw(base: str, request: bytes, timeout: float = 10) -> bytes:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.django_db(transaction=True)
class TestThroughUvicorn:
    @pytest.fixture
    def server(self, redis_url):
        with uvicorn_server(redis_url=redis_url) as base:
            yield base

    def test_login_form_sets_both_cookies_and_the_session_works(self, server):
        person = make_person(name="Ada Bridge", email="ada@example.test")
        client = RawClient(server, None)
        status, body = client.request("GET", "/login/")
        assert status == 200
        token = client.cookies["csrftoken"]
        status, _ = client.request(
            "POST",
            "/login/",
            body=f"username={person.email}&password={PASSWORD}&csrfmiddlewaretoken={token}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302
        # Two Set-Cookie headers arrived as two headers: the session and a rotated token.
        assert client.cookies["sessionid"]
        assert client.cookies["csrftoken"] != token
        status, body = client.get("/")
        assert status == 200
        assert "Ada Bridge" in body

    def test_pages_carry_the_middleware_headers(self, server):
        conn = http.client.HTTPConnection(*urlsplit(server).netloc.split(":"))
        conn.request("GET", "/login/")
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Length") == str(len(body))
        timing = response.getheader("Server-Timing", "")  # several headers, joined
        assert timing.startswith("app;dur=")
        assert re.search(r"queue;dur=\d+\.\d\d\b", timing), timing  # waiting for a thread
        assert "nonce-" in response.getheader("Content-Security-Policy", "")
        assert response.getheader("X-Frame-Options") == "DENY"
        conn.close()

    def test_head_gets_the_headers_and_no_body(self, server):
        raw = _raw(server, b"HEAD /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        head, _, rest = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert rest == b""

    def test_a_multipart_upload_in_many_chunks_reaches_the_form(self, server):
        admin = make_person(email="admin@example.test", is_people_admin=True)
        client = RawClient(server, session_cookie_for(admin))
        client.get("/people/import/")
        # ~400 KB: uvicorn hands it over in many body messages; a bad column is reported.
        rows = "".join(
            f"p{i}@example.test,P {i},Eng,Eng,x,London,,,2020-01-01\n" for i in range(8000)
        )
        content = (
            "email,name,title,job_family,level,location,team,manager_email,start_date\n" + rows
        )
        boundary = "----culture-test"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n'
            f"--{boundary}--\r\n"
        ).encode()
        assert len(body) > 300_000
        status, page = client.request(
            "POST",
            "/people/import/",
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-CSRFToken": client.csrf,
            },
        )
        assert status == 422
        # Every row of the file reached the validator: one problem per row, the last one too.
        assert "8000 problems found" in page
        # The problems table stacks on a phone: each cell carries its column's name.
        assert '<td class="num" data-label="Row">2</td><td data-label="Column">level</td>' in page

    def test_a_streaming_export_arrives_whole(self, server):
        admin = make_person(email="admin@example.test", is_people_admin=True)
        Person.objects.bulk_create(
            Person(name=f"Bulk {i:04}", email=f"bulk{i:04}@example.test", title="Engineer " * 8)
            for i in range(1500)
        )
        client = RawClient(server, session_cookie_for(admin))
        status, data = client.request("GET", "/people/export.csv")
        assert status == 200
        assert len(data) > 2 * 64 * 1024  # more than one block of the bridge
        rows = list(csv.reader(io.StringIO(data)))
        emails = [row[0] for row in rows[1:]]
        assert len(emails) == 1501
        assert emails == sorted(emails)

    def test_a_static_file_is_served_byte_for_byte(self, server):
        expected = (ROOT / "static" / "css" / "app.css").read_bytes()
        conn = http.client.HTTPConnection(*urlsplit(server).netloc.split(":"))
        conn.request("GET", "/static/css/app.css")
        response = conn.getresponse()
        assert response.status == 200
        assert response.read() == expected
        conn.close()

    def test_clients_that_hang_up_mid_request_do_not_break_the_process(self, server):
        person = make_person()
        cookie = session_cookie_for(person)
        parts = urlsplit(server)
        request = (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={cookie}\r\n\r\n"
        ).encode()
        for _ in range(30):
            sock = socket.create_connection((parts.hostname, parts.port))
            sock.sendall(request)
            sock.close()
        # A POST whose body never finishes arriving.
        for _ in range(5):
            sock = socket.create_connection((parts.hostname, parts.port))
            sock.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nab"
            )
            sock.close()
        client = RawClient(server, cookie)
        for _ in range(10):
            status, _ = client.get("/")
            assert status == 200

    def test_a_request_waiting_on_the_database_does_not_hold_up_the_next_one(self, server):
        person = make_person()
        client = RawClient(server, session_cookie_for(person))
        assert client.get("/")[0] == 200
        outcome = {}
        with psycopg.connect(db_url_for_tests()) as locker:
            # Nobody can read people until this transaction ends: the home page of a
            # logged-in person waits on it.
            locker.execute("LOCK TABLE culture_person IN ACCESS EXCLUSIVE MODE")

            def blocked():
                outcome["home"] = RawClient(server, client.cookies["sessionid"]).get("/")[0]

            thread = threading.Thread(target=blocked)
            thread.start()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                waiting = locker.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                    "'culture_person'::regclass"
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
            assert waiting, "the home page never reached the lock"
            # The process still answers while one of its requests is stuck.
            status, body = RawClient(server, None).request("GET", "/login/", timeout=5)
            assert status == 200
            assert "home" not in outcome
            locker.rollback()
        thread.join(timeout=10)
        assert outcome["home"] == 200


@pytest.mark.django_db(transaction=True)
class TestBodyLimit:
    """A body longer than the largest upload (MAX_IMPORT_BYTES, plus 1 MB for the form) is
    refused with 413 as soon as it is seen, before it fills memory or the disk."""

    @pytest.fixture
    def server(self, redis_url):
        with uvicorn_server(redis_url=redis_url, extra_env={"MAX_IMPORT_BYTES": "1000"}) as base:
            yield base  # limit: 1000 + 1,048,576 bytes

    def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(self, server):
        raw = _raw(
            server,
            b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n",
        )
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert b"Request body too large" in body

    def test_a_chunked_body_is_cut_off_at_the_limit_and_the_process_carries_on(self, server):
        parts = urlsplit(server)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n"
            )
            block = b"x" * 65536
            answer = b""
            with contextlib.suppress(OSError):
                for _ in range(40):  # 2.6 MB, more than the limit
                    sock.sendall(b"%x\r\n%s\r\n" % (len(block), block))
            with contextlib.suppress(OSError):
                while chunk := sock.recv(65536):
                    answer += chunk
        assert answer.startswith(b"HTTP/1.1 413")
        # A body under the limit still reaches Django (the login form: CSRF refuses it).
        status, _ = RawClient(server, None).request(
            "POST", "/login/", body=b"a=" + b"x" * 500_000, headers={"Content-Type": "text/plain"}
        )
        assert status == 403


def test_the_application_imports_every_url_module_before_it_serves():
    # The first request must not pay for importing every view (seconds of compiling on a
    # fresh checkout): loading the application loads the URL configuration.
    code = (
        "import sys, culture.asgi, culture.wsgi; "
        "print('culture.urls' in sys.modules, 'culture.scim.views' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "culture.test_settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True"]


def test_an_async_body_is_sent_by_the_loop_and_ends_when_the_client_goes():
    """A live stream is sent for hours: its body, an async iterator, is sent from the loop
    and holds no web thread (one thread still serves a page meanwhile) and none of the
    request's state (headers, session, user...); when the client
    hangs up, the iterator is cancelled at once (its own cleanup runs) and the response is
    closed (request_finished)."""
    from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

    from culture.asgi import Application

    cleaned, closed = threading.Event(), threading.Event()

    async def events():
        try:
            yield "event: changed\n\n"
            await asyncio.sleep(3600)  # idle, as a stream is between events
        finally:
            cleaned.set()

    requests = {}

    def wsgi_app(environ, start_response):  # as Django's: the response closes the request
        request = requests[environ["PATH_INFO"]] = HttpRequest()
        request.META["HTTP_COOKIE"] = "sessionid=secret"
        if environ["PATH_INFO"] == "/stream/":
            response = StreamingHttpResponse(events(), content_type="text/event-stream")
            response._resource_closers.append(closed.set)
        else:
            response = HttpResponse(b"a page")
        response._resource_closers.append(request.close)
        start_response(f"{response.status_code} OK", list(response.items()))
        return response

    app = Application(wsgi_app, threads=1, spool_after=1024, max_body=1024)

    def scope(path):
        return {
            "type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
            "root_path": "", "query_string": b"", "headers": [], "scheme": "http",
            "server": ("testserver", 80), "client": ("127.0.0.1", 5000), "http_version": "1.1",
        }  # fmt: skip

    async def scenario():
        gone = asyncio.Event()
        sent: list[dict] = []
        page: list[dict] = []

        async def receive():
            if not sent:
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        async def page_send(message):
            page.append(message)

        async def page_receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        stream = asyncio.ensure_future(app(scope("/stream/"), receive, send))
        async with asyncio.timeout(5):
            while len(sent) < 2:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(app(scope("/page/"), page_receive, page_send), 5)
        assert not stream.done() and not cleaned.is_set()
        # While it is sent, the stream keeps nothing of its request; a page is left alone.
        assert vars(requests["/stream/"]) == {}
        assert requests["/page/"].META["HTTP_COOKIE"] == "sessionid=secret"
        gone.set()
        await asyncio.wait_for(stream, 5)
        return sent, page

    sent, page = asyncio.run(scenario())
    assert sent[0]["status"] == 200
    assert sent[1] == {
        "type": "http.response.body",
        "body": b"event: changed\n\n",
        "more_body": True,
    }
    assert page[1]["body"] == b"a page"
    assert cleaned.is_set() and closed.is_set()
