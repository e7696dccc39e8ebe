"""Length, climb, duration, difficulty and shape of a trace; every number cites its formula.

A trace is a list of segments, each a list of ``(lon, lat, ele_m or None)``
points (WGS84). Gaps between segments are never measured: a logger switched
off on a bus ride does not add to the walk.

Length, ascent and descent
    The geodesic length and the smoothed climb of :mod:`trails.profile` (re-exported here).

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

from typing import NamedTuple

import numpy as np
import shapely

from poi.geo import GEOD, Projector
from poi.i18n import gettext as _
from trails.models import DIFFICULTIES, Metrics
from trails.profile import HYSTERESIS_M, MEDIAN_WINDOW, Climb, Segments, climb, length_m, raw_climb  # noqa: F401
from trails.profile import Profile as _Profile
from trails.profile import arrays as _arrays
from trails.profile import climb_of as _climb_of
from trails.profile import profile_of as _profile
from trails.profile import profiles as _profiles
from trails.profile import steps_m as _steps_m

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
