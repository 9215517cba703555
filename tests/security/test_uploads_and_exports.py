"""Uploads: oversized, too many rows, non-UTF-8 and binary files get a 4xx with a clear
message on every upload endpoint, never a 500 and never a job. Exports: every CSV export
neutralises cells a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from culture import people_import
from pay import importer
from tests.conftest import build_world
from tests.security.helpers import CASES, client

UPLOADS = {
    "people": ("/people/import/", {}, people_import.COLUMNS),
    "market": (
        "/pay/market/",
        {"source": "Radford", "effective_date": "2026-01-01", "currency": "EUR"},
        importer.MARKET_TEMPLATE_COLUMNS,
    ),
    "salaries": ("/pay/salaries/", {}, importer.SALARY_COLUMNS),
}


def _csv(columns, rows: int) -> bytes:
    lines = [",".join(columns)] + [",".join(["x"] * len(columns)) for _ in range(rows)]
    return ("\n".join(lines) + "\n").encode()


BAD_FILES = {
    "oversized": (lambda cols: _csv(cols, 200), "limit is"),
    "too many rows": (lambda cols: _csv(cols, 12), "Too many rows"),
    "not UTF-8": (lambda cols: ",".join(cols).encode() + b"\nJos\xe9,\xff\xfe\n", "not UTF-8"),
    "binary": (lambda cols: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "empty": (lambda cols: b"", "empty"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", sorted(UPLOADS))
@pytest.mark.parametrize("attack", sorted(BAD_FILES))
def test_bad_uploads_get_a_4xx_with_a_clear_message(endpoint, attack, settings):
    from culture.models import ImportJob
    from pay.models import PayImportJob

    settings.MAX_IMPORT_BYTES = 1024  # "oversized" is 40 rows (> 1 KB); the rest are smaller
    settings.MAX_IMPORT_ROWS = 10
    world = build_world()
    url, fields, columns = UPLOADS[endpoint]
    make, message = BAD_FILES[attack]
    content = make(columns)
    if attack != "oversized":
        assert len(content) < 1024
    upload = SimpleUploadedFile("attack.csv", content, content_type="text/csv")
    response = client(world, "people_admin").post(url, {**fields, "file": upload})
    text = response.content.decode()
    assert 400 <= response.status_code < 500, (endpoint, attack, response.status_code)
    assert message.lower() in text.lower(), (endpoint, attack, "no clear message")
    assert not ImportJob.objects.exists() and not PayImportJob.objects.exists()


DANGEROUS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\tTAB", "\rCR"]
# CSV downloads. A person's data export (people:data_export) is JSON, posted with the typed
# email, that no spreadsheet opens: tests/security/test_person_data.py covers it.
EXPORTS = sorted(
    n for n, s in CASES.items() if ("csv" in n or n.endswith("export")) and s.method == "get"
)


def test_every_export_is_attacked():
    assert {
        "people:export",
        "keeper:export",
        "pay:export",
        "feedback:summary_csv",
    } <= set(EXPORTS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", EXPORTS)
def test_csv_exports_neutralise_formula_cells(name):
    from culture.models import Person

    world = build_world()
    spec = CASES[name]
    extra = spec.setup(world) if spec.setup else {}
    for i, person in enumerate(Person.objects.order_by("pk")):
        payload = DANGEROUS[i % len(DANGEROUS)]
        Person.objects.filter(pk=person.pk).update(name=payload + f" {i}", title=payload)
    _poison_circle_items()
    persona = next(p for p in ("people_admin", "manager", "employee") if spec.expected(p) == 200)
    response = client(world, persona).get(spec.url(world, extra))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    bad = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not bad, f"{name}: formula cells {bad[:5]}"


def _poison_circle_items():
    try:
        from feedback.models import CircleItem
    except ImportError:
        return
    for i, item in enumerate(CircleItem.objects.order_by("pk")):
        CircleItem.objects.filter(pk=item.pk).update(text=DANGEROUS[i % len(DANGEROUS)])
