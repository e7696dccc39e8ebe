"""schema_randonnee export: valid against the national schema (jsonschema), round trips through our reader, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from helpers import assert_close_m, open_db
from exporter import schema_randonnee as schema_exporter
from exporter.errors import ExportError
from poi.geo import geodesic_distance_m
from test_export_geojson import lermuse, other_credit_stop
from trails.assembly import import_circuits, measure, trail_from_gpx
from trails.models import DIFFICULTIES, PRACTICES, Trail
from trails.schema_randonnee import read_circuits
from trails.store import TrailStore
from webapp.cli import cli

DATA = Path(__file__).parent / "data"
SCHEMA = DATA / "schema_randonnee" / "schema.json"
SOURCES = DATA / "sources" / "schema_randonnee"
CEVENNES = SOURCES / "pnc_cevennes_93_circuits.geojson"
EXAMPLE = SOURCES / "exemple_valide_8_circuits.json"
PNC_MEDIA = "https://geotrek-admin.cevennes-parcnational.net/media/"
GPX_TRAILS = [DATA / "export" / "de-munich_garmin-edge-800_8seg_gpsbabel.gpx",
              DATA / "export" / "geotrek-admin__fr-74_trace_with_not_continuous_segments.gpx"]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def errors_of(validator, document: dict | str) -> list[str]:
    data = json.loads(document) if isinstance(document, str) else document
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def measured(path: Path, **options) -> list[Trail]:
    return [measure(t) for t in read_circuits(path, **options)]


@pytest.fixture(scope="module")
def cevennes() -> list[Trail]:
    return measured(CEVENNES, media_base_url=PNC_MEDIA)


def reread(tmp_path: Path, document: str, name: str = "export.geojson") -> list[Trail]:
    path = tmp_path / name
    path.write_text(document, encoding="utf-8")
    return measured(path)


def assert_same_geometry(a: Trail, b: Trail) -> None:
    assert len(a.coords) == len(b.coords)
    for p, q in zip(a.coords, b.coords):
        assert geodesic_distance_m(p[0], p[1], q[0], q[1]) < 0.5
        assert (p[2] is None and q[2] is None) or p[2] == pytest.approx(q[2], abs=0.005)


# -- the validator itself tells good from bad -------------------------------------------------------
def test_the_schema_accepts_its_example_and_rejects_the_older_geotrek_export(validator):
    assert errors_of(validator, EXAMPLE.read_text(encoding="utf-8")) == []
    old = errors_of(validator, CEVENNES.read_text(encoding="utf-8"))
    assert "[]: 'id_local' is a required property" not in old  # errors are per feature
    assert any("'id_local' is a required property" in e for e in old)
    assert any("'producteur' is a required property" in e for e in old)


# -- our exports are valid ----------------------------------------------------------------------------
def test_the_93_cevennes_circuits_exported_are_valid(validator, cevennes):
    document = schema_exporter.export([(t, []) for t in cevennes])
    assert errors_of(validator, document) == []
    features = json.loads(document)["features"]
    assert len(features) == 93 and "crs" not in json.loads(document)
    assert {f["properties"]["pratique"] for f in features} == {"pédestre", "VTT", "trail"}
    assert {f["properties"]["type_itineraire"] for f in features} == {"boucle", "itinérance", "aller-retour"}


def test_the_8_example_circuits_exported_are_valid(validator):
    assert errors_of(validator, schema_exporter.export(measured(EXAMPLE))) == []


@pytest.mark.parametrize("path", GPX_TRAILS, ids=lambda p: p.stem)
def test_gpx_made_trails_are_valid(validator, path):
    trail = trail_from_gpx(path, themes=["patrimoine"])
    assert errors_of(validator, schema_exporter.export(trail)) == []


def test_a_stored_trail_with_stops_is_valid_and_carries_its_pois(validator, db):
    trail, stops = lermuse(db)
    fc = json.loads(schema_exporter.export(trail, stops + [other_credit_stop()]))
    assert errors_of(validator, fc) == []
    p = fc["features"][0]["properties"]
    assert p["id_local"] == str(trail.id) and p["producteur"] == "© OpenStreetMap contributors"
    assert p["licence"] == "ODbL 1.0"
    assert (p["depart"], p["arrivee"]) == ("Le Saint-Vincent", "Le Mas")  # guideposts at both ends
    pois = p["points_interet"]
    assert [q["nom"] for q in pois] == [s.poi.name for s in stops] + ["Église Saint-Privat"]
    assert all((q["producteur"], q["licence"]) == ("© OpenStreetMap contributors", "ODbL 1.0") for q in pois[:-1])
    assert (pois[-1]["producteur"], pois[-1]["licence"]) == ("Mérimée (Ministère de la Culture)",
                                                             "Licence Ouverte / Etalab 2.0")
    assert pois[-1]["url"].startswith("https://www.pop.culture.gouv.fr/")


# -- round trip: read -> export -> read ---------------------------------------------------------------
def test_cevennes_round_trip(tmp_path, cevennes):
    back = reread(tmp_path, schema_exporter.export([(t, []) for t in cevennes]))
    assert len(back) == len(cevennes) == 93
    for a, b in zip(cevennes, back):
        assert (b.name, b.practice, b.effective_route_type, b.themes) == \
               (a.name, a.practice, a.effective_route_type, a.themes)
        assert b.duration_min == a.duration_min and b.duration_source == a.duration_source == "source"
        assert (b.difficulty, b.commune, b.url, b.source, b.source_id) == \
               (a.difficulty, a.commune, a.url, a.source, a.source_id)
        assert (b.ascent_m, b.descent_m, b.ele_min_m, b.ele_max_m) == \
               (round(a.ascent_m), round(a.descent_m), a.ele_min_m, a.ele_max_m)
        assert (b.description, b.instructions, b.parking) == \
               (a.description, a.instructions, a.parking)
        assert b.medias == a.medias  # credits of every photo kept
        assert_close_m(b.length_m, a.length_m)
        assert_same_geometry(a, b)


def test_example_round_trip_keeps_the_source_labels(tmp_path):
    circuits = measured(EXAMPLE)
    back = reread(tmp_path, schema_exporter.export(circuits))
    for a, b in zip(circuits, back):
        assert (b.name, b.practice, b.route_type, b.themes, b.duration_min) == \
               (a.name, a.practice, a.route_type, a.themes, a.duration_min)
        assert b.difficulty_label == a.difficulty_label
        assert_close_m(b.length_m, a.length_m)
        assert_same_geometry(a, b)


@pytest.mark.parametrize("path", GPX_TRAILS, ids=lambda p: p.stem)
def test_gpx_made_trail_round_trip(tmp_path, path):
    trail = trail_from_gpx(path, themes=["patrimoine", "moulins"])
    [back] = reread(tmp_path, schema_exporter.export(trail))
    assert (back.name, back.practice, back.effective_route_type, back.themes) == \
           (trail.name, "walking", trail.effective_route_type, ["patrimoine", "moulins"])
    assert back.duration_min == trail.duration_min and back.duration_source == "source"
    assert_same_geometry(trail, back)  # several segments come back as one line, every point in place
    if len(trail.segments) == 1:
        assert_close_m(back.length_m, trail.length_m)
        assert back.ascent_m == pytest.approx(trail.ascent_m, abs=0.05)


# -- field mapping ------------------------------------------------------------------------------------
@pytest.mark.parametrize("practice, label", [
    ("walking", "pédestre"), ("trail_running", "trail"), ("mountain_bike", "VTT"), ("cycling", "cyclo"),
    ("horse_riding", "équestre"), ("snowshoe", "raquettes")])
def test_practice_labels(practice, label):
    assert schema_exporter.practice_label(Trail(name="T", practice=practice)) == label
    assert set(schema_exporter.PRACTICE_LABELS) == set(PRACTICES)


@pytest.mark.parametrize("route_type, extra, label", [
    ("loop", {}, "boucle"), ("out_and_back", {}, "aller-retour"), ("one_way", {}, "aller simple"),
    ("one_way", {"route_type_label": "itinérance"}, "itinérance"),
    ("one_way", {"route_type_label": "étape"}, "étape"),
    ("loop", {"route_type_label": "itinérance"}, "boucle")])  # a staff correction wins over the source
def test_route_type_labels(route_type, extra, label):
    assert schema_exporter.route_type_label(Trail(name="T", route_type=route_type, extra=extra)) == label


@pytest.mark.parametrize("level, label", list(zip(DIFFICULTIES, ["Très facile", "Facile", "Moyen", "Difficile",
                                                                  "Très difficile"])))
def test_difficulty_labels(level, label):
    assert schema_exporter.difficulty_label(Trail(name="T", difficulty_computed=level)) == label


def test_overrides_are_what_is_published(validator):
    trail = trail_from_gpx(GPX_TRAILS[0])
    trail.duration_override_min, trail.difficulty_override, trail.route_type_override = 200, "hard", "one_way"
    p = json.loads(schema_exporter.export(trail))["features"][0]["properties"]
    assert (p["duree"], p["difficulte"], p["type_itineraire"]) == (3.33, "Difficile", "aller simple")


def test_media_without_a_web_address_is_left_out(validator):
    [trail, *_] = measured(CEVENNES)  # relative paperclip/ paths: no base URL given
    p = json.loads(schema_exporter.export(trail))["features"][0]["properties"]
    assert p["medias"] is None
    [trail, *_] = measured(CEVENNES, media_base_url=PNC_MEDIA)
    medias = json.loads(schema_exporter.export(trail))["features"][0]["properties"]["medias"]
    assert medias[0]["url"].startswith(PNC_MEDIA) and medias[0]["auteur"] and medias[0]["type_media"] == "image"


def test_producer_and_contact_fill_in_for_trails_that_name_none(validator):
    trail = trail_from_gpx(GPX_TRAILS[0])
    p = json.loads(schema_exporter.export(trail, producer="OT Aubenas", contact="info@ot-aubenas.example"))
    props = p["features"][0]["properties"]
    assert (props["producteur"], props["contact"]) == ("OT Aubenas", "info@ot-aubenas.example")
    bad = json.loads(schema_exporter.export(trail, contact="appelez-nous"))["features"][0]["properties"]
    assert bad["contact"] is None  # the schema wants an e-mail address or nothing


def test_empty_trails_raise_or_are_skipped():
    with pytest.raises(ExportError, match="no points to export"):
        schema_exporter.export([Trail(name="Pas de trace")])
    skipped: list = []
    fc = json.loads(schema_exporter.export([Trail(name="Pas de trace")], skip_empty=True, skipped=skipped))
    assert fc["features"] == [] and skipped == ["Pas de trace"]


# -- command line ------------------------------------------------------------------------------------
@pytest.fixture
def catalogue(db_path) -> list[int]:
    """The 8 example circuits (published) and the Lermuse trail (not published) in the CLI's database."""
    database = open_db(db_path)
    ids = [t.id for t in import_circuits(database, read_circuits(EXAMPLE), publish=True)]
    trail, _ = lermuse(database)
    TrailStore(database).set_published(trail.id, False)
    database.conn.close()
    return ids + [trail.id]


