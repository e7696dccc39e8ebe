"""Length, climb, duration, difficulty and shape of a trace; every number cites its formula.

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

Duration (minutes, rounded)
    ``din33466`` (default), the German hiking-time standard DIN 33466 also used by
    the French and German alpine clubs: ``t_h = km / 4`` hours (4 km/h on the
    flat), ``t_v = D+ / 300 + D- / 500`` hours (300 m/h up, 500 m/h down),
    ``t = max(t_h, t_v) + min(t_h, t_v) / 2``. Walking time without stops.

    ``schweizmobil``: the Swiss hiking-trail time formula (Schweizer Wanderwege /
    SchweizMobil, as computed by swisstopo's map.geo.admin.ch profile): the
    profile is cut into :data:`SCHWEIZMOBIL_STEP_M` pieces; each piece of slope
    ``s = 10 * dh / dl`` (slope in tens of percent) takes
    ``sum(C[i] * s**i)`` minutes per km for ``|s| < 4`` (the 15-degree
    polynomial :data:`SCHWEIZMOBIL_C`, 14.271 min/km = 4.2 km/h on the flat),
    else ``17 * s`` uphill and ``-9 * s`` downhill.

Effort and difficulty
    The effort is the "kilometre-effort" (Leistungskilometer of the Swiss Alpine
    Club): ``effort = km + D+ / 100``, i.e. 100 m of climb weigh as much as one
    km on the flat (descent is not counted). It maps to the five levels of
    :data:`trails.models.DIFFICULTIES`:

    ===========  ==================  ======================================
    level        effort (km-effort)  e.g.
    ===========  ==================  ======================================
    very_easy    < 6                 3 km and 150 m of climb
    easy         6 to < 10           7 km and 200 m
    medium       10 to < 20          12 km and 500 m
    hard         20 to < 30          18 km and 900 m
    very_hard    >= 30               22 km and 1,200 m
    ===========  ==================  ======================================

    The thresholds were fitted on the published difficulty of the 73 walking
    day circuits of the Parc national des Cévennes (their own levels agree
    exactly for 68%, within one level for all 73).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import shapely

from poi.geo import GEOD, Projector
from poi.i18n import gettext as _
from trails.models import DIFFICULTIES, Metrics, Point

MEDIAN_WINDOW = 3
MEDIAN_MAX_SPACING_M = 50.0
MEAN_HALF_WINDOW_M = 10.0
HYSTERESIS_M = 5.0
SCHWEIZMOBIL_STEP_M = 100.0
#: Coefficients C[0..15] of the Swiss hiking-time polynomial (minutes per km against s = slope / 10 %).
SCHWEIZMOBIL_C = (14.271, 3.6991, 2.5922, -1.4384, 0.32105, 0.81542, -0.090261, -0.20757, 0.010192,
                  0.028588, -0.00057466, -0.0021842, 1.5176e-5, 8.6894e-5, -1.3584e-7, -1.4026e-6)
#: Lower bounds of the effort (km-effort) of each level above ``very_easy``.
EFFORT_THRESHOLDS = (6.0, 10.0, 20.0, 30.0)
MODELS = ("din33466", "schweizmobil")
#: A trace whose end is within this distance (or LOOP_FRACTION of its length) of its start is closed.
LOOP_TOLERANCE_M = 100.0
LOOP_FRACTION = 0.05
#: An out-and-back's way back stays this close to its way out (two sides of a path, GPS noise).
RETRACE_TOLERANCE_M = 50.0

Segments = Sequence[Sequence[Point]]


class Climb(NamedTuple):
    """Smoothed ascent and descent of a trace (see the module docstring)."""

    ascent_m: float
    descent_m: float
    ele_min_m: float | None
    ele_max_m: float | None
    has_elevation: bool


class _Profile(NamedTuple):
    dist_m: np.ndarray  # cumulative distance along the segment, from 0
    ele_m: np.ndarray | None  # smoothed elevation, or None when the segment has none


def _array(seg: Sequence[Point]) -> np.ndarray:
    """(n, 3) float array of a segment; a missing elevation is NaN."""
    try:
        arr = np.array(seg, dtype=float)  # None -> NaN
    except (TypeError, ValueError):  # ragged: some points without an elevation slot
        arr = np.array([(p[0], p[1], p[2] if len(p) > 2 and p[2] is not None else np.nan) for p in seg],
                       dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 2:
        arr = np.column_stack([arr, np.full(len(arr), np.nan)])
    return arr.reshape(-1, 3)


def _arrays(segments: Segments) -> list[np.ndarray]:
    return [_array(seg) for seg in segments if len(seg)]


def _steps_m(arr: np.ndarray) -> np.ndarray:
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


def _profile(arr: np.ndarray) -> _Profile:
    dist = np.concatenate([[0.0], np.cumsum(_steps_m(arr))]) if len(arr) else np.zeros(0)
    ele = arr[:, 2]
    valid = ~np.isnan(ele)
    if not valid.any():
        return _Profile(dist, None)
    if not valid.all():
        ele = np.interp(dist, dist[valid], ele[valid])
    return _Profile(dist, _mean_within(_despike(ele, dist), dist))


def _profiles(segments: Segments) -> list[_Profile]:
    return [_profile(arr) for arr in _arrays(segments)]


def length_m(segments: Segments) -> float:
    """Geodesic length in metres, summed per segment (gaps between segments not counted).

    >>> round(length_m([[(2.0, 45.0, None), (2.0, 45.1, None)], [(3.0, 45.0, None), (3.0, 45.1, None)]]))
    22227
    >>> length_m([]), length_m([[(2.0, 45.0, None)]])
    (0.0, 0.0)
    """
    return float(sum(_steps_m(arr).sum() for arr in _arrays(segments)))


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


def _climb_of(profiles: list[_Profile], threshold_m: float) -> Climb:
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
    return _climb_of(_profiles(segments), threshold_m)


def raw_climb(segments: Segments) -> tuple[float, float]:
    """Ascent and descent summing every rise and fall of the raw ``<ele>`` (for comparison only).

    >>> raw_climb([[(3.0, 44.0, 100.0), (3.0, 44.01, 103.0), (3.0, 44.02, 101.0)]])
    (3.0, 2.0)
    """
    up = down = 0.0
    for arr in _arrays(segments):
        e = arr[:, 2]
        d = np.diff(e[~np.isnan(e)])
        up, down = up + float(d[d > 0].sum()), down - float(d[d < 0].sum())
    return up, down


def duration_din33466_min(length_m: float, ascent_m: float, descent_m: float) -> int:
    """Walking time in minutes by DIN 33466: ``max(t_h, t_v) + min(t_h, t_v) / 2``.

    ``t_h = km / 4`` h, ``t_v = D+ / 300 + D- / 500`` h.

    >>> duration_din33466_min(12_000, 600, 600)   # t_h = 3 h, t_v = 3.2 h -> 3.2 + 1.5 h
    282
    >>> duration_din33466_min(0, 0, 0)
    0
    """
    t_h = length_m / 1000.0 / 4.0
    t_v = ascent_m / 300.0 + descent_m / 500.0
    return int(round((max(t_h, t_v) + min(t_h, t_v) / 2.0) * 60.0))


def schweizmobil_min_per_km(slope: np.ndarray | float) -> np.ndarray:
    """Minutes per km of the Swiss hiking-time formula for a slope (rise / run, 0.1 = 10 %).

    >>> [round(float(v), 2) for v in schweizmobil_min_per_km([0.0, 0.1, -0.1, 0.5])]
    [14.27, 20.0, 14.21, 85.0]
    """
    s = 10.0 * np.asarray(slope, dtype=float)
    poly = np.polynomial.polynomial.polyval(np.clip(s, -4, 4), SCHWEIZMOBIL_C)
    return np.where(np.abs(s) < 4, poly, np.where(s > 0, 17.0 * s, -9.0 * s))


def _schweizmobil_of(profiles: list[_Profile], step_m: float = SCHWEIZMOBIL_STEP_M) -> int:
    minutes = 0.0
    for p in profiles:
        total = float(p.dist_m[-1]) if len(p.dist_m) else 0.0
        if total <= 0:
            continue
        edges = np.append(np.arange(0.0, total, step_m), total)
        dl = np.diff(edges)
        keep = dl > 1e-9
        if p.ele_m is None:
            slope = np.zeros(int(keep.sum()))
        else:
            dh = np.diff(np.interp(edges, p.dist_m, p.ele_m))
            slope = dh[keep] / dl[keep]
        minutes += float((schweizmobil_min_per_km(slope) * dl[keep] / 1000.0).sum())
    return int(round(minutes))


def duration_schweizmobil_min(segments: Segments) -> int:
    """Walking time in minutes by the Swiss hiking-trail (SchweizMobil) slope polynomial.

    >>> flat = [[(7.0, 46.0, 500.0), (7.0, 46.0 + 4.2 / 111.15, 500.0)]]   # ~4.2 km on the flat
    >>> duration_schweizmobil_min(flat)
    60
    >>> duration_schweizmobil_min([])
    0
    """
    return _schweizmobil_of(_profiles(segments))


def effort(length_m: float, ascent_m: float) -> float:
    """Kilometre-effort: ``km + D+ / 100`` (Swiss Alpine Club Leistungskilometer).

    >>> effort(12_000, 500)
    17.0
    """
    return round(length_m / 1000.0 + ascent_m / 100.0, 2)


def difficulty_of(effort_km: float) -> str:
    """The level of :data:`trails.models.DIFFICULTIES` for a km-effort (table in the module docstring).

    >>> [difficulty_of(e) for e in (0, 5.9, 6, 15, 25, 40)]
    ['very_easy', 'very_easy', 'easy', 'medium', 'hard', 'very_hard']
    """
    return DIFFICULTIES[int(np.searchsorted(EFFORT_THRESHOLDS, effort_km, side="right"))]


def difficulty_label(level: str) -> str:
    """Human label of a difficulty level in the current language.

    >>> from poi.i18n import language
    >>> with language("fr"):
    ...     difficulty_label("very_hard")
    'très difficile'
    """
    labels = {"very_easy": _("very easy"), "easy": _("easy"), "medium": _("medium"),
              "hard": _("hard"), "very_hard": _("very hard")}
    return labels.get(level, level)


def _metric_xy(coords: np.ndarray, projector: Projector) -> np.ndarray:
    x, y = projector.to_metric(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def detect_route_type(segments: Segments) -> str:
    """``loop``, ``out_and_back`` or ``one_way``.

    A trace is closed when its end is within :data:`LOOP_TOLERANCE_M` m, or
    :data:`LOOP_FRACTION` of its length, of its start (on a trace shorter than
    1 km, within 10% of its length). A closed trace is split at its point
    farthest from the start (the turnaround of an out-and-back); it is an
    out-and-back when each part retraces the other: at least 80% of points
    sampled along either part lie within :data:`RETRACE_TOLERANCE_M` m of the
    other part (distances in the metric projection of :mod:`poi.geo`); else a
    loop.

    >>> out = [(3.0, 44.0 + i / 1000, None) for i in range(11)]
    >>> detect_route_type([out + out[::-1][1:]])
    'out_and_back'
    >>> square = [(3.0, 44.0, None), (3.01, 44.0, None), (3.01, 44.01, None), (3.0, 44.01, None), (3.0, 44.0, None)]
    >>> detect_route_type([square])
    'loop'
    >>> detect_route_type([out]), detect_route_type([])
    ('one_way', 'one_way')
    """
    arrays = _arrays(segments)
    return _route_type(arrays, float(sum(_steps_m(arr).sum() for arr in arrays)))


def _route_type(arrays: list[np.ndarray], total_m: float) -> str:
    if not arrays or sum(len(a) for a in arrays) < 2 or total_m <= 0:
        return "one_way"
    arr = np.concatenate(arrays)
    gap = float(GEOD.inv(arr[0, 0], arr[0, 1], arr[-1, 0], arr[-1, 1])[2])
    if gap > max(min(LOOP_TOLERANCE_M, 0.1 * total_m), LOOP_FRACTION * total_m):
        return "one_way"
    lo, hi = arr[:, :2].min(axis=0), arr[:, :2].max(axis=0)
    xy = _metric_xy(arr, Projector.for_point(float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2))
    turn = int(np.argmax(np.hypot(xy[:, 0] - xy[0, 0], xy[:, 1] - xy[0, 1])))
    out, back = xy[:turn + 1], xy[turn:]
    if len(out) < 2 or len(back) < 2:
        return "loop"
    retraced = _near_fraction(out, back) >= 0.8 and _near_fraction(back, out) >= 0.8
    return "out_and_back" if retraced else "loop"


def _near_fraction(part: np.ndarray, other: np.ndarray, samples: int = 41) -> float:
    """Share of points sampled evenly along ``part`` within the retrace tolerance of ``other``."""
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(part, axis=0).T))])
    at = np.linspace(0.0, dist[-1], samples)
    pts = shapely.points(np.interp(at, dist, part[:, 0]), np.interp(at, dist, part[:, 1]))
    return float((shapely.distance(pts, shapely.LineString(other)) <= RETRACE_TOLERANCE_M).mean())


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


class Analysis(NamedTuple):
    """Everything measured on a trace in one pass (what the service layer stores and prints)."""

    metrics: Metrics
    route_type: str
    duration_din33466_min: int
    duration_schweizmobil_min: int
    ascent_raw_m: float
    descent_raw_m: float
    segments: int


def analyse(segments: Segments, *, model: str = "din33466") -> Analysis:
    """:func:`compute`, :func:`detect_route_type`, both durations and the raw climb, in one pass.

    >>> a = analyse([[(3.6, 44.1, 500.0), (3.6, 44.15, 700.0)]])
    >>> a.metrics.duration_min, a.duration_din33466_min, a.duration_schweizmobil_min, a.route_type
    (103, 103, 88, 'one_way')
    """
    if model not in MODELS:
        raise ValueError(f"unknown duration model {model!r}; choose one of {', '.join(MODELS)}")
    arrays = _arrays(segments)
    profiles = [_profile(arr) for arr in arrays]
    total = float(sum(p.dist_m[-1] for p in profiles))
    c = _climb_of(profiles, HYSTERESIS_M)
    din = duration_din33466_min(total, c.ascent_m, c.descent_m)
    swiss = _schweizmobil_of(profiles)
    e = effort(total, c.ascent_m)
    m = Metrics(length_m=total, ascent_m=round(c.ascent_m, 1), descent_m=round(c.descent_m, 1),
                ele_min_m=_round(c.ele_min_m), ele_max_m=_round(c.ele_max_m), duration_min=din if model == "din33466" else swiss,
                difficulty=difficulty_of(e), effort=e, points=sum(len(a) for a in arrays),
                has_elevation=c.has_elevation)
    raw_up, raw_down = raw_climb(arrays)
    return Analysis(m, _route_type(arrays, total), din, swiss, round(raw_up, 1), round(raw_down, 1), len(arrays))


def compute(segments: Segments, *, model: str = "din33466") -> Metrics:
    """Every metric of a trace (``model``: ``din33466`` or ``schweizmobil`` for the duration).

    >>> m = compute([[(3.6, 44.1, 500.0), (3.6, 44.15, 700.0), (3.65, 44.15, 650.0)]])
    >>> round(m.length_m), round(m.ascent_m), round(m.descent_m), m.duration_min, m.difficulty, m.points
    (9556, 200, 50, 166, 'medium', 3)
    >>> compute([[(3.6, 44.1, 500.0), (3.6, 44.15, 700.0)]], model="schweizmobil").duration_min
    88

    Edge cases: an empty trail, a single point.

    >>> compute([])
    Metrics(length_m=0.0, ascent_m=0.0, descent_m=0.0, ele_min_m=None, ele_max_m=None, duration_min=0, difficulty='very_easy', effort=0.0, points=0, has_elevation=False)
    >>> compute([[(3.6, 44.1, 500.0)]]).length_m, compute([[(3.6, 44.1, 500.0)]]).ele_max_m
    (0.0, 500.0)
    """
    return analyse(segments, model=model).metrics
