"""Apidae: the touristic objects of the shared tourism database of Auvergne-Rhône-Alpes and beyond.

Apidae (https://www.apidae-tourisme.com; 21 départements, tourism offices, CDTs and communes
contribute) diffuses its *objets touristiques* through its API v002 (``/api/v002/recherche/
list-objets-touristiques``, ``/objet-touristique/get-by-id``) or project exports:
``{"numFound", "objetsTouristiques": [...]}``. Texts are language maps
``{"libelleFr": ..., "libelleEn": ..., "libelleDe": ...}``.

``--format apidae`` reads an API answer, a list of objects or one object, streaming.
Itineraries (``informationsEquipement.itineraire``) become circuits with
``balise trail import --format apidae`` (:mod:`trails.apidae`).

Field mapping (POI <- object):

===================  ===========================================================================
``name``             ``nom.libelleFr`` (other languages go to ``translations``)
``summary``          ``presentation.descriptifCourt``
``description``      ``presentation.descriptifDetaille`` then the ``descriptifsThematises``, as
                     paragraphs
``lon/lat/ele_m``    ``localisation.geolocalisation.geoJson.coordinates`` / ``.altitude``
``category/themes``  the object ``type`` (:data:`TYPES`), then the words of its typologies,
                     activities and heritage types
``media``            ``illustrations`` of type IMAGE still within their ``dateLimiteDePublication``:
                     ``nom`` or ``legende`` as title, ``copyright`` as author (the credit)
``url``              the "Site web (URL)" means of communication (type 205)
``updated_at``       ``gestion.dateModification`` (the service's modification date)
``source_id``        ``id``; source ``apidae``
``attribution``      ``gestion.membreProprietaire.nom`` (the member who owns the record) "via Apidae"
``extra``            ``apidae_type``, ``opening`` (``{"text", "periods"}``: ``periodeEnClair`` and
                     the ``periodesOuvertures``), ``prices``, ``address``, ``commune``, ``insee``,
                     ``contact`` (phone, e-mail); ``translations``: name, summary, description, opening
===================  ===========================================================================
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from poi.categories import CATEGORY_THEMES, categorize
from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record
from poi.importers.geojson import iter_json_items
from poi.models import Media
from poi.text import paragraphs

#: Apidae's language suffixes -> language codes.
LANGUAGES = {"Fr": "fr", "En": "en", "De": "de", "It": "it", "Es": "es", "Nl": "nl", "Pt": "pt", "Ru": "ru",
             "Zh": "zh"}
#: Apidae object types -> words :func:`poi.categories.categorize` understands (or a category).
TYPES = {
    "PATRIMOINE_CULTUREL": "monument", "PATRIMOINE_NATUREL": "site naturel", "RESTAURATION": "restaurant",
    "HOTELLERIE": "hôtel", "HOTELLERIE_PLEIN_AIR": "camping", "HEBERGEMENT_COLLECTIF": "gîte",
    "HEBERGEMENT_LOCATIF": "gîte", "COMMERCE_ET_SERVICE": "commerce", "DEGUSTATION": "commerce",
    "STRUCTURE": "office de tourisme", "TERRITOIRE": "office de tourisme",
}
#: Means of communication ids (Apidae's ``MoyenCommunicationType``).
PHONE, EMAIL, WEBSITE = 201, 204, 205
LICENCE = ""  # Apidae records are diffused under each project's terms: say it with --licence


def libelle(value: Any, lang: str = "fr") -> str:
    """The text of an Apidae language map in ``lang`` (French first, then any language).

    >>> libelle({"libelleFr": "Lac", "libelleEn": "Lake"}), libelle({"libelleEn": "Lake"}), libelle(None)
    ('Lac', 'Lake', '')
    >>> libelle({"libelleFr": "Lac", "libelleEn": "Lake"}, "en")
    'Lake'
    """
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, Mapping):
        return ""
    suffix = next((s for s, code in LANGUAGES.items() if code == lang), "Fr")
    text = value.get("libelle" + suffix)
    if isinstance(text, str) and text.strip():
        return text.strip()
    if lang != "fr":
        return ""
    return next((str(v).strip() for k, v in value.items()
                 if k.startswith("libelle") and isinstance(v, str) and v.strip()), "")


def libelle_i18n(fields: Mapping[str, Any], *, html: tuple[str, ...] = ("description",)) -> dict:
    """``{lang: {field: text}}`` for the languages other than French (``html`` fields as paragraphs).

    >>> libelle_i18n({"name": {"libelleFr": "Lac", "libelleEn": "Lake", "libelleDe": "See"},
    ...               "description": {"libelleEn": "Blue\\r\\nand cold"}})
    {'de': {'name': 'See'}, 'en': {'name': 'Lake', 'description': '<p>Blue<br>and cold</p>'}}
    """
    out: dict[str, dict[str, str]] = {}
    for field, value in fields.items():
        if not isinstance(value, Mapping):
            continue
        for key, text in value.items():
            lang = LANGUAGES.get(key[len("libelle"):]) if key.startswith("libelle") else None
            if lang in (None, "fr") or not isinstance(text, str) or not text.strip():
                continue
            out.setdefault(lang, {})[field] = paragraphs(text) if field in html else " ".join(text.split())
    return {lang: out[lang] for lang in sorted(out)}


def dig(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...`` or None.

    >>> dig({"a": {"b": 2}}, "a", "b"), dig({"a": None}, "a", "b")
    (2, None)
    """
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def images(illustrations: Any, *, today: dt.date | None = None) -> list[dict]:
    """Images of Apidae ``illustrations``: url, title, author (the copyright: the credit), licence.

    An illustration past its ``dateLimiteDePublication`` is left out.

    >>> images([{"type": "IMAGE", "nom": {"libelleFr": "Le lac"}, "copyright": {"libelleFr": "OT"},
    ...          "traductionFichiers": [{"url": "https://x.fr/a.jpg"}]},
    ...         {"type": "IMAGE", "traductionFichiers": [{"url": "https://x.fr/b.jpg"}],
    ...          "dateLimiteDePublication": "2002-08-23T00:00:00.000+0000"}])
    [{'kind': 'image', 'url': 'https://x.fr/a.jpg', 'title': 'Le lac', 'author': 'OT', 'licence': ''}]
    """
    today = today or dt.date.today()
    out = []
    for item in illustrations if isinstance(illustrations, list) else []:
        if not isinstance(item, Mapping) or item.get("type", "IMAGE") != "IMAGE":
            continue
        limit = str(item.get("dateLimiteDePublication") or "")[:10]
        if limit and limit < today.isoformat():
            continue
        files = [f for f in item.get("traductionFichiers") or [] if isinstance(f, Mapping) and f.get("url")]
        if not files:
            continue
        url = str(files[0]["url"]).strip()
        if not url.lower().startswith(("http://", "https://")):
            continue
        out.append({"kind": "image", "url": url,
                    "title": libelle(item.get("legende")) or libelle(item.get("nom")),
                    "author": libelle(item.get("copyright")), "licence": ""})
    return out


