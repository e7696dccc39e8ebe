"""GPX 1.1 export of a trail and its stops, valid against the TopoGrafix schema.

Layout (the order the schema requires: metadata, wpt*, rte*, trk*):

- ``<metadata>``: name; desc (the trail's summary as plain text, then the
  credits: the trail's and its POIs' attributions and licences, so they travel
  with the file); author; copyright (the trail's attribution and licence URL);
  link to the trail's page; time; keywords (themes); bounds;
- one ``<wpt>`` per stop, in walking order: name, desc (the POI summary, else
  its description as plain text, trimmed), src (attribution and licence),
  link (the POI's page), sym (a Garmin symbol name for the Balise category),
  type (the category), ele where known;
- one ``<trk>`` with one ``<trkseg>`` per segment of the trail, ``<ele>`` where
  known.

Coordinates carry 7 decimals (about 1 cm), so a GPX -> trail -> GPX round trip
moves no point by more than a few centimetres. Text is escaped by the XML
serialiser; characters XML 1.0 cannot hold are dropped.
"""
from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, Sequence

from exporter.common import (credits_text, format_credit, plain_text, poi_credit, safe_url, trail_credit,
                             write_text, xml_safe)
from exporter.errors import ExportError
from exporter.simplify import simplify_report
from poi.models import POI
from trails.models import Trail, TrailStop

GPX_NS = "http://www.topografix.com/GPX/1/1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd"

#: Balise category -> Garmin waypoint symbol name (names Garmin units and BaseCamp know).
GARMIN_SYMBOLS: dict[str, str] = {
    "monument": "Building",
    "church": "Church",
    "castle": "Building",
    "museum": "Museum",
    "mill": "Building",
    "bridge": "Bridge",
    "archaeology": "Building",
    "memorial": "Flag, Blue",
    "viewpoint": "Scenic Area",
    "nature": "Park",
    "water": "Drinking Water",
    "picnic": "Picnic Area",
    "accommodation": "Lodging",
    "restaurant": "Restaurant",
    "shop": "Shopping Center",
    "parking": "Parking Area",
    "information": "Information",
    "transport": "Ground Transportation",
    "toilets": "Restroom",
    "signpost": "Trail Head",
}
DEFAULT_SYMBOL = "Waypoint"
WAYPOINT_DESC_CHARS = 500
METADATA_DESC_CHARS = 2000


class GpxFile(NamedTuple):
    """What :func:`write` wrote."""

    path: Path
    points: int
    waypoints: int
    tolerance_m: float


def garmin_symbol(category: str) -> str:
    """Garmin symbol name for a Balise category.

    >>> garmin_symbol("viewpoint"), garmin_symbol("church"), garmin_symbol("unheard-of")
    ('Scenic Area', 'Church', 'Waypoint')
    """
    return GARMIN_SYMBOLS.get(category, DEFAULT_SYMBOL)


