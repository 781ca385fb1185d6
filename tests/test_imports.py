"""Imports flow one way: cli -> transport | board -> tools -> store -> domain, and no module of
ours imports itself back through another (not even under TYPE_CHECKING or inside a function);
and no file is over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "worktrail"
# A layer may import the layers after it, never one before it.
LAYERS = ("cli", "transport", "board", "tools", "store", "domain")
SIDE_BY_SIDE = {frozenset({"transport", "board"})}


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("worktrail"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (SRC / candidate.replace(".", "/")).with_suffix(".py").exists()
                found.add(candidate if is_module else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("worktrail")}
    return found


def _graph() -> dict[str, set[str]]:
    return {_module(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_no_module_imports_itself_back_through_another() -> None:
    graph, cycles, state = _graph(), [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                cycles.append(" -> ".join([*path[path.index(dep) :], dep]))
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_layers_import_only_the_layers_below_them() -> None:
    upward = []
    for module, deps in _graph().items():
        mine = _layer(module)
        for dep in deps:
            theirs = _layer(dep)
            if mine is None or theirs is None or mine == theirs or frozenset({mine, theirs}) in SIDE_BY_SIDE:
                continue
            if LAYERS.index(theirs) < LAYERS.index(mine):
                upward.append(f"{module} imports {dep}")
    assert upward == []


def test_no_file_of_ours_is_over_400_lines() -> None:
    root = SRC.parent
    files = [*PACKAGE.rglob("*.py"), *(root / "tests").glob("*.py"), *(root / "benchmarks").glob("*.py")]
    long = {str(f.relative_to(root)): n for f in files if (n := len(f.read_text().splitlines())) > 400}
    assert len(files) > 100 and long == {}, f"split these by concept: {long}"


FAMILIES = ("tasks", "endeavours", "resources", "rituals", "missions", "workflows", "executions")


def test_a_family_looks_the_same_in_tools_and_in_store() -> None:
    """Each family is a folder named for it in both layers, and none is left beside the registry."""
    for layer in ("tools", "store"):
        folders = {p.name for p in (PACKAGE / layer).iterdir() if (p / "__init__.py").exists()}
        assert set(FAMILIES) <= folders, f"{layer}/ lacks a folder for {set(FAMILIES) - folders}"
    loose = {p.stem for p in (PACKAGE / "tools").glob("*.py")} & {*FAMILIES, "keys", "ritual_runs"}
    assert loose == set(), f"tools/ still has {loose} beside the registry"
