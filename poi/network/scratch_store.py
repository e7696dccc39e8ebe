"""The on-disk scratch database of one ``balise map import``: what the import must remember, kept off the heap.

An extract's node locations are what a naive import holds in memory (libosmium's
node-location cache: 16 bytes a node, doubled while its vector grows), and they
scale with the extract. Here they go to a throwaway SQLite file, beside the
other things the import must look up later, and SQLite's page cache (bounded by
:data:`CACHE_KIB`) is the only memory they take:

* ``node``: every node's location, as libosmium's fixed-point integers
  (1e-7 degree, so ``x / 1e7`` is exactly ``Location.lon``), and ``w``, the
  weight of its references by walkable ways (an end weighs 2, an inner node 1):
  a node of weight 2 or more is a junction of the path network;
* ``area_rel`` and ``area_member``: the multipolygon relations the map may draw,
  and the ways they are made of;
* ``member_way``: those ways' nodes with their locations, for the areas' assembly.

The file is deleted with its temporary folder; nothing is written to the
Balise database from here (that is :mod:`poi.network.store`).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

#: SQLite's page cache for the scratch file, in KiB (its sorter spills to disk past it too).
CACHE_KIB = 8192

SCHEMA = """
CREATE TABLE node (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL DEFAULT 0);
CREATE TABLE area_rel (id INTEGER PRIMARY KEY, tags TEXT NOT NULL, members TEXT NOT NULL);
CREATE TABLE area_member (id INTEGER PRIMARY KEY);
CREATE TABLE member_way (id INTEGER PRIMARY KEY, nodes TEXT NOT NULL);
CREATE TABLE want (id INTEGER PRIMARY KEY);
"""


class ScratchStore:
    """One import's scratch database in ``folder`` (a temporary folder the caller deletes)."""

    def __init__(self, folder: str | Path):
        self.conn = sqlite3.connect(Path(folder) / "map_import_scratch.db", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", f"cache_size = -{CACHE_KIB}",
                       "temp_store = FILE", "mmap_size = 0"):  # no mapped pages: they would count as memory
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.executescript(SCHEMA)
        self.conn.execute("BEGIN")

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()

    # -- writing ---------------------------------------------------------------
    def add_nodes(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """``(id, x, y)`` of nodes (a node met twice keeps its last location)."""
        self.conn.executemany("INSERT OR REPLACE INTO node (id, x, y) VALUES (?, ?, ?)", rows)

    def add_way_refs(self, weights: Iterable[tuple[int, int]]) -> None:
        """Add ``(weight, node id)`` to the nodes' weights (walkable ways' references: 2 for an end, 1 inside)."""
        self.conn.executemany("UPDATE node SET w = w + ? WHERE id = ?", weights)

    def junction_count(self) -> int:
        """How many nodes are junctions (weight 2 or more)."""
        return self.conn.execute("SELECT COUNT(*) FROM node WHERE w >= 2").fetchone()[0]

    def add_area_relation(self, rel_id: int, tags: dict, members: Sequence[tuple[str, int, str]]) -> None:
        """A multipolygon relation the map may draw, its tags and ``(type, ref, role)`` members."""
        self.conn.execute("INSERT OR REPLACE INTO area_rel (id, tags, members) VALUES (?, ?, ?)",
                          [rel_id, json.dumps(tags), json.dumps(members)])
        self.conn.executemany("INSERT OR IGNORE INTO area_member (id) VALUES (?)",
                              [(ref,) for kind, ref, _ in members if kind == "w"])

    def add_member_ways(self, rows: Iterable[tuple[int, list]]) -> None:
        """``(way id, [[node id, x, y] or [node id] without a location, ...])`` of area member ways."""
        self.conn.executemany("INSERT OR REPLACE INTO member_way (id, nodes) VALUES (?, ?)",
                              ((wid, json.dumps(nodes, separators=(",", ":"))) for wid, nodes in rows))

    # -- reading ---------------------------------------------------------------
    def _want(self, ids: Iterable[int]) -> None:
        self.conn.execute("DELETE FROM want")
        self.conn.executemany("INSERT OR IGNORE INTO want (id) VALUES (?)", ((i,) for i in ids))

    def locate(self, ids: Sequence[int]) -> dict[int, tuple[int, int, bool]]:
        """``{node id: (x, y, is_junction)}`` of those ``ids`` whose location is known."""
        # CROSS JOIN keeps the batch outside: one index look-up per wanted node, never a scan of ``node``
        return {i: (x, y, w >= 2) for i, x, y, w in self.conn.execute(
            "SELECT n.id, n.x, n.y, n.w FROM json_each(?) j CROSS JOIN node n ON n.id = j.value",
            [json.dumps(ids)])}

    def area_members(self, way_ids: Iterable[int]) -> set[int]:
        """Those of ``way_ids`` that some kept multipolygon relation is made of."""
        self._want(way_ids)
        return {r[0] for r in self.conn.execute(
            "SELECT w.id FROM want w CROSS JOIN area_member m ON m.id = w.id")}

    def area_relations(self, after: int, limit: int) -> list[tuple[int, dict, list]]:
        """Up to ``limit`` kept relations ``(id, tags, members)`` with ids above ``after``, by id."""
        return [(r[0], json.loads(r[1]), [tuple(m) for m in json.loads(r[2])]) for r in self.conn.execute(
            "SELECT id, tags, members FROM area_rel WHERE id > ? ORDER BY id LIMIT ?", [after, limit])]

    def member_ways(self, way_ids: Iterable[int]) -> dict[int, list]:
        """``{way id: nodes}`` (as :meth:`add_member_ways` stored them) of those of ``way_ids`` in the extract."""
        self._want(way_ids)
        return {r[0]: json.loads(r[1]) for r in self.conn.execute(
            "SELECT w.id, m.nodes FROM want w CROSS JOIN member_way m ON m.id = w.id")}


__all__ = ["CACHE_KIB", "ScratchStore"]
