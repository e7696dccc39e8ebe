"""The tourism databases: Apidae (objects and itineraries), Tourinsoft, LEI; web-service sources read
from a URL (a local HTTP server on loopback), Geotrek API v2 pages followed.

Data: tests/data/sources/{apidae,tourinsoft,lei}/ (see their README).
"""
from __future__ import annotations

import json

import pytest

from loopback import served  # noqa: F401  (fixture)
from helpers import SOURCES, counts, english, one_line_error, poi_rows, pois_by_name  # noqa: F401
from poi.errors import SourceFormatError
from poi.importers import import_file
from poi.remote import SourceFetchError
from trails.assembly import import_file as import_trails
from trails.store import TrailStore
from webapp.cli import cli

APIDAE = SOURCES / "apidae"
CONTENT = APIDAE / "apidae__touristic-content_sample.json"
EVENT = APIDAE / "apidae__event_sample.json"
POI_SAMPLE = APIDAE / "apidae__poi_sample.json"
ITINERARY = APIDAE / "apidae__itinerary-trek_sample.json"
TOURINSOFT = SOURCES / "tourinsoft" / "tourinsoft-v3__content_sample.json"
LEI = SOURCES / "lei" / "lei__touristic-content_sample.xml"
GEOTREK = SOURCES / "geotrek" / "api-v2"


# -- Apidae touristic objects ----------------------------------------------------------------------

def test_apidae_object_names_texts_languages_images_credits_opening(db, store):
    assert counts(import_file(db, CONTENT, format="apidae")) == (1, 0, 0, 0)
    [raft] = store.all()
    assert raft.name == "Quey' Raft" and raft.source == "apidae" and raft.source_id == "479743"
    assert raft.category == "shop"
    assert raft.summary.startswith("Des descentes familiales")
    assert "Au pied du château médiéval" in raft.description
    assert raft.translations["en"] == {"name": "Test EN", "summary": "Descriptif Court EN",
                                        "description": "<p>Descriptif Détaillé EN</p>",
                                        "opening": "From 01/05 to 31/10."}
    assert raft.translations["es"]["name"] == "Test ES" and raft.translations["it"]["summary"] == "Descriptif Court IT"
    assert raft.extra["opening"] == {"text": "Du 01/05 au 31/10."}
    assert raft.url == "http://www.queyraft.com"
    assert raft.attribution == "Office de tourisme du Guillestrois et du Queyras via Apidae"
    assert raft.updated_at.startswith("2017-11-24")
    assert raft.commune == "Château-Ville-Vieille" and raft.insee == "05038"
    credited = [(m.title, m.author) for m in raft.media]
    assert ("img.bmp", "Copyright") in credited and len(raft.media) == 4
    assert all(m.url.startswith("http://static.apidae-tourisme.com/") for m in raft.media)


def test_apidae_opening_periods_are_kept(db, store):
    import_file(db, EVENT, format="apidae")
    [event] = store.all()
    assert event.extra["opening"]["periods"] == [{"dateDebut": "2019-08-06", "dateFin": "2019-08-06",
                                                  "horaireFermeture": "12:00:00", "horaireOuverture": "09:00:00",
                                                  "type": "OUVERTURE_TOUS_LES_JOURS"}]
    assert event.translations["en"]["opening"] == "Tuesday, August 6, 2019 from 9am to noon."
    assert [m.author for m in event.media] == ["ADDET", "OT Laragne", "OT Laragne"]


def test_apidae_heritage_poi_and_expired_pictures(db, store):
    import_file(db, POI_SAMPLE, format="apidae")
    [poi] = store.all()
    assert (poi.name, poi.category) == ("Un point d'intérêt", "monument")
    assert poi.translations["en"]["name"] == "A point of interest"
    assert [(m.url, m.author) for m in poi.media] == [("https://example.net/a_picture.jpg",
                                                       "The author of the picture")]


def test_apidae_reimport_changes_nothing(db, store):
    for path in (CONTENT, EVENT, POI_SAMPLE):
        import_file(db, path, format="apidae")
    before = poi_rows(store)
    for path in (CONTENT, EVENT, POI_SAMPLE):
        assert counts(import_file(db, path, format="apidae")) == (0, 0, 1, 0)
    assert poi_rows(store) == before


def test_apidae_refuses_other_data_and_writes_nothing(db, store):
    with pytest.raises(SourceFormatError, match="not Apidae data"):
        import_file(db, TOURINSOFT, format="apidae")
    assert store.count() == 0


# -- Apidae itineraries as circuits ----------------------------------------------------------------

