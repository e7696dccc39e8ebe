"""Visitors' feedback on circuits, and its moderation by staff.

Public side (blueprint ``feedback``):

- the circuit page includes ``public/_feedback.html``: the average of the approved ratings,
  approved comments and problem reports, and the form;
- ``POST /trails/<id>/feedback``: a review (rating 1-5, optional comment) or a problem report
  (fallen tree, missing waymark, damaged path, other; a description; an optional photo,
  JPEG/PNG/WebP of at most ``FEEDBACK_PHOTO_MAX_MB`` MB and ``FEEDBACK_PHOTO_MAX_MEGAPIXELS``
  megapixels, taking at most ``FEEDBACK_PHOTO_DECODE_MB`` MB once decoded (measured from its header
  before decoding: :func:`poi.media.open_bounded`), decoded by at most ``FEEDBACK_PHOTO_SLOTS`` requests
  at a time (others wait up to :data:`webapp.upload_slots.SLOT_WAIT_S` s, then get a 503), stored without its metadata in
  the media store of :mod:`poi.media`; a refused photo leaves no file and no record). Everything is held as ``pending`` until staff approve it.
  Protected by the CSRF token of :mod:`webapp.csrf`, a honeypot field (``website``: bots fill
  it, people never see it; such posts are thanked and dropped) and a rate limit per address
  (``FEEDBACK_MAX_PER_HOUR``, default 5; then a 429 page with ``Retry-After``);
- ``GET /trails/<id>/feedback``: the form on a page of its own (also where errors are shown).

Staff side: ``/editor/feedback`` (login required) lists messages by status, pending first,
problem reports flagged; ``POST /editor/feedback/<id>`` approves, rejects or puts back to pending;
``/editor/feedback/<id>/photo`` shows a report's photo to staff.

Comments are plain text, shown escaped (``white-space: pre-line``): no markup survives.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from typing import NamedTuple

from flask import (Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)

from poi.errors import NotFoundError
from poi.i18n import current_language
from poi.i18n import gettext as _
from poi.media import MediaError, MediaStore
from webapp import auth, db
from webapp.upload_slots import UploadBusy, upload_slot
from webapp.feedback_store import KINDS, PROBLEMS, STATUSES, Feedback, FeedbackError, FeedbackStore, RatingSummary

bp = Blueprint("feedback", __name__)

COMMENT_MAX_CHARS = 2000
AUTHOR_MAX_CHARS = 60
HONEYPOT = "website"
WINDOW_S = 3600
#: Problem types as shown to people (translated through poi.i18n).
PROBLEM_LABELS = {"fallen_tree": "fallen tree", "missing_waymark": "missing waymark",
                  "damaged_path": "damaged path", "other": "other problem"}
STATUS_LABELS = {"pending": "pending", "approved": "approved", "rejected": "rejected"}


class TrailFeedback(NamedTuple):
    """What the circuit page shows: rating summary, approved reviews and approved problem reports."""

    rating: RatingSummary
    reviews: list[Feedback]
    problems: list[Feedback]


def store() -> FeedbackStore:
    return FeedbackStore(db.get_db())


def trail_feedback(trail_id: int) -> TrailFeedback:
    """The approved feedback of a trail (a Jinja global for ``public/_feedback.html``)."""
    s = store()
    return TrailFeedback(s.rating(trail_id), s.approved(trail_id, "review", limit=20),
                         s.approved(trail_id, "problem", limit=10))


def format_rating(average: float | None) -> str:
    """An average rating with one decimal, in the current language's notation.

    >>> from poi.i18n import language
    >>> with language("fr"):
    ...     format_rating(4.25)
    '4,2'
    >>> format_rating(None)
    '–'
    """
    if average is None:
        return "–"
    text = f"{average:.1f}"
    return text.replace(".", ",") if current_language() == "fr" else text


def client_key(address: str | None) -> str:
    """A keyed hash of the sender's address: enough to count its messages, useless to find it."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, (address or "-").encode(), hashlib.sha256).hexdigest()[:32]


def _text(name: str, max_chars: int, what: str) -> str:
    value = (request.form.get(name) or "").replace("\r\n", "\n").strip()
    if len(value) > max_chars:
        raise FeedbackError(_("the {what} is too long ({n} characters at most)", what=_(what), n=max_chars))
    return value


def read_form(trail_id: int) -> Feedback:
    """The message of the posted form, checked (:class:`FeedbackError` says what to fix)."""
    kind = request.form.get("kind") or ("problem" if request.form.get("problem") else "review")
    if kind not in KINDS:
        raise FeedbackError(_("choose a rating or a problem report"))
    comment = _text("comment", COMMENT_MAX_CHARS, "comment")
    author = _text("author", AUTHOR_MAX_CHARS, "name")
    if kind == "review":
        raw = (request.form.get("rating") or "").strip()
        if raw not in {"1", "2", "3", "4", "5"}:
            raise FeedbackError(_("choose a rating from 1 to 5 stars"))
        return Feedback(trail_id=trail_id, kind=kind, rating=int(raw), comment=comment, author=author)
    problem = request.form.get("problem") or ""
    if problem not in PROBLEMS:
        raise FeedbackError(_("choose the kind of problem"))
    if len(comment) < 3:
        raise FeedbackError(_("describe the problem and where it is (for example near which stop)"))
    return Feedback(trail_id=trail_id, kind=kind, problem=problem, comment=comment, author=author)


