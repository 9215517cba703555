from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from culture.errors import InvalidInput
from culture.models import Delivery, Notification
from feedback.models import Campaign, FeedbackPolicy, FeedbackRequest, WrittenFeedback
from feedback.services import policy as policy_services
from feedback.services import written as written_services


def test_anyone_can_write_signed_feedback_to_anyone_and_the_recipient_is_notified(
    world, client_for
):
    client = client_for(world.outsider)
    page = client.get(reverse("feedback:write")).content.decode()
    assert "Aim to assist" in page and "Actionable" in page
    assert "No ratings or scores" in page
    assert 'type="number"' not in page and 'type="range"' not in page
    response = client.post(
        reverse("feedback:write"),
        {"recipient": world.manager.pk, "kind": "stop", "text": "Stop skipping 1:1s"},
    )
    assert response.status_code == 302
    fb = WrittenFeedback.objects.get()
    assert (fb.author, fb.recipient, fb.kind) == (world.outsider, world.manager, "stop")
    assert Notification.objects.filter(recipient=world.manager, kind="feedback.received").exists()
    inbox = client_for(world.manager).get(reverse("feedback:inbox")).content.decode()
    assert "Stop skipping 1:1s" in inbox and "Otto Outsider" in inbox
    given = client.get(reverse("feedback:given")).content.decode()
    assert "Stop skipping 1:1s" in given


def test_writing_to_yourself_or_with_no_text_is_refused_with_422(world, client_for):
    client = client_for(world.employee)
    response = client.post(
        reverse("feedback:write"), {"recipient": world.employee.pk, "kind": "start", "text": "x"}
    )
    assert response.status_code == 422
    response = client.post(
        reverse("feedback:write"), {"recipient": world.peer.pk, "kind": "start", "text": ""}
    )
    assert response.status_code == 422 and "errorlist" in response.content.decode()
    assert not WrittenFeedback.objects.exists()


def test_only_the_recipient_accepts_or_discards_and_the_inbox_filters(world, client_for):
    fb = written_services.do_write_feedback(
        author=world.peer, recipient=world.employee, kind="start", text="Start asking"
    )
    written_services.do_write_feedback(
        author=world.peer, recipient=world.employee, kind="continue", text="Keep the demos"
    )
    assert (
        client_for(world.peer)
        .post(reverse("feedback:decide_written", args=[fb.pk]), {"decision": "accepted"})
        .status_code
        == 404
    )
    client = client_for(world.employee)
    client.post(reverse("feedback:decide_written", args=[fb.pk]), {"decision": "accepted"})
    fb.refresh_from_db()
    assert fb.decision == "accepted"
    page = client.get(reverse("feedback:inbox") + "?decision=accepted").content.decode()
    assert "Start asking" in page and "Keep the demos" not in page
    frag = client.get(
        reverse("feedback:inbox") + "?kind=continue",
        headers={"HX-Request": "true", "HX-Target": "inbox-results"},
    ).content.decode()
    assert frag.lstrip().startswith('<section id="inbox-results"') and "Keep the demos" in frag


def test_asking_for_feedback_notifies_then_reminds_once_after_three_days(world):
    with time_machine.travel("2026-04-01 09:00:00+00:00", tick=False):
        (req,) = written_services.do_request_feedback(
            requester=world.employee, asked=[world.peer], question="How was my demo?"
        )
    assert Notification.objects.filter(recipient=world.peer, kind="feedback.requested").count() == 1
    with time_machine.travel("2026-04-03 09:00:00+00:00", tick=False):
        assert written_services.remind_open_requests() == 0
    with time_machine.travel("2026-04-04 09:30:00+00:00", tick=False):
        assert written_services.remind_open_requests() == 1
        assert written_services.remind_open_requests() == 0  # the sweeper is idempotent
    assert Delivery.objects.filter(key=f"feedback:request:{req.pk}:reminder").count() == 1


def test_an_answered_request_gets_no_reminder(world):
    with time_machine.travel("2026-04-01 09:00:00+00:00", tick=False):
        (req,) = written_services.do_request_feedback(requester=world.employee, asked=[world.peer])
        written_services.do_write_feedback(
            author=world.peer,
            recipient=world.employee,
            kind="continue",
            text="Great demo",
            request_id=req.pk,
        )
    req.refresh_from_db()
    assert req.answered_at is not None
    with time_machine.travel("2026-04-06 09:00:00+00:00", tick=False):
        assert written_services.remind_open_requests() == 0


def test_asking_only_yourself_is_refused(world):
    with pytest.raises(InvalidInput):
        written_services.do_request_feedback(requester=world.employee, asked=[world.employee])
    assert not FeedbackRequest.objects.exists()


