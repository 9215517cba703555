"""SCIM provisioning at company size (issue 21), measured against a running server.

    # called by bench/run.py (`make bench`), after the pages, on the server it started;
    # or alone, on DATABASE_URL (migrated), with its own server, printing its figures:
    python bench/scim.py [--people 500] [--concurrency 8] [--workers 2]

Two figures, each with its target in bench/targets.py:

1. **A filtered Users query**: `GET /Users?filter=userName eq "..."` (how Okta and Entra look
   a person up on every sync), 200 sequential requests for people picked at random, at the
   company's size: wall time seen by the client (p95 is the target) and the server's own
   time (Server-Timing). Measured on the company as it is (people made by the import, no
   SCIM row: userName is their email), then again once the SCIM-provisioned people exist
   (userName from their ScimUser row), which `emails.value eq` and `externalId eq` also use.
2. **Provisioning a company**: `--people` people through SCIM, one POST each (userName,
   name, email, title, externalId, and the enterprise extension's employee number and
   department, so ~60 teams are made on the way), then one PATCH each setting the manager
   (an 8-ary tree under the first person). `--concurrency` keep-alive connections, as an
   identity provider's workers would; a 429 is waited out as its Retry-After says (the
   production rate limit applies). The time of the whole, and of each half.

The people, teams and token it made are deleted afterwards (their audit rows stay: the log is
append-only), so a run leaves the company it found.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOMAIN = "scimbench.example.com"
TEAM_PREFIX = "SCIM bench team"
TEAMS = 60
FAN_OUT = 8
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FILTER_REQUESTS = 200


def log(message: str) -> None:
    print(f"[bench scim] {message}", flush=True)


class Connection:
    """One keep-alive HTTP connection with the token; retries after a 429's Retry-After."""

    def __init__(self, base_url: str, token: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/scim+json",
            "Accept": "application/scim+json",
        }
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.limited = 0

    def request(self, method: str, path: str, body=None) -> tuple[int, dict, float, float]:
        """(status, JSON body, wall ms, server ms)."""
        payload = json.dumps(body) if body is not None else None
        while True:
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                raw = response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                continue
            wall = (time.perf_counter() - started) * 1000
            if response.status == 429:
                self.limited += 1
                time.sleep(float(response.getheader("Retry-After") or 1))
                continue
            timing = response.getheader("Server-Timing") or ""
            match = re.search(r"app;dur=([\d.]+)", timing)
            server = float(match.group(1)) if match else float("nan")
            return response.status, (json.loads(raw) if raw else {}), wall, server

    def close(self):
        self.conn.close()


def user_body(i: int) -> dict:
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": f"person{i}@{DOMAIN}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "emails": [{"value": f"person{i}@{DOMAIN}", "type": "work", "primary": True}],
        "title": "Engineer",
        "active": True,
        "externalId": f"scimbench-{i}",
        ENTERPRISE: {"employeeNumber": f"SB{i:06d}", "department": f"{TEAM_PREFIX} {i % TEAMS}"},
    }


def run_parallel(base_url: str, token: str, count: int, concurrency: int, work) -> dict:
    """Call work(conn, i) for i in range(count) on `concurrency` connections; time it."""
    lock = threading.Lock()
    next_index = iter(range(count))
    walls: list[float] = []
    servers: list[float] = []
    errors: list[str] = []
    limited = [0]

    def worker():
        conn = Connection(base_url, token)
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                status, body, wall, server = work(conn, i)
                with lock:
                    walls.append(wall)
                    servers.append(server)
                    if status >= 300 and len(errors) < 5:
                        errors.append(f"{i}: {status} {body}")
        finally:
            with lock:
                limited[0] += conn.limited
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    if errors:
        raise RuntimeError(f"SCIM requests failed: {errors}")
    walls.sort()
    return {
        "requests": count,
        "seconds": round(seconds, 1),
        "per_second": round(count / seconds, 1) if seconds else None,
        "median_ms": round(statistics.median(walls), 2) if walls else None,
        "p95_ms": round(walls[int(len(walls) * 0.95) - 1], 2) if walls else None,
        "server_median_ms": round(statistics.median(servers), 2) if servers else None,
        "rate_limited": limited[0],
    }


