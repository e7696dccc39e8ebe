"""The data flows one way: poi -> trails -> exporter -> webapp; only webapp knows Flask; no import cycles."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LAYERS = ["poi", "trails", "exporter", "webapp"]
FORBIDDEN = {
    "poi": {"trails", "exporter", "webapp", "flask", "folium"},
    "trails": {"exporter", "webapp", "flask", "folium"},
    "exporter": {"webapp", "flask"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_no_import_runs_backwards(package):
    for path in (ROOT / package).rglob("*.py"):
        bad = imported_modules(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


# -- no import cycle -----------------------------------------------------------------------------
def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """``dotted name -> file`` of every module of the project's packages (a package is its ``__init__``)."""
    modules = {}
    for package in LAYERS:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:`` (never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """``module -> project modules it imports`` at run time: top-level and function-level imports,
    absolute and relative, ``from package import module`` counted as importing the module;
    imports under ``if TYPE_CHECKING:`` and in docstrings are not run, so not counted."""

    def owner(name: str) -> str | None:  # the project module that defines ``name`` (itself or a parent)
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        skipped = _type_checking_only(tree)
        targets = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets.update(owner(a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets.update(owner(f"{base}.{a.name}") if f"{base}.{a.name}" in modules else owner(base)
                               for a in node.names)
        graph[name] = targets - {None, name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle ``[a, b, ..., a]`` of ``graph``, or None (depth-first search, sorted for stable reports)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_find_cycle_reports_the_ring():
    graph = {"poi.store": {"poi.dedup"}, "poi.dedup": {"poi.provenance_store"},
             "poi.provenance_store": {"poi.store"}, "poi.models": set()}
    assert find_cycle(graph) == ["poi.dedup", "poi.provenance_store", "poi.store", "poi.dedup"]
    graph["poi.provenance_store"] = {"poi.models"}
    assert find_cycle(graph) is None


def test_import_graph_sees_function_level_and_relative_imports(tmp_path):
    (tmp_path / "poi").mkdir()
    (tmp_path / "poi" / "__init__.py").write_text("")
    (tmp_path / "poi" / "store.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from poi import dedup\n"
        "def f():\n    from .provenance import X\n")
    (tmp_path / "poi" / "provenance.py").write_text("from . import store\n")
    for package in LAYERS[1:]:
        (tmp_path / package).mkdir()
    graph = import_graph(project_modules(tmp_path))
    assert graph["poi.store"] == {"poi.provenance"} and graph["poi.provenance"] == {"poi.store"}
    assert find_cycle(graph) == ["poi.provenance", "poi.store", "poi.provenance"]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per knot (strongly connected component of more than one module) of ``graph``."""
    reach = {node: _reachable(graph, node) for node in graph}
    knots, seen = [], set()
    for node in sorted(graph):
        if node in seen:
            continue
        knot = {other for other in reach[node] if node in reach.get(other, ())}
        if node in knot:
            seen |= knot
            knots.append(find_cycle({n: graph[n] & knot for n in knot}))
    return knots


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    found, todo = set(), list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in found:
            found.add(node)
            todo.extend(graph.get(node, ()))
    return found


#: Knots being untied elsewhere. Remove an entry when its knot is gone: the test fails while a listed
#: knot no longer exists.
PENDING: list[set[str]] = []


def test_no_import_cycle():
    found = cycles(import_graph(project_modules()))
    knots = [c for c in found if not any(set(c) <= pending for pending in PENDING)]
    assert not knots, "import cycles:\n" + "\n".join(" -> ".join(c) for c in knots)
    gone = [pending for pending in PENDING if not any(set(c) <= pending for c in found)]
    assert not gone, f"no more import cycle among {gone}: remove them from PENDING"


#: A statement of SQL in a string: what only ``*store.py`` modules may hold.
SQL = re.compile(r"\b(SELECT\b.+\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM"
                 r"|CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)|DROP\s+TABLE|PRAGMA\s+\w+)\b", re.S)
#: Modules that may hold SQL without being stores: the filters produce their own WHERE fragments (STYLE.md 7:
#: "each filter has a key, produces its SQL and a human sentence"), which trails/filter_store.py runs.
SQL_FRAGMENTS = {"trails/filter_base.py", "trails/filter_kinds.py"}


def sql_in(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of each string (an f-string as a whole; docstrings not) that holds an SQL
    statement, and of each ``.execute(``-like call."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    skipped |= {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "executescript"):
            text = f".{node.attr}("
        else:
            continue
        if text.startswith(".execute") or SQL.search(text):
            found.append((node.lineno, text[:60]))
    return found


def test_sql_in_finds_statements_and_calls_not_docstrings(tmp_path):
    path = tmp_path / "x.py"
    path.write_text('"""SELECT * FROM trails in a docstring."""\n'
                    'def f(db, t):\n    """PRAGMA user_version"""\n'
                    '    db.execute(f"DELETE FROM {t} WHERE id = ?", [1])\n'
                    '    return "select the trails from the list"\n')
    assert sql_in(path) == [(4, ".execute("), (4, "DELETE FROM  WHERE id = ?")]


def test_no_sql_outside_store_modules():
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if path.name.endswith("store.py"):
                continue
            found = sql_in(path)
            if name in SQL_FRAGMENTS:  # fragments only: never run here
                found = [(line, text) for line, text in found if text.startswith(".execute")]
            assert not found, f"{name} holds SQL outside a store module: {found}"
