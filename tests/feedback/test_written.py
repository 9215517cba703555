from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from culture.models import Delivery, Notification
from feedback import services
from feedback.models import Campaign, FeedbackPolicy, FeedbackRequest, WrittenFeedback


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
    fb = services.do_write_feedback(
        author=world.peer, recipient=world.employee, kind="start", text="Start asking"
    )
    services.do_write_feedback(
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
        (req,) = services.do_request_feedback(
            requester=world.employee, asked=[world.peer], question="How was my demo?"
        )
    assert Notification.objects.filter(recipient=world.peer, kind="feedback.requested").count() == 1
    with time_machine.travel("2026-04-03 09:00:00+00:00", tick=False):
        assert services.remind_open_requests() == 0
    with time_machine.travel("2026-04-04 09:30:00+00:00", tick=False):
        assert services.remind_open_requests() == 1
        assert services.remind_open_requests() == 0  # the sweeper is idempotent
    assert Delivery.objects.filter(key=f"feedback:request:{req.pk}:reminder").count() == 1


def test_an_answered_request_gets_no_reminder(world):
    with time_machine.travel("2026-04-01 09:00:00+00:00", tick=False):
        (req,) = services.do_request_feedback(requester=world.employee, asked=[world.peer])
        services.do_write_feedback(
            author=world.peer,
            recipient=world.employee,
            kind="continue",
            text="Great demo",
            request_id=req.pk,
        )
    req.refresh_from_db()
    assert req.answered_at is not None
    with time_machine.travel("2026-04-06 09:00:00+00:00", tick=False):
        assert services.remind_open_requests() == 0


def test_asking_only_yourself_is_refused(world):
    with pytest.raises(ValidationError):
        services.do_request_feedback(requester=world.employee, asked=[world.employee])
    assert not FeedbackRequest.objects.exists()


def test_the_management_chain_reads_received_feedback_only_when_the_company_allows(
    world, client_for
):
    services.do_write_feedback(
        author=world.peer, recipient=world.employee, kind="start", text="Start asking"
    )
    url = reverse("feedback:person_received", args=[world.employee.pk])
    assert client_for(world.manager).get(url).status_code == 404
    assert client_for(world.skip_level).get(url).status_code == 404
    services.do_set_policy(actor=world.people_admin, chain_may_read=True)
    assert FeedbackPolicy.load().chain_may_read
    assert "Start asking" in client_for(world.manager).get(url).content.decode()
    assert client_for(world.skip_level).get(url).status_code == 200
    assert client_for(world.other_manager).get(url).status_code == 404
    assert client_for(world.peer).get(url).status_code == 404


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
    assert Campaign.objects.get().name == "Spring 360"


def test_during_a_campaign_people_see_how_many_colleagues_they_wrote_to(world, client_for):
    Campaign.objects.create(
        name="Spring 360",
        opens_on=date(2026, 3, 1),
        closes_on=date(2026, 4, 30),
        created_by=world.people_admin,
    )
    with time_machine.travel("2026-03-10 12:00:00+00:00", tick=False):
        for person in (world.peer, world.manager):
            services.do_write_feedback(
                author=world.employee, recipient=person, kind="start", text="Start x"
            )
        services.do_write_feedback(
            author=world.employee, recipient=world.peer, kind="stop", text="Stop y"
        )
        page = client_for(world.employee).get(reverse("feedback:write")).content.decode()
    assert "you have written to <strong>2</strong> colleagues" in page
    with time_machine.travel("2026-05-10 12:00:00+00:00", tick=False):
        page = client_for(world.employee).get(reverse("feedback:write")).content.decode()
    assert "you have written to" not in page


def test_inbox_query_count_does_not_grow(world, client_for, django_assert_num_queries):
    client = client_for(world.employee)
    for n in range(3):
        services.do_write_feedback(
            author=world.peer, recipient=world.employee, kind="start", text=f"a{n}"
        )
    client.get(reverse("feedback:inbox"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("feedback:inbox"))
    for n in range(15):
        services.do_write_feedback(
            author=world.manager, recipient=world.employee, kind="stop", text=f"b{n}"
        )
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("feedback:inbox"))
    assert len(small) == len(large)


def test_request_reminders_stop_after_thirty_days(world):
    with time_machine.travel("2026-01-01 09:00:00+00:00", tick=False):
        services.do_request_feedback(requester=world.employee, asked=[world.peer])
    with time_machine.travel(date(2026, 1, 1) + timedelta(days=40), tick=False):
        assert services.remind_open_requests() == 0
