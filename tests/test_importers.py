"""POI importers on real recorded sources (tests/data/sources/, see the READMEs there)."""
from __future__ import annotations

import json

import pytest

from helpers import SOURCES, english, poi_rows  # noqa: F401  (english: autouse)
from poi.categories import THEMES, categorize, theme_label
from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import language
from poi.importers import FORMATS, CSVImporter, ImportReport, guess_format, import_file
from poi.importers import base, geojson as geojson_module
from poi.importers.base import Importer, derived_id
from poi.importers.geojson import iter_features
from poi.models import CATEGORIES
from poi.store import PoiStore

TOULOUSE = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_first-300.geojson"
TRUNCATED = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_truncated.geojson"
AUDE = SOURCES / "osm" / "osm-overpass_fr-11_aude_tourism_2014.geojson"
GUIDEPOSTS = SOURCES / "osm" / "osm-overpass_fr-07_ardeche-aubenas_hiking-guideposts_2023.geojson"
OVERPASS_JSON = SOURCES / "osm" / "osm-overpass-json__poi_sample.json"
GEOTREK_DOC = SOURCES / "geotrek" / "geotrek-import-doc__poi.geojson"
GEOTREK_RANDO = SOURCES / "geotrek" / "geotrek-rando_fr-09_ariege_touristiccontents.geojson"
MERIMEE = SOURCES / "merimee" / "merimee-classic-export__3-rows_dpt-10_no-coords.csv"
CSV = SOURCES / "csv"
GPX = SOURCES / "gpx"


# -- GeoJSON ----------------------------------------------------------------------------------------------

def test_toulouse_inventory_imports_then_reimports_unchanged(db, store):
    first = import_file(db, TOULOUSE)
    assert (first.added, first.updated, first.unchanged, first.skipped) == (300, 0, 0, 0)
    assert len(first.ids) == 300 and store.count() == 300
    again = import_file(db, TOULOUSE)
    assert (again.added, again.updated, again.unchanged, again.skipped) == (0, 0, 300, 0)
    assert again.ids == [] and store.count() == 300
    assert again.summary() == ("toulouse-inventaire-patrimoine-first-300: 0 added, 0 updated, "
                               "300 unchanged, 0 skipped")


def test_toulouse_records_are_mapped(db, store):
    import_file(db, TOULOUSE, licence="Licence Ouverte 2.0", attribution="Ville de Toulouse")
    found = store.search("eglise")
    assert found and found[0].name.startswith("église")
    church = next(p for p in found if p.name == "église paroissiale Saint-Caprais")
    assert church.category == "church" and church.themes == ["religious_heritage"]
    assert church.source == "toulouse-inventaire-patrimoine-first-300"
    assert church.source_id == derived_id(church.name, church.lon, church.lat)
    assert (church.licence, church.attribution) == ("Licence Ouverte 2.0", "Ville de Toulouse")
    assert church.description.startswith("Une inscription gravée")  # chphist
    assert church.extra["chpprot"] == "édifice non protégé MH" and "chptico" not in church.extra
    assert (church.lon, church.lat) == pytest.approx((1.464670441857834, 43.63604946254562))
    by_category: dict[str, int] = {}
    for p in store.all():
        by_category[p.category] = by_category.get(p.category, 0) + 1
    assert by_category == {"monument": 280, "church": 5, "memorial": 6, "bridge": 3, "castle": 3, "water": 2,
                           "nature": 1}


def test_osm_aude_skips_unnamed_features_with_their_id(db, store):
    report = import_file(db, AUDE, source="osm-aude")
    assert (report.added, report.skipped) == (247, 182)
    assert report.problems[0] == "feature 7 (node/305245195): no name"
    assert all(p.endswith(": no name") for p in report.problems)
    p = store.get(report.ids[0])
    assert (p.source, p.source_id, p.category) == ("osm-aude", "node/26858501", "accommodation")
    abbey = next(p for p in store.search("Fontfroide") if p.name.startswith("Abbaye"))  # tourism=attraction
    assert (abbey.category, abbey.themes) == ("church", ["religious_heritage"])
    assert import_file(db, AUDE, source="osm-aude").unchanged == 247


