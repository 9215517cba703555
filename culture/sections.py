"""What the practice apps show on the core's pages, without the core importing them.

The core never imports a practice app (tests/culture/test_core_imports.py). Where a core page
shows a practice's part, the practice registers a function here from its `AppConfig.ready`,
and the page asks this registry:

- the home page ("what needs me now"): one section per practice, `register_home_section(name,
  order=..., context=...)`; `context(request) -> dict` fills `templates/<name>/_home.html`, in a
  fixed number of queries whatever the data;
- a person's profile: `register_profile_context(name, context=...)`;
  `context(request, person, *, manages) -> dict` adds what templates/culture/profile.html shows
  of the practice (`manages` is `culture.access.can_manage(request.user, person)`, already known);
- a person's data (culture.privacy): `register_privacy(name, order=..., hooks=module)`, a
  module with any of `export`, `erase` and `delete_records` (the app's `privacy.py`);
- the demo company (seed_demo): `register_demo(name, order=..., seed=...)`, the app's
  `demo.seed(people=..., rng=..., scale=...)`;
- a list of people (the directory): `register_person_marks(name, marks=...)`;
  `marks(request, people) -> {person_id: [Mark, ...]}` adds short labels beside names
  ("Away until 6 Mar"), in one query for the whole page, shown only to whoever may know;
- a practice's part of another practice's page (the keeper page shows who has not been
  through a feedback circle): `register_page_section(page, name, order=..., context=...)`;
  `context(request) -> dict` fills `templates/<name>/_<page>.html`;
- someone leaving (deactivated by an admin, the people import or SCIM):
  `register_person_left(name, hook=...)`; `hook(person_ids)` runs in the deactivation's
  transaction, from `people_left`, which every path that deactivates calls once per change.

Registering a name again replaces its entry, so a second `ready()` (some test runners) is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

HomeContext = Callable[[Any], dict]
ProfileContext = Callable[..., dict]
DemoSeed = Callable[..., Any]

_home: dict[str, tuple[int, HomeContext]] = {}
_profile: dict[str, ProfileContext] = {}


def register_home_section(name: str, *, order: int, context: HomeContext) -> None:
    """Show `templates/<name>/_home.html` on the home page, lower `order` first."""
    _home[name] = (order, context)


def home_sections() -> list[tuple[str, HomeContext]]:
    """The registered home sections as (name, context function), in page order."""
    return [(name, context) for name, (_, context) in sorted(_home.items(), key=lambda i: i[1][0])]


def home_context(request) -> dict:
    """The home page's context: `sections` (the names, in order) and each section's own."""
    ordered = home_sections()
    context: dict = {"sections": [name for name, _ in ordered]}
    for _, section_context in ordered:
        context.update(section_context(request))
    return context


def register_profile_context(name: str, *, context: ProfileContext) -> None:
    """Add `context(request, person, manages=...)` to every profile page's context."""
    _profile[name] = context


def profile_context(request, person, *, manages: bool) -> dict:
    """What the registered practices add to `person`'s profile page."""
    context: dict = {}
    for contribute in _profile.values():
        context.update(contribute(request, person, manages=manages))
    return context


@dataclass(frozen=True)
class Mark:
    """A short label beside a person's name in a list: `text`, and `tone` for its pill
    (info, warn)."""

    text: str
    tone: str = "info"


PersonMarks = Callable[[Any, list], dict[int, list[Mark]]]
_marks: dict[str, PersonMarks] = {}


def register_person_marks(name: str, *, marks: PersonMarks) -> None:
    """Add `marks(request, people)` ({person_id: [Mark]}) beside the names of a people list."""
    _marks[name] = marks


def mark_people(request, people: list) -> None:
    """Set `person.marks` (a list of Mark) on each of `people`: one call per registered
    practice, each in a fixed number of queries for the whole list."""
    found: dict[int, list[Mark]] = {}
    if people:
        for marks in _marks.values():
            for person_id, labels in marks(request, people).items():
                found.setdefault(person_id, []).extend(labels)
    for person in people:
        person.marks = found.get(person.pk, [])


