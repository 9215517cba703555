"""The core does not import the practices (issue 20, point 4).

culture/ is what every practice builds on (people, the reporting tree, the permission gate's
primitives, notifications); the practice apps build on it, never the other way round. Where a
core page shows a practice's part, the practice registers itself (culture/sections.py) or is
found by its app name (the privacy export and erasure, the demo seeds, the beat schedule), so
no module in culture/ names a practice module in an import.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRACTICES = {"keeper", "feedback", "decisions", "pay", "api", "freedom", "context"}
# Where culture/ may name a practice module, and why.
ALLOWED = {
    # The project's URL configuration mounts each practice's URLs (by dotted name).
    "culture/urls.py",
}
# Calls that import a module named by a string.
IMPORTING_CALLS = {"import_module", "__import__", "include", "find_spec", "import_string"}


def _practice(module: str | None) -> str | None:
    top = (module or "").split(".", 1)[0]
    return top if top in PRACTICES else None


def practice_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) for every import of a practice module in `source`: `import x`,
    `from x import y` (at module level or inside a function), and calls such as
    `importlib.import_module("x.y")` or `include("x.urls")` with a literal name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _practice(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and _practice(node.module):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in IMPORTING_CALLS and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and _practice(str(arg.value)):
                    found.append((node.lineno, arg.value))
    return found


def test_the_core_imports_no_practice_app():
    offending = []
    for path in sorted((ROOT / "culture").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        for line, module in practice_imports(path.read_text()):
            offending.append(f"{relative}:{line} imports {module}")
    assert offending == [], "the core imports a practice app:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "source",
    [
        "from keeper.models import KeeperTest",
        "import pay.api",
        "def f():\n    from feedback import access\n",
        "import importlib\nimportlib.import_module('decisions.home')",
        "from django.urls import include\ninclude('pay.urls')",
    ],
)
def test_the_check_sees_every_kind_of_import(source):
    assert practice_imports(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from culture import access",
        "from . import keeper",  # a relative import stays inside its own package
        "import payments",
        "importlib.import_module(f'{app}.privacy')",  # found by app name, not named here
    ],
)
def test_the_check_passes_the_cores_own_imports(source):
    assert practice_imports(source) == []
