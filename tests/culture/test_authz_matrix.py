"""Every URL pattern x every persona -> the expected status, generated from the URLconf.

A new URL that nobody added to an app's tests/<app>/access_matrix.py fails
test_every_url_pattern_is_in_the_matrix.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import PERSONAS, build_world
from tests.matrix import all_cases

# The Django admin is its own world: covered by a handful of explicit cases below.
SKIP_NAMESPACES = {"admin"}

CASES = all_cases()


def _url_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in SKIP_NAMESPACES:
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            names |= _url_names(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and p.name:
            names.add(f"{namespace}{p.name}")
    return names


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted(_url_names() - {name.split("#")[0] for name in CASES})
    assert not missing, f"URLs with no authorization matrix entry: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_authorization_matrix(name, client_for):
    world = build_world()
    spec = CASES[name]
    extra = spec.setup(world) if spec.setup else {}
    failures = []
    for persona in PERSONAS:
        client = client_for(world.persona(persona) if persona != "inactive" else world.inactive)
        url = spec.url(world, extra)
        data = spec.data(world, extra) if spec.data else None
        response = getattr(client, spec.method)(url, data=data, headers=spec.headers)
        expected = spec.expected(persona)
        if response.status_code != expected:
            failures.append(f"{persona}: got {response.status_code}, expected {expected}")
    assert not failures, f"{name} -> " + "; ".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona,expected",
    [("anonymous", 302), ("employee", 302), ("manager", 302), ("people_admin", 302)],
)
def test_django_admin_is_for_staff_only(persona, expected, client_for):
    world = build_world()
    response = client_for(world.persona(persona)).get("/admin/")
    assert response.status_code == expected
    assert "/admin/login/" in response["Location"]
