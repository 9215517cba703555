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


@pytest.mark.django_db
def test_every_published_demo_memo_states_its_proposal_with_no_prompt_left():
    from decisions import body

    people = culture_demo.build(people=60, seed=3)
    people.pop("rng")
    demo.seed(people=people, rng=random.Random(1), scale=1)
    published = Memo.objects.exclude(state=Memo.State.DRAFT)
    assert published.count() >= 10
    for memo in published:
        assert body.prompts_left(memo.body) == [], memo.title
        assert body.proposal_written(memo.body), memo.title
    # A draft may still hold the template's prompts, as a real draft does.
    assert any(body.prompts_left(m.body) for m in Memo.objects.filter(state=Memo.State.DRAFT))
