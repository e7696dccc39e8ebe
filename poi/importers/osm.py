"""OpenStreetMap extracts (``.osm``, ``.osm.gz``, ``.osm.bz2``, ``.osm.pbf``) as POIs.

The file is streamed through pyosmium's :class:`osmium.FileProcessor` (a C++
key filter drops untagged nodes before Python sees them), never loaded whole.
POIs come from

* nodes, at their location;
* ways, at the area-weighted centroid of a closed ring (a church drawn as a
  building) or half-way along an open line (a bridge), from the node location
  cache;
* multipolygon relations, at the centroid of their largest outer ring (osmium's
  area assembly).

Only features tagged with a key Balise knows (``tourism``, ``historic``,
``amenity``, ``natural``, ``man_made``, ``leisure``, ``building=church``...) and a
value :func:`poi.categories.categorize` (or this module's :data:`OSM_EXTRA_TAGS`)
maps are candidates. Unnamed candidates are kept only when useful on a walk
(:data:`UNNAMED_KEPT`: drinking water, parking, toilets, shelters, viewpoints,
springs) under a generated name ("Drinking water", translated); the other
unnamed ones, and a feature mapped twice (a node and its building with the same
name and category within :data:`DUPLICATE_WITHIN_M`), are skipped and counted in
one problem line per reason.

Read per feature: name (``name``, else ``name:fr``, ``name:en``, ``official_name``,
any ``name:xx``; every ``name:xx`` kept in ``extra["names"]``); description
(``description``, ``description:fr``/``:en``, then the ``inscription``); URL
(``website``, ``contact:website``, ``url``, else the Wikipedia article); media
(``image`` URLs and ``wikimedia_commons`` files); ``ele``; and in ``extra`` the OSM
id and URL, ``opening_hours``, ``wikipedia``, ``wikidata``, heritage references and
the tags that say what the place is. Provenance: source ``osm``, source id
``node/123`` / ``way/456`` / ``relation/789``, licence ``ODbL 1.0``, attribution
``© OpenStreetMap contributors``.
"""
from __future__ import annotations

import bz2
import gzip
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from poi.categories import OSM_KEYS, OSM_TAGS, WEAK_TAGS, categorize
from poi.errors import SourceFormatError
from poi.geo import GEOD, geodesic_distance_m
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record
from poi.importers.report import ImportReport
from poi.text import fold

#: File name endings read by this importer (longest first) and their osmium format names.
OSM_SUFFIXES = {".osm.pbf": "pbf", ".osm.gz": "osm.gz", ".osm.bz2": "osm.bz2", ".pbf": "pbf", ".osm": "osm"}

#: OSM tags :mod:`poi.categories` does not map yet (candidates to move there):
#: ``(key, value) -> (category, themes)``, with the precedence of ``OSM_TAGS``.
OSM_EXTRA_TAGS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("tourism", "apartments"): ("accommodation", ()),  # OSM_TAGS has "apartment"; OSM says "apartments"
    ("tourism", "wilderness_hut"): ("accommodation", ()),
    ("historic", "stone"): ("monument", ("history",)),
    ("historic", "cannon"): ("monument", ("military_heritage",)),
    ("historic", "tomb"): ("memorial", ("history",)),
    ("historic", "pillory"): ("monument", ("history",)),
    ("historic", "aqueduct"): ("bridge", ("architecture", "water")),
    ("historic", "fountain"): ("water", ("rural_heritage", "water")),
    ("historic", "threshing_floor"): ("monument", ("rural_heritage",)),
    ("historic", "farm"): ("monument", ("rural_heritage",)),
    ("historic", "wreck"): ("monument", ("history",)),
    ("historic", "locomotive"): ("monument", ("industrial_heritage",)),
    ("military", "bunker"): ("monument", ("military_heritage",)),
    ("building", "shrine"): ("monument", ("religious_heritage",)),
    ("amenity", "grave_yard"): ("memorial", ("history",)),
    ("amenity", "watering_place"): ("water", ("rural_heritage", "water")),
    ("man_made", "water_tap"): ("water", ()),
    ("natural", "glacier"): ("nature", ("geology",)),
    ("natural", "arch"): ("nature", ("geology",)),
    ("natural", "gorge"): ("nature", ("geology", "water")),
    ("natural", "beach"): ("nature", ("water",)),
    ("leisure", "bird_hide"): ("nature", ("fauna_flora",)),
    ("leisure", "firepit"): ("picnic", ()),
    ("amenity", "bbq"): ("picnic", ()),
}

