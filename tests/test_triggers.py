"""Trigger points (trails.triggers): every stop of a trail can fire for a walker who follows it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import LineString, MultiLineString, Point

from poi.geo import GEOD, Projector
from poi.models import POI
from trails.errors import TraceError
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore
from trails.triggers import AT_POI_FRACTION, MIN_RADIUS_M, TrailLine, check_trigger_along, trigger_of, triggers

from helpers import open_db

DATA = Path(__file__).parent / "data" / "bundle"


def circuit() -> Trail:
    feature = json.loads((DATA / "cevennes_barre-des-cevennes_loop_3.7km.geojson").read_text(encoding="utf-8"))
    coords = [(c[0], c[1], None) for c in feature["features"][0]["geometry"]["coordinates"]]
    return Trail(name="Barre", segments=[coords], id=1)


def metric_line(trail: Trail):
    proj = Projector.for_coords(trail.coords)
    return proj, MultiLineString([[proj.to_metric(p[0], p[1]) for p in seg] for seg in trail.segments])


def offset_poi(trail: Trail, along_m: float, offset_m: float, category: str = "castle") -> TrailStop:
    """A POI ``offset_m`` metres to the right (> 0) or left (< 0) of the trail at ``along_m``."""
    proj, line = metric_line(trail)
    single = LineString(line.geoms[0].coords)
    a, b = single.interpolate(along_m - 2), single.interpolate(along_m + 2)
    dx, dy = b.x - a.x, b.y - a.y
    n = (dx * dx + dy * dy) ** 0.5
    foot = single.interpolate(along_m)
    x, y = foot.x + dy / n * offset_m, foot.y - dx / n * offset_m  # (dy, -dx): the right-hand normal
    lon, lat = proj.to_wgs84(x, y)
    return TrailStop(Stop(1, 1, along_m, offset_m), POI("Château", lon, lat, category=category, id=1))


@pytest.mark.parametrize("offset_m, on_trail", [(0.0, False), (20.0, False), (-25.0, False), (30.0, True),
                                                (-120.0, True), (140.0, True)])
def test_the_poi_is_its_own_trigger_within_half_its_radius_else_the_nearest_point_of_the_trail(offset_m, on_trail):
    trail = circuit()
    item = offset_poi(trail, 900.0, offset_m)  # castle: radius 50 m
    t = trigger_of(TrailLine(trail), item)
    assert t.on_trail is on_trail and t.radius_m == 50.0
    proj, line = metric_line(trail)
    to_trail = line.distance(Point(proj.to_metric(t.lon, t.lat)))
    assert to_trail <= AT_POI_FRACTION * t.radius_m + 0.5
    if on_trail:
        assert to_trail < 0.5 and t.along_m == pytest.approx(900.0)
        assert t.poi_offset_m == pytest.approx(offset_m, abs=1.5)  # sign: left < 0 < right
    else:
        assert (t.lon, t.lat, t.poi_offset_m) == (item.poi.lon, item.poi.lat, 0.0)


def test_staff_moves_the_trigger_along_the_trail_and_the_card_still_says_where_the_poi_is():
    trail = circuit()
    stop, poi = offset_poi(trail, 900.0, -120.0)
    moved = trigger_of(TrailLine(trail), TrailStop(Stop(1, 1, 900.0, -120.0, trigger_along_m=850.0), poi))
    assert moved.moved and moved.on_trail and moved.along_m == 850.0
    _, _, d = GEOD.inv(moved.lon, moved.lat, poi.lon, poi.lat)
    assert abs(moved.poi_offset_m) == pytest.approx(d, abs=0.5) and moved.poi_offset_m < 0
    beyond = trigger_of(TrailLine(trail), TrailStop(Stop(1, 1, 900.0, -120.0, trigger_along_m=1e6), poi))
    assert beyond.along_m == pytest.approx(TrailLine(trail).length_m)  # clamped to the trail's end
    with pytest.raises(TraceError):
        check_trigger_along(trail, 1e6)
    with pytest.raises(TraceError):
        check_trigger_along(trail, -5.0)


def test_a_radius_too_small_for_gps_is_raised():
    trail = circuit()
    stop, poi = offset_poi(trail, 900.0, 0.0)
    t = trigger_of(TrailLine(trail), TrailStop(Stop(1, 1, 900.0, 0.0, trigger_radius_m=5.0), poi))
    assert t.radius_m == MIN_RADIUS_M


def test_gaps_between_segments_are_not_walked():
    a = [(3.0, 44.0, None), (3.0, 44.01, None)]
    b = [(3.01, 44.01, None), (3.01, 44.02, None)]  # starts ~800 m east of a's end
    line = TrailLine(Trail(name="two", segments=[a, b]))
    assert line.length_m == pytest.approx(2 * 1111.2, abs=1)
    lon, lat, _ = line.point_at(1111.2 + 100)
    assert lon == pytest.approx(3.01) and lat == pytest.approx(44.01 + 100 / 111_130, abs=2e-5)


def test_the_trigger_point_is_stored_and_read_back():
    db = open_db(":memory:")
    trail = circuit()
    trail.id = None
    TrailStore(db).save(trail)
    from poi.store import PoiStore
    _, pid = PoiStore(db).upsert(POI("Château", 3.66, 44.25, source="t", source_id="1"))
    TrailStore(db).upsert_stops([Stop(trail.id, pid, 900.0, -120.0)])
    TrailStore(db).set_stop_trigger_along(trail.id, pid, 850.0)
    [stop] = TrailStore(db).stops(trail.id)
    assert stop.trigger_along_m == 850.0
    TrailStore(db).set_stop_trigger_along(trail.id, pid, None)
    assert TrailStore(db).stops(trail.id)[0].trigger_along_m is None


# -- the demo catalogue --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from webapp.demo import build_demo
    db = open_db(tmp_path_factory.mktemp("demo") / "balise.db")
    build_demo(db)
    yield db
    db.conn.close()


def test_every_stop_of_the_demo_can_fire_for_a_walker_on_the_trail(demo):
    store = TrailStore(demo)
    stops = poi_beyond = unfireable = 0
    for trail in store.all():
        items = store.stops_with_pois(trail.id)
        if not items or not trail.coords:
            continue
        proj, line = metric_line(Trail(name=trail.name, segments=[s for s in trail.segments if len(s) >= 2]))
        for (stop, poi), t in zip(items, triggers(trail, items)):
            stops += 1
            poi_beyond += line.distance(Point(proj.to_metric(poi.lon, poi.lat))) > t.radius_m
            to_trail = line.distance(Point(proj.to_metric(t.lon, t.lat)))
            unfireable += to_trail > AT_POI_FRACTION * t.radius_m + 1.0 or t.radius_m < MIN_RADIUS_M
    print(f"\ndemo: {stops} stops, {poi_beyond} POIs farther from the trail than their radius, "
          f"{unfireable} trigger points a walker on the trail cannot reach")
    assert stops > 100 and poi_beyond > 20  # the demo has such places: the test means something
    assert unfireable == 0
