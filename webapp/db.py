"""Open the store once per request (``g``), close it at teardown."""
from __future__ import annotations

from flask import Flask, current_app, g

from poi.store import PoiStore, open_db
from trails.store import TrailStore


def get_db():
    if "db" not in g:
        g.db = open_db(current_app.config["DATABASE"])
    return g.db


def pois() -> PoiStore:
    return PoiStore(get_db())


def trails() -> TrailStore:
    return TrailStore(get_db())


def close_db(exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
