"""The offline map's ways and the walkable path network, read from an OpenStreetMap extract.

The file is streamed (never loaded whole), with flat memory whatever its size: the
node locations, junctions and multipolygon members go to a scratch SQLite file, and
each pass holds one bounded batch (:mod:`poi.network.passes`). Each way (or
multipolygon relation) of a kind the map draws (:data:`poi.network.tags.MAP_KINDS`) is stored with
its geometry; each walkable way is cut at its *junctions* (the nodes shared by two
walkable ways or used twice by one, and the ends of every walkable way) into edges
whose ``length_m`` is geodesic (WGS84 ellipsoid, ``Geod.line_lengths``), so the
edges of a way add up to the way's length.

Which ways are drawn and which are walkable: :mod:`poi.network.tags`.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from poi.errors import SourceFormatError
from poi.geo import GEOD
from poi.i18n import gettext as _
from poi.importers.osm import broken_file, osm_file, osmium_module
from poi.network import passes
from poi.network.scratch_store import ScratchStore
from poi.network.store import EDGE_TAGS, EdgeRow, NetworkStats, NetworkStore, WayRow
from poi.network.tags import AREA_KIND_SET, classify, is_walkable
from poi.store import transaction

#: ``progress`` is called every this many ways.
PROGRESS_EVERY = 1000


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


def _way_rows(way_id, tags, kind, cls, nodes, junctions, bbox):
    """(WayRow, edges) of one OSM way, None outside ``bbox``, "skip" without a usable geometry.

    ``nodes``: its ``(node id, lon, lat)`` with a location; ``junctions``: which of them are junctions.
    """
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
            edges = cut_edges(refs, coords, junctions.__contains__, kept)
    name = tags.get("name", "")
    text = _geojson(geometry)
    digest = _hash(kind, cls, name, text, [(e.from_node, e.to_node) for e in edges],
                   json.dumps(edges[0].tags, sort_keys=True) if edges else "")
    return WayRow(f"way/{way_id}", kind, cls, name, text, box, length_m, walkable, digest), edges


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


def _rows(osmium, path: Path, folder: Path, bbox):
    """(WayRow, edges), None or "skip" for every way and multipolygon the map draws, with flat memory."""
    def open_file():
        return osm_file(path)

    scratch = ScratchStore(folder)
    try:
        passes.read_nodes(osmium, open_file, scratch)
        passes.find_junctions(osmium, open_file, scratch)
        passes.read_area_relations(osmium, open_file, scratch)
        for way_id, tags, kind, cls, nodes, junctions in passes.drawn_ways(osmium, open_file, scratch):
            yield _way_rows(way_id, tags, kind, cls, nodes, junctions, bbox)
        for area in passes.relation_areas(osmium, scratch, folder):
            tags = dict(area.tags)
            found = classify(tags)
            if found and found[0] in AREA_KIND_SET:
                yield _area_row(area, tags, *found, bbox)
    finally:
        scratch.close()


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
    scratch_dir = Path(store.database_file()).parent if store.database_file() else None
    with transaction(db), tempfile.TemporaryDirectory(prefix="balise-map-", dir=scratch_dir) as folder:
        try:
            for row in _rows(osmium, path, Path(folder), bbox):
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
