"""The vector part of a bundle's offline map: OSM ways clipped to the corridor, simplified, compactly encoded.

The map ways of the database (:func:`poi.network.ways_in_bbox`) are clipped to the trail's
corridor (:class:`exporter.offline_map.Corridor`), simplified (Douglas-Peucker, in metres)
until the encoded map fits its budget gzipped (1, 2, 4, 8 then 16 m; then whole kinds are
left out in :data:`DROP_ORDER`), and encoded for ``map.json``:

* coordinates are integers of 1e-5 degree (about 1 m), delta-encoded: a line is
  ``[x0, y0, dx1, dy1, ...]`` where ``x = lon * 1e5``, ``y = lat * 1e5``;
* a feature is ``[style, parts]``: ``parts`` is a list of such lines, or for
  areas a list of polygons, each a list of rings (outer first);
* :data:`STYLES` gives the drawing order (areas, then water lines, roads, tracks and
  paths on top) and the Leaflet path options of each kind.

:mod:`exporter.offline_map` re-exports these names.
"""
from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import shapely
from shapely.geometry import LineString, Polygon

if TYPE_CHECKING:
    from exporter.offline_map import Corridor

#: Default budget of the vector map, gzipped (the core of a bundle must stay under 300 KB gzipped).
MAP_BUDGET_KB = 150.0
#: Simplification tolerances tried in turn until the map fits its budget.
TOLERANCES_M = (1.0, 2.0, 4.0, 8.0, 16.0)
#: Kinds left out, in this order, when the map is over budget at the largest tolerance.
DROP_ORDER = ("building", "wood", "service", "stream", "steps", "footway", "cycleway", "road_minor")
#: Coordinates are integers of 10**-PRECISION degree (5: about 1.1 m of latitude).
PRECISION = 5
_PATH = {"color": "#7a4b2a", "weight": 1.6, "dashArray": "5 3"}
#: Drawing order and Leaflet path options of each kind of :data:`poi.network.MAP_KINDS`.
#: ``area`` kinds are filled polygons; ``casing`` draws a wider line underneath (roads).
STYLES: dict[str, dict] = {
    "wood": {"area": True, "stroke": False, "fillColor": "#cfe2bd", "fillOpacity": 1},
    "water": {"area": True, "color": "#6fa8c8", "weight": 1, "fillColor": "#a9d0e6", "fillOpacity": 1},
    "building": {"area": True, "color": "#a89a8c", "weight": 0.8, "fillColor": "#d9cfc5", "fillOpacity": 1},
    "coastline": {"color": "#6fa8c8", "weight": 1.5},
    "river": {"color": "#6fa8c8", "weight": 4},
    "stream": {"color": "#6fa8c8", "weight": 1.5},
    "road_major": {"color": "#f0b04f", "weight": 5, "casing": "#a8753a"},
    "road_medium": {"color": "#f8d98a", "weight": 4, "casing": "#b0975a"},
    "road_minor": {"color": "#ffffff", "weight": 3.5, "casing": "#a9a59b"},
    "service": {"color": "#ffffff", "weight": 2.5, "casing": "#b5b1a7"},
    "track": {"color": "#8a5a2b", "weight": 2, "dashArray": "7 4"},
    "cycleway": {"color": "#3a6fb0", "weight": 1.5, "dashArray": "5 3"},
    "footway": dict(_PATH), "path": dict(_PATH), "steps": {**_PATH, "dashArray": "2 2"},
}
AREA_KINDS = frozenset(k for k, s in STYLES.items() if s.get("area"))


@dataclass(slots=True)
class VectorMap:
    """The clipped, simplified, encoded ways of a corridor (the ``features`` of ``map.json``)."""

    styles: list[str]  # kinds present, in drawing order
    features: list[list]  # [style index, parts]
    tolerance_m: float
    counts: Counter = field(default_factory=Counter)  # kind -> features kept
    dropped: list[str] = field(default_factory=list)  # kinds left out to fit the budget
    gzip_bytes: int = 0


def encode_line(coords: Iterable[Sequence[float]]) -> list[int]:
    """A lon/lat line as delta-encoded integers of 1e-5 degree (consecutive duplicates dropped).

    >>> encode_line([(1.57080, 42.51778), (1.57083, 42.51770), (1.570834, 42.517701)])
    [157080, 4251778, 3, -8]
    """
    scale = 10 ** PRECISION
    out: list[int] = []
    px = py = None
    for lon, lat, *_rest in coords:
        x, y = round(lon * scale), round(lat * scale)
        if px is None:
            out += [x, y]
        elif (x, y) != (px, py):
            out += [x - px, y - py]
        px, py = x, y
    return out


def decode_line(values: Sequence[int]) -> list[tuple[float, float]]:
    """The inverse of :func:`encode_line` (what ``basemap.js`` does).

    >>> decode_line([157080, 4251778, 3, -8])
    [(1.5708, 42.51778), (1.57083, 42.5177)]
    """
    scale = 10 ** PRECISION
    out, x, y = [], 0, 0
    for i in range(0, len(values), 2):
        x, y = (values[i], values[i + 1]) if i == 0 else (x + values[i], y + values[i + 1])
        out.append((x / scale, y / scale))
    return out


