"""The rows of the ``pois`` table, written one or a batch at a time: the bulk path of imports.

:func:`row_of` turns a POI into its ``pois`` row with a content hash (what
:class:`poi.store.PoiStore` writes and compares), :func:`poi_from_row` reads
one back; :func:`write_row` writes one row with its R*Tree and FTS entries,
:func:`upsert_many` thousands with a few statements per batch (through
:meth:`poi.store.PoiStore.upsert_many`); :class:`KeyLog` remembers the external
ids an import has met; :func:`transaction` makes writes all-or-nothing. It is the
bottom of the storage chain ``bulk_store -> provenance_store, media_store -> store
-> dedup``: it never imports the modules above it (but in examples).
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

import sqlite_utils

from poi.models import NAMED_EXTRA, POI, Media
from poi.text import html_to_text

if TYPE_CHECKING:
    from poi.store import PoiStore


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()



@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All-or-nothing block; nests through savepoints."""
    conn = db.conn
    name = f"sp_{uuid.uuid4().hex[:12]}"
    outer = conn.in_transaction
    conn.execute(f"SAVEPOINT {name}" if outer else "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if outer:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
        else:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute(f"RELEASE {name}" if outer else "COMMIT")


_COLUMNS = ("source", "source_id", "name", "category", "themes", "lon", "lat", "ele_m", "summary",
            "description", "media", "trigger_radius_m", "url", "licence", "attribution", "extra", "translations",
            "commune", "insee", "updated_at", "content_hash")


_JSON = json.JSONEncoder(ensure_ascii=False)
_JSON_SORTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_JSON_HASHED = json.JSONEncoder(sort_keys=True, default=str)  # the json.dumps of the content hash
_HASHED_KEYS = sorted(("source", "source_id", "name", "category", "themes", "lon", "lat", "ele_m", "summary",
                       "description", "media", "trigger_radius_m", "url", "licence", "attribution", "extra",
                       "translations"))
_ESCAPE = json.encoder.encode_basestring_ascii
_ESCAPE_UTF8 = json.encoder.encode_basestring

_UPDATE = f"UPDATE pois SET {', '.join(f'{c} = :{c}' for c in _COLUMNS)} WHERE id = :id"
_DELETE_RTREE = "DELETE FROM pois_rtree WHERE id = ?"
_DELETE_FTS = "DELETE FROM pois_fts WHERE rowid = ?"
_INSERT_RTREE = "INSERT INTO pois_rtree VALUES (?, ?, ?, ?, ?)"
_INSERT_FTS = "INSERT INTO pois_fts (rowid, name, body) VALUES (?, ?, ?)"


def _hashed_json(row: dict) -> str:
    """``json.dumps(row, sort_keys=True, default=str)`` of a row's hashed columns, written out directly.

    Strings, None and finite numbers (everything :func:`row_of` makes) are written as
    ``json.dumps`` would; anything else goes through it.
    """
    parts = []
    for key in _HASHED_KEYS:
        value = row[key]
        kind = type(value)
        if kind is str:
            parts.append(f'"{key}": {_ESCAPE(value)}')
        elif value is None:
            parts.append(f'"{key}": null')
        elif (kind is float and math.isfinite(value)) or kind is int:
            parts.append(f'"{key}": {value!r}')
        else:
            return _JSON_HASHED.encode({k: row[k] for k in _HASHED_KEYS})
    return "{" + ", ".join(parts) + "}"


def row_of(poi: POI, now: str | None = None) -> dict:
    """The ``pois`` row of a POI, with its content hash (the update time is not hashed).

    ``now`` is the update time of a POI without one (default :func:`utcnow`).
    """
    row = {
        "source": poi.source or "manual",
        "source_id": str(poi.source_id) if poi.source_id not in (None, "") else uuid.uuid4().hex,
        "name": poi.name,
        "category": poi.category or "other",
        "themes": ("[" + ", ".join(map(_ESCAPE_UTF8, poi.themes)) + "]"
                   if all(type(t) is str for t in poi.themes) else _JSON.encode(list(poi.themes))),
        "lon": float(poi.lon),
        "lat": float(poi.lat),
        "ele_m": poi.ele_m,
        "summary": poi.summary or "",
        "description": poi.description or "",
        "media": _JSON.encode([m.to_dict() for m in poi.media]) if poi.media else "[]",
        "trigger_radius_m": poi.trigger_radius_m,
        "url": poi.url or "",
        "licence": poi.licence or "",
        "attribution": poi.attribution or "",
        "extra": _JSON_SORTED.encode(poi.extra) if poi.extra else "{}",
        "translations": _JSON_SORTED.encode(poi.translations) if poi.translations else "{}",
        "commune": poi.commune or "",
        "insee": poi.insee or "",
    }
    # The hash covers commune and insee as keys of extra, where they were before they became columns
    # (poi.store migration 4): an unchanged record hashes as it did then, so re-importing it says "unchanged".
    named = {k: row[k] for k in NAMED_EXTRA if row[k]}
    hashed = {**row, "extra": _JSON_SORTED.encode({**poi.extra, **named})} if named else row
    digest = hashlib.sha256(_hashed_json(hashed).encode()).hexdigest()
    row["content_hash"] = digest
    row["updated_at"] = poi.updated_at or now or utcnow()
    return row


def _fts_body(poi: POI) -> str:
    """The text indexed besides the name: category, themes, summary, description as plain text."""
    return " ".join([poi.category, " ".join(poi.themes), poi.summary or "", html_to_text(poi.description)])


def poi_from_row(row: sqlite3.Row | dict) -> POI:
    r = dict(row)
    return POI(
        id=r["id"], name=r["name"], lon=r["lon"], lat=r["lat"], category=r["category"],
        themes=json.loads(r["themes"]), ele_m=r["ele_m"], summary=r["summary"],
        description=r["description"], media=[Media.from_dict(m) for m in json.loads(r["media"])],
        trigger_radius_m=r["trigger_radius_m"], url=r["url"], source=r["source"],
        source_id=r["source_id"], licence=r["licence"], attribution=r["attribution"],
        updated_at=r["updated_at"], extra=json.loads(r["extra"]),
        translations=json.loads(r.get("translations") or "{}"),
        commune=r.get("commune") or "", insee=r.get("insee") or "",
    )


def write_row(db: sqlite_utils.Database, pid: int | None, row: dict, poi: POI, *, new: bool) -> int:
    """Write one POI row and its R*Tree and FTS entries (inside a transaction): its id.

    ``row`` is :func:`row_of` the POI; a new row when ``new``, else the row ``pid``.
    """
    if new:
        cols = ", ".join(_COLUMNS)
        vals = ", ".join(f":{c}" for c in _COLUMNS)
        pid = db.execute(f"INSERT INTO pois ({cols}) VALUES ({vals})", row).lastrowid
    else:
        db.execute(_UPDATE, {**row, "id": pid})
        db.execute(_DELETE_RTREE, [pid])
        db.execute(_DELETE_FTS, [pid])
    db.execute(_INSERT_RTREE, [pid, row["lon"], row["lon"], row["lat"], row["lat"]])
    db.execute(_INSERT_FTS, [pid, poi.name, _fts_body(poi)])
    return pid


#: POIs per statement of :func:`upsert_many` (well under SQLite's 32,766 parameters).
_BATCH = 500


class KeyLog:
    """Keys met during one long write, with where each was first met, in a temporary table.

    An import remembers every external id it has read without holding them in
    memory (SQLite's temporary tables live in a file, paged through a small cache).

    >>> from poi.store import open_db
    >>> with KeyLog(open_db(":memory:")) as log:
    ...     log.add([("node/1", "feature 1"), ("node/2", "feature 2")])
    ...     log.first(["node/2", "node/3"])
    {'node/2': 'feature 2'}
    """

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.table = f"temp.keys_{uuid.uuid4().hex[:12]}"
        self.db.execute(f"CREATE TABLE {self.table} (key TEXT PRIMARY KEY, place TEXT NOT NULL) WITHOUT ROWID")

    def first(self, keys: Sequence[str]) -> dict[str, str]:
        """``key -> where it was first met`` of those of ``keys`` already added."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start:start + _BATCH]
            found.update(self.db.execute(f"SELECT key, place FROM {self.table} WHERE key IN "
                                         f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return found

    def add(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Remember ``(key, where)`` pairs (keys not met before)."""
        self.db.conn.executemany(f"INSERT INTO {self.table} VALUES (?, ?)", pairs)

    def close(self) -> None:
        """Drop the table (a rolled-back transaction may have dropped it already)."""
        self.db.execute(f"DROP TABLE IF EXISTS {self.table}")

    def __enter__(self) -> KeyLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def upsert_many(store: PoiStore, pois: Sequence[POI]) -> list[tuple[str, int]]:
    """Upsert each POI in turn with a few statements per batch, inside the caller's transaction.

    Returns what :meth:`poi.store.PoiStore.upsert` would, POI by POI (and sets
    their ``id``): one SELECT finds the stored rows of a batch, ``executemany``
    writes the new and changed ones with their R*Tree and FTS entries. A key
    repeated in ``pois`` starts a new batch; a key held by a merged POI goes
    through ``store.upsert``. Use it through :meth:`poi.store.PoiStore.upsert_many`,
    which opens the transaction.

    >>> from poi.store import PoiStore, open_db
    >>> store = PoiStore(open_db(":memory:"))
    >>> store.upsert_many([POI(name=n, lon=1.44, lat=43.6, source="t", source_id=n) for n in "ab"])
    [('added', 1), ('added', 2)]
    >>> store.upsert_many([POI(name=n, lon=1.44, lat=43.6, source="t", source_id=n[0]) for n in ["a", "b2", "c"]])
    [('unchanged', 1), ('updated', 2), ('added', 3)]
    """
    results: list[tuple[str, int]] = []
    now = utcnow()
    batch: dict[tuple[str, str], tuple[POI, dict]] = {}
    for poi in pois:
        row = row_of(poi, now)
        key = (row["source"], row["source_id"])
        if key in batch or len(batch) == _BATCH:
            results += _upsert_batch(store, list(batch.values()))
            batch = {}
        batch[key] = (poi, row)
    results += _upsert_batch(store, list(batch.values()))
    return results


def _upsert_batch(store: PoiStore, batch: list[tuple[POI, dict]]) -> list[tuple[str, int]]:
    """:func:`upsert_many` of POIs with distinct keys."""
    if not batch:
        return []
    stored: dict[tuple[str, str], tuple[int, str]] = {}
    by_source: dict[str, list[str]] = {}
    for _poi, row in batch:
        by_source.setdefault(row["source"], []).append(row["source_id"])
    for source, ids in by_source.items():
        for r in store.db.execute(f"SELECT source_id, id, content_hash FROM pois WHERE source = ? "
                                  f"AND source_id IN ({','.join('?' * len(ids))})", [source, *ids]):
            stored[source, r[0]] = (r[1], r[2])
    merged = _merged_keys(store.db, by_source, stored)
    next_id = store.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM pois").fetchone()[0]
    results, new, changed = [], [], []
    for poi, row in batch:
        key = (row["source"], row["source_id"])
        pid, content_hash = stored.get(key, (None, None))
        if key in merged:
            status, pid = store.upsert(poi)  # recombines the merged POI; never adds a row
        elif pid is None:
            status, pid = "added", next_id
            next_id += 1
            new.append(row)
        elif content_hash == row["content_hash"]:
            status = "unchanged"
        else:
            status = "updated"
            changed.append(row)
        row["id"] = poi.id = pid
        results.append((status, pid))
    if changed:
        store.db.conn.executemany(_UPDATE, changed)
        store.db.conn.executemany(_DELETE_RTREE, [(r["id"],) for r in changed])
        store.db.conn.executemany(_DELETE_FTS, [(r["id"],) for r in changed])
    if new:
        cols = ("id", *_COLUMNS)
        store.db.conn.executemany(f"INSERT INTO pois ({', '.join(cols)}) "
                                  f"VALUES ({', '.join(':' + c for c in cols)})", new)
    written = {r["id"] for r in (*changed, *new)}
    if written:
        store.db.conn.executemany(_INSERT_RTREE, [(r["id"], r["lon"], r["lon"], r["lat"], r["lat"])
                                                  for _p, r in batch if r["id"] in written])
        store.db.conn.executemany(_INSERT_FTS, [(p.id, p.name, _fts_body(p))
                                                for p, r in batch if r["id"] in written])
    return results


def _merged_keys(db: sqlite_utils.Database, by_source: dict[str, list[str]], stored: dict) -> set[tuple[str, str]]:
    """The keys of a batch that belong to a merged POI (``store.upsert`` resolves those)."""
    if db.execute("SELECT 1 FROM poi_sources LIMIT 1").fetchone() is None:
        return set()
    merged = set()
    for source, ids in by_source.items():
        for (sid,) in db.execute(f"SELECT source_id FROM poi_sources WHERE source = ? "
                                 f"AND source_id IN ({','.join('?' * len(ids))})", [source, *ids]):
            merged.add((source, sid))
    owners = {pid: key for key, (pid, _h) in stored.items()}
    for start in range(0, len(owners), _BATCH):
        chunk = list(owners)[start:start + _BATCH]
        for (pid,) in db.execute(f"SELECT DISTINCT poi_id FROM poi_sources WHERE poi_id IN "
                                 f"({','.join('?' * len(chunk))})", chunk):
            merged.add(owners[pid])
    return merged
