"""GeoJSON export (RFC 7946): structure, lossless geometry, stops, credits, GDAL reading, API helpers, CLI."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from exporter import geojson as geojson_exporter
from exporter.errors import ExportError
from poi.geo import geodesic_distance_m
from poi.gpxfile import parse_gpx
from poi.importers import import_file
from poi.models import POI
from poi.store import PoiStore
from trails.assembly import save_trail
from trails.corridor import find_stops
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore
from webapp.cli import cli

from helpers import open_db

DATA = Path(__file__).parent / "data"
CORRIDOR = DATA / "corridor"
MUNICH_8SEG = DATA / "export" / "de-munich_garmin-edge-800_8seg_gpsbabel.gpx"
NASTY = 'Moulin & <Pont> "Vieux" l\'Église — 🙂 \x07'

needs_ogr = pytest.mark.tool("ogrinfo")


# -- a real trail with real stops: two legs of the Ardèche node network and its OSM guideposts ------
def lermuse(db) -> tuple[Trail, list[TrailStop]]:
    """Le Saint-Vincent -> La Lermuse -> Le Mas (3D OSM legs), the guideposts by the path made stops by staff."""
    import_file(db, CORRIDOR / "ardeche_lermuse_guideposts_within_1500m.geojson", source="osm",
                licence="ODbL 1.0", attribution="© OpenStreetMap contributors")
    legs = json.loads((CORRIDOR / "ardeche_lermuse_two-legs_node-network.geojson").read_text())["features"]
    by_name = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in legs}
    trace = [tuple(p) for p in reversed(by_name["La Lermuse - Le Saint-Vincent"])]
    trace += [tuple(p) for p in by_name["La Lermuse - Le Mas"]][1:]
    trail = Trail(name="Le Saint-Vincent - Le Mas", segments=[trace], themes=["node network"],
                  summary="<p>Deux tronçons du réseau <b>points-nœuds</b></p>", commune="Saint-Privat",
                  url="https://www.openstreetmap.org/relation/14452496", licence="ODbL",
                  attribution="© OpenStreetMap contributors", published=True)
    save_trail(db, trail)
    # signposts are waymarks, never stops automatically (issue 14): staff chose these three as stops
    TrailStore(db).upsert_stops([Stop(trail.id, c.poi_id, c.distance_along_m, c.offset_m, status="manual")
                                 for c in find_stops(trail, PoiStore(db))])
    return trail, TrailStore(db).stops_with_pois(trail.id)


@pytest.fixture
def saved(db):
    return lermuse(db)


def positions(geometry: dict) -> list[list[float]]:
    if geometry["type"] == "LineString":
        return geometry["coordinates"]
    return [p for line in geometry["coordinates"] for p in line]


def decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def other_credit_stop() -> TrailStop:
    poi = POI("Église Saint-Privat", 4.41, 44.63, category="church", attribution="Mérimée (Ministère de la Culture)",
              licence="Licence Ouverte", url="https://www.pop.culture.gouv.fr/notice/merimee/PA00116731", id=999)
    return TrailStop(Stop(1, 999, 5000.0, 12.0, position=99), poi)


# -- RFC 7946 structure ----------------------------------------------------------------------------
def test_rfc7946_feature_collection(saved):
    trail, stops = saved
    fc = json.loads(geojson_exporter.export(trail, stops))
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    line, *points = fc["features"]
    assert line["geometry"]["type"] == "LineString" and line["id"] == f"trail-{trail.id}"
    assert [p["properties"]["name"] for p in points] == [s.poi.name for s in stops]
    assert {"Le Saint-Vincent", "La Lermuse", "Le Mas"} <= {p["properties"]["name"] for p in points}
    assert all(p["geometry"]["type"] == "Point" for p in points)
    coords = positions(line["geometry"]) + [p["geometry"]["coordinates"] for p in points]
    assert all(4.3 < c[0] < 4.4 and 44.7 < c[1] < 44.75 for c in coords)  # x = lon, y = lat
    assert max(decimals(v) for c in coords for v in c[:2]) <= 7
    west, south, east, north = fc["bbox"]
    assert all(west <= c[0] <= east and south <= c[1] <= north for c in coords)
    assert fc["name"] == trail.name


def test_geometry_is_lossless_within_half_a_metre(saved):
    trail, stops = saved
    line = json.loads(geojson_exporter.export(trail, stops))["features"][0]
    out = positions(line["geometry"])
    assert len(out) == len(trail.coords)
    for (lon, lat, ele), p in zip(trail.coords, out):
        assert geodesic_distance_m(lon, lat, p[0], p[1]) < 0.5
        assert p[2] == pytest.approx(ele, abs=0.005)


def test_several_segments_make_a_multilinestring_and_elevation_only_where_known():
    gpx = parse_gpx(MUNICH_8SEG)
    segments = [[(p.longitude, p.latitude, p.elevation) for p in seg.points]
                for trk in gpx.tracks for seg in trk.segments if len(seg.points) >= 2]
    segments[0][1] = (segments[0][1][0], segments[0][1][1], None)
    trail = Trail(name="Munich", segments=segments)
    geometry = json.loads(geojson_exporter.export(trail, []))["features"][0]["geometry"]
    assert geometry["type"] == "MultiLineString" and len(geometry["coordinates"]) == len(segments)
    assert len(geometry["coordinates"][0][1]) == 2 and len(geometry["coordinates"][0][0]) == 3
    assert [len(line) for line in geometry["coordinates"]] == [len(s) for s in segments]


# -- properties --------------------------------------------------------------------------------------
def test_trail_properties_carry_the_json_contract_and_texts(saved):
    trail, stops = saved
    props = json.loads(geojson_exporter.export(trail, stops))["features"][0]["properties"]
    for key, value in trail.summary_dict().items():
        if key != "licence":
            assert props[key] == value, key
    assert props["licence"] == "ODbL 1.0" and props["licence_url"].startswith("https://opendatacommons.org/")
    assert props["attribution"] == "© OpenStreetMap contributors"
    assert props["summary"] == "Deux tronçons du réseau points-nœuds"
    assert props["commune"] == "Saint-Privat" and props["url"] == trail.url
    assert props["duration_source"] == "computed" and props["duration_min"] == trail.duration_computed_min
    assert props["length_m"] > 6000 and props["ascent_m"] > 0


def test_stop_properties(saved):
    trail, stops = saved
    points = json.loads(geojson_exporter.export(trail, stops))["features"][1:]
    for feature, item in zip(points, stops):
        p = feature["properties"]
        assert feature["id"] == f"poi-{item.poi.id}" and p["kind"] == "stop" and p["poi_id"] == item.poi.id
        assert p["category"] == "signpost" and p["themes"] == item.poi.themes
        assert p["distance_along_m"] == round(item.stop.distance_along_m, 1)
        assert p["trigger_radius_m"] == item.poi.effective_trigger_radius_m
        assert (p["licence"], p["attribution"]) == ("ODbL 1.0", "© OpenStreetMap contributors")
        assert feature["geometry"]["coordinates"][:2] == [item.poi.lon, item.poi.lat]
    along = [f["properties"]["distance_along_m"] for f in points]
    assert along == sorted(along)


def test_no_stops_and_removed_stops_are_left_out(saved):
    trail, stops = saved
    assert len(json.loads(geojson_exporter.export(trail, stops, include_stops=False))["features"]) == 1
    stops[0].stop.status = "removed"
    names = [f["properties"]["name"] for f in json.loads(geojson_exporter.export(trail, stops))["features"][1:]]
    assert stops[0].poi.name not in names and len(names) == len(stops) - 1


def test_licences_of_the_trail_and_of_every_poi_travel_with_the_file(saved):
    trail, stops = saved
    fc = json.loads(geojson_exporter.export(trail, stops + [other_credit_stop()]))
    assert [(c["attribution"], c["licence"]) for c in fc["credits"]] == [
        ("© OpenStreetMap contributors", "ODbL 1.0"),  # the trail's own
        ("© OpenStreetMap contributors", "ODbL 1.0"),  # its OSM guideposts
        ("Mérimée (Ministère de la Culture)", "Licence Ouverte / Etalab 2.0")]
    church = fc["features"][-1]["properties"]
    assert church["licence"] == "Licence Ouverte / Etalab 2.0" and church["attribution"].startswith("Mérimée")


def test_text_is_kept_exactly_and_bad_numbers_never_reach_the_json():
    trail = Trail(name=NASTY, segments=[[(4.39, 44.62, float("nan")), (4.4, 44.63, 300.0)]],
                  summary=NASTY, licence="Tous droits réservés", attribution=NASTY)
    text = geojson_exporter.export(trail, [])
    fc = json.loads(text)  # strict JSON: no NaN
    assert "NaN" not in text
    line = fc["features"][0]
    assert line["properties"]["name"] == NASTY
    assert line["properties"]["summary"] == 'Moulin & <Pont> "Vieux" l\'Église — 🙂'
    assert line["properties"]["licence"] == "Tous droits réservés" and line["properties"]["licence_url"] == ""
    assert line["geometry"]["coordinates"] == [[4.39, 44.62], [4.4, 44.63, 300.0]]


@pytest.mark.parametrize("segments, message", [
    ([], "has no points to export"),
    ([[(4.39, 44.62, None)]], "has no points to export"),
    ([[(44.62, 94.39, None), (4.4, 44.63, None)]], "impossible position"),
    ([[("x", 44.62, None), (4.4, 44.63, None)]], "non-numeric coordinate"),
])
def test_unexportable_trails_say_why(segments, message):
    with pytest.raises(ExportError, match=message):
        geojson_exporter.export(Trail(name="Bad", segments=segments), [])


# -- API helpers -------------------------------------------------------------------------------------
def test_feature_for_the_api(saved):
    trail, _ = saved
    f = geojson_exporter.feature(trail)
    assert f["type"] == "Feature" and f["id"] == trail.id and f["geometry"]["type"] == "LineString"
    assert f["properties"]["name"] == trail.name and f["properties"]["licence"] == "ODbL 1.0"
    json.dumps(f, allow_nan=False)
    assert geojson_exporter.feature(Trail(name="No trace yet"))["geometry"] is None


def test_pois_collection(db, saved):
    pois = PoiStore(db).get_many(list(range(1, 12)))
    fc = geojson_exporter.pois_collection(pois)
    assert fc["type"] == "FeatureCollection" and "crs" not in fc and len(fc["features"]) == 11
    assert [f["id"] for f in fc["features"]] == [p.id for p in pois]
    assert fc["credits"] == [{"attribution": "© OpenStreetMap contributors", "licence": "ODbL 1.0",
                              "url": "https://opendatacommons.org/licenses/odbl/1-0/"}]
    first = fc["features"][0]
    assert first["properties"]["name"] == pois[0].name and first["geometry"]["coordinates"][2] == pois[0].ele_m
    assert geojson_exporter.pois_collection([]) == {"type": "FeatureCollection", "credits": [], "features": []}


# -- GDAL reads it -----------------------------------------------------------------------------------
def ogr_features(path: Path) -> list[str]:
    out = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True, text=True, check=True)
    assert "ERROR" not in out.stderr, out.stderr
    return out.stdout.split("OGRFeature(")[1:]


@needs_ogr
def test_gdal_reads_the_geojson(saved, tmp_path):
    trail, stops = saved
    path, written = geojson_exporter.write(trail, stops, tmp_path / "trail.geojson")
    assert written == len(stops)
    features = ogr_features(path)
    assert len(features) == 1 + len(stops)
    assert re.search(r"LINESTRING Z \(4\.\d+ 44\.\d+ \d+", features[0])
    assert "licence (String) = ODbL 1.0" in features[0]
    for block, item in zip(features[1:], stops):
        lon, lat = map(float, re.search(r"POINT Z \(([-\d.]+) ([-\d.]+)", block).groups())
        assert geodesic_distance_m(lon, lat, item.poi.lon, item.poi.lat) < 0.5
        assert f"name (String) = {item.poi.name}" in block and "attribution (String) = © OpenStreetMap" in block


# -- command line ------------------------------------------------------------------------------------
@pytest.fixture
def cli_trail(db_path) -> tuple[int, int]:
    database = open_db(db_path)
    trail, stops = lermuse(database)
    database.conn.close()
    return trail.id, len(stops)


def test_cli_export_geojson(runner, cli_trail, tmp_path):
    trail_id, n_stops = cli_trail
    out = tmp_path / "out.geojson"
    result = runner.invoke(cli, ["--lang", "en", "export", "geojson", str(trail_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out}: 1 circuit, {n_stops} points of interest"
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 1 + n_stops
    result = runner.invoke(cli, ["export", "geojson", str(trail_id), "--out", str(out), "--no-stops"])
    assert result.exit_code == 0 and len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 1


@pytest.mark.parametrize("args, message", [
    (["export", "geojson", "42", "--out", "{tmp}/x.geojson"], "no trail with id 42"),
    (["export", "geojson", "douze", "--out", "{tmp}/x.geojson"], "trail ids are numbers"),
    (["export", "geojson", "{id}", "--out", "{tmp}/missing/x.geojson"], "does not exist"),
])
def test_cli_bad_input_is_one_line_and_exit_2(runner, cli_trail, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, id=cli_trail[0]) for a in args]
    result = runner.invoke(cli, ["--lang", "en", *args])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not (tmp_path / "x.geojson").exists()
