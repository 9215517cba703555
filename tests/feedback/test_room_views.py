import pytest
from django.urls import reverse

from feedback.models import CircleItem
from feedback.services import circle as circle_services
from tests.conftest import make_person
from tests.feedback.factories import make_circle, step, write

SECRET_A = "Stop interrupting in standups ZEBRA-41"
SECRET_B = "Start writing design docs QUOKKA-77"


def body(response):
    # The room's state is a Jinja2 template (culture/jinja2.py), which escapes " and ' as
    # &#34; and &#39;; Django writes &quot; and &#x27;. One spelling for the assertions.
    return response.content.decode().replace("&#34;", "&quot;").replace("&#39;", "&#x27;")


@pytest.fixture
def live_round(world, circle, fourth):
    step(circle, world.manager, "start")
    write(circle, world.employee, SECRET_A, kind="stop")
    write(circle, world.peer, SECRET_B, kind="start")
    return circle


ROOM_BUDGET = {"feedback:room": 8, "feedback:room_state": 7}


@pytest.mark.parametrize("url_name", ["feedback:room", "feedback:room_state"])
def test_before_reveal_nobody_receives_anyone_elses_items_or_authors(
    world, live_round, fourth, client_for, url_name
):
    url = reverse(url_name, args=[live_round.pk])
    own = body(client_for(world.employee).get(url))
    assert SECRET_A in own and SECRET_B not in own
    others = body(client_for(world.peer).get(url))
    assert SECRET_B in others and SECRET_A not in others
    for person in (world.manager, fourth):  # the recipient-facilitator and a non-writer
        page = body(client_for(person).get(url))
        assert SECRET_A not in page and SECRET_B not in page
        assert "2 of 3" in page


def test_the_facilitator_sees_who_has_not_written_but_not_what_others_wrote(
    world, live_round, fourth, client_for
):
    page = body(client_for(world.manager).get(reverse("feedback:room", args=[live_round.pk])))
    assert "Not written yet" in page and f"Nudge {fourth.get_short_name()}" in page
    assert f"Nudge {world.peer.get_short_name()}" not in page
    assert SECRET_A not in page


def test_after_reveal_the_whole_circle_sees_items_with_their_authors(
    world, live_round, fourth, client_for
):
    step(live_round, world.manager, "reveal")
    page = body(client_for(fourth).get(reverse("feedback:room_state", args=[live_round.pk])))
    assert SECRET_A in page and SECRET_B in page
    assert world.employee.name in page and world.peer.name in page


def test_revealed_rounds_show_each_item_escaped_with_its_kind_author_and_the_response(
    world, circle, fourth, client_for
):
    """Every text in a revealed round is escaped, and the round shows for whom it was,
    their response, and each item's kind, text and author."""
    from feedback.models import Participant
    from feedback.services.circle import RESPONSES

    step(circle, world.manager, "start")
    write(circle, world.employee, '<script>alert("x")</script> & more', kind="stop")
    write(circle, world.peer, "Keep the demos", kind="continue")
    step(circle, world.manager, "reveal")
    circle_services.do_respond(circle_id=circle.pk, person=world.manager, response=RESPONSES[0])
    url = reverse("feedback:room_state", args=[circle.pk])
    page = body(client_for(fourth).get(url))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert f'<h2 id="round-0">For {world.manager.name}</h2>' in page
    assert f"{world.manager.get_short_name()}: \u201c{RESPONSES[0]}\u201d" in page.replace(
        "&#x27;", "'"
    )
    assert '<li class="item stop"><span class="pill">Stop</span> &lt;script&gt;' in page
    assert (
        f'<span class="pill">Continue</span> Keep the demos <span class="muted">\u2014 {world.peer.name}</span>'
        in page
    )

    # Authors come from the seats; one whose seat is gone is fetched (one query more).
    Participant.objects.filter(circle=circle, person=world.peer).delete()
    page = body(client_for(fourth).get(url))
    assert f'Keep the demos <span class="muted">\u2014 {world.peer.name}</span>' in page


def test_recipient_only_audience_keeps_revealed_items_to_the_recipient(world, fourth, client_for):
    from feedback.models import Circle

    circle = make_circle(
        facilitator=world.manager,
        people=[world.employee, world.peer, fourth],
        reveal_to=Circle.Audience.RECIPIENT,
    )
    step(circle, world.manager, "start")
    write(circle, world.employee, SECRET_A)
    step(circle, world.manager, "reveal")
    url = reverse("feedback:room_state", args=[circle.pk])
    assert SECRET_A in body(client_for(world.manager).get(url))
    assert SECRET_A not in body(client_for(fourth).get(url))
    assert SECRET_A not in body(client_for(world.peer).get(url))


