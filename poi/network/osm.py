"""The offline map's ways and the walkable path network, read from an OpenStreetMap extract.

Two streaming passes over the file with pyosmium (never loaded whole):

1. ways only, no locations: mark the *junctions* of the walkable network, the
   nodes shared by two walkable ways (or used twice by one) and the ends of every
   walkable way;
2. everything, with the node location cache and multipolygon assembly: each way
   (or multipolygon relation) of a kind the map draws (:data:`MAP_KINDS`) is
   stored with its geometry; each walkable way is cut at its junctions into
   edges whose ``length_m`` is geodesic (WGS84 ellipsoid, ``Geod.line_lengths``),
   so the edges of a way add up to the way's length.

Walkable (:func:`is_walkable`): paths, footways, steps, tracks, bridleways,
cycleways, streets and roads up to ``primary``, unless ``foot=no``, private
access or ``area=yes``; any highway with ``foot=yes|designated|permissive``.
"""
from __future__ import annotations

import hashlib
import json
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from poi.errors import SourceFormatError
from poi.geo import GEOD
from poi.i18n import gettext as _
from poi.importers.osm import broken_file, osm_file, osmium_module
from poi.network.store import EDGE_TAGS, EdgeRow, NetworkStats, NetworkStore, WayRow
from poi.store import transaction

