"""trails.assembly: measure, GPX to trail, store with stops in one transaction, circuit files."""
from pathlib import Path

import pytest

import trails.corridor
from poi.errors import BaliseError
from poi.i18n import language
from poi.models import POI
from poi.store import PoiStore
from trails import assembly, metrics
from trails.errors import GPXError, SourceFormatError, TraceError
from trails.gpx_in import read_trace
from trails.models import Trail
from trails.store import TrailStore

GPX = Path(__file__).parent / "data" / "gpx"
OSLO = GPX / "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx"
CIRCUITS = GPX / "pnc_cevennes_3_circuits.geojson"


def test_measure_fills_every_measured_field_and_leaves_overrides_alone():
    trail = Trail(name="Oslo", segments=read_trace(OSLO).segments, route_type_override="one_way",
                  duration_override_min=300, difficulty_override="easy")
    assert assembly.measure(trail) is trail
    m = metrics.compute(trail.segments)
    assert trail.length_m == pytest.approx(m.length_m, abs=0.1)
    assert (trail.ascent_m, trail.descent_m, trail.points) == (m.ascent_m, m.descent_m, 997)
    assert (trail.ele_min_m, trail.ele_max_m) == (m.ele_min_m, m.ele_max_m)
    assert trail.duration_computed_min == m.duration_min == 394
    assert (trail.difficulty_computed, trail.effort) == ("hard", m.effort)
    assert trail.route_type == "loop" and trail.route_type_override == "one_way"
    assert (trail.duration_min, trail.difficulty) == (300, "easy")  # staff overrides still win
    assert not trail.metrics_note


def test_published_climb_is_used_when_the_trace_has_no_elevation():
    segments = [[(3.60, 44.10, None), (3.61, 44.11, None), (3.60, 44.12, None)]]
    trail = assembly.measure(Trail(name="c", segments=segments,
                                   extra={"ascent_m": 385.0, "descent_m": 383.0, "ele_min_m": 900,
                                          "ele_max_m": 1285}))
    assert (trail.ascent_m, trail.descent_m, trail.ele_min_m, trail.ele_max_m) == (385.0, 383.0, 900, 1285)
    assert trail.duration_computed_min == metrics.duration_din33466_min(trail.length_m, 385, 383)
    assert trail.metrics_note == assembly.NOTE_PUBLISHED_CLIMB
    with language("fr"):
        from poi.i18n import gettext
        assert gettext(assembly.NOTE_PUBLISHED_CLIMB) != assembly.NOTE_PUBLISHED_CLIMB


def test_the_trace_elevation_wins_over_published_climb():
    trail = Trail(name="Oslo", segments=read_trace(OSLO).segments, extra={"ascent_m": 1.0})
    assert assembly.measure(trail).ascent_m == pytest.approx(373.1) and not trail.metrics_note


def test_a_route_type_published_by_the_source_is_kept():
    out = [(3.0, 44.0 + i / 1000, None) for i in range(11)]
    trail = Trail(name="c", segments=[out + out[::-1][1:]], route_type="loop",
                  extra={"route_type_label": "boucle"})
    assembly.measure(trail)
    assert trail.route_type == "loop" and trail.route_type_measured == "out_and_back"
    trail.route_type_detected = True
    assert assembly.measure(trail).route_type == "out_and_back"


def test_trail_from_gpx_names():
    assert assembly.trail_from_gpx(GPX / "gpxstudio__be-brussels_simple.gpx").name == "simple"
    assert assembly.trail_from_gpx(OSLO).name == "no-oslo_garmin-oregon-700_2018_gpsbabel"  # no name: stem
    assert assembly.trail_from_gpx(OSLO, name="Tour du lac").name == "Tour du lac"
    with language("en"):
        assert assembly.trail_from_gpx(OSLO.read_bytes()).name == "Unnamed trail"


def test_trail_from_gpx_is_measured_not_stored():
    trail = assembly.trail_from_gpx(OSLO, themes=["nature", "nature", "water"], practice="trail_running")
    assert trail.id is None and trail.source == "gpx" and trail.extra["gpx_file"] == OSLO.name
    assert trail.themes == ["nature", "water"] and trail.practice == "trail_running"
    assert trail.length_m > 22_000 and trail.duration_computed_min == 394


def test_unknown_practice_is_a_one_line_error():
    with pytest.raises(BaliseError, match="unknown practice 'skiing'"):
        assembly.trail_from_gpx(OSLO, practice="skiing")


def test_import_gpx_round_trip(db):
    trail = assembly.import_gpx(db, GPX / "de-munich_garmin-edge-800_8seg_gpsbabel.gpx", themes=["city"],
                                publish=True)
    stored = TrailStore(db).get(trail.id)
    assert stored.segments == read_trace(GPX / "de-munich_garmin-edge-800_8seg_gpsbabel.gpx").segments
    assert stored.segments == trail.segments
    for field in ("name", "length_m", "ascent_m", "descent_m", "points", "duration_computed_min",
                  "difficulty_computed", "route_type", "themes", "published", "effort"):
        assert getattr(stored, field) == getattr(trail, field), field
    assert stored.published is True


