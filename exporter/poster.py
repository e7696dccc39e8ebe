"""Printable trailhead poster (SVG, A4 or A3): figures, a small map, the QR code, FR + EN.

The poster is plain SVG with sizes in millimetres, so it prints at true scale
from any browser or vector tool. It carries, in French and English through
:mod:`poi.i18n`: the circuit name, length, duration, difficulty, D+, a map of
the trace with its start and stops, and the QR code leading to the offline
bundle with "scan to download — works without network".
"""
from __future__ import annotations

from html import escape
from typing import Sequence

from exporter.errors import ExportError
from exporter.qr import matrix, svg_path
from poi.geo import Projector
from poi.i18n import gettext as _
from poi.i18n import language

SIZES_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
DIFFICULTY_LABELS = {"very_easy": "very easy", "easy": "easy", "medium": "medium", "hard": "hard",
                     "very_hard": "very hard"}


def format_duration(minutes: int) -> str:
    """``150`` -> ``'2 h 30'``; ``45`` -> ``'45 min'``.

    >>> format_duration(150), format_duration(45), format_duration(120)
    ('2 h 30', '45 min', '2 h')
    """
    h, m = divmod(int(round(minutes)), 60)
    if h == 0:
        return f"{m} min"
    return f"{h} h {m:02d}" if m else f"{h} h"


def _map_svg(segments, stops, x: float, y: float, w: float, h: float) -> str:
    pts = [p for seg in segments for p in seg]
    if len(pts) < 2:
        raise ExportError("the trail has no trace to draw on the poster")
    proj = Projector.for_coords(pts)
    xs, ys = proj.to_metric([p[0] for p in pts], [p[1] for p in pts])
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    span = max(maxx - minx, maxy - miny, 1.0)
    scale = min(w, h) * 0.9 / span
    ox = x + (w - (maxx - minx) * scale) / 2
    oy = y + (h - (maxy - miny) * scale) / 2

    def tx(px, py):
        return ox + (px - minx) * scale, oy + (maxy - py) * scale  # y grows downwards in SVG

    out = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#f4f1ea" stroke="#999" stroke-width="0.3"/>']
    i = 0
    for seg in segments:
        coords = []
        for _p in seg:
            coords.append("{:.2f},{:.2f}".format(*tx(xs[i], ys[i])))
            i += 1
        out.append(f'<polyline points="{" ".join(coords)}" fill="none" stroke="#b3261e" stroke-width="1.2" '
                   'stroke-linejoin="round" stroke-linecap="round"/>')
    for n, st in enumerate(stops, start=1):
        sx, sy = proj.to_metric(st.poi.lon, st.poi.lat)
        cx, cy = tx(sx, sy)
        out.append(f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="2.2" fill="#1d4f91"/>'
                   f'<text x="{cx:.2f}" y="{cy + 1:.2f}" font-size="2.6" text-anchor="middle" fill="#fff">{n}</text>')
    sx, sy = tx(xs[0], ys[0])
    out.append(f'<circle cx="{sx:.2f}" cy="{sy:.2f}" r="3" fill="#1b7f3b" stroke="#fff" stroke-width="0.6"/>')
    # scale bar: a round number of metres close to a quarter of the map width
    target = span / 4
    bar_m = next(v for v in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 1e9)
                 if v >= target)
    bar = bar_m * scale
    out.append(f'<path d="M{x + 4},{y + h - 4}h{bar:.2f}" stroke="#000" stroke-width="0.8"/>'
               f'<text x="{x + 4}" y="{y + h - 6}" font-size="3">'
               f'{bar_m / 1000:g} km</text>' if bar_m >= 1000 else
               f'<path d="M{x + 4},{y + h - 4}h{bar:.2f}" stroke="#000" stroke-width="0.8"/>'
               f'<text x="{x + 4}" y="{y + h - 6}" font-size="3">{bar_m:g} m</text>')
    return "\n".join(out)


def _wrap(text: str) -> list[str]:
    """Split a message at its dash so that it fits beside the QR code.

    >>> _wrap("Scan to download — works without network")
    ['Scan to download —', 'works without network']
    """
    head, sep, tail = text.partition(" — ")
    return [head + " —", tail] if sep else [text]