#: ``highway=*`` -> map kind.
HIGHWAY_KINDS: dict[str, str] = {
    "path": "path", "bridleway": "path", "footway": "footway", "pedestrian": "footway", "steps": "steps",
    "track": "track", "cycleway": "cycleway", "service": "service",
    **{v: "road_major" for v in ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")},
    **{v: "road_medium" for v in ("secondary", "secondary_link", "tertiary", "tertiary_link")},
    **{v: "road_minor" for v in ("unclassified", "residential", "living_street", "road")},
}
#: ``waterway=*`` drawn as lines -> map kind.
WATERWAY_KINDS = {"river": "river", "canal": "river", "stream": "stream", "brook": "stream", "ditch": "stream",
                  "drain": "stream"}
#: ``(key, value)`` drawn as areas -> map kind (``building=*`` is ``building``).
AREA_KINDS = {("natural", "water"): "water", ("landuse", "reservoir"): "water", ("landuse", "basin"): "water",
              ("waterway", "riverbank"): "water", ("waterway", "dock"): "water",
              ("natural", "wood"): "wood", ("landuse", "forest"): "wood"}
#: Every kind of ``map_ways``, lines then areas.
MAP_KINDS = ("path", "footway", "steps", "track", "cycleway", "service", "road_minor", "road_medium", "road_major",
             "river", "stream", "coastline", "water", "wood", "building")
AREA_KIND_SET = {"water", "wood", "building"}

#: Highways people may walk on unless tagged otherwise.
WALKABLE_HIGHWAYS = {"path", "footway", "pedestrian", "steps", "track", "bridleway", "cycleway", "living_street",
                     "residential", "unclassified", "service", "road", "tertiary", "tertiary_link", "secondary",
                     "secondary_link", "primary", "primary_link"}
FOOT_YES = {"yes", "designated", "permissive", "official"}

#: ``progress`` is called every this many ways.
PROGRESS_EVERY = 1000
_KEYS = ("highway", "waterway", "natural", "landuse", "building")


def is_walkable(tags) -> bool:
    """True if the way belongs to the walkable path network.

    >>> is_walkable({"highway": "path"}), is_walkable({"highway": "track", "foot": "no"})
    (True, False)
    >>> is_walkable({"highway": "motorway"}), is_walkable({"highway": "service", "access": "private"})
    (False, False)
    >>> is_walkable({"highway": "trunk", "foot": "designated"})
    True
    """
    highway = tags.get("highway")
    foot = tags.get("foot")
    if highway is None or foot == "no" or highway in ("construction", "proposed", "abandoned"):
        return False
    if foot in FOOT_YES:
        return True
    return (highway in WALKABLE_HIGHWAYS and tags.get("access") not in ("private", "no")
            and tags.get("area") != "yes")


def classify(tags) -> tuple[str, str] | None:
    """``(kind, class)`` of a way for the map, or None if the map does not draw it.

    >>> classify({"highway": "tertiary"}), classify({"waterway": "stream"}), classify({"landuse": "forest"})
    (('road_medium', 'tertiary'), ('stream', 'stream'), ('wood', 'forest'))
    >>> classify({"building": "church"}), classify({"amenity": "bench"})
    (('building', 'church'), None)
    """
    highway = tags.get("highway")
    if highway in HIGHWAY_KINDS:
        return HIGHWAY_KINDS[highway], highway
    waterway = tags.get("waterway")
    if waterway in WATERWAY_KINDS:
        return WATERWAY_KINDS[waterway], waterway
    if tags.get("natural") == "coastline":
        return "coastline", "coastline"
    for key in ("natural", "landuse", "waterway"):
        kind = AREA_KINDS.get((key, tags.get(key)))
        if kind:
            return kind, tags[key]
    building = tags.get("building")
    if building and building != "no":
        return "building", building
    return None


@dataclass(slots=True)
class MapImportReport:
    """What :func:`import_osm_map` did."""

    file: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # ways of a drawn kind without a usable geometry (e.g. an unclosed water area)
    edges_written: int = 0
    kinds: Counter = field(default_factory=Counter)  # kind -> ways read
    stats: NetworkStats | None = None  # of the whole database after the import
    seconds: float = 0.0

    @property
    def ways(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        """One line for people.

        >>> from poi.i18n import language
        >>> with language("en"):
        ...     MapImportReport("andorra.osm.pbf", added=5, unchanged=2, edges_written=9).summary()
        'andorra.osm.pbf: 7 map ways (5 added, 0 updated, 2 unchanged, 0 skipped), 9 path edges written'
        """
        ways = _("{file}: {ways} map ways ({added} added, {updated} updated, {unchanged} unchanged",
                 file=self.file, ways=self.ways, added=self.added, updated=self.updated, unchanged=self.unchanged)
        return ways + ", " + _("{skipped} skipped), {edges} path edges written", skipped=self.skipped,
                               edges=self.edges_written)


def _junctions(osmium, path: Path):
    """Pass 1: the node ids where walkable ways meet or end, as a sorted int64 array.

    Node references go into a flat int64 array (8 bytes each), sorted once with
    numpy: a reference met twice is a junction. The junctions stay a numpy array
    (8 bytes each, looked up by binary search: :func:`_junction_test`), not a
    Python set (~70 bytes each: 70 MB for a département's million junctions).
    (osmium's ``IdSet`` bitmap would cost ~1 bit per possible id, hundreds of MB
    for today's 10-digit node ids, even for a small extract.)
    """
    import numpy as np

    inner, ends = array("q"), array("q")
    processor = osmium.FileProcessor(osm_file(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for way in processor:
        if not is_walkable(way.tags):
            continue
        refs = [n.ref for n in way.nodes]
        if refs:
            ends.append(refs[0])
            ends.append(refs[-1])
            inner.extend(refs[1:-1])
    refs = np.sort(np.frombuffer(inner, dtype=np.int64)) if inner else np.empty(0, dtype=np.int64)
    twice = refs[1:][refs[1:] == refs[:-1]]
    del refs, inner
    return np.union1d(twice, np.frombuffer(ends, dtype=np.int64) if ends else np.empty(0, dtype=np.int64))


def _junction_test(junctions, refs: Sequence[int]) -> Callable[[int], bool]:
    """``is_junction`` for the nodes of one way: a binary search of them all in the sorted junctions."""
    import numpy as np

    ids = np.asarray(refs, dtype=np.int64)
    at = np.minimum(np.searchsorted(junctions, ids), max(len(junctions) - 1, 0))
    hits = ids[junctions[at] == ids] if len(junctions) else ids[:0]
    return set(hits.tolist()).__contains__


def _r(coords):
    return [(round(lon, 6), round(lat, 6)) for lon, lat in coords]


def _geojson(geometry: dict) -> str:
    return json.dumps(geometry, separators=(",", ":"))


def _hash(kind: str, cls: str, name: str, geometry_json: str, cuts=(), edge_tags: str = "") -> str:
    key = f"{kind}|{cls}|{name}|{geometry_json}|{','.join(f'{a}-{b}' for a, b in cuts)}"
    if edge_tags:  # walkable ways hash the routing tags too (re-importing an older db fills them in)
        key += f"|{edge_tags}"
    return hashlib.sha1(key.encode()).hexdigest()


def _intersects(box, bbox) -> bool:
    return bbox is None or not (box[2] < bbox[0] or box[0] > bbox[2] or box[3] < bbox[1] or box[1] > bbox[3])


def cut_edges(refs: Sequence[int], coords: Sequence[tuple[float, float]], is_junction: Callable[[int], bool],
              tags: dict | None = None) -> list[EdgeRow]:
    """Cut one walkable way at its junction nodes into edges with geodesic lengths.

    >>> edges = cut_edges([1, 2, 3], [(0.0, 0.0), (0.0, 0.001), (0.0, 0.002)], lambda n: n == 2)
    >>> [(e.from_node, e.to_node, round(e.length_m, 1)) for e in edges]
    [(1, 2, 110.6), (2, 3, 110.6)]
    """
    if len(coords) < 2:
        return []
    lengths = GEOD.line_lengths([c[0] for c in coords], [c[1] for c in coords])
    last = len(refs) - 1
    cuts = [0, *(i for i in range(1, last) if is_junction(refs[i])), last]
    return [EdgeRow(seq, refs[a], refs[b], float(sum(lengths[a:b])), list(coords[a:b + 1]), tags)
            for seq, (a, b) in enumerate(zip(cuts, cuts[1:]))]


def _way_rows(o, tags, kind, cls, junctions, bbox):
    """(WayRow, edges) of one OSM way, None outside ``bbox``, "skip" without a usable geometry."""
    nodes = [(n.ref, n.lon, n.lat) for n in o.nodes if n.location.valid()]
    if len(nodes) < 2:
        return "skip"
    refs = [n[0] for n in nodes]
    coords = _r((n[1], n[2]) for n in nodes)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    box = (min(xs), min(ys), max(xs), max(ys))
    if not _intersects(box, bbox):
        return None
    edges, length_m, walkable = [], None, False
    if kind in AREA_KIND_SET:
        if len(coords) < 4 or refs[0] != refs[-1]:
            return "skip"
        geometry = {"type": "Polygon", "coordinates": [coords]}
    else:
        geometry = {"type": "LineString", "coordinates": coords}
        length_m = float(sum(GEOD.line_lengths(xs, ys)))
        walkable = is_walkable(tags)
        if walkable:
            kept = {k: tags[k] for k in EDGE_TAGS if k in tags}
            edges = cut_edges(refs, coords, _junction_test(junctions, refs), kept)
    name = tags.get("name", "")
    text = _geojson(geometry)
    digest = _hash(kind, cls, name, text, [(e.from_node, e.to_node) for e in edges],
                   json.dumps(edges[0].tags, sort_keys=True) if edges else "")
    return WayRow(f"way/{o.id}", kind, cls, name, text, box, length_m, walkable, digest), edges


def _area_row(o, tags, kind, cls, bbox):
    polygons = []
    for outer in o.outer_rings():
        rings = [_r((n.lon, n.lat) for n in outer)]
        rings += [_r((n.lon, n.lat) for n in inner) for inner in o.inner_rings(outer)]
        if len(rings[0]) >= 4:
            polygons.append(rings)
    if not polygons:
        return "skip"
    xs = [c[0] for p in polygons for c in p[0]]
    ys = [c[1] for p in polygons for c in p[0]]
    box = (min(xs), min(ys), max(xs), max(ys))
    if not _intersects(box, bbox):
        return None
    geometry = {"type": "MultiPolygon", "coordinates": polygons}
    name = tags.get("name", "")
    text = _geojson(geometry)
    return WayRow(f"relation/{o.orig_id()}", kind, cls, name, text, box, None, False,
                  _hash(kind, cls, name, text)), []


def _rows(osmium, path: Path, junctions, bbox):
    """Pass 2: (WayRow, edges) or "skip" for every way and multipolygon the map draws."""
    processor = (osmium.FileProcessor(osm_file(path))
                 .with_areas(osmium.filter.KeyFilter("natural", "landuse", "waterway", "building"))
                 .with_filter(osmium.filter.KeyFilter(*_KEYS)))
    for o in processor:
        if o.is_way():
            tags = dict(o.tags)
            found = classify(tags)
            if found:
                yield _way_rows(o, tags, *found, junctions, bbox)
        elif o.is_area() and not o.from_way():
            tags = dict(o.tags)
            found = classify(tags)
            if found and found[0] in AREA_KIND_SET:
                yield _area_row(o, tags, *found, bbox)


def parse_bbox(value: Sequence[float] | str) -> tuple[float, float, float, float]:
    """A lon/lat box from ``"min_lon,min_lat,max_lon,max_lat"`` or 4 numbers; SourceFormatError if wrong.

    >>> parse_bbox("1.40,42.42,1.79,42.66")
    (1.4, 42.42, 1.79, 42.66)
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     parse_bbox("42.42,1.40,42.66")
    Traceback (most recent call last):
    ...
    poi.errors.SourceFormatError: bounding box '42.42,1.40,42.66' is not MIN_LON,MIN_LAT,MAX_LON,MAX_LAT (e.g. ...)
    """
    try:
        parts = [float(v) for v in (value.split(",") if isinstance(value, str) else value)]
    except (TypeError, ValueError):
        parts = []
    if (len(parts) != 4 or not parts[0] <= parts[2] or not parts[1] <= parts[3]
            or not all(-180 <= parts[i] <= 180 and -90 <= parts[i + 1] <= 90 for i in (0, 2))):
        text = value if isinstance(value, str) else ",".join(map(str, value))
        raise SourceFormatError(_("bounding box {bbox} is not MIN_LON,MIN_LAT,MAX_LON,MAX_LAT (e.g. {example})",
                                  bbox=repr(text), example="1.40,42.42,1.79,42.66"))
    return parts[0], parts[1], parts[2], parts[3]


def import_osm_map(db, path, *, bbox: Sequence[float] | str | None = None,
                   progress: Callable[[MapImportReport], None] | None = None) -> MapImportReport:
    """Import the map ways and the walkable path network of an OSM extract, in one transaction.

    Parameters
    ----------
    db : sqlite_utils.Database
    path : ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file (format sniffed from its bytes).
    bbox : (min_lon, min_lat, max_lon, max_lat), or that text with commas; only the ways whose
        bounding box meets it are kept.
    progress : called with the running report every :data:`PROGRESS_EVERY` ways.

    Returns
    -------
    MapImportReport
        Counts of this import, and ``stats`` of the whole network afterwards. Ways are
        upserted by OSM id: re-importing the same file reports them all unchanged.

    Raises
    ------
    SourceFormatError
        Missing, non-OSM or broken (e.g. truncated) file; nothing is written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from poi.network.store import NETWORK
    >>> from poi.store import open_db
    >>> osm = pathlib.Path(tempfile.mkdtemp()) / "junction.osm"
    >>> _ = osm.write_text('''<osm version="0.6">
    ... <node id="1" lat="42.5" lon="1.5"/><node id="2" lat="42.501" lon="1.5"/>
    ... <node id="3" lat="42.502" lon="1.5"/><node id="4" lat="42.501" lon="1.501"/>
    ... <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="path"/></way>
    ... <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="track"/></way>
    ... </osm>''')
    >>> report = import_osm_map(open_db(":memory:", [NETWORK]), osm)
    >>> report.added, report.edges_written, report.stats.nodes, report.stats.components
    (2, 3, 4, 1)
    """
    path = Path(path)
    if not path.is_file():
        raise SourceFormatError(_("{path}: no such file", path=path))
    bbox = parse_bbox(bbox) if bbox is not None else None
    osmium = osmium_module()
    store = NetworkStore(db)
    report = MapImportReport(file=path.name)
    started = time.perf_counter()
    with transaction(db):
        try:
            junctions = _junctions(osmium, path)
            for row in _rows(osmium, path, junctions, bbox):
                if row is None:
                    continue
                if row == "skip":
                    report.skipped += 1
                    continue
                way, edges = row
                report.kinds[way.kind] += 1
                status = store.upsert_way(way, edges)
                setattr(report, status, getattr(report, status) + 1)
                if status != "unchanged":
                    report.edges_written += len(edges)
                if progress and report.ways % PROGRESS_EVERY == 0:
                    progress(report)
        except RuntimeError as e:
            raise broken_file(path, e) from e
        if report.updated:
            store.drop_orphan_nodes()
    report.stats = store.stats()
    report.seconds = time.perf_counter() - started
    if progress:
        progress(report)
    return report


def ways_in_bbox(db, bbox: Sequence[float], kinds=None):
    """The map ways meeting ``bbox`` = (min_lon, min_lat, max_lon, max_lat), optionally of some ``kinds``.

    Returns a list of :class:`poi.network.store.MapWay` (``osm_id, kind, cls, name,
    geometry, length_m``; geometry is a GeoJSON geometry in lon/lat), ordered by OSM id.
    """
    return NetworkStore(db).ways_in_bbox(bbox, kinds)


def network_stats(db) -> NetworkStats:
    """Map ways by kind, path nodes and edges, total edge length and connected parts."""
    return NetworkStore(db).stats()