def provision(base_url: str, token: str, people: int, concurrency: int) -> dict:
    ids: dict[int, str] = {}

    def create(conn, i):
        status, body, wall, server = conn.request("POST", "/scim/v2/Users", user_body(i))
        if status == 201:
            ids[i] = body["id"]
        return status, body, wall, server

    def set_manager(conn, i):
        manager = ids[(i - 1) // FAN_OUT]
        operation = {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": manager}}
        return conn.request(
            "PATCH", f"/scim/v2/Users/{ids[i]}", {"schemas": [PATCH], "Operations": [operation]}
        )

    log(f"provisioning {people:,} people: POST each")
    posts = run_parallel(base_url, token, people, concurrency, create)
    log(f"POST: {posts}")
    patches = run_parallel(
        base_url, token, people - 1, concurrency, lambda c, i: set_manager(c, i + 1)
    )
    log(f"PATCH (manager): {patches}")
    return {
        "people": people,
        "concurrency": concurrency,
        "seconds": round(posts["seconds"] + patches["seconds"], 1),
        "post": posts,
        "patch_manager": patches,
        "ids": ids,
    }


def filtered_queries(base_url: str, token: str, filters: list[str]) -> dict:
    """Sequential filtered searches, one connection (5 warm-ups first)."""
    conn = Connection(base_url, token)
    walls, servers = [], []
    try:
        for n, expression in enumerate(filters[:5] + filters):
            path = "/scim/v2/Users?filter=" + quote(expression)
            status, body, wall, server = conn.request("GET", path)
            if status != 200 or body.get("totalResults") != 1:
                raise RuntimeError(f"{expression}: {status} {body}")
            if n >= 5:
                walls.append(wall)
                servers.append(server)
    finally:
        conn.close()
    walls.sort()
    servers.sort()
    return {
        "requests": len(walls),
        "median_ms": round(statistics.median(walls), 2),
        "p95_ms": round(walls[int(len(walls) * 0.95) - 1], 2),
        "server_median_ms": round(statistics.median(servers), 2),
        "server_p95_ms": round(servers[int(len(servers) * 0.95) - 1], 2),
    }


def cleanup() -> None:
    from culture.models import Person, ScimToken, Team

    Person.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    Team.objects.filter(name__startswith=TEAM_PREFIX).delete()
    ScimToken.objects.filter(name="bench").delete()


def measure(base_url: str, *, people: int, concurrency: int = 8) -> dict:
    """Both figures against the server at `base_url` (Django set up in this process)."""
    from django.db import connection

    from culture.models import Person
    from culture.scim import tokens

    cleanup()
    _row, token = tokens.do_create_token(by=None, name="bench")
    rng = random.Random(21)
    try:
        emails = list(Person.objects.filter(is_active=True).values_list("email", flat=True))
        connection.close()
        out: dict = {"company_people": len(emails)}
        if emails:
            picked = [rng.choice(emails) for _ in range(FILTER_REQUESTS)]
            out["filter_user_name"] = filtered_queries(
                base_url, token, [f'userName eq "{e}"' for e in picked]
            )
            log(f"userName eq, {len(emails):,} people: {out['filter_user_name']}")
        result = provision(base_url, token, people, concurrency)
        ids = result.pop("ids")
        out["provisioning"] = result
        out["provisioned_people"] = Person.objects.count()
        connection.close()
        picked = [rng.randrange(people) for _ in range(FILTER_REQUESTS)]
        out["filter_after_provisioning"] = {
            "userName eq": filtered_queries(
                base_url, token, [f'userName eq "person{i}@{DOMAIN}"' for i in picked]
            ),
            "emails.value eq": filtered_queries(
                base_url, token, [f'emails.value eq "person{i}@{DOMAIN}"' for i in picked]
            ),
            "externalId eq": filtered_queries(
                base_url, token, [f'externalId eq "scimbench-{i}"' for i in picked]
            ),
        }
        log(
            f"after provisioning, {out['provisioned_people']:,} people: {out['filter_after_provisioning']}"
        )
        out["manager_tree_ok"] = (
            Person.objects.filter(email__endswith=f"@{DOMAIN}", manager__isnull=False).count()
            == people - 1
        ) and len(ids) == people
    finally:
        cleanup()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    from bench.run import Server, django_setup, manage

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    django_setup()
    server = Server(options.workers)
    try:
        result = measure(server.url, people=options.people, concurrency=options.concurrency)
    finally:
        server.stop()
    from bench.targets import check_scim, format_verdicts

    print(json.dumps(result, indent=2))
    print(format_verdicts(check_scim({"scim": result})))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "culture.settings")
    main()
