"""GeoJSON (RFC 7946) export of a trail, its stops, and of lists of POIs.

Layout of :func:`export` (a FeatureCollection, WGS84 lon/lat, no ``crs`` member:
RFC 7946 §4 dropped it, WGS84 is implied):

- the circuit: one Feature (``"id": "trail-<id>"``, ``properties.kind`` =
  ``"trail"``) whose geometry is a LineString (one segment) or a
  MultiLineString (several); properties are :meth:`Trail.summary_dict` (the
  ``--json`` contract) plus ``summary`` (plain text), ``description``
  (sanitised HTML), ``commune``, ``url``, ``licence``/``licence_url`` (canonical
  name and URL), ``attribution``;
- one Point Feature per stop in walking order (``"id": "poi-<id>"``,
  ``kind`` = ``"stop"``): ``poi_id``, ``name``, ``category``, ``themes``,
  ``summary``, ``url``, ``distance_along_m``, ``offset_m``, ``trigger_radius_m``
  (the stop's own, else the POI's, else its category's), ``licence``,
  ``licence_url``, ``attribution`` (OpenStreetMap POIs default to the ODbL);
- foreign members (RFC 7946 §6.1): ``name`` and ``credits``, the list of
  ``{attribution, licence, url}`` of the trail and of its POIs, so the licences
  travel with the file even when a reader drops properties.

Positions are ``[lon, lat]`` or ``[lon, lat, ele]`` (elevation only where it is
known), 7 decimals (about 1 cm, RFC 7946 §11.2 recommends no more than 6 for
display; 7 keeps GPX round trips lossless), elevation in metres with 2.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Iterable, Sequence

from exporter.common import credits, licence_info, plain_text, poi_credit, safe_url, trail_credit, write_text
from exporter.errors import ExportError
from poi.models import POI
from trails.models import Trail, TrailStop

SUMMARY_CHARS = 500
COORD_DIGITS = 7
ELE_DIGITS = 2


def position(lon, lat, ele=None, *, what: str = "point") -> list[float]:
    """An RFC 7946 position: ``[lon, lat]`` or ``[lon, lat, ele]``, rounded, checked to be WGS84.

    >>> position(4.123456789, 44.5, None)
    [4.1234568, 44.5]
    >>> position(4.1, 44.5, 312.345)
    [4.1, 44.5, 312.35]
    >>> position(44.5, 95.0, what="POI 'Croix'")
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: POI 'Croix' has an impossible position (lon 44.5, lat 95.0); coordinates must be WGS84 lon/lat
    """
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError) as e:
        raise ExportError(f"{what} has a non-numeric coordinate ({lon!r}, {lat!r})") from e
    if not (math.isfinite(x) and math.isfinite(y)) or not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ExportError(f"{what} has an impossible position (lon {x}, lat {y}); "
                          "coordinates must be WGS84 lon/lat")
    out = [round(x, COORD_DIGITS) + 0.0, round(y, COORD_DIGITS) + 0.0]
    z = _float(ele)
    if z is not None:
        out.append(round(z, ELE_DIGITS) + 0.0)
    return out


def _float(value) -> float | None:
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def trail_geometry(trail: Trail) -> dict | None:
    """LineString (one segment) or MultiLineString (several) of a trail; ``None`` without two points.

    >>> trail_geometry(Trail(name="T", segments=[[(3.0, 44.0, 500.0), (3.001, 44.0, None)]]))
    {'type': 'LineString', 'coordinates': [[3.0, 44.0, 500.0], [3.001, 44.0]]}
    >>> trail_geometry(Trail(name="T", segments=[[(3.0, 44.0, None)]])) is None
    True
    """
    what = f"trail {trail.name!r}"
    lines = [[position(p[0], p[1], p[2] if len(p) > 2 else None, what=what) for p in seg]
             for seg in trail.segments if len(seg) >= 2]
    if not lines:
        return None
    if len(lines) == 1:
        return {"type": "LineString", "coordinates": lines[0]}
    return {"type": "MultiLineString", "coordinates": lines}


def _licence_fields(licence: str) -> dict:
    name, url = licence_info(licence)
    return {"licence": name, "licence_url": url}


def trail_properties(trail: Trail) -> dict:
    """The properties of a trail Feature (see the module docstring).

    >>> p = trail_properties(Trail(name="Moulins", licence="etalab-2.0", attribution="OT Aubenas"))
    >>> p["name"], p["licence"], p["attribution"], p["duration_source"]
    ('Moulins', 'Licence Ouverte / Etalab 2.0', 'OT Aubenas', 'computed')
    """
    props = {"kind": "trail", **trail.summary_dict()}
    own = trail_credit(trail)
    props.update({
        "summary": plain_text(trail.summary) or plain_text(trail.description, SUMMARY_CHARS),
        "description": trail.description or "",
        "commune": trail.commune or "",
        "url": safe_url(trail.url),
        "attribution": own.attribution if own else "",
        **_licence_fields(trail.licence),
    })
    return props


def feature(trail: Trail) -> dict:
    """A trail as one GeoJSON Feature (for the JSON API): ``id`` is the trail id, geometry may be null.

    >>> f = feature(Trail(name="T", id=3, segments=[[(3.0, 44.0, None), (3.01, 44.0, None)]]))
    >>> f["type"], f["id"], f["geometry"]["type"], f["properties"]["kind"]
    ('Feature', 3, 'LineString', 'trail')
    >>> feature(Trail(name="Empty"))["geometry"] is None
    True
    """
    out: dict = {"type": "Feature"}
    if trail.id is not None:
        out["id"] = trail.id
    out["geometry"] = trail_geometry(trail)
    out["properties"] = trail_properties(trail)
    return out


def _poi_properties(poi: POI) -> dict:
    credit = poi_credit(poi)
    return {
        "name": poi.name, "category": poi.category or "other", "themes": list(poi.themes),
        "summary": plain_text(poi.summary, SUMMARY_CHARS) or plain_text(poi.description, SUMMARY_CHARS),
        "url": safe_url(poi.url),
        "attribution": credit.attribution if credit else "",
        "licence": credit.licence if credit else "",
        "licence_url": credit.url if credit else "",
    }


def stop_feature(item: TrailStop) -> dict:
    """A stop as a Point Feature (``id`` ``poi-<id>``).

    >>> from trails.models import Stop
    >>> f = stop_feature(TrailStop(Stop(1, 9, 420.26, -3.0), POI("Croix", 3.0, 44.0, source="osm", id=9)))
    >>> f["id"], f["geometry"]["coordinates"], f["properties"]["licence"], f["properties"]["trigger_radius_m"]
    ('poi-9', [3.0, 44.0], 'ODbL 1.0', 40.0)
    """
    poi, stop = item.poi, item.stop
    radius = stop.trigger_radius_m or poi.effective_trigger_radius_m
    props = {"kind": "stop", "poi_id": poi.id, **_poi_properties(poi),
             "position": stop.position, "distance_along_m": round(float(stop.distance_along_m), 1),
             "offset_m": round(float(stop.offset_m), 1), "trigger_radius_m": float(radius)}
    return {"type": "Feature", "id": f"poi-{poi.id}",
            "geometry": {"type": "Point", "coordinates": position(poi.lon, poi.lat, poi.ele_m,
                                                                  what=f"POI {poi.name!r}")},
            "properties": props}


def poi_feature(poi: POI) -> dict:
    """A POI as a Point Feature (``id`` the POI id), with its licence and attribution.

    >>> f = poi_feature(POI("Pont", 4.39, 44.62, category="bridge", licence="CC0", id=4))
    >>> f["id"], f["properties"]["category"], f["properties"]["licence"]
    (4, 'bridge', 'CC0 1.0')
    """
    out: dict = {"type": "Feature"}
    if poi.id is not None:
        out["id"] = poi.id
    out["geometry"] = {"type": "Point",
                       "coordinates": position(poi.lon, poi.lat, poi.ele_m, what=f"POI {poi.name!r}")}
    out["properties"] = {"id": poi.id, **_poi_properties(poi),
                         "trigger_radius_m": poi.effective_trigger_radius_m,
                         "source": poi.source, "updated_at": poi.updated_at}
    return out


def pois_collection(pois: Iterable[POI]) -> dict:
    """POIs as an RFC 7946 FeatureCollection (for ``/api/pois``), with their distinct credits.

    >>> fc = pois_collection([POI("A", 1.0, 2.0, source="osm", id=1), POI("B", 1.5, 2.5, source="osm", id=2)])
    >>> len(fc["features"]), fc["bbox"], [c["licence"] for c in fc["credits"]]
    (2, [1.0, 2.0, 1.5, 2.5], ['ODbL 1.0'])
    """
    features = [poi_feature(p) for p in pois]
    seen: dict[tuple[str, str], dict] = {}
    for f in features:
        p = f["properties"]
        if p["attribution"] or p["licence"]:
            seen.setdefault((p["attribution"], p["licence"]),
                            {"attribution": p["attribution"], "licence": p["licence"], "url": p["licence_url"]})
    out: dict = {"type": "FeatureCollection"}
    box = _bbox(features)
    if box:
        out["bbox"] = box
    out["credits"] = list(seen.values())
    out["features"] = features
    return out


def _positions(geometry: dict | None) -> Iterable[list[float]]:
    if not geometry:
        return
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        yield coords
    elif kind == "LineString":
        yield from coords
    elif kind == "MultiLineString":
        for line in coords:
            yield from line


def _bbox(features: Sequence[dict]) -> list[float] | None:
    """2D bbox [west, south, east, north] (RFC 7946 §5; no antimeridian crossing assumed)."""
    points = [p for f in features for p in _positions(f.get("geometry"))]
    if not points:
        return None
    return [min(p[0] for p in points), min(p[1] for p in points),
            max(p[0] for p in points), max(p[1] for p in points)]


def credit_list(trail: Trail, stops: Sequence[TrailStop]) -> list[dict]:
    """The trail's own credit, then its POIs' distinct ones, as ``{attribution, licence, url}`` dicts.

    >>> credit_list(Trail(name="T", attribution="PNC", licence="Licence Ouverte"), [])
    [{'attribution': 'PNC', 'licence': 'Licence Ouverte / Etalab 2.0', 'url': 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/'}]
    """
    own = trail_credit(trail)
    return [c._asdict() for c in ([own] if own else []) + credits(trail, stops)]


def collection(trail: Trail, stops: Sequence[TrailStop], *, include_stops: bool = True) -> dict:
    """The FeatureCollection :func:`export` serialises (see the module docstring)."""
    geometry = trail_geometry(trail)
    if geometry is None:
        raise ExportError(f"trail {trail.name!r} has no points to export; import a GPX trace for it first")
    stops = [s for s in stops if s.stop.status != "removed"] if include_stops else []
    trail_feature = {"type": "Feature", "id": f"trail-{trail.id}" if trail.id is not None else "trail",
                     "geometry": geometry, "properties": trail_properties(trail)}
    features = [trail_feature] + [stop_feature(s) for s in stops]
    return {"type": "FeatureCollection", "name": trail.name, "bbox": _bbox(features),
            "credits": credit_list(trail, stops), "features": features}


def export(trail: Trail, stops: Sequence[TrailStop], *, include_stops: bool = True,
           indent: int | None = None) -> str:
    """RFC 7946 GeoJSON of a trail (LineString/MultiLineString Feature) and its stops (Point Features).

    Parameters
    ----------
    trail : trails.models.Trail
        The trail; one Feature whose properties are ``Trail.summary_dict()`` and its texts and licence.
    stops : list of trails.models.TrailStop
        Stops in walking order; removed ones are left out.
    include_stops : bool
        False gives the circuit alone (the ``credits`` then name the trail's own licence only).
    indent : int, optional
        Pretty-print with this indent (default: compact).

    Raises
    ------
    ExportError
        The trail has no two points, or a coordinate is impossible.

    Examples
    --------
    >>> trail = Trail(name="Moulins", id=7, segments=[[(4.39, 44.62, 310.0), (4.4, 44.63, None)]],
    ...               attribution="OT Aubenas", licence="ODbL")
    >>> fc = json.loads(export(trail, []))
    >>> fc["type"], "crs" in fc, fc["features"][0]["geometry"]["coordinates"]
    ('FeatureCollection', False, [[4.39, 44.62, 310.0], [4.4, 44.63]])
    >>> fc["features"][0]["properties"]["licence"], fc["credits"][0]["attribution"]
    ('ODbL 1.0', 'OT Aubenas')
    >>> export(Trail(name="Empty"), [])
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: trail 'Empty' has no points to export; import a GPX trace for it first
    """
    return dumps(collection(trail, stops, include_stops=include_stops), indent=indent)


def dumps(data: dict, indent: int | None = None) -> str:
    """JSON text: UTF-8 characters kept, no NaN (RFC 8259), compact unless ``indent``.

    >>> dumps({"name": "Église", "n": 1})
    '{"name":"Église","n":1}'
    """
    try:
        separators = (",", ":") if indent is None else (",", ": ")
        return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=indent, separators=separators) + (
            "\n" if indent is not None else "")
    except ValueError as e:
        raise ExportError(f"a number cannot be written as JSON ({e}); check the trail's measures") from e


def write(trail: Trail, stops: Sequence[TrailStop], out: str | os.PathLike, *,
          include_stops: bool = True) -> tuple[Path, int]:
    """Export to a file atomically; returns the path and the number of stop features written."""
    data = collection(trail, stops, include_stops=include_stops)
    path = write_text(dumps(data), out)
    return path, len(data["features"]) - 1
