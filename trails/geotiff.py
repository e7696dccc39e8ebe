"""Single-band GeoTIFF elevation grids in WGS84 (EPSG:4326), read with Pillow, turned into SRTM-shaped tiles.

``balise dem import FILE.tif`` takes what national mapping agencies and the
Copernicus DEM publish besides SRTM ``.hgt``: a single-band TIFF of heights in
metres (16-bit integers or 32-bit floats) with the GeoTIFF tags

* ``ModelPixelScale`` (33550): the pixel size in degrees ``(dx, dy, 0)``;
* ``ModelTiepoint`` (33922): raster point ``(i, j)`` at ``(lon, lat)``;
* ``GeoKeyDirectory`` (34735): the CRS, which must be geographic WGS84
  (``GeographicTypeGeoKey`` 4326); any other CRS, or a rotated grid
  (``ModelTransformation``), is refused with a one-line reason (reproject with
  ``gdalwarp -t_srs EPSG:4326`` first). ``GTRasterTypeGeoKey`` says whether
  the tiepoint is the corner of the pixel (*PixelIsArea*, the default) or its
  centre (*PixelIsPoint*);
* ``GDAL_NODATA`` (42113), optional: the value of "no data" (NaN always is).

The stored elevation model keeps one SRTM-shaped grid per degree square
(:mod:`trails.elevation`), so :func:`srtm_tiles` samples the GeoTIFF at the
SRTM grid points of each degree square it covers (1201 x 1201 for pixels of
1.5 arc seconds or more, else 3601 x 3601), bilinearly, leaving out no-data
pixels as SRTM does its voids; heights are rounded to the metre (SRTM's
16-bit integers). A GeoTIFF made from an SRTM tile (``gdal_translate``) falls
on the same grid points and gives back the same heights.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np

from poi.i18n import gettext as _
from trails.elevation import SIZES, VOID
from trails.errors import SourceFormatError

MODEL_PIXEL_SCALE, MODEL_TIEPOINT, MODEL_TRANSFORMATION, GEO_KEY_DIRECTORY, GDAL_NODATA = (
    33550, 33922, 34264, 34735, 42113)
GT_MODEL_TYPE, GT_RASTER_TYPE, GEOGRAPHIC_TYPE, PROJECTED_CS_TYPE = 1024, 1025, 2048, 3072
PIXEL_IS_POINT = 2
#: Pixel size (degrees) up to which a GeoTIFF is stored as SRTM1 (3601 samples a side) rather than SRTM3.
SRTM1_MAX_PIXEL_DEG = 1.5 / 3600.0
_ROWS_PER_BLOCK = 256


class GeoGrid(NamedTuple):
    """Heights (NaN where no data), rows from north to south, and where their pixel centres are."""

    heights: np.ndarray  # float64, shape (rows, cols)
    lon0: float  # longitude of the centre of column 0
    lat0: float  # latitude of the centre of row 0 (the northernmost)
    dlon: float  # pixel width, degrees (> 0)
    dlat: float  # pixel height, degrees (> 0)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of the pixel centres."""
        rows, cols = self.heights.shape
        return self.lon0, self.lat0 - (rows - 1) * self.dlat, self.lon0 + (cols - 1) * self.dlon, self.lat0


def _geo_keys(directory) -> dict[int, int]:
    values = list(directory or ())
    if len(values) < 4:
        return {}
    keys = {}
    for k in range(values[3]):
        key, location, _count, value = values[4 + 4 * k: 8 + 4 * k]
        if location == 0:  # the value is in the entry itself (the keys we read all are)
            keys[key] = value
    return keys


