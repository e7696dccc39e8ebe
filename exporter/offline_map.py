"""The offline map of a bundle: the corridor around the trail, drawn from the database's OSM ways.

The corridor is the trail buffered by ``corridor_m`` (default 500 m) in the
metric projection of :class:`poi.geo.Projector` (shapely ``buffer``, round caps).
The map ways that :func:`poi.network.ways_in_bbox` finds in its bounding box
(paths, tracks, roads, water, woods, buildings: an OSM import provides them) are
clipped to it, simplified (Douglas-Peucker, ``tolerance_m``) until the encoded
map fits ``budget_kb`` gzipped (1, 2, 4, 8 then 16 m; then whole kinds are left
out in :data:`DROP_ORDER`, and the report says so), and serialised compactly as
``map.json``:

* coordinates are integers of 1e-5 degree (about 1 m), delta-encoded: a line is
  ``[x0, y0, dx1, dy1, ...]`` where ``x = lon * 1e5``, ``y = lat * 1e5``;
* a feature is ``[style, parts]``: ``parts`` is a list of such lines, or for
  areas a list of polygons, each a list of rings (outer first);
* ``styles`` lists the kinds present in drawing order (areas, then water lines,
  roads, tracks and paths on top) with their Leaflet path options.

Raster tiles of an MBTiles file (:mod:`exporter.mbtiles`) join the same map:
``tiles`` says which ``tiles/{z}/{x}/{y}.{ext}`` files exist, so the app asks for
nothing else. ``templates/bundle/basemap.js`` draws both (``window.BaliseBaseLayers``).
Without any way or tile the bundle keeps its neutral background.
"""
from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import shapely
from shapely.geometry import LineString, MultiLineString, Polygon, shape
from shapely.prepared import prep

from exporter.errors import ExportError
from exporter.mbtiles import TileSet
from poi.geo import Projector
from poi.i18n import gettext as _

