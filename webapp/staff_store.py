"""SQLite storage of the staff side: accounts, login sessions, failed logins and the change history.

The only module of the staff editor that speaks SQL. Its tables live in the
Balise database beside the POIs and trails (component :data:`STAFF`, applied by
:func:`poi.store.open_db` when its caller lists it: :data:`webapp.schema.COMPONENTS`).

* ``users``: one row per account; passwords are stored as werkzeug scrypt hashes
  (:func:`werkzeug.security.generate_password_hash`), never in clear.
* ``staff_sessions``: the login sessions. The browser's signed cookie holds a
  random session id; only its SHA-256 is stored, so logging out (or a password
  change, or deactivating the account) ends the session on the server too.
* ``login_failures``: failed logins by key (``ip:…``, ``userip:…`` and ``user:…``) and time, for the rate
  limit (:meth:`StaffStore.claim_attempt`, counted atomically before the password is checked).
* ``revisions``: every change made in the editor, with a full JSON snapshot of
  the trail after the change. No foreign key: a deleted trail keeps its history.
"""
from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from poi.errors import BaliseError, NotFoundError
from poi.i18n import gettext as _
from poi.store import Component, transaction, utcnow

ROLES = ("editor", "admin")
#: Failed logins allowed per key (IP address, user name) within the window, before refusing.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 600
MIN_PASSWORD_LENGTH = 10
#: werkzeug's hashing method: scrypt with its defaults (N=2^15, r=8, p=1; ~0.3 s a hash here).
PASSWORD_METHOD = "scrypt"
#: A few passwords people still choose; longer than the minimum, so the length rule alone lets them in.
COMMON_PASSWORDS = frozenset({
    "password123", "motdepasse", "motdepasse1", "motdepasse123", "azertyuiop", "qwertyuiop", "1234567890",
    "0123456789", "12345678910", "administrator", "administrateur", "balisebalise", "changeme123",
    "letmein123", "iloveyou123", "jetaime123", "welcome123", "bienvenue1", "bienvenue123", "password1234",
})

