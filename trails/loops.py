"""Loops of a chosen duration from a start point, through the most heritage (``balise trail loop``).

The problem is an *orienteering problem*: POIs have a score (1 per heritage POI, the
heritage categories of :data:`poi.categories.HERITAGE_CATEGORIES`, narrowed by
themes), a loop from the start must stay within a time budget (walking time of the
cost model, :mod:`trails.cost`, plus the visit time of its stops,
:func:`trails.duration.stop_dwell_min`), and the score collected is maximised. It is
NP-hard; Balise uses the classic heuristic (Tsiligirides 1984; Vansteenwegen et al.,
*The orienteering problem: a survey*, EJOR 2011):

1. **network and clusters.** The path edges within the reach of the budget around the
   start are read (:class:`trails.graph.Graph`, practice access and costs); one
   Dijkstra from the start gives each node its time from the start. Heritage POIs
   within :data:`SNAP_M` of a node are grouped on it (a cluster: a square with a
   church and a fountain scores 2); nodes farther than half the budget are dropped.
2. **seed.** Each variant starts from one cluster drawn (seeded random) among the
   best-scoring ones at 15-50 % of the budget from the start, away from the seeds
   of the earlier variants.
3. **insertion.** The cluster with the best score per added time (cheapest
   insertion position, estimated by straight distance times the network's detour
   ratio, plus its visit time) is inserted while the estimate fits the budget;
   zero-score *filler* nodes on rings around the start can be inserted last, so a
   loop with little heritage around still reaches its duration.
4. **2-opt** on the visiting order (estimated times).
5. **realisation and local search.** The legs are routed with A* in order, each one
   paying :data:`trails.graph.REUSE_PENALTY` for the pieces walked before (and
   :data:`trails.graph.NEAR_PENALTY` near them), so the loop does not come back the
   way it went; its real time is measured; the estimate is rescaled by
   target / real and steps 3-5 are repeated (at most :data:`ROUNDS` times), keeping
   the best loop: within the tolerance, then walking at most :data:`MAX_REUSE` of its
   length twice, then most heritage, then least reuse. A variant that misses the
   duration is tried again from another seed (at most :data:`TRIES` seeds); the
   heritage objective tries :data:`MIN_TRIES` seeds even when the first fits, and keeps
   the best (on Andorra and Monaco: 78 heritage stops instead of 74 over 24 requests).

``objective="none"`` is the POI-blind round trip of GraphHopper's ``RoundTripRouting``
(for comparison): two points placed at a seeded heading and +60 degrees, at a distance
rescaled until the loop's time fits, routed with the same penalties (edges used once).

Variants: the pieces of earlier variants cost :data:`VARIANT_PENALTY` times more; a
variant that shares more than :data:`MAX_SHARED` of its length with an earlier one is
dropped (another seed is tried). Each loop reports its reuse ratio (length walked more
than once / length); above :data:`MAX_REUSE` ``reuse_note`` says why (a dead end, a
start on a spur: the network leaves no choice).
"""
from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import shapely
import sqlite_utils

from poi.categories import HERITAGE_CATEGORIES
from poi.geo import bbox_around
from poi.i18n import gettext as _
from poi.store import PoiStore
from trails.cost import PRACTICE_SPEED, WALK_FLAT_KMH
from trails.dem import drape_points
from trails.duration import stop_dwell_min
from trails.graph import NoNetworkError, NoPathError, RoutingError, Walked, unretraced_legs
from trails.models import PRACTICES
from trails.routing_cache import network_graph, with_start

#: Farthest (metres) a heritage POI may be from a node to count for it, and from the loop to be one of its stops.
SNAP_M = 80.0
#: Farthest (metres) the start may be from a path.
START_SNAP_M = 500.0
#: Most heritage clusters considered (the best scores near the start).
MAX_CLUSTERS = 40
#: Filler nodes (score 0) per ring, rings at 20, 30 and 40 % of the budget's reach.
FILLERS = 12
#: Realise-and-rescale rounds per variant.
ROUNDS = 6
#: Cost factor of pieces earlier variants walked.
VARIANT_PENALTY = 3.0
#: Largest share of a variant's length shared with an earlier variant.
MAX_SHARED = 0.5
#: Reuse ratio above which a loop says why.
MAX_REUSE = 0.10
#: Seeds tried per variant before giving up on a distinct one.
TRIES = 4
#: Seeds the heritage objective tries per variant even when the first loop fits (the best is kept).
MIN_TRIES = 2
OBJECTIVES = ("heritage", "none")


