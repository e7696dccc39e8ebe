"""Public media files made from the media store: the catalogue cards' thumbnails.

``/thumbs/<sha256>_w400.webp`` serves the thumbnail of a stored photo (:mod:`poi.media_thumbs`),
cached for a year (its name is its content's). :func:`card_photos` picks each listed circuit's
first photo, the circuit's own stored photo, else the first stop (in walking order) with one, and
gives what its ``<img>`` needs: ``src``, ``width``, ``height``, ``alt``. ``balise publish`` writes
the same files under ``thumbs/`` (:func:`thumbnail_paths`).
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_file, url_for

from poi.media import MediaError, MediaStore
from poi.media_thumbs import THUMB_NAME, THUMB_WIDTH, Thumbnail, thumbnail
from poi.models import Media
from webapp import db, localized

bp = Blueprint("media", __name__)
log = logging.getLogger(__name__)


def media_store() -> MediaStore | None:
    """The media store of the app's database (None for an in-memory database: it has no folder)."""
    path = current_app.config["DATABASE"]
    return None if str(path) == ":memory:" else MediaStore.for_db(path)


def _first_photo(store: MediaStore, trail, stops: list[tuple[str, list[Media]]]) -> tuple[Media, str] | None:
    """The circuit's first stored photo and the name to describe it by."""
    own = [Media.from_dict(m) for m in (trail.extra or {}).get("medias") or [] if isinstance(m, dict) and "url" in m]
    for name, media in [(localized.localized(trail, "name"), own), *stops]:
        for m in media:
            if m.kind == "image" and store.path_of(m.url) is not None:
                return m, name
    return None


def _card_thumbnails(trails) -> dict[int, tuple[Thumbnail, str]]:
    """``trail id -> (thumbnail, alt text)`` for the circuits that have a stored photo (made on first use)."""
    store = media_store()
    if store is None or not trails:
        return {}
    stops = db.trails().stop_media([t.id for t in trails])
    out = {}
    for trail in trails:
        found = _first_photo(store, trail, stops.get(trail.id, []))
        if found is None:
            continue
        media, name = found
        try:
            out[trail.id] = (thumbnail(store, media.url), media.title or name)
        except MediaError as e:  # a damaged file: the card shows no photo, staff see why in the log
            log.warning("no thumbnail for %s (circuit %s): %s", media.url, trail.id, e)
    return out


def card_photos(trails) -> dict[int, dict]:
    """``trail id -> {src, width, height, alt}``: the ``<img>`` of each listed circuit that has a stored photo."""
    return {trail_id: {"src": url_for("media.thumbnail_file", name=thumb.path.name), "width": thumb.width,
                       "height": thumb.height, "alt": alt}
            for trail_id, (thumb, alt) in _card_thumbnails(trails).items()}


def thumbnail_paths(trails) -> dict[str, Path]:
    """``thumbs/<name> -> file`` of the circuits' card photos: what ``balise publish`` copies (app context)."""
    return {f"thumbs/{thumb.path.name}": thumb.path for thumb, _alt in _card_thumbnails(trails).values()}


@bp.route("/thumbs/<name>")
def thumbnail_file(name: str):
    """A catalogue card's thumbnail (made again if its file was deleted); 404 for any other name."""
    match = THUMB_NAME.match(name)
    store = media_store()
    if match is None or int(match["width"]) != THUMB_WIDTH or store is None:
        abort(404)
    stored = next((p for p in store.root.glob(f"{match['sha']}.*") if p.suffix in (".jpg", ".png", ".webp")), None)
    if stored is None:
        abort(404)
    thumb = thumbnail(store, f"media/{stored.name}")
    return send_file(thumb.path, mimetype="image/webp", max_age=365 * 86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
