"""Read hiking circuits published in the national *schema_randonnee* GeoJSON format.

The schema (https://github.com/PnX-SI/schema_randonnee, v1.1; Licence Ouverte 2.0)
is a GeoJSON FeatureCollection of LineStrings in WGS84 whose properties describe
one circuit each. Older exports (e.g. Geotrek's of the Parc national des
Cévennes) use ``proprietaire``/``eid`` and a GeoJSON ``parking`` Feature instead
of ``producteur``/``id_local`` and ``parking_info``/``parking_geometrie``; both
are read.

Field mapping (``Trail`` attribute <- schema property):

==========================  ==============================================================
``name``                    ``nom_itineraire`` (HTML entities decoded)
``summary``                 ``presentation_courte`` as plain text
``description``             ``presentation``, sanitised HTML (entities decoded)
``practice``                ``pratique`` through :data:`PRACTICE_MAP`
``route_type``              ``type_itineraire`` through :data:`ROUTE_TYPE_MAP`; when absent,
                            ``loop`` if the trace ends within :data:`LOOP_GAP_M` of its
                            start, else ``one_way`` (``route_type_detected``); the label is
                            kept in ``route_type_label``
``themes``                  ``themes`` split on commas
``duration_published_min``  ``duree`` (hours) x 60
``difficulty_published``    ``difficulte`` through :data:`DIFFICULTY_MAP` (other labels are
                            kept in ``difficulty_label`` only)
``source``/``source_id``    ``schema_randonnee:<producteur>`` / ``id_local``, else ``eid``,
                            ``uuid``, ``id_osm``
``licence``/``attribution`` Licence Ouverte 2.0 / ``producteur`` (both overridable)
``url``, ``commune``        ``url``, ``communes_nom``
``accessibility``           codes read in ``accessibilite`` by :func:`accessibility_from_text`
                            (the text itself is kept in ``accessibility_text``)
named fields                ``published_length_m`` (``longueur``), ``published_ascent_m``/
                            ``published_descent_m`` (``denivele_positif``/``negatif`` as
                            positive metres), ``published_ele_max_m``/``published_ele_min_m``,
                            ``waymarking`` (``balisage``), ``parking`` ({lon, lat, info}),
                            ``access`` (``acces_routier``), ``recommendations``,
                            ``instructions``, ``medias`` (url, title, author, licence),
                            ``cotation``, ``start``/``end`` names, ...; ``extra`` keeps the rest
==========================  ==============================================================

A file that is not such a FeatureCollection raises :class:`SourceFormatError` when
:func:`read_circuits` is called (nothing is yielded); a feature that cannot make
a trail (no usable geometry, no name) is skipped and reported.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Iterator

from poi.geo import GEOD
from poi.errors import ImportRowError
from poi.importers.base import nested_too_deeply
from poi.text import fold, html_to_text, sanitize_html
from trails.errors import SourceFormatError
from trails.models import ACCESSIBILITY, Point, Trail

LICENCE = "Licence Ouverte 2.0"
#: A trace whose end is this close to its start is a loop when the file does not say.
LOOP_GAP_M = 100.0

PRACTICE_MAP = {
    "pédestre": "walking", "pedestre": "walking", "randonnée": "walking", "marche": "walking",
    "trail": "trail_running", "vtt": "mountain_bike", "cyclo": "cycling", "gravel": "cycling",
    "vélo": "cycling", "équestre": "horse_riding", "equestre": "horse_riding",
    "raquettes": "snowshoe",
}
ROUTE_TYPE_MAP = {
    "boucle": "loop", "aller-retour": "out_and_back", "aller retour": "out_and_back",
    "aller simple": "one_way", "itinérance": "one_way", "étape": "one_way",
}
DIFFICULTY_MAP = {
    "très facile": "very_easy", "facile": "easy", "moyen": "medium", "moyenne": "medium",
    "intermédiaire": "medium", "difficile": "hard", "très difficile": "very_hard",
}
#: Words (folded) that say a circuit suits a need, as French (and some English) texts write them.
ACCESSIBILITY_WORDS = {
    "pushchair": r"poussettes?|landaus?|pushchairs?|strollers?|buggy|buggies",
    "reduced_mobility": (r"pmr|mobilite reduite|fauteuils? roulants?|handicap(?:e|es|ees)?(?! (?:auditif|visuel|mental)"
                         r"|s (?:auditifs|visuels|mentaux))(?: moteurs?)?|personnes handicapees|"
                         r"tous publics handicapes|wheelchairs?|reduced mobility|joelettes?"),
}
#: A clause holding one of these words says the opposite ("non accessible aux poussettes").
NEGATIONS = r"\b(?:non|pas|ne|n|inaccessibles?|deconseillee?s?|impossibles?|interdite?s?|aucune?|sauf|not|unsuitable)\b"
#: What the exporter writes for each code (and what :func:`accessibility_from_text` reads back).
ACCESSIBILITY_TEXT = {"pushchair": "Adapté aux poussettes.",
                      "reduced_mobility": "Accessible aux personnes à mobilité réduite."}
_WGS84_CRS = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}
_WKT_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)\s*\)", re.IGNORECASE)


def read_circuits(path: str | Path, *, licence: str = LICENCE, attribution: str | None = None,
                  media_base_url: str = "", report: list | None = None) -> Iterator[Trail]:
    """Circuits of a schema_randonnee GeoJSON file, one :class:`Trail` each (not measured, not saved).

    Parameters
    ----------
    path
        The ``.geojson``/``.json`` file.
    licence, attribution
        Provenance written on every trail; ``attribution`` defaults to each
        feature's ``producteur`` (or ``proprietaire``).
    media_base_url
        Prefix for relative media URLs (Geotrek exports give ``paperclip/...``).
    report
        If given, one :class:`ImportRowError` is appended per skipped feature.

    Raises
    ------
    SourceFormatError
        At call time, when the file is not a GeoJSON FeatureCollection in WGS84.

    Examples
    --------
    >>> import json, tempfile, os
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...       "geometry": {"type": "LineString", "coordinates": [[3.7, 44.2], [3.71, 44.2], [3.7, 44.2]]},
    ...       "properties": {"id_local": "7", "producteur": "PNC", "nom_itineraire": "Mas de l&rsquo;Ouve",
    ...                      "pratique": "pédestre", "duree": 1.5, "difficulte": "Facile",
    ...                      "themes": "Eau, Faune et flore", "denivele_negatif": -120}}]}
    >>> with tempfile.NamedTemporaryFile("w", suffix=".geojson", delete=False) as f:
    ...     json.dump(fc, f)
    >>> [t] = read_circuits(f.name)
    >>> t.name, t.practice, t.route_type, t.duration_published_min, t.difficulty_published
    ('Mas de l’Ouve', 'walking', 'loop', 90, 'easy')
    >>> t.themes, t.source, t.source_id, t.published_descent_m, t.segments[0][0]
    (['Eau', 'Faune et flore'], 'schema_randonnee:PNC', '7', 120.0, (3.7, 44.2, None))
    >>> os.remove(f.name)
    """
    features = _load(Path(path))

    def generate() -> Iterator[Trail]:
        for index, feature in enumerate(features):
            try:
                yield circuit_from_feature(feature, licence=licence, attribution=attribution,
                                           media_base_url=media_base_url)
            except ImportRowError as e:
                if report is not None:
                    report.append(ImportRowError(f"{Path(path).name}, feature {index + 1}: {e}"))

    return generate()


def _load(path: Path) -> list:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise SourceFormatError(f"{path}: not UTF-8 text; save the file as UTF-8") from e
    except json.JSONDecodeError as e:
        raise SourceFormatError(f"{path}: not valid JSON ({e}); expected a schema_randonnee "
                                "GeoJSON FeatureCollection") from e
    except RecursionError as e:
        raise nested_too_deeply(path.name) from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise SourceFormatError(f"{path}: not a GeoJSON FeatureCollection; a schema_randonnee file "
                                "has type FeatureCollection and a list of features")
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if crs and crs not in _WGS84_CRS:
        raise SourceFormatError(f"{path}: coordinates are in {crs}; schema_randonnee requires WGS84 "
                                "(EPSG:4326): reproject the file (e.g. ogr2ogr -t_srs EPSG:4326)")
    return data["features"]


def circuit_from_feature(feature: dict, *, licence: str = LICENCE, attribution: str | None = None,
                         media_base_url: str = "") -> Trail:
    """One schema_randonnee Feature as a :class:`Trail`; :class:`ImportRowError` if unusable."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise ImportRowError("not a GeoJSON Feature with properties")
    p = feature["properties"]
    name = html_to_text(_text(p.get("nom_itineraire")))
    if not name:
        raise ImportRowError("no nom_itineraire (circuit name)")
    segments = segments_of(feature.get("geometry"))
    producer = _text(p.get("producteur")) or _text(p.get("proprietaire"))
    source_id = next((str(v) for k in ("id_local", "eid", "uuid", "id_osm")
                      if (v := p.get(k)) not in (None, "", "None")), "")
    if not source_id:  # stable across runs, so re-importing updates instead of duplicating
        source_id = "name:" + hashlib.sha1(name.encode()).hexdigest()[:16]
    route_label = _text(p.get("type_itineraire")).lower()
    extra: dict = {}
    detected = route_label not in ROUTE_TYPE_MAP
    route_type = _detect_route_type(segments) if detected else ROUTE_TYPE_MAP[route_label]
    practice_label = _text(p.get("pratique"))
    difficulty_label = _text(p.get("difficulte"))
    duration_h = _number(p.get("duree"))
    named: dict = {}  # fields of the Trail that code reads by name (the rest stays in extra)
    _put(named, "published_length_m", _number(p.get("longueur")))
    _put(named, "published_ascent_m", _abs(p.get("denivele_positif")))
    _put(named, "published_descent_m", _abs(p.get("denivele_negatif")))
    _put(named, "published_ele_max_m", _number(p.get("altitude_max")))
    _put(named, "published_ele_min_m", _number(p.get("altitude_min")))
    _put(named, "parking", _parking(p))
    for key, prop in (("access", "acces_routier"), ("recommendations", "recommandations"),
                      ("instructions", "instructions"), ("public_transport", "transports_commun"),
                      ("accessibility_text", "accessibilite")):
        _put(named, key, sanitize_html(_text(p.get(prop))))
    if not named.get("public_transport"):
        _put(named, "public_transport", sanitize_html(_text(p.get("transports"))))
    for key, prop in (("cotation", "cotation"), ("parent_id", "itineraire_parent"), ("ground", "type_sol"),
                      ("contact", "contact"), ("date_modified", "date_modification")):
        _put(named, key, _given(p, prop))
    _put(named, "waymarking", _given(p, "balisage"))
    _put(named, "medias", _medias(p.get("medias"), media_base_url))
    return Trail(
        name=name,
        segments=segments,
        summary=html_to_text(_text(p.get("presentation_courte"))),
        description=sanitize_html(_text(p.get("presentation"))),
        practice=PRACTICE_MAP.get(practice_label.lower(), "walking"),
        route_type=route_type,
        route_type_label=route_label,
        route_type_detected=detected,
        practice_label=practice_label,
        difficulty_label=difficulty_label,
        start_name=_given(p, "depart"),
        end_name=_given(p, "arrivee"),
        commune_codes=_given(p, "communes_code"),
        themes=[t.strip() for t in _text(p.get("themes")).split(",") if t.strip()],
        duration_published_min=round(duration_h * 60) if duration_h else None,
        difficulty_published=DIFFICULTY_MAP.get(difficulty_label.lower()),
        source=f"schema_randonnee:{producer or 'unknown'}",
        source_id=source_id,
        licence=licence,
        attribution=attribution or producer,
        url=_text(p.get("url")),
        commune=", ".join(c.strip() for c in _text(p.get("communes_nom")).split(",") if c.strip()),
        accessibility=accessibility_from_text(_text(p.get("accessibilite"))),
        extra=extra,
        **named,
    )


