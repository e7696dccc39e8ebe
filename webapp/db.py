"""The database of a request (``g.db``): one connection per server thread, opened once.

Opening SQLite and checking migrations costs ~2 ms, a third of a cached page,
so each worker thread keeps its connection for the life of the app (waitress
runs a fixed pool of threads). SQLite in WAL mode lets these connections read
while another process (the CLI) writes; the filter index notices committed
changes through the trails revision counter.
"""
from __future__ import annotations

import threading

from flask import Flask, abort, current_app, g

from poi.errors import NotFoundError
from poi.store import PoiStore, open_db
from trails.models import Trail
from trails.store import TrailStore
from webapp.schema import COMPONENTS


def get_db():
    if "db" not in g:
        local = current_app.extensions["balise_db"]
        db = getattr(local, "db", None)
        if db is None:
            db = local.db = open_db(current_app.config["DATABASE"], COMPONENTS)
        g.db = db
    return g.db


def pois() -> PoiStore:
    return PoiStore(get_db())


def trails() -> TrailStore:
    return TrailStore(get_db())


def published_trail(trail_id: int) -> Trail:
    """The published trail ``trail_id`` for the public; unknown and unpublished ids give the same 404."""
    try:
        trail = trails().get(trail_id)
    except NotFoundError:
        abort(404)
    if not trail.published:
        abort(404)
    return trail


def _end_request(exc=None) -> None:
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:  # a view failed half-way: never leak its writes
        db.conn.rollback()


def init_app(app: Flask) -> None:
    app.extensions["balise_db"] = threading.local()
    app.teardown_appcontext(_end_request)
