"""Trigger points: where on the ground a stop's card fires for a walker following the trail.

A stop fires when the walker comes within ``radius_m`` of its *trigger point*:

* the POI itself when it lies within :data:`AT_POI_FRACTION` (half) of its radius of the trail:
  the trail then crosses the circle over a good stretch (at least 1.7 r), enough for GPS to be
  sure (the engine wants two fixes inside, or one well inside);
* otherwise the point of the trail nearest to the POI (the foot of the perpendicular that
  :mod:`trails.corridor` measured: ``Stop.distance_along_m``), where the walker sees the place or
  turns off to it: ``on_trail`` is then true and the card says where the POI is from there
  ("120 m on your left");
* or, when staff moved it, the point of the trail at ``Stop.trigger_along_m`` metres along it.

A radius under :data:`MIN_RADIUS_M` cannot fire reliably (positions wander by ~10 m): it is raised
to that. So every trigger point lies within half its radius of the trail and every stop can fire.

Distances along are geodesic and skip the gaps between segments, as in :mod:`trails.corridor`;
points in between are placed in the trail's metric projection (:class:`poi.geo.Projector`).
"""
from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple, Sequence

import numpy as np

from poi.geo import GEOD, Projector
from poi.i18n import gettext as _
from trails.errors import TraceError
from trails.models import Stop, Trail, TrailStop  # noqa: F401 (Stop: doctests)

#: A POI is its own trigger point when its distance to the trail is at most this fraction of its radius.
AT_POI_FRACTION = 0.5
#: The smallest trigger radius (metres) a walker on the trail fires reliably: GPS fixes scatter by ~8 m.
MIN_RADIUS_M = 20.0


class Trigger(NamedTuple):
    """A stop's trigger point. ``poi_offset_m`` is the signed distance from it to the POI
    (< 0: on the walker's left, > 0: on the right, 0: the POI itself)."""

    lon: float
    lat: float
    radius_m: float
    on_trail: bool
    along_m: float
    poi_offset_m: float
    moved: bool  # placed by staff (Stop.trigger_along_m)

    def as_json(self) -> dict:
        return {"lon": round(self.lon, 7), "lat": round(self.lat, 7), "radius_m": round(self.radius_m, 1),
                "on_trail": self.on_trail, "along_m": round(self.along_m, 1),
                "poi_offset_m": round(self.poi_offset_m, 1), "moved": self.moved}


class TrailLine:
    """A trail's segments with geodesic distance along (gaps not walked) and points at a distance along.

    >>> line = TrailLine(Trail(name="t", segments=[[(3.0, 44.0, None), (3.0, 44.01, None)]]))
    >>> round(line.length_m)
    1111
    >>> lon, lat, _ = line.point_at(556.0)
    >>> round(lon, 6), round(lat, 4)
    (3.0, 44.005)
    """

    def __init__(self, trail: Trail):
        segments = [seg for seg in trail.segments if len(seg) >= 2]
        coords = [p for seg in segments for p in seg]
        self.projector = Projector.for_coords(coords) if coords else None
        self.edges: list[tuple[float, float, np.ndarray, np.ndarray]] = []  # (along at start, length, a, b)
        along = 0.0
        for seg in segments:
            lonlat = np.array([(p[0], p[1]) for p in seg], dtype=float)
            x, y = self.projector.to_metric(lonlat[:, 0], lonlat[:, 1])
            xy = np.column_stack([x, y])
            _, _, lengths = GEOD.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
            for i, length in enumerate(np.atleast_1d(lengths).tolist()):
                if length <= 0:
                    continue
                self.edges.append((along, length, xy[i], xy[i + 1]))
                along += length
        self.length_m = along
        self._starts = [e[0] for e in self.edges]

    def point_at(self, along_m: float) -> tuple[float, float, tuple[float, float]]:
        """(lon, lat, direction) of the point ``along_m`` metres along (clamped to the trail);
        ``direction`` is the walking direction there, a metric (dx, dy)."""
        if not self.edges:
            raise ValueError("a trail without a trace has no points")
        k = max(0, bisect_right(self._starts, along_m) - 1)
        start, length, a, b = self.edges[k]
        t = min(1.0, max(0.0, (along_m - start) / length))
        x, y = a + (b - a) * t
        lon, lat = self.projector.to_wgs84(float(x), float(y))
        return float(lon), float(lat), (float(b[0] - a[0]), float(b[1] - a[1]))

    def side_offset_m(self, lon: float, lat: float, direction: tuple[float, float],
                      poi_lon: float, poi_lat: float) -> float:
        """Signed geodesic distance from a point of the trail to a POI: < 0 on the left of ``direction``."""
        _, _, d = GEOD.inv(lon, lat, poi_lon, poi_lat)
        x0, y0 = self.projector.to_metric(lon, lat)
        x1, y1 = self.projector.to_metric(poi_lon, poi_lat)
        cross = direction[0] * (float(y1) - float(y0)) - direction[1] * (float(x1) - float(x0))
        return -float(d) if cross > 0 else float(d)


