"""SRTM tiles: reading (zipped), grid orientation, bilinear interpolation, voids, edges."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

from trails.elevation import VOID, SrtmTile, SrtmTiles, tile_key
from trails.errors import SourceFormatError

TILE = "elevation/srtm_N42E001_andorra-ariege.hgt.zip"

# (name, lon, lat, ele_m) of OSM natural=peak nodes (see tests/data/elevation/README.md).
# SRTM3 averages ~90 m cells, so sharp summits come out 20-60 m low: the tolerance says so.
SUMMITS = [
    ("Pic de Comapedrosa", 1.4436671, 42.5917967, 2944.0),
    ("Pica d'Estats", 1.3978986, 42.666952, 3143.45),
    ("Pic Est de Casamanya", 1.570299, 42.5873712, 2757.0),
    ("Pic Negre", 1.5611409, 42.4586557, 2642.5),
    ("Pic d'Enclar", 1.4603314, 42.5044744, 2402.0),
    ("Pessons", 1.6646959, 42.5081432, 2864.0),
    ("Pic de Montaud", 1.1327847, 42.7503353, 2496.0),
]
SUMMIT_TOLERANCE_M = 70.0


@pytest.fixture(scope="module")
def tiles() -> SrtmTiles:
    return SrtmTiles(Path(__file__).parent / "data" / TILE)


@pytest.mark.parametrize("name, lon, lat, ele_m", SUMMITS)
def test_known_summits(tiles, name, lon, lat, ele_m):
    value = tiles.elevation_at(lon, lat)
    assert value is not None
    assert value <= ele_m + 15, f"{name}: SRTM {value:.0f} m above the summit {ele_m} m?"
    assert abs(value - ele_m) <= SUMMIT_TOLERANCE_M, f"{name}: SRTM {value:.0f} m vs {ele_m} m"


def test_valley_is_low_and_orientation_right(tiles):
    # Andorra la Vella, the valley town (about 1,023 m): a north/south flip would land on a ridge.
    assert 980 <= tiles.elevation_at(1.5211, 42.5078) <= 1080


def test_outside_the_tiles_is_none(tiles):
    assert tiles.elevation_at(2.1, 42.5) is None
    assert tiles.elevation_at(1.5, 43.2) is None


def test_edges_belong_to_the_tile(tiles):
    assert tiles.elevation_at(1.0, 42.0) is not None
    assert tiles.elevation_at(2.0, 43.0) is not None


def test_folder_and_files_give_the_same_answer(data):
    by_folder = SrtmTiles(data / "elevation")
    by_list = SrtmTiles(sorted((data / "elevation").glob("*.hgt.zip")))  # Andorra and Monaco
    assert len(by_folder) == len(by_list) == 2
    assert by_folder.elevation_at(1.44, 42.59) == by_list.elevation_at(1.44, 42.59)


def test_add_elevations_keeps_existing_values(tiles):
    segments = [[(1.5211, 42.5078, None), (1.4436671, 42.5917967, 1234.0)], [(3.0, 44.0, None)]]
    out = tiles.add_elevations(segments)
    assert 980 <= out[0][0][2] <= 1080
    assert out[0][1][2] == 1234.0
    assert out[1][0][2] is None  # no tile there
    assert tiles.add_elevations(segments, overwrite=True)[0][1][2] > 2800
    assert segments[0][0][2] is None  # input left untouched


def synthetic(values: dict[tuple[int, int], int], fill: int = 0, n: int = 1201) -> bytes:
    grid = [fill] * (n * n)
    for (row, col), h in values.items():
        grid[row * n + col] = h
    return struct.pack(f">{n * n}h", *grid)


def test_bilinear_interpolation_inside_a_cell():
    # corners of the north-west cell: NW=100, NE=200, SW=300, SE=400
    data = synthetic({(0, 0): 100, (0, 1): 200, (1, 0): 300, (1, 1): 400})
    tile = SrtmTile.from_bytes(data, 42, 1)
    step = 1 / 1200
    assert tile.elevation_at(1.0, 43.0) == pytest.approx(100)
    assert tile.elevation_at(1.0 + step, 43.0) == pytest.approx(200)
    assert tile.elevation_at(1.0 + step / 2, 43.0 - step / 2) == pytest.approx(250)
    assert tile.elevation_at(1.0 + step / 4, 43.0) == pytest.approx(125)


def test_voids_are_left_out():
    data = synthetic({(0, 0): VOID, (0, 1): 200, (1, 0): 200, (1, 1): 200})
    tile = SrtmTile.from_bytes(data, 42, 1)
    step = 1 / 1200
    assert tile.elevation_at(1.0 + step / 2, 43.0 - step / 2) == pytest.approx(200)
    all_void = SrtmTile.from_bytes(synthetic({}, fill=VOID), 42, 1)
    assert all_void.elevation_at(1.5, 42.5) is None


def test_one_arc_second_tiles_are_read():
    tile = SrtmTile.from_bytes(synthetic({}, fill=42, n=3601), 45, 6)
    assert tile.elevation_at(6.5, 45.5) == pytest.approx(42)


@pytest.mark.parametrize("size", [0, 100, 2 * 1201 * 1201 - 2])
def test_wrong_size_is_a_format_error(size):
    with pytest.raises(SourceFormatError, match="not an SRTM tile"):
        SrtmTile.from_bytes(b"\0" * size, 42, 1)


def test_broken_zip_is_a_format_error(tmp_path):
    bad = tmp_path / "N42E001.hgt.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SourceFormatError, match="zip"):
        SrtmTiles(bad).elevation_at(1.5, 42.5)


@pytest.mark.parametrize("name, key", [("N42E001.hgt", (42, 1)), ("s09w078.hgt", (-9, -78)),
                                       ("srtm_N43E007_nice.hgt.zip", (43, 7))])
def test_tile_key(name, key):
    assert tile_key(name) == key
