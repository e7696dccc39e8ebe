"""The SQL of :mod:`exporter.mbtiles`: reading an MBTiles file (an SQLite database, opened read-only).

MBTiles 1.3 (mapbox/mbtiles-spec): a ``metadata(name, value)`` table and a
``tiles(zoom_level, tile_column, tile_row, tile_data)`` table or view, rows in the
TMS scheme (counted from the south). Every SQLite error becomes an
:class:`MBTilesError` saying the file is not a usable MBTiles.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from exporter.errors import ExportError
from poi.i18n import gettext as _


class MBTilesError(ExportError):
    """The file is not a readable raster MBTiles, or holds no tile for the corridor."""


class MBTilesFile:
    """An open MBTiles file; use as a context manager.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     MBTilesFile(__file__)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    exporter.mbtiles_store.MBTilesError: ...mbtiles_store.py is not an MBTiles file (not an SQLite database): give a raster .mbtiles file
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise MBTilesError(_("{path}: no such file", path=self.path))
        with self.path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise MBTilesError(_("{path} is not an MBTiles file (not an SQLite database): give a raster "
                                     ".mbtiles file", path=self.path))
        try:
            self.conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            names = {r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        except sqlite3.DatabaseError as e:
            raise self._error(e) from e
        if not {"tiles", "metadata"} <= names:
            self.conn.close()
            raise MBTilesError(_("{path} is not an MBTiles file (no tiles and metadata tables): give a raster "
                                 ".mbtiles file", path=self.path))

    def _error(self, e: Exception) -> MBTilesError:
        return MBTilesError(_("{path} is not an MBTiles file ({error}): give a raster .mbtiles file",
                              path=self.path, error=e))

    def __enter__(self) -> MBTilesFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def metadata(self) -> dict[str, str]:
        """The ``metadata`` table, name -> value."""
        try:
            return {str(k): str(v) for k, v in self.conn.execute("SELECT name, value FROM metadata")}
        except sqlite3.DatabaseError as e:
            raise self._error(e) from e

    def first_tile(self) -> bytes:
        """The bytes of one tile (to tell the image format), empty if there is none."""
        try:
            row = self.conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        except sqlite3.DatabaseError as e:
            raise self._error(e) from e
        return bytes(row[0]) if row and row[0] else b""

    def tiles_in(self, zoom: int, columns: tuple[int, int], rows: tuple[int, int]) -> Iterator[tuple[int, int, bytes]]:
        """``(tile_column, tile_row, tile_data)`` of the tiles of a zoom level in a column and TMS row range."""
        try:
            cursor = self.conn.execute(
                "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ? "
                "AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?", [zoom, *columns, *rows])
            for column, row, data in cursor:
                if data:
                    yield int(column), int(row), bytes(data)
        except sqlite3.DatabaseError as e:
            raise self._error(e) from e