class LoopError(RoutingError):
    """No loop can be made from here (the message says why and what to do)."""


@dataclass
class Loop:
    """One generated loop (not stored): its trace, figures and heritage stops."""

    coords: list[tuple[float, float, float | None]]
    length_m: float
    walking_min: float  # the cost model's time (trails.cost)
    visit_min: int  # dwell time at its heritage stops (trails.duration)
    stop_ids: list[int]  # heritage POIs within SNAP_M, in walking order
    reuse_ratio: float
    pieces: dict[int, float] = field(default_factory=dict)  # piece -> length (for the variants' overlap)
    reuse_note: str = ""

    @property
    def duration_min(self) -> int:
        """Walking time plus visit time: the figure the loop is sized on."""
        return round(self.walking_min + self.visit_min)

    @property
    def heritage_stop_count(self) -> int:
        return len(self.stop_ids)


class _Setting:
    """The network, the start and the heritage POIs of one request."""

    def __init__(self, db, lon: float, lat: float, budget_s: float, practice: str, themes: Sequence[str]):
        self.budget_s, self.practice = budget_s, practice
        self.speed_mps = WALK_FLAT_KMH * PRACTICE_SPEED.get(practice, 1.0) / 3.6
        reach_m = budget_s * self.speed_mps / 2 * 1.1 + START_SNAP_M
        box = bbox_around(lon, lat, reach_m)
        network = network_graph(db, practice, box)
        if network is None or network.nearest_m(lon, lat) > 2 * reach_m:
            raise NoNetworkError(_("no path network is imported around the start: run balise map import "
                                   "FILE.osm.pbf first (an extract that covers it)"))
        self.graph, foot = with_start(network, lon, lat, START_SNAP_M)
        if foot is None:
            raise LoopError(_("the start is more than {max} m from the nearest path of the network: start "
                              "nearer to a path", max=round(START_SNAP_M)))
        self.projector = self.graph.projector
        self.start = foot.node
        self.start_point = foot.point
        self.times = self._times_from_start()
        self.nodes = np.array(list(self.times), dtype=np.int64)
        self.xy = np.array([self.graph.pos[n] for n in self.nodes.tolist()], dtype=float)
        sx, sy = self.graph.pos[self.start]
        straight = np.hypot(self.xy[:, 0] - sx, self.xy[:, 1] - sy)
        t = np.array([self.times[n] for n in self.nodes.tolist()])
        far = straight > 200
        #: network time per metre of straight line (median over the reached nodes)
        self.s_per_m = float(np.median(t[far] / straight[far])) if far.any() else 1.0 / self.speed_mps
        self.pois = heritage_pois(db, box, themes)
        if self.pois:
            px, py = self.projector.to_metric([p.lon for p in self.pois], [p.lat for p in self.pois])
            self.poi_xy = np.column_stack([np.asarray(px, dtype=float), np.asarray(py, dtype=float)])
        else:
            self.poi_xy = np.empty((0, 2))

    def _times_from_start(self) -> dict[int, float]:
        """Walking time (s) from the start to every node within the budget, along the cheapest paths."""
        g = self.graph
        best, times, done = {self.start: 0.0}, {self.start: 0.0}, set()
        heap = [(0.0, self.start)]
        limit = self.budget_s * 1.5
        while heap:
            cost, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            for other, c, piece, forward in g.adj.get(node, ()):
                p = g.pieces[piece]
                t = times[node] + (p.forward_s if forward else p.backward_s)
                if cost + c < best.get(other, math.inf) and t <= limit:
                    best[other], times[other] = cost + c, t
                    heapq.heappush(heap, (cost + c, other))
        return {n: times[n] for n in done}

    def clusters(self) -> list[tuple[int, float, float]]:
        """``(node, score, dwell seconds)`` of the nodes with heritage POIs within :data:`SNAP_M`, reachable
        there and back within the budget; at most :data:`MAX_CLUSTERS`, best score per time first."""
        if "_clusters" not in self.__dict__:
            self._clusters = self._find_clusters()
        return self._clusters

    def _find_clusters(self) -> list[tuple[int, float, float]]:
        if not self.pois:
            return []
        tree = shapely.STRtree(shapely.points(self.xy))
        near = tree.query_nearest(shapely.points(self.poi_xy), max_distance=SNAP_M, all_matches=False)
        found: dict[int, list] = {}
        for poi_index, node_index in zip(*near.tolist()):
            found.setdefault(int(self.nodes[node_index]), []).append(self.pois[poi_index])
        out = []
        for node, pois in found.items():
            dwell_s = 60.0 * sum(stop_dwell_min(p.category) for p in pois)
            if 2 * self.times[node] + dwell_s <= self.budget_s:
                out.append((node, float(len(pois)), dwell_s))
        out.sort(key=lambda c: (-c[1] / (1.0 + self.times[c[0]] / 600.0), c[0]))
        return out[:MAX_CLUSTERS]

    def fillers(self, rng: random.Random) -> list[int]:
        """Zero-score nodes on rings at 20, 30 and 40 % of the budget's reach (time from the start)."""
        if "_rings" not in self.__dict__:
            self._rings = [[n for n, t in self.times.items()
                            if share * self.budget_s * 0.85 <= t <= share * self.budget_s * 1.15]
                           for share in (0.2, 0.3, 0.4)]
        out = []
        for ring in self._rings:
            ring = list(ring)
            rng.shuffle(ring)
            out += sorted(ring[:FILLERS])
        return out

    def estimate(self, a: int, b: int) -> float:
        """Estimated walking time (s) between two nodes: straight distance times the detour ratio."""
        if a == self.start:
            return self.times[b]
        if b == self.start:
            return self.times[a]
        (ax, ay), (bx, by) = self.graph.pos[a], self.graph.pos[b]
        return math.hypot(ax - bx, ay - by) * self.s_per_m

    def realise(self, nodes: Sequence[int], penalty: dict[int, float]) -> Loop:
        """Route ``start, *nodes, start`` (legs avoiding the pieces walked before) and measure it."""
        order = [self.start, *nodes, self.start]
        legs = unretraced_legs(self.graph, order, dict(penalty))
        coords, walked, pieces = [self.start_point], Walked(), {}
        for steps in legs:
            walked.add(self.graph, steps, coords)
            for piece, _forward in steps:
                pieces[piece] = self.graph.pieces[piece].length_m
        stop_ids, visit_min = self.stops_along(coords)
        return Loop(coords, walked.length_m, walked.time_s / 60.0, visit_min, stop_ids, walked.reuse_ratio,
                    pieces)

    def stops_along(self, coords) -> tuple[list[int], int]:
        """Heritage POIs within :data:`SNAP_M` of the trace, in walking order, and their visit minutes."""
        if not self.pois or len(coords) < 2:
            return [], 0
        x, y = self.projector.to_metric([c[0] for c in coords], [c[1] for c in coords])
        line = shapely.LineString(np.column_stack([x, y]))
        points = shapely.points(self.poi_xy)
        close = np.flatnonzero(shapely.distance(points, line) <= SNAP_M)
        along = shapely.line_locate_point(line, points[close]) if len(close) else np.empty(0)
        chosen = [self.pois[i] for i in close[np.argsort(along, kind="stable")].tolist()]
        return [p.id for p in chosen], sum(stop_dwell_min(p.category) for p in chosen)