def accessibility_from_text(text: str) -> list[str]:
    """Codes of :data:`~trails.models.ACCESSIBILITY` a free text states, clause by clause
    (a clause with a negation says nothing).

    >>> accessibility_from_text("<p>Accessible aux poussettes et aux PMR.</p>")
    ['pushchair', 'reduced_mobility']
    >>> accessibility_from_text("Fauteuil roulant : sentier aménagé. Non accessible aux poussettes")
    ['reduced_mobility']
    >>> accessibility_from_text("Déconseillé aux personnes à mobilité réduite, pas de poussette")
    []
    >>> accessibility_from_text("Handicap visuel : boucle sonore")
    []
    """
    found = set()
    for clause in re.split(r"[.;:!?,\n()]|\bmais\b|\bbut\b", " ".join(re.findall(r"\w+|[.;:!?,\n()]",
                                                                                  fold(html_to_text(text or ""))))):
        if re.search(NEGATIONS, clause):
            continue
        found.update(code for code, words in ACCESSIBILITY_WORDS.items() if re.search(rf"\b(?:{words})\b", clause))
    return [code for code in ACCESSIBILITY if code in found]


def segments_of(geometry) -> list[list[Point]]:
    """Segments of a GeoJSON LineString/MultiLineString as ``(lon, lat, ele | None)`` points.

    >>> segments_of({"type": "LineString", "coordinates": [[1.5, 42.5, 1200], [1.51, 42.5]]})
    [[(1.5, 42.5, 1200.0), (1.51, 42.5, None)]]
    >>> segments_of({"type": "Point", "coordinates": [1.5, 42.5]})
    Traceback (most recent call last):
    ...
    poi.errors.ImportRowError: geometry Point is not a LineString or MultiLineString
    """
    if not isinstance(geometry, dict):
        raise ImportRowError("no geometry")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "LineString":
        lines = [coords]
    elif kind == "MultiLineString":
        lines = coords
    else:
        raise ImportRowError(f"geometry {kind or '(no type)'} is not a LineString or MultiLineString")
    if not isinstance(coords, list) or not all(isinstance(line, list) for line in lines):
        raise ImportRowError(f"{kind} without coordinates")
    segments = []
    for line in lines:
        try:
            seg = [(float(c[0]), float(c[1]), float(c[2]) if len(c) > 2 and c[2] is not None else None)
                   for c in line]
        except (TypeError, ValueError, IndexError) as e:
            raise ImportRowError(f"{kind} has a coordinate that is not [lon, lat(, ele)]") from e
        if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y, _ in seg):
            raise ImportRowError("coordinates are not WGS84 longitude/latitude")
        if len(seg) >= 2:
            segments.append(seg)
    if not segments:
        raise ImportRowError(f"{kind} has fewer than two points")
    return segments


