"""QR codes for trailheads and POI panels (SVG or PNG), error correction M or better.

The trailhead code points to the circuit's offline bundle
(``<base>/trails/<id>/bundle/``); a POI panel's code is a deep link into the
bundle (``index.html#poi=<id>``) that opens that POI's card.
"""
from __future__ import annotations

import functools
import io
from typing import Sequence

import qrcode
import qrcode.constants

from exporter.errors import ExportError

LEVELS = {
    "M": qrcode.constants.ERROR_CORRECT_M,  # ~15 % of the code may be damaged
    "Q": qrcode.constants.ERROR_CORRECT_Q,  # ~25 %
    "H": qrcode.constants.ERROR_CORRECT_H,  # ~30 %: panels outdoors, stickers, dirt
}


def bundle_url(base_url: str, trail_id: int) -> str:
    """Where a trail's offline bundle is served (the web contract ``/trails/<id>/bundle/``).

    >>> bundle_url("https://rando.example.fr/", 12)
    'https://rando.example.fr/trails/12/bundle/'
    """
    return f"{base_url.rstrip('/')}/trails/{int(trail_id)}/bundle/"


def poi_deep_link(bundle: str, poi_id: int) -> str:
    """Deep link opening one POI's card in a bundle.

    >>> poi_deep_link("https://rando.example.fr/trails/12/bundle/", 7)
    'https://rando.example.fr/trails/12/bundle/index.html#poi=7'
    """
    if not bundle.endswith("/"):
        bundle = bundle.rsplit("/", 1)[0] + "/" if bundle.endswith(".html") else bundle + "/"
    return f"{bundle}index.html#poi={int(poi_id)}"


def matrix(data: str, *, level: str = "M") -> list[list[bool]]:
    """The QR modules of ``data`` (True = dark), quiet zone of 4 modules included.

    >>> m = matrix("https://example.org/")
    >>> len(m) == len(m[0]) and len(m) >= 29
    True
    """
    if not data:
        raise ExportError("a QR code needs a URL")
    if level not in LEVELS:
        raise ExportError(f"error correction {level!r}: use one of {', '.join(LEVELS)} (M or better)")
    return [list(row) for row in _modules(data, level)]


@functools.lru_cache(maxsize=256)
def _modules(data: str, level: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of one code, computed once (a circuit's PNG, SVG and two posters share one URL)."""
    qr = qrcode.QRCode(error_correction=LEVELS[level], border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def svg_path(modules: Sequence[Sequence[bool]], *, x0: float = 0, y0: float = 0, module: float = 1) -> str:
    """An SVG path ``d`` drawing the dark modules, one rectangle per horizontal run.

    >>> svg_path([[True, True, False, True]])
    'M0,0h2v1h-2z M3,0h1v1h-1z'
    """
    parts = []
    for r, row in enumerate(modules):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                w = (c - start) * module
                parts.append(f"M{_n(x0 + start * module)},{_n(y0 + r * module)}h{_n(w)}v{_n(module)}h{_n(-w)}z")
            else:
                c += 1
    return " ".join(parts)


def _n(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def qr_svg(data: str, *, level: str = "M", size_mm: float = 40.0) -> str:
    """A standalone SVG QR code, ``size_mm`` wide (quiet zone included)."""
    m = matrix(data, level=level)
    n = len(m)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_mm}mm" height="{size_mm}mm" '
            f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
            f'<rect width="{n}" height="{n}" fill="#fff"/>'
            f'<path fill="#000" d="{svg_path(m)}"/></svg>\n')


def qr_png(data: str, *, level: str = "M", box_px: int = 10) -> bytes:
    """A PNG QR code, ``box_px`` pixels per module."""
    m = matrix(data, level=level)
    from PIL import Image

    n = len(m)
    img = Image.new("1", (n, n), 1)
    img.putdata([0 if dark else 1 for row in m for dark in row])
    img = img.resize((n * box_px, n * box_px), Image.NEAREST)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def export(trail, stops=(), *, url: str, fmt: str = "svg", level: str = "M") -> bytes | str:
    """QR code of ``url`` for a trail (the exporter shape): SVG text or PNG bytes.

    >>> export(None, url="https://example.org/trails/1/bundle/").startswith("<?xml")
    True
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "svg":
        return qr_svg(url, level=level)
    if fmt == "png":
        return qr_png(url, level=level)
    raise ExportError(f"QR format {fmt!r}: use .svg or .png")