def heritage_pois(db: sqlite_utils.Database, box, themes: Sequence[str] = ()) -> list:
    """POIs of the box whose category is heritage (:data:`poi.categories.HERITAGE_CATEGORIES`) and, when
    ``themes`` are given, with one of them."""
    wanted = set(themes)
    return [p for p in PoiStore(db).in_bbox(*box)
            if p.category in HERITAGE_CATEGORIES and (not wanted or wanted & set(p.themes))]


def _tour_time(setting: _Setting, tour: list[int], dwell: dict[int, float]) -> float:
    path = [setting.start, *tour, setting.start]
    return sum(setting.estimate(a, b) for a, b in zip(path, path[1:])) + sum(dwell.get(n, 0.0) for n in tour)


def _two_opt(setting: _Setting, tour: list[int]) -> list[int]:
    """Reverse stretches of the visiting order while that shortens the estimated walk (2-opt)."""
    path = [setting.start, *tour, setting.start]
    est = setting.estimate
    improved, rounds = True, 0
    while improved and rounds < 20:
        improved, rounds = False, rounds + 1
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                delta = (est(path[i - 1], path[j]) + est(path[i], path[j + 1])
                         - est(path[i - 1], path[i]) - est(path[j], path[j + 1]))
                if delta < -1e-6:
                    path[i:j + 1] = path[i:j + 1][::-1]
                    improved = True
    return path[1:-1]