def test_guideposts_take_attribution_from_the_file_and_elevation_from_text(db, store):
    report = import_file(db, GUIDEPOSTS, licence="ODbL 1.0")
    assert (report.added, report.skipped) == (256, 1)
    post = store.search("Cros du Loup")[0]
    # a guidepost is a signpost (a waymark, never a stop), though the file says "information"
    assert (post.category, post.ele_m, post.source_id) == ("signpost", 1110.0, "node/1707393440")
    assert post.attribution.startswith("The data included in this document is from www.openstreetmap.org")
    assert post.licence == "ODbL 1.0"


def test_geotrek_samples(db, store):
    doc = import_file(db, GEOTREK_DOC, source="geotrek-doc")
    assert doc.added == 3
    assert [(p.source_id, p.category) for p in store.all()] == [("1", "other"), ("2", "nature"), ("3", "viewpoint")]
    rando = import_file(db, GEOTREK_RANDO, source="geotrek-rando")
    assert rando.added == 4
    museum = store.search("aigle")[0]
    assert (museum.source_id, museum.category, museum.url) == ("1", "museum", "http://test.fr/")
    assert "description du mus" in museum.description


def test_a_changed_record_is_updated_and_the_others_unchanged(db, store, tmp_path):
    import_file(db, GEOTREK_DOC, source="geotrek-doc")
    data = json.loads(GEOTREK_DOC.read_text(encoding="utf-8"))
    data["features"][2]["properties"]["description"] = "<p>Table d'orientation <script>x()</script>restaurée.</p>"
    changed = tmp_path / "poi.geojson"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = import_file(db, changed, source="geotrek-doc")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert store.get(report.ids[0]).description == "<p>Table d'orientation restaurée.</p>"


def test_other_geometries_use_their_representative_point(db, store, tmp_path):
    data = json.loads(GEOTREK_DOC.read_text(encoding="utf-8"))
    x, y = data["features"][0]["geometry"]["coordinates"]
    d = 0.001
    data["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [
        [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]]}
    data["features"][1]["geometry"] = {"type": "LineString", "coordinates": [[x, y], [x + 2 * d, y]]}
    path = tmp_path / "shapes.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = import_file(db, path)
    assert report.added == 3
    square, line = store.get(report.ids[0]), store.get(report.ids[1])
    assert (square.lon, square.lat) == pytest.approx((x, y), abs=1e-9)
    assert line.lat == pytest.approx(y) and x <= line.lon <= x + 2 * d


@pytest.mark.parametrize("chunk_chars", [7, 100, 4096])
def test_features_are_streamed_across_chunk_boundaries(monkeypatch, chunk_chars):
    monkeypatch.setattr(geojson_module, "CHUNK_CHARS", chunk_chars)
    header: dict = {}
    streamed = list(iter_features(GUIDEPOSTS, header))
    whole = json.loads(GUIDEPOSTS.read_text(encoding="utf-8"))
    assert streamed == whole["features"]
    assert header["type"] == "FeatureCollection" and header["generator"] == "overpass-turbo"


@pytest.mark.parametrize("path, message", [
    (TRUNCATED, "not valid JSON at line 1"),
    (OVERPASS_JSON, "not a GeoJSON FeatureCollection (top-level members: version, generator, osm3s, elements)"),
    (MERIMEE, "not a GeoJSON file"),
])
def test_broken_geojson_raises_and_writes_nothing(db, store, path, message):
    import_file(db, GEOTREK_DOC)
    before = poi_rows(store)
    with pytest.raises(SourceFormatError) as e:
        import_file(db, path, format="geojson")
    assert message in str(e.value)
    assert poi_rows(store) == before


def test_a_lambert93_geojson_is_refused(db, store, tmp_path):
    data = json.loads(GEOTREK_DOC.read_text(encoding="utf-8"))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}
    path = tmp_path / "l93.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="EPSG::2154; reproject to WGS84"):
        import_file(db, path)
    assert store.count() == 0


