"""The proximity engine's rules, one scenario each, run in Chromium (templates/bundle/engine.js is pure JS).

Fixes are given as (east_m, north_m, accuracy_m, t_s) around a base point; a POI of
radius 30 m sits at the base point unless a scenario says otherwise.
"""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ENGINE = (Path(__file__).parent.parent.parent / "templates" / "bundle" / "engine.js").read_text(encoding="utf-8")
RUN = """([pois, fixes, options, segments]) => {
  const lat0 = 44.2465, lon0 = 3.6515;
  const at = (e, n) => [lat0 + n / 111195.0, lon0 + e / (111195.0 * Math.cos(lat0 * Math.PI / 180))];
  const eng = BaliseEngine.create({
    pois: pois.map(p => { const [lat, lon] = at(p.e, p.n);
      return {id: p.id, lat, lon, trigger_radius_m: p.r, distance_along_m: p.along}; }),
    segments: (segments || []).map(seg => seg.map(([e, n]) => { const [lat, lon] = at(e, n); return [lon, lat]; })),
    options: options || {}});
  return fixes.map(f => {
    if (f === "reset") { eng.reset([]); return "reset"; }
    const [lat, lon] = at(f[0], f[1]);
    const r = eng.feed({latitude: lat, longitude: lon, accuracy: f[2], timestamp: 1.7e12 + f[3] * 1000});
    return {reason: r.reason, triggers: r.triggers.map(t => t.poi), off: r.offTrail,
            along: r.position && r.position.along_m, ahead: eng.ahead().map(a => [a.id, Math.round(a.remaining_m)])};
  });
}"""
POI = [{"id": 1, "e": 0, "n": 0, "r": 30}]


@pytest.fixture(scope="module")
def run(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>engine</title>")
    page.add_script_tag(content=ENGINE)

    def _run(fixes, pois=POI, options=None, segments=None):
        return page.evaluate(RUN, [pois, fixes, options, segments])

    yield _run
    page.close()


def fired(results):
    return [(i, poi) for i, r in enumerate(results) if r != "reset" for poi in r["triggers"]]


def test_a_fix_worse_than_the_accuracy_limit_is_ignored(run):
    results = run([(0, 0, 80, 0), (0, 0, 80, 5)])
    assert [r["reason"] for r in results] == ["inaccurate", "inaccurate"] and fired(results) == []
    assert fired(run([(0, 0, 80, 0)], options={"accuracyMaxM": 100})) == [(0, 1)]


def test_one_fix_well_inside_triggers_at_once_two_fixes_inside_otherwise(run):
    assert fired(run([(5, 0, 5, 0)])) == [(0, 1)]  # 5 m < 0.35 x 30 m
    assert fired(run([(60, 0, 5, 0), (25, 0, 5, 10), (20, 0, 5, 15)])) == [(2, 1)]


def test_hysteresis_the_band_between_entry_and_exit_neither_counts_nor_resets(run):
    # exit radius = 1.5 x 30 + 10 = 55 m
    assert fired(run([(80, 0, 5, 0), (25, 0, 5, 10), (40, 0, 5, 20), (25, 0, 5, 30)])) == [(3, 1)]
    assert fired(run([(80, 0, 5, 0), (25, 0, 5, 10), (60, 0, 5, 25), (25, 0, 5, 40)])) == []


def test_each_poi_triggers_at_most_once_until_reset(run):
    walk = [(0, 0, 5, 0), (200, 0, 5, 120), (0, 0, 5, 240)]
    assert fired(run(walk)) == [(0, 1)]
    assert fired(run(walk + ["reset", (0, 0, 5, 400)])) == [(0, 1), (4, 1)]


def test_a_jump_is_an_outlier_until_consistent_fixes_confirm_it(run):
    fixes = [(1000, 0, 5, 0), (0, 0, 5, 2), (1000, 0, 5, 4), (0, 0, 5, 6), (0, 3, 5, 8), (0, 0, 5, 10)]
    results = run(fixes)
    assert [r["reason"] for r in results] == ["anchor", "jump", "ok", "jump", "jump", "anchor"]
    assert fired(results) == [(5, 1)]


def test_a_fast_but_plausible_move_is_accepted_and_needs_two_fixes_inside(run):
    # 500 m a minute is no jump (< 10 m/s), but faster than walking: not trusted "well inside" alone.
    results = run([(1000, 0, 5, 0), (500, 0, 5, 60), (0, 0, 5, 120), (0, 2, 5, 125)])
    assert [r["reason"] for r in results] == ["anchor", "ok", "ok", "ok"]
    assert fired(results) == [(3, 1)]


def test_out_of_order_and_duplicate_timestamps_are_ignored(run):
    results = run([(500, 0, 5, 10), (0, 0, 5, 5), (500, 0, 5, 10)])
    assert [r["reason"] for r in results] == ["anchor", "stale", "stale"]


def test_each_poi_has_its_own_radius(run):
    pois = [{"id": 1, "e": 0, "n": 0, "r": 100}, {"id": 2, "e": 0, "n": 150, "r": 20}]
    results = run([(0, -300, 5, 0), (0, -80, 5, 170), (0, -75, 5, 175), (0, 125, 5, 320), (0, 128, 5, 325)], pois)
    assert fired(results) == [(2, 1)]


def test_off_trail_after_three_fixes_and_20_s_beyond_60_m(run):
    segments = [[(0, -500), (0, 500)]]
    fixes = [(0, 0, 5, 0), (70, 0, 5, 10), (75, 5, 5, 15), (80, 10, 5, 20), (80, 15, 5, 30), (30, 20, 5, 40)]
    results = run(fixes, pois=[], segments=segments)
    assert [r["off"] for r in results] == [False, False, False, False, True, False]
    assert results[0]["along"] == pytest.approx(500, abs=1)


def test_the_next_stop_is_the_nearest_one_ahead_along_the_trail(run):
    segments = [[(0, 0), (0, 1000)]]
    pois = [{"id": 1, "e": 10, "n": 200, "r": 30, "along": 200}, {"id": 2, "e": 10, "n": 700, "r": 30, "along": 700}]
    results = run([(0, 100, 5, 0), (0, 400, 5, 240)], pois, segments=segments)
    assert results[0]["ahead"] == [[1, 100], [2, 600]]
    assert results[1]["ahead"] == [[2, 300]]


def test_the_gap_between_segments_is_not_walked(run):
    # two 1 km segments, the second 600 m east of the first's end: progress skips the gap
    segments = [[(0, 0), (0, 1000)], [(600, 1000), (600, 2000)]]
    results = run([(600, 1200, 5, 0), (300, 1000, 5, 600)], pois=[], segments=segments)
    assert results[0]["along"] == pytest.approx(1200, abs=2)
    assert results[1]["along"] == pytest.approx(1000, abs=2)  # the gap's middle: the nearest real point
