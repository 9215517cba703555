"""Mail floods and guessing (issue 19, point 3): rate limits per client address, per person
and per person on the receiving end, on every endpoint that sends mail or notifications or
answers without a login (culture/ratelimit.py, limits in settings.RATE_LIMITS).

Every refusal is a 429 with Retry-After, in the product's layout (or, for htmx, a fragment
swapped into the page's alert region), and sends nothing. The tests lower a limit to 2 where
the default is larger, and keep the defaults where the issue fixes the number (3 reset emails
an hour to one person)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from culture.models import Delivery, Notification, Person
from tests.conftest import PASSWORD, make_person, run_jobs

pytestmark = pytest.mark.django_db

A, B = "203.0.113.10", "198.51.100.20"


def limits(settings, **rates):
    """Set some limits for this test: limits(settings, **{"ask.to": "2/h"})."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}


def client_for(person, ip=A) -> Client:
    client = Client(REMOTE_ADDR=ip)
    if person is not None:
        client.force_login(person)
    return client


def assert_refused(response, *, most: int):
    """A 429 in the product's layout that says when to try again."""
    assert response.status_code == 429, response.status_code
    wait = int(response["Retry-After"])
    assert 1 <= wait <= most
    page = response.content.decode()
    assert "Too many requests" in page and "Nothing was sent." in page
    assert re.search(r"Try again in \d+ minutes?, at \d\d:\d\d\.", page), page
    assert "<html" in page and 'id="main"' in page  # the layout, not a bare error


def assert_refused_fragment(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="refused"') and "<html" not in page
    assert "Nothing was sent." in page
    assert response["HX-Retarget"] == "#alerts"
    assert response["HX-Reswap"] == "innerHTML"


# --- Logged-in endpoints that send mail or notifications ------------------------------------
#
# One class per endpoint: who may send, to whom, one request, and what a person received.


class Endpoint:
    action = ""
    dimensions = ("ip", "user", "to")

    def __init__(self, world):
        self.world = world
        # Five people nobody else in these tests writes to.
        self.people = [
            make_person(
                name=f"Tess Target{n}", email=f"target{n}@example.test", manager=world.manager
            )
            for n in range(5)
        ]

    def senders(self) -> list[Person]:
        """Who may do it (several, where the product allows: "whoever sends")."""
        return [self.world.employee, self.world.peer, self.world.outsider]

    def targets(self) -> list:
        return self.people

    def send(self, client, sender, target, n):
        raise NotImplementedError

    def received(self, target) -> int:
        raise NotImplementedError

    def trace(self, target):
        """Everything a request to `target` leaves behind (a refused one leaves nothing)."""
        return self.received(target)


class Invite(Endpoint):
    action = "invite"

    def __init__(self, world):
        super().__init__(world)
        self.admins = [
            world.people_admin,
            make_person(email="a2@example.test", is_people_admin=True),
        ]

    def senders(self):
        return self.admins

    def targets(self):
        return [f"new{n}@example.test" for n in range(5)]

    def send(self, client, sender, target, n):
        return client.post(reverse("people:invite"), {"email": target, "name": "Nora New"})

    def received(self, target):
        return Delivery.objects.filter(to_email=target, key__startswith="invite:").count()


class Ask(Endpoint):
    action = "ask"

    def send(self, client, sender, target, n):
        return client.post(
            reverse("feedback:ask"), {"people": [target.pk], "question": f"How did I do? {n}"}
        )

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="feedback.requested").count()


class Written(Endpoint):
    action = "written"

    def send(self, client, sender, target, n):
        return client.post(
            reverse("feedback:write"),
            {"recipient": target.pk, "kind": "start", "text": f"Start sharing drafts early ({n})."},
        )

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="feedback.received").count()


class Nudge(Endpoint):
    action = "nudge"

    def __init__(self, world):
        from tests.feedback.factories import make_circle, step

        super().__init__(world)
        self.circle = make_circle(facilitator=world.manager, people=[world.manager, *self.people])
        step(self.circle, world.manager, "start")  # the manager is in the centre first

    def senders(self):
        return [self.world.manager]

    def send(self, client, sender, target, n):
        return client.post(
            reverse("feedback:step", args=[self.circle.pk]),
            {"action": "nudge", "person": target.pk},
        )

    def received(self, target):
        # By the person's channels, and at most once a minute per person (the key has the minute).
        return Notification.objects.filter(recipient=target, kind="feedback.nudge").count()

    def trace(self, target):
        from feedback.models import Participant

        nudged = Participant.objects.get(circle=self.circle, person=target).nudged_at
        return self.received(target), nudged