def test_an_error_half_way_rolls_the_whole_import_back(db, store, monkeypatch):
    import_file(db, GEOTREK_DOC)
    before = poi_rows(store)
    calls = {"n": 0}
    real_upsert_many = PoiStore.upsert_many

    def failing_upsert_many(self, pois):  # records are written by batches: fail after writing the 2nd
        calls["n"] += 1
        written = real_upsert_many(self, pois)
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return written

    monkeypatch.setattr(base, "PROGRESS_EVERY", 100)
    monkeypatch.setattr(PoiStore, "upsert_many", failing_upsert_many)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(db, TOULOUSE)
    assert poi_rows(store) == before


def test_dry_run_counts_and_writes_nothing(db, store):
    report = import_file(db, AUDE, dry_run=True)
    assert (report.added, report.skipped, report.ids) == (247, 182, [])
    assert report.summary().startswith("dry run, nothing written: ")
    assert store.count() == 0


def test_progress_is_reported(db):
    seen: list[int] = []
    import_file(db, TOULOUSE, progress=lambda report: seen.append(report.records))
    assert seen[-1] == 300


# -- CSV --------------------------------------------------------------------------------------------------

def test_semicolon_bom_decimal_comma_csv_matches_the_geojson(db, store):
    report = import_file(db, CSV / "toulouse_semicolon_bom_decimal-comma.csv", source="csv")
    assert (report.added, report.skipped) == (14, 0)
    church = store.search("Saint-Caprais")[0]
    assert (church.lon, church.lat) == pytest.approx((1.464670441857834, 43.63604946254562))
    assert church.category == "church"
    assert church.extra["adresse"] == "Albi (route d') 124"  # columns keyed without accents/case
    assert store.search("Lespinet")[0].category == "castle"
    assert store.search("Saint-Martin-du-Touch")[0].category == "memorial"


def test_latin1_csv_needs_the_encoding_option(db, store):
    path = CSV / "toulouse_latin-1_semicolon.csv"
    with pytest.raises(SourceFormatError, match="try --encoding latin-1"):
        import_file(db, path)
    assert store.count() == 0
    report = import_file(db, path, encoding="latin-1")
    assert report.added == 14
    assert store.search("eglise")[0].name.startswith("église paroissiale")


def test_geo_point_column_and_comma_delimiter(db, store):
    report = import_file(db, CSV / "toulouse_geo-point-column.csv")
    assert (report.added, report.skipped) == (6, 0)
    assert store.search("Saint-Caprais")[0].lat == pytest.approx(43.636049471239)


def test_coordinate_columns_can_be_named(db, store):
    path = CSV / "toulouse_custom-coordinate-columns.csv"
    with pytest.raises(SourceFormatError, match="no latitude/longitude columns"):
        import_file(db, path)
    with pytest.raises(SourceFormatError, match="no column 'North'"):
        import_file(db, path, lat_col="North", lon_col="WGS84 E")
    report = import_file(db, path, lat_col="WGS84 N", lon_col="wgs84 e", delimiter=";")
    assert report.added == 5


def test_osm_csv_with_lat_lng_columns_keeps_osm_ids(db, store):
    report = import_file(db, CSV / "aude_osm_comma_lat-lng.csv", source="osm-aude")
    assert report.added == 25
    camp = store.get(report.ids[0])
    assert (camp.name, camp.source_id, camp.category) == ("Das Pinhiers", "node/26858501", "accommodation")
    assert import_file(db, CSV / "aude_osm_comma_lat-lng.csv", source="osm-aude").unchanged == 25


@pytest.mark.parametrize("line, reason", [
    (3, "no name"),
    (4, "no coordinates"),
    (5, "latitude 2271665.12 out of range [-90, 90]"),
    (6, "invalid latitude \"43°36'N\""),
    (8, "same id"),
])
def test_bad_csv_rows_are_reported_and_skipped(db, line, reason):
    report = import_file(db, CSV / "toulouse_bad-rows.csv")
    assert (report.added, report.skipped) == (2, 5)
    problem = next(p for p in report.problems if p.startswith(f"line {line}: "))
    assert reason in problem


