"""Demo data for the decisions practice, called by `manage.py seed_demo`."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from culture import clock
from decisions.models import (
    MEMO_TEMPLATE,
    Comment,
    FeedPost,
    Invitation,
    Memo,
    Rating,
    RatingRevision,
    refresh_all_spreads,
)

IDEAS = [
    (
        "Launch interactive episodes for kids' shows",
        "Kids rewatch endlessly; choice-driven stories could deepen that.",
    ),
    (
        "Drop the annual vacation tracking",
        "We track days nobody needs tracked; trust people to take time off.",
    ),
    (
        "Move the recommendation model to nightly retraining",
        "Freshness matters more than we measured.",
    ),
    ("Stream live comedy specials", "Live events drive sign-ups, and comedy is cheap to produce."),
    (
        "Replace expense approvals with published guidance",
        "Act in the company's best interest; audit a sample afterwards.",
    ),
    (
        "Open a product studio in Lisbon",
        "Hiring is easier there and the time zone helps the EU teams.",
    ),
    ("Offer a cheaper ad-supported plan", "Price-sensitive markets churn on the basic plan."),
    ("Rewrite the billing service in Go", "The current service is slow and hard to change."),
    ("Stop the weekly status report", "Nobody reads it; context lives in the memos instead."),
    (
        "Dub originals into twelve more languages",
        "Non-English originals travel when they are dubbed well.",
    ),
    (
        "Run the keeper test quarterly instead of yearly",
        "Talent density drifts faster than once a year.",
    ),
    ("Publish all salaries internally", "Transparency, taken one step further."),
]
OPTIONS = [
    "Do nothing and revisit in six months; a smaller pilot with one team; the full change now.",
    "Keep the current way; buy a tool that does part of it; build it ourselves.",
    "Wait for the next planning cycle; try it in one region first; go company-wide at once.",
]
TESTS = [
    "Run it for four weeks with one team and compare against the quarter before.",
    "A two-week trial with 5% of members, measured on retention and support tickets.",
    "Ask the ten people most affected to try it first and write down what broke.",
]
RISKS = [
    "It costs more than we think, and the teams that carry it feel it first.",
    "People read it as a rule rather than context; we will say clearly what it is not.",
    "Members notice before we have learned enough; we keep the trial small and reversible.",
]


def _written(title: str, why: str, rng) -> str:
    """A published memo's body: every section written, none left as the template's prompt
    (publishing refuses a memo that still holds one)."""
    return (
        f"## Context\n{why}\n\n"
        f"## The proposal\n{title}, starting next quarter, owned by the captain, with a "
        "written check-in at the halfway point.\n\n"
        f"## Options considered\n{rng.choice(OPTIONS)}\n\n"
        f"## What we would test\n{rng.choice(TESTS)}\n\n"
        f"## Risks\n{rng.choice(RISKS)}\n\n"
        "## When we decide\nOn the decide-by date, unless the trial shows harm earlier.\n"
    )


REASONS = {
    -1: [
        "I worry the cost is far higher than the memo assumes.",
        "We tried something like this in 2021 and it confused customers.",
        "This takes the team away from the reliability work we promised.",
        "The data in the memo does not support the size of the bet.",
    ],
    0: [
        "I can see both sides; a small test would tell us more than debate.",
        "Not sure yet: what would make us stop?",
    ],
    1: [
        "Our customers have asked for this for years.",
        "Cheap to try and easy to undo: let us learn fast.",
        "This fits the strategy and the team is excited about it.",
        "I have seen this work at my previous company.",
    ],
}
COMMENTS = [
    "Have we talked to the support team about this?",
    "Great memo. The options section helped me a lot.",
    "Could we run it in one market first?",
    "What does success look like after three months?",
]


def _score(rng) -> int:
    shape = rng.random()
    if shape < 0.45:
        return max(-10, min(10, round(rng.gauss(5, 3))))
    if shape < 0.8:
        return max(-10, min(10, round(rng.gauss(-4, 4))))
    return rng.randint(-10, 10)


def _reason(rng, score: int) -> str:
    return rng.choice(REASONS[(score > 0) - (score < 0)])


@transaction.atomic
def seed(*, people, rng, scale: int = 1) -> str:
    """Memos in every state with ratings across the scale, comments, a celebrated success
    and a sunshined failure. Bulk inserts only, so 10,000 people stay fast."""
    everyone = people["all"]
    today = clock.today()
    now = timezone.now()
    S, Out = Memo.State, Memo.Outcome  # noqa: N806
    memos: list[Memo] = []
    n = 12 * scale
    states = [
        S.OPEN,
        S.OPEN,
        S.OPEN,
        S.TESTING,
        S.DECIDED,
        S.DECIDED,
        S.OUTCOME,
        S.OUTCOME,
        S.DRAFT,
    ]
    for i in range(n):
        title, why = IDEAS[i % len(IDEAS)]
        if i >= len(IDEAS):
            title = f"{title} (round {i // len(IDEAS) + 1})"
        captain = rng.choice(everyone)
        state = states[i % len(states)]
        age = rng.randint(3, 200)
        memo = Memo(
            title=title,
            body=(
                MEMO_TEMPLATE.replace("What is happening, and why does it matter now?", why)
                if state == S.DRAFT  # a draft still holds some of the template's prompts
                else _written(title, why, rng)
            ),
            captain=captain,
            created_by=captain,
            state=state,
            created_at=now - timedelta(days=age + 3),
            decide_by=today + timedelta(days=rng.randint(2, 14))
            if state == S.OPEN
            else today - timedelta(days=age),
            published_at=None if state == S.DRAFT else now - timedelta(days=age),
        )
        if state == S.TESTING:
            memo.test_description = "Run it for 5% of members in one market for four weeks."
        if state in (S.DECIDED, S.OUTCOME):
            memo.bet = rng.choice([Memo.Bet.GO, Memo.Bet.GO, Memo.Bet.CHANGED, Memo.Bet.NO_GO])
            memo.bet_why = "The dissent changed the plan: we start smaller and measure churn."
            memo.decided_at = now - timedelta(days=max(1, age - 5))
            memo.look_back_on = today + timedelta(days=rng.randint(-10, 60))
        if state == S.OUTCOME:
            memo.outcome_at = now - timedelta(days=1)
            if i % 2:
                memo.outcome = Out.WENT_WELL
                memo.celebration = (
                    "Sign-ups beat the plan by 18%. Thank you to everyone who dissented: "
                    "the test design came from your reasons."
                )
            else:
                memo.outcome = Out.DID_NOT
                memo.sunshine_happened = (
                    "Usage stayed flat and support tickets doubled in the first month."
                )
                memo.sunshine_learned = (
                    "We skipped the small test the dissent asked for. "
                    "Next time, test in one market first."
                )
        memos.append(memo)
    # The demo logins get something to do: a memo waiting for the employee's rating and a
    # decided bet of the manager's that needs an outcome.
    memos[0].captain = memos[0].created_by = people["director"]
    memos[4].captain = memos[4].created_by = people["manager"]
    memos[4].look_back_on = today - timedelta(days=1)
    Memo.objects.bulk_create(memos, batch_size=2000)

    teams = sorted({p.team_id for p in everyone if p.team_id})
    through = Memo.teams.through
    through.objects.bulk_create(
        [through(memo_id=m.pk, team_id=m.captain.team_id) for m in memos if m.captain.team_id],
        batch_size=5000,
    )
    del teams

    ratings, comments, invitations, posts = [], [], [], []
    for m in memos:
        if m.state == S.DRAFT:
            continue
        assert m.published_at is not None  # every memo past draft was published
        raters = rng.sample(everyone, min(len(everyone), rng.randint(4, 14)))
        for p in raters:
            if p.pk == people["employee"].pk and m.state == S.OPEN:
                continue
            score = _score(rng)
            ratings.append(
                Rating(
                    memo=m,
                    person=p,
                    score=score,
                    reason=_reason(rng, score),
                    created_at=m.published_at,
                    updated_at=m.published_at,
                )
            )
        for p in rng.sample(everyone, min(len(everyone), 2)):
            comments.append(Comment(memo=m, author=p, body=rng.choice(COMMENTS)))
        if m.state == S.OPEN:
            invitations.append(Invitation(memo=m, person=people["employee"], invited_by=m.captain))
        if m.state == S.OUTCOME:
            assert m.outcome_at is not None  # set with the outcome
            kind = (
                FeedPost.Kind.CELEBRATION if m.outcome == Out.WENT_WELL else FeedPost.Kind.SUNSHINE
            )
            posts.append(FeedPost(memo=m, kind=kind, created_at=m.outcome_at))
    Rating.objects.bulk_create(ratings, batch_size=5000, ignore_conflicts=False)
    RatingRevision.objects.bulk_create(
        [
            RatingRevision(rating=r, score=r.score, reason=r.reason, at=r.updated_at)
            for r in ratings
        ],
        batch_size=5000,
    )
    refresh_all_spreads()
    Comment.objects.bulk_create(comments, batch_size=5000)
    Invitation.objects.bulk_create(invitations, batch_size=5000, ignore_conflicts=True)
    FeedPost.objects.bulk_create(posts, batch_size=5000)
    return (
        f"{len(memos)} memos, {len(ratings)} ratings, {len(comments)} comments, "
        f"{sum(p.kind == 'celebration' for p in posts)} celebrated, "
        f"{sum(p.kind == 'sunshine' for p in posts)} sunshined"
    )
