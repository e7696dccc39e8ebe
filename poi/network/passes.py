"""The streaming passes of ``balise map import``: an extract of any size read with flat memory.

libosmium's node-location cache (``FileProcessor.with_locations``) keeps every
node's location in memory, 16 bytes a node and twice that while its vector
grows: a département's extract took 260 MB. Here the locations go to the
import's scratch database on disk (:class:`poi.network.scratch_store.ScratchStore`)
and each pass holds one bounded batch at a time:

1. :func:`read_nodes`: every node's location to the scratch file, streamed;
2. :func:`find_junctions`: the node references of the walkable ways (ways only);
   a node met twice, or at an end of a way, is a junction of the path network;
3. :func:`read_area_relations`: the multipolygon relations the map may draw
   (relations only), and which ways they are made of;
4. :func:`drawn_ways`: the ways, in file order, by batches of about
   :data:`WAY_BATCH_REFS` node references whose locations (and junction flags)
   are looked up together; the ways of kept relations are copied to the scratch
   file with their locations on the way;
5. :func:`relation_areas`: the kept relations by batches of about
   :data:`AREA_BATCH_NODES` nodes, each batch written (relations, their ways,
   their nodes) to a small temporary OSM file whose areas libosmium assembles as
   it would have in the whole file (same rings, same incomplete relations left out).

Memory is the batches, SQLite's bounded page cache and osmium's bounded read-ahead
queues: it does not grow with the extract (``bench/map_import.py``).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from poi.network.scratch_store import ScratchStore
from poi.network.tags import AREA_KIND_SET, MAP_KEYS, classify, is_walkable

#: Node references looked up together in :func:`drawn_ways` (a batch takes ~100 bytes a reference).
WAY_BATCH_REFS = 20_000
#: Nodes of the member ways assembled together in :func:`relation_areas`.
AREA_BATCH_NODES = 50_000
#: Relations read from the scratch file at a time in :func:`relation_areas`.
AREA_RELATIONS_PAGE = 100
#: The keys of the relations whose areas the map may draw (the first pass of osmium's area assembly).
AREA_KEYS = ("natural", "landuse", "waterway", "building")
#: libosmium's largest valid fixed-point coordinates (``Location.valid()``).
_MAX_X, _MAX_Y = 1_800_000_000, 900_000_000


def _valid(x: int, y: int) -> bool:
    return -_MAX_X <= x <= _MAX_X and -_MAX_Y <= y <= _MAX_Y


def read_nodes(osmium, open_file: Callable, scratch: ScratchStore) -> None:
    """Pass 1: every node's location (fixed-point ``x``, ``y``) into the scratch file."""
    scratch.add_nodes((n.id, n.location.x, n.location.y) for n in osmium.FileProcessor(open_file(), osmium.osm.NODE))