class MemoInvite(Endpoint):
    action = "memo_invite"

    def __init__(self, world):
        from tests.decisions.conftest import make_memo

        super().__init__(world)
        # One memo per request: a second invitation to the same memo notifies nobody anyway.
        self.memos = [make_memo(captain=world.employee, title=f"Memo {n}") for n in range(6)]

    def senders(self):
        return [self.world.employee]

    def send(self, client, sender, target, n):
        response = client.post(
            reverse("decisions:invite", args=[self.memos[n].pk]), {"people": target.email}
        )
        run_jobs()  # the invitations are deferred work (culture.jobs)
        return response

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="decisions.invited").count()


class Mention(Endpoint):
    action = "comment"

    def __init__(self, world):
        from tests.decisions.conftest import make_memo

        super().__init__(world)
        self.memo = make_memo(captain=world.ceo, title="Open memo")

    def send(self, client, sender, target, n):
        handle = target.email.split("@")[0]
        return client.post(
            reverse("decisions:comment", args=[self.memo.pk]),
            {"body": f"@{handle} what do you think? ({n})"},
        )

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="decisions.mention").count()


class NewCircle(Endpoint):
    action = "circle"

    def send(self, client, sender, target, n):
        when = timezone.localtime(timezone.now() + timedelta(days=2 + n))
        response = client.post(
            reverse("feedback:circle_new"),
            {
                "title": f"Circle {n}",
                "people": [sender.pk, target.pk],
                "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
                "minutes_per_person": 20,
                "reveal_to": "circle",
            },
        )
        run_jobs()  # the calendar invitations are deferred work
        return response

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="feedback.circle_invite").count()


class Reschedule(Endpoint):
    action = "reschedule"

    def send(self, client, sender, target, n):
        from tests.feedback.factories import make_circle

        circle = make_circle(facilitator=sender, people=[sender, target], title=f"Circle {n}")
        run_jobs()  # its first invitations
        when = timezone.localtime(timezone.now() + timedelta(days=3 + n))
        response = client.post(
            reverse("feedback:reschedule", args=[circle.pk]),
            {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "minutes_per_person": 15},
        )
        run_jobs()  # the updated invitations
        return response

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="feedback.circle_update").count()


class Revisit(Endpoint):
    action = "revisit"

    def send(self, client, sender, target, n):
        from decisions.models import Memo
        from tests.decisions.conftest import make_memo

        memo = make_memo(captain=target, title=f"Decided {n}", state=Memo.State.DECIDED)
        return client.post(
            reverse("decisions:revisit", args=[memo.pk]),
            {"new_information": f"The pilot team doubled its output ({n})."},
        )

    def received(self, target):
        return Notification.objects.filter(recipient=target, kind="decisions.revisit").count()


class Propose(Endpoint):
    """Every people admin is emailed: counted per proposer, not per admin."""

    action = "propose"
    dimensions = ("ip", "user")

    def senders(self):
        return [self.world.manager, self.world.skip_level, self.world.ceo]

    def send(self, client, sender, target, n):
        return client.post(
            reverse("pay:propose", args=[target.pk]),
            {"proposed_salary": "150000", "currency": "GBP", "reason": f"Market moved ({n})"},
        )

    def received(self, target):
        from pay.models import RaiseProposal

        return RaiseProposal.objects.filter(person=target).count()


ENDPOINTS = [
    Invite,
    Ask,
    Written,
    Nudge,
    MemoInvite,
    Mention,
    NewCircle,
    Reschedule,
    Revisit,
    Propose,
]
ids = [e.action for e in ENDPOINTS]
PER_RECIPIENT = [e for e in ENDPOINTS if "to" in e.dimensions]


def _ok(response):
    assert response.status_code in (200, 302), response.status_code
    assert response.status_code != 429


