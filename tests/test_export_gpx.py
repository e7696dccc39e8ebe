"""GPX 1.1 export: schema-valid, lossless round trips (gpxpy and GDAL), waypoints, credits, CLI."""
from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from exporter import gpx as gpx_exporter
from exporter.errors import ExportError
from poi.geo import geodesic_distance_m
from poi.gpxfile import parse_gpx
from poi.i18n import language
from poi.models import POI
from poi.store import PoiStore
from trails import assembly
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore
from webapp.cli import cli

from helpers import open_db

DATA = Path(__file__).parent / "data"
EXPORT = DATA / "export"
XSD = DATA / "schema" / "gpx.xsd"
TRACKS = ["de-munich_garmin-edge-800_8seg_gpsbabel.gpx", "de-freiburg_simplify-relative_100pts_gpsbabel.gpx",
          "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx",
          "geotrek-admin__fr-74_trace_with_not_continuous_segments.gpx"]
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
NASTY = 'Moulin & <Pont> "Vieux" l\'Église — Ŝŧråñgé 🙂 ]]> \x07'

needs_xmllint = pytest.mark.tool("xmllint")
needs_ogr = pytest.mark.tool("ogrinfo")


# -- helpers -------------------------------------------------------------------
def segments_of(path: Path) -> list[list[tuple]]:
    """Every track point of a file, one list per non-empty <trkseg> (nothing cleaned: a strict round trip)."""
    gpx = parse_gpx(path)
    return [[(p.longitude, p.latitude, p.elevation) for p in seg.points]
            for trk in gpx.tracks for seg in trk.segments if seg.points]


def trail_of(name: str, **fields) -> Trail:
    return Trail(name=fields.pop("title", name), segments=segments_of(EXPORT / name), **fields)


def validate(path: Path) -> None:
    proc = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", str(XSD), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def write(tmp_path: Path, doc: str, name: str = "out.gpx") -> Path:
    path = tmp_path / name
    path.write_text(doc, encoding="utf-8")
    return path


def ogr_track_points(path: Path) -> list[tuple[int, float, float, float | None]]:
    """(segment, lon, lat, ele) of the track_points layer, as GDAL's GPX driver reads them."""
    out = subprocess.run(["ogrinfo", "-ro", "-q", str(path), "track_points"], capture_output=True, text=True,
                         check=True).stdout
    points = []
    for block in out.split("OGRFeature(track_points)")[1:]:
        seg = int(re.search(r"track_seg_id \(Integer\) = (\d+)", block).group(1))
        ele = re.search(r"\bele \(Real\) = (\S+)", block)
        lon, lat = map(float, re.search(r"POINT \(([-\d.e]+) ([-\d.e]+)", block).groups())
        points.append((seg, lon, lat, float(ele.group(1)) if ele else None))
    return points


def ogr_feature_count(path: Path, layer: str) -> int:
    out = subprocess.run(["ogrinfo", "-ro", "-so", str(path), layer], capture_output=True, text=True,
                         check=True).stdout
    return int(re.search(r"Feature Count: (\d+)", out).group(1))


def stops_of(pois: list[POI]) -> list[TrailStop]:
    return [TrailStop(Stop(1, i, 100.0 * i, 0.0, position=i), p) for i, p in enumerate(pois)]


@pytest.fixture
def pois() -> list[POI]:
    """Real waypoints (names with š, đ, č) as OSM POIs, plus Balise categories and an awkward one."""
    wpts = parse_gpx(EXPORT / "gpxpy__unicode.gpx").waypoints
    cats = ["church", "viewpoint", "water", "parking", "restaurant", "accommodation"]
    out = [POI(name=w.name, lon=w.longitude, lat=w.latitude, ele_m=w.elevation, category=c,
               summary=w.comment or "", source="osm", source_id=str(i), url=f"https://www.openstreetmap.org/node/{i}")
           for i, (w, c) in enumerate(zip(wpts, cats), start=1)]
    out.append(POI(name=NASTY, lon=14.30, lat=45.77, category="mill", source="merimee", source_id="PA0001",
                   description="<p>Un <b>moulin</b> &amp; son bief.</p>" + " Très long texte." * 80,
                   attribution="Ministère de la Culture, Mérimée", licence="Licence Ouverte 2.0",
                   url="https://pop.culture.gouv.fr/notice/merimee/PA0001?a=1&b=2"))
    return out


