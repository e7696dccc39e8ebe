"""The setting of one loop request: network around the start, times from it, heritage clusters, realisation.

:class:`LoopSetting` holds what a request of :func:`trails.loops.generate_loops` works on
(the module docstring there describes the heuristic): the network's view with the start
cut in (:mod:`trails.routing_cache`), every node's walking time from the start (one
bounded Dijkstra), the heritage POIs grouped on nodes (clusters), filler nodes on rings,
the estimate of the time between two nodes, and the realisation of a visiting order as a
measured :class:`Loop` (legs routed without retracing, :func:`trails.graph.unretraced_legs`).
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
from trails.corridor import DEFAULT_WIDTH_M
from trails.cost import PRACTICE_SPEED, WALK_FLAT_KMH
from trails.curation import attach_status
from trails.duration import WALKER, stop_dwell_min, walker_min, walking_min
from trails.graph import NoNetworkError, RoutingError, Walked, unretraced_legs
from trails.metrics import climb
from trails.routing_cache import core_nodes, network_graph, with_start

#: Farthest (metres) a heritage POI may be from a node to count for it, and from the loop to be one of its stops.
SNAP_M = 80.0
#: Farthest (metres) the start may be from a path.
START_SNAP_M = 500.0
#: Most heritage clusters considered (the best scores near the start).
MAX_CLUSTERS = 40
#: Filler nodes (score 0) per ring, rings at 20, 30 and 40 % of the budget's reach.
FILLERS = 12
#: Nodes are reached up to this share of the budget from the start (clusters and fillers lie within half).
REACH_SHARE = 0.75
#: Reuse ratio above which a loop says why.
MAX_REUSE = 0.10
#: Practices whose loops are timed by the walker's model of :mod:`trails.duration` (the others by the cost model).
WALKER_PRACTICES = ("walking",)


class LoopError(RoutingError):
    """No loop can be made from here (the message says why and what to do)."""


@dataclass
class Loop:
    """One generated loop (not stored): its trace, figures and heritage stops."""

    coords: list[tuple[float, float, float | None]]
    length_m: float
    walking_min: float  # the cost model's time (trails.cost)
    visit_min: int  # dwell time at the POIs of its corridor, as the catalogue counts it (trails.duration)
    stop_ids: list[int]  # heritage POIs within SNAP_M, in walking order
    reuse_ratio: float
    pieces: dict[int, float] = field(default_factory=dict)  # piece -> length (for the variants' overlap)
    reuse_note: str = ""  # why it walks more than MAX_REUSE of itself twice (trails.loop_notes)
    fit_note: str = ""  # why it is not within the tolerance of the duration asked
    plan: list[int] = field(default_factory=list)  # the nodes visited in order (start excluded)
    again: dict[int, float] = field(default_factory=dict)  # piece -> metres walked more than once
    ascent_m: float = 0.0  # smoothed climb of its trace (trails.metrics.climb), as the catalogue measures it
    descent_m: float = 0.0
    walker: bool = True  # timed by the walker's model (walking), else by the cost model (other practices)

    @property
    def duration_min(self) -> int:
        """The figure the loop is sized on and shown with: on foot the catalogue's time with visits
        (:func:`trails.duration.walker_min`: calibrated pace on length and climb, start and finish, the
        visit time at its heritage stops), the ``duration_with_visits_min`` of a computed trail; for
        other practices the cost model's time plus the visits."""
        if self.walker:
            return round(walker_min(self.length_m, self.ascent_m, self.descent_m, visit_min=self.visit_min))
        return round(self.walking_min + self.visit_min)

    @property
    def parts_min(self) -> tuple[int, int, int]:
        """``(walking, start and finish, visits)`` minutes of :attr:`duration_min` (rounded parts)."""
        if self.walker:
            walk = round(walking_min(self.length_m, self.ascent_m, self.descent_m))
            return walk, round(WALKER.start_end_min), self.visit_min
        return round(self.walking_min), 0, self.visit_min

    def remeasure(self) -> None:
        """Climb measured again on the trace (after its elevations changed)."""
        measured = climb([self.coords])
        self.ascent_m, self.descent_m = measured.ascent_m, measured.descent_m

    @property
    def heritage_stop_count(self) -> int:
        return len(self.stop_ids)


