"""The map of a trailhead poster: the offline basemap, the trace, its start and its stops, in millimetres.

The basemap is what the bundle's offline map draws (:mod:`exporter.offline_map`): the map ways of
the database (paths, roads, water, woods, buildings: an OSM import provides them) clipped to the
trail's corridor, in the colours of :data:`exporter.map_vector.STYLES`, lightened, simplified to
what a printer can show (a quarter of a millimetre) and clipped to the map's frame.
"""
from __future__ import annotations

from collections.abc import Sequence

from exporter.errors import ExportError
from exporter.offline_map import CORRIDOR_M, STYLES, Corridor, clip_ways
from poi.geo import Projector

#: Width on paper of one Leaflet pixel of :data:`STYLES` (mm), at A4.
MM_PER_WEIGHT = 0.2
#: Opacity of the basemap under the trace: light colours, the trace reads first.
BASEMAP_OPACITY = 0.65
#: Map ways below this length or area on paper (mm, mm²) are left out.
MIN_MM = 0.4
STORY_FILL, SERVICE_FILL, START_FILL, TRACE = "#1d4f91", "#6b6b6b", "#1b7f3b", "#b3261e"


class Frame:
    """Metric coordinates of a trace's projection -> millimetres in a map frame ``(x, y, w, h)`` that shows
    the trace and the ``lonlats`` (its stops); ``corridor`` (for a basemap) has the same projection."""

    def __init__(self, segments, x: float, y: float, w: float, h: float, lonlats=(), corridor: Corridor | None = None):
        self.corridor, self.x, self.y, self.w, self.h = corridor, x, y, w, h
        points = [p for seg in segments for p in seg] + [tuple(p) for p in lonlats]  # the stops are on the map too
        # the corridor's projection (the same for the same trace), without its costly buffer when there is no basemap
        self.projector = corridor.projector if corridor else Projector.for_coords([p for seg in segments for p in seg])
        xs, ys = self.projector.to_metric([p[0] for p in points], [p[1] for p in points])
        minx, miny, maxx, maxy = min(xs), min(ys), max(xs), max(ys)
        self.scale = min(w / max(maxx - minx, 1.0), h / max(maxy - miny, 1.0)) * 0.9
        self.ox = x + (w - (maxx - minx) * self.scale) / 2 - minx * self.scale
        self.oy = y + (h - (maxy - miny) * self.scale) / 2 + maxy * self.scale

    def xy(self, px: float, py: float) -> tuple[float, float]:
        return self.ox + px * self.scale, self.oy - py * self.scale  # y grows downwards in SVG

    def lonlat(self, lon: float, lat: float) -> tuple[float, float]:
        return self.xy(*self.projector.to_metric(lon, lat))

    def points(self, coords) -> str:
        """Metric coordinates -> SVG points."""
        return " ".join("{:.2f},{:.2f}".format(*self.xy(px, py)) for px, py, *_z in coords)

    def lonlat_points(self, coords) -> str:
        xs, ys = self.projector.to_metric([c[0] for c in coords], [c[1] for c in coords])
        return self.points(zip(xs, ys))


def _ring(frame: Frame, ring) -> str:
    return "M" + frame.points(ring.coords).replace(" ", "L") + "Z"


def basemap_svg(frame: Frame, ways, k: float) -> str:
    """SVG of the map ways in the frame's corridor ("" when there are none), drawn in STYLES' order."""
    clipped = clip_ways(ways, frame.corridor)
    if not clipped:
        return ""
    order = {kind: i for i, kind in enumerate(STYLES)}
    tolerance = 0.25 / frame.scale  # metres that make a quarter of a millimetre
    out = []
    for kind, geom in sorted(clipped, key=lambda kg: order[kg[0]]):
        style = STYLES[kind]
        geom = geom.simplify(tolerance)
        if style.get("area"):
            if geom.area * frame.scale ** 2 < MIN_MM ** 2:
                continue
            polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
            d = "".join(_ring(frame, r) for p in polys for r in (p.exterior, *p.interiors))
            if not d:
                continue
            stroke = (f' stroke="{style["color"]}" stroke-width="{style.get("weight", 1) * MM_PER_WEIGHT * k:.2f}"'
                      if style.get("stroke", True) and style.get("color") else ' stroke="none"')
            out.append(f'<path d="{d}" fill="{style["fillColor"]}" fill-rule="evenodd"{stroke}/>')
            continue
        if geom.length * frame.scale < MIN_MM:
            continue
        lines = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "LineString" and not g.is_empty]
        width = style.get("weight", 1) * MM_PER_WEIGHT * k
        dash = style.get("dashArray")
        dash = (' stroke-dasharray="' + " ".join(f"{float(v) * MM_PER_WEIGHT * k:.2f}" for v in dash.split()) + '"'
                if dash else "")
        for line in lines:
            pts = frame.points(line.coords)
            if style.get("casing"):
                out.append(f'<polyline points="{pts}" fill="none" stroke="{style["casing"]}" '
                           f'stroke-width="{width + 0.3 * k:.2f}" stroke-linecap="round" stroke-linejoin="round"/>')
            out.append(f'<polyline points="{pts}" fill="none" stroke="{style["color"]}" stroke-width="{width:.2f}" '
                       f'stroke-linecap="round" stroke-linejoin="round"{dash}/>')
    if not out:
        return ""
    return f'<g class="basemap" opacity="{BASEMAP_OPACITY}">' + "\n".join(out) + "</g>"


