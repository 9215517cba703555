"""Realistic volumes on top of `seed_demo --people N` for the benchmark (bench/run.py).

    8 past keeper cycles (seed_demo makes 2 past + the open one; this adds 6 older ones),
    200,000 feedback items (circle items of 2,000 ended circles + written 360 feedback),
    10,000 memos with 100,000 ratings (and one open memo with 500 ratings),
    a 100,000-row market data set (through the real importer, timed),
    a pay history for everyone (3 more yearly records per person),
    and a 51-seat circle in its lobby for the circle room page and the live-room measurement.

Everything is INSERT ... SELECT or bulk_create: a few seconds for 10,000 people.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FEEDBACK_ITEMS = 200_000
CIRCLES = 2_000
CIRCLE_SIZE = 8
MEMOS = 10_000
RATINGS = 100_000
BIG_MEMO_RATINGS = 500
MARKET_ROWS = 100_000
PAST_CYCLES = 8
LIVE_ROOM_SEATS = 51  # the facilitator and 50 clients
BENCH_CIRCLE_TITLE = "Bench live room"


# Active people numbered 1..n (p) and their count (c), but one (the first parameter: -1 for
# none): a random person is a join on a random number, a hash join. Indexing an array of every
# id instead (p.a[1 + floor(random() * n)]) costs each row time in proportion to the array
# when the array's row is read again for every memo: quadratic in the company's size
# (bench/README.md, "100,000 people").
PEOPLE_CTE = """
    p AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM culture_person
          WHERE is_active AND id <> %s),
    c AS (SELECT count(*) AS n FROM p)
