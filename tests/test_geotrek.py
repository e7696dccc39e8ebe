"""Geotrek: API v2 POIs/touristic contents, Geotrek-rando GeoJSON, and API v2 treks as trails.

Data: tests/data/sources/geotrek/ (see its README); ``api-v2/`` holds the API pages with their
vocabulary pages beside them, the folder above the same samples without vocabulary.
"""
from __future__ import annotations

import json
import shutil

import pytest

from helpers import SOURCES, counts, english, open_db, pois_by_name  # noqa: F401  (english: autouse)
from poi.errors import ImportRowError, SourceFormatError
from poi.importers import import_file
from trails.assembly import import_file as import_trails
from trails.geotrek import read_treks
from trails.store import TrailStore
from webapp.cli import cli

GEOTREK = SOURCES / "geotrek"
API = GEOTREK / "api-v2"
POIS, CONTENTS, TREKS = API / "poi.json", API / "touristiccontent.json", API / "trek.json"
POIS_BARE = GEOTREK / "geotrek-api-v2__poi_sample.json"
CONTENTS_BARE = GEOTREK / "geotrek-api-v2__touristiccontent_sample.json"
TREKS_BARE = GEOTREK / "geotrek-api-v2__trek_sample_EDITED-VALUES.json"
RANDO = GEOTREK / "geotrek-rando_fr-09_ariege_touristiccontents.geojson"
TOULOUSE = GEOTREK.parent / "toulouse" / "toulouse_inventaire_patrimoine_first-300.geojson"
GPX = GEOTREK.parent / "gpx" / "gpxstudio__be-brussels_with_waypoint.gpx"
SCHEMA_RANDONNEE = GEOTREK.parent / "schema_randonnee" / "geotrek_parent_and_steps.geojson"


# -- POIs and touristic contents --------------------------------------------------------------------

def test_api_pois_import_then_reimport_unchanged(db, store):
    assert counts(import_file(db, POIS, format="geotrek")) == (2, 0, 0, 0)
    assert counts(import_file(db, POIS, format="geotrek")) == (0, 0, 2, 0)
    assert store.count() == 2


def test_api_pois_are_mapped(db, store):
    import_file(db, POIS, format="geotrek")
    pois = pois_by_name(store)
    peak, lake = pois["Pic des Trois Seigneurs"], pois["Étang d'Arbu"]
    assert (peak.category, peak.themes, peak.ele_m) == ("viewpoint", ["viewpoint"], 2166.0)
    assert (lake.category, lake.themes) == ("nature", ["water"])
    assert peak.translations == {"en": {"name": "Peak of the Three Lords"}, "it": {"name": "Picco dei Tre Signori"}}
    assert peak.description.startswith("<p>Le pic des Trois Seigneurs est situé")
    assert (peak.source, peak.source_id) == ("geotrek:foo.fr", "d4f534b5-74af-40a0-9c6c-825c385b4e93")
    assert (peak.licence, peak.attribution) == ("Licence Ouverte 2.0", "Struct3")  # structure.json
    assert [(m.kind, m.url) for m in peak.media] == [  # a PDF (left out) and a video (kept as a link)
        ("video", "https://soundcloud.com/user-14604138/chemin-de-memoires-annie-carriere")]
    [image, video] = lake.media
    assert (video.kind, video.url) == ("video", "https://www.youtube.com/watch?v=CdWChQqZMZc")
    assert (image.kind, image.url, image.author) == (
        "image", "https://foo.fr/media/paperclip/trekking_poi/2869/sensitivearea.png", "ads")


