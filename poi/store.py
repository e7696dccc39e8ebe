"""SQLite storage of POIs, the migrations runner and transactions.

The storage of ``poi`` is a chain, not a ring: :mod:`poi.bulk_store` (rows of
``pois``, one or a batch at a time; :func:`transaction`) at the bottom, then
:mod:`poi.provenance_store` (sources of merged POIs, staff decisions; it recombines
with the pure rules of :mod:`poi.merge`) and :mod:`poi.media_store` (records of
stored media files), then this module, which builds on them; :mod:`poi.dedup`
(finding and merging duplicates) sits on top. Those modules, with
``poi.network.store``, are the ones of ``poi`` that speak SQL.

One SQLite file (sqlite-utils) holds everything; each component (``poi`` here, its
migrations in :mod:`poi.schema_store`, ``trails``, ``network``, ``staff``, ``feedback``)
has its own numbered migrations (a :class:`Component`), which :func:`open_db` applies
for the components its caller lists: nothing is registered by importing a module. POIs are indexed by an
R*Tree (bounding-box queries) and an FTS5 table whose tokenizer folds
diacritics, so "eglise" finds "Église".

Writes that belong together go through :func:`transaction`: an import that
fails half-way leaves the database as it was.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from functools import cached_property
from typing import Iterable, Iterator, NamedTuple, Sequence

import sqlite_utils

from poi import bulk_store
from poi.bulk_store import KeyLog, poi_from_row, row_of, transaction, utcnow
from poi.errors import NotFoundError, StoreError
from poi.media_store import MediaRecordStore
from poi.models import POI
from poi.provenance_store import Provenance, ProvenanceStore
from poi.schema_store import MIGRATIONS
from poi.text import fold

DEFAULT_DB = "balise.db"
#: SQLite page cache per connection, in MB (bench/import.py: imports slow down past it).
CACHE_MB = 32


def default_db_path() -> str:
    """``$BALISE_DB`` if set, else ``./balise.db``."""
    return os.environ.get("BALISE_DB") or DEFAULT_DB


class Component(NamedTuple):
    """A part of Balise that keeps tables in the database: its name, its numbered migrations
    (SQL scripts, applied once each, in order) and the components whose tables it refers to."""

    name: str
    migrations: Sequence[str]
    requires: tuple[str, ...] = ("poi",)


def open_db(path: str | os.PathLike | None = None, components: Iterable[Component] = ()) -> sqlite_utils.Database:
    """Open (creating if needed) the Balise database and apply the migrations of ``poi`` and of ``components``.

    Whoever opens the database says which components' tables it needs, in order (a component
    after those it ``requires``): the web app and the CLI give them all
    (:data:`webapp.schema.COMPONENTS`); a library test may give only its own.
    ``":memory:"`` gives a private in-memory database (tests).

    >>> from trails.store import TRAILS
    >>> db = open_db(":memory:", [TRAILS])
    >>> sorted(r[0] for r in db.execute("SELECT DISTINCT component FROM schema_migrations"))
    ['poi', 'trails']
    >>> open_db(":memory:", [Component("feedback", [], requires=("poi", "trails"))])
    Traceback (most recent call last):
    ValueError: component feedback needs trails: give it before feedback
    """
    components = list(components)
    applied = {"poi"}
    for component in components:
        if missing := [name for name in component.requires if name not in applied]:
            raise ValueError(f"component {component.name} needs {', '.join(missing)}: "
                             f"give it before {component.name}")
        applied.add(component.name)
    target = str(path) if path is not None else default_db_path()
    try:
        if target != ":memory:":
            parent = Path(target).resolve().parent
            if not parent.is_dir():
                raise StoreError(f"cannot create database {target}: folder {parent} does not exist")
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints, never corrupt, in WAL mode
        # A page cache of CACHE_MB, not 2 MB: big imports stay fast as the indexes grow.
        conn.execute(f"PRAGMA cache_size = {-CACHE_MB * 1024}")
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.DatabaseError as e:
        raise StoreError(f"cannot open database {target}: {e}") from e
    db = sqlite_utils.Database(conn)
    try:
        apply_migrations(db, "poi", MIGRATIONS)
        for component in components:
            apply_migrations(db, component.name, component.migrations)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{target} is not a usable Balise database: {e}") from e
    return db


def apply_migrations(db: sqlite_utils.Database, component: str, migrations: Sequence[str]) -> None:
    """Apply the not-yet-applied numbered SQL scripts of ``component``, each atomically."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
               "component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, "
               "PRIMARY KEY (component, version))")
    row = db.execute("SELECT MAX(version) FROM schema_migrations WHERE component = ?",
                     [component]).fetchone()
    done = row[0] or 0
    for version, script in enumerate(migrations, start=1):
        if version <= done:
            continue
        with transaction(db):
            for statement in _split_sql(script):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [component, version, utcnow()])