class LoopSetting:
    """The network, the start and the heritage POIs of one request."""

    def __init__(self, db, lon: float, lat: float, budget_s: float, practice: str, themes: Sequence[str],
                 reach_scale: float = 1.0):
        self.budget_s, self.practice = budget_s, practice
        #: how much farther than the first budget the network is read and timed (room for the rescaling)
        self.reach_s = budget_s * reach_scale
        self.speed_mps = WALK_FLAT_KMH * PRACTICE_SPEED.get(practice, 1.0) / 3.6
        reach_m = self.reach_s * self.speed_mps / 2 * 1.1 + START_SNAP_M
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
        everything = PoiStore(db).in_bbox(*box)
        self.pois = heritage_pois(db, box, themes, everything)
        #: every POI with a dwell time (any category), as the catalogue counts a stored trail's visits
        self._dwell = [(p, stop_dwell_min(p.category)) for p in everything if stop_dwell_min(p.category) > 0]
        if self.pois:
            px, py = self.projector.to_metric([p.lon for p in self.pois], [p.lat for p in self.pois])
            self.poi_xy = np.column_stack([np.asarray(px, dtype=float), np.asarray(py, dtype=float)])
        else:
            self.poi_xy = np.empty((0, 2))
        self._cut_poi_feet()

    def _cut_poi_feet(self) -> None:
        """Cut into the view the feet of the heritage POIs that lie along a path but farther than
        :data:`SNAP_M` from any reached node (a chapel half-way along a long mountain path): each becomes a
        node a loop can aim at, timed from the nearer end of its path."""
        if not self.pois:
            return
        tree = shapely.STRtree(shapely.points(self.xy))
        near = tree.query_nearest(shapely.points(self.poi_xy), max_distance=SNAP_M, all_matches=False)
        lonely = np.array(sorted(set(range(len(self.pois))) - set(near[0].tolist())), dtype=np.int64)
        g = self.graph
        if not len(lonely):
            return
        # only those beside a path with an end reached (one bulk query; most lonely POIs are out of reach)
        pairs = g.tree.query(shapely.points(self.poi_xy[lonely]), predicate="dwithin", distance=SNAP_M)
        limit = self.reach_s * REACH_SHARE

        def within_reach(poi: int, edge) -> bool:  # through a reached end, at the straight-line estimate
            x, y = self.poi_xy[poi]
            return any(end in self.times and self.times[end] + math.hypot(x - g.pos[end][0], y - g.pos[end][1])
                       * self.s_per_m <= limit for end in (edge.from_node, edge.to_node))

        beside = {int(lonely[k]) for k, e in zip(*pairs.tolist()) if within_reach(int(lonely[k]), g.edges[e])}
        by_edge: dict[int, list] = {}
        for i in sorted(beside):
            feet = g.add_feet(self.pois[i].lon, self.pois[i].lat, SNAP_M)
            if not feet or feet[0].node >= 0:
                continue
            edge = g.edges[feet[0].edge]
            if edge.from_node in self.times or edge.to_node in self.times:
                by_edge.setdefault(feet[0].edge, []).append(feet[0])
        if not by_edge:
            return
        g.adj, g.pos, g.pieces, g.edge_pieces = dict(g.adj), dict(g.pos), list(g.pieces), dict(g.edge_pieces)
        start_foot = g.feet[0]
        for edge_index, feet in by_edge.items():
            if start_foot.edge == edge_index and start_foot.node < 0:
                feet = [*feet, start_foot]
            edge = g.edges[edge_index]
            whole = set(g.edge_pieces.get(edge_index, ()))
            for node in {edge.from_node, edge.to_node, *(f.node for f in feet)}:
                g.adj[node] = [a for a in g.adj.get(node, ()) if a[2] not in whole]
            g.edge_pieces[edge_index] = []
            for f in feet:
                g.pos[f.node] = f.xy
            g.cut_edge(edge_index, feet)
            added = []
            for f in feet:  # time from the start through either end of the path (the start's own foot: 0)
                if f.node in self.times:
                    continue
                via = [self.times[other] + (g.pieces[p].backward_s if forward else g.pieces[p].forward_s)
                       for other, _c, p, forward in g.adj.get(f.node, ()) if other in self.times]
                if via and min(via) <= limit:
                    self.times[f.node] = min(via)
                    added.append(f.node)
            if added:
                self.nodes = np.concatenate([self.nodes, np.array(added, dtype=np.int64)])
                self.xy = np.vstack([self.xy, np.array([g.pos[n] for n in added], dtype=float)])

    def _times_from_start(self) -> dict[int, float]:
        """Walking time (s) from the start to every node within the budget, along the cheapest paths."""
        g = self.graph
        best, times, done = {self.start: 0.0}, {self.start: 0.0}, set()
        heap = [(0.0, self.start)]
        limit = self.reach_s * REACH_SHARE
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
        self.cluster_pois = {node: {p.id for p in pois} for node, pois in found.items()}
        for node, pois in found.items():
            dwell_s = 60.0 * sum(stop_dwell_min(p.category) for p in pois)
            if 2 * self.times[node] + dwell_s <= self.budget_s:
                out.append((node, float(len(pois)), dwell_s))
        out.sort(key=lambda c: (-c[1] / (1.0 + self.times[c[0]] / 600.0), c[0]))
        return out[:MAX_CLUSTERS]

    def fillers(self, rng: random.Random) -> list[int]:
        """Zero-score nodes on rings at 20, 30 and 40 % of the budget (time from the start), and at 40 % of the
        reach when it is wider than the budget (a loop rescaled up needs them)."""
        if "_rings" not in self.__dict__:
            core = core_nodes(self.graph)
            budget = self.budget_s
            reaches = [share * budget for share in (0.2, 0.3, 0.4)]
            if self.reach_s > budget:  # room for a budget rescaled up: a ring as far out in the reach
                reaches.append(0.4 * self.reach_s)
            rings = [[n for n, t in self.times.items() if reach * 0.85 <= t <= reach * 1.15] for reach in reaches]
            self._rings = [([n for n in ring if n in core], [n for n in ring if n not in core]) for ring in rings]
        out = []
        for inside, outside in self._rings:
            picked = rng.sample(inside, min(FILLERS, len(inside)))
            picked += rng.sample(outside, min(FILLERS - len(picked), len(outside)))  # beyond a bridge: too few
            out += sorted(picked)
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
        coords, walked, pieces, again = [self.start_point], Walked(), {}, {}
        for steps in legs:
            walked.add(self.graph, steps, coords)
            for piece, _forward in steps:
                length_m = self.graph.pieces[piece].length_m
                if piece in pieces:
                    again[piece] = again.get(piece, 0.0) + length_m
                pieces[piece] = length_m
        stop_ids, visit_min = self.stops_along(coords)
        loop = Loop(coords, walked.length_m, walked.time_s / 60.0, visit_min, stop_ids, walked.reuse_ratio,
                    pieces, plan=list(nodes), again=again, walker=self.practice in WALKER_PRACTICES)
        loop.remeasure()
        return loop

    def stops_along(self, coords) -> tuple[list[int], int]:
        """Heritage POIs within :data:`SNAP_M` of the trace, in walking order, and the visit minutes the
        catalogue will count once it is stored (:func:`trails.duration.with_visits_by_trail`): the dwell
        time of the POIs of its corridor (:data:`trails.corridor.DEFAULT_WIDTH_M`) that become live
        stops, the automatic ones (:func:`trails.curation.attach_status`) and its heritage stops."""
        if len(coords) < 2:
            return [], 0
        x, y = self.projector.to_metric([c[0] for c in coords], [c[1] for c in coords])
        line = shapely.LineString(np.column_stack([x, y]))
        if "_poi_tree" not in self.__dict__:
            self._poi_points = shapely.points(self.poi_xy)
            self._poi_tree = shapely.STRtree(self._poi_points)
            dx, dy = self.projector.to_metric([p.lon for p, _d in self._dwell], [p.lat for p, _d in self._dwell])
            self._dwell_points = shapely.points(np.column_stack([np.asarray(dx, dtype=float),
                                                                 np.asarray(dy, dtype=float)]))
            self._dwell_tree = shapely.STRtree(self._dwell_points)
        chosen = []
        if self.pois:
            points = self._poi_points
            close = np.sort(self._poi_tree.query(line, predicate="dwithin", distance=SNAP_M))
            along = shapely.line_locate_point(line, points[close]) if len(close) else np.empty(0)
            chosen = [self.pois[i] for i in close[np.argsort(along, kind="stable")].tolist()]
        stops = {p.id for p in chosen}  # stored as manual stops (trails.loop_output.save_loop)
        visit = 0
        if self._dwell:
            near = self._dwell_tree.query(line, predicate="dwithin", distance=DEFAULT_WIDTH_M)
            for i, distance_m in zip(near.tolist(), shapely.distance(self._dwell_points[near], line).tolist()):
                poi, dwell = self._dwell[i]
                if poi.id in stops or attach_status(poi, distance_m) == "auto":  # not a mere proposal
                    visit += dwell
        return [p.id for p in chosen], visit


def heritage_pois(db: sqlite_utils.Database, box, themes: Sequence[str] = (), pois: Sequence | None = None) -> list:
    """POIs of the box whose category is heritage (:data:`poi.categories.HERITAGE_CATEGORIES`) and, when
    ``themes`` are given, with one of them (``pois``: the box's POIs, already read)."""
    wanted = set(themes)
    return [p for p in (PoiStore(db).in_bbox(*box) if pois is None else pois)
            if p.category in HERITAGE_CATEGORIES and (not wanted or wanted & set(p.themes))]



__all__ = ["FILLERS", "Loop", "LoopError", "LoopSetting", "MAX_CLUSTERS", "MAX_REUSE", "SNAP_M", "START_SNAP_M",
           "heritage_pois"]
