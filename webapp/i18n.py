"""Language per request (``?lang=``, cookie, Accept-Language; French by default) and ``_()`` in templates."""
from __future__ import annotations

from flask import Flask, request

from poi.i18n import LANGUAGES, current_language, gettext, set_language


def _choose_language() -> None:
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang not in LANGUAGES:
        lang = request.accept_languages.best_match(LANGUAGES, default="fr") if request.accept_languages else "fr"
    set_language(lang)


def _remember_language(response):
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie("lang", request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(_=gettext, current_language=current_language, LANGUAGES=LANGUAGES)