def _plan(setting: _Setting, seed: int | None, clusters, fillers: list[int], budget_s: float) -> list[int]:
    """Insertion from the seed: best score per added estimated time while the budget allows, then 2-opt."""
    score = {n: s for n, s, _d in clusters}
    dwell = {n: d for n, _s, d in clusters}
    tour = [seed] if seed is not None else []
    pool = [n for n in list(score) + fillers if n not in tour]
    total = _tour_time(setting, tour, dwell)
    while pool:
        best = None
        path = [setting.start, *tour, setting.start]
        for n in pool:
            for k in range(len(path) - 1):
                added = (setting.estimate(path[k], n) + setting.estimate(n, path[k + 1])
                         - setting.estimate(path[k], path[k + 1]) + dwell.get(n, 0.0))
                if total + added > budget_s:
                    continue
                value = (score.get(n, 0.0) + 1e-3) / max(added, 1.0)
                if best is None or value > best[0]:
                    best = (value, n, k, added)
        if best is None:
            break
        _v, n, k, added = best
        tour.insert(k, n)
        pool.remove(n)
        total += added
    return _two_opt(setting, tour)


def _shared(loop: Loop, others: Sequence[Loop]) -> float:
    """Largest share of ``loop``'s length that one of ``others`` also walks."""
    if not others or not loop.length_m:
        return 0.0
    return max(sum(m for p, m in loop.pieces.items() if p in o.pieces) / loop.length_m for o in others)


def _better(a: Loop, b: Loop | None, target_min: float, tolerance: float) -> bool:
    """Is ``a`` a better answer than ``b``: within the tolerance first, then :func:`_rank`."""
    if b is None:
        return True
    fit_a = abs(a.duration_min - target_min) <= tolerance * target_min
    fit_b = abs(b.duration_min - target_min) <= tolerance * target_min
    if fit_a != fit_b:
        return fit_a
    if not fit_a:
        return abs(a.duration_min - target_min) < abs(b.duration_min - target_min)
    return _rank(a) > _rank(b)


def _rank(loop: Loop) -> tuple:
    """Among loops that fit the duration: not retracing first, then heritage, then least reuse."""
    return (loop.reuse_ratio <= MAX_REUSE, loop.heritage_stop_count, -loop.reuse_ratio)


def _heritage_variant(setting: _Setting, rng: random.Random, penalty, used_seeds: list[int], target_min: float,
                      tolerance: float) -> Loop | None:
    clusters = setting.clusters()
    fillers = setting.fillers(rng)
    budget = setting.budget_s
    pool = [c for c in clusters if 0.15 * budget <= setting.times[c[0]] <= 0.5 * budget
            and c[0] not in used_seeds] or [c for c in clusters if c[0] not in used_seeds]
    seed = None
    if pool:
        top = sorted(pool, key=lambda c: -c[1])[:8]
        seed = rng.choices([c[0] for c in top], weights=[c[1] for c in top])[0]
    elif fillers:
        seed = rng.choice(fillers)
    if seed is None:
        return None
    used_seeds.append(seed)
    return _rescaled(lambda scale: setting.realise(_plan(setting, seed, clusters, fillers, budget * scale), penalty),
                     target_min, tolerance)


def _rescaled(attempt, target_min: float, tolerance: float) -> Loop | None:
    """The best of up to :data:`ROUNDS` loops ``attempt(scale)``, the scale corrected by the last loop's
    duration each round, stopping early when one fits within half the tolerance (or no path is found)."""
    best, scale = None, 1.0
    for _round in range(ROUNDS):
        try:
            loop = attempt(scale)
        except NoPathError:
            return best
        if _better(loop, best, target_min, tolerance):
            best = loop
        if abs(loop.duration_min - target_min) <= tolerance * target_min * 0.5:
            break
        scale *= target_min / max(loop.duration_min, 1.0)
    return best


def _blind_variant(setting: _Setting, rng: random.Random, penalty, heading: float, target_min: float,
                   tolerance: float) -> Loop | None:
    """GraphHopper's round trip: two points at ``heading`` and ``heading + 60`` degrees, equal sides."""
    sx, sy = setting.graph.pos[setting.start]
    tree = shapely.STRtree(shapely.points(setting.xy))
    radius0 = setting.budget_s / setting.s_per_m / 3.0

    def attempt(scale: float) -> Loop:
        radius, nodes = radius0 * scale, []
        for angle in (heading, heading + math.pi / 3):
            p = shapely.points(sx + radius * math.sin(angle), sy + radius * math.cos(angle))
            nodes.append(int(setting.nodes[int(tree.query_nearest(p)[0])]))
        nodes = [n for k, n in enumerate(nodes) if n != setting.start and (k == 0 or n != nodes[k - 1])]
        return setting.realise(nodes, penalty)

    return _rescaled(attempt, target_min, tolerance)


