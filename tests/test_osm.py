"""The OpenStreetMap POI importer (--format osm) on real extracts (tests/data/sources/osm/README.md)."""
from __future__ import annotations

import re

import pytest

from helpers import SOURCES, english, poi_rows  # noqa: F401  (english: autouse)
from poi.errors import SourceFormatError
from poi.i18n import language
from poi.importers import FORMATS, guess_format, import_file
from poi.importers.osm import OSMImporter, osm_category
from poi.store import PoiStore
from webapp.cli import cli

OSM = SOURCES / "osm"
ANDORRA = OSM / "andorra_2013_graphhopper.osm.pbf"
MONACO = OSM / "monaco_graphhopper.osm.gz"
SAINT_BARTH = OSM / "fr-977_saint-barthelemy_2014_osmose.osm.pbf"
TRUNCATED = OSM / "andorra_2013_graphhopper_truncated-at-300kB.osm.pbf"
GPX_RENAMED = OSM / "gpx-renamed_fr-72_le-mans_sloth-track_gpxpy.osm"
AUDE_GEOJSON = OSM / "osm-overpass_fr-11_aude_tourism_2014.geojson"


def by_name(store: PoiStore, name: str):
    found = [p for p in store.all() if p.name == name]
    assert len(found) == 1, f"{name}: {len(found)} POIs"
    return found[0]


def test_osm_is_a_registered_format_guessed_from_its_extensions():
    assert FORMATS["osm"] is OSMImporter
    assert guess_format("andorra.osm.pbf") == guess_format("extract.osm") == "osm"


@pytest.mark.parametrize("path, name, category, osm_id", [
    (ANDORRA, "Sant Joan de Caselles", "church", "node/894263144"),       # historic=church + tourism=attraction
    (ANDORRA, "Casa d'Areny-Plandolit", "museum", "node/529941178"),
    (ANDORRA, "Santuari de la Mare de Déu de Canòlic", "church", "way/202595158"),
    (MONACO, "Palais Princier de Monaco", "castle", "way/38545604"),      # building polygons: centroid
    (MONACO, "Cathédrale Notre-Dame-Immaculée", "church", "way/48807211"),
    (MONACO, "Musée Océanographique", "museum", "way/23715051"),
    (MONACO, "Fairmont", "accommodation", "relation/2093796"),           # a multipolygon relation
])
def test_known_heritage_pois_come_in_with_their_category(db, store, path, name, category, osm_id):
    import_file(db, path, format="osm")
    poi = by_name(store, name)
    assert (poi.category, poi.source, poi.source_id) == (category, "osm", osm_id)
    assert poi.extra["osm_url"] == f"https://www.openstreetmap.org/{osm_id}"


def test_building_polygon_poi_sits_inside_its_building(db, store):
    from shapely.geometry import Point, shape

    from poi.network import import_osm_map, ways_in_bbox

    import_file(db, MONACO, format="osm")
    import_osm_map(db, MONACO)
    for name in ("Cathédrale Notre-Dame-Immaculée", "Musée Océanographique", "Palais Princier de Monaco"):
        poi = by_name(store, name)
        outline = next(w for w in ways_in_bbox(db, (poi.lon, poi.lat, poi.lon, poi.lat), kinds=["building"])
                       if w.osm_id == poi.source_id)
        assert shape(outline.geometry).contains(Point(poi.lon, poi.lat)), name