#: Keys tried in order (those of :data:`poi.categories.OSM_KEYS`, then the extra ones).
CATEGORY_KEYS = (*OSM_KEYS, *sorted({k for k, _v in OSM_EXTRA_TAGS} - set(OSM_KEYS)))
_KNOWN = {*OSM_TAGS, *WEAK_TAGS, *OSM_EXTRA_TAGS}
_ANY_VALUE = {k for k, v in OSM_TAGS if v == "*"}

#: Unnamed features worth keeping: tag -> kind of the generated name (see :func:`generated_name`).
UNNAMED_KEPT: dict[tuple[str, str], str] = {
    ("amenity", "drinking_water"): "drinking_water", ("amenity", "water_point"): "drinking_water",
    ("man_made", "water_tap"): "drinking_water", ("amenity", "parking"): "parking",
    ("amenity", "toilets"): "toilets", ("amenity", "shelter"): "shelter",
    ("tourism", "wilderness_hut"): "shelter", ("tourism", "viewpoint"): "viewpoint",
    ("natural", "spring"): "spring",
}

#: Tags copied into ``POI.extra`` as they are.
KEPT_TAGS = ("opening_hours", "wikipedia", "wikidata", "wikimedia_commons", "heritage", "heritage:operator",
             "ref:mhs", "ref:merimee", "historic", "tourism", "amenity", "natural", "man_made", "leisure",
             "building", "castle_type", "memorial", "artwork_type", "information", "shelter_type", "religion",
             "denomination", "start_date", "architect", "operator", "access", "fee", "wheelchair",
             "drinking_water", "phone", "inscription")

#: A second feature with the same folded name and category this close is the same place.
DUPLICATE_WITHIN_M = 150.0

LICENCE = "ODbL 1.0"
ATTRIBUTION = "© OpenStreetMap contributors"


#: Decoded blocks libosmium may queue ahead of the Python loop (its default lets the queue grow with the
#: file: +67 MB peak on a 2.2 M-node extract, +21 MB with 2; same speed). Read from the environment when a
#: reader opens; a value the user set wins. ``bench/map_import.py`` measures it.
OSMIUM_QUEUE_SIZE = "2"


def osmium_module():
    """The ``osmium`` package (its read-ahead queues bounded: flat memory), or a SourceFormatError saying how to
    install it."""
    import os

    for name in ("OSMIUM_MAX_INPUT_QUEUE_SIZE", "OSMIUM_MAX_OSMDATA_QUEUE_SIZE"):
        os.environ.setdefault(name, OSMIUM_QUEUE_SIZE)
    try:
        import osmium
    except ImportError as e:  # pragma: no cover - osmium is a main dependency
        raise SourceFormatError(_("reading OpenStreetMap files needs osmium: pip install osmium")) from e
    return osmium


