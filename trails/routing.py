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
3. **shortest paths.** Only the edges open to the practice are kept
   (:func:`trails.cost.access`: ``foot``/``bicycle``/``horse``/``access`` tags, no steps
   for wheels and hooves, ``oneway`` for wheels). An edge costs its time
   (:mod:`trails.cost`: Tobler's hiking function on each step's slope from the DEM,
   times the ``sac_scale``, ``surface`` and steps factors) times the factor of its
   highway class for the practice (:data:`WALKING_FACTORS`: a walker takes 1 km of
   ``secondary`` road only to save more than 600 m of path); the way between a POI and
   its foot costs :data:`SNAP_FACTOR` times its flat walking time, once at the ends of
   the route and twice (there and back) for a stop on the way. One foot per POI, in the
   given order (and back to the first with ``loop=True``), is chosen so the whole
   circuit costs least: dynamic programming over the stops (Viterbi), each step one
   multi-source A* (``heapq``) from the feet of a POI, starting at their cost so far,
   until the feet of the next one are settled. A loop closes on one foot, then its legs
   are routed again in order, each one paying :data:`REUSE_PENALTY` times for the pieces
   the earlier ones walked, so that it does not come back the way it went
   (:func:`unretraced_legs`; ``routing["reuse_ratio"]`` is the share of length
   walked twice). A loop that still comes back the way it went (an out-and-back for
   :func:`trails.metrics.detect_route_type`: on Monaco's Rocher the cheapest feet are
   short of the Cathedral and the Museum, and the whole circuit fits in a 90 m wide
   strip) is routed again with the way to the stops on the way costing
   :data:`LOOP_SNAP_FACTORS` times more, so that it reaches them and goes round; the
   shortest real loop at most :data:`LOOP_DETOUR` times longer is kept (preferring
   those walking at most :data:`LOOP_MAX_REUSE` twice), else the cheapest circuit. The
   heuristic is the straight metric distance to the box of the targets at the fastest
   speed (:data:`trails.cost.MAX_WALK_KMH`) times
   :data:`HEURISTIC_SCALE` (absorbs the projection's scale error, under 0.3 %) times the
   smallest factor: it never overestimates and is consistent, so A* is exact.
4. **geometry.** Edge pieces are joined in the direction walked (reversed when walked
   from their end), shared vertices once; elevations are those the DEM gave the edges
   (``balise dem import``), or read from SRTM tiles (:class:`trails.elevation.SrtmTiles`)
   when given; ``routing["time_min"]`` is the cost model's time.

The trail is not stored; :func:`save_routed_trail` stores it with the chosen POIs as
``manual`` stops. Lengths are geodesic: the sum of the edge pieces walked.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import sqlite_utils

from poi.geo import GEOD, Projector, bbox_around, geodesic_length_m
from poi.i18n import gettext as _
from poi.network.store import NetworkStore
from poi.store import PoiStore, transaction
from trails.assembly import measure, save_trail
from trails.dem import drape_points
from trails.errors import NotFoundError
from trails.graph import (PRACTICE_FACTORS, WALKING_FACTORS, Foot, Graph, NoNetworkError, NoPathError,
                          RoutingError, SnapError, Walked, highway_factor, unretraced_legs)
from trails.metrics import detect_route_type
from trails.models import PRACTICES, Stop, Trail
from trails.store import TrailStore

#: Farthest a POI may be from the path network (metres, geodesic).
MAX_SNAP_M = 300.0
#: Smallest margin (metres) around the POIs' box when reading the network.
MARGIN_M = 2000.0
#: The margin is widened this many times before two POIs are declared unconnected.
RETRY_FACTOR = 4.0
#: A loop that comes back the way it went is routed again with the way to its stops on the way (not the
#: first) costing this many times more (feet nearer them: the loop goes round them, not turning short) ...
LOOP_SNAP_FACTORS = (2.0, 4.0)
#: ... as long as it is at most this many times longer than the cheapest circuit; the shortest that walks at
#: most this share of its length twice is preferred.
LOOP_DETOUR = 2.0
LOOP_MAX_REUSE = 0.10


def _label(poi) -> str:
    return f"{poi.id} “{poi.name}”"


def _box(pois, margin_m: float) -> tuple[float, float, float, float]:
    x0, y0, _x, _y = bbox_around(min(p.lon for p in pois), min(p.lat for p in pois), margin_m)
    _a, _b, x1, y1 = bbox_around(max(p.lon for p in pois), max(p.lat for p in pois), margin_m)
    return x0, y0, x1, y1


def _chain(network: Graph, feet: dict[int, list[Foot]], order: list[int], by_id: dict,
           ends: tuple[Foot, Foot] | None = None, stop_factor: float = 1.0) -> tuple[float, list[Foot], list]:
    """One foot per stop of ``order`` and the legs between, cheapest in total (Viterbi, one search a leg).

    ``ends`` = (first, last) forces the feet of the first and last stops (a loop closes on one foot);
    ``stop_factor`` multiplies the cost of the way to the stops on the way (not the ends).
    """
    def allowed(k: int) -> list[Foot]:
        if ends is not None and k in (0, len(order) - 1):
            return [ends[0 if k == 0 else 1]]
        return feet[order[k]]

    snap = network.snap_s_per_m
    layer = {f.node: f.distance_m * snap for f in allowed(0)}
    first = {f.node: f for f in allowed(0)}
    history = []
    for k in range(1, len(order)):
        targets = {f.node: f for f in allowed(k)}
        found = network.search(layer, set(targets))
        if not found:
            raise NoPathError(_("no walkable path joins POI {a} and POI {b} in the imported network (they are on "
                                "parts that do not meet): import a larger extract with balise map import, or "
                                "pick other POIs", a=_label(by_id[order[k - 1]]), b=_label(by_id[order[k]])))
        crossings = 1 if k == len(order) - 1 else 2 * stop_factor  # a stop on the way: there and back
        history.append({n: (g + targets[n].distance_m * snap * crossings, targets[n], steps, origin)
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


def _route(network: Graph, pois, order: list[int], loop: bool, max_snap_m: float):
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
    chosen, legs = _feet_and_legs(network, feet, order, by_id, loop)
    if loop and detect_route_type([_trace(network, chosen, legs)]) != "loop":
        chosen, legs = _round_loop(network, feet, order, by_id, (chosen, legs))
    coords, along, vertex = [chosen[0].point], [0.0], [0]
    walked = Walked()
    for steps in legs:
        walked.add(network, steps, coords)
        along.append(walked.length_m)
        vertex.append(len(coords) - 1)
    return coords, along, vertex, chosen, walked

def _feet_and_legs(network: Graph, feet, order: list[int], by_id: dict, loop: bool,
                   stop_factor: float = 1.0) -> tuple[list[Foot], list]:
    """The cheapest feet and legs through ``order``; a loop closes on one foot and is not retraced."""
    _total, chosen, legs = _chain(network, feet, order, by_id, stop_factor=stop_factor)
    if loop and chosen[0] != chosen[-1]:  # chain again from each of the two feet, keep the cheaper
        _total, chosen, legs = min((_chain(network, feet, order, by_id, ends=(f, f), stop_factor=stop_factor)
                                    for f in (chosen[0], chosen[-1])), key=lambda c: c[0])
    if loop:
        legs = unretraced_legs(network, [f.node for f in chosen])
    return chosen, legs


def _round_loop(network: Graph, feet, order: list[int], by_id: dict, cheapest: tuple) -> tuple:
    """A loop that comes back the way it went, routed again with feet nearer the POIs
    (:data:`LOOP_SNAP_FACTORS`): the real loop at most :data:`LOOP_DETOUR` times longer, walking at most
    :data:`LOOP_MAX_REUSE` twice if one does, shortest first; else ``cheapest``."""
    def length(found) -> float:
        return sum(network.pieces[p].length_m for leg in found[1] for p, _f in leg)

    loops = []
    for factor in LOOP_SNAP_FACTORS:
        found = _feet_and_legs(network, feet, order, by_id, True, factor)
        walked = Walked()
        coords = _trace(network, found[0], found[1], walked)
        if detect_route_type([coords]) == "loop" and length(found) <= LOOP_DETOUR * length(cheapest):
            loops.append((walked.reuse_ratio > LOOP_MAX_REUSE, length(found), found))
    return min(loops, key=lambda c: c[:2])[2] if loops else cheapest


def _trace(network: Graph, chosen: list[Foot], legs: list, walked: Walked | None = None) -> list:
    coords, walked = [chosen[0].point], walked or Walked()
    for steps in legs:
        walked.add(network, steps, coords)
    return coords


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
        ``routed_through`` the POI ids; ``routing`` the practice, the
        loop flag and each stop's ``distance_along_m``, ``offset_m`` and ``snap_m``
        (from the POI to the path), ``time_min`` (the cost model's time, :mod:`trails.cost`),
        ``reuse_ratio`` (share of the length walked twice) and ``highways_m`` (metres per
        highway class).

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
    trails.graph.RoutingError: a route needs at least two different POIs (got 1)
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
            coords, along, vertex, chosen, walked = _route(Graph(edges, projector, practice), pois, order,
                                                           loop, max_snap_m)
            break
        except NoPathError:
            if attempt:
                raise
    segment = drape_points(db, coords, srtm)
    offsets = _offsets(projector, coords, vertex, order, {p.id: p for p in pois})
    stops = [{"poi_id": pid, "distance_along_m": round(d, 2), "offset_m": o, "snap_m": round(f.distance_m, 2)}
             for pid, d, o, f in zip(order, along, offsets, chosen)]
    trail = Trail(name=name, segments=[segment], practice=practice, route_type="loop" if loop else "one_way",
                  source="routed", routed_through=given, routing={
                      "practice": practice, "loop": bool(loop), "stops": stops,
                      "time_min": round(walked.time_s / 60), "reuse_ratio": round(walked.reuse_ratio, 3),
                      "highways_m": {k: round(v, 1) for k, v in sorted(walked.highways_m.items())}})
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
        for s in trail.routing["stops"]:
            chosen.setdefault(s["poi_id"], s)  # a POI passed twice is placed where it is first reached
        store.upsert_stops([Stop(trail_id=trail.id, poi_id=pid, distance_along_m=s["distance_along_m"],
                                 offset_m=s["offset_m"], status="manual") for pid, s in chosen.items()])
        for pid in chosen:
            store.set_stop_status(trail.id, pid, "manual")
    return trail


__all__ = ["MAX_SNAP_M", "NoNetworkError", "NoPathError", "PRACTICE_FACTORS", "RoutingError", "SnapError",
           "WALKING_FACTORS", "highway_factor", "route_trail", "save_routed_trail"]
