"""SQLite storage of the offline map's ways and of the walkable path network: the SQL of :mod:`poi.network`.

Tables (component :data:`NETWORK`, applied by :func:`poi.store.open_db` when its caller lists it):

* ``map_ways``: what the offline vector map draws (paths, tracks, roads by class,
  waterways and water areas, buildings, woods), one row per OSM way or
  multipolygon relation, keyed by its OSM id (``way/123``); geometry as a GeoJSON
  geometry in lon/lat (6 decimals, ~0.1 m); an R*Tree for bounding-box queries;
* ``path_nodes``: junctions and ends of the walkable network (id = OSM node id);
* ``path_edges``: the walkable ways cut at junctions, with their geodesic
  ``length_m``, highway class and geometry (JSON ``[[lon, lat], ...]``); an R*Tree;
  ``tags``: the OSM tags routing reads (:data:`EDGE_TAGS`: access per practice,
  ``oneway``, ``sac_scale``, ``surface``...) as a JSON object; ``ele``: the
  elevation of each vertex (JSON list, metres) once a DEM is imported, else NULL
  (``path_nodes.ele`` likewise);
* ``dem_tiles``: the elevation model (``balise dem import``): one row per SRTM
  tile, its raw big-endian samples zlib-compressed, so circuits can be draped
  later without the file.

A way is rewritten only when its content hash (geometry, tags read, cut points)
changes, so re-importing the same extract changes nothing.
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import sqlite_utils

from poi.store import Component, transaction, utcnow

MIGRATIONS = [
    """
    CREATE TABLE map_ways (
        id INTEGER PRIMARY KEY,
        osm_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        class TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        geometry TEXT NOT NULL,
        length_m REAL,
        walkable INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX map_ways_kind ON map_ways(kind);
    CREATE VIRTUAL TABLE map_ways_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
    CREATE TABLE path_nodes (
        id INTEGER PRIMARY KEY,
        lon REAL NOT NULL,
        lat REAL NOT NULL
    );
    CREATE TABLE path_edges (
        id INTEGER PRIMARY KEY,
        way_osm_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        from_node INTEGER NOT NULL REFERENCES path_nodes(id),
        to_node INTEGER NOT NULL REFERENCES path_nodes(id),
        length_m REAL NOT NULL,
        highway TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        geometry TEXT NOT NULL,
        UNIQUE (way_osm_id, seq)
    );
    CREATE INDEX path_edges_from ON path_edges(from_node);
    CREATE INDEX path_edges_to ON path_edges(to_node);
    CREATE VIRTUAL TABLE path_edges_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
    """,
    """
    ALTER TABLE path_nodes ADD COLUMN ele REAL;
    ALTER TABLE path_edges ADD COLUMN ele TEXT;
    ALTER TABLE path_edges ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE dem_tiles (
        lat0 INTEGER NOT NULL,
        lon0 INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        data BLOB NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (lat0, lon0)
    );
    """,
]


#: Edges read at a time to count the connected parts of the network.
COMPONENTS_BATCH = 50_000

#: The tables of this module (:func:`poi.store.open_db` applies them for whoever lists it).
NETWORK = Component("network", MIGRATIONS, requires=("poi",))


class WayRow(NamedTuple):
    """One map way ready to store."""

    osm_id: str
    kind: str
    cls: str
    name: str
    geometry: str  # GeoJSON geometry (JSON text), lon/lat
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    length_m: float | None
    walkable: bool
    content_hash: str


#: OSM tags kept on path edges for routing (access per practice, direction, difficulty, surface).
EDGE_TAGS = ("access", "foot", "bicycle", "mtb", "horse", "oneway", "oneway:bicycle", "sac_scale", "mtb:scale",
             "surface", "tracktype", "smoothness", "incline")


class EdgeRow(NamedTuple):
    """One edge of the walkable network, between two junction (or end) nodes."""

    seq: int
    from_node: int
    to_node: int
    length_m: float
    coords: list[tuple[float, float]]
    tags: dict | None = None  # the :data:`EDGE_TAGS` the way has


class MapWay(NamedTuple):
    """A way of the offline map, as :func:`NetworkStore.ways_in_bbox` returns it."""

    osm_id: str
    kind: str
    cls: str
    name: str
    geometry: dict
    length_m: float | None


class PathEdge(NamedTuple):
    """An edge of the walkable network, as :func:`NetworkStore.edges_in_bbox` returns it (for routing)."""

    id: int
    from_node: int
    to_node: int
    length_m: float
    highway: str
    coords: list[tuple[float, float]]  # lon/lat, from ``from_node`` to ``to_node``
    tags: dict = {}  # the :data:`EDGE_TAGS` the way has
    ele: list[float | None] | None = None  # metres, one per vertex, once a DEM is imported


class NetworkStats(NamedTuple):
    """Counts of the map and the path network."""

    ways: dict[str, int]  # kind -> number of map ways
    nodes: int
    edges: int
    edges_length_m: float
    walkable_ways_length_m: float
    components: int  # connected parts of the path network


def _bbox_of(coords: Iterable[Sequence[float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*((c[0], c[1]) for c in coords))
    return min(xs), min(ys), max(xs), max(ys)


class NetworkStore:
    """Map ways and path network in the Balise database."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    # -- writing -------------------------------------------------------------
    def upsert_way(self, way: WayRow, edges: Sequence[EdgeRow] = ()) -> str:
        """Insert or update one way (and its edges) by OSM id: ``added``, ``updated`` or ``unchanged``."""
        with transaction(self.db):
            existing = self.db.execute("SELECT id, content_hash FROM map_ways WHERE osm_id = ?",
                                       [way.osm_id]).fetchone()
            if existing and existing[1] == way.content_hash:
                return "unchanged"
            row = [way.kind, way.cls, way.name, way.geometry,
                   way.length_m, int(way.walkable), way.content_hash, utcnow()]
            if existing:
                wid = existing[0]
                self.db.execute("UPDATE map_ways SET kind = ?, class = ?, name = ?, geometry = ?, length_m = ?, "
                                "walkable = ?, content_hash = ?, updated_at = ? WHERE id = ?", [*row, wid])
                self.db.execute("DELETE FROM map_ways_rtree WHERE id = ?", [wid])
                self._delete_edges(way.osm_id)
                status = "updated"
            else:
                wid = self.db.execute("INSERT INTO map_ways (osm_id, kind, class, name, geometry, length_m, "
                                      "walkable, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                      [way.osm_id, *row]).lastrowid
                status = "added"
            x0, y0, x1, y1 = way.bbox
            self.db.execute("INSERT INTO map_ways_rtree VALUES (?, ?, ?, ?, ?)", [wid, x0, x1, y0, y1])
            if edges:
                self._insert_edges(way, edges)
        return status

    def _delete_edges(self, way_osm_id: str) -> None:
        self.db.execute("DELETE FROM path_edges_rtree WHERE id IN "
                        "(SELECT id FROM path_edges WHERE way_osm_id = ?)", [way_osm_id])
        self.db.execute("DELETE FROM path_edges WHERE way_osm_id = ?", [way_osm_id])

    def _insert_edges(self, way: WayRow, edges: Sequence[EdgeRow]) -> None:
        conn = self.db.conn
        conn.executemany(
            "INSERT INTO path_nodes (id, lon, lat) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET lon = excluded.lon, lat = excluded.lat "
            "WHERE lon != excluded.lon OR lat != excluded.lat",
            [(n, *e.coords[i]) for e in edges for n, i in ((e.from_node, 0), (e.to_node, -1))])
        for e in edges:
            eid = conn.execute(
                "INSERT INTO path_edges (way_osm_id, seq, from_node, to_node, length_m, highway, name, geometry, "
                "tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [way.osm_id, e.seq, e.from_node, e.to_node, e.length_m, way.cls, way.name,
                 json.dumps(e.coords, separators=(",", ":")),
                 json.dumps(e.tags or {}, sort_keys=True, separators=(",", ":"))]).lastrowid
            x0, y0, x1, y1 = _bbox_of(e.coords)
            conn.execute("INSERT INTO path_edges_rtree VALUES (?, ?, ?, ?, ?)", [eid, x0, x1, y0, y1])

    def drop_orphan_nodes(self) -> int:
        """Delete the path nodes no edge uses any more (after ways changed); returns how many."""
        return self.db.execute(
            "DELETE FROM path_nodes WHERE id NOT IN (SELECT from_node FROM path_edges "
            "UNION SELECT to_node FROM path_edges)").rowcount

    # -- reading -------------------------------------------------------------
    def ways_in_bbox(self, bbox: Sequence[float], kinds: Iterable[str] | None = None) -> list[MapWay]:
        """Map ways whose bounding box meets ``bbox`` = (min_lon, min_lat, max_lon, max_lat), by OSM id."""
        x0, y0, x1, y1 = bbox
        sql = ("SELECT w.osm_id, w.kind, w.class, w.name, w.geometry, w.length_m FROM map_ways_rtree r "
               "JOIN map_ways w ON w.id = r.id WHERE r.max_lon >= ? AND r.min_lon <= ? "
               "AND r.max_lat >= ? AND r.min_lat <= ?")
        params: list = [x0, x1, y0, y1]
        if kinds is not None:
            kinds = list(kinds)
            sql += f" AND w.kind IN ({','.join('?' * len(kinds))})"
            params += kinds
        rows = self.db.execute(sql + " ORDER BY w.osm_id", params).fetchall()
        return [MapWay(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def edges(self) -> Iterable[tuple[int, int, float]]:
        """``(from_node, to_node, length_m)`` of every edge (for routing and stats)."""
        return self.db.execute("SELECT from_node, to_node, length_m FROM path_edges")

    def edges_in_bbox(self, bbox: Sequence[float]) -> list[PathEdge]:
        """Path edges whose bounding box meets ``bbox`` = (min_lon, min_lat, max_lon, max_lat), by id."""
        x0, y0, x1, y1 = bbox
        rows = self.db.execute(
            "SELECT e.id, e.from_node, e.to_node, e.length_m, e.highway, e.geometry, e.tags, e.ele "
            "FROM path_edges_rtree r JOIN path_edges e ON e.id = r.id WHERE r.max_lon >= ? AND r.min_lon <= ? "
            "AND r.max_lat >= ? AND r.min_lat <= ? ORDER BY e.id", [x0, x1, y0, y1]).fetchall()
        return [PathEdge(r[0], r[1], r[2], r[3], r[4], [tuple(c) for c in json.loads(r[5])], json.loads(r[6]),
                         json.loads(r[7]) if r[7] else None) for r in rows]

    # -- elevation model -------------------------------------------------------
    def put_dem_tile(self, lat0: int, lon0: int, samples: int, data: bytes, source: str) -> None:
        """Store (or replace) one DEM tile: ``data`` is its raw samples, stored zlib-compressed."""
        self.db.execute("INSERT OR REPLACE INTO dem_tiles VALUES (?, ?, ?, ?, ?, ?)",
                        [lat0, lon0, samples, zlib.compress(data, 6), source, utcnow()])

    def dem_tile_keys(self) -> list[tuple[int, int]]:
        """``(lat0, lon0)`` of the stored DEM tiles."""
        return [tuple(r) for r in self.db.execute("SELECT lat0, lon0 FROM dem_tiles ORDER BY lat0, lon0")]

    def dem_tile(self, lat0: int, lon0: int) -> tuple[int, bytes] | None:
        """``(samples, raw data)`` of one stored tile, or None."""
        row = self.db.execute("SELECT samples, data FROM dem_tiles WHERE lat0 = ? AND lon0 = ?",
                              [lat0, lon0]).fetchone()
        return (row[0], zlib.decompress(row[1])) if row else None

    def edge_geometries(self, bbox: Sequence[float], batch: int = 5000, only_missing: bool = False
                        ) -> Iterable[list[tuple[int, list]]]:
        """Batches of ``(edge id, [[lon, lat], ...])`` of the edges meeting ``bbox``, by id (bounded memory);
        ``only_missing``: only those without elevations."""
        x0, y0, x1, y1 = bbox
        last = 0
        missing = " AND e.ele IS NULL" if only_missing else ""
        while True:
            rows = self.db.execute(
                "SELECT e.id, e.geometry FROM path_edges_rtree r JOIN path_edges e ON e.id = r.id "
                "WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ? AND e.id > ?"
                f"{missing} ORDER BY e.id LIMIT ?", [x0, x1, y0, y1, last, batch]).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(r[0], json.loads(r[1])) for r in rows]

    def set_edge_elevations(self, rows: Sequence[tuple[int, list]]) -> None:
        """Store each edge's vertex elevations (``(edge id, [ele, ...])``) and its end nodes' elevations."""
        conn = self.db.conn
        conn.executemany("UPDATE path_edges SET ele = ? WHERE id = ?",
                         [(json.dumps(ele, separators=(",", ":")), eid) for eid, ele in rows])
        conn.executemany("UPDATE path_nodes SET ele = ? WHERE id = (SELECT from_node FROM path_edges WHERE id = ?)",
                         [(ele[0], eid) for eid, ele in rows])
        conn.executemany("UPDATE path_nodes SET ele = ? WHERE id = (SELECT to_node FROM path_edges WHERE id = ?)",
                         [(ele[-1], eid) for eid, ele in rows])

    def database_file(self) -> str:
        """The file of the main database, or ``""`` in memory (for caches kept per database)."""
        return self.db.execute("PRAGMA database_list").fetchone()[2] or ""

    def revision(self) -> tuple:
        """Changes when the path network or the DEM changes (for caches): edges count and last id, tiles."""
        return tuple(self.db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), (SELECT COUNT(*) FROM dem_tiles) "
                                     "FROM path_edges").fetchone())

    def stats(self) -> NetworkStats:
        ways = dict(self.db.execute("SELECT kind, COUNT(*) FROM map_ways GROUP BY kind ORDER BY kind").fetchall())
        nodes = self.db.execute("SELECT COUNT(*) FROM path_nodes").fetchone()[0]
        edges, edges_m = self.db.execute("SELECT COUNT(*), COALESCE(SUM(length_m), 0) FROM path_edges").fetchone()
        walk_m = self.db.execute("SELECT COALESCE(SUM(length_m), 0) FROM map_ways WHERE walkable = 1").fetchone()[0]
        ids = np.fromiter((r[0] for r in self.db.execute("SELECT id FROM path_nodes ORDER BY id")), dtype=np.int64,
                          count=nodes)
        return NetworkStats(ways, nodes, edges, float(edges_m), float(walk_m),
                            count_components(ids, self._edge_ends()))

    def _edge_ends(self, batch: int = COMPONENTS_BATCH) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        """``(from_node ids, to_node ids)`` of the edges, by batches of ``batch`` edges (bounded memory)."""
        last = 0
        while True:
            rows = self.db.execute("SELECT id, from_node, to_node FROM path_edges WHERE id > ? ORDER BY id LIMIT ?",
                                   [last, batch]).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield (np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
                   np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)))


