"""Counting what the public does, privately: one daily count per request that matters, and the privacy page.

After each successful response (:func:`count_response`), the request's endpoint says what to count
(:data:`COUNTED`): a circuit page viewed, a GPX or a bundle zip downloaded, the bundle opened from
a QR code (``?src=`` says where the code was printed: ``qr`` by default, ``poster`` on posters),
the bundle installed for offline use (the app downloading a version's ``trail.json`` with
``?balise-install=<version>``; its update checks ask ``files.json?balise-install=check``). The count
is one UPSERT of :class:`webapp.figures_store.FiguresStore`. Nothing else is kept: no cookie is
set, no IP address, position or time of day is stored (``/privacy`` says so).

``FIGURES`` (config, default on) turns counting off.
"""
from __future__ import annotations

import re
import sqlite3

from flask import Blueprint, Flask, current_app, render_template, request

from webapp import db
from webapp.figures_store import FiguresStore

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


def count_response(response):
    """Count this response if it is one of :data:`COUNTED` (never fails the response)."""
    what = _what(response) if current_app.config.get("FIGURES", True) else None
    if what is not None:
        metric, src = what
        try:
            FiguresStore(db.get_db()).count(metric, (request.view_args or {}).get("trail_id"), src=src)
        except sqlite3.Error as e:  # a busy or read-only database must not cost the visitor the page
            current_app.logger.warning("figures: %s not counted (%s)", metric, e)
    return response


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


def init_app(app: Flask) -> None:
    app.config.setdefault("FIGURES", True)
    app.after_request(count_response)
    app.register_blueprint(bp)