def test_merimee_csv_without_coordinates_is_refused(db, store):
    with pytest.raises(SourceFormatError) as e:
        import_file(db, MERIMEE)
    message = str(e.value)
    assert "no latitude/longitude columns" in message and "ref, etud, loca" in message
    assert "--lat-col" in message and store.count() == 0


# -- GPX --------------------------------------------------------------------------------------------------

def test_gpx_waypoints(db, store):
    report = import_file(db, GPX / "gpxpy__gpx1.1_with_all_fields.gpx")
    assert (report.added, report.skipped, report.problems) == (1, 1, ["waypoint 2: no name"])
    wpt = store.get(report.ids[0])
    assert (wpt.name, wpt.lat, wpt.lon, wpt.ele_m) == ("example name", 12.3, 45.6, 75.1)
    assert (wpt.url, wpt.description) == ("http://link3", "example desc")
    assert wpt.source_id.startswith("h-")
    assert import_file(db, GPX / "gpxpy__gpx1.1_with_all_fields.gpx").unchanged == 1


def test_gpx_unicode_names_and_symbols(db, store):
    report = import_file(db, GPX / "gpxpy__unicode.gpx")
    assert report.added == 6
    assert store.search("šđčćž")[0].category == "other"
    bike = import_file(db, GPX / "gpxstudio__be-brussels_with_waypoint.gpx")
    assert bike.added == 1 and store.get(bike.ids[0]).ele_m == 122.0


def test_gpx_without_waypoints_points_to_trail_import(db):
    with pytest.raises(SourceFormatError, match="no waypoints .* balise trail import"):
        import_file(db, GPX / "gpxstudio__be-brussels_simple.gpx")


# -- registry, options, declarative shape ----------------------------------------------------------------

def test_format_registry_and_guessing(db, tmp_path):
    assert {"geojson", "csv", "gpx"} <= set(FORMATS)
    assert guess_format("a.json") == "geojson"
    with pytest.raises(SourceFormatError, match=r"known formats: .*csv, .*geojson, .*gpx"):
        import_file(db, GEOTREK_DOC, format="kml")
    with pytest.raises(SourceFormatError, match=r"give --format \(known formats: .*csv, .*geojson.*gpx"):
        import_file(db, SOURCES / "README.md")
    with pytest.raises(SourceFormatError, match="no such file"):
        import_file(db, tmp_path / "missing.csv")
    with pytest.raises(SourceFormatError, match="option --lat-col does not apply to geojson files"):
        import_file(db, GEOTREK_DOC, lat_col="y")


def test_a_source_is_declared_in_a_few_lines(db, store):
    class InventoryCSV(CSVImporter):
        source = "inventaire-toulouse"
        licence = "Licence Ouverte 2.0"
        fields = {**CSVImporter.fields, "summary": "siecle"}

        def clean_name(self, value, record):
            return super().clean_name(value, record).capitalize()

    report = InventoryCSV().run(store, CSV / "toulouse_semicolon_bom_decimal-comma.csv")
    assert isinstance(report, ImportReport) and report.added == 14
    church = store.search("Saint-Caprais")[0]
    assert (church.name, church.summary) == ("Église paroissiale saint-caprais", "2e moitié 18e siècle")
    assert (church.source, church.licence) == ("inventaire-toulouse", "Licence Ouverte 2.0")

    with pytest.raises(TypeError, match="unknown POI fields"):
        type("Bad", (Importer,), {"fields": {"nmae": "name"}})


def test_a_clean_hook_can_reject_a_row(db, store):
    class OnlyChurches(CSVImporter):
        def clean_category(self, value, record):
            category, themes = super().clean_category(value, record)
            if category != "church":
                raise ImportRowError("not a church")
            return category, themes

    report = OnlyChurches().run(store, CSV / "toulouse_semicolon_bom_decimal-comma.csv")
    assert report.added == 3 and report.skipped == 11 and report.problems[0].endswith("not a church")


