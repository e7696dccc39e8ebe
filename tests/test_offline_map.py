"""The offline map of a bundle (exporter.offline_map): OSM ways clipped to the corridor, compact, in budget.

Data: tests/data/mbtiles/README.md: a real 12 km stretch of the GR-11 from Escaldes-Engordany
(Andorra), the OSM extract around it read by ``poi.network.import_osm_map``, z13-15 tiles.
"""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from shapely.geometry import Point

from exporter import bundle
from exporter import offline_map as om
from poi.i18n import language
from poi.models import POI
from poi.network import MAP_KINDS, import_osm_map, ways_in_bbox
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore
from webapp.cli import cli

from helpers import open_db

DATA = Path(__file__).parent / "data" / "mbtiles"
EXTRACT = DATA / "andorra_escaldes_gr11-bbox.osm.pbf"
MBTILES = DATA / "andorra_escaldes_gr11-bbox_z13-15.mbtiles"
TRAIL = DATA / "andorra_gr11_escaldes_12km.geojson"
CEVENNES = Path(__file__).parent / "data" / "bundle" / "cevennes_barre-des-cevennes_loop_3.7km.geojson"
URL = re.compile(r"""https?://[^\s"'<>)\\]+""")
#: Rounding to 1e-5 degree moves a point by at most ~0.6 m; the buffer polygon lies inside the true buffer.
ROUNDING_M = 1.0


def gr11(trail_id: int | None = 11) -> Trail:
    feature = json.loads(TRAIL.read_text(encoding="utf-8"))["features"][0]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    return Trail(name="GR-11 Escaldes", segments=[coords], id=trail_id, length_m=feature["properties"]["length_m"],
                 attribution="OpenStreetMap contributors", licence="ODbL 1.0")


