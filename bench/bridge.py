"""The ASGI-to-WSGI bridge: culture/asgi.py's own against a2wsgi's WSGIMiddleware, on the
same data, pages and server settings as `make bench`, in one run (issue 19).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/culture_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
      .venv/bin/python bench/bridge.py [--rounds 3] [--duration 4] [--workers 2]

It needs a database `make bench` has built (it does not seed) and a2wsgi, which is not a
dependency of the product: `.venv/bin/uv pip install --python .venv/bin/python a2wsgi`.
Each round starts uvicorn with one bridge, then the other (the order alternates), and
measures every page's throughput with wrk; each page keeps its best round per bridge.
Results go to bench/bridge.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Server, django_setup, key_pages, log, session_cookie, throughput  # noqa: E402

BRIDGES = {
    "culture.asgi (ours)": "culture.asgi:application",
    "a2wsgi": "bench.a2wsgi_app:application",
}


# The floor, its ten-query twin, and the key pages of the Jinja2 fragments and the home page.
PAGES = (
    "floor + 10 queries",
    "home",
    "directory search (htmx)",
    "profile",
    "circle room state (htmx)",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    try:
        import a2wsgi  # noqa: F401
    except ImportError:
        sys.exit(
            "a2wsgi is not installed: .venv/bin/uv pip install --python .venv/bin/python a2wsgi"
        )

    django_setup()
    todo = [{"name": "floor", "persona": "employee@example.com", "path": "/bench/floor/"}]
    todo += [page for page in key_pages() if page["name"] in PAGES]
    cookies = {page["persona"]: session_cookie(page["persona"]) for page in todo}
    best: dict[str, dict[str, float]] = {name: {} for name in BRIDGES}
    for n in range(options.rounds):
        order = list(BRIDGES.items())
        for name, app in order if n % 2 == 0 else order[::-1]:
            server = Server(options.workers, app=app)
            try:
                for page in todo:
                    rps = throughput(
                        server.url + page["path"],
                        cookies[page["persona"]],
                        page.get("headers", {}),
                        options.duration,
                    )
                    best[name][page["name"]] = max(best[name].get(page["name"], 0.0), rps)
            finally:
                server.stop()
            log(f"round {n + 1}, {name}: {best[name]}")
    (ROOT / "bench" / "bridge.json").write_text(json.dumps(best, indent=2) + "\n")
    ours, theirs = best.values()
    print(f"\n{'page':32} {'ours req/s':>11} {'a2wsgi req/s':>13} {'a2wsgi/ours':>12}")
    for page in ours:
        print(
            f"{page:32} {ours[page]:>11.1f} {theirs[page]:>13.1f} {theirs[page] / ours[page]:>12.2f}"
        )


if __name__ == "__main__":
    main()