# -- validity ------------------------------------------------------------------
@needs_xmllint
@pytest.mark.parametrize("name", TRACKS)
def test_export_validates_against_the_gpx_1_1_schema(tmp_path, name, pois):
    trail = trail_of(name, summary="<p>Boucle &amp; patrimoine</p>", attribution="OT Aubenas",
                     licence="ODbL", url="https://example.org/trails/1?x=1&y=2", themes=["religious", "water"])
    validate(write(tmp_path, gpx_exporter.export(trail, stops_of(pois), now=NOW)))


@needs_xmllint
def test_minimal_trail_without_credits_or_stops_validates(tmp_path):
    trail = Trail(name="", segments=[[(3.41789, 46.12124, None)]])
    validate(write(tmp_path, gpx_exporter.export(trail, [])))


@needs_xmllint
@pytest.mark.parametrize("options", [{"simplify_m": 5.0}, {"max_points": 500}, {"simplify_m": 1.0, "max_points": 1000}])
def test_simplified_export_validates_and_is_smaller(tmp_path, options):
    trail = trail_of(TRACKS[0])
    path = write(tmp_path, gpx_exporter.export(trail, [], **options))
    validate(path)
    assert len(parse_gpx(path).tracks[0].segments) == 8
    assert parse_gpx(path).get_track_points_no() < len(trail.coords)


def test_namespace_schema_location_and_element_order(pois):
    doc = gpx_exporter.export(trail_of(TRACKS[3]), stops_of(pois), now=NOW)
    assert 'xmlns="http://www.topografix.com/GPX/1/1"' in doc
    assert 'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd"' in doc
    assert 'version="1.1"' in doc and 'creator="Balise"' in doc
    assert doc.index("<metadata>") < doc.index("<wpt ") < doc.rindex("</wpt>") < doc.index("<trk>")
    assert doc.count("<trkseg>") == 3


# -- round trips ---------------------------------------------------------------
@pytest.mark.parametrize("name", TRACKS)
def test_round_trip_through_gpxpy_keeps_every_point_within_half_a_metre(tmp_path, name):
    original = segments_of(EXPORT / name)
    path = write(tmp_path, gpx_exporter.export(Trail(name=name, segments=original), []))
    again = segments_of(path)
    assert [len(s) for s in again] == [len(s) for s in original]
    for seg_a, seg_b in zip(original, again):
        for a, b in zip(seg_a, seg_b):
            assert geodesic_distance_m(a[0], a[1], b[0], b[1]) <= 0.5
            assert (a[2] is None) == (b[2] is None)
            if a[2] is not None:
                assert abs(a[2] - b[2]) <= 0.01


@needs_xmllint
@pytest.mark.parametrize("name", TRACKS)
def test_trail_assembled_from_gpx_exports_valid_and_lossless(tmp_path, name):
    """With engineer A's assembly (cleaned, joined segments): the export keeps exactly its points."""
    trail = assembly.trail_from_gpx(EXPORT / name)
    path = write(tmp_path, gpx_exporter.export(trail, []))
    validate(path)
    again = segments_of(path)
    assert [len(s) for s in again] == [len(s) for s in trail.segments if s]
    for a, b in zip(trail.coords, [p for s in again for p in s]):
        assert geodesic_distance_m(a[0], a[1], b[0], b[1]) <= 0.5


@needs_ogr
@pytest.mark.parametrize("name", [TRACKS[0], TRACKS[3]])
def test_round_trip_read_back_by_gdal(tmp_path, name, pois):
    original = segments_of(EXPORT / name)
    path = write(tmp_path, gpx_exporter.export(Trail(name=name, segments=original), stops_of(pois)))
    read = ogr_track_points(path)
    flat = [(i, *p) for i, seg in enumerate(original) for p in seg]
    assert len(read) == len(flat) == ogr_feature_count(path, "track_points")
    for (seg_a, lon_a, lat_a, ele_a), (seg_b, lon_b, lat_b, ele_b) in zip(flat, read):
        assert seg_a == seg_b
        assert geodesic_distance_m(lon_a, lat_a, lon_b, lat_b) <= 0.5
        if ele_a is not None:
            assert abs(ele_a - ele_b) <= 0.01
    assert ogr_feature_count(path, "waypoints") == len(pois)


def test_export_of_an_unchanged_trail_is_byte_identical():
    trail = trail_of(TRACKS[1], updated_at="2024-05-01T08:00:00+00:00")
    assert gpx_exporter.export(trail, []) == gpx_exporter.export(trail, [])
    assert "<time>2024-05-01T08:00:00Z</time>" in gpx_exporter.export(trail, [])


