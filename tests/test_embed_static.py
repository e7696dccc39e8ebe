"""The published embed widget lists in the browser what ``/embed`` lists on the server (webapp/static/embed.js).

The script's pure core runs under Node on the demo's compact index (:func:`webapp.publish_catalogue.catalogue_index`,
with its words) for a table of widget queries; each answer (the circuits shown, in order, and how many match in
all, or the error message) must be the server's (:func:`webapp.embed.find_trails` as the ``/embed`` route calls
it). The published pages themselves are checked in Chromium against nginx (tests/browser/test_published_site_browser.py).
Without Node the test is skipped on a developer's machine and fails under CI.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from helpers import open_db, require_tool
from poi.resources import resource
from trails.errors import FilterError
from trails.filter_index import search
from trails.store import TrailStore
from webapp.publish_catalogue import catalogue_index, catalogue_words

QUERIES = [
    "", "limit=5", "limit=50", "limit=%207", "theme=For%C3%AAt", "theme=Eau+et+g%C3%A9ologie&limit=3",
    "difficulty=easy", "difficulty=moyen&limit=20", "min_duration=1h&max_duration=2h", "max_duration=90",
    "commune=Meyrueis", "commune=meyrueis&limit=2", "commune=Vialas", "commune=Le+Pont-de-Montvert",
    "commune=pont+montvert", "commune=Saint", "commune=Quezac", "commune=Ispagnac&difficulty=easy",
    "commune=Valleraugue&theme=For%C3%AAt", "commune=Sainte-Enimie&q=gorges", "commune=Nowhere",
    "commune=Saint-Germain-de-Calberte&commune=&limit=1", "q=moulin&limit=3", "near=44.35,3.6&radius_km=25",
    "town=Florac&radius_km=5", "loop=1&max_ascent=300", "lang=en&difficulty=hard",
    # errors: the server's 400 page says the same
    "limit=0", "limit=51", "limit=abc", "difficulty=impossible", "min_duration=2x", "radius_km=5",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from webapp.demo import build_demo

    path = tmp_path_factory.mktemp("embed") / "balise.db"
    db = open_db(path)
    build_demo(db)
    db.conn.close()
    return path


def node_answers(index: dict, messages: dict, queries: list[str], tmp_path) -> list[dict]:
    node = require_tool("node")
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (tmp_path / "input.json").write_text(json.dumps({"queries": queries, **messages}), encoding="utf-8")
    script = f"""
const fs = require("fs");
const C = require({json.dumps(str(resource("static") / "catalogue.js"))});
const E = require({json.dumps(str(resource("static") / "embed.js"))});
const index = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "index.json"))}, "utf8"));
const input = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / "input.json"))}, "utf8"));
const out = input.queries.map((q) => {{
  try {{
    const found = E.findTrails(index, input.params, q, input.msg.bad_limit);
    return {{ids: found.rows.map((t) => t[C.T.id]), total: found.total}};
  }} catch (e) {{
    if (!(e instanceof C.FilterError)) throw e;
    return {{error: e.message}};
  }}
}});
process.stdout.write(JSON.stringify(out));
"""
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def server_answers(app, queries: list[str], lang: str) -> tuple[list[dict], dict]:
    """What the ``/embed`` route lists for each query, and the script's data of the published widget."""
    from flask import request

    from webapp.api import int_param
    from webapp.embed import LIMIT, MAX_LIMIT, find_trails, static_data
    from webapp.params import ParamError

    answers = []
    for query in queries:
        with app.test_request_context(f"/embed?{query}&lang={lang}"):
            app.preprocess_request()  # the language of the request
            try:
                limit = int_param("limit", LIMIT, 1, MAX_LIMIT)
                trails, total, _filters = find_trails(request.args, limit)
                answers.append({"ids": [t.id for t in trails], "total": total})
            except (FilterError, ParamError) as e:
                answers.append({"error": str(e)})
    with app.test_request_context(f"/embed?lang={lang}"):
        app.preprocess_request()
        data = static_data("widget")
    return answers, data


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_published_widget_lists_what_the_server_lists(demo, lang, tmp_path):
    from webapp import create_app

    app = create_app({"DATABASE": str(demo), "TESTING": True})
    db = open_db(demo)
    store = TrailStore(db)
    index = {**catalogue_index(store, lang, 20), "words": catalogue_words(search(store).trails)}
    db.conn.close()
    expected, data = server_answers(app, QUERIES, lang)
    answers = node_answers(index, data, QUERIES, tmp_path)
    for query, got, want in zip(QUERIES, answers, expected):
        assert got == want, query
    assert sum("error" in a for a in expected) == 6  # the table holds the error cases
    communes = {q: a["total"] for q, a in zip(QUERIES, expected) if q.startswith("commune=")}
    assert communes["commune=Nowhere"] == 0 and all(n for q, n in communes.items() if q != "commune=Nowhere"), communes
    assert communes["commune=Saint"] > communes["commune=Meyrueis"] >= 5  # a word of many communes

