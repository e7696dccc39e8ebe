"""SQLite storage of POIs: the only module of ``poi`` that speaks SQL.

One SQLite file (sqlite-utils) holds everything; each package registers its own
numbered migrations through :func:`apply_migrations`. POIs are indexed by an
R*Tree (bounding-box queries) and an FTS5 table whose tokenizer folds
diacritics, so "eglise" finds "Église".

Writes that belong together go through :func:`transaction`: an import that
fails half-way leaves the database as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

import sqlite_utils

from poi.errors import NotFoundError, StoreError
from poi.models import POI, Media
from poi.text import fold, html_to_text

DEFAULT_DB = "balise.db"


def default_db_path() -> str:
    """``$BALISE_DB`` if set, else ``./balise.db``."""
    return os.environ.get("BALISE_DB") or DEFAULT_DB


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def open_db(path: str | os.PathLike | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the Balise database and apply every migration.

    ``":memory:"`` gives a private in-memory database (tests).
    """
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
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.DatabaseError as e:
        raise StoreError(f"cannot open database {target}: {e}") from e
    db = sqlite_utils.Database(conn)
    try:
        apply_migrations(db, "poi", MIGRATIONS)
        # Layers above register their own tables when imported; importing them
        # here would run the dependency arrow backwards.
        for hook in _MIGRATION_HOOKS:
            hook(db)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{target} is not a usable Balise database: {e}") from e
    return db


_MIGRATION_HOOKS: list = []


def register_migrations(hook) -> None:
    """Let a higher layer (trails) add its tables to every database opened."""
    if hook not in _MIGRATION_HOOKS:
        _MIGRATION_HOOKS.append(hook)


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


MIGRATIONS = [
    """
    CREATE TABLE pois (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        name TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT 'other',
        themes TEXT NOT NULL DEFAULT '[]',
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        ele_m REAL,
        summary TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        media TEXT NOT NULL DEFAULT '[]',
        trigger_radius_m REAL,
        url TEXT NOT NULL DEFAULT '',
        licence TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        UNIQUE (source, source_id)
    );
    CREATE INDEX pois_category ON pois(category);
    CREATE VIRTUAL TABLE pois_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
    CREATE VIRTUAL TABLE pois_fts USING fts5(name, body, tokenize = "unicode61 remove_diacritics 2");
    """,
    # 2: provenance of merged POIs (poi/dedup.py), staff merge/split decisions, stored media (poi/media.py).
    """
    CREATE TABLE poi_sources (
        poi_id INTEGER NOT NULL REFERENCES pois(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        licence TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        matched_by TEXT NOT NULL DEFAULT '',
        record TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source, source_id)
    );
    CREATE INDEX poi_sources_poi ON poi_sources(poi_id);
    CREATE TABLE dedup_decisions (
        a_source TEXT NOT NULL,
        a_source_id TEXT NOT NULL,
        b_source TEXT NOT NULL,
        b_source_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('merge', 'split')),
        user TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL,
        PRIMARY KEY (a_source, a_source_id, b_source, b_source_id)
    );
    CREATE TABLE media (
        sha256 TEXT PRIMARY KEY,
        ext TEXT NOT NULL,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        duration_s REAL,
        bytes INTEGER NOT NULL,
        original_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX media_original ON media(original_sha256);
    """,
]

_COLUMNS = ("source", "source_id", "name", "category", "themes", "lon", "lat", "ele_m", "summary",
            "description", "media", "trigger_radius_m", "url", "licence", "attribution", "extra",
            "updated_at", "content_hash")


def _row_of(poi: POI) -> dict:
    row = {
        "source": poi.source or "manual",
        "source_id": str(poi.source_id) if poi.source_id not in (None, "") else uuid.uuid4().hex,
        "name": poi.name,
        "category": poi.category or "other",
        "themes": json.dumps(list(poi.themes), ensure_ascii=False),
        "lon": float(poi.lon),
        "lat": float(poi.lat),
        "ele_m": poi.ele_m,
        "summary": poi.summary or "",
        "description": poi.description or "",
        "media": json.dumps([m.to_dict() for m in poi.media], ensure_ascii=False),
        "trigger_radius_m": poi.trigger_radius_m,
        "url": poi.url or "",
        "licence": poi.licence or "",
        "attribution": poi.attribution or "",
        "extra": json.dumps(poi.extra or {}, ensure_ascii=False, sort_keys=True),
    }
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()
    row["content_hash"] = digest
    row["updated_at"] = poi.updated_at or utcnow()
    return row


