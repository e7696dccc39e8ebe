"""The profile of a trace: its length, and its ascent and descent after smoothing (:mod:`trails.metrics` builds the
durations, difficulty and shape on them and re-exports these names).

A trace is a list of segments, each a list of ``(lon, lat, ele_m or None)``
points (WGS84). Gaps between segments are never measured: a logger switched
off on a bus ride does not add to the walk.

Length
    Geodesic length on the WGS84 ellipsoid (Karney's algorithm through
    ``pyproj.Geod``, the same as :func:`poi.geo.geodesic_length_m`), summed
    per segment.

Ascent and descent (D+ / D-)
    Raw GPS and even barometric elevations wobble by a few metres; summing every
    rise counts that noise as climb (the Oslo test track: 445 m raw, 373 m
    smoothed). Two steps, per segment:

    1. missing ``<ele>`` values are interpolated along the distance, then a
       moving median over :data:`MEDIAN_WINDOW` points removes isolated spikes
       where points are dense (neighbours within :data:`MEDIAN_MAX_SPACING_M`
       m, i.e. logger tracks); on sparse traces (drawn routes, simplified
       tracks) a lone point may be a real summit and is kept; then a moving
       mean over +-:data:`MEAN_HALF_WINDOW_M` m along the trace averages out the
       jitter of dense 1-second logs (it leaves points further apart alone);
    2. a hysteresis of :data:`HYSTERESIS_M` metres: a climb (or a descent) is
       counted from one confirmed turning point to the next, and a turning point
       is confirmed only when the profile has come back by at least the
       threshold. Bumps smaller than the threshold are ignored, real climbs
       are counted in full (not in threshold-sized steps).

    This is the "elevation threshold" method GPS apps use; 5 m sits between
    the 2-3 m suited to barometric altimeters and the ~10 m GPS-only elevation
    needs. No elevation at all gives 0 m and ``has_elevation`` False.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from poi.geo import GEOD
from trails.models import Point

MEDIAN_WINDOW = 3
MEDIAN_MAX_SPACING_M = 50.0
MEAN_HALF_WINDOW_M = 10.0
HYSTERESIS_M = 5.0

Segments = Sequence[Sequence[Point]]


class Climb(NamedTuple):
    """Smoothed ascent and descent of a trace (see the module docstring)."""

    ascent_m: float
    descent_m: float
    ele_min_m: float | None
    ele_max_m: float | None
    has_elevation: bool


class Profile(NamedTuple):
    dist_m: np.ndarray  # cumulative distance along the segment, from 0
    ele_m: np.ndarray | None  # smoothed elevation, or None when the segment has none


def array(seg: Sequence[Point]) -> np.ndarray:
    """(n, 3) float array of a segment; a missing elevation is NaN."""
    try:
        arr = np.array(seg, dtype=float)  # None -> NaN
    except (TypeError, ValueError):  # ragged: some points without an elevation slot
        arr = np.array([(p[0], p[1], p[2] if len(p) > 2 and p[2] is not None else np.nan) for p in seg],
                       dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 2:
        arr = np.column_stack([arr, np.full(len(arr), np.nan)])
    return arr.reshape(-1, 3)


def arrays(segments: Segments) -> list[np.ndarray]:
    return [array(seg) for seg in segments if len(seg)]


def steps_m(arr: np.ndarray) -> np.ndarray:
    if len(arr) < 2:
        return np.zeros(0)
    return np.asarray(GEOD.inv(arr[:-1, 0], arr[:-1, 1], arr[1:, 0], arr[1:, 1])[2], dtype=float)


def _despike(e: np.ndarray, dist: np.ndarray, window: int = MEDIAN_WINDOW,
             max_spacing_m: float = MEDIAN_MAX_SPACING_M) -> np.ndarray:
    """Moving median of ``window`` points, applied where the points are dense."""
    if window <= 1 or len(e) < window:
        return e
    h = window // 2
    padded = np.concatenate([np.full(h, e[0]), e, np.full(h, e[-1])])
    med = np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1)
    dpad = np.concatenate([np.full(h, dist[0]), dist, np.full(h, dist[-1])])
    span = dpad[window - 1:] - dpad[:len(e)]  # distance covered by each window
    return np.where(span <= max_spacing_m * (window - 1), med, e)


def _mean_within(e: np.ndarray, dist: np.ndarray, half_m: float = MEAN_HALF_WINDOW_M) -> np.ndarray:
    """Mean of the values within ``half_m`` metres along the trace of each point (cumulative sums)."""
    sums = np.concatenate([[0.0], np.cumsum(e)])
    lo = np.searchsorted(dist, dist - half_m, side="left")
    hi = np.searchsorted(dist, dist + half_m, side="right")
    return (sums[hi] - sums[lo]) / (hi - lo)


def profile_of(arr: np.ndarray) -> Profile:
    dist = np.concatenate([[0.0], np.cumsum(steps_m(arr))]) if len(arr) else np.zeros(0)
    ele = arr[:, 2]
    valid = ~np.isnan(ele)
    if not valid.any():
        return Profile(dist, None)
    if not valid.all():
        ele = np.interp(dist, dist[valid], ele[valid])
    return Profile(dist, _mean_within(_despike(ele, dist), dist))


def profiles(segments: Segments) -> list[Profile]:
    return [profile_of(arr) for arr in arrays(segments)]


def length_m(segments: Segments) -> float:
    """Geodesic length in metres, summed per segment (gaps between segments not counted).

    >>> round(length_m([[(2.0, 45.0, None), (2.0, 45.1, None)], [(3.0, 45.0, None), (3.0, 45.1, None)]]))
    22227
    >>> length_m([]), length_m([[(2.0, 45.0, None)]])
    (0.0, 0.0)
    """
    return float(sum(steps_m(arr).sum() for arr in arrays(segments)))


def _hysteresis(e: np.ndarray, threshold_m: float) -> tuple[float, float]:
    """Ascent and descent between confirmed turning points of an elevation series."""
    if len(e) < 2:
        return 0.0, 0.0
    # Only turning points matter: keep the ends and every local extremum (vectorised pre-pass).
    e = e[np.concatenate([[True], np.diff(e) != 0])]
    if len(e) > 2:
        d = np.sign(np.diff(e))
        e = e[np.concatenate([[True], d[1:] != d[:-1], [True]])]
    ascent = descent = 0.0
    lo = hi = ref = ext = float(e[0])
    direction = 0
    for x in e[1:].tolist():
        if direction == 0:  # not yet moved by the threshold: remember the range
            lo, hi = min(lo, x), max(hi, x)
            if x - lo >= threshold_m:
                direction, ref, ext = 1, lo, x
            elif hi - x >= threshold_m:
                direction, ref, ext = -1, hi, x
        elif direction == 1:
            if x > ext:
                ext = x
            elif ext - x >= threshold_m:
                ascent += ext - ref
                direction, ref, ext = -1, ext, x
        else:
            if x < ext:
                ext = x
            elif x - ext >= threshold_m:
                descent += ref - ext
                direction, ref, ext = 1, ext, x
    if direction == 1:
        ascent += ext - ref
    elif direction == -1:
        descent += ref - ext
    return ascent, descent


def climb_of(profiles: list[Profile], threshold_m: float) -> Climb:
    ascent = descent = 0.0
    lo, hi = np.inf, -np.inf
    has = False
    for p in profiles:
        if p.ele_m is None:
            continue
        has = True
        a, d = _hysteresis(p.ele_m, threshold_m)
        ascent, descent = ascent + a, descent + d
        lo, hi = min(lo, float(p.ele_m.min())), max(hi, float(p.ele_m.max()))
    if not has:
        return Climb(0.0, 0.0, None, None, False)
    return Climb(ascent, descent, lo, hi, True)


def climb(segments: Segments, *, threshold_m: float = HYSTERESIS_M) -> Climb:
    """Ascent and descent after a moving median and a hysteresis threshold (module docstring).

    ``ele_min_m`` / ``ele_max_m`` are those of the smoothed profile.

    >>> ele = [100, 101, 100, 160, 102, 104, 150, 151, 120]  # a point every 11 m; one 60 m spike
    >>> climb([[(3.0, 44.0 + i / 10000, e) for i, e in enumerate(ele)]])
    Climb(ascent_m=50.0, descent_m=30.0, ele_min_m=100.0, ele_max_m=150.0, has_elevation=True)
    >>> climb([[(3.0, 44.0, None), (3.0, 44.1, None)]])
    Climb(ascent_m=0.0, descent_m=0.0, ele_min_m=None, ele_max_m=None, has_elevation=False)
    """
    return climb_of(profiles(segments), threshold_m)


def raw_climb(segments: Segments) -> tuple[float, float]:
    """Ascent and descent summing every rise and fall of the raw ``<ele>`` (for comparison only).

    >>> raw_climb([[(3.0, 44.0, 100.0), (3.0, 44.01, 103.0), (3.0, 44.02, 101.0)]])
    (3.0, 2.0)
    """
    up = down = 0.0
    for arr in arrays(segments):
        e = arr[:, 2]
        d = np.diff(e[~np.isnan(e)])
        up, down = up + float(d[d > 0].sum()), down - float(d[d < 0].sum())
    return up, down
