"""Corridor attachment (trails/corridor.py) on real traces and real guideposts.

POIs "beside" the trace are placed with ``pyproj.Geod.fwd`` from the middle of a
real edge, perpendicular to it, so their offset and distance along are known
independently of the projection the code under test uses.
"""
from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from helpers import DATA, assert_close_m
from poi.geo import GEOD, Projector, geodesic_length_m
from poi.gpxfile import parse_gpx
from poi.i18n import language
from poi.models import POI
from poi.store import PoiStore
from trails.corridor import CHUNK_M, Candidate, _Corridor, attach_pois, attach_stops, find_stops
from trails.errors import NotFoundError, TraceError
from trails.models import Trail
from trails.store import TrailStore

CORRIDOR = DATA / "corridor"
LE_MANS = CORRIDOR / "fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx"  # 13.2 km loop, 17 points, Lambert-93
OSLO = CORRIDOR / "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx"  # 22.2 km, 997 points, UTM 32N
PADERBORN = CORRIDOR / "de-paderborn_wahoo-element-bolt_4seg_gpsbabel.gpx"  # 4 segments, 2 stationary


def segments_of(path) -> list[list[tuple]]:
    gpx = parse_gpx(path)
    return [[(p.longitude, p.latitude, p.elevation) for p in seg.points]
            for trk in gpx.tracks for seg in trk.segments if seg.points]


def beside(coords, i: int, offset_m: float, fraction: float = 0.5) -> tuple[float, float, float]:
    """A point ``fraction`` of the way along edge i, ``offset_m`` to its right (negative: left).

    Returns ``(lon, lat, distance_along_m)`` with the distance along measured geodesically
    from ``coords[0]``.
    """
    (lon1, lat1), (lon2, lat2) = coords[i][:2], coords[i + 1][:2]
    az, _, edge_m = GEOD.inv(lon1, lat1, lon2, lat2)
    lon, lat, back_az = GEOD.fwd(lon1, lat1, az, edge_m * fraction)
    heading = back_az + 180.0
    if offset_m:
        lon, lat, _ = GEOD.fwd(lon, lat, heading + (90.0 if offset_m > 0 else -90.0), abs(offset_m))
    return lon, lat, geodesic_length_m(coords[:i + 1]) + edge_m * fraction


def add_poi(store: PoiStore, name: str, lon: float, lat: float) -> int:
    """A POI with a text to tell: attached ``auto`` wherever it stands in the corridor (trails.curation)."""
    return store.upsert(POI(name=name, lon=lon, lat=lat, source="test", source_id=name,
                            description=f"<p>{name}: what walkers read when they stop here.</p>"))[1]


def by_id(candidates: list[Candidate]) -> dict[int, Candidate]:
    return {c.poi_id: c for c in candidates}


# -- width, side, distance along, in two projections ---------------------------------------------
@pytest.mark.parametrize("path, edges, epsg", [
    (LE_MANS, [4, 6, 7, 8, 9], 2154),  # edges of 0.8-2 km
    (OSLO, [142, 390, 883], 32632),  # straight GPS stretches with no other part of the track near
])
def test_width_side_and_distance_along(store, path, edges, epsg):
    [coords] = segments_of(path)
    assert Projector.for_coords(coords).epsg == epsg  # no CRS is hard-coded: each place gets its own
    expected = {}
    for i in edges:
        for offset_m in (100.0, -100.0, 200.0, -200.0, 0.0, 149.0, -149.0):
            lon, lat, along_m = beside(coords, i, offset_m)
            pid = add_poi(store, f"{i} {offset_m}", lon, lat)
            expected[pid] = (offset_m, along_m)
    found = by_id(find_stops(Trail(name="t", segments=[coords]), store, width_m=150.0))
    assert set(found) == {pid for pid, (off, _) in expected.items() if abs(off) <= 150}
    for pid, c in found.items():
        offset_m, along_m = expected[pid]
        assert_close_m(c.offset_m, offset_m, tol_m=0.5)  # left of the walking direction is negative
        assert_close_m(c.distance_m, abs(offset_m), tol_m=0.5)
        assert_close_m(c.distance_along_m, along_m, tol_m=2.0)


