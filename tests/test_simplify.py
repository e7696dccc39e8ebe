"""Ramer-Douglas-Peucker in metres: tolerance respected, ends kept, point budget met minimally."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely import LineString, Point, simplify as shapely_simplify

from exporter.errors import ExportError
from exporter.simplify import significance, simplify, simplify_report
from poi.geo import Projector
from poi.gpxfile import parse_gpx

EXPORT = Path(__file__).parent / "data" / "export"
TRACKS = ["de-munich_garmin-edge-800_8seg_gpsbabel.gpx", "de-freiburg_simplify-relative_100pts_gpsbabel.gpx",
          "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx",
          "geotrek-admin__fr-74_trace_with_not_continuous_segments.gpx"]


def segments_of(name: str) -> list[list[tuple]]:
    gpx = parse_gpx(EXPORT / name)
    return [[(p.longitude, p.latitude, p.elevation) for p in seg.points]
            for trk in gpx.tracks for seg in trk.segments if seg.points]


def max_deviation_m(original: list[list[tuple]], simplified: list[list[tuple]]) -> float:
    """Largest distance (m, metric projection) of an original point to its simplified segment."""
    projector = Projector.for_coords([p for s in original for p in s])
    worst = 0.0
    for seg_a, seg_b in zip(original, simplified):
        xy = [projector.to_metric(p[0], p[1]) for p in seg_b]
        line = LineString(xy) if len(xy) > 1 else Point(xy[0])
        for p in seg_a:
            worst = max(worst, line.distance(Point(projector.to_metric(p[0], p[1]))))
    return worst


def is_subsequence(small: list, big: list) -> bool:
    it = iter(big)
    return all(any(x is y for y in it) for x in small)


@pytest.mark.parametrize("name", TRACKS)
@pytest.mark.parametrize("tolerance_m", [0.5, 2.0, 5.0, 20.0])
def test_no_dropped_point_is_farther_than_the_tolerance(name, tolerance_m):
    original = segments_of(name)
    result = simplify(original, tolerance_m=tolerance_m)
    assert max_deviation_m(original, result) <= tolerance_m + 1e-6


@pytest.mark.parametrize("name", TRACKS)
def test_kept_points_are_the_original_tuples_in_order_with_every_segment_end(name):
    original = segments_of(name)
    result = simplify(original, tolerance_m=10.0)
    assert len(result) == len(original)
    for seg_a, seg_b in zip(original, result):
        assert seg_b[0] is seg_a[0] and seg_b[-1] is seg_a[-1]
        assert is_subsequence(seg_b, seg_a)  # elevations ride along untouched


@pytest.mark.parametrize("name", TRACKS[:3])
def test_larger_tolerance_keeps_fewer_points(name):
    counts = [simplify_report(segments_of(name), tolerance_m=t).points_after for t in (0.5, 2, 5, 20, 100)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


@pytest.mark.parametrize("name", TRACKS[:3])
@pytest.mark.parametrize("tolerance_m", [1.0, 5.0, 20.0])
def test_same_points_as_geos_douglas_peucker(name, tolerance_m):
    """An independent implementation (GEOS via shapely) keeps the same points on each segment."""
    original = segments_of(name)
    projector = Projector.for_coords([p for s in original for p in s])
    ours = simplify(original, tolerance_m=tolerance_m)
    for seg_a, seg_b in zip(original, ours):
        x, y = projector.to_metric(np.array([p[0] for p in seg_a]), np.array([p[1] for p in seg_a]))
        geos = shapely_simplify(LineString(np.column_stack([x, y])), tolerance_m, preserve_topology=False)
        x2, y2 = projector.to_metric(np.array([p[0] for p in seg_b]), np.array([p[1] for p in seg_b]))
        assert np.allclose(np.asarray(geos.coords), np.column_stack([x2, y2]))


@pytest.mark.parametrize("name,budget", [(TRACKS[0], 500), (TRACKS[2], 500), (TRACKS[2], 100), (TRACKS[1], 20),
                                         (TRACKS[0], 16)])
def test_point_budget_holds_with_the_smallest_tolerance(name, budget):
    original = segments_of(name)
    report = simplify_report(original, max_points=budget)
    assert report.points_after == sum(len(s) for s in report.segments) <= budget
    assert report.points_before > budget and report.tolerance_m > 0
    assert max_deviation_m(original, report.segments) <= report.tolerance_m + 1e-6
    # a hair less tolerance would not fit: the budget costs as little accuracy as possible
    finer = simplify_report(original, tolerance_m=report.tolerance_m * 0.999)
    assert finer.points_after > budget
    for seg_a, seg_b in zip(original, report.segments):
        assert seg_b[0] is seg_a[0] and seg_b[-1] is seg_a[-1]


def test_budget_and_tolerance_together_take_the_stricter():
    original = segments_of(TRACKS[2])
    loose = simplify_report(original, tolerance_m=50.0, max_points=500)
    assert loose.tolerance_m == 50.0 and loose.points_after == simplify_report(original, tolerance_m=50).points_after
    tight = simplify_report(original, tolerance_m=0.1, max_points=300)
    assert tight.points_after <= 300 and tight.tolerance_m > 0.1


def test_within_budget_and_no_tolerance_is_untouched():
    original = segments_of(TRACKS[1])
    assert simplify(original) == original
    report = simplify_report(original, max_points=500)
    assert report.segments == original and report.tolerance_m == 0.0


def test_duplicate_and_straight_line_points_go_at_one_centimetre():
    """(A parallel is not exactly straight in Lambert-93: the middle point is off by millimetres.)"""
    line = [(2.0, 45.0, 1.0), (2.0, 45.0, 2.0), (2.001, 45.0, 3.0), (2.002, 45.0, 4.0), (2.002, 45.001, 5.0)]
    assert simplify([line], tolerance_m=0.01) == [[line[0], line[3], line[4]]]
    assert simplify([line], tolerance_m=0.0) == [[line[0], line[2], line[3], line[4]]]


def test_short_segments_are_kept_whole():
    segs = [[(2.0, 45.0, None)], [(2.0, 45.0, None), (2.1, 45.0, None)]]
    assert simplify(segs, tolerance_m=1000) == segs
    assert simplify(segs, max_points=3) == segs


def test_a_closed_loop_keeps_its_shape():
    """First point == last point: distances go to the point itself, the loop is not collapsed."""
    loop = [(2.0, 45.0, None), (2.01, 45.0, None), (2.01, 45.01, None), (2.0, 45.01, None), (2.0, 45.0, None)]
    kept = simplify([loop], tolerance_m=10)[0]
    assert len(kept) >= 4 and kept[0] == kept[-1]


@pytest.mark.parametrize("kwargs,message", [({"tolerance_m": -1}, "0 m or more"),
                                            ({"tolerance_m": float("nan")}, "0 m or more"),
                                            ({"max_points": 15}, "at least 16 points")])
def test_bad_options_are_export_errors(kwargs, message):
    with pytest.raises(ExportError, match=message):
        simplify(segments_of(TRACKS[0]), **kwargs)


def test_significance_of_a_straight_line_is_zero():
    xy = np.column_stack([np.arange(10.0), np.zeros(10)])
    sig = significance(xy)
    assert np.isinf(sig[[0, -1]]).all() and (sig[1:-1] == 0).all()