@pytest.mark.parametrize("endpoint", PER_RECIPIENT, ids=[e.action for e in PER_RECIPIENT])
def test_one_person_gets_no_more_than_the_limit_whoever_sends_and_from_wherever(
    endpoint, world, settings
):
    case = endpoint(world)
    limits(settings, **{f"{case.action}.to": "2/h"})
    target, other = case.targets()[0], case.targets()[1]
    senders = case.senders()
    for n in range(2):  # different senders where the product allows, different addresses
        sender = senders[n % len(senders)]
        _ok(case.send(client_for(sender, ip=f"192.0.2.{n}"), sender, target, n))
    assert case.received(target) >= 1
    before = case.trace(target)
    sender = senders[2 % len(senders)]
    refused = case.send(client_for(sender, ip=B), sender, target, 2)
    assert_refused(refused, most=3600)
    assert case.trace(target) == before  # nothing beyond the limit
    # Someone else is not blocked by it.
    _ok(case.send(client_for(sender, ip=B), sender, other, 3))
    assert case.received(other) >= 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_one_sender_is_limited_whatever_the_address(endpoint, world, settings):
    case = endpoint(world)
    limits(settings, **{f"{case.action}.user": "2/h"})
    sender, targets = case.senders()[0], case.targets()
    for n in range(2):
        _ok(case.send(client_for(sender, ip=f"192.0.2.{n}"), sender, targets[n], n))
    refused = case.send(client_for(sender, ip=B), sender, targets[2], 2)
    assert_refused(refused, most=3600)
    assert case.received(targets[2]) == 0
    # Another sender, where there is one, is not.
    others = case.senders()[1:]
    if others:
        _ok(case.send(client_for(others[0], ip=B), others[0], targets[2], 3))
        assert case.received(targets[2]) >= 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_one_address_is_limited_and_another_address_is_not(endpoint, world, settings):
    case = endpoint(world)
    limits(settings, **{f"{case.action}.ip": "2/h"})
    senders, targets = case.senders(), case.targets()
    for n in range(2):
        sender = senders[n % len(senders)]
        _ok(case.send(client_for(sender, ip=A), sender, targets[n], n))
    sender = senders[2 % len(senders)]
    assert_refused(case.send(client_for(sender, ip=A), sender, targets[2], 2), most=3600)
    assert case.received(targets[2]) == 0
    _ok(case.send(client_for(sender, ip=B), sender, targets[2], 3))
    assert case.received(targets[2]) >= 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids)
def test_an_htmx_request_over_the_limit_gets_the_fragment(endpoint, world, settings):
    case = endpoint(world)
    limits(settings, **{f"{case.action}.user": "1/h"})
    sender, targets = case.senders()[0], case.targets()
    client = client_for(sender)
    _ok(case.send(client, sender, targets[0], 0))
    client.defaults["HTTP_HX_REQUEST"] = "true"
    assert_refused_fragment(case.send(client, sender, targets[1], 1))
    assert case.received(targets[1]) == 0


def test_every_action_has_a_limit_per_address_per_sender_and_per_recipient(settings):
    from culture.ratelimit import parse

    for endpoint in ENDPOINTS:
        for dimension in endpoint.dimensions:
            assert parse(settings.RATE_LIMITS[f"{endpoint.action}.{dimension}"]) is not None
    assert "propose.to" not in settings.RATE_LIMITS  # see Propose


def test_a_comment_without_mentions_counts_only_against_its_writer(world, settings):
    case = Mention(world)
    limits(settings, **{"comment.to": "1/h"})
    client = client_for(world.employee)
    url = reverse("decisions:comment", args=[case.memo.pk])
    for n in range(3):
        assert client.post(url, {"body": f"No one named here ({n})."}).status_code == 302


# --- Login ------------------------------------------------------------------------------------


def _login(ip, email="employee@example.test", password=PASSWORD):
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": email, "password": password})


def test_login_posts_from_one_address_are_limited_before_any_password_is_checked(world, settings):
    from axes.models import AccessAttempt

    limits(settings, **{"login.ip": "3/10m"})
    for email in ("peer@example.test", "manager@example.test", "ceo@example.test"):
        assert _login(A, email, "wrong").status_code == 200  # spraying many accounts
    client = Client(REMOTE_ADDR=A)
    refused = client.post("/login/", {"username": "employee@example.test", "password": PASSWORD})
    assert_refused(refused, most=600)  # even with the right password
    assert "_auth_user_id" not in client.session
    # Not counted as a failed login either: the lock-out saw three.
    assert AccessAttempt.objects.filter(ip_address=A).count() == 3
    # Another address logs in.
    assert _login(B).status_code == 302


