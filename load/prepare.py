"""Pick the people the load test logs in as, and open a live circle of 20 for it.

    python load/prepare.py PLAN.json [--users 200]

Writes PLAN.json: one pool of distinct demo people per kind of virtual user (emails from the
database; every demo person's password is culture-demo), the keeper tests each manager may
answer, the memos open for rating, and the circle (facilitator and order of the 20 seats).
Nobody appears in two pools, so no two virtual users share an account (the login lock-out is
per account and address, and each user's writes are verified as its own).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from api import tokens  # noqa: E402
from culture.models import CompanySettings, Person  # noqa: E402
from decisions.models import Memo  # noqa: E402
from feedback.services import circle as circle_services  # noqa: E402
from keeper.models import KeeperCycle, KeeperTest  # noqa: E402
from sso import crypto  # noqa: E402
from sso.models import IdentitySettings  # noqa: E402

CIRCLE_SIZE = 20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("plan")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--oidc-issuer", default="", help="the identity provider's URL")
    parser.add_argument(
        "--oidc-users", default="", help="where to write the provider's users (JSON claims)"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    need = args.users + 10  # each pool can serve every user (the weights are only averages)
    now = timezone.now()
    today = now.astimezone(CompanySettings.load().tz).date()

    # Not people admins: they must answer a second factor after the password (issue 21), which
    # the virtual users' login does not do.
    active = Person.objects.filter(is_active=True, is_people_admin=False)
    used: set[int] = set()

    def take(candidates, n):
        picked = [p for p in candidates if p not in used][:n]
        used.update(picked)
        return picked

    # Managers of line teams: few reports each (the pay team view lists everyone below).
    managers = list(
        active.annotate(n=Count("reports", filter=Q(reports__is_active=True)))
        .filter(n__gte=2, n__lte=15)
        .values_list("pk", flat=True)
    )
    rng.shuffle(managers)
    cycle = next((c for c in KeeperCycle.objects.order_by("-opens_at") if c.is_open(now)), None)
    if cycle is None:
        print("prepare: no keeper cycle is open; run seed_demo first", file=sys.stderr)
        return 1
    tests: dict[int, list[int]] = {}
    for test_id, manager_id in KeeperTest.objects.filter(
        cycle=cycle, report__is_active=True, report__manager_id__in=managers
    ).values_list("pk", "report__manager_id"):
        tests.setdefault(manager_id, []).append(test_id)
    keeper_ids = take([m for m in managers if tests.get(m)], need)
    pay_ids = take(managers, need)

    # The circle: a facilitator (a manager) and 19 colleagues, all present, in the lobby.
    everyone = list(active.values_list("pk", flat=True))
    rng.shuffle(everyone)
    circle_ids = take(everyone, CIRCLE_SIZE)
    browser_ids = take(everyone, need)
    rater_ids = take(everyone, need)
    api_ids = take(everyone, need)
    sso_ids = take(everyone, need) if args.oidc_issuer else []

    people = {p.pk: p for p in Person.objects.filter(pk__in=used)}
    facilitator = people[circle_ids[0]]
    circle = circle_services.do_create_circle(
        creator=facilitator,
        title=f"Load test circle {now:%Y-%m-%d %H:%M:%S}",
        people=[people[i] for i in circle_ids],
        facilitator=facilitator,
        scheduled_at=now,
        minutes_per_person=20,
        order=[people[i] for i in circle_ids],
    )
    seats = list(circle.participants.order_by("position").values_list("person_id", "position"))

    memos = list(
        Memo.objects.filter(state=Memo.State.OPEN, confidential=False)
        .filter(Q(decide_by__isnull=True) | Q(decide_by__gte=today))
        .values_list("pk", flat=True)
    )
    if not memos:
        print("prepare: no memo is open for rating", file=sys.stderr)
        return 1

    def emails(ids):
        return [people[i].email for i in ids]

    # API clients: each its own person's personal token, with the scopes the journey uses.
    api_tokens = [
        {
            "email": people[i].email,
            "token": tokens.do_create_token(
                by=people[i],
                name=f"load test {now:%Y-%m-%d %H:%M}",
                scopes=["people:read", "memos:read", "memos:write"],
                days=1,
            )[1],
        }
        for i in api_ids
    ]
    if args.oidc_issuer:
        # Single sign-on through the identity provider run.py starts (oidc-provider-mock,
        # the OpenID provider tests/sso uses): each SSO user is a person the provider knows
        # by their address, verified.
        row = IdentitySettings.load_fresh()
        row.protocol = IdentitySettings.Protocol.OIDC
        row.oidc_issuer = args.oidc_issuer
        row.oidc_client_id = "culture-load"
        row.oidc_client_secret = crypto.encrypt("load-test-client-secret")
        row.save()
        Path(args.oidc_users).write_text(
            json.dumps(
                [
                    {"sub": p.email, "email": p.email, "email_verified": True, "name": p.name}
                    for p in (people[i] for i in sso_ids)
                ]
            )
        )

    plan = {
        "created_at": now.isoformat(),
        "browsers": emails(browser_ids),
        "keeper_managers": [
            {"email": people[m].email, "tests": sorted(tests[m])} for m in keeper_ids
        ],
        "pay_managers": emails(pay_ids),
        "raters": emails(rater_ids),
        "api": api_tokens,
        "sso": emails(sso_ids),
        "memos": sorted(memos),
        "circle": {
            "id": circle.pk,
            "facilitator": facilitator.email,
            "seats": [{"email": people[pid].email, "position": pos} for pid, pos in seats],
        },
    }
    Path(args.plan).write_text(json.dumps(plan, indent=1))
    print(
        f"prepare: circle {circle.pk} (20 seats), {len(keeper_ids)} keeper managers, "
        f"{len(pay_ids)} pay managers, {len(browser_ids)} browsers, {len(rater_ids)} raters, "
        f"{len(api_ids)} API clients, {len(sso_ids)} SSO users, "
        f"{len(memos)} memos open for rating"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
