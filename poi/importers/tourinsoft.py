"""Tourinsoft: the syndication feeds (V3, OData JSON) many French CDTs and offices publish.

A Tourinsoft syndication (``https://wcf.tourinsoft.com/Syndication/3.0/<client>/<id>/Objects?
$format=json``) answers ``{"value": [...]}`` (or ``{"d": {"results": [...]}}``); each object
has flat fields whose names the syndication chose, the common ones being:

===================  ===========================================================================
``name``             ``SyndicObjectName`` (else ``RaisonSociale``, ``title``, ``NOM``)
``lon/lat``          ``GmapLongitude``/``GmapLatitude`` (else ``GooglemapLongitude``...,
                     ``LONGITUDE``/``LATITUDE``; decimal commas accepted)
``category/themes``  ``ObjectTypeName`` and ``Classification`` words ("Hôtellerie", "Hôtels")
``summary``          ``DescriptionCourte`` / ``Accroche``
``description``      ``DescriptionCommerciale`` (else ``Descriptif``), as paragraphs
``media``            ``MediaPhotoss`` / ``Photos``: ``Photo.Url``, ``Titre`` as title, ``Credit``
                     as author (the credit)
``url``              the "Site web" entry of ``MoyenDeCom`` (``type|value#type|value``)
``updated_at``       ``Updated`` (``/Date(ms)/``: the service's modification date)
``source_id``        ``SyndicObjectID``; source ``tourinsoft``
``attribution``      "Tourinsoft (<client>)" from the object's syndication URI
``extra``            ``object_type``, ``opening`` (``{"text", "periods"}`` from ``PeriodeOuverture``:
                     ``start|end|h1|h2|h3|h4|open days|closed days`` per period), ``address``,
                     ``commune``, ``insee``, ``contact``, ``labels``; ``translations``: the ``_GB``, ``_DE``... fields
===================  ===========================================================================

**Languages.** A syndication that carries translations names them with a suffix
(``SyndicObjectName_GB``, ``DescriptionCommerciale_DE``...): :data:`LANGUAGE_SUFFIXES`
maps them into ``translations``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from poi.categories import CATEGORY_THEMES, categorize
from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record
from poi.importers.geojson import iter_json_items
from poi.models import Media
from poi.text import paragraphs

NAME_KEYS = ("SyndicObjectName", "RaisonSociale", "title", "NOM")
SUMMARY_KEYS = ("DescriptionCourte", "Accroche", "DescriptifCourt")
DESCRIPTION_KEYS = ("DescriptionCommerciale", "Descriptif", "DESCRIPTIF")
#: Field-name suffixes of translated fields -> language codes.
LANGUAGE_SUFFIXES = {"GB": "en", "UK": "en", "EN": "en", "DE": "de", "IT": "it", "ES": "es", "NL": "nl"}


def ms_date(value: Any) -> str:
    """An ISO UTC time from Tourinsoft's ``/Date(ms)/`` (or an ISO string as it is).

    >>> ms_date("/Date(1546457575113)/"), ms_date("2024-05-01T10:00:00"), ms_date(None)
    ('2019-01-02T19:32:55Z', '2024-05-01T10:00:00', '')
    """
    text = str(value or "").strip()
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", text)
    if match:
        stamp = dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.timezone.utc)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


def pairs(value: Any) -> list[tuple[str, str]]:
    """``type|value#type|value`` lists (``MoyenDeCom``) as pairs.

    >>> pairs("Mél|a@b.fr#Site web (URL)|http://x.fr")
    [('Mél', 'a@b.fr'), ('Site web (URL)', 'http://x.fr')]
    """
    out = []
    for item in str(value or "").split("#"):
        kind, _sep, text = item.partition("|")
        if text.strip():
            out.append((kind.strip(), text.strip()))
    return out


def opening_periods(value: Any) -> list[dict]:
    """``PeriodeOuverture`` (``start|end|h1|h2|h3|h4|open days|closed days``, ``#`` between periods).

    >>> opening_periods("01/01/2019|21/07/2019|08:00|15:00|||Dimanche$Lundi|Mardi")
    [{'start': '2019-01-01', 'end': '2019-07-21', 'hours': ['08:00-15:00'], 'days': ['Dimanche', 'Lundi'], 'closed': ['Mardi']}]
    """
    periods = []
    for item in str(value or "").split("#"):
        parts = (item.split("|") + [""] * 8)[:8]
        if not any(p.strip() for p in parts):
            continue
        start, end = (_iso_day(parts[0]), _iso_day(parts[1]))
        hours = [f"{a}-{b}" for a, b in ((parts[2], parts[3]), (parts[4], parts[5])) if a and b]
        period = {"start": start, "end": end, "hours": hours,
                  "days": [d for d in parts[6].split("$") if d.strip()],
                  "closed": [d for d in parts[7].split("$") if d.strip()]}
        periods.append({k: v for k, v in period.items() if v})
    return periods


def _iso_day(text: str) -> str:
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text.strip())
    return f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}" if match else text.strip()


def _first(record: Mapping, keys: tuple[str, ...]) -> Any:
    return next((record[k] for k in keys if record.get(k) not in (None, "")), None)


class TourinsoftImporter(Importer):
    """Tourinsoft V3 syndication objects (OData JSON)."""

    format = "tourinsoft"
    source = "tourinsoft"
    eid = ("SyndicObjectID", "SyndicObjectId", "ID")
    fields = {
        "name": NAME_KEYS,
        "lon": ("GmapLongitude", "GooglemapLongitude", "LONGITUDE", "Longitude"),
        "lat": ("GmapLatitude", "GooglemapLatitude", "LATITUDE", "Latitude"),
        "category": lambda r: r,
        "summary": SUMMARY_KEYS,
        "description": DESCRIPTION_KEYS,
        "media": lambda r: r.get("MediaPhotoss") or r.get("Photos") or r.get("MediaPhotos"),
        "url": lambda r: next((v for k, v in pairs(r.get("MoyenDeCom")) if "web" in k.lower()), ""),
        "updated_at": lambda r: ms_date(r.get("Updated")),
        "extra": lambda r: r,
    }

    def records(self, path: Path) -> Iterator[Record]:
        for n, data in enumerate(iter_json_items(path, ("value", "results")), start=1):
            nested = data.get("d") if isinstance(data, Mapping) else None
            if isinstance(nested, Mapping) and isinstance(nested.get("results"), list):  # {"d": {"results": []}}
                for m, item in enumerate(nested["results"], start=n):
                    yield self._record(path, m, item)
                continue
            yield self._record(path, n, data)

    def _record(self, path: Path, n: int, data: Any) -> Record:
        if n == 1 and not (isinstance(data, Mapping) and any(k in data for k in self.eid)
                           and any(k in data for k in NAME_KEYS)):
            keys = ", ".join(list(data)[:6]) if isinstance(data, Mapping) else type(data).__name__
            raise SourceFormatError(_("{file}: not a Tourinsoft syndication (objects need SyndicObjectID and "
                                      "SyndicObjectName; found {keys})", file=path.name, keys=keys))
        data = data if isinstance(data, Mapping) else {}
        name = _first(data, NAME_KEYS)
        return Record(_("object {n}", n=n) + (f" ({name})" if name else ""), data)

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        words = {"type": record.get("Classification") or "", "categorie": record.get("ObjectTypeName") or "",
                 "name": _first(record, NAME_KEYS) or ""}
        category, themes = categorize({k: str(v) for k, v in words.items() if v})
        return category, themes or list(CATEGORY_THEMES.get(category, ()))

    def clean_description(self, value, record) -> str:
        return paragraphs(str(value)) if value else ""

    def clean_media(self, value, record) -> list[Media]:
        media = []
        for item in value if isinstance(value, list) else []:
            photo = item.get("Photo") if isinstance(item, Mapping) else None
            photo = photo if isinstance(photo, Mapping) else item if isinstance(item, Mapping) else {}
            url = str(photo.get("Url") or photo.get("URL") or "").strip()
            if url.lower().startswith(("http://", "https://")):
                media.append(Media(kind="image", url=url, title=str(photo.get("Titre") or "").strip(),
                                   author=str(photo.get("Credit") or photo.get("Credits") or "").strip()))
        return media

    def clean_extra(self, value, record) -> dict:
        address = (str(record.get("AdresseComplete") or "").split("|") + [""] * 6)[:6]
        contact = {k: v for kind, v in pairs(record.get("MoyenDeCom"))
                   for k in (("phone",) if "phone" in kind.lower() and "fax" not in kind.lower() else
                             ("email",) if kind.lower().startswith(("mél", "mel", "e-mail", "email")) else ())}
        periods = opening_periods(record.get("PeriodeOuverture"))
        extra = {
            "object_type": record.get("ObjectTypeName") or "",
            "opening": {"periods": periods} if periods else {},
            "address": ", ".join(p.strip() for p in (address[0], address[3], address[4]) if p.strip()),
            "commune": address[4].strip().title() if address[4].strip() else "",
            "insee": address[5].strip(),
            "contact": contact,
            "labels": [x.strip() for x in str(record.get("Labels") or "").split("#") if x.strip()],
        }
        return {k: v for k, v in extra.items() if v not in (None, "", [], {})}

    def clean_translations(self, value, record) -> dict:
        i18n: dict[str, dict[str, str]] = {}
        for key, text in record.items():
            base, _sep, suffix = str(key).rpartition("_")
            lang = LANGUAGE_SUFFIXES.get(suffix)
            if not lang or not isinstance(text, str) or not text.strip():
                continue
            field = ("name" if base in NAME_KEYS else "summary" if base in SUMMARY_KEYS
                     else "description" if base in DESCRIPTION_KEYS else None)
            if field:
                i18n.setdefault(lang, {})[field] = paragraphs(text) if field == "description" else text.strip()
        return {lang: i18n[lang] for lang in sorted(i18n)}

    def stamp(self, poi, record, *, source, licence, attribution) -> None:
        uri = str((record.data.get("__metadata") or {}).get("uri") or "")
        client = re.search(r"/Syndication/(?:[\d.]+/)?([^/]+)/", uri)
        named = f"Tourinsoft ({client.group(1)})" if client else "Tourinsoft"
        super().stamp(poi, record, source=source, licence=licence, attribution=attribution or named)


__all__ = ["TourinsoftImporter", "ms_date", "pairs", "opening_periods"]
