"""What an edge of the path network costs a walker (or a rider): time from the slope, then preferences.

Time (:func:`edge_times_h`)
---------------------------
Walking speed follows **Tobler's hiking function** (W. Tobler, *Three presentations on
geographical analysis and modeling*, NCGIA Technical Report 93-1, 1993)::

    v(s) = 6 exp(-3.5 |s + 0.05|)   km/h,   s = dh/dx (slope, signed, in the walking direction)

fastest (6 km/h) on a gentle descent of 5 %, 5.04 km/h on the flat. Tobler is faster
than DIN 33466 (4 km/h on the flat, 300 m of ascent an hour) wherever it climbs, so
Balise scales it to :data:`WALK_FLAT_KMH` = 3.8 km/h on the flat: the value that keeps
it within 12 % of the DIN 33466 figure the catalogue shows on ordinary terrain, from
the flat to 15 m of climb per km (``tests/test_cost.py``: +5 % on the flat, -11 % at
15 m/km). On long steep climbs it stays faster than DIN 33466. The
slope is taken segment by segment from the elevations the DEM gave the edge's
vertices (``balise dem import``); without them the edge is flat.

The time is then multiplied by factors of the way (:data:`SAC_FACTORS` for ``sac_scale``,
:data:`SURFACE_FACTORS` for ``surface``, :data:`STEPS_FACTOR` for steps, all >= 1) and
divided by the practice's speed relative to walking (:data:`PRACTICE_SPEED`; a crude
but monotone model for wheels and hooves: the same slope shape, a higher flat speed).

Cost (routing preference)
-------------------------
The router minimises time times the highway class factor of the practice
(:data:`trails.routing.PRACTICE_FACTORS`: a walker takes 1 km of ``secondary`` road
only to save more than 600 m of path). The factor changes the way chosen, never the
time shown.

Access (:func:`access`)
-----------------------
Per practice, from the OSM tags kept on each edge (``balise map import``): ``foot``,
``bicycle`` (``mtb`` for mountain bikes), ``horse`` and ``access`` (``no``/``private``
forbid, ``yes``/``designated``/``permissive`` allow); footways, pedestrian streets and
steps are closed to wheels unless ``bicycle=yes``, cycleways, footways and steps to
horses unless ``horse=yes``; ``oneway`` binds wheels (``oneway:bicycle=no`` frees
bicycles), never walkers.
"""
from __future__ import annotations

import math

import numpy as np

#: Tobler's flat speed (km/h): 6 exp(-3.5 x 0.05).
TOBLER_FLAT_KMH = 6.0 * math.exp(-3.5 * 0.05)
#: DIN 33466's horizontal walking speed (km/h).
DIN_FLAT_KMH = 4.0
#: Balise's flat walking speed (km/h): Tobler scaled to stay near DIN 33466 on ordinary terrain.
WALK_FLAT_KMH = 3.8
#: Fastest walking speed of the scaled function (at a 5 % descent), km/h.
MAX_WALK_KMH = 6.0 * WALK_FLAT_KMH / TOBLER_FLAT_KMH
#: Steepest slope read (|dh/dx|): beyond, the DEM (90 m cells) is wrong rather than the path.
MAX_SLOPE = 1.0
#: Speed relative to walking, on the same slope.
PRACTICE_SPEED: dict[str, float] = {"walking": 1.0, "snowshoe": 0.75, "trail_running": 1.8, "horse_riding": 1.4,
                                    "mountain_bike": 2.5, "cycling": 4.0}
#: Time factor per ``sac_scale`` (SAC hiking scale T1..T6): rough ground is walked slower.
SAC_FACTORS: dict[str, float] = {"hiking": 1.0, "mountain_hiking": 1.2, "demanding_mountain_hiking": 1.5,
                                 "alpine_hiking": 2.0, "demanding_alpine_hiking": 2.5,
                                 "difficult_alpine_hiking": 3.0}
#: Time factor per ``surface``; unknown or paved surfaces 1.
SURFACE_FACTORS: dict[str, float] = {
    **dict.fromkeys(("compacted", "fine_gravel", "gravel", "pebblestone", "unpaved"), 1.05),
    **dict.fromkeys(("ground", "dirt", "earth", "grass", "wood", "woodchips"), 1.1),
    **dict.fromkeys(("sand", "mud", "rock", "stone", "scree", "shingle"), 1.3),
}
#: Time factor of ``highway=steps`` for walkers (most steps are too short for the DEM to see their climb).
STEPS_FACTOR = 1.5
WHEELS = ("cycling", "mountain_bike")
_YES = {"yes", "designated", "permissive", "official"}
_NO = {"no", "private", "use_sidepath"}


def walking_kmh(slope: float | np.ndarray) -> float | np.ndarray:
    """Walking speed (km/h) on a slope: Tobler's function scaled to :data:`WALK_FLAT_KMH` on the flat.

    >>> [round(float(walking_kmh(s)), 2) for s in (0.0, -0.05, 0.2)]
    [3.8, 4.53, 1.89]
    """
    s = np.clip(slope, -MAX_SLOPE, MAX_SLOPE)
    return MAX_WALK_KMH * np.exp(-3.5 * np.abs(s + 0.05))


