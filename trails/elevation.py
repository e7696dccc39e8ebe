"""Elevations from SRTM ``.hgt`` tiles (plain or zipped), bilinearly interpolated.

An SRTM tile covers one degree square; its name gives the south-west corner
(``N42E001.hgt`` covers 42..43 N, 1..2 E; any name *containing* such a code,
like ``srtm_N42E001_andorra.hgt.zip``, works). It is a grid of big-endian
signed 16-bit heights in metres, ``n x n`` samples with ``n`` = 1201 (3 arc
seconds, SRTM3) or 3601 (1 arc second, SRTM1), rows from north to south,
columns from west to east; edges are shared with the neighbour tiles and
-32768 marks a void (no data).

Sample ``(row r, column c)`` of tile ``(lat0, lon0)`` sits at
``lat = lat0 + 1 - r / (n - 1)``, ``lon = lon0 + c / (n - 1)``. Between
samples the height is interpolated bilinearly::

    h = h00 (1-dx)(1-dy) + h10 dx (1-dy) + h01 (1-dx) dy + h11 dx dy

with ``dx``, ``dy`` the fractional position in the grid cell; void corners
are left out and the weights of the others renormalised.

Used when building the demo data (OSM traces have no elevation) and by the
editor for traces drawn or imported without ``<ele>``.
"""
from __future__ import annotations

import math
import re
import sys
import zipfile
from array import array
from pathlib import Path
from typing import Iterable

from trails.errors import SourceFormatError
from trails.models import Point

VOID = -32768
#: Samples per side of the SRTM resolutions we read (SRTM3, SRTM1).
SIZES = (1201, 3601)
_NAME = re.compile(r"([NS])(\d{2})([EW])(\d{3})", re.IGNORECASE)


def tile_key(name: str) -> tuple[int, int]:
    """``(lat0, lon0)`` of the south-west corner coded in a tile file name.

    >>> tile_key("N42E001.hgt")
    (42, 1)
    >>> tile_key("srtm_S09W078_peru.hgt.zip")
    (-9, -78)
    >>> tile_key("andorra.hgt")
    Traceback (most recent call last):
    ...
    poi.errors.SourceFormatError: andorra.hgt: the file name must contain an SRTM tile code such as N42E001
    """
    m = _NAME.search(Path(name).name)
    if not m:
        raise SourceFormatError(f"{name}: the file name must contain an SRTM tile code such as N42E001")
    lat = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    return lat, lon


def read_tile_bytes(path: str | Path) -> bytes:
    """The raw (big-endian) samples of an ``.hgt`` file, or of the one ``.hgt`` in a ``.zip``."""
    path = Path(path)
    if path.suffix.lower() != ".zip":
        return path.read_bytes()
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".hgt")]
            if len(members) != 1:
                raise SourceFormatError(f"{path}: the zip must hold exactly one .hgt file")
            return zf.read(members[0])
    except zipfile.BadZipFile as e:
        raise SourceFormatError(f"{path}: not a readable zip file ({e})") from e


