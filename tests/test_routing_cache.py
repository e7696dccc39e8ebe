"""The path network held in memory between loop requests (trails.routing_cache) on Monaco's real network:
a cached network gives the loops a fresh read gives, a request never changes it, an import is seen."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from poi.i18n import language
from trails import routing_cache
from trails.dem import import_dem
from trails.loops import generate_loops

from helpers import network_db, open_db

DATA = Path(__file__).parent / "data"
MONACO = DATA / "sources" / "osm" / "monaco_graphhopper.osm.gz"
MONACO_DEM = DATA / "elevation" / "srtm_N43E007_nice-monaco-menton.hgt.zip"
CASINO = (7.4197, 43.7384)
FONTVIEILLE = (7.4155, 43.7270)


@pytest.fixture(autouse=True)
def english():
    with language("en"):
        yield


@pytest.fixture(scope="module")
def monaco_file(tmp_path_factory) -> Path:
    return network_db(tmp_path_factory.mktemp("monaco") / "balise.db", MONACO)


@pytest.fixture
def monaco(monaco_file, tmp_path):
    path = tmp_path / "balise.db"
    shutil.copyfile(monaco_file, path)
    db = open_db(path)
    yield db
    db.conn.close()


def traces(loops):
    return [(lp.coords, lp.stop_ids, lp.reuse_ratio) for lp in loops]


def test_cached_network_gives_the_loops_of_a_fresh_read(monaco, monkeypatch):
    """A second request from the same start, after one from elsewhere (which cut its own start into the
    network), gets exactly the loops of the first: requests work on their own views."""
    routing_cache._cache.clear()
    first = generate_loops(monaco, *CASINO, 60, seed=3)
    generate_loops(monaco, *FONTVIEILLE, 90, seed=3)
    assert len(routing_cache._cache) == 1
    again = generate_loops(monaco, *CASINO, 60, seed=3)
    assert traces(again) == traces(first)
    monkeypatch.setattr(routing_cache, "MAX_CACHED_EDGES", 0)  # read per request, in the box around it
    routing_cache._cache.clear()
    fresh = generate_loops(monaco, *CASINO, 60, seed=3)
    assert not routing_cache._cache
    assert [lp.stop_ids for lp in fresh] == [lp.stop_ids for lp in first]
    assert [lp.length_m for lp in fresh] == pytest.approx([lp.length_m for lp in first], rel=0.02)


def test_a_dem_import_is_seen_by_the_next_loop(monaco):
    """Monaco climbs from the sea to 150 m: once its DEM is imported the loop's walking time (Tobler's
    function on the slopes) changes, without restarting anything."""
    flat = generate_loops(monaco, *CASINO, 60, seed=3, variants=1)[0]
    import_dem(monaco, MONACO_DEM)
    hilly = generate_loops(monaco, *CASINO, 60, seed=3, variants=1)[0]
    assert len(routing_cache._cache) <= routing_cache.MAX_CACHED
    assert (hilly.walking_min / hilly.length_m) != pytest.approx(flat.walking_min / flat.length_m, rel=0.01)
