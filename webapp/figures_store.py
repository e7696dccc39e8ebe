"""Usage figures: aggregated daily counts, and the figures staff read from them. All their SQL.

Privacy by design: the only thing stored is a count per day, metric, trail and "where the QR
code was printed" (``src``). No cookie, no IP address, no position, no time finer than the day,
nothing about who asked.

Table (component :data:`FIGURES`, applied by :func:`poi.store.open_db` when its caller lists it):

- ``daily_counts(day, metric, trail_id, src, n)``: one row per combination, incremented by one
  UPSERT per counted request.

Metrics (:data:`METRICS`): ``view`` (a circuit's page), ``gpx`` (GPX download), ``zip`` (the
bundle as a zip), ``install`` (the bundle installed for offline use: its service worker
precached it), ``qr`` (the bundle opened from a QR code; ``src`` says where it was printed).
Feedback is counted from the feedback messages themselves, POIs offered from the POI table.

>>> from poi.store import open_db
>>> from trails.store import TRAILS
>>> from webapp.feedback_store import FEEDBACK
>>> db = open_db(":memory:", [TRAILS, FEEDBACK, FIGURES])
>>> store = FiguresStore(db)
>>> for src in ("poster", "poster", "flyer"):
...     store.count("qr", 3, src=src, day="2026-06-01")
>>> store.count("view", 3, day="2026-06-02")
>>> store.totals("2026-06-01", "2026-06-30")
{'view': 1, 'gpx': 0, 'zip': 0, 'install': 0, 'qr': 3, 'feedback': 0}
>>> store.qr_sources("2026-06-01", "2026-06-30")
[('poster', 2), ('flyer', 1)]
"""
from __future__ import annotations

import datetime as dt

import sqlite_utils

import webapp.feedback_store  # noqa: F401  (the feedback table is counted too)
from poi.store import Component

METRICS = ("view", "gpx", "zip", "install", "qr")
#: What the dashboard shows, in order (``feedback`` comes from the feedback table).
COLUMNS = (*METRICS, "feedback")

MIGRATIONS = [
    """
    CREATE TABLE daily_counts (
        day TEXT NOT NULL,
        metric TEXT NOT NULL,
        trail_id INTEGER NOT NULL DEFAULT 0,
        src TEXT NOT NULL DEFAULT '',
        n INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, metric, trail_id, src)
    ) WITHOUT ROWID;
    """,
]


#: The table of this module (:func:`poi.store.open_db` applies it for whoever lists it); its totals read the
#: feedback table too.
FIGURES = Component("figures", MIGRATIONS, requires=("poi", "trails", "feedback"))


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