def _num(value: float, digits: int) -> str:
    """Fixed-point decimal without trailing zeros (xsd:decimal, never exponent notation)."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _latlon(lon: float, lat: float, what: str) -> dict[str, str]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as e:
        raise ExportError(f"{what} has a non-numeric coordinate ({lon!r}, {lat!r})") from e
    if not (math.isfinite(lon) and math.isfinite(lat)) or not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise ExportError(f"{what} has an impossible position (lon {lon}, lat {lat}); "
                          "fix the trail or POI coordinates, which must be WGS84 lon/lat")
    if lon == 180.0:  # GPX longitudes are in [-180, 180)
        lon = -180.0
    return {"lat": _num(lat, 7), "lon": _num(lon, 7)}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{GPX_NS}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text).strip()
    return el


def _ele(parent: ET.Element, ele) -> None:
    if ele is not None:
        try:
            value = float(ele)
        except (TypeError, ValueError):
            return
        if math.isfinite(value):
            _sub(parent, "ele", _num(value, 2))


def _time(trail: Trail, now: datetime | None) -> str:
    """The file's time: ``now`` if given, else the trail's last update, else the current time."""
    when = now
    if when is None and trail.updated_at:
        try:
            when = datetime.fromisoformat(trail.updated_at.replace("Z", "+00:00"))
        except ValueError:
            when = None
    when = when or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(parent: ET.Element, url: str, text: str = "") -> None:
    url = safe_url(url)
    if url:
        link = _sub(parent, "link", href=url)
        if text:
            _sub(link, "text", text)


def _metadata(root: ET.Element, trail: Trail, stops: Sequence[TrailStop], creator: str,
              bounds: tuple[float, float, float, float], now: datetime | None) -> None:
    meta = _sub(root, "metadata")
    _sub(meta, "name", trail.name)
    summary = plain_text(trail.summary) or plain_text(trail.description, METADATA_DESC_CHARS)
    desc = "\n\n".join(p for p in (summary, credits_text(trail, stops)) if p)
    if desc:
        _sub(meta, "desc", desc)
    own = trail_credit(trail)
    holder = (own.attribution if own else "") or creator
    author = _sub(meta, "author")
    _sub(author, "name", holder)
    if own:
        copyright_ = _sub(meta, "copyright", author=holder)
        if own.url:
            _sub(copyright_, "license", own.url)
    _link(meta, trail.url, trail.name)
    _sub(meta, "time", _time(trail, now))
    if trail.themes:
        _sub(meta, "keywords", ", ".join(trail.themes))
    min_lon, min_lat, max_lon, max_lat = bounds
    _sub(meta, "bounds", minlat=_num(min_lat, 7), minlon=_num(min_lon, 7),
         maxlat=_num(max_lat, 7), maxlon=_num(max_lon, 7))


def _waypoint(root: ET.Element, poi: POI, number: int) -> None:
    wpt = _sub(root, "wpt", **_latlon(poi.lon, poi.lat, f"POI {poi.name!r}"))
    _ele(wpt, poi.ele_m)
    _sub(wpt, "name", xml_safe(poi.name).strip() or f"{number}")
    desc = plain_text(poi.summary, WAYPOINT_DESC_CHARS) or plain_text(poi.description, WAYPOINT_DESC_CHARS)
    if desc:
        _sub(wpt, "desc", desc)
    credit = poi_credit(poi)
    src = format_credit(credit) if credit else (poi.source or "")
    if src:
        _sub(wpt, "src", src)
    _link(wpt, poi.url, poi.name)
    _sub(wpt, "sym", garmin_symbol(poi.category))
    _sub(wpt, "type", poi.category or "other")


def _build(trail: Trail, stops: Sequence[TrailStop], *, simplify_m: float | None, max_points: int | None,
           creator: str, now: datetime | None, waymarks: Sequence[POI] = ()) -> tuple[str, int, int, float]:
    segments = [list(s) for s in trail.segments if s]
    if not segments:
        raise ExportError(f"trail {trail.name!r} has no points to export; import a GPX trace for it first")
    result = simplify_report(segments, tolerance_m=simplify_m, max_points=max_points)
    stops = [s for s in stops if s.stop.status not in ("removed", "proposed")]
    places = [s.poi for s in stops]
    taken = {p.id for p in places}
    places += [p for p in waymarks if p.id is None or p.id not in taken]  # signposts: waypoints, never stops
    everything = []
    for lon, lat in [(p[0], p[1]) for s in result.segments for p in s] + [(p.lon, p.lat) for p in places]:
        checked = _latlon(lon, lat, f"trail {trail.name!r}")
        everything.append((float(checked["lon"]), float(checked["lat"])))
    bounds = (min(c[0] for c in everything), min(c[1] for c in everything),
              max(c[0] for c in everything), max(c[1] for c in everything))

    ET.register_namespace("", GPX_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": xml_safe(creator) or "Balise",
                                            f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION})
    _metadata(root, trail, stops, xml_safe(creator) or "Balise", bounds, now)
    for number, place in enumerate(places, start=1):
        _waypoint(root, place, number)
    trk = _sub(root, "trk")
    _sub(trk, "name", trail.name)
    own = trail_credit(trail)
    if own:
        _sub(trk, "src", format_credit(own))
    _link(trk, trail.url, trail.name)
    _sub(trk, "type", trail.practice)
    for segment in result.segments:
        trkseg = _sub(trk, "trkseg")
        for point in segment:
            trkpt = _sub(trkseg, "trkpt", **_latlon(point[0], point[1], f"trail {trail.name!r}"))
            _ele(trkpt, point[2] if len(point) > 2 else None)
    ET.indent(root, space=" ")
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return xml, result.points_after, len(places), result.tolerance_m


def export(trail: Trail, stops: Sequence[TrailStop], *, simplify_m: float | None = None,
           max_points: int | None = None, creator: str = "Balise", now: datetime | None = None,
           waymarks: Sequence[POI] = ()) -> str:
    """GPX 1.1 document of a trail and its stops.

    Parameters
    ----------
    trail : trails.models.Trail
        The trail; its segments become the ``<trkseg>`` of one ``<trk>``.
    stops : list of trails.models.TrailStop
        Stops in walking order; each becomes a ``<wpt>`` (removed and proposed ones are left out).
    waymarks : list of poi.models.POI, optional
        Signposts along the trail (:func:`trails.corridor.find_waymarks`): ``<wpt>`` too (``<type>signpost``),
        after the stops; never stops.
    simplify_m : float, optional
        Ramer-Douglas-Peucker tolerance in metres (see :mod:`exporter.simplify`).
    max_points : int, optional
        Most track points in the file (e.g. 500 for older GPS units).
    creator : str
        The ``creator`` attribute, and the author when the trail names none.
    now : datetime, optional
        The metadata time; default the trail's ``updated_at`` (so exports of an
        unchanged trail are byte-identical), else the current time.

    Returns
    -------
    str
        The document, to be written as UTF-8.

    Raises
    ------
    ExportError
        The trail has no points, a coordinate is impossible, or the options are.

    Examples
    --------
    >>> trail = Trail(name="Moulins & Ponts", segments=[[(4.39, 44.62, 310.0), (4.40, 44.63, None)]],
    ...               updated_at="2024-05-01T08:00:00+00:00")
    >>> doc = export(trail, [])
    >>> print(doc.splitlines()[1].split()[1])
    xmlns="http://www.topografix.com/GPX/1/1"
    >>> [line.strip() for line in doc.splitlines() if "trkpt" in line or "<ele>" in line]
    ['<trkpt lat="44.62" lon="4.39">', '<ele>310</ele>', '</trkpt>', '<trkpt lat="44.63" lon="4.4" />']
    >>> "<name>Moulins &amp; Ponts</name>" in doc
    True
    >>> export(Trail(name="Empty"), [])
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: trail 'Empty' has no points to export; import a GPX trace for it first
    """
    return _build(trail, stops, simplify_m=simplify_m, max_points=max_points, creator=creator, now=now,
                  waymarks=waymarks)[0]


def write(trail: Trail, stops: Sequence[TrailStop], out: str | os.PathLike, *, simplify_m: float | None = None,
          max_points: int | None = None, creator: str = "Balise", now: datetime | None = None,
          waymarks: Sequence[POI] = ()) -> GpxFile:
    """Export to a file, atomically (a failed export leaves no partial file); returns what was written.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     written = write(Trail(name="T", segments=[[(4.39, 44.62, None), (4.40, 44.63, None)]]), [],
    ...                     pathlib.Path(d) / "t.gpx")
    >>> written.points, written.waypoints
    (2, 0)
    """
    xml, points, waypoints, tolerance = _build(trail, stops, simplify_m=simplify_m, max_points=max_points,
                                               creator=creator, now=now, waymarks=waymarks)
    return GpxFile(write_text(xml, out), points, waypoints, tolerance)
