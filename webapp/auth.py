"""Staff accounts on the web: login, logout, sessions, the ``login_required`` / ``admin_required`` guards.

Sessions
--------
Flask's signed session cookie holds a random session id (``session["sid"]``);
the server keeps its SHA-256 with the user and an expiry
(:class:`webapp.staff_store.StaffStore`), so logging out, changing the password
or deactivating the account ends the session everywhere. Logging in clears the
old session and starts a new id and a new CSRF token (no session fixation).

The cookie is ``HttpOnly`` and ``SameSite=Lax``. ``COOKIE_SECURE`` (config, or
``BALISE_COOKIE_SECURE``) decides the ``Secure`` flag: ``"auto"`` (default) sets
it on every response except plain-http requests to a loopback host
(``127.0.0.0/8``, ``::1``, ``localhost``: ``balise serve``/``demo`` on your own
machine, the test client), ``true`` always, ``false`` never. Behind a reverse
proxy that terminates TLS, keep ``auto`` or set ``true``.

Secret key
----------
The cookie is signed with ``SECRET_KEY``. When it is still the development
default and the app is not ``TESTING``, :func:`ensure_secret_key` uses the key
in ``<database>.secret`` (created once with 48 random bytes, mode 0600, beside
the database), so ``balise serve``/``demo`` never sign with a guessable key and
sessions survive restarts. Setting ``BALISE_SECRET_KEY`` overrides it.

Rate limit
----------
A login fails with 429 once an IP address or a user name has
``LOGIN_MAX_FAILURES`` (5) failures within ``LOGIN_WINDOW_S`` (600 s), whatever
the password; a successful login clears the user name's count.
"""
from __future__ import annotations

import functools
import ipaddress
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session,
                   url_for)
from flask.sessions import SecureCookieSessionInterface

from poi.errors import BaliseError
from poi.i18n import gettext as _
from webapp import csrf, db
from webapp.staff_store import StaffStore, User

DEV_SECRET_KEY = "dev-only-change-me"

bp = Blueprint("auth", __name__)


class SecretKeyError(BaliseError, OSError):
    """The generated secret key file cannot be read or holds no usable key."""


def staff() -> StaffStore:
    return StaffStore(db.get_db())


# -- secret key and cookies ------------------------------------------------------
def secret_key_path(database: str) -> Path | None:
    """Where the generated key of a database is kept (``None`` for an in-memory database).

    >>> secret_key_path("/srv/balise/balise.db").as_posix(), secret_key_path(":memory:")
    ('/srv/balise/balise.db.secret', None)
    """
    if not database or str(database) == ":memory:":
        return None
    path = Path(database)
    return path.with_name(path.name + ".secret")


def ensure_secret_key(app: Flask) -> None:
    """Replace the development key by the database's own random key (see the module docstring)."""
    if app.config.get("SECRET_KEY") not in (None, "", DEV_SECRET_KEY) or app.config.get("TESTING"):
        return
    path = secret_key_path(app.config.get("DATABASE", ""))
    if path is None:
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)  # sessions end with the process
        return
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(48) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise SecretKeyError(_("{path} holds no usable secret key: delete it and start again", path=path))
    app.config["SECRET_KEY"] = key


