"""Storage of visitors' feedback (ratings, comments, problem reports) and of its rate limit: all their SQL.

Tables (component :data:`FEEDBACK`, after ``trails``, applied by :func:`poi.store.open_db` when its
caller lists it: :data:`webapp.schema.COMPONENTS`):

- ``feedback``: one row per message, tied to a trail (deleted with it), held for moderation
  (``status``: ``pending`` -> ``approved`` or ``rejected``, with who and when);
  ``client`` is a keyed hash of the sender's address, never the address itself;
- ``feedback_attempts``: when each client sent something, for the per-hour limit.

>>> from poi.store import open_db
>>> from trails.models import Trail
>>> from trails.store import TRAILS, TrailStore
>>> db = open_db(":memory:", [TRAILS, FEEDBACK])
>>> tid = TrailStore(db).save(Trail(name="Tournel"))
>>> store = FeedbackStore(db)
>>> fid = store.add(Feedback(trail_id=tid, kind="review", rating=4, comment="Belle vue", client="c1"))
>>> store.rating(tid)  # pending: not counted yet
RatingSummary(average=None, count=0)
>>> store.set_status(fid, "approved", by="marie").status
'approved'
>>> store.rating(tid), [f.comment for f in store.approved(tid)]
(RatingSummary(average=4.0, count=1), ['Belle vue'])
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

import sqlite_utils

from poi.errors import BaliseError, NotFoundError
from poi.store import Component, transaction, utcnow

KINDS = ("review", "problem")
PROBLEMS = ("fallen_tree", "missing_waymark", "damaged_path", "other")
STATUSES = ("pending", "approved", "rejected")

MIGRATIONS = [
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        trail_id INTEGER NOT NULL REFERENCES trails(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('review', 'problem')),
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        problem TEXT CHECK (problem IS NULL OR problem IN ('fallen_tree', 'missing_waymark', 'damaged_path',
                                                          'other')),
        comment TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        photo TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        client TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        moderated_at TEXT NOT NULL DEFAULT '',
        moderated_by TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX feedback_trail_status ON feedback(trail_id, status);
    CREATE INDEX feedback_status_created ON feedback(status, created_at);
    CREATE TABLE feedback_attempts (
        client TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX feedback_attempts_client ON feedback_attempts(client, at);
    """,
]


#: The tables of this module (:func:`poi.store.open_db` applies them for whoever lists it).
FEEDBACK = Component("feedback", MIGRATIONS, requires=("poi", "trails"))


class FeedbackError(BaliseError, ValueError):
    """A feedback message cannot be accepted as sent (the message says what to fix)."""


@dataclass(slots=True)
class Feedback:
    """One visitor's message about a trail: a ``review`` (rating 1-5, comment) or a ``problem`` report."""

    trail_id: int
    kind: str
    rating: int | None = None
    problem: str | None = None
    comment: str = ""
    author: str = ""
    photo: str = ""  # media URL (media/<sha256>.<ext>) in the media store, or ""
    status: str = "pending"
    client: str = ""
    created_at: str = ""
    moderated_at: str = ""
    moderated_by: str = ""
    id: int | None = None


class RatingSummary(NamedTuple):
    """Average of the approved ratings of a trail (None when there is none) and how many there are."""

    average: float | None
    count: int


def _feedback(row: sqlite3.Row) -> Feedback:
    return Feedback(**{k: row[k] for k in row.keys()})


