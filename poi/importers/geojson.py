"""GeoJSON FeatureCollections of places, read feature by feature.

The file is never loaded whole: :func:`iter_features` decodes it in chunks and
hands each feature to :meth:`json.JSONDecoder.raw_decode` as soon as it is
complete, so memory stays at the size of the largest feature
(:class:`JSONReader`; :func:`iter_json_items` reads other JSON files the same way). Points are used as
they are; other geometries give their representative point (a point inside the
shape, shapely's ``representative_point``).

Properties read (first non-empty wins): name ``name/nom/title/titre/...`` (and the
Mérimée "titre courant" ``chptico``); category from OSM-like tags and type words
(:func:`poi.categories.categorize`); description (sanitised HTML) from
``description/descriptif/...`` or the Mérimée history ``chphist``; ``url/website``;
``image(s)/photo(s)`` as media; elevation ``ele/altitude``. Everything else is kept
in ``POI.extra``. A top-level ``copyright``/``attribution``/``license`` member met
before the features becomes the default attribution/licence.
"""
from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer, nested_too_deeply
from poi.importers.mapping import EMPTY_VALUES, GENERIC_FIELDS, Record

CHUNK_CHARS = 1 << 16
_WS = " \t\r\n"
_WGS84_CRS = ("crs84", "4326", "wgs84", "wgs 84")


class JSONReader:
    """Text of a JSON file, decoded in chunks, with a sliding buffer for ``raw_decode``.

    The streaming reader under :func:`iter_features` and :func:`iter_json_items`:
    :meth:`keys` walks an object member by member, :meth:`items` an array item by
    item, :meth:`value` decodes one whole value. ``geojson`` words the errors for
    a GeoJSON file.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     _ = f.write('{"n": 2, "items": [1, {"a": [3]}]}')
    >>> reader = JSONReader(Path(f.name))
    >>> for key in reader.keys():
    ...     print(key, list(reader.items()) if key == "items" else reader.value())
    n 2
    items [1, {'a': [3]}]
    >>> reader.close(); os.remove(f.name)
    """

    def __init__(self, path: Path, *, geojson: bool = False):
        self.name = path.name
        self.geojson = geojson
        self.file = path.open("rb")
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # newlines in the text already dropped from the buffer

    def more(self, at_least: int = CHUNK_CHARS) -> bool:
        """Append at least ``at_least`` characters (or the rest of the file); False at end."""
        if self.eof:
            return False
        if self.pos > len(self.buf) // 2:
            self.lines_before += self.buf.count("\n", 0, self.pos)
            self.buf, self.pos = self.buf[self.pos:], 0
        want = max(at_least, CHUNK_CHARS)
        try:
            data = self.file.read(want)
            self.buf += self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as e:
            raise SourceFormatError(_("{file}: not UTF-8 text ({reason}); GeoJSON must be UTF-8",
                                      file=self.name, reason=e.reason)) from e
        if not data:
            self.eof = True
        return True

    def skip_ws(self) -> str:
        """Next non-blank character (not consumed), '' at end of file."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, chars: str) -> str:
        """Consume the next non-blank character, one of ``chars``; SourceFormatError if another."""
        c = self.skip_ws()
        if not c or c not in chars:
            expected = " or ".join(repr(x) for x in chars)
            found = repr(c) if c else _("end of file")
            if self.geojson:
                raise SourceFormatError(_(
                    "{file}: not a GeoJSON FeatureCollection (expected {expected}, found {found})",
                    file=self.name, expected=expected, found=found))
            raise SourceFormatError(_("{file}: not valid JSON (expected {expected}, found {found})",
                                      file=self.name, expected=expected, found=found))
        self.pos += 1
        return c

    def value(self) -> Any:
        """Decode the next JSON value, reading more until it is complete."""
        self.skip_ws()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                # Double what we hold: big features cost O(n log n), not O(n^2).
                if self.more(len(self.buf) - self.pos):
                    continue
                line = self.lines_before + self.buf.count("\n", 0, e.pos) + 1
                raise SourceFormatError(_(
                    "{file}: not valid JSON at line {line} ({reason}); the file may be truncated",
                    file=self.name, reason=e.msg, line=line)) from e
            except RecursionError as e:
                raise nested_too_deeply(self.name) from e
            if end == len(self.buf) and not self.eof and self.more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def keys(self) -> Iterator[Any]:
        """The keys of the object that starts here; read each key's value before asking for the next."""
        self.expect("{")
        if self.skip_ws() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            self.expect(":")
            yield key
            if self.expect(",}") == "}":
                return

    def items(self) -> Iterator[Any]:
        """The items of the array that starts here, decoded one at a time."""
        self.expect("[")
        if self.skip_ws() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.expect(",]") == "]":
                return

    def end(self) -> None:
        """SourceFormatError unless only blanks are left."""
        if self.skip_ws():
            raise SourceFormatError(_("{file}: unexpected data after the end of the JSON object",
                                      file=self.name))

    def close(self) -> None:
        self.file.close()


