"""Printable trailhead poster (SVG or PDF, A4 or A3): figures, a map, the story stops, the QR code, FR + EN.

The poster is plain SVG with sizes in millimetres, so it prints at true scale
from any browser or vector tool; :func:`to_pdf` makes the print-ready PDF of it
(cairosvg). It carries, in French and English through :mod:`poi.i18n`: the
circuit name (wrapped and shrunk to fit, :mod:`exporter.poster_text`), length,
duration, difficulty, D+, a map of the trace over the offline basemap (the
database's OSM ways in the bundle's corridor, :mod:`exporter.offline_map`) with
its start and numbered story stops (numbered as in the bundle; services are
dots without number), the list of those stops by name beside the map, and the
QR code leading to the offline bundle with "scan to download — works without
network". Every text stays within the page margins.
"""
from __future__ import annotations

import math
from html import escape
from typing import Sequence

from exporter.bundle import story_numbers
from exporter.errors import ExportError
from exporter.offline_map import CORRIDOR_M, OSM_CREDIT
from exporter.poster_map import STORY_FILL, map_svg
from exporter.poster_text import fit
from exporter.qr import matrix, svg_path
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


def _both(message: str, **params) -> tuple[str, str]:
    with language("fr"):
        fr = _(message, **params)
    with language("en"):
        en = _(message, **params)
    return fr, en


def _lines(x: float, y: float, lines: Sequence[str], size: float, *, bold: bool = False, fill: str = "#000",
           step: float = 1.2) -> tuple[list[str], float]:
    """One ``<text>`` per line from baseline ``y``; returns them and the baseline after the last."""
    weight = ' font-weight="bold"' if bold else ""
    out = []
    for line in lines:
        out.append(f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}"{weight} fill="{fill}">{escape(line)}</text>')
        y += size * step
    return out, y


def _stop_list(stops, numbers, x: float, y: float, w: float, h: float, k: float) -> list[str]:
    """The numbered story stops by name in the box (x, y, w, h): fonts shrink to fit, then "+ N"."""
    story = [(n, item.poi.name) for item, n in zip(stops, numbers) if n is not None]
    head = "{} / {}".format(*_both("Stops"))
    hsize, hlines = fit(head, w, 4.2 * k, min_size=3 * k, max_lines=1, bold=True)
    out, top = _lines(x, y + hsize, hlines, hsize, bold=True)
    top += 1.5 * k - hsize * 1.2 + hsize * 0.3
    for size in (3.4, 3.1, 2.8, 2.5, 2.2):
        size *= k
        entries = [fit(name, w - 6 * k, size, min_size=size, max_lines=2) for _n, name in story]
        heights = [len(lines) * size * 1.2 + 1.2 * k for _s, lines in entries]
        if top + sum(heights) <= y + h or size <= 2.2 * k:
            break
    cy = top
    for i, ((n, _name), (size, lines)) in enumerate(zip(story, entries)):
        if cy + heights[i] > y + h - (size * 1.6 if i < len(story) - 1 else 0):
            more, _y = _lines(x, cy + size, [f"+ {len(story) - i}"], size, bold=True)
            out += more
            break
        r = 1.9 * k
        out.append(f'<circle cx="{x + r:.2f}" cy="{cy + size * 0.62:.2f}" r="{r:.2f}" fill="{STORY_FILL}"/>'
                   f'<text x="{x + r:.2f}" y="{cy + size * 0.62 + 0.85 * k:.2f}" font-size="{2.4 * k:.2f}" '
                   f'text-anchor="middle" fill="#fff">{n}</text>')
        texts, cy = _lines(x + 6 * k, cy + size, lines, size)
        out += texts
        cy += 1.2 * k - size * 0.2
    return out


