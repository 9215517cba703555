"""The public API's list endpoints at company size (issue 22), against a running server.

    # called by bench/run.py (`make bench`), after the pages, on the server it started;
    # or alone, on DATABASE_URL (migrated, with a company), with its own server:
    python bench/api.py [--workers 2]

For each list endpoint: 200 sequential requests on one keep-alive connection with a service
token (a people admin's, every scope), after 5 warm-ups: the wall time the client sees (p95
is the target: under 50 ms at 10,000 people) and the server's own (Server-Timing); and the
number of queries one request costs, counted in this process on the same database (the same
at any size: tests/api/test_query_budgets.py pins that). The bench server runs with the API's
rate limit off (bench/run.py server_env): 200 requests a minute is what it is there to stop.
The token is deleted afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = 200
LISTS = [
    "/api/v1/people/?limit=25",
    "/api/v1/people/?q=an&limit=25",
    "/api/v1/teams/?limit=25",
    "/api/v1/memos/?limit=25",
    "/api/v1/memos/?q=team&limit=25",
    "/api/v1/circles/?limit=25",
    "/api/v1/feedback/received/?limit=25",
    "/api/v1/feedback/given/?limit=25",
    "/api/v1/keeper/tests/",
]
TOKEN_NAME = "bench"


def log(message: str) -> None:
    print(f"[bench api] {message}", flush=True)


def timed_requests(base_url: str, token: str, path: str) -> dict:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    walls, servers = [], []
    try:
        for n in range(5 + REQUESTS):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            wall = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status}")
            match = re.search(r"app;dur=([\d.]+)", response.getheader("Server-Timing") or "")
            if n >= 5:
                walls.append(wall)
                servers.append(float(match.group(1)) if match else float("nan"))
    finally:
        conn.close()
    walls.sort()
    servers.sort()
    p95 = int(len(walls) * 0.95) - 1
    return {
        "median_ms": round(statistics.median(walls), 2),
        "p95_ms": round(walls[p95], 2),
        "server_p95_ms": round(servers[p95], 2),
    }


def query_count(path: str, token: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


def measure(base_url: str) -> dict:
    """Every list's figures against the server at `base_url` (Django set up here)."""
    from django.db import connection
    from django.test.utils import override_settings

    from api import tokens
    from api.models import SCOPES, ApiToken
    from culture.models import Person

    admin = Person.objects.filter(is_active=True, is_people_admin=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("no active people admin to make a service token for")
    ApiToken.objects.filter(name=TOKEN_NAME).delete()
    _row, token = tokens.do_create_token(
        by=admin, name=TOKEN_NAME, scopes=list(SCOPES), days=1, kind="service"
    )
    out: dict = {"company_people": Person.objects.filter(is_active=True).count(), "lists": {}}
    try:
        with override_settings(RATE_LIMITS={}):
            counts = {path: query_count(path, token) for path in LISTS}
        connection.close()
        for path in LISTS:
            figures = timed_requests(base_url, token, path)
            figures["queries"] = counts[path]
            out["lists"][path] = figures
            log(f"{path}: {figures}")
    finally:
        ApiToken.objects.filter(name=TOKEN_NAME).delete()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    from bench.run import Server, django_setup, manage

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    django_setup()
    server = Server(options.workers)
    try:
        result = measure(server.url)
    finally:
        server.stop()
    from bench.targets import check_api, format_verdicts

    print(json.dumps(result, indent=2))
    print(format_verdicts(check_api({"api": result})))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")
    main()
