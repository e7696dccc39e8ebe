"""The visit-time model (trails.duration) and its yardstick on the Parc national des Cévennes published times.

Real data: tests/data/sources/schema_randonnee/pnc_cevennes_93_circuits.geojson (93 circuits of the park,
Licence Ouverte 2.0, see the README there): 73 walking day circuits with published length, climb and time,
17 of them interpretation trails.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from poi.i18n import language
from poi.models import POI
from poi.store import PoiStore
from trails import duration as D
from trails import duration_fit as F
from trails.assembly import measure
from trails.corridor import attach_stops
from trails.filter_params import format_duration, show_number
from trails.models import Trail
from trails.schema_randonnee import read_circuits
from trails.store import TrailStore

from helpers import network_db, open_db


CEVENNES = Path(__file__).parent / "data/sources/schema_randonnee/pnc_cevennes_93_circuits.geojson"


@pytest.fixture(scope="module")
def cevennes():
    return list(read_circuits(CEVENNES))


@pytest.fixture(scope="module")
def samples(cevennes):
    return F.calibration_samples(cevennes)


INTERP = {"waymarking": "Interprétation"}


@pytest.mark.parametrize("name, extra, categories, expected", [
    ("Col de Bès", {"waymarking": "Balisage peinture jaune"}, [], (0, 0, "none")),
    ("Old town", {}, ["church", "museum", "castle", "monument", "memorial"], (25, 5, "stops")),
    ("Old town", {}, ["viewpoint", "nature", "water", "lavoir"], (8, 4, "stops")),
    ("Car park loop", {}, ["parking", "information", "restaurant", "picnic", "transport"], (0, 0, "none")),
    ("Château du Tournel", INTERP, [], (20, 0, "interpretation")),
    ("Château du Tournel", INTERP, ["castle", "church", "viewpoint"], (20, 3, "interpretation")),
    ("Château du Tournel", INTERP, ["castle"] * 6, (30, 6, "stops")),  # stops beat the allowance
    ("Sentier de la pierre sèche", {"waymarking": "découverte PNC"}, [], (20, 0, "interpretation")),
    ("Monoblet, le sentier botanique", {"waymarking": "Balisage peinture jaune"}, [], (20, 0, "interpretation")),
    ("Sentier de Vialas", {"waymarking": "Interprétation", "interpretation": False}, [], (0, 0, "none")),
    ("Col de Bès", {"interpretation": True}, ["church"], (20, 1, "interpretation")),
])
def test_visit_time_formula(name, extra, categories, expected):
    assert tuple(D.visit_time(Trail(name=name, extra=dict(extra)), categories)) == expected


@pytest.mark.parametrize("figures, en, fr", [
    (D.WithVisits(170, 130, 15, D.Visit(25, 5, "stops")),
     "2 h 10 walking (4.65 km/h, 500 m/h up, 500 m/h down) + 15 min start and finish + 25 min at 5 stops",
     "2 h 10 de marche (4,65 km/h, 500 m/h en montée, 500 m/h en descente) + 15 min de départ et d'arrivée"
     " + 25 min à 5 arrêts"),
    (D.WithVisits(80, 41, 15, D.Visit(24, 0, "interpretation")),
     "41 min walking (4.65 km/h, 500 m/h up, 500 m/h down) + 15 min start and finish"
     " + 24 min at the stops of an interpretation trail",
     "41 min de marche (4,65 km/h, 500 m/h en montée, 500 m/h en descente) + 15 min de départ et d'arrivée"
     " + 24 min aux arrêts d'un sentier d'interprétation"),
    (D.WithVisits(56, 41, 15, D.Visit(0, 0, "none")),
     "41 min walking (4.65 km/h, 500 m/h up, 500 m/h down) + 15 min start and finish",
     "41 min de marche (4,65 km/h, 500 m/h en montée, 500 m/h en descente) + 15 min de départ et d'arrivée"),
])
def test_visit_text_in_both_languages(figures, en, fr):
    with language("en"):
        assert D.visit_text(figures) == en
    with language("fr"):
        assert D.visit_text(figures) == fr


def test_calibration_set_is_the_73_walking_day_circuits(samples):
    assert len(samples) == 73
    assert sum(s.interpretation for s in samples) == 17
    assert all(s.length_m <= D.DAY_WALK_MAX_M for s in samples)
    assert "Voyage entre Gorges et Causse, au pays des Grands Causses" not in {s.name for s in samples}
    # the park files Cros under its "sentiers de découverte" (its page address), though its waymarking is plain
    assert {"Cros, le sentier de la soie", "Autour de Cazebonne"} <= {s.name for s in samples if s.interpretation}


def test_shipped_model_is_the_fit_on_the_cevennes_day_walks(samples):
    fitted = F.fit(samples)
    assert (fitted.pace_kmh, fitted.climb_m_per_h, fitted.descent_m_per_h, fitted.difficulty_step) == (
        D.WALKER.pace_kmh, D.WALKER.climb_m_per_h, D.WALKER.descent_m_per_h, D.WALKER.difficulty_step)
    assert round(fitted.start_end_min) == D.WALKER.start_end_min
    assert round(fitted.interpretation_min) == D.WALKER.interpretation_min == D.INTERPRETATION_ALLOWANCE_MIN


def _held_out(samples):
    """Every circuit judged by the model fitted on the half it is not in: (DIN pairs, model pairs)."""
    a, b = F.halves(samples)
    walk, visits = [], []
    for train, test in ((a, b), (b, a)):
        model = F.fit(train)
        walk += [(s, s.din_min) for s in test]
        visits += [(s, s.walker_min(model)) for s in test]
    return walk, visits


def test_time_with_visits_matches_published_times_on_held_out_circuits(samples):
    walk, visits = _held_out(samples)
    (din_short, din_long), (short, long) = F.mape_by_length(walk), F.mape_by_length(visits)
    assert (short.n, long.n) == (23, 50)
    assert din_short.mae_pct > 30 and din_long.mae_pct > 14  # walking time alone
    assert short.mae_pct <= 15.0, short  # the target up to 5 km
    assert long.mae_pct <= 12.0, long  # the target over 5 km (12.6 % before the difficulty term)
    assert abs(short.mean_pct) < 8 and abs(long.mean_pct) < 5  # no bias left either way


def test_interpretation_allowance_is_what_short_discovery_trails_need(samples):
    short = [s for s in samples if s.interpretation and s.length_m < D.SHORT_WALK_M]
    assert len(short) == 16
    din = F.errors((s.din_min, s.published_min) for s in short)
    model = F.errors((s.walker_min(), s.published_min) for s in short)
    assert din.mean_pct < -35 and model.mae_pct < din.mae_pct / 2


def test_fit_finds_the_parameters_of_a_known_walker():
    # published times made by a known model: 5 km/h, 600 m/h up, 20 min, 30 min on interpretation trails
    truth = D.WalkerModel(5.0, 600.0, 500.0, 20.0, 30.0)
    walks = [F.Sample(str(i), "", km * 1000, up, up, 1, i % 3 == 0)
             for i, (km, up) in enumerate([(2, 50), (3, 300), (5, 100), (8, 600), (11, 200), (14, 900), (6, 450)])]
    walks = [s._replace(published_min=s.walker_min(truth)) for s in walks]
    assert F.fit(walks) == truth


def test_errors_sign_and_percent():
    e = F.errors([(90, 120), (130, 100)])
    assert (e.n, e.mean_min, e.mae_min) == (2, 0.0, 30.0)
    assert (e.mean_pct, e.mae_pct) == (2.5, 27.5)


def test_schweizmobil_uniform_grade_on_flat_and_climb():
    assert F.schweizmobil_uniform_min(4200, 0, 0) == 60  # 14.271 min/km on the flat
    assert F.schweizmobil_uniform_min(0, 100, 100) == 0
    assert F.schweizmobil_uniform_min(5000, 300, 0) > F.schweizmobil_uniform_min(5000, 0, 300)


@pytest.mark.parametrize("length_m, ascent_m, categories, interpretation, expected", [
    (12_000, 600, [], False, 227 + 28),  # t_h 2.58 h, t_v 2.40 h: 2.58 + 1.20 = 3.78 h
    (12_000, 600, ["church", "museum", "viewpoint"], False, 227 + 28 + 12),
    (2_000, 50, ["church"], True, 32 + 28 + 20),  # the interpretation allowance beats one church
])
def test_walker_time_formula(length_m, ascent_m, categories, interpretation, expected):
    trail = Trail(name="t", length_m=length_m, ascent_m=ascent_m, descent_m=ascent_m,
                  interpretation=interpretation)
    assert D.with_visits(trail, categories).total_min == expected
    assert D.duration_with_visits_min(trail, categories) == expected  # computed duration: the model


def test_measure_stores_the_visit_time_apart_from_the_walking_time():
    by_name = {t.name: t for t in read_circuits(CEVENNES)}
    tournel = measure(by_name["Château du Tournel"])
    assert tournel.duration_visit_min == D.INTERPRETATION_ALLOWANCE_MIN == 20
    assert tournel.duration_computed_min == 44  # DIN 33466 on 1147 m, +111/-111 m, no visit time in it
    assert tournel.duration_min == 90 and tournel.duration_source == "source"
    walk = measure(by_name["Col de Bès"])
    assert walk.duration_visit_min is None
    walk.duration_visit_min = 99  # a stale figure goes when the trail is measured again
    assert measure(walk).duration_visit_min is None


# -- the circuit page ------------------------------------------------------------------------------------------
@pytest.fixture
def visit_db(app, db_path):
    """Tournel with and without its published time, and Col de Bès (no published time) with 3 stops."""
    db = open_db(db_path)
    store = TrailStore(db)
    by_name = {t.name: t for t in read_circuits(CEVENNES)}
    ids = {}
    published = measure(by_name["Château du Tournel"])
    published.published = True
    ids["published"] = store.save(published)
    tournel = measure(Trail(name="Château du Tournel (computed)", segments=published.segments,
                            extra={"waymarking": "Interprétation", "ascent_m": 111, "descent_m": 111},
                            published=True, source="test", source_id="tournel-computed"))
    ids["interpretation"] = store.save(tournel)
    bes = by_name["Col de Bès"]
    bes.duration_published_min = None
    bes.published = True
    ids["stops"] = store.save(measure(bes))
    pois = PoiStore(db)
    coords = bes.coords
    for i, category in enumerate(("church", "museum", "parking")):
        lon, lat, _ = coords[(i + 1) * len(coords) // 4]
        pois.upsert(POI(name=f"Stop {i}", lon=lon, lat=lat, category=category, source="test", source_id=str(i)))
    attach_stops(db, bes)
    db.conn.close()
    return ids, bes, tournel


def test_circuit_page_shows_the_time_with_visits_and_its_formula(client, visit_db):
    ids, bes, tournel = visit_db
    html = client.get(f"/trails/{ids['stops']}?lang=en").get_data(as_text=True)
    assert 'data-figure="with-visits"' in html
    expected = D.with_visits(bes, ["church", "museum"])
    assert expected.visit == D.Visit(10, 2, "stops")  # church and museum 5 min each, parking nothing
    assert f"{format_duration(expected.total_min)}</strong>" in html
    assert (f"{format_duration(expected.walking_min)} walking (4.65 km/h, 500 m/h up, 500 m/h down)"
            " + 28 min start and finish + 10 min at 2 stops") in html
    html = client.get(f"/trails/{ids['interpretation']}?lang=fr").get_data(as_text=True)
    assert "Avec les visites" in html
    walking = D.with_visits(tournel).walking_min
    assert (f"{format_duration(walking)} de marche (4,65 km/h, 500 m/h en montée, 500 m/h en descente)"
            " + 28 min de départ et d&#39;arrivée + 20 min aux arrêts d") in html


def test_circuit_page_shows_no_visit_line_under_a_published_time(client, visit_db):
    ids, _, _ = visit_db
    html = client.get(f"/trails/{ids['published']}?lang=en").get_data(as_text=True)
    assert 'data-figure="with-visits"' not in html and "With visits" not in html


def test_generated_loop_json_gives_the_catalogue_time_with_visits(runner, db_path):
    """Monaco's real street network and POIs: a generated loop's figures carry the walker's time."""
    import json

    from webapp.cli import cli

    network_db(db_path, Path(__file__).parent / "data/sources/osm/monaco_graphhopper.osm.gz")
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "1h", "--json",
                                 "--variants", "1", "--seed", "1", "--dry-run"])
    assert result.exit_code == 0, result.output
    [variant] = json.loads(result.output)
    trail = Trail(name="loop", length_m=variant["length_m"], ascent_m=variant["ascent_m"],
                  descent_m=variant["descent_m"])
    expected = D.with_visits(trail).walking_min + 28 + variant["visit_min"]
    assert abs(variant["duration_with_visits_min"] - expected) <= 1  # rounding of the parts


def test_stated_difficulty_slows_the_pace_of_a_computed_time():
    """A Cévennes walk the park grades "Difficile", its published time removed: the walker's time counts the
    rougher ground (10 % per level above medium), the computed difficulty (from length and climb) does not."""
    rough = next(t for t in read_circuits(CEVENNES) if t.difficulty_published == "hard")
    rough.duration_published_min = None
    rough = measure(rough)
    graded = D.with_visits(rough)
    plain = D.with_visits(Trail(name="same walk, no stated difficulty", length_m=rough.length_m,
                                ascent_m=rough.ascent_m, descent_m=rough.descent_m))
    assert graded.walking_min > plain.walking_min
    assert graded.pace_kmh == round(D.WALKER.pace_kmh / 1.1, 2)
    assert D.duration_with_visits_min(rough) == graded.total_min
    with language("en"):
        assert f"({show_number(graded.pace_kmh)} km/h," in D.visit_text(graded)
