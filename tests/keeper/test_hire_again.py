"""The 2024 wording's second question, "Would you hire them again?": its own answer, stored
and shown beside the first, to the same readers and audited the same way; classic cycles do
not ask it."""

from __future__ import annotations

import csv
import io
import re

import pytest

from culture.errors import InvalidInput
from culture.models import AuditEvent
from keeper.models import KeeperCycle, KeeperTest, Wording
from keeper.services import answers as answers_services
from tests.keeper.helpers import keeper_test_of, open_cycle_now

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def cycle(world):
    cycle = open_cycle_now()
    KeeperCycle.objects.filter(pk=cycle.pk).update(wording=Wording.CLASSIC_2024)
    cycle.refresh_from_db()
    return cycle


def _post(client, test, **fields):
    data = {f"t{test.pk}-{name}": value for name, value in fields.items()}
    return client.post(f"/keeper/tests/{test.pk}/answer/", data, headers=HTMX)


def test_both_answers_are_stored_and_shown_side_by_side(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.manager)
    assert _post(client, test, answer="yes", hire_again="not_sure").status_code == 200
    test.refresh_from_db()
    assert (test.answer, test.hire_again) == ("yes", "not_sure")
    html = client.get("/keeper/").content.decode()
    assert "Knowing everything you know today, would you hire Eli again?" in html
    assert f'id="id_t{test.pk}-hire_again_1" checked' in html  # "Not sure"
    assert f'id="id_t{test.pk}-answer_0" checked' in html  # "Yes"
    # Saving the first answer alone leaves the second as it was only when it is not posted;
    # the card posts both, so an emptied second answer is emptied.
    _post(client, test, answer="yes", hire_again="")
    test.refresh_from_db()
    assert (test.answer, test.hire_again) == ("yes", "")


def test_an_invalid_second_answer_is_refused_in_place(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    response = _post(client_for(world.manager), test, answer="yes", hire_again="perhaps")
    assert response.status_code == 422
    assert "Would you hire them again?: Select a valid choice." in response.content.decode()
    test.refresh_from_db()
    assert (test.answer, test.hire_again) == ("", "")


def test_a_classic_cycle_does_not_ask_it(world, client_for):
    cycle = open_cycle_now()
    assert cycle.wording == Wording.CLASSIC
    test = keeper_test_of(cycle, world.employee)
    client = client_for(world.manager)
    assert _post(client, test, answer="yes", hire_again="no").status_code == 200
    test.refresh_from_db()
    assert (test.answer, test.hire_again) == ("yes", "")  # the field is not on the form
    assert "hire_again" not in client.get("/keeper/").content.decode()
    with pytest.raises(InvalidInput):
        answers_services.do_answer(
            actor=world.manager,
            test_id=test.pk,
            answer="yes",
            notes="",
            shared_with_employee=False,
            hire_again="no",
        )


def test_the_chain_reads_it_audited_and_the_employee_never_does(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _post(client_for(world.manager), test, answer="not_sure", hire_again="no")
    # The rollup counts it beside the first answer (a count of 1 or 2 people is suppressed).
    html = client_for(world.skip_level).get(f"/keeper/rollup/?cycle={cycle.pk}").content.decode()
    assert '<th scope="col" class="num">Would hire again</th>' in html
    row = html.split(f'href="/keeper/rollup/{world.manager.pk}/?cycle={cycle.pk}"', 1)[1]
    assert re.findall(r'<td class="num">([^<]+)</td>', row.split("</tr>", 1)[0]) == [
        "0",
        "fewer than 3",
        "0",
        "0",
        "0",
        "fewer than 3",
    ]
    seen = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    html = client_for(world.skip_level).get(f"/keeper/rollup/{world.manager.pk}/").content.decode()
    assert f'id="id_t{test.pk}-hire_again_2" disabled checked' in html
    assert (
        AuditEvent.objects.filter(
            id__gt=seen, action="keeper.answer.read", actor=world.skip_level, subject=world.employee
        ).count()
        == 1
    )
    # The employee: their page never shows it; the outsider cannot open the test.
    html = client_for(world.employee).get("/keeper/ask/").content.decode()
    assert "hire" not in html.lower()
    assert client_for(world.outsider).get(f"/keeper/tests/{test.pk}/guidance/").status_code == 404


def test_the_export_and_the_api_carry_it(world, cycle, client_for):
    test = keeper_test_of(cycle, world.employee)
    _post(client_for(world.manager), test, answer="yes", hire_again="yes")
    rows = list(
        csv.reader(
            io.StringIO(
                client_for(world.people_admin)
                .get(f"/keeper/admin/export.csv?cycle={cycle.pk}&answers=1")
                .content.decode()
            )
        )
    )
    eli = rows[[r[4] for r in rows].index("Eli Employee")]
    assert eli[-3:] == ["yes", "yes", "no"]
    # Another manager's second answer, set through the service as the API does.
    saved = answers_services.do_answer(
        actor=world.manager,
        test_id=test.pk,
        answer="yes",
        notes="",
        shared_with_employee=False,
    )
    assert saved.hire_again == "yes"  # not given: left as it was
    assert KeeperTest.objects.get(pk=test.pk).hire_again == "yes"