def _parts(geom, area: bool) -> list:
    """Shapely geometry (metric, clipped) -> list of lines, or of polygons (lists of rings), metric coords."""
    if geom.is_empty:
        return []
    if area:
        polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
        return [[list(p.exterior.coords)] + [list(r.coords) for r in p.interiors] for p in polys]
    lines = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, LineString) and not g.is_empty]
    return [list(g.coords) for g in lines]


def clip_ways(ways: Iterable, corridor: Corridor) -> list[tuple[str, object]]:
    """``(kind, metric geometry)`` of the ways (anything with ``kind`` and a GeoJSON ``geometry``)
    clipped to the corridor; ways of unknown kinds and ways outside it are left out."""
    prepared = corridor.prepared
    out = []
    for way in ways:
        style = STYLES.get(way.kind)
        if style is None:
            continue
        try:
            geom = corridor.to_metric(way.geometry)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
            continue  # a broken geometry in the db: nothing to draw
        if geom.is_empty or not prepared.intersects(geom):
            continue
        if not prepared.contains(geom):
            if style.get("area") and not geom.is_valid:
                geom = shapely.make_valid(geom)
            geom = geom.intersection(corridor.polygon)
        if style.get("area"):
            geom = shapely.union_all([g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]) \
                if geom.geom_type == "GeometryCollection" else geom
        if not geom.is_empty:
            out.append((way.kind, geom))
    return out


def _encode(clipped, corridor: Corridor, tolerance_m: float, drop: set[str]) -> VectorMap:
    order = [k for k in STYLES if k not in drop and any(kind == k for kind, _g in clipped)]
    index = {k: i for i, k in enumerate(order)}
    features, counts = [], Counter()
    min_area = tolerance_m * tolerance_m
    inv = corridor.projector.to_wgs84
    for kind, geom in sorted(((k, g) for k, g in clipped if k in index), key=lambda kg: index[kg[0]]):
        area = kind in AREA_KINDS
        simple = geom.simplify(tolerance_m, preserve_topology=area) if tolerance_m else geom
        if area and simple.area < min_area:
            continue
        parts = []
        for part in _parts(simple, area):
            rings = part if area else [part]
            encoded = []
            for ring in rings:
                lons, lats = inv([p[0] for p in ring], [p[1] for p in ring])
                line = encode_line(zip(lons, lats))
                if len(line) >= (8 if area else 4):
                    encoded.append(line)
            if area and encoded and len(encoded[0]) >= 8:
                parts.append(encoded)
            elif not area:
                parts += encoded
        if parts:
            features.append([index[kind], parts])
            counts[kind] += 1
    vector = VectorMap([k for k in order if counts[k]], [], tolerance_m, counts, sorted(drop))
    remap = {index[k]: i for i, k in enumerate(vector.styles)}
    vector.features = [[remap[s], parts] for s, parts in features]
    vector.gzip_bytes = len(gzip.compress(_dumps(vector.features), 9, mtime=0))
    return vector


def vector_map(ways: Iterable, corridor: Corridor, *, budget_kb: float = MAP_BUDGET_KB) -> VectorMap | None:
    """The ways of a corridor, clipped, simplified and encoded to fit ``budget_kb`` gzipped.

    Returns None when no way meets the corridor (the bundle then keeps its neutral
    background). The smallest tolerance of :data:`TOLERANCES_M` that fits wins; past the
    largest, kinds are left out in :data:`DROP_ORDER` (listed in ``dropped``).

    Examples
    --------
    >>> from types import SimpleNamespace as Way
    >>> from exporter.offline_map import Corridor
    >>> c = Corridor.of_segments([[(1.5708, 42.5178), (1.5735, 42.5196)]], 100)
    >>> road = Way(kind="road_minor", geometry={"type": "LineString",
    ...            "coordinates": [[1.5700, 42.5187], [1.5745, 42.5187]]})  # crosses the corridor
    >>> far = Way(kind="path", geometry={"type": "LineString", "coordinates": [[1.60, 42.6], [1.61, 42.6]]})
    >>> m = vector_map([road, far], c)
    >>> m.styles, m.tolerance_m, len(m.features)
    (['road_minor'], 1.0, 1)
    >>> [round(lon, 4) for lon, lat in decode_line(m.features[0][1][0])]  # clipped at ~100 m from the trail
    [1.5703, 1.574]
    >>> vector_map([far], c) is None
    True
    """
    clipped = clip_ways(ways, corridor)
    if not clipped:
        return None
    drop: set[str] = set()
    best = None
    for tolerance in TOLERANCES_M:
        best = _encode(clipped, corridor, tolerance, drop)
        if best.gzip_bytes <= budget_kb * 1000:
            return best
    for kind in DROP_ORDER:
        if not any(k == kind for k, _g in clipped):
            continue
        drop.add(kind)
        best = _encode(clipped, corridor, TOLERANCES_M[-1], drop)
        if best.gzip_bytes <= budget_kb * 1000:
            break
    return best if best and best.features else None


def _dumps(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


__all__ = ["AREA_KINDS", "DROP_ORDER", "MAP_BUDGET_KB", "PRECISION", "STYLES", "TOLERANCES_M", "VectorMap",
           "clip_ways", "decode_line", "encode_line", "vector_map"]