def export(trail, stops: Sequence = (), *, url: str, size: str = "A4", ways=()) -> str:
    """Trailhead poster as SVG text.

    ``trail`` is a :class:`trails.models.Trail`, ``stops`` its
    :class:`trails.models.TrailStop` list, ``url`` what the QR code encodes,
    ``ways`` the map ways under the trace (:func:`poster_ways`; none: a plain background).
    """
    if size not in SIZES_MM:
        raise ExportError(f"poster size {size!r}: use A4 or A3")
    W, H = SIZES_MM[size]
    k = W / 210.0  # everything scales with the page width
    m = 12 * k
    inner = W - 2 * m
    stops = [s for s in stops if s.stop.status not in ("removed", "proposed")]
    numbers = story_numbers(stops)
    qr = matrix(url, level="Q")
    qr_mm = 62 * k
    module = qr_mm / len(qr)
    # The title: up to 2 lines at 11 mm down to 7.5 mm, else 3 lines down to 5 mm.
    tsize, title = fit(trail.name, inner, 11 * k, min_size=7.5 * k, max_lines=2, bold=True)
    if title[-1].endswith("…"):
        tsize, title = fit(trail.name, inner, 7.5 * k, min_size=5 * k, max_lines=3, bold=True)
    band = 6 * k + tsize * (1.2 * len(title) + 0.1) + 4 * k
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
           f'<rect x="0" y="0" width="{W}" height="{band:.2f}" fill="#b3261e"/>']
    svg += _lines(m, 6 * k + tsize * 0.95, title, tsize, bold=True, fill="#fff")[0]
    fy = band + 12 * k
    col = inner / 4
    for i, (value, label) in enumerate(figures):
        fx = m + i * col
        vsize, vlines = fit(value, col - 2 * k, (7 if i < 3 else 4.2) * k, min_size=3.4 * k, max_lines=1, bold=True)
        if vlines[-1].endswith("…") and " / " in value:  # "très difficile /" over "very hard"
            head, _sep, tail = value.partition(" / ")
            halves = [fit(part, col - 2 * k, 4.2 * k, min_size=2.8 * k, max_lines=1, bold=True)
                      for part in (head + " /", tail)]
            vsize, vlines = min(size for size, _l in halves), [lines[0] for _s, lines in halves]
        svg += _lines(fx, fy - (len(vlines) - 1) * vsize * 1.1, vlines, vsize, bold=True, step=1.1)[0]
        lsize, llines = fit(label, col - 2 * k, 3.4 * k, min_size=2.4 * k, max_lines=1)
        svg += _lines(fx, fy + 6 * k, llines, lsize, fill="#444")[0]
    map_y = fy + 12 * k
    map_h = H - map_y - qr_mm - 40 * k
    list_w = inner * 0.36 if any(n is not None for n in numbers) else 0
    map_w = inner - list_w - (5 * k if list_w else 0)
    svg.append(map_svg(trail.segments, stops, numbers, (m, map_y, map_w, map_h), ways=ways, k=k))
    if list_w:
        svg += _stop_list(stops, numbers, m + map_w + 5 * k, map_y, list_w, map_h, k)
    qy = H - qr_mm - 30 * k
    svg.append(f'<rect x="{m}" y="{qy}" width="{qr_mm}" height="{qr_mm}" fill="#fff"/>')
    svg.append(f'<path fill="#000" shape-rendering="crispEdges" d="{svg_path(qr, x0=m, y0=qy, module=module)}"/>')
    tx = m + qr_mm + 8 * k
    text_w = W - m - tx
    line_y = qy + 10 * k
    for text, tsz, bold in ((scan_fr, 6.2, True), (scan_en, 5.2, False)):
        fsize, parts = fit(text, text_w, tsz * k, min_size=3.5 * k, max_lines=3, bold=bold)
        texts, line_y = _lines(tx, line_y, parts, fsize, bold=bold, step=1.3)
        svg += texts
        line_y += 3 * k
    usize, ulines = fit(url, text_w, 3.2 * k, min_size=2.2 * k, max_lines=3)
    svg += _lines(tx, line_y + 2 * k, ulines, usize, fill="#444")[0]
    credits = "; ".join(dict.fromkeys(c for c in [trail.attribution, trail.licence] +
                                      [s.poi.attribution for s in stops] if c))
    if ways and "OpenStreetMap" not in credits:
        credits = "; ".join(c for c in (credits, OSM_CREDIT) if c)
    if credits:
        csize, clines = fit(credits, inner, 2.8 * k, min_size=2.2 * k, max_lines=3)
        svg += _lines(m, H - 10 * k - (len(clines) - 1) * csize * 1.2, clines, csize, fill="#555")[0]
    svg.append("</svg>\n")
    return "\n".join(svg)


def poster_ways(db, trail) -> list:
    """The map ways of ``db`` around the trail (what the bundle's offline map draws); [] without any."""
    points = [p for seg in trail.segments for p in seg]
    if db is None or len(points) < 2:
        return []
    from poi.network import ways_in_bbox

    # the box of the corridor (:class:`exporter.offline_map.Corridor`), widened a little: its ways are clipped to it
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    dlat = CORRIDOR_M * 1.05 / 111_000
    dlon = dlat / max(math.cos(math.radians(max(abs(min(lats)), abs(max(lats))))), 0.01)
    return ways_in_bbox(db, (min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat))


def to_pdf(svg: str) -> bytes:
    """The print-ready PDF of a poster's SVG (page of the SVG's size: A4 or A3), through cairosvg."""
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # OSError: cairosvg is there but the cairo library is not
        raise ExportError(_("PDF posters need cairosvg and the cairo library: {error}", error=exc)) from exc
    return cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), unsafe=False)
