"""The authorization matrix: every URL pattern x every persona -> expected status.

Each app declares its cases in tests/<app>/access_matrix.py as

    CASES = {
        "keeper:index": case(lambda w: reverse("keeper:index"), default=200),
        "keeper:answer": case(lambda w: reverse("keeper:answer", args=[...]), method="post",
                              data=lambda w: {...}, default=404, manager=200, ...),
    }

`default` applies to every logged-in active persona not named; anonymous and inactive users
default to a redirect to the login page (302) because every page requires login. A URL in the
URLconf that no app lists fails tests/culture/test_authz_matrix.py.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    url: Callable
    expect: dict[str, int]
    default: int
    method: str = "get"
    data: Callable | None = None
    headers: dict = field(default_factory=dict)
    setup: Callable | None = None

    def expected(self, persona: str) -> int:
        if persona in self.expect:
            return self.expect[persona]
        if persona in ("anonymous", "inactive"):
            return 302
        return self.default


def case(url, *, default=200, method="get", data=None, headers=None, setup=None, **expect) -> Case:
    """`setup(world)` may create objects and return extra attributes used by url/data."""
    return Case(
        url=url,
        expect=expect,
        default=default,
        method=method,
        data=data,
        headers=headers or {},
        setup=setup,
    )


ADMIN_ONLY = {"people_admin": 200}


APPS = [
    "culture",
    "feedback",
    "keeper",
    "decisions",
    "pay",
    "scim",
    "sso",
    "api",
    "webhooks",
    "chat",
    "context",
    "freedom",
]


def all_cases() -> dict[str, Case]:
    """Every app's CASES, keyed "app:name" or "app:name#variant"."""
    cases = {}
    for app in APPS:
        try:
            module = importlib.import_module(f"tests.{app}.access_matrix")
        except ModuleNotFoundError:
            continue
        cases.update(module.CASES)
    return cases
