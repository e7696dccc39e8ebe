"""Mérimée / heritage inventory importer (tests/data/sources/merimee/ and toulouse/, see their READMEs)."""
from __future__ import annotations


import pytest

from helpers import SOURCES, counts, english, one_line_error, stored_poi_count  # noqa: F401  (english: autouse)
from poi.errors import SourceFormatError
from poi.importers import import_file
from poi.importers.merimee import MerimeeCSV, heritage_category, normal_key, readable_address
from poi.store import PoiStore
from webapp.cli import cli

MERIMEE = SOURCES / "merimee"
DENOMINATIONS = MERIMEE / "toulouse_inventaire_14-denominations.geojson"
NO_GEOMETRY = MERIMEE / "toulouse_inventaire_no-geometry_placed-by-chpcoorwgs84.geojson"
CHP_CSV = MERIMEE / "toulouse_inventaire_chp-columns_coorwgs84_semicolon.csv"
CLASSIC = MERIMEE / "merimee-classic-export__3-rows_dpt-10_no-coords.csv"
TOULOUSE = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_first-300.geojson"
TRUNCATED = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_truncated.geojson"
OSM = SOURCES / "osm" / "osm-overpass_fr-11_aude_tourism_2014.geojson"
CSV_NOT_MERIMEE = SOURCES / "csv" / "aude_osm_comma_lat-lng.csv"
ATTRIBUTION = "Ministère de la Culture, base Mérimée / Inventaire général du patrimoine culturel"


def by_denomination(store: PoiStore) -> dict:
    return {p.extra["denomination"]: p for p in store.all()}


def test_inventory_geojson_imports_then_reimports_unchanged(db, store):
    first = import_file(db, DENOMINATIONS, format="merimee")
    assert counts(first) == (14, 0, 0, 0) and first.source == "merimee"
    again = import_file(db, DENOMINATIONS, format="merimee")
    assert counts(again) == (0, 0, 14, 0) and store.count() == 14


@pytest.mark.parametrize("denomination, category, themes", [
    ("église paroissiale", "church", ["religious_heritage"]),
    ("chapelle", "church", ["religious_heritage"]),
    ("château ; établissement aéronautique ; usine de co", "castle", ["military_heritage"]),
    ("pont", "bridge", ["architecture"]),
    ("croix monumentale", "monument", ["religious_heritage"]),
    ("maison", "monument", ["architecture"]),
    ("immeuble", "monument", ["architecture"]),
    ("fontaine", "water", ["rural_heritage", "water"]),
    ("monument aux morts", "memorial", ["history"]),
    ("site d'écluse", "water", ["industrial_heritage", "water"]),
    ("hôtel de voyageurs", "monument", ["architecture"]),   # a listed building, not a hotel to book
    ("hôtel", "monument", ["architecture"]),                # a town mansion
    ("couvent ; église paroissiale", "church", ["religious_heritage"]),
    ("passerelle", "bridge", ["architecture"]),
])
def test_denominations_give_categories_and_themes(db, store, denomination, category, themes):
    import_file(db, DENOMINATIONS, format="merimee")
    poi = by_denomination(store)[denomination]
    assert (poi.category, poi.themes) == (category, themes)


@pytest.mark.parametrize("denomination, expected", [
    ("moulin à vent", ("mill", ["industrial_heritage"])),
    ("moulin à eau", ("mill", ["industrial_heritage", "water"])),
    ("croix de chemin", ("monument", ["religious_heritage"])),
    ("calvaire", ("monument", ["religious_heritage"])),
    ("châteaux", ("castle", ["military_heritage"])),
    ("café", ("monument", ["architecture"])),
    ("bourse de commerce ; immeuble", ("monument", ["architecture"])),
    ("entrepôt frigorifique", ("monument", ["industrial_heritage"])),
    ("dolmen", ("archaeology", ["history"])),
    ("lavoir", ("water", ["rural_heritage", "water"])),
])
def test_denomination_table(denomination, expected):
    assert heritage_category(denomination) == expected


