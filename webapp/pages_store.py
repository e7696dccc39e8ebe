"""The revision of everything the public pages show: one counter that every committed change of it bumps.

The caches of rendered pages and JSON answers (:mod:`webapp.public`, :mod:`webapp.api`) are keyed on
:func:`content_revision`, so that a page stays cached until the data it was made of changes, whoever
changes it (the editor, the CLI, an import in another process), and one query of one row tells.

Triggers on the tables of circuits, stops, POIs, their sources and media, and walkers' feedback bump
``content_revision.n`` on every inserted, updated or deleted row, inside the writer's transaction (so
a rolled-back write bumps nothing). The tables written on every visit (``daily_counts``) or every login
are not counted: they are not shown on public pages and would empty the caches all the time.

>>> from poi.store import open_db
>>> from trails.store import TRAILS
>>> from webapp.feedback_store import FEEDBACK
>>> db = open_db(":memory:", [TRAILS, FEEDBACK, PAGES])
>>> before = content_revision(db)
>>> _ = db.execute("UPDATE pois SET name = 'x' WHERE id = 0")  # no row: nothing changed
>>> content_revision(db) == before
True
>>> _ = db.execute("INSERT INTO media VALUES ('ab12', 'jpg', 'image', 'image/jpeg', 4, 3, NULL, 900, 'ab12', '')")
>>> content_revision(db) == before + 1
True
"""
from __future__ import annotations

import sqlite_utils

from poi.store import Component

#: Tables whose rows the public pages and the JSON API show.
CONTENT_TABLES = ("pois", "poi_sources", "media", "trails", "trail_themes", "trail_stops", "feedback")

MIGRATIONS = [
    "CREATE TABLE content_revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);\n"
    "INSERT INTO content_revision VALUES (1, 0);\n"
    + "\n".join(f"CREATE TRIGGER content_revision_{table}_{op.lower()} AFTER {op} ON {table} "
                "BEGIN UPDATE content_revision SET n = n + 1; END;"
                for table in CONTENT_TABLES for op in ("INSERT", "UPDATE", "DELETE")),
]

#: The table of this module (:func:`poi.store.open_db` applies it for whoever lists it).
PAGES = Component("pages", MIGRATIONS, requires=("poi", "trails", "feedback"))


def content_revision(db: sqlite_utils.Database) -> int:
    """The number of committed row changes of :data:`CONTENT_TABLES` so far (what page caches are keyed on)."""
    return db.execute("SELECT n FROM content_revision").fetchone()[0]
