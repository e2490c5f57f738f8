"""The package rules of the architecture (docs: DESIGN.md, "Packages and what each may
touch"), checked from the source: each package imports only the packages below it.

"May import" is transitive (display may import render, and render imports world, so
display may use world's math). One exception is written down here: the session's
conversation record folds dialogue steps with the pure dialogue runtime
(`partners.dialogue`), which itself imports nothing of ours but `authoring`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vrtherapy

ROOT = Path(vrtherapy.__file__).parent

MAY_IMPORT: dict[str, set[str]] = {
    "authoring": set(),
    "session": {"authoring"},
    "world": {"authoring"},
    "audio": {"authoring"},
    "partners": {"authoring", "world"},
    "render": {"world"},
    "display": {"render"},
    "console": {"session"},
    "reports": {"session", "authoring"},
}
EXCEPTIONS = {("session", "vrtherapy.partners.dialogue")}


def _closure(package: str) -> set[str]:
    seen: set[str] = set()
    todo = [package]
    while todo:
        for below in MAY_IMPORT[todo.pop()]:
            if below not in seen:
                seen.add(below)
                todo.append(below)
    return seen


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("vrtherapy.")}


def test_every_package_imports_only_what_the_architecture_allows() -> None:
    broken: list[str] = []
    for package in sorted(MAY_IMPORT):
        allowed = _closure(package) | {package}
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in sorted(_imports(path)):
                target = module.split(".")[1]
                if target not in allowed and (package, module) not in EXCEPTIONS:
                    broken.append(f"{path.relative_to(ROOT.parent)} imports {module}")
    assert not broken, "\n".join(broken)


def test_nothing_below_the_wiring_imports_app_or_cli() -> None:
    for package in MAY_IMPORT:
        for path in (ROOT / package).rglob("*.py"):
            for module in _imports(path):
                assert module.split(".")[1] not in {"app", "cli"}, (path, module)


def test_the_excepted_dialogue_runtime_stays_pure() -> None:
    imported = _imports(ROOT / "partners" / "dialogue.py")
    assert {m.split(".")[1] for m in imported} <= {"authoring"}, imported