def stops_along(trail: Trail, n: int) -> list[TrailStop]:
    coords = trail.coords
    out = []
    for i in range(n):
        lon, lat, _ = coords[(i + 1) * len(coords) // (n + 1)]
        poi = POI(f"Arrêt {i + 1}", lon + 0.0001, lat, category=("church", "water", "viewpoint")[i % 3],
                  summary=f"Résumé {i + 1}", description="<p>" + "Texte de la fiche. " * 40 + "</p>", id=i + 1,
                  source="osm", url=f"https://www.openstreetmap.org/node/{i + 1}")
        out.append(TrailStop(Stop(trail.id, i + 1, distance_along_m=400.0 * (i + 1), offset_m=8.0, position=i), poi))
    return out


@pytest.fixture(scope="module")
def andorra():
    """A database holding the map ways of the real extract (imported by poi.network)."""
    db = open_db(":memory:")
    report = import_osm_map(db, EXTRACT)
    assert report.ways == 713
    return db


@pytest.fixture(scope="module")
def offline(andorra) -> om.OfflineMap:
    return om.for_trail(andorra, gr11().segments, corridor_m=500)


def decoded_points(vector: om.VectorMap) -> list[tuple[str, float, float]]:
    points = []
    for style, parts in vector.features:
        kind = vector.styles[style]
        for part in parts:
            for line in (part if kind in om.AREA_KINDS else [part]):
                points += [(kind, lon, lat) for lon, lat in om.decode_line(line)]
    return points


def test_every_kind_of_map_way_has_a_style():
    assert set(MAP_KINDS) <= set(om.STYLES)


def test_vector_ways_are_clipped_to_the_corridor(andorra, offline):
    corridor = offline.corridor
    vector = offline.vector
    limit_m = corridor.width_m + vector.tolerance_m + ROUNDING_M
    # The database holds ways well outside the corridor, in its bounding box: clipping matters.
    farthest = max(corridor.line.distance(Point(corridor.projector.to_metric(*c[:2])))
                   for w in ways_in_bbox(andorra, corridor.bbox) for c in _coords(w.geometry))
    assert farthest > corridor.width_m + 300
    points = decoded_points(vector)
    assert len(points) > 2000
    xs, ys = corridor.projector.to_metric([p[1] for p in points], [p[2] for p in points])
    worst = max(corridor.line.distance(Point(x, y)) for x, y in zip(xs, ys))
    print(f"{len(points)} vertices, farthest {worst:.1f} m from the trail (corridor {corridor.width_m:.0f} m, "
          f"ways in the box up to {farthest:.0f} m)")
    assert worst <= limit_m
    assert worst > corridor.width_m - 5  # ways were cut at the corridor's edge, not dropped


def _coords(geometry: dict):
    def walk(c):
        if isinstance(c[0], (int, float)):
            yield c
        else:
            for sub in c:
                yield from walk(sub)
    return walk(geometry["coordinates"])


def test_the_map_draws_paths_tracks_roads_water_buildings_and_woods(offline):
    kinds = set(offline.vector.styles)
    assert {"path", "track", "road_minor", "road_major", "river", "water", "building", "wood"} <= kinds
    order = list(om.STYLES)
    assert offline.vector.styles == sorted(offline.vector.styles, key=order.index)  # areas under lines
    assert offline.vector.tolerance_m == 1.0 and not offline.vector.dropped
    doc = offline.data()
    assert [s["kind"] for s in doc["styles"]] == offline.vector.styles
    assert all(s["area"] for s in doc["styles"] if s["kind"] in ("wood", "water", "building"))
    assert doc["attribution"] == [om.OSM_CREDIT] and doc["tiles"] is None and doc["corridor"]


def test_encoding_is_compact_and_round_trips(offline):
    raw = offline.files()["map.json"]
    doc = json.loads(raw)
    assert doc["format"] == "balise-map/1" and doc["precision"] == 5
    assert all(isinstance(v, int) for f in doc["features"] for part in f[1]
               for v in (part[0] if isinstance(part[0], list) else part))
    line = [(1.5708017, 42.5177808), (1.5709, 42.51781), (1.57101, 42.51779)]
    assert om.decode_line(om.encode_line(line)) == [(1.5708, 42.51778), (1.5709, 42.51781), (1.57101, 42.51779)]
    gz = len(gzip.compress(raw, 9))
    print(f"map.json: {len(raw) / 1000:.1f} KB, {gz / 1000:.1f} KB gzipped, {len(doc['features'])} features")
    assert gz < 20_000


def test_a_small_budget_simplifies_more_then_leaves_kinds_out(andorra, offline):
    corridor = offline.corridor
    ways = ways_in_bbox(andorra, corridor.bbox)
    coarse = om.vector_map(ways, corridor, budget_kb=7)
    assert coarse.tolerance_m > 1.0 and coarse.gzip_bytes <= 7000 and not coarse.dropped
    tiny = om.vector_map(ways, corridor, budget_kb=2)
    assert tiny.dropped[:1] == ["building"] and "building" not in tiny.styles and tiny.gzip_bytes <= 2000
    with language("en"):
        small = om.for_trail(andorra, gr11().segments, budget_kb=2)
    assert small.warnings and "left out building" in small.warnings[0]


def test_without_map_ways_the_bundle_keeps_its_neutral_background():
    offline = om.for_trail(open_db(":memory:"), gr11().segments)
    assert offline.empty and offline.files() == {}
    files = bundle.build_files(gr11(), [], offline_map=offline)
    assert "map.json" not in files and "basemap.js" not in files
    assert b"basemap.js" not in files["index.html"] and json.loads(files["trail.json"])["map"] is None


def test_the_bundle_ships_and_precaches_the_map(offline):
    files = bundle.build_files(gr11(), stops_along(gr11(), 3), offline_map=offline)
    assert {"map.json", "basemap.js"} <= set(files)
    assert json.loads(files["trail.json"])["map"] == "map.json"
    index = files["index.html"].decode()
    assert index.index('src="basemap.js"') < index.index('src="app.js"')
    core = [p for p, _ in json.loads(files["files.json"])["core"]]
    assert {"map.json", "basemap.js"} <= set(core)  # the map is part of the core: offline from the start
    for path in ("basemap.js", "map.json"):
        assert URL.findall(files[path].decode("utf-8")) == [], path
        assert bundle.part_of(path) == "map"


def inlined_data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="balise-data">(.*?)</script>', html,
                                re.S).group(1))


def test_trail_html_inlines_the_vector_map(offline):
    html = bundle.build_files(gr11(), [], offline_map=offline)["trail.html"].decode()
    data = inlined_data(html)
    assert data["map"]["features"] == json.loads(json.dumps(offline.vector.features))
    assert "window.BaliseBaseLayers" in html and 'src="basemap.js"' not in html


def test_the_300_kb_target_holds_for_a_12_km_circuit_with_vector_data(offline):
    trail = gr11()
    files = bundle.build_files(trail, stops_along(trail, 25), offline_map=offline)
    parts, _total = bundle.measure(files)
    core = parts["shell"].gzip_bytes + parts["data"].gzip_bytes + parts["map"].gzip_bytes
    detail = bundle.measure_map(files)
    print(f"12 km GR-11, 25 stops, vector map: shell {parts['shell'].gzip_bytes / 1000:.1f} + data "
          f"{parts['data'].gzip_bytes / 1000:.1f} + map {parts['map'].gzip_bytes / 1000:.1f} (vector "
          f"{detail['vector'].gzip_bytes / 1000:.1f}) = {core / 1000:.1f} KB gzipped (target 300)")
    assert detail["vector"].gzip_bytes > 5000
    assert core <= 300_000


