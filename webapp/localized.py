"""Content in the visitor's language: the translations importers keep beside the French text.

DATAtourisme, Geotrek, Apidae and Tourinsoft records carry other languages in ``translations``
(a field of :class:`poi.models.POI` and :class:`trails.models.Trail`), shaped
``{"en": {"name": ..., "summary": ..., "description": ...}}`` (Geotrek treks also have
``ambiance``, which comes before ``description`` as it does in French). A page in
English shows the English text of a field when there is one, else the original.
Descriptions are HTML: they are sanitised again here, like everything shown with ``|safe``.
"""
from __future__ import annotations

from markupsafe import Markup

from poi.i18n import current_language
from poi.text import sanitize_html

#: Fields that are HTML (the others are plain text).
HTML_FIELDS = ("description",)


def translation(obj, field: str, lang: str | None = None) -> str:
    """The text of ``field`` in ``lang`` (default: the current language) from ``obj.translations``,
    or "" when there is none.

    >>> from poi.models import POI
    >>> poi = POI(name="Le Moulin", lon=3.6, lat=44.2, translations={"en": {"name": "The Mill"}})
    >>> translation(poi, "name", "en"), translation(poi, "summary", "en"), translation(poi, "name", "de")
    ('The Mill', '', '')
    """
    lang = lang or current_language()
    texts = (getattr(obj, "translations", None) or {}).get(lang)
    if not isinstance(texts, dict):
        return ""
    if field == "description":
        return "".join(t for k in ("ambiance", "description") if isinstance(t := texts.get(k), str) and t.strip())
    text = texts.get(field)
    return text.strip() if isinstance(text, str) else ""


def localized(obj, field: str, lang: str | None = None) -> str:
    """``field`` of ``obj`` in the current language when a translation exists, else the original
    (descriptions as sanitised :class:`~markupsafe.Markup`).

    >>> from trails.models import Trail
    >>> from poi.i18n import language
    >>> t = Trail(name="Tour du lac", description="<p>Un lac</p>",
    ...           translations={"en": {"name": "Lake loop", "description": "<p>A lake<script>x</script></p>"}})
    >>> with language("en"):
    ...     localized(t, "name"), localized(t, "description"), localized(t, "summary")
    ('Lake loop', Markup('<p>A lake</p>'), '')
    >>> with language("fr"):
    ...     localized(t, "name")
    'Tour du lac'
    """
    text = translation(obj, field, lang) or (getattr(obj, field, "") or "")
    return Markup(sanitize_html(text)) if field in HTML_FIELDS else text


def init_app(app) -> None:
    """``localized(obj, field)`` in every template."""
    app.jinja_env.globals["localized"] = localized
