"""Raster tiles of an MBTiles file, picked for the corridor of a trail.

An MBTiles file (MBTiles 1.3 specification, mapbox/mbtiles-spec) is an SQLite
database with a ``metadata(name, value)`` table and a ``tiles(zoom_level,
tile_column, tile_row, tile_data)`` table (or view). Rows follow the TMS scheme,
counted from the south: the XYZ ("slippy map") row that Leaflet asks for is
``y = 2**z - 1 - tile_row``.

Tile numbers of a place (OpenStreetMap wiki, "Slippy map tilenames"; Web
Mercator, EPSG:3857)::

    x = floor((lon + 180) / 360 * 2**z)
    y = floor((1 - asinh(tan(lat)) / pi) / 2 * 2**z)

Only the tiles that meet the corridor (the trail buffered by ``corridor_m``,
:class:`exporter.offline_map.Corridor`) are read, zoom by zoom; the bundle ships
them as ``tiles/{z}/{x}/{y}.{ext}``. Raster formats only (png, jpg, webp):
vector tiles (``pbf``) need a style and a renderer the bundle does not carry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from exporter.mbtiles_store import MBTilesError, MBTilesFile
from poi.i18n import gettext as _

#: Image formats of raster MBTiles: metadata ``format`` -> (file extension, MIME type).
FORMATS = {"png": ("png", "image/png"), "jpg": ("jpg", "image/jpeg"), "jpeg": ("jpg", "image/jpeg"),
           "webp": ("webp", "image/webp")}
#: Leading bytes of each image format, to tell the format when the metadata does not.
MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"RIFF", "webp"))
#: Highest zoom level accepted (Leaflet and every tile server stop well before).
MAX_ZOOM = 22


def lonlat_to_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """XYZ tile ``(x, y)`` holding a point at a zoom level (OSM wiki "Slippy map tilenames").

    Latitudes are clamped to Web Mercator's +-85.0511 degrees.

    >>> lonlat_to_tile(0.0, 0.0, 1)
    (1, 1)
    >>> lonlat_to_tile(1.5218, 42.5063, 13)   # Andorra la Vella
    (4130, 3025)
    >>> lonlat_to_tile(-180.0, 89.9, 2), lonlat_to_tile(180.0, -89.9, 2)   # edges stay on the grid
    ((0, 0), (3, 3))
    """
    n = 1 << zoom
    lat = max(-85.05112878, min(85.05112878, lat))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(zoom: int, x: int, y: int) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` of an XYZ tile.

    >>> tile_bounds(0, 0, 0)  # doctest: +ELLIPSIS
    (-180.0, -85.0511287..., 180.0, 85.0511287...)
    """
    n = 1 << zoom

    def lat_of(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat_of(y + 1), (x + 1) / n * 360.0 - 180.0, lat_of(y)


def tms_to_xyz_row(zoom: int, tile_row: int) -> int:
    """The XYZ row of a TMS row (MBTiles counts rows from the south); its own inverse.

    >>> tms_to_xyz_row(13, 5166), tms_to_xyz_row(13, 3025)
    (3025, 5166)
    """
    return (1 << zoom) - 1 - tile_row


@dataclass(slots=True)
class TileSet:
    """The tiles of a corridor: ``(z, x, y)`` (XYZ rows) -> image bytes, and what describes them."""

    ext: str
    mime: str
    tiles: dict[tuple[int, int, int], bytes] = field(default_factory=dict)
    min_zoom: int = 0
    max_zoom: int = 0
    name: str = ""
    attribution: str = ""

    def path(self, key: tuple[int, int, int]) -> str:
        """Path of a tile in the bundle: ``tiles/{z}/{x}/{y}.{ext}``."""
        return "tiles/{}/{}/{}.{}".format(*key, self.ext)

    def files(self) -> dict[str, bytes]:
        return {self.path(k): v for k, v in sorted(self.tiles.items())}

    def count_by_zoom(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for z, _x, _y in self.tiles:
            counts[z] = counts.get(z, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def size_bytes(self) -> int:
        return sum(len(v) for v in self.tiles.values())


def metadata(path: str | Path) -> dict[str, str]:
    """The ``metadata`` table of an MBTiles file (name -> value)."""
    with MBTilesFile(path) as f:
        return f.metadata()


def _format(meta: dict[str, str], f: MBTilesFile) -> tuple[str, str]:
    fmt = meta.get("format", "").strip().lower()
    if fmt in ("pbf", "mvt"):
        raise MBTilesError(_("{path} holds vector tiles (pbf): the bundle embeds raster tiles only (png, jpg, "
                             "webp); the OSM map ways of the database are drawn as vectors already", path=f.path))
    if fmt in FORMATS:
        return FORMATS[fmt]
    head = f.first_tile()[:12]
    for magic, name in MAGIC:
        if head.startswith(magic):
            return FORMATS[name]
    raise MBTilesError(_("{path}: unknown tile format {format!r}: raster MBTiles hold png, jpg or webp tiles",
                         path=f.path, format=fmt))


def corridor_tiles(corridor, zoom: int) -> list[tuple[int, int]]:
    """XYZ ``(x, y)`` of the tiles at ``zoom`` that meet a corridor (an object with ``bbox``
    (lon/lat) and ``intersects_lonlat_box(min_lon, min_lat, max_lon, max_lat)``)."""
    x0, y0, x1, y1 = corridor.bbox
    tx0, ty0 = lonlat_to_tile(x0, y1, zoom)  # north-west corner: smallest x and y
    tx1, ty1 = lonlat_to_tile(x1, y0, zoom)
    return [(x, y) for x in range(tx0, tx1 + 1) for y in range(ty0, ty1 + 1)
            if corridor.intersects_lonlat_box(*tile_bounds(zoom, x, y))]


def read_tiles(path: str | Path, corridor, *, min_zoom: int = 12, max_zoom: int = 16) -> TileSet:
    """The raster tiles of an MBTiles file that meet a corridor, for zooms ``min_zoom..max_zoom``.

    Parameters
    ----------
    path : an ``.mbtiles`` file (opened read-only).
    corridor : :class:`exporter.offline_map.Corridor` (the trail buffered by its width).
    min_zoom, max_zoom : zoom levels to take (both included); levels the file lacks are skipped.

    Returns
    -------
    TileSet
        Tiles keyed by XYZ ``(z, x, y)`` (TMS rows flipped), and the file's format,
        name and attribution; ``min_zoom``/``max_zoom`` are those actually found.

    Raises
    ------
    MBTilesError
        Not an SQLite file or no MBTiles tables, vector tiles, bad zoom range, or
        no tile of the file meets the corridor.

    Examples
    --------
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     read_tiles(__file__, None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    exporter.mbtiles_store.MBTilesError: ...mbtiles.py is not an MBTiles file (not an SQLite database): give a raster .mbtiles file
    """
    path = Path(path)
    if not 0 <= min_zoom <= max_zoom <= MAX_ZOOM:
        raise MBTilesError(_("zoom levels must satisfy 0 <= --min-zoom <= --max-zoom <= {max}", max=MAX_ZOOM))
    with MBTilesFile(path) as f:
        meta = f.metadata()
        ext, mime = _format(meta, f)
        found = TileSet(ext, mime, name=meta.get("name", path.stem), attribution=meta.get("attribution", ""))
        for z in range(min_zoom, max_zoom + 1):
            wanted = {(x, tms_to_xyz_row(z, y)) for x, y in corridor_tiles(corridor, z)}
            if not wanted:
                continue
            columns = [column for column, _row in wanted]
            rows = [row for _column, row in wanted]
            for column, row, data in f.tiles_in(z, (min(columns), max(columns)), (min(rows), max(rows))):
                if (column, row) in wanted:
                    found.tiles[(z, column, tms_to_xyz_row(z, row))] = data
    if not found.tiles:
        bounds = meta.get("bounds", "?")
        raise MBTilesError(_("{path} has no tile in the trail's corridor at zooms {min}-{max} (the file covers "
                             "{bounds}, zooms {fmin}-{fmax}): choose another file or zoom range",
                             path=path, min=min_zoom, max=max_zoom, bounds=bounds,
                             fmin=meta.get("minzoom", "?"), fmax=meta.get("maxzoom", "?")))
    zooms = [z for z, _x, _y in found.tiles]
    found.min_zoom, found.max_zoom = min(zooms), max(zooms)
    return found


__all__ = ["FORMATS", "MBTilesError", "TileSet", "corridor_tiles", "lonlat_to_tile", "metadata", "read_tiles",
           "tile_bounds", "tms_to_xyz_row"]
