"""Editor routes for whole trails: create from an uploaded GPX, edit texts and overrides, publish,
delete (administrators), preview the offline bundle.

Forms are read by :func:`read_trail_form` (pure: form in, changes and errors
out); a form with errors is shown again with the messages and nothing is stored.
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.utils import secure_filename

from exporter.bundle import build_files
from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.store import transaction
from poi.text import sanitize_html
from trails.assembly import save_trail, trail_from_gpx
from trails.filter_params import LABELS, parse_duration_min
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES, Trail
from webapp import db
from webapp.auth import admin_required, login_required
from webapp.editor_blueprint import bp, trail_or_404, uploaded, user_name
from webapp.editor_history import record, snapshot

MAX_NAME = 200
MAX_SUMMARY = 2000
MAX_DESCRIPTION = 50_000
MAX_REASON = 500
MAX_THEMES = 20
MAX_THEME = 40
#: Longest duration staff may set (a week of walking), minutes.
MAX_DURATION_MIN = 7 * 24 * 60
KNOWN_THEMES = tuple(k for k in LABELS if k not in (*DIFFICULTIES, *PRACTICES, *ROUTE_TYPES))


def parse_themes(text: str) -> list[str]:
    """Themes from a comma-separated field: trimmed, de-duplicated, empty ones dropped.

    >>> parse_themes(" religious_heritage, water,,water ")
    ['religious_heritage', 'water']
    """
    return list(dict.fromkeys(t.strip() for t in (text or "").split(",") if t.strip()))


def read_trail_form(form, trail: Trail) -> tuple[dict, dict[str, str]]:
    """The new values of the edit form, and the errors by field name (empty when all is well).

    >>> from werkzeug.datastructures import MultiDict
    >>> from poi.i18n import language
    >>> t = Trail(name="Boucle")
    >>> with language("en"):
    ...     values, errors = read_trail_form(MultiDict({"name": "Boucle du lac", "practice": "walking",
    ...                                                 "duration_override": "2h30"}), t)
    >>> values["name"], values["duration_override_min"], errors
    ('Boucle du lac', 150, {'duration_override_reason': 'give the reason for the duration you set'})
    """
    errors: dict[str, str] = {}
    get = lambda key: (form.get(key) or "").replace("\r\n", "\n").strip()  # noqa: E731
    values = {
        "name": get("name"), "summary": get("summary"),
        "description": sanitize_html(get("description")), "themes": parse_themes(get("themes")),
        "practice": get("practice") or trail.practice,
        "route_type_override": get("route_type_override") or None,
        "duration_override_min": None, "duration_override_reason": get("duration_override_reason"),
        "difficulty_override": get("difficulty_override") or None,
        "difficulty_override_reason": get("difficulty_override_reason"),
        "accessibility": [c for c in ACCESSIBILITY if c in form.getlist("accessibility")],
    }
    if not values["name"]:
        errors["name"] = _("give the trail a name")
    elif len(values["name"]) > MAX_NAME:
        errors["name"] = _("the name is too long ({n} characters at most)", n=MAX_NAME)
    if len(values["summary"]) > MAX_SUMMARY:
        errors["summary"] = _("the summary is too long ({n} characters at most)", n=MAX_SUMMARY)
    if len(get("description")) > MAX_DESCRIPTION:
        errors["description"] = _("the description is too long ({n} characters at most)", n=MAX_DESCRIPTION)
    if len(values["themes"]) > MAX_THEMES or any(len(t) > MAX_THEME for t in values["themes"]):
        errors["themes"] = _("at most {n} themes of {m} characters each", n=MAX_THEMES, m=MAX_THEME)
    if values["practice"] not in PRACTICES:
        errors["practice"] = _("choose a practice from the list")
    if values["route_type_override"] not in (None, *ROUTE_TYPES):
        errors["route_type_override"] = _("choose a route type from the list")
    if values["difficulty_override"] not in (None, *DIFFICULTIES):
        errors["difficulty_override"] = _("choose a difficulty from the list")
    if any(c not in ACCESSIBILITY for c in form.getlist("accessibility")):
        errors["accessibility"] = _("tick the accessibility boxes of the list only")
    if raw := get("duration_override"):
        try:
            minutes = parse_duration_min(raw)
        except BaliseError as e:
            errors["duration_override"] = str(e)
        else:
            if not 1 <= minutes <= MAX_DURATION_MIN:
                errors["duration_override"] = _("the duration must be between 1 min and {max}",
                                                max="168 h")
            values["duration_override_min"] = minutes
    for kind, reason in (("duration", "duration_override_reason"), ("difficulty", "difficulty_override_reason")):
        overridden = values["duration_override_min"] if kind == "duration" else values["difficulty_override"]
        if len(values[reason]) > MAX_REASON:
            errors[reason] = _("the reason is too long ({n} characters at most)", n=MAX_REASON)
        elif overridden is None:
            values[reason] = ""  # no override, no reason
        elif not values[reason]:
            errors[reason] = (_("give the reason for the duration you set") if kind == "duration"
                              else _("give the reason for the difficulty you set"))
    return values, errors


def _form_of(trail: Trail) -> dict:
    return {"name": trail.name, "summary": trail.summary, "description": trail.description,
            "themes": ", ".join(trail.themes), "practice": trail.practice,
            "route_type_override": trail.route_type_override or "",
            "duration_override": str(trail.duration_override_min or ""),
            "duration_override_reason": trail.duration_override_reason,
            "difficulty_override": trail.difficulty_override or "",
            "difficulty_override_reason": trail.difficulty_override_reason,
            "accessibility": list(trail.accessibility)}


def _choices() -> dict:
    return {"practices": PRACTICES, "route_types": ROUTE_TYPES, "difficulties": DIFFICULTIES,
            "known_themes": KNOWN_THEMES, "accessibility_codes": ACCESSIBILITY}


# -- create -------------------------------------------------------------------------------
def _gpx_upload() -> bytes:
    """The uploaded GPX's bytes, or a BaliseError saying what is wrong with it."""
    limit = current_app.config["EDITOR_MAX_GPX_BYTES"]
    data = uploaded("gpx", limit, missing=_FormError(_("choose a GPX file to upload")),
                    too_large=_FormError(_("the file is larger than {mb} MB: simplify the trace first",
                                           mb=limit // (1024 * 1024))))
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head.startswith(b"<") or b"<gpx" not in head:
        raise _FormError(_("this is not a GPX file (an XML file with a <gpx> element)"))
    return data


class _FormError(BaliseError, ValueError):
    """A form value the editor cannot accept."""


@bp.route("/trails/new", methods=["GET", "POST"])
@login_required
def new_trail():
    form = {"name": request.form.get("name", ""), "themes": request.form.get("themes", ""),
            "practice": request.form.get("practice", "walking")}
    if request.method == "GET":
        return render_template("editor/new.html", form=form, error=None, **_choices())
    try:
        if form["practice"] not in PRACTICES:
            raise _FormError(_("choose a practice from the list"))
        data = _gpx_upload()
        trail = trail_from_gpx(data, name=form["name"].strip()[:MAX_NAME] or None,
                               themes=parse_themes(form["themes"])[:MAX_THEMES], practice=form["practice"])
        gpx_file = trail.extra["gpx_file"] = secure_filename(request.files["gpx"].filename)[:100]  # free-form provenance
        trail.attribution = str(current_app.config.get("ORGANISATION") or "").strip() or trail.attribution
        database = db.get_db()
        with transaction(database):
            save_trail(database, trail)
            record(database, trail.id, user_name(), "create", _("created from {file}", file=gpx_file))
    except BaliseError as e:
        return render_template("editor/new.html", form=form, error=str(e), **_choices()), 400
    flash(_("Trail created: {n} stops attached. Review them, then publish.", n=len(db.trails().stops(trail.id))))
    return redirect(url_for("editor.edit_trail", trail_id=trail.id))


# -- edit -----------------------------------------------------------------------------------
@bp.route("/trails/<int:trail_id>", methods=["GET", "POST"])
@login_required
def edit_trail(trail_id: int):
    trail = trail_or_404(trail_id)
    if request.method == "GET":
        return render_template("editor/edit.html", trail=trail, form=_form_of(trail), errors={}, preview=None,
                               **_choices())
    values, errors = read_trail_form(request.form, trail)
    form = {k: request.form.get(k, "") for k in _form_of(trail)}
    form["accessibility"] = request.form.getlist("accessibility")
    if errors or request.form.get("action") == "preview":
        preview = Markup(values["description"])  # sanitised by read_trail_form
        return render_template("editor/edit.html", trail=trail, form=form, errors=errors, preview=preview,
                               **_choices()), (400 if errors else 200)
    database = db.get_db()
    with transaction(database):
        before = snapshot(database, trail_id)
        for key, value in values.items():
            setattr(trail, key, value)
        db.trails().save(trail)
        record(database, trail_id, user_name(), "edit", before=before)
    flash(_("Changes saved."))
    return redirect(url_for("editor.edit_trail", trail_id=trail_id))


@bp.route("/trails/<int:trail_id>/publish", methods=["POST"])
@login_required
def publish(trail_id: int):
    trail = trail_or_404(trail_id)
    published = request.form.get("published") == "1"
    if published != trail.published:
        database = db.get_db()
        with transaction(database):
            db.trails().set_published(trail_id, published)
            record(database, trail_id, user_name(), "publish" if published else "unpublish",
                   _("published") if published else _("unpublished"))
    flash(_("“{name}” is published.", name=trail.name) if published
          else _("“{name}” is no longer published.", name=trail.name))
    return redirect(url_for("editor.index") if request.form.get("back") == "index"
                    else url_for("editor.edit_trail", trail_id=trail_id))


@bp.route("/trails/<int:trail_id>/delete", methods=["POST"])
@admin_required
def delete_trail(trail_id: int):
    trail = trail_or_404(trail_id)
    database = db.get_db()
    with transaction(database):
        record(database, trail_id, user_name(), "delete", _("deleted “{name}”", name=trail.name))
        db.trails().delete(trail_id)
    flash(_("“{name}” is deleted; its history is kept.", name=trail.name))
    return redirect(url_for("editor.index"))


@bp.route("/trails/<int:trail_id>/preview")
@login_required
def preview_bundle(trail_id: int):
    """The offline bundle's single-file page (``trail.html``), built now, published or not."""
    trail = trail_or_404(trail_id)
    stops = db.trails().stops_with_pois(trail_id)
    database = current_app.config["DATABASE"]
    media_root = Path(database).resolve().parent if database != ":memory:" else None
    try:
        files = build_files(trail, stops, media_root=media_root, photo_max_width=640)
    except BaliseError as e:
        abort(400, str(e))
    return Response(files["trail.html"], mimetype="text/html")
