"""KML 2.2 export of a trail and its stops (OGC 07-147r2), for Google Earth, GPS apps and GIS.

Layout::

    <kml xmlns="http://www.opengis.net/kml/2.2" xmlns:atom="http://www.w3.org/2005/Atom">
      <Document>
        name; atom:author (the trail's attribution); atom:link (its page);
        description (summary, figures, credits of the trail and of its POIs);
        Style "balise-trail" (LineStyle) and "balise-stop" (IconStyle, no remote icon);
        ExtendedData: licence, licence_url, attribution, credits
        <Folder> "Trail": one Placemark, a LineString (a MultiGeometry of them for
                 several segments), tessellate 1, altitudeMode clampToGround,
                 ExtendedData with the figures, licence and attribution
        <Folder> "Points of interest": one Point Placemark per stop in walking order,
                 description (summary, credit, link), ExtendedData (poi_id,
                 category, distance_along_m, trigger_radius_m, licence, attribution, url)

Descriptions are small HTML fragments (KML readers render ``<description>`` as
HTML); every text is escaped first, then escaped again by the XML serialiser.
Coordinates are ``lon,lat[,ele]`` with 7 decimals (elevation where known; with
``clampToGround`` readers drape the line on their terrain). GDAL reads the two
folders as two layers.
"""
from __future__ import annotations

import html
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence

from exporter.common import (credits_text, format_credit, plain_text, poi_credit, safe_url, trail_credit,
                             write_text, xml_safe)
from exporter.errors import ExportError
from exporter.geojson import position
from poi.i18n import gettext as _
from trails.filter_params import format_duration
from trails.metrics import difficulty_label
from trails.models import Trail, TrailStop

KML_NS = "http://www.opengis.net/kml/2.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
TRAIL_STYLE = "balise-trail"
STOP_STYLE = "balise-stop"
#: KML colours are aabbggrr: an opaque red-orange line, orange stop icons.
TRAIL_COLOR = "ff1e3cdc"
STOP_COLOR = "ff0080ff"
DESC_CHARS = 800


