"""The elevation model in the database: ``balise dem import``, elevations of the path network, draping.

:func:`import_dem` reads an SRTM tile (``.hgt`` or ``.hgt.zip``, see
:mod:`trails.elevation` for the format and the bilinear interpolation) or a
GeoTIFF in EPSG:4326 (:mod:`trails.geotiff`, stored as SRTM-shaped tiles), stores it
in ``dem_tiles`` (zlib-compressed, so later draping needs no file) and gives every
vertex of the path edges it covers an elevation (``path_edges.ele``, and
``path_nodes.ele`` at the edges' ends). Routed and generated circuits then carry
the elevations of the edges they follow, so their profile, D+/D-, duration and
difficulty come from the DEM (:mod:`trails.routing`, :mod:`trails.loops`).

:func:`drape_trail` gives a stored circuit without elevations (a 2D GPX, a
circuit drawn in the editor) elevations from the stored tiles and measures it again.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from poi.i18n import gettext as _
from poi.network.store import NetworkStore
from poi.store import transaction
from trails.assembly import measure
from trails.elevation import SrtmTile, SrtmTiles, read_tile_bytes, tile_key
from trails.errors import SourceFormatError
from trails.store import TrailStore


class DemImportReport(NamedTuple):
    """What :func:`import_dem` did."""

    tile: tuple[int, int]  # (lat0, lon0) of the tile's south-west corner
    samples: int  # per side: 1201 (SRTM3) or 3601 (SRTM1)
    edges: int  # path edges given elevations
    vertices: int  # their vertices with an elevation
    voids: int  # vertices left without one (void data)
    tiles: tuple = ()  # every (lat0, lon0) stored: one for an SRTM file, those a GeoTIFF covers


class StoredTiles(SrtmTiles):
    """The DEM tiles stored in the database, read lazily; the same interface as :class:`SrtmTiles`."""

    def __init__(self, db: sqlite_utils.Database):  # noqa: D107 - no files: tiles come from the db
        self._store = NetworkStore(db)
        self._paths = {key: None for key in self._store.dem_tile_keys()}
        self._tiles: dict[tuple[int, int], SrtmTile] = {}

    def _tile(self, key: tuple[int, int]) -> SrtmTile | None:
        if key not in self._paths:
            return None
        if key not in self._tiles:
            _samples, data = self._store.dem_tile(*key)
            self._tiles[key] = SrtmTile.from_bytes(data, *key, label=f"stored tile {key}")
        return self._tiles[key]


def stored_tiles(db: sqlite_utils.Database) -> StoredTiles | None:
    """The database's DEM, or None when no tile is stored."""
    tiles = StoredTiles(db)
    return tiles if len(tiles) else None


def drape_points(db: sqlite_utils.Database, coords: list, srtm: str | Path | None = None) -> list:
    """Points ``(lon, lat, ele)`` of a routed trace with elevations: their own (from the edges), replaced
    by those of the ``srtm`` tiles when given; points still without one get the stored DEM's, if any."""
    segment = [tuple(c) if len(c) > 2 else (c[0], c[1], None) for c in coords]
    if srtm is not None:
        segment = SrtmTiles(srtm).add_elevations([segment], overwrite=True)[0]
    if any(p[2] is None for p in segment):
        tiles = stored_tiles(db)
        if tiles is not None:
            segment = tiles.add_elevations([segment])[0]
    return segment


def drape_network(db: sqlite_utils.Database, tiles: SrtmTiles,
                  bbox: tuple[float, float, float, float] | None = None, *, only_missing: bool = False
                  ) -> tuple[int, int, int]:
    """Give the path edges meeting ``bbox`` (default: everywhere) vertex elevations from ``tiles``.

    Returns ``(edges, vertices with an elevation, vertices without)``. Runs in the
    caller's transaction; reads and writes edges in batches (flat memory).
    """
    store = NetworkStore(db)
    bbox = bbox or (-180.0, -90.0, 180.0, 90.0)
    edges = found = voids = 0
    for batch in store.edge_geometries(bbox, only_missing=only_missing):
        rows = []
        for eid, coords in batch:
            ele = [tiles.elevation_at(lon, lat) for lon, lat in coords]
            ele = [None if e is None else round(e, 1) for e in ele]
            if all(e is None for e in ele):
                continue
            rows.append((eid, ele))
            found += sum(e is not None for e in ele)
            voids += sum(e is None for e in ele)
        store.set_edge_elevations(rows)
        edges += len(rows)
    return edges, found, voids


def drape_new_edges(db: sqlite_utils.Database) -> int:
    """After ``balise map import``: give the edges still without elevations those of the stored DEM.

    Returns how many edges got them (0 when no DEM is stored).
    """
    tiles = stored_tiles(db)
    if tiles is None:
        return 0
    with transaction(db):
        return drape_network(db, tiles, only_missing=True)[0]