def test_cli_all_published_and_chosen_trails(runner, catalogue, tmp_path, validator):
    out = tmp_path / "circuits.geojson"
    result = runner.invoke(cli, ["--lang", "en", "export", "schema-randonnee", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out}: 9 circuits"
    assert errors_of(validator, out.read_text(encoding="utf-8")) == []
    result = runner.invoke(cli, ["export", "schema-randonnee", "--published-only", "--out", str(out)])
    assert result.exit_code == 0 and len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 8
    ids = [str(catalogue[-1]), str(catalogue[0])]
    result = runner.invoke(cli, ["export", "schema-randonnee", *ids, "--producer", "OT", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = [f["properties"]["nom_itineraire"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]]
    assert names == ["Le Saint-Vincent - Le Mas", "Sentier de Coudoulous"]


@pytest.mark.parametrize("args, message", [
    (["1", "77"], "no trail with id 77"),
    (["abc"], "trail ids are numbers"),
    (["9", "--published-only"], "no trail to export"),
])
def test_cli_bad_input_is_one_line_and_exit_2(runner, catalogue, tmp_path, args, message):
    out = tmp_path / "x.geojson"
    result = runner.invoke(cli, ["--lang", "en", "export", "schema-randonnee", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not out.exists()


def test_accessibility_round_trip(tmp_path, validator):
    stated = Trail(name="Lac", segments=[[(3.6, 44.2, None), (3.61, 44.21, None)]], source="pnc", source_id="1",
                   accessibility=["pushchair", "reduced_mobility"],
                   extra={"accessibility": "<p>Accessible aux poussettes.</p>"})
    ticked = Trail(name="Mas", segments=[[(3.6, 44.2, None), (3.61, 44.21, None)]], source="pnc", source_id="2",
                   accessibility=["reduced_mobility"])
    document = schema_exporter.export([(stated, []), (ticked, []), (Trail(name="Col", segments=ticked.segments,
                                                                            source="pnc", source_id="3"), [])])
    assert errors_of(validator, document) == []
    props = [f["properties"]["accessibilite"] for f in json.loads(document)["features"]]
    assert props == ["<p>Accessible aux poussettes.</p> Accessible aux personnes à mobilité réduite.",
                     "Accessible aux personnes à mobilité réduite.", None]
    back = reread(tmp_path, document)
    assert [t.accessibility for t in back] == [["pushchair", "reduced_mobility"], ["reduced_mobility"], []]