def way_factor(highway: str, tags: dict, practice: str = "walking") -> float:
    """Time factor (>= 1) of a way: ``sac_scale`` x ``surface`` x steps.

    >>> way_factor("path", {"sac_scale": "mountain_hiking", "surface": "ground"})
    1.32
    >>> way_factor("steps", {}), way_factor("residential", {"surface": "asphalt"})
    (1.5, 1.0)
    """
    factor = SAC_FACTORS.get(tags.get("sac_scale", ""), 1.0) * SURFACE_FACTORS.get(tags.get("surface", ""), 1.0)
    if highway == "steps":
        factor *= STEPS_FACTOR
    return round(factor, 6)


def _says(tags: dict, key: str) -> str | None:
    value = tags.get(key)
    return None if value is None else ("yes" if value in _YES else "no" if value in _NO else None)


def access(highway: str, tags: dict, practice: str = "walking") -> tuple[bool, bool]:
    """``(forward, backward)``: may the practice use the edge from its first node, from its last?

    >>> access("footway", {}, "cycling"), access("path", {"bicycle": "no"}, "mountain_bike")
    ((False, False), (False, False))
    >>> access("residential", {"oneway": "yes"}, "cycling"), access("residential", {"oneway": "yes"})
    ((True, False), (True, True))
    >>> access("residential", {"oneway": "-1", "oneway:bicycle": "no"}, "cycling")
    (True, True)
    >>> access("steps", {}, "horse_riding"), access("track", {"access": "no", "horse": "yes"}, "horse_riding")
    ((False, False), (True, True))
    """
    if practice in WHEELS:
        key = "mtb" if practice == "mountain_bike" and "mtb" in tags else "bicycle"
        closed = highway in ("footway", "pedestrian", "steps")
    elif practice == "horse_riding":
        key, closed = "horse", highway in ("footway", "pedestrian", "steps", "cycleway")
    else:
        key, closed = "foot", False
    own = _says(tags, key)
    allowed = own == "yes" or (own is None and not closed and _says(tags, "access") != "no")
    if practice == "mountain_bike" and own is None and key == "mtb":
        allowed = _says(tags, "bicycle") != "no" and not closed
    if not allowed:
        return False, False
    if practice not in WHEELS or tags.get("oneway:bicycle") == "no":
        return True, True
    oneway = tags.get("oneway")
    if oneway in ("yes", "true", "1"):
        return True, False
    if oneway == "-1":
        return False, True
    return True, True


def edge_times_h(xy: np.ndarray, ele: np.ndarray, starts: np.ndarray, factors: np.ndarray,
                 practice: str = "walking") -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward time (hours) of many edges at once.

    Parameters
    ----------
    xy : (n, 2) metric coordinates of all the edges' vertices, edge after edge.
    ele : (n,) elevations in metres, NaN where unknown (that step counts as flat).
    starts : index in ``xy`` of each edge's first vertex (increasing).
    factors : time factor of each edge (:func:`way_factor`).

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 0.0], [1000.0, 0.0]])
    >>> fwd, back = edge_times_h(xy, np.array([0.0, 100.0, np.nan, np.nan]), np.array([0, 2]), np.ones(2))
    >>> [round(float(t), 3) for t in fwd], [round(float(t), 3) for t in back]
    ([0.373, 0.263], [0.263, 0.263])
    """
    d = np.hypot(*(xy[1:] - xy[:-1]).T)
    dh = ele[1:] - ele[:-1]
    dh = np.where(np.isnan(dh), 0.0, dh)
    slope = np.divide(dh, d, out=np.zeros_like(d), where=d > 0)
    km = d / 1000.0
    fwd_seg = km / walking_kmh(slope)
    back_seg = km / walking_kmh(-slope)
    # segments joining one edge's last vertex to the next edge's first are left out
    ends = np.r_[starts[1:], len(xy)] - 1
    inside = np.ones(len(d), dtype=bool)
    inside[ends[:-1]] = False
    fwd_seg, back_seg = np.where(inside, fwd_seg, 0.0), np.where(inside, back_seg, 0.0)
    speed = PRACTICE_SPEED.get(practice, 1.0)
    reduce_at = np.minimum(starts, max(len(d) - 1, 0))
    fwd = np.add.reduceat(fwd_seg, reduce_at) if len(d) else np.zeros(len(starts))
    back = np.add.reduceat(back_seg, reduce_at) if len(d) else np.zeros(len(starts))
    return fwd * factors / speed, back * factors / speed


__all__ = ["DIN_FLAT_KMH", "WALK_FLAT_KMH", "MAX_WALK_KMH", "PRACTICE_SPEED", "SAC_FACTORS", "STEPS_FACTOR", "SURFACE_FACTORS",
           "access", "edge_times_h", "walking_kmh", "way_factor"]