class FeedbackStore:
    """Feedback messages and the rate-limit log, in the Balise database."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.db.conn.row_factory = sqlite3.Row

    def add(self, fb: Feedback) -> int:
        """Store a new message (always ``pending``); returns its id."""
        if fb.kind not in KINDS:
            raise FeedbackError(f"unknown feedback kind {fb.kind!r}; choose among {', '.join(KINDS)}")
        fb.status, fb.created_at = "pending", fb.created_at or utcnow()
        try:
            fb.id = self.db.execute(
                "INSERT INTO feedback (trail_id, kind, rating, problem, comment, author, photo, status, client, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [fb.trail_id, fb.kind, fb.rating, fb.problem, fb.comment, fb.author, fb.photo, fb.status,
                 fb.client, fb.created_at]).lastrowid
        except sqlite3.IntegrityError as e:
            raise FeedbackError(f"feedback refused by the database ({e}); check the trail id, rating and "
                                "problem type") from e
        return fb.id

    def get(self, feedback_id: int) -> Feedback:
        row = self.db.execute("SELECT * FROM feedback WHERE id = ?", [feedback_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no feedback with id {feedback_id}")
        return _feedback(row)

    def messages(self, status: str | None = None, *, trail_id: int | None = None, limit: int = 100,
             offset: int = 0) -> list[Feedback]:
        """Messages, newest first (pending ones: oldest first, the order to moderate them in)."""
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if trail_id is not None:
            where.append("trail_id = ?")
            params.append(trail_id)
        order = "created_at, id" if status == "pending" else "created_at DESC, id DESC"
        sql = (f"SELECT * FROM feedback WHERE {' AND '.join(where) or '1'} ORDER BY {order} "
               f"LIMIT {int(limit)} OFFSET {int(offset)}")
        return [_feedback(r) for r in self.db.execute(sql, params).fetchall()]

    def counts(self) -> dict[str, int]:
        """How many messages have each status (zeros included)."""
        found = dict(self.db.execute("SELECT status, COUNT(*) FROM feedback GROUP BY status").fetchall())
        return {s: found.get(s, 0) for s in STATUSES}

    def set_status(self, feedback_id: int, status: str, *, by: str) -> Feedback:
        """Approve or reject a message (or put it back to pending), recording who did it and when."""
        if status not in STATUSES:
            raise FeedbackError(f"unknown status {status!r}; choose among {', '.join(STATUSES)}")
        cur = self.db.execute("UPDATE feedback SET status = ?, moderated_at = ?, moderated_by = ? WHERE id = ?",
                              [status, utcnow(), by, feedback_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"no feedback with id {feedback_id}")
        return self.get(feedback_id)

    def approved(self, trail_id: int, kind: str | None = None, limit: int = 20) -> list[Feedback]:
        """The approved messages of a trail, newest first (``kind``: only reviews or only problems)."""
        sql = "SELECT * FROM feedback WHERE trail_id = ? AND status = 'approved'"
        params: list = [trail_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        rows = self.db.execute(sql + f" ORDER BY created_at DESC, id DESC LIMIT {int(limit)}", params).fetchall()
        return [_feedback(r) for r in rows]

    def rating(self, trail_id: int) -> RatingSummary:
        """The mean of the approved ratings of a trail, rounded to one decimal."""
        avg, n = self.db.execute("SELECT AVG(rating), COUNT(rating) FROM feedback WHERE trail_id = ? AND "
                                 "status = 'approved' AND rating IS NOT NULL", [trail_id]).fetchone()
        return RatingSummary(round(avg, 1) if avg is not None else None, n)

    # -- rate limit ------------------------------------------------------------------------------------------
    def take_slot(self, client: str, *, limit: int, window_s: float, now: float) -> float:
        """Record one sending by ``client`` if it has sent fewer than ``limit`` within ``window_s``.

        Returns 0 when the sending is allowed (and recorded), else the seconds to wait.
        Old attempts (of everyone) are forgotten on the way.
        """
        with transaction(self.db):
            self.db.execute("DELETE FROM feedback_attempts WHERE at < ?", [now - window_s])
            times = [r[0] for r in self.db.execute(
                "SELECT at FROM feedback_attempts WHERE client = ? ORDER BY at", [client]).fetchall()]
            if len(times) >= limit:
                return max(1.0, times[-limit] + window_s - now)
            self.db.execute("INSERT INTO feedback_attempts VALUES (?, ?)", [client, now])
        return 0.0
