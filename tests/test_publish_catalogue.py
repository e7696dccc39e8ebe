"""The published catalogue filters in the browser exactly as the server does (webapp/static/catalogue.js).

The script's pure core runs under Node on the compact index of the demo catalogue
(:func:`webapp.publish_catalogue.catalogue_index`) for a table of filter combinations; each answer (the
page of circuits, the total, every facet count, the filter sentences, or the error message) must be the
server's (:func:`trails.filter_index.search`, as the catalogue page calls it). Without Node the test is
skipped on a developer's machine and fails under CI.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from poi.i18n import language
from poi.resources import resource
from helpers import open_db
from trails.errors import FilterError
from trails.filter_index import search
from trails.filters import FilterSet
from trails.store import TrailStore
from trails.towns import TownFinder
from webapp.publish_catalogue import catalogue_index, catalogue_words

QUERIES = [
    "", "page=2", "page=6", "sort=-duration", "sort=length&page=3", "sort=ascent", "sort=-name",
    "difficulty=easy", "difficulty=easy,medium", "difficulty=Très facile", "difficulty=moyen&difficulty=hard",
    "theme=Forêt", "theme=Eau et géologie&theme=Forêt", "practice=walking", "practice=vtt",
    "route_type=loop", "loop=1", "loop=1&route_type=one_way", "accessibility=pushchair",
    "min_duration=1h&max_duration=2h30", "max_duration=90", "min_duration=4h", "min_duration=1,5 h",
    "max_duration=1:45&difficulty=easy", "min_length_km=5,5&max_length_km=12", "max_ascent=300",
    "min_ascent=500&sort=-duration", "q=moulin", "q=chateau tournel", "q=Église", "q=gr 11",
    "near=44.35,3.6&radius_km=25", "near=42.55,1.55&radius_km=7.5&difficulty=hard", "town=Florac",
    "town=florac&radius_km=5", "town=Andorra", "q=sentier&sort=duration&page=2",
    "theme=Forêt&max_duration=3h&loop=1", "difficulty=easy&theme=Forêt&min_duration=1h",
    # errors: the same message as the server's 400 page
    "min_duration=2x", "min_duration=3h&max_duration=1h", "difficulty=impossible", "loop=maybe",
    "near=44.3&radius_km=5", "radius_km=5", "near=44,3&town=Florac", "sort=height", "page=0",
    "town=Nowhere-sur-Mer", "min_length_km=-3",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from webapp.demo import build_demo

    path = tmp_path_factory.mktemp("catalogue") / "balise.db"
    db = open_db(path)
    build_demo(db)
    yield db
    db.conn.close()


def node_answers(index: dict, queries: list[str], tmp_path) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("node is missing: install Node 20 to run the catalogue script's tests")
        pytest.skip("node is not installed")
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (tmp_path / "queries.json").write_text(json.dumps(queries), encoding="utf-8")
    script = f"""
const fs = require("fs");
const c = require({json.dumps(str(resource("static") / "catalogue.js"))});
const index = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "index.json"))}, "utf8"));
const out = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "queries.json"))}, "utf8")).map((q) => {{
  try {{
    const r = c.search(index, q);
    return {{ids: r.ids, total: r.total, facets: r.facets, descriptions: r.descriptions}};
  }} catch (e) {{
    if (!(e instanceof c.FilterError)) throw e;
    return {{error: e.message}};
  }}
}});
process.stdout.write(JSON.stringify(out));
"""
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def server_answer(store: TrailStore, query: str) -> dict:
    """What the catalogue page computes for ``/?query`` (webapp.public._render_catalogue)."""
    args = MultiDict(parse_qsl(query, keep_blank_values=True))
    try:
        page = args.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            raise FilterError(f"page must be a whole number from 1, not {page!r}")
        filters = FilterSet.from_params(args, towns=TownFinder(store))
        result = search(store, filters, sort=args.get("sort") or "name", limit=20, offset=(int(page) - 1) * 20)
    except FilterError as e:
        return {"error": str(e)}
    return {"ids": [t.id for t in result.trails], "total": result.total, "facets": result.facets,
            "descriptions": filters.describe(skip=("published",))}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_browser_filters_give_the_servers_answers(demo, lang, tmp_path):
    store = TrailStore(demo)
    index = {**catalogue_index(store, lang, 20), "words": catalogue_words(search(store).trails)}
    answers = node_answers(index, QUERIES, tmp_path)
    with language(lang):
        expected = [server_answer(store, q) for q in QUERIES]
    for query, got, want in zip(QUERIES, answers, expected):
        if "error" in want and query.startswith("page="):
            assert "error" in got, query  # the page number's message is the page's own, not a filter's
            continue
        assert got == want, query
    assert sum("error" in a for a in expected) == 12  # the table does hold the error cases
    empty = [q for q, a in zip(QUERIES, expected) if "error" not in a and not a["total"]]
    assert empty == ["accessibility=pushchair"], empty  # the others select some circuits (no accessibility data in the demo)


def test_index_is_compact(demo):
    index = catalogue_index(TrailStore(demo), "fr", 20)
    size = len(json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode())
    per_hundred = size / len(index["trails"]) * 100
    assert per_hundred < 25_000, per_hundred  # the words of the text search come apart, on demand
    gzipped = len(gzip.compress(json.dumps(index["trails"], separators=(",", ":")).encode())) / len(index["trails"])
    assert gzipped * 100 < 6_000, gzipped
