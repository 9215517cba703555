"""Issue 25: what a page costs in another language. The same key pages, as the same person,
asked for in English, French and Japanese (the browser's Accept-Language chooses: the bench
personas have no language of their own), in interleaved rounds so that a slow minute of the
machine lands on every language alike. The figure is Django's own time per request
(Server-Timing app;dur), median and p95, and wrk's throughput; the target compares each
language's median with English's in the same run.
"""

from __future__ import annotations

import statistics

LANGUAGES = ("en-gb", "fr", "ja")
ROUNDS = 5
SAMPLES = 40  # per page, language and round


def pages() -> list[dict]:
    from decisions.models import Memo

    memo = Memo.objects.filter(state=Memo.State.OPEN).order_by("pk").first()
    found = [
        {"name": "home", "persona": "employee@example.com", "path": "/"},
        {"name": "keeper", "persona": "manager@example.com", "path": "/keeper/"},
        {"name": "memo feed", "persona": "employee@example.com", "path": "/decisions/"},
        {"name": "directory", "persona": "employee@example.com", "path": "/people/"},
    ]
    if memo is not None:
        found.append(
            {"name": "memo", "persona": "employee@example.com", "path": f"/decisions/{memo.pk}/"}
        )
    return found


def measure(base_url: str, cookie_for, fetch, throughput, seconds: int = 2) -> dict:
    results: dict = {}
    for page in pages():
        cookie = cookie_for(page["persona"])
        url = base_url + page["path"]
        times: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
        rps: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
        for lang in LANGUAGES:  # warm every worker's catalogue and template caches
            for _ in range(5):
                fetch(url, cookie, {"Accept-Language": lang})
        for n in range(ROUNDS):
            order = LANGUAGES if n % 2 == 0 else LANGUAGES[::-1]
            for lang in order:
                headers = {"Accept-Language": lang}
                for _ in range(SAMPLES):
                    status, ms, _size = fetch(url, cookie, headers)
                    assert status == 200, (url, lang, status)
                    times[lang].append(ms)
                rps[lang].append(throughput(url, cookie, headers, seconds))
        entry = {}
        for lang in LANGUAGES:
            samples = sorted(times[lang])
            entry[lang] = {
                "median_ms": round(statistics.median(samples), 2),
                "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
                "throughput_rps": round(max(rps[lang]), 1),
            }
        base = entry["en-gb"]["median_ms"]
        for lang in LANGUAGES[1:]:
            entry[lang]["cost_vs_english"] = round(entry[lang]["median_ms"] / base, 3)
        results[page["name"]] = entry
    return results