def test_the_management_chain_reads_received_feedback_only_when_the_company_allows(
    world, client_for
):
    written_services.do_write_feedback(
        author=world.peer, recipient=world.employee, kind="start", text="Start asking"
    )
    url = reverse("feedback:person_received", args=[world.employee.pk])
    assert client_for(world.manager).get(url).status_code == 404
    assert client_for(world.skip_level).get(url).status_code == 404
    policy_services.do_set_policy(actor=world.people_admin, chain_may_read=True)
    assert FeedbackPolicy.load().chain_may_read
    assert "Start asking" in client_for(world.manager).get(url).content.decode()
    assert client_for(world.skip_level).get(url).status_code == 200
    assert client_for(world.other_manager).get(url).status_code == 404
    assert client_for(world.peer).get(url).status_code == 404


@pytest.mark.parametrize("chain_may_read", [False, True], ids=["policy off", "policy on"])
@pytest.mark.parametrize(
    "persona",
    ["employee", "peer", "manager", "skip_level", "other_manager", "outsider", "people_admin"],
)
def test_a_profile_links_to_the_written_feedback_received_exactly_for_those_who_may_read_it(
    world, client_for, persona, chain_may_read
):
    policy_services.do_set_policy(actor=world.people_admin, chain_may_read=chain_may_read)
    client = client_for(getattr(world, persona))
    url = reverse("feedback:person_received", args=[world.employee.pk])
    profile = client.get(reverse("people:profile", args=[world.employee.pk])).content.decode()
    may_read = persona == "employee" or (
        chain_may_read and persona in ("manager", "skip_level", "people_admin")
    )
    assert (f'href="{url}"' in profile) is may_read
    assert client.get(url).status_code == (200 if may_read else 404)


def test_your_own_profile_calls_it_the_feedback_you_received(world, client_for):
    policy_services.do_set_policy(actor=world.people_admin, chain_may_read=True)
    mine = client_for(world.employee).get(reverse("people:profile", args=[world.employee.pk]))
    theirs = client_for(world.manager).get(reverse("people:profile", args=[world.employee.pk]))
    assert "Written feedback you received" in mine.content.decode()
    assert "Written feedback they received" in theirs.content.decode()


def test_a_profile_asks_about_the_policy_only_when_the_viewer_is_in_the_chain(world, client_for):
    """The link costs a colleague no query and the chain one (the company setting)."""
    url = reverse("people:profile", args=[world.employee.pk])
    asked = {}
    for persona in ("peer", "manager"):
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(getattr(world, persona)).get(url).status_code == 200
        asked[persona] = sum("feedback_feedbackpolicy" in q["sql"] for q in ctx.captured_queries)
    assert asked == {"peer": 0, "manager": 1}
    assert not FeedbackPolicy.objects.exists()  # read, never created, on a GET


