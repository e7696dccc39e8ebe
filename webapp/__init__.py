"""The Balise web app (Flask application factory). Only this package knows Flask.

Flask is imported by :func:`create_app`, not by the package: the ``balise`` command line lives here too
and most of its commands need no web app.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from poi.resources import resource

if TYPE_CHECKING:
    from flask import Flask

#: Modules of this package that register themselves with ``init_app(app)``, in order.
SUBSYSTEMS = (
    "params",  # first: the strict <int:...> converter must exist before any route
    "db",
    "i18n",
    "maps",
    "public",
    "media_files",
    "csrf",
    "auth",
    "editor",
    "upload_slots",
    "api",
    "loops_api",
    "compose",
    "embed",
    "feedback",
    "bundles",
    "figures",
    "territory",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Config keys: ``DATABASE``, ``SECRET_KEY``, ``TILES_URL``, ``BASE_URL``, ``ORGANISATION``."""
    from flask import Flask

    from poi.store import default_db_path

    app = Flask(__name__, template_folder=str(resource("templates")), static_folder=str(resource("static")))
    app.config.from_mapping(
        DATABASE=default_db_path(),
        SECRET_KEY="dev-only-change-me",
        TILES_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        TILES_ATTRIBUTION="&copy; OpenStreetMap contributors",
        BASE_URL="",
        ORGANISATION="",  # credited as the author of circuits created in the editor
    )
    app.config.from_prefixed_env("BALISE")
    if test_config:
        app.config.update(test_config)

    for name in SUBSYSTEMS:
        importlib.import_module(f"webapp.{name}").init_app(app)
    return app
