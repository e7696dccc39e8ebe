"""Text that fits on a poster: widths measured, lines wrapped, fonts shrunk, never past a given width.

Widths come from Pillow's :class:`PIL.ImageFont` with the DejaVu Sans font the poster names
(``font-family="DejaVu Sans, …"``) when the machine has it, plus 4 % to spare; otherwise from a
conservative estimate of :data:`EM_PER_CHAR` (DejaVu Sans is one of the widest sans-serif
faces: its bold capitals average about 0.75 em). Sizes are in millimetres, like the poster.
"""
from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

#: Where Debian (fonts-dejavu-core) and other systems keep DejaVu Sans.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts")
#: Width of one character, in em, when no DejaVu font can be measured: (regular, bold).
EM_PER_CHAR = (0.68, 0.78)
#: Margin on widths measured with the real font (kerning, hinting, a different fallback font).
SPARE = 1.04
_MEASURE_PT = 100


@functools.cache
def _font(bold: bool):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            try:
                return ImageFont.truetype(str(path), _MEASURE_PT)
            except OSError:
                continue
    return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` at font ``size`` (both in mm), rather too wide than too narrow.

    >>> 0 < text_width("Monaco", 10) < text_width("Monaco-Ville", 10) < text_width("Monaco-Ville", 10, bold=True)
    True
    """
    font = _font(bold)
    if font is None:
        return len(text) * size * EM_PER_CHAR[bold]
    return font.getlength(text) / _MEASURE_PT * size * SPARE


def _break_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    parts, current = [], ""
    for ch in word:
        if current and text_width(current + ch, size, bold) > width:
            parts.append(current)
            current = ch
        else:
            current += ch
    return parts + [current] if current else parts


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width`` at ``size``; a word longer than
    a line is cut where it must be.

    >>> wrap("Scan to download — works without network", 60, 5)
    ['Scan to download —', 'works without network']
    >>> [len(p) for p in wrap("x" * 30, 20, 5)]
    [6, 6, 6, 6, 6]
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if text_width(word, size, bold) <= width:
            current = word
        else:
            *full, current = _break_word(word, width, size, bold)
            lines += full
    if current:
        lines.append(current)
    return lines


def fit(text: str, width: float, size: float, *, min_size: float, max_lines: int,
        bold: bool = False) -> tuple[float, list[str]]:
    """The largest font size from ``size`` down to ``min_size`` (steps of 5 %) at which ``text`` wraps
    into at most ``max_lines`` lines of ``width``, and those lines. When even ``min_size`` needs more,
    the last line kept ends with an ellipsis, still within ``width``.

    >>> fit("Monaco-Ville : du Palais princier au Jardin exotique", 186, 11, min_size=6, max_lines=2, bold=True)
    (11, ['Monaco-Ville : du Palais', 'princier au Jardin exotique'])
    >>> size, lines = fit("mot " * 80, 50, 5, min_size=4, max_lines=2)
    >>> size, len(lines), lines[-1].endswith("…"), all(text_width(t, size) <= 50 for t in lines)
    (4, 2, True, True)
    """
    current = size
    while True:
        lines = wrap(text, width, current, bold)
        if len(lines) <= max_lines:
            return current, lines
        smaller = round(current * 0.95, 2)
        if smaller < min_size:
            break
        current = smaller
    current = min_size
    lines = wrap(text, width, current, bold)[:max_lines]
    last = lines[-1]
    while last and text_width(last + "…", current, bold) > width:
        last = last[:-1].rstrip()
    lines[-1] = last + "…"
    return current, lines
