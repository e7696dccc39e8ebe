"""Loops of a chosen duration through the most heritage (trails.loops, ``balise trail loop``).

Real data: the OSM extracts of Monaco and Andorra (POIs and path networks, tests/data/sources/osm) and
Andorra's SRTM3 tile (tests/data/elevation).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from poi.geo import geodesic_distance_m
from poi.i18n import language
from poi.store import PoiStore
from trails import routing_cache
from trails.dem import import_dem
from trails.duration import walker_min
from trails.loop_output import resolve_start
from trails.loops import MAX_SHARED, LoopError, generate_loops, heritage_pois, request_note
from trails.store import TrailStore
from webapp.cli import cli

from tests.helpers import one_line_error

from helpers import network_db, open_db

DATA = Path(__file__).parent / "data"
OSM = DATA / "sources" / "osm"
SRTM = DATA / "elevation" / "srtm_N42E001_andorra-ariege.hgt.zip"
MONACO_DEM = DATA / "elevation" / "srtm_N43E007_nice-monaco-menton.hgt.zip"
CASINO = (7.4197, 43.7384)  # Monte-Carlo, place du Casino
ANDORRA_LA_VELLA = (1.5215, 42.5063)


@pytest.fixture(autouse=True)
def english():
    with language("en"):
        yield


@pytest.fixture(scope="module")
def monaco_file(tmp_path_factory) -> Path:
    return network_db(tmp_path_factory.mktemp("monaco") / "balise.db", OSM / "monaco_graphhopper.osm.gz")


@pytest.fixture(scope="module")
def monaco(monaco_file):
    db = open_db(monaco_file)
    yield db
    db.conn.close()


@pytest.fixture(scope="module")
def andorra(tmp_path_factory):
    db = open_db(network_db(tmp_path_factory.mktemp("andorra") / "balise.db",
                             OSM / "andorra_2013_graphhopper.osm.pbf", SRTM))
    yield db
    db.conn.close()


@pytest.fixture
def db_path(monaco_file, tmp_path) -> Path:
    path = tmp_path / "balise.db"
    shutil.copyfile(monaco_file, path)
    return path


def shared(a, b) -> float:
    return sum(m for p, m in a.pieces.items() if p in b.pieces) / a.length_m


@pytest.mark.parametrize("minutes", [60, 90])
def test_monaco_loops_close_fit_the_duration_and_do_not_retrace(monaco, minutes):
    loops = generate_loops(monaco, *CASINO, minutes, seed=1)
    best = loops[0]
    assert best.coords[0] == best.coords[-1]
    assert geodesic_distance_m(*best.coords[0][:2], *CASINO) < 100
    assert abs(best.duration_min - minutes) <= 0.15 * minutes
    # sized on the walker's time with visits (trails.duration), the catalogue's duration_with_visits_min
    assert best.duration_min == round(walker_min(best.length_m, best.ascent_m, best.descent_m,
                                                 visit_min=best.visit_min))
    assert best.reuse_ratio <= 0.10
    assert 1 <= len(loops) <= 3
    for i, a in enumerate(loops):
        for b in loops[:i]:
            assert shared(a, b) <= MAX_SHARED + 1e-9


def test_stops_are_heritage_pois_near_the_loop_in_walking_order(monaco):
    best = generate_loops(monaco, *CASINO, 60, seed=1)[0]
    heritage = {p.id: p for p in heritage_pois(monaco, (7.40, 43.72, 7.44, 43.76))}
    assert best.heritage_stop_count == len(best.stop_ids) > 0
    assert set(best.stop_ids) <= set(heritage)
    assert best.visit_min >= 2 * len(best.stop_ids)


def test_heritage_objective_beats_the_blind_round_trip(monaco):
    """Same starts and durations, averaged: the heritage objective passes more heritage stops."""
    starts = [CASINO, (7.4265, 43.7313), (7.4155, 43.7270), (7.4290, 43.7430)]  # Casino, Musée océanographique,
    heritage = blind = 0                                                       # Fontvieille, Larvotto
    for start in starts:
        for minutes in (60, 120):
            heritage += generate_loops(monaco, *start, minutes, seed=2, variants=1)[0].heritage_stop_count
            blind += generate_loops(monaco, *start, minutes, seed=2, variants=1,
                                    objective="none")[0].heritage_stop_count
    assert heritage >= 1.5 * blind and heritage > 0


def test_the_same_seed_gives_the_same_loops(monaco):
    a = generate_loops(monaco, *CASINO, 60, seed=7, variants=2)
    b = generate_loops(monaco, *CASINO, 60, seed=7, variants=2)
    assert [lp.coords for lp in a] == [lp.coords for lp in b]


def test_andorra_loop_climbs_with_the_dem(andorra):
    best = generate_loops(andorra, *ANDORRA_LA_VELLA, 60, seed=1, variants=1)[0]
    assert all(c[2] is not None for c in best.coords)
    assert 900 < min(c[2] for c in best.coords) < 1400
    assert abs(best.duration_min - 60) <= 9


@pytest.mark.parametrize("start", [(1.5801, 42.5347), (1.5330, 42.5560)], ids=["Canillo", "Ordino"])
def test_andorra_loops_fit_the_duration_from_mountain_villages(andorra, start):
    """1 h, 2 h and 3 h from two villages of a sparse mountain network: the best loop is within 15 % of the
    target, and walks at most 10 % of itself twice or says why."""
    for minutes in (60, 120, 180):
        loops = generate_loops(andorra, *start, minutes, seed=1)
        assert abs(loops[0].duration_min - minutes) <= 0.15 * minutes, (minutes, loops[0].duration_min)
        for loop in loops:
            assert loop.reuse_ratio <= 0.10 or "walked twice" in loop.reuse_note


def test_a_dead_end_start_says_why_it_walks_back(andorra):
    """From the Pic d'Arcalís, a summit at the end of a single path, every loop walks back down the way it
    went up: the loop says so, with the metres that are the only way in and out, and the variants are not
    three copies of the same out-and-back."""
    [peak] = [p for p in PoiStore(andorra).search("Arcalís") if p.name == "Pic d'Arcalís"]
    loops = generate_loops(andorra, peak.lon, peak.lat, 60, seed=1)
    best = loops[0]
    assert best.reuse_ratio > 0.3
    assert "the start is in a cul-de-sac" in best.reuse_note and "network leaves no choice" in best.reuse_note
    metres = int(re.search(r"(\d+) m of paths that are the only way in and out", best.reuse_note)[1])
    assert metres >= 0.5 * best.reuse_ratio * best.length_m
    # the summit's single path gives loops of a few lengths only: when none is within 15 % of the hour, it says so
    if abs(best.duration_min - 60) > 9:
        assert best.fit_note.startswith("no loop within 15 % of 1 h was found: the nearest lasts ")
        assert "dead-end or single paths out and back" in best.fit_note and request_note(loops) == best.fit_note
    else:
        assert not best.fit_note
    for i, a in enumerate(loops):
        for b in loops[:i]:
            assert sum(m for p, m in a.pieces.items() if p in b.pieces) <= MAX_SHARED * sum(a.pieces.values())


def test_monaco_loops_walk_at_most_a_tenth_twice(monaco):
    """Monaco's dense streets leave a choice: from three starts, every one of the three 2 h variants walks at
    most 10 % of its length twice (up to 51 % when walked pieces cost no more) and gives no excuse."""
    for start in (CASINO, (7.4265, 43.7313), (7.4155, 43.7270)):
        loops = generate_loops(monaco, *start, 120, seed=1)
        assert len(loops) == 3
        for loop in loops:
            assert loop.reuse_ratio <= 0.10 and not loop.reuse_note


@pytest.mark.parametrize("kwargs, message", [
    ({"duration_min": 5}, "from 10 min to 12 h"), ({"tolerance": 0.9}, "between 0.01 and 0.5"),
    ({"variants": 9}, "between 1 and 5 variants"), ({"objective": "views"}, "unknown objective"),
    ({"practice": "flying"}, "unknown practice"),
])
def test_bad_requests(monaco, kwargs, message):
    args = {"duration_min": 60, **kwargs}
    minutes = args.pop("duration_min")
    with pytest.raises(LoopError, match=message):
        generate_loops(monaco, *CASINO, minutes, **args)


def test_a_start_far_from_any_path_is_refused(monaco):
    with pytest.raises(LoopError, match="from the nearest path"):
        generate_loops(monaco, 7.45, 43.70, 60)  # 3 km out to sea, 300 m from the network's box


def test_starts(monaco):
    assert resolve_start(monaco, "43.7384,7.4197")[:2] == (7.4197, 43.7384)
    palace = next(p for p in PoiStore(monaco).search("Palais Princier") if p.name == "Palais Princier de Monaco")
    assert resolve_start(monaco, f"poi:{palace.id}") == (palace.lon, palace.lat, palace.name)


def test_cli_dry_run_prints_the_json_and_stores_nothing(runner, db_path):
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "1h", "--dry-run",
                                 "--json", "--variants", "2", "--seed", "1"])
    assert result.exit_code == 0, result.output
    variants = json.loads(result.output)
    assert 1 <= len(variants) <= 2
    for v in variants:
        assert "id" not in v
        assert {"length_m", "duration_min", "ascent_m", "stop_ids", "heritage_stop_count", "reuse_ratio",
                "geometry"} <= set(v)
        assert v["geometry"]["type"] == "LineString" and v["geometry"]["coordinates"][0][:2] == \
            v["geometry"]["coordinates"][-1][:2]
    db = open_db(db_path)
    assert TrailStore(db).count() == 0
    db.conn.close()


def test_cli_stores_draft_loops_with_their_heritage_stops(runner, db_path):
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "1h", "--json",
                                 "--variants", "1", "--seed", "1", "--name", "Boucle du Casino"])
    assert result.exit_code == 0, result.output
    [variant] = json.loads(result.output)
    db = open_db(db_path)
    trail = TrailStore(db).get(variant["id"])
    manual = {s.poi_id for s in TrailStore(db).stops(trail.id) if s.status == "manual"}
    db.conn.close()
    assert trail.name == "Boucle du Casino" and not trail.published and trail.route_type == "loop"
    assert trail.duration_computed_min == variant["cost_model_min"]
    assert manual == set(variant["stop_ids"])


@pytest.mark.parametrize("args, message", [
    (["--from", "43.7384,7.4197", "--duration", "2x"], "2x"),
    (["--from", "poi:99999", "--duration", "1h"], "99999"),
    (["--from", "Atlantis", "--duration", "1h"], "Atlantis"),
    (["--from", "95,7.4", "--duration", "1h"], "latitude,longitude"),
    (["--from", "43.7384,7.4197", "--duration", "1h", "--tolerance", "0.9"], "tolerance"),
])
def test_cli_refusals_are_one_line(runner, db_path, args, message):
    result = runner.invoke(cli, ["trail", "loop", *args])
    assert message in one_line_error(result)


def test_a_stored_loop_shows_the_time_it_was_sized_on(runner, db_path):
    """Monaco, 2 h, three variants stored: the catalogue's time with visits of each stored loop (every live stop
    of its 150 m corridor, not only the heritage ones within 80 m) is the figure the loop was sized on and
    shown with."""
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "2h", "--json",
                                 "--variants", "3", "--seed", "1"])
    variants = json.loads(result.output)
    listed = {r["id"]: r for r in json.loads(runner.invoke(cli, ["trails", "--json"]).output)}
    for variant in variants:
        row = listed[variant["id"]]
        assert row["duration_source"] == "computed" and row["duration_computed_min"] == variant["cost_model_min"]
        assert abs(row["duration_with_visits_min"] - variant["duration_with_visits_min"]) <= 1, (row, variant)
        assert variant["visit_min"] > 5 * variant["heritage_stop_count"]  # the corridor's other stops count too
        assert row["duration_with_visits_min"] > row["duration_min"]


def test_cached_network_gives_the_loops_of_a_fresh_read(db_path, monkeypatch):
    """The network is kept in memory between requests (trails.routing_cache): a second request from the
    same start, after one from elsewhere (which cut its own start into the network), gets exactly the loops
    of the first, and so does a request that reads the network afresh."""
    db = open_db(db_path)
    routing_cache._cache.clear()
    first = generate_loops(db, *CASINO, 60, seed=3)
    generate_loops(db, 7.4155, 43.7270, 90, seed=3)  # from Fontvieille
    assert len(routing_cache._cache) == 1
    again = generate_loops(db, *CASINO, 60, seed=3)
    assert [(lp.coords, lp.stop_ids) for lp in again] == [(lp.coords, lp.stop_ids) for lp in first]
    monkeypatch.setattr(routing_cache, "MAX_CACHED_EDGES", 0)  # read per request, in the box around it
    routing_cache._cache.clear()
    fresh = generate_loops(db, *CASINO, 60, seed=3)
    assert not routing_cache._cache
    assert [lp.stop_ids for lp in fresh] == [lp.stop_ids for lp in first]
    assert [lp.length_m for lp in fresh] == pytest.approx([lp.length_m for lp in first], rel=0.02)
    db.conn.close()


def test_a_dem_import_is_seen_by_the_next_loop(db_path):
    """Monaco climbs from the sea to 150 m: once its DEM is imported the loop's walking time (Tobler's
    function on the slopes) changes, without restarting anything."""
    db = open_db(db_path)
    flat = generate_loops(db, *CASINO, 60, seed=3, variants=1)[0]
    import_dem(db, MONACO_DEM)
    hilly = generate_loops(db, *CASINO, 60, seed=3, variants=1)[0]
    assert len(routing_cache._cache) <= routing_cache.MAX_CACHED
    assert hilly.walking_min / hilly.length_m != pytest.approx(flat.walking_min / flat.length_m, rel=0.01)
    db.conn.close()


# -- sized on the walker's time, and saying why when nothing fits ------------------------------------------------
def test_json_duration_is_the_walker_time_the_loop_was_sized_on(runner, db_path):
    """Monaco, 2 h: ``duration_min`` (what the loop was sized on) is ``duration_with_visits_min`` (the
    catalogue's walker's time: walking at the calibrated pace + start and finish + visits), and its parts
    add up."""
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "2h", "--json",
                                 "--variants", "2", "--seed", "1", "--dry-run"])
    assert result.exit_code == 0, result.output
    for v in json.loads(result.output):
        assert v["duration_min"] == v["duration_with_visits_min"]
        assert abs(v["duration_min"] - (v["walking_min"] + v["start_end_min"] + v["visit_min"])) <= 1
        assert v["start_end_min"] == 28 and v["cost_model_min"] > v["walking_min"]  # cost model: 3.8 km/h
        assert v["duration_min"] == round(walker_min(v["length_m"], v["ascent_m"] or 0, v["descent_m"] or 0,
                                                     visit_min=v["visit_min"]))
    assert json.loads(result.output)[0]["fits"] is True and "fit_note" not in json.loads(result.output)[0]


def test_a_walk_shorter_than_start_and_finish_is_refused(monaco):
    with pytest.raises(LoopError, match="on foot a loop lasts at least 38 min"):
        generate_loops(monaco, *CASINO, 30)
    assert generate_loops(monaco, *CASINO, 30, practice="cycling", variants=1)  # timed by the cost model


def test_when_no_loop_fits_the_request_and_each_variant_say_why(monaco, runner, db_path):
    """Monaco's streets end at the border of the extract: 8 h from the Casino cannot be walked without
    retracing, the nearest loop lasts about 5 h, and the answer says so (not silently)."""
    loops = generate_loops(monaco, *CASINO, 480, seed=1)
    assert all(abs(lp.duration_min - 480) > 0.15 * 480 for lp in loops)
    for lp in loops:
        assert lp.fit_note.startswith("no loop within 15 % of 8 h was found: the nearest lasts ")
        assert "no longer round (a small or cut-off network" in lp.fit_note
    assert request_note(loops) == loops[0].fit_note
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "8h", "--seed", "1",
                                 "--dry-run"])
    assert result.exit_code == 0 and result.output.splitlines()[0] == loops[0].fit_note
    result = runner.invoke(cli, ["trail", "loop", "--from", "43.7384,7.4197", "--duration", "8h", "--seed", "1",
                                 "--dry-run", "--json"])
    assert all(not v["fits"] and v["fit_note"] for v in json.loads(result.output))


def test_reuse_is_explained_by_the_part_of_the_network_that_forces_it(andorra):
    """From the Black Bull Bar of Arinsal (1.4837, 42.5721), 3 h: the start is at the end of a cul-de-sac and
    the valley has one path each way. The variant within 15 % says which part of the network makes it walk
    half of itself twice; the distinct variants that miss the duration say it is for being distinct."""
    loops = generate_loops(andorra, 1.4837, 42.5721, 180, seed=0)
    assert [abs(lp.duration_min - 180) <= 27 for lp in loops].count(True) >= 1 and not request_note(loops)
    for lp in loops:
        if lp.reuse_ratio > 0.10:
            assert "the start is in a cul-de-sac" in lp.reuse_note or "the only way in and out" in lp.reuse_note \
                or "other way round it is" in lp.reuse_note, lp.reuse_note
            assert "no loop of this duration was found" not in lp.reuse_note
        if abs(lp.duration_min - 180) > 27:
            assert lp.fit_note.startswith("no other loop within 15 % of 3 h was found that shares at most half")
    best = loops[0]
    metres = int(re.search(r"and (\d+) m of paths that are the only way in and out", best.reuse_note)[1])
    assert 0 < metres < best.reuse_ratio * best.length_m
    assert re.search(r"Beyond that, the longest stretch walked twice is \d+ m on .*, and the network's other way "
                     r"round it is \d+\.\d km longer", best.reuse_note)


def test_a_heritage_poi_half_way_along_a_path_is_a_target(andorra):
    """Andorra la Vella, 2 h: the church of Sant Andreu lies beside a street, more than 80 m from any junction;
    its foot is cut into the network so the heuristic aims at it (a cluster on a new node), and the best loop
    passes it."""
    from trails.loop_setting import LoopSetting
    from trails.loops import walking_budget_s

    setting = LoopSetting(andorra, *ANDORRA_LA_VELLA, walking_budget_s(120), "walking", (), 1.5)
    names = {p.id: p.name for p in setting.pois}
    targets = {node: {names[i] for i in setting.cluster_pois[node]} for node, _s, _d in setting.clusters()}
    assert any(node < 0 and "Sant Andreu" in pois for node, pois in targets.items()), targets
    best = generate_loops(andorra, *ANDORRA_LA_VELLA, 120, seed=1)[0]
    assert "Sant Andreu" in {names.get(i) for i in best.stop_ids}
