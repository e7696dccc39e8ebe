"""The offline map's ways and the walkable path network from real OSM extracts (poi.network)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from poi.errors import SourceFormatError
from poi.geo import bbox_around, geodesic_length_m
from poi.i18n import language
from poi.network import MAP_KINDS, import_osm_map, network_stats, ways_in_bbox
from webapp.cli import cli

from helpers import open_db

OSM = Path(__file__).parent / "data" / "sources" / "osm"
ANDORRA = OSM / "andorra_2013_graphhopper.osm.pbf"
MONACO = OSM / "monaco_graphhopper.osm.gz"
TRUNCATED = OSM / "andorra_2013_graphhopper_truncated-at-300kB.osm.pbf"
GPX_RENAMED = OSM / "gpx-renamed_fr-72_le-mans_sloth-track_gpxpy.osm"
CASELLES = (1.60775, 42.57077)  # Sant Joan de Caselles (lon, lat)


@pytest.fixture(autouse=True)
def english():
    with language("en"):
        yield


@pytest.fixture(scope="module")
def andorra():
    """Andorra imported once for the tests that only read (and the re-import, which changes nothing)."""
    db = open_db(":memory:")
    yield db, import_osm_map(db, ANDORRA)
    db.conn.close()


def edges(db) -> list[dict]:
    cols = ("way_osm_id", "seq", "from_node", "to_node", "length_m", "highway", "geometry")
    return [dict(zip(cols, r)) for r in db.execute(f"SELECT {', '.join(cols)} FROM path_edges ORDER BY id")]


def test_andorra_map_has_hundreds_of_paths_and_tracks(andorra):
    db, report = andorra
    ways = report.stats.ways
    assert set(ways) <= set(MAP_KINDS)
    assert ways["path"] + ways["track"] + ways["footway"] + ways["steps"] > 300  # 434 in this 2013 extract
    assert ways["road_major"] > 100 and ways["building"] > 200 and ways["stream"] + ways["river"] > 100
    assert ways["water"] > 50 and ways["wood"] > 20
    assert report.added == sum(ways.values()) and report.updated == report.unchanged == 0


def test_edge_lengths_add_up_to_the_walkable_ways(andorra):
    db, report = andorra
    stats = report.stats
    assert 600_000 < stats.edges_length_m < 1_000_000   # ~820 km of walkable ways
    assert stats.edges_length_m == pytest.approx(stats.walkable_ways_length_m, rel=1e-9)
    assert stats.edges > 2000 and stats.nodes > 2000
    assert stats.components < 100  # an extract cut at the borders: some pieces, not thousands


def test_andorra_network_figures(andorra):
    """The figures of the 2013 Andorra extract, as the in-memory importer (libosmium's location cache) gave them
    before the import went streaming with a scratch file: a lost batch, a wrong location or junction changes them."""
    db, report = andorra
    stats = report.stats
    assert (report.added, report.skipped, report.edges_written) == (2188, 4, 2565)
    assert (stats.nodes, stats.edges, stats.components) == (2237, 2565, 46)
    assert stats.edges_length_m == pytest.approx(821_154.0855, abs=0.01)
    assert (stats.ways["building"], stats.ways["water"], stats.ways["wood"], stats.ways["path"]) == (292, 98, 53, 213)
    relation = db.execute("SELECT osm_id, kind, length(geometry) FROM map_ways WHERE osm_id LIKE 'relation/%'")
    assert relation.fetchall() == [("relation/2679449", "water", 5679)]
    first = db.execute("SELECT way_osm_id, from_node, to_node, length_m FROM path_edges ORDER BY id").fetchone()
    assert first[:3] == ("way/6165450", 51110488, 51110493) and first[3] == pytest.approx(53.7834, abs=1e-4)


def _rows(db) -> tuple[list, list, list]:
    return (db.execute("SELECT osm_id, kind, class, name, geometry, length_m, walkable, content_hash FROM map_ways "
                       "ORDER BY osm_id").fetchall(),
            db.execute("SELECT id, way_osm_id, seq, from_node, to_node, length_m, highway, geometry, tags "
                       "FROM path_edges ORDER BY id").fetchall(),
            db.execute("SELECT id, lon, lat FROM path_nodes ORDER BY id").fetchall())


def test_batch_sizes_do_not_change_the_network(monkeypatch, tmp_path):
    """Monaco (its multipolygons too) read by batches of 7 node references, areas one relation at a time."""
    from poi.network import passes

    whole = open_db(tmp_path / "whole.db")
    import_osm_map(whole, MONACO)
    for name, value in (("WAY_BATCH_REFS", 7), ("AREA_BATCH_NODES", 5), ("AREA_RELATIONS_PAGE", 1)):
        monkeypatch.setattr(passes, name, value)
    small = open_db(tmp_path / "small.db")
    report = import_osm_map(small, MONACO)
    assert report.stats.edges == 1531 and report.stats.ways["building"] > 100
    ways, path_edges, nodes = _rows(small)
    assert sum(1 for w in ways if w[0].startswith("relation/")) == 4
    assert (ways, path_edges, nodes) == _rows(whole)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("balise-map-")]  # the scratch file is gone


def test_edges_are_geodesic_and_end_on_their_nodes(andorra):
    db, _report = andorra
    nodes = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, lon, lat FROM path_nodes")}
    all_edges = edges(db)
    for e in all_edges[::25]:
        coords = json.loads(e["geometry"])
        assert e["length_m"] == pytest.approx(geodesic_length_m(coords), abs=0.05)
        assert tuple(coords[0]) == nodes[e["from_node"]] and tuple(coords[-1]) == nodes[e["to_node"]]
    assert all(e["length_m"] >= 0 for e in all_edges)
    assert {e["highway"] for e in all_edges} >= {"path", "track", "footway", "residential"}
    assert not {e["highway"] for e in all_edges} & {"motorway", "trunk"}


def test_junctions_cut_ways_where_they_meet(andorra):
    db, _report = andorra
    degree: dict[int, int] = {}
    for e in edges(db):
        for n in (e["from_node"], e["to_node"]):
            degree[n] = degree.get(n, 0) + 1
    # Most nodes are junctions (degree >= 3) or dead ends (1); degree 2 where two ways simply join end to end.
    assert sum(1 for d in degree.values() if d >= 3) > 500
    ways_cut = db.execute("SELECT COUNT(*) FROM (SELECT way_osm_id FROM path_edges GROUP BY way_osm_id "
                          "HAVING COUNT(*) > 1)").fetchone()[0]
    assert ways_cut > 300


def test_reimport_changes_nothing(andorra):
    db, first = andorra
    before = (network_stats(db), edges(db))
    again = import_osm_map(db, ANDORRA)
    assert (again.added, again.updated, again.unchanged, again.edges_written) == (0, 0, first.added, 0)
    assert (network_stats(db), edges(db)) == before


def test_a_changed_way_is_updated_and_its_edges_replaced(db, tmp_path):
    osm = tmp_path / "walk.osm"
    template = """<osm version="0.6">
 <node id="1" lat="42.5700" lon="1.6000"/><node id="2" lat="42.5710" lon="1.6000"/>
 <node id="3" lat="42.5720" lon="{lon3}"/><node id="4" lat="42.5710" lon="1.6010"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="path"/><tag k="name" v="Camí"/></way>
 <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="{hw}"/></way>
</osm>"""
    osm.write_text(template.format(lon3="1.6000", hw="track"))
    first = import_osm_map(db, osm)
    assert (first.added, first.edges_written, first.stats.nodes, first.stats.components) == (2, 3, 4, 1)
    osm.write_text(template.format(lon3="1.6005", hw="motorway"))  # way 10 moved, way 11 no longer walkable
    second = import_osm_map(db, osm)
    assert (second.added, second.updated, second.unchanged) == (0, 2, 0)
    assert second.stats.edges == 1 and second.stats.nodes == 2  # way 10 uncut; orphan nodes dropped
    assert [(e["way_osm_id"], e["highway"]) for e in edges(db)] == [("way/10", "path")]
    assert second.stats.ways == {"path": 1, "road_major": 1}


def test_ways_in_bbox_gives_geojson_geometries(andorra):
    db, _report = andorra
    box = bbox_around(*CASELLES, 1000)
    found = ways_in_bbox(db, box)
    assert found and len(found) < 300
    kinds = {w.kind for w in found}
    assert {"road_major", "stream"} <= kinds
    for w in found:
        areas = w.kind in ("water", "wood", "building")
        assert w.geometry["type"] in (("Polygon", "MultiPolygon") if areas else ("LineString",))
        assert w.length_m is None if areas else w.length_m > 0
    only = ways_in_bbox(db, box, kinds=["path", "track"])
    assert only and {w.kind for w in only} <= {"path", "track"}
    assert ways_in_bbox(db, box, kinds=[]) == []


def test_multipolygon_relations_are_map_areas(andorra):
    db, _report = andorra
    areas = [w for w in ways_in_bbox(db, (-180, -90, 180, 90)) if w.osm_id.startswith("relation/")]
    assert areas and all(w.geometry["type"] == "MultiPolygon" and w.kind in ("water", "wood", "building")
                         for w in areas)


def test_bbox_keeps_only_ways_meeting_it(db):
    box = bbox_around(*CASELLES, 2000)
    report = import_osm_map(db, ANDORRA, bbox=box)
    assert 0 < report.ways < 600
    for w in ways_in_bbox(db, (-180, -90, 180, 90)):
        points = _flat(w.geometry["coordinates"])
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        assert min(xs) <= box[2] and max(xs) >= box[0] and min(ys) <= box[3] and max(ys) >= box[1]


def _flat(coords):
    if coords and isinstance(coords[0], (int, float)):
        return [coords]
    return [p for c in coords for p in _flat(c)]


def test_monaco_streets_make_a_walkable_city(db):
    report = import_osm_map(db, MONACO)
    ways = report.stats.ways
    assert ways["footway"] + ways["steps"] + ways["road_minor"] + ways["road_medium"] > 600
    assert ways["coastline"] > 0
    assert report.stats.edges > 1000


@pytest.mark.parametrize("path, message", [
    (TRUNCATED, "broken OpenStreetMap file (PBF error: unexpected EOF); nothing was imported"),
    (GPX_RENAMED, "not an OpenStreetMap file (an XML <gpx> document)"),
])
def test_broken_or_foreign_files_write_nothing(db, path, message):
    with pytest.raises(SourceFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_osm_map(db, path)
    stats = network_stats(db)
    assert (stats.ways, stats.nodes, stats.edges) == ({}, 0, 0)


def test_bad_bbox_is_refused(db):
    with pytest.raises(SourceFormatError, match="is not MIN_LON,MIN_LAT,MAX_LON,MAX_LAT"):
        import_osm_map(db, ANDORRA, bbox=(42.6, 1.5, 42.5, 1.6))


# -- CLI --------------------------------------------------------------------------------------------------

def test_cli_map_import_and_stats(runner):
    result = runner.invoke(cli, ["map", "import", str(ANDORRA)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("andorra_2013_graphhopper.osm.pbf: ") and "path edges written" in lines[0]
    assert lines[1].startswith("map ways: building ") and lines[2].startswith("path network: ")
    stats = runner.invoke(cli, ["map", "stats", "--json"])
    assert stats.exit_code == 0
    data = json.loads(stats.output)
    assert data["edges"] > 2000 and data["ways"]["path"] > 100
    with language("fr"):
        french = runner.invoke(cli, ["--lang", "fr", "map", "stats"])
    assert "réseau de chemins" in french.output


@pytest.mark.parametrize("args, message", [
    (["map", "import", str(TRUNCATED)], "broken OpenStreetMap file"),
    (["map", "import", str(ANDORRA), "--bbox", "1.5,42.5,1.6"], "bounding box '1.5,42.5,1.6' is not"),
    (["map", "import", str(OSM / "missing.osm.pbf")], "missing.osm.pbf: no such file"),
])
def test_cli_map_import_errors_exit_2_with_one_line(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("balise: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
