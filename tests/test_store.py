import pytest

from poi.errors import NotFoundError
from poi.models import POI
from poi.store import PoiStore, transaction

from helpers import open_db


def make(name="Église Saint-Étienne", sid="1", **kw):
    return POI(name=name, lon=kw.pop("lon", 1.4437), lat=kw.pop("lat", 43.6045), category="church",
               source="test", source_id=sid, **kw)


def test_upsert_is_idempotent_and_reports_updates(store):
    assert store.upsert(make())[0] == "added"
    assert store.upsert(make())[0] == "unchanged"
    assert store.upsert(make(summary="Gothique méridional"))[0] == "updated"
    assert store.count() == 1


def test_fulltext_search_folds_diacritics(store):
    store.upsert(make())
    store.upsert(make(name="Moulin du Château", sid="2"))
    assert [p.name for p in store.search("eglise")] == ["Église Saint-Étienne"]
    assert [p.name for p in store.search("CHATEAU")] == ["Moulin du Château"]
    assert [p.name for p in store.search("etien")] == ["Église Saint-Étienne"]
    assert store.search("   ") == []


def test_bbox_query_uses_rtree(store):
    store.upsert(make(sid="in"))
    store.upsert(make(sid="out", lon=3.0, lat=44.0))
    found = store.points_in_bbox(1.4, 43.6, 1.5, 43.61)
    assert [f[0] for f in found] == [store.search("eglise")[0].id]


def test_failed_transaction_leaves_db_unchanged(store):
    store.upsert(make())
    with pytest.raises(RuntimeError):
        with transaction(store.db):
            store.upsert(make(sid="2"))
            raise RuntimeError("half-way")
    assert store.count() == 1
    assert [p.source_id for p in store.search("eglise")] == ["1"]


def test_get_unknown_raises_not_found(store):
    with pytest.raises(NotFoundError):
        store.get(42)


def test_file_db_survives_reopen(tmp_path):
    path = tmp_path / "b.db"
    PoiStore(open_db(path)).upsert(make())
    assert PoiStore(open_db(path)).count() == 1


# -- find: text, box and category in one paged query -------------------------------------------------------------
TOULOUSE = "sources/toulouse/toulouse_inventaire_patrimoine_first-300.geojson"  # real, see that folder's README
CENTRE = (1.435, 43.595, 1.450, 43.610)  # west, south, east, north: the historic centre of Toulouse


@pytest.fixture
def toulouse(store, data):
    from poi.importers import import_file

    import_file(store, data / TOULOUSE, source="toulouse")
    return store


def _reference(store, text, bbox, category):
    """What find must return, computed the slow way: every text hit (or every POI), filtered in Python."""
    found = store.search(text, limit=100_000) if text else store.all()
    if bbox:
        west, south, east, north = bbox
        found = [p for p in found if west <= p.lon <= east and south <= p.lat <= north]
    return [p.id for p in found if not category or p.category == category]


@pytest.mark.parametrize("text, bbox, category", [
    ("maison", None, None), ("maison", CENTRE, None), ("hotel", CENTRE, "monument"), (None, CENTRE, None),
    (None, CENTRE, "monument"), (None, None, "church"), ("eglise", None, "church"), (None, None, None),
    ("saint", CENTRE, "church")])
def test_find_matches_the_text_box_and_category_filters_page_by_page(toulouse, text, bbox, category):
    expected = _reference(toulouse, text, bbox, category)
    assert [p.id for p in toulouse.find(text, bbox, category, limit=100_000)] == expected
    pages = [toulouse.find(text, bbox, category, limit=7, offset=start) for start in range(0, len(expected) + 7, 7)]
    assert [p.id for page in pages for p in page] == expected and all(len(page) <= 7 for page in pages)


def test_find_with_every_criterion_on_real_records(toulouse):
    found = toulouse.find("hotel", CENTRE, "monument", limit=100)
    assert 0 < len(found) < len(toulouse.search("hotel", limit=1000))
    assert all(p.category == "monument" and 1.435 <= p.lon <= 1.450 for p in found)
    assert toulouse.find("hotel", CENTRE, "bridge") == [] and toulouse.find(" - ", CENTRE) == []


def test_find_box_edges_are_exact(store):
    """A POI exactly on the box's edge is in it, though the R*Tree rounds coordinates to 32-bit floats."""
    store.upsert(make(lon=1.4437123, lat=43.6045678))
    assert len(store.find(bbox=(1.4437123, 43.6045678, 1.5, 43.7))) == 1
    assert store.find(bbox=(1.4437124, 43.6, 1.5, 43.7)) == []


