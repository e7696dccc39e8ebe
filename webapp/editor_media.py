"""Editor routes for a POI's media: upload a photo, an audio file or a video (with its poster), remove one,
serve the stored files to staff.

Files are checked by their content and stored by :class:`poi.media.MediaStore` (content-addressed, beside the
database), then listed on the POI (``PoiStore.update_fields(poi_id, media=[...])``); each change is recorded as a
``media`` revision of the trail in the same transaction.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for

from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.media import MediaError, MediaStore
from poi.models import Media
from poi.store import transaction
from webapp import db
from webapp.auth import login_required
from webapp.editor_blueprint import bp, poi_or_404, trail_or_404, uploaded, user_name
from webapp.editor_history import record, snapshot


def _media_store() -> MediaStore:
    return MediaStore.for_db(current_app.config["DATABASE"], db.get_db())


@bp.route("/trails/<int:trail_id>/pois/<int:poi_id>/media", methods=["GET", "POST"])
@login_required
def poi_media(trail_id: int, poi_id: int):
    trail = trail_or_404(trail_id)
    poi = poi_or_404(poi_id)
    error = None
    if request.method == "POST":
        try:
            stored = _upload_media()
            item = Media(kind=stored.kind, url=stored.url, title=_field("title"), author=_field("author"),
                         licence=_field("licence"), poster=_upload_poster() if stored.kind == "video" else "")
            _save_media(trail_id, poi_id, [*poi.media, item],
                        _("added a {kind} to “{name}”", kind={"image": _("photo"), "video": _("video")}.get(
                            item.kind, _("audio file")),
                          name=poi.name))
        except BaliseError as e:
            error = str(e)
        else:
            flash(_("File added to “{name}”.", name=poi.name))
            return redirect(url_for("editor.poi_media", trail_id=trail_id, poi_id=poi_id))
    return render_template("editor/media.html", trail=trail, poi=poi, error=error,
                           max_mb=current_app.config["EDITOR_MAX_MEDIA_BYTES"] // (1024 * 1024)), \
        (400 if error else 200)


def _save_media(trail_id: int, poi_id: int, media: list[Media], summary: str) -> None:
    """List ``media`` on the POI and record it as a ``media`` revision of the trail, in one transaction."""
    database = db.get_db()
    with transaction(database):
        before = snapshot(database, trail_id)
        db.pois().update_fields(poi_id, media=media)
        record(database, trail_id, user_name(), "media", summary, before=before)


def _field(name: str, limit: int = 200) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _upload_media():
    limit = current_app.config["EDITOR_MAX_MEDIA_BYTES"]
    data = uploaded("file", limit, missing=MediaError(_("choose a photo or an audio file to upload")),
                    too_large=MediaError(_("the file is larger than {mb} MB", mb=limit // (1024 * 1024))))
    kind = request.form.get("kind") or None
    if kind not in (None, "image", "audio", "video"):
        raise MediaError(_("choose photo or audio"))
    return _media_store().add_file(data, kind=kind)  # checks the type by content (MediaError otherwise)


def _upload_poster() -> str:
    """A video's poster photo, when one was sent with it (stored like any photo); "" otherwise."""
    data = uploaded("poster", current_app.config["EDITOR_MAX_MEDIA_BYTES"])
    return "" if data is None else _media_store().add_file(data, kind="image").url


@bp.route("/trails/<int:trail_id>/pois/<int:poi_id>/media/remove", methods=["POST"])
@login_required
def poi_media_remove(trail_id: int, poi_id: int):
    trail_or_404(trail_id)
    poi = poi_or_404(poi_id)
    url = request.form.get("url", "")
    kept = [m for m in poi.media if m.url != url]
    if len(kept) != len(poi.media):
        _save_media(trail_id, poi_id, kept, _("removed a file from “{name}”", name=poi.name))
        flash(_("File removed (the history keeps it)."))
    return redirect(url_for("editor.poi_media", trail_id=trail_id, poi_id=poi_id))


@bp.route("/media/<name>")
@login_required
def media_file(name: str):
    """A stored media file (only names the store made: ``<sha256>.<ext>``)."""
    path = _media_store().path_of(f"media/{name}")
    if path is None:
        abort(404)
    return send_from_directory(path.parent, path.name, max_age=3600)
