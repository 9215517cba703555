"""The SCIM service against scim2-tester, the python-scim project's compliance checks,
over HTTP against a real server (uvicorn on a free port, this test's database)."""

from __future__ import annotations

import collections

import pytest

from tests.feedback.servers import uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)


def test_scim2_tester_finds_no_failure_in_any_check(redis_url):
    from httpx2 import Client
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import Status, check_server

    from culture.scim import tokens

    _row, token = tokens.do_create_token(by=None, name="compliance")
    with uvicorn_server(redis_url=redis_url) as base:
        http = Client(base_url=f"{base}/scim/v2", headers={"Authorization": f"Bearer {token}"})
        results = check_server(SyncSCIMClient(http))  # every tag: no include/exclude
    by_status = collections.Counter(result.status.name for result in results)
    print(f"\nscim2-tester: {len(results)} checks: {dict(sorted(by_status.items()))}")
    failures = [
        f"{r.title} [{r.resource_type or '-'}]: {r.reason}"
        for r in results
        if r.status in (Status.ERROR, Status.CRITICAL)
    ]
    assert not failures, "\n".join(failures)
    assert by_status["SUCCESS"] > 50