def find_junctions(osmium, open_file: Callable, scratch: ScratchStore) -> int:
    """Pass 2: the junctions of the walkable network (ways only, no locations); returns how many.

    Each node's weight adds 2 for each walkable way it ends and 1 for each it is inside of:
    a weight of 2 or more is a junction (summed per batch, then added in id order).
    """
    weights: Counter = Counter()
    processor = osmium.FileProcessor(open_file(), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for way in processor:
        if not is_walkable(way.tags):
            continue
        ids = [n.ref for n in way.nodes]
        if ids:
            weights.update(ids[1:-1])
            weights[ids[0]] += 2
            weights[ids[-1]] += 2
            if len(weights) >= WAY_BATCH_REFS:
                scratch.add_way_refs((weights[i], i) for i in sorted(weights))
                weights.clear()
    scratch.add_way_refs((weights[i], i) for i in sorted(weights))
    return scratch.junction_count()


def read_area_relations(osmium, open_file: Callable, scratch: ScratchStore) -> None:
    """Pass 3: the relations whose tags make an area the map draws (osmium decides later which are multipolygons)."""
    processor = (osmium.FileProcessor(open_file(), osmium.osm.RELATION)
                 .with_filter(osmium.filter.KeyFilter(*AREA_KEYS)))
    for rel in processor:
        tags = dict(rel.tags)
        found = classify(tags)
        if found and found[0] in AREA_KIND_SET:
            scratch.add_area_relation(rel.id, tags, [(m.type, m.ref, m.role) for m in rel.members])


def drawn_ways(osmium, open_file: Callable, scratch: ScratchStore) -> Iterator[tuple]:
    """Pass 4: ``(way id, tags, kind, class, nodes, junctions)`` of each way the map draws, in file order.

    ``nodes``: ``[(node id, lon, lat), ...]`` of its nodes with a location (those of
    nodes missing from the extract are left out, as osmium's location cache did);
    ``junctions``: the set of its node ids that are junctions.
    """
    batch: list[tuple[int, tuple | None, list[int]]] = []
    size = 0
    for way in osmium.FileProcessor(open_file(), osmium.osm.WAY):
        tags = way.tags
        drawn = None
        if any(key in tags for key in MAP_KEYS):
            as_dict = dict(tags)
            found = classify(as_dict)
            if found:
                drawn = (as_dict, *found)
        refs = [n.ref for n in way.nodes]
        batch.append((way.id, drawn, refs))
        size += len(refs)
        if size >= WAY_BATCH_REFS:
            yield from _resolve(scratch, batch)
            batch, size = [], 0
    yield from _resolve(scratch, batch)


def _resolve(scratch: ScratchStore, batch) -> Iterator[tuple]:
    members = scratch.area_members(wid for wid, _, _ in batch) if batch else set()
    wanted = [w for w in batch if w[1] or w[0] in members]
    where = scratch.locate([ref for _, _, refs in wanted for ref in refs])
    for ref in [ref for ref, (x, y, _) in where.items() if not _valid(x, y)]:
        del where[ref]  # an invalid location is no location (osmium leaves those nodes out of the geometry)
    if members:
        scratch.add_member_ways((wid, [[ref, *where[ref][:2]] if ref in where else [ref] for ref in refs])
                                for wid, _, refs in wanted if wid in members)
    for wid, drawn, refs in wanted:
        if drawn:
            nodes = [(ref, where[ref][0] / 1e7, where[ref][1] / 1e7) for ref in refs if ref in where]
            yield (wid, *drawn, nodes, {ref for ref, _, _ in nodes if where[ref][2]})


def relation_areas(osmium, scratch: ScratchStore, folder: Path) -> Iterator:
    """Pass 5: the osmium areas (valid only until the next one) of the kept relations, by batches."""
    after = -(2 ** 63)
    while True:
        page = scratch.area_relations(after, AREA_RELATIONS_PAGE)
        if not page:
            return
        after = page[-1][0]
        group, ways, size = [], {}, 0
        for rel in page:
            found = scratch.member_ways(ref for kind, ref, _ in rel[2] if kind == "w" and ref not in ways)
            ways.update(found)
            group.append(rel)
            size += sum(len(nodes) for nodes in found.values())
            if size >= AREA_BATCH_NODES:
                yield from _assemble(osmium, group, ways, folder)
                group, ways, size = [], {}, 0
        if group:
            yield from _assemble(osmium, group, ways, folder)


def _assemble(osmium, relations, ways: dict[int, list], folder: Path) -> Iterator:
    """The areas osmium assembles from ``relations`` and their member ``ways`` (written to a small OSM file)."""
    from osmium.osm import Location
    from osmium.osm.mutable import Node, Relation, Way

    path = Path(folder) / "areas.osm.pbf"
    path.unlink(missing_ok=True)
    nodes = {node[0]: node for nodes in ways.values() for node in nodes if len(node) == 3}
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid in sorted(nodes):
            writer.add_node(Node(id=nid, location=Location(nodes[nid][1] / 1e7, nodes[nid][2] / 1e7)))
        for wid in sorted(ways):
            writer.add_way(Way(id=wid, nodes=[node[0] for node in ways[wid]]))
        for rid, tags, members in sorted(relations):
            writer.add_relation(Relation(id=rid, members=members, tags=tags))
    finally:
        writer.close()
    processor = (osmium.FileProcessor(str(path)).with_areas(osmium.filter.KeyFilter(*AREA_KEYS))
                 .with_filter(osmium.filter.KeyFilter(*MAP_KEYS)))
    for o in processor:
        if o.is_area() and not o.from_way():
            yield o


__all__ = ["AREA_BATCH_NODES", "WAY_BATCH_REFS", "drawn_ways", "find_junctions", "read_area_relations",
           "read_nodes", "relation_areas"]