def test_outsiders_are_refused_the_room_the_fragment_the_stream_items_and_exports(
    world, live_round, client_for
):
    client = client_for(world.outsider)
    item = CircleItem.objects.first()
    for name in ("room", "room_state", "stream", "summary", "summary_md", "summary_csv"):
        assert client.get(reverse(f"feedback:{name}", args=[live_round.pk])).status_code == 404
    response = client.post(
        reverse("feedback:decide_item", args=[item.pk]), {"decision": "accepted"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("feedback:write_item", args=[live_round.pk]), {"kind": "start", "text": "x"}
    )
    assert response.status_code == 404
    assert CircleItem.objects.count() == 2


def test_the_stream_refuses_foreign_origins_and_requests_without_a_session(
    world, live_round, client_for
):
    url = reverse("feedback:stream", args=[live_round.pk])
    response = client_for(world.employee).get(url, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    response = client_for(world.employee).get(url, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    response = client_for(None).get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_stream_keeps_only_ids_and_strings_while_it_waits(world, live_round, settings):
    """A stream is idle for hours: its generator keeps the circle's id, channel and version
    and the viewer's id, and no request, user or circle object (each would keep a graph of
    objects alive per browser)."""
    import asyncio

    from django.test import RequestFactory

    from feedback.views.stream import stream

    settings.REDIS_URL = ""  # the in-process fan-out: no listener to start for this test
    request = RequestFactory().get(reverse("feedback:stream", args=[live_round.pk]))
    request.user = world.employee
    # The view itself (the test client would wrap the response's content in its own).
    response = stream(request, live_round.pk)
    assert response.status_code == 200 and response.streaming
    events = response._iterator  # the stream's async generator, not started
    live_round.refresh_from_db()
    try:
        kept = events.ag_frame.f_locals
        assert kept == {
            "circle_id": live_round.pk,
            "channel": f"circle:{live_round.pk}",
            "version": live_round.version,
            "viewer_id": world.employee.pk,
        }
        assert all(type(value) in (int, str) for value in kept.values())
    finally:
        asyncio.run(events.aclose())


def test_htmx_posts_get_only_the_fragment_and_invalid_items_come_back_422_in_place(
    world, live_round, client_for
):
    client = client_for(world.employee)
    url = reverse("feedback:write_item", args=[live_round.pk])
    response = client.post(url, {"kind": "start", "text": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = body(response)
    assert page.lstrip().startswith('<div id="state"') and "<html" not in page
    assert "errorlist" in page
    response = client.post(
        url, {"kind": "continue", "text": "Continue the demos"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Continue the demos" in body(response)
    assert CircleItem.objects.filter(author=world.employee).count() == 2


def test_a_stale_next_click_refreshes_the_screen_instead_of_advancing(
    world, live_round, client_for
):
    step(live_round, world.manager, "reveal")
    client = client_for(world.manager)
    url = reverse("feedback:step", args=[live_round.pk])
    seen = circle_services.state_key(live_round)
    first = client.post(url, {"action": "next", "expect": seen}, headers={"HX-Request": "true"})
    second = client.post(url, {"action": "next", "expect": seen}, headers={"HX-Request": "true"})
    assert first.status_code == 200 and second.status_code == 200
    assert "The room moved on" in body(second)
    live_round.refresh_from_db()
    assert live_round.current_position == 1


def test_no_state_changes_on_get(world, live_round, client_for):
    response = client_for(world.manager).get(reverse("feedback:step", args=[live_round.pk]))
    assert response.status_code == 405


def _grow(circle, world, people, rounds):
    """Add many items and past circles with the same people."""
    from feedback.models import CircleItem

    CircleItem.objects.bulk_create(
        CircleItem(
            circle=circle,
            recipient=world.manager,
            recipient_position=0,
            author=author,
            kind="start",
            text=f"item {n}",
        )
        for n in range(rounds)
        for author in people
    )
    for _ in range(rounds // 5):
        make_circle(facilitator=world.manager, people=people)


ROOM_BUDGET = {"feedback:room": 8, "feedback:room_state": 7}


@pytest.mark.parametrize("url_name", ["feedback:room", "feedback:room_state"])
def test_room_and_event_fragment_queries_do_not_grow_with_items_or_past_circles(
    world, fourth, client_for, django_assert_max_num_queries, url_name
):
    people = [world.employee, world.peer, fourth]
    make_circle(facilitator=world.manager, people=people)  # both circles below carry actions
    counts = []
    for rounds in (5, 25):
        circle = make_circle(facilitator=world.manager, people=people)
        step(circle, world.manager, "start")
        _grow(circle, world, people, rounds)
        step(circle, world.manager, "reveal")
        client = client_for(world.peer)
        url = reverse(url_name, args=[circle.pk])
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # The access gate is one statement (the circle, if the viewer has a seat in it).
    with django_assert_max_num_queries(ROOM_BUDGET[url_name]):
        client.get(url)


@pytest.mark.parametrize("phase", ["lobby", "writing", "revealed", "wrapup"])
@pytest.mark.parametrize("viewer", ["facilitator", "participant"])
def test_room_queries_do_not_grow_with_the_number_of_seats(world, client_for, phase, viewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 15):
        people = [
            make_person(name=f"Seat {size} {i}", email=f"seat{size}-{i}@example.test")
            for i in range(size)
        ]
        circle = make_circle(facilitator=world.manager, people=[world.employee, *people])
        if phase != "lobby":
            step(circle, world.manager, "start")
            write(circle, people[0], "Start earlier")
            step(circle, world.manager, "nudge", person_id=people[1].pk)
        if phase in ("revealed", "wrapup"):
            step(circle, world.manager, "reveal")
        if phase == "wrapup":
            for _ in range(size + 2):
                step(circle, world.manager, "next")
                if circle.phase == "writing":
                    step(circle, world.manager, "reveal")
            assert circle.phase == "wrapup"
        client = client_for(world.manager if viewer == "facilitator" else world.employee)
        for name in ("feedback:room", "feedback:room_state"):
            url = reverse(name, args=[circle.pk])
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                page = body(client.get(url))
            counts.append((name, len(ctx.captured_queries)))
        assert page.count('class="presence-item') == size + 2
        if viewer == "facilitator" and phase in ("lobby", "writing"):
            arrows = 'form="move-' if phase == "lobby" else ">Nudge "
            assert page.count(arrows) == (2 * (size + 1) if phase == "lobby" else size)
    assert counts[:2] == counts[2:], counts


def test_presence_in_the_lobby_says_who_is_here_and_who_is_not_here_yet(world, circle, client_for):
    circle_services.touch_presence([(circle.pk, world.peer.pk)])
    page = body(client_for(world.manager).get(reverse("feedback:room", args=[circle.pk])))
    assert f'data-person="{world.peer.pk}"' in page
    peer_li = page.split(f'data-person="{world.peer.pk}"')[1].split("</li>")[0]
    assert '<span class="pill good">here</span>' in peer_li
    employee_li = page.split(f'data-person="{world.employee.pk}"')[1].split("</li>")[0]
    assert '<span class="pill">not here yet</span>' in employee_li
    assert "missing" not in page and ">away<" not in page  # nobody is late before the start


def test_every_seat_is_listed_escaped_and_the_role_is_handed_only_to_others_present(
    world, fourth, client_for
):
    odd = make_person(name='Zoë <O"Hara> & Co', email="odd@example.test")
    circle = make_circle(facilitator=world.manager, people=[world.employee, fourth, odd])
    circle_services.do_leave(circle_id=circle.pk, person=fourth)
    page = body(client_for(world.manager).get(reverse("feedback:room", args=[circle.pk])))
    assert '<O"Hara>' not in page
    row = page.split(f'data-person="{odd.pk}"', 1)[1].split("</li>", 1)[0]
    assert (
        '<span class="avatar" aria-hidden="true">Z&lt;</span> Zoë &lt;O&quot;Hara&gt; &amp; Co'
        in row
    )
    assert 'aria-label="Move Zoë &lt;O&quot;Hara&gt; &amp; Co earlier"' in row
    assert 'aria-label="Move Zoë &lt;O&quot;Hara&gt; &amp; Co later"' not in row  # the last seat
    facilitator = page.split(f'data-person="{world.manager.pk}"', 1)[1].split("</li>", 1)[0]
    assert '<span class="pill info">facilitator</span>' in facilitator
    left = page.split(f'data-person="{fourth.pk}"', 1)[1].split("</li>", 1)[0]
    assert '<span class="pill">left</span>' in left
    select = page.split('<select id="handover-to" name="person">', 1)[1].split("</select>", 1)[0]
    assert select == (
        f'<option value="{world.employee.pk}">{world.employee.name}</option>'
        f'<option value="{odd.pk}">Zoë &lt;O&quot;Hara&gt; &amp; Co</option>'
    )


def test_summary_exports_are_formula_safe_and_only_hold_what_the_viewer_received(
    world, circle, client_for
):
    step(circle, world.manager, "start")
    write(circle, world.employee, '=HYPERLINK("http://evil")')
    step(circle, world.manager, "reveal")
    step(circle, world.manager, "next")
    write(circle, world.manager, "Start pairing with Pat")
    step(circle, world.manager, "end")
    client = client_for(world.manager)
    csv = body(client.get(reverse("feedback:summary_csv", args=[circle.pk])))
    assert "'=HYPERLINK" in csv and "Start pairing" not in csv
    md = body(client.get(reverse("feedback:summary_md", args=[circle.pk])))
    assert md.startswith("# Team circle: feedback for Mia Manager")
    assert "Eli Employee" in md
    summary = body(client.get(reverse("feedback:summary", args=[circle.pk])))
    assert "HYPERLINK" in summary and "Start pairing" not in summary


def test_creating_a_circle_for_a_whole_team_in_one_click(world, client_for):
    from feedback.models import Circle

    make_person(name="Zed", manager=world.manager, team=world.team)
    client = client_for(world.manager)
    response = client.post(
        reverse("feedback:circle_new"),
        {
            "title": "Platform circle",
            "team": world.team.pk,
            "scheduled_at": "2026-12-01T10:00",
            "minutes_per_person": 20,
            "reveal_to": "circle",
            "facilitator": "",
        },
    )
    assert response.status_code == 302
    circle = Circle.objects.get()
    seats = list(circle.participants.select_related("person"))
    assert seats[0].person == world.manager
    assert {s.person.email for s in seats} >= {"employee@example.test", "peer@example.test"}
    assert "inactive@example.test" not in {s.person.email for s in seats}


def test_an_invalid_circle_form_is_422_with_errors(world, client_for):
    response = client_for(world.manager).post(reverse("feedback:circle_new"), {"title": ""})
    assert response.status_code == 422
    assert "errorlist" in body(response)


def _form(page, form_id):
    start = page.index(f'<form id="{form_id}"')
    return page[start : page.index("</form>", start)]


def test_the_facilitator_reorders_the_lobby_with_one_pair_of_forms_for_every_seat(
    world, circle, fourth, client_for
):
    from feedback.models import Participant

    def order():
        return list(Participant.objects.filter(circle=circle).values_list("person_id", flat=True))

    client = client_for(world.manager)
    url = reverse("feedback:room", args=[circle.pk])
    page = body(client.get(url))
    up = _form(page, "move-up")
    assert 'name="action" value="move"' in up and 'name="direction" value="up"' in up
    assert "csrfmiddlewaretoken" in up and reverse("feedback:step", args=[circle.pk]) in up
    assert page.count("<form") == page.count("</form>")
    before = order()
    last = before[-1]
    # The last seat has an "earlier" button for the up form and no "later" one.
    assert f'form="move-up" name="person" value="{last}"' in page
    assert f'form="move-down" name="person" value="{last}"' not in page
    assert f'form="move-up" name="person" value="{before[0]}"' not in page
    # What a browser sends for that button: the form's fields plus the button's own.
    response = client.post(
        reverse("feedback:step", args=[circle.pk]),
        {"action": "move", "direction": "up", "person": last},
        headers={"HX-Request": "true", "HX-Target": "room-live"},
    )
    assert response.status_code == 200
    assert order() == [*before[:-2], last, before[-2]]
    # Participants see the order, never the controls.
    other = body(client_for(world.peer).get(url))
    assert 'id="move-up"' not in other and 'form="move-' not in other


def test_the_facilitator_nudges_from_one_form_with_a_button_per_person(
    world, circle, fourth, client_for
):
    from feedback.models import Participant

    step(circle, world.manager, "start")
    write(circle, world.employee, "Start earlier")
    page = body(client_for(world.manager).get(reverse("feedback:room", args=[circle.pk])))
    assert f'name="person" value="{fourth.pk}" class="secondary small">Nudge Fay' in page
    assert f'value="{world.employee.pk}" class="secondary small">Nudge' not in page
    response = client_for(world.manager).post(
        reverse("feedback:step", args=[circle.pk]), {"action": "nudge", "person": fourth.pk}
    )
    assert response.status_code == 302
    assert Participant.objects.get(circle=circle, person=fourth).nudged_at is not None