def is_loopback(host: str) -> bool:
    """Whether a request's host (with or without port) is this machine.

    >>> [is_loopback(h) for h in ("127.0.0.1:8000", "localhost", "[::1]:8000", "balise.example.org", "10.0.0.2")]
    [True, True, True, False, False]
    """
    name = (urlsplit("//" + (host or "")).hostname or "").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class BaliseSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` decided by ``COOKIE_SECURE`` per request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config.get("COOKIE_SECURE", "auto")
        if isinstance(mode, bool):
            return mode
        if str(mode).lower() in ("1", "true", "yes", "always"):
            return True
        if str(mode).lower() in ("0", "false", "no", "never"):
            return False
        return request.is_secure or not is_loopback(request.host)


# -- the current user -------------------------------------------------------------
def current_user() -> User | None:
    """The logged-in staff member of this request, or None."""
    if "staff_user" not in g:
        sid = session.get("sid")
        g.staff_user = staff().session_user(sid) if sid else None
    return g.staff_user


def safe_next(target: str | None, default: str = "") -> str:
    """``target`` if it is a path of this site, else ``default`` (no open redirect).

    >>> safe_next("/editor/trails/3?tab=stops"), safe_next("//evil.example/"), safe_next("https://evil.example/")
    ('/editor/trails/3?tab=stops', '', '')
    >>> safe_next("/\\\\evil.example"), safe_next("javascript:alert(1)", "/editor/")
    ('', '/editor/')
    """
    text = (target or "").strip()
    if not text.startswith("/") or text.startswith(("//", "/\\")) or any(ord(c) < 32 for c in text):
        return default
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return default
    return text


def login_required(view):
    """Anonymous visitors are sent to ``/login?next=<this page>``."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            here = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=here if request.method == "GET" else request.path))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Logged-in staff who are not administrators get a 403 page."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user().is_admin:
            abort(403, _("Only an administrator can do this."))
        return view(*args, **kwargs)

    return wrapped


# -- login and logout ---------------------------------------------------------------
#: Longest wait the per-user slow-down imposes (seconds).
USER_MAX_DELAY_S = 60


def user_delay_s(failures: int, limit: int = 5) -> float:
    """Seconds between two tries of one user name after ``failures`` failed logins (from any address) in the
    window: none below ``limit`` (``LOGIN_MAX_FAILURES``), then 1, 2, 4... up to :data:`USER_MAX_DELAY_S`.
    A slow-down, never a lock-out: strangers cannot deny staff their account, nor guess faster than this.

    >>> [user_delay_s(n) for n in (1, 4, 5, 6, 8, 20)]
    [0.0, 0.0, 1.0, 2.0, 8.0, 60.0]
    """
    over = failures - limit
    return 0.0 if over < 0 else float(min(USER_MAX_DELAY_S, 2 ** min(over, 16)))


def _claim(username: str) -> tuple[int, list[int]]:
    """Seconds until a login may be tried (0 when allowed) and the failure rows counted for this try.

    Locked out for ``LOGIN_WINDOW_S``: an address after ``LOGIN_MAX_FAILURES`` failures, whatever the names
    (and a name from that address); slowed down only: a name tried from many addresses (:func:`user_delay_s`).
    """
    limit = int(current_app.config["LOGIN_MAX_FAILURES"])
    address = request.remote_addr or "-"
    limits = {f"ip:{address}": limit, f"userip:{username.lower()}|{address}": limit}
    wait, rows = staff().claim_attempt(limits, f"user:{username.lower()}", now=time.time(),
                                       window_s=float(current_app.config["LOGIN_WINDOW_S"]),
                                       delay_s=lambda n: user_delay_s(n, limit))
    return int(wait) + (1 if wait % 1 else 0), rows


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("editor.index"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target)
        return render_template("auth/login.html", next=target, username="", error=None)
    username = request.form.get("username", "").strip()[:100]
    password = request.form.get("password", "")
    wait_s, attempt = _claim(username)
    if wait_s:
        error = _("Too many failed attempts. Try again in {minutes} min.", minutes=-(-wait_s // 60))
        response = render_template("auth/login.html", next=target, username=username, error=error), 429
        return (*response, {"Retry-After": str(wait_s)})
    user = staff().authenticate(username, password)
    if user is None:  # the failure was counted by _claim, before the password was checked
        error = _("Wrong user name or password.")
        return render_template("auth/login.html", next=target, username=username, error=error), 401
    staff().release_attempt(attempt)
    staff().clear_failures(f"user:{username.lower()}")
    old_sid = session.get("sid")
    if old_sid:
        staff().close_session(old_sid)
    session.clear()
    session.permanent = True
    session["sid"] = secrets.token_urlsafe(32)
    csrf.rotate()
    staff().open_session(session["sid"], user.id, current_app.permanent_session_lifetime.total_seconds())
    g.staff_user = user
    return redirect(target)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":  # a link must not log anyone out: confirm with a (CSRF-checked) form
        return render_template("auth/logout.html")
    sid = session.get("sid")
    if sid:
        staff().close_session(sid)
    session.clear()
    g.staff_user = None
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.config.setdefault("COOKIE_SECURE", "auto")
    app.config.setdefault("LOGIN_MAX_FAILURES", 5)
    app.config.setdefault("LOGIN_WINDOW_S", 600)
    app.config.setdefault("STAFF_SESSION_HOURS", 12)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.permanent_session_lifetime = timedelta(hours=float(app.config["STAFF_SESSION_HOURS"]))
    ensure_secret_key(app)
    app.session_interface = BaliseSessionInterface()
    app.register_blueprint(bp)
    app.jinja_env.globals.update(current_user=current_user)