def import_dem(db: sqlite_utils.Database, path: str | Path) -> DemImportReport:
    """Store an elevation model and give the path network it covers its elevations, in one transaction.

    Parameters
    ----------
    db : sqlite_utils.Database
    path : an SRTM ``.hgt`` or ``.hgt.zip`` whose name holds the tile code (``N42E001``), or a
        single-band GeoTIFF (``.tif``, ``.tiff``) in EPSG:4326, stored as the SRTM-shaped tiles of the
        degree squares it covers (:mod:`trails.geotiff`; points it leaves out keep a tile already stored).

    Raises
    ------
    SourceFormatError
        Missing file, name without a tile code, not an SRTM grid, a GeoTIFF in another CRS;
        nothing is written.

    Examples
    --------
    >>> import struct, tempfile, pathlib
    >>> from poi.network.store import NETWORK
    >>> from poi.store import open_db
    >>> hgt = pathlib.Path(tempfile.mkdtemp()) / "N42E001.hgt"
    >>> _ = hgt.write_bytes(struct.pack(">%dh" % (1201 * 1201), *([1000] * 1201 * 1201)))
    >>> report = import_dem(open_db(":memory:", [NETWORK]), hgt)
    >>> report.tile, report.samples, report.edges
    ((42, 1), 1201, 0)
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(_("{path}: no such file", path=path))
    if path.suffix.lower() in (".tif", ".tiff"):
        return _import_geotiff(db, path)
    lat0, lon0 = tile_key(path.name)
    raw = read_tile_bytes(path)
    tile = SrtmTile.from_bytes(raw, lat0, lon0, label=str(path))
    store = NetworkStore(db)
    with transaction(db):
        store.put_dem_tile(lat0, lon0, tile.n, raw, path.name)
        tiles = SrtmTiles([])
        tiles._paths[(lat0, lon0)] = path  # noqa: SLF001 - this one tile, already read
        tiles._tiles[(lat0, lon0)] = tile  # noqa: SLF001
        edges, found, voids = drape_network(db, tiles, (lon0, lat0, lon0 + 1, lat0 + 1))
    return DemImportReport((lat0, lon0), tile.n, edges, found, voids, ((lat0, lon0),))


def _import_geotiff(db: sqlite_utils.Database, path: Path) -> DemImportReport:
    from trails.geotiff import read_geotiff, srtm_tiles

    grid = read_geotiff(path)
    store = NetworkStore(db)

    def existing(lat0: int, lon0: int, samples: int):
        stored = store.dem_tile(lat0, lon0)
        if stored is None or stored[0] != samples:
            return None
        return SrtmTile.from_bytes(stored[1], lat0, lon0).heights

    tiles = SrtmTiles([])
    with transaction(db):
        for lat0, lon0, samples, raw in srtm_tiles(grid, existing):
            store.put_dem_tile(lat0, lon0, samples, raw, path.name)
            tiles._paths[(lat0, lon0)] = path  # noqa: SLF001 - tiles built here, not files
            tiles._tiles[(lat0, lon0)] = SrtmTile.from_bytes(raw, lat0, lon0, label=str(path))  # noqa: SLF001
        if not len(tiles):
            raise SourceFormatError(_("{path}: the GeoTIFF covers no elevation", path=path))
        edges, found, voids = drape_network(db, tiles, grid.bbox)
    keys = tuple(sorted(tiles._tiles))  # noqa: SLF001
    return DemImportReport(keys[0], tiles._tiles[keys[0]].n, edges, found, voids, keys)  # noqa: SLF001


def drape_trail(db: sqlite_utils.Database, trail_id: int, *, overwrite: bool = False):
    """Give a stored trail's points elevations from the stored DEM, measure it again and save it.

    Points that have an elevation keep it unless ``overwrite``. Returns the trail.

    Raises
    ------
    NotFoundError
        No such trail.
    SourceFormatError
        No DEM stored, or none covers the trail.
    """
    store = TrailStore(db)
    trail = store.get(trail_id)  # NotFoundError when there is none
    tiles = stored_tiles(db)
    if tiles is None:
        raise SourceFormatError(_("no elevation model is imported: run balise dem import FILE.hgt first"))
    segments = tiles.add_elevations(trail.segments, overwrite=overwrite)
    if not any(p[2] is not None for seg in segments for p in seg):
        raise SourceFormatError(_("the imported elevation tiles do not cover trail {id}: import the tile "
                                  "of its area with balise dem import", id=trail_id))
    trail.segments = segments
    measure(trail)
    with transaction(db):
        store.save(trail)
    return trail


__all__ = ["DemImportReport", "StoredTiles", "drape_network", "drape_points", "drape_new_edges", "drape_trail", "import_dem", "stored_tiles"]
