"""The demo catalogue built from the project's real data (data/demo.json): size, provenance, stops, idempotence."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import trails.store  # noqa: F401  (registers the trail tables)
from poi.errors import SourceFormatError
from poi.store import PoiStore, open_db
from trails.store import TrailStore
from webapp.demo import DEFAULT_DATA_DIR, build_demo, read_manifest

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo built twice into one temporary database file: (db, first report, second report)."""
    db = open_db(tmp_path_factory.mktemp("demo") / "balise.db")
    lines: list[str] = []
    first = build_demo(db, progress=lambda *parts: lines.append(" ".join(map(str, parts))))
    counts = (TrailStore(db).count(), PoiStore(db).count(), _stop_rows(db))
    second = build_demo(db)
    print(f"\ndemo build: {first.seconds:.2f} s (second run {second.seconds:.2f} s): {first.trails} trails, "
          f"{first.pois} POIs, {first.trails_with_stops} trails with {first.stops} stops")
    yield db, first, second, counts, lines
    db.conn.close()


def _stop_rows(db) -> int:
    store = TrailStore(db)
    return sum(len(store.stops(t.id, include_removed=True)) for t in store.all())


def test_default_data_dir_is_the_projects(built):
    assert DEFAULT_DATA_DIR == DATA.resolve()


def test_size_of_the_catalogue(built):
    _, report, _, (trails, pois, _), _ = built
    assert report.trails >= 20 and trails == report.trails
    assert report.pois >= 200 and pois == report.pois
    assert report.trails_with_stops >= 5
    assert report.stops >= report.trails_with_stops
    assert report.problems == []


def test_every_trail_is_published_with_licence_and_attribution(built):
    db = built[0]
    trails = TrailStore(db).all()
    assert all(t.published for t in trails)
    assert all(t.licence and t.attribution for t in trails), [t.name for t in trails if not t.licence]
    osm = [t for t in trails if t.source.startswith("osm:")]
    assert osm and all("OpenStreetMap" in t.attribution and t.licence == "ODbL 1.0" for t in osm)


def test_every_poi_has_licence_and_attribution(built):
    pois = PoiStore(built[0]).all()
    assert all(p.licence and p.attribution for p in pois)
    assert {p.licence for p in pois} == {"ODbL 1.0", "Licence Ouverte 2.0"}


def test_second_run_changes_nothing(built):
    db, first, second, counts, _ = built
    assert (TrailStore(db).count(), PoiStore(db).count(), _stop_rows(db)) == counts
    assert (second.trails, second.pois, second.trails_with_stops, second.stops) == \
        (first.trails, first.pois, first.trails_with_stops, first.stops)
    assert sorted(second.trail_ids) == sorted(first.trail_ids)


def test_cevennes_circuits_keep_their_published_figures(built):
    cevennes = [t for t in TrailStore(built[0]).all() if t.source == "schema_randonnee:PNC"]
    assert len(cevennes) == 93
    roquette = next(t for t in cevennes if t.source_id == "37037")
    assert roquette.duration_source == "source" and roquette.duration_min == 120
    assert roquette.ascent_m == 159  # published: the geometry has no elevation
    assert roquette.attribution == "Parc national des Cévennes (PNC)"
    assert roquette.extra["medias"][0]["url"].startswith("https://geotrek-admin.cevennes-parcnational.net/media/")


def test_mountain_sections_are_measured_from_their_elevation(built):
    andorra = [t for t in TrailStore(built[0]).all() if t.source == "osm:andorra-2013"]
    assert len(andorra) >= 5
    for t in andorra:
        assert 5000 <= t.length_m <= 19000
        assert t.ascent_m + t.descent_m > 300, t.name  # Pyrenees: SRTM elevation was added
        assert 900 < t.ele_min_m < t.ele_max_m < 3200


def test_signposted_walks_stop_at_their_signposts(built):
    db = built[0]
    store = TrailStore(db)
    walks = [t for t in store.all() if t.source == "osm:ardeche-aubenas-2023"]
    assert len(walks) >= 5
    for walk in walks:
        stops = store.stops_with_pois(walk.id)
        posts = [s.poi for s in stops if s.poi.source == "osm:ardeche-aubenas-2023"]
        assert len(posts) >= 2, walk.name
        # the walk is named after the network nodes at its ends, which are signposted places
        first, last = walk.name.split(" – ")
        assert {first, last} & {p.name for p in posts}, walk.name
        along = [s.stop.distance_along_m for s in stops]
        assert along == sorted(along)


def test_refuges_are_stops_of_the_mountain_sections(built):
    db = built[0]
    store = TrailStore(db)
    names = {s.poi.name for t in store.all() if t.source == "osm:andorra-2013" for s in store.stops_with_pois(t.id)}
    assert {"Refugi de la Comapedrosa", "Refugi de Juclar"} <= names


def test_progress_reports_each_file(built):
    lines = built[4]
    manifest = read_manifest(DATA)
    assert len(lines) == len([e for e in manifest if e["format"] != "gpx"]) + 1


def test_manifest_files_are_documented_and_small():
    manifest = read_manifest(DATA)
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for entry in manifest:
        top = entry["path"].split("/")[0]
        assert top in readme.replace("/*.gpx", ""), f"{top} is not in data/README.md"
        assert entry["licence"] and entry["attribution"] and entry["source"]
    size = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert size < 5_000_000


def test_the_demo_never_reads_the_shared_folder():
    for path in (Path(__file__).parent.parent / "webapp" / "demo.py", DATA / "demo.json"):
        assert "/work/shared" not in path.read_text(encoding="utf-8")


def _copy_data(tmp_path: Path, only: set[str]) -> Path:
    manifest = json.loads((DATA / "demo.json").read_text(encoding="utf-8"))
    manifest["files"] = [e for e in manifest["files"] if e["path"] in only]
    for entry in manifest["files"]:
        shutil.copyfile(DATA / entry["path"], tmp_path / Path(entry["path"]).name)
        entry["path"] = Path(entry["path"]).name
    (tmp_path / "demo.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def test_a_broken_file_leaves_the_database_unchanged(tmp_path, db):
    folder = _copy_data(tmp_path, {"ardeche_aubenas_guideposts.geojson",
                                   "cevennes_pnc_93_circuits.schema_randonnee.geojson"})
    (folder / "cevennes_pnc_93_circuits.schema_randonnee.geojson").write_text("{broken", encoding="utf-8")
    with pytest.raises(SourceFormatError):
        build_demo(db, data_dir=folder)
    assert PoiStore(db).count() == 0 and TrailStore(db).count() == 0


def test_a_small_data_folder(tmp_path, db):
    folder = _copy_data(tmp_path, {"ardeche_aubenas_guideposts.geojson"})
    report = build_demo(db, data_dir=folder)
    assert (report.pois, report.trails, report.stops) == (256, 0, 0)


@pytest.mark.parametrize("change, message", [
    (lambda e: e.pop("licence"), "licence and an attribution"),
    (lambda e: e.update(format="kml"), "no known kind and format"),
    (lambda e: e.update(path="missing.geojson"), "missing"),
])
def test_bad_manifests(tmp_path, db, change, message):
    from poi.i18n import language

    folder = _copy_data(tmp_path, {"ardeche_aubenas_guideposts.geojson"})
    manifest = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    change(manifest["files"][0])
    (folder / "demo.json").write_text(json.dumps(manifest), encoding="utf-8")
    with language("en"), pytest.raises(SourceFormatError, match=message):
        build_demo(db, data_dir=folder)


def test_no_manifest(tmp_path, db):
    with pytest.raises(SourceFormatError):
        build_demo(db, data_dir=tmp_path)