def test_the_admin_login_is_the_product_login_and_shares_its_limit(world, settings):
    # Issue 21: the Django admin has no password form of its own any more (it would skip the
    # second factor and "SSO required"); its login sends people to the product's, whose posts
    # are what the address's limit counts.
    limits(settings, **{"login.ip": "2/10m"})
    admin = Client(REMOTE_ADDR=A)
    response = admin.post("/admin/login/", {"username": "peer@example.test", "password": "x"})
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"
    for email in ("peer@example.test", "ceo@example.test"):
        assert _login(A, email, "wrong").status_code == 200
    assert_refused(_login(A), most=600)
    assert Client(REMOTE_ADDR=A).get("/admin/login/").status_code == 302  # never counted
    assert Client(REMOTE_ADDR=A).get("/login/").status_code == 200  # GETs are not counted


def test_the_default_login_limit_leaves_room_for_the_lock_out(world, settings):
    # Five failures lock an account at one address before the address's limit is reached.
    from culture.ratelimit import parse

    rate = parse(settings.RATE_LIMITS["login.ip"])
    assert rate.count > settings.AXES_FAILURE_LIMIT
    for _ in range(4):
        assert _login(A, password="wrong").status_code == 200
    assert _login(A, password="wrong").status_code == 429  # the lock-out's, not the limit's
    assert "Too many attempts" in _login(A).content.decode()


# --- Password reset ---------------------------------------------------------------------------


def _reset(ip, email):
    return Client(REMOTE_ADDR=ip).post("/password/reset/", {"email": email})


def _resets(ips, email):
    """One reset request from each address, a second apart: reset links made in the same
    second are the same link, which the delivery ledger sends once."""
    start = timezone.now()
    answers = []
    for n, ip in enumerate(ips):
        with time_machine.travel(start + timedelta(seconds=n), tick=False):
            answers.append(_reset(ip, email))
    return answers


def _reset_emails(person) -> int:
    return Delivery.objects.filter(recipient=person, key__startswith="password-reset:").count()


def test_password_reset_sends_at_most_three_emails_an_hour_to_one_person_whoever_asks(world):
    answers = _resets([f"192.0.2.{n}" for n in range(6)], "Employee@Example.test")
    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429, 429]
    assert _reset_emails(world.employee) == 3
    assert_refused(answers[3], most=3600)
    assert "the links already sent still work" in answers[3].content.decode()
    # Someone else can still reset theirs.
    assert _reset(B, "peer@example.test").status_code == 302
    assert _reset_emails(world.peer) == 1


