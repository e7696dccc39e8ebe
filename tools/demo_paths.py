"""DEV-TIME part of :mod:`tools.build_demo_data`: long walks through a path network, and their GPX files.

The walks are searched with the project's router (:class:`trails.graph.Graph`, the A* of
``balise trail route`` and ``balise trail loop``) on edges given in memory, and written by
the project's GPX exporter (:func:`exporter.gpx.write`), so that the demo's files are what
Balise itself reads and writes.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

from exporter import gpx
from poi.geo import GEOD, Projector, geodesic_length_m
from poi.i18n import language
from poi.network.store import PathEdge
from trails.graph import Graph
from trails.models import Trail

#: Day sections of a long walk: cut above MAX, in parts of about TARGET, none below MIN (metres).
SECTION_MAX_M = 18000.0
SECTION_TARGET_M = 13000.0
SECTION_MIN_M = 5000.0
#: A walk: edges in walking order, each ``(index in the edges given, walked from its first point)``.
Walk = list[tuple[int, bool]]


def edge(index: int, a, b, coords: Sequence[Sequence[float]], length_m: float) -> PathEdge:
    """A path edge from node ``a`` to node ``b`` through ``coords`` (lon, lat[, ele]), open to walkers.

    Elevations are left out: the router then costs length alone (flat walking time), which
    is what "the longest walk" means here.
    """
    return PathEdge(index, a, b, length_m, "path", [(c[0], c[1]) for c in coords])


def _farthest(found: dict, names: list) -> int:
    """The node of a search's result farthest from its source (ties: the greatest ``str()`` of its name)."""
    return max(found, key=lambda n: (found[n][0], str(names[n])))


def long_paths(edges: Sequence[PathEdge], min_m: float) -> list[Walk]:
    """Long shortest walks (double-sweep diameters of each connected part), longest first, each one's edges
    removed before the next is searched, until the longest left is shorter than ``min_m`` metres.

    ``edges[i].id`` must be ``i``. Nodes are any hashable values with a ``str()`` (OSM ids, rounded
    positions): ``Graph`` wants integers, so they are numbered here in sorted order.

    >>> line = [edge(0, "a", "b", [(1.5, 42.5), (1.51, 42.5)], 820.0),
    ...         edge(1, "b", "c", [(1.51, 42.5), (1.52, 42.5)], 820.0),
    ...         edge(2, "b", "d", [(1.51, 42.5), (1.51, 42.501)], 111.0)]
    >>> long_paths(line, 1000.0)
    [[(0, True), (1, True)]]
    """
    if not edges:
        return []
    names = sorted({n for e in edges for n in (e.from_node, e.to_node)}, key=str)  # one number a node
    number = {n: k for k, n in enumerate(names)}
    left = [e._replace(from_node=number[e.from_node], to_node=number[e.to_node]) for e in edges]
    projector = Projector.for_coords([c for e in edges for c in e.coords])
    walks: list[Walk] = []
    while left:
        network = Graph(left, projector, "walking")
        network.build()
        best, seen, every = None, set(), set(network.pos)
        for node in sorted(every):
            if node in seen:
                continue
            part = network.search({node: 0.0}, every)  # its connected part, settled from ``node``
            seen |= set(part)
            a = _farthest(part, names)
            from_a = network.search({a: 0.0}, every)
            steps = from_a[_farthest(from_a, names)][1][::-1]  # walked from the far end back to ``a``
            walk = [(network.edges[network.pieces[p].edge].id, not forward) for p, forward in steps]
            length = sum(edges[i].length_m for i, _ in walk)
            if best is None or length > best[0]:
                best = (length, walk)
        if best is None or best[0] < min_m:
            break
        walks.append(best[1])
        used = {i for i, _ in best[1]}
        left = [e for e in left if e.id not in used]
    return walks


def split_sections(coords, max_m=SECTION_MAX_M, target_m=SECTION_TARGET_M):
    """A walk cut in sections of about ``target_m`` when it is longer than ``max_m``."""
    total = geodesic_length_m(coords)
    if total <= max_m:
        return [coords]
    n = math.ceil(total / target_m)
    cuts, acc, out, start = [total * k / n for k in range(1, n)], 0.0, [], 0
    for i in range(1, len(coords)):
        acc += geodesic_length_m(coords[i - 1:i + 1])
        if cuts and acc >= cuts[0]:
            out.append(coords[start:i + 1])
            start = i
            cuts.pop(0)
    out.append(coords[start:])
    return [c for c in out if len(c) > 1]


def nearest_name(lon, lat, named, max_m=3000.0):
    """The name of the nearest ``(lon, lat, name)`` of ``named`` within ``max_m`` metres, else None."""
    best = None
    for n_lon, n_lat, name in named:
        if abs(n_lon - lon) > 0.03 or abs(n_lat - lat) > 0.03:
            continue
        d = GEOD.inv(lon, lat, n_lon, n_lat)[2]
        if d <= max_m and (best is None or d < best[0]):
            best = (d, name)
    return best[1] if best else None


def gpx_trail(entry: dict, desc: str, coords, link: str, year: str) -> Trail:
    """The trail a demo GPX file holds: the manifest entry's name, themes and credits, ``desc`` as its
    summary, one segment, and 1 January of ``year`` (the data's) as its time, so files are reproducible."""
    return Trail(name=entry["name"], summary=desc, segments=[list(coords)], themes=entry["themes"],
                 licence=entry["licence"], attribution=entry["attribution"], url=link,
                 updated_at=f"{year}-01-01T00:00:00+00:00")


def write_gpx(path: Path, trail: Trail) -> None:
    """The demo's GPX file of ``trail`` (name, summary, credits, themes, one segment with ``<ele>``),
    written by the project's exporter with French labels and the trail's ``updated_at`` as its time."""
    with language("fr"):
        gpx.write(trail, [], path, creator="Balise tools/build_demo_data.py")
