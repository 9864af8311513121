"""The packages' layers point one way (issue #20): the shared runtime and the back office never
import what sits above them, and the two leaves — the value shapes and the dialogue names — import
nothing of the project but each other's names (shapes names its entities by dialogue's). Read from each
module's imports (every import statement, also those inside functions), so a cycle cannot come back
unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# Top-level folders of the project that Python code can import.
PROJECT_PACKAGES = {
    path.parent.name for path in PROJECT.glob("*/__init__.py") if not path.parent.name.startswith(".")
} | {"scripts"}

# package → project packages it must not import
FORBIDDEN: Dict[str, Set[str]] = {
    "runtime": {"tickets", "web", "actions", "action_server", "chinese_nlp"},
    "tickets": {"web", "actions", "action_server", "chinese_nlp"},
    "shapes": PROJECT_PACKAGES - {"shapes", "dialogue"},
    "dialogue": PROJECT_PACKAGES - {"dialogue"},
}


def _modules(package: str) -> Iterator[Path]:
    yield from sorted((PROJECT / package).rglob("*.py"))


def _imported(source: str, path: Path) -> Iterator[Tuple[int, str]]:
    """(line, dotted name) of every module the module at `path` imports, relative imports resolved."""
    tree = ast.parse(source, filename=str(path))
    package_parts = list(path.relative_to(PROJECT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                yield node.lineno, ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.lineno, node.module


def _violations(package: str) -> List[str]:
    found = []
    for path in _modules(package):
        for line, name in _imported(path.read_text(encoding="utf-8"), path):
            if name.split(".")[0] in FORBIDDEN[package]:
                found.append(f"{path.relative_to(PROJECT)}:{line} imports {name}")
    return found


def test_the_project_packages_are_found():
    assert {"runtime", "tickets", "shapes", "web", "actions", "chinese_nlp"} <= PROJECT_PACKAGES


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down_only(package):
    assert _violations(package) == [], f"{package}/ must not import {sorted(FORBIDDEN[package])}"


def test_the_reader_sees_imports_inside_functions_and_relative_ones():
    source = "from . import calls\nfrom ..tickets import db\n\ndef later():\n    import web.server\n"
    names = sorted(name for _, name in _imported(source, PROJECT / "runtime" / "settings.py"))
    assert names == ["runtime", "tickets", "web.server"]