class FiguresStore:
    """Daily counts and what staff read from them."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def count(self, metric: str, trail_id: int | None = None, *, src: str = "", day: str | None = None) -> None:
        """Add one to today's count (one UPSERT, committed at once)."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        self.db.conn.execute(
            "INSERT INTO daily_counts (day, metric, trail_id, src, n) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT (day, metric, trail_id, src) DO UPDATE SET n = n + 1",
            [day or today(), metric, int(trail_id or 0), src])

    def add_counts(self, counts: dict[tuple[str, str, int, str], int], *, wait_ms: int = 5000) -> None:
        """Add ``{(day, metric, trail id, src): n}`` in one transaction, waiting at most ``wait_ms`` for a writer.

        Raises :class:`sqlite3.OperationalError` ("database is locked") when another writer holds the
        database longer: nothing is written then, and the caller may try again later.
        """
        conn = self.db.conn
        usual_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT INTO daily_counts (day, metric, trail_id, src, n) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (day, metric, trail_id, src) DO UPDATE SET n = n + excluded.n",
                    [(day, metric, int(trail_id or 0), src, n) for (day, metric, trail_id, src), n in counts.items()])
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(usual_ms)}")

    def totals(self, first: str, last: str) -> dict[str, int]:
        """Each metric's total between two days (inclusive), feedback included."""
        out = dict.fromkeys(COLUMNS, 0)
        for metric, n in self.db.conn.execute(
                "SELECT metric, SUM(n) FROM daily_counts WHERE day BETWEEN ? AND ? GROUP BY metric", [first, last]):
            out[metric] = n
        out["feedback"] = sum(self._feedback_by_day(first, last).values())
        return out

    def by_day(self, first: str, last: str) -> list[tuple[str, dict[str, int]]]:
        """``(day, {metric: n})`` for every day of the period, oldest first, zeros included."""
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        days = {(start + dt.timedelta(d)).isoformat(): dict.fromkeys(COLUMNS, 0)
                for d in range((end - start).days + 1)}
        for day, metric, n in self.db.conn.execute(
                "SELECT day, metric, SUM(n) FROM daily_counts WHERE day BETWEEN ? AND ? GROUP BY day, metric",
                [first, last]):
            days[day][metric] = n
        for day, n in self._feedback_by_day(first, last).items():
            days[day]["feedback"] = n
        return list(days.items())

    def by_trail(self, first: str, last: str) -> list[tuple[int, str, dict[str, int]]]:
        """``(trail id, name, {metric: n})`` of the trails counted in the period, most viewed first."""
        rows: dict[int, dict[str, int]] = {}
        for trail_id, metric, n in self.db.conn.execute(
                "SELECT trail_id, metric, SUM(n) FROM daily_counts WHERE day BETWEEN ? AND ? AND trail_id > 0 "
                "GROUP BY trail_id, metric", [first, last]):
            rows.setdefault(trail_id, dict.fromkeys(COLUMNS, 0))[metric] = n
        for trail_id, n in self.db.conn.execute(
                "SELECT trail_id, COUNT(*) FROM feedback WHERE substr(created_at, 1, 10) BETWEEN ? AND ? "
                "GROUP BY trail_id", [first, last]):
            rows.setdefault(trail_id, dict.fromkeys(COLUMNS, 0))["feedback"] = n
        names = dict(self.db.conn.execute(
            f"SELECT id, name FROM trails WHERE id IN ({', '.join('?' * len(rows))})", list(rows))) if rows else {}
        out = [(tid, names.get(tid, f"#{tid}"), counts) for tid, counts in rows.items()]
        return sorted(out, key=lambda r: (-r[2]["view"], -sum(r[2].values()), r[1]))

    def qr_sources(self, first: str, last: str) -> list[tuple[str, int]]:
        """QR scans by where the code was printed, most first."""
        return [(src, n) for src, n in self.db.conn.execute(
            "SELECT src, SUM(n) AS total FROM daily_counts WHERE metric = 'qr' AND day BETWEEN ? AND ? "
            "GROUP BY src ORDER BY total DESC, src", [first, last])]

    def rows(self, first: str, last: str) -> list[tuple[str, str, int, str, str, int]]:
        """Every count of the period for a CSV: ``(day, metric, trail id, trail name, src, n)``."""
        counts = self.db.conn.execute(
            "SELECT c.day, c.metric, c.trail_id, COALESCE(t.name, ''), c.src, c.n FROM daily_counts c "
            "LEFT JOIN trails t ON t.id = c.trail_id WHERE c.day BETWEEN ? AND ? "
            "UNION ALL SELECT substr(f.created_at, 1, 10), 'feedback', f.trail_id, COALESCE(t.name, ''), '', COUNT(*) "
            "FROM feedback f LEFT JOIN trails t ON t.id = f.trail_id "
            "WHERE substr(f.created_at, 1, 10) BETWEEN ? AND ? GROUP BY 1, 3 "
            "ORDER BY 1, 2, 3, 5", [first, last, first, last])
        return [tuple(r) for r in counts]

    def _feedback_by_day(self, first: str, last: str) -> dict[str, int]:
        return dict(self.db.conn.execute(
            "SELECT substr(created_at, 1, 10) AS day, COUNT(*) FROM feedback WHERE day BETWEEN ? AND ? GROUP BY day",
            [first, last]))

    # -- POIs offered -------------------------------------------------------------------------
    def pois_by_category(self) -> list[tuple[str, int]]:
        return [tuple(r) for r in self.db.conn.execute(
            "SELECT category, COUNT(*) AS n FROM pois GROUP BY category ORDER BY n DESC, category")]

    def pois_by_commune(self, limit: int = 100) -> list[tuple[str, int]]:
        """POIs per commune (``commune`` as the sources gave it; '' when unknown), most first."""
        return [tuple(r) for r in self.db.conn.execute(
            "SELECT commune, COUNT(*) AS n FROM pois "
            "GROUP BY commune ORDER BY n DESC, commune LIMIT ?", [limit])]


__all__ = ["FiguresStore", "METRICS", "COLUMNS", "today"]