def test_touristic_contents_use_the_category_vocabulary(db, store):
    import_file(db, CONTENTS, format="geotrek")
    contents = pois_by_name(store)
    bar, donkeys = contents["Bar à requin"], contents["Balad'âne"]
    assert bar.category == "restaurant"            # category 5 "Restaurants", type 43 "Restaurant"
    assert donkeys.url == "http://www.baladane.com/fr/"
    assert donkeys.summary == "Élevage et Éducation d'ânes, Séjours nature et montagne en Ariège, Accueil Cavaliers."
    assert [(m.kind, m.title, m.author) for m in donkeys.media] == [
        ("image", "Ânes", "Wikimedia Common"), ("image", "Ânes", "Wikimedia Commons"), ("video", "", "")]
    assert donkeys.media[2].url.startswith("https://")
    assert donkeys.extra["themes"] == ["Faune", "Pastoralisme"]
    assert donkeys.attribution == "Struct1" and donkeys.extra["commune_codes"] == ["09231"]


def test_without_vocabulary_ids_are_kept_and_names_decide(db, store):
    import_file(db, CONTENTS_BARE, format="geotrek")
    contents = pois_by_name(store)
    assert contents["Bar à requin"].category == "restaurant"  # the word "bar" of the name
    assert contents["Balad'âne"].extra["theme_ids"] == [1, 6]
    assert contents["Balad'âne"].attribution == "foo.fr"


def test_geotrek_rando_geojson(db, store):
    report = import_file(db, RANDO, format="geotrek", base_url="https://rando.example.fr")
    assert counts(report) == (4, 0, 0, 0)
    museum = pois_by_name(store)["Musée de l'aigle"]
    assert (museum.category, museum.extra["themes"]) == ("museum", ["Faune", "Flore"])
    [picture] = museum.media
    assert picture.url == ("https://rando.example.fr/media/paperclip/tourism_touristiccontent/1/"
                           "aigle-royal-envol-tm.jpg.800x800_q85.jpg")
    assert (picture.title, picture.author) == ("aigle royal", "simon.bats")
    assert museum.source == "geotrek" and museum.source_id == "1"


def test_relative_pictures_need_a_base_url(db, store):
    import_file(db, RANDO, format="geotrek")
    assert pois_by_name(store)["Musée de l'aigle"].media == []


def test_records_not_published_in_french_are_skipped(db, store, tmp_path):
    page = json.loads(POIS.read_text(encoding="utf-8"))
    page["results"][1]["published"]["fr"] = False
    path = tmp_path / "poi.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    report = import_file(db, path, format="geotrek")
    assert counts(report) == (1, 0, 0, 1)
    assert report.problems == ["record 2 (Étang d'Arbu): not published in French"]


@pytest.mark.parametrize("path, message", [
    (TOULOUSE, "not Geotrek data"),
    (GPX, "not a JSON file"),
    (GEOTREK / "README.md", "not a JSON file"),
])
def test_a_file_in_another_format_is_refused_and_nothing_written(db, store, path, message):
    import_file(db, POIS, format="geotrek")
    before = sorted((p.id, p.source_id) for p in store.all())
    with pytest.raises(SourceFormatError, match=message) as e:
        import_file(db, path, format="geotrek")
    assert "\n" not in str(e.value)
    assert sorted((p.id, p.source_id) for p in store.all()) == before


def test_cli_poi_import(runner, db_path):
    result = runner.invoke(cli, ["poi", "import", str(POIS), "--format", "geotrek"])
    assert result.exit_code == 0, result.output
    assert "geotrek: 2 added, 0 updated, 0 unchanged, 0 skipped" in result.stdout
    bad = runner.invoke(cli, ["poi", "import", str(GPX), "--format", "geotrek"])
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.output


# -- treks -------------------------------------------------------------------------------------------

