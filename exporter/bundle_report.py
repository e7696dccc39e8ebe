"""Sizes of an offline bundle (:mod:`exporter.bundle`): by part, raw and gzipped, the 3G download time, the budget.

A bundle's files fall into five parts (:func:`part_of`): the app ``shell``, the trail ``data``
(``trail.json``, ``trail.gpx``), the ``map`` (Leaflet, ``map.json``, ``basemap.js``, tiles), the
``media`` and the ``single`` file ``trail.html``. Sizes are counted raw and gzip-compressed at
level 9 (as a web server would send them); 1 KB is 1000 bytes. :func:`report_of` makes the
:class:`BundleReport` that ``balise export bundle`` prints with :func:`format_report`.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from poi.i18n import gettext as _

#: 3G download speed used for the download-time estimate (384 kbit/s, UMTS release 99).
SPEED_3G_BPS = 384_000
#: Parts of a bundle, for size reports.
PARTS = ("shell", "data", "map", "media", "single")
#: Files of the offline map besides Leaflet and the tiles.
MAP_FILES = ("map.json", "basemap.js")


@dataclass(slots=True)
class PartSize:
    """Bytes of a part of a bundle, raw and gzip-compressed (level 9, as a web server would send it)."""

    raw_bytes: int = 0
    gzip_bytes: int = 0


@dataclass(slots=True)
class BundleReport:
    """What :func:`exporter.bundle.export` wrote: sizes by part, the 3G download time, budget warnings.

    1 KB is 1000 bytes. ``total`` is what the phone downloads and keeps for offline use: every
    file but the single-file copy ``trail.html`` (its own download, never kept twice).
    """

    out_dir: Path
    files: dict[str, int]
    parts: dict[str, PartSize]
    total: PartSize
    budget_kb: float
    zip_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    map_parts: dict[str, PartSize] = field(default_factory=dict)  # the map part: leaflet, vector, tiles

    @property
    def download_3g_s(self) -> float:
        """Seconds to download the gzipped bundle at 384 kbit/s."""
        return download_seconds(self.total.gzip_bytes)

    @property
    def over_budget(self) -> bool:
        return self.total.gzip_bytes > self.budget_kb * 1000


def download_seconds(size_bytes: int, bits_per_s: int = SPEED_3G_BPS) -> float:
    """Seconds to download ``size_bytes`` at ``bits_per_s`` (default 3G, 384 kbit/s).

    >>> download_seconds(48_000)
    1.0
    """
    return size_bytes * 8 / bits_per_s


def part_of(path: str) -> str:
    """The part of the bundle a file belongs to.

    >>> [part_of(p) for p in ("index.html", "trail.json", "leaflet.js", "media/ab.jpg", "trail.html")]
    ['shell', 'data', 'map', 'media', 'single']
    >>> [part_of(p) for p in ("map.json", "basemap.js", "tiles/15/16525/12123.png")]
    ['map', 'map', 'map']
    """
    if path.startswith("media/"):
        return "media"
    if path.startswith(("leaflet.", "tiles/")) or path in MAP_FILES:
        return "map"
    if path in ("trail.json", "trail.gpx"):
        return "data"
    if path == "trail.html":
        return "single"
    return "shell"


def measure(files: dict[str, bytes]) -> tuple[dict[str, PartSize], PartSize]:
    """Sizes of a bundle's files by part, raw and gzipped; the total leaves out the ``single`` part
    (``trail.html`` is a download of its own, the app never keeps it).

    >>> parts, total = measure({"index.html": b"x" * 1000, "trail.json": b"{}", "trail.html": b"y" * 50})
    >>> parts["shell"].raw_bytes, parts["single"].raw_bytes, total.raw_bytes, total.gzip_bytes < total.raw_bytes
    (1000, 50, 1002, True)
    """
    parts = {name: PartSize() for name in PARTS}
    total = PartSize()
    for path, data in files.items():
        gz = len(gzip.compress(data, 9, mtime=0))
        part = part_of(path)
        for size in (parts[part], total) if part != "single" else (parts[part],):
            size.raw_bytes += len(data)
            size.gzip_bytes += gz
    return parts, total


def measure_map(files: dict[str, bytes]) -> dict[str, PartSize]:
    """Sizes of the map part: ``leaflet`` (JS, CSS), ``vector`` (``map.json``, ``basemap.js``), ``tiles``.

    >>> sizes = measure_map({"leaflet.js": b"L" * 100, "tiles/1/0/0.png": b"png", "index.html": b"x"})
    >>> sizes["leaflet"].raw_bytes, sizes["vector"].raw_bytes, sizes["tiles"].raw_bytes
    (100, 0, 3)
    """
    sizes = {"leaflet": PartSize(), "vector": PartSize(), "tiles": PartSize()}
    for path, data in files.items():
        if part_of(path) != "map":
            continue
        size = sizes["tiles" if path.startswith("tiles/") else "leaflet" if path.startswith("leaflet.") else "vector"]
        size.raw_bytes += len(data)
        size.gzip_bytes += len(gzip.compress(data, 9, mtime=0))
    return sizes


def report_of(out_dir: Path, files: dict[str, bytes], *, budget_kb: float, zip_path: Path | None = None,
              warnings: list[str] | None = None) -> BundleReport:
    """The report of a bundle written to ``out_dir``; a warning when it is over ``budget_kb`` KB gzipped.

    >>> import random
    >>> from poi.i18n import language
    >>> with language("en"):  # 2048 random bytes do not compress
    ...     report = report_of(Path("b"), {"media/a.jpg": random.Random(1).randbytes(2048)}, budget_kb=1)
    >>> report.total.raw_bytes, report.over_budget, report.warnings
    (2048, True, ['bundle is 2 KB gzipped, over the budget of 1 KB'])
    """
    parts, total = measure(files)
    report = BundleReport(Path(out_dir), {p: len(d) for p, d in files.items()}, parts, total, budget_kb, zip_path,
                          list(warnings or []), measure_map(files))
    if report.over_budget:
        report.warnings.append(_("bundle is {size} KB gzipped, over the budget of {budget} KB",
                                 size=round(total.gzip_bytes / 1000), budget=round(budget_kb)))
    return report


def format_report(report: BundleReport, *, warnings: bool = True) -> str:
    """Sizes by part, total, 3G download time and (unless ``warnings=False``) warnings, one line each.

    >>> from poi.i18n import language
    >>> parts, total = measure({"index.html": b"<p>" * 2000})
    >>> report = BundleReport(Path("b"), {"index.html": 6000}, parts, total, budget_kb=3000)
    >>> with language("en"):
    ...     print(format_report(report).splitlines()[0])
    app shell: 6.0 KB, 0.0 KB gzipped
    """
    labels = {"shell": _("app shell"), "data": _("trail data"), "map": _("map (Leaflet)"),
              "media": _("media"), "single": _("single file trail.html")}
    lines = [_("{part}: {raw} KB, {gz} KB gzipped", part=labels[name], raw=_kb(size.raw_bytes),
               gz=_kb(size.gzip_bytes)) for name, size in report.parts.items()]
    detail = report.map_parts
    if detail and (detail["vector"].raw_bytes or detail["tiles"].raw_bytes):
        tiles = sum(1 for p in report.files if p.startswith("tiles/"))
        line = _("  of which Leaflet {leaflet} KB, vector map {vector} KB, {n} tiles {tiles} KB (gzipped)",
                 leaflet=_kb(detail["leaflet"].gzip_bytes), vector=_kb(detail["vector"].gzip_bytes), n=tiles,
                 tiles=_kb(detail["tiles"].gzip_bytes))
        lines.insert(list(report.parts).index("map") + 1, line)
    lines.append(_("total: {raw} KB, {gz} KB gzipped, {n} files", raw=_kb(report.total.raw_bytes),
                   gz=_kb(report.total.gzip_bytes), n=len(report.files)))
    lines.append(_("download at 3G (384 kbit/s): {s} s", s=f"{report.download_3g_s:.1f}"))
    if warnings:
        lines += [_("warning: {text}", text=w) for w in report.warnings]
    return "\n".join(lines)


def _kb(size: int) -> str:
    return f"{size / 1000:.1f}"


__all__ = ["MAP_FILES", "PARTS", "SPEED_3G_BPS", "BundleReport", "PartSize", "download_seconds", "format_report",
           "measure", "measure_map", "part_of", "report_of"]
