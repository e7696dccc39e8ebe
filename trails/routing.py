"""Circuits routed over the walkable path network: staff pick POIs, Balise finds the way between them.

How a route is made (:func:`route_trail`)
-----------------------------------------
1. **network around the POIs.** The path edges (``balise map import``, :mod:`poi.network`)
   whose box meets the POIs' lon/lat box widened by ``max(MARGIN_M, half its largest
   side)`` are read through the R*Tree. If two POIs are not joined inside that box, it
   is widened :data:`RETRY_FACTOR` times once more before the route is refused.
2. **snapping.** Edges and POIs are projected with :meth:`poi.geo.Projector.for_coords`
   (Lambert-93 in metropolitan France, else the local UTM zone). Each POI gets up to
   :data:`CANDIDATES` *feet*: the nearest point of each of its nearest edges within
   ``max_snap_m`` (geodesic), not the nearest junction; edges are cut at the feet. The
   nearest edge is not always the one to take: a palace drawn as a building sits above
   a road tunnel, beside a square the network lacks.
3. **shortest paths.** An edge costs its geodesic ``length_m`` times the factor of its
   highway class for the practice (:data:`WALKING_FACTORS`: a walker takes 1 km of
   ``secondary`` road only to save more than 600 m of path); the way between a POI and
   its foot costs :data:`SNAP_FACTOR` times its length, once at the ends of the route and
   twice (there and back) for a stop on the way. One foot per POI, in the given order (and
   back to the first with ``loop=True``), is chosen so the whole circuit costs least:
   dynamic programming over the stops (Viterbi), each step one multi-source A* (``heapq``)
   from the feet of a POI, starting at their cost so far, until the feet of the next one
   are settled. A loop closes on one foot. The heuristic is the straight metric distance
   to the box of the targets times :data:`HEURISTIC_SCALE` (absorbs the projection's scale
   error, under 0.3 %) times the smallest factor: it never overestimates and is
   consistent, so A* is exact.
4. **geometry.** Edge pieces are joined in the direction walked (reversed when walked
   from their end), shared vertices once; elevations are None, or read from SRTM tiles
   (:class:`trails.elevation.SrtmTiles`) when given.

The trail is not stored; :func:`save_routed_trail` stores it with the chosen POIs as
``manual`` stops. Lengths are geodesic: the sum of the edge pieces walked.
"""
from __future__ import annotations

import heapq
import math
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import shapely
import sqlite_utils

from poi.geo import GEOD, Projector, bbox_around, geodesic_length_m
from poi.i18n import gettext as _
from poi.network.store import NetworkStore, PathEdge
from poi.store import PoiStore, transaction
from trails.assembly import measure, save_trail
from trails.errors import BaliseError, NotFoundError
from trails.models import PRACTICES, Stop, Trail
from trails.store import TrailStore

#: Farthest a POI may be from the path network (metres, geodesic).
MAX_SNAP_M = 300.0
#: Most feet (candidate points on the network) per POI, nearest edges first.
CANDIDATES = 64
#: Cost of a metre between a POI and its foot, in metres of path, each way (twice for a stop on the way).
SNAP_FACTOR = 2.0
#: Smallest margin (metres) around the POIs' box when reading the network.
MARGIN_M = 2000.0
#: The margin is widened this many times before two POIs are declared unconnected.
RETRY_FACTOR = 4.0
#: Heuristic scale: metric (projected) distance times this never exceeds the geodesic one.
HEURISTIC_SCALE = 0.99
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


