"""CSV files of places: one row per POI, latitude and longitude columns, streamed row by row.

* Columns are matched case- and accent-insensitively. Latitude/longitude columns
  are found automatically (``lat/latitude/y`` and ``lon/lng/long/longitude/x``),
  or a single "lat, lon" column (``geo_point_2d``, ``Geo Point``, Opendatasoft
  exports); ``lat_col``/``lon_col`` (``--lat-col``/``--lon-col``) name them.
* The delimiter (``;``, ``,``, tab or ``|``) is sniffed from the header line unless
  ``delimiter`` is given.
* Text is UTF-8 with or without a byte-order mark unless ``encoding`` is given
  (``latin-1`` for old spreadsheet exports).
* Decimal commas (``43,6047``) are read, as in French ``;``-separated files.

Other columns read: name ``name/nom/title/titre/libelle/appellation/tico``;
category from ``category/categorie/type/tourism/historic/amenity/...`` through
:func:`poi.categories.categorize`; ``description``, ``url/website``,
``image(s)/photo(s)``, ``ele/altitude``; external id ``id/identifiant/ref/uuid``.
The remaining non-empty columns go to ``POI.extra``.
"""
from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import GENERIC_FIELDS, Record
from poi.text import fold

LAT_COLUMNS = ("lat", "latitude", "y", "lat_wgs84", "latitude_wgs84", "wgs84_lat", "coord_y")
LON_COLUMNS = ("lon", "lng", "long", "longitude", "x", "lon_wgs84", "longitude_wgs84", "wgs84_lon",
               "coord_x")
#: Single columns holding "lat, lon" (Opendatasoft and many French portals).
LATLON_COLUMNS = ("geo_point_2d", "geo point", "geo_point", "coordonnees", "coordonnees_gps", "latlon")
DELIMITERS = (";", ",", "\t", "|")
_CATEGORY_KEYS = ("category", "categorie", "categories", "type", "types", "tourism", "historic",
                  "amenity", "man_made", "natural", "leisure", "shop", "deno", "denomination")

csv.field_size_limit(16 * 1024 * 1024)


def column_key(header: str) -> str:
    """How a column name is matched: folded, trimmed, inner blanks collapsed.

    >>> column_key(" Latitude ")
    'latitude'
    >>> column_key("Dénomination")
    'denomination'
    """
    return " ".join(fold(header.replace("\ufeff", "")).split())


def sniff_delimiter(line: str) -> str:
    """The most frequent of ``; , tab |`` in a header line (``,`` if none).

    >>> sniff_delimiter("REF;ETUD;LOCA")
    ';'
    >>> sniff_delimiter("name,lat,lon")
    ','
    """
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _categories(row: dict) -> dict:
    return {k: row[k] for k in (*_CATEGORY_KEYS, "name", "nom") if row.get(k)}


def _split_latlon(index: int, column: str):
    def get(row: dict):
        value = row.get(column)
        if not value:
            return None
        parts = [p for p in str(value).replace(";", ",").split(",") if p.strip()]
        return parts[index].strip() if len(parts) == 2 else value  # unreadable: reported as invalid

    return get


class CSVImporter(Importer):
    """Delimited text, one place per row."""

    format = "csv"
    eid = ("id", "identifiant", "ref", "uuid", "gid", "code")
    keep_extra = True
    options = ("lat_col", "lon_col", "delimiter", "encoding")
    fields = {**GENERIC_FIELDS, "lat": LAT_COLUMNS, "lon": LON_COLUMNS, "category": _categories}

    def records(self, path: Path, *, lat_col: str | None = None, lon_col: str | None = None,
                delimiter: str | None = None, encoding: str | None = None) -> Iterator[Record]:
        encoding = encoding or "utf-8-sig"
        try:
            codecs.lookup(encoding)
        except LookupError as e:
            raise SourceFormatError(_("unknown encoding {encoding!r}", encoding=encoding)) from e
        if delimiter in ("\\t", "tab", "TAB"):
            delimiter = "\t"
        if delimiter is not None and len(delimiter) != 1:
            raise SourceFormatError(_("the delimiter must be one character, not {delimiter!r}",
                                      delimiter=delimiter))
        line_no, previous = 1, 0
        try:
            with path.open("r", encoding=encoding, newline="") as f:
                header_line = f.readline()
                if not header_line.strip():
                    raise SourceFormatError(_("{file}: empty file, or no header line", file=path.name))
                delimiter = delimiter or sniff_delimiter(header_line)
                header = [column_key(h) for h in next(csv.reader([header_line], delimiter=delimiter))]
                self.fields = {**type(self).fields, **self._coordinate_fields(path, header, lat_col, lon_col)}
                reader = csv.reader(f, delimiter=delimiter)
                for cells in reader:
                    line_no, previous = previous + 2, reader.line_num  # first physical line of the row
                    if not any(c.strip() for c in cells):
                        continue
                    row = {h: c.strip() for h, c in zip(header, cells) if h}
                    yield Record(_("line {n}", n=line_no), row)
        except UnicodeDecodeError as e:
            hint = _("; try --encoding latin-1") if encoding.lower().startswith("utf") else ""
            raise SourceFormatError(_("{file}: not valid {encoding} text after line {line}{hint}",
                                      file=path.name, encoding=encoding, line=line_no, hint=hint)) from e
        except csv.Error as e:
            raise SourceFormatError(_("{file}: unreadable CSV at line {line} ({reason})",
                                      file=path.name, line=line_no, reason=e)) from e

    def _coordinate_fields(self, path: Path, header: list[str], lat_col: str | None,
                           lon_col: str | None) -> dict:
        for given in (lat_col, lon_col):
            if given and column_key(given) not in header:
                raise SourceFormatError(_("{file}: no column {column!r} (columns: {columns})",
                                          file=path.name, column=given, columns=", ".join(header)))
        lat = column_key(lat_col) if lat_col else next((c for c in LAT_COLUMNS if c in header), None)
        lon = column_key(lon_col) if lon_col else next((c for c in LON_COLUMNS if c in header), None)
        if lat and lon:
            return {"lat": lat, "lon": lon}
        both = next((c for c in LATLON_COLUMNS if c in header), None)
        if both and not (lat_col or lon_col):
            return {"lat": _split_latlon(0, both), "lon": _split_latlon(1, both)}
        raise SourceFormatError(_(
            "{file}: no latitude/longitude columns (columns: {columns}); name them with --lat-col and --lon-col",
            file=path.name, columns=", ".join(h for h in header if h)))