# -- categories ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tags, category, themes", [
    ({"historic": "wayside_cross"}, "monument", ["religious_heritage"]),
    ({"historic": "ruins", "name": "Château de Puilaurens"}, "monument", ["architecture", "history"]),
    ({"historic": "archaeological_site"}, "archaeology", ["history"]),
    ({"amenity": "drinking_water"}, "water", []),
    ({"amenity": "parking"}, "parking", []),
    ({"man_made": "windmill"}, "mill", ["industrial_heritage"]),
    ({"natural": "spring"}, "water", ["water"]),
    ({"natural": "peak", "ele": "2789"}, "viewpoint", ["viewpoint"]),
    ({"natural": "cave_entrance"}, "nature", ["geology"]),
    ({"tourism": "guest_house"}, "accommodation", []),
    ({"tourism": "information", "information": "guidepost"}, "signpost", []),
    ({"tourism": "information", "information": "board"}, "information", []),
    ({"amenity": "toilets"}, "toilets", []),
    ({"tourism": "picnic_site"}, "picnic", []),
    ({"amenity": "shelter", "tourism": "alpine_hut"}, "accommodation", []),
    ({"type": "Moulin à eau"}, "mill", ["industrial_heritage", "water"]),
    ({"category": {"label": "Musée"}}, "museum", ["culture"]),
    ({"chpdeno": "croix monumentale ; monument aux morts"}, "monument", ["religious_heritage"]),
    ({"chpdeno": "château d'eau"}, "monument", ["industrial_heritage", "water"]),
    ("Gîte d'étape du Col", "accommodation", []),
    ("Pont du Moulin", "bridge", ["architecture"]),
    ("Chapelles", "church", ["religious_heritage"]),
    ("Scenic Area", "viewpoint", ["viewpoint"]),
    ("example sym", "other", []),
])
def test_categorize(tags, category, themes):
    assert categorize(tags) == (category, themes)


def test_every_category_and_theme_is_known():
    from poi.categories import OSM_TAGS, WEAK_TAGS, WORDS, HERITAGE_WORDS

    for category, themes in [*OSM_TAGS.values(), *WEAK_TAGS.values(), *WORDS.values(), *HERITAGE_WORDS.values()]:
        assert category in CATEGORIES
        assert set(themes) <= set(THEMES)
    with language("en"):
        assert [theme_label(t) for t in THEMES] == list(THEMES.values())


@pytest.mark.parametrize("text", ["Lavoir du XIXe siècle", "  Croix  de\tchemin\n", "a > b", "Château\u00a0fort",
                                  "ligne\r\nsuivante", "\ufeffBOM", "nul\x00", "a &amp; b", "<p>x</p>", "Ā\u2028b"])
def test_plain_text_fast_path_matches_nh3(text):
    """sanitize_html/html_to_text skip nh3 for plain text: the result must be nh3's."""
    import html
    import re

    import nh3

    from poi.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, html_to_text, sanitize_html

    assert sanitize_html(text) == nh3.clean(text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                                            url_schemes={"http", "https", "mailto"},
                                            link_rel="noopener noreferrer").strip()
    assert html_to_text(text) == re.sub(r"\s+", " ", html.unescape(nh3.clean(text, tags=set()))).strip()


def test_a_repeated_id_across_batches_is_skipped_with_where_it_was_first_met(db, store, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "PROGRESS_EVERY", 3)  # ids met in earlier batches come from the key log
    features = [{"type": "Feature", "id": f"node/{i % 5}", "properties": {"name": f"Croix {i}"},
                 "geometry": {"type": "Point", "coordinates": [1.44, 43.6 + i / 1000]}} for i in range(8)]
    path = tmp_path / "repeated.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    report = import_file(db, path)
    assert (report.added, report.skipped, store.count()) == (5, 3, 5)
    assert report.problems == [f"feature {i + 6} (node/{i}): same id node/{i} as feature {i + 1} (node/{i})"
                               for i in range(3)]
    assert report.ids == [1, 2, 3, 4, 5] and import_file(db, path).unchanged == 5
