"""What changed between two revisions of a page, line by line (difflib on the server).

The diff is data, not markup: a list of (op, line) with op "same", "removed" or "added";
templates/context/revision.html draws it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from context.models import SECTIONS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class SectionDiff:
    field: str
    heading: StrOrPromise  # translated when shown
    lines: list[tuple[str, str]]
    changed: bool


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.splitlines(), new.splitlines()
    lines: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [("same", line) for line in a[i1:i2]]
            continue
        lines += [("removed", line) for line in a[i1:i2]]
        lines += [("added", line) for line in b[j1:j2]]
    return lines


def revision_diff(previous, revision) -> list[SectionDiff]:
    """Each section of `revision` against `previous` (None: the first revision, all added)."""
    diffs = []
    for field, heading, _ in SECTIONS:
        old = getattr(previous, field) if previous is not None else ""
        new = getattr(revision, field)
        diffs.append(SectionDiff(field, heading, line_diff(old, new), old != new))
    return diffs
