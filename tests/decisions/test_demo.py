import random
import time

import pytest

from culture import clock
from culture import demo as culture_demo
from decisions import demo
from decisions.models import Comment, FeedPost, Memo, Rating


@pytest.mark.django_db
def test_demo_data_has_every_state_spread_ratings_comments_a_celebration_and_a_sunshine():
    people = culture_demo.build(people=60, seed=3)
    people.pop("rng")
    started = time.monotonic()
    summary = demo.seed(people=people, rng=random.Random(1), scale=2)
    assert time.monotonic() - started < 5
    assert "memos" in summary
    assert set(Memo.objects.values_list("state", flat=True)) == set(Memo.State.values)
    scores = set(Rating.objects.values_list("score", flat=True))
    assert min(scores) <= -5 and max(scores) >= 5 and len(scores) >= 10
    assert Comment.objects.exists()
    assert set(FeedPost.objects.values_list("kind", flat=True)) == {"celebration", "sunshine"}
    # The demo logins have something waiting for them on the home page.
    today = clock.today()
    assert Memo.objects.waiting_for_rating_by(people["employee"], today).exists()
    assert Memo.objects.needing_outcome_for(people["manager"], today).exists()