def test_stops_are_ordered_along_the_trail(store):
    [coords] = segments_of(LE_MANS)
    placed = []
    for i in (12, 3, 8, 0, 15):  # inserted out of order
        for fraction in (0.7, 0.2):
            lon, lat, _ = beside(coords, i, 30.0, fraction)
            placed.append((i, fraction, add_poi(store, f"{i} {fraction}", lon, lat)))
    stops = find_stops(Trail(name="t", segments=[coords]), store)
    assert [c.poi_id for c in stops] == [pid for _, _, pid in sorted(placed)]
    alongs = [c.distance_along_m for c in stops]
    assert alongs == sorted(alongs)


def test_matches_a_geodesic_brute_force(store):
    """Random POIs around a real trace: same answer as geodesic distances to a 5 m densified trace."""
    [coords] = segments_of(LE_MANS)
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    rng = random.Random(72)
    pois = {}
    for k in range(400):
        i = rng.randrange(len(coords) - 1)
        lon, lat, _ = beside(coords, i, rng.uniform(-260, 260), rng.random())
        pois[add_poi(store, f"r{k}", lon, lat)] = (lon, lat)
    dense_lon, dense_lat = [], []
    for a, b in zip(coords[:-1], coords[1:]):
        n = max(1, int(GEOD.inv(a[0], a[1], b[0], b[1])[2] // 5))
        dense_lon.append(a[0])
        dense_lat.append(a[1])
        for lon, lat in GEOD.npts(a[0], a[1], b[0], b[1], n):
            dense_lon.append(lon)
            dense_lat.append(lat)
    dense_lon, dense_lat = np.array(dense_lon + [lons[-1]]), np.array(dense_lat + [lats[-1]])
    found = by_id(find_stops(Trail(name="t", segments=[coords]), store, width_m=150.0))
    checked = 0
    for pid, (lon, lat) in pois.items():
        d = GEOD.inv(np.full(dense_lon.shape, lon), np.full(dense_lat.shape, lat), dense_lon, dense_lat)[2].min()
        if abs(d - 150.0) < 1.0:
            continue  # too close to the edge for a 5 m densified oracle
        assert (pid in found) == (d < 150.0), (pid, d)
        if pid in found:
            # the oracle samples every 5 m: up to 2.5 m too long right by the trace
            assert_close_m(found[pid].distance_m, d, tol_m=0.5 if d > 30 else 2.6)
            checked += 1
    assert checked > 100


def test_long_trail_is_queried_in_chunks(store):
    [coords] = segments_of(OSLO)
    trail = Trail(name="Oslo", segments=[coords])
    boxes = _Corridor(trail).query_boxes(150.0)
    assert len(boxes) >= geodesic_length_m(coords) // CHUNK_M  # 22 km: ~15 small boxes, not one big one
    for min_lon, min_lat, max_lon, max_lat in boxes:  # each no wider than its chunk plus the corridor
        assert (max_lat - min_lat) * 111_000 < CHUNK_M + 2 * 150 * 1.05
        assert (max_lon - min_lon) * 111_000 * math.cos(math.radians(max_lat)) < CHUNK_M + 2 * 150 * 1.05
    for i in range(0, len(coords) - 1, 50):  # every part of the trace is covered
        lon, lat, _ = beside(coords, i, 0.0)
        assert any(b[0] <= lon <= b[2] and b[1] <= lat <= b[3] for b in boxes)
    for i in range(0, len(coords) - 1, 97):
        lon, lat, _ = beside(coords, i, 0.0)
        add_poi(store, f"on {i}", lon, lat)
    assert len(find_stops(trail, store)) == len(range(0, len(coords) - 1, 97))


# -- loops, out-and-back, several segments ---------------------------------------------------------
def test_loop_poi_goes_to_the_nearest_part(store):
    [coords] = segments_of(LE_MANS)  # closed loop: the last point is the first one
    length_m = geodesic_length_m(coords)
    lon, lat, _ = beside(coords, 0, 40.0, 0.05)  # 27 m after the start
    after_start = add_poi(store, "after start", lon, lat)
    lon, lat, _ = beside(coords, len(coords) - 2, 40.0, 0.95)  # 21 m before the end
    before_end = add_poi(store, "before end", lon, lat)
    found = by_id(find_stops(Trail(name="loop", segments=[coords]), store))
    assert_close_m(found[after_start].distance_along_m, 27.4, tol_m=1.0)
    assert_close_m(found[before_end].distance_along_m, length_m - 20.7, tol_m=1.0)


def test_out_and_back_tie_goes_to_the_way_out(store):
    [coords] = segments_of(LE_MANS)
    there_and_back = [coords[6], coords[7], coords[6]]
    lon, lat, along_m = beside(there_and_back, 0, 60.0)
    pid = add_poi(store, "by the path", lon, lat)
    [c] = find_stops(Trail(name="out and back", segments=[there_and_back]), store)
    assert c.poi_id == pid
    assert_close_m(c.distance_along_m, along_m, tol_m=2.0)  # not 2 km later, on the way back
    assert_close_m(c.offset_m, 60.0)


def test_segments_count_in_order_and_gaps_do_not(store):
    [coords] = segments_of(LE_MANS)
    first, second = coords[0:7], coords[7:]  # the 2 km between points 6 and 7 are not walked
    lon, lat, along_in_second = beside(second, 2, -80.0)
    pid = add_poi(store, "in the second segment", lon, lat)
    lon, lat, _ = beside(coords, 6, 0.0)  # in the gap, 1 km from both segments
    gap = add_poi(store, "in the gap", lon, lat)
    found = by_id(find_stops(Trail(name="two", segments=[first, second]), store))
    assert gap not in found
    assert_close_m(found[pid].distance_along_m, geodesic_length_m(first) + along_in_second, tol_m=2.0)
    assert_close_m(found[pid].offset_m, -80.0)


def test_stationary_segments_are_skipped(store):
    segments = segments_of(PADERBORN)  # segments 2 and 4 are a bike standing still
    assert [len(s) for s in segments] == [315, 6, 775, 5]
    third = segments[2]
    i = max(range(len(third) - 1), key=lambda k: GEOD.inv(*third[k][:2], *third[k + 1][:2])[2])
    lon, lat, along_m = beside(third, i, 20.0)
    pid = add_poi(store, "beside the third segment", lon, lat)
    found = by_id(find_stops(Trail(name="four", segments=segments), store))
    assert_close_m(found[pid].distance_along_m, geodesic_length_m(segments[0]) + along_m, tol_m=2.0)


# -- real POIs: the guideposts of a real hiking node network ---------------------------------------
def lermuse_trail_and_guideposts(store) -> tuple[Trail, list[float], dict[int, str]]:
    legs = json.loads((CORRIDOR / "ardeche_lermuse_two-legs_node-network.geojson").read_text())["features"]
    by_name = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in legs}
    to_lermuse = [tuple(p) for p in reversed(by_name["La Lermuse - Le Saint-Vincent"])]
    to_le_mas = [tuple(p) for p in by_name["La Lermuse - Le Mas"]]
    trace = to_lermuse + to_le_mas[1:]  # Le Saint-Vincent -> La Lermuse -> Le Mas
    posts = json.loads((CORRIDOR / "ardeche_lermuse_guideposts_within_1500m.geojson").read_text())["features"]
    names = {}
    for f in posts:
        lon, lat = f["geometry"]["coordinates"]
        pid = store.upsert(POI(name=f["properties"]["name"], lon=lon, lat=lat, category="information",
                               source="osm", source_id=f["id"]))[1]
        names[pid] = f["properties"]["name"]
    legs_m = [geodesic_length_m(to_lermuse), geodesic_length_m(trace)]
    return Trail(name="Le Saint-Vincent - Le Mas", segments=[trace]), legs_m, names


def test_real_guideposts_of_a_node_network(store):
    trail, (lermuse_m, total_m), names = lermuse_trail_and_guideposts(store)
    stops = find_stops(trail, store, width_m=150.0)
    assert [names[c.poi_id] for c in stops] == ["Le Saint-Vincent", "La Lermuse", "Le Mas"]
    assert [round(c.distance_m) for c in stops] == [7, 2, 5]  # each post stands by its junction
    for c, along_m in zip(stops, [0.0, lermuse_m, total_m]):
        assert_close_m(c.distance_along_m, along_m, tol_m=10.0)
    wider = [names[c.poi_id] for c in find_stops(trail, store, width_m=250.0)]
    assert {"Gamond", "Pont de Gamond"} < set(wider)  # 170-225 m off the path


# -- keeping stops current in the database ---------------------------------------------------------
@pytest.fixture
def saved(db):
    """The Le Mans loop saved, with POIs at 50 m (in), 120 m (in) and 300 m (out)."""
    [coords] = segments_of(LE_MANS)
    store = PoiStore(db)
    ids = {}
    for name, i, offset_m in (("near", 4, 50.0), ("farther", 8, -120.0), ("out", 9, 300.0)):
        lon, lat, _ = beside(coords, i, offset_m)
        ids[name] = add_poi(store, name, lon, lat)
    trail = Trail(name="Le Mans", segments=[coords])
    TrailStore(db).save(trail)
    return trail, ids


def stops_by_poi(db, trail) -> dict[int, tuple[str, float, float]]:
    return {s.poi_id: (s.status, s.distance_along_m, s.offset_m)
            for s in TrailStore(db).stops(trail.id, include_removed=True)}


def test_attach_stops_is_idempotent(db, saved):
    trail, ids = saved
    assert attach_stops(db, trail) == 2
    first = stops_by_poi(db, trail)
    assert set(first) == {ids["near"], ids["farther"]}
    assert first[ids["near"]][0] == "auto" and first[ids["farther"]][2] == pytest.approx(-120, abs=0.5)
    assert attach_stops(db, trail) == 0
    assert stops_by_poi(db, trail) == first
    assert [s.position for s in TrailStore(db).stops(trail.id)] == [0, 1]


def test_a_removed_stop_stays_removed(db, saved):
    trail, ids = saved
    attach_stops(db, trail)
    TrailStore(db).set_stop_status(trail.id, ids["near"], "removed")
    assert attach_stops(db, trail) == 0
    assert attach_pois(db, ids.values()) == 0
    assert stops_by_poi(db, trail)[ids["near"]][0] == "removed"
    assert [s.poi_id for s in TrailStore(db).stops(trail.id)] == [ids["farther"]]


def test_a_manual_stop_keeps_its_place(db, saved):
    trail, ids = saved
    attach_stops(db, trail)
    store = TrailStore(db)
    store.set_stop_status(trail.id, ids["farther"], "manual")
    before = stops_by_poi(db, trail)
    trail.segments = [trail.segments[0][3:]]  # trace edited: starts 1.6 km later
    store.save(trail)
    attach_stops(db, trail)
    after = stops_by_poi(db, trail)
    assert after[ids["farther"]] == before[ids["farther"]]  # manual: status and place kept
    assert after[ids["near"]][1] < before[ids["near"]][1] - 1000  # auto: moved with the trace


def test_auto_stops_follow_an_edited_trace(db, saved):
    trail, ids = saved
    attach_stops(db, trail)
    before = stops_by_poi(db, trail)
    cut_m = geodesic_length_m(trail.segments[0][:4])
    trail.segments = [trail.segments[0][3:]]
    TrailStore(db).save(trail)
    assert attach_stops(db, trail) == 0
    after = stops_by_poi(db, trail)
    for pid in before:
        assert_close_m(after[pid][1], before[pid][1] - cut_m, tol_m=0.05)
        assert after[pid][2] == before[pid][2]


def test_auto_stops_that_left_the_corridor_are_dropped(db, saved):
    trail, ids = saved
    attach_stops(db, trail)
    TrailStore(db).set_stop_status(trail.id, ids["near"], "removed")
    trail.segments = [trail.segments[0][6:]]  # edge 4 (the "near" POI) is no longer walked
    TrailStore(db).save(trail)
    attach_stops(db, trail)
    assert stops_by_poi(db, trail)[ids["near"]][0] == "removed"  # staff decisions are kept
    [coords] = segments_of(LE_MANS)
    trail.segments = [coords[9:]]
    TrailStore(db).save(trail)
    attach_stops(db, trail)
    assert ids["farther"] not in stops_by_poi(db, trail)


def test_attach_pois_goes_to_the_right_trails(db):
    [le_mans], [oslo] = segments_of(LE_MANS), segments_of(OSLO)
    trails = TrailStore(db)
    loop, oslo_trail = Trail(name="Le Mans", segments=[le_mans]), Trail(name="Oslo", segments=[oslo])
    trails.save(loop)
    trails.save(oslo_trail)
    store = PoiStore(db)
    new = [add_poi(store, "le mans", *beside(le_mans, 6, 90.0)[:2]),
           add_poi(store, "oslo", *beside(oslo, 390, -90.0)[:2]),
           add_poi(store, "nowhere", 2.35, 48.85)]
    assert attach_pois(db, new) == 2
    assert [s.poi_id for s in trails.stops(loop.id)] == [new[0]]
    assert [(s.poi_id, round(s.offset_m)) for s in trails.stops(oslo_trail.id)] == [(new[1], -90)]
    assert attach_pois(db, new) == 0
    assert attach_stops(db, loop) == 0  # both ways agree


def test_attach_pois_reads_in_batches(db, saved, monkeypatch):
    trail, ids = saved
    monkeypatch.setattr("trails.corridor._BATCH", 1)
    assert attach_pois(db, [*ids.values(), ids["near"]]) == 2
    assert [s.poi_id for s in TrailStore(db).stops(trail.id)] == [ids["near"], ids["farther"]]


def test_attach_pois_keeps_other_stops(db, saved):
    trail, ids = saved
    attach_stops(db, trail)
    [coords] = segments_of(LE_MANS)
    new = add_poi(PoiStore(db), "new", *beside(coords, 1, 10.0)[:2])
    assert attach_pois(db, [new]) == 1
    assert [s.poi_id for s in TrailStore(db).stops(trail.id)] == [new, ids["near"], ids["farther"]]


@pytest.mark.parametrize("lang, words", [("en", ("save it", "no trail with id 99", "positive number of metres")),
                                          ("fr", ("enregistrez-le", "aucun circuit d'identifiant 99",
                                                  "nombre positif de mètres"))])
def test_bad_calls_say_what_to_do(db, store, lang, words):
    [coords] = segments_of(LE_MANS)
    lon, lat, _ = beside(coords, 4, 10.0)
    add_poi(store, "by edge 4", lon, lat)
    with language(lang):
        with pytest.raises(TraceError, match=words[0]):
            attach_stops(db, Trail(name="unsaved", segments=[coords]))
        with pytest.raises(NotFoundError, match=words[1]):
            attach_stops(db, Trail(name="never saved", segments=[coords], id=99))
        for width in (0, -5, float("nan")):
            with pytest.raises(TraceError, match=words[2]):
                find_stops(Trail(name="t", segments=[coords]), store, width_m=width)
    assert find_stops(Trail(name="one point", segments=[[coords[0]]]), store) == []
