import pytest

from poi.errors import NotFoundError
from poi.models import POI
from poi.store import PoiStore
from trails.models import Stop, Trail
from trails.store import TrailStore

SEG = [[(3.7157, 44.2222, 520.0), (3.7159, 44.2212, 540.0)]]


def test_reimport_keeps_staff_overrides_and_publication(trail_store):
    t = Trail(name="Mas cévenol de La Roquette", segments=SEG, source="pnc", source_id="37037",
              duration_computed_min=40)
    tid = trail_store.save(t)
    stored = trail_store.get(tid)
    stored.duration_override_min, stored.duration_override_reason = 90, "steep steps"
    stored.published = True
    trail_store.save(stored)
    again = Trail(name="Mas cévenol de La Roquette (v2)", segments=SEG, source="pnc", source_id="37037",
                  duration_computed_min=45)
    assert trail_store.save(again) == tid
    got = trail_store.get(tid)
    assert (got.name, got.duration_min, got.duration_source, got.published) == (
        "Mas cévenol de La Roquette (v2)", 90, "override", True)
    assert trail_store.count() == 1


def test_trails_of_poi_leaves_out_removed_stops_and_unpublished(db, trail_store):
    pid = PoiStore(db).upsert(POI(name="Moulin", lon=3.7158, lat=44.2217, source="t", source_id="m"))[1]
    a = trail_store.save(Trail(name="A", segments=SEG, published=True))
    b = trail_store.save(Trail(name="B", segments=SEG, published=False))
    c = trail_store.save(Trail(name="C", segments=SEG, published=True))
    trail_store.upsert_stops([Stop(trail_id=t, poi_id=pid, distance_along_m=50, offset_m=3) for t in (a, b, c)])
    trail_store.set_stop_status(c, pid, "removed")
    assert [t.name for t in trail_store.trails_of_poi(pid)] == ["A"]
    assert [t.name for t in trail_store.trails_of_poi(pid, published_only=False)] == ["A", "B"]


def test_staff_order_of_stops_survives_reattachment(db, trail_store):
    pois = PoiStore(db)
    ids = [pois.upsert(POI(name=n, lon=3.7158, lat=44.2217, source="t", source_id=n))[1] for n in "ABC"]
    tid = trail_store.save(Trail(name="T", segments=SEG))
    trail_store.upsert_stops([Stop(trail_id=tid, poi_id=p, distance_along_m=d, offset_m=1)
                              for p, d in zip(ids[:2], (10, 20))])
    assert [s.poi_id for s in trail_store.stops(tid)] == ids[:2]
    trail_store.set_stop_order(tid, [ids[1], ids[0]])
    trail_store.upsert_stops([Stop(trail_id=tid, poi_id=ids[0], distance_along_m=11, offset_m=1),
                              Stop(trail_id=tid, poi_id=ids[2], distance_along_m=5, offset_m=1)])
    assert [s.poi_id for s in trail_store.stops(tid)] == [ids[1], ids[0], ids[2]]
    trail_store.set_stop_trigger_radius(tid, ids[2], 45)
    assert trail_store.stops(tid)[2].trigger_radius_m == 45
    with pytest.raises(NotFoundError):
        trail_store.set_stop_order(tid, [999])
    with pytest.raises(NotFoundError):
        trail_store.set_stop_trigger_radius(tid, 999, 30)
    with pytest.raises(ValueError):
        trail_store.set_stop_trigger_radius(tid, ids[0], -3)
