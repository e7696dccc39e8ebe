"""Geotrek: POIs and touristic contents of Geotrek-admin's API v2 and Geotrek-rando's GeoJSON.

Geotrek (https://geotrek.fr, used by French national and regional parks) publishes

* **API v2** pages (``/api/v2/poi/``, ``/api/v2/touristiccontent/``): ``{"count", "next",
  "results": [...]}``, texts as language maps (``{"fr": ..., "en": ...}``), numeric ids
  for categories and themes;
* **Geotrek-rando v2** GeoJSON (``touristiccontents.geojson``, one language per file).

``--format geotrek`` reads both (a single API object too), streaming the records.

Field mapping (POI <- record):

===================  ===========================================================================
``name``             ``name`` (French; the other languages go to ``translations``)
``summary``          ``description_teaser`` as plain text
``description``      ``description`` (sanitised HTML, entities decoded)
``lon/lat/ele_m``    the Point geometry (Z is the elevation)
``category/themes``  POI ``type_label``; touristic content ``category`` (label, or id looked up in
                     the vocabulary) and its ``types``/``type1`` labels, through
                     :func:`poi.categories.categorize`
``media``            ``attachments`` of type image (API), ``pictures`` (Geotrek-rando; relative
                     URLs need the ``base_url`` option), with legend, author and licence
``url``              ``website`` (touristic contents)
``source``           ``geotrek:<host>`` (host of the record's API ``url``), else ``geotrek``
``source_id``        ``uuid``, else ``id``
``attribution``      the structure's name (vocabulary), else the host; licence: none is published
                     by the API, so ``--licence`` should say it (default "Licence Ouverte 2.0",
                     what French parks publish their Geotrek data under)
``extra``            ``geotrek_id``, ``api_url``, ``structure``, ``themes`` (labels),
                     ``commune_codes``, ``contact``, ``practical_info``
===================  ===========================================================================

Records not published in French (``published`` false) are reported and skipped.

**Vocabulary.** API v2 gives ids where people want labels (practice 3, theme 8). Put the
API's vocabulary pages beside the data file, named after their endpoints
(:data:`VOCABULARY_FILES`: ``trek_practice.json``, ``trek_route.json``,
``trek_difficulty.json``, ``trek_theme.json``, ``trek_network.json``, ``poi_type.json``,
``touristiccontent_category.json``, ``structure.json``): :func:`load_vocabulary` reads those
present. Without them, ids are kept in ``extra`` and the words of the names decide.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from poi.categories import CATEGORY_THEMES, categorize
from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer, nested_too_deeply
from poi.importers.mapping import Record
from poi.importers.geojson import iter_json_items, point_of
from poi.models import Media
from poi.text import html_to_text, sanitize_html

LICENCE = "Licence Ouverte 2.0"
#: Vocabulary file (an API v2 endpoint's page) -> (kind, key of the label).
VOCABULARY_FILES = {
    "trek_practice.json": ("practice", "name"), "trek_route.json": ("route", "route"),
    "trek_difficulty.json": ("difficulty", "label"), "trek_theme.json": ("theme", "label"),
    "theme.json": ("theme", "label"), "trek_network.json": ("network", "label"),
    "poi_type.json": ("poi_type", "label"), "touristiccontent_category.json": ("category", "label"),
    "structure.json": ("structure", "name"),
}

Vocabulary = dict[str, dict[str, Any]]


def text_fr(value: Any) -> str:
    """The French text of a Geotrek value (a language map or a plain string).

    >>> text_fr({"fr": "Sommet", "en": "Peak"}), text_fr("Musée"), text_fr({"fr": None, "en": "Lake"})
    ('Sommet', 'Musée', 'Lake')
    >>> text_fr(None)
    ''
    """
    if isinstance(value, Mapping):
        fr = value.get("fr")
        if isinstance(fr, str) and fr.strip():
            return fr.strip()
        return next((str(v).strip() for v in value.values() if isinstance(v, str) and v.strip()), "")
    return str(value).strip() if value not in (None, "") else ""


def translations(fields: Mapping[str, Any], *, html: tuple[str, ...] = ("description",)) -> dict:
    """``{lang: {field: text}}`` for the languages other than French, empty texts dropped.

    >>> translations({"name": {"fr": "Pic", "en": "Peak", "it": ""}, "summary": {"en": "<p>Big</p>"}},
    ...              html=())
    {'en': {'name': 'Peak', 'summary': 'Big'}}
    """
    out: dict[str, dict[str, str]] = {}
    for field, value in fields.items():
        if not isinstance(value, Mapping):
            continue
        for lang, text in value.items():
            if lang == "fr" or not isinstance(text, str) or not html_to_text(text):
                continue
            out.setdefault(lang, {})[field] = sanitize_html(text) if field in html else html_to_text(text)
    return {lang: out[lang] for lang in sorted(out)}


def load_vocabulary(folder: Path) -> Vocabulary:
    """The vocabulary pages found in ``folder``: ``{kind: {id (str): entry}}``.

    An entry is the API object with ``"label"`` set to its French label. Category
    entries also map their type values (``{"types": {value id: label}}``).
    Raises :class:`SourceFormatError` for a vocabulary file that is not JSON.
    """
    vocabulary: Vocabulary = {}
    for name, (kind, key) in VOCABULARY_FILES.items():
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SourceFormatError(_("{file}: not a Geotrek API v2 vocabulary page ({reason})",
                                      file=name, reason=str(e))) from e
        except RecursionError as e:
            raise nested_too_deeply(name) from e
        results = data.get("results", data) if isinstance(data, Mapping) else data
        entries = vocabulary.setdefault(kind, {})
        for item in results if isinstance(results, list) else []:
            if isinstance(item, Mapping) and "id" in item:
                entry = {**item, "label": text_fr(item.get(key))}
                if kind == "category":
                    entry["types"] = {str(v.get("id")): text_fr(v.get("label"))
                                      for t in item.get("types") or [] if isinstance(t, Mapping)
                                      for v in t.get("values") or [] if isinstance(v, Mapping)}
                entries[str(item["id"])] = entry
    return vocabulary


def label(vocabulary: Vocabulary, kind: str, value: Any) -> str:
    """French label of an id (or of an object with ``label``/``name``); '' when unknown.

    >>> label({"theme": {"8": {"label": "Lac et glacier"}}}, "theme", 8)
    'Lac et glacier'
    >>> label({}, "theme", {"id": 1, "label": "Faune"}), label({}, "theme", 3)
    ('Faune', '')
    """
    if isinstance(value, Mapping):
        return text_fr(value.get("label") or value.get("name"))
    if value in (None, ""):
        return ""
    return str((vocabulary.get(kind, {}).get(str(value)) or {}).get("label") or "")


def host_of(url: Any) -> str:
    """The host of an API URL.

    >>> host_of("https://foo.fr/api/v2/trek/2/"), host_of(None)
    ('foo.fr', '')
    """
    return urlparse(str(url)).hostname or "" if url else ""


def media_of(attachments: Any, base_url: str = "") -> list[dict]:
    """Images and videos of Geotrek ``attachments`` (API v2) or ``pictures`` (Geotrek-rando), as dicts.

    A video is kept as a link (``kind`` video: pages and bundles link to it; ``balise media import`` stores
    local files only); PDFs and other files are left out; relative URLs are joined to ``base_url``
    (and dropped without one).

    >>> media_of([{"type": "image", "url": "https://x.fr/a.jpg", "legend": "Ânes", "author": "WM",
    ...            "license": None}, {"type": "video", "url": "https://youtu.be/x"}, {"type": "pdf", "url": "https://x.fr/a.pdf"}])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'kind': 'image', 'url': 'https://x.fr/a.jpg', 'title': 'Ânes', 'author': 'WM', 'licence': ''},
     {'kind': 'video', 'url': 'https://youtu.be/x', 'title': '', 'author': '', 'licence': ''}]
    >>> media_of([{"url": "/media/a.jpg", "title": "a"}], "https://rando.fr")[0]["url"]
    'https://rando.fr/media/a.jpg'
    """
    out = []
    for item in attachments if isinstance(attachments, list) else []:
        if not isinstance(item, Mapping) or item.get("type", "image") not in ("image", "video"):
            continue
        url = str(item.get("url") or "").strip()
        if url and not re.match(r"^https?://", url, re.I):
            url = base_url.rstrip("/") + "/" + url.lstrip("/") if base_url else ""
        if not url:
            continue
        licence = item.get("license")
        licence = text_fr(licence.get("label")) if isinstance(licence, Mapping) else text_fr(licence)
        out.append({"kind": item.get("type", "image"), "url": url,
                    "title": text_fr(item.get("legend")) or text_fr(item.get("title")),
                    "author": text_fr(item.get("author")),
                    "licence": "" if licence.lower() in ("license", "licence") else licence})
    return out


def published_in_french(published: Any) -> bool:
    """``published`` is a bool (contents) or a language map (POIs, treks); missing means yes.

    >>> published_in_french({"fr": True, "en": False}), published_in_french(False), published_in_french(None)
    (True, False, True)
    """
    if isinstance(published, Mapping):
        return bool(published.get("fr", any(published.values())))
    return published is None or bool(published)


class GeotrekImporter(Importer):
    """Geotrek-admin API v2 POIs / touristic contents, and Geotrek-rando v2 GeoJSON."""

    format = "geotrek"
    source = "geotrek"
    licence = LICENCE
    eid = ("uuid", "id")
    options = ("base_url",)
    fields = {
        "name": lambda r: text_fr(r.get("name")),
        "lon": lambda r: (point_of(r.get("geometry")) or (None, None))[0],
        "lat": lambda r: (point_of(r.get("geometry")) or (None, None))[1],
        "ele_m": lambda r: _z(r.get("geometry")),
        "category": lambda r: r,
        "summary": lambda r: text_fr(r.get("description_teaser")),
        "description": lambda r: text_fr(r.get("description")),
        "media": lambda r: r.get("attachments") or r.get("pictures"),
        "url": "website",
        "updated_at": ("update_datetime",),
        "extra": lambda r: r,
    }

    def __init__(self) -> None:
        super().__init__()
        self.vocabulary: Vocabulary = {}
        self.base_url = ""

    def records(self, path: Path, *, base_url: str | None = None) -> Iterator[Record]:
        self.vocabulary = load_vocabulary(path.parent)
        self.base_url = base_url or ""
        for n, data in enumerate(iter_json_items(path, ("results", "features")), start=1):
            if isinstance(data, Mapping) and data.get("type") == "Feature":
                props = data.get("properties") or {}
                data = {**props, "id": data.get("id", props.get("id")), "geometry": data.get("geometry")}
            if n == 1 and not (isinstance(data, Mapping) and "geometry" in data and "name" in data
                               and ("id" in data or "uuid" in data)):
                keys = ", ".join(list(data)[:6]) if isinstance(data, Mapping) else type(data).__name__
                raise SourceFormatError(_("{file}: not Geotrek data (records need id, name and geometry; found {keys})",
                                          file=path.name, keys=keys))
            data = data if isinstance(data, Mapping) else {}
            name = text_fr(data.get("name"))
            where = _("record {n}", n=n) + (f" ({name})" if name else "")
            if not published_in_french(data.get("published")):
                yield Record(where, {**data, "_unpublished": True})
                continue
            yield Record(where, data)

    def clean_name(self, value, record) -> str:
        if record.get("_unpublished"):
            raise ImportRowError(_("not published in French"))
        return super().clean_name(value, record)

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        words: dict[str, Any] = {"name": text_fr(record.get("name"))}
        if record.get("type_label") or isinstance(record.get("type"), (int, str)):
            words["type"] = text_fr(record.get("type_label")) or label(self.vocabulary, "poi_type",
                                                                        record.get("type"))
        category = record.get("category")
        if category not in (None, ""):
            entry = self.vocabulary.get("category", {}).get(str(category), {})
            words["categorie"] = label(self.vocabulary, "category", category)
            type_labels = [entry.get("types", {}).get(str(v), "")
                           for values in (record.get("types") or {}).values() for v in values or []]
            type_labels += [text_fr(t.get("name")) for t in record.get("type1") or [] if isinstance(t, Mapping)]
            words["types"] = [t for t in type_labels if t]
        category, themes = categorize({k: v for k, v in words.items() if v})
        return category, themes or list(CATEGORY_THEMES.get(category, ()))

    def clean_summary(self, value, record) -> str:
        return html_to_text(value) if value else ""

    def clean_media(self, value, record) -> list[Media]:
        return [Media(**m) for m in media_of(value, self.base_url)]

    def clean_extra(self, value, record) -> dict:
        extra: dict[str, Any] = {"geotrek_id": record.get("id"), "api_url": record.get("url") or ""}
        extra["structure"] = self.structure(record)
        themes = [label(self.vocabulary, "theme", t) for t in record.get("themes") or []]
        extra["themes"] = [t for t in themes if t]
        if not extra["themes"] and record.get("themes"):
            extra["theme_ids"] = [t for t in record["themes"] if not isinstance(t, Mapping)]
        cities = record.get("cities") or []
        extra["commune_codes"] = [c.get("code") if isinstance(c, Mapping) else str(c) for c in cities]
        for key in ("contact", "practical_info"):
            text = html_to_text(text_fr(record.get(key)))
            if text:
                extra[key] = text
        return {k: v for k, v in extra.items() if v not in (None, "", [], {})}

    def structure(self, record) -> str:
        """The name of the structure that manages the record (its vocabulary label), else its id, else ``""``."""
        structure = record.get("structure")
        if structure in (None, ""):
            return ""
        return label(self.vocabulary, "structure", structure) or str(structure)

    def clean_translations(self, value, record) -> dict:
        return translations({"name": record.get("name"), "summary": record.get("description_teaser"),
                             "description": record.get("description")})

    def stamp(self, poi, record, *, source, licence, attribution) -> None:
        host = host_of(record.data.get("url"))
        if source == self.source and host:
            source = f"geotrek:{host}"
        structure = self.structure(record.data)
        named = structure if structure and not structure.isdigit() else host
        super().stamp(poi, record, source=source, licence=licence, attribution=attribution or named or None)


def _z(geometry: Any) -> Any:
    if isinstance(geometry, Mapping) and geometry.get("type") == "Point":
        coords = geometry.get("coordinates") or []
        return coords[2] if len(coords) > 2 else None
    return None


__all__ = ["GeotrekImporter", "load_vocabulary", "label", "text_fr", "translations", "media_of",
           "host_of", "published_in_french"]