def _scale_bar(frame: Frame, k: float) -> str:
    # a round number of metres close to a quarter of the map width
    target = frame.w / frame.scale / 4
    bar_m = next(v for v in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 1e9)
                 if v >= target)
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    x, y = frame.x + 4 * k, frame.y + frame.h - 4 * k
    return (f'<rect x="{x - 1.5 * k:.2f}" y="{y - 6.5 * k:.2f}" width="{bar_m * frame.scale + 3 * k:.2f}" '
            f'height="{8 * k:.2f}" fill="#fff" opacity="0.8"/>'
            f'<path d="M{x:.2f},{y:.2f}h{bar_m * frame.scale:.2f}" stroke="#000" stroke-width="{0.8 * k:.2f}"/>'
            f'<text x="{x:.2f}" y="{y - 2 * k:.2f}" font-size="{3 * k:.2f}">{label}</text>')


def map_svg(segments: Sequence, stops: Sequence, numbers: Sequence[int | None], box: tuple[float, float, float, float],
            *, ways=(), k: float = 1.0) -> str:
    """The poster's map in ``box`` (x, y, w, h in mm): basemap (``ways``: map ways of the corridor,
    anything with ``kind`` and a GeoJSON ``geometry``), trace, start, stops (``numbers[i]``: the
    story number of ``stops[i]``, None for a service)."""
    if sum(len(seg) for seg in segments) < 2:
        raise ExportError("the trail has no trace to draw on the poster")
    x, y, w, h = box
    frame = Frame(segments, x, y, w, h, [(s.poi.lon, s.poi.lat) for s in stops],
                  corridor=Corridor.of_segments(segments, CORRIDOR_M) if ways else None)
    out = [f'<clipPath id="poster-map"><rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}"/></clipPath>',
           f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="#f4f1ea"/>',
           '<g clip-path="url(#poster-map)">']
    base = basemap_svg(frame, ways, k) if ways else ""
    if base:
        out.append(base)
    for seg in segments:
        if seg:
            out.append(f'<polyline points="{frame.lonlat_points(seg)}" fill="none" stroke="{TRACE}" '
                       f'stroke-width="{1.2 * k:.2f}" stroke-linejoin="round" stroke-linecap="round"/>')
    start = frame.lonlat(*segments[0][0][:2]) if segments[0] else frame.lonlat(*next(s for s in segments if s)[0][:2])
    out.append(f'<circle cx="{start[0]:.2f}" cy="{start[1]:.2f}" r="{3 * k:.2f}" fill="{START_FILL}" '
               f'stroke="#fff" stroke-width="{0.6 * k:.2f}"/>')
    story = []
    for item, n in zip(stops, numbers):
        cx, cy = frame.lonlat(item.poi.lon, item.poi.lat)
        if n is None:
            out.append(f'<circle class="service" cx="{cx:.2f}" cy="{cy:.2f}" r="{1.1 * k:.2f}" fill="{SERVICE_FILL}" '
                       f'stroke="#fff" stroke-width="{0.3 * k:.2f}"/>')
        else:
            story.append((cx, cy, n))
    for cx, cy, n in story:  # numbered stops on top of everything
        out.append(f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="{2.2 * k:.2f}" fill="{STORY_FILL}" stroke="#fff" '
                   f'stroke-width="{0.3 * k:.2f}"/><text x="{cx:.2f}" y="{cy + 0.95 * k:.2f}" font-size="{2.6 * k:.2f}" '
                   f'text-anchor="middle" fill="#fff">{n}</text>')
    out.append("</g>")
    out.append(_scale_bar(frame, k))
    out.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="none" stroke="#999" '
               f'stroke-width="0.3"/>')
    return "\n".join(out)
