"""The demo company: a believable organisation with three levels of management.

Shape: a CEO; directors (each manages managers); managers (each leads a team of
individual contributors); a People team with the people admin. The four demo logins always
exist. Every demo person can log in with the demo password.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from culture.models import CompanySettings, Person, Team

DEMO_PASSWORD = "culture-demo"  # noqa: S105 - documented demo credential

DEMO_LOGINS = [
    ("admin@example.com", "people admin"),
    ("director@example.com", "director, manages managers"),
    ("manager@example.com", "manager, reports to the director"),
    ("employee@example.com", "employee, reports to the manager"),
]

FIRST = [
    "Amara",
    "Ben",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farah",
    "Gabriel",
    "Hana",
    "Isaac",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aisha",
    "Bruno",
    "Carmen",
    "Diego",
    "Esther",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jamal",
    "Kofi",
    "Lena",
    "Marco",
    "Nina",
    "Oscar",
    "Paula",
    "Rafael",
    "Sofia",
    "Tomas",
    "Ursula",
    "Victor",
    "Wanda",
    "Yara",
    "Zane",
    "Anika",
    "Bilal",
    "Clara",
    "Daniel",
    "Emeka",
    "Freya",
    "Giulia",
    "Hamza",
    "Ingrid",
]
LAST = [
    "Adeyemi",
    "Bauer",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Laurent",
    "Mensah",
    "Novak",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Sato",
    "Tanaka",
    "Usman",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Almeida",
    "Brennan",
    "Chen",
    "Dalton",
    "Ekström",
    "Fontaine",
    "Gupta",
    "Horvat",
    "Iqbal",
    "Janssen",
    "Kim",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Park",
    "Reyes",
    "Schmidt",
    "Torres",
    "Van",
    "Dijk",
    "Walsh",
    "Yamamoto",
]

TEAMS = [
    # name, job family, IC titles, location
    (
        "Platform",
        "Engineering",
        ["Software Engineer", "Senior Software Engineer", "Staff Engineer"],
        "London",
    ),
    (
        "Product Design",
        "Design",
        ["Product Designer", "Senior Product Designer", "UX Researcher"],
        "Amsterdam",
    ),
    (
        "Growth",
        "Marketing",
        ["Growth Marketer", "Content Strategist", "Lifecycle Marketer"],
        "Berlin",
    ),
    (
        "Data",
        "Data Science",
        ["Data Scientist", "Analytics Engineer", "Senior Data Scientist"],
        "London",
    ),
    (
        "Customer Success",
        "Operations",
        ["Customer Success Manager", "Support Specialist", "Onboarding Lead"],
        "Lisbon",
    ),
    (
        "Finance",
        "Finance",
        ["Financial Analyst", "Accountant", "Senior Financial Analyst"],
        "Amsterdam",
    ),
]


def _names(rng: random.Random):
    used = set()
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            yield name
        if len(used) > len(FIRST) * len(LAST) * 0.8:
            used.clear()


def _start(rng: random.Random, years_max: int) -> date:
    return date(2026, 11, 1) - timedelta(days=rng.randint(60, years_max * 365))


@transaction.atomic
def build(*, people: int = 60, seed: int = 7) -> dict:
    """Create the company. Returns {"admin": ..., "director": ..., "manager": ...,
    "employee": ..., "all": [...]}."""
    rng = random.Random(seed)
    names = _names(rng)
    password = make_password(DEMO_PASSWORD)
    company = CompanySettings.load()
    company.name = "Acme Streaming"
    company.time_zone = "Europe/London"
    company.save()

    teams = []
    for name, _family, _titles, _location in TEAMS:
        teams.append(Team.objects.create(name=name, slug=name.lower().replace(" ", "-")))
    people_team = Team.objects.create(name="People", slug="people")

    # Scale: about one director per 3 teams, one manager per 9 people.
    n_teams_total = max(len(TEAMS), people // 10)
    n_directors = max(2, n_teams_total // 3)

    def person(**fields) -> Person:
        fields.setdefault("password", password)
        return Person(**fields)

    ceo = person(
        email="ceo@example.com",
        name="Reed Alvarez",
        title="Chief Executive Officer",
        job_family="Executive",
        level=9,
        location="London",
        team=None,
        start_date=date(2015, 1, 5),
    )
    ceo.save()
    director = person(
        email="director@example.com",
        name="Dana Director",
        title="Director of Product & Engineering",
        job_family="Engineering",
        level=8,
        location="London",
        team=teams[0],
        manager=ceo,
        start_date=date(2018, 4, 9),
    )
    director.save()
    admin = person(
        email="admin@example.com",
        name="Alex Admin",
        title="Head of People",
        job_family="People",
        level=7,
        location="London",
        team=people_team,
        manager=ceo,
        start_date=date(2019, 2, 11),
        is_people_admin=True,
        is_staff=True,
    )
    admin.save()
    manager = person(
        email="manager@example.com",
        name="Morgan Manager",
        title="Engineering Manager",
        job_family="Engineering",
        level=6,
        location="London",
        team=teams[0],
        manager=director,
        start_date=date(2020, 6, 1),
    )
    manager.save()
    employee = person(
        email="employee@example.com",
        name="Emery Employee",
        title="Senior Software Engineer",
        job_family="Engineering",
        level=4,
        location="London",
        team=teams[0],
        manager=manager,
        start_date=date(2022, 9, 12),
    )
    employee.save()

    directors = [director]
    for d in range(1, n_directors):
        family = TEAMS[d % len(TEAMS)][1]
        directors.append(
            person(
                email=f"director{d}@example.com",
                name=next(names),
                title=f"Director of {family}",
                job_family=family,
                level=8,
                location=TEAMS[d % len(TEAMS)][3],
                manager=ceo,
                start_date=_start(rng, 9),
            )
        )
    Person.objects.bulk_create(directors[1:])

    # Extra teams for big companies reuse the six shapes with numbered names.
    all_teams = list(teams)
    for t in range(len(TEAMS), n_teams_total):
        shape = TEAMS[t % len(TEAMS)]
        all_teams.append(
            Team(
                name=f"{shape[0]} {t // len(TEAMS) + 1}",
                slug=f"{shape[0].lower().replace(' ', '-')}-{t}",
            )
        )
    Team.objects.bulk_create(all_teams[len(TEAMS) :])

    managers = []
    for t, team in enumerate(all_teams):
        shape = TEAMS[t % len(TEAMS)]
        if t == 0:
            managers.append(manager)
            continue
        managers.append(
            person(
                email=f"manager{t}@example.com",
                name=next(names),
                title=f"{shape[1]} Manager" if shape[1] != "Engineering" else "Engineering Manager",
                job_family=shape[1],
                level=6,
                location=shape[3],
                team=team,
                manager=directors[t % len(directors)],
                start_date=_start(rng, 8),
            )
        )
    Person.objects.bulk_create(managers[1:])

    created = 5 + (len(directors) - 1) + (len(managers) - 1)
    ics = []
    # People team: two people under the admin.
    for i in range(2):
        ics.append(
            person(
                email=f"people{i + 1}@example.com",
                name=next(names),
                title=["People Partner", "Recruiter"][i],
                job_family="People",
                level=4 + i,
                location="London",
                team=people_team,
                manager=admin,
                start_date=_start(rng, 6),
            )
        )
    remaining = max(0, people - created - len(ics))
    for i in range(remaining):
        t = i % len(all_teams)
        shape = TEAMS[t % len(TEAMS)]
        title_index = rng.randrange(3)
        ics.append(
            person(
                email=f"person{i + 1}@example.com",
                name=next(names),
                title=shape[2][title_index],
                job_family=shape[1],
                level=[3, 4, 5][title_index]
                + (1 if rng.random() < 0.15 else 0)
                - (1 if rng.random() < 0.2 else 0),
                location=shape[3]
                if rng.random() < 0.8
                else rng.choice(["London", "Berlin", "Lisbon", "Amsterdam"]),
                team=all_teams[t],
                manager=managers[t],
                start_date=_start(rng, 7),
            )
        )
    Person.objects.bulk_create(ics, batch_size=5000)
    everyone = list(Person.objects.filter(is_active=True).select_related("team", "manager"))
    return {
        "admin": admin,
        "director": director,
        "manager": manager,
        "employee": employee,
        "ceo": ceo,
        "all": everyone,
        "rng": rng,
    }


def flush() -> None:
    """Empty every table the demo writes (TRUNCATE also bypasses the audit trigger,
    which refuses row deletes)."""
    from django.apps import apps

    tables = [
        m._meta.db_table
        for app in ("culture", "feedback", "keeper", "decisions", "pay", "axes", "sessions")
        for m in apps.get_app_config(app).get_models()
        if not m._meta.proxy and m._meta.managed
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
