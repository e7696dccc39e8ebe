"""The data flows one way: poi -> trails -> exporter -> webapp; only webapp knows Flask."""
import ast
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


def test_no_sql_outside_store_modules():
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            # filters build WHERE clauses; mbtiles.py reads a tile file format that happens to be SQLite
            if path.name.endswith("store.py") or path.name in ("filters.py", "filter_index.py", "mbtiles.py"):
                continue
            text = path.read_text(encoding="utf-8")
            assert ".execute(" not in text, f"{path.relative_to(ROOT)} runs SQL outside a store module"
