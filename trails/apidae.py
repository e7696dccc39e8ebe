"""Read Apidae itineraries (touristic objects with ``informationsEquipement.itineraire``) as trails.

``balise trail import FILE --format apidae`` reads an Apidae API answer (``{"objetsTouristiques":
[...]}``), a list of objects or one object; the objects that are itineraries become circuits,
the others are left to ``balise poi import --format apidae``.

**The trace.** Apidae does not carry the line itself: the itinerary's ``multimedias`` (type
``PLAN``) link a GPX or KML file. The reader takes, in order, a file of that name beside the
Apidae file (an export saved with its traces), else the link itself (http(s), downloaded
through :mod:`poi.remote`). An itinerary whose trace cannot be read is reported.

Field mapping (``Trail`` attribute <- object):

==========================  =================================================================
``name``/``summary``        ``nom`` / ``presentation.descriptifCourt`` (French; the other
                            languages go to ``translations``)
``description``             ``descriptifDetaille`` then the ``descriptifsThematises`` (the
                            step-by-step directions), as paragraphs
``segments``                the GPX tracks (or KML LineStrings) of the ``PLAN`` multimedia
``route_type``              ``itineraireType``: BOUCLE loop, ALLER_RETOUR out and back,
                            ALLER_ITINERANCE one way (kept over the measured one, which goes to
                            ``route_type_measured``); without it, measured
``practice``                words of ``informationsEquipement.activites`` (pédestre, VTT...)
``duration_published_min``  ``itineraire.dureeJournaliere``, else ``ouverture.dureeSeance``
                            (minutes)
``difficulty_published``    the "Niveau ... - Difficile" client type (green very easy ... black
                            very hard)
``themes``                  ``typologiesPromoSitra`` labels
``commune``                 ``localisation.adresse.commune.nom``
``source``/``source_id``    ``apidae`` / ``id``; attribution: the owning member "via Apidae"
``start_name``              ``localisation.adresse.adresse1``
``access``, ``medias``      ``localisation.geolocalisation.complement``, the images (with credits)
``recommendations``         the difficult passages
``extra``                   ``marking``, ``maps``, ``guidebooks``, ``opening``,
                            ``trace_url``, ``i18n``
==========================  =================================================================
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from poi.errors import ImportRowError
from poi.i18n import gettext as _
from poi.importers.apidae import dig, images, libelle, libelle_i18n, objects_of
from poi.remote import fetch_bytes, is_url
from poi.text import fold, paragraphs
from trails.errors import SourceFormatError
from trails.gpx_in import read_trace
from trails.models import Point, Trail

ROUTE_TYPES = {"BOUCLE": "loop", "ALLER_RETOUR": "out_and_back", "ALLER_ITINERANCE": "one_way",
               "ALLER_SIMPLE": "one_way"}
#: Words of the activities (folded) -> practice, first match wins.
PRACTICES = (("vtt", "mountain_bike"), ("velo", "cycling"), ("cyclo", "cycling"), ("equestre", "horse_riding"),
             ("cheval", "horse_riding"), ("raquette", "snowshoe"), ("trail", "trail_running"),
             ("pedestre", "walking"), ("marche", "walking"), ("randonnee", "walking"))
#: Difficulty words of the "Niveau <colour> - <level>" client types (folded), most specific first.
LEVELS = (("tres difficile", "very_hard"), ("tres facile", "very_easy"), ("assez difficile", "medium"),
          ("difficile", "hard"), ("moyen", "medium"), ("facile", "easy"))
MAX_TRACE_BYTES = 20 * 1024 * 1024


def is_itinerary(obj: Any) -> bool:
    """Whether an Apidae object is an itinerary (it has ``informationsEquipement.itineraire``)."""
    return isinstance(dig(obj, "informationsEquipement", "itineraire"), Mapping)


def read_itineraries(path: str | Path, *, licence: str = "", attribution: str | None = None,
                     report: list | None = None) -> Iterator[Trail]:
    """The itineraries of an Apidae file, one :class:`Trail` each (not measured, not saved).

    Raises :class:`SourceFormatError` at call time when the file is not Apidae data or holds
    no itinerary; an itinerary that cannot make a trail is appended to ``report`` (an
    :class:`ImportRowError`) and skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(_("{path}: no such file", path=path))
    objects = list(objects_of(path))
    if not objects or not all(isinstance(o, Mapping) and "id" in o for o in objects):
        raise SourceFormatError(_("{file}: not Apidae data (objects need id and nom)", file=path.name))
    itineraries = [o for o in objects if is_itinerary(o)]
    if not itineraries:
        raise SourceFormatError(_("{file}: no Apidae itinerary (informationsEquipement.itineraire) in the file",
                                  file=path.name))

    def generate() -> Iterator[Trail]:
        for index, obj in enumerate(itineraries, start=1):
            try:
                yield trail_from_itinerary(obj, folder=path.parent, licence=licence, attribution=attribution)
            except ImportRowError as e:
                if report is not None:
                    name = libelle(obj.get("nom"))
                    where = _("{file}, itinerary {n}", file=path.name, n=index) + (f" ({name})" if name else "")
                    report.append(ImportRowError(_("{where}: {reason}", where=where, reason=str(e))))

    return generate()


