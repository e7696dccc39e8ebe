"""Safe reading of GPX files, shared by the POI importer (waypoints) and trail import (tracks).

Untrusted XML is screened with defusedxml before gpxpy sees it: no DTD, no
entities (XML bombs), no external references. Files larger than
``MAX_GPX_BYTES`` are refused before being read. A UTF-8 byte-order mark and a
declared non-UTF-8 encoding are handled. Coordinates written with a decimal
comma (``lat="48,5"``) are refused with a message saying so, rather than read
as garbage.
"""
from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException

from poi.errors import SourceFormatError

MAX_GPX_BYTES = 50 * 1024 * 1024

_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>", re.S)
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_COORD = re.compile(r"""\b(lat|lon)\s*=\s*["']\s*(-?\d+,\d+)\s*["']""")


class GPXFormatError(SourceFormatError):
    """The file is not a GPX file gpxpy and Balise can read safely."""


def read_gpx_bytes(source: str | os.PathLike | bytes, *, max_bytes: int = MAX_GPX_BYTES) -> bytes:
    """Raw bytes of a GPX source (a path or bytes), refusing files over ``max_bytes``."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise GPXFormatError(f"{path}: no such file")
        size = path.stat().st_size
        if size > max_bytes:
            raise GPXFormatError(f"{path.name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB GPX limit")
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise GPXFormatError(f"GPX data of {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
    return data


def _decode(data: bytes, label: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    decl = _DECL.match(data)
    encoding = "utf-8"
    if decl:
        m = _ENCODING.search(decl.group(0))
        if m:
            encoding = m.group(1).decode("ascii")
        data = data[decl.end():]  # the text is decoded: the declaration would mislead the parser
    try:
        return data.decode(encoding)
    except LookupError as e:
        raise GPXFormatError(f"{label}: unknown encoding {encoding!r}") from e
    except UnicodeDecodeError as e:
        raise GPXFormatError(f"{label}: not valid {encoding} text (byte {e.start}); save it as UTF-8") from e


def parse_gpx(source: str | os.PathLike | bytes, *, max_bytes: int = MAX_GPX_BYTES) -> gpxpy.gpx.GPX:
    """Parse a GPX file safely.

    Raises :class:`GPXFormatError` (a ``ValueError``) with a one-line reason for
    unsafe XML, malformed or truncated XML, a root that is not ``<gpx>``,
    decimal commas in coordinates, or anything gpxpy rejects.

    >>> gpx = parse_gpx(b'<gpx version="1.1" creator="t"><wpt lat="43.6" lon="1.44"><name>A</name></wpt></gpx>')
    >>> gpx.waypoints[0].name
    'A'
    >>> parse_gpx(b'<kml/>')
    Traceback (most recent call last):
    ...
    poi.gpxfile.GPXFormatError: GPX data: not a GPX file (root element is <kml>)
    """
    label = "GPX data" if isinstance(source, (bytes, bytearray)) else Path(source).name
    data = read_gpx_bytes(source, max_bytes=max_bytes)
    if not data.strip():
        raise GPXFormatError(f"{label}: the file is empty")
    text = _decode(data, label)
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as e:
        raise GPXFormatError(f"{label}: refused unsafe XML ({type(e).__name__}: DTDs, entities and "
                             "external references are not allowed in GPX)") from e
    except ParseError as e:
        raise GPXFormatError(f"{label}: not well-formed XML ({e}); the file may be truncated") from e
    local = root.tag.rsplit("}", 1)[-1]
    if local != "gpx":
        raise GPXFormatError(f"{label}: not a GPX file (root element is <{local}>)")
    m = _COORD.search(text)
    if m:
        raise GPXFormatError(f'{label}: decimal comma in coordinates ({m.group(1)}="{m.group(2)}"); '
                             "GPX requires a dot as decimal separator")
    try:
        return gpxpy.parse(text)
    except gpxpy.gpx.GPXException as e:
        raise GPXFormatError(f"{label}: invalid GPX ({e})") from e
    except (ValueError, TypeError) as e:
        raise GPXFormatError(f"{label}: invalid GPX value ({e})") from e