def generate_loops(db: sqlite_utils.Database, lon: float, lat: float, duration_min: float, *,
                   tolerance: float = 0.15, themes: Sequence[str] = (), practice: str = "walking",
                   variants: int = 3, objective: str = "heritage", seed: int = 0) -> list[Loop]:
    """Loops of about ``duration_min`` (walking + visits) from a point, most heritage first (module docstring).

    Parameters
    ----------
    db : with a path network (``balise map import``) and POIs.
    lon, lat : the start (WGS84).
    duration_min : the target, walking time (cost model) plus visit time at the heritage stops.
    tolerance : accepted relative difference to the target (0.15: +/- 15 %).
    themes : only heritage POIs with one of these themes count (default: all heritage).
    practice : a :data:`trails.models.PRACTICES` value (access, speed).
    variants : how many distinct loops (each shares at most :data:`MAX_SHARED` of its length with another).
    objective : ``heritage`` (orienteering heuristic) or ``none`` (POI-blind round trip).
    seed : the random seed (same seed, same loops).

    Returns
    -------
    list of Loop
        Best first (within the tolerance, most heritage, least reuse); possibly fewer than
        ``variants`` when the network does not allow distinct ones.

    Raises
    ------
    LoopError
        Bad parameters, a start far from the paths, no loop possible.
    """
    if practice not in PRACTICES:
        raise LoopError(_("unknown practice {practice}; choose one of {choices}", practice=repr(practice),
                          choices=", ".join(PRACTICES)))
    if objective not in OBJECTIVES:
        raise LoopError(_("unknown objective {objective}; choose heritage or none", objective=repr(objective)))
    if not 10 <= duration_min <= 12 * 60:
        raise LoopError(_("a loop lasts from 10 min to 12 h (asked: {minutes} min)", minutes=round(duration_min)))
    if not 0.01 <= tolerance <= 0.5:
        raise LoopError(_("the tolerance is a share between 0.01 and 0.5 (asked: {tolerance})",
                          tolerance=tolerance))
    if not 1 <= variants <= 5:
        raise LoopError(_("between 1 and 5 variants (asked: {n})", n=variants))
    setting = _Setting(db, lon, lat, duration_min * 60.0, practice, themes)
    rng = random.Random(seed)
    loops: list[Loop] = []
    penalty: dict[int, float] = {}
    used_seeds: list[int] = []
    heading = rng.uniform(0, 2 * math.pi)
    for k in range(variants):
        loop = None
        for attempt in range(TRIES):  # another seed (heading) while the loop misses the duration
            if objective == "heritage":
                found = _heritage_variant(setting, rng, penalty, used_seeds, duration_min, tolerance)
            else:
                angle = heading + 2 * math.pi * (k + attempt / TRIES) / variants
                found = _blind_variant(setting, rng, penalty, angle, duration_min, tolerance)
            if found is not None and _shared(found, loops) <= MAX_SHARED and _better(found, loop, duration_min,
                                                                                    tolerance):
                loop = found
            if (loop is not None and abs(loop.duration_min - duration_min) <= tolerance * duration_min
                    and (objective == "none" or attempt + 1 >= MIN_TRIES)):
                break
        if loop is None:
            continue
        for piece in loop.pieces:
            penalty[piece] = max(penalty.get(piece, 1.0), VARIANT_PENALTY)
        if loop.reuse_ratio > MAX_REUSE:
            loop.reuse_note = _("{share} % of the loop is walked twice: the network around the start leaves "
                                "no other way (a dead end or a single path out)",
                                share=round(100 * loop.reuse_ratio))
        loops.append(loop)
    if not loops:
        raise LoopError(_("no loop of {minutes} min can be made from here on the imported network: try "
                          "another start or duration", minutes=round(duration_min)))
    loops.sort(key=lambda lp: (abs(lp.duration_min - duration_min) <= tolerance * duration_min, _rank(lp)),
               reverse=True)
    for loop in loops:
        loop.coords = drape_points(db, loop.coords)
    return loops


__all__ = ["Loop", "LoopError", "MAX_REUSE", "MAX_SHARED", "OBJECTIVES", "generate_loops", "heritage_pois"]