# -- waypoints, metadata, text -------------------------------------------------
def test_waypoints_carry_name_sym_type_desc_src_and_link(tmp_path, pois):
    path = write(tmp_path, gpx_exporter.export(trail_of(TRACKS[3]), stops_of(pois), now=NOW))
    wpts = parse_gpx(path).waypoints
    assert [w.name for w in wpts[:2]] == ["šđčćž", "BIRDS NEST"]
    assert [w.symbol for w in wpts] == ["Church", "Scenic Area", "Drinking Water", "Parking Area", "Restaurant",
                                        "Lodging", "Building"]
    assert [w.type for w in wpts][:3] == ["church", "viewpoint", "water"]
    assert wpts[0].description == "ŠĐČĆŽ"
    assert wpts[0].source == "© OpenStreetMap contributors (ODbL 1.0, https://opendatacommons.org/licenses/odbl/1-0/)"
    assert wpts[0].link == "https://www.openstreetmap.org/node/1"
    assert wpts[0].elevation == pytest.approx(-0.11, abs=0.01)
    mill = wpts[-1]
    assert mill.description.startswith("Un moulin & son bief. Très long texte.")
    assert mill.description.endswith("…") and len(mill.description) <= gpx_exporter.WAYPOINT_DESC_CHARS
    assert mill.link == "https://pop.culture.gouv.fr/notice/merimee/PA0001?a=1&b=2"
    assert "Licence Ouverte / Etalab 2.0" in mill.source


def test_unknown_category_gets_the_generic_symbol(pois):
    poi = POI(name="X", lon=1.0, lat=43.0, category="spaceport")
    assert "<sym>Waypoint</sym>" in gpx_exporter.export(trail_of(TRACKS[3]), stops_of([poi]))


def test_removed_stops_are_not_exported(pois):
    stops = stops_of(pois[:2])
    stops[1].stop.status = "removed"
    assert gpx_exporter.export(trail_of(TRACKS[3]), stops).count("<wpt ") == 1


def test_metadata_has_copyright_licence_credits_link_and_bounds(tmp_path, pois):
    trail = trail_of(TRACKS[3], summary="<p>Boucle des <b>moulins</b></p>", attribution="Office de tourisme",
                     licence="Licence Ouverte", url="https://example.org/t/1", themes=["mills", "water"])
    with language("en"):
        path = write(tmp_path, gpx_exporter.export(trail, stops_of(pois), now=NOW))
    meta = parse_gpx(path)
    assert meta.name == trail.name
    assert meta.description.startswith("Boucle des moulins\n\nTrail: Office de tourisme (Licence Ouverte")
    assert ("Points of interest: © OpenStreetMap contributors (ODbL 1.0, "
            "https://opendatacommons.org/licenses/odbl/1-0/); Ministère de la Culture, Mérimée") in meta.description
    assert meta.author_name == "Office de tourisme"
    assert meta.copyright_author == "Office de tourisme"
    assert meta.copyright_license == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert meta.link == "https://example.org/t/1"
    assert meta.keywords == "mills, water"
    assert meta.time == NOW
    lats = [p[1] for p in trail.coords] + [p.lat for p in pois]
    assert float(meta.bounds.min_latitude) == pytest.approx(min(lats), abs=1e-7)
    assert float(meta.bounds.max_latitude) == pytest.approx(max(lats), abs=1e-7)


def test_credits_are_translated_in_french(pois):
    with language("fr"):
        doc = gpx_exporter.export(trail_of(TRACKS[3], attribution="OT", licence="ODbL"), stops_of(pois), now=NOW)
    assert "Circuit : OT (ODbL 1.0" in doc and "Points d'intérêt : © OpenStreetMap contributors" in doc


@needs_xmllint
def test_special_characters_survive(tmp_path, pois):
    trail = trail_of(TRACKS[3], title=NASTY, summary=NASTY)
    path = write(tmp_path, gpx_exporter.export(trail, stops_of(pois[-1:]), creator="Balise & co", now=NOW))
    validate(path)
    read = parse_gpx(path)
    clean = NASTY.replace("\x07", "").strip()
    assert read.name == read.tracks[0].name == read.waypoints[0].name == clean
    assert read.description.startswith(clean + "\n\n")
    assert read.creator == "Balise & co"