def poi_from_row(row: sqlite3.Row | dict) -> POI:
    r = dict(row)
    return POI(
        id=r["id"], name=r["name"], lon=r["lon"], lat=r["lat"], category=r["category"],
        themes=json.loads(r["themes"]), ele_m=r["ele_m"], summary=r["summary"],
        description=r["description"], media=[Media.from_dict(m) for m in json.loads(r["media"])],
        trigger_radius_m=r["trigger_radius_m"], url=r["url"], source=r["source"],
        source_id=r["source_id"], licence=r["licence"], attribution=r["attribution"],
        updated_at=r["updated_at"], extra=json.loads(r["extra"]),
    )


class Provenance(NamedTuple):
    """One source of a POI: who published it, under which licence, and why it was merged."""

    source: str
    source_id: str
    licence: str
    attribution: str
    url: str
    matched_by: str  # "" for the POI's own source; e.g. "distance 12 m, name similarity 0.91"


def _record_json(poi: POI) -> str:
    """One source's record of a POI, as JSON (kept to recombine and to split merged POIs)."""
    return json.dumps({
        "name": poi.name, "lon": poi.lon, "lat": poi.lat, "category": poi.category, "themes": list(poi.themes),
        "ele_m": poi.ele_m, "summary": poi.summary, "description": poi.description,
        "media": [m.to_dict() for m in poi.media], "trigger_radius_m": poi.trigger_radius_m, "url": poi.url,
        "source": poi.source, "source_id": str(poi.source_id), "licence": poi.licence,
        "attribution": poi.attribution, "updated_at": poi.updated_at, "extra": poi.extra or {},
    }, ensure_ascii=False, sort_keys=True)


