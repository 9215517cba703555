"""Issue 7's targets, as issue 26 raised them, checked against one run's results
(bench/results.json).

    python bench/targets.py [bench/results.json]            # the verdicts of one run
    python bench/targets.py OLD.json NEW.json                # two runs side by side

`bench/run.py` prints the verdicts after its table and stores them in results.json under
"targets", so a run says by itself which targets it met. Nothing here times anything: it
reads the figures a run measured. The targets are for a company of the run's size on 2
cores: 10,000 people (issue 7) or, above that, 100,000 (issue 26), where the keeper cycle,
the people import and SCIM provisioning have their own limits (SCALE below).

Throughput is judged against F_q (issue 26): the floor view running as many queries in all
as the page does, measured in the same run; pages must reach 0.5 x F_q, htmx fragments
0.7 x F_q. H (the bare floor) and `floor + 10 queries` (F10) stay in the table as
references (bench/README.md, "Targets: met, missed, and why").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REFERENCE = "floor + 10 queries"
P95_MS = 50.0
# Issue 26: a page's throughput over F_q, its own query count's floor.
PAGE_RATIO, FRAGMENT_RATIO = 0.5, 0.7
# Issue 7's old targets against H, printed as a reference.
PAGE_RATIO_H, FRAGMENT_RATIO_H = 0.35, 0.5
# Issue 26: key pages fetched while the keeper sweep of the whole company runs.
SWEEP_PAGES_P95_MS = 100.0
ROOM_P99_MS = 50.0
IDLE_CONNECTIONS, IDLE_KB = 1000, 100.0
KEEPER_SECONDS = 60.0
# Issue 22: the same cycle with Slack chosen by everyone.
KEEPER_SLACK_SECONDS = 90.0
PEOPLE_IMPORT_SECONDS, MARKET_IMPORT_SECONDS = 10.0, 15.0
FIRST_LOAD_BYTES, FIRST_LOAD_JS_BYTES = 100_000, 40_000
# Issue 21: SCIM provisioning (bench/scim.py).
SCIM_PROVISION_SECONDS, SCIM_FILTER_P95_MS = 120.0, 50.0
# Issue 22: every public API list at 10,000 people (bench/api.py).
API_LIST_P95_MS = 50.0
# Issue 25: a key page in French or Japanese costs at most this much more than in English.
LANGUAGE_COST = 1.05
# Issue 26, a hundred circles at once (bench/circles.py).
CIRCLE_P99_MS = 50.0
STREAM_KB = 60.0
DEPLOY_BACK_SECONDS = 30.0
# Issue 26: above 10,000 people the targets are those of a 100,000-person company.
SCALE = {
    10_000: {
        "keeper": KEEPER_SECONDS,
        "slack": KEEPER_SLACK_SECONDS,
        "people_import": PEOPLE_IMPORT_SECONDS,
        "scim": SCIM_PROVISION_SECONDS,
    },
    100_000: {"keeper": 300.0, "slack": 300.0, "people_import": 60.0, "scim": 900.0},
}


def size(results: dict) -> int:
    """The company size whose targets apply to a run: 10,000 or 100,000."""
    people = results.get("people") or results.get("imports", {}).get("people_rows") or 0
    return 100_000 if people > 10_000 else 10_000


def limits(results: dict) -> dict:
    return SCALE[size(results)]


def key_pages(results: dict) -> list[dict]:
    """The key pages of a run, without the reference row."""
    return [p for p in results.get("pages", []) if p["name"] != REFERENCE]


def reference_rps(results: dict) -> float | None:
    for page in results.get("pages", []):
        if page["name"] == REFERENCE:
            return page["throughput_rps"]
    return None


def x_reference(page: dict, results: dict) -> float | None:
    """A page's throughput over `floor + 10 queries` of the same run."""
    ref = reference_rps(results)
    return round(page["throughput_rps"] / ref, 2) if ref else None


def due(keeper: dict) -> int:
    """The cycle's emails due now: neither held for a digest nor waiting for the end of the
    recipient's quiet hours (runs from before issue 26 did not count those)."""
    return keeper["deliveries"] - keeper.get("held", 0) - keeper.get("deferred", 0)