def sniff_osm(path: Path) -> str:
    """The osmium format name of an OSM file from its first bytes; SourceFormatError if not OSM.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "walk.osm"
    >>> _ = p.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    >>> sniff_osm(p)
    'osm'
    >>> _ = p.write_text('<?xml version="1.0"?><gpx version="1.1"></gpx>')
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     sniff_osm(p)
    Traceback (most recent call last):
    ...
    poi.errors.SourceFormatError: walk.osm: not an OpenStreetMap file (an XML <gpx> document)
    """
    try:
        with path.open("rb") as f:
            head = f.read(64)
        if head[:2] == b"\x1f\x8b":
            fmt, opener = "osm.gz", gzip.open
        elif head[:3] == b"BZh":
            fmt, opener = "osm.bz2", bz2.open
        elif len(head) > 13 and b"OSMHeader" in head[4:20]:
            return "pbf"
        else:
            fmt, opener = "osm", open
        with opener(path, "rb") as f:
            text = f.read(4096).decode("utf-8", "replace")
    except (OSError, EOFError, ValueError) as e:
        raise SourceFormatError(_("{file}: not a readable OpenStreetMap file ({reason})",
                                  file=path.name, reason=e)) from e
    root = re.search(r"<([A-Za-z_][\w:.-]*)", re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S))
    if root and root.group(1) == "osm":
        return fmt
    what = _("an XML <{root}> document", root=root.group(1)) if root and text.lstrip().startswith("<") \
        else _("neither OSM XML nor PBF")
    raise SourceFormatError(_("{file}: not an OpenStreetMap file ({what})", file=path.name, what=what))


def osm_file(path: Path):
    """An :class:`osmium.io.File` for ``path`` with its format sniffed, not guessed from the name."""
    return osmium_module().io.File(str(path), sniff_osm(path))


def broken_file(path: Path, error: Exception) -> SourceFormatError:
    """The error for an OSM file osmium could not read to the end (truncated, corrupt)."""
    return SourceFormatError(_("{file}: broken OpenStreetMap file ({reason}); nothing was imported",
                               file=path.name, reason=str(error).strip() or type(error).__name__))


def osm_category(tags: dict) -> tuple[str, list[str]]:
    """Balise category and themes of OSM tags: :func:`poi.categories.categorize` plus :data:`OSM_EXTRA_TAGS`.

    >>> osm_category({"historic": "stone", "tourism": "attraction"})
    ('monument', ['history'])
    >>> osm_category({"tourism": "attraction", "historic": "church", "name": "Sant Joan de Caselles"})
    ('church', ['religious_heritage'])
    """
    for key in CATEGORY_KEYS:
        value = tags.get(key)
        if value is None:
            continue
        if (key, value) in OSM_TAGS or key in _ANY_VALUE:
            break  # the shared table knows it: categorize decides
        if (key, value) in OSM_EXTRA_TAGS:
            category, themes = OSM_EXTRA_TAGS[(key, value)]
            return category, list(themes)
    return categorize(tags)


def is_candidate(tags) -> bool:
    """True if some tag says "a place Balise knows" (a known key=value pair).

    >>> is_candidate({"amenity": "bench"}), is_candidate({"historic": "castle"}), is_candidate({"shop": "bakery"})
    (False, True, True)
    """
    return any((k, v) in _KNOWN or k in _ANY_VALUE for k, v in tags.items() if k in CATEGORY_KEYS)


def generated_name(kind: str) -> str:
    """The name given to a useful unnamed feature, in the current language.

    >>> from poi.i18n import language
    >>> with language("fr"):
    ...     generated_name("drinking_water")
    'Eau potable'
    """
    names = {"drinking_water": _("Drinking water"), "parking": _("Parking"), "toilets": _("Toilets"),
             "shelter": _("Shelter"), "viewpoint": _("Viewpoint"), "spring": _("Spring")}
    return names[kind]


def name_of(tags: dict) -> str:
    """``name``, else ``name:fr``, ``name:en``, ``official_name``, then any ``name:xx``.

    >>> name_of({"name:ca": "Sant Joan", "name:fr": "Saint-Jean"}), name_of({"name:ca": "Casa"})
    ('Saint-Jean', 'Casa')
    """
    for key in ("name", "name:fr", "name:en", "official_name"):
        if tags.get(key, "").strip():
            return tags[key]
    return next((v for k, v in sorted(tags.items()) if k.startswith("name:") and v.strip()), "")