def store_photo(upload) -> str:
    """The media URL of an uploaded photo (type, bytes, pixels and decoded size checked), or "" when none was
    sent. Nothing is written when the photo is refused."""
    if upload is None or not upload.filename:
        return ""
    config = current_app.config
    max_bytes = int(config["FEEDBACK_PHOTO_MAX_MB"] * 1024 * 1024)
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FeedbackError(_("the photo is larger than {mb} MB: send a smaller one",
                              mb=config["FEEDBACK_PHOTO_MAX_MB"]))
    if not data:
        return ""
    try:
        with upload_slot("feedback", int(config["FEEDBACK_PHOTO_SLOTS"]),
                         _("many photos are being received right now: send yours again in a minute")):
            stored = MediaStore.for_db(config["DATABASE"], db.get_db()).add_file(
                data, kind="image", max_pixels=int(config["FEEDBACK_PHOTO_MAX_MEGAPIXELS"] * 1_000_000),
                max_decoded_bytes=int(config["FEEDBACK_PHOTO_DECODE_MB"] * 1024 * 1024))
    except MediaError as e:
        raise FeedbackError(_("the photo cannot be used: {reason}", reason=str(e))) from e
    if stored.kind != "image":
        raise FeedbackError(_("send a photo (JPEG, PNG or WebP)"))
    return stored.url


def _form_page(trail, error: str = "", status: int = 200):
    return render_template("feedback/form.html", trail=trail, error=error, form=request.form,
                           problems=PROBLEM_LABELS), status


@bp.route("/trails/<int:trail_id>/feedback", methods=["GET", "POST"])
def submit(trail_id: int):
    trail = db.published_trail(trail_id)
    if request.method == "GET":
        return _form_page(trail)
    limit = int(current_app.config["FEEDBACK_MAX_PER_HOUR"])
    wait_s = store().take_slot(client_key(request.remote_addr), limit=limit, window_s=WINDOW_S, now=time.time())
    if wait_s:
        minutes = int(-(-wait_s // 60))
        page = render_template("feedback/limited.html", trail=trail, minutes=minutes, limit=limit)
        return page, 429, {"Retry-After": str(int(wait_s) + 1)}
    if request.form.get(HONEYPOT):  # a robot: thank it, keep nothing
        return redirect(url_for("feedback.thanks", trail_id=trail_id), 303)
    try:
        fb = read_form(trail_id)
        upload = request.files.get("photo")
        if upload is not None and upload.filename and fb.kind != "problem":  # refused before anything is stored
            raise FeedbackError(_("photos come with problem reports only"))
        fb.photo = store_photo(upload)
        fb.client = client_key(request.remote_addr)
        store().add(fb)
    except UploadBusy as e:
        page, _status = _form_page(trail, e.description, 503)
        return page, 503, {"Retry-After": str(e.retry_after)}
    except FeedbackError as e:
        return _form_page(trail, str(e), 400)
    return redirect(url_for("feedback.thanks", trail_id=trail_id), 303)


@bp.route("/trails/<int:trail_id>/feedback/thanks")
def thanks(trail_id: int):
    return render_template("feedback/thanks.html", trail=db.published_trail(trail_id))


# -- moderation ---------------------------------------------------------------------------------------------------
@bp.route("/editor/feedback")
@auth.login_required
def moderation():
    status = request.args.get("status") or "pending"
    if status not in STATUSES:
        abort(404)
    messages = store().messages(status, limit=200)
    names = {t.id: t.name for t in db.trails().get_many(sorted({m.trail_id for m in messages}))}
    return render_template("feedback/moderation.html", messages=messages, status=status, counts=store().counts(),
                           names=names, problems=PROBLEM_LABELS, statuses=STATUS_LABELS)


@bp.route("/editor/feedback/<int:feedback_id>", methods=["POST"])
@auth.login_required
def moderate(feedback_id: int):
    action = request.form.get("action")
    status = {"approve": "approved", "reject": "rejected", "pending": "pending"}.get(action or "")
    if status is None:
        abort(400, _("unknown moderation action"))
    try:
        fb = store().set_status(feedback_id, status, by=auth.current_user().username)
    except NotFoundError:
        abort(404)
    messages = {"approved": _("Message approved: it is shown on the trail page."),
                "rejected": _("Message rejected: it stays hidden."),
                "pending": _("Message put back to pending.")}
    flash(messages[fb.status], "ok")
    back = request.form.get("back") if request.form.get("back") in STATUSES else "pending"
    return redirect(url_for("feedback.moderation", status=back), 303)


@bp.route("/editor/feedback/<int:feedback_id>/photo")
@auth.login_required
def photo(feedback_id: int):
    try:
        fb = store().get(feedback_id)
    except NotFoundError:
        abort(404)
    path = MediaStore.for_db(current_app.config["DATABASE"]).path_of(fb.photo) if fb.photo else None
    if path is None:
        abort(404)
    mime = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}.get(path.suffix, "")
    if not mime:
        abort(404)
    return Response(path.read_bytes(), mimetype=mime, headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"})


def _upload_limit() -> None:
    """Refuse oversized feedback posts (413) before anything reads their body, the CSRF check included."""
    if request.endpoint == "feedback.submit":
        request.max_content_length = int((current_app.config["FEEDBACK_PHOTO_MAX_MB"] + 1) * 1024 * 1024)


def init_app(app: Flask) -> None:
    app.config.setdefault("FEEDBACK_MAX_PER_HOUR", 5)
    app.config.setdefault("FEEDBACK_PHOTO_MAX_MB", 8)
    app.config.setdefault("FEEDBACK_PHOTO_MAX_MEGAPIXELS", 50)
    app.config.setdefault("FEEDBACK_PHOTO_DECODE_MB", 100)
    app.config.setdefault("FEEDBACK_PHOTO_SLOTS", 2)
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)  # first: before the form is parsed
    app.jinja_env.globals.update(trail_feedback=trail_feedback, feedback_problems=PROBLEM_LABELS)
    app.jinja_env.filters["rating"] = format_rating

