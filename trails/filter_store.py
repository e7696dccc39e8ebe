"""The SQL of the filter engine: the rows the in-memory index is built from, and the reference SQL search.

:mod:`trails.filter_index` runs :func:`~trails.filter_index.search` on a numpy index
built from :func:`index_rows`, cached on :func:`revision`; :func:`run_sql` is the
reference path (``engine="sql"``): the filters' WHERE fragments
(:meth:`Filter.where <trails.filters.Filter.where>`, which describe themselves as
STYLE.md asks, never run here) combined into queries, with GROUP BY facet counts.
This module is the only one of the filter engine that runs SQL.

>>> from poi.store import open_db
>>> from trails.models import Trail
>>> from trails.store import TRAILS, TrailStore
>>> store = TrailStore(open_db(":memory:", [TRAILS]))
>>> _ = store.save(Trail(name="Castelbouc", duration_published_min=120))
>>> rows, themes = index_rows(store)
>>> rows[0][:2], themes
((1, 120), [])
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from trails.filter_params import distance_m, fold_text
from trails.store import TrailStore

if TYPE_CHECKING:
    from trails.filters import FilterSet

#: Duration facet buckets: (label, lowest minute included, first minute excluded).
DURATION_BUCKETS = (("<1h", 0, 60), ("1-2h", 60, 120), ("2-4h", 120, 240), ("4-8h", 240, 480),
                    (">8h", 480, None))
#: Facets counted by :func:`trails.filter_index.search`, each blocked only by the filter of the same key.
FACETS = ("difficulty", "theme", "duration", "practice", "route_type", "accessibility")
SORTS = {"name": None, "duration": "duration_min", "length": "length_m", "ascent": "ascent_m"}
#: The columns of the ``trails`` table the index holds, in the order of :func:`index_rows`.
INDEX_COLUMNS = ("id", "duration_min", "length_m", "ascent_m", "difficulty", "practice", "effective_route_type",
                 "start_lon", "start_lat", "published AND NOT unlisted", "name", "summary", "commune", "accessibility")


def index_rows(store: TrailStore) -> tuple[list[tuple], list[tuple]]:
    """``(rows of INDEX_COLUMNS by id, (trail_id, theme) pairs)``, as plain tuples."""
    cursor = store.db.conn.cursor()
    cursor.row_factory = None  # plain tuples: a third of the time of sqlite3.Row here
    # the index holds these columns: without it SQLite reads every row through its trace (trails migration 13)
    rows = cursor.execute(f"SELECT {', '.join(INDEX_COLUMNS)} FROM trails INDEXED BY trails_listing "
                          "ORDER BY id").fetchall()
    return rows, cursor.execute("SELECT trail_id, theme FROM trail_themes").fetchall()


def database_file(store: TrailStore) -> str:
    """The file of the store's database ("" in memory)."""
    return store.db.execute("PRAGMA database_list").fetchone()[2]


def revision(store: TrailStore) -> tuple[int, int, str]:
    """``(trails revision, PRAGMA data_version, database file)``: what says the index is still current.

    ``trails_revision`` is bumped by triggers on every change of ``trails`` or ``trail_themes``;
    ``data_version`` changes when another connection commits; the file is "" in memory.
    """
    db = store.db
    return (db.execute("SELECT n FROM trails_revision").fetchone()[0],
            db.execute("PRAGMA data_version").fetchone()[0], database_file(store))


def _sql_order(sort: str) -> str:
    field, desc = sort.lstrip("-"), " DESC" if sort.startswith("-") else ""
    if field == "name":
        return f"balise_fold(name){desc}, name{desc}, id{desc}"
    return f"{SORTS[field]}{desc}, balise_fold(name), name, id"


def run_sql(store: TrailStore, fs: FilterSet, sort: str, limit, offset):
    """``(ids of the page, total, raw facet counts)`` of a search, in SQL (the reference engine)."""
    conn = store.db.conn
    conn.create_function("balise_fold", 1, fold_text, deterministic=True)
    conn.create_function("balise_distance_m", 4, distance_m, deterministic=True)

    def rows(sql: str, params: list) -> list:
        return conn.execute(sql, params).fetchall()

    where, params = fs.where()
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else f" LIMIT -1 OFFSET {int(offset)}"
    ids = [r[0] for r in rows(f"SELECT id FROM trails WHERE {where} ORDER BY {_sql_order(sort)}{page}", params)]
    total = rows(f"SELECT COUNT(*) FROM trails WHERE {where}", params)[0][0]
    bucket = "CASE " + " ".join(f"WHEN duration_min < {hi} THEN '{name}'" for name, _lo, hi in
                                DURATION_BUCKETS[:-1]) + f" ELSE '{DURATION_BUCKETS[-1][0]}' END"
    raw = {}
    for facet in FACETS:
        where, params = fs.where(skip=facet)
        if facet == "theme":
            sql = (f"SELECT trail_themes.theme, COUNT(*) FROM trail_themes JOIN trails "
                   f"ON trails.id = trail_themes.trail_id WHERE {where} GROUP BY 1")
        elif facet == "accessibility":
            sql = (f"SELECT j.value, COUNT(*) FROM (SELECT accessibility FROM trails WHERE {where}) AS t, "
                   f"json_each(t.accessibility) AS j GROUP BY 1")
        else:
            column = {"duration": bucket, "route_type": "effective_route_type"}.get(facet, facet)
            sql = f"SELECT {column}, COUNT(*) FROM trails WHERE {where} GROUP BY 1"
        raw[facet] = {r[0]: r[1] for r in rows(sql, params)}
    return ids, total, raw