def ring_centroid(coords: list[tuple[float, float]]) -> tuple[float, float, float]:
    """``(lon, lat, signed_area)`` of a closed ring (shoelace in lon/lat, fine at building scale).

    A degenerate ring gives the mean of its vertices and area 0.

    >>> ring_centroid([(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)])
    (1.0, 1.0, 4.0)
    """
    x0, y0 = coords[0]
    area2 = cx = cy = 0.0
    for (xa, ya), (xb, yb) in zip(coords, coords[1:]):
        xa, ya, xb, yb = xa - x0, ya - y0, xb - x0, yb - y0
        cross = xa * yb - xb * ya
        area2 += cross
        cx += (xa + xb) * cross
        cy += (ya + yb) * cross
    if abs(area2) < 1e-18:
        n = len(coords)
        return sum(c[0] for c in coords) / n, sum(c[1] for c in coords) / n, 0.0
    return x0 + cx / (3 * area2), y0 + cy / (3 * area2), area2 / 2


def line_midpoint(coords: list[tuple[float, float]]) -> tuple[float, float]:
    """The point half-way (geodesic length) along a line of (lon, lat).

    >>> lon, lat = line_midpoint([(0.0, 0.0), (0.0, 1.0), (0.0, 3.0)])
    >>> lon, round(lat, 4)
    (0.0, 1.5)
    """
    if len(coords) == 1:
        return coords[0]
    lengths = GEOD.line_lengths([c[0] for c in coords], [c[1] for c in coords])
    half, run = sum(lengths) / 2, 0.0
    for (a, b), seg in zip(zip(coords, coords[1:]), lengths):
        if run + seg >= half and seg > 0:
            t = (half - run) / seg
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        run += seg
    return coords[-1]


def _point(o) -> tuple[str, float, float] | None:
    """``(osm id, lon, lat)`` of a node, way or relation area; None without a usable geometry."""
    if o.is_node():
        loc = o.location
        return (f"node/{o.id}", loc.lon, loc.lat) if loc.valid() else None
    if o.is_way():
        coords = [(n.lon, n.lat) for n in o.nodes if n.location.valid()]
        if not coords:
            return None
        if len(coords) >= 4 and coords[0] == coords[-1]:
            lon, lat, _area = ring_centroid(coords)
        else:
            lon, lat = line_midpoint(coords)
        return f"way/{o.id}", lon, lat
    if o.is_area() and not o.from_way():
        rings = [[(n.lon, n.lat) for n in ring] for ring in o.outer_rings()]
        best = max((ring_centroid(r) for r in rings if len(r) >= 4), key=lambda c: abs(c[2]), default=None)
        return (f"relation/{o.orig_id()}", best[0], best[1]) if best else None
    return None  # relations as such, and areas made of one way (the way itself is read)


def _description(data: dict) -> str:
    text = data.get("description") or data.get("description:fr") or data.get("description:en") or ""
    inscription = data.get("inscription")
    parts = [f"<p>{_html(text)}</p>"] if text else []
    if inscription:
        parts.append(f"<p>{_html(_('Inscription: {text}', text=inscription))}</p>")
    return "".join(parts)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _url(data: dict) -> str:
    for key in ("website", "contact:website", "url"):
        if data.get(key):
            return data[key]
    lang, _sep, title = (data.get("wikipedia") or "").partition(":")
    if title and re.fullmatch(r"[a-z-]{2,12}", lang):
        return f"https://{lang}.wikipedia.org/wiki/{quote(title.strip().replace(' ', '_'))}"
    return ""


def _media(data: dict) -> list[dict]:
    media = []
    for value in (data.get("image") or "").split(";"):
        value = value.strip()
        if value.lower().startswith("file:"):
            data = {**data, "wikimedia_commons": data.get("wikimedia_commons") or value}
        elif value:
            media.append({"url": value})
    commons = (data.get("wikimedia_commons") or "").strip()
    if commons.lower().startswith("file:"):
        media.append({"url": "https://commons.wikimedia.org/wiki/Special:FilePath/"
                             + quote(commons[5:].strip().replace(" ", "_")), "title": commons[5:].strip()})
    return media


