"""The staff editor's blueprint and the helpers every editor route module shares.

A leaf: :mod:`webapp.editor`, :mod:`webapp.editor_trails`, :mod:`webapp.editor_stops`, :mod:`webapp.editor_media` and
:mod:`webapp.editor_route` add their routes to :data:`bp` and import it from here, so no
route module imports another (a chain, not a ring); :func:`webapp.editor.init_app`
registers the blueprint.
"""
from __future__ import annotations

from flask import Blueprint, abort, request

from poi.errors import NotFoundError
from poi.models import POI
from trails.models import Trail
from webapp import db
from webapp.auth import current_user

bp = Blueprint("editor", __name__, url_prefix="/editor")


def user_name() -> str:
    """The signed-in staff member's user name (recorded with each change)."""
    return current_user().username


def trail_or_404(trail_id: int) -> Trail:
    """The trail (published or not), or a 404 page."""
    try:
        return db.trails().get(trail_id)
    except NotFoundError:
        abort(404)


def poi_or_404(poi_id: int) -> POI:
    """The POI, or a 404 page."""
    try:
        return db.pois().get(poi_id)
    except NotFoundError:
        abort(404)


def uploaded(name: str, limit: int, *, missing: Exception | None = None,
             too_large: Exception | None = None) -> bytes | None:
    """The bytes of the file sent as form field ``name`` (at most ``limit`` + 1 are read); when none was
    chosen, raises ``missing`` (else None); when it is larger than ``limit``, raises ``too_large`` (else
    the ``limit`` + 1 bytes: whoever stores them checks the size)."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        if missing is not None:
            raise missing
        return None
    data = upload.stream.read(limit + 1)
    if too_large is not None and len(data) > limit:
        raise too_large
    return data
