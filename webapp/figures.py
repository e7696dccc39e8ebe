"""Counting what the public does, privately: one daily count per request that matters, and the privacy page.

After each successful response (:func:`count_response`), the request's endpoint says what to count
(:data:`COUNTED`): a circuit page viewed, a GPX or a bundle zip downloaded, the bundle opened from
a QR code (``?src=`` says where the code was printed: ``qr`` by default, ``poster`` on posters),
the bundle installed for offline use (the app downloading a version's ``trail.json`` with
``?balise-install=<version>``; its update checks ask ``files.json?balise-install=check``). Nothing
else is kept: no cookie is set, no IP address, position or time of day is stored (``/privacy`` says so).

Counts are added up in memory (:class:`Tally`) and written in one transaction at most every
``FIGURES_WRITE_SECONDS`` (config, default 5; 0 writes each count at once) by the request that finds
them due, waiting at most 100 ms for another writer (else they wait for the next time). A write per
visit made every circuit page queue for SQLite's write lock under load (issue 10). The staff's
figures pages write what is pending before they read, and so does the process when it exits; a
crash loses at most the last few seconds of counts.

``FIGURES`` (config, default on) turns counting off.
"""
from __future__ import annotations

import atexit
import re
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

from flask import Blueprint, Flask, current_app, render_template, request

from webapp import db
from poi.errors import BaliseError
from webapp.figures_store import FiguresStore, today

bp = Blueprint("figures", __name__)

#: endpoint -> metric counted when it answers 200.
COUNTED = {"public.trail_page": "view", "public.trail_gpx": "gpx", "bundles.bundle_zip": "zip"}
#: Where a QR code was printed: short words only; anything else counts as "other".
SRC = re.compile(r"[a-z0-9_-]{1,32}")


def printed_where(value: str | None, default: str = "") -> str:
    """The ``src`` of a QR link, tidied: lower-case word, or ``other``.

    >>> printed_where("Poster"), printed_where("<script>"), printed_where(None, "qr")
    ('poster', 'other', 'qr')
    """
    if not value:
        return default
    value = value.strip().lower()
    return value if SRC.fullmatch(value) else "other"


def _what(response) -> tuple[str, str] | None:
    if response.status_code != 200 or request.method != "GET":
        return None
    endpoint = request.endpoint or ""
    if endpoint in COUNTED:
        return COUNTED[endpoint], ""
    if endpoint == "bundles.bundle_index" and request.args.get("src"):
        return "qr", printed_where(request.args.get("src"))
    install = request.args.get("balise-install")
    if endpoint == "bundles.bundle_file" and (request.view_args or {}).get("name") == "trail.json" \
            and install and install != "check":
        return "install", ""
    return None


#: How long a due write of the counts waits for another writer (the request that writes them waits too).
WRITE_WAIT_MS = 100


class Tally:
    """The counts of one database not written yet: ``{(day, metric, trail id, src): n}``, thread-safe."""

    def __init__(self, db_path: str, write_every_s: float):
        self.db_path, self.write_every_s = db_path, write_every_s
        self._pending: Counter = Counter()
        self._lock = threading.Lock()  # guards _pending and _since
        self._writing = threading.Lock()  # one writer at a time
        self._since = time.monotonic()

    def add(self, key: tuple[str, str, int, str]) -> None:
        with self._lock:
            self._pending[key] += 1

    def pending(self) -> int:
        with self._lock:
            return sum(self._pending.values())

    def due(self) -> bool:
        return bool(self._pending) and time.monotonic() - self._since >= self.write_every_s

    def write(self, database, *, wait_ms: int, wait_turn: bool = True) -> int:
        """Write the pending counts in one transaction; the number written. On a busy database they stay
        pending and :class:`sqlite3.OperationalError` is raised. ``wait_turn=False``: 0 at once when another
        thread is writing."""
        if not self._writing.acquire(blocking=wait_turn):
            return 0
        try:
            with self._lock:
                batch, self._pending, self._since = self._pending, Counter(), time.monotonic()
            if not batch:
                return 0
            try:
                FiguresStore(database).add_counts(batch, wait_ms=wait_ms)
            except BaseException:
                with self._lock:
                    self._pending.update(batch)
                raise
            return sum(batch.values())
        finally:
            self._writing.release()


_TALLIES: list[Tally] = []  # every app's, for the write at exit (a Tally holds no app, only counts)


def count_response(response):
    """Count this response if it is one of :data:`COUNTED` (never fails the response)."""
    what = _what(response) if current_app.config.get("FIGURES", True) else None
    if what is not None:
        metric, src = what
        tally: Tally = current_app.extensions["balise_figures"]
        tally.add((today(), metric, int((request.view_args or {}).get("trail_id") or 0), src))
        if tally.due():
            try:
                tally.write(db.get_db(), wait_ms=WRITE_WAIT_MS, wait_turn=False)
            except sqlite3.Error as e:  # a busy or read-only database must not cost the visitor the page
                current_app.logger.warning("figures: %d counts kept for later (%s)", tally.pending(), e)
    return response


def write_counts() -> int:
    """Write this app's pending counts now (before staff read the figures); the number written."""
    return current_app.extensions["balise_figures"].write(db.get_db(), wait_ms=5000)


@atexit.register
def _write_at_exit() -> None:
    from poi.store import open_db
    from webapp.schema import COMPONENTS

    for tally in _TALLIES:
        if tally.pending() and Path(tally.db_path).is_file():
            try:
                database = open_db(tally.db_path, COMPONENTS)
                try:
                    tally.write(database, wait_ms=5000)
                finally:
                    database.conn.close()
            except (BaliseError, sqlite3.Error, OSError):
                pass  # the database is gone or locked: these few counts are lost


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


def init_app(app: Flask) -> None:
    app.config.setdefault("FIGURES", True)
    app.config.setdefault("FIGURES_WRITE_SECONDS", 5)
    tally = app.extensions["balise_figures"] = Tally(str(app.config["DATABASE"]),
                                                    float(app.config["FIGURES_WRITE_SECONDS"]))
    _TALLIES.append(tally)
    app.after_request(count_response)
    app.register_blueprint(bp)