# -- upsert_many: the importers' batched write ------------------------------------------------------------------
def _snapshot(store) -> list:
    """Every row of the POI tables, their R*Tree and FTS entries and the merged sources, updated_at aside."""
    out = []
    for table, order in [("pois", "id"), ("pois_rtree", "id"), ("pois_fts", "rowid"), ("poi_sources", "rowid")]:
        cols = "rowid, *" if table == "pois_fts" else "*"
        rows = [dict(r) for r in store.db.execute(f"SELECT {cols} FROM {table} ORDER BY {order}").fetchall()]
        out.append([{k: v for k, v in r.items() if k != "updated_at"} for r in rows])
    return out


def _merged_store():
    """Three POIs, two of them merged (so a source id resolves to the surviving POI)."""
    from poi.dedup import merge

    store = PoiStore(open_db(":memory:"))
    store.upsert(make(sid="1"))
    store.upsert(_osm_church())
    store.upsert(make(name="Moulin", sid="2", lon=1.45))
    merge(store, (store.resolve("test", "1"), store.resolve("osm", "n1")), user="t")
    return store


def _osm_church():
    return POI(name="Eglise St-Etienne", lon=1.44371, lat=43.6045, category="church", source="osm", source_id="n1")


def _batch():
    return [make(sid="1", summary="changed"),                 # merged: the surviving POI is recombined
            _osm_church(),                                     # merged, unchanged
            make(name="Moulin", sid="2", lon=1.45),            # unchanged
            make(name="Moulin neuf", sid="3"),                 # added
            make(name="Moulin neuf", sid="3", summary="x"),    # same key again: updates the row just added
            make(name="Lavoir", sid="4", description="<p>Lavoir &amp; fontaine</p>")]


def test_upsert_many_gives_what_upsert_gives_one_by_one(monkeypatch):
    # the two stores are built a moment apart: freeze the clock so their update times compare
    for module in ("poi.bulk_store", "poi.store", "poi.provenance_store", "poi.media_store"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: "2026-01-01T00:00:00+00:00")
    one, many = _merged_store(), _merged_store()
    expected = [one.upsert(p) for p in _batch()]
    assert many.upsert_many(_batch()) == expected
    assert _snapshot(many) == _snapshot(one)
    assert [s for s, _id in expected] == ["updated", "unchanged", "unchanged", "added", "updated", "added"]
    assert many.upsert_many(_batch()[2:]) == [("unchanged", 3), ("updated", 4), ("updated", 4), ("unchanged", 5)]


def test_upsert_many_is_all_or_nothing(store, monkeypatch):
    store.upsert(make())
    before = _snapshot(store)
    pois = [make(name=f"Croix {i}", sid=str(i)) for i in range(2, 1200)] + [make(name="", sid="x", lon=None)]
    with pytest.raises(Exception):
        store.upsert_many(pois)
    assert _snapshot(store) == before


def test_row_hash_is_the_json_dumps_of_the_row():
    """row_of writes the hashed JSON itself: it must stay byte for byte json.dumps (stored hashes compare)."""
    import hashlib
    import json

    from poi.models import Media
    from poi.store import row_of

    cases = [make(), make(name='Guillemets " et \\ barre', summary="é\u2028\x00😀", themes=["eau", "é"], ele_m=12,
                          trigger_radius_m=25.5, extra={"b": [1, {"z": None}], "a": "é"}, url="https://x.org/é",
                          media=[Media(kind="image", url="https://x.org/a.jpg", title="Été")]),
             make(ele_m=float("nan")), make(ele_m=True, themes=("x",), sid=7),
             make(commune="Toulouse", insee="31555", extra={"a": "é"})]
    for poi in cases:
        row = row_of(poi, "2024-01-01T00:00:00+00:00")
        hashed = {k: v for k, v in row.items() if k not in ("content_hash", "updated_at", "commune", "insee")}
        named = {k: row[k] for k in ("commune", "insee") if row[k]}  # hashed as keys of extra, as before
        if named:
            hashed["extra"] = json.dumps({**json.loads(row["extra"]), **named}, ensure_ascii=False, sort_keys=True)
        assert row["content_hash"] == hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode()).hexdigest()
        assert row["themes"] == json.dumps(list(poi.themes), ensure_ascii=False)


def test_key_log_remembers_where_each_key_was_first_met(store):
    from poi.store import KeyLog

    with store.key_log() as log:
        log.add((f"node/{i}", f"feature {i}") for i in range(1200))
        assert log.first(["node/3", "way/3", "node/1100"]) == {"node/3": "feature 3", "node/1100": "feature 1100"}
    with KeyLog(store.db) as other:  # a log of its own, and dropped on leaving
        assert other.first(["node/3"]) == {}
    assert not store.db.execute("SELECT name FROM sqlite_temp_master WHERE name LIKE 'keys_%'").fetchall()