def _verdict(name: str, target: str, measured: str, met: bool | None) -> dict:
    return {"name": name, "target": target, "measured": measured, "met": met}


def check(results: dict) -> list[dict]:
    """One verdict per target of issue 7: met True/False, or None when the run did not
    measure it. Each says what was measured, so a missed target names its pages."""
    out = []
    pages = key_pages(results)
    if pages:
        unmeasured = [p["name"] for p in pages if p.get("queries_at_100") is None]
        grew = [
            f"{p['name']} ({p['queries_at_100']} -> {p['queries']})"
            for p in pages
            if p.get("queries_at_100") is not None and p["queries"] != p["queries_at_100"]
        ]
        out.append(
            _verdict(
                "query counts",
                f"the same at 100 and at {results.get('people') or size(results):,} people",
                "not measured at 100 people (bench/queries-100.json)"
                if unmeasured
                else ("all equal" if not grew else "changed: " + ", ".join(grew)),
                None if unmeasured else not grew,
            )
        )
        slow = [f"{p['name']} {p['p95_ms']}" for p in pages if p["p95_ms"] > P95_MS]
        worst = max(pages, key=lambda p: p["p95_ms"])
        out.append(
            _verdict(
                "p95 server time",
                f"every key page <= {P95_MS:g} ms",
                f"{len(pages) - len(slow)} of {len(pages)} pages; slowest {worst['name']} "
                f"{worst['p95_ms']} ms" + (f"; over: {', '.join(slow)}" if slow else ""),
                not slow,
            )
        )
        low = [
            f"{p['name']} {p['ratio_to_floor_q']}"
            for p in pages
            if p.get("ratio_to_floor_q") is not None
            and p["ratio_to_floor_q"] < (FRAGMENT_RATIO if p.get("fragment") else PAGE_RATIO)
        ]
        if all("ratio_to_floor_q" in p for p in pages):
            ratios = [p["ratio_to_floor_q"] for p in pages]
            out.append(
                _verdict(
                    "throughput against F_q",
                    f"pages >= {PAGE_RATIO} F_q, htmx fragments >= {FRAGMENT_RATIO} F_q "
                    "(F_q: the floor running the page's own query count)",
                    f"{len(pages) - len(low)} of {len(pages)} pages; {min(ratios)}-{max(ratios)}"
                    f" F_q" + (f"; under: {', '.join(low)}" if low else ""),
                    not low,
                )
            )
        else:  # a run from before issue 26: no F_q measured
            out.append(
                _verdict("throughput against F_q", "measured in the run", "not measured", None)
            )
        under_h = [
            p
            for p in pages
            if p["ratio_to_floor"] < (FRAGMENT_RATIO_H if p.get("fragment") else PAGE_RATIO_H)
        ]
        ratios_h = [p["ratio_to_floor"] for p in pages]
        out.append(
            _verdict(
                "throughput against H (reference, issue 7's old target)",
                f"read only: pages >= {PAGE_RATIO_H} H, htmx fragments >= {FRAGMENT_RATIO_H} H",
                f"{len(pages) - len(under_h)} of {len(pages)} pages; "
                f"{min(ratios_h)}-{max(ratios_h)} H (H {results['floor']['throughput_rps']} req/s)",
                None,
            )
        )
        ref = reference_rps(results)
        if ref:
            xs = [x_reference(p, results) for p in pages]
            out.append(
                _verdict(
                    "throughput against floor + 10 queries (reference, not a target)",
                    "read only: the cost of a page beyond ten one-row queries",
                    f"{min(xs)}-{max(xs)} x F10 ({ref} req/s); "
                    f"{sum(x >= 0.5 for x in xs)} of {len(pages)} pages at 0.5 or more",
                    None,
                )
            )
    room = results.get("live_room")
    if room:
        out.append(
            _verdict(
                "live room fan-out",
                f"POST to all 50 clients, p99 <= {ROOM_P99_MS:g} ms",
                f"p99 {room['all_clients_p99_ms']} ms, median {room['all_clients_median_ms']} ms "
                f"({room['clients']} clients on {room['processes']} processes"
                + (f", fan-out: {room['fan_out']})" if room.get("fan_out") else ")"),
                room["clients"] >= 50 and room["all_clients_p99_ms"] <= ROOM_P99_MS,
            )
        )
        out.append(
            _verdict(
                "idle live connections",
                f">= {IDLE_CONNECTIONS:,} on one process, <= {IDLE_KB:g} KB each",
                f"{room['idle_connections']:,} at {room['idle_kb_per_connection']} KB each; "
                f"a POST reached {room['idle_post_reached']:,}",
                room["idle_connections"] >= IDLE_CONNECTIONS
                and room["idle_kb_per_connection"] <= IDLE_KB
                and room["idle_post_reached"] == room["idle_connections"],
            )
        )
    limit = limits(results)
    keeper = results.get("keeper_cycle")
    if keeper and "error" not in keeper:
        out.append(
            _verdict(
                "keeper cycle",
                f"all reminders out in < {limit['keeper']:g} s, zero duplicates",
                f"{keeper['sent']:,} of {due(keeper):,} messages due for "
                f"{keeper['people']:,} people in {keeper['seconds_to_last_message']} s, "
                f"{keeper['duplicates']} duplicates"
                + (
                    f" ({keeper['held']:,} held for digests, {keeper['deferred']:,} after quiet"
                    " hours)"
                    if "held" in keeper
                    else ""
                ),
                keeper["seconds_to_last_message"] < limit["keeper"]
                and not keeper.get("timed_out")
                and keeper["duplicates"] == 0
                and keeper["sent"] == due(keeper) == keeper["mail_files_messages"],
            )
        )
    slack = results.get("keeper_cycle_slack")
    if slack and "slack_messages" in slack:
        out.append(
            _verdict(
                "keeper cycle, Slack",
                f"every Slack message and email out in < {limit['slack']:g} s, zero duplicates",
                f"{slack['slack_sent']:,} of {slack['slack_messages']:,} Slack messages "
                f"({slack['slack_posts']:,} posts), {slack['sent']:,} emails, for "
                f"{slack['people']:,} people in {slack['seconds_to_last_message']} s, "
                f"{slack['slack_duplicates'] + slack['duplicates']} duplicates",
                slack["seconds_to_last_message"] < limit["slack"]
                and slack["slack_duplicates"] == 0
                and slack["duplicates"] == 0
                and slack["slack_sent"]
                == slack["slack_messages"]
                - slack.get("slack_held", 0)
                - slack.get("slack_deferred", 0)
                == slack["slack_posts"]
                and slack["sent"] == slack["mail_files_messages"]
                and (
                    "slack_held" in slack  # before issue 26: every message went at once
                    or slack["slack_sent"] + slack["sent"] == slack["deliveries"]
                ),
            )
        )
    for label, run in (("keeper cycle", keeper), ("keeper cycle, Slack", slack)):
        during = (run or {}).get("pages_during_sweep")
        if during and during.get("requests"):
            out.append(
                _verdict(
                    f"pages during the {label}",
                    f"p95 < {SWEEP_PAGES_P95_MS:g} ms while the sweep runs, no errors",
                    f"p95 {during['p95_ms']} ms, median {during['median_ms']} ms (server p95 "
                    f"{during['server_p95_ms']} ms), {during['requests']} requests to "
                    f"{', '.join(during['pages'])}, {during['errors']} errors",
                    during["p95_ms"] < SWEEP_PAGES_P95_MS and during["errors"] == 0,
                )
            )
    imports = results.get("imports", {})
    if "people_seconds" in imports:
        out.append(
            _verdict(
                "people import",
                f"{size(results):,} people in < {limit['people_import']:g} s",
                f"{imports['people_rows']:,} people in {imports['people_seconds']} s",
                imports["people_seconds"] < limit["people_import"],
            )
        )
    if "market_seconds" in imports:
        out.append(
            _verdict(
                "market data import",
                f"100,000 rows in < {MARKET_IMPORT_SECONDS:g} s",
                f"{imports['market_rows']:,} rows in {imports['market_seconds']} s",
                imports["market_seconds"] < MARKET_IMPORT_SECONDS,
            )
        )
    first = results.get("first_load")
    if first:
        out.append(
            _verdict(
                "first load of home",
                f"< {FIRST_LOAD_BYTES:,} bytes in all, JavaScript < {FIRST_LOAD_JS_BYTES:,}",
                f"{first['total_bytes']:,} bytes, JavaScript {first['js_bytes']:,}",
                first["total_bytes"] < FIRST_LOAD_BYTES and first["js_bytes"] < FIRST_LOAD_JS_BYTES,
            )
        )
    return (
        out
        + check_scim(results)
        + check_api(results)
        + check_languages(results)
        + check_circles(results)
    )