def _split_sql(script: str) -> list[str]:
    parts, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        if sqlite3.complete_statement("\n".join(buf)):
            stmt = "\n".join(buf).strip()
            if stmt.strip(";").strip():
                parts.append(stmt)
            buf = []
    if "\n".join(buf).strip():
        parts.append("\n".join(buf))
    return parts


def _fts_query(text: str) -> str:
    tokens = [t for t in "".join(c if c.isalnum() else " " for c in fold(text)).split() if t]
    return " ".join(f'"{t}"*' for t in tokens)


class PoiStore:
    """POIs in the Balise database.

    >>> store = PoiStore(open_db(":memory:"))
    >>> status, pid = store.upsert(POI(name="Église Saint-Jean", lon=1.44, lat=43.6,
    ...                                category="church", source="demo", source_id="1"))
    >>> status
    'added'
    >>> store.upsert(POI(name="Église Saint-Jean", lon=1.44, lat=43.6, category="church",
    ...                  source="demo", source_id="1"))[0]
    'unchanged'
    >>> [p.name for p in store.search("eglise")]
    ['Église Saint-Jean']
    """

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.db.conn.row_factory = sqlite3.Row

    # -- writing -------------------------------------------------------------
    def upsert(self, poi: POI) -> tuple[str, int]:
        """Insert or update by (source, source_id): returns (added|updated|unchanged, id).

        A (source, source_id) that was merged into another POI (:mod:`poi.dedup`)
        resolves to the surviving POI: its provenance record is updated and the
        merged fields recomputed, so re-importing either source never brings the
        duplicate back.
        """
        row = row_of(poi)
        with transaction(self.db):
            existing = self.db.execute(
                "SELECT id, content_hash FROM pois WHERE source = ? AND source_id = ?",
                [row["source"], row["source_id"]]).fetchone()
            owner = self.provenance_store.merged_owner(row["source"], row["source_id"],
                                                       existing["id"] if existing else None)
            if owner is not None:
                status = self.provenance_store.update_source_record(owner, poi, row)
                poi.id = owner
                return status, owner
            if existing and existing["content_hash"] == row["content_hash"]:
                return "unchanged", existing["id"]
            if existing:
                pid = existing["id"]
                self.write_row(pid, row, poi, new=False)
                status = "updated"
            else:
                pid = self.write_row(None, row, poi, new=True)
                status = "added"
        poi.id = pid
        return status, pid

    def write_row(self, pid: int | None, row: dict, poi: POI, *, new: bool) -> int:
        """Write one POI row and its R*Tree and FTS entries (inside a transaction): its id.

        ``row`` is :func:`row_of` the POI; a new row when ``new``, else the row ``pid``
        (:func:`poi.bulk_store.write_row`).
        """
        return bulk_store.write_row(self.db, pid, row, poi, new=new)

    def upsert_many(self, pois: Sequence[POI]) -> list[tuple[str, int]]:
        """:meth:`upsert` each POI in turn, in one transaction, with a few statements per batch.

        Returns what :meth:`upsert` would, POI by POI (and sets their ``id``); see
        :func:`poi.bulk_store.upsert_many`.

        >>> store = PoiStore(open_db(":memory:"))
        >>> store.upsert_many([POI(name=n, lon=1.44, lat=43.6, source="t", source_id=n) for n in "ab"])
        [('added', 1), ('added', 2)]
        """
        with transaction(self.db):
            return bulk_store.upsert_many(self, pois)

    def key_log(self) -> KeyLog:
        """A :class:`KeyLog` on this database (an import's "first seen where" of each external id)."""
        return KeyLog(self.db)

    def update_fields(self, poi_id: int, **fields) -> POI:
        """Change some fields of one POI (staff edits), keeping its provenance."""
        poi = self.get(poi_id)
        for key, value in fields.items():
            if not hasattr(poi, key) or key in ("id", "source", "source_id"):
                raise ValueError(f"unknown or read-only POI field: {key}")
            setattr(poi, key, value)
        poi.updated_at = ""
        row = row_of(poi)
        with transaction(self.db):
            current = self.db.execute("SELECT content_hash FROM pois WHERE id = ?", [poi_id]).fetchone()
            if current["content_hash"] != row["content_hash"]:
                self.write_row(poi_id, row, poi, new=False)
        return self.get(poi_id)

    def delete(self, poi_id: int) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM pois_rtree WHERE id = ?", [poi_id])
            self.db.execute("DELETE FROM pois_fts WHERE rowid = ?", [poi_id])
            self.db.execute("DELETE FROM pois WHERE id = ?", [poi_id])

    # -- provenance of merged POIs and stored media: SQL in poi/provenance_store.py, poi/media_store.py --
    @cached_property
    def provenance_store(self) -> ProvenanceStore:
        """Sources of merged POIs and staff decisions (:class:`poi.provenance_store.ProvenanceStore`)."""
        return ProvenanceStore(self)

    @cached_property
    def media_records(self) -> MediaRecordStore:
        """Records of stored media files (:class:`poi.media_store.MediaRecordStore`)."""
        return MediaRecordStore(self)

    def provenance(self, poi_id: int) -> list[Provenance]:
        """Every source a POI comes from (:meth:`~poi.provenance_store.ProvenanceStore.provenance`)."""
        return self.provenance_store.provenance(poi_id)

    def resolve(self, source: str, source_id: str) -> int | None:
        """The POI carrying a provenance (:meth:`~poi.provenance_store.ProvenanceStore.resolve`)."""
        return self.provenance_store.resolve(source, source_id)

    def decisions(self, decision: str | None = None) -> list[dict]:
        """Remembered staff decisions (:meth:`~poi.provenance_store.ProvenanceStore.decisions`)."""
        return self.provenance_store.decisions(decision)

    # -- reading -------------------------------------------------------------
    def get(self, poi_id: int) -> POI:
        row = self.db.execute("SELECT * FROM pois WHERE id = ?", [poi_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no POI with id {poi_id}")
        return poi_from_row(row)

    def get_many(self, ids: Iterable[int]) -> list[POI]:
        ids = list(ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"SELECT * FROM pois WHERE id IN ({marks})", ids).fetchall()
        by_id = {r["id"]: poi_from_row(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM pois").fetchone()[0]

    def all(self, limit: int | None = None, offset: int = 0) -> list[POI]:
        sql = "SELECT * FROM pois ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return [poi_from_row(r) for r in self.db.execute(sql).fetchall()]

    def points_in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
                       ) -> list[tuple[int, float, float]]:
        """``(id, lon, lat)`` of the POIs inside a lon/lat box, through the R*Tree.

        The coordinates are the exact stored ones (the R*Tree only holds 32-bit
        floats, off by up to about 1 m).
        """
        return [tuple(r) for r in self.db.execute(
            "SELECT r.id, p.lon, p.lat FROM pois_rtree r JOIN pois p ON p.id = r.id "
            "WHERE r.min_lon >= ? AND r.max_lon <= ? AND r.min_lat >= ? AND r.max_lat <= ?",
            [min_lon, max_lon, min_lat, max_lat]).fetchall()]

    def extent(self) -> tuple[float, float, float, float] | None:
        """``(min_lon, min_lat, max_lon, max_lat)`` of every POI (from the R*Tree), None when there is none."""
        row = self.db.execute("SELECT min(min_lon), min(min_lat), max(max_lon), max(max_lat) FROM pois_rtree"
                              ).fetchone()
        return None if row is None or row[0] is None else tuple(row)

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[POI]:
        """Full POIs inside a lon/lat box."""
        return self.get_many(p[0] for p in self.points_in_bbox(min_lon, min_lat, max_lon, max_lat))

    def search(self, text: str, limit: int = 50) -> list[POI]:
        """Full-text search on name, summary, description, category and themes; diacritics folded."""
        query = _fts_query(text)
        if not query:
            return []
        rows = self.db.execute(
            "SELECT pois.* FROM pois_fts JOIN pois ON pois.id = pois_fts.rowid "
            "WHERE pois_fts MATCH ? ORDER BY bm25(pois_fts, 10.0, 1.0) LIMIT ?",
            [query, limit]).fetchall()
        return [poi_from_row(r) for r in rows]

    def find(self, text: str | None = None, bbox: Sequence[float] | None = None, category: str | None = None,
             limit: int = 50, offset: int = 0, *, after_id: int | None = None) -> list[POI]:
        """POIs matching every criterion given, in one SQL query paged by ``LIMIT``/``OFFSET``.

        ``text`` goes through the full-text index with the folded prefix query of
        :meth:`search` (results by relevance, then id); ``bbox`` is
        ``(west, south, east, north)`` in degrees, read through the R*Tree and then
        checked on the exact stored coordinates (the R*Tree keeps 32-bit floats),
        edges included; ``category`` must match exactly. Without ``text`` the POIs
        come by id, and ``after_id`` gives those of greater ids only: keyset paging,
        as fast deep in the list as at its start (an ``offset`` reads every POI it skips).
        A ``text`` with no word in it finds nothing.

        Examples
        --------
        >>> store = PoiStore(open_db(":memory:"))
        >>> for i, (name, lon, category) in enumerate([("Église Saint-Jean", 1.44, "church"),
        ...                                          ("Moulin de l'Église", 1.45, "mill"),
        ...                                          ("Église Notre-Dame", 3.00, "church")]):
        ...     _ = store.upsert(POI(name=name, lon=lon, lat=43.6, category=category, source="demo", source_id=str(i)))
        >>> [p.name for p in store.find("eglise", bbox=(1.4, 43.5, 1.5, 43.7))]
        ['Église Saint-Jean', "Moulin de l'Église"]
        >>> [p.name for p in store.find("egl", category="church", limit=1, offset=1)]
        ['Église Notre-Dame']
        >>> [p.name for p in store.find(category="mill")], store.find("  ?! ")
        (["Moulin de l'Église"], [])
        >>> [p.name for p in store.find(category="church", limit=1, after_id=1)]
        ['Église Notre-Dame']
        """
        if after_id is not None and text is not None:
            raise ValueError("after_id pages the lists by id; a text search comes by relevance")
        joins, where, params = [], [], []
        order = "pois.id"
        if text is not None:
            query = _fts_query(text)
            if not query:
                return []
            joins.append("JOIN pois_fts ON pois_fts.rowid = pois.id")
            where.append("pois_fts MATCH ?")
            params.append(query)
            order = "bm25(pois_fts, 10.0, 1.0), pois.id"
        if bbox is not None:
            west, south, east, north = (float(v) for v in bbox)
            joins.append("JOIN pois_rtree r ON r.id = pois.id")
            where.append("r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ? "
                         "AND pois.lon BETWEEN ? AND ? AND pois.lat BETWEEN ? AND ?")
            params += [west, east, south, north, west, east, south, north]
        if category:
            where.append("pois.category = ?")
            params.append(category)
        if after_id is not None:
            where.append("pois.id > ?")
            params.append(int(after_id))
        sql = (f"SELECT pois.* FROM pois {' '.join(joins)} WHERE {' AND '.join(where) or '1'} "
               f"ORDER BY {order} LIMIT ? OFFSET ?")
        rows = self.db.execute(sql, [*params, int(limit), int(offset)]).fetchall()
        return [poi_from_row(r) for r in rows]

    def brief(self) -> Iterator[tuple[int, str, str, float, float, str, str]]:
        """``(id, name, category, lon, lat, source, source_id)`` of every POI, streamed (for matching)."""
        yield from (tuple(r) for r in self.db.execute(
            "SELECT id, name, category, lon, lat, source, source_id FROM pois ORDER BY id"))

    def sources(self) -> list[dict]:
        """Each source with its POI count, licence and attribution (for credits pages)."""
        rows = self.db.execute(
            "SELECT source, COUNT(*) AS n, MAX(licence) AS licence, MAX(attribution) AS attribution "
            "FROM pois GROUP BY source ORDER BY source").fetchall()
        return [dict(r) for r in rows]

