"""Imports started from the editor run in a background thread, never in the web request.

"Preview" and "Import now" record a job (:meth:`poi.source_store.SourceStore.start_job`: at most
one running per source, enforced by the database, so two clicks or two processes cannot run the
same source twice) and start a thread that opens its own database connection and calls
:func:`poi.sources.run_source` (one transaction: a failing source leaves nothing half-imported),
then attaches the new POIs to the trails whose corridor they fall in. The request answers at
once with the job's page, which refreshes itself until the run's report is there.

A job whose process is gone (the server was stopped during an import) is marked failed the next
time anyone looks (:meth:`ImportJobs.sweep`): the import's transaction died with the process, so
nothing of it was written. ``balise sync`` takes the same per-source lock (:func:`locked_run`).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from poi.i18n import current_language, language
from poi.i18n import gettext as _
from poi.source_store import Run, Source, SourceStore
from poi.sources import run_source
from poi.store import open_db
from trails.corridor import attach_pois

log = logging.getLogger(__name__)


def _pid_alive(pid: int) -> bool:
    """Whether a process of this machine with this id is running."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def locked_run(db, source: Source, *, db_folder: Path, dry_run: bool, by: str, full: bool = False,
               job_id: int | None = None, progress=None) -> tuple[Run, list[int]]:
    """Run a source under its job row (taken here unless ``job_id`` is given) and attach the new POIs.

    The stops of the new POIs are written inside the import's transaction: all of it commits, or nothing.
    Raises :class:`poi.source_store.SourceBusy` when another import of the source is running.
    The job ends ``done`` with its run (a failed run is a run too), or ``failed`` if something
    unexpected broke (then the error goes on up, after the job says so).
    """
    store = SourceStore(db)
    if job_id is None:
        job_id = store.start_job(source.id, dry_run=dry_run, by=by, pid=os.getpid(), full=full)
    try:
        # the new POIs join the trails whose corridor they fall in, in the import's own transaction
        run, ids = run_source(db, source, db_folder=db_folder, dry_run=dry_run, by=by, incremental=not full,
                              progress=progress, then=lambda report: attach_pois(db, list(report.ids)))
    except BaseException as e:  # a bug or the disk: the job must not stay "running"
        if db.conn.in_transaction:
            db.conn.rollback()
        store.finish_job(job_id, error=str(e) or type(e).__name__)
        raise
    store.finish_job(job_id, run_id=run.id)
    return run, ids


class ImportJobs:
    """The background imports of one web app (``app.extensions["balise_import_jobs"]``).

    ``components``: what the worker's own connection opens the database with
    (:data:`webapp.schema.COMPONENTS`). An in-memory database cannot be shared with another
    connection: there the import runs in the request, as before.
    """

    def __init__(self, db_path: str, components):
        self.db_path = str(db_path)
        self.components = tuple(components)
        self.db_folder = Path(self.db_path).resolve().parent if self.db_path != ":memory:" else Path(".")
        self.records: dict[int, int] = {}  # job id -> records read so far (this process's jobs)
        self._threads: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, db, source: Source, *, dry_run: bool, by: str, full: bool = False) -> int:
        """Start an import (or a preview) of ``source``; returns the job's id at once.

        Raises :class:`poi.source_store.SourceBusy` when the source is being imported already.
        """
        store = SourceStore(db)
        self.sweep(store)
        if self.db_path == ":memory:":
            job_id = store.start_job(source.id, dry_run=dry_run, by=by, pid=os.getpid(), full=full)
            locked_run(db, source, db_folder=self.db_folder, dry_run=dry_run, by=by, full=full, job_id=job_id)
            return job_id
        with self._lock:  # a sweep in another thread waits until the job's thread is known
            job_id = store.start_job(source.id, dry_run=dry_run, by=by, pid=os.getpid(), full=full)
            thread = threading.Thread(target=self._work, args=(job_id, source, dry_run, by, full, current_language()),
                                      name=f"balise-import-{job_id}", daemon=True)
            self._threads[job_id] = thread
            self.records[job_id] = 0
        thread.start()
        return job_id

    def _work(self, job_id: int, source: Source, dry_run: bool, by: str, full: bool, lang: str) -> None:
        """The thread: the report's reasons are written in the language of whoever started it."""
        db = open_db(self.db_path, self.components)
        try:
            with language(lang):
                locked_run(db, source, db_folder=self.db_folder, dry_run=dry_run, by=by, full=full, job_id=job_id,
                           progress=lambda report: self.records.__setitem__(job_id, report.records))
        except Exception:
            log.exception("import job %s of source %s failed", job_id, source.name)
        finally:
            db.conn.close()
            with self._lock:
                self._threads.pop(job_id, None)
                self.records.pop(job_id, None)

    def alive(self, job) -> bool:
        """Whether a running job's worker is still at work (here: its thread; elsewhere: its process)."""
        if job.pid == os.getpid():
            with self._lock:
                thread = self._threads.get(job.id)
            return thread is not None and thread.is_alive()
        return _pid_alive(job.pid)

    def sweep(self, store: SourceStore) -> None:
        """Mark failed the running jobs whose worker is gone (the server stopped during an import)."""
        for job in store.running_jobs():
            if not self.alive(job):
                store.finish_job(job.id, error=_("interrupted: the server stopped during the import; nothing "
                                                 "of it was written, run it again"))

    def wait(self, job_id: int, timeout_s: float = 60.0) -> None:
        """Wait for a job of this process to end (tests, and a server that stops cleanly)."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout_s)
