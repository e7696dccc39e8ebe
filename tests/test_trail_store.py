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


def test_migration_4_adds_accessibility_to_an_existing_database(tmp_path):
    """A database made before accessibility existed (trails migrations 1-3) opens, keeps its trails,
    and stores what they suit from then on."""
    import json

    import sqlite_utils

    from poi.store import apply_migrations
    from helpers import open_db
    from trails.store import MIGRATIONS

    path = tmp_path / "old.db"
    open_db(path).conn.close()
    old = sqlite_utils.Database(path)  # rebuilt as the previous release left it
    old.execute("DROP TABLE trails")
    old.execute("DELETE FROM schema_migrations WHERE component = 'trails'")
    for table in ("trails_revision", "trail_themes", "trail_stops", "trails_rtree"):
        old.execute(f"DROP TABLE {table}")
    apply_migrations(old, "trails", MIGRATIONS[:3])
    old.execute("INSERT INTO trails (name, segments, source_id, created_at, updated_at, start_lon, start_lat) "
                "VALUES ('Pauparelle', ?, 'p1', '2024-01-01', '2024-01-01', 3.43, 44.18)",
                [json.dumps(SEG)])
    old.conn.commit()
    assert "accessibility" not in old["trails"].columns_dict
    old.conn.close()

    db = open_db(path)
    store = TrailStore(db)
    [trail] = store.all()
    assert (trail.name, trail.accessibility) == ("Pauparelle", [])
    trail.accessibility = ["reduced_mobility", "pushchair", "pushchair"]
    store.save(trail)
    assert store.get(trail.id).accessibility == ["reduced_mobility", "pushchair"]
    assert store.get_many([trail.id], segments=False)[0].accessibility == ["reduced_mobility", "pushchair"]
    assert store.get(trail.id).summary_dict()["accessibility"] == ["reduced_mobility", "pushchair"]
    assert db.execute("SELECT MAX(version) FROM schema_migrations WHERE component = 'trails'").fetchone()[0] >= 4
    db.conn.close()


def test_reimport_keeps_what_staff_ticked_unless_the_source_says(trail_store):
    tid = trail_store.save(Trail(name="Lac des Pises", segments=SEG, source="pnc", source_id="9"))
    stored = trail_store.get(tid)
    stored.accessibility = ["pushchair"]
    trail_store.save(stored)
    trail_store.save(Trail(name="Lac des Pises", segments=SEG, source="pnc", source_id="9"))
    assert trail_store.get(tid).accessibility == ["pushchair"]
    trail_store.save(Trail(name="Lac des Pises", segments=SEG, source="pnc", source_id="9",
                           accessibility=["reduced_mobility"]))
    assert trail_store.get(tid).accessibility == ["reduced_mobility"]