class _Network:
    """Edges read around the POIs, projected and indexed; feet cut into the graph; A* over it."""

    def __init__(self, edges: list[PathEdge], projector: Projector, practice: str):
        self.edges, self.projector = edges, projector
        self.factors = PRACTICE_FACTORS.get(practice, WALKING_FACTORS)
        flat = np.array([c for e in edges for c in e.coords], dtype=float)
        x, y = projector.to_metric(flat[:, 0], flat[:, 1])
        xy = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
        bounds = np.cumsum([0] + [len(e.coords) for e in edges])
        self.xy = [xy[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
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
            if distance_m <= max_snap_m and node not in feet:
                feet[node] = Foot(node, edge, seg, t, (float(fx), float(fy)), (flon, flat), distance_m)
        self.feet += feet.values()
        return list(feet.values())

    def build(self) -> None:
        """The graph: adjacency lists over the edges, cut at the feet (negative node ids)."""
        self.adj: dict[int, list[tuple[int, float, int, bool]]] = {}
        self.pos: dict[int, tuple[float, float]] = {f.node: f.xy for f in self.feet if f.node < 0}
        self.pieces: list[tuple[list[tuple[float, float]], float]] = []  # lon/lat coords, length_m
        cuts: dict[int, list[Foot]] = {}
        for f in self.feet:
            if f.node < 0:
                cuts.setdefault(f.edge, []).append(f)
        for i, e in enumerate(self.edges):
            self.pos.setdefault(e.from_node, tuple(self.xy[i][0]))
            self.pos.setdefault(e.to_node, tuple(self.xy[i][-1]))
            if i not in cuts:
                self._add(e.from_node, e.to_node, e.coords, e.length_m, e.highway)
                continue
            prev, start, after = e.from_node, e.coords[0], 1  # after: next original vertex
            for f in sorted(cuts[i], key=lambda f: (f.seg, f.t, -f.node)):
                self._add(prev, f.node, [start, *e.coords[after:f.seg + 1], f.lonlat], None, e.highway)
                prev, start, after = f.node, f.lonlat, f.seg + 1
            self._add(prev, e.to_node, [start, *e.coords[after:]], None, e.highway)

    def _add(self, a: int, b: int, coords, length_m: float | None, highway: str) -> None:
        coords = [tuple(c) for k, c in enumerate(coords) if k == 0 or tuple(c) != tuple(coords[k - 1])]
        coords = coords * 2 if len(coords) < 2 else coords
        length_m = geodesic_length_m(coords) if length_m is None else length_m
        self.pieces.append((coords, length_m))
        cost = length_m * self.factors.get(highway, DEFAULT_FACTOR)
        self.adj.setdefault(a, []).append((b, cost, len(self.pieces) - 1, True))
        self.adj.setdefault(b, []).append((a, cost, len(self.pieces) - 1, False))

    def search(self, sources: dict[int, float], targets: set[int]) -> dict[int, tuple]:
        """Multi-source A*: from ``sources`` (node -> starting cost) until every target is settled.

        Returns target -> ``(cost, [(piece, forward), ...], source)``: the cheapest
        starting cost plus path over all sources, which is one Viterbi step.
        """
        gx0, gy0 = min(self.pos[t][0] for t in targets), min(self.pos[t][1] for t in targets)
        gx1, gy1 = max(self.pos[t][0] for t in targets), max(self.pos[t][1] for t in targets)
        scale = HEURISTIC_SCALE * min(self.factors.values(), default=1.0)

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
                if g + cost < best.get(other, math.inf):
                    best[other] = g + cost
                    came[other] = (node, piece, forward)
                    heapq.heappush(heap, (g + cost + h(other), g + cost, other))
        return found


def _label(poi) -> str:
    return f"{poi.id} “{poi.name}”"


def _box(pois, margin_m: float) -> tuple[float, float, float, float]:
    x0, y0, _x, _y = bbox_around(min(p.lon for p in pois), min(p.lat for p in pois), margin_m)
    _a, _b, x1, y1 = bbox_around(max(p.lon for p in pois), max(p.lat for p in pois), margin_m)
    return x0, y0, x1, y1


def _chain(network: _Network, feet: dict[int, list[Foot]], order: list[int], by_id: dict,
           ends: tuple[Foot, Foot] | None = None) -> tuple[float, list[Foot], list]:
    """One foot per stop of ``order`` and the legs between, cheapest in total (Viterbi, one search a leg).

    ``ends`` = (first, last) forces the feet of the first and last stops (a loop closes on one foot).
    """
    def allowed(k: int) -> list[Foot]:
        if ends is not None and k in (0, len(order) - 1):
            return [ends[0 if k == 0 else 1]]
        return feet[order[k]]

    layer = {f.node: f.distance_m * SNAP_FACTOR for f in allowed(0)}
    first = {f.node: f for f in allowed(0)}
    history = []
    for k in range(1, len(order)):
        targets = {f.node: f for f in allowed(k)}
        found = network.search(layer, set(targets))
        if not found:
            raise NoPathError(_("no walkable path joins POI {a} and POI {b} in the imported network (they are on "
                                "parts that do not meet): import a larger extract with balise map import, or "
                                "pick other POIs", a=_label(by_id[order[k - 1]]), b=_label(by_id[order[k]])))
        crossings = 1 if k == len(order) - 1 else 2  # a stop on the way is walked to and back from
        history.append({n: (g + targets[n].distance_m * SNAP_FACTOR * crossings, targets[n], steps, origin)
                        for n, (g, steps, origin) in found.items()})
        layer = {n: v[0] for n, v in history[-1].items()}
    node = min(layer, key=layer.get)
    total, chosen, legs = layer[node], [], []
    for step in reversed(history):
        _cost, foot, steps, node = step[node]
        chosen.append(foot)
        legs.append(steps)
    chosen.append(first[node])
    return total, chosen[::-1], legs[::-1]


def _route(network: _Network, pois, order: list[int], loop: bool, max_snap_m: float):
    """Feet, legs and geometry: (coords, along_m per stop, vertex index per stop, foot per stop)."""
    by_id = {p.id: p for p in pois}
    feet = {}
    for p in pois:
        feet[p.id] = network.add_feet(p.lon, p.lat, max_snap_m)
        if not feet[p.id]:
            raise SnapError(_("POI {poi} is {distance} m from the nearest path of the network (at most {max} m): "
                              "pick another POI, or import the paths around it with balise map import "
                              "FILE.osm.pbf", poi=_label(p), distance=round(network.nearest_m(p.lon, p.lat)),
                              max=round(max_snap_m)))
    network.build()
    total, chosen, legs = _chain(network, feet, order, by_id)
    if loop and chosen[0] != chosen[-1]:  # chain again from each of the two feet, keep the cheaper
        total, chosen, legs = min((_chain(network, feet, order, by_id, ends=(f, f))
                                   for f in (chosen[0], chosen[-1])), key=lambda c: c[0])
    coords, along, vertex, walked_m = [chosen[0].lonlat], [0.0], [0], 0.0
    for steps in legs:
        for piece, forward in steps:
            piece_coords, length_m = network.pieces[piece]
            coords.extend((piece_coords if forward else piece_coords[::-1])[1:])
            walked_m += length_m
        along.append(walked_m)
        vertex.append(len(coords) - 1)
    return coords, along, vertex, chosen


def _offsets(projector: Projector, coords, vertex: list[int], order: list[int], by_id: dict) -> list[float]:
    """Signed geodesic offsets of the stops (negative on the left of the walking direction)."""
    out = []
    for k, pid in zip(vertex, order):
        p, foot = by_id[pid], coords[k]
        d = float(GEOD.inv(p.lon, p.lat, foot[0], foot[1])[2])
        a, b = coords[max(k - 1, 0)], coords[min(k + 1, len(coords) - 1)]
        (ax, bx, fx, px), (ay, by, fy, py) = projector.to_metric([a[0], b[0], foot[0], p.lon],
                                                                 [a[1], b[1], foot[1], p.lat])
        out.append(round(-d if (bx - ax) * (py - fy) - (by - ay) * (px - fx) > 0 else d, 2))
    return out


def route_trail(db: sqlite_utils.Database, poi_ids: Sequence[int], *, name: str, loop: bool = False,
                practice: str = "walking", max_snap_m: float = MAX_SNAP_M,
                srtm: str | Path | None = None) -> Trail:
    """A measured (not stored) trail following the path network through POIs, in the given order.

    Parameters
    ----------
    db : sqlite_utils.Database
        With POIs and a path network (``balise map import FILE.osm.pbf``).
    poi_ids : POI ids in walking order (at least two different ones; a POI may come back).
    name : the trail's name.
    loop : also route from the last POI back to the first.
    practice : a :data:`trails.models.PRACTICES` value; chooses the highway cost factors.
    max_snap_m : farthest (metres, geodesic) a POI may be from a path.
    srtm : folder or file of SRTM tiles giving elevations; None leaves them None.

    Returns
    -------
    Trail
        One segment; ``source="routed"``; ``route_type`` as measured (``loop``,
        ``one_way``, or ``out_and_back`` for a loop that comes back the way it went);
        ``extra["routed_through"]`` the POI ids; ``extra["routing"]`` the practice, the
        loop flag and each stop's ``distance_along_m``, ``offset_m`` and ``snap_m``
        (from the POI to the path).

    Raises
    ------
    NotFoundError
        An unknown POI id.
    RoutingError
        Fewer than two POIs; :class:`NoNetworkError` no network there;
        :class:`SnapError` a POI too far from any path; :class:`NoPathError`
        two POIs on parts of the network that do not meet.

    Examples
    --------
    >>> from poi.i18n import language
    >>> from poi.models import POI
    >>> from poi.store import open_db
    >>> db = open_db(":memory:")
    >>> _, pid = PoiStore(db).upsert(POI(name="Croix", lon=1.5, lat=42.5, source="t", source_id="1"))
    >>> with language("en"):
    ...     route_trail(db, [pid, pid], name="Nowhere")
    Traceback (most recent call last):
    ...
    trails.routing.RoutingError: a route needs at least two different POIs (got 1)
    """
    if practice not in PRACTICES:
        raise RoutingError(_("unknown practice {practice}; choose one of {choices}", practice=repr(practice),
                             choices=", ".join(PRACTICES)))
    order = [int(i) for i in poi_ids]
    distinct = list(dict.fromkeys(order))
    if len(distinct) < 2:
        raise RoutingError(_("a route needs at least two different POIs (got {n})", n=len(distinct)))
    pois = PoiStore(db).get_many(distinct)
    if len(pois) < len(distinct):
        missing = sorted(set(distinct) - {p.id for p in pois})
        raise NotFoundError(_("no POI with id {ids}: see balise poi list", ids=", ".join(map(str, missing))))
    given = list(order)
    if loop and order[-1] != order[0]:
        order.append(order[0])
    projector = Projector.for_coords([(p.lon, p.lat) for p in pois])
    x0, y0, x1, y1 = _box(pois, 0.0)
    margin_m = max(MARGIN_M, geodesic_length_m([(x0, y0), (x1, y0)]) / 2,
                   geodesic_length_m([(x0, y0), (x0, y1)]) / 2)
    store = NetworkStore(db)
    for attempt, margin in enumerate((margin_m, margin_m * RETRY_FACTOR)):
        edges = store.edges_in_bbox(_box(pois, margin))
        if not edges:
            raise NoNetworkError(_("no path network is imported around these POIs: run balise map import "
                                   "FILE.osm.pbf first (an extract that covers them)"))
        try:
            coords, along, vertex, chosen = _route(_Network(edges, projector, practice), pois, order, loop,
                                                   max_snap_m)
            break
        except NoPathError:
            if attempt:
                raise
    segment = [(lon, lat, None) for lon, lat in coords]
    if srtm is not None:
        from trails.elevation import SrtmTiles

        segment = SrtmTiles(srtm).add_elevations([segment])[0]
    offsets = _offsets(projector, coords, vertex, order, {p.id: p for p in pois})
    stops = [{"poi_id": pid, "distance_along_m": round(d, 2), "offset_m": o, "snap_m": round(f.distance_m, 2)}
             for pid, d, o, f in zip(order, along, offsets, chosen)]
    trail = Trail(name=name, segments=[segment], practice=practice, route_type="loop" if loop else "one_way",
                  source="routed", extra={"routed_through": given, "routing": {
                      "practice": practice, "loop": bool(loop), "stops": stops}})
    return measure(trail)


def save_routed_trail(db: sqlite_utils.Database, poi_ids: Sequence[int], *, name: str, loop: bool = False,
                      practice: str = "walking", themes: Sequence[str] = (), publish: bool = False,
                      max_snap_m: float = MAX_SNAP_M, srtm: str | Path | None = None) -> Trail:
    """Route a trail through POIs (:func:`route_trail`) and store it, in one transaction.

    The corridor attaches the POIs near the route (:func:`trails.assembly.save_trail`);
    the chosen POIs become ``manual`` stops, placed where the route passes them, so
    later corridor updates never move or drop them. Returns the stored trail.
    """
    trail = route_trail(db, poi_ids, name=name, loop=loop, practice=practice, max_snap_m=max_snap_m, srtm=srtm)
    trail.themes = list(dict.fromkeys(themes))
    trail.published = bool(publish)
    store = TrailStore(db)
    with transaction(db):
        save_trail(db, trail)
        chosen: dict[int, dict] = {}
        for s in trail.extra["routing"]["stops"]:
            chosen.setdefault(s["poi_id"], s)  # a POI passed twice is placed where it is first reached
        store.upsert_stops([Stop(trail_id=trail.id, poi_id=pid, distance_along_m=s["distance_along_m"],
                                 offset_m=s["offset_m"], status="manual") for pid, s in chosen.items()])
        for pid in chosen:
            store.set_stop_status(trail.id, pid, "manual")
    return trail


__all__ = ["MAX_SNAP_M", "NoNetworkError", "NoPathError", "PRACTICE_FACTORS", "RoutingError", "SnapError",
           "WALKING_FACTORS", "highway_factor", "route_trail", "save_routed_trail"]
