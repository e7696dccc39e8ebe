"""DATAtourisme JSON-LD importer on real records (tests/data/sources/datatourisme/, see its README)."""
from __future__ import annotations

import shutil

import pytest

from helpers import (SOURCES, counts, english, one_line_error, pois_by_name,  # noqa: F401  (english: autouse)
                     stored_poi_count)
from poi.errors import SourceFormatError
from poi.importers import import_file
from poi.importers.datatourisme import category_of_types
from webapp.cli import cli

DT = SOURCES / "datatourisme"
FLAT = DT / "flat"
MINIMAL = FLAT / "datatourisme__sample_minimal.json"
JEANNE = FLAT / "datatourisme__foodestablishment__chez-jeanne.json"
ESCAPADE = FLAT / "datatourisme__sportsandleisureplace__escapade-nature-pays-d-argentat.json"
MAZETTE = FLAT / "datatourisme__accommodation__mazette.json"
ARRAY = DT / "array_two-records_sample-and-chez-jeanne-cut.json"
GRAPH = DT / "graph_two-records_chez-jeanne-cut-and-sample.jsonld"
BAD_ITEMS = DT / "array_bad-items_not-a-record_no-coordinates.json"
TRUNCATED = DT / "truncated_sample_minimal.json"
GPX = SOURCES / "gpx" / "gpxstudio__be-brussels_with_waypoint.gpx"
TOULOUSE = SOURCES / "toulouse" / "toulouse_inventaire_patrimoine_first-300.geojson"


def test_a_folder_imports_one_file_at_a_time_then_reimports_unchanged(db, store):
    first = import_file(db, FLAT, format="datatourisme")
    assert counts(first) == (4, 0, 0, 0) and first.source == "datatourisme"
    again = import_file(db, FLAT, format="datatourisme")
    assert counts(again) == (0, 0, 4, 0) and again.ids == [] and store.count() == 4


@pytest.mark.parametrize("path, category", [
    (JEANNE, "restaurant"),            # schema:Restaurant, FoodEstablishment
    (MAZETTE, "accommodation"),        # schema:LodgingBusiness, RentalAccommodation
    (ESCAPADE, "nature"),              # SportsAndLeisurePlace: the name's words ("Nature") decide
])
def test_types_are_mapped_to_balise_categories(db, store, path, category):
    import_file(db, path, format="datatourisme")
    [poi] = store.all()
    assert poi.category == category


@pytest.mark.parametrize("types, name, expected", [
    (["schema:Church", "ReligiousSite", "CulturalSite", "PlaceOfInterest"], "Église Saint-Pierre",
     ("church", ["religious_heritage"])),
    (["ReligiousSite", "PlaceOfInterest"], "Chartreuse", ("church", ["religious_heritage"])),
    (["CulturalSite", "Castle"], "Château de Termes", ("castle", ["military_heritage"])),
    (["Hotel", "Castle"], "Château-hôtel", ("castle", ["military_heritage"])),
    (["CulturalSite", "Museum"], "Écomusée", ("museum", ["culture"])),
    (["CulturalSite", "ArcheologicalSite"], "Oppidum d'Ensérune", ("archaeology", ["history"])),
    (["RemembranceSite"], "Mémorial", ("memorial", ["history"])),
    (["CulturalSite", "RemarkableBuilding"], "Maison Carrée", ("monument", ["architecture"])),
    (["CulturalSite", "TechnicalHeritage"], "Forges de Pyrène", ("monument", ["industrial_heritage"])),
    (["NaturalHeritage"], "Gorges", ("nature", ["fauna_flora"])),
    (["ParkAndGarden"], "Jardin des Plantes", ("nature", ["fauna_flora"])),
    (["schema:LocalBusiness", "WineCellar", "TastingProvider"], "Domaine de Soustres", ("shop", [])),
    (["TouristInformationCenter"], "OT", ("information", [])),
    (["CulturalSite", "PlaceOfInterest"], "Moulin de Cugarel", ("mill", ["industrial_heritage"])),
    (["CulturalSite"], "Les Arènes", ("monument", ["culture"])),
    (["ActivityProvider", "PlaceOfInterest"], "Bien-être et soins", ("other", [])),
    (["https://www.datatourisme.fr/ontology/core#Chapel"], "", ("church", ["religious_heritage"])),
])
def test_type_table(types, name, expected):
    assert category_of_types(types, name) == expected


