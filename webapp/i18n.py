"""Language per request (``?lang=``, cookie, Accept-Language; French by default), ``_()`` in templates,
and the number formats of the pages (kilometres, durations, metres) in the current language.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request

from poi.i18n import LANGUAGES, current_language, gettext, set_language
from trails.filter_params import format_duration as filters_format_duration
from trails.filter_params import label

#: POI categories (``poi.models.CATEGORIES``) as shown to people; translated through poi.i18n.
CATEGORY_LABELS = {
    "monument": "monument", "church": "church", "castle": "castle", "museum": "museum", "mill": "mill",
    "bridge": "bridge", "archaeology": "archaeological site", "memorial": "memorial", "viewpoint": "viewpoint",
    "nature": "nature", "water": "water point", "picnic": "picnic area", "accommodation": "accommodation",
    "restaurant": "restaurant", "shop": "shop", "parking": "car park", "information": "information",
    "transport": "public transport", "toilets": "toilets", "signpost": "signpost", "other": "other",
}


def _decimal(text: str) -> str:
    return text.replace(".", ",") if current_language() == "fr" else text


def format_km(length_m: float | None, digits: int = 1) -> str:
    """A length in kilometres, with the decimal mark of the current language.

    >>> from poi.i18n import language
    >>> with language("fr"):
    ...     format_km(2363)
    '2,4 km'
    >>> with language("en"):
    ...     format_km(2363), format_km(None)
    ('2.4 km', '–')
    """
    if length_m is None:
        return "–"
    return _decimal(f"{length_m / 1000:.{digits}f}") + " km"


def format_duration(duration_min: int | None) -> str:
    """A duration as walkers read it ("2 h 30", "45 min"), as the filter sentences write it.

    >>> format_duration(150), format_duration(45), format_duration(180), format_duration(None)
    ('2 h 30', '45 min', '3 h', '–')
    """
    return "–" if duration_min is None else filters_format_duration(int(round(duration_min)))


def format_m(value_m: float | None) -> str:
    """Metres, rounded: ``format_m(158.6) == '159 m'``.

    >>> format_m(158.6), format_m(None)
    ('159 m', '–')
    """
    return "–" if value_m is None else f"{round(value_m):d} m"


def category_label(category: str | None) -> str:
    """The translated name of a POI category (the raw value if unknown).

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     category_label("parking"), category_label("lavoir")
    ('car park', 'lavoir')
    """
    return gettext(CATEGORY_LABELS.get(category or "other", category or ""))


def _choose_language() -> None:
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang not in LANGUAGES:
        lang = request.accept_languages.best_match(LANGUAGES, default="fr") if request.accept_languages else "fr"
    g.previous_language = current_language()
    set_language(lang)


def _restore_language(exc=None) -> None:
    """Give the thread back its language (a request must not change the CLI's or another test's)."""
    previous = g.pop("previous_language", None)
    if previous:
        set_language(previous)


def _remember_language(response):
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie("lang", request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def lang_url(lang: str) -> str:
    """The current URL with ``lang`` set (other query parameters kept), for the language switch."""
    args = request.args.copy()
    args["lang"] = lang
    return request.path + "?" + urlencode(list(args.items(multi=True)))


def init_app(app: Flask) -> None:
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.teardown_request(_restore_language)
    app.jinja_env.globals.update(_=gettext, current_language=current_language, LANGUAGES=LANGUAGES,
                                 lang_url=lang_url, label=label,
                                 category_label=category_label)
    app.jinja_env.filters.update(km=format_km, duration=format_duration, m=format_m)