def read_geotiff(path: str | Path) -> GeoGrid:
    """The height grid of a single-band EPSG:4326 GeoTIFF (module docstring).

    Raises
    ------
    SourceFormatError
        Not a TIFF, several bands, no or rotated georeferencing, a CRS other than EPSG:4326.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            tags = image.tag_v2
            mode = image.mode
            heights = np.asarray(image, dtype=np.float64) if mode in ("I", "F", "I;16", "I;16S") else None
            scale, tie = tags.get(MODEL_PIXEL_SCALE), tags.get(MODEL_TIEPOINT)
            rotated, keys = tags.get(MODEL_TRANSFORMATION), _geo_keys(tags.get(GEO_KEY_DIRECTORY))
            nodata = tags.get(GDAL_NODATA)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise SourceFormatError(_("{path}: not a readable TIFF file ({error})", path=path, error=e)) from e
    if heights is None:
        raise SourceFormatError(_("{path}: a DEM GeoTIFF must have one band of heights (16-bit or 32-bit), "
                                  "not {mode}", path=path, mode=mode))
    if rotated is not None:
        raise SourceFormatError(_("{path}: a rotated grid (ModelTransformation) is not supported: reproject it "
                                  "with gdalwarp -t_srs EPSG:4326", path=path))
    if not scale or not tie or len(tie) < 6 or not keys:
        raise SourceFormatError(_("{path}: no GeoTIFF georeferencing (ModelPixelScale, ModelTiepoint, "
                                  "GeoKeyDirectory)", path=path))
    epsg = keys.get(GEOGRAPHIC_TYPE) if keys.get(GT_MODEL_TYPE) == 2 else keys.get(PROJECTED_CS_TYPE)
    if epsg != 4326:
        crs = f"EPSG:{epsg}" if epsg and epsg != 32767 else _("a user-defined CRS")
        raise SourceFormatError(_("{path}: the GeoTIFF is in {crs}; only WGS84 (EPSG:4326) is read: reproject it "
                                  "with gdalwarp -t_srs EPSG:4326", path=path, crs=crs))
    dlon, dlat = float(scale[0]), float(scale[1])
    if not (dlon > 0 and dlat > 0):
        raise SourceFormatError(_("{path}: invalid pixel size {scale}", path=path, scale=tuple(scale[:2])))
    i, j, x, y = float(tie[0]), float(tie[1]), float(tie[3]), float(tie[4])
    half = 0.0 if keys.get(GT_RASTER_TYPE) == PIXEL_IS_POINT else 0.5
    lon0, lat0 = x + (half - i) * dlon, y - (half - j) * dlat
    grid_bbox = GeoGrid(heights, lon0, lat0, dlon, dlat).bbox
    if not (-180.5 <= grid_bbox[0] and grid_bbox[2] <= 180.5 and -90.5 <= grid_bbox[1] and grid_bbox[3] <= 90.5):
        raise SourceFormatError(_("{path}: its corners {bbox} are not longitudes and latitudes in degrees",
                                  path=path, bbox=tuple(round(v, 3) for v in grid_bbox)))
    if nodata is not None:
        try:
            heights[heights == float(str(nodata).strip("\x00 "))] = np.nan
        except ValueError:
            pass  # an unreadable no-data tag: only NaN counts
    return GeoGrid(heights, lon0, lat0, dlon, dlat)


def _bilinear(grid: GeoGrid, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Heights at points (NaN outside or where the 4 pixels around have no data; no-data corners left out)."""
    rows, cols = grid.heights.shape
    x = (lon - grid.lon0) / grid.dlon
    y = (grid.lat0 - lat) / grid.dlat
    x = np.where(np.abs(x - np.round(x)) < 1e-6, np.round(x), x)  # a grid point on a pixel centre is that pixel
    y = np.where(np.abs(y - np.round(y)) < 1e-6, np.round(y), y)
    inside = (x >= 0) & (x <= cols - 1) & (y >= 0) & (y <= rows - 1)
    c0 = np.clip(np.floor(x), 0, max(cols - 2, 0)).astype(np.int64)
    r0 = np.clip(np.floor(y), 0, max(rows - 2, 0)).astype(np.int64)
    dx, dy = np.clip(x - c0, 0, 1), np.clip(y - r0, 0, 1)
    total = np.zeros(np.broadcast(lon, lat).shape)
    weight = np.zeros_like(total)
    for dr, dc, w in ((0, 0, (1 - dx) * (1 - dy)), (0, 1, dx * (1 - dy)), (1, 0, (1 - dx) * dy), (1, 1, dx * dy)):
        h = grid.heights[np.minimum(r0 + dr, rows - 1), np.minimum(c0 + dc, cols - 1)]
        ok = ~np.isnan(h) & (w > 0)
        total += np.where(ok, np.nan_to_num(h) * w, 0.0)
        weight += np.where(ok, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / weight
    return np.where(inside & (weight > 1e-12), out, np.nan)


def srtm_tiles(grid: GeoGrid, existing=None) -> Iterator[tuple[int, int, int, bytes]]:
    """``(lat0, lon0, samples, big-endian int16 bytes)`` of each degree square the grid covers.

    ``existing(lat0, lon0, samples)`` may give the heights already stored there (a flat
    ``int16`` array or None): grid points the GeoTIFF does not cover keep them.
    """
    west, south, east, north = grid.bbox
    n = SIZES[1] if min(grid.dlon, grid.dlat) <= SRTM1_MAX_PIXEL_DEG * (1 + 1e-9) else SIZES[0]
    last = n - 1
    # the degree squares the grid overlaps with some area (a shared edge alone does not make a tile)
    for lat0 in range(math.floor(south), max(math.ceil(north), math.floor(south) + 1)):
        for lon0 in range(math.floor(west), max(math.ceil(east), math.floor(west) + 1)):
            before = existing(lat0, lon0, n) if existing else None
            tile = (np.full(n * n, VOID, dtype=np.int16) if before is None
                    else np.asarray(before, dtype=np.int16).copy()).reshape(n, n)
            lons = lon0 + np.arange(n) / last
            covered = False
            for r in range(0, n, _ROWS_PER_BLOCK):
                lats = lat0 + 1 - np.arange(r, min(r + _ROWS_PER_BLOCK, n)) / last
                if lats[0] < south - grid.dlat or lats[-1] > north + grid.dlat:
                    continue
                block = _bilinear(grid, lons[None, :], lats[:, None])
                have = ~np.isnan(block)
                if have.any():
                    covered = True
                    rows = tile[r: r + len(lats)]
                    rows[have] = np.clip(np.round(block[have]), -32767, 32767).astype(np.int16)
            if covered:
                yield lat0, lon0, n, tile.astype(">i2").tobytes()


__all__ = ["GeoGrid", "read_geotiff", "srtm_tiles"]
