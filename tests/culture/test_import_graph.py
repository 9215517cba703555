"""No import cycles among the product's packages, function-local imports included.

A cycle that only works because one side imports inside a function still ties two modules
together: neither can be read, tested or moved without the other, and the order in which
they happen to load decides whether it runs. DESIGN.md: services never import tasks modules;
tasks import services at the top. This builds the graph from the source with `ast` (every
`import` and `from ... import` anywhere in a module, under `if TYPE_CHECKING:` too) and fails
on any strongly connected group of modules, printing one cycle through it.

Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first, so those count as edges;
`from a.b import c` is an edge to the submodule `a.b.c` when there is one, else to `a.b`.
Models that name each other in string references ("app.Model") import nothing and are fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "culture",
    "keeper",
    "feedback",
    "decisions",
    "pay",
    "sso",
    "webhooks",
    "chat",
    "context",
    "freedom",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[_module_name(path)] = path
    return modules


def _with_parents(name: str, modules: dict[str, Path]) -> set[str]:
    """`name` and the packages above it that exist in the product."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & modules.keys()


def imports_of(name: str, source: str, modules: dict[str, Path], *, is_package=False) -> set[str]:
    tree = ast.parse(source, filename=name)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets |= _with_parents(alias.name, modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                # A package's own level-1 import is relative to itself, a module's to its parent.
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets |= _with_parents(source, modules)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in modules:
                    targets.add(sub)
    targets.discard(name)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = product_modules()
    return {
        name: imports_of(name, path.read_text(), modules, is_package=path.name == "__init__.py")
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        # Iterative, so a deep graph cannot hit the recursion limit.
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.add(w)
                        if w == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_one_cycle(graph, group) for group in groups]


def _one_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest way from the group's first module back to itself (breadth first)."""
    start = min(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for w in sorted(graph[node] & group):
                if w == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in previous:
                    previous[w] = node
                    following.append(w)
        frontier = following
    raise AssertionError(f"no cycle in {group}")


def test_the_graph_sees_every_import_statement_including_inside_functions():
    modules = product_modules()
    source = """
from typing import TYPE_CHECKING
import culture.models
from keeper.services import sweep
from . import forms

if TYPE_CHECKING:
    from decisions.models import Memo

def later():
    from pay.api import current_base_salary
    import sso.config
"""
    assert imports_of("feedback.views.circles", source, modules) == {
        "culture",
        "culture.models",
        "keeper",
        "keeper.services",
        "keeper.services.sweep",
        "feedback",
        "feedback.views",
        "decisions",
        "decisions.models",
        "pay",
        "pay.api",
        "sso",
        "sso.config",
    }


def test_the_cycle_finder_finds_a_cycle_and_ignores_a_chain():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_product_packages_have_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "Import cycles (A -> B means A imports B):\n" + "\n".join(
        " -> ".join(cycle) for cycle in found
    )


def test_services_never_import_tasks_modules():
    graph = import_graph()
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if ".services" in f".{name}"
        for target in targets
        if target.endswith(".tasks")
    )
    assert not wrong, "Services import tasks modules:\n" + "\n".join(wrong)
