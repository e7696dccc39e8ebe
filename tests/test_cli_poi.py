"""``balise poi import | search | list`` through click's CliRunner (db in a temp file)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from poi.i18n import current_language, set_language
from poi.store import PoiStore
from trails.models import Trail
from trails.store import TrailStore
from webapp.cli import cli

from helpers import open_db

SOURCES = Path(__file__).parent / "data" / "sources"
TOULOUSE = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_first-300.geojson"
TRUNCATED = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_truncated.geojson"
MERIMEE = SOURCES / "merimee" / "merimee-classic-export__3-rows_dpt-10_no-coords.csv"
BAD_ROWS = SOURCES / "csv" / "toulouse_bad-rows.csv"
LATIN1 = SOURCES / "csv" / "toulouse_latin-1_semicolon.csv"
CUSTOM = SOURCES / "csv" / "toulouse_custom-coordinate-columns.csv"


@pytest.fixture(autouse=True)
def keep_language():
    """`balise` sets the language of the running context (the test's): put it back."""
    before = current_language()
    yield
    set_language(before)


def poi_count(db_path) -> int:
    db = open_db(db_path)
    try:
        return PoiStore(db).count()
    finally:
        db.conn.close()


def test_import_prints_the_report_and_is_idempotent(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(TOULOUSE), "--source", "inventaire-toulouse",
                                 "--licence", "Licence Ouverte 2.0", "--attribution", "Ville de Toulouse"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "inventaire-toulouse: 300 added, 0 updated, 0 unchanged, 0 skipped"
    again = runner.invoke(cli, ["poi", "import", str(TOULOUSE), "--source", "inventaire-toulouse",
                                "--licence", "Licence Ouverte 2.0", "--attribution", "Ville de Toulouse"])
    assert again.exit_code == 0
    assert "0 added, 0 updated, 300 unchanged, 0 skipped" in again.stdout
    assert "stops attached" not in again.stdout  # nothing new to attach
    assert poi_count(db_path) == 300


def test_each_skipped_row_is_printed(runner):
    result = runner.invoke(cli, ["poi", "import", str(BAD_ROWS), "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].endswith("2 added, 0 updated, 0 unchanged, 5 skipped")
    assert "  skipped line 3: no name" in lines
    assert "  skipped line 4: no coordinates" in lines


def test_csv_options(runner, db_path):
    assert runner.invoke(cli, ["poi", "import", str(LATIN1), "--encoding", "latin-1"]).exit_code == 0
    result = runner.invoke(cli, ["poi", "import", str(CUSTOM), "--lat-col", "WGS84 N", "--lon-col", "WGS84 E",
                                 "--delimiter", ";"])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.stdout
    assert poi_count(db_path) == 19


def test_dry_run_writes_nothing(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(TOULOUSE), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.startswith("dry run, nothing written: ")
    assert poi_count(db_path) == 0


@pytest.mark.parametrize("args, message", [
    ([str(MERIMEE)], "no latitude/longitude columns"),
    ([str(TRUNCATED)], "not valid JSON"),
    ([str(TOULOUSE), "--format", "kml"], "unknown format 'kml' (known formats: apidae, csv,"),
    (["missing.geojson"], "missing.geojson: no such file"),
    ([str(LATIN1)], "try --encoding latin-1"),
    ([str(TOULOUSE), "--delimiter", ";"], "option --delimiter does not apply to geojson files"),
])
def test_bad_input_exits_2_with_one_line_and_leaves_the_db_unchanged(runner, db_path, args, message):
    assert runner.invoke(cli, ["poi", "import", str(BAD_ROWS)]).exit_code == 0
    result = runner.invoke(cli, ["poi", "import", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("balise: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert poi_count(db_path) == 2


def test_french_messages(runner):
    result = runner.invoke(cli, ["--lang", "fr", "poi", "import", str(BAD_ROWS)])
    assert "2 ajoutés, 0 mis à jour, 0 inchangés, 5 ignorés" in result.stdout
    assert "  ignoré ligne 3 : pas de nom" in result.stdout


def test_new_pois_join_the_trails_they_are_near(runner, db_path):
    db = open_db(db_path)
    # A street segment passing about 17 m north of the église Saint-Caprais (1.464670, 43.636049).
    TrailStore(db).save(Trail(name="Croix-Daurade", segments=[[(1.4635, 43.6362, None), (1.4660, 43.6362, None)]]))
    db.conn.close()
    result = runner.invoke(cli, ["poi", "import", str(TOULOUSE)])
    assert result.exit_code == 0, result.output
    attached = [line for line in result.stdout.splitlines() if line.endswith("stops attached to trails")]
    assert attached and int(attached[0].split()[0]) >= 1


def test_search_and_list(runner):
    runner.invoke(cli, ["poi", "import", str(TOULOUSE)])
    found = runner.invoke(cli, ["poi", "search", "eglise"])
    assert found.exit_code == 0
    assert any("\tchurch\téglise paroissiale Saint-Caprais\t" in line for line in found.stdout.splitlines())
    as_json = json.loads(runner.invoke(cli, ["poi", "search", "eglise", "--json", "--limit", "3"]).stdout)
    assert len(as_json) == 3 and all("glise" in p["name"] for p in as_json)
    assert {"id", "name", "category", "themes", "lon", "lat", "source", "source_id"} <= set(as_json[0])
    listed = json.loads(runner.invoke(cli, ["poi", "list", "--json", "--limit", "5"]).stdout)
    assert [p["id"] for p in listed] == [1, 2, 3, 4, 5]
    assert len(runner.invoke(cli, ["poi", "list"]).stdout.splitlines()) == 300
    assert runner.invoke(cli, ["poi", "search", "zzzz-nothing"]).stdout == ""
