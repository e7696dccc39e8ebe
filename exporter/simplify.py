"""Simplify a trace in metres: Ramer-Douglas-Peucker with a tolerance and a point budget.

Ramer (1972), Douglas & Peucker (1973): keep a segment's two ends; find the
point farthest from the chord between them; if it is farther than the
tolerance, keep it and recurse on both halves, else drop every point between.
Distances are measured to the chord *segment* (not the infinite line) in the
metric projection chosen by :class:`poi.geo.Projector`, so every dropped point
lies within ``tolerance_m`` of the simplified trace.

The recursion tree does not depend on the tolerance, only where it stops does.
So each interior point gets a *significance*: the smallest split distance on
its path from the root. A point survives a tolerance ``t`` exactly when its
significance exceeds ``t``. A point budget (``max_points``, e.g. the 500
points per track of older GPS units) is then met with the smallest tolerance
that fits: what raising the tolerance by bisection converges to, computed
exactly. Kept points are the original tuples: elevations are untouched.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from exporter.errors import ExportError
from poi.geo import Projector

Point = tuple  # (lon, lat, ele_m | None), as trails.models.Point


class Simplification(NamedTuple):
    """What :func:`simplify_report` did."""

    segments: list[list[Point]]
    tolerance_m: float  # the tolerance applied (0.0 when nothing was simplified)
    points_before: int
    points_after: int


def _segment_distances(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    """Distances (m) of points a+1..b-1 to the segment a-b."""
    p, q = xy[a], xy[b]
    pts = xy[a + 1:b]
    d = q - p
    length2 = float(d @ d)
    if length2 == 0.0:
        return np.hypot(pts[:, 0] - p[0], pts[:, 1] - p[1])
    t = np.clip(((pts - p) @ d) / length2, 0.0, 1.0)
    proj = p + t[:, None] * d
    return np.hypot(pts[:, 0] - proj[:, 0], pts[:, 1] - proj[:, 1])


def significance(xy: np.ndarray, floor_m: float = 0.0) -> np.ndarray:
    """RDP significance of each point of one polyline (ends get ``inf``).

    Recursion stops in a range whose farthest point is within ``floor_m``: its
    points get that distance, which is <= ``floor_m`` (they are dropped at any
    tolerance >= ``floor_m``).

    >>> significance(np.array([[0, 0], [1, 1], [2, 2], [4, 0]], dtype=float)).tolist()
    [inf, 0.0, 2.0, inf]
    """
    n = len(xy)
    sig = np.full(n, np.inf)
    stack = [(0, n - 1, np.inf)]
    while stack:
        a, b, parent = stack.pop()
        if b - a < 2:
            continue
        dist = _segment_distances(xy, a, b)
        i = int(np.argmax(dist))
        far = float(dist[i])
        value = min(far, parent)
        if far <= floor_m:
            sig[a + 1:b] = value
            continue
        k = a + 1 + i
        sig[k] = value
        stack.append((a, k, value))
        stack.append((k, b, value))
    return sig


def simplify_report(segments: Sequence[Sequence[Point]], *, tolerance_m: float | None = None,
                    max_points: int | None = None) -> Simplification:
    """Simplify segments of ``(lon, lat, ele)`` points; see :func:`simplify`."""
    segs = [list(s) for s in segments]
    before = sum(len(s) for s in segs)
    if tolerance_m is not None and (tolerance_m != tolerance_m or tolerance_m < 0):
        raise ExportError(f"simplification tolerance must be 0 m or more, not {tolerance_m}")
    minimum = sum(min(len(s), 2) for s in segs)
    if max_points is not None and max_points < minimum:
        raise ExportError(f"a budget of {max_points} points cannot keep the ends of the "
                          f"{len(segs)} segment(s); allow at least {minimum} points")
    if tolerance_m is None and (max_points is None or before <= max_points):
        return Simplification(segs, 0.0, before, before)
    coords = [p for s in segs for p in s]
    projector = Projector.for_coords(coords)
    floor = float(tolerance_m or 0.0) if max_points is None else 0.0
    sigs = []
    for s in segs:
        if len(s) < 3:
            sigs.append(np.full(len(s), np.inf))
            continue
        x, y = projector.to_metric(np.array([p[0] for p in s], dtype=float),
                                   np.array([p[1] for p in s], dtype=float))
        sigs.append(significance(np.column_stack([x, y]), floor))
    tol = float(tolerance_m or 0.0)
    if max_points is not None:
        interior = np.concatenate([g[np.isfinite(g)] for g in sigs]) if sigs else np.array([])
        allowed = max_points - minimum
        if len(interior) > allowed:
            ranked = np.sort(interior)[::-1]
            tol = max(tol, float(ranked[allowed]))
    out = [[p for p, g in zip(s, sig) if g > tol] for s, sig in zip(segs, sigs)]
    return Simplification(out, tol, before, sum(len(s) for s in out))


def simplify(segments: Sequence[Sequence[Point]], *, tolerance_m: float | None = None,
             max_points: int | None = None) -> list[list[Point]]:
    """Ramer-Douglas-Peucker simplification in metres, with an optional point budget.

    Parameters
    ----------
    segments : list of list of (lon, lat, ele_m | None)
        WGS84 segments of a trace.
    tolerance_m : float, optional
        Largest distance (m) a dropped point may lie from the simplified trace.
    max_points : int, optional
        Most points in all segments together; the tolerance is raised until it
        holds. Each segment keeps its first and last point.

    Returns
    -------
    list of list of points
        The kept points (the original tuples, elevations included).

    Examples
    --------
    A 1 m bump on a 200 m straight line goes at 2 m, stays at 0.5 m; with a
    budget, the least significant points go first:

    >>> line = [(2.0, 45.0, 100.0), (2.00127, 45.000009, 101.0), (2.00254, 45.0, 102.0)]
    >>> [len(s) for s in simplify([line], tolerance_m=2)]
    [2]
    >>> simplify([line], tolerance_m=0.5)[0][1]
    (2.00127, 45.000009, 101.0)
    >>> bumpier = [(2.0, 45.0, 100.0), (2.00127, 45.00002, 101.0), (2.00254, 45.0, 102.0)]
    >>> [len(s) for s in simplify([line, bumpier], max_points=5)]
    [2, 3]
    >>> simplify([[(2.0, 45.0, None)]], tolerance_m=10)
    [[(2.0, 45.0, None)]]
    >>> simplify([line], max_points=1)
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: a budget of 1 points cannot keep the ends of the 1 segment(s); allow at least 2 points
    """
    return simplify_report(segments, tolerance_m=tolerance_m, max_points=max_points).segments