def stop_radius_m(item: TrailStop) -> float:
    """A stop's trigger radius: its own, else its POI's, else its category's default; at least
    :data:`MIN_RADIUS_M`."""
    stop, poi = item
    return max(MIN_RADIUS_M, float(stop.trigger_radius_m or poi.effective_trigger_radius_m))


def trigger_of(line: TrailLine, item: TrailStop) -> Trigger:
    """The trigger point of one stop (see the module docstring).

    >>> from poi.models import POI
    >>> trail = Trail(name="t", segments=[[(3.0, 44.0, None), (3.0, 44.01, None)]])
    >>> line = TrailLine(trail)
    >>> far = POI("Château", 3.0015, 44.005, category="castle")          # ~120 m east, radius 50 m
    >>> t = trigger_of(line, TrailStop(Stop(1, 1, 556.0, 119.7), far))
    >>> t.on_trail, round(t.lon, 6), round(t.poi_offset_m)                # on the trail, POI on the right
    (True, 3.0, 120)
    >>> near = POI("Croix", 3.0001, 44.005, category="memorial")          # 8 m off, radius 25 m
    >>> trigger_of(line, TrailStop(Stop(1, 2, 556.0, 8.0), near))[:4]
    (3.0001, 44.005, 25.0, False)
    >>> moved = trigger_of(line, TrailStop(Stop(1, 1, 556.0, 119.7, trigger_along_m=400.0), far))
    >>> moved.moved, round(moved.along_m), round(moved.lat, 4)
    (True, 400, 44.0036)
    """
    stop, poi = item
    radius = stop_radius_m(item)
    if stop.trigger_along_m is not None and line.edges:
        along = min(max(0.0, float(stop.trigger_along_m)), line.length_m)
        lon, lat, direction = line.point_at(along)
        return Trigger(lon, lat, radius, True, along, line.side_offset_m(lon, lat, direction, poi.lon, poi.lat), True)
    along = min(max(0.0, float(stop.distance_along_m)), line.length_m)
    if abs(stop.offset_m or 0.0) <= AT_POI_FRACTION * radius or not line.edges:
        return Trigger(poi.lon, poi.lat, radius, False, along, 0.0, False)
    lon, lat, direction = line.point_at(along)
    return Trigger(lon, lat, radius, True, along, line.side_offset_m(lon, lat, direction, poi.lon, poi.lat), False)


def triggers(trail: Trail, items: Sequence[TrailStop]) -> list[Trigger]:
    """The trigger points of a trail's stops, in the order given."""
    line = TrailLine(trail)
    return [trigger_of(line, item) for item in items]


def check_trigger_along(trail: Trail, along_m: float | None) -> float | None:
    """A trigger position staff chose, checked: on the trail (0 to its length), else TraceError.

    >>> trail = Trail(name="t", segments=[[(3.0, 44.0, None), (3.0, 44.01, None)]])
    >>> check_trigger_along(trail, 100.0), check_trigger_along(trail, None)
    (100.0, None)
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     check_trigger_along(trail, 5000.0)
    Traceback (most recent call last):
    ...
    trails.errors.TraceError: the trigger point must be between 0 and 1111 m along the trail, not 5000 m
    """
    if along_m is None:
        return None
    length = TrailLine(trail).length_m
    if not 0 <= along_m <= length + 0.5:
        raise TraceError(_("the trigger point must be between 0 and {length} m along the trail, not {value} m",
                           length=f"{length:.0f}", value=f"{along_m:g}"))
    return float(along_m)