@needs_xmllint
def test_awkward_urls_are_escaped_or_dropped_and_the_file_stays_valid(tmp_path):
    urls = ["https://fr.wikipedia.org/wiki/Église Saint-Jean", "http://x.org/a b%zz#x#y", "https://[bad",
            'http://a.org/"<>', "javascript:alert(1)", "file:///etc/passwd"]
    stops = stops_of([POI(name=f"p{i}", lon=2.0, lat=45.0, url=u) for i, u in enumerate(urls)])
    trail = Trail(name="T", url=urls[1], licence="https://example.org/my licence", attribution="X",
                  segments=[[(2.0, 45.0, None), (2.1, 45.0, None)]])
    path = write(tmp_path, gpx_exporter.export(trail, stops))
    validate(path)
    links = [w.link for w in parse_gpx(path).waypoints]
    assert links == ["https://fr.wikipedia.org/wiki/%C3%89glise%20Saint-Jean", "http://x.org/a%20b%25zz#x%23y",
                     None, "http://a.org/%22%3C%3E", None, None]


# -- errors --------------------------------------------------------------------
@pytest.mark.parametrize("segments", [[], [[]], [[], []]])
def test_trail_without_points_is_an_export_error(segments):
    with pytest.raises(ExportError, match="no points"):
        gpx_exporter.export(Trail(name="Vide", segments=segments), [])


@pytest.mark.parametrize("point", [(2.0, 95.0, None), (float("nan"), 45.0, None), (200.0, 45.0, None)])
def test_impossible_coordinates_are_an_export_error(point):
    with pytest.raises(ExportError, match="impossible position"):
        gpx_exporter.export(Trail(name="T", segments=[[(2.0, 45.0, None), point]]), [])


@needs_xmllint
def test_longitude_180_is_written_as_minus_180(tmp_path):
    doc = gpx_exporter.export(Trail(name="T", segments=[[(180.0, -16.0, None), (179.9, -16.1, None)]]), [])
    assert 'lon="-180"' in doc and 'maxlon="179.9"' in doc
    validate(write(tmp_path, doc))


# -- CLI -----------------------------------------------------------------------
@pytest.fixture
def saved_trail(db_path, pois) -> int:
    """A trail saved through TrailStore, its stops through upsert_stops, POIs through PoiStore."""
    db = open_db(db_path)
    poi_store, trail_store = PoiStore(db), TrailStore(db)
    ids = [poi_store.upsert(p)[1] for p in pois]
    trail = trail_of(TRACKS[0], title="Munich & environs", attribution="OT München", licence="ODbL")
    tid = trail_store.save(trail)
    trail_store.upsert_stops([Stop(tid, pid, 50.0 * i, 0.0) for i, pid in enumerate(ids)])
    db.conn.close()
    return tid


@needs_xmllint
def test_cli_exports_a_valid_gpx(runner, saved_trail, tmp_path, pois):
    out = tmp_path / "munich.gpx"
    result = runner.invoke(cli, ["--lang", "en", "export", "gpx", str(saved_trail), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out}: 1286 track points, {len(pois)} waypoints"
    validate(out)
    read = parse_gpx(out)
    assert read.name == "Munich & environs" and len(read.waypoints) == len(pois)
    assert read.get_track_points_no() == 1286


@needs_xmllint
def test_cli_export_with_a_point_budget(runner, saved_trail, tmp_path):
    out = tmp_path / "old-gps.gpx"
    result = runner.invoke(cli, ["--lang", "en", "export", "gpx", str(saved_trail), "--out", str(out),
                                 "--max-points", "500"])
    assert result.exit_code == 0, result.output
    points = parse_gpx(out).get_track_points_no()
    assert points <= 500 and f": {points} track points" in result.output and "simplified at" in result.output
    validate(out)


@pytest.mark.parametrize("args", [["999"], ["abc"], ["1", "--max-points", "3"], ["1", "--simplify-m", "-1"]])
def test_cli_bad_input_exits_2_with_one_line(runner, saved_trail, tmp_path, args):
    out = tmp_path / "x.gpx"
    result = runner.invoke(cli, ["export", "gpx", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("balise: error: ")
    assert not out.exists()


def test_cli_missing_output_folder_exits_2(runner, saved_trail, tmp_path):
    result = runner.invoke(cli, ["export", "gpx", str(saved_trail), "--out", str(tmp_path / "nope" / "x.gpx")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.glob("**/*.tmp")) == []