def test_apidae_itinerary_becomes_a_circuit_with_its_trace(db):
    [trail] = import_trails(db, ITINERARY, format="apidae")
    stored = TrailStore(db).get(trail.id)
    assert stored.name == "Une belle randonnée de test" and stored.source == "apidae"
    assert stored.segments and len(stored.segments[0]) > 5 and 100 < stored.length_m < 200
    assert stored.route_type == "loop" and stored.practice == "walking"
    assert stored.duration_published_min == 150 and stored.difficulty_published == "hard"
    assert stored.commune == "Sallanches" and "Géologie" in stored.themes
    assert "1/ Suivre le chemin" in stored.description
    assert stored.translations["en"]["name"] == "A great hike to test"
    assert stored.medias == [{"kind": "image", "url": "https://example.net/a_picture.jpg",
                                       "title": "The legend of the picture", "author": "The author of the picture",
                                       "licence": ""}]
    again = import_trails(db, ITINERARY, format="apidae")
    assert [t.id for t in again] == [trail.id] and TrailStore(db).count() == 1


def test_apidae_itinerary_trace_fetched_from_its_link(db, tmp_path, served):
    obj = json.loads(ITINERARY.read_text(encoding="utf-8"))
    obj["objetsTouristiques"][0]["multimedias"][0]["traductionFichiers"][0]["url"] = served.url + "/trace/rando.gpx"
    served.bodies["/trace/rando.gpx"] = (200, (APIDAE / "apidae_test_trek.gpx").read_bytes())
    path = tmp_path / "itineraire.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    [trail] = import_trails(db, path, format="apidae")
    assert trail.length_m > 100 and served.asked == ["/trace/rando.gpx"]


def test_apidae_itinerary_without_readable_trace_imports_nothing(db, tmp_path):
    path = tmp_path / "itineraire.json"
    path.write_text(ITINERARY.read_text(encoding="utf-8").replace("apidae_test_trek.gpx", "absent.kml"),
                    encoding="utf-8")
    with pytest.raises(SourceFormatError, match="trace cannot be read"):
        import_trails(db, path, format="apidae")
    assert TrailStore(db).count() == 0


