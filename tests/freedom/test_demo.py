import random

import pytest

from culture import clock
from culture import demo as culture_demo
from freedom import demo
from freedom.models import Guide, TimeAway
from freedom.services import people_not_away


@pytest.mark.django_db
def test_demo_data_shows_the_board_the_guides_and_someone_for_the_managers_note():
    people = culture_demo.build(people=60, seed=3)
    people.pop("rng")
    summary = demo.seed(people=people, rng=random.Random(1), scale=1)
    assert summary.startswith("4 guides, ")
    assert Guide.objects.filter(owner__isnull=True).count() == 0
    assert Guide.objects.filter(last_reviewed_on__isnull=True).count() == 0
    today = clock.today()
    manager = people["manager"]
    week = TimeAway.objects.of_team_and_reports(manager).overlapping(today, today)
    assert week.exists()
    assert TimeAway.objects.filter(person=manager, starts_on__gt=today).exists()
    overdue = [o.person.manager_id for o in people_not_away(today=today, months=6)]
    assert manager.pk in overdue