def _same(page: str) -> str:
    """A page with what differs between any two requests taken out (nonce, CSRF token)."""
    page = re.sub(r'nonce="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_password_reset_answers_the_same_for_an_address_nobody_has(world):
    known = [_reset(f"192.0.2.{n}", "employee@example.test") for n in range(4)]
    unknown = [_reset(f"192.0.2.{n + 10}", "nobody@example.test") for n in range(4)]
    for k, u in zip(known, unknown, strict=True):
        assert k.status_code == u.status_code
        assert k.get("Location") == u.get("Location")
    assert known[3].status_code == 429
    assert abs(int(known[3]["Retry-After"]) - int(unknown[3]["Retry-After"])) <= 2
    page_known, page_unknown = (
        re.sub(r"\d\d:\d\d|\d+ minutes?", "", _same(r.content.decode()))
        for r in (known[3], unknown[3])
    )
    assert page_known == page_unknown
    assert not Delivery.objects.exclude(recipient=world.employee).exists()


def test_password_reset_requests_from_one_address_are_limited(world, settings):
    limits(settings, **{"password_reset.ip": "2/h"})
    assert _reset(A, "employee@example.test").status_code == 302
    assert _reset(A, "nobody@example.test").status_code == 302
    assert_refused(_reset(A, "peer@example.test"), most=3600)
    assert _reset_emails(world.peer) == 0
    assert _reset(B, "peer@example.test").status_code == 302
    assert _reset_emails(world.peer) == 1


def test_the_reset_limit_slides_three_in_any_hour_never_six_across_an_edge(world, settings):
    # A cache that follows the travelling clock (Redis keeps its own).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert _reset(A, "employee@example.test").status_code == 302
        clock.move_to(start + timedelta(minutes=59))
        assert _reset(A, "employee@example.test").status_code == 302
        clock.move_to(start + timedelta(minutes=59, seconds=1))  # another link (see _resets)
        assert _reset(A, "employee@example.test").status_code == 302
        refused = _reset(A, "employee@example.test")
        assert refused.status_code == 429
        assert 55 <= int(refused["Retry-After"]) <= 60  # the first one's hour ends in a minute
        clock.move_to(start + timedelta(minutes=61))
        assert _reset(A, "employee@example.test").status_code == 302
        clock.move_to(start + timedelta(minutes=62))
        assert _reset(A, "employee@example.test").status_code == 429
    assert _reset_emails(world.employee) == 4  # never more than 3 within any hour


def test_opening_reset_links_from_one_address_is_limited(world, settings):
    limits(settings, **{"password_reset_link.ip": "2/10m"})
    url = "/password/reset/MQ/bad-token/"
    client = Client(REMOTE_ADDR=A)
    assert client.get(url).status_code == 200  # "this link has expired"
    assert client.get(url).status_code == 200
    assert_refused(client.get(url), most=600)
    assert Client(REMOTE_ADDR=B).get(url).status_code == 200


# --- How limits are counted ----------------------------------------------------------------


def test_ipv6_addresses_in_one_block_share_a_limit(world, settings):
    limits(settings, **{"password_reset.ip": "2/h"})
    assert _reset("2001:db8:1:1::1", "a@example.test").status_code == 302
    assert _reset("2001:db8:1:1::2", "b@example.test").status_code == 302
    assert _reset("2001:db8:1:1:ffff::9", "c@example.test").status_code == 429
    assert _reset("2001:db8:1:2::1", "c@example.test").status_code == 302


def test_a_refused_request_takes_nothing_from_the_other_limits(world, settings):
    limits(settings, **{"ask.to": "1/h", "ask.user": "2/h"})
    case = Ask(world)
    client = client_for(world.employee)
    t0, t1, t2 = case.targets()[:3]
    _ok(case.send(client, world.employee, t0, 0))
    assert case.send(client, world.employee, t0, 1).status_code == 429  # t0 is full
    # The refusal did not use the sender's second place.
    _ok(case.send(client, world.employee, t1, 2))
    assert case.send(client, world.employee, t2, 3).status_code == 429


def test_when_the_cache_does_not_answer_requests_pass(world, settings, monkeypatch):
    from culture import ratelimit

    limits(settings, **{"password_reset.ip": "1/h"})
    asked = []

    def down(*args, **kwargs):
        asked.append(1)
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit.cache, "get_many", down)
    monkeypatch.setattr(ratelimit, "_cache_down_until", 0.0)
    for _ in range(3):
        assert _reset(A, "employee@example.test").status_code == 302
    # A hung cache costs its timeout once, not on every request: it is left alone a while.
    assert len(asked) == 1
    paused = ratelimit._cache_down_until - time.monotonic()
    assert ratelimit.CACHE_RETRY - 5 < paused <= ratelimit.CACHE_RETRY
    # Once the pause is over it is asked again.
    monkeypatch.undo()
    ratelimit._cache_down_until = time.monotonic() - 1
    assert _reset(B, "peer@example.test").status_code == 302
    assert _reset(B, "ceo@example.test").status_code == 429


def test_a_limit_that_is_off_does_not_count(world, settings):
    limits(settings, **{"password_reset.ip": "off", "password_reset.to": "off"})
    answers = _resets([A] * 5, "employee@example.test")
    assert [a.status_code for a in answers] == [302] * 5
    assert _reset_emails(world.employee) == 5


def test_limits_are_read_as_n_per_period():
    from django.core.exceptions import ImproperlyConfigured

    from culture.ratelimit import Rate, parse

    assert parse("30/10m") == Rate(30, 600)
    assert parse("3/h") == Rate(3, 3600)
    assert parse(" 5 / 2d ") == Rate(5, 172800)
    assert parse("off") is None
    for bad in ("3", "3/x", "0/h", "100000/h", "-1/h", "three/h"):
        with pytest.raises(ImproperlyConfigured):
            parse(bad)


def test_limits_can_be_changed_from_the_environment_and_typos_are_refused():
    from culture.settings import _rate_limits

    table = {"login.ip": "30/10m", "ask.user": "20/h"}
    assert _rate_limits(table, ["login.ip=off", "ask.to=5/h"]) == {
        "login.ip": "off",
        "ask.user": "20/h",
        "ask.to": "5/h",
    }
    for bad in (["logn.ip=1/h"], ["login.address=1/h"], ["login.ip"]):
        with pytest.raises(ValueError):
            _rate_limits(table, bad)


def test_the_system_check_names_a_limit_that_cannot_be_read(settings):
    from culture.checks import rate_limits_parse

    limits(settings, **{"ask.user": "lots"})
    errors = rate_limits_parse(None)
    assert [e.id for e in errors] == ["culture.E004"]
    assert "ask.user" in errors[0].msg
