"""``balise trails``: the filter engine from the command line (DESIGN.md CLI contract)."""
from __future__ import annotations

import json

import pytest

from poi.store import transaction
from test_filters import cevennes_trails
from trails.store import TrailStore
from webapp.cli import cli

from helpers import open_db

CONTRACT = {"id", "name", "length_m", "ascent_m", "descent_m", "duration_min", "duration_computed_min",
            "duration_source", "difficulty", "themes", "route_type", "practice"}


@pytest.fixture
def catalogue(runner, db_path):
    db = open_db(db_path)
    trails = cevennes_trails()
    store = TrailStore(db)
    with transaction(db):
        for trail in trails:
            store.save(trail)
    db.conn.close()
    return trails


def run_json(runner, *args):
    result = runner.invoke(cli, ["trails", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_is_an_array_of_trail_summaries_of_every_trail_by_default(runner, catalogue):
    rows = run_json(runner)
    assert len(rows) == 93 > len([t for t in catalogue if t.published])
    assert all(CONTRACT <= set(r) for r in rows)
    assert [r["name"] for r in rows][:2] == ["Arboretum de l'Hort de Dieu", "Autour de Cazebonne"]


def test_published_lists_published_trails_only(runner, catalogue):
    rows = run_json(runner, "--published")
    assert len(rows) == len([t for t in catalogue if t.published])
    assert all(r["published"] for r in rows)
    assert len(run_json(runner, "--all")) == 93


def test_filters_from_the_command_line(runner, catalogue):
    rows = run_json(runner, "--max-duration", "2h30", "--difficulty", "easy", "--difficulty", "very_easy",
                    "--loop")
    expected = {t.name for t in catalogue if t.duration_min <= 150 and t.difficulty in ("easy", "very_easy")
                and t.effective_route_type == "loop"}
    assert {r["name"] for r in rows} == expected and expected
    assert all(r["duration_min"] <= 150 and r["route_type"] == "loop" for r in rows)


def test_near_theme_text_and_lengths(runner, catalogue):
    near = run_json(runner, "--near", "44.177454,3.429864", "--radius-km", "1")
    assert "Pauparelle" in {r["name"] for r in near}
    assert [r["name"] for r in run_json(runner, "--q", "moulin bouges")] == ["Moulin du Bougès"]
    forest = run_json(runner, "--theme", "Forêt", "--min-length-km", "10", "--max-ascent", "700")
    assert forest and all("Forêt" in r["themes"] and r["length_m"] >= 10000 and r["ascent_m"] <= 700
                          for r in forest)
    bikes = run_json(runner, "--practice", "VTT", "--sort", "-length", "--limit", "3")
    assert [r["practice"] for r in bikes] == ["mountain_bike"] * 3
    assert bikes[0]["length_m"] >= bikes[1]["length_m"] >= bikes[2]["length_m"]


def test_json_with_facets_is_one_object(runner, catalogue):
    data = run_json(runner, "--difficulty", "easy", "--facets")
    assert set(data) == {"trails", "total", "facets", "filters"}
    assert data["total"] == len(data["trails"])
    assert data["filters"] == ["difficulty: easy"]
    assert data["facets"]["difficulty"]["medium"] > 0  # counted under the other filters


def test_table_shows_trails_filter_sentences_and_facets(runner, catalogue):
    result = runner.invoke(cli, ["trails", "--max-duration", "1h", "--loop"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "name", "km", "D+", "m", "duration", "difficulty", "route", "themes"]
    assert "Filters: walking time under 1 h; loops only" in lines
    assert any(line.startswith("difficulty: ") for line in lines)
    assert any(line.startswith("route type: loop ") for line in lines)


def test_table_in_french(runner, catalogue):
    result = runner.invoke(cli, ["--lang", "fr", "trails", "--max-duration", "1h30", "--published"])
    assert result.exit_code == 0, result.output
    assert "Filtres : marche de moins de 1 h 30; publiés uniquement" in result.output


@pytest.mark.parametrize("args, message", [
    (["--max-duration", "2x"], 'cannot read the duration "2x"'),
    (["--difficulty", "impossible"], 'unknown difficulty "impossible"'),
    (["--near", "44.2"], '"near" must be "latitude,longitude"'),
    (["--radius-km", "3"], '"radius_km" needs "near"'),
    (["--sort", "colour"], 'unknown sort "colour"'),
])
def test_bad_values_exit_2_with_one_line(runner, catalogue, args, message):
    result = runner.invoke(cli, ["trails", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stderr.startswith("balise: error: ")


def test_empty_database(runner):
    assert run_json(runner) == []