def communication(record: Mapping, type_id: int) -> str:
    """The first means of communication of that type (phone 201, e-mail 204, website 205)."""
    for means in dig(record, "informations", "moyensCommunication") or []:
        if isinstance(means, Mapping) and dig(means, "type", "id") == type_id:
            value = means.get("coordonnees")
            text = value.get("fr") if isinstance(value, Mapping) else value
            if text:
                return str(text).strip()
    return ""


def objects_of(path: Path) -> Iterator[Any]:
    """The touristic objects of an Apidae file (an API answer, a list, one object), streaming."""
    return iter_json_items(path, ("objetsTouristiques", "objets"))


class ApidaeImporter(Importer):
    """Apidae touristic objects (API v002 answers and exports)."""

    format = "apidae"
    source = "apidae"
    licence = LICENCE
    eid = "id"
    fields = {
        "name": lambda r: libelle(r.get("nom")),
        "lon": lambda r: (dig(r, "localisation", "geolocalisation", "geoJson", "coordinates") or [None, None])[0],
        "lat": lambda r: (dig(r, "localisation", "geolocalisation", "geoJson", "coordinates") or [None, None])[1],
        "ele_m": lambda r: dig(r, "localisation", "geolocalisation", "altitude"),
        "category": lambda r: r,
        "summary": lambda r: libelle(dig(r, "presentation", "descriptifCourt")),
        "description": lambda r: r,
        "media": lambda r: r.get("illustrations"),
        "url": lambda r: communication(r, WEBSITE),
        "updated_at": lambda r: dig(r, "gestion", "dateModification"),
        "extra": lambda r: r,
    }

    def records(self, path: Path) -> Iterator[Record]:
        for n, data in enumerate(objects_of(path), start=1):
            if n == 1 and not (isinstance(data, Mapping) and "id" in data and "nom" in data):
                keys = ", ".join(list(data)[:6]) if isinstance(data, Mapping) else type(data).__name__
                raise SourceFormatError(_("{file}: not Apidae data (objects need id and nom; found {keys})",
                                          file=path.name, keys=keys))
            data = data if isinstance(data, Mapping) else {}
            name = libelle(data.get("nom"))
            yield Record(_("object {n}", n=n) + (f" ({name})" if name else ""), data)

    def clean_lon(self, value, record) -> float:
        if value is None:
            raise ImportRowError(_("no coordinates"))
        return super().clean_lon(value, record)

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        words: dict[str, Any] = {}
        kind = str(record.get("type") or "")
        if kind in TYPES:
            words["type"] = TYPES[kind]
        words["typologies"] = [libelle(t) for key in ("typologiesPromoSitra",)
                               for t in dig(record, "presentation", key) or []]
        words["categories"] = [libelle(t) for block in ("informationsPatrimoineCulturel",
                                                        "informationsPatrimoineNaturel")
                               for key in ("patrimoineCulturelType", "categories", "themes")
                               for t in (dig(record, block, key) or []
                                         if isinstance(dig(record, block, key), list)
                                         else [dig(record, block, key)]) if t]
        words["name"] = libelle(record.get("nom"))
        category, themes = categorize({k: v for k, v in words.items() if v})
        return category, themes or list(CATEGORY_THEMES.get(category, ()))

    def clean_description(self, value, record) -> str:
        parts = [libelle(dig(record, "presentation", "descriptifDetaille"))]
        parts += [libelle(t.get("description")) for t in dig(record, "presentation", "descriptifsThematises") or []
                  if isinstance(t, Mapping)]
        return "".join(paragraphs(p) for p in parts if p)

    def clean_media(self, value, record) -> list[Media]:
        return [Media(**m) for m in images(value)]

    def clean_extra(self, value, record) -> dict:
        opening = record.get("ouverture") or {}
        periods = [{k: p.get(k) for k in ("dateDebut", "dateFin", "horaireOuverture", "horaireFermeture", "type")
                    if p.get(k) not in (None, "")}
                   for p in opening.get("periodesOuvertures") or [] if isinstance(p, Mapping)]
        opening_text = libelle(opening.get("periodeEnClair"))
        commune = dig(record, "localisation", "adresse", "commune") or {}
        address = dig(record, "localisation", "adresse") or {}
        street = ", ".join(str(address[k]).strip() for k in ("adresse1", "adresse2", "adresse3")
                           if address.get(k))
        extra = {
            "apidae_type": record.get("type") or "",
            "opening": {k: v for k, v in (("text", opening_text), ("periods", periods)) if v},
            "prices": libelle(dig(record, "descriptionTarif", "tarifsEnClair")),
            "address": ", ".join(p for p in (street, str(address.get("codePostal") or ""),
                                             str(commune.get("nom") or "")) if p),
            "commune": str(commune.get("nom") or ""),
            "insee": str(commune.get("code") or ""),
            "contact": {k: v for k, v in (("phone", communication(record, PHONE)),
                                          ("email", communication(record, EMAIL))) if v},
        }
        return {k: v for k, v in extra.items() if v not in (None, "", [], {})}

    def clean_translations(self, value, record) -> dict:
        return libelle_i18n({"name": record.get("nom"), "summary": dig(record, "presentation", "descriptifCourt"),
                             "description": dig(record, "presentation", "descriptifDetaille"),
                             "opening": (record.get("ouverture") or {}).get("periodeEnClair")})

    def stamp(self, poi, record, *, source, licence, attribution) -> None:
        owner = str(dig(record.data, "gestion", "membreProprietaire", "nom") or "").strip()
        named = _("{owner} via Apidae", owner=owner) if owner else "Apidae"
        super().stamp(poi, record, source=source, licence=licence, attribution=attribution or named)


__all__ = ["ApidaeImporter", "libelle", "libelle_i18n", "images", "dig", "communication", "objects_of", "TYPES"]
