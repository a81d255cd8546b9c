"""No import cycle in durable/, and no import hidden in a function to dodge one.

The graph is read from the source (ast), not from what happens to be imported: every
``import`` and ``from ... import`` of a durable module, at module level or inside a
function, is an edge; imports under ``if TYPE_CHECKING:`` are not (they never run).
Importing ``a.b.c`` runs the packages ``a`` and ``a.b`` first, so those are edges too
(except the importer's own packages: they ran before it).

An import inside a function is allowed only where a module below says why: deferring an
import to keep the command line's start-up fast is a reason; dodging a cycle is not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import durable

ROOT = Path(durable.__file__).parent

LAZY_IMPORTS_ALLOWED = {
    "durable.cli": "the command line imports a command's modules when it runs (start-up time)",
    "durable._cli": "the command line imports a command's modules when it runs (start-up time)",
    "durable._cli.*": "the command line imports a command's modules when it runs (start-up time)",
}
"""Module (fnmatch pattern) -> why it may import durable modules inside functions."""


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool
    implied: bool  # a package run on the way to the module the statement names


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:  # the else branch does run
                yield from _import_nodes(other, in_function)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _import_nodes(child, nested)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node, in_function in _import_nodes(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` imports mod.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for target in targets:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):  # the packages on the way run first
                imported = ".".join(parts[:i])
                if imported in modules and imported != name and not name.startswith(imported + "."):
                    # (a package of the importer's own runs before the importer: no edge)
                    yield Import(name, imported, node.lineno, in_function, implied=i < len(parts))


def _graph() -> tuple[dict[str, set[str]], list[Import]]:
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    found: list[Import] = []
    for name, path in modules.items():
        for imp in _imports(name, path, modules):
            edges[name].add(imp.imported)
            found.append(imp)
    return edges, found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [_a_cycle(edges, component) for component in components]


def _a_cycle(edges: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, as a path that returns to it."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v] & component):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle in component {component}")


def _allowed(module: str, table: dict[str, str]) -> bool:
    return any(fnmatch(module, pattern) for pattern in table)


def test_the_graph_sees_module_and_function_level_imports_but_not_type_checking_ones() -> None:
    edges, found = _graph()
    assert "durable._replay.events" in edges["durable._replay.ledger"]
    assert any(i.in_function for i in found), "the command line's lazy imports are function-level imports"
    # runtime.py names the instance only for type checking: no edge.
    assert "durable._replay.instance" not in edges["durable._replay.runtime"]
    assert "durable._replay.runtime" in edges["durable._replay.instance"]


def test_the_cycle_finder_finds_a_cycle_and_names_it() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_durable() -> None:
    edges, _ = _graph()
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_durable_import_inside_a_function_without_a_reason() -> None:
    _, found = _graph()
    hidden = sorted(
        f"{i.importer} (line {i.line}) imports {i.imported}"
        for i in found
        if i.in_function and not i.implied and not _allowed(i.importer, LAZY_IMPORTS_ALLOWED)
    )
    assert not hidden, "imports inside functions (move them to the top, or give the module a reason):\n" + "\n".join(
        hidden
    )


def test_every_allowed_module_exists() -> None:
    modules = _modules()
    for pattern in LAZY_IMPORTS_ALLOWED:
        assert any(fnmatch(m, pattern) for m in modules), f"{pattern} names no module: drop it from the allow-list"