def check_scim(results: dict) -> list[dict]:
    """Issue 21's two SCIM figures (bench/scim.py), when the run measured them."""
    scim = results.get("scim")
    if not scim or "error" in scim:
        return []
    out = []
    provisioned = scim.get("provisioning", {}).get("people", 0)
    company = (
        size(results) if "people" in results else (100_000 if provisioned > 10_000 else 10_000)
    )
    limit = SCALE[company]["scim"]
    prov = scim.get("provisioning")
    if prov:
        out.append(
            _verdict(
                "SCIM provisioning",
                f"{company:,} people, a POST and a manager PATCH each, in < {limit:g} s",
                f"{prov['people']:,} people in {prov['seconds']} s (POST {prov['post']['seconds']} s"
                f" at {prov['post']['per_second']}/s, PATCH {prov['patch_manager']['seconds']} s"
                f" at {prov['patch_manager']['per_second']}/s, {prov['concurrency']} connections"
                f", {prov['post']['rate_limited'] + prov['patch_manager']['rate_limited']} 429s)",
                # Fewer people than the target's (--scim-people): a rate, not a verdict.
                prov["seconds"] < limit if prov["people"] >= company else None,
            )
        )
    lookup = scim.get("filter_user_name") or scim.get("filter_after_provisioning", {}).get(
        "userName eq"
    )
    if lookup:
        out.append(
            _verdict(
                "SCIM filtered Users query",
                f'userName eq "..." at company size, p95 < {SCIM_FILTER_P95_MS:g} ms',
                f"p95 {lookup['p95_ms']} ms, median {lookup['median_ms']} ms (server p95 "
                f"{lookup['server_p95_ms']} ms) at {scim['company_people']:,} people",
                lookup["p95_ms"] < SCIM_FILTER_P95_MS,
            )
        )
    return out