def test_import_attaches_the_pois_already_in_the_corridor(db):
    segments = read_trace(OSLO).segments
    lon, lat, _ = segments[0][300]
    pois = PoiStore(db)
    pois.upsert(POI(name="By the path", lon=lon + 0.0005, lat=lat, source="t", source_id="near"))  # ~28 m
    pois.upsert(POI(name="Far away", lon=lon + 0.05, lat=lat, source="t", source_id="far"))      # ~2.8 km
    trail = assembly.import_gpx(db, OSLO)
    stops = TrailStore(db).stops_with_pois(trail.id)
    assert [s.poi.name for s in stops] == ["By the path"]
    narrow = assembly.import_gpx(db, OSLO, corridor_m=10.0)
    assert TrailStore(db).stops(narrow.id) == []


def test_save_trail_calls_attach_stops_with_the_corridor_width(db, monkeypatch):
    calls = []
    monkeypatch.setattr(trails.corridor, "attach_stops",
                        lambda db_, trail, *, width_m: calls.append((trail.id, width_m)) or 0)
    trail = assembly.save_trail(db, Trail(name="t", segments=read_trace(OSLO).segments), corridor_m=80.0)
    assert calls == [(trail.id, 80.0)] and trail.length_m > 0


def test_a_failure_while_attaching_leaves_the_db_unchanged(db, monkeypatch):
    def boom(*args, **kwargs):
        raise TraceError("corridor failed")

    monkeypatch.setattr(trails.corridor, "attach_stops", boom)
    with pytest.raises(TraceError):
        assembly.import_gpx(db, OSLO)
    assert TrailStore(db).count() == 0


def test_import_circuits_measures_and_stores_them_all(db):
    from trails.schema_randonnee import read_circuits

    saved = assembly.import_circuits(db, read_circuits(CIRCUITS), publish=True)
    assert [t.name for t in saved] == ["Mas cévenol de La Roquette", "Ô domaine de Roquedols !",
                                       "Sentier de Barre-des-Cévennes"]
    store = TrailStore(db)
    assert store.count() == 3
    first = store.get(saved[0].id)
    assert first.published and first.ascent_m == 159 and first.duration_source == "source"
    assert first.duration_computed_min == metrics.duration_din33466_min(first.length_m, 159, 158)
    assert first.metrics_note == assembly.NOTE_PUBLISHED_CLIMB
    again = assembly.import_circuits(db, read_circuits(CIRCUITS))  # same (source, source_id): updated
    assert [t.id for t in again] == [t.id for t in saved] and store.count() == 3


def test_one_bad_circuit_stops_the_import_with_nothing_written(db):
    good = Trail(name="good", segments=read_trace(OSLO).segments)
    bad = Trail(name="bad", segments=[[(3.6, 44.1, None)]])
    with pytest.raises(TraceError, match="'bad'.*nothing imported"):
        assembly.import_circuits(db, [good, bad])
    assert TrailStore(db).count() == 0
    with pytest.raises(SourceFormatError, match="no circuit"):
        assembly.import_circuits(db, [])


def test_import_file_dispatches_on_format(db):
    [gpx] = assembly.import_file(db, OSLO, themes=["lake"])
    assert gpx.source == "gpx" and gpx.themes == ["lake"]
    circuits = assembly.import_file(db, CIRCUITS, themes=["heritage"], practice="trail_running")
    assert len(circuits) == 3 and all("heritage" in t.themes and t.practice == "trail_running" for t in circuits)
    assert TrailStore(db).count() == 4


@pytest.mark.parametrize("path, kwargs, error, words", [
    (GPX / "pnc_cevennes_3_circuits_second_is_a_point.geojson", {}, SourceFormatError, "nothing imported"),
    (CIRCUITS, {"name": "x"}, BaliseError, "--name applies to a GPX file"),
    (GPX / "README.md", {}, BaliseError, "give --format"),
    (OSLO, {"format": "kml"}, BaliseError, "unknown trail format"),
    (GPX / "missing.geojson", {}, SourceFormatError, "no such file"),
    (GPX / "xml_bomb.gpx", {}, GPXError, "unsafe XML"),
    (GPX / "decimal_commas.gpx", {"format": "gpx"}, GPXError, "decimal comma"),
])
def test_import_file_errors_write_nothing(db, path, kwargs, error, words):
    with pytest.raises(error, match=words):
        assembly.import_file(db, path, **kwargs)
    assert TrailStore(db).count() == 0


def test_gpx_stats_gives_both_models():
    s = assembly.gpx_stats(OSLO)
    assert (s.duration_model, s.duration_min, s.duration_din33466_min) == ("din33466", 394, 394)
    swiss = assembly.gpx_stats(OSLO, model="schweizmobil")
    assert swiss.duration_min == swiss.duration_schweizmobil_min == s.duration_schweizmobil_min
    assert (s.route_type, s.segments, s.points, s.has_elevation) == ("loop", 1, 997, True)
    assert s.ascent_raw_m > s.ascent_m
    with pytest.raises(BaliseError, match="unknown duration model"):
        assembly.gpx_stats(OSLO, model="tobler")
