"""Context guides: everyone reads, people admins write, the owner marks them reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from culture import clock
from culture.models import AuditEvent
from freedom.models import Guide
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

NEW = {"title": "Hiring", "slug": "hiring", "summary": "Raise the bar.", "body": "## Why\nHire."}


def test_the_first_migrate_adds_the_four_default_guides_once():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("freedom.migrations.0002_default_guides")
    Guide.objects.all().delete()
    migration.add_guides(apps, None)
    migration.add_guides(apps, None)
    assert sorted(Guide.objects.values_list("slug", flat=True)) == [
        "contracts",
        "spending",
        "travel",
        "vacation",
    ]
    assert Guide.objects.filter(owner__isnull=True).count() == 4


def test_everyone_reads_the_list_and_a_guide_rendered_from_markdown(world, client_for):
    client = client_for(world.outsider)
    html = client.get(reverse("guides:index")).content.decode()
    for title in ["Travel", "Spending and expenses", "Signing contracts", "Vacation and time away"]:
        assert title in html
    html = client.get(reverse("guides:guide", args=["vacation"])).content.decode()
    assert "<h2>There is no vacation policy</h2>" in html
    assert "Mark reviewed" not in html and "Edit" not in html


def test_user_written_markdown_reaches_the_page_sanitised(world, client_for):
    Guide.objects.filter(slug="travel").update(
        body='<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="a()">'
    )
    html = client_for(world.employee).get(reverse("guides:guide", args=["travel"])).content
    assert b"<script>alert" not in html and b'href="javascript' not in html
    assert b"<img" not in html and b"&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_people_admin_writes_a_guide_they_own_reviewed_today_and_it_is_audited(world, client_for):
    client = client_for(world.people_admin)
    assert client.get(reverse("guides:new")).context["form"].initial["owner"] == (
        world.people_admin.pk
    )
    response = client.post(reverse("guides:new"), {**NEW, "owner": world.manager.pk})
    assert response.status_code == 302
    assert response["Location"] == "/guides/hiring/"
    guide = Guide.objects.get(slug="hiring")
    assert (guide.owner, guide.last_reviewed_on, guide.updated_by) == (
        world.manager,
        clock.today(),
        world.people_admin,
    )
    event = AuditEvent.objects.get(action="freedom.guide_created")
    assert event.actor == world.people_admin
    assert event.detail["slug"] == "hiring"


@pytest.mark.parametrize(
    "change,field",
    [({"slug": "new"}, "slug"), ({"slug": "travel"}, "slug"), ({"title": ""}, "title")],
)
def test_a_bad_guide_comes_back_422_with_the_error_in_place(world, client_for, change, field):
    client = client_for(world.people_admin)
    response = client.post(reverse("guides:new"), {**NEW, "owner": world.manager.pk, **change})
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not Guide.objects.filter(slug="hiring").exists()


def test_a_people_admin_edits_and_deletes_a_guide(world, client_for):
    client = client_for(world.people_admin)
    url = reverse("guides:edit", args=["travel"])
    data = {**NEW, "slug": "travel", "title": "Travelling well", "owner": world.peer.pk}
    assert client.post(url, data).status_code == 302
    guide = Guide.objects.get(slug="travel")
    assert (guide.title, guide.owner) == ("Travelling well", world.peer)
    assert client.post(reverse("guides:delete", args=["travel"])).status_code == 302
    assert not Guide.objects.filter(slug="travel").exists()
    events = AuditEvent.objects.filter(action__startswith="freedom.guide").order_by("id")
    assert list(events.values_list("action", flat=True)) == [
        "freedom.guide_changed",
        "freedom.guide_deleted",
    ]


def test_the_owner_marks_their_guide_reviewed_once_a_day(world, client_for):
    Guide.objects.filter(slug="travel").update(
        owner=world.manager, last_reviewed_on=clock.today() - timedelta(days=400)
    )
    client = client_for(world.manager)
    html = client.get(reverse("guides:guide", args=["travel"])).content.decode()
    assert "Mark reviewed" in html and "Due a review" in html
    assert client.post(reverse("guides:reviewed", args=["travel"])).status_code == 302
    assert Guide.objects.get(slug="travel").last_reviewed_on == clock.today()
    assert client.post(reverse("guides:reviewed", args=["travel"])).status_code == 409
    assert AuditEvent.objects.filter(action="freedom.guide_reviewed").count() == 1


def test_someone_else_may_not_mark_a_guide_reviewed(world, client_for):
    Guide.objects.filter(slug="travel").update(owner=world.manager, last_reviewed_on=None)
    client = client_for(world.employee)
    assert client.post(reverse("guides:reviewed", args=["travel"])).status_code == 403
    assert Guide.objects.get(slug="travel").last_reviewed_on is None


def test_the_culture_page_links_the_guides_and_the_board(world, client_for):
    html = client_for(world.employee).get(reverse("culture_page")).content.decode()
    assert 'href="/guides/"' in html and 'href="/away/"' in html


@pytest.mark.parametrize("n", [2, 30])
def test_the_guide_list_queries_do_not_grow_with_guides(
    world, client_for, n, django_assert_num_queries
):
    owner = make_person()
    Guide.objects.bulk_create(
        [Guide(slug=f"guide-{i}", title=f"Guide {i}", owner=owner) for i in range(n)]
    )
    client = client_for(world.employee)
    client.get(reverse("guides:index"))
    with django_assert_num_queries(4):
        response = client.get(reverse("guides:index"))
    assert len(response.context["guides"]) == n + 4


def test_an_erased_owner_leaves_the_guide_without_one(world):
    from freedom import privacy

    Guide.objects.filter(slug="travel").update(owner=world.manager)
    exported = privacy.export(world.manager, viewer=world.people_admin)
    assert [g["slug"] for g in exported["guides_owned"]] == ["travel"]
    privacy.erase(world.manager, old_name="Mia Manager", old_email="manager@example.test")
    assert Guide.objects.get(slug="travel").owner is None
