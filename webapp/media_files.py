"""Public media files made from the media store: the catalogue cards' thumbnails, the POIs' short videos.

``/thumbs/<sha256>_w400.webp`` serves the thumbnail of a stored photo (:mod:`poi.media_thumbs`),
cached for a year (its name is its content's). :func:`card_photos` picks each listed circuit's
first photo, the circuit's own stored photo, else the first stop (in walking order) with one, and
gives what its ``<img>`` needs: ``src``, ``width``, ``height``, ``alt``. ``balise publish`` writes
the same files under ``thumbs/`` (:func:`published_card_photos`).

``/videos/<sha256>.<mp4|webm>`` serves a stored video (range requests, for seeking); :func:`poi_videos`
gives the POI page each video with its poster: its own photo, else the POI's first photo (800 px WebP),
else a title card (:func:`poi.media_thumbs.title_card`). Videos on the web (an importer's YouTube link)
are links. ``balise publish`` copies videos and posters (:func:`poi_media_paths`).
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_file, url_for

from poi.media import MediaError, MediaStore
from poi.media_thumbs import POSTER_WIDTH, THUMB_NAME, THUMB_WIDTHS, Thumbnail, thumbnail, title_card
from poi.media_video import VIDEO_TYPES as VIDEO_MIME
from poi.models import Media
from webapp import db, localized

bp = Blueprint("media", __name__)
VIDEO_SUFFIXES = (".mp4", ".webm")
log = logging.getLogger(__name__)


def media_store() -> MediaStore | None:
    """The media store of the app's database (None for an in-memory database: it has no folder)."""
    path = current_app.config["DATABASE"]
    return None if str(path) == ":memory:" else MediaStore.for_db(path)


def _first_photo(store: MediaStore, trail, stops: list[tuple[str, list[Media]]]) -> tuple[Media, str] | None:
    """The circuit's first stored photo and the name to describe it by."""
    own = [Media.from_dict(m) for m in trail.medias or [] if isinstance(m, dict) and "url" in m]
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


def published_card_photos(trails) -> tuple[dict[int, list], dict[str, Path]]:
    """For ``balise publish`` (app context): ``trail id -> [site path, width, height, alt]`` (what the static
    catalogue's script shows on the cards it draws) and ``thumbs/<name> -> file`` (what it copies)."""
    found = _card_thumbnails(trails)
    index = {trail_id: [f"thumbs/{thumb.path.name}", thumb.width, thumb.height, alt]
             for trail_id, (thumb, alt) in found.items()}
    return index, {f"thumbs/{thumb.path.name}": thumb.path for thumb, _alt in found.values()}


def _video_poster(store: MediaStore, poi, video: Media, record: dict | None) -> Thumbnail:
    """The video's own poster photo, else the POI's first stored photo, else a title card."""
    photos = [video.poster] + [m.url for m in poi.media if m.kind == "image"]
    for url in photos:
        if url and (path := store.path_of(url)) is not None and path.suffix in (".jpg", ".png", ".webp"):
            try:
                return thumbnail(store, url, POSTER_WIDTH)
            except MediaError as e:
                log.warning("no poster from %s: %s", url, e)
    record = record or {}
    return title_card(store, video.url, width=record.get("width"), height=record.get("height"),
                      duration_s=record.get("duration_s"))


def _stored_videos(poi) -> list[tuple[Media, dict, Thumbnail]]:
    """The POI's stored videos with their media record and poster."""
    store = media_store()
    if store is None:
        return []
    out = []
    for m in poi.media:
        if m.kind == "video" and (path := store.path_of(m.url)) is not None and path.suffix in VIDEO_SUFFIXES:
            record = db.pois().media_records.media_by_original(path.stem) or {}
            out.append((m, record, _video_poster(store, poi, m, record)))
    return out


def poi_videos(poi) -> list[dict]:
    """What the POI page shows of each video: a stored one as ``<video>`` (``src``, ``mime``, ``poster``,
    ``width``, ``height``, ``duration_s``), one on the web as a link (``href``); with title and credit."""
    out = []
    for m, record, poster in _stored_videos(poi):
        name = m.url.rsplit("/", 1)[1]
        out.append({"src": url_for("media.video_file", name=name), "mime": VIDEO_MIME[name.rsplit(".", 1)[1]],
                    "poster": url_for("media.thumbnail_file", name=poster.path.name),
                    "width": record.get("width") or poster.width, "height": record.get("height") or poster.height,
                    "duration_s": record.get("duration_s"), "title": m.title, "credit": _credit(m)})
    for m in poi.media:
        if m.kind == "video" and m.url.lower().startswith(("http://", "https://")):
            out.append({"href": m.url, "title": m.title, "credit": _credit(m)})
    return out


def _credit(m: Media) -> str:
    return " — ".join(x for x in (m.author, m.licence) if x)


def poi_media_paths(poi) -> dict[str, Path]:
    """``site path -> file`` of the POI page's videos and posters (for ``balise publish``; app context)."""
    store = media_store()
    out = {}
    for m, _record, poster in _stored_videos(poi):
        out[f"videos/{m.url.rsplit('/', 1)[1]}"] = store.path_of(m.url)
        out[f"thumbs/{poster.path.name}"] = poster.path
    return out


@bp.route("/thumbs/<name>")
def thumbnail_file(name: str):
    """A card's thumbnail or a video's poster (made again if its file was deleted); 404 for any other name."""
    match = THUMB_NAME.match(name)
    store = media_store()
    if match is None or store is None or (match["width"] and int(match["width"]) not in THUMB_WIDTHS):
        abort(404)
    suffixes = VIDEO_SUFFIXES if match["poster"] else (".jpg", ".png", ".webp")
    stored = next((p for p in store.root.glob(f"{match['sha']}.*") if p.suffix in suffixes), None)
    if stored is None:
        abort(404)
    if match["poster"]:
        record = db.pois().media_records.media_by_original(match["sha"]) or {}
        thumb = title_card(store, f"media/{stored.name}", width=record.get("width"), height=record.get("height"),
                           duration_s=record.get("duration_s"))
    else:
        thumb = thumbnail(store, f"media/{stored.name}", int(match["width"]))
    return send_file(thumb.path, mimetype="image/webp", max_age=365 * 86400)


@bp.route("/videos/<name>")
def video_file(name: str):
    """A stored video (MP4 or WebM), with range requests for seeking; 404 for any other name."""
    store = media_store()
    path = store.path_of(f"media/{name}") if store is not None else None
    if path is None or path.suffix not in VIDEO_SUFFIXES:
        abort(404)
    return send_file(path, mimetype=VIDEO_MIME[path.suffix[1:]], max_age=365 * 86400, conditional=True)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