"""


def _scalar(sql: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _execute(sql: str, params=()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def keeper_cycles() -> dict:
    """Older cycles until there are PAST_CYCLES closed ones, each snapshotted and ~97% answered."""
    from django.db import transaction

    from culture.models import CompanySettings
    from keeper.demo import _ANSWER_SQL
    from keeper.models import KeeperCycle, KeeperPolicy
    from keeper.services import periods as periods_services
    from keeper.services import sweep as sweep_services

    policy = KeeperPolicy.load()
    tz = CompanySettings.load().tz
    with transaction.atomic():
        while KeeperCycle.objects.filter(closes_at__lte=time_now()).count() < PAST_CYCLES:
            oldest = KeeperCycle.objects.order_by("opens_at").first()
            opening = periods_services.scheduled_opening(
                policy, tz, oldest.opens_at - timedelta(days=1)
            )[0]
            local = opening.astimezone(tz)
            due_on = local.date() + timedelta(days=policy.due_days)
            cycle = KeeperCycle.objects.create(
                period_key=f"{local.year}-{local.month:02d}",
                label=periods_services.period_label(policy.cadence, local),
                opens_at=opening,
                due_on=due_on,
                due_at=periods_services.local_at(due_on + timedelta(days=1), 0, tz),
                closes_at=oldest.opens_at,
                wording=policy.wording,
                opening_sent_at=opening,
                soon_sent_at=opening,
                due_sent_at=opening,
                overdue_sent_at=opening,
                created_at=opening,
            )
            sweep_services.snapshot_tests(cycle, now=opening)
            _execute(
                _ANSWER_SQL,
                {"at": opening + timedelta(days=5), "cycle": cycle.pk, "share": 0.97, "skip": -1},
            )
    from keeper.models import KeeperTest

    return {
        "keeper_cycles": KeeperCycle.objects.count(),
        "keeper_past_cycles": KeeperCycle.objects.filter(closes_at__lte=time_now()).count(),
        "keeper_tests": KeeperTest.objects.count(),
    }


def time_now():
    from django.utils import timezone

    return timezone.now()


def feedback_items(rng: random.Random) -> dict:
    """2,000 ended circles of 8 (8 x 7 items each) and written feedback up to 200,000 items."""
    from django.db import transaction

    from culture.models import Person
    from feedback.models import Circle, CircleItem, Participant, WrittenFeedback

    ids = list(Person.objects.filter(is_active=True).values_list("pk", flat=True))
    employee = Person.objects.get(email="employee@example.com")
    manager = Person.objects.get(email="manager@example.com")
    now = time_now()
    with transaction.atomic():
        circles = []
        for i in range(CIRCLES):
            facilitator = rng.choice(ids)
            at = now - timedelta(days=40 + i % 700)
            circles.append(
                Circle(
                    title=f"Team circle {i + 1}",
                    created_by_id=facilitator,
                    facilitator_id=facilitator,
                    scheduled_at=at,
                    phase=Circle.Phase.ENDED,
                    current_position=CIRCLE_SIZE - 1,
                    revealed_through=CIRCLE_SIZE - 1,
                    ended_at=at + timedelta(hours=3),
                    created_at=at - timedelta(days=7),
                )
            )
        Circle.objects.bulk_create(circles, batch_size=2000)
        seats = []
        for index, circle in enumerate(circles):
            group = rng.sample(ids, CIRCLE_SIZE - 1)
            group = [circle.facilitator_id, *[p for p in group if p != circle.facilitator_id]]
            if index % 50 == 0:  # the demo people sit in a few of them
                for demo in (employee.pk, manager.pk):
                    if demo not in group:
                        group[-1] = demo
            group = list(dict.fromkeys(group))[:CIRCLE_SIZE]
            seats += [
                Participant(circle=circle, person_id=p, position=i, response="Thank you")
                for i, p in enumerate(group)
            ]
        Participant.objects.bulk_create(seats, batch_size=5000)
        circle_ids = [c.pk for c in circles]
        items = _execute(
            """
            INSERT INTO feedback_circleitem
                (circle_id, recipient_id, recipient_position, author_id, kind, text, decision,
                 created_at)
            SELECT r.circle_id, r.person_id, r.position, a.person_id,
                   (ARRAY['start','stop','stop','continue'])[1 + floor(random() * 4)::int],
                   'Start sharing the draft plan a day earlier so we can react before it.',
                   (ARRAY['accepted','accepted','discarded'])[1 + floor(random() * 3)::int],
                   c.scheduled_at
            FROM feedback_participant r
            JOIN feedback_participant a ON a.circle_id = r.circle_id AND a.id <> r.id
            JOIN feedback_circle c ON c.id = r.circle_id
            WHERE r.circle_id = ANY(%s)
            """,
            [circle_ids],
        )
        have = CircleItem.objects.count() + WrittenFeedback.objects.count()
        written = max(0, FEEDBACK_ITEMS - have)
        # Everyone receives some; the demo employee a busy inbox (300 items).
        _execute(
            f"""
            WITH {PEOPLE_CTE}
            INSERT INTO feedback_writtenfeedback
                (author_id, recipient_id, kind, text, decision, created_at)
            SELECT a.id, CASE WHEN s.g <= 300 THEN %s ELSE r.id END,
                   (ARRAY['start','stop','continue'])[1 + floor(random() * 3)::int],
                   'Continue the Friday demos: they are where I learn the most.',
                   (ARRAY['pending','accepted','discarded'])[1 + floor(random() * 3)::int],
                   now() - (s.g %% 700) * interval '1 day'
            FROM (
                SELECT g, 1 + floor(random() * c.n)::int AS author,
                       1 + floor(random() * c.n)::int AS recipient
                FROM c, generate_series(1, %s) g
            ) s
            JOIN p a ON a.n = s.author
            JOIN p r ON r.n = s.recipient
            WHERE a.id <> CASE WHEN s.g <= 300 THEN %s ELSE r.id END
            """,  # noqa: S608 (PEOPLE_CTE is a constant)
            [-1, employee.pk, written, employee.pk],
        )
    return {
        "circles": Circle.objects.count(),
        "circle_items": CircleItem.objects.count(),
        "circle_items_added": items,
        "written_feedback": WrittenFeedback.objects.count(),
        "feedback_items": CircleItem.objects.count() + WrittenFeedback.objects.count(),
    }


def live_room() -> dict:
    """A circle in its lobby with the demo manager facilitating and 50 other people."""
    from culture.models import Person
    from feedback.models import Circle, Participant

    manager = Person.objects.get(email="manager@example.com")
    employee = Person.objects.get(email="employee@example.com")
    others = list(
        Person.objects.filter(is_active=True)
        .exclude(pk__in=[manager.pk, employee.pk])
        .order_by("pk")
        .values_list("pk", flat=True)[: LIVE_ROOM_SEATS - 2]
    )
    circle = Circle.objects.create(
        title=BENCH_CIRCLE_TITLE,
        created_by=manager,
        facilitator=manager,
        scheduled_at=time_now() + timedelta(days=1),
    )
    Participant.objects.bulk_create(
        Participant(circle=circle, person_id=p, position=i)
        for i, p in enumerate([manager.pk, employee.pk, *others])
    )
    return {"live_room_circle": circle.pk, "live_room_seats": LIVE_ROOM_SEATS}


def memos_and_ratings() -> dict:
    """Copies of the demo memos up to 10,000, ratings up to 100,000, one memo with 500."""
    from django.db import transaction

    from culture.models import Person
    from decisions.models import Memo, Rating, refresh_all_spreads

    director = Person.objects.get(email="director@example.com")
    employee = Person.objects.get(email="employee@example.com")
    fields = [
        f.column
        for f in Memo._meta.concrete_fields
        if f.column not in ("id", "search_vector", "title", "published_at", "created_at")
    ]
    cols = ", ".join(fields)
    with transaction.atomic():
        max_memo = _scalar("SELECT coalesce(max(id), 0) FROM decisions_memo")
        max_rating = _scalar("SELECT coalesce(max(id), 0) FROM decisions_rating")
        have = Memo.objects.count()
        rounds = -(-(MEMOS - have) // max(have, 1))
        _execute(
            f"""
            INSERT INTO decisions_memo ({cols}, title, published_at, created_at)
            SELECT {cols}, left(title || ' (take ' || (g + 1) || ')', 200),
                   published_at - g * interval '5 days', created_at - g * interval '5 days'
            FROM decisions_memo, generate_series(1, %s) g
            WHERE id <= %s
            ORDER BY g, id
            LIMIT %s
            """,  # noqa: S608 (column names from the model)
            [max(rounds, 0), max_memo, max(MEMOS - have, 0)],
        )
        _execute(
            """
            INSERT INTO decisions_memo_teams (memo_id, team_id)
            SELECT m.id, p.team_id FROM decisions_memo m JOIN culture_person p ON p.id = m.captain_id
            WHERE m.id > %s AND p.team_id IS NOT NULL
            """,
            [max_memo],
        )
        # The big memo: the director's open memo waiting for the employee's rating.
        big = (
            Memo.objects.filter(captain=director, state=Memo.State.OPEN, id__lte=max_memo)
            .order_by("id")
            .first()
        )
        _execute(
            """
            WITH p AS (SELECT id FROM culture_person WHERE is_active AND id NOT IN (%s, %s)
                       AND id NOT IN (SELECT person_id FROM decisions_rating WHERE memo_id = %s)
                       ORDER BY random() LIMIT %s)
            INSERT INTO decisions_rating
                (memo_id, person_id, score, reason, created_at, updated_at, version)
            SELECT %s, id, s, CASE WHEN s < 0 THEN 'I worry the cost is far higher than the memo assumes.'
                                   ELSE 'Cheap to try and easy to undo: let us learn fast.' END,
                   now() - interval '1 day', now() - interval '1 day', 1
            FROM (SELECT id, (floor(random() * 21) - 10)::int AS s FROM p) x
            """,
            [
                employee.pk,
                director.pk,
                big.pk,
                max(BIG_MEMO_RATINGS - Rating.objects.filter(memo=big).count(), 0),
                big.pk,
            ],
        )
        need = max(RATINGS - Rating.objects.count(), 0)
        new_memos = _scalar(
            "SELECT count(*) FROM decisions_memo WHERE id > %s AND state <> 'draft'", [max_memo]
        )
        per_memo = max(1, -(-need // max(new_memos, 1)))
        _execute(
            f"""
            WITH {PEOPLE_CTE}
            INSERT INTO decisions_rating
                (memo_id, person_id, score, reason, created_at, updated_at, version)
            SELECT memo_id, p.id, s,
                   CASE WHEN s < 0 THEN 'The data in the memo does not support the size of the bet.'
                        ELSE 'Our customers have asked for this for years.' END,
                   published_at, published_at, 1
            FROM (
                SELECT m.id AS memo_id, m.published_at,
                       1 + floor(random() * c.n)::int AS pick,
                       (floor(random() * 21) - 10)::int AS s
                FROM decisions_memo m, c, generate_series(1, %s) g
                WHERE m.id > %s AND m.state <> 'draft'
                ORDER BY m.id
                LIMIT %s
            ) x
            JOIN p ON p.n = x.pick
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (PEOPLE_CTE is a constant)
            [employee.pk, per_memo, max_memo, need],
        )
        _execute(
            """
            INSERT INTO decisions_ratingrevision (rating_id, score, reason, at)
            SELECT id, score, reason, updated_at FROM decisions_rating WHERE id > %s
            """,
            [max_rating],
        )
        refresh_all_spreads()
    return {
        "memos": Memo.objects.count(),
        "ratings": Rating.objects.count(),
        "big_memo": big.pk,
        "big_memo_ratings": Rating.objects.filter(memo=big).count(),
    }


