"""Read the trace of a trail from a GPX file (tracks, else routes), robust to real-world files.

Parsing is delegated to :func:`poi.gpxfile.parse_gpx` (defusedxml screening, size
limit, byte-order mark, decimal commas refused). What this module adds is the
choice and the cleaning of the geometry:

* track points first; when the tracks hold no usable line (no points, a single
  point), route points (files exported by route planners hold only ``<rte>``);
* every ``<trkseg>`` / ``<rte>`` becomes one segment; empty segments are dropped,
  consecutive duplicate points are dropped, and a segment that starts within
  :data:`JOIN_TOLERANCE_M` metres of where the previous one ended is joined to it
  (a logger pausing, a planner splitting legs), so only real gaps stay gaps;
* a segment left with one point is dropped unless it can be joined;
* a point that jumps far away and straight back (a typo such as ``lat="6.1"``
  among ``lat="46.1"``, a GPS glitch) is dropped: both its legs are longer than
  :data:`OUTLIER_JUMP_M` and ten times the distance between its neighbours;
* GPX 1.0 and 1.1, extensions of any kind (ignored), missing ``<ele>`` (``None``).

Every bad input raises :class:`trails.errors.GPXError` (the file cannot be read,
or holds no track or route points) or :class:`trails.errors.TraceError` (the
points cannot make a line: one point, all points identical), with a one-line
message.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from poi.geo import GEOD
from poi.gpxfile import GPXFormatError, parse_gpx
from trails.errors import GPXError, TraceError
from trails.models import Point

#: Two consecutive segments whose end and start are closer than this are joined into one
#: (GPS position noise is about 5 m: ends 10 m apart are the same place, e.g. a logger paused).
JOIN_TOLERANCE_M = 10.0

#: A point both of whose legs exceed this, and ten times the gap between its neighbours, is a glitch.
OUTLIER_JUMP_M = 1000.0


class Trace(NamedTuple):
    """What a GPX file holds for a trail: a name, a description and its segments."""

    name: str
    description: str
    segments: list[list[Point]]
    has_elevation: bool
    waypoints_count: int


def _label(source) -> str:
    return "GPX data" if isinstance(source, (bytes, bytearray)) else Path(source).name


def _dedupe(points: list[Point]) -> list[Point]:
    """Drop points that repeat the previous point's position (lon, lat)."""
    if len(points) < 2:
        return list(points)
    xy = np.array([(p[0], p[1]) for p in points], dtype=float)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
    return [p for p, k in zip(points, keep) if k]


def _drop_outliers(points: list[Point]) -> list[Point]:
    """Drop interior points that jump far away and straight back (see the module docstring)."""
    if len(points) < 3:
        return points
    xy = np.array([(p[0], p[1]) for p in points], dtype=float)
    leg = np.asarray(GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2])
    skip = np.asarray(GEOD.inv(xy[:-2, 0], xy[:-2, 1], xy[2:, 0], xy[2:, 1])[2])
    short = np.minimum(leg[:-1], leg[1:])
    glitch = (short > OUTLIER_JUMP_M) & (short > 10 * skip)
    if not glitch.any():
        return points
    keep = np.concatenate([[True], ~glitch, [True]])
    return [p for p, k in zip(points, keep) if k]


def _gap_m(a: Point, b: Point) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def clean_segments(raw: list[list[Point]], *, join_tolerance_m: float = JOIN_TOLERANCE_M) -> list[list[Point]]:
    """Drop empty segments and repeated points; join segments that touch.

    >>> a = [(3.0, 44.0, None), (3.0, 44.0, None), (3.001, 44.0, None)]
    >>> b = [(3.001, 44.00001, None), (3.002, 44.0, None)]   # starts ~1 m from a's end
    >>> c = [(3.1, 44.0, None), (3.2, 44.0, None)]           # a real gap
    >>> [len(s) for s in clean_segments([a, [], b, c])]
    [4, 2]
    >>> clean_segments([[(3.0, 44.0, 100.0)]])   # a lone point is not a segment
    []
    """
    out: list[list[Point]] = []
    for seg in raw:
        seg = _drop_outliers(_dedupe(seg))
        if not seg:
            continue
        if out and _gap_m(out[-1][-1], seg[0]) <= join_tolerance_m:
            prev = out[-1]
            start = 1 if (seg[0][0], seg[0][1]) == (prev[-1][0], prev[-1][1]) else 0
            prev.extend(seg[start:])
            continue
        out.append(seg)
    return [s for s in out if len(s) >= 2]


