import pytest

from poi.errors import NotFoundError
from poi.models import POI
from poi.store import PoiStore, open_db, transaction


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
