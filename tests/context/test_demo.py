import random

import pytest

from context import demo
from context.models import ContextPage, ContextRevision
from culture import demo as culture_demo
from culture.models import Notification
from decisions import demo as decisions_demo


@pytest.mark.django_db
def test_the_demo_has_the_company_page_two_team_pages_with_history_and_a_memo_relying_on_them():
    people = culture_demo.build(people=60, seed=3)
    people.pop("rng")
    decisions_demo.seed(people=people, rng=random.Random(1))
    assert demo.seed(people=people, rng=random.Random(1)) == "3 context pages"
    company = ContextPage.objects.get(is_company=True)
    assert (company.version, company.updated_by) == (3, people["admin"])
    home_team = ContextPage.objects.get(team=people["manager"].team)
    assert home_team.version == 3
    assert ContextPage.objects.filter(team__name="Growth").get().version == 2
    assert ContextRevision.objects.count() == 8
    relying = company.memos.get()
    assert list(relying.context_pages.order_by("-is_company")) == [company, home_team]
    assert not relying.confidential
    # The demo employee has the notice of their team's latest change.
    assert Notification.objects.filter(
        recipient=people["employee"], kind="context.changed"
    ).exists()