def test_fields_are_mapped(db, store):
    import_file(db, DENOMINATIONS, format="merimee")
    church = by_denomination(store)["église paroissiale"]
    assert church.name == "Église paroissiale Saint-Caprais"
    assert church.summary == "Église paroissiale, 2e moitié 18e siècle"
    assert church.description.startswith("<p>Une inscription gravée sur la clé en pierre du portail")
    assert church.extra["century"] == "2e moitié 18e siècle"
    assert church.extra["protection"] == "édifice non protégé MH"
    assert church.extra["address"] == "124 route d'Albi" and church.extra["address_raw"] == "Albi (route d') 124"
    assert church.commune == "Toulouse" and church.insee == "31555"
    assert church.extra["dossier"] == "IVC31555_SPTOULOUSE"
    assert (round(church.lon, 6), round(church.lat, 6)) == (1.46467, 43.636049)
    # a title that only repeats the denomination gets the address
    assert by_denomination(store)["immeuble"].name.startswith("Immeuble, ")


def test_provenance(db, store):
    import_file(db, DENOMINATIONS, format="merimee")
    for poi in store.all():
        assert (poi.source, poi.licence, poi.attribution) == ("merimee", "Licence Ouverte 2.0", ATTRIBUTION)
        assert poi.source_id.startswith("h-")  # no REF in the inventory: derived from name + position
        assert poi.url == ""


def test_reference_gives_the_id_and_the_pop_link():
    reader = MerimeeCSV()
    row = {"ref": "PA00078014", "tico": "Chapelle Saint-Avit"}
    assert reader.clean_url("", row) == "https://www.pop.culture.gouv.fr/notice/merimee/PA00078014"
    assert reader.clean_url("", {"ref": "IVC31555"}) == ""
    assert reader.clean_extra(None, row)["reference"] == "PA00078014"
    assert MerimeeCSV.eid == "ref"
    assert [normal_key(k) for k in ("REF", "chpref", "CHPDENO", "Dénomination")] == [
        "ref", "ref", "deno", "denomination"]


def test_records_without_geometry_are_placed_with_chpcoorwgs84(db, store):
    report = import_file(db, NO_GEOMETRY, format="merimee")
    assert counts(report) == (2, 0, 0, 1)
    assert report.problems == ["feature 3: no coordinates"]
    chapel = by_denomination(store)["chapelle"]
    assert (chapel.lat, chapel.lon) == (43.6016198516913, 1.44590866632981)


def test_csv_with_chp_columns_is_placed_with_chpcoorwgs84(db, store):
    report = import_file(db, CHP_CSV, format="merimee")
    assert counts(report) == (4, 0, 0, 1)
    assert report.problems == ["line 6: no coordinates"]
    assert by_denomination(store)["pont"].category == "bridge"


def test_classic_export_without_coordinates_reports_every_row(db, store):
    report = import_file(db, CLASSIC, format="merimee")
    assert counts(report) == (0, 0, 0, 3)
    assert report.problems == ["line 2: no coordinates", "line 3: no coordinates", "line 4: no coordinates"]
    assert store.count() == 0


def test_the_whole_inventory_sample(db, store):
    report = import_file(db, TOULOUSE, format="merimee")
    assert report.added + report.skipped == 300 and report.added >= 298
    categories = {p.category for p in store.all()}
    assert {"church", "monument", "bridge"} <= categories and "accommodation" not in categories


@pytest.mark.parametrize("path, message", [
    (OSM, "no Mérimée fields"),
    (CSV_NOT_MERIMEE, "no Mérimée fields"),
    (TRUNCATED, "not valid JSON"),
])
def test_a_file_without_merimee_fields_is_refused_and_nothing_written(db, store, path, message):
    import_file(db, DENOMINATIONS, format="merimee")
    before = sorted((p.id, p.source_id) for p in store.all())
    with pytest.raises(SourceFormatError, match=message) as e:
        import_file(db, path, format="merimee")
    assert "\n" not in str(e.value)
    assert sorted((p.id, p.source_id) for p in store.all()) == before


def test_readable_address():
    assert readable_address("Alsace-Lorraine (rue d') 46") == "46 rue d'Alsace-Lorraine"


def test_cli_import(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(DENOMINATIONS), "--format", "merimee"])
    assert result.exit_code == 0, result.output
    assert "merimee: 14 added, 0 updated, 0 unchanged, 0 skipped" in result.stdout


def test_cli_refuses_a_geojson_without_merimee_fields(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(OSM), "--format", "merimee"])
    line = one_line_error(result)
    assert "no Mérimée fields" in line and "--format geojson" in line
    assert stored_poi_count(db_path) == 0
