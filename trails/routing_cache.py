"""Path networks held in memory between loop requests: read and built once per network, cut at a start per request.

Reading a network's edges from SQLite (JSON geometries and tags) and building its
:class:`trails.graph.Graph` (costs, pieces, adjacency, R-tree) takes seconds on a
200,000-edge network, far more than searching it. :func:`network_graph` therefore
builds the graph of the *whole* network once per database file, practice and network
revision (:meth:`poi.network.store.NetworkStore.revision`: edges count, last edge id,
DEM tiles, so a ``map import`` or ``dem import`` invalidates it) and keeps the
:data:`MAX_CACHED` most recently used; a network larger than :data:`MAX_CACHED_EDGES`
(a région), or an in-memory database, is read per request in the box around it only.

:func:`bridge_edges` and :func:`core_nodes` (the bridges of the network, Tarjan's lowlink,
and the parts they cut it into) are computed with the graph, once, for the loops' fillers
and reasons.

:func:`with_start` gives a request its own view of a cached graph: a shallow copy whose
adjacency, positions and pieces are copied dicts and lists (milliseconds) and whose edges
nearest the start are cut at its foot, so that requests never change the shared graph.
"""
from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict

from poi.geo import Projector
from poi.network.store import NetworkStore
from trails.graph import Foot, Graph

#: Networks (database file, practice) kept in memory, most recently used first.
MAX_CACHED = 2
#: Larger networks are read per request, in the box around the request only (a 200,000-edge network takes
#: about 600 MB in memory).
MAX_CACHED_EDGES = 250_000
#: A part of the network that bridges cut off counts as its *core* (:func:`core_nodes`) from this many nodes.
MIN_CORE_NODES = 20

_cache: OrderedDict[tuple, Graph] = OrderedDict()
_lock = threading.Lock()


def _box_projector(box) -> Projector:
    return Projector.for_point((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def network_graph(db, practice: str, box: tuple[float, float, float, float]) -> Graph:
    """The built graph (no feet) of the network for ``practice``: the whole network, cached, or the edges
    meeting ``box`` (not cached) when the network is large or the database in memory.

    None when no edge is read; raises :class:`trails.graph.NoNetworkError` when none is open to the practice.
    """
    store = NetworkStore(db)
    revision = store.revision()
    path = store.database_file()
    if not path or revision[0] > MAX_CACHED_EDGES:
        edges = store.edges_in_bbox(box)
        return _built(edges, _box_projector(box), practice) if edges else None
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_ino, practice, revision)
    with _lock:
        graph = _cache.get(key)
        if graph is None:
            edges = store.edges_in_bbox((-180.0, -90.0, 180.0, 90.0))
            if not edges:
                return None
            lons = [c[0] for e in edges for c in (e.coords[0], e.coords[-1])]
            lats = [c[1] for e in edges for c in (e.coords[0], e.coords[-1])]
            graph = _built(edges, _box_projector((min(lons), min(lats), max(lons), max(lats))), practice)
            _cache[key] = graph
            while len(_cache) > MAX_CACHED:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
    return graph


def _built(edges, projector: Projector, practice: str) -> Graph:
    graph = Graph(edges, projector, practice)
    graph.build()
    graph._near = {}  # the near-edges cache (Graph.near_edges), shared by the requests' views
    graph._derived = {}  # bridges and core (bridge_edges, core_nodes), shared too
    _bridges_and_core(graph)
    return graph


def bridge_edges(graph: Graph) -> set[int]:
    """Indexes (in ``graph.edges``) of the edges that are the only way between two parts of the network: the
    bridges of the graph (Tarjan's lowlink; parallel edges are not bridges). A loop crossing one walks it
    twice: the network leaves no choice."""
    return _bridges_and_core(graph)[0]


def core_nodes(graph: Graph) -> set[int]:
    """Nodes in the parts of at least :data:`MIN_CORE_NODES` nodes that the bridges cut the network into:
    where a loop can turn without walking back."""
    return _bridges_and_core(graph)[1]


def _bridges_and_core(graph: Graph) -> tuple[set[int], set[int]]:
    derived = graph.__dict__.setdefault("_derived", {})
    if "bridges" in derived:
        return derived["bridges"], derived["core"]
    links: dict[int, list[tuple[int, int]]] = {}
    for i, e in enumerate(graph.edges):
        if e.from_node != e.to_node:
            links.setdefault(e.from_node, []).append((e.to_node, i))
            links.setdefault(e.to_node, []).append((e.from_node, i))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: set[int] = set()
    for root in links:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(links[root]))]
        while stack:
            node, via, todo = stack[-1]
            for other, edge in todo:
                if edge == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = len(order)
                    stack.append((other, edge, iter(links[other])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.add(via)
    part = {n: n for n in links}

    def find(n: int) -> int:
        while part[n] != n:
            part[n] = part[part[n]]
            n = part[n]
        return n

    for i, e in enumerate(graph.edges):
        if i not in bridges:
            part[find(e.from_node)] = find(e.to_node)
    sizes: dict[int, int] = {}
    for n in part:
        sizes[find(n)] = sizes.get(find(n), 0) + 1
    core = {n for n in part if sizes[find(n)] >= MIN_CORE_NODES}
    derived["bridges"], derived["core"] = bridges, core
    return bridges, core


def with_start(graph: Graph, lon: float, lat: float, max_snap_m: float) -> tuple[Graph, Foot | None]:
    """A request's view of ``graph`` with the edge nearest to ``(lon, lat)`` cut at its foot (None: no edge
    within ``max_snap_m``); ``graph`` itself is left as it was."""
    view = copy.copy(graph)
    view.feet = []
    feet = view.add_feet(lon, lat, max_snap_m)
    if not feet:
        return view, None
    foot = feet[0]
    view.feet = [foot]
    if foot.node >= 0:  # on a node of the network: nothing to cut
        return view, foot
    view.adj, view.pos, view.pieces = dict(graph.adj), dict(graph.pos), list(graph.pieces)
    view.edge_pieces = dict(graph.edge_pieces)
    edge = view.edges[foot.edge]
    whole = set(view.edge_pieces.get(foot.edge, ()))
    for node in (edge.from_node, edge.to_node):
        view.adj[node] = [a for a in view.adj.get(node, ()) if a[2] not in whole]
    view.edge_pieces[foot.edge] = []
    view.pos[foot.node] = foot.xy
    view.cut_edge(foot.edge, [foot])
    return view, foot


__all__ = ["MAX_CACHED", "MAX_CACHED_EDGES", "MIN_CORE_NODES", "bridge_edges", "core_nodes", "network_graph",
           "with_start"]
