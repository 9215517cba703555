"""The compact keeper page: one row per person, the answer as three buttons, notes in
place, saved as they go (htmx), errors in place with 422; the card view one person at a
time."""

from __future__ import annotations

import pytest

from culture.models import AuditEvent
from keeper.models import KeeperCycle, KeeperTest, Wording
from tests.keeper.helpers import keeper_test_of, note_text, open_cycle_now

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def cycle(world):
    return open_cycle_now()


def _row(html: str, test) -> str:
    return html.split(f'id="row-{test.pk}"', 1)[1].split("</li>\n", 1)[0]


def test_one_row_per_person_with_three_buttons_and_earlier_marks(world, cycle, client_for):
    html = client_for(world.manager).get("/keeper/compact/").content.decode()
    test = keeper_test_of(cycle, world.employee)
    row = _row(html, test)
    assert html.count('class="keeper-row"') == 2  # Eli and Pat
    for value, label in (
        ("yes", "Yes, I would fight to keep them"),
        ("not_sure", "Not sure"),
        ("no", "No"),
    ):
        assert (
            f'id="row-{test.pk}-answer-{value}" name="set-answer" value="{value}" '
            f'aria-pressed="false">{label}</button>'
        ) in row
    assert f'href="/keeper/?cycle={cycle.pk}&amp;person={world.employee.pk}"' in row
    assert "<details" in row and "hire_again" not in row


def test_a_button_saves_the_answer_and_returns_the_row(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.manager)
    data = {"compact": "1", f"t{test.pk}-answer": "", f"t{test.pk}-notes": "", "set-answer": "no"}
    response = client.post(f"/keeper/tests/{test.pk}/answer/", data, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'<li class="keeper-row" id="row-{test.pk}">' in html
    assert f'id="row-{test.pk}-answer-no" name="set-answer" value="no" aria-pressed="true">' in html
    assert "1 of 2 answered" in html and 'hx-swap-oob="true"' in html
    test.refresh_from_db()
    assert test.answer == "no"
    # The notes: the current answer rides along in a hidden field and stays.
    data = {
        "compact": "1",
        f"t{test.pk}-answer": "no",
        f"t{test.pk}-notes": "Talk on Friday",
        "save-notes": "1",
    }
    html = client.post(f"/keeper/tests/{test.pk}/answer/", data, headers=HTMX).content.decode()
    assert '<details class="keeper-row-notes" open>' in html
    test.refresh_from_db()
    assert test.answer == "no" and note_text(test, world.manager) == "Talk on Friday"
    # Without htmx: back to the row.
    response = client.post(f"/keeper/tests/{test.pk}/answer/", {**data, "set-answer": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/keeper/compact/#row-{test.pk}"


def test_bad_input_comes_back_422_with_the_error_in_the_row(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.manager)
    data = {"compact": "1", f"t{test.pk}-answer": "", f"t{test.pk}-notes": "x" * 5001}
    response = client.post(
        f"/keeper/tests/{test.pk}/answer/", {**data, "set-answer": "yes"}, headers=HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "Your private notes: Ensure this value has at most 5000 characters (it has 5001)." in html
    )
    assert '<details class="keeper-row-notes" open>' in html
    response = client.post(f"/keeper/tests/{test.pk}/answer/", {**data, "set-answer": "yes"})
    assert response.status_code == 422 and "<html" in response.content.decode()
    assert KeeperTest.objects.get(pk=test.pk).answer == ""


def test_the_2024_wording_adds_the_second_row_of_buttons(world, cycle, client_for):
    KeeperCycle.objects.filter(pk=cycle.pk).update(wording=Wording.CLASSIC_2024)
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.manager)
    data = {
        "compact": "1",
        f"t{test.pk}-answer": "yes",
        f"t{test.pk}-hire_again": "",
        f"t{test.pk}-notes": "",
        "set-hire_again": "not_sure",
    }
    html = client.post(f"/keeper/tests/{test.pk}/answer/", data, headers=HTMX).content.decode()
    assert (
        f'id="row-{test.pk}-hire_again-not_sure" name="set-hire_again" value="not_sure" aria-pressed="true">'
        in html
    )
    test.refresh_from_db()
    assert (test.answer, test.hire_again) == ("yes", "not_sure")


def test_the_card_view_for_one_person_and_the_audit(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    KeeperTest.objects.filter(pk=test.pk).update(answer="yes")
    html = (
        client_for(world.manager)
        .get(f"/keeper/?cycle={cycle.pk}&person={world.employee.pk}")
        .content.decode()
    )
    assert f'id="card-{test.pk}"' in html and "Pat Peer" not in html
    assert "2 total" not in html and "1 of 2 answered" in html
    seen = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client_for(world.manager).get("/keeper/compact/")
    assert list(AuditEvent.objects.filter(id__gt=seen).values_list("action", "subject__name")) == [
        ("keeper.answer.read", "Eli Employee")
    ]
    assert client_for(world.manager).get("/keeper/?person=x").status_code == 404