def test_the_size_report_has_a_map_part_with_tiles_and_vector_data(andorra, tmp_path):
    offline = om.for_trail(andorra, gr11().segments, tiles=MBTILES, min_zoom=13, max_zoom=15)
    report = bundle.export(gr11(), [], out_dir=tmp_path / "b", offline_map=offline)
    tiles = [p for p in report.files if p.startswith("tiles/")]
    assert len(tiles) == len(offline.tiles.tiles) == 45
    assert all((tmp_path / "b" / p).is_file() for p in tiles)
    detail = report.map_parts
    assert detail["tiles"].raw_bytes == offline.tiles.size_bytes
    assert report.parts["map"].raw_bytes == sum(d.raw_bytes for d in detail.values())
    assert detail["vector"].raw_bytes == report.files["map.json"] + report.files["basemap.js"]
    with language("en"):
        text = bundle.format_report(report)
    print(text)
    assert "map (Leaflet)" in text and "45 tiles" in text and "vector map" in text


def test_trail_html_inlines_tiles_up_to_a_cap(andorra, monkeypatch):
    offline = om.for_trail(andorra, gr11().segments, tiles=MBTILES, min_zoom=13, max_zoom=15)
    html = bundle.build_files(gr11(), [], offline_map=offline)["trail.html"].decode()
    tiles = inlined_data(html)["map"]["tiles"]
    assert len(tiles["inline"]) == 45 and sorted(tiles["inline"]) == tiles["keys"]
    assert all(uri.startswith("data:image/png;base64,") for uri in tiles["inline"].values())
    z13 = sum(len(v) for k, v in offline.tiles.tiles.items() if k[0] == 13)
    monkeypatch.setattr(bundle, "SINGLE_TILES_MAX_BYTES", z13 + 1)
    with language("en"):
        files, warnings = bundle._build(gr11(), [], base_url=None, media_root=None, photo_max_width=1280,
                                        photo_quality=75, accuracy_max_m=50, offline_map=offline)
    tiles = inlined_data(files["trail.html"].decode())["map"]["tiles"]
    assert len(tiles["inline"]) == offline.tiles.count_by_zoom()[13]
    assert (tiles["min_zoom"], tiles["max_zoom"]) == (13, 13)
    assert any("zooms 13-13 only" in w for w in warnings)
    assert len([p for p in files if p.startswith("tiles/")]) == 45  # the folder keeps them all


# -- CLI ------------------------------------------------------------------------------------------
@pytest.fixture
def gr11_in_db(db_path) -> int:
    db = open_db(db_path)
    import_osm_map(db, EXTRACT)
    tid = TrailStore(db).save(gr11(None))
    db.conn.close()
    return tid


def test_cli_embeds_the_corridors_tiles_and_vector_map(runner, gr11_in_db, tmp_path):
    result = runner.invoke(cli, ["export", "bundle", str(gr11_in_db), "--out", str(tmp_path / "b"),
                                 "--tiles", str(MBTILES), "--min-zoom", "14", "--max-zoom", "15",
                                 "--corridor-m", "300"])
    assert result.exit_code == 0, result.output
    tiles = sorted(p.relative_to(tmp_path / "b").as_posix() for p in (tmp_path / "b" / "tiles").rglob("*.png"))
    assert tiles and {t.split("/")[1] for t in tiles} == {"14", "15"}
    doc = json.loads((tmp_path / "b" / "map.json").read_text())
    assert doc["corridor_m"] == 300 and len(doc["tiles"]["keys"]) == len(tiles) and doc["features"]
    assert f"{len(tiles)} tiles" in result.output and "vector map" in result.output


@pytest.mark.parametrize("make, message", [
    (lambda d: Path(d / "trail.mbtiles").write_text("{}") and d / "trail.mbtiles", "is not an MBTiles file"),
    (lambda d: d / "absent.mbtiles", "no such file"),
])
def test_cli_not_an_mbtiles_file_exits_2_with_one_line(runner, gr11_in_db, tmp_path, make, message):
    result = runner.invoke(cli, ["export", "bundle", str(gr11_in_db), "--out", str(tmp_path / "b"),
                                 "--tiles", str(make(tmp_path))])
    assert result.exit_code == 2 and message in result.output
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert not (tmp_path / "b").exists()


def test_cli_no_tiles_in_the_corridor_exits_2(runner, db_path, tmp_path):
    db = open_db(db_path)
    feature = json.loads(CEVENNES.read_text(encoding="utf-8"))["features"][0]
    tid = TrailStore(db).save(Trail(name="Barre", segments=[[(c[0], c[1], None)
                                                             for c in feature["geometry"]["coordinates"]]]))
    db.conn.close()
    result = runner.invoke(cli, ["export", "bundle", str(tid), "--out", str(tmp_path / "b"), "--tiles", str(MBTILES)])
    assert result.exit_code == 2 and "has no tile in the trail's corridor" in result.output
    assert result.output.strip().count("\n") == 0
    assert not (tmp_path / "b").exists()