def _el(parent: ET.Element, tag: str, text: str | None = None, ns: str = KML_NS, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def _coord_text(points, what: str) -> str:
    out = []
    for p in points:
        pos = position(p[0], p[1], p[2] if len(p) > 2 else None, what=what)
        out.append(",".join(_num(v) for v in pos))
    return " ".join(out)


def _num(value: float) -> str:
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _paragraphs(*parts: str) -> str:
    """HTML paragraphs of plain-text parts (escaped; line breaks kept)."""
    return "".join("<p>" + html.escape(p, quote=False).replace("\n", "<br/>") + "</p>" for p in parts if p)


def _link_html(url: str, text: str) -> str:
    url = safe_url(url)
    return f'<p><a href="{html.escape(url)}">{html.escape(text or url, quote=False)}</a></p>' if url else ""


def _data(parent: ET.Element, values: dict) -> None:
    extended = _el(parent, "ExtendedData")
    for name, value in values.items():
        if value in (None, ""):
            continue
        data = _el(extended, "Data", name=name)
        _el(data, "value", str(value))


def figures(trail: Trail) -> str:
    """One line of the trail's figures (translated).

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     figures(Trail(name="T", length_m=5230, ascent_m=212.4, duration_computed_min=95))
    '5.2 km · ascent 212 m · 1 h 35 · easy'
    """
    return _("{length_km} km · ascent {ascent_m} m · {duration} · {difficulty}",
             length_km=f"{trail.length_m / 1000:.1f}", ascent_m=round(trail.ascent_m),
             duration=format_duration(trail.duration_min), difficulty=difficulty_label(trail.difficulty))


def _style(doc: ET.Element) -> None:
    line = _el(_el(doc, "Style", id=TRAIL_STYLE), "LineStyle")
    _el(line, "color", TRAIL_COLOR)
    _el(line, "width", "4")
    icon = _el(_el(doc, "Style", id=STOP_STYLE), "IconStyle")
    _el(icon, "color", STOP_COLOR)
    _el(icon, "scale", "1.1")


def _line(parent: ET.Element, segment, what: str) -> None:
    line = _el(parent, "LineString")
    _el(line, "tessellate", "1")
    _el(line, "altitudeMode", "clampToGround")
    _el(line, "coordinates", _coord_text(segment, what))


def _trail_placemark(folder: ET.Element, trail: Trail, segments) -> None:
    own = trail_credit(trail)
    mark = _el(folder, "Placemark")
    _el(mark, "name", trail.name)
    summary = plain_text(trail.summary) or plain_text(trail.description, DESC_CHARS)
    _el(mark, "description", _paragraphs(summary, figures(trail),
                                         _("Trail: {credit}", credit=format_credit(own)) if own else "")
        + _link_html(trail.url, trail.name))
    _el(mark, "styleUrl", f"#{TRAIL_STYLE}")
    _data(mark, {"trail_id": trail.id, "length_m": round(trail.length_m, 1), "ascent_m": round(trail.ascent_m, 1),
                 "descent_m": round(trail.descent_m, 1), "duration_min": trail.duration_min,
                 "duration_source": trail.duration_source, "difficulty": trail.difficulty,
                 "route_type": trail.effective_route_type, "practice": trail.practice,
                 "themes": ", ".join(trail.themes), "attribution": own.attribution if own else "",
                 "licence": own.licence if own else "", "licence_url": own.url if own else "",
                 "url": safe_url(trail.url)})
    what = f"trail {trail.name!r}"
    if len(segments) == 1:
        _line(mark, segments[0], what)
    else:
        multi = _el(mark, "MultiGeometry")
        for segment in segments:
            _line(multi, segment, what)


def _stop_placemark(folder: ET.Element, item: TrailStop, number: int) -> None:
    poi, stop = item.poi, item.stop
    credit = poi_credit(poi)
    mark = _el(folder, "Placemark")
    _el(mark, "name", xml_safe(poi.name).strip() or str(number))
    summary = plain_text(poi.summary, DESC_CHARS) or plain_text(poi.description, DESC_CHARS)
    _el(mark, "description", _paragraphs(summary, _("Credit: {credit}", credit=format_credit(credit))
                                         if credit else "") + _link_html(poi.url, poi.name))
    _el(mark, "styleUrl", f"#{STOP_STYLE}")
    _data(mark, {"poi_id": poi.id, "position": number, "category": poi.category or "other",
                 "distance_along_m": round(float(stop.distance_along_m), 1),
                 "trigger_radius_m": float(stop.trigger_radius_m or poi.effective_trigger_radius_m),
                 "attribution": credit.attribution if credit else "", "licence": credit.licence if credit else "",
                 "licence_url": credit.url if credit else "", "url": safe_url(poi.url)})
    point = _el(mark, "Point")
    _el(point, "coordinates", _coord_text([(poi.lon, poi.lat, poi.ele_m)], f"POI {poi.name!r}"))


def export(trail: Trail, stops: Sequence[TrailStop]) -> str:
    """KML 2.2 document of a trail (a LineString Placemark) and its stops (Point Placemarks).

    Parameters
    ----------
    trail : trails.models.Trail
        The trail; each segment of two points or more becomes a LineString.
    stops : list of trails.models.TrailStop
        Stops in walking order (removed ones are left out).

    Raises
    ------
    ExportError
        The trail has no two points, or a coordinate is impossible.

    Examples
    --------
    >>> from poi.i18n import language
    >>> trail = Trail(name="Moulins & Ponts", segments=[[(4.39, 44.62, 310.0), (4.4, 44.63, None)]],
    ...               attribution="OT Aubenas", licence="ODbL")
    >>> with language("en"):
    ...     doc = export(trail, [])
    >>> [line.strip() for line in doc.splitlines() if "coordinates" in line or "altitudeMode" in line]
    ['<altitudeMode>clampToGround</altitudeMode>', '<coordinates>4.39,44.62,310 4.4,44.63</coordinates>']
    >>> "<name>Moulins &amp; Ponts</name>" in doc, "Trail: OT Aubenas (ODbL 1.0" in doc
    (True, True)
    >>> export(Trail(name="Empty"), [])
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: trail 'Empty' has no points to export; import a GPX trace for it first
    """
    segments = [seg for seg in trail.segments if len(seg) >= 2]
    if not segments:
        raise ExportError(f"trail {trail.name!r} has no points to export; import a GPX trace for it first")
    stops = [s for s in stops if s.stop.status != "removed"]
    ET.register_namespace("", KML_NS)
    ET.register_namespace("atom", ATOM_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _el(root, "Document")
    _el(doc, "name", trail.name)
    _el(doc, "open", "1")
    own = trail_credit(trail)
    if own and own.attribution:
        _el(_el(doc, "author", ns=ATOM_NS), "name", own.attribution, ns=ATOM_NS)
    if safe_url(trail.url):
        _el(doc, "link", ns=ATOM_NS, href=safe_url(trail.url))
    summary = plain_text(trail.summary) or plain_text(trail.description, DESC_CHARS)
    credits = credits_text(trail, stops)
    _el(doc, "description", _paragraphs(summary, figures(trail), credits) + _link_html(trail.url, trail.name))
    _style(doc)
    _data(doc, {"attribution": own.attribution if own else "", "licence": own.licence if own else "",
                "licence_url": own.url if own else "", "credits": credits})
    folder = _el(doc, "Folder")
    _el(folder, "name", _("Trail"))
    _trail_placemark(folder, trail, segments)
    if stops:
        folder = _el(doc, "Folder")
        _el(folder, "name", _("Points of interest"))
        for number, item in enumerate(stops, start=1):
            _stop_placemark(folder, item, number)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(trail: Trail, stops: Sequence[TrailStop], out: str | os.PathLike) -> tuple[Path, int]:
    """Export to a file atomically; returns the path and the number of stop placemarks."""
    doc = export(trail, stops)
    return write_text(doc, out), sum(1 for s in stops if s.stop.status != "removed")
