"""Progress line of long imports (stderr, only for people) and dry runs that write nothing."""
from __future__ import annotations

import io
import json

import pytest

from poi.i18n import language
from poi.importers import import_file
from poi.store import PoiStore
from webapp.cli import cli
from webapp.progress import Progress, wanted

from helpers import open_db

TOULOUSE = "sources/toulouse/toulouse_inventaire_patrimoine_first-300.geojson"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, quiet, env, shown", [
    (FakeTTY(), False, None, True),
    (FakeTTY(), True, None, False),  # --quiet
    (io.StringIO(), False, None, False),  # piped, redirected, CI logs
    (io.StringIO(), False, "always", True),
    (FakeTTY(), False, "never", False),
])
def test_shown_only_to_people(monkeypatch, stream, quiet, env, shown):
    if env:
        monkeypatch.setenv("BALISE_PROGRESS", env)
    else:
        monkeypatch.delenv("BALISE_PROGRESS", raising=False)
    assert wanted(stream, quiet=quiet) is shown
    bar = Progress("x", stream=stream, quiet=quiet)
    bar.update(10)
    bar.close()
    assert bool(stream.getvalue()) is shown


def test_count_and_rate_redrawn_in_place():
    ticks = iter([10.0, 10.5, 10.6, 12.0, 14.0])
    out = FakeTTY()
    bar = Progress("osm.geojson", stream=out, clock=lambda: next(ticks), min_interval_s=1.0)
    with language("en"):
        bar.update(500)  # 0.5 s: drawn (first draw)
        bar.update(600)  # 0.6 s: too soon, not drawn
        bar.update(4000)  # 2 s
        bar.close(8000)  # 4 s
    assert out.getvalue().split("\r")[1:] == [
        "osm.geojson: 500 records (1,000/s)", "osm.geojson: 4,000 records (2,000/s)",
        "osm.geojson: 8,000 records (2,000/s)\n"]


def test_import_reports_progress_through_the_callback(store, data):
    out = FakeTTY()
    bar = Progress("toulouse", stream=out, min_interval_s=0)
    with language("en"):
        report = import_file(store, data / TOULOUSE, progress=bar)
        bar.close()
    assert bar.count == report.records == 300
    assert out.getvalue().split("\r")[-1].startswith("toulouse: 300 records (")


def test_cli_import_progress_on_stderr_when_forced(runner, data, monkeypatch):
    monkeypatch.setenv("BALISE_PROGRESS", "always")
    result = runner.invoke(cli, ["--lang", "en", "poi", "import", str(data / TOULOUSE)])
    assert result.exit_code == 0, result.output
    assert "300 records (" in result.stderr and "/s)" in result.stderr
    assert "records (" not in result.stdout  # stdout keeps only the summary
    assert "300 added" in result.stdout


def test_cli_import_silent_when_not_a_tty_or_quiet(runner, data, monkeypatch):
    monkeypatch.delenv("BALISE_PROGRESS", raising=False)
    result = runner.invoke(cli, ["poi", "import", str(data / TOULOUSE)])
    assert result.exit_code == 0 and result.stderr == ""
    monkeypatch.setenv("BALISE_PROGRESS", "always")
    result = runner.invoke(cli, ["poi", "import", str(data / TOULOUSE), "--quiet"])
    assert result.exit_code == 0 and result.stderr == ""


def test_cli_error_after_progress_starts_on_its_own_line(runner, data, monkeypatch):
    monkeypatch.setenv("BALISE_PROGRESS", "always")
    bad = data / "sources/toulouse/toulouse_inventaire_patrimoine_truncated.geojson"
    result = runner.invoke(cli, ["poi", "import", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("balise: error:")


def _dump(db_path) -> list[tuple]:
    db = open_db(db_path)
    try:
        return [tuple(r) for r in db.execute("SELECT * FROM pois ORDER BY id").fetchall()]
    finally:
        db.conn.close()


def test_cli_dry_run_reports_and_leaves_the_db_unchanged(runner, data, db_path, tmp_path):
    result = runner.invoke(cli, ["--lang", "en", "poi", "import", str(data / TOULOUSE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("dry run, nothing written: ")
    assert "300 added" in result.output
    assert _dump(db_path) == []
    runner.invoke(cli, ["poi", "import", str(data / TOULOUSE), "--source", "toulouse"])
    before = _dump(db_path)
    # an edited copy: 2 records change, 1 is new; the dry run says so and writes nothing
    collection = json.loads((data / TOULOUSE).read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["chphist"] += " Complément."
    collection["features"][1]["properties"]["chpscle"] = "19e siècle"
    collection["features"].append({**collection["features"][2], "geometry": {
        "type": "Point", "coordinates": [1.45, 43.61]}})
    edited = tmp_path / "toulouse_edited.geojson"
    edited.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(cli, ["--lang", "en", "poi", "import", str(edited), "--source", "toulouse",
                                 "--dry-run"])
    assert result.output.splitlines()[0] == (
        "dry run, nothing written: toulouse: 1 added, 2 updated, 298 unchanged, 0 skipped")
    assert _dump(db_path) == before


def test_library_dry_run_rolls_back(db, data):
    report = import_file(db, data / TOULOUSE, dry_run=True)
    assert report.added == 300 and report.ids == [] and PoiStore(db).count() == 0