_pages: dict[str, dict[str, tuple[int, HomeContext]]] = {}


def register_page_section(page: str, name: str, *, order: int, context: HomeContext) -> None:
    """Show `templates/<name>/_<page>.html` on another practice's `page`, lower `order`
    first; `context(request) -> dict` fills it ({} leaves the section out)."""
    _pages.setdefault(page, {})[name] = (order, context)


def page_sections(page: str, request) -> dict:
    """`page`'s context from the registered sections: `practice_sections` (the templates to
    include, in order, only those with something to show) and each section's own names."""
    context: dict = {"practice_sections": []}
    ordered = sorted(_pages.get(page, {}).items(), key=lambda item: item[1][0])
    for name, (_, section_context) in ordered:
        part = section_context(request)
        if part:
            context["practice_sections"].append(f"{name}/_{page}.html")
            context.update(part)
    return context


_privacy: dict[str, tuple[int, ModuleType]] = {}
_demo: dict[str, tuple[int, DemoSeed]] = {}


def register_privacy(name: str, *, order: int, hooks: ModuleType) -> None:
    """Export, erase and delete a person's records of this practice with `hooks`'
    `export`, `erase` and `delete_records` (each optional), lower `order` first."""
    _privacy[name] = (order, hooks)


def privacy_hooks() -> list[tuple[str, ModuleType]]:
    """The registered privacy modules as (name, module), in order."""
    return [(name, hooks) for name, (_, hooks) in sorted(_privacy.items(), key=lambda i: i[1][0])]


def register_demo(name: str, *, order: int, seed: DemoSeed) -> None:
    """Add this practice's demo data after the people exist, lower `order` first."""
    _demo[name] = (order, seed)


def demo_seeds() -> list[tuple[str, DemoSeed]]:
    """The registered demo builders as (name, seed), in order."""
    return [(name, seed) for name, (_, seed) in sorted(_demo.items(), key=lambda i: i[1][0])]


PersonLeft = Callable[[list[int]], Any]
_person_left: dict[str, PersonLeft] = {}


def register_person_left(name: str, *, hook: PersonLeft) -> None:
    """Call `hook(person_ids)` when people leave (were just deactivated)."""
    _person_left[name] = hook


def people_left(person_ids) -> None:
    """Tell the registered practices that these people just left. Hooks must be
    idempotent: a person deactivated twice is reported twice."""
    ids = list(person_ids)
    if not ids:
        return
    for hook in _person_left.values():
        hook(ids)


# --- What needs me, first (issue 24): the home page's ordered to-do list -------------------
#
# `register_todos(name, todos=fn)`: `fn(request) -> list[Todo]`, what this practice asks of
# the viewer now, in a fixed number of queries whatever the data, and no more than the viewer
# may know (counts, never someone else's answers). The home page shows every source's todos
# as one list: overdue first, then by due date (then time), then the undated.

import datetime as _dt  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402


@_dataclass(frozen=True)
class Todo:
    """One thing the viewer must act on. `due`: the day it is due (or happens); `at`: the
    moment it happens, for what has a time (a circle); `overdue`: past `due` and still
    waiting; `urgency`: higher first among todos due the same day."""

    label: str
    url: str
    count: int | None = None
    due: _dt.date | None = None
    at: _dt.datetime | None = None
    overdue: bool = False
    urgency: int = 0

    def sort_key(self) -> tuple:
        return (
            not self.overdue,
            self.due is None,
            self.due or _dt.date.max,
            self.at.timestamp() if self.at else 0.0,
            -self.urgency,
            self.label,
        )


TodoSource = Callable[[Any], list[Todo]]
_todos: dict[str, TodoSource] = {}


def register_todos(name: str, *, todos: TodoSource) -> None:
    """Add `todos(request) -> list[Todo]` to the home page's "what needs you" list."""
    _todos[name] = todos


def todos(request) -> list[Todo]:
    """Every registered practice's todos for the viewer, overdue first, then by due date,
    then the undated."""
    found: list[Todo] = []
    for source in _todos.values():
        found.extend(source(request))
    return sorted(found, key=Todo.sort_key)
