"""CSV exports that are safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value) -> str:
    """Neutralise a cell a spreadsheet would treat as a formula by prefixing a quote."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def write_rows(header: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(write_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