def _detect_route_type(segments: list[list[Point]]) -> str:
    start, end = segments[0][0], segments[-1][-1]
    gap_m = GEOD.inv(start[0], start[1], end[0], end[1])[2]
    return "loop" if gap_m <= LOOP_GAP_M else "one_way"


def _parking(p: dict) -> dict | None:
    info = _text(p.get("parking_info"))
    lon = lat = None
    parking = p.get("parking")
    if isinstance(parking, dict):  # older Geotrek export: a GeoJSON Feature
        coords = (parking.get("geometry") or {}).get("coordinates") or []
        if len(coords) >= 2:
            lon, lat = float(coords[0]), float(coords[1])
        info = info or _text((parking.get("properties") or {}).get("infos_parking"))
    elif m := _WKT_POINT.search(_text(p.get("parking_geometrie"))):
        lon, lat = float(m.group(1)), float(m.group(2))
    if lon is None and not info:
        return None
    return {"lon": lon, "lat": lat, "info": info}


def _medias(value, base_url: str) -> list[dict]:
    out = []
    for m in value if isinstance(value, list) else []:
        url = _text(m.get("url")) if isinstance(m, dict) else ""
        if not url:
            continue
        if base_url and not re.match(r"^[a-z]+://", url):
            url = base_url.rstrip("/") + "/" + url.lstrip("/")
        licence = _text(m.get("licence"))
        out.append({"kind": _text(m.get("type_media")) or "image", "url": url,
                    "title": _text(m.get("titre")), "author": _text(m.get("auteur")),
                    "licence": "" if licence.lower() == "licence" else licence})
    return out


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _number(value) -> float | None:
    if value in (None, "", "None"):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _abs(value) -> float | None:
    number = _number(value)
    return None if number is None else abs(number)


def _given(properties: dict, prop: str) -> str:
    """A text property, "" when absent or written "None" (as some exports do)."""
    value = _text(properties.get(prop))
    return "" if value == "None" else value


def _put(extra: dict, key: str, value) -> None:
    if value not in (None, "", [], {}):
        extra[key] = value