MIGRATIONS = [
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE staff_sessions (
        sid_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX staff_sessions_user ON staff_sessions(user_id);
    CREATE TABLE login_failures (
        key TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX login_failures_key ON login_failures(key, at);
    CREATE TABLE revisions (
        id INTEGER PRIMARY KEY,
        trail_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        snapshot TEXT NOT NULL
    );
    CREATE INDEX revisions_trail ON revisions(trail_id, id);
    """,
]


#: The tables of this module (:func:`poi.store.open_db` applies them for whoever lists it).
STAFF = Component("staff", MIGRATIONS, requires=("poi",))


class AccountError(BaliseError, ValueError):
    """A user name, password or role that cannot be accepted; the message says what to do."""


@dataclass(slots=True)
class User:
    """A staff account (the password hash never leaves the store except to be checked)."""

    id: int
    username: str
    role: str
    active: bool
    created_at: str
    password_hash: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def password_stamp(self) -> str:
        """A short fingerprint of the password hash: sessions opened before a password change end."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


@dataclass(slots=True)
class Revision:
    """One recorded change of a trail: who, when, what, and the trail as it was after it."""

    id: int
    trail_id: int
    user: str
    at: str
    action: str
    summary: str
    snapshot: dict


def check_username(username: str) -> str:
    """The user name, stripped, if it is 1-40 letters, digits, ``.``, ``_``, ``-`` or ``@``.

    >>> check_username(" marie.dupont ")
    'marie.dupont'
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     check_username("a b")
    Traceback (most recent call last):
    webapp.staff_store.AccountError: user name 'a b' may only hold letters, digits and . _ - @ (1 to 40 characters)
    """
    name = (username or "").strip()
    if not (1 <= len(name) <= 40) or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError(_("user name {name!r} may only hold letters, digits and . _ - @ (1 to 40 characters)",
                             name=name))
    return name


def check_password(password: str, username: str = "") -> str:
    """``password`` if it is strong enough, else an :class:`AccountError` saying why.

    Rules: at least :data:`MIN_PASSWORD_LENGTH` characters, at least 4 different
    characters, not the user name, not one of :data:`COMMON_PASSWORDS`.

    >>> check_password("sentier-du-tournel-1907")
    'sentier-du-tournel-1907'
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     check_password("short")
    Traceback (most recent call last):
    webapp.staff_store.AccountError: the password is too short: use at least 10 characters
    >>> with language("en"):
    ...     check_password("aaaaaaaaaaaa")
    Traceback (most recent call last):
    webapp.staff_store.AccountError: the password is too easy to guess: mix more different characters
    """
    if not password or not password.strip():
        raise AccountError(_("the password is empty: choose one of at least {n} characters", n=MIN_PASSWORD_LENGTH))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("the password is too short: use at least {n} characters", n=MIN_PASSWORD_LENGTH))
    if len(set(password)) < 4 or password.lower() in COMMON_PASSWORDS:
        raise AccountError(_("the password is too easy to guess: mix more different characters"))
    if username and password.lower() == username.lower():
        raise AccountError(_("the password must not be the user name"))
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(_("unknown role {role!r}; choose one of {roles}", role=role, roles=", ".join(ROLES)))
    return role


def _user(row) -> User:
    return User(id=row["id"], username=row["username"], role=row["role"], active=bool(row["active"]),
                created_at=row["created_at"], password_hash=row["password_hash"])


def _revision(row) -> Revision:
    return Revision(id=row["id"], trail_id=row["trail_id"], user=row["user"], at=row["at"], action=row["action"],
                    summary=row["summary"], snapshot=json.loads(row["snapshot"]))


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class StaffStore:
    """Accounts, sessions, failed logins and revisions in the Balise database.

    >>> from poi.store import open_db
    >>> staff = StaffStore(open_db(":memory:", [STAFF]))
    >>> u = staff.add_user("marie", "sentier-du-tournel-1907", role="admin")
    >>> staff.authenticate("Marie", "sentier-du-tournel-1907").role, staff.authenticate("marie", "wrong")
    ('admin', None)
    """

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.db.conn.row_factory = sqlite3.Row

    # -- accounts ------------------------------------------------------------
    def add_user(self, username: str, password: str, *, role: str = "editor") -> User:
        """Create an account; the password is checked (:func:`check_password`) and hashed (scrypt)."""
        name = check_username(username)
        check_role(role)
        check_password(password, name)
        with transaction(self.db):
            if self.get_user(name) is not None:
                raise AccountError(_("a user named {name!r} already exists", name=name))
            self.db.execute("INSERT INTO users (username, password_hash, role, active, created_at) "
                            "VALUES (?, ?, ?, 1, ?)", [name, _hash(password), role, utcnow()])
        return self.get_user(name)

    def get_user(self, username: str) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE username = ?", [(username or "").strip()]).fetchone()
        return _user(row) if row else None

    def get_user_by_id(self, user_id: int) -> User | None:
        row = self.db.execute("SELECT * FROM users WHERE id = ?", [user_id]).fetchone()
        return _user(row) if row else None

    def users(self) -> list[User]:
        return [_user(r) for r in self.db.execute("SELECT * FROM users ORDER BY username").fetchall()]

    def _existing(self, username: str) -> User:
        user = self.get_user(username)
        if user is None:
            raise NotFoundError(_("no user named {name!r}: see `balise user list`", name=username))
        return user

    def set_password(self, username: str, password: str) -> User:
        """Change a password (checked, hashed); every session of the user ends."""
        user = self._existing(username)
        check_password(password, user.username)
        with transaction(self.db):
            self.db.execute("UPDATE users SET password_hash = ? WHERE id = ?",
                            [_hash(password), user.id])
            self.db.execute("DELETE FROM staff_sessions WHERE user_id = ?", [user.id])
        return self._existing(username)

    def set_active(self, username: str, active: bool) -> User:
        """(De)activate an account; deactivating ends its sessions. The last active admin stays."""
        user = self._existing(username)
        with transaction(self.db):
            if not active and user.is_admin and user.active and self._active_admins() <= 1:
                raise AccountError(_("{name} is the last active administrator: make another one first",
                                     name=user.username))
            self.db.execute("UPDATE users SET active = ? WHERE id = ?", [1 if active else 0, user.id])
            if not active:
                self.db.execute("DELETE FROM staff_sessions WHERE user_id = ?", [user.id])
        return self._existing(username)

    def _active_admins(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, else None (same work either way)."""
        user = self.get_user(username)
        if user is None:
            # Hash anyway: the answer takes as long for an unknown name as for a wrong password.
            check_password_hash(_dummy_hash(), password or "")
            return None
        if not check_password_hash(user.password_hash, password or "") or not user.active:
            return None
        return user

    # -- sessions ------------------------------------------------------------
    def open_session(self, sid: str, user_id: int, lifetime_s: float) -> None:
        now = time.time()
        with transaction(self.db):
            self.db.execute("DELETE FROM staff_sessions WHERE expires_at < ?", [now])
            self.db.execute("INSERT INTO staff_sessions VALUES (?, ?, ?, ?)",
                            [_sid_hash(sid), user_id, now, now + lifetime_s])

    def session_user(self, sid: str) -> User | None:
        """The active user of an unexpired session, else None."""
        row = self.db.execute(
            "SELECT users.* FROM staff_sessions JOIN users ON users.id = staff_sessions.user_id "
            "WHERE sid_sha256 = ? AND expires_at >= ? AND users.active = 1",
            [_sid_hash(sid), time.time()]).fetchone()
        return _user(row) if row else None

    def close_session(self, sid: str) -> None:
        self.db.execute("DELETE FROM staff_sessions WHERE sid_sha256 = ?", [_sid_hash(sid)])

    # -- failed logins (rate limit) ------------------------------------------
    def claim_attempt(self, limits: dict[str, int], slow_key: str, *, window_s: float, delay_s, now: float
                      ) -> tuple[float, list[int]]:
        """Atomically decide whether one login may be tried, and count it as failed until it succeeds.

        ``limits``: key -> failures allowed in ``window_s`` (a key over its limit is locked out until the
        oldest counted failure leaves the window). ``slow_key`` is only slowed down: with ``n`` failures in
        the window, the next try waits ``delay_s(n)`` seconds after the last one. Returns ``(wait_s, rows)``:
        ``wait_s > 0`` means refused (nothing counted); else ``rows`` are the failures recorded in advance
        for this try, to :meth:`release_attempt` when the password is right. One ``BEGIN IMMEDIATE``: forty
        parallel guesses cannot all pass the check before any is counted.
        """
        with transaction(self.db):
            self.db.execute("DELETE FROM login_failures WHERE at < ?", [now - 24 * 3600])
            wait = 0.0
            for key, limit in limits.items():
                times = self.failures(key, window_s, now)
                if len(times) >= limit:
                    wait = max(wait, times[-limit] + window_s - now)
            times = self.failures(slow_key, window_s, now)
            delay = delay_s(len(times)) if times else 0.0
            if delay > 0:  # no slow-down below the limit, even when a parallel try was counted a moment later
                wait = max(wait, times[-1] + delay - now)
            if wait > 0:
                return wait, []
            rows = [self.db.execute("INSERT INTO login_failures VALUES (?, ?)", [key, now]).lastrowid
                    for key in [*limits, slow_key]]
        return 0.0, rows

    def release_attempt(self, rows: list[int]) -> None:
        """Forget the failures :meth:`claim_attempt` recorded in advance (the password was right)."""
        with transaction(self.db):
            for row in rows:
                self.db.execute("DELETE FROM login_failures WHERE rowid = ?", [row])

    def failures(self, key: str, window_s: float = FAILURE_WINDOW_S, now: float | None = None) -> list[float]:
        """Times of the failed logins of ``key`` within the last ``window_s`` seconds, oldest first."""
        now = time.time() if now is None else now
        return [r[0] for r in self.db.execute("SELECT at FROM login_failures WHERE key = ? AND at >= ? ORDER BY at",
                                              [key, now - window_s]).fetchall()]

    def clear_failures(self, key: str) -> None:
        self.db.execute("DELETE FROM login_failures WHERE key = ?", [key])

    # -- change history --------------------------------------------------------
    def add_revision(self, trail_id: int, user: str, action: str, summary: str, snapshot: dict) -> int:
        return self.db.execute(
            "INSERT INTO revisions (trail_id, user, at, action, summary, snapshot) VALUES (?, ?, ?, ?, ?, ?)",
            [trail_id, user, utcnow(), action, summary, json.dumps(snapshot, ensure_ascii=False, sort_keys=True)],
        ).lastrowid

    def revisions(self, trail_id: int) -> list[Revision]:
        """The trail's revisions, newest first."""
        return [_revision(r) for r in self.db.execute(
            "SELECT * FROM revisions WHERE trail_id = ? ORDER BY id DESC", [trail_id]).fetchall()]

    def revision(self, revision_id: int) -> Revision:
        row = self.db.execute("SELECT * FROM revisions WHERE id = ?", [revision_id]).fetchone()
        if row is None:
            raise NotFoundError(_("no revision with id {id}", id=revision_id))
        return _revision(row)


def _hash(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("balise-timing-equaliser")