def check_languages(results: dict) -> list[dict]:
    """Issue 25: each key page's median server time in French and Japanese over English's,
    in the same run (bench/languages.py)."""
    languages = results.get("languages")
    if not languages or "error" in languages:
        return []
    costs = [
        (f"{page} {lang}", figures[lang]["cost_vs_english"])
        for page, figures in languages.items()
        for lang in ("fr", "ja")
    ]
    worst = max(costs, key=lambda c: c[1])
    over = [f"{name} x{cost}" for name, cost in costs if cost > LANGUAGE_COST]
    return [
        _verdict(
            "pages in French and Japanese",
            f"median server time <= {LANGUAGE_COST:g} x English, same run",
            f"{len(costs) - len(over)} of {len(costs)}; highest {worst[0]} x{worst[1]}"
            + (f"; over: {', '.join(over)}" if over else ""),
            not over,
        )
    ]


def check_circles(results: dict) -> list[dict]:
    """Issue 26: a hundred live circles of ten over two web processes, then idle streams
    through a deploy (bench/circles.py)."""
    circles = results.get("circles")
    if not circles or "error" in circles:
        return []
    out = []
    live = circles.get("live_circles")
    if live:
        delay = live["post_to_last_browser_of_circle"]
        out.append(
            _verdict(
                "a hundred circles: POST to every browser of that circle",
                f"p99 <= {CIRCLE_P99_MS:g} ms, none missing",
                f"p99 {delay['p99_ms']} ms over {delay['n']} POSTs, {delay['missing']} missing",
                delay["p99_ms"] <= CIRCLE_P99_MS and not delay["missing"],
            )
        )
        stray = [p["messages_for_circles_without_stream"] for p in live["per_process"]]
        out.append(
            _verdict(
                "a hundred circles: events only where a stream listens",
                "0 messages for circles a process has no stream in",
                " and ".join(str(n) for n in stray) + " (per process)",
                not any(stray),
            )
        )
    idle = circles.get("idle")
    if idle:
        per_stream = max(idle["idle_kb_per_stream"])
        out.append(
            _verdict(
                "idle streams: memory",
                f"<= {STREAM_KB:g} KB a stream, {idle['idle_streams']:,} streams",
                f"{per_stream} KB (the larger process)",
                per_stream <= STREAM_KB,
            )
        )
        back = idle.get("deploy_all_reconnected_seconds")
        errors = sum(idle.get("deploy_error_statuses", {}).values())
        out.append(
            _verdict(
                "idle streams: a deploy",
                f"every stream back within {DEPLOY_BACK_SECONDS:g} s, no error statuses",
                (
                    f"all back after {back} s"
                    if back is not None
                    else f"{idle['deploy_reconnected']:,} of {idle['idle_streams']:,} back"
                )
                + f"; {errors} error statuses",
                back is not None and back <= DEPLOY_BACK_SECONDS and not errors,
            )
        )
    return out


