"""The declarative field mapping every POI importer inherits: where each POI field comes from, and how it is cleaned.

A mapping says *where* each POI field comes from (the shape of Geotrek-admin's ``Parser``):

* ``fields`` maps a POI field to a source key, a tuple of candidate keys (the
  first non-empty one wins), or a callable ``f(record) -> value``;
* ``clean_<field>(value, record)`` hooks turn the raw value into the POI's value
  and raise :class:`poi.errors.ImportRowError` to reject the row;
* :meth:`FieldMapping.build` maps and cleans one :class:`Record` into a :class:`~poi.models.POI`
  (without provenance: :class:`poi.importers.base.Importer` stamps it and writes it).

Pure: no storage, no files.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

from poi.categories import categorize
from poi.errors import ImportRowError
from poi.i18n import gettext as _
from poi.models import POI, Media
from poi.text import sanitize_html

#: The POI fields an importer may map, in the order they are read and cleaned.
FIELDS = ("name", "lon", "lat", "category", "themes", "ele_m", "summary", "description", "media",
          "trigger_radius_m", "url", "updated_at", "extra", "translations")

#: Where generic files (CSV columns, GeoJSON properties) name the POI fields: candidate keys,
#: the first non-empty one wins (the Mérimée ``chptico``/``chphist`` included).
GENERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "title", "titre", "libelle", "label", "appellation", "chptico", "tico"),
    "description": ("description", "descriptif", "desc", "chphist", "hist", "historique"),
    "summary": ("summary", "resume", "description_teaser", "chapo"),
    "url": ("url", "website", "contact:website", "site_web", "site_internet", "lien"),
    "media": ("images", "image", "photos", "photo", "pictures", "medias"),
    "ele_m": ("ele", "altitude", "elevation"),
}

FieldSpec = str | tuple[str, ...] | Callable[[Any], Any]

EMPTY_VALUES = (None, "", [], {})  # values that count as missing


class Record(NamedTuple):
    """One raw record of a source: where it is (for reports) and its data."""

    where: str  # "line 12", "feature 3 (node/123)", "waypoint 2"
    data: Any  # a mapping (CSV row, GeoJSON feature) or an object (gpxpy waypoint)


def parse_number(value: Any) -> float | None:
    """A float from a number or a string, accepting a French decimal comma.

    >>> parse_number("43,6047"), parse_number(" 1.44 "), parse_number(12)
    (43.6047, 1.44, 12.0)
    >>> parse_number("") is None
    True
    >>> parse_number("abc")
    Traceback (most recent call last):
    ...
    ValueError: could not convert string to float: 'abc'
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


