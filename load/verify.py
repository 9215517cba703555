"""After a load run: find every accepted POST in the database, then report the figures.

    python load/verify.py PLAN.json SENT.jsonl STATS.json [CPU.json]

Exit status 0 only if the run had requests, no failures, and nothing the load test sent
is missing from the database. The p95 target (300 ms) is reported, not enforced: a shared
2-core machine measures itself as much as the app.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")

import django  # noqa: E402

django.setup()

from culture.models import AuditEvent  # noqa: E402
from decisions.models import Rating, RatingRevision  # noqa: E402
from feedback.models import CircleItem, Step  # noqa: E402
from keeper.models import KeeperNote, KeeperTest  # noqa: E402

P95_TARGET_MS = 300


def verify(plan: dict, sent: list[dict]) -> list[str]:
    """Every accepted write, looked up in the database; returns what is missing or wrong."""
    problems: list[str] = []
    by_kind: dict[str, list[dict]] = {}
    for s in sent:
        by_kind.setdefault(s["what"], []).append(s)
    # Writes sent but never answered (the run stopped while they were in flight), or
    # answered with an error (a 5xx can come after the transaction committed: a fault drill
    # cuts a connection mid-request). The server may or may not have applied them; every
    # accepted write must be there.
    flying = {s["token"]: s for s in by_kind.get("sending", [])}
    for s in by_kind.get("answered", []):
        if s.get("status", 200) < 400:
            flying.pop(s["token"], None)
    in_flight: dict[str, list[dict]] = {}
    for s in flying.values():
        in_flight.setdefault(s["kind"], []).append(s)

    # Keeper answers: each test holds the last answer accepted (or one still in flight at
    # the stop), the answering manager's own note holds the notes sent with it, and every
    # accepted write left its audit row.
    keeper = by_kind.get("keeper", [])
    last = {s["test"]: s for s in keeper}
    flying_keeper: dict[int, list[dict]] = {}
    for s in in_flight.get("keeper", []):
        flying_keeper.setdefault(s["test"], []).append(s)
    rows = KeeperTest.objects.in_bulk(list(last))
    notes = {
        (test_id, email): text
        for test_id, email, text in KeeperNote.objects.filter(test_id__in=list(last)).values_list(
            "test_id", "author__email", "text"
        )
    }
    for test_id, s in last.items():
        t = rows.get(test_id)
        allowed = {(s["answer"], s["notes"])}
        allowed |= {(f["answer"], f["token"]) for f in flying_keeper.get(test_id, [])}
        note = notes.get((test_id, s["email"].lower()), "")
        if t is None or (t.answer, note) not in allowed:
            problems.append(f"keeper test {test_id}: expected {s['answer']}/{s['notes']}")
    written = Counter(
        int(o)
        for o in AuditEvent.objects.filter(
            action="keeper.answer.written",
            object_type="keeper.keepertest",
            object_id__in=[str(t) for t in last],
            at__gte=plan["created_at"],
        ).values_list("object_id", flat=True)
    )
    for test_id, n in Counter(s["test"] for s in keeper).items():
        most = n + len(flying_keeper.get(test_id, []))
        if not n <= written[test_id] <= most:
            problems.append(f"keeper test {test_id}: {n} answers sent, {written[test_id]} audited")

    # Ratings: every one sent is a revision; each (memo, person) holds the last one sent.
    ratings = by_kind.get("rating", [])
    revisions = {
        r: (m, e, s)
        for r, m, e, s in RatingRevision.objects.filter(
            reason__in=[s["reason"] for s in ratings]
        ).values_list("reason", "rating__memo_id", "rating__person__email", "score")
    }
    for s in ratings:
        if revisions.get(s["reason"]) != (s["memo"], s["email"], s["score"]):
            problems.append(f"rating {s['reason']} on memo {s['memo']} by {s['email']} missing")
    final = {(s["memo"], s["email"]): s for s in ratings}
    current = {
        (m, e): (sc, r)
        for m, e, sc, r in Rating.objects.filter(
            reason__in=[s["reason"] for s in final.values()]
        ).values_list("memo_id", "person__email", "score", "reason")
    }
    current.update(
        {
            (m, e): (sc, r)
            for m, e, sc, r in Rating.objects.filter(
                reason__in=[f["token"] for f in in_flight.get("rating", [])]
            ).values_list("memo_id", "person__email", "score", "reason")
        }
    )
    flying_ratings = {(f["memo"], f["email"]): f for f in in_flight.get("rating", [])}
    for key, s in final.items():
        late = flying_ratings.get(key)
        if late and current.get(key) == (late["score"], late["token"]):
            continue  # the last write, still in flight at the stop, was applied
        if current.get(key) != (s["score"], s["reason"]):
            problems.append(f"rating of memo {key[0]} by {key[1]} is not the last one sent")

    # Circle items: each one, with its author, round and kind.
    items = by_kind.get("item", [])
    found = {
        t: (c, e, p, k)
        for t, c, e, p, k in CircleItem.objects.filter(
            text__in=[s["text"] for s in items]
        ).values_list("text", "circle_id", "author__email", "recipient_position", "kind")
    }
    for s in items:
        if found.get(s["text"]) != (s["circle"], s["email"], s["position"], s["kind"]):
            problems.append(f"circle item {s['text']} by {s['email']} missing")

    # Facilitator steps: one Step snapshot per accepted step.
    steps = by_kind.get("step", [])
    if steps:
        circle = steps[0]["circle"]
        have = Counter(Step.objects.filter(circle_id=circle).values_list("action", flat=True))
        want = Counter(s["action"] for s in steps)
        most = want + Counter(f["action"] for f in in_flight.get("step", []))
        if not (want <= have <= most):
            problems.append(f"circle {circle} steps: sent {dict(want)}, stored {dict(have)}")
    return problems


def table(title: str, window: dict) -> None:
    rows = window["requests"]
    print()
    print(f"{title} ({window['seconds']:.0f} s)")
    print(
        f"{'request':<40}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}"
        f"{'app p50':>9}{'app p95':>9}{'queue p95':>11}  ms"
    )
    for name, r in rows.items():
        if name == "ALL":
            print("-" * 118)
        print(
            f"{name[:39]:<40}{r['count']:>7}{r['failures']:>6}{r['p50']:>7.0f}{r['p95']:>7.0f}"
            f"{r['p99']:>7.0f}{r['max']:>7.0f}"
            f"{r.get('app_p50', 0):>9.0f}{r.get('app_p95', 0):>9.0f}{r.get('queue_p95', 0):>11.0f}"
        )
    print("(from Server-Timing: app is the time Django spent, queue the time the request")
    print(" waited for a page thread; the rest is the event loop, the network and locust)")


def main() -> int:
    plan_path, sent_path, stats_path = sys.argv[1:4]
    plan = json.loads(Path(plan_path).read_text())
    sent = [json.loads(line) for line in Path(sent_path).read_text().splitlines() if line]
    stats = json.loads(Path(stats_path).read_text())
    cpu = json.loads(Path(sys.argv[4]).read_text()) if len(sys.argv) > 4 else {}

    table("Whole run, ramp-up and logins included", stats["run"])
    table("Steady state: every user logged in and working", stats["steady"])
    print()
    print("Every 30 s (s = steady state)")
    print(
        f"{'from':>6}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}"
        f"{'app p95':>9}{'queue p95':>11}  ms"
    )
    for w in stats.get("windows", []):
        if w["count"]:
            print(
                f"{w['from_s']:>5}{'s' if w['steady'] else ' '}{w['count']:>7}{w['failures']:>6}"
                f"{w['p50']:>7.0f}"
                f"{w['p95']:>7.0f}{w['p99']:>7.0f}{w['app_p95']:>9.0f}{w['queue_p95']:>11.0f}"
            )
    run, steady = stats["run"]["requests"]["ALL"], stats["steady"]["requests"]["ALL"]
    print()
    print(
        f"requests: {run['count']} ({run['count'] / max(1, stats['run']['seconds']):.1f}/s)"
        f"   errors: {run['failures']}"
    )
    for label, r in (("whole run", run), ("steady state", steady)):
        print(
            f"p50/p95/p99 {label}: {r['p50']:.0f}/{r['p95']:.0f}/{r['p99']:.0f} ms"
            f"   p95 target < {P95_TARGET_MS} ms: "
            + (
                "met"
                if r["p95"] < P95_TARGET_MS
                else f"MISSED by {r['p95'] - P95_TARGET_MS:.0f} ms"
            )
        )
    if cpu:
        parts = ", ".join(
            f"{k.removesuffix('_cpu_s')} {v} s" for k, v in cpu.items() if k.endswith("_cpu_s")
        )
        print(
            f"CPU: machine {cpu['machine_busy_pct']}% busy over {cpu['seconds']} s"
            f" ({os.cpu_count()} cores, shared); CPU seconds: {parts}"
        )
        if cpu.get("shape"):
            sh = cpu["shape"]
            print(
                f"shape: {sh['proxy']} -> {sh['web']} web processes; {sh['workers']} Celery"
                f" workers and beat; {sh['pooler']} (transaction mode) -> PostgreSQL"
            )
        for d in cpu.get("drills", []):
            print(
                f"drill at {d['at_s']:.0f} s: {d['drill']}"
                + (f" ({d['error']})" if d.get("error") else "")
            )
    for error, n in sorted(stats["errors"].items(), key=lambda e: -e[1])[:20]:
        print(f"  ERROR x{n}: {error}")

    problems = verify(plan, sent)
    kinds = Counter(s["what"] for s in sent if s["what"] not in ("sending", "answered"))
    answered = {s["token"]: s.get("status", 200) for s in sent if s["what"] == "answered"}
    flying = {s["token"] for s in sent if s["what"] == "sending"} - set(answered)
    refused = sum(1 for status in answered.values() if status >= 400)
    print(
        "writes accepted: "
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        + f"   -> found in the database: {'all' if not problems else 'NOT ALL'}"
        + f"   ({len(flying)} unanswered: in flight when the run stopped;"
        + f" {refused} answered with an error, applied or not)"
    )
    for p in problems[:50]:
        print("  LOST:", p)
    if len(problems) > 50:
        print(f"  ... and {len(problems) - 50} more")

    ok = run["count"] > 0 and run["failures"] == 0 and not problems and sum(kinds.values()) > 0
    print("load test:", "PASS" if ok else "FAIL", "(zero errors, no data lost)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
