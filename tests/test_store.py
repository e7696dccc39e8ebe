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
