"""Storage of registered import sources and of every run's report: all their SQL.

Tables (component :data:`SOURCES`, applied by :func:`poi.store.open_db` when its caller lists it):

- ``import_sources``: what staff registered: a name, a format, a URL or a stored file,
  licence and attribution, filters (categories, bounding box, communes, text), and when
  it last imported successfully (what an incremental run asks the service from);
- ``import_runs``: one row per run (preview or import): who, when, the counts, why each
  skipped record was skipped, the names added/updated, and the error of a failed run;
- ``import_jobs``: a run started in the background (from the editor, or by ``balise sync``): running,
  done (with its run) or failed, and the process running it; at most one runs per source at a time.

>>> from poi.store import open_db
>>> store = SourceStore(open_db(":memory:", [SOURCES]))
>>> sid = store.add(Source(name="OT Sallanches", format="apidae", url="https://example.org/api"))
>>> store.get(sid).format, [s.name for s in store.all()]
('apidae', ['OT Sallanches'])
>>> rid = store.add_run(Run(source_id=sid, dry_run=True, status="ok", added=3, by="marie"))
>>> run = store.run(rid); (run.added, run.dry_run, run.by)
(3, True, 'marie')
>>> job = store.start_job(sid, dry_run=False, by="marie", pid=1)
>>> from poi.i18n import language
>>> with language("en"):
...     store.start_job(sid, dry_run=True, by="paul", pid=1)
Traceback (most recent call last):
poi.source_store.SourceBusy: an import of this source is already running
>>> store.finish_job(job, run_id=rid); store.job(job).status
'done'
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

import sqlite_utils

from poi.errors import BaliseError, NotFoundError
from poi.i18n import gettext as _
from poi.store import Component, transaction, utcnow

MIGRATIONS = [
    """
    CREATE TABLE import_sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        file TEXT NOT NULL DEFAULT '',
        source_key TEXT NOT NULL DEFAULT '',
        licence TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        categories TEXT NOT NULL DEFAULT '[]',
        bbox TEXT NOT NULL DEFAULT '',
        communes TEXT NOT NULL DEFAULT '[]',
        text TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,
        last_success_at TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE import_runs (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES import_sources(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        seconds REAL NOT NULL DEFAULT 0,
        dry_run INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
        added INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        problems TEXT NOT NULL DEFAULT '[]',
        changes TEXT NOT NULL DEFAULT '[]',
        error TEXT NOT NULL DEFAULT '',
        by TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX import_runs_source ON import_runs(source_id, id);
    """,
    # Imports started from the editor run in the background: one job row per start, at most one running per
    # source (the partial unique index makes a second start fail atomically, across threads and processes).
    """
    CREATE TABLE import_jobs (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES import_sources(id) ON DELETE CASCADE,
        dry_run INTEGER NOT NULL DEFAULT 0,
        full INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        run_id INTEGER REFERENCES import_runs(id) ON DELETE SET NULL,
        pid INTEGER NOT NULL DEFAULT 0,
        by TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX import_jobs_one_running ON import_jobs(source_id) WHERE status = 'running';
    """,
]


#: The tables of this module (:func:`poi.store.open_db` applies them for whoever lists it).
SOURCES = Component("sources", MIGRATIONS, requires=("poi",))


@dataclass(slots=True)
class Source:
    """A registered source: where to read, in which format, under which licence, keeping what."""

    name: str
    format: str
    url: str = ""
    file: str = ""  # a stored upload, relative to the database's folder
    source_key: str = ""  # provenance ``source`` of its POIs ('' = the format's own)
    licence: str = ""
    attribution: str = ""
    categories: list[str] = field(default_factory=list)
    bbox: str = ""  # "min_lon,min_lat,max_lon,max_lat" or ''
    communes: list[str] = field(default_factory=list)
    text: str = ""
    active: bool = True
    last_success_at: str = ""
    created_at: str = ""
    created_by: str = ""
    id: int | None = None


@dataclass(slots=True)
class Run:
    """One run of a source: a preview (``dry_run``) or an import, and what it did or why it failed."""

    source_id: int
    dry_run: bool = False
    status: str = "ok"
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    by: str = ""
    seconds: float = 0.0
    started_at: str = ""
    id: int | None = None


@dataclass(slots=True)
class Job:
    """An import started in the background: ``running``, then ``done`` (see its run) or ``failed``."""

    source_id: int
    dry_run: bool = False
    full: bool = False
    status: str = "running"
    run_id: int | None = None
    pid: int = 0
    by: str = ""
    started_at: str = ""
    finished_at: str = ""
    error: str = ""
    id: int | None = None


class SourceBusy(BaliseError, ValueError):
    """An import of this source is already running (one at a time per source)."""


_JSON_SOURCE = ("categories", "communes")
_JSON_RUN = ("problems", "changes")


class SourceStore:
    """Registered sources and their runs in one database."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.db.conn.row_factory = sqlite3.Row

    # -- sources --------------------------------------------------------------------------
    def add(self, source: Source) -> int:
        row = {k: getattr(source, k) for k in Source.__slots__ if k != "id"}
        row.update({k: json.dumps(row[k], ensure_ascii=False) for k in _JSON_SOURCE})
        row["active"] = int(source.active)
        row["created_at"] = source.created_at or utcnow()
        with transaction(self.db):
            cur = self.db.execute(f"INSERT INTO import_sources ({', '.join(row)}) VALUES "
                                  f"({', '.join('?' * len(row))})", list(row.values()))
        return cur.lastrowid

    def get(self, source_id: int) -> Source:
        row = self.db.execute("SELECT * FROM import_sources WHERE id = ?", [source_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no import source {source_id}")
        return self._source(row)

    def by_name(self, name: str) -> Source | None:
        row = self.db.execute("SELECT * FROM import_sources WHERE name = ?", [name]).fetchone()
        return self._source(row) if row else None

    def all(self, *, active_only: bool = False) -> list[Source]:
        where = "WHERE active = 1" if active_only else ""
        return [self._source(r) for r in self.db.execute(f"SELECT * FROM import_sources {where} ORDER BY name")]

    def set_active(self, source_id: int, active: bool) -> None:
        with transaction(self.db):
            self.db.execute("UPDATE import_sources SET active = ? WHERE id = ?", [int(active), source_id])

    def mark_success(self, source_id: int, at: str) -> None:
        with transaction(self.db):
            self.db.execute("UPDATE import_sources SET last_success_at = ? WHERE id = ?", [at, source_id])

    def delete(self, source_id: int) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM import_sources WHERE id = ?", [source_id])

    def _source(self, row) -> Source:
        data = dict(row)
        for key in _JSON_SOURCE:
            data[key] = json.loads(data[key] or "[]")
        data["active"] = bool(data["active"])
        return Source(**data)

    # -- runs -----------------------------------------------------------------------------
    def add_run(self, run: Run) -> int:
        row = {k: getattr(run, k) for k in Run.__slots__ if k != "id"}
        row.update({k: json.dumps(row[k], ensure_ascii=False) for k in _JSON_RUN})
        row["dry_run"] = int(run.dry_run)
        row["started_at"] = run.started_at or utcnow()
        with transaction(self.db):
            cur = self.db.execute(f"INSERT INTO import_runs ({', '.join(row)}) VALUES "
                                  f"({', '.join('?' * len(row))})", list(row.values()))
        return cur.lastrowid

    def run(self, run_id: int) -> Run:
        row = self.db.execute("SELECT * FROM import_runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no import run {run_id}")
        return self._run(row)

    def runs(self, source_id: int, *, limit: int = 50) -> list[Run]:
        rows = self.db.execute("SELECT * FROM import_runs WHERE source_id = ? ORDER BY id DESC LIMIT ?",
                               [source_id, limit])
        return [self._run(r) for r in rows]

    def last_runs(self) -> dict[int, Run]:
        """The latest run of each source (one query)."""
        rows = self.db.execute("SELECT * FROM import_runs WHERE id IN "
                               "(SELECT MAX(id) FROM import_runs GROUP BY source_id)")
        return {run.source_id: run for run in map(self._run, rows)}

    def _run(self, row) -> Run:
        data = dict(row)
        for key in _JSON_RUN:
            data[key] = json.loads(data[key] or "[]")
        data["changes"] = [tuple(c) for c in data["changes"]]
        data["dry_run"] = bool(data["dry_run"])
        return Run(**data)


    # -- background jobs ----------------------------------------------------------------
    def start_job(self, source_id: int, *, dry_run: bool, by: str, pid: int, full: bool = False) -> int:
        """Record a running import of a source; :class:`SourceBusy` if one is running already."""
        try:
            with transaction(self.db):
                cur = self.db.execute(
                    "INSERT INTO import_jobs (source_id, dry_run, full, status, pid, by, started_at) "
                    "VALUES (?, ?, ?, 'running', ?, ?, ?)", [source_id, int(dry_run), int(full), pid, by, utcnow()])
        except sqlite3.IntegrityError as e:
            raise SourceBusy(_("an import of this source is already running")) from e
        return cur.lastrowid

    def finish_job(self, job_id: int, *, run_id: int | None = None, error: str = "") -> None:
        """The job is over: ``done`` with its run, or ``failed`` with the reason (no run was stored)."""
        with transaction(self.db):
            self.db.execute("UPDATE import_jobs SET status = ?, run_id = ?, error = ?, finished_at = ? "
                            "WHERE id = ?", ["failed" if error else "done", run_id, error, utcnow(), job_id])

    def job(self, job_id: int) -> Job:
        row = self.db.execute("SELECT * FROM import_jobs WHERE id = ?", [job_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no import job {job_id}")
        return self._job(row)

    def running_jobs(self, source_id: int | None = None) -> list[Job]:
        """The jobs still running (of one source, or of all)."""
        where, args = ("AND source_id = ?", [source_id]) if source_id is not None else ("", [])
        rows = self.db.execute(f"SELECT * FROM import_jobs WHERE status = 'running' {where} ORDER BY id", args)
        return [self._job(r) for r in rows]

    def _job(self, row) -> Job:
        data = dict(row)
        data["dry_run"], data["full"] = bool(data["dry_run"]), bool(data["full"])
        return Job(**data)


__all__ = ["Job", "Source", "SourceBusy", "Run", "SourceStore"]
