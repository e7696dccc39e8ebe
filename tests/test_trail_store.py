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


def test_stops_of_many_trails_are_those_of_each_trail(db, trail_store):
    pois = PoiStore(db)
    first = pois.upsert(POI(name="Moulin", lon=3.7158, lat=44.2217, source="t", source_id="m"))[1]
    second = pois.upsert(POI(name="Pont", lon=3.7160, lat=44.2219, source="t", source_id="p"))[1]
    a = trail_store.save(Trail(name="A", segments=SEG, published=True))
    b = trail_store.save(Trail(name="B", segments=SEG, published=True))
    empty = trail_store.save(Trail(name="C", segments=SEG, published=True))
    trail_store.upsert_stops([Stop(trail_id=a, poi_id=second, distance_along_m=10, offset_m=1),
                              Stop(trail_id=a, poi_id=first, distance_along_m=50, offset_m=3),
                              Stop(trail_id=b, poi_id=first, distance_along_m=20, offset_m=3)])
    trail_store.set_stop_status(b, first, "removed")
    many = trail_store.stops_with_pois_of([a, b, empty])
    assert [[ts.poi.name for ts in many[t]] for t in (a, b, empty)] == [["Pont", "Moulin"], [], []]
    assert all(repr(many[t]) == repr(trail_store.stops_with_pois(t)) for t in (a, b, empty))


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


def test_named_fields_round_trip_and_stay_out_of_extra(trail_store):
    t = Trail(name="Tour du Mont Aigoual", segments=SEG, route_type="loop", route_type_label="Boucle",
              route_type_measured="out_and_back", metrics_note="ascent and descent published by the source",
              practice_label="Pédestre", difficulty_label="Moyen", start_name="L'Espérou", end_name="L'Espérou",
              commune_codes="30350", parking={"lon": 3.58, "lat": 44.08, "info": "Parking"},
              medias=[{"kind": "image", "url": "https://example.org/a.jpg"}], recommendations="<p>Eau</p>",
              extra={"structure": "PNC"})
    got = trail_store.get(trail_store.save(t))
    assert (got.practice_label, got.difficulty_label, got.start_name, got.end_name, got.commune_codes) == (
        "Pédestre", "Moyen", "L'Espérou", "L'Espérou", "30350")
    assert (got.parking, got.medias, got.recommendations) == (
        {"lon": 3.58, "lat": 44.08, "info": "Parking"}, [{"kind": "image", "url": "https://example.org/a.jpg"}],
        "<p>Eau</p>")
    light = trail_store.get_many([got.id], segments=False)[0]  # catalogue pages read rows without the trace
    assert light.parking == got.parking and light.medias == got.medias
    assert (got.route_type_label, got.route_type_detected, got.route_type_measured, got.metrics_note) == (
        "Boucle", False, "out_and_back", "ascent and descent published by the source")
    assert got.extra == {"structure": "PNC"}
    detected = trail_store.get(trail_store.save(Trail(name="Sans type", segments=SEG, route_type_detected=True)))
    assert (detected.route_type_detected, detected.route_type_label, detected.route_type_measured) == (True, "", None)
    # code of before that still gives them in extra: they land in their fields
    old_style = Trail(name="Ancien", segments=SEG, extra={"route_type_label": "itinérance", "route_type_detected": 1,
                                                          "structure": "PNC"})
    assert (old_style.route_type_label, old_style.route_type_detected, old_style.extra) == (
        "itinérance", True, {"structure": "PNC"})


def _reopened_with(old, rows):
    """Insert ``rows`` ``(source_id, extra)`` in the trails of the old database ``old``, close it and open it
    again: the migrations it lacks run."""
    import json

    from helpers import open_db

    for source_id, extra in rows:
        old.execute("INSERT INTO trails (name, segments, source_id, created_at, updated_at, extra) "
                    "VALUES (?, ?, ?, '2024-01-01', '2024-01-01', ?)",
                    [source_id.upper(), json.dumps(SEG), source_id, json.dumps(extra)])
    old.conn.commit()
    path = old.conn.execute("PRAGMA database_list").fetchone()[2]
    old.conn.close()
    return open_db(path)


def test_an_old_database_moves_the_named_fields_out_of_extra(tmp_path):
    """A database of before (route type label, detected, measured and the metrics note in extra) opens with
    them in their columns, and extra keeps only the rest."""
    import json

    import sqlite_utils

    from helpers import open_db
    from trails.models import NAMED_EXTRA
    from trails.store import MIGRATIONS

    path = tmp_path / "old.db"
    open_db(path).conn.close()
    old = sqlite_utils.Database(path)
    version = next(i for i, m in enumerate(MIGRATIONS, 1) if "ADD COLUMN route_type_label" in m)
    for column in NAMED_EXTRA:
        old.execute(f"ALTER TABLE trails DROP COLUMN {column}")
    old.execute("DELETE FROM schema_migrations WHERE component = 'trails' AND version >= ?", [version])
    rows = [("a", {"route_type_label": "Boucle", "route_type_measured": "out_and_back", "structure": "PNC",
                   "metrics_note": "ascent and descent published by the source (the trace has no elevation)",
                   "practice_label": "Pédestre", "difficulty_label": "Moyen", "start_name": "L'Espérou",
                   "end_name": "Col de la Serreyrède", "commune_codes": "30350, 30189",
                   "parking": {"lon": 3.58, "lat": 44.08, "info": "Parking de l'Espérou"}, "cotation": "T1",
                   "medias": [{"kind": "image", "url": "https://example.org/a.jpg", "title": "A"}],
                   "accessibility": "Accessible aux poussettes.", "access": "<p>D 986</p>", "parent_id": 12}),
            ("b", {"route_type_detected": True, "length_3d_m": 120}), ("c", {})]
    db = _reopened_with(old, rows)
    a, b, c = sorted(TrailStore(db).all(), key=lambda t: t.name)
    assert (a.route_type_label, a.route_type_detected, a.route_type_measured, a.extra) == (
        "Boucle", False, "out_and_back", {"structure": "PNC"})
    assert a.metrics_note.startswith("ascent and descent published")
    assert (a.practice_label, a.difficulty_label, a.start_name, a.end_name, a.commune_codes) == (
        "Pédestre", "Moyen", "L'Espérou", "Col de la Serreyrède", "30350, 30189")
    assert (b.practice_label, b.start_name, b.commune_codes) == ("", "", "")
    assert a.parking == {"lon": 3.58, "lat": 44.08, "info": "Parking de l'Espérou"} and a.cotation == "T1"
    assert a.medias == [{"kind": "image", "url": "https://example.org/a.jpg", "title": "A"}]
    assert (a.accessibility_text, a.access, a.parent_id) == ("Accessible aux poussettes.", "<p>D 986</p>", "12")
    assert (b.parking, b.medias, b.accessibility_text) == (None, [], "")
    assert (b.route_type_label, b.route_type_detected, b.route_type_measured, b.metrics_note, b.extra) == (
        "", True, None, "", {"length_3d_m": 120})
    assert (c.route_type_label, c.route_type_detected, c.extra) == ("", False, {})
    stored = [json.loads(e) for (e,) in db.execute("SELECT extra FROM trails ORDER BY name")]
    assert stored == [{"structure": "PNC"}, {"length_3d_m": 120}, {}]


