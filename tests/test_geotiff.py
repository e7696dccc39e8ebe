"""GeoTIFF elevation models (trails.geotiff, ``balise dem import FILE.tif``).

Real data: three GeoTIFFs cut by gdal_translate / gdalwarp from the Andorra SRTM3 tile
(tests/data/elevation/srtm_N42E001_andorra-ariege.hgt.zip, NASA, public domain; how each was made is in
tests/data/elevation/README.md), and the OSM extract of Andorra for the path network.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from poi.network.store import NetworkStore
from trails.dem import import_dem, stored_tiles
from trails.elevation import VOID, SrtmTile, SrtmTiles
from trails.errors import SourceFormatError
from trails.geotiff import read_geotiff
from webapp.cli import cli

from tests.helpers import one_line_error, open_db
# the Andorra path network db (module-scoped, copied per test) and English messages, as in the DEM tests
from tests.test_dem import andorra_file, db_path, english  # noqa: F401

DATA = Path(__file__).parent / "data"
ELEVATION = DATA / "elevation"
SRTM = ELEVATION / "srtm_N42E001_andorra-ariege.hgt.zip"
INT16 = ELEVATION / "srtm_N42E001_andorra-la-vella_int16_pixel-is-point.tif"
FLOAT32 = ELEVATION / "srtm_N42E001_andorra-la-vella_float32_nodata-9999_pixel-is-area.tif"
LAMBERT93 = ELEVATION / "srtm_N42E001_andorra-la-vella_lambert93_refused.tif"
#: The window of the two WGS84 files: pixel centres 1.45..1.599 E, 42.45..42.60 N (180 x 180 SRTM3 samples).
WEST, SOUTH, EAST, NORTH = 1.45, 42.4508, 1.5992, 42.60
#: SRTM voids (-32768) inside that window.
VOIDS_IN_WINDOW = 54


def _window(tile: SrtmTile) -> np.ndarray:
    """The stored samples of the files' window (rows 480..659 from the north, columns 540..719)."""
    grid = np.asarray(tile.heights).reshape(tile.n, tile.n)
    return grid[480:660, 540:720]


@pytest.mark.parametrize("path", [INT16, FLOAT32], ids=["int16 PixelIsPoint", "float32 PixelIsArea"])
def test_both_pixel_conventions_put_the_pixels_on_the_srtm_grid(path):
    grid = read_geotiff(path)
    assert grid.heights.shape == (180, 180)
    assert grid.lon0 == pytest.approx(1.45, abs=1e-9) and grid.lat0 == pytest.approx(42.60, abs=1e-9)
    assert grid.dlon == pytest.approx(3 / 3600) and grid.dlat == pytest.approx(3 / 3600)
    assert int(np.isnan(grid.heights).sum()) == VOIDS_IN_WINDOW  # -32768 / -9999 no-data read as missing
    assert np.nanmin(grid.heights) == 877 and np.nanmax(grid.heights) == 2738  # the Valira at Sant Julià, the peaks


@pytest.mark.parametrize("path", [INT16, FLOAT32], ids=["int16", "float32 nodata"])
def test_geotiff_import_gives_the_same_elevations_as_the_hgt_it_was_made_from(db_path, path, tmp_path):
    from_hgt = tmp_path / "hgt.db"
    shutil.copyfile(db_path, from_hgt)
    db, ref = open_db(db_path), open_db(from_hgt)
    report = import_dem(db, path)
    import_dem(ref, SRTM)
    assert report.tiles == ((42, 1),) and report.samples == 1201
    stored, expected = stored_tiles(db)._tile((42, 1)), SrtmTiles(SRTM)._tile((42, 1))
    window = _window(stored)
    assert np.array_equal(window, _window(expected))  # every sample, voids included
    assert int((window == VOID).sum()) == VOIDS_IN_WINDOW  # no-data stays void, never -9999
    outside = np.asarray(stored.heights).reshape(1201, 1201).copy()
    outside[480:660, 540:720] = VOID
    assert (outside == VOID).all()  # nothing invented outside the file
    # the path network inside the window: the same vertex elevations as with the .hgt
    inside = "SELECT id, geometry, ele FROM path_edges WHERE ele IS NOT NULL ORDER BY id"
    ref_ele = {eid: ele for eid, _g, ele in ref.execute(inside)}
    checked = 0
    for eid, geometry, ele in db.execute(inside):
        coords = json.loads(geometry)
        if all(WEST <= lon <= EAST and SOUTH <= lat <= NORTH for lon, lat in coords):
            assert json.loads(ele) == json.loads(ref_ele[eid])
            checked += 1
    assert checked > 500 and report.edges >= checked  # Andorra la Vella, Escaldes, Sant Julià
    db.conn.close()
    ref.conn.close()


def test_geotiff_over_a_stored_tile_keeps_the_samples_it_does_not_cover(db_path):
    db = open_db(db_path)
    import_dem(db, SRTM)
    import_dem(db, FLOAT32)
    full = np.asarray(stored_tiles(db)._tile((42, 1)).heights)
    assert np.array_equal(full, np.asarray(SrtmTiles(SRTM)._tile((42, 1)).heights))
    db.conn.close()


def test_cli_imports_a_geotiff(runner, db_path):
    result = runner.invoke(cli, ["dem", "import", str(INT16), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "tile 42,1 (1201x1201 samples)" in result.output and "path edges given elevations" in result.output


@pytest.mark.parametrize("path, message", [
    (LAMBERT93, "the GeoTIFF is in EPSG:2154; only WGS84 (EPSG:4326) is read"),
    (ELEVATION / "README.md", "not a readable TIFF file"),
])
def test_cli_refuses_other_crs_and_non_tiffs_leaving_the_db_alone(runner, db_path, tmp_path, path, message):
    target = tmp_path / ("bad.tif" if path.suffix != ".tif" else path.name)
    shutil.copyfile(path, target)
    result = runner.invoke(cli, ["dem", "import", str(target), "--db", str(db_path)])
    assert message in one_line_error(result)
    db = open_db(db_path)
    assert NetworkStore(db).dem_tile_keys() == []
    assert db.execute("SELECT COUNT(*) FROM path_edges WHERE ele IS NOT NULL").fetchone()[0] == 0
    db.conn.close()


def test_a_png_is_refused_as_a_dem(tmp_path):
    from PIL import Image

    png = tmp_path / "relief.tif"
    Image.new("RGB", (4, 4)).save(png, format="TIFF")
    with pytest.raises(SourceFormatError, match="one band of heights"):
        read_geotiff(png)