def test_treks_with_vocabulary():
    treks = {t.extra["geotrek_id"]: t for t in read_treks(TREKS)}
    assert sorted(treks) == [2, 2849, 8700, 10439, 10443]
    loop = treks[2]
    assert loop.name == "Boucle du Pic des Trois Seigneurs"
    assert (loop.practice, loop.route_type, loop.difficulty_published) == ("horse_riding", "loop", "very_easy")
    assert loop.duration_published_min == 24 * 60
    assert loop.themes == ["Lac et glacier", "Point de vue"] and loop.extra["networks"] == ["PR"]
    assert (loop.source, loop.source_id) == ("geotrek:foo.fr", "9e70b294-1134-4c50-9c56-d722720cacf1")
    assert (loop.licence, loop.attribution) == ("Licence Ouverte 2.0", "Struct1")
    assert loop.translations["en"]["name"] == "Loop of the pic of 3 lords"
    assert (loop.published_length_m, loop.published_ascent_m, loop.published_descent_m) == (
        7606.3, 666.0, 777.0)
    assert loop.parking == {"lon": 1.412816, "lat": 42.8063269, "info": "Avant le Port de Lers"}
    assert loop.segments[0][0] == (1.411681, 42.8064157, 1516.0)  # with Z
    assert loop.summary == "Un très joli point de vue, en retrait de la chaîne des Pyrénées."
    assert loop.description.startswith("<p>Le nom de ce pic est issu de la légende")
    assert loop.medias[0]["author"] == "Grégory Tonon"
    assert (treks[2849].route_type, treks[8700].difficulty_published) == ("out_and_back", "medium")
    assert treks[10443].route_type == "one_way"  # "Traversée"


def test_treks_without_vocabulary_keep_the_ids():
    loop = next(t for t in read_treks(TREKS_BARE) if t.extra["geotrek_id"] == 2)
    assert (loop.practice, loop.difficulty_published, loop.themes) == ("walking", None, [])
    assert (loop.extra["practice_id"], loop.extra["difficulty_id"], loop.extra["theme_ids"]) == (3, 1, [8, 4])
    assert loop.route_type_detected is True and loop.attribution == "foo.fr"


def test_a_trek_without_a_line_is_reported(tmp_path):
    page = json.loads(TREKS.read_text(encoding="utf-8"))
    page["results"][1]["geometry"] = {"type": "Point", "coordinates": [1.0, 42.8]}
    path = tmp_path / "trek.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    problems: list = []
    assert len(list(read_treks(path, vocabulary={}, report=problems))) == 4
    [problem] = problems
    assert isinstance(problem, ImportRowError)
    assert str(problem) == ("trek.json, trek 2 (De Bethmale au col de la Core): geometry Point is not a "
                            "LineString or MultiLineString")


@pytest.mark.parametrize("path", [TOULOUSE, SCHEMA_RANDONNEE, POIS, GPX])
def test_a_file_that_is_not_treks_is_refused(path):
    with pytest.raises(SourceFormatError):
        read_treks(path)


def test_assembly_imports_treks_in_one_transaction_and_updates_in_place(db):
    first = import_trails(db, TREKS, format="geotrek")
    assert len(first) == 5 and TrailStore(db).count() == 5
    again = import_trails(db, TREKS, format="geotrek")
    assert sorted(t.id for t in again) == sorted(t.id for t in first) and TrailStore(db).count() == 5
    loop = next(t for t in TrailStore(db).all() if t.extra.get("geotrek_id") == 2)
    assert (loop.duration_min, loop.duration_source, loop.difficulty_source) == (1440, "source", "source")
    assert loop.route_type == "loop" and loop.route_type_label == "Boucle"


def test_cli_trail_import(runner, db_path, tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(API, folder)
    result = runner.invoke(cli, ["trail", "import", str(folder / "trek.json"), "--format", "geotrek"])
    assert result.exit_code == 0, result.output
    ids = [int(line) for line in result.stdout.split()]
    db = open_db(db_path)
    try:
        trails = TrailStore(db).all()
    finally:
        db.conn.close()
    assert sorted(ids) == sorted(t.id for t in trails) and len(ids) == 5
    assert {t.practice for t in trails} == {"horse_riding", "walking"}


@pytest.mark.parametrize("path", [SCHEMA_RANDONNEE, GPX, POIS])
def test_cli_trail_import_refuses_other_files(runner, db_path, path):
    result = runner.invoke(cli, ["trail", "import", str(path), "--format", "geotrek"])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    db = open_db(db_path)
    try:
        assert TrailStore(db).all() == []
    finally:
        db.conn.close()