def _extra(data: dict) -> dict:
    extra = {k: data[k] for k in KEPT_TAGS if data.get(k)}
    names = {k[5:]: v for k, v in data.items() if k.startswith("name:") and v}
    if names:
        extra["names"] = dict(sorted(names.items()))
    extra["osm"] = data["@id"]
    extra["osm_url"] = f"https://www.openstreetmap.org/{data['@id']}"
    if data.get("@generated"):
        extra["generated_name"] = data["@generated"]
    return extra


class OSMImporter(Importer):
    """OpenStreetMap XML (plain, gzip, bzip2) and PBF extracts, read with pyosmium."""

    format = "osm"
    source = "osm"
    licence = LICENCE
    attribution = ATTRIBUTION
    eid = "@id"
    fields = {
        "name": "@name",
        "lon": "@lon",
        "lat": "@lat",
        "category": "@category",
        "description": _description,
        "url": _url,
        "media": _media,
        "ele_m": "ele",
        "updated_at": "@timestamp",
        "extra": _extra,
    }

    def __init__(self) -> None:
        super().__init__()
        #: Reason -> number of candidate features skipped for it (reported as one line each).
        self.skipped_because: Counter[str] = Counter()

    def clean_category(self, value, record):
        return value

    def clean_ele_m(self, value, record) -> float | None:
        text = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}\b)", "", str(value or ""))  # "1 234 m"
        m = re.match(r"\s*(-?\d+(?:[.,]\d+)?)", text)
        return float(m.group(1).replace(",", ".")) if m else None

    def run(self, store, path, **kwargs) -> ImportReport:
        self.skipped_because.clear()
        report = super().run(store, path, **kwargs)
        for reason, n in sorted(self.skipped_because.items()):
            report.skipped += n
            report.problems.append(_("{n} features: {reason}", n=n, reason=reason))
        return report

    def records(self, path: Path, **options) -> Iterator[Record]:
        osmium = osmium_module()
        processor = (osmium.FileProcessor(osm_file(path)).with_areas()
                     .with_filter(osmium.filter.KeyFilter(*CATEGORY_KEYS)))
        seen: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
        try:
            for o in processor:
                tags = dict(o.tags)
                if not is_candidate(tags):
                    continue
                point = _point(o)
                if point is None:
                    continue
                record = self._record(point, tags, o, seen)
                if record is not None:
                    yield record
        except RuntimeError as e:
            raise broken_file(path, e) from e

    def _record(self, point, tags: dict, o, seen) -> Record | None:
        osm_id, lon, lat = point
        name, generated = name_of(tags).strip(), ""
        if not name:
            generated = next((UNNAMED_KEPT[kv] for kv in tags.items() if kv in UNNAMED_KEPT), "")
            if not generated:
                reason = _("no name (kept unnamed: drinking water, parking, toilets, shelters, viewpoints, springs)")
                self.skipped_because[reason] += 1
                return None
            if tags.get("access") in ("private", "no"):
                self.skipped_because[_("no name and private access")] += 1
                return None
            name = generated_name(generated)
        category, themes = osm_category(tags)
        key = (fold(name), category)
        for lon2, lat2, first in seen.get(key, ()):
            if geodesic_distance_m(lon, lat, lon2, lat2) <= DUPLICATE_WITHIN_M:
                self.skipped_because[_("same name and category as a feature within {m} m (kept the first)",
                                       m=f"{DUPLICATE_WITHIN_M:g}")] += 1
                return None
        if not generated:  # generated names repeat legitimately (two parkings)
            seen.setdefault(key, []).append((lon, lat, osm_id))
        stamp = o.timestamp
        data = {**tags, "@id": osm_id, "@lon": lon, "@lat": lat, "@name": name, "@generated": generated,
                "@category": (category, themes),
                "@timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp.year > 1970 else ""}
        return Record(osm_id, data)

