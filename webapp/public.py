"""Public blueprint: the catalogue and circuit pages (grown by later work)."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

from webapp import db

bp = Blueprint("public", __name__)


@bp.route("/")
def catalogue():
    trails = db.trails().all(published_only=True)
    return render_template("public/catalogue.html", trails=trails)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
