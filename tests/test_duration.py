"""The visit-time model (trails.duration) and its yardstick on the Parc national des Cévennes published times.

Real data: tests/data/sources/schema_randonnee/pnc_cevennes_93_circuits.geojson (93 circuits of the park,
Licence Ouverte 2.0, see the README there): 73 walking day circuits with published length, climb and time,
14 of them interpretation trails.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from poi.i18n import language
from poi.models import POI
from poi.store import PoiStore
from trails import duration as D
from trails.assembly import measure
from trails.corridor import attach_stops
from trails.filter_params import format_duration
from trails.models import Trail
from trails.schema_randonnee import read_circuits
from trails.store import TrailStore

from helpers import open_db


CEVENNES = Path(__file__).parent / "data/sources/schema_randonnee/pnc_cevennes_93_circuits.geojson"


@pytest.fixture(scope="module")
def cevennes():
    return list(read_circuits(CEVENNES))


@pytest.fixture(scope="module")
def samples(cevennes):
    return D.calibration_samples(cevennes)


INTERP = {"waymarking": "Interprétation"}


@pytest.mark.parametrize("name, extra, categories, expected", [
    ("Col de Bès", {"waymarking": "Balisage peinture jaune"}, [], (0, 0, "none")),
    ("Old town", {}, ["church", "museum", "castle", "monument", "memorial"], (25, 5, "stops")),
    ("Old town", {}, ["viewpoint", "nature", "water", "lavoir"], (8, 4, "stops")),
    ("Car park loop", {}, ["parking", "information", "restaurant", "picnic", "transport"], (0, 0, "none")),
    ("Château du Tournel", INTERP, [], (32, 0, "interpretation")),
    ("Château du Tournel", INTERP, ["castle", "church", "viewpoint"], (32, 3, "interpretation")),
    ("Château du Tournel", INTERP, ["castle"] * 8, (40, 8, "stops")),  # stops beat the allowance
    ("Sentier de la pierre sèche", {"waymarking": "découverte PNC"}, [], (32, 0, "interpretation")),
    ("Monoblet, le sentier botanique", {"waymarking": "Balisage peinture jaune"}, [], (32, 0, "interpretation")),
    ("Sentier de Vialas", {"waymarking": "Interprétation", "interpretation": False}, [], (0, 0, "none")),
    ("Col de Bès", {"interpretation": True}, ["church"], (32, 1, "interpretation")),
])
def test_visit_time_formula(name, extra, categories, expected):
    assert tuple(D.visit_time(Trail(name=name, extra=dict(extra)), categories)) == expected


@pytest.mark.parametrize("walking, visit, en, fr", [
    (130, D.Visit(25, 5, "stops"), "2 h 10 walking (DIN 33466) + 25 min at 5 stops",
     "2 h 10 de marche (DIN 33466) + 25 min à 5 arrêts"),
    (41, D.Visit(32, 0, "interpretation"), "41 min walking (DIN 33466) + 32 min at the stops of an interpretation trail",
     "41 min de marche (DIN 33466) + 32 min aux arrêts d'un sentier d'interprétation"),
])
def test_visit_text_in_both_languages(walking, visit, en, fr):
    with language("en"):
        assert D.visit_text(walking, visit) == en
    with language("fr"):
        assert D.visit_text(walking, visit) == fr


def test_calibration_set_is_the_73_walking_day_circuits(samples):
    assert len(samples) == 73
    assert sum(s.interpretation for s in samples) == 14
    assert all(s.length_m <= D.DAY_WALK_MAX_M for s in samples)
    assert "Voyage entre Gorges et Causse, au pays des Grands Causses" not in {s.name for s in samples}


def test_allowance_is_the_fit_on_the_cevennes_interpretation_trails(samples):
    fitted = D.fit_allowance(samples)
    assert fitted == 32.5
    assert round(fitted) == D.INTERPRETATION_ALLOWANCE_MIN


def test_visit_model_reduces_the_error_on_short_interpretation_trails(samples):
    short = [s for s in samples if s.interpretation and s.length_m < D.SHORT_WALK_M]
    assert len(short) == 13
    din = D.errors((s.din_min, s.published_min) for s in short)
    visits = D.errors((D.with_visits_min(s), s.published_min) for s in short)
    assert din.mean_min < -30 and din.mae_min > 35  # DIN alone: ~40 % short of the published time
    assert visits.mae_min < din.mae_min / 2
    assert abs(visits.mean_min) < 10


def test_visit_model_holds_on_the_half_it_was_not_fitted_on(samples):
    a, b = D.halves(samples)
    for train, test in ((a, b), (b, a)):
        allowance = D.fit_allowance(train)
        held_out = [s for s in test if s.interpretation]
        before = D.errors((s.din_min, s.published_min) for s in held_out).mae_min
        after = D.errors((D.with_visits_min(s, allowance), s.published_min) for s in held_out).mae_min
        assert after < before * 0.6, (allowance, before, after)


def test_visit_model_leaves_the_other_walks_alone(samples):
    others = [s for s in samples if not s.interpretation]
    assert all(D.with_visits_min(s) == s.din_min for s in others)


def test_errors_sign_and_percent():
    e = D.errors([(90, 120), (130, 100)])
    assert (e.n, e.mean_min, e.mae_min) == (2, 0.0, 30.0)
    assert (e.mean_pct, e.mae_pct) == (2.5, 27.5)


def test_schweizmobil_uniform_grade_on_flat_and_climb():
    assert D.schweizmobil_uniform_min(4200, 0, 0) == 60  # 14.271 min/km on the flat
    assert D.schweizmobil_uniform_min(0, 100, 100) == 0
    assert D.schweizmobil_uniform_min(5000, 300, 0) > D.schweizmobil_uniform_min(5000, 0, 300)


def test_measure_stores_the_visit_time_apart_from_the_walking_time():
    by_name = {t.name: t for t in read_circuits(CEVENNES)}
    tournel = measure(by_name["Château du Tournel"])
    assert tournel.extra["duration_visit_min"] == D.INTERPRETATION_ALLOWANCE_MIN
    assert tournel.duration_computed_min == 44  # DIN 33466 on 1147 m, +111/-111 m, no visit time in it
    assert tournel.duration_min == 90 and tournel.duration_source == "source"
    walk = measure(by_name["Col de Bès"])
    assert "duration_visit_min" not in walk.extra
    walk.extra["duration_visit_min"] = 99  # a stale figure goes when the trail is measured again
    assert "duration_visit_min" not in measure(walk).extra


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
    return ids, bes.duration_computed_min, tournel.duration_computed_min


def test_circuit_page_shows_the_time_with_visits_and_its_formula(client, visit_db):
    ids, bes_walk, tournel_walk = visit_db
    html = client.get(f"/trails/{ids['stops']}?lang=en").get_data(as_text=True)
    assert 'data-figure="with-visits"' in html
    assert f"{format_duration(bes_walk + 10)}</strong>" in html
    assert f"{format_duration(bes_walk)} walking (DIN 33466) + 10 min at 2 stops" in html
    html = client.get(f"/trails/{ids['interpretation']}?lang=fr").get_data(as_text=True)
    assert "Avec les visites" in html
    assert f"{format_duration(tournel_walk)} de marche (DIN 33466) + 32 min aux arrêts d" in html


def test_circuit_page_shows_no_visit_line_under_a_published_time(client, visit_db):
    ids, _, _ = visit_db
    html = client.get(f"/trails/{ids['published']}?lang=en").get_data(as_text=True)
    assert 'data-figure="with-visits"' not in html and "With visits" not in html