def iter_features(path: Path, header: dict | None = None) -> Iterator[Any]:
    """Yield the members of ``features`` of a GeoJSON FeatureCollection, one at a time.

    ``header`` (if given) receives the other top-level members as they are met.
    Raises :class:`SourceFormatError` if the file is not JSON or not a FeatureCollection.
    """
    header = {} if header is None else header
    reader = JSONReader(path, geojson=True)
    saw_features = False
    try:
        if reader.skip_ws() != "{":
            raise SourceFormatError(_("{file}: not a GeoJSON file (it does not start with a JSON object)",
                                      file=path.name))
        for key in reader.keys():
            if key == "features":
                saw_features = True
                yield from reader.items()
            else:
                header[key] = reader.value()
                if key == "type" and header[key] != "FeatureCollection":
                    raise SourceFormatError(_("{file}: a GeoJSON {type}, not a FeatureCollection",
                                              file=path.name, type=header[key]))
        reader.end()
    finally:
        reader.close()
    if header.get("type") != "FeatureCollection" or not saw_features:
        members = ", ".join(list(header)[:8]) or _("none")
        raise SourceFormatError(_("{file}: not a GeoJSON FeatureCollection (top-level members: {members})",
                                  file=path.name, members=members))


def iter_json_items(path: Path, array_keys: tuple[str, ...] = ("@graph",), *,
                    header: dict | None = None, whole: bool = True) -> Iterator[Any]:
    """Items of a JSON file, decoded one at a time.

    * a top-level array: each item;
    * an object with one of ``array_keys`` holding an array: the items of that array
      (the object's other members go to ``header``);
    * any other object: the object itself when ``whole`` (a single-record file).

    Raises :class:`SourceFormatError` for a file that is not JSON.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     _ = f.write('{"@context": {}, "@graph": [{"@id": "a"}, {"@id": "b"}]}')
    >>> [item["@id"] for item in iter_json_items(Path(f.name))]
    ['a', 'b']
    >>> os.remove(f.name)
    """
    header = {} if header is None else header
    reader = JSONReader(path)
    try:
        first = reader.skip_ws()
        if first == "[":
            yield from reader.items()
        elif first == "{":
            found = False
            for key in reader.keys():
                if key in array_keys and reader.skip_ws() == "[":
                    found = True
                    yield from reader.items()
                else:
                    header[key] = reader.value()
            if not found and whole:
                yield header
        else:
            raise SourceFormatError(_("{file}: not a JSON file (it does not start with {{ or [)",
                                      file=path.name))
        reader.end()
    finally:
        reader.close()


def point_of(geometry: Any) -> tuple[float, float] | None:
    """(lon, lat) of a GeoJSON geometry: a Point's own, else the representative point.

    >>> point_of({"type": "Point", "coordinates": [1.44, 43.6, 150]})
    (1.44, 43.6)
    >>> point_of({"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]})
    (1.0, 1.0)
    >>> point_of(None) is None
    True
    """
    if not geometry:
        return None
    if not isinstance(geometry, dict):
        raise ImportRowError(_("invalid geometry"))
    if geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if not isinstance(coords, (list, tuple)) or len(coords) < 2:
            raise ImportRowError(_("invalid coordinates {value}", value=repr(coords)))
        return coords[0], coords[1]
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    try:
        geom = shape(geometry)
        if geom.is_empty:
            return None
        point = geom.representative_point()
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        raise ImportRowError(_("invalid {type} geometry", type=geometry.get("type"))) from e
    return point.x, point.y


def _lon(feature) -> Any:
    point = point_of(feature.get("geometry"))
    return point and point[0]


def _lat(feature) -> Any:
    point = point_of(feature.get("geometry"))
    return point and point[1]


def _tags(feature) -> dict:
    return feature.get("properties") or {}


class GeoJSONImporter(Importer):
    """GeoJSON FeatureCollection (RFC 7946, WGS84 lon/lat)."""

    format = "geojson"
    eid = ("@id", "id", "identifiant", "uuid", "gid", "ref")
    keep_extra = True
    fields = {**GENERIC_FIELDS, "lon": _lon, "lat": _lat, "category": _tags}

    def lookup(self, data, key):
        if key in ("id", "@id") and data.get(key) not in (None, ""):
            return data[key]  # the Feature's own id wins over a property of that name
        return (data.get("properties") or {}).get(key)

    def items(self, data):
        return data.get("properties") or {}

    def key_reader(self, keys):
        if "id" in keys or "@id" in keys or type(self).lookup is not GeoJSONImporter.lookup:
            return super().key_reader(keys)

        def read(feature):  # properties only: lookup() without a method call per key
            properties = feature.get("properties") or {}
            for key in keys:
                value = properties.get(key)
                if value not in EMPTY_VALUES:
                    return key, value
            return None, None

        return read

    def records(self, path: Path, **options) -> Iterator[Record]:
        header: dict = {}
        for n, feature in enumerate(iter_features(path, header), start=1):
            if n == 1:
                self._check_header(path, header)
            if not isinstance(feature, dict):
                yield Record(_("feature {n}", n=n), {"properties": {}, "geometry": None})
                continue
            fid = feature.get("id") or (feature.get("properties") or {}).get("@id")
            where = _("feature {n}", n=n) + (f" ({fid})" if fid not in (None, "") else "")
            yield Record(where, feature)
        self._check_header(path, header)

    def _check_header(self, path: Path, header: dict) -> None:
        crs = header.get("crs")
        name = str(((crs or {}).get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
        if name and not any(k in name.lower() for k in _WGS84_CRS):
            raise SourceFormatError(_(
                "{file}: coordinates in {crs}; reproject to WGS84 (ogr2ogr -t_srs EPSG:4326 out.geojson {file})",
                file=path.name, crs=name))
        for key in ("attribution", "copyright"):
            if isinstance(header.get(key), str) and "attribution" not in self.meta:
                self.meta["attribution"] = header[key]
        for key in ("licence", "license"):
            if isinstance(header.get(key), str) and "licence" not in self.meta:
                self.meta["licence"] = header[key]
