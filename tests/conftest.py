"""Personas, factories and shared fixtures.

The personas form one small company:

    ceo
    ├── skip_level (director: manages managers)
    │   └── manager
    │       ├── employee
    │       ├── peer
    │       └── inactive (deactivated)
    ├── other_director
    │   └── other_manager (manager of another team)
    │       └── outsider (another branch of the tree)
    └── people_admin
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.hashers import make_password

from culture.models import CompanySettings, Person, Team

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = make_password(password)
    return _hash_cache[password]


def make_team(*, name: str | None = None, slug: str | None = None) -> Team:
    n = next(_counter)
    name = name or f"Team {n}"
    return Team.objects.create(name=name, slug=slug or f"team-{n}")


def make_person(
    *,
    name: str | None = None,
    email: str | None = None,
    manager: Person | None = None,
    team: Team | None = None,
    title: str = "Engineer",
    job_family: str = "Engineering",
    level: int | None = 4,
    location: str = "London",
    start_date: date | None = date(2022, 1, 10),
    is_active: bool = True,
    is_people_admin: bool = False,
    password: str = PASSWORD,
) -> Person:
    n = next(_counter)
    return Person.objects.create(
        name=name or f"Person {n}",
        email=email or f"person{n}@example.test",
        manager=manager,
        team=team,
        title=title,
        job_family=job_family,
        level=level,
        location=location,
        start_date=start_date,
        is_active=is_active,
        is_people_admin=is_people_admin,
        password=_hash(password),
    )


@dataclass
class World:
    ceo: Person
    skip_level: Person
    manager: Person
    employee: Person
    peer: Person
    inactive: Person
    other_director: Person
    other_manager: Person
    outsider: Person
    people_admin: Person
    team: Team
    other_team: Team

    def persona(self, name: str) -> Person | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = [
    "anonymous",
    "employee",
    "peer",
    "manager",
    "skip_level",
    "other_manager",
    "outsider",
    "people_admin",
    "inactive",
]


def build_world() -> World:
    CompanySettings.load()
    team = make_team(name="Platform", slug="platform")
    other_team = make_team(name="Growth", slug="growth")
    ceo = make_person(name="Cora CEO", email="ceo@example.test", level=9, title="CEO")
    skip_level = make_person(
        name="Sam Skip",
        email="skip@example.test",
        manager=ceo,
        team=team,
        level=8,
        title="Director",
    )
    manager = make_person(
        name="Mia Manager",
        email="manager@example.test",
        manager=skip_level,
        team=team,
        level=6,
        title="Engineering Manager",
    )
    employee = make_person(
        name="Eli Employee", email="employee@example.test", manager=manager, team=team
    )
    peer = make_person(name="Pat Peer", email="peer@example.test", manager=manager, team=team)
    inactive = make_person(
        name="Ida Inactive",
        email="inactive@example.test",
        manager=manager,
        team=team,
        is_active=False,
    )
    other_director = make_person(
        name="Olga Director",
        email="otherdirector@example.test",
        manager=ceo,
        team=other_team,
        level=8,
    )
    other_manager = make_person(
        name="Omar Manager",
        email="othermanager@example.test",
        manager=other_director,
        team=other_team,
        level=6,
    )
    outsider = make_person(
        name="Otto Outsider",
        email="outsider@example.test",
        manager=other_manager,
        team=other_team,
        job_family="Marketing",
    )
    people_admin = make_person(
        name="Ada Admin",
        email="admin@example.test",
        manager=ceo,
        is_people_admin=True,
        job_family="People",
        title="Head of People",
    )
    return World(
        ceo=ceo,
        skip_level=skip_level,
        manager=manager,
        employee=employee,
        peer=peer,
        inactive=inactive,
        other_director=other_director,
        other_manager=other_manager,
        outsider=outsider,
        people_admin=people_admin,
        team=team,
        other_team=other_team,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def employee(world):
    return world.employee


@pytest.fixture
def peer(world):
    return world.peer


@pytest.fixture
def manager(world):
    return world.manager


@pytest.fixture
def skip_level(world):
    return world.skip_level


@pytest.fixture
def people_admin(world):
    return world.people_admin


@pytest.fixture
def outsider(world):
    return world.outsider


@pytest.fixture
def other_manager(world):
    return world.other_manager


@pytest.fixture
def inactive_user(world):
    return world.inactive


@pytest.fixture
def client_for(client):
    """client_for(person) -> a Django test client logged in as that person (None: anonymous)."""
    from django.test import Client

    def _make(person):
        c = Client()
        if person is not None:
            c.force_login(person)
        return c

    return _make


def require_service(name: str, reason: str):
    """Skip locally when a service is missing; fail under CI=true (never skip in CI)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        require_service("Redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        require_service("Redis", f"cannot reach {url}: {exc}")
    return url


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        require_service("Chromium", f"{path} not found (apt-get install -y chromium)")
    return path
