"""``balise trail import`` and ``balise trail stats``: ids out, JSON contract, exit 2 and db unchanged on bad input."""
import json
from pathlib import Path

import pytest

from trails.store import TrailStore
from webapp.cli import cli

from helpers import open_db

GPX = Path(__file__).parent / "data" / "gpx"
OSLO = GPX / "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx"
CIRCUITS = GPX / "pnc_cevennes_3_circuits.geojson"
BAD = ["xml_bomb.gpx", "external_entity.gpx", "truncated.gpx", "decimal_commas.gpx", "zero_points.gpx",
       "not_gpx.gpx", "geotrek-admin__fr-74_trace_with_only_two_duplicate_track_points.gpx",
       "gpxpy__garmin_gpxtpx.gpx", "gpxpy__unicode.gpx", "no_such_file.gpx"]


def trails_in(db_path):
    db = open_db(db_path)
    try:
        return TrailStore(db).all()
    finally:
        db.conn.close()


def test_import_prints_the_new_id(runner, db_path):
    result = runner.invoke(cli, ["trail", "import", str(OSLO), "--name", "Tour du lac", "--theme", "lake",
                                 "--theme", "forest", "--practice", "trail_running", "--publish"])
    assert result.exit_code == 0, result.output
    [trail] = trails_in(db_path)
    assert result.stdout.strip() == str(trail.id)
    assert (trail.name, trail.themes, trail.practice, trail.published) == (
        "Tour du lac", ["lake", "forest"], "trail_running", True)
    assert trail.duration_computed_min == 394 and trail.points == 997


def test_import_circuit_file_prints_one_id_a_line(runner, db_path):
    result = runner.invoke(cli, ["trail", "import", str(CIRCUITS), "--format", "schema_randonnee"])
    assert result.exit_code == 0, result.output
    ids = [int(line) for line in result.stdout.split()]
    assert sorted(ids) == sorted(t.id for t in trails_in(db_path)) and len(ids) == 3


def test_db_option_after_the_command(runner, tmp_path):
    other = tmp_path / "other.db"
    assert runner.invoke(cli, ["trail", "import", str(OSLO), "--db", str(other)]).exit_code == 0
    assert len(trails_in(other)) == 1


@pytest.mark.parametrize("name", BAD)
def test_every_bad_file_is_exit_2_one_line_and_db_unchanged(runner, db_path, name):
    result = runner.invoke(cli, ["trail", "import", str(GPX / name)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("balise: error: "), result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    assert trails_in(db_path) == []


@pytest.mark.parametrize("args", [
    ["trail", "import", str(GPX / "pnc_cevennes_3_circuits_second_is_a_point.geojson")],
    ["trail", "import", str(CIRCUITS), "--name", "x"],
    ["trail", "import", str(OSLO), "--format", "kml"],
    ["trail", "import", str(OSLO), "--practice", "skiing"],
    ["trail", "import", str(GPX / "README.md")],
    ["trail", "stats", str(OSLO), "--model", "tobler"],
    ["trail", "stats", str(GPX / "xml_bomb.gpx"), "--json"],
])
def test_bad_options_and_circuit_files_are_exit_2_one_line(runner, db_path, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    assert trails_in(db_path) == []


def test_stats_json_contract_without_a_db(runner, db_path):
    result = runner.invoke(cli, ["trail", "stats", str(OSLO), "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    for key in ("length_m", "ascent_m", "descent_m", "duration_min", "difficulty", "points",
                "duration_din33466_min", "duration_schweizmobil_min", "route_type", "has_elevation",
                "ele_min_m", "ele_max_m", "segments", "effort"):
        assert key in stats, key
    assert (stats["points"], stats["duration_min"], stats["difficulty"], stats["route_type"]) == (
        997, 394, "hard", "loop")
    assert stats["length_m"] == pytest.approx(22235.5, abs=1) and stats["ascent_m"] == pytest.approx(373.1)
    assert not db_path.exists()  # no database needed, none created


def test_stats_json_model_and_no_elevation(runner):
    swiss = json.loads(runner.invoke(cli, ["trail", "stats", str(OSLO), "--json", "--model", "schweizmobil"]).stdout)
    assert swiss["duration_min"] == swiss["duration_schweizmobil_min"] == 329
    flat = json.loads(runner.invoke(cli, ["trail", "stats", str(GPX / "fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx"),
                                          "--json"]).stdout)
    assert (flat["has_elevation"], flat["ascent_m"], flat["ele_min_m"]) == (False, 0.0, None)


def test_stats_human_summary_names_the_formula(runner):
    result = runner.invoke(cli, ["--lang", "en", "trail", "stats", str(OSLO)])
    assert result.exit_code == 0
    assert "6 h 34 by DIN 33466 (t = max(t_h, t_v) + min(t_h, t_v)/2" in result.stdout
    assert "SchweizMobil" in result.stdout and "5 m hysteresis" in result.stdout and "hard" in result.stdout
    french = runner.invoke(cli, ["--lang", "fr", "trail", "stats", str(OSLO), "--model", "schweizmobil"]).stdout
    assert "Durée : 5 h 29 selon le polynôme de pente de SchweizMobil" in french and "difficile" in french