def _check_coords(points: list[Point], label: str) -> None:
    for lon, lat, ele in points:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise GPXError(f"{label}: invalid coordinates lat={lat} lon={lon}; "
                           "GPX wants WGS84 degrees (-90..90, -180..180)")
        if ele is not None and not math.isfinite(ele):
            raise GPXError(f"{label}: invalid elevation {ele}")


def _point(p) -> Point:
    ele = float(p.elevation) if p.elevation is not None else None
    return (float(p.longitude), float(p.latitude), ele)


def read_trace(source: str | os.PathLike | bytes) -> Trace:
    """Read the trace of a GPX file (a path or bytes).

    Parameters
    ----------
    source
        Path of a GPX 1.0/1.1 file, or its bytes.

    Returns
    -------
    Trace
        ``segments`` are lists of ``(lon, lat, ele_m or None)``; each holds at
        least two distinct points.

    Raises
    ------
    GPXError
        The file is unsafe, malformed, not GPX, or holds no track or route points.
    TraceError
        The points cannot make a line (a single point, all points identical).

    Examples
    --------
    >>> t = read_trace(b'<gpx version="1.1" creator="t"><trk><name>Mill walk</name><trkseg>'
    ...                b'<trkpt lat="44.0" lon="3.0"><ele>500</ele></trkpt>'
    ...                b'<trkpt lat="44.01" lon="3.0"><ele>520</ele></trkpt></trkseg></trk></gpx>')
    >>> t.name, len(t.segments), t.segments[0][1], t.has_elevation
    ('Mill walk', 1, (3.0, 44.01, 520.0), True)
    >>> read_trace(b'<gpx version="1.1" creator="t"><trk><trkseg/></trk></gpx>')
    Traceback (most recent call last):
    ...
    trails.errors.GPXError: GPX data: no track or route points (add a <trk> or <rte> to the file)
    >>> read_trace(b'<gpx version="1.1" creator="t"><rte><rtept lat="44" lon="3"/></rte></gpx>')
    Traceback (most recent call last):
    ...
    trails.errors.TraceError: GPX data: a single point cannot make a trail; the trace needs at least two
    """
    label = _label(source)
    try:
        gpx = parse_gpx(source)
    except GPXFormatError as e:
        raise GPXError(str(e)) from e

    candidates: list[list[list[Point]]] = [
        [[_point(p) for p in seg.points] for trk in gpx.tracks for seg in trk.segments],
        [[_point(p) for p in rte.points] for rte in gpx.routes],
    ]
    all_points = [p for raw in candidates for seg in raw for p in seg]
    if not all_points:
        extra = (f"; it holds {len(gpx.waypoints)} waypoint(s): import them as POIs with "
                 "`balise poi import --format gpx`") if gpx.waypoints else " (add a <trk> or <rte> to the file)"
        raise GPXError(f"{label}: no track or route points{extra}")
    _check_coords(all_points, label)

    segments: list[list[Point]] = []
    for raw in candidates:  # tracks first, else routes
        segments = clean_segments(raw)
        if segments:
            break
    if not segments:
        distinct = {(p[0], p[1]) for p in all_points}
        if len(distinct) == 1 and len(all_points) > 1:
            raise TraceError(f"{label}: all {len(all_points)} points are at the same place; "
                             "a trail needs a trace that moves")
        raise TraceError(f"{label}: a single point cannot make a trail; the trace needs at least two")

    has_elevation = any(p[2] is not None for seg in segments for p in seg)
    names = [gpx.name] + [t.name for t in gpx.tracks] + [r.name for r in gpx.routes]
    descriptions = [gpx.description] + [t.description for t in gpx.tracks] + [r.description for r in gpx.routes]
    name = next((n.strip() for n in names if n and n.strip()), "")
    description = next((d.strip() for d in descriptions if d and d.strip()), "")
    return Trace(name=name, description=description, segments=segments, has_elevation=has_elevation,
                 waypoints_count=len(gpx.waypoints))
