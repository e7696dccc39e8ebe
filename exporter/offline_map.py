"""The offline map of a bundle: the corridor around the trail, drawn from the database's OSM ways.

The corridor (:class:`Corridor`) is the trail buffered by ``corridor_m`` (default 500 m) in the
metric projection of :class:`poi.geo.Projector` (shapely ``buffer``, round caps). The map ways
that :func:`poi.network.ways_in_bbox` finds in its bounding box (paths, tracks, roads, water,
woods, buildings: an OSM import provides them) are clipped to it, simplified until they fit
``budget_kb`` gzipped and compactly encoded as the ``features`` of ``map.json``
(:mod:`exporter.map_vector`, whose names this module re-exports).

Raster tiles of an MBTiles file (:mod:`exporter.mbtiles`) join the same map:
``tiles`` says which ``tiles/{z}/{x}/{y}.{ext}`` files exist, so the app asks for
nothing else. ``templates/bundle/basemap.js`` draws both (``window.BaliseBaseLayers``).
Without any way or tile the bundle keeps its neutral background.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon, shape
from shapely.prepared import prep

from exporter.errors import ExportError
from exporter.map_vector import (AREA_KINDS, DROP_ORDER, MAP_BUDGET_KB, PRECISION, STYLES,  # noqa: F401 (re-exported)
                                 TOLERANCES_M, VectorMap, clip_ways, decode_line, encode_line, vector_map)
from exporter.mbtiles import TileSet
from poi.geo import Projector
from poi.i18n import gettext as _

#: Default corridor half-width: the map shows what lies within this distance of the trail.
CORRIDOR_M = 500.0
#: Credit of the map ways (OpenStreetMap imports).
OSM_CREDIT = "© OpenStreetMap contributors, ODbL 1.0"

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
        # A trace that crosses or walks back over itself is noded first: GEOS buffers such a line into
        # slivers (the Monaco-Ville loop's 500 m corridor came out at 0.14 km² instead of 1.57 km²).
        # Buffered after a 1 m simplification (the edge moves by 1 m at most; a third less time).
        outline = line.simplify(1.0)
        polygon = (outline if outline.is_simple else shapely.union_all([outline])).buffer(width_m, quad_segs=16)
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
        to_metric = self.projector.to_metric
        return shapely.transform(shape(geometry), lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))

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
        out = {"map.json": json.dumps(self.data(), separators=(",", ":"), ensure_ascii=False).encode()}
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
    >>> from poi.network.store import NETWORK
    >>> from poi.store import open_db
    >>> m = for_trail(open_db(":memory:", [NETWORK]), [[(1.5708, 42.5178), (1.5735, 42.5196)]])
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
