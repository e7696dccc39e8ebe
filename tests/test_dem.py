"""The elevation model in the database (trails.dem, ``balise dem import``, ``balise trail drape``).

Real data: the OSM extract of Andorra (tests/data/sources/osm) and its SRTM3 tile
(tests/data/elevation/srtm_N42E001_andorra-ariege.hgt.zip, NASA, public domain).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from poi.i18n import language
from poi.store import PoiStore
from trails.dem import drape_trail, import_dem, stored_tiles
from trails.elevation import SrtmTiles
from trails.routing import route_trail, save_routed_trail
from trails.store import TrailStore
from webapp.cli import cli

from tests.helpers import add_staff, copy_db, logged_in, network_db, one_line_error, open_db

DATA = Path(__file__).parent / "data"
ANDORRA = DATA / "sources" / "osm" / "andorra_2013_graphhopper.osm.pbf"
SRTM = DATA / "elevation" / "srtm_N42E001_andorra-ariege.hgt.zip"
REFUGES = ("Refugi de Perafita", "Refugi de Claror")
PASSWORD = "camí dels refugis 1278"


@pytest.fixture(autouse=True)
def english():
    with language("en"):
        yield


@pytest.fixture(scope="module")
def andorra_file(tmp_path_factory) -> Path:
    return network_db(tmp_path_factory.mktemp("andorra") / "balise.db", ANDORRA)


@pytest.fixture
def db_path(andorra_file, tmp_path) -> Path:
    return copy_db(andorra_file, tmp_path)


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.conn.close()


def ids(db, names) -> list[int]:
    store = PoiStore(db)
    return [next(p.id for p in store.search(n) if p.name == n) for n in names]


def test_import_gives_every_edge_of_the_tile_its_elevations(db):
    report = import_dem(db, SRTM)
    assert report.tile == (42, 1) and report.samples == 1201
    total = db.execute("SELECT COUNT(*) FROM path_edges").fetchone()[0]
    assert report.edges == total and report.voids == 0
    tiles = SrtmTiles(SRTM)
    for eid, geometry, ele in db.execute("SELECT id, geometry, ele FROM path_edges ORDER BY id LIMIT 50"):
        import json

        coords, heights = json.loads(geometry), json.loads(ele)
        assert len(heights) == len(coords)
        assert heights[0] == pytest.approx(tiles.elevation_at(*coords[0]), abs=0.05)
    lows = db.execute("SELECT MIN(ele), MAX(ele) FROM path_nodes").fetchone()
    assert 800 < lows[0] < 1200 and 2400 < lows[1] < 3000  # Andorra's valleys and high paths
    assert stored_tiles(db).elevation_at(1.5, 42.5) == pytest.approx(tiles.elevation_at(1.5, 42.5))


def test_a_route_takes_its_profile_from_the_stored_dem(db):
    flat = route_trail(db, ids(db, REFUGES), name="before")
    assert flat.ascent_m == 0 and all(p[2] is None for p in flat.coords)
    import_dem(db, SRTM)
    routed = route_trail(db, ids(db, REFUGES), name="after")
    assert all(p[2] is not None for p in routed.coords)
    from_file = route_trail(db, ids(db, REFUGES), name="file", srtm=SRTM)
    assert routed.ascent_m == pytest.approx(from_file.ascent_m, abs=2)
    assert routed.ascent_m + routed.descent_m > 100 and 1800 < routed.ele_min_m < routed.ele_max_m < 2700
    assert routed.duration_computed_min > flat.duration_computed_min  # the climb costs time (DIN 33466)
    assert routed.difficulty_computed


def test_editor_routed_circuit_gets_its_climb_from_the_dem(db_path, app):
    db = open_db(db_path)
    import_dem(db, SRTM)
    poi_ids = ids(db, REFUGES)
    db.conn.close()
    add_staff(db_path, "marie", PASSWORD)
    client = logged_in(app, "marie", PASSWORD)
    with client.session_transaction() as s:
        token = s["csrf"]
    r = client.post("/editor/trails/route", data={"csrf_token": token, "action": "create", "name": "Refugis",
                                                  "practice": "walking", "poi": [str(i) for i in poi_ids]})
    assert r.status_code == 302
    db = open_db(db_path)
    [trail] = TrailStore(db).all()
    db.conn.close()
    assert trail.ascent_m > 50 and trail.descent_m > 50
    assert all(p[2] is not None for p in trail.coords)


def test_map_import_after_the_dem_drapes_the_new_edges(runner, db_path, tmp_path):
    empty = tmp_path / "fresh.db"
    result = runner.invoke(cli, ["dem", "import", str(SRTM), "--db", str(empty)])
    assert result.exit_code == 0, result.output
    assert "0 path edges given elevations" in result.output
    result = runner.invoke(cli, ["map", "import", str(ANDORRA), "--db", str(empty)])
    assert result.exit_code == 0, result.output
    assert re.search(r"\d{4} path edges given elevations from the imported DEM", result.output)
    db = open_db(empty)
    assert db.execute("SELECT COUNT(*) FROM path_edges WHERE ele IS NULL").fetchone()[0] == 0
    db.conn.close()


def test_drape_gives_a_flat_trail_its_climb(db):
    trail = save_routed_trail(db, ids(db, REFUGES), name="flat")
    assert trail.ascent_m == 0
    with pytest.raises(Exception, match="balise dem import"):
        drape_trail(db, trail.id)
    import_dem(db, SRTM)
    draped = drape_trail(db, trail.id)
    assert draped.ascent_m > 50
    assert TrailStore(db).get(trail.id).ascent_m == draped.ascent_m


def test_cli_drape(runner, db_path):
    db = open_db(db_path)
    trail = save_routed_trail(db, ids(db, REFUGES), name="flat")
    db.conn.close()
    assert runner.invoke(cli, ["dem", "import", str(SRTM)]).exit_code == 0
    result = runner.invoke(cli, ["trail", "drape", str(trail.id)])
    assert result.exit_code == 0 and re.search(r"D\+ [1-9]\d+ m", result.output), result.output


@pytest.mark.parametrize("name, content, message", [
    ("missing_N42E001.hgt", None, "no such file"),
    ("andorra.hgt", b"\0" * 10, "must contain an SRTM tile code"),
    ("N42E001.hgt", b"\0" * 1000, "is not an SRTM tile"),
])
def test_bad_tiles_are_refused_in_one_line_and_nothing_is_stored(runner, db_path, tmp_path, name, content,
                                                                 message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(cli, ["dem", "import", str(path)])
    assert message in one_line_error(result)
    db = open_db(db_path)
    assert db.execute("SELECT COUNT(*) FROM dem_tiles").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM path_edges WHERE ele IS NOT NULL").fetchone()[0] == 0
    db.conn.close()
