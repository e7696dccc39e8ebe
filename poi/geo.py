"""The one place that chooses a metric projection and measures on the ellipsoid.

Storage is WGS84 lon/lat (x = lon, y = lat). Lengths are geodesic
(``pyproj.Geod(ellps="WGS84")``). Buffers, distances to a line and
distance-along use a metric projection chosen here: Lambert-93 (EPSG:2154)
inside metropolitan France (and its immediate borders, e.g. Andorra), else the
local UTM zone. Nobody else hard-codes a CRS.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

from pyproj import Geod, Transformer

GEOD = Geod(ellps="WGS84")

#: Where Lambert-93 is used (lon/lat box around metropolitan France and Corsica).
LAMBERT93_BBOX = (-5.8, 41.0, 10.0, 51.6)


def metric_epsg(lon: float, lat: float) -> int:
    """EPSG code of the metric projection for a place.

    >>> metric_epsg(2.35, 48.85)      # Paris: Lambert-93
    2154
    >>> metric_epsg(-62.85, 17.9)     # Saint-Barthelemy: UTM 20N
    32620
    >>> metric_epsg(10.75, 59.91)     # Oslo: UTM 32N
    32632
    """
    x0, y0, x1, y1 = LAMBERT93_BBOX
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return 2154
    zone = min(60, max(1, int((lon + 180) // 6) + 1))
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=64)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    fwd = Transformer.from_crs(4326, epsg, always_xy=True)
    inv = Transformer.from_crs(epsg, 4326, always_xy=True)
    return fwd, inv


class Projector:
    """Forward/inverse transform between WGS84 lon/lat and one metric CRS.

    >>> p = Projector.for_point(3.0, 44.0)
    >>> x, y = p.to_metric(3.0, 44.0)
    >>> lon, lat = p.to_wgs84(x, y)
    >>> round(lon, 6), round(lat, 6)
    (3.0, 44.0)
    """

    __slots__ = ("epsg", "_fwd", "_inv")

    def __init__(self, epsg: int):
        self.epsg = epsg
        self._fwd, self._inv = _transformers(epsg)

    @classmethod
    def for_point(cls, lon: float, lat: float) -> "Projector":
        return cls(metric_epsg(lon, lat))

    @classmethod
    def for_coords(cls, coords: Sequence[Sequence[float]]) -> "Projector":
        """Projector for the centre of the bounding box of ``(lon, lat, ...)`` tuples."""
        if not coords:
            raise ValueError("no coordinates to choose a projection for")
        lons = [c[0] for c in coords]
        lats = [c[1] for c in coords]
        return cls.for_point((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)

    def to_metric(self, lon, lat):
        """Transform scalars or arrays of lon/lat to metric x/y."""
        return self._fwd.transform(lon, lat)

    def to_wgs84(self, x, y):
        """Transform metric x/y back to lon/lat."""
        return self._inv.transform(x, y)


def geodesic_length_m(coords: Iterable[Sequence[float]]) -> float:
    """Geodesic length in metres of a polyline of ``(lon, lat[, ele])`` tuples.

    >>> round(geodesic_length_m([(2.0, 45.0), (2.0, 46.0)]))
    111142
    >>> geodesic_length_m([(2.0, 45.0)])
    0.0
    """
    pts = list(coords)
    if len(pts) < 2:
        return 0.0
    return float(GEOD.line_length([p[0] for p in pts], [p[1] for p in pts]))


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two points.

    >>> round(geodesic_distance_m(0.0, 0.0, 0.0, 1.0))
    110574
    """
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def bbox_around(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box that contains every point within ``radius_m`` of a point."""
    import math

    dlat = radius_m / 110_574.0 * 1.01
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6)) * 1.01
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