def test_people_admin_sets_the_policy_and_opens_a_campaign_window(world, client_for):
    client = client_for(world.people_admin)
    response = client.post(
        reverse("feedback:admin_settings"),
        {"which": "policy", "policy-chain_may_read": "on"},
    )
    assert response.status_code == 302 and FeedbackPolicy.load().chain_may_read
    response = client.post(
        reverse("feedback:admin_settings"),
        {
            "which": "campaign",
            "campaign-name": "Spring 360",
            "campaign-opens_on": "2026-03-01",
            "campaign-closes_on": "2026-02-01",
        },
    )
    assert response.status_code == 422
    response = client.post(
        reverse("feedback:admin_settings"),
        {
            "which": "campaign",
            "campaign-name": "Spring 360",
            "campaign-opens_on": "2026-03-01",
            "campaign-closes_on": "2026-04-30",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    # Without a target or a choice to repeat: 10 colleagues, this year only.
    assert (campaign.name, campaign.target, campaign.repeats_yearly) == ("Spring 360", 10, False)


def test_during_a_campaign_people_see_how_many_colleagues_they_wrote_to(world, client_for):
    Campaign.objects.create(
        name="Spring 360",
        opens_on=date(2026, 3, 1),
        closes_on=date(2026, 4, 30),
        created_by=world.people_admin,
    )
    with time_machine.travel("2026-03-10 12:00:00+00:00", tick=False):
        for person in (world.peer, world.manager):
            written_services.do_write_feedback(
                author=world.employee, recipient=person, kind="start", text="Start x"
            )
        written_services.do_write_feedback(
            author=world.employee, recipient=world.peer, kind="stop", text="Stop y"
        )
        page = client_for(world.employee).get(reverse("feedback:write")).content.decode()
    assert "you have written to <strong>2</strong> of the 10 colleagues" in page
    with time_machine.travel("2026-05-10 12:00:00+00:00", tick=False):
        page = client_for(world.employee).get(reverse("feedback:write")).content.decode()
    assert "you have written to" not in page


def test_inbox_query_count_does_not_grow(world, client_for, django_assert_num_queries):
    client = client_for(world.employee)
    for n in range(3):
        written_services.do_write_feedback(
            author=world.peer, recipient=world.employee, kind="start", text=f"a{n}"
        )
    client.get(reverse("feedback:inbox"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("feedback:inbox"))
    for n in range(15):
        written_services.do_write_feedback(
            author=world.manager, recipient=world.employee, kind="stop", text=f"b{n}"
        )
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("feedback:inbox"))
    assert len(small) == len(large)


def test_request_reminders_stop_after_thirty_days(world):
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False):
        written_services.do_request_feedback(requester=world.employee, asked=[world.peer])
    with time_machine.travel(date(2026, 1, 1) + timedelta(days=40), tick=False):
        assert written_services.remind_open_requests() == 0


def _received(world, n, *, kind="stop", start=0):
    base = datetime(2026, 1, 1, 9, tzinfo=UTC)
    WrittenFeedback.objects.bulk_create(
        WrittenFeedback(
            author=world.peer,
            recipient=world.employee,
            kind=kind,
            text=f"{kind} item {i:03}",
            created_at=base + timedelta(minutes=i),
        )
        for i in range(start, start + n)
    )


def test_the_inbox_pages_newest_first_keeps_its_filters_and_decisions_come_back_to_the_page(
    world, client_for
):
    _received(world, 30, kind="stop")
    _received(world, 5, kind="start", start=100)
    client = client_for(world.employee)
    url = reverse("feedback:inbox")
    first = client.get(url + "?kind=stop").content.decode()
    assert first.count('<li><span class="pill">Stop</span>') == 25
    assert "stop item 029" in first and "stop item 005" in first and "stop item 004" not in first
    assert "start item" not in first
    assert "30 items" in first and "Page 1 of 2" in first
    assert 'href="?kind=stop&amp;page=2"' in first and ">Older</a>" in first
    assert ">Newer</a>" not in first

    # The htmx pager swaps the results only; without JS the same link loads the full page.
    frag = client.get(
        url + "?kind=stop&page=2", headers={"HX-Request": "true", "HX-Target": "inbox-results"}
    ).content.decode()
    assert frag.lstrip().startswith('<section id="inbox-results"') and "<html" not in frag
    assert "stop item 004" in frag and "stop item 000" in frag and "stop item 005" not in frag
    assert 'href="?kind=stop&amp;page=1"' in frag and ">Older</a>" not in frag
    assert "Page 2 of 2" in frag

    # Deciding an item on page 2 of the filtered list comes back there.
    item = WrittenFeedback.objects.get(text="stop item 002")
    assert f"/feedback/written/{item.pk}/decide/?kind=stop&amp;page=2" in frag
    response = client.post(
        reverse("feedback:decide_written", args=[item.pk]) + "?kind=stop&page=2",
        {"decision": "discarded"},
    )
    assert response.status_code == 302
    assert response["Location"] == url + "?kind=stop&page=2"
    item.refresh_from_db()
    assert item.decision == "discarded"
    # Junk in the query string is dropped, never echoed into the redirect.
    other = WrittenFeedback.objects.get(text="stop item 001")
    response = client.post(
        reverse("feedback:decide_written", args=[other.pk])
        + "?kind=evil&page=x&next=https://evil.example",
        {"decision": "accepted"},
    )
    assert response["Location"] == url
    # A page past the end shows the last one; an empty filter says so.
    assert "Page 2 of 2" in client.get(url + "?kind=stop&page=9").content.decode()
    assert "Nothing matches these filters" in client.get(url + "?kind=continue").content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_inbox_pages_run_a_fixed_number_of_queries_whatever_the_number_of_items(
    world, client_for, htmx
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.employee)
    headers = {"HX-Request": "true", "HX-Target": "inbox-results"} if htmx else {}
    url = reverse("feedback:inbox")
    FeedbackRequest.objects.create(requester=world.peer, asked=world.employee, question="Q?")
    counts, sizes = [], []
    for total in (30, 120):
        _received(world, total - WrittenFeedback.objects.count(), start=1000 + total)
        client.get(url, headers=headers)
        for query in ("", "?page=2", "?kind=stop&decision=pending&page=2"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url + query, headers=headers)
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
            sizes.append(response.content.decode().count('<li><span class="pill">'))
    assert len(set(counts)) == 1, counts
    assert max(sizes) == 25, sizes
