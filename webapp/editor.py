"""Staff editor blueprint (``/editor/``): trails, stops, media, history, accounts.

Every page needs a logged-in staff member (:func:`webapp.auth.login_required`);
managing accounts and deleting trails need an administrator
(:func:`webapp.auth.admin_required`, 403 otherwise). Every form carries the CSRF
token (:mod:`webapp.csrf` checks it). Every change is recorded with
:func:`webapp.editor_history.record` in the same transaction as the change.

The routes are split by subject: this module (trail list, history, accounts),
:mod:`webapp.editor_trails` (create from GPX, edit, publish, delete, bundle
preview), :mod:`webapp.editor_stops` (stops), :mod:`webapp.editor_media` (POI media) and
:mod:`webapp.editor_route` (a trail routed between POIs). They all add their
routes to the one blueprint of the leaf module :mod:`webapp.editor_blueprint`;
this module, on top, registers it with the routes of :data:`ROUTE_MODULES`.
"""
from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for

from poi.errors import BaliseError, NotFoundError
from poi.i18n import gettext as _
from poi.store import transaction
from trails.models import Trail
from webapp import db
from webapp import (editor_figures, editor_loops, editor_media, editor_route, editor_sources, editor_stops,
                    editor_trails)
from webapp.auth import admin_required, login_required, staff
from webapp.editor_blueprint import bp, trail_or_404, user_name
from webapp.editor_history import ACTIONS, restore
from webapp.feedback_store import FeedbackStore
from webapp.staff_store import ROLES

#: Labels of the revision actions (English message ids).
ACTION_LABELS = {"create": "created", "edit": "edited", "publish": "published", "unpublish": "unpublished",
                 "stops": "stops changed", "media": "media changed", "restore": "restored", "delete": "deleted"}
assert set(ACTION_LABELS) == set(ACTIONS)


def pending_feedback_count() -> int:
    """How many visitor messages wait for moderation (the editor menu shows it; one GROUP BY query)."""
    return FeedbackStore(db.get_db()).counts().get("pending", 0)


@bp.route("/")
@login_required
def index():
    trails = sorted(db.trails().all(), key=lambda t: (t.published, t.name.casefold()))
    return render_template("editor/index.html", trails=trails)


# -- history -------------------------------------------------------------------------
@bp.route("/trails/<int:trail_id>/history")
@login_required
def history(trail_id: int):
    revisions = staff().revisions(trail_id)
    if not revisions:
        trail_or_404(trail_id)
    trail = _trail_or_none(trail_id)
    return render_template("editor/history.html", trail=trail, trail_id=trail_id, revisions=revisions,
                           action_labels=ACTION_LABELS)


def _trail_or_none(trail_id: int) -> Trail | None:
    try:
        return db.trails().get(trail_id)
    except NotFoundError:
        return None


@bp.route("/trails/<int:trail_id>/history/<int:revision_id>")
@login_required
def revision(trail_id: int, revision_id: int):
    rev = _revision_of(trail_id, revision_id)
    return render_template("editor/revision.html", trail=_trail_or_none(trail_id), trail_id=trail_id, rev=rev,
                           action_labels=ACTION_LABELS)


def _revision_of(trail_id: int, revision_id: int):
    try:
        rev = staff().revision(revision_id)
    except NotFoundError:
        abort(404)
    if rev.trail_id != trail_id:
        abort(404)
    return rev


@bp.route("/trails/<int:trail_id>/history/<int:revision_id>/restore", methods=["POST"])
@login_required
def restore_revision(trail_id: int, revision_id: int):
    rev = _revision_of(trail_id, revision_id)
    if _trail_or_none(trail_id) is None:
        abort(404, _("This trail was deleted; its history is kept, but it cannot be restored from here."))
    restore(db.get_db(), rev, user_name())
    flash(_("The version of {at} is restored (recorded as a new version).", at=rev.at))
    return redirect(url_for("editor.history", trail_id=trail_id))


# -- accounts (administrators) -------------------------------------------------------------
@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    error, form = None, {}
    if request.method == "POST":
        form = {"username": request.form.get("username", ""), "role": request.form.get("role", "editor")}
        try:
            with transaction(db.get_db()):
                user = staff().add_user(form["username"], request.form.get("password", ""), role=form["role"])
        except BaliseError as e:
            error = str(e)
        else:
            flash(_("Account {name} created.", name=user.username))
            return redirect(url_for("editor.users"))
    return render_template("editor/users.html", users=staff().users(), roles=ROLES, error=error, form=form), \
        (400 if error else 200)


@bp.route("/users/<username>/active", methods=["POST"])
@admin_required
def user_active(username: str):
    active = request.form.get("active") == "1"
    if not active and username.casefold() == user_name().casefold():
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("editor.users"))
    try:
        user = staff().set_active(username, active)
    except NotFoundError:
        abort(404)
    except BaliseError as e:
        flash(str(e), "error")
    else:
        flash(_("Account {name} activated.", name=user.username) if active
              else _("Account {name} deactivated.", name=user.username))
    return redirect(url_for("editor.users"))


#: The modules whose routes join :data:`bp` (with this module's own).
ROUTE_MODULES = (editor_trails, editor_stops, editor_media, editor_route, editor_loops, editor_sources,
                 editor_figures)


def init_app(app: Flask) -> None:
    app.config.setdefault("EDITOR_MAX_GPX_BYTES", 10 * 1024 * 1024)
    app.config.setdefault("EDITOR_MAX_MEDIA_BYTES", 30 * 1024 * 1024)
    editor_sources.init_config(app)
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # every request: the largest upload plus its form (413 past it)
        app.config["MAX_CONTENT_LENGTH"] = max(app.config["EDITOR_MAX_GPX_BYTES"], app.config["EDITOR_MAX_MEDIA_BYTES"],
                                               app.config["IMPORT_MAX_UPLOAD_BYTES"]) + 1024 * 1024
    app.jinja_env.globals["pending_feedback_count"] = pending_feedback_count
    app.register_blueprint(bp)