def pay_history() -> dict:
    """Three more yearly records before each person's first one (append-only table)."""
    from pay.models import PayRecord

    added = _execute(
        """
        INSERT INTO pay_payrecord
            (person_id, effective_date, base_salary, currency, cash_percent, recorded_by_id,
             reason, created_at)
        SELECT f.person_id, f.effective_date - g * 365,
               round(f.base_salary * (1 - 0.05 * g), -2), f.currency, f.cash_percent,
               f.recorded_by_id, 'Yearly pay review', f.created_at - g * interval '365 days'
        FROM (SELECT DISTINCT ON (person_id) * FROM pay_payrecord
              ORDER BY person_id, effective_date, id) f, generate_series(1, 3) g
        """
    )
    return {"pay_records": PayRecord.objects.count(), "pay_records_added": added}


def market_csv(path: Path, rows: int, rng: random.Random) -> None:
    """The people's own (family, level, location) keys first, then synthetic ones."""
    from culture.models import Person
    from pay.importer import MARKET_COLUMNS

    keys = list(
        dict.fromkeys(
            (p["job_family"] or "Engineering", p["level"] or 4, p["location"] or "London")
            for p in Person.objects.values("job_family", "level", "location")
        )
    )
    seen = set(keys)
    n = 0
    while len(keys) < rows:
        n += 1
        for level in range(1, 10):
            for loc in range(60):
                key = (f"Family {n:04d}", level, f"City {loc:02d}")
                if key not in seen and len(keys) < rows:
                    keys.append(key)
                    seen.add(key)
    lines = [",".join(MARKET_COLUMNS)]
    for family, level, location in keys:
        median = 40_000 + level * 12_000 + rng.randint(0, 8_000)
        band = [round(median * s) for s in (0.8, 0.9, 1.0, 1.12, 1.25)]
        lines.append(f"{family},{level},{location}," + ",".join(str(b) for b in band))
    path.write_text("\n".join(lines) + "\n")


