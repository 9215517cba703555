"""Demo data for context pages, called by `manage.py seed_demo` (after the memos): the
company's page and two teams' pages, each with a few revisions, and a memo that relies on
the company's page and the demo manager's team's page."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chat.access_teams import team_managers
from context import notices
from context.models import SECTION_FIELDS, ContextPage, ContextRevision
from culture.models import Team
from decisions.models import Memo

COMPANY = [
    (
        "Set the company's context for the year",
        {
            "north_star": "Be the service people choose first when they have an evening free: "
            "stories from everywhere, for everyone, on any screen.",
            "current_bets": "- **Non-English originals.** Stories travel when they are dubbed "
            "well.\n- **Fewer, bigger launches.** One launch a month, well made.",
            "will_not_do": "- Live sports rights.\n- Our own hardware.",
            "numbers": "| Number | Now | Goal |\n|---|---|---|\n"
            "| Paying members | 2.1 M | 3 M |\n| Monthly churn | 2.4 % | 2 % |",
        },
    ),
    (
        "Added the ad-supported plan to the bets, with its churn goal",
        {
            "current_bets": "- **Non-English originals.** Stories travel when they are dubbed "
            "well.\n- **Fewer, bigger launches.** One launch a month, well made.\n"
            "- **An ad-supported plan** for price-sensitive markets, priced at half the "
            "basic plan.",
            "numbers": "| Number | Now | Goal |\n|---|---|---|\n"
            "| Paying members | 2.1 M | 3 M |\n| Monthly churn | 2.4 % | 2 % |\n"
            "| Churn on the basic plan, price-sensitive markets | 4.1 % | 3 % |",
        },
    ),
    (
        "Q3 numbers: members up, churn down",
        {
            "numbers": "| Number | Now | Goal |\n|---|---|---|\n"
            "| Paying members | 2.4 M | 3 M |\n| Monthly churn | 2.2 % | 2 % |\n"
            "| Churn on the basic plan, price-sensitive markets | 3.6 % | 3 % |\n\n"
            "Spending on a decision: act in the company's best interest; no approvals.",
        },
    ),
]

PLATFORM = [
    (
        "First version of the team's context",
        {
            "north_star": "Every team ships to members the day the work is ready, safely.",
            "current_bets": "- Move the recommendation model to nightly retraining.\n"
            "- One deploy pipeline for every service.",
            "will_not_do": "- Rewrite services that work only because the language is "
            "unfashionable.\n- Run our own data centres.",
            "numbers": "- Deploys a day: **38**\n- Change failure rate: **6 %** (goal 4 %)\n"
            "- p95 playback start: **1.4 s**",
        },
    ),
    (
        "Dropped the billing rewrite from the bets after the memo's sunshine",
        {
            "will_not_do": "- Rewrite services that work only because the language is "
            "unfashionable (see the billing memo's sunshine).\n- Run our own data centres.",
        },
    ),
    (
        "New on-call numbers for the quarter",
        {
            "numbers": "- Deploys a day: **44**\n- Change failure rate: **5 %** (goal 4 %)\n"
            "- p95 playback start: **1.2 s**\n- Pages out of hours last month: **7**",
        },
    ),
]

SECOND_TEAM = [
    (
        "What we are chasing this half",
        {
            "north_star": "Grow paying members in price-sensitive markets without "
            "discounting the brand.",
            "current_bets": "- Lifecycle emails in members' own language.\n"
            "- A trial of the ad-supported plan in two markets.",
            "will_not_do": "- Paid social campaigns with no holdout group.",
            "numbers": "- Trial to paid: **41 %**\n- Cost per paying member: **€18**",
        },
    ),
    (
        "Trial results are in",
        {"numbers": "- Trial to paid: **46 %**\n- Cost per paying member: **€15**"},
    ),
]


def _write(page: ContextPage, steps, authors, start) -> ContextRevision | None:
    """The page's revisions, one every few weeks from `start`; the page holds the last."""
    texts = dict.fromkeys(SECTION_FIELDS, "")
    revision = None
    for number, (summary, changes) in enumerate(steps, start=1):
        texts.update(changes)
        at = start + timedelta(days=23 * (number - 1))
        author = authors[(number - 1) % len(authors)]
        revision = ContextRevision.objects.create(
            page=page, number=number, author=author, created_at=at, summary=summary, **texts
        )
        for field, text in texts.items():
            setattr(page, field, text)
        page.version, page.updated_at, page.updated_by = number, at, author
    page.save()
    return revision


def seed(*, people, rng, scale: int = 1) -> str:
    start = timezone.now() - timedelta(days=70)
    company = ContextPage.objects.create(is_company=True)
    _write(company, COMPANY, [people["admin"]], start)
    home_team = people["manager"].team
    other = Team.objects.exclude(pk=home_team.pk).filter(name="Growth").first()
    other = other or Team.objects.exclude(pk=home_team.pk).exclude(slug="people").first()
    written = [company]
    for team, steps in ((home_team, PLATFORM), (other, SECOND_TEAM)):
        if team is None:
            continue
        authors = list(team_managers(team).order_by("pk")[:2]) or [people["admin"]]
        page = ContextPage.objects.create(team=team)
        last = _write(page, steps, authors, start + timedelta(days=5))
        written.append(page)
        if team == home_team and last is not None:
            notices.send_revision_notices(last.pk)  # the demo employee has the notice
    memo = (
        Memo.objects.filter(confidential=False)
        .exclude(state=Memo.State.DRAFT)
        .order_by("created_at", "id")
        .first()
    )
    if memo is not None:
        memo.context_pages.add(*written[:2])
    return f"{len(written)} context pages"
