"""The post-exit Q&A: asked of the former manager once per leaver, whichever way they left
(an admin's edit, the people import, SCIM); prepared from the template with the person's
feedback record (counts only); held; shared with the team if the manager chooses; its
unshared notes read only by the manager, their chain and people admins, every read
audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from culture import clock, people_import, sections, services
from culture.forms import PersonForm
from culture.models import AuditEvent, Notification
from culture.scim import services as scim_services
from culture.scim import tokens
from feedback.models import Circle, Kind, Participant, WrittenFeedback
from keeper.models import KeeperTest, PostExit
from keeper.services import post_exit as post_exit_services
from tests.conftest import make_person
from tests.keeper.helpers import keeper_test_of, open_cycle_now

pytestmark = pytest.mark.django_db


def _deactivate_by_admin(world, person) -> None:
    data = {
        "name": person.name,
        "title": person.title,
        "job_family": person.job_family,
        "level": person.level,
        "location": person.location,
        "team": person.team_id or "",
        "manager": person.manager_id or "",
        "start_date": person.start_date.isoformat() if person.start_date else "",
        "is_active": "",
    }
    form = PersonForm(data, instance=person)
    assert form.is_valid(), form.errors
    services.do_update_person(by=world.people_admin, form=form)


def test_an_admin_deactivating_someone_asks_their_manager_once(world):
    _deactivate_by_admin(world, world.employee)
    world.employee.refresh_from_db()
    _deactivate_by_admin(world, world.employee)  # a second save of the same departure
    sections.people_left([world.employee.pk])  # and a hook fired twice
    [post_exit] = PostExit.objects.all()
    assert (post_exit.person, post_exit.manager) == (world.employee, world.manager)
    assert post_exit.left_on == clock.today()
    [note] = Notification.objects.filter(kind="keeper.post_exit")
    assert note.recipient == world.manager
    assert note.url == f"/keeper/post-exit/{post_exit.pk}/"
    assert note.title == "Eli Employee has left: hold a post-exit Q&A with your team"


def test_the_people_import_asks_once_per_leaver(world):
    plan = people_import.Plan(missing=[world.employee.email, world.peer.email])
    people_import.apply(plan, deactivate_missing=True)
    people_import.apply(plan, deactivate_missing=True)
    assert sorted(PostExit.objects.values_list("person__name", flat=True)) == [
        "Eli Employee",
        "Pat Peer",
    ]
    assert (
        Notification.objects.filter(kind="keeper.post_exit", recipient=world.manager).count() == 2
    )


def test_scim_ending_someone_asks_once(world):
    token, _raw = tokens.do_create_token(by=world.people_admin, name="Okta")
    scim_services.do_delete_user(token=token, person=world.employee)
    world.employee.refresh_from_db()
    scim_services.do_delete_user(token=token, person=world.employee)
    assert PostExit.objects.count() == 1
    assert Notification.objects.filter(kind="keeper.post_exit").count() == 1


def test_nobody_is_asked_for_a_leaver_without_an_active_manager(world):
    loner = make_person(name="Lone Wolf", email="lone@example.test")
    sections.people_left([loner.pk])  # still active: not a leaver
    loner.is_active = False
    loner.save()
    sections.people_left([loner.pk])
    assert PostExit.objects.count() == 0
    assert Notification.objects.filter(kind="keeper.post_exit").count() == 0


def _leave(world, person=None) -> PostExit:
    person = person or world.employee
    person.is_active = False
    person.save()
    sections.people_left([person.pk])
    return PostExit.objects.get(person=person)


def test_the_feedback_record_counts_and_never_shows_text(world, client_for):
    cycle = open_cycle_now()
    test = keeper_test_of(cycle, world.employee)
    answered_at = timezone.now() - timedelta(days=3)
    KeeperTest.objects.filter(pk=test.pk).update(
        answer="no", hire_again="no", answered_at=answered_at
    )
    now = timezone.now()
    WrittenFeedback.objects.bulk_create(
        [
            WrittenFeedback(
                author=world.peer,
                recipient=world.employee,
                kind=Kind.START,
                text="Secret feedback text",
                created_at=now - timedelta(days=10),
            ),
            WrittenFeedback(
                author=world.manager,
                recipient=world.employee,
                kind=Kind.STOP,
                text="Another secret",
                created_at=now - timedelta(days=200),
            ),
            WrittenFeedback(
                author=world.peer,
                recipient=world.employee,
                kind=Kind.STOP,
                text="Too old",
                created_at=now - timedelta(days=400),
            ),
        ]
    )
    circle = Circle.objects.create(
        title="Team circle",
        created_by=world.manager,
        facilitator=world.manager,
        scheduled_at=now - timedelta(days=30),
        phase=Circle.Phase.ENDED,
        revealed_through=1,
    )
    Participant.objects.create(circle=circle, person=world.peer, position=0)
    Participant.objects.create(circle=circle, person=world.employee, position=1)
    not_reached = Circle.objects.create(
        title="Cut short",
        created_by=world.manager,
        facilitator=world.manager,
        scheduled_at=now - timedelta(days=20),
        phase=Circle.Phase.ENDED,
        revealed_through=0,
    )
    Participant.objects.create(circle=not_reached, person=world.employee, position=1)
    post_exit = _leave(world)
    record = post_exit_services.feedback_record(post_exit)
    assert (record.written_received, record.circles_in_centre) == (2, 1)
    assert (
        record.last_keeper_answered
        == timezone.localtime(answered_at, clock.zone_for(world.employee)).date()
    )
    html = client_for(world.manager).get(f"/keeper/post-exit/{post_exit.pk}/").content.decode()
    assert "<dt>Written feedback received</dt><dd>2</dd>" in html
    assert "<dt>Feedback circles where they sat in the centre</dt><dd>1</dd>" in html
    for secret in ("Secret feedback text", "Another secret", "Would not", ">No<"):
        assert secret not in html


def test_the_manager_prepares_holds_and_shares_and_the_team_reads_it(world, client_for):
    post_exit = _leave(world)
    manager = client_for(world.manager)
    url = f"/keeper/post-exit/{post_exit.pk}/"
    response = manager.post(
        url, {"what_happened": "Eli moved to Lisbon.", "notes": "Q: who takes on-call?"}
    )
    assert response.status_code == 302
    too_early = (post_exit.left_on - timedelta(days=1)).isoformat()
    response = manager.post(f"{url}held/", {"held_on": too_early})
    assert response.status_code == 422
    assert "The Q&amp;A is held after they left." in response.content.decode()
    future = (clock.today() + timedelta(days=2)).isoformat()
    assert manager.post(f"{url}held/", {"held_on": future}).status_code == 422
    assert (
        manager.post(f"{url}held/", {"held_on": post_exit.left_on.isoformat()}).status_code == 302
    )
    post_exit.refresh_from_db()
    assert post_exit.held_on == post_exit.left_on and post_exit.shared_at is None
    # Not shared: the team cannot read it.
    assert client_for(world.peer).get(f"{url}shared/").status_code == 404
    assert manager.post(f"{url}share/", {"shared": "on"}).status_code == 302
    html = client_for(world.peer).get(f"{url}shared/").content.decode()
    assert "Eli moved to Lisbon." in html and "Q: who takes on-call?" in html
    listing = client_for(world.peer).get("/keeper/post-exit/").content.decode()
    assert f"/keeper/post-exit/{post_exit.pk}/shared/" in listing
    assert client_for(world.outsider).get(f"{url}shared/").status_code == 404
    # Stop sharing: the team loses it again.
    assert manager.post(f"{url}share/", {"shared": ""}).status_code == 302
    assert client_for(world.peer).get(f"{url}shared/").status_code == 404
    assert list(
        AuditEvent.objects.filter(subject=world.employee, action__startswith="keeper.post_exit.")
        .exclude(action="keeper.post_exit.read")  # the two pages shown again with an error
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "keeper.post_exit.written",
        "keeper.post_exit.held",
        "keeper.post_exit.shared",
        "keeper.post_exit.unshared",
    ]


def test_sharing_nothing_is_refused_in_place(world, client_for):
    post_exit = _leave(world)
    response = client_for(world.manager).post(
        f"/keeper/post-exit/{post_exit.pk}/share/", {"shared": "on"}
    )
    assert response.status_code == 422
    assert "Write what happened or your notes before sharing them." in response.content.decode()


def test_unshared_notes_are_for_the_chain_and_admins_and_every_read_is_audited(world, client_for):
    post_exit = _leave(world)
    PostExit.objects.filter(pk=post_exit.pk).update(notes="Confidential exit notes")
    url = f"/keeper/post-exit/{post_exit.pk}/"
    for reader in (world.manager, world.skip_level, world.people_admin):
        assert "Confidential exit notes" in client_for(reader).get(url).content.decode()
    for outsider in (world.peer, world.outsider, world.other_manager):
        assert client_for(outsider).get(url).status_code == 404
        assert "Confidential" not in client_for(outsider).get("/keeper/post-exit/").content.decode()
    assert sorted(
        AuditEvent.objects.filter(action="keeper.post_exit.read").values_list(
            "actor__name", flat=True
        )
    ) == sorted([world.manager.name, world.skip_level.name, world.people_admin.name])


@pytest.mark.parametrize("leavers", [1, 6])
def test_the_list_does_not_grow_in_queries(world, client_for, leavers):
    for n in range(leavers):
        person = make_person(
            name=f"Leaver {n}", email=f"leaver{n}@example.test", manager=world.manager
        )
        person.is_active = False
        person.save()
        sections.people_left([person.pk])
    PostExit.objects.update(shared_at=timezone.now(), notes="n")
    for viewer, budget in ((world.manager, 4), (world.peer, 4)):
        client = client_for(viewer)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/keeper/post-exit/")
        assert response.status_code == 200
        assert len(ctx.captured_queries) == budget, [q["sql"] for q in ctx.captured_queries]
