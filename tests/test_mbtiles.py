"""Raster tiles of an MBTiles file picked for a trail's corridor (exporter.mbtiles).

Data: tests/data/mbtiles/README.md (real Andorra OSM ways drawn as z13-15 tiles over a box
around a real 12 km stretch of the GR-11; TMS rows as the MBTiles spec says).
"""
from __future__ import annotations

import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from pyproj import Transformer

from exporter.mbtiles import MBTilesError, lonlat_to_tile, metadata, read_tiles, tile_bounds, tms_to_xyz_row
from exporter.offline_map import Corridor
from poi.i18n import language

DATA = Path(__file__).parent / "data" / "mbtiles"
MBTILES = DATA / "andorra_escaldes_gr11-bbox_z13-15.mbtiles"
TRAIL = DATA / "andorra_gr11_escaldes_12km.geojson"
CEVENNES = Path(__file__).parent / "data" / "bundle" / "cevennes_barre-des-cevennes_loop_3.7km.geojson"
#: A point inside the Lac d'Engolasters (OSM way 6593464), drawn in water blue on the tiles.
LAKE = (1.568523, 42.519807)
WATER_RGB = (170, 208, 230)
MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)
HALF = 20037508.342789244


def coords(path: Path) -> list[list[float]]:
    return json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"]["coordinates"]


@pytest.fixture(scope="module")
def corridor() -> Corridor:
    return Corridor.of_segments([coords(TRAIL)], 500)


def all_tiles() -> dict[tuple[int, int, int], bytes]:
    """Every tile of the file, keyed (z, x, TMS row), read with plain SQL."""
    with sqlite3.connect(MBTILES) as conn:
        return {(z, x, r): d for z, x, r, d in conn.execute(
            "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")}


def mercator_tile(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Fractional XYZ tile of a point, from pyproj's EPSG:3857 (independent of exporter.mbtiles)."""
    x, y = MERCATOR.transform(lon, lat)
    n = 2 ** zoom
    return (x + HALF) / (2 * HALF) * n, (HALF - y) / (2 * HALF) * n


@pytest.mark.parametrize("lon, lat", [LAKE, (1.5218, 42.5063), (2.3522, 48.8566), (-62.85, 17.9),
                                      (10.75, 59.91), (-70.6, -33.45)])
@pytest.mark.parametrize("zoom", [0, 5, 13, 15, 18])
def test_tile_numbers_agree_with_web_mercator(lon, lat, zoom):
    fx, fy = mercator_tile(lon, lat, zoom)
    assert lonlat_to_tile(lon, lat, zoom) == (int(fx), int(fy))
    x0, y0, x1, y1 = tile_bounds(zoom, int(fx), int(fy))
    assert x0 <= lon <= x1 and y0 <= lat <= y1


def test_only_the_corridors_tiles_are_embedded(corridor):
    full = all_tiles()
    tiles = read_tiles(MBTILES, corridor, min_zoom=13, max_zoom=15)
    counts = tiles.count_by_zoom()
    full_counts = {z: sum(1 for k in full if k[0] == z) for z in (13, 14, 15)}
    print(f"corridor tiles by zoom {counts} of the file's {full_counts}")
    assert full_counts == {13: 9, 14: 16, 15: 56}
    assert sum(counts.values()) < len(full) and counts[15] < full_counts[15] * 0.6
    # Exactly the file's tiles that meet the corridor: nothing missing, nothing extra.
    expected = {(z, x, tms_to_xyz_row(z, r)) for z, x, r in full
                if corridor.intersects_lonlat_box(*tile_bounds(z, x, tms_to_xyz_row(z, r)))}
    assert set(tiles.tiles) == expected
    for (z, x, y), data in tiles.tiles.items():
        assert data == full[(z, x, (1 << z) - 1 - y)]
    assert (tiles.ext, tiles.mime, tiles.min_zoom, tiles.max_zoom) == ("png", "image/png", 13, 15)
    assert tiles.attribution == "© OpenStreetMap contributors, ODbL 1.0"
    assert set(tiles.files()) == {f"tiles/{z}/{x}/{y}.png" for z, x, y in tiles.tiles}


def test_tms_rows_are_flipped_to_xyz_at_a_known_place(corridor):
    """The Lac d'Engolasters lies on the trail's corridor: its z15 tile, asked for by Leaflet
    as XYZ, must be the file's TMS row 2**15 - 1 - y, and show the lake's blue at its pixel."""
    fx, fy = mercator_tile(*LAKE, 15)
    x, y = int(fx), int(fy)
    assert (x, y) == lonlat_to_tile(*LAKE, 15) == (16526, 12100)
    tiles = read_tiles(MBTILES, corridor, min_zoom=15, max_zoom=15)
    assert (15, x, y) in tiles.tiles
    assert tiles.tiles[(15, x, y)] == all_tiles()[(15, x, 32767 - y)]
    with Image.open(io.BytesIO(tiles.tiles[(15, x, y)])) as img:
        pixel = img.convert("RGB").getpixel((int((fx - x) * 256), int((fy - y) * 256)))
    assert pixel == WATER_RGB
    # Unflipped, the row would be a tile near 42.5 degrees SOUTH, which the file does not have.
    assert (15, x, 32767 - y) not in tiles.tiles


def test_zoom_range_is_respected(corridor):
    tiles = read_tiles(MBTILES, corridor, min_zoom=14, max_zoom=14)
    assert set(tiles.count_by_zoom()) == {14}
    wide = read_tiles(MBTILES, corridor, min_zoom=10, max_zoom=18)  # levels the file lacks are skipped
    assert (wide.min_zoom, wide.max_zoom) == (13, 15)


def test_metadata_and_format_sniffed_without_metadata(corridor, tmp_path):
    assert metadata(MBTILES)["format"] == "png" and metadata(MBTILES)["minzoom"] == "13"
    copy = tmp_path / "no-format.mbtiles"
    shutil.copyfile(MBTILES, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM metadata WHERE name IN ('format', 'attribution')")
    tiles = read_tiles(copy, corridor, min_zoom=13, max_zoom=13)
    assert tiles.ext == "png" and tiles.attribution == ""


def _plain_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (a)")
    return path


def _vector_tiles(path: Path) -> Path:
    shutil.copyfile(MBTILES, path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE metadata SET value = 'pbf' WHERE name = 'format'")
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "absent.mbtiles", "no such file"),
    (lambda d: Path(shutil.copyfile(TRAIL, d / "trail.mbtiles")), "not an SQLite database"),
    (lambda d: _plain_sqlite(d / "plain.mbtiles"), "no tiles and metadata tables"),
    (lambda d: _vector_tiles(d / "vector.mbtiles"), "vector tiles (pbf)"),
])
def test_files_that_are_not_raster_mbtiles_are_refused(corridor, tmp_path, make, message):
    with language("en"), pytest.raises(MBTilesError, match=r".*" + message.replace("(", r"\(").replace(")", r"\)")):
        read_tiles(make(tmp_path), corridor)


def test_no_tile_in_the_corridor_is_an_error():
    elsewhere = Corridor.of_segments([coords(CEVENNES)], 500)
    with language("en"), pytest.raises(MBTilesError, match="has no tile in the trail's corridor at zooms 12-16"):
        read_tiles(MBTILES, elsewhere)


def test_bad_zoom_range(corridor):
    with language("en"), pytest.raises(MBTilesError, match="min-zoom"):
        read_tiles(MBTILES, corridor, min_zoom=15, max_zoom=13)
