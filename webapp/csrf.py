"""Cross-site request forgery protection for every form of the app.

Each session carries one random token (``session["csrf"]``, 32 bytes, URL-safe
base64). Templates put it in their forms with ``{{ csrf_field() }}``; a
``before_request`` hook checks it on every POST, PUT, PATCH and DELETE of every
blueprint (form field ``csrf_token`` or header ``X-CSRF-Token``, compared in
constant time). A request without it, or with another one, gets a 400 page and
changes nothing. Views that must accept cross-site posts (JSON API endpoints
authenticated otherwise) opt out with :func:`csrf_exempt`.

Logging in gives the session a new token (:func:`rotate`), so a token seen
before login is worthless after it.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Callable

from flask import Flask, current_app, request, session
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest

from poi.i18n import gettext as _

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CSRFError(BadRequest):
    """A state-changing request without the session's token (400)."""


def token() -> str:
    """The session's token, created on first use."""
    value = session.get("csrf")
    if not value:
        value = session["csrf"] = secrets.token_urlsafe(32)
    return value


def rotate() -> str:
    """Give the session a fresh token (at login) and return it."""
    session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_field() -> Markup:
    """The hidden input every form posts: ``<input type="hidden" name="csrf_token" value="...">``."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token())}">')


def csrf_exempt(view: Callable) -> Callable:
    """Let ``view`` accept unsafe methods without a token (JSON endpoints with their own authentication)."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def is_exempt(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return bool(getattr(view, "csrf_exempt", False))


def _check() -> None:
    if request.method not in UNSAFE_METHODS or request.endpoint is None:
        return  # safe methods, and unknown URLs (they get their 404/405)
    if is_exempt(request.endpoint):
        return
    expected = session.get("csrf")
    sent = request.headers.get(HEADER) or request.form.get(FIELD) or ""
    if not expected or not hmac.compare_digest(str(sent).encode(), str(expected).encode()):
        raise CSRFError(_("This form has expired or did not come from this site: reload the page and send it again."))


def init_app(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=token)