class FieldMapping:
    """Where each POI field of a record comes from, and the ``clean_<field>`` hooks.

    Class attributes
    ----------------
    fields : POI field -> key | tuple of keys | callable(record).
    keep_extra : keep the record's unmapped, non-empty values in ``POI.extra``.
    """

    fields: ClassVar[dict[str, FieldSpec]] = {}
    keep_extra: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = set(cls.fields) - set(FIELDS)
        if unknown:
            raise TypeError(f"{cls.__name__}.fields maps unknown POI fields {sorted(unknown)}")

    def lookup(self, data: Any, key: str) -> Any:
        """Value of ``key`` in a raw record (mapping item, else attribute)."""
        if isinstance(data, Mapping):
            return data.get(key)
        return getattr(data, key, None)

    def items(self, data: Any) -> Mapping:
        """All key/values of a record, for ``extra``."""
        return data if isinstance(data, Mapping) else {}

    # -- default cleaning -----------------------------------------------------
    def clean_name(self, value, record) -> str:
        name = " ".join(str(value).split()) if value not in (None, "") else ""
        if not name:
            raise ImportRowError(_("no name"))
        return name[:300]

    def clean_lon(self, value, record) -> float:
        if type(value) is float and -180.0 <= value <= 180.0:
            return value  # the common case, first
        return self._coordinate(value, _("longitude"), 180.0)

    def clean_lat(self, value, record) -> float:
        if type(value) is float and -90.0 <= value <= 90.0:
            return value
        return self._coordinate(value, _("latitude"), 90.0)

    def _coordinate(self, value, label: str, limit: float) -> float:
        try:
            number = parse_number(value)
        except (TypeError, ValueError) as e:
            raise ImportRowError(_("invalid {what} {value}", what=label, value=repr(value))) from e
        if number is None:
            raise ImportRowError(_("no {what}", what=label))
        if not -limit <= number <= limit:
            raise ImportRowError(_("{what} {value} out of range [-{limit:g}, {limit:g}]",
                                   what=label, value=f"{number:.10g}", limit=limit))
        return number

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        """The Balise category and its themes (see :func:`poi.categories.categorize`)."""
        return categorize(value)

    def clean_themes(self, value, record) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = re.split(r"[;,|]", value)
        return [str(v).strip() for v in value if str(v).strip()]

    def clean_ele_m(self, value, record) -> float | None:
        try:
            return parse_number(value)
        except (TypeError, ValueError):
            return None  # an unreadable elevation is not worth losing the POI

    def clean_trigger_radius_m(self, value, record) -> float | None:
        try:
            number = parse_number(value)
        except (TypeError, ValueError):
            return None
        return number if number and number > 0 else None

    def clean_summary(self, value, record) -> str:
        return " ".join(str(value).split()) if value else ""

    def clean_description(self, value, record) -> str:
        return sanitize_html(str(value)) if value else ""

    def clean_url(self, value, record) -> str:
        url = str(value).strip() if value else ""
        return url if re.match(r"https?://", url, re.I) else ""

    def clean_updated_at(self, value, record) -> str:
        return str(value).strip() if value else ""

    def clean_media(self, value, record) -> list[Media]:
        """Images from a URL, a list of URLs (or ``;``/``|``-separated), or objects with ``url``."""
        if not value:
            return []
        items = value if isinstance(value, (list, tuple)) else re.split(r"\s*[;|]\s*", str(value))
        media = []
        for item in items:
            if isinstance(item, Mapping):
                url = str(item.get("url") or item.get("href") or "")
                title = str(item.get("title") or item.get("legend") or item.get("legende") or "")
                author = str(item.get("author") or item.get("auteur") or "")
            else:
                url, title, author = str(item).strip(), "", ""
            if re.match(r"https?://", url, re.I):
                media.append(Media(kind="image", url=url, title=title, author=author))
        return media

    def clean_extra(self, value, record) -> dict:
        return dict(value) if isinstance(value, Mapping) else {}

    def clean_translations(self, value, record) -> dict:
        """The texts in other languages than French: ``{lang: {field: text}}``."""
        return dict(value) if isinstance(value, Mapping) else {}

    # -- mapping a record -----------------------------------------------------
    def resolve(self, spec: FieldSpec | None, data: Any, used: set[str] | None = None) -> Any:
        """Raw value of one field spec for one record."""
        if spec is None:
            return None
        if callable(spec):
            return spec(data)
        for key in (spec,) if isinstance(spec, str) else spec:
            value = self.lookup(data, key)
            if value not in (None, "", [], {}):
                if used is not None:
                    used.add(key)
                return value
        return None

    def key_reader(self, keys: tuple[str, ...]) -> Callable[[Any], tuple[str | None, Any]]:
        """A function of a record giving ``(key, value)`` of the first of ``keys`` with a non-empty
        value, else ``(None, None)``: :meth:`resolve` for one field, made once per importer.

        >>> FieldMapping().key_reader(("nom", "name"))({"nom": "", "name": "Lavoir"})
        ('name', 'Lavoir')
        """
        lookup = self.lookup
        plain = type(self).lookup is FieldMapping.lookup

        def read(data: Any) -> tuple[str | None, Any]:
            if plain and type(data) is dict:
                get = data.get
                for key in keys:
                    value = get(key)
                    if value not in EMPTY_VALUES:
                        return key, value
                return None, None
            for key in keys:
                value = lookup(data, key)
                if value not in EMPTY_VALUES:
                    return key, value
            return None, None

        return read

    def _plan(self) -> list[tuple[str, Callable | None, bool, Callable | None]]:
        """``(field, reader, reads keys, clean hook)`` per mapped field, worked out once per importer.

        A key reader gives ``(key, value)``, a callable spec the value.
        """
        plan = []
        for name in FIELDS:
            if name == "updated_at":
                continue  # provenance: see stamp()
            spec = self.fields.get(name)
            keys = (spec,) if isinstance(spec, str) else spec if isinstance(spec, tuple) else None
            plan.append((name, self.key_reader(keys) if keys is not None else spec, keys is not None,
                         getattr(self, f"clean_{name}", None)))
        return plan

    def build(self, record: Record) -> POI:
        """Map and clean one record into a POI (without provenance); ImportRowError if unusable."""
        fields, plan = self.__dict__.get("_build_plan", (None, None))
        if fields is not self.fields:  # first record, or a reader that maps its own columns (CSV)
            plan = self._plan()
            self.__dict__["_build_plan"] = (self.fields, plan)
        used: set[str] = set()
        values: dict[str, Any] = {}
        data = record.data
        for name, reader, keyed, hook in plan:
            if keyed:
                key, raw = reader(data)
                if key is not None and name != "category":
                    used.add(key)
            else:
                raw = reader(data) if reader is not None else None
            if raw is None and name == "lon" and self.resolve(self.fields.get("lat"), data) is None:
                raise ImportRowError(_("no coordinates"))
            values[name] = hook(raw, data) if hook else raw
        category, themes = values.pop("category")
        values["themes"] = list(dict.fromkeys([*themes, *values["themes"]]))
        extra = values.pop("extra")
        if self.keep_extra:
            extra = {**{k: v for k, v in self.items(record.data).items()
                        if k not in used and v not in (None, "", [], {})}, **extra}
        return POI(category=category, extra=extra, **values)