def _record_poi(text: str) -> POI:
    d = json.loads(text)
    d["media"] = [Media.from_dict(m) for m in d.get("media", [])]
    return POI(**d)


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
        row = _row_of(poi)
        with transaction(self.db):
            existing = self.db.execute(
                "SELECT id, content_hash FROM pois WHERE source = ? AND source_id = ?",
                [row["source"], row["source_id"]]).fetchone()
            owner = self._merged_owner(row["source"], row["source_id"], existing)
            if owner is not None:
                status = self._update_source_record(owner, poi, row)
                poi.id = owner
                return status, owner
            if existing and existing["content_hash"] == row["content_hash"]:
                return "unchanged", existing["id"]
            if existing:
                pid = existing["id"]
                self._write_row(pid, row, poi, new=False)
                status = "updated"
            else:
                pid = self._write_row(None, row, poi, new=True)
                status = "added"
        poi.id = pid
        return status, pid

    def _write_row(self, pid: int | None, row: dict, poi: POI, *, new: bool) -> int:
        """Write one POI row and its R*Tree and FTS entries (inside a transaction)."""
        if new:
            cols = ", ".join(_COLUMNS)
            vals = ", ".join(f":{c}" for c in _COLUMNS)
            pid = self.db.execute(f"INSERT INTO pois ({cols}) VALUES ({vals})", row).lastrowid
        else:
            sets = ", ".join(f"{c} = :{c}" for c in _COLUMNS)
            self.db.execute(f"UPDATE pois SET {sets} WHERE id = :id", {**row, "id": pid})
            self.db.execute("DELETE FROM pois_rtree WHERE id = ?", [pid])
            self.db.execute("DELETE FROM pois_fts WHERE rowid = ?", [pid])
        self.db.execute("INSERT INTO pois_rtree VALUES (?, ?, ?, ?, ?)",
                        [pid, row["lon"], row["lon"], row["lat"], row["lat"]])
        body = " ".join([poi.category, " ".join(poi.themes), poi.summary or "",
                         html_to_text(poi.description)])
        self.db.execute("INSERT INTO pois_fts (rowid, name, body) VALUES (?, ?, ?)",
                        [pid, poi.name, body])
        return pid

    def update_fields(self, poi_id: int, **fields) -> POI:
        """Change some fields of one POI (staff edits), keeping its provenance."""
        poi = self.get(poi_id)
        for key, value in fields.items():
            if not hasattr(poi, key) or key in ("id", "source", "source_id"):
                raise ValueError(f"unknown or read-only POI field: {key}")
            setattr(poi, key, value)
        poi.updated_at = ""
        row = _row_of(poi)
        with transaction(self.db):
            current = self.db.execute("SELECT content_hash FROM pois WHERE id = ?", [poi_id]).fetchone()
            if current["content_hash"] != row["content_hash"]:
                self._write_row(poi_id, row, poi, new=False)
        return self.get(poi_id)

    def delete(self, poi_id: int) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM pois_rtree WHERE id = ?", [poi_id])
            self.db.execute("DELETE FROM pois_fts WHERE rowid = ?", [poi_id])
            self.db.execute("DELETE FROM pois WHERE id = ?", [poi_id])

    # -- provenance of merged POIs (see poi/dedup.py) --------------------------
    def _merged_owner(self, source: str, source_id: str, existing) -> int | None:
        """The POI that holds (source, source_id) as one of several merged provenances, if any."""
        if existing is not None:
            merged = self.db.execute("SELECT 1 FROM poi_sources WHERE poi_id = ? LIMIT 1",
                                     [existing["id"]]).fetchone()
            return existing["id"] if merged else None
        row = self.db.execute("SELECT poi_id FROM poi_sources WHERE source = ? AND source_id = ?",
                              [source, source_id]).fetchone()
        return row["poi_id"] if row else None

    def _update_source_record(self, pid: int, poi: POI, row: dict) -> str:
        """Re-import of one provenance of a merged POI: keep its record, recompute the POI."""
        current = self.db.execute("SELECT content_hash FROM poi_sources WHERE source = ? AND source_id = ?",
                                  [row["source"], row["source_id"]]).fetchone()
        if current is not None and current["content_hash"] == row["content_hash"]:
            return "unchanged"
        self.db.execute(
            "UPDATE poi_sources SET record = ?, content_hash = ?, licence = ?, attribution = ?, url = ?, "
            "updated_at = ? WHERE source = ? AND source_id = ?",
            [_record_json(poi), row["content_hash"], row["licence"], row["attribution"], row["url"],
             row["updated_at"], row["source"], row["source_id"]])
        self._recombine(pid)
        return "updated"

    def _recombine(self, pid: int) -> None:
        from poi.dedup import combine  # the merge rules live with the matcher (no SQL there)

        head = self.db.execute("SELECT source, source_id FROM pois WHERE id = ?", [pid]).fetchone()
        merged = combine([p for p, _ in self.source_records(pid)])
        merged.source, merged.source_id = head["source"], head["source_id"]
        merged.updated_at = ""
        self._write_row(pid, _row_of(merged), merged, new=False)

    def provenance(self, poi_id: int) -> list[Provenance]:
        """Every source a POI comes from, with its licence and why it was merged.

        A POI that was never merged has one provenance, its own.
        """
        rows = self.db.execute(
            "SELECT s.source, s.source_id, s.licence, s.attribution, s.url, s.matched_by FROM poi_sources s "
            "JOIN pois p ON p.id = s.poi_id WHERE s.poi_id = ? "
            "ORDER BY (s.source = p.source AND s.source_id = p.source_id) DESC, s.rowid", [poi_id]).fetchall()
        if rows:
            return [Provenance(*r) for r in rows]
        poi = self.get(poi_id)
        return [Provenance(poi.source, poi.source_id, poi.licence, poi.attribution, poi.url, "")]

    def source_records(self, poi_id: int) -> list[tuple[POI, str]]:
        """The record each source gave for a POI, with why it was merged (the POI's own first)."""
        rows = self.db.execute(
            "SELECT s.record, s.matched_by FROM poi_sources s JOIN pois p ON p.id = s.poi_id "
            "WHERE s.poi_id = ? ORDER BY (s.source = p.source AND s.source_id = p.source_id) DESC, s.rowid",
            [poi_id]).fetchall()
        if rows:
            return [(_record_poi(r["record"]), r["matched_by"]) for r in rows]
        poi = self.get(poi_id)
        poi.id = None
        return [(poi, "")]

    def resolve(self, source: str, source_id: str) -> int | None:
        """Id of the POI that carries (source, source_id), merged or not; None if none."""
        row = self.db.execute("SELECT id FROM pois WHERE source = ? AND source_id = ?",
                              [source, source_id]).fetchone()
        if row is None:
            row = self.db.execute("SELECT poi_id AS id FROM poi_sources WHERE source = ? AND source_id = ?",
                                  [source, source_id]).fetchone()
        return row["id"] if row else None

    def brief(self) -> Iterator[tuple[int, str, str, float, float, str, str]]:
        """``(id, name, category, lon, lat, source, source_id)`` of every POI, streamed (for matching)."""
        yield from (tuple(r) for r in self.db.execute(
            "SELECT id, name, category, lon, lat, source, source_id FROM pois ORDER BY id"))

    def merged_keys(self) -> dict[int, list[tuple[str, str]]]:
        """``poi_id -> [(source, source_id), ...]`` of the POIs that hold several provenances."""
        keys: dict[int, list[tuple[str, str]]] = {}
        for r in self.db.execute("SELECT poi_id, source, source_id FROM poi_sources ORDER BY rowid"):
            keys.setdefault(r[0], []).append((r[1], r[2]))
        return keys

    def merge_pois(self, survivor_id: int, loser_id: int, merged: POI,
                   records: Sequence[tuple[POI, str]]) -> POI:
        """Make two POIs one, in one transaction.

        ``records`` (each source's record and why it matched) become the survivor's
        provenance; every row of another table that points at the loser (trail
        stops...) is moved to the survivor, unless the survivor already has one
        there; the loser is deleted; the survivor's fields become ``merged``.
        """
        if survivor_id == loser_id:
            raise StoreError(f"cannot merge POI {survivor_id} with itself")
        with transaction(self.db):
            head = self.get(survivor_id)
            self.get(loser_id)
            self.db.execute("DELETE FROM poi_sources WHERE poi_id IN (?, ?)", [survivor_id, loser_id])
            self._insert_records(survivor_id, records)
            for table, column in self._references():
                self.db.execute(f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                                [survivor_id, loser_id])
            self.delete(loser_id)
            merged.source, merged.source_id, merged.updated_at = head.source, head.source_id, ""
            self._write_row(survivor_id, _row_of(merged), merged, new=False)
        return self.get(survivor_id)

    def split_poi(self, poi_id: int, source: str, source_id: str) -> tuple[POI, POI]:
        """Take one provenance out of a merged POI as a POI of its own; returns (rest, split off).

        The rest keeps the id, stops and the remaining provenances (recombined);
        if the provenance taken out was the POI's own, the next one becomes its
        identity. The caller records the decision (:meth:`record_decision`).
        """
        with transaction(self.db):
            records = self.source_records(poi_id)
            keys = [(p.source, p.source_id) for p, _ in records]
            if (source, source_id) not in keys or len(keys) < 2:
                raise NotFoundError(f"POI {poi_id} has no merged provenance {source}:{source_id}")
            out = records[keys.index((source, source_id))][0]
            rest = [r for r in records if (r[0].source, r[0].source_id) != (source, source_id)]
            self.db.execute("DELETE FROM poi_sources WHERE poi_id = ?", [poi_id])
            head = rest[0][0]
            if len(rest) > 1:
                self._insert_records(poi_id, rest)
                from poi.dedup import combine

                kept = combine([p for p, _ in rest])
            else:
                kept = head
            kept.source, kept.source_id, kept.updated_at = head.source, head.source_id, ""
            kept.id = None
            self._write_row(poi_id, _row_of(kept), kept, new=False)
            out.id, out.updated_at = None, ""
            self.upsert(out)
        return self.get(poi_id), self.get(out.id)

    def _insert_records(self, poi_id: int, records: Sequence[tuple[POI, str]]) -> None:
        for poi, matched_by in records:
            row = _row_of(poi)
            self.db.execute(
                "INSERT INTO poi_sources (poi_id, source, source_id, licence, attribution, url, matched_by, "
                "record, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [poi_id, row["source"], row["source_id"], row["licence"], row["attribution"], row["url"],
                 matched_by, _record_json(poi), row["content_hash"], row["updated_at"]])

    def _references(self) -> list[tuple[str, str]]:
        """(table, column) of every foreign key to ``pois.id`` (trail stops, ...), found in the schema."""
        found = []
        for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            if table == "poi_sources":
                continue
            for fk in self.db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                if fk["table"] == "pois" and fk["to"] in (None, "id"):
                    found.append((table, fk["from"]))
        return found

    # -- staff decisions on duplicates ------------------------------------------
    def record_decision(self, a: tuple[str, str], b: tuple[str, str], decision: str, *, user: str,
                        reason: str = "") -> None:
        """Remember that staff merged or split two provenances (the later decision wins)."""
        (a_s, a_id), (b_s, b_id) = sorted([tuple(a), tuple(b)])
        self.db.execute(
            "INSERT OR REPLACE INTO dedup_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [a_s, a_id, b_s, b_id, decision, user, reason, utcnow()])

    def decisions(self, decision: str | None = None) -> list[dict]:
        """Every remembered decision (optionally only ``"split"`` or ``"merge"``)."""
        sql = "SELECT * FROM dedup_decisions"
        args: list = []
        if decision:
            sql += " WHERE decision = ?"
            args.append(decision)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY decided_at, rowid", args).fetchall()]

    # -- stored media files (see poi/media.py) -----------------------------------
    def media_by_original(self, original_sha256: str) -> dict | None:
        """The stored media record made from a file with this SHA-256, if any."""
        row = self.db.execute("SELECT * FROM media WHERE original_sha256 = ? OR sha256 = ? LIMIT 1",
                              [original_sha256, original_sha256]).fetchone()
        return dict(row) if row else None

    def save_media(self, record: dict) -> None:
        """Remember one stored media file (keys: the columns of the ``media`` table)."""
        self.db.execute(
            "INSERT OR IGNORE INTO media (sha256, ext, kind, mime, width, height, duration_s, bytes, "
            "original_sha256, created_at) VALUES (:sha256, :ext, :kind, :mime, :width, :height, :duration_s, "
            ":bytes, :original_sha256, :created_at)", {"created_at": utcnow(), **record})

    def rename_media(self, poi_id: int, renamed: dict[str, str]) -> POI:
        """Point a POI's media at new URLs (``old url -> new url``, e.g. into the media store).

        The POI's other fields and update time are kept; merged provenance records
        are rewritten too, so recombining them keeps the new URLs.
        """
        poi = self.get(poi_id)
        for m in poi.media:
            m.url = renamed.get(m.url, m.url)
        row = _row_of(poi)
        row["updated_at"] = poi.updated_at
        with transaction(self.db):
            self._write_row(poi_id, row, poi, new=False)
            for rec in self.db.execute("SELECT rowid, record FROM poi_sources WHERE poi_id = ?",
                                       [poi_id]).fetchall():
                data = json.loads(rec["record"])
                for m in data.get("media", []):
                    m["url"] = renamed.get(m.get("url"), m.get("url"))
                self.db.execute("UPDATE poi_sources SET record = ? WHERE rowid = ?",
                                [json.dumps(data, ensure_ascii=False, sort_keys=True), rec["rowid"]])
        return self.get(poi_id)

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
        """``(id, lon, lat)`` of the POIs inside a lon/lat box, through the R*Tree."""
        return [tuple(r) for r in self.db.execute(
            "SELECT id, min_lon, min_lat FROM pois_rtree WHERE min_lon >= ? AND max_lon <= ? "
            "AND min_lat >= ? AND max_lat <= ?", [min_lon, max_lon, min_lat, max_lat]).fetchall()]

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

    def sources(self) -> list[dict]:
        """Each source with its POI count, licence and attribution (for credits pages)."""
        rows = self.db.execute(
            "SELECT source, COUNT(*) AS n, MAX(licence) AS licence, MAX(attribution) AS attribution "
            "FROM pois GROUP BY source ORDER BY source").fetchall()
        return [dict(r) for r in rows]