def test_provenance_is_odbl_openstreetmap_on_every_poi(db, store):
    report = import_file(db, ANDORRA)
    assert 400 <= report.added <= 500 and report.updated == 0
    pois = store.all()
    assert len(pois) == report.added
    assert {(p.source, p.licence, p.attribution) for p in pois} == {
        ("osm", "ODbL 1.0", "© OpenStreetMap contributors")}
    assert all(re.fullmatch(r"(node|way|relation)/\d+", p.source_id) for p in pois)
    assert all(re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", p.updated_at) for p in pois)  # OSM edit time
    assert store.sources() == [{"source": "osm", "n": len(pois), "licence": "ODbL 1.0",
                                "attribution": "© OpenStreetMap contributors"}]


@pytest.mark.parametrize("path", [ANDORRA, MONACO, SAINT_BARTH], ids=lambda p: p.name)
def test_reimport_changes_nothing(db, store, path):
    first = import_file(db, path, format="osm")
    before = poi_rows(store)
    again = import_file(db, path, format="osm")
    assert (again.added, again.updated, again.unchanged) == (0, 0, first.added)
    assert again.skipped == first.skipped and again.ids == []
    assert poi_rows(store) == before


def test_unnamed_features_kept_only_when_useful_with_a_generated_name(db, store):
    report = import_file(db, MONACO, format="osm")
    generated = [p for p in store.all() if "generated_name" in p.extra]
    assert {p.name for p in generated} <= {"Drinking water", "Parking", "Toilets", "Shelter", "Viewpoint", "Spring"}
    assert {"Drinking water", "Parking", "Toilets", "Viewpoint"} <= {p.name for p in generated}
    assert not any(p.extra.get("natural") == "tree" for p in store.all())  # 208 unnamed trees in Monaco
    # Skipped features are counted in one line per reason, not one line per node.
    assert 200 < report.skipped and len(report.problems) <= 4
    assert report.skipped == sum(int(line.split()[0]) for line in report.problems)
    assert any(line.endswith("features: no name (kept unnamed: drinking water, parking, toilets, shelters, "
                             "viewpoints, springs)") for line in report.problems)


def test_generated_names_follow_the_language(db, store):
    with language("fr"):
        import_file(db, MONACO, format="osm")
    names = {p.name for p in store.all() if "generated_name" in p.extra}
    assert {"Eau potable", "Toilettes", "Point de vue"} <= names


def test_a_node_and_its_building_are_one_poi(db, store):
    report = import_file(db, MONACO, format="osm")
    tourist_office = [p for p in store.all() if p.name == "Office du Tourisme de Monaco"]
    assert [p.source_id for p in tourist_office] == ["node/1079750194"]  # way/94399465 is the same office
    assert any("same name and category as a feature within 150 m" in line for line in report.problems)


def test_wikipedia_becomes_the_link_and_stays_in_extra(db, store):
    import_file(db, ANDORRA)
    ruin = by_name(store, "Santuari vell de Meritxell")
    assert ruin.url == "https://ca.wikipedia.org/wiki/Santuari_vell_de_Meritxell"
    assert ruin.extra["wikipedia"] == "ca:Santuari vell de Meritxell"
    assert (ruin.extra["historic"], ruin.extra["building"]) == ("ruins", "church")


def test_fields_read_from_tags(db, store, tmp_path):
    # One real OSM feature per case, tags trimmed to what is tested.
    osm = tmp_path / "fields.osm"
    osm.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <node id="1" lat="42.5708" lon="1.6078" version="1" timestamp="2010-09-03T22:51:19Z">
  <tag k="historic" v="memorial"/><tag k="name:ca" v="Monument als caiguts"/><tag k="name:fr" v="Monument aux morts"/>
  <tag k="inscription" v="Als morts &lt;1914&gt;"/><tag k="description" v="Stèle &amp; croix"/>
  <tag k="ele" v="1 234 m"/><tag k="image" v="https://example.org/stele.jpg"/>
  <tag k="wikimedia_commons" v="File:Stèle de Canillo.jpg"/><tag k="wikidata" v="Q42"/>
  <tag k="opening_hours" v="24/7"/><tag k="website" v="https://www.canillo.ad/"/>
 </node>
 <node id="2" lat="42.57" lon="1.60"><tag k="amenity" v="parking"/><tag k="access" v="private"/></node>
 <node id="3" lat="42.58" lon="1.61"><tag k="amenity" v="bench"/><tag k="name" v="Banc del Moulin"/></node>
</osm>""", encoding="utf-8")
    report = import_file(db, osm)
    assert (report.added, report.skipped) == (1, 1)
    assert report.problems == ["1 features: no name and private access"]
    poi = store.all()[0]
    assert (poi.name, poi.category, poi.ele_m) == ("Monument aux morts", "memorial", 1234.0)
    assert poi.description == "<p>Stèle &amp; croix</p><p>Inscription: Als morts &lt;1914&gt;</p>"
    assert [m.url for m in poi.media] == [
        "https://example.org/stele.jpg",
        "https://commons.wikimedia.org/wiki/Special:FilePath/St%C3%A8le_de_Canillo.jpg"]
    assert poi.url == "https://www.canillo.ad/"
    assert poi.extra["names"] == {"ca": "Monument als caiguts", "fr": "Monument aux morts"}
    assert (poi.extra["wikidata"], poi.extra["opening_hours"]) == ("Q42", "24/7")
    assert poi.updated_at == "2010-09-03T22:51:19Z"


@pytest.mark.parametrize("tags, expected", [
    ({"historic": "stone", "name": "Pedra del moulin"}, ("monument", ["history"])),   # OSM_EXTRA_TAGS
    ({"tourism": "apartments"}, ("accommodation", [])),
    ({"historic": "castle", "military": "bunker"}, ("castle", ["military_heritage"])),  # shared table first
    ({"amenity": "place_of_worship", "building": "yes"}, ("church", ["religious_heritage"])),
])
def test_osm_category_extends_the_shared_table(tags, expected):
    assert osm_category(tags) == expected


@pytest.mark.parametrize("path, message", [
    (GPX_RENAMED, "not an OpenStreetMap file (an XML <gpx> document)"),
    (TRUNCATED, "broken OpenStreetMap file (PBF error: unexpected EOF); nothing was imported"),
    (AUDE_GEOJSON, "not an OpenStreetMap file (neither OSM XML nor PBF)"),
])
def test_a_file_that_is_not_osm_is_refused_and_nothing_written(db, store, path, message):
    import_file(db, SAINT_BARTH)
    before = poi_rows(store)
    with pytest.raises(SourceFormatError) as e:
        import_file(db, path, format="osm")
    assert str(e.value) == f"{path.name}: {message}"
    assert "\n" not in str(e.value)
    assert poi_rows(store) == before


def test_dry_run_writes_nothing(db, store):
    report = import_file(db, ANDORRA, dry_run=True)
    assert report.added > 400 and store.count() == 0


# -- CLI --------------------------------------------------------------------------------------------------

def test_cli_poi_import_osm(runner):
    result = runner.invoke(cli, ["poi", "import", str(ANDORRA)])
    assert result.exit_code == 0, result.output
    assert re.match(r"osm: \d+ added, 0 updated, 0 unchanged, \d+ skipped", result.output)
    assert "features: no name" in result.output
    again = runner.invoke(cli, ["poi", "import", str(MONACO), "--format", "osm"])
    assert again.exit_code == 0, again.output
    found = runner.invoke(cli, ["poi", "search", "Caselles"])
    assert "church\tSant Joan de Caselles" in found.output


@pytest.mark.parametrize("path, message", [
    (TRUNCATED, "broken OpenStreetMap file"),
    (GPX_RENAMED, "not an OpenStreetMap file"),
])
def test_cli_refuses_broken_osm_with_one_line_and_exit_2(runner, path, message):
    result = runner.invoke(cli, ["poi", "import", str(path), "--format", "osm"])
    assert result.exit_code == 2
    assert result.stderr.startswith("balise: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