def trace_links(obj: Mapping) -> list[str]:
    """Addresses of the GPX/KML/KMZ traces linked by an itinerary's ``PLAN`` multimedias.

    >>> trace_links({"multimedias": [{"type": "PLAN", "traductionFichiers": [
    ...     {"url": "https://x.fr/a.gpx", "extension": "gpx"}]}, {"type": "DOCUMENT"}]})
    ['https://x.fr/a.gpx']
    """
    links = []
    for item in obj.get("multimedias") or []:
        if not isinstance(item, Mapping) or item.get("type") != "PLAN":
            continue
        for f in item.get("traductionFichiers") or []:
            url = str((f or {}).get("url") or "").strip()
            ext = str((f or {}).get("extension") or Path(urlparse(url).path).suffix.lstrip(".")).lower()
            if url and ext in ("gpx", "kml", "kmz"):
                links.append(url)
    return links


def read_trace_file(data: bytes, name: str) -> list[list[Point]]:
    """Segments of a GPX, KML or KMZ trace (bytes); :class:`ImportRowError` if none."""
    suffix = Path(name).suffix.lower()
    if suffix == ".kmz":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as kmz:
                kml = next((n for n in kmz.namelist() if n.lower().endswith(".kml")), None)
                if kml is None:
                    raise ImportRowError(_("{file}: no KML inside the KMZ", file=name))
                data = kmz.read(kml)
        except zipfile.BadZipFile as e:
            raise ImportRowError(_("{file}: not a KMZ (zip) file", file=name)) from e
        suffix = ".kml"
    if suffix == ".kml":
        return _kml_segments(data, name)
    try:
        return read_trace(data).segments
    except SourceFormatError as e:
        raise ImportRowError(_("trace {file}: {reason}", file=name, reason=str(e))) from e


def _kml_segments(data: bytes, name: str) -> list[list[Point]]:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as e:
        raise ImportRowError(_("trace {file}: not valid KML ({reason})", file=name, reason=str(e))) from e
    segments = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "LineString":
            continue
        coords = next((c.text for c in element if c.tag.rsplit("}", 1)[-1] == "coordinates"), "") or ""
        seg: list[Point] = []
        for item in coords.split():
            parts = item.split(",")
            try:
                lon, lat = float(parts[0]), float(parts[1])
                ele = float(parts[2]) if len(parts) > 2 and parts[2] else None
            except (ValueError, IndexError) as e:
                raise ImportRowError(_("trace {file}: a coordinate is not lon,lat(,ele)", file=name)) from e
            seg.append((lon, lat, ele))
        if len(seg) >= 2:
            segments.append(seg)
    if not segments:
        raise ImportRowError(_("trace {file}: no line in the KML", file=name))
    return segments


