"""Reading schema_randonnee circuits: the 93 real Cévennes circuits, the schema's valid example, broken files."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from poi.errors import ImportRowError
from trails.errors import SourceFormatError
from trails.models import DIFFICULTIES, PRACTICES, ROUTE_TYPES
from trails.schema_randonnee import read_circuits, segments_of

SRC = "sources/schema_randonnee/"


@pytest.fixture(scope="module")
def cevennes():
    from pathlib import Path

    return list(read_circuits(Path(__file__).parent / "data" / SRC / "pnc_cevennes_93_circuits.geojson"))


def test_all_93_cevennes_circuits_are_read(cevennes):
    assert len(cevennes) == 93
    assert len({t.source_id for t in cevennes}) == 93
    assert Counter(t.practice for t in cevennes) == {"walking": 75, "mountain_bike": 17, "trail_running": 1}
    assert Counter(t.route_type for t in cevennes) == {"loop": 86, "one_way": 4, "out_and_back": 3}
    assert Counter(t.difficulty_published for t in cevennes) == {
        "medium": 37, "easy": 21, "very_easy": 18, "hard": 14, "very_hard": 3}
    for t in cevennes:
        assert t.practice in PRACTICES and t.route_type in ROUTE_TYPES
        assert t.difficulty_published in DIFFICULTIES
        assert t.licence == "Licence Ouverte 2.0" and t.attribution == "PNC"
        assert t.source == "schema_randonnee:PNC"
        assert all(len(seg) >= 2 for seg in t.segments)


def test_first_cevennes_circuit_field_by_field(cevennes):
    t = next(c for c in cevennes if c.source_id == "37037")
    assert t.name == "Mas cévenol de La Roquette"
    assert t.summary.startswith("Ce sentier, niché au creux d'une vallée")  # entities decoded, no tags
    assert "<p>" in t.description and "&eacute;" not in t.description and "découvrir" in t.description
    assert t.themes == ["Architecture et village", "Causses et Cévennes / UNESCO", "Eau et géologie"]
    assert t.duration_published_min == 120
    assert t.difficulty_published == "very_easy"
    assert t.route_type == "loop" and not t.route_type_detected and t.route_type_label == "boucle"
    assert (t.practice_label, t.difficulty_label) == ("pédestre", "Très facile")  # the source's own words
    assert (t.start_name, t.end_name) == ("Parking", "Parking")
    assert t.commune == "Molezon" and t.commune_codes == "48098"
    assert not {"practice_label", "difficulty_label", "start_name", "end_name", "commune_codes"} & set(t.extra)
    assert t.url.startswith("https://destination.cevennes-parcnational.fr/")
    assert t.published_length_m == 2363
    assert t.published_ascent_m == 159 and t.published_descent_m == 158  # published -158: positive here
    assert t.parking == {"lon": 3.715902, "lat": 44.220735,
                                  "info": "Parking du sentier, sur la voie communale qui mène de "
                                          "Pont-Ravagers à Trabassac"}
    assert t.cotation == "T1"
    assert t.access.startswith("<p>D 983 jusqu'à Pont-Ravagers")
    assert "glissants" in t.recommendations
    assert t.medias[1] == {"kind": "image", "url": "paperclip/trekking_trek/37037/08664.jpg",
                                    "title": "La Roquette", "author": "© Olivier Prohin", "licence": ""}
    first = t.segments[0][0]
    assert first == (3.715686, 44.222193, None)  # 2D geometry: no elevation


def test_media_base_url_resolves_relative_paths(data):
    [t, *_] = read_circuits(data / SRC / "pnc_cevennes_93_circuits.geojson",
                            media_base_url="https://geotrek-admin.cevennes-parcnational.net/media/")
    assert t.medias[0]["url"] == (
        "https://geotrek-admin.cevennes-parcnational.net/media/paperclip/trekking_trek/37037/img_4832_sf.jpg")


def test_schema_example_v1_1(data):
    circuits = list(read_circuits(data / SRC / "exemple_valide_8_circuits.json"))
    assert [t.name for t in circuits][:2] == ["Sentier de Coudoulous", "Le roc des Hourtous"]
    t = circuits[0]
    assert t.source == "schema_randonnee:SIVOM sources du Tarn et mont-Lozère"
    assert t.attribution == "SIVOM sources du Tarn et mont-Lozère" and t.source_id == "37959"
    assert t.duration_published_min == 90
    assert t.parking["lon"] == pytest.approx(3.938733)
    assert t.parking["lat"] == pytest.approx(44.288964)
    assert t.medias[0]["licence"] == "CC-BY-SA-ND"
    assert "parent_id" not in t.extra  # the literal "None" of the example is no parent
    vtt = next(c for c in circuits if "VTT" in c.name)
    assert vtt.practice == "mountain_bike"


def test_attribution_and_licence_can_be_overridden(data):
    [t, *_] = read_circuits(data / SRC / "exemple_valide_8_circuits.json",
                            attribution="Parc national des Cévennes", licence="Licence Ouverte 2.0 (Etalab)")
    assert (t.attribution, t.licence) == ("Parc national des Cévennes", "Licence Ouverte 2.0 (Etalab)")


def test_bad_features_are_reported_and_skipped(data):
    report: list = []
    circuits = list(read_circuits(data / SRC / "geotrek_incorrect_geometries.geojson", report=report))
    assert [t.name for t in circuits] == ["Trek 1"]
    assert len(circuits[0].segments) == 2  # MultiLineString: two segments
    assert len(report) == 2 and all(isinstance(e, ImportRowError) for e in report)
    assert "feature 2" in str(report[0]) and "feature 3" in str(report[1])


def test_steps_keep_their_parent(data):
    circuits = list(read_circuits(data / SRC / "geotrek_parent_and_steps.geojson"))
    assert [t.parent_id for t in circuits] == ["", "1", "1"]


def test_medias_without_url_are_dropped(data):
    [t] = read_circuits(data / SRC / "geotrek_medias_some_without_url.geojson")
    assert [m["title"] for m in t.medias] == ["Title 0", "Title 1", "Title 4", "Title 5"]
    assert t.medias[2]["kind"] == "pdf"


def test_missing_route_type_is_detected_from_the_trace(tmp_path):
    def feature(fid, coords):
        return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"id_local": fid, "nom_itineraire": f"c{fid}", "pratique": "pédestre"}}

    path = tmp_path / "c.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        feature("1", [[3.0, 44.0], [3.01, 44.0], [3.0005, 44.0]]),  # ends 40 m from its start
        feature("2", [[3.0, 44.0], [3.02, 44.0]])]}))
    loop, line = read_circuits(path)
    assert (loop.route_type, line.route_type) == ("loop", "one_way")
    assert loop.route_type_detected is True
    assert loop.source == "schema_randonnee:unknown" and loop.duration_published_min is None


@pytest.mark.parametrize("content, message", [
    (b"{not json", "not valid JSON"),
    (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    (b'[1, 2]', "not a GeoJSON FeatureCollection"),
    (b'\xff\xfe\x00', "not UTF-8"),
    (json.dumps({"type": "FeatureCollection", "features": [],
                 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}}).encode(),
     "requires WGS84"),
])
def test_broken_files_raise_at_call_time(tmp_path, content, message):
    path = tmp_path / "broken.geojson"
    path.write_bytes(content)
    with pytest.raises(SourceFormatError, match=message):
        read_circuits(path)


@pytest.mark.parametrize("geometry, message", [
    (None, "no geometry"),
    ({"type": "Point", "coordinates": [1, 2]}, "not a LineString"),
    ({"type": "LineString", "coordinates": [[1, 2]]}, "fewer than two points"),
    ({"type": "LineString", "coordinates": [[700000, 6600000], [700010, 6600000]]}, "not WGS84"),
    ({"type": "LineString", "coordinates": [["a", 2], [1, 2]]}, "not \\[lon, lat"),
])
def test_unusable_geometries(geometry, message):
    with pytest.raises(ImportRowError, match=message):
        segments_of(geometry)


def test_3d_geometry_keeps_elevation():
    segs = segments_of({"type": "MultiLineString", "coordinates": [[[1, 42, 1000], [1.001, 42, 1010.5]],
                                                                   [[1.002, 42, None], [1.003, 42]]]})
    assert segs == [[(1.0, 42.0, 1000.0), (1.001, 42.0, 1010.5)], [(1.002, 42.0, None), (1.003, 42.0, None)]]


# -- accessibility ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, codes", [
    ("Accessible aux poussettes", ["pushchair"]),
    ("<p>Sentier accessible aux PMR et aux poussettes tout-terrain.</p>", ["pushchair", "reduced_mobility"]),
    ("Itinéraire adapté aux fauteuils roulants (pente < 5 %)", ["reduced_mobility"]),
    ("Accessible aux personnes à mobilité réduite ; poussettes déconseillées", ["reduced_mobility"]),
    ("Non accessible aux personnes handicapées. Poussette possible sur le premier kilomètre", ["pushchair"]),
    ("Sentier en joëlette avec accompagnateurs", ["reduced_mobility"]),
    ("Handicap auditif : panneaux illustrés", []),
    ("Aucune infrastructure spécifique", []),
    ("Accessibilité aménagement", []),
    ("Pas adapté aux poussettes ni aux fauteuils roulants", []),
    ("Suitable for pushchairs, not for wheelchairs", ["pushchair"]),
])
def test_accessibility_is_read_in_the_text(text, codes):
    from trails.schema_randonnee import accessibility_from_text

    assert accessibility_from_text(text) == codes


def test_accessibilite_fills_accessibility_and_keeps_the_text(tmp_path):
    from pathlib import Path

    source = json.loads((Path(__file__).parent / "data" / SRC / "exemple_valide_8_circuits.json").read_text())
    source["features"][0]["properties"]["accessibilite"] = "Accessible aux poussettes et aux PMR."
    path = tmp_path / "with_accessibilite.json"
    path.write_text(json.dumps(source), encoding="utf-8")
    first, *others = read_circuits(path)
    assert first.accessibility == ["pushchair", "reduced_mobility"]
    assert first.accessibility_text == "Accessible aux poussettes et aux PMR."
    assert all(t.accessibility == [] for t in others)


def test_geotrek_accessibilities_and_disabled_infrastructure(tmp_path):
    """The real trek page; a trek_accessibility.json page beside it (written here: labels of a
    Geotrek-admin instance) names accessibility 1; the trek's text is kept too."""
    import shutil
    from pathlib import Path

    from trails.geotrek import read_treks

    api = Path(__file__).parent / "data" / "sources" / "geotrek" / "api-v2"
    folder = tmp_path / "api-v2"
    shutil.copytree(api, folder)
    treks = list(read_treks(folder / "trek.json"))
    assert [t.accessibility for t in treks] == [[]] * len(treks)  # no vocabulary: id 1 means nothing yet
    (folder / "trek_accessibility.json").write_text(json.dumps({"count": 2, "results": [
        {"id": 1, "name": {"fr": "Poussette", "en": "Stroller"}},
        {"id": 2, "name": {"fr": "Fauteuil roulant", "en": "Wheelchair"}}]}), encoding="utf-8")
    treks = list(read_treks(folder / "trek.json"))
    assert treks[0].accessibility == ["pushchair"]
    assert treks[0].accessibility_text == "Accessibilité aménagement"
    assert all(t.accessibility == [] for t in treks[1:])