def market_import(rng: random.Random) -> dict:
    from django.utils import timezone

    path = ROOT / "var" / "bench-market.csv"
    path.parent.mkdir(exist_ok=True)
    market_csv(path, MARKET_ROWS, rng)
    today = timezone.localdate()
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_market_data",
            str(path),
            "--source",
            "Bench market survey",
            "--effective",
            str(max(date(today.year, 1, 2), today - timedelta(days=30))),
            "--currency",
            "EUR",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {"market_rows": MARKET_ROWS, "market_seconds": round(time.monotonic() - started, 2)}


def scale_to(people: int) -> None:
    """The volumes above are for 10,000 people; a smaller company gets proportionally less
    (bench/run.py --people 100 compares query counts against the 10,000-person run)."""
    global FEEDBACK_ITEMS, CIRCLES, MEMOS, RATINGS, BIG_MEMO_RATINGS, MARKET_ROWS
    f = people / 10_000
    FEEDBACK_ITEMS = int(200_000 * f)
    CIRCLES = max(2, int(2_000 * f))
    MEMOS = max(20, int(10_000 * f))
    RATINGS = int(100_000 * f)
    BIG_MEMO_RATINGS = min(500, max(people - 10, 1))
    # A file holds at most the importer's limit (200,000 rows): a 100,000-person company's
    # survey is one such file, not five.
    from pay.importer import _max_rows

    MARKET_ROWS = min(max(1_000, int(100_000 * f)), _max_rows())


def build_volumes(*, people: int) -> dict:
    scale_to(people)
    rng = random.Random(7)
    out: dict = {}
    for step in (
        keeper_cycles,
        lambda: feedback_items(rng),
        live_room,
        memos_and_ratings,
        pay_history,
    ):
        started = time.monotonic()
        result = step()
        result["seconds"] = round(time.monotonic() - started, 1)
        print(f"[bench] volumes: {result}", flush=True)
        out.update({k: v for k, v in result.items() if k != "seconds"})
    out["market_import"] = market_import(rng)
    print(f"[bench] volumes: market import {out['market_import']}", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after the bulk inserts
    connection.close()
    return out