def test_migration_12_moves_the_published_figures_waymarking_and_routing_out_of_extra(tmp_path):
    """A database at trails migration 11 (published climb, waymarking, staff's interpretation flag, visit time and
    a routed circuit's facts in extra) opens with them in their columns; extra keeps the free-form rest."""
    import json

    import sqlite_utils

    from helpers import open_db
    from trails.store import MIGRATIONS

    path = tmp_path / "old.db"
    open_db(path).conn.close()
    old = sqlite_utils.Database(path)
    for column in ("published_length_m", "published_ascent_m", "published_descent_m", "published_ele_min_m",
                   "published_ele_max_m", "waymarking", "interpretation", "duration_visit_min", "routed_through",
                   "routing"):
        old.execute(f"ALTER TABLE trails DROP COLUMN {column}")
    old.execute("DELETE FROM schema_migrations WHERE component = 'trails' AND version >= 12")
    assert len(MIGRATIONS) >= 12
    routing = {"practice": "walking", "loop": True, "stops": [{"poi_id": 4, "distance_along_m": 120.5}],
               "time_min": 41, "reuse_ratio": 0.08}
    rows = [("a", {"published_length_m": 2363, "ascent_m": 159, "descent_m": 158.5, "ele_min_m": 612,
                   "ele_max_m": 771, "waymarking": "Interprétation", "duration_visit_min": 24, "length_3d_m": 2401}),
            ("b", {"routed_through": [4, 7], "routing": routing, "interpretation": False, "gpx_file": "b.gpx"}),
            ("c", {"interpretation": True}), ("d", {})]
    db = _reopened_with(old, rows)
    assert db.execute("SELECT MAX(version) FROM schema_migrations WHERE component = 'trails'").fetchone()[0] >= 12
    a, b, c, d = sorted(TrailStore(db).all(), key=lambda t: t.name)
    assert (a.published_length_m, a.published_ascent_m, a.published_descent_m, a.published_ele_min_m,
            a.published_ele_max_m) == (2363, 159, 158.5, 612, 771)
    assert (a.waymarking, a.duration_visit_min, a.interpretation, a.extra) == (
        "Interprétation", 24, None, {"length_3d_m": 2401})
    assert (b.routed_through, b.routing, b.interpretation, b.extra) == ([4, 7], routing, False, {"gpx_file": "b.gpx"})
    assert (c.interpretation, c.extra) == (True, {})
    assert (d.published_ascent_m, d.waymarking, d.interpretation, d.routed_through, d.routing) == (
        None, "", None, [], None)
    light = TrailStore(db).get_many([b.id], segments=False)[0]  # catalogue rows, without the trace
    assert (light.routed_through, light.routing) == ([4, 7], routing)
    stored = [json.loads(e) for (e,) in db.execute("SELECT extra FROM trails ORDER BY name")]
    assert stored == [{"length_3d_m": 2401}, {"gpx_file": "b.gpx"}, {}, {}]
    # saved again, they stay in their columns
    TrailStore(db).save(a)
    assert json.loads(db.execute("SELECT extra FROM trails WHERE source_id = 'a'").fetchone()[0]) == {"length_3d_m": 2401}
    assert TrailStore(db).get(a.id).published_ascent_m == 159


def test_the_lists_read_every_circuit_without_walking_its_trace(tmp_path):
    """The filters' index, the towns and the circuits to publish read every row of ``trails``: from the index
    ``trails_listing`` (migration 13), not from the table, where each row's trace comes first (a scan of 10,000
    circuits read 100 MB)."""
    from helpers import open_db
    from trails.filter_store import index_rows
    from webapp.publish_store import PublishStore

    db = open_db(tmp_path / "balise.db")
    store = TrailStore(db)
    store.save(Trail(name="Mas de la Roquette", segments=SEG, commune="Vialas", published=True))
    statements = []
    db.conn.set_trace_callback(statements.append)
    index_rows(store)
    store.commune_points()
    PublishStore(db).published_trails()
    db.conn.set_trace_callback(None)
    scans = [s for s in statements if " FROM trails" in s and " WHERE id" not in s]
    assert len(scans) == 3
    for sql in scans:
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
        assert "trails_listing" in plan, (sql, plan)
