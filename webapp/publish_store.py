"""Change marks for ``balise publish``: which circuits and POIs changed since the last publish, in one query.

Every circuit and every POI has a *mark*, a random 64-bit number that triggers replace on every inserted,
updated or deleted row of what its pages are made of, inside the writer's transaction:

- a circuit's mark (``trail_marks``): its row in ``trails``, its themes, its stops (added, removed, moved);
- a POI's mark (``poi_marks``): its row in ``pois``, its sources (``poi_sources``), the stops that attach it to a
  circuit (its page lists the circuits it is a stop of).

The manifest of the last publish keeps, in the keys of its parts, the marks they were made from
(:mod:`webapp.publish`): a circuit whose mark and whose stops' marks did not change is neither loaded nor
rendered again, so an incremental publish costs what changed, plus reading these few columns. Marks are random,
not counted, so that two databases (a copy, a backup put back) never give one mark to different content.

>>> from poi.store import open_db
>>> from trails.store import TRAILS
>>> db = open_db(":memory:", [TRAILS, PUBLISH])
>>> _ = db.execute("INSERT INTO pois (id, name, lon, lat, source, source_id, updated_at, content_hash) "
...                "VALUES (7, 'Pont', 3.6, 44.3, 'x', '7', '', '')")
>>> before = PublishStore(db).poi_marks()
>>> _ = db.execute("UPDATE pois SET name = 'Pont vieux' WHERE id = 7")
>>> PublishStore(db).poi_marks()[7] != before[7]
True
"""
from __future__ import annotations

import sqlite_utils

from poi.store import Component


def _mark(table: str, key: str, row: str) -> str:
    return f"UPDATE {table} SET mark = random() WHERE {key} = {row};"


def _triggers() -> str:
    trail, poi = ("trail_marks", "trail_id"), ("poi_marks", "poi_id")
    out = []
    for table, (marks, key) in (("trails", trail), ("pois", poi)):
        out.append(f"CREATE TRIGGER publish_mark_{table}_insert AFTER INSERT ON {table} "
                   f"BEGIN INSERT OR REPLACE INTO {marks} VALUES (NEW.id, random()); END;")
        out.append(f"CREATE TRIGGER publish_mark_{table}_update AFTER UPDATE ON {table} "
                   f"BEGIN {_mark(marks, key, 'OLD.id')} {_mark(marks, key, 'NEW.id')} END;")
        out.append(f"CREATE TRIGGER publish_mark_{table}_delete AFTER DELETE ON {table} "
                   f"BEGIN DELETE FROM {marks} WHERE {key} = OLD.id; END;")
    # what a circuit's or a POI's pages show beside their own row
    for table, marked in (("trail_themes", [trail]), ("trail_stops", [trail, poi]), ("poi_sources", [poi])):
        for op in ("INSERT", "UPDATE", "DELETE"):
            rows = {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}[op]
            body = " ".join(_mark(marks, key, f"{row}.{key}") for marks, key in marked for row in rows)
            out.append(f"CREATE TRIGGER publish_mark_{table}_{op.lower()} AFTER {op} ON {table} BEGIN {body} END;")
    return "\n".join(out)


MIGRATIONS = [
    "CREATE TABLE trail_marks (trail_id INTEGER PRIMARY KEY, mark INTEGER NOT NULL);\n"
    "CREATE TABLE poi_marks (poi_id INTEGER PRIMARY KEY, mark INTEGER NOT NULL);\n"
    "INSERT INTO trail_marks SELECT id, random() FROM trails;\n"
    "INSERT INTO poi_marks SELECT id, random() FROM pois;\n" + _triggers(),
]

#: The tables of this module (:func:`poi.store.open_db` applies them for whoever lists it).
PUBLISH = Component("publish", MIGRATIONS, requires=("poi", "trails"))


class PublishStore:
    """What ``balise publish`` reads before deciding what to render (see the module docstring)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def published_trails(self) -> list[tuple[int, int]]:
        """``(id, mark)`` of the circuits the public lists (published, not unlisted), by id."""
        return self.db.execute("SELECT t.id, m.mark FROM trails t JOIN trail_marks m ON m.trail_id = t.id "
                               "WHERE t.published = 1 AND t.unlisted = 0 ORDER BY t.id").fetchall()

    def live_stops(self) -> list[tuple[int, int, int]]:
        """``(trail id, POI id, POI mark)`` of every live stop (not removed, not proposed), in walking order."""
        return self.db.execute(
            "SELECT s.trail_id, s.poi_id, m.mark FROM trail_stops s JOIN poi_marks m ON m.poi_id = s.poi_id "
            "WHERE s.status NOT IN ('removed', 'proposed') "
            "ORDER BY s.trail_id, s.position, s.distance_along_m").fetchall()

    def poi_marks(self) -> dict[int, int]:
        return dict(self.db.execute("SELECT poi_id, mark FROM poi_marks").fetchall())
