"""Measure memo search and page query counts at scale: `manage.py decisions_bench --memos 10000`.

Adds N published memos (bulk insert) to the current database, then times the ranked
full-text search and prints EXPLAIN ANALYZE. Meant for a demo or scratch database."""

from __future__ import annotations

import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection

from culture.models import Person
from decisions.models import MEMO_TEMPLATE, Memo

WORDS = [
    "pricing",
    "churn",
    "kids",
    "dubbing",
    "launch",
    "market",
    "billing",
    "latency",
    "studio",
    "ads",
    "plan",
    "retention",
    "recommendation",
    "comedy",
    "live",
    "vacation",
    "expense",
    "salary",
    "keeper",
    "review",
    "mobile",
    "tv",
    "download",
    "offline",
    "search",
    "catalogue",
    "licensing",
    "originals",
    "animation",
    "documentary",
    "sports",
    "games",
]


class Command(BaseCommand):
    help = "Seed N memos and time the ranked full-text search."

    def add_arguments(self, parser):
        parser.add_argument("--memos", type=int, default=10_000)
        parser.add_argument("--query", default="pricing churn")

    def handle(self, *args, memos, query, **options):
        rng = random.Random(5)
        people = list(Person.objects.active().values_list("pk", flat=True)[:500])
        have = Memo.objects.count()
        if have < memos:
            batch = []
            for i in range(memos - have):
                words = (
                    " ".join(rng.choice(WORDS) for _ in range(8))
                    + " "
                    + " ".join(f"topic{rng.randrange(2000)}" for _ in range(60))
                )
                pk = rng.choice(people)
                batch.append(
                    Memo(
                        title=" ".join(rng.choice(WORDS) for _ in range(5)).capitalize(),
                        body=MEMO_TEMPLATE + "\n" + words + f" memo{i}",
                        captain_id=pk,
                        created_by_id=pk,
                        state=Memo.State.OPEN,
                    )
                )
            Memo.objects.bulk_create(batch, batch_size=2000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE decisions_memo")
        viewer = Person.objects.active().first()
        base = Memo.objects.visible_to(viewer).published().search(query)
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            total = base.count()
            list(base[:20])
            timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"{Memo.objects.count()} memos; search {query!r} matches {total}: median "
            f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms "
            "(count + first page of 20, as the feed runs it)"
        )
        self.stdout.write(base[:20].explain(analyze=True))