#: Default corridor half-width: the map shows what lies within this distance of the trail.
CORRIDOR_M = 500.0
#: Default budget of the vector map, gzipped (the core of a bundle must stay under 300 KB gzipped).
MAP_BUDGET_KB = 150.0
#: Simplification tolerances tried in turn until the map fits its budget.
TOLERANCES_M = (1.0, 2.0, 4.0, 8.0, 16.0)
#: Kinds left out, in this order, when the map is over budget at the largest tolerance.
DROP_ORDER = ("building", "wood", "service", "stream", "steps", "footway", "cycleway", "road_minor")
#: Coordinates are integers of 10**-PRECISION degree (5: about 1.1 m of latitude).
PRECISION = 5
#: Credit of the map ways (OpenStreetMap imports).
OSM_CREDIT = "© OpenStreetMap contributors, ODbL 1.0"

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
class Corridor:
    """A trail buffered by ``width_m``, in a metric projection, and its lon/lat bounding box."""

    projector: Projector
    line: LineString | MultiLineString  # the trail, metric
    polygon: Polygon  # the corridor, metric
    width_m: float
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    prepared: object = field(default=None, repr=False, compare=False)  # shapely prepared polygon

    @classmethod
    def of_segments(cls, segments: Sequence[Sequence[Sequence[float]]], width_m: float = CORRIDOR_M) -> Corridor:
        """The corridor of a trail's segments (``[(lon, lat[, ele]), ...]`` each).

        >>> c = Corridor.of_segments([[(1.5708, 42.5178), (1.5735, 42.5196)]], 100)
        >>> round(c.line.length), round(c.polygon.area / 1e4, 1)  # ha: 2 * 100 m * 299 m + pi * (100 m) ** 2
        (299, 9.1)
        >>> c.contains_lonlat(1.5708, 42.5188), c.contains_lonlat(1.5708, 42.5192)  # 83 m, 116 m from the trail
        (True, False)
        >>> from poi.i18n import language
        >>> with language("en"):
        ...     Corridor.of_segments([], 100)
        Traceback (most recent call last):
        ...
        exporter.errors.ExportError: the trail has no points: there is no corridor to draw
        """
        if not 0 < width_m <= 20_000:
            raise ExportError(_("the corridor width must be between 0 and 20000 m"))
        points = [p for seg in segments for p in seg]
        if not points:
            raise ExportError(_("the trail has no points: there is no corridor to draw"))
        projector = Projector.for_coords(points)
        lines = []
        for seg in segments:
            if not seg:
                continue
            xs, ys = projector.to_metric([p[0] for p in seg], [p[1] for p in seg])
            xy = list(zip(xs, ys))
            lines.append(LineString(xy if len(xy) > 1 else xy * 2))
        line = lines[0] if len(lines) == 1 else MultiLineString(lines)
        polygon = line.buffer(width_m, quad_segs=16)
        x0, y0, x1, y1 = polygon.bounds
        # The lon/lat box of the projected box's corners and edge midpoints, widened by 1 %.
        xs = [x0, x1, x0, x1, (x0 + x1) / 2, (x0 + x1) / 2, x0, x1]
        ys = [y0, y0, y1, y1, y0, y1, (y0 + y1) / 2, (y0 + y1) / 2]
        lons, lats = projector.to_wgs84(xs, ys)
        dlon, dlat = (max(lons) - min(lons)) * 0.01, (max(lats) - min(lats)) * 0.01
        bbox = (min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat)
        return cls(projector, line, polygon, float(width_m), bbox, prep(polygon))

    def to_metric(self, geometry: dict):
        """A GeoJSON geometry (lon/lat) as a shapely geometry in the corridor's projection."""
        return shapely.transform(shape(geometry), lambda xy: _stack(self.projector.to_metric(xy[:, 0], xy[:, 1])))

    def outline(self, tolerance_m: float = 5.0) -> list[list[list[int]]]:
        """The corridor as encoded polygons (lists of rings, :func:`encode_line`), simplified to ``tolerance_m``."""
        simple = self.polygon.simplify(tolerance_m)
        out = []
        for poly in getattr(simple, "geoms", [simple]):
            rings = [poly.exterior, *poly.interiors]
            out.append([encode_line(zip(*self.projector.to_wgs84(*map(list, zip(*r.coords))))) for r in rings])
        return out

    def contains_lonlat(self, lon: float, lat: float) -> bool:
        x, y = self.projector.to_metric(lon, lat)
        return self.polygon.contains(shapely.Point(x, y))

    def intersects_lonlat_box(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> bool:
        """True if a lon/lat box (e.g. a map tile) meets the corridor; its edges are densified
        (16 points each) before projection, as they are curves in the metric projection."""
        steps = [i / 16 for i in range(16)]
        ring = ([(min_lon + (max_lon - min_lon) * t, min_lat) for t in steps]
                + [(max_lon, min_lat + (max_lat - min_lat) * t) for t in steps]
                + [(max_lon - (max_lon - min_lon) * t, max_lat) for t in steps]
                + [(min_lon, max_lat - (max_lat - min_lat) * t) for t in steps])
        xs, ys = self.projector.to_metric([p[0] for p in ring], [p[1] for p in ring])
        return self.prepared.intersects(Polygon(zip(xs, ys)))


def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


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


@dataclass(slots=True)
class OfflineMap:
    """What a bundle's map carries: the corridor, its vector ways and/or raster tiles."""

    corridor: Corridor
    vector: VectorMap | None = None
    tiles: TileSet | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.vector is None and self.tiles is None

    def data(self, *, inline_tiles: dict[str, str] | None = None) -> dict:
        """The content of ``map.json`` (with ``inline_tiles``: key -> ``data:`` URI, for ``trail.html``)."""
        doc: dict = {"format": "balise-map/1", "precision": PRECISION, "corridor_m": self.corridor.width_m,
                     "bounds": [round(v, 6) for v in self.corridor.bbox], "attribution": [], "styles": [],
                     "features": [], "tiles": None}
        if self.vector is not None:
            doc["corridor"] = self.corridor.outline()
            doc["attribution"].append(OSM_CREDIT)
            doc["styles"] = [{"kind": k, **STYLES[k]} for k in self.vector.styles]
            doc["features"] = self.vector.features
        if self.tiles is not None:
            keys = sorted("{}/{}/{}".format(*k) for k in self.tiles.tiles)
            tiles = {"url": "tiles/{z}/{x}/{y}." + self.tiles.ext, "min_zoom": self.tiles.min_zoom,
                     "max_zoom": self.tiles.max_zoom, "keys": keys, "name": self.tiles.name}
            if inline_tiles is not None:
                zooms = [int(k.split("/")[0]) for k in inline_tiles] or [self.tiles.min_zoom]
                tiles.update(keys=sorted(inline_tiles), inline=inline_tiles, min_zoom=min(zooms),
                             max_zoom=max(zooms))
            doc["tiles"] = tiles
            if self.tiles.attribution:
                doc["attribution"].append(self.tiles.attribution)
        return doc

    def files(self) -> dict[str, bytes]:
        """``map.json`` and the tiles (``tiles/{z}/{x}/{y}.{ext}``); nothing for an empty map."""
        if self.empty:
            return {}
        out = {"map.json": _dumps(self.data())}
        if self.tiles is not None:
            out.update(self.tiles.files())
        return out


def for_trail(db, segments: Sequence[Sequence[Sequence[float]]], *, corridor_m: float = CORRIDOR_M,
              tiles=None, min_zoom: int = 12, max_zoom: int = 16, budget_kb: float = MAP_BUDGET_KB) -> OfflineMap:
    """The offline map of a trail: the database's map ways in its corridor, and tiles of an MBTiles file.

    Parameters
    ----------
    db : sqlite_utils.Database, or None for no vector ways (tiles only, or nothing)
    segments : the trail's segments, ``[(lon, lat[, ele]), ...]`` each
    corridor_m : half-width of the corridor, metres
    tiles : path of an ``.mbtiles`` file, optional (:func:`exporter.mbtiles.read_tiles`)
    min_zoom, max_zoom : zoom levels of the tiles to embed
    budget_kb : budget of the vector map, gzipped

    Examples
    --------
    >>> from poi.store import open_db
    >>> m = for_trail(open_db(":memory:"), [[(1.5708, 42.5178), (1.5735, 42.5196)]])
    >>> m.empty, m.files()
    (True, {})
    """
    corridor = Corridor.of_segments(segments, corridor_m)
    result = OfflineMap(corridor)
    if db is not None:
        from poi.network import ways_in_bbox

        result.vector = vector_map(ways_in_bbox(db, corridor.bbox), corridor, budget_kb=budget_kb)
        if result.vector is not None and result.vector.dropped:
            result.warnings.append(_("the vector map was over its budget of {budget} KB: left out {kinds}",
                                     budget=round(budget_kb), kinds=", ".join(result.vector.dropped)))
    if tiles is not None:
        from exporter.mbtiles import read_tiles

        result.tiles = read_tiles(tiles, corridor, min_zoom=min_zoom, max_zoom=max_zoom)
    return result


def tiles_within(tiles: TileSet, cap_bytes: int) -> dict[tuple[int, int, int], bytes]:
    """The tiles of the lowest zooms whose total size stays within ``cap_bytes`` (whole zoom levels).

    >>> t = TileSet("png", "image/png", {(13, 1, 1): b"x" * 10, (14, 2, 2): b"y" * 10, (14, 2, 3): b"z" * 10})
    >>> sorted(tiles_within(t, 25)), tiles_within(t, 5)
    ([(13, 1, 1)], {})
    """
    kept: dict[tuple[int, int, int], bytes] = {}
    size = 0
    for zoom in sorted({k[0] for k in tiles.tiles}):
        level = {k: v for k, v in tiles.tiles.items() if k[0] == zoom}
        level_size = sum(len(v) for v in level.values())
        if size + level_size > cap_bytes:
            break
        kept.update(level)
        size += level_size
    return kept


__all__ = ["CORRIDOR_M", "Corridor", "MAP_BUDGET_KB", "OSM_CREDIT", "OfflineMap", "STYLES", "VectorMap", "clip_ways",
           "decode_line", "encode_line", "for_trail", "tiles_within", "vector_map"]