def _trace(obj: Mapping, folder: Path) -> tuple[list[list[Point]], str]:
    links = trace_links(obj)
    if not links:
        raise ImportRowError(_("no trace (no GPX or KML plan among its multimedias)"))
    problems = []
    for url in links:
        name = Path(urlparse(url).path).name
        local = folder / name if name else None
        try:
            if local is not None and local.is_file():
                return read_trace_file(local.read_bytes(), name), url
            if is_url(url):
                return read_trace_file(fetch_bytes(url, max_bytes=MAX_TRACE_BYTES), name), url
            problems.append(_("{url}: not an http(s) address", url=url))
        except (ImportRowError, SourceFormatError) as e:
            problems.append(str(e))
    raise ImportRowError(_("its trace cannot be read: {reason}", reason="; ".join(problems)))


def _level(obj: Mapping) -> str | None:
    for client in dig(obj, "prestations", "typesClientele") or []:
        text = fold(libelle(client))
        if "niveau" in text:
            return next((level for word, level in LEVELS if word in text), None)
    return None


def _practice(obj: Mapping) -> str:
    words = " ".join(fold(libelle(a)) for a in dig(obj, "informationsEquipement", "activites") or [])
    return next((p for word, p in PRACTICES if re.search(rf"\b{word}", words)), "walking")


def trail_from_itinerary(obj: Mapping, *, folder: Path = Path("."), licence: str = "",
                         attribution: str | None = None) -> Trail:
    """One Apidae itinerary as a :class:`Trail`; :class:`ImportRowError` if unusable."""
    name = libelle(obj.get("nom"))
    if not name:
        raise ImportRowError(_("no name"))
    segments, trace_url = _trace(obj, folder)
    route = dig(obj, "informationsEquipement", "itineraire") or {}
    presentation = obj.get("presentation") or {}
    steps = [t.get("description") for t in presentation.get("descriptifsThematises") or [] if isinstance(t, Mapping)]
    description = "".join(paragraphs(libelle(t)) for t in [presentation.get("descriptifDetaille"), *steps]
                          if libelle(t))
    minutes = route.get("dureeJournaliere") or dig(obj, "ouverture", "dureeSeance")
    owner = str(dig(obj, "gestion", "membreProprietaire", "nom") or "").strip()
    extra: dict[str, Any] = {
        "marking": libelle(route.get("precisionsBalisage")),
        "maps": libelle(route.get("referencesCartographiques")),
        "guidebooks": libelle(route.get("referencesTopoguides")),
        "opening": libelle(dig(obj, "ouverture", "periodeEnClair")),
        "trace_url": trace_url,
        "apidae_id": obj.get("id"),
    }
    return Trail(
        name=name,
        segments=segments,
        summary=libelle(presentation.get("descriptifCourt")),
        description=description,
        practice=_practice(obj),
        route_type=ROUTE_TYPES.get(str(route.get("itineraireType") or ""), "one_way"),
        route_type_label=str(route.get("itineraireType") or "") if route.get("itineraireType") in ROUTE_TYPES else "",
        start_name=str(dig(obj, "localisation", "adresse", "adresse1") or ""),
        themes=[t for t in (libelle(x) for x in presentation.get("typologiesPromoSitra") or []) if t],
        duration_published_min=int(minutes) if isinstance(minutes, (int, float)) and minutes > 0 else None,
        difficulty_published=_level(obj),
        source="apidae",
        source_id=str(obj["id"]),
        licence=licence,
        attribution=attribution or (_("{owner} via Apidae", owner=owner) if owner else "Apidae"),
        url=str(dig(obj, "gestion", "membreProprietaire", "siteWeb") or ""),
        commune=str(dig(obj, "localisation", "adresse", "commune", "nom") or ""),
        access=libelle(dig(obj, "localisation", "geolocalisation", "complement")),
        recommendations=libelle(route.get("passagesDelicats")), medias=images(obj.get("illustrations")),
        extra={k: v for k, v in extra.items() if v not in (None, "", [], {})},
        translations=libelle_i18n({"name": obj.get("nom"), "summary": presentation.get("descriptifCourt"),
                                   "description": presentation.get("descriptifDetaille")}),
    )


__all__ = ["read_itineraries", "trail_from_itinerary", "trace_links", "read_trace_file", "is_itinerary"]
