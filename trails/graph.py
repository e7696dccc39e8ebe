"""The path network as a graph for routing: edges open to a practice, cut at feet, costed, searched with A*.

:class:`Graph` reads :class:`poi.network.store.PathEdge` rows (their tags and DEM
elevations), keeps the edges open to the practice (:func:`trails.cost.access`), costs
them (time from :mod:`trails.cost` times the highway class factor of the practice),
cuts them at the *feet* where points join the network, and searches it
(:meth:`Graph.search`: multi-source A*, optional penalties on pieces already walked).
:func:`unretraced_legs` routes the legs of a loop so that it does not come back the way
it went; :class:`Walked` sums length, time and the share of length walked twice.
Used by :mod:`trails.routing` (circuits through chosen POIs) and :mod:`trails.loops`
(loops of a chosen duration).
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import shapely

from poi.geo import GEOD, Projector, geodesic_length_m
from poi.i18n import gettext as _
from poi.network.store import PathEdge
from trails.cost import WALK_FLAT_KMH, MAX_WALK_KMH, PRACTICE_SPEED, access, edge_times_h, way_factor
from trails.errors import BaliseError
from trails.filter_params import label

#: Most feet (candidate points on the network) per POI, nearest edges first.
CANDIDATES = 64
#: Cost of a metre between a POI and its foot, in metres of path, each way (twice for a stop on the way).
SNAP_FACTOR = 2.0
#: Heuristic scale: metric (projected) distance times this never exceeds the geodesic one.
HEURISTIC_SCALE = 0.99
#: Cost factor of a piece a loop already walked (:func:`unretraced_legs`): a detour up to this many times
#: longer is preferred to walking back the same way.
REUSE_PENALTY = 4.0
#: Cost factor of a piece within :data:`NEAR_M` of one a loop already walked (coming back along the
#: parallel street is not much better than by the same one).
NEAR_PENALTY = 1.5
#: What "near" means for :data:`NEAR_PENALTY`, metres (the retrace tolerance of :mod:`trails.metrics`).
NEAR_M = 50.0
#: Cost factor per ``highway=*`` for walkers: paths, tracks and quiet streets 1; busier roads cost more.
WALKING_FACTORS: dict[str, float] = {
    **dict.fromkeys(("path", "footway", "pedestrian", "track", "bridleway", "steps", "living_street"), 1.0),
    **dict.fromkeys(("residential", "unclassified", "service", "road", "cycleway"), 1.2),
    **dict.fromkeys(("tertiary", "tertiary_link"), 1.4),
    **dict.fromkeys(("secondary", "secondary_link"), 1.6),
    **dict.fromkeys(("primary", "primary_link", "trunk", "trunk_link"), 2.0),
}
_RIDING = {**WALKING_FACTORS, "steps": 20.0}  # wheels and hooves avoid steps
PRACTICE_FACTORS: dict[str, dict[str, float]] = {
    "walking": WALKING_FACTORS, "trail_running": WALKING_FACTORS, "snowshoe": WALKING_FACTORS,
    "horse_riding": _RIDING, "mountain_bike": _RIDING,
    "cycling": {**_RIDING, **dict.fromkeys(("residential", "unclassified", "cycleway", "living_street"), 1.0)},
}
#: Factor of a highway class not in the table (a ``foot=yes`` motorway link, ...).
DEFAULT_FACTOR = 2.0



class RoutingError(BaliseError, ValueError):
    """A route cannot be made through these POIs (the message says why and what to do)."""


class NoNetworkError(RoutingError):
    """No path network is imported where the POIs are."""


class SnapError(RoutingError):
    """A POI is too far from every path of the network."""


class NoPathError(RoutingError):
    """Two consecutive POIs are on parts of the network that do not meet."""


def highway_factor(highway: str, practice: str = "walking") -> float:
    """Cost factor of one edge's highway class for a practice (see :data:`WALKING_FACTORS`).

    >>> highway_factor("path"), highway_factor("secondary"), highway_factor("steps", "mountain_bike")
    (1.0, 1.6, 20.0)
    >>> highway_factor("motorway")
    2.0
    """
    return PRACTICE_FACTORS.get(practice, WALKING_FACTORS).get(highway, DEFAULT_FACTOR)


class Foot(NamedTuple):
    """Where a POI may join the network: node ``node`` on edge ``edge``, segment ``seg`` at ``t``."""

    node: int  # a path node when the foot is an edge's end, else a new negative id
    edge: int
    seg: int
    t: float
    xy: tuple[float, float]  # metric
    lonlat: tuple[float, float]
    distance_m: float  # geodesic, POI to foot
    ele: float | None = None  # metres, interpolated from the edge's vertices (DEM)

    @property
    def point(self) -> tuple[float, float, float | None]:
        return (*self.lonlat, self.ele)


class Piece(NamedTuple):
    """An edge, or the part of one between feet, as the graph holds it."""

    coords: list[tuple[float, float, float | None]]  # lon/lat/ele from its first node to its last
    length_m: float
    forward_s: float  # walking time from its first node (trails.cost), before the practice's speed
    backward_s: float
    highway: str
    edge: int  # index of its edge in Graph.edges


class Coords(Sequence):
    """The vertices of an edge, read from the graph's shared arrays when asked: ``(lon, lat)`` tuples, or
    ``(lon, lat, ele)`` with ``ele`` None where unknown (a piece's coords).

    Kept instead of lists of tuples (about 150 bytes a vertex) so that a cached network costs its numpy arrays
    (16 or 24 bytes a vertex) plus this small object per edge; the values are the same floats."""

    __slots__ = ("_lonlat", "_ele", "_i", "_j")

    def __init__(self, lonlat: np.ndarray, i: int, j: int, ele: np.ndarray | None = None):
        self._lonlat, self._ele, self._i, self._j = lonlat, ele, i, j

    def __len__(self) -> int:
        return self._j - self._i

    def _rows(self, rows: slice | range) -> list:
        lonlat = self._lonlat[self._i:self._j][rows].tolist()
        if self._ele is None:
            return [tuple(c) for c in lonlat]
        return [(lon, lat, None if h != h else h) for (lon, lat), h in
                zip(lonlat, self._ele[self._i:self._j][rows].tolist())]

    def __getitem__(self, k):
        if isinstance(k, slice):
            return self._rows(k)
        n = self._j - self._i
        if not -n <= k < n:
            raise IndexError("vertex index out of range")
        return self._rows(slice(k % n, k % n + 1))[0]

    def __iter__(self):
        return iter(self._rows(slice(None)))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(list(self))


class Graph:
    """Edges read around the POIs, projected and indexed; feet cut into the graph; A* over it."""

    def __init__(self, edges: list[PathEdge], projector: Projector, practice: str):
        doors = [access(e.highway, e.tags, practice) for e in edges]
        self.edges = [e for e, d in zip(edges, doors) if d[0] or d[1]]
        self.doors = [d for d in doors if d[0] or d[1]]
        edges, self.projector, self.practice = self.edges, projector, practice
        if not edges:
            raise NoNetworkError(_("no path of the imported network here is open to {practice}: import a "
                                   "larger extract, or choose another practice", practice=label(practice)))
        self.factors = PRACTICE_FACTORS.get(practice, WALKING_FACTORS)
        flat = np.array([c for e in edges for c in e.coords], dtype=float)
        x, y = projector.to_metric(flat[:, 0], flat[:, 1])
        xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
        bounds = np.cumsum([0] + [len(e.coords) for e in edges])
        self.xy = [xy[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        ele = np.array([np.nan if v is None else v for e in edges
                        for v in (e.ele if e.ele and len(e.ele) == len(e.coords) else [None] * len(e.coords))],
                       dtype=float)
        self.ele = [ele[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        self._lonlat, self._ele, self._bounds = flat, ele, bounds
        # the edges keep their vertices in the shared arrays, not as lists of tuples (see Coords)
        # the edges keep their vertices in the shared arrays, not as lists of tuples (see Coords); their
        # elevations are in self.ele
        self.edges[:] = [e._replace(coords=Coords(flat, int(a), int(b)), ele=None)
                         for e, a, b in zip(edges, bounds[:-1], bounds[1:])]
        # vertices equal to the one before, per edge: whole edges without any are pieces as they are (see _add)
        same = np.all(flat[1:] == flat[:-1], axis=1) & ((ele[1:] == ele[:-1]) | (np.isnan(ele[1:])
                                                                                 & np.isnan(ele[:-1])))
        counts = np.concatenate([[0], np.cumsum(same)])
        self._repeats = counts[bounds[1:] - 1] - counts[bounds[:-1]]
        ways = np.array([way_factor(e.highway, e.tags, practice) for e in edges], dtype=float)
        fwd_h, back_h = edge_times_h(xy, ele, bounds[:-1], ways, practice)
        self.times = np.column_stack([fwd_h * 3600.0, back_h * 3600.0])
        #: seconds of cost per metre of straight line, never more than any path's (A*'s heuristic)
        self.heuristic_s_per_m = (HEURISTIC_SCALE * min(self.factors.values(), default=1.0) * 3.6
                                  / (MAX_WALK_KMH * PRACTICE_SPEED.get(practice, 1.0)))
        #: seconds of cost per metre between a POI and its foot
        self.snap_s_per_m = SNAP_FACTOR * 3.6 / (WALK_FLAT_KMH * PRACTICE_SPEED.get(practice, 1.0))
        self.tree = shapely.STRtree(shapely.linestrings(xy, indices=np.repeat(np.arange(len(edges)),
                                                                             np.diff(bounds))))
        self.feet: list[Foot] = []

    def nearest_m(self, lon: float, lat: float) -> float:
        """Metric distance from a point to the nearest edge read."""
        p = shapely.points(self.projector.to_metric(lon, lat))
        return float(shapely.distance(p, self.tree.geometries[self.tree.query_nearest(p)[0]]))

    def add_feet(self, lon: float, lat: float, max_snap_m: float) -> list[Foot]:
        """The feet of a point on its :data:`CANDIDATES` nearest edges within ``max_snap_m``, nearest first."""
        p = np.array(self.projector.to_metric(lon, lat), dtype=float)
        near = self.tree.query(shapely.points(p), predicate="dwithin", distance=max_snap_m * 1.01 + 1.0)
        found = []
        for edge in near.tolist():
            a, b = self.xy[edge][:-1], self.xy[edge][1:]
            ab = b - a
            ab2 = np.einsum("ij,ij->i", ab, ab)
            t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(ab2 > 0, ab2, 1.0), 0.0, 1.0)
            foot = a + ab * t[:, None]
            seg = int(np.argmin(np.einsum("ij,ij->i", foot - p, foot - p)))
            found.append((float(np.hypot(*(foot[seg] - p))), edge, seg, float(t[seg]), foot[seg]))
        feet: dict[int, Foot] = {}
        for _d, edge, seg, t, (fx, fy) in sorted(found, key=lambda f: (f[0], f[1]))[:CANDIDATES]:
            e = self.edges[edge]
            last = len(e.coords) - 2
            node = (e.from_node if seg == 0 and t == 0.0 else e.to_node if seg == last and t == 1.0
                    else -(len(self.feet) + len(feet) + 1))  # feet of earlier points are in self.feet
            if t in (0.0, 1.0):  # on a vertex: its exact stored lon/lat
                flon, flat = e.coords[seg + int(t)]
            else:
                flon, flat = (float(v) for v in self.projector.to_wgs84(float(fx), float(fy)))
            distance_m = float(GEOD.inv(lon, lat, flon, flat)[2])
            h0, h1 = self.ele[edge][seg], self.ele[edge][seg + 1]
            ele = None if np.isnan(h0) or np.isnan(h1) else round(float(h0 + (h1 - h0) * t), 1)
            if distance_m <= max_snap_m and node not in feet:
                feet[node] = Foot(node, edge, seg, t, (float(fx), float(fy)), (flon, flat), distance_m, ele)
        self.feet += feet.values()
        return list(feet.values())

    def build(self) -> None:
        """The graph: adjacency lists over the edges, cut at the feet (negative node ids)."""
        self.adj: dict[int, list[tuple[int, float, int, bool]]] = {}
        self.pos: dict[int, tuple[float, float]] = {f.node: f.xy for f in self.feet if f.node < 0}
        self.pieces: list[Piece] = []
        self.edge_pieces: dict[int, list[int]] = {}
        cuts: dict[int, list[Foot]] = {}
        for f in self.feet:
            if f.node < 0:
                cuts.setdefault(f.edge, []).append(f)
        for i, e in enumerate(self.edges):
            self.pos.setdefault(e.from_node, tuple(self.xy[i][0]))
            self.pos.setdefault(e.to_node, tuple(self.xy[i][-1]))
            self.cut_edge(i, cuts.get(i, ()))

    def cut_edge(self, i: int, feet: Sequence[Foot] = ()) -> None:
        """Add edge ``i`` to the graph: whole, or as the pieces between its ``feet``."""
        e = self.edges[i]
        a, b = int(self._bounds[i]), int(self._bounds[i + 1])
        if not feet and b - a >= 2 and not self._repeats[i]:
            self._add(i, e.from_node, e.to_node, Coords(self._lonlat, a, b, self._ele), e.length_m)
            return
        points = [(lon, lat, None if np.isnan(h) else float(h)) for (lon, lat), h in zip(e.coords, self.ele[i])]
        if not feet:
            self._add(i, e.from_node, e.to_node, points, e.length_m)
            return
        prev, start, after = e.from_node, points[0], 1  # after: next original vertex
        for f in sorted(feet, key=lambda f: (f.seg, f.t, -f.node)):
            self._add(i, prev, f.node, [start, *points[after:f.seg + 1], f.point], None)
            prev, start, after = f.node, f.point, f.seg + 1
        self._add(i, prev, e.to_node, [start, *points[after:]], None)

    def _add(self, edge: int, a: int, b: int, coords, length_m: float | None) -> None:
        """One piece of edge ``edge`` from node ``a`` to ``b``: its time is the edge's pro rata of length."""
        if not isinstance(coords, Coords):  # (Coords: a whole edge, no vertex repeated)
            coords = [tuple(c) for k, c in enumerate(coords) if k == 0 or tuple(c) != tuple(coords[k - 1])]
            coords = coords * 2 if len(coords) < 2 else coords
        e = self.edges[edge]
        length_m = geodesic_length_m([c[:2] for c in coords]) if length_m is None else length_m
        share = length_m / e.length_m if e.length_m > 0 else 0.0
        forward_s, backward_s = (float(t) * share for t in self.times[edge])
        self.pieces.append(Piece(coords, length_m, forward_s, backward_s, e.highway, edge))
        self.edge_pieces.setdefault(edge, []).append(len(self.pieces) - 1)
        factor = self.factors.get(e.highway, DEFAULT_FACTOR)
        forward, backward = self.doors[edge]
        if forward:
            self.adj.setdefault(a, []).append((b, forward_s * factor, len(self.pieces) - 1, True))
        if backward:
            self.adj.setdefault(b, []).append((a, backward_s * factor, len(self.pieces) - 1, False))

    def near_edges(self, edge: int) -> list[int]:
        """The edges within :data:`NEAR_M` of ``edge`` (itself included), cached."""
        cache = self.__dict__.setdefault("_near", {})
        if edge not in cache:
            cache[edge] = self.tree.query(self.tree.geometries[edge], predicate="dwithin",
                                          distance=NEAR_M).tolist()
        return cache[edge]

    def search(self, sources: dict[int, float], targets: set[int],
               penalty: dict[int, float] | None = None) -> dict[int, tuple]:
        """Multi-source A*: from ``sources`` (node -> starting cost) until every target is settled.

        Returns target -> ``(cost, [(piece, forward), ...], source)``: the cheapest
        starting cost plus path over all sources, which is one Viterbi step.
        ``penalty`` multiplies the cost of some pieces (>= 1: pieces a loop already used).
        """
        gx0, gy0 = min(self.pos[t][0] for t in targets), min(self.pos[t][1] for t in targets)
        gx1, gy1 = max(self.pos[t][0] for t in targets), max(self.pos[t][1] for t in targets)
        scale = self.heuristic_s_per_m
        penalty = penalty or {}

        def h(node: int) -> float:  # distance to the targets' box: 1-Lipschitz, so consistent
            x, y = self.pos[node]
            return math.hypot(max(gx0 - x, 0.0, x - gx1), max(gy0 - y, 0.0, y - gy1)) * scale

        best, came, done, found = dict(sources), {}, set(), {}
        heap = [(g + h(n), g, n) for n, g in sources.items()]
        heapq.heapify(heap)
        while heap and len(found) < len(targets):
            _f, g, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            if node in targets:
                steps, walk = [], node
                while walk in came:
                    walk, piece, forward = came[walk]
                    steps.append((piece, forward))
                found[node] = (g, steps[::-1], walk)
            for other, cost, piece, forward in self.adj.get(node, ()):
                if piece in penalty:
                    cost *= penalty[piece]
                if g + cost < best.get(other, math.inf):
                    best[other] = g + cost
                    came[other] = (node, piece, forward)
                    heapq.heappush(heap, (g + cost + h(other), g + cost, other))
        return found


class Walked:
    """Length, time and pieces walked so far; the share of length walked more than once."""

    def __init__(self):
        self.length_m, self.time_s, self.again_m = 0.0, 0.0, 0.0
        self.used: set[int] = set()
        self.highways_m: dict[str, float] = {}

    def add(self, network: Graph, steps, coords: list | None = None) -> None:
        """Walk ``steps`` (``[(piece, forward), ...]``), appending their points to ``coords``."""
        for piece, forward in steps:
            p = network.pieces[piece]
            if coords is not None:
                coords.extend((p.coords if forward else p.coords[::-1])[1:])
            self.length_m += p.length_m
            self.highways_m[p.highway] = self.highways_m.get(p.highway, 0.0) + p.length_m
            self.time_s += p.forward_s if forward else p.backward_s
            if piece in self.used:
                self.again_m += p.length_m
            self.used.add(piece)

    @property
    def reuse_ratio(self) -> float:
        return self.again_m / self.length_m if self.length_m else 0.0


def unretraced_legs(network: Graph, nodes: Sequence[int], penalty: dict[int, float] | None = None) -> list:
    """The legs between consecutive ``nodes``, each routed after the earlier ones with the pieces they used
    costing :data:`REUSE_PENALTY` times more, so that a loop does not come back the way it went.

    ``penalty`` (piece -> factor) is updated in place. Raises :class:`NoPathError` if a leg has no path.
    """
    penalty = {} if penalty is None else penalty
    legs = []
    for a, b in zip(nodes, nodes[1:]):
        if a == b:
            legs.append([])
            continue
        found = network.search({a: 0.0}, {b}, penalty)
        if b not in found:
            raise NoPathError(_("no path joins two points of the loop in the imported network"))
        steps = found[b][1]
        legs.append(steps)
        walked_again(network, [piece for piece, _forward in steps], penalty)
    return legs


def walked_again(network: Graph, pieces: Sequence[int], penalty: dict[int, float]) -> None:
    """Raise the penalty of ``pieces`` to :data:`REUSE_PENALTY` and of the pieces within
    :data:`NEAR_M` of them (a parallel street, the other pavement) to :data:`NEAR_PENALTY`."""
    edges = sorted({network.pieces[p].edge for p in pieces})
    if edges and NEAR_PENALTY > 1.0:
        for edge in {e for walked in edges for e in network.near_edges(walked)}:
            for other in network.edge_pieces.get(edge, ()):
                penalty[other] = max(penalty.get(other, 1.0), NEAR_PENALTY)
    for piece in pieces:
        penalty[piece] = REUSE_PENALTY


__all__ = ["CANDIDATES", "Coords", "DEFAULT_FACTOR", "Foot", "Graph", "HEURISTIC_SCALE", "NoNetworkError", "NoPathError",
           "PRACTICE_FACTORS", "Piece", "REUSE_PENALTY", "NEAR_M", "NEAR_PENALTY", "RoutingError", "SNAP_FACTOR", "SnapError",
           "WALKING_FACTORS", "Walked", "highway_factor", "unretraced_legs"]
