"""Layering rules that keep the code easy to live in."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_store_never_imports_the_ui() -> None:
    for path in (ROOT / "store").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.startswith(("zwgk.tui", "textual", "rich"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_command_line_modules_do_not_import_textual() -> None:
    for path in (ROOT / "tui" / "cli").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m.split(".")[0] == "textual"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_our_packages_live_inside_the_zwgk_namespace() -> None:
    """No module imports a bare `store`/`tui`/`data`: installed, those names are `zwgk.*`."""
    for folder in ("store", "tui", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            bad = {m for m in imported_modules(path) if m.split(".")[0] in ("store", "tui", "data")}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
