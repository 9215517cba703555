"""XSS payloads in every user-written field are rendered inert, on every page that shows them.

The server-side checks parse the HTML: no script element without our nonce, no event-handler
attribute, no javascript:/data: URL, no htmx attribute from user text, no template evaluated."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import Memo
from tests.decisions.conftest import make_memo

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<svg onload="window.__xss=1"><script>window.__xss=1</script></svg>',
    '"><script>window.__xss=1</script>',
    "[click me](javascript:window.__xss=1)",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:window.__xss=1">link</a>',
    '<div hx-get="/xss-hx/" hx-trigger="load" hx-target="body">hx</div>',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    "<style>body{display:none}</style>",
    '{% now "Y" %}TPL {{ 7|add:1 }}TPL',
    "<details open ontoggle=window.__xss=1>",
]
CORPUS = "\n\n".join(PAYLOADS)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    parser = _Collector()
    parser.feed(html)
    for tag, attrs in parser.elements:
        if tag == "script":
            # Our own files only: static files, and the translation catalogue of the
            # reader's language (base.html, issue 25).
            src = attrs.get("src", "")
            own = src.startswith("/static/") or src.startswith(reverse("javascript_catalog"))
            assert "nonce" in attrs and own, attrs
        assert tag not in ("iframe", "style", "img"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            value = (value or "").strip().lower()
            if name in ("href", "src", "action", "xlink:href", "formaction"):
                assert not value.startswith(("javascript:", "data:")), (tag, name, value)
            assert "/xss-hx/" not in value, (tag, name)
            assert "__xss" not in value, (tag, name, value)
    assert "2026TPL" not in html and "8TPL" not in html


def _full_memo(world):
    memo = make_memo(
        captain=world.employee,
        title=PAYLOADS[2] + PAYLOADS[3],
        body=CORPUS,
        teams=[world.team],
        state=Memo.State.OPEN,
    )
    services.do_rate(memo_id=memo.pk, by=world.peer, score=-5, reason=CORPUS)
    services.do_comment(memo_id=memo.pk, by=world.peer, body=CORPUS)
    services.do_start_test(memo_id=memo.pk, by=world.employee, description=CORPUS)
    services.do_record_test_results(memo_id=memo.pk, by=world.employee, results=CORPUS)
    services.do_request_revisit(memo_id=memo.pk, by=world.peer, new_information=CORPUS)
    return memo


def test_xss_payloads_in_titles_bodies_reasons_and_comments_are_inert_on_the_memo_page(
    world, client_for
):
    memo = _full_memo(world)
    html = client_for(world.employee).get(memo.get_absolute_url()).content.decode()
    assert_inert(html)
    # The text is still there, escaped, so nobody's words are lost.
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_xss_payloads_in_outcomes_are_inert_in_the_feed_the_ledger_and_the_home_page(
    world, client_for
):
    memo = _full_memo(world)
    from datetime import timedelta

    from django.utils import timezone

    services.do_decide(
        memo_id=memo.pk,
        by=world.employee,
        bet="go",
        why=CORPUS,
        look_back_on=timezone.localdate() + timedelta(days=3),
    )
    services.do_record_outcome(
        memo_id=memo.pk, by=world.employee, outcome="did_not", happened=CORPUS, learned=CORPUS
    )
    client = client_for(world.employee)
    for url in [
        reverse("decisions:index"),
        reverse("decisions:index") + "?q=script",
        reverse("decisions:person_ledger", args=[world.employee.pk]),
        reverse("decisions:team_ledger", args=["platform"]),
        memo.get_absolute_url(),
        "/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())


def test_xss_payloads_in_the_preview_are_inert(world, client_for):
    html = client_for(world.employee).post(reverse("decisions:preview"), {"body": CORPUS})
    assert_inert(html.content.decode())


def test_the_inert_check_catches_a_real_script(world):
    with pytest.raises(AssertionError):
        assert_inert("<p><img src=x onerror=alert(1)></p>")
    with pytest.raises(AssertionError):
        assert_inert('<a href="javascript:alert(1)">x</a>')
    with pytest.raises(AssertionError):
        assert_inert("<script>alert(1)</script>")


@pytest.mark.parametrize("persona", ["peer", "manager", "skip_level", "outsider", "people_admin"])
def test_confidential_and_draft_memos_are_refused_to_everyone_not_named(world, client_for, persona):
    draft = make_memo(captain=world.employee, state=Memo.State.DRAFT, title="Hidden draft")
    secret = make_memo(captain=world.employee, confidential=True, readers=[world.ceo])
    client = client_for(getattr(world, persona))
    for memo in (draft, secret):
        for url in [
            memo.get_absolute_url(),
            reverse("decisions:edit", args=[memo.pk]),
            reverse("decisions:step", args=[memo.pk, "publish"]),
        ]:
            assert client.get(url).status_code == 404, url
        assert (
            client.post(
                reverse("decisions:rate", args=[memo.pk]), {"score": 1, "reason": "x" * 20}
            ).status_code
            == 404
        )
    html = client.get(reverse("decisions:index") + "?q=hidden").content.decode()
    assert "Hidden draft" not in html
    html = client.get(reverse("decisions:person_ledger", args=[world.employee.pk])).content
    assert b"Try a four-day week" not in html
