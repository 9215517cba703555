"""Raw SQL only where the ORM cannot say it: the modules that run SQL of their own are the
ones README.md's "Where the code uses raw SQL, and why" lists, and no others."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("culture", "keeper", "feedback", "decisions", "pay", "sso")
RAW = re.compile(r"\.cursor\(|\bRawSQL\(|\.raw\(|\bcursor\.execute\(|\bconnection\.execute\(")

# Each with the reason README.md gives; migrations and culture/devstack.py (make run's
# embedded PostgreSQL) are not the product.
ALLOWED = {
    "culture/models.py": "recursive CTEs of the reporting tree",
    "culture/backends.py": "every request's person lookup: the ORM cost a fifth of a page",
    "culture/audit.py": "record_many's INSERT over unnest: bulk_create cost a tenth of a page",
    "keeper/services/sweep.py": "INSERT ... SELECT ... ON CONFLICT, ANALYZE, an advisory lock",
    "keeper/services/answers.py": "an upsert with WHERE IS DISTINCT FROM",
    "culture/notifications.py": "INSERT ... ON CONFLICT DO NOTHING RETURNING",
    "culture/people_import.py": "UPDATE ... FROM unnest for 10,000-row imports",
    "pay/importer.py": "COPY for 100,000-row market data",
    "culture/scim/storage.py": "FOR SHARE OF",
    "culture/scim/tokens.py": "every SCIM request's token: the ORM cost provisioning its target",
    "culture/scim/services.py": "FOR SHARE OF, a UNION of index lookups, the team by name",
    "culture/scim/filters.py": "a UNION of index lookups in pk__in",
    "culture/privacy.py": "regexp_replace over text and JSON columns in one UPDATE",
    "culture/demo.py": "TRUNCATE ... CASCADE",
    "culture/management/commands/seed_demo.py": "ANALYZE",
    "keeper/demo.py": "setseed and a bulk INSERT ... SELECT of demo answers",
    "decisions/management/commands/decisions_bench.py": "ANALYZE",
    "culture/views/health.py": "the readiness probe's SELECT 1",
}


def _runs_sql(path: Path) -> bool:
    return bool(RAW.search(path.read_text()))


def test_only_the_listed_modules_run_sql_of_their_own():
    found = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and path.name != "devstack.py" and _runs_sql(path)
    }
    assert found - set(ALLOWED) == set(), "raw SQL outside the list in README.md"


def test_every_listed_module_still_needs_its_place_and_the_readme_names_it():
    readme = (ROOT / "README.md").read_text()
    stale = [p for p in ALLOWED if not _runs_sql(ROOT / p)]
    assert stale == [], "no raw SQL left there: take it off the list"
    unnamed = [p for p in ALLOWED if p not in readme and Path(p).stem not in readme]
    assert unnamed == []