def _both(message: str, **params) -> tuple[str, str]:
    with language("fr"):
        fr = _(message, **params)
    with language("en"):
        en = _(message, **params)
    return fr, en


def export(trail, stops: Sequence = (), *, url: str, size: str = "A4") -> str:
    """Trailhead poster as SVG text.

    ``trail`` is a :class:`trails.models.Trail`, ``stops`` its
    :class:`trails.models.TrailStop` list, ``url`` what the QR code encodes.
    """
    if size not in SIZES_MM:
        raise ExportError(f"poster size {size!r}: use A4 or A3")
    W, H = SIZES_MM[size]
    k = W / 210.0  # everything scales with the page width
    m = 12 * k
    qr = matrix(url, level="Q")
    qr_mm = 62 * k
    module = qr_mm / len(qr)
    name = escape(trail.name)
    diff_fr, diff_en = _both(DIFFICULTY_LABELS.get(trail.difficulty, trail.difficulty))
    scan_fr, scan_en = _both("Scan to download — works without network")
    figures = [
        (f"{trail.length_m / 1000:.1f} km".replace(".", ","), "{} / {}".format(*_both("length"))),
        (format_duration(trail.duration_min), "{} / {}".format(*_both("duration"))),
        (f"{round(trail.ascent_m):d} m", "{} / {}".format(*_both("ascent"))),
        (f"{diff_fr} / {diff_en}", "{} / {}".format(*_both("difficulty"))),
    ]
    svg = [f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
           f'width="{W}mm" height="{H}mm" viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Arial, sans-serif">',
           f'<rect width="{W}" height="{H}" fill="#fff"/>',
           f'<rect x="0" y="0" width="{W}" height="{26 * k}" fill="#b3261e"/>',
           f'<text x="{m}" y="{17 * k}" font-size="{11 * k}" font-weight="bold" fill="#fff">{name}</text>']
    fy = 38 * k
    col = (W - 2 * m) / 4
    for i, (value, label) in enumerate(figures):
        fx = m + i * col
        svg.append(f'<text x="{fx}" y="{fy}" font-size="{(7 if i < 3 else 4.2) * k}" font-weight="bold">'
                   f'{escape(value)}</text><text x="{fx}" y="{fy + 6 * k}" font-size="{3.4 * k}" fill="#444">'
                   f'{escape(label)}</text>')
    map_y = 50 * k
    map_h = H - map_y - qr_mm - 40 * k
    svg.append(_map_svg(trail.segments, stops, m, map_y, W - 2 * m, map_h))
    qy = H - qr_mm - 30 * k
    svg.append(f'<rect x="{m}" y="{qy}" width="{qr_mm}" height="{qr_mm}" fill="#fff"/>')
    svg.append(f'<path fill="#000" shape-rendering="crispEdges" d="{svg_path(qr, x0=m, y0=qy, module=module)}"/>')
    tx = m + qr_mm + 8 * k
    line_y = qy + 10 * k
    for text, size, weight in ((scan_fr, 6.2, "bold"), (scan_en, 5.2, "normal")):
        for part in _wrap(text):  # "Scan to download — works without network" on two lines
            svg.append(f'<text x="{tx}" y="{line_y:.2f}" font-size="{size * k:.2f}" font-weight="{weight}">'
                       f'{escape(part)}</text>')
            line_y += size * 1.3 * k
        line_y += 3 * k
    svg.append(f'<text x="{tx}" y="{line_y + 2 * k:.2f}" font-size="{3.2 * k:.2f}" fill="#444">{escape(url)}</text>')
    credits = "; ".join(dict.fromkeys(c for c in [trail.attribution, trail.licence] +
                                      [s.poi.attribution for s in stops] if c))
    if credits:
        svg.append(f'<text x="{m}" y="{H - 8 * k}" font-size="{2.8 * k}" fill="#555">{escape(credits[:220])}</text>')
    svg.append("</svg>\n")
    return "\n".join(svg)