def count_components(nodes: np.ndarray, edge_batches: Iterable[tuple[np.ndarray, np.ndarray]]) -> int:
    """Connected components of a graph: its sorted node ids, and its edges' end ids by batches.

    Compact arrays, not a dict per node (the network of a département has millions of nodes),
    and the edges a batch at a time: 17 bytes a node (ids, parents, used) whatever the number of
    edges. Each batch's ends are numbered by binary search in ``nodes``, then roots are hooked to
    the smaller root across its edges (Shiloach-Vishkin) until no edge of the batch joins two roots,
    paths being halved on the whole parent array after each round.

    >>> import numpy as np
    >>> ids = np.array([1, 2, 3, 10, 11, 12, 20])  # 1-2-3, 10-11, a loop on 12; 20 on no edge
    >>> count_components(ids, [(np.array([1, 2]), np.array([2, 3])), (np.array([10, 12]), np.array([11, 12]))])
    3
    >>> count_components(np.array([], dtype=np.int64), [])
    0
    """
    parent = np.arange(len(nodes))
    used = np.zeros(len(nodes), dtype=bool)  # a node no edge ends on is no part
    for froms, tos in edge_batches:
        a, b = np.searchsorted(nodes, froms), np.searchsorted(nodes, tos)
        used[a] = used[b] = True
        while True:
            ra, rb = parent[a], parent[b]
            apart = ra != rb
            if not apart.any():
                break
            np.minimum.at(parent, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
            while True:
                up = parent[parent]
                if np.array_equal(up, parent):
                    break
                parent = up
    return int(np.count_nonzero((parent == np.arange(len(nodes))) & used))


__all__ = ["EDGE_TAGS", "EdgeRow", "MapWay", "NetworkStats", "NetworkStore", "PathEdge", "WayRow", "migrate"]