def format_verdicts(verdicts: list[dict]) -> str:
    mark = {True: "met", False: "MISSED", None: "-"}
    lines = ["Targets (issues 7, 21, 22, 25 and 26):"]
    for v in verdicts:
        lines.append(f"  {mark[v['met']]:6} {v['name']}: {v['measured']}  [{v['target']}]")
    return "\n".join(lines)


def compare(old: dict, new: dict) -> str:
    """Two runs side by side: each page's throughput, its ratio to H and to `floor + 10
    queries` of its own run, and its p95; then each target's verdict in both."""
    lines = []
    for label, r in (("old", old), ("new", new)):
        m = r.get("machine", {})
        lines.append(
            f"{label}: {r.get('started', '?')}, {m.get('cores', '?')} cores, "
            f"H {r['floor']['throughput_rps']} req/s, F10 {reference_rps(r)} req/s"
        )
    header = f"\n{'page':34} {'req/s':>15} {'xH':>11} {'x F10':>11} {'p95 ms':>13} {'SQL':>7}"
    lines += [header, "-" * (len(header) - 1)]
    before = {p["name"]: p for p in old.get("pages", [])}

    def field(key):
        return lambda page, run: page[key]

    def pair(value, o, p, width):
        return f"{value(o, old)} -> {value(p, new)}".rjust(width)

    for p in new.get("pages", []):
        o = before.get(p["name"])
        if o is None:
            continue
        lines.append(
            f"{p['name'][:34]:34} {pair(field('throughput_rps'), o, p, 15)} "
            f"{pair(field('ratio_to_floor'), o, p, 11)} {pair(x_reference, o, p, 11)} "
            f"{pair(field('p95_ms'), o, p, 13)} {pair(field('queries'), o, p, 7)}"
        )
    old_v = {v["name"]: v["met"] for v in check(old)}
    mark = {True: "met", False: "MISSED", None: "-"}
    lines.append("\nTargets (old -> new):")
    for v in check(new):
        lines.append(f"  {mark[old_v.get(v['name'])]:>6} -> {mark[v['met']]:6} {v['name']}")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or [Path(__file__).resolve().parent / "results.json"]
    runs = [json.loads(p.read_text()) for p in paths]
    if len(runs) == 1:
        print(format_verdicts(check(runs[0])))
    elif len(runs) == 2:
        print(compare(*runs))
    else:
        sys.exit("usage: targets.py [RESULTS.json] | targets.py OLD.json NEW.json")


def check_api(results: dict) -> list[dict]:
    """Issue 22: the public API's list endpoints (bench/api.py), when the run measured them."""
    api = results.get("api")
    if not api or "error" in api or not api.get("lists"):
        return []
    lists = api["lists"]
    slowest = max(lists, key=lambda path: lists[path]["p95_ms"])
    return [
        _verdict(
            "API list endpoints",
            f"every list at company size, p95 < {API_LIST_P95_MS:g} ms",
            f"slowest {slowest}: p95 {lists[slowest]['p95_ms']} ms (server "
            f"{lists[slowest]['server_p95_ms']} ms), {len(lists)} lists at "
            f"{api['company_people']:,} people",
            all(figures["p95_ms"] < API_LIST_P95_MS for figures in lists.values()),
        )
    ]


if __name__ == "__main__":
    main(sys.argv[1:])
