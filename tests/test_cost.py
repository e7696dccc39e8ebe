"""The cost model (trails.cost): Tobler's hiking function, way factors, access per practice, and what it does
to routes over the real Monaco network (tests/data/sources/osm/monaco_graphhopper.osm.gz)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from poi.importers import import_file
from poi.network import import_osm_map
from trails import graph
from trails.cost import DIN_FLAT_KMH, WALK_FLAT_KMH, access, edge_times_h, walking_kmh, way_factor
from trails.metrics import duration_din33466_min
from trails.routing import route_trail

from helpers import open_db

MONACO = Path(__file__).parent / "data" / "sources" / "osm" / "monaco_graphhopper.osm.gz"


def tobler_min(length_m: float, profile: list[tuple[float, float]]) -> float:
    """Minutes for ``length_m`` split in parts ``(share, slope)`` (the edge_times_h of a straight profile)."""
    xs, hs, x, h = [0.0], [0.0], 0.0, 0.0
    for share, slope in profile:
        x += share * length_m
        h += share * length_m * slope
        xs.append(x)
        hs.append(h)
    xy = np.column_stack([xs, np.zeros(len(xs))])
    fwd, _back = edge_times_h(xy, np.array(hs), np.array([0]), np.ones(1))
    return float(fwd[0]) * 60


@pytest.mark.parametrize("length_km, ascent_m", [(10, 0), (8, 50), (10, 100), (10, 150), (6, 90), (15, 200)])
def test_tobler_agrees_with_din33466_on_ordinary_terrain(length_km, ascent_m):
    """Up then down the same height, flat to 15 m of climb per km: within 12 % of DIN 33466."""
    slope = ascent_m / (length_km * 500)
    tobler = tobler_min(length_km * 1000, [(0.5, slope), (0.5, -slope)])
    din = duration_din33466_min(length_km * 1000, ascent_m, ascent_m)
    assert tobler == pytest.approx(din, rel=0.12)


def test_tobler_on_the_flat_is_din_speed_and_steep_climbs_are_slower():
    assert walking_kmh(0.0) == pytest.approx(WALK_FLAT_KMH) and abs(WALK_FLAT_KMH / DIN_FLAT_KMH - 1) <= 0.051
    assert walking_kmh(0.3) < walking_kmh(0.1) < walking_kmh(0.0) < walking_kmh(-0.05)
    assert walking_kmh(-0.3) < walking_kmh(-0.05)  # steep descents are slow too


@pytest.mark.parametrize("highway, tags, factor", [
    ("path", {}, 1.0), ("path", {"sac_scale": "demanding_mountain_hiking"}, 1.5),
    ("track", {"surface": "gravel"}, 1.05), ("path", {"surface": "scree", "sac_scale": "alpine_hiking"}, 2.6),
    ("steps", {}, 1.5),
])
def test_way_factors(highway, tags, factor):
    assert way_factor(highway, tags) == pytest.approx(factor)


@pytest.mark.parametrize("highway, tags, practice, expected", [
    ("footway", {}, "walking", (True, True)),
    ("footway", {}, "cycling", (False, False)),
    ("footway", {"bicycle": "yes"}, "cycling", (True, True)),
    ("steps", {}, "mountain_bike", (False, False)),
    ("steps", {}, "horse_riding", (False, False)),
    ("cycleway", {}, "horse_riding", (False, False)),
    ("track", {"horse": "no"}, "horse_riding", (False, False)),
    ("track", {"access": "private"}, "walking", (False, False)),
    ("track", {"access": "no", "foot": "yes"}, "walking", (True, True)),
    ("path", {"mtb": "yes", "bicycle": "no"}, "mountain_bike", (True, True)),
    ("path", {"bicycle": "no"}, "mountain_bike", (False, False)),
    ("residential", {"oneway": "yes"}, "cycling", (True, False)),
    ("residential", {"oneway": "-1"}, "mountain_bike", (False, True)),
    ("residential", {"oneway": "yes", "oneway:bicycle": "no"}, "cycling", (True, True)),
    ("residential", {"oneway": "yes"}, "walking", (True, True)),
    ("residential", {"oneway": "yes"}, "horse_riding", (True, True)),
])
def test_access_per_practice(highway, tags, practice, expected):
    assert access(highway, tags, practice) == expected


@pytest.fixture(scope="module")
def monaco(tmp_path_factory):
    path = tmp_path_factory.mktemp("monaco") / "balise.db"
    db = open_db(path)
    import_file(db, MONACO, format="osm")
    import_osm_map(db, MONACO)
    yield db
    db.conn.close()


def test_the_network_keeps_the_tags_routing_reads(monaco):
    tags = [t for (t,) in monaco.execute("SELECT tags FROM path_edges WHERE tags != '{}'")]
    assert len(tags) > 100
    assert monaco.execute("SELECT COUNT(*) FROM path_edges WHERE tags LIKE '%\"oneway\":\"yes\"%'").fetchone()[0]


def road_m(trail) -> float:
    """Metres walked on highway classes a walker pays extra for."""
    return sum(m for highway, m in trail.routing["highways_m"].items()
               if graph.WALKING_FACTORS.get(highway, graph.DEFAULT_FACTOR) > 1.0)


def test_walkers_avoid_roads_and_the_test_fails_without_road_costs(monaco, monkeypatch):
    """Palais princier -> Musée océanographique: the walk takes the old town's lanes; with every road class
    costing like a path it takes more road."""
    walk = route_trail(monaco, [121, 119], name="walk")
    monkeypatch.setitem(graph.PRACTICE_FACTORS, "walking", dict.fromkeys(graph.WALKING_FACTORS, 1.0))
    blind = route_trail(monaco, [121, 119], name="blind")
    assert road_m(walk) < road_m(blind) - 50


def test_cyclists_take_no_steps_and_no_one_way_street_backwards(monaco):
    walk = route_trail(monaco, [121, 69], name="walk")
    ride = route_trail(monaco, [121, 69], name="ride", practice="cycling")
    assert walk.routing["highways_m"].get("steps", 0) > 0
    assert "steps" not in ride.routing["highways_m"]
    assert "footway" not in ride.routing["highways_m"]
    assert ride.routing["time_min"] < walk.routing["time_min"]


def test_a_loop_through_pois_does_not_walk_back_the_way_it_came(monaco, monkeypatch):
    """The Rocher loop (Palais, Cathédrale, Musée): the way back takes other streets."""
    loop = route_trail(monaco, [121, 122, 119], name="loop", loop=True)
    assert loop.routing["reuse_ratio"] <= 0.12  # the dead-end lane to the palace's square, twice
    monkeypatch.setattr(graph, "REUSE_PENALTY", 1.0)
    monkeypatch.setattr(graph, "NEAR_PENALTY", 1.0)
    monkeypatch.setattr("trails.routing.LOOP_SNAP_FACTORS", ())  # nor routed again round the POIs
    retraced = route_trail(monaco, [121, 122, 119], name="retraced", loop=True)
    assert retraced.routing["reuse_ratio"] > 0.3