def test_names_texts_and_languages_are_kept(db, store):
    import_file(db, JEANNE, format="datatourisme")
    [poi] = store.all()
    assert poi.name == "Chez Jeanne"
    assert poi.summary.startswith("La Crêperie \"Chez Jeanne\" vous propose une gamme élaborée")
    assert poi.description.startswith("<p>La Crêperie \"Chez Jeanne\"") and "<br>" in poi.description
    i18n = poi.translations
    assert sorted(i18n) == ["de", "en", "es", "it", "nl"]
    assert i18n["en"]["name"] == "Chez Jeanne"
    assert i18n["en"]["summary"].startswith("The Crêperie \"Chez Jeanne\" offers you a range")
    assert i18n["de"]["description"].startswith("<p>Die Crêperie")
    assert (round(poi.lon, 7), round(poi.lat, 7)) == (-1.3177702, 49.4090531)
    assert poi.url == "http://www.chezjeannecreperie.com/"
    assert poi.extra["address"] == "1 rue Division Leclerc, 50480 Sainte-Mère-Église"
    assert poi.extra["identifier"] and "Restaurant" in poi.extra["types"]
    assert poi.updated_at == "2023-11-08T12:24:11.344Z"


def test_provenance(db, store):
    import_file(db, JEANNE, format="datatourisme")
    [poi] = store.all()
    assert poi.source == "datatourisme"
    assert poi.source_id == "https://data.datatourisme.fr/30/0049c43b-5087-3c44-87ef-349d316fc2b8"
    assert poi.licence == "Licence Ouverte 2.0 (Etalab)"
    assert poi.attribution == "Attitude Manche via DATAtourisme"


def test_images_are_referenced_main_first_with_credits(db, store):
    import_file(db, ESCAPADE, format="datatourisme")
    [poi] = store.all()
    assert len(poi.media) >= 3 and all(m.kind == "image" for m in poi.media)
    main = poi.media[0]
    assert main.url == "http://aquitaine.media.tourinsoft.eu/Upload/Activites-sports-nature-Escapade-Nature-Argentat---6-.JPG"
    assert (main.author, main.licence) == ("EScapade Nature", "By-NC-ND 4.0")
    assert main.title.startswith("Activités sports nature-Escapade Nature-Argentat")
    assert len({m.url for m in poi.media}) == len(poi.media)


def test_array_and_graph_files_hold_the_same_records(db, store):
    assert counts(import_file(db, ARRAY, format="datatourisme")) == (2, 0, 0, 0)
    assert counts(import_file(db, GRAPH, format="datatourisme")) == (0, 0, 2, 0)
    names = pois_by_name(store)
    assert set(names) == {"Escapade Nature Test", "Chez Jeanne"}
    assert names["Escapade Nature Test"].translations["en"] == {
        "name": "Nature Escape Test", "summary": "Outdoor activity center offering various sports activities"}
    assert names["Escapade Nature Test"].attribution == "DATAtourisme"  # no producer in the record


def test_bad_records_are_reported_and_skipped(db, store):
    report = import_file(db, BAD_ITEMS, format="datatourisme")
    assert counts(report) == (1, 0, 0, 2)
    assert report.problems == [
        f"{BAD_ITEMS.name}, record 2: not a DATAtourisme record (no @id and @type)",
        f"{BAD_ITEMS.name}, record 3 (Escapade Nature Test): no coordinates",
    ]


@pytest.mark.parametrize("path, message", [
    (TRUNCATED, "not valid JSON"),
    (GPX, "not a JSON file"),
    (TOULOUSE, "not DATAtourisme JSON-LD"),
])
def test_a_file_in_another_format_is_refused_and_nothing_written(db, store, path, message):
    import_file(db, MINIMAL, format="datatourisme")
    before = [(p.id, p.name, p.source_id) for p in store.all()]
    with pytest.raises(SourceFormatError, match=message) as e:
        import_file(db, path, format="datatourisme")
    assert "\n" not in str(e.value)
    assert [(p.id, p.name, p.source_id) for p in store.all()] == before


def test_a_folder_with_a_foreign_file_imports_nothing(db, store, tmp_path):
    shutil.copy(MINIMAL, tmp_path / "a.json")
    shutil.copy(TOULOUSE, tmp_path / "b.json")
    with pytest.raises(SourceFormatError, match="b.json: not DATAtourisme"):
        import_file(db, tmp_path, format="datatourisme")
    assert store.count() == 0


def test_an_empty_folder_is_refused(db, tmp_path):
    with pytest.raises(SourceFormatError, match="no .json files"):
        import_file(db, tmp_path, format="datatourisme")


def test_cli_imports_a_folder(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(FLAT), "--format", "datatourisme"])
    assert result.exit_code == 0, result.output
    assert "datatourisme: 4 added, 0 updated, 0 unchanged, 0 skipped" in result.stdout


def test_cli_refuses_a_gpx_with_one_line_and_exit_2(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(GPX), "--format", "datatourisme"])
    assert "not a JSON file" in one_line_error(result)
    assert stored_poi_count(db_path) == 0