class SrtmTile:
    """One tile's height grid.

    >>> import struct
    >>> grid = [100] * 1201 * 1201
    >>> tile = SrtmTile.from_bytes(struct.pack(">%dh" % len(grid), *grid), 42, 1)
    >>> tile.elevation_at(1.5, 42.5)
    100.0
    """

    __slots__ = ("lat0", "lon0", "n", "heights")

    def __init__(self, heights: array, n: int, lat0: int, lon0: int):
        self.heights, self.n, self.lat0, self.lon0 = heights, n, lat0, lon0

    @classmethod
    def from_bytes(cls, data: bytes, lat0: int, lon0: int, label: str = "tile") -> "SrtmTile":
        n = math.isqrt(len(data) // 2)
        if n not in SIZES or len(data) != 2 * n * n:
            raise SourceFormatError(
                f"{label}: {len(data)} bytes is not an SRTM tile (expected 1201x1201 or 3601x3601 "
                "16-bit samples); download the tile again")
        heights = array("h")
        heights.frombytes(data)
        if sys.byteorder == "little":
            heights.byteswap()
        return cls(heights, n, lat0, lon0)

    @classmethod
    def from_file(cls, path: str | Path) -> "SrtmTile":
        """Read ``.hgt`` or a ``.zip`` holding one ``.hgt``."""
        path = Path(path)
        lat0, lon0 = tile_key(path.name)
        return cls.from_bytes(read_tile_bytes(path), lat0, lon0, label=str(path))

    def contains(self, lon: float, lat: float) -> bool:
        return self.lat0 <= lat <= self.lat0 + 1 and self.lon0 <= lon <= self.lon0 + 1

    def sample(self, row: int, col: int) -> int:
        return self.heights[row * self.n + col]

    def elevation_at(self, lon: float, lat: float) -> float | None:
        """Bilinear height in metres, or None outside the tile or where all 4 corners are voids."""
        if not self.contains(lon, lat):
            return None
        last = self.n - 1
        y = (self.lat0 + 1 - lat) * last  # rows grow southwards
        x = (lon - self.lon0) * last
        r0 = min(int(y), last - 1)
        c0 = min(int(x), last - 1)
        dy, dx = y - r0, x - c0
        total = weight_sum = 0.0
        for r, c, w in ((r0, c0, (1 - dx) * (1 - dy)), (r0, c0 + 1, dx * (1 - dy)),
                        (r0 + 1, c0, (1 - dx) * dy), (r0 + 1, c0 + 1, dx * dy)):
            h = self.sample(r, c)
            if h != VOID:
                total += h * w
                weight_sum += w
        if weight_sum <= 1e-12:
            return None
        return total / weight_sum


class SrtmTiles:
    """A set of SRTM tiles, loaded lazily, answering elevations anywhere they cover.

    Parameters
    ----------
    folder_or_files
        A folder (its ``*.hgt`` and ``*.hgt.zip`` files are used), one file, or
        an iterable of files.

    Examples
    --------
    >>> tiles = SrtmTiles([])
    >>> tiles.elevation_at(1.44, 42.59) is None       # no tile covers the point
    True
    >>> tiles.add_elevations([[(1.44, 42.59, None), (1.45, 42.6, 1200.0)]])
    [[(1.44, 42.59, None), (1.45, 42.6, 1200.0)]]
    """

    def __init__(self, folder_or_files: str | Path | Iterable[str | Path]):
        if isinstance(folder_or_files, (str, Path)):
            root = Path(folder_or_files)
            if root.is_dir():
                files = sorted(p for p in root.iterdir()
                               if p.name.lower().endswith((".hgt", ".hgt.zip")))
            elif root.is_file():
                files = [root]
            else:
                raise FileNotFoundError(f"no SRTM tile or folder at {root}")
        else:
            files = [Path(f) for f in folder_or_files]
        self._paths: dict[tuple[int, int], Path] = {tile_key(p.name): p for p in files}
        self._tiles: dict[tuple[int, int], SrtmTile] = {}

    def __len__(self) -> int:
        return len(self._paths)

    def _tile(self, key: tuple[int, int]) -> SrtmTile | None:
        if key not in self._paths:
            return None
        if key not in self._tiles:
            self._tiles[key] = SrtmTile.from_file(self._paths[key])
        return self._tiles[key]

    def elevation_at(self, lon: float, lat: float) -> float | None:
        """Height in metres (bilinear), or None where no tile covers the point or data is void."""
        # A point on a tile's edge also lies on the neighbours' edges.
        lats = [math.floor(lat)] + ([int(lat) - 1] if lat == math.floor(lat) else [])
        lons = [math.floor(lon)] + ([int(lon) - 1] if lon == math.floor(lon) else [])
        for key in ((a, b) for a in lats for b in lons):
            tile = self._tile(key)
            if tile is not None:
                value = tile.elevation_at(lon, lat)
                if value is not None:
                    return value
        return None

    def add_elevations(self, segments: list[list[Point]], overwrite: bool = False) -> list[list[Point]]:
        """New segments whose points without elevation get one from the tiles.

        A point keeps its own elevation unless ``overwrite``; a point no tile
        covers keeps ``None``.
        """
        out = []
        for seg in segments:
            new = []
            for p in seg:
                ele = p[2] if len(p) > 2 else None
                if ele is None or overwrite:
                    found = self.elevation_at(p[0], p[1])
                    if found is not None:
                        ele = round(found, 1)
                new.append((p[0], p[1], ele))
            out.append(new)
        return out