def test_open_db_pragmas(tmp_path):
    from poi.store import CACHE_MB

    db = open_db(tmp_path / "b.db")
    assert db.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_MB * 1024
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, with WAL
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _tables(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrations_run_for_the_components_the_opener_lists_not_for_what_was_imported():
    import webapp.feedback_store  # noqa: F401  (imported: must register nothing)
    import webapp.staff_store  # noqa: F401
    from poi.store import open_db as open_with
    from trails.store import TRAILS
    from webapp.feedback_store import FEEDBACK

    bare = open_with(":memory:")
    assert "pois" in _tables(bare)
    assert not _tables(bare) & {"trails", "users", "feedback", "map_ways", "import_sources"}
    trails_only = open_with(":memory:", [TRAILS])
    assert "trails" in _tables(trails_only) and "feedback" not in _tables(trails_only)
    everything = open_db(":memory:")  # tests/helpers: as the web app and the CLI open it (webapp.schema)
    assert {"pois", "trails", "map_ways", "users", "revisions", "feedback"} <= _tables(everything)
    with pytest.raises(ValueError, match="component feedback needs trails: give it before feedback"):
        open_with(":memory:", [FEEDBACK, TRAILS])


def test_an_old_database_gets_the_tables_of_a_component_it_lacks(tmp_path):
    from poi.store import open_db as open_with

    path = tmp_path / "old.db"
    open_with(path).conn.close()  # a database that only ever held POIs
    db = open_db(path)
    assert "trails" in _tables(db)
    versions = dict(db.execute("SELECT component, MAX(version) FROM schema_migrations GROUP BY component"))
    assert set(versions) == {"poi", "trails", "network", "sources", "staff", "feedback", "pages", "figures",
                             "publish"}


def test_an_old_database_moves_its_translations_out_of_extra(tmp_path):
    import json

    import sqlite_utils

    from poi.store import MIGRATIONS as POI_MIGRATIONS
    from trails.store import MIGRATIONS as TRAIL_MIGRATIONS
    from trails.models import NAMED_EXTRA
    from trails.store import TrailStore
    from webapp.localized import localized

    path = tmp_path / "old.db"
    open_db(path).conn.close()
    old = sqlite_utils.Database(path)  # as the previous release left it: the other languages in extra["i18n"]
    trails_version = next(i for i, m in enumerate(TRAIL_MIGRATIONS, 1) if "ADD COLUMN translations" in m)
    poi_version = next(i for i, m in enumerate(POI_MIGRATIONS, 1) if "ADD COLUMN translations" in m)
    for column in ("commune", "insee"):  # the columns of the POI migrations after that release's
        old.execute(f"ALTER TABLE pois DROP COLUMN {column}")
    for table, component, version in (("pois", "poi", poi_version),
                                      ("trails", "trails", trails_version)):
        old.execute(f"ALTER TABLE {table} DROP COLUMN translations")
        old.execute("DELETE FROM schema_migrations WHERE component = ? AND version >= ?", [component, version])
    old.execute("DROP INDEX trails_listing")  # and the index of a later migration
    for column in ("unlisted", *NAMED_EXTRA):  # the columns of the migrations after that release's
        old.execute(f"ALTER TABLE trails DROP COLUMN {column}")
    old.execute("INSERT INTO pois (source, source_id, name, lon, lat, extra, updated_at, content_hash) "
                "VALUES ('geotrek', '1', 'Le Moulin', 3.6, 44.2, ?, '2024-01-01', 'x')",
                [json.dumps({"i18n": {"en": {"name": "The Mill"}}, "structure": "PNC"})])
    old.execute("INSERT INTO trails (name, segments, source_id, created_at, updated_at, extra) "
                "VALUES ('Tour du lac', '[]', 't1', '2024-01-01', '2024-01-01', ?)",
                [json.dumps({"i18n": {"en": {"name": "Lake loop"}}, "length_3d_m": 120})])
    old.conn.commit()
    old.conn.close()

    db = open_db(path)
    [poi] = PoiStore(db).all()
    assert (poi.translations, poi.extra) == ({"en": {"name": "The Mill"}}, {"structure": "PNC"})
    [trail] = TrailStore(db).all()
    assert (trail.translations, trail.extra) == ({"en": {"name": "Lake loop"}}, {"length_3d_m": 120})
    assert localized(trail, "name", "en") == "Lake loop" and localized(poi, "name", "en") == "The Mill"
    assert "i18n" not in db.execute("SELECT extra FROM pois").fetchone()[0]
