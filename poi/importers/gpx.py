"""The waypoints (``<wpt>``) of a GPX file as POIs.

Parsing goes through :func:`poi.gpxfile.parse_gpx` (defusedxml screening, size
cap, BOM and encodings handled). Read per waypoint: ``<name>``; ``<desc>`` (else
``<cmt>``) as description; ``<sym>`` and ``<type>`` (Garmin symbols such as
"Scenic Area", "Church", "Drinking Water", or French words) as category;
``<link href>`` as URL; ``<ele>`` as elevation. Waypoints carry no id: each gets
the stable id derived from its name and coordinates. Tracks and routes are not
POIs: a GPX without waypoints is refused with a pointer to ``balise trail import``.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from poi.errors import SourceFormatError
from poi.gpxfile import parse_gpx
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record


def _category(wpt) -> str:
    return " ; ".join(v for v in (wpt.symbol, wpt.type) if v)


class GPXImporter(Importer):
    """Waypoints of a GPX 1.0/1.1 file."""

    format = "gpx"
    eid = None
    fields = {
        "name": "name",
        "lon": "longitude",
        "lat": "latitude",
        "ele_m": "elevation",
        "category": _category,
        "description": ("description", "comment"),
        "url": "link",
    }

    def records(self, path: Path, **options) -> Iterator[Record]:
        gpx = parse_gpx(path)
        if not gpx.waypoints:
            tracks = sum(len(t.segments) for t in gpx.tracks) + len(gpx.routes)
            hint = _("; to import its track as a trail use: balise trail import {file}", file=path.name) \
                if tracks else ""
            raise SourceFormatError(_("{file}: no waypoints (<wpt>) to import{hint}", file=path.name, hint=hint))
        for n, wpt in enumerate(gpx.waypoints, start=1):
            where = _("waypoint {n}", n=n) + (f" ({wpt.name})" if wpt.name else "")
            yield Record(where, wpt)