def test_cli_trail_import_apidae(runner, db_path):
    result = runner.invoke(cli, ["trail", "import", str(ITINERARY), "--format", "apidae", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().isdigit()


# -- Tourinsoft ------------------------------------------------------------------------------------

def test_tourinsoft_objects(db, store):
    assert counts(import_file(db, TOURINSOFT, format="tourinsoft")) == (2, 0, 0, 0)
    pois = pois_by_name(store)
    hotel = pois["Hôtel du Perche"]
    assert hotel.category == "accommodation" and hotel.source_id == "HOTCEN0280010001"
    assert (hotel.lat, hotel.lon) == (48.3295, 0.804899)
    assert hotel.description.startswith("<p>A deux pas du centre ville")
    assert [(m.url, m.title, m.author) for m in hotel.media] == [
        ("https://cdt61.media.tourinsoft.eu/upload/SteCath800-2.jpg", "SteCath800", "Mairie de Briouze")]
    assert hotel.url == "http://www.hotel-du-perche.com" and hotel.attribution == "Tourinsoft (cdt28)"
    assert hotel.updated_at == "2019-01-02T19:32:55Z"
    assert hotel.commune == "Nogent-Le-Rotrou" and hotel.insee == "28280"
    assert hotel.extra["opening"]["periods"][0] == {
        "start": "2019-01-01", "end": "2019-07-21", "hours": ["08:00-15:00", "18:00-22:00"],
        "days": ["Dimanche", "Mardi soir", "Mercredi", "Jeudi", "Vendredi", "Samedi"], "closed": ["Lundi"]}
    assert pois["Chatel du Perche"].media == []
    assert counts(import_file(db, TOURINSOFT, format="tourinsoft")) == (0, 0, 2, 0)


def test_tourinsoft_translated_fields_go_to_i18n(db, store, tmp_path):
    data = json.loads(TOURINSOFT.read_text(encoding="utf-8"))
    data["value"][0]["SyndicObjectName_GB"] = "Perche Hotel"
    data["value"][0]["DescriptionCommerciale_DE"] = "Ein neues Hotel."
    path = tmp_path / "tourinsoft.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    import_file(db, path, format="tourinsoft")
    hotel = pois_by_name(store)["Hôtel du Perche"]
    assert hotel.translations == {"de": {"description": "<p>Ein neues Hotel.</p>"}, "en": {"name": "Perche Hotel"}}


# -- LEI -------------------------------------------------------------------------------------------

def test_lei_products(db, store):
    report = import_file(db, LEI, format="lei")
    assert counts(report) == (2, 0, 0, 3)
    assert report.problems == ["product 3 (Restaurant C): no latitude", "product 4 (Restaurant C): no coordinates",
                               "product 5 (Restaurant C): longitude 207.7104173 out of range [-180, 180]"]
    a = pois_by_name(store)["Restaurant A"]
    assert a.category == "restaurant" and a.source_id == "219006399" and a.description == "<p>Commentaire A</p>"
    assert round(a.lat, 5) == 49.0316 and a.url == "https://www.hotel-cheval-blanc.fr"
    assert a.updated_at == "2022-11-29T11:32:41" and a.commune == "Niedersteinbach"
    assert a.media[0].url == "https://url.url/photo5.jpg"
    assert a.media[0].title == "Restaurant Au Cheval Blanc, Niedersteinbach, Alsace, Vue extérieure"
    assert a.media[0].author == a.attribution == "PROXIM-IT via LEI"
    assert counts(import_file(db, LEI, format="lei")) == (0, 0, 2, 3)


def test_lei_refuses_broken_xml(db, store, tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text(LEI.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(SourceFormatError, match="not valid LEI XML"):
        import_file(db, path, format="lei")
    assert store.count() == 0


def test_lei_refuses_entities(db, store, tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE LEI [<!ENTITY a "aaaa">]><LEI><Resultat><sit_liste>'
                    '<PRODUIT>1</PRODUIT><NOM>&a;</NOM></sit_liste></Resultat></LEI>', encoding="utf-8")
    with pytest.raises(SourceFormatError):
        import_file(db, path, format="lei")
    assert store.count() == 0


# -- web services on loopback ----------------------------------------------------------------------

def _geotrek_pages(served) -> None:
    pois = json.loads((GEOTREK / "poi.json").read_text(encoding="utf-8"))["results"]
    contents = json.loads((GEOTREK / "touristiccontent.json").read_text(encoding="utf-8"))["results"]
    pages = [pois, contents[:1], contents[1:]]
    for n, results in enumerate(pages, start=1):
        following = f"{served.url}/api/v2/page{n + 1}/?format=json" if n < len(pages) else None
        served.bodies[f"/api/v2/page{n}/"] = (200, json.dumps({"count": 4, "next": following,
                                                               "results": results}).encode())


def test_geotrek_api_in_three_pages_imports_whole(db, store, served):
    _geotrek_pages(served)
    report = import_file(db, served.url + "/api/v2/page1/?format=json", format="geotrek")
    assert counts(report) == (4, 0, 0, 0)
    assert [p.split("?")[0] for p in served.asked] == ["/api/v2/page1/", "/api/v2/page2/", "/api/v2/page3/"]
    assert {"Balad'âne", "Bar à requin"} <= set(pois_by_name(store))
    assert counts(import_file(db, served.url + "/api/v2/page1/?format=json", format="geotrek")) == (0, 0, 4, 0)


def test_incremental_geotrek_asks_only_what_changed(db, store, served):
    _geotrek_pages(served)
    import_file(db, served.url + "/api/v2/page1/", format="geotrek", since="2024-03-01T10:00:00")
    assert "updated_after=2024-03-01" in served.asked[0]


def test_a_page_that_fails_leaves_nothing(db, store, served):
    _geotrek_pages(served)
    served.bodies["/api/v2/page3/"] = (500, b"oops")
    with pytest.raises(SourceFetchError, match="500"):
        import_file(db, served.url + "/api/v2/page1/", format="geotrek")
    assert store.count() == 0


def test_cli_imports_apidae_and_lei_from_urls(runner, db_path, served):
    served.bodies["/apidae/list"] = (200, CONTENT.read_bytes())
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    result = runner.invoke(cli, ["poi", "import", served.url + "/apidae/list", "--format", "apidae",
                                 "--db", str(db_path)])
    assert result.exit_code == 0 and "apidae: 1 added" in result.output, result.output
    result = runner.invoke(cli, ["poi", "import", served.url + "/lei/export.xml", "--format", "lei",
                                 "--db", str(db_path)])
    assert result.exit_code == 0 and "lei: 2 added" in result.output, result.output


def test_cli_unreachable_url_is_one_line(runner, db_path, served):
    result = runner.invoke(cli, ["poi", "import", served.url + "/missing", "--format", "apidae",
                                 "--db", str(db_path)])
    assert "404" in one_line_error(result)
