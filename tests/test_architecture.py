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


# -- the import graph of store/ ----------------------------------------------------------------
STORE = ROOT / "store"


def _module_name(path: Path) -> str:
    """`store/search/index.py` -> `store.search.index`; a package is named by its folder."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level or inside functions; only the body of an
    `if TYPE_CHECKING:` is left out (it never runs). A lazy import is still an import."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def store_import_graph() -> dict[str, set[str]]:
    """module -> the modules of store/ it imports (relative imports resolved)."""
    paths = {_module_name(p): p for p in STORE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        if is_package:
            own_packages.add(name)
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                bases = [alias.name for alias in node.names]
                names: list[str] = []
            elif node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                bases = [".".join([*base, node.module] if node.module else base)]
                names = [alias.name for alias in node.names]
            else:
                bases = [node.module or ""]
                names = [alias.name for alias in node.names]
            for base in bases:
                base = base.removeprefix("zwgk.")
                # `from pkg import mod` imports the submodule; `from mod import name` the module.
                subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in paths]
                targets.update(subs or [base])
        for target in targets:
            # Importing a.b.c first runs a/__init__ and a/b/__init__ (a module's own packages
            # are already running when it is imported, so they add no edge).
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                mod = ".".join(parts[:i])
                if mod in paths and mod not in own_packages and mod != name:
                    graph[name].add(mod)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, …, a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_store_import_graph_has_no_cycles() -> None:
    graph = store_import_graph()
    assert "store.db" in graph and graph["store.db"], "the graph builder found no imports"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle in store/: " + " → ".join(cycle or [])


def test_the_graph_builder_sees_lazy_and_relative_imports() -> None:
    """The checker itself: lazy imports count, TYPE_CHECKING does not, `..` and packages resolve."""
    graph = store_import_graph()
    assert "store.unitsplit" in graph["store.importers.table"]  # `from ..unitsplit import …`
    assert "store.export" in graph["store.service"]  # a lazy `from .export import …`
    assert "store.importers.base" not in graph["store.unitsplit"]  # only under TYPE_CHECKING


def test_every_dataclass_has_a_docstring() -> None:
    """Without one, `@dataclass` writes one from `inspect.signature` when the module is
    imported: 0.1–0.4 ms a class (the first the most), paid by every command that loads it."""
    missing = []
    for folder in ("store", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.ClassDef)
                    and any(ast.unparse(d).startswith("dataclass") for d in node.decorator_list)
                    and ast.get_docstring(node) is None
                ):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not missing, missing


def test_store_declares_its_classes_without_dataclasses() -> None:
    """store/record.py gives the same classes without `dataclasses` (and the `inspect` it
    loads), which every one-shot command would otherwise pay for; tui/ loads Textual anyway."""
    users = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "store").rglob("*.py")
        if "dataclasses" in imported_modules(path)
    ]
    assert users == []


def runtime_typing_imports(source: str) -> list[int]:
    """Lines of `source` importing `typing` outside an `if TYPE_CHECKING:` block."""
    found: list[int] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, guarded)
            return
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
        if not guarded and any(n == "typing" or n.startswith("typing.") for n in names):
            found.append(node.lineno)  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(ast.parse(source), False)
    return found


def test_the_command_line_path_imports_typing_only_for_mypy() -> None:
    """store/ and tui/cli/ name typing's types under `TYPE_CHECKING` only (`cast` and
    `overload` come from store/lighttyping.py): `typing` costs each command ~4 ms."""
    files = [*(ROOT / "store").rglob("*.py"), *(ROOT / "tui" / "cli").rglob("*.py")]
    found = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := runtime_typing_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    sample = "from typing import Any\nif TYPE_CHECKING:\n    from typing import IO\n"
    assert runtime_typing_imports(sample) == [1]  # the guard sees what it must
