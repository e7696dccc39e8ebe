"""LEI: the XML exports of the "Lieux d'Échanges et d'Informations" tourism databases (Alsace, Lorraine...).

A LEI export (``<LEI><Definition>...</Definition><Resultat><sit_liste>...</sit_liste>...``)
holds one ``<sit_liste>`` per product. XML is parsed through defusedxml (no DTD, no
entity expansion, no external fetch) and streamed one product at a time.

Field mapping (POI <- ``<sit_liste>``):

===================  ===========================================================================
``name``             ``NOM``
``lon/lat``          ``LONGITUDE``/``LATITUDE`` (decimal commas)
``category/themes``  ``TYPE_NOM`` words ("Restauration", "Hébergement"...), then the name
``description``      ``COMMENTAIRE``, as paragraphs
``media``            photo criteria (:data:`PHOTO_CRITERIA`: ``<Crit CLEF_CRITERE="1900421">`` holds
                     the picture's address, its paired criterion the caption), the address
                     completed with ``https://`` when it has no scheme
``url``              ``ADRPREST_URL`` (``https://`` added when missing)
``updated_at``       ``DATMAJ`` (``DD/MM/YYYY HH:MM:SS``: the service's modification date)
``source_id``        ``PRODUIT``; source ``lei``
``attribution``      the export's ``PRODUCTEUR`` (the part before " - "), "via LEI"
``extra``            ``product_type``, ``address``, ``commune``, ``insee``, ``contact``
===================  ===========================================================================
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from poi.categories import CATEGORY_THEMES, categorize
from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record
from poi.models import Media
from poi.text import paragraphs

#: Photo criterion -> the criterion holding its caption (LEI Alsace numbering).
PHOTO_CRITERIA = {"1900421": "1900480", "1900603": "1900661", "1900751": "1900752", "1900781": "",
                  "1900782": "1900783"}


def lei_date(value: Any) -> str:
    """ISO time from LEI's ``DD/MM/YYYY HH:MM:SS``.

    >>> lei_date("29/11/2022 11:32:41"), lei_date("")
    ('2022-11-29T11:32:41', '')
    """
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})(?:\s+(\d{2}:\d{2}(?::\d{2})?))?", str(value or "").strip())
    if not match:
        return str(value or "").strip()
    day, month, year, time = match.groups()
    return f"{year}-{month}-{day}" + (f"T{time}" if time else "")


def web_address(value: Any) -> str:
    """An http(s) address from LEI's ``www.x.fr`` or ``url.url/photo.jpg``.

    >>> web_address("www.hotel.fr"), web_address("http://a.fr/x"), web_address("")
    ('https://www.hotel.fr', 'http://a.fr/x', '')
    """
    text = str(value or "").strip()
    if not text or " " in text:
        return ""
    return text if re.match(r"https?://", text, re.I) else "https://" + text.lstrip("/")


class LEIImporter(Importer):
    """LEI XML exports (``sit_liste`` products)."""

    format = "lei"
    source = "lei"
    eid = "PRODUIT"
    fields = {
        "name": "NOM",
        "lon": "LONGITUDE",
        "lat": "LATITUDE",
        "category": lambda r: r,
        "description": "COMMENTAIRE",
        "media": lambda r: r.get("_photos"),
        "url": lambda r: web_address(r.get("ADRPREST_URL")),
        "updated_at": lambda r: lei_date(r.get("DATMAJ")),
        "extra": lambda r: r,
    }

    def records(self, path: Path) -> Iterator[Record]:
        n = 0
        producer = ""
        try:
            for _event, element in SafeET.iterparse(str(path), events=("end",), forbid_dtd=True):
                if element.tag == "PRODUCTEUR":
                    producer = (element.text or "").split(" - ")[0].strip()
                if element.tag != "sit_liste":
                    continue
                n += 1
                data = self._flatten(element)
                element.clear()
                self.meta.setdefault("attribution", _("{owner} via LEI", owner=producer) if producer else "LEI")
                yield Record(_("product {n}", n=n) + (f" ({data['NOM']})" if data.get("NOM") else ""), data)
        except (ParseError, DefusedXmlException) as e:
            raise SourceFormatError(_("{file}: not valid LEI XML ({reason}); nothing imported",
                                      file=path.name, reason=str(e))) from e
        if n == 0:
            raise SourceFormatError(_("{file}: no LEI product (<sit_liste>) in the file", file=path.name))

    @staticmethod
    def _flatten(element) -> dict:
        data: dict[str, Any] = {}
        criteria: dict[str, str] = {}
        for child in element:
            if child.tag == "CRITERES":
                for crit in child:
                    key, text = crit.get("CLEF_CRITERE") or "", (crit.text or "").strip()
                    if key and text:
                        criteria.setdefault(key, text)
            else:
                data[child.tag] = (child.text or "").strip()
        data["_photos"] = [{"url": web_address(criteria[key]), "title": criteria.get(caption, "") if caption else ""}
                           for key, caption in PHOTO_CRITERIA.items() if criteria.get(key)]
        return data

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        words = {"type": record.get("TYPE_NOM") or "", "name": record.get("NOM") or ""}
        category, themes = categorize({k: v for k, v in words.items() if v})
        return category, themes or list(CATEGORY_THEMES.get(category, ()))

    def clean_description(self, value, record) -> str:
        return paragraphs(str(value)) if value else ""

    def clean_media(self, value, record) -> list[Media]:
        return [Media(kind="image", url=m["url"], title=m["title"], author=self.meta.get("attribution", ""))
                for m in value or [] if isinstance(m, Mapping) and m.get("url")]

    def clean_extra(self, value, record) -> dict:
        street = " ".join(p for p in (record.get("ADRPROD_NUM_VOIE"), record.get("ADRPROD_LIB_VOIE")) if p)
        commune = record.get("ADRPROD_LIBELLE_COMMUNE") or ""
        extra = {
            "product_type": record.get("TYPE_NOM") or "",
            "address": ", ".join(p for p in (street, record.get("ADRPROD_CP") or "", commune) if p),
            "commune": commune,
            "insee": record.get("INSEE") or "",
            "contact": {k: record[f] for k, f in (("phone", "ADRPREST_TEL"), ("email", "ADRPREST_EMAIL"))
                        if record.get(f)},
        }
        return {k: v for k, v in extra.items() if v not in (None, "", [], {})}


__all__ = ["LEIImporter", "lei_date", "web_address", "PHOTO_CRITERIA"]
