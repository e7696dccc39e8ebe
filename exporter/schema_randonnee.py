"""Export trails in the national *schema_randonnee* format (v1.1, GeoJSON; PnX-SI/schema_randonnee).

The file is a FeatureCollection of LineString Features in WGS84 (no ``crs``
member: RFC 7946) whose properties follow the schema's ``properties_randonnee``;
it validates against the schema's ``schema.json`` and reads back through
:func:`trails.schema_randonnee.read_circuits` with the same names, practice,
route type, themes, duration and geometry.

Field mapping (schema property <- ``Trail``):

========================  ====================================================================
``id_local``              the source's id for circuits read from schema_randonnee
                          (``source_id``), else the Balise id
``producteur``            ``attribution``, else the ``producer`` argument
``contact``               ``contact``, else the ``contact`` argument (an e-mail, or null)
``url``                   ``url`` (http(s) only)
``nom_itineraire``        ``name``
``pratique``              ``practice`` through :data:`PRACTICE_LABELS` (the source's own label
                          is kept when it means the same practice, e.g. ``gravel``)
``type_itineraire``       the route type shown, through :data:`ROUTE_TYPE_LABELS` (the source's
                          ``itinérance``/``étape`` kept for one-way circuits)
``communes_nom``/``_code`` ``commune`` / ``commune_codes``
``depart``/``arrivee``    ``start_name``/``end_name``, else the name of a stop within
                          :data:`ENDPOINT_STOP_M` of the start/end, else the first commune (a
                          loop ends where it starts)
``duree``                 ``duration_min`` / 60 (the duration shown: override, published, computed)
``longueur``              ``length_m`` (geodesic), rounded to the metre
``denivele_positif/_negatif``, ``altitude_min/_max``   ``ascent_m``, ``descent_m`` (both positive),
                          ``ele_min_m``, ``ele_max_m``, rounded to the metre
``difficulte``            the source's label when the difficulty shown is the source's, else
                          :data:`DIFFICULTY_LABELS` (Très facile ... Très difficile)
``themes``                ``themes`` joined with ", "
``presentation``          ``description`` (sanitised HTML); ``presentation_courte``: ``summary``
``instructions``, ``recommandations``, ``accessibilite``, ``acces_routier``,
``transports_commun``, ``type_sol``, ``itineraire_parent``   the trail's fields of those names
                          (``accessibility_text``, ``public_transport``, ``ground``...); ``balisage``
                          from ``waymarking``;
                          ``accessibilite`` also says each code of ``accessibility`` the text
                          does not (:func:`accessibility_text`)
``parking_info``/``_geometrie``  ``parking`` (WKT ``POINT(lon lat)``)
``date_creation``/``date_modification``   ``created_at`` / the later of ``updated_at`` and the
                          source's ``date_modified`` (``AAAA-MM-JJ``)
``medias``                ``medias`` with an absolute http(s) URL: type, url, title,
                          author, licence (credits travel with each medium)
========================  ====================================================================

Properties that extend the schema (it allows extra properties): ``licence``
(the circuit's licence, canonical name) and ``points_interet``, the circuit's
stops in walking order, each with its name, category, position, distance
along, URL, attribution and licence, so POI credits travel with the file too;
``cotation`` (the technical grade of older Geotrek exports) when the source gave one.
The schema allows only one LineString per circuit: a trail of several
segments is written as one line joining them in order.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

from exporter.common import licence_info, plain_text, poi_credit, safe_url, write_text
from exporter.errors import ExportError
from exporter.geojson import dumps, position
from trails.models import Trail, TrailStop
from trails.schema_randonnee import ACCESSIBILITY_TEXT, PRACTICE_MAP, ROUTE_TYPE_MAP, accessibility_from_text

SCHEMA_ID = "https://github.com/PnX-SI/schema_randonnee/raw/v1.1.0/schema.json"
#: Balise practice -> schema ``pratique`` enum.
PRACTICE_LABELS = {"walking": "pédestre", "trail_running": "trail", "mountain_bike": "VTT",
                   "cycling": "cyclo", "horse_riding": "équestre", "snowshoe": "raquettes"}
PRACTICE_ENUM = ("pédestre", "trail", "VTT", "cyclo", "gravel", "équestre", "ski de fond", "ski de rando",
                 "raquettes", "autre")
#: Balise route type -> schema ``type_itineraire`` enum.
ROUTE_TYPE_LABELS = {"loop": "boucle", "out_and_back": "aller-retour", "one_way": "aller simple"}
ROUTE_TYPE_ENUM = ("aller-retour", "boucle", "aller simple", "itinérance", "étape")
#: Balise difficulty level -> French label (the levels of trails.metrics).
DIFFICULTY_LABELS = {"very_easy": "Très facile", "easy": "Facile", "medium": "Moyen", "hard": "Difficile",
                     "very_hard": "Très difficile"}
MEDIA_TYPES = ("image", "video", "texte", "audio", "pdf", "autre")
#: A stop this close (along the trace) to the start or the end names the start or the end.
ENDPOINT_STOP_M = 250.0
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_FROM_TEXT = ("schema_randonnee:",)


class Written(NamedTuple):
    """What :func:`write` wrote."""

    path: Path
    circuits: int
    skipped: list[str]


def practice_label(trail: Trail) -> str:
    """The schema's ``pratique`` of a trail (the source's label when it means the same practice).

    >>> practice_label(Trail(name="T", practice="mountain_bike"))
    'VTT'
    >>> practice_label(Trail(name="T", practice="cycling", practice_label="gravel"))
    'gravel'
    >>> practice_label(Trail(name="T", practice="paddle"))
    'autre'
    """
    own = trail.practice_label
    match = next((label for label in PRACTICE_ENUM if label.lower() == own.lower()), None)
    if match and PRACTICE_MAP.get(own.lower(), "walking") == trail.practice:
        return match
    return PRACTICE_LABELS.get(trail.practice, "autre")


def route_type_label(trail: Trail) -> str:
    """The schema's ``type_itineraire`` of the route type shown.

    >>> route_type_label(Trail(name="T", route_type="loop")), route_type_label(Trail(name="T"))
    ('boucle', 'aller simple')
    >>> route_type_label(Trail(name="T", route_type="one_way", route_type_label="itinérance"))
    'itinérance'
    """
    own = trail.route_type_label.lower()
    if own in ROUTE_TYPE_ENUM and ROUTE_TYPE_MAP.get(own) == trail.effective_route_type:
        return own
    return ROUTE_TYPE_LABELS.get(trail.effective_route_type, "aller simple")


def difficulty_label(trail: Trail) -> str:
    """French difficulty label: the source's own when its level is the one shown.

    >>> difficulty_label(Trail(name="T", difficulty_computed="hard"))
    'Difficile'
    >>> difficulty_label(Trail(name="T", difficulty_published="medium", difficulty_label="Intermédiaire"))
    'Intermédiaire'
    """
    own = trail.difficulty_label
    if own and trail.difficulty_source == "source":
        return own
    return DIFFICULTY_LABELS.get(trail.difficulty, trail.difficulty)


def _int(value) -> int | None:
    try:
        return None if value is None else int(round(float(value)))
    except (TypeError, ValueError):
        return None


def accessibility_text(trail: Trail) -> str | None:
    """``accessibilite``: the source's text, with a sentence for each of ``trail.accessibility`` it does
    not state (what :func:`trails.schema_randonnee.accessibility_from_text` reads back).

    >>> accessibility_text(Trail(name="t", accessibility=["pushchair", "reduced_mobility"],
    ...                          accessibility_text="Accessible aux poussettes."))
    'Accessible aux poussettes. Accessible aux personnes à mobilité réduite.'
    >>> accessibility_text(Trail(name="t")) is None
    True
    """
    text = _text(trail.accessibility_text) or ""
    stated = accessibility_from_text(text)
    missing = [ACCESSIBILITY_TEXT[c] for c in trail.accessibility if c in ACCESSIBILITY_TEXT and c not in stated]
    return _text(" ".join([text, *missing]))


def _text(value) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _id_local(trail: Trail) -> str:
    if trail.source.startswith(_FROM_TEXT) and trail.source_id:
        return trail.source_id
    if trail.id is not None:
        return str(trail.id)
    return trail.source_id or trail.name


def _endpoints(trail: Trail, stops: Sequence[TrailStop]) -> tuple[str, str]:
    first_commune = (trail.commune or "").split(",")[0].strip()
    start = _text(trail.start_name)
    if not start:
        near = [s for s in stops if s.stop.distance_along_m <= ENDPOINT_STOP_M]
        start = near[0].poi.name if near else first_commune
    end = _text(trail.end_name)
    if not end:
        if trail.effective_route_type in ("loop", "out_and_back"):
            end = start
        else:
            near = [s for s in stops if trail.length_m and s.stop.distance_along_m >= trail.length_m - ENDPOINT_STOP_M]
            end = near[-1].poi.name if near else first_commune
    return start or "", end or ""


def _dates(trail: Trail) -> tuple[str | None, str | None]:
    created = (trail.created_at or "")[:10]
    modified = [d[:10] for d in (trail.updated_at or "", trail.date_modified or "")
                if _DATE.match(d[:10])]
    return (created if _DATE.match(created) else None), (max(modified) if modified else None)


def _medias(trail: Trail) -> list[dict] | None:
    out = []
    for m in trail.medias or []:
        url = safe_url(m.get("url")) if isinstance(m, dict) else ""
        if not url:
            continue  # the schema wants an absolute URI; local files are not published
        kind = str(m.get("kind") or "image").lower()
        kind = {"photo": "image", "picture": "image", "document": "pdf", "text": "texte"}.get(kind, kind)
        out.append({"type_media": kind if kind in MEDIA_TYPES else "autre", "url": url,
                    "titre": _text(m.get("title")), "auteur": _text(m.get("author")),
                    "licence": _text(m.get("licence"))})
    return out or None


def _parking(trail: Trail) -> tuple[str | None, str | None]:
    parking = trail.parking
    if not isinstance(parking, dict):
        return None, None
    wkt = None
    if parking.get("lon") is not None and parking.get("lat") is not None:
        lon, lat = position(parking["lon"], parking["lat"], what=f"parking of trail {trail.name!r}")
        wkt = f"POINT({lon} {lat})"
    return _text(parking.get("info")), wkt


def _point_of_interest(item: TrailStop) -> dict:
    poi, credit = item.poi, poi_credit(item.poi)
    lon, lat, *_ = position(poi.lon, poi.lat, what=f"POI {poi.name!r}")
    return {"nom": poi.name, "categorie": poi.category or "other", "lon": lon, "lat": lat,
            "distance_depart_m": round(float(item.stop.distance_along_m), 1),
            "presentation_courte": plain_text(poi.summary, 500) or plain_text(poi.description, 500) or None,
            "url": safe_url(poi.url) or None,
            "producteur": credit.attribution if credit else None,
            "licence": credit.licence if credit else None}


def properties(trail: Trail, stops: Sequence[TrailStop] = (), *, producer: str = "",
               contact: str = "") -> dict:
    """The ``properties_randonnee`` of one circuit (see the module docstring for the mapping).

    >>> p = properties(Trail(name="Le Mas", id=4, practice="walking", route_type="loop", length_m=2363.4,
    ...                      duration_published_min=90, themes=["Eau", "Faune"], attribution="PNC"))
    >>> p["id_local"], p["producteur"], p["pratique"], p["type_itineraire"], p["duree"], p["longueur"]
    ('4', 'PNC', 'pédestre', 'boucle', 1.5, 2363)
    >>> p["themes"], p["difficulte"], p["instructions"], p["contact"]
    ('Eau, Faune', 'Facile', '', None)
    """
    stops = [s for s in stops if s.stop.status != "removed"]
    start, end = _endpoints(trail, stops)
    created, modified = _dates(trail)
    parking_info, parking_wkt = _parking(trail)
    email = next((c for c in ((trail.contact or "").strip(), (contact or "").strip())
                  if _EMAIL.match(c)), None)
    length = trail.length_m or trail.published_length_m
    props = {
        "id_local": _id_local(trail),
        "producteur": (trail.attribution or "").strip() or (producer or "").strip(),
        "contact": email,
        "uuid": None,
        "url": safe_url(trail.url) or None,
        "id_osm": None,
        "nom_itineraire": trail.name,
        "pratique": practice_label(trail),
        "type_itineraire": route_type_label(trail),
        "communes_nom": _text(trail.commune),
        "communes_code": _text(trail.commune_codes),
        "depart": start,
        "arrivee": end,
        "duree": round(trail.duration_min / 60, 2) if trail.duration_min else None,
        "balisage": _text(trail.waymarking),
        "longueur": _int(length) if length else None,
        "difficulte": difficulty_label(trail),
        "altitude_max": _int(trail.ele_max_m),
        "altitude_min": _int(trail.ele_min_m),
        "denivele_positif": _int(abs(trail.ascent_m)) if trail.ascent_m or trail.ele_max_m is not None else None,
        "denivele_negatif": _int(abs(trail.descent_m)) if trail.descent_m or trail.ele_max_m is not None else None,
        "instructions": trail.instructions or "",
        "presentation": _text(trail.description),
        "presentation_courte": _text(plain_text(trail.summary)),
        "themes": ", ".join(trail.themes) or None,
        "recommandations": _text(trail.recommendations),
        "accessibilite": accessibility_text(trail),
        "acces_routier": _text(trail.access),
        "transports_commun": _text(trail.public_transport),
        "parking_info": parking_info,
        "parking_geometrie": parking_wkt,
        "date_creation": created,
        "date_modification": modified,
        "medias": _medias(trail),
        "itineraire_parent": _text(trail.parent_id),
        "type_sol": _text(trail.ground),
        # extensions (the schema allows other properties): licences travel with the data
        "licence": licence_info(trail.licence)[0] or None,
        "points_interet": [_point_of_interest(s) for s in stops],
    }
    if _text(trail.cotation):  # older Geotrek exports' technical grade (T1, bleu...)
        props["cotation"] = _text(trail.cotation)
    return props


def feature(trail: Trail, stops: Sequence[TrailStop] = (), *, producer: str = "", contact: str = "") -> dict:
    """One circuit as a schema_randonnee Feature (a single LineString joining the segments).

    >>> f = feature(Trail(name="T", id=1, segments=[[(3.0, 44.0, None), (3.1, 44.0, None)],
    ...                                              [(3.1, 44.0, None), (3.2, 44.1, 820.0)]]))
    >>> f["geometry"]
    {'type': 'LineString', 'coordinates': [[3.0, 44.0], [3.1, 44.0], [3.1, 44.0], [3.2, 44.1, 820.0]]}
    """
    what = f"trail {trail.name!r}"
    coords = [position(p[0], p[1], p[2] if len(p) > 2 else None, what=what) for p in trail.coords]
    if len(coords) < 2:
        raise ExportError(f"trail {trail.name!r} has no points to export; import a GPX trace for it first")
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": properties(trail, stops, producer=producer, contact=contact)}


def _pairs(trails, stops) -> Iterable[tuple[Trail, Sequence[TrailStop]]]:
    if isinstance(trails, Trail):
        yield trails, list(stops or [])
        return
    if isinstance(trails, tuple) and len(trails) == 2 and isinstance(trails[0], Trail):
        yield trails[0], list(trails[1] or [])
        return
    for item in trails:
        if isinstance(item, Trail):
            yield item, []
        else:
            trail, trail_stops = item
            yield trail, list(trail_stops or [])


def collection(trails, stops: Sequence[TrailStop] | None = None, *, producer: str = "", contact: str = "",
               skip_empty: bool = False, skipped: list | None = None) -> dict:
    """The FeatureCollection :func:`export` serialises; see :func:`export` for the arguments."""
    features = []
    for trail, trail_stops in _pairs(trails, stops):
        if skip_empty and sum(len(s) for s in trail.segments) < 2:
            if skipped is not None:
                skipped.append(trail.name)
            continue
        features.append(feature(trail, trail_stops, producer=producer, contact=contact))
    return {"type": "FeatureCollection", "name": "itineraires_randonnee", "features": features}


def export(trails, stops: Sequence[TrailStop] | None = None, *, producer: str = "", contact: str = "",
           skip_empty: bool = False, skipped: list | None = None, indent: int | None = None) -> str:
    """schema_randonnee v1.1 GeoJSON of one or several circuits.

    Parameters
    ----------
    trails : Trail, or list of (Trail, list of TrailStop) pairs, or list of Trail
        The circuits; a single trail takes its stops from ``stops``.
    stops : list of TrailStop, optional
        The stops of a single trail (written in the ``points_interet`` extension).
    producer, contact : str
        ``producteur`` for trails without an attribution; ``contact`` e-mail when a trail has none.
    skip_empty : bool
        Leave out trails without two points (their names go to ``skipped``) instead of raising.
    indent : int, optional
        Pretty-print with this indent.

    Raises
    ------
    ExportError
        A trail has no two points (unless ``skip_empty``), or a coordinate is impossible.

    Examples
    --------
    >>> import json
    >>> t = Trail(name="Mas de l'Ouve", id=3, segments=[[(3.7, 44.2, None), (3.71, 44.2, None), (3.7, 44.2, None)]],
    ...           route_type="loop", duration_computed_min=75, attribution="OT")
    >>> fc = json.loads(export(t))
    >>> p = fc["features"][0]["properties"]
    >>> p["nom_itineraire"], p["type_itineraire"], p["duree"], p["licence"], "crs" in fc
    ("Mas de l'Ouve", 'boucle', 1.25, None, False)
    >>> json.loads(export([Trail(name="Empty")], skip_empty=True))["features"]
    []
    """
    data = collection(trails, stops, producer=producer, contact=contact, skip_empty=skip_empty, skipped=skipped)
    return dumps(data, indent=indent)


def write(trails, out: str | os.PathLike, *, producer: str = "", contact: str = "",
          skip_empty: bool = False) -> Written:
    """Export to a file atomically; returns the path, the number of circuits and the skipped names."""
    skipped: list[str] = []
    data = collection(trails, None, producer=producer, contact=contact, skip_empty=skip_empty, skipped=skipped)
    if not data["features"]:
        raise ExportError("no circuit with a trace to export; import GPX traces or circuit files first")
    return Written(write_text(dumps(data), out), len(data["features"]), skipped)
