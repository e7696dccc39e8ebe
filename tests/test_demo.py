"""The demo catalogue built from the project's real data (data/demo.json): size, provenance, stops, idempotence,
the offline maps of the OSM extracts (Andorra, Monaco) and the walks routed through Monaco's heritage."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from poi.errors import SourceFormatError
from poi.store import PoiStore
from trails.store import TrailStore
from webapp.demo import DEFAULT_DATA_DIR, build_demo, read_manifest, read_routes

from helpers import open_db

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
          f"{first.pois} POIs, {first.trails_with_stops} trails with {first.stops} stops, {first.routes} routed, "
          f"{first.map_ways} map ways, {first.path_edges} path edges")
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
    assert (second.routes, second.map_ways, second.path_edges) == (first.routes, first.map_ways, first.path_edges)
    assert sorted(second.trail_ids) == sorted(first.trail_ids)


def test_cevennes_circuits_keep_their_published_figures(built):
    cevennes = [t for t in TrailStore(built[0]).all() if t.source == "schema_randonnee:PNC"]
    assert len(cevennes) == 93
    roquette = next(t for t in cevennes if t.source_id == "37037")
    assert roquette.duration_source == "source" and roquette.duration_min == 120
    assert roquette.ascent_m == 159  # published: the geometry has no elevation
    assert roquette.attribution == "Parc national des Cévennes (PNC)"
    assert roquette.medias[0]["url"].startswith("https://geotrek-admin.cevennes-parcnational.net/media/")


def test_mountain_sections_are_measured_from_their_elevation(built):
    andorra = [t for t in TrailStore(built[0]).all() if t.source == "osm:andorra-2013"]
    assert len(andorra) >= 5
    for t in andorra:
        assert 5000 <= t.length_m <= 19000
        assert t.ascent_m + t.descent_m > 300, t.name  # Pyrenees: SRTM elevation was added
        assert 900 < t.ele_min_m < t.ele_max_m < 3200


def test_signposted_walks_show_their_signposts_as_waymarks_not_stops(built):
    from trails.corridor import find_waymarks
    from poi.store import PoiStore

    db = built[0]
    store = TrailStore(db)
    walks = [t for t in store.all() if t.source == "osm:ardeche-aubenas-2023"]
    assert len(walks) >= 5
    for walk in walks:
        # a signpost is never a card (issue 14: "Le Bouchet – Le Bosc" had 10 stops, all signposts)
        assert not [s for s in store.stops(walk.id, include_removed=True)
                    if PoiStore(db).get(s.poi_id).category == "signpost"], walk.name
        posts = find_waymarks(walk, PoiStore(db))
        assert len(posts) >= 2, walk.name
        # the walk is named after the network nodes at its ends, which are signposted places
        first, last = walk.name.split(" – ")
        assert {first, last} & {p.name for p in posts}, walk.name


def test_refuges_are_stops_of_the_mountain_sections(built):
    db = built[0]
    store = TrailStore(db)
    names = {s.poi.name for t in store.all() if t.source == "osm:andorra-2013" for s in store.stops_with_pois(t.id)}
    assert {"Refugi de la Comapedrosa", "Refugi de Juclar"} <= names


def test_the_osm_extracts_give_the_map_and_the_path_network(built):
    _, report, _, _, lines = built
    # Andorra 2188 map ways, 2565 path edges; Monaco 1858 and 1531 (poi.network.import_osm_map)
    assert report.map_ways == 2188 + 1858 and report.path_edges == 2565 + 1531
    assert 850 < report.path_km < 950
    assert sum(line.startswith(("Map:", "Carte :")) for line in lines) == 2


def test_andorra_sections_get_a_vector_offline_map(built):
    from exporter.bundle import build_trail_files, trail_map

    db = built[0]
    store = TrailStore(db)
    sections = [t for t in store.all() if t.source == "osm:andorra-2013"]
    maps = {t.name: trail_map(db, t) for t in sections}
    assert all(m.vector is not None and "path" in m.vector.styles for m in maps.values()), maps
    # the mountain sections' maps are sparse (2013 OSM); the one down through Andorra la Vella has streets
    town = next(t for t in sections if t.name == "GR-11 : Coll de Jovell – Lloc de Repos de Redort")
    files = build_trail_files(db, town, store.stops_with_pois(town.id))
    doc = json.loads(files["map.json"])
    assert len(doc["features"]) > 200, len(doc["features"])
    assert {"path", "footway", "road_minor", "building", "river"} <= {style["kind"] for style in doc["styles"]}
    assert json.loads(files["trail.json"])["map"] == "map.json"


#: The stops of the routed walks of data/demo.json, in walking order.
MONACO_WALKS = {
    "Monaco-Ville : du Palais princier au Jardin exotique": [
        "Palais Princier de Monaco", "Chapelle des Pénitents", "Cathédrale Notre-Dame-Immaculée",
        "Musée Océanographique", "Jardin Exotique"],
    "Monte-Carlo : de Sainte-Dévote aux jardins": [
        "Chapelle de Sainte-Devote", "Square Beaumarchais", "Jardins de la Petite Afrique", "Église Saint-Charles",
        "Jardin Japonais", "Nouveau Musée National - Villa Sauber"],
}


def test_monaco_walks_are_routed_through_their_heritage_stops(built):
    from shapely.geometry import LineString, Point

    from poi.geo import Projector

    db, report = built[0], built[1]
    store = TrailStore(db)
    walks = {t.name: t for t in store.all() if t.source == "osm:monaco"}
    assert sorted(walks) == sorted(MONACO_WALKS) and report.routes == 2
    assert [r["name"] for r in read_routes(DATA)] == list(MONACO_WALKS)
    for name, stops in MONACO_WALKS.items():
        walk = walks[name]
        assert walk.published and walk.licence == "ODbL 1.0" and "OpenStreetMap" in walk.attribution
        assert 1000 < walk.length_m < 7000 and walk.route_type == "loop", (name, walk.length_m, walk.route_type)
        # the lane to the Place du Palais is a dead end: walked twice
        assert walk.coords[0][:2] == walk.coords[-1][:2] and walk.routing["reuse_ratio"] <= 0.2
        assert walk.ascent_m > 20 and all(c[2] is not None for c in walk.coords)  # the DEM gives the climb
        every = store.stops_with_pois(walk.id)
        shown = [s for s in every if s.kind == "story"]
        assert [s.poi.name for s in shown] == stops  # the story: exactly the chosen POIs, in order
        assert all(s.stop.status == "manual" for s in shown)
        services = [s for s in every if s.kind == "service"]  # help at hand stays, never as a story
        assert services and all(s.stop.status == "auto" for s in services), name
        along = [s.stop.distance_along_m for s in shown]
        assert along == sorted(along) and along[0] < 50 and along[-1] < walk.length_m - 100  # then back
        projector = Projector.for_coords(walk.coords)
        line = LineString(zip(*projector.to_metric([c[0] for c in walk.coords], [c[1] for c in walk.coords])))
        for s in shown:  # each stop triggers from the walk, even a palace drawn 120 m from the street
            distance_m = line.distance(Point(projector.to_metric(s.poi.lon, s.poi.lat)))
            radius_m = s.stop.trigger_radius_m or s.poi.effective_trigger_radius_m
            assert distance_m < radius_m, (s.poi.name, distance_m, radius_m)


def test_routed_walks_bundle_with_the_monaco_map(built):
    from exporter.bundle import build_trail_files

    db = built[0]
    store = TrailStore(db)
    walk = next(t for t in store.all() if t.source == "osm:monaco")
    files = build_trail_files(db, walk, store.stops_with_pois(walk.id))
    kinds = {style["kind"] for style in json.loads(files["map.json"])["styles"]}
    assert {"building", "road_minor", "footway"} <= kinds, kinds


def test_progress_reports_each_file(built):
    lines = built[4]
    manifest = read_manifest(DATA)
    # one line a file (POIs, map, circuits), one for all GPX traces, one for the routed walks
    assert len(lines) == len([e for e in manifest if e["format"] != "gpx"]) + 2


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


def _copy_data(tmp_path: Path, only: set[str], routes: bool = False) -> Path:
    manifest = json.loads((DATA / "demo.json").read_text(encoding="utf-8"))
    manifest["files"] = [e for e in manifest["files"] if e["path"] in only]
    if not routes:
        manifest.pop("routes", None)
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


def test_a_route_through_an_unknown_poi_leaves_the_database_unchanged(tmp_path, db):
    from poi.i18n import language

    folder = _copy_data(tmp_path, {"monaco_graphhopper.osm.gz"}, routes=True)
    manifest = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    manifest["files"] = [e for e in manifest["files"] if e["kind"] == "pois"]  # no map: fails before routing
    manifest["routes"][0]["stops"][1]["name"] = "Chapelle qui n'existe pas"
    (folder / "demo.json").write_text(json.dumps(manifest), encoding="utf-8")
    with language("en"), pytest.raises(SourceFormatError, match="0 POIs of osm:monaco are named"):
        build_demo(db, data_dir=folder)
    assert PoiStore(db).count() == 0 and TrailStore(db).count() == 0


@pytest.mark.parametrize("change", [
    lambda r: r.pop("licence"),
    lambda r: r.update(stops=[{"name": "Palais Princier de Monaco"}]),
    lambda r: r.update(stops="Palais Princier de Monaco, Cathédrale"),
])
def test_bad_routes(tmp_path, db, change):
    from poi.i18n import language

    folder = _copy_data(tmp_path, {"ardeche_aubenas_guideposts.geojson"}, routes=True)
    manifest = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    change(manifest["routes"][0])
    (folder / "demo.json").write_text(json.dumps(manifest), encoding="utf-8")
    with language("en"), pytest.raises(SourceFormatError, match="at least two named stops"):
        build_demo(db, data_dir=folder)
    assert PoiStore(db).count() == 0


def test_a_broken_map_extract_leaves_the_database_unchanged(tmp_path, db):
    folder = _copy_data(tmp_path, {"ardeche_aubenas_guideposts.geojson", "andorra_2013_graphhopper.osm.pbf"})
    sources = Path(__file__).parent / "data" / "sources" / "osm"
    shutil.copyfile(sources / "andorra_2013_graphhopper_truncated-at-300kB.osm.pbf",
                    folder / "andorra_2013_graphhopper.osm.pbf")
    with pytest.raises(SourceFormatError):
        build_demo(db, data_dir=folder)
    assert PoiStore(db).count() == 0  # the POIs imported before the map went too (one transaction)
    from poi.network import network_stats

    assert network_stats(db).edges == 0


def test_no_demo_circuit_pushes_car_parks_signposts_or_restaurants_and_heritage_walks_tell_their_heritage(built):
    """Issue 14: of 184 live stops, 87 were signposts, 33 car parks, 22 restaurants, all pushed as cards."""
    db = built[0]
    store = TrailStore(db)
    pushed, services = [], 0
    for trail in store.all():
        for s in store.stops_with_pois(trail.id):
            assert s.poi.category != "signpost", (trail.name, s.poi.name)  # waymarks, never stops
            if s.kind == "story":
                pushed.append((trail.name, s.poi.category, s.poi.name))
            else:
                services += 1
            if s.poi.category in ("parking", "restaurant", "accommodation", "shop", "transport", "toilets"):
                assert s.kind == "service" or s.stop.kind == "story", (trail.name, s.poi.name)
    assert services >= 100 and not [p for p in pushed if p[1] in ("parking", "restaurant", "signpost")]
    heritage = [t for t in store.all() if t.source == "osm:monaco"]
    for walk in heritage:
        told = [s for s in store.stops_with_pois(walk.id) if s.kind == "story"]
        assert len(told) >= 5 and {s.poi.category for s in told} & {"church", "castle", "museum"}, walk.name
