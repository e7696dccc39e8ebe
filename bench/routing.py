#!/usr/bin/env python3
"""Routing speed: ``trails.routing.route_trail`` on the real Andorra and Monaco path networks.

    python3 bench/routing.py              # every case, best of 5 runs each
    python3 bench/routing.py --repeat 20

Each extract's POIs (``--format osm``) and path network (``poi.network``) are imported
once into a temporary SQLite file; then each circuit is routed ``--repeat`` times and
the best and median wall times printed, with the share spent reading the network
(``NetworkStore.edges_in_bbox``), the number of edges read, the route's length and its
ratio to the straight (geodesic) distances between the POIs. Each case is then routed
again by a plain Dijkstra (the same search with the A* heuristic off,
``trails.graph.HEURISTIC_SCALE = 0``): same route (checked), and the A* speed-up is printed.

Target: a circuit through a handful of POIs in under 0.5 s (staff click "route" in the
editor and wait for the line to draw).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 0.5
OSM = ROOT / "tests/data/sources/osm"
CASES = {
    OSM / "andorra_2013_graphhopper.osm.pbf": [
        ("Perafita - Claror (2 refuges)", ["Refugi de Perafita", "Refugi de Claror"], False),
        ("Ordino - Coll d'Ordino - Canillo, loop", ["Casa d'Areny-Plandolit", "Coll d'Ordino", "Comú de Canillo"],
         True),
        ("Ordino - Engolasters - Ensagents - Siscaró (21 km apart)",
         ["Casa d'Areny-Plandolit", "Lac d'Engolasters", "Refugi d'Ensagents", "Refugi del Siscaró"], False),
    ],
    OSM / "monaco_graphhopper.osm.gz": [
        ("Palais - Cathédrale - Musée océanographique",
         ["Palais Princier de Monaco", "Cathédrale Notre-Dame-Immaculée", "Musée Océanographique"], False),
        ("same, loop", ["Palais Princier de Monaco", "Cathédrale Notre-Dame-Immaculée", "Musée Océanographique"],
         True),
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from poi.geo import geodesic_distance_m
    from poi.importers import import_file
    from poi.network import import_osm_map
    from poi.network.store import NetworkStore
    from poi.store import PoiStore, open_db
    from trails import graph
    from trails.routing import route_trail
    from webapp.schema import COMPONENTS

    read_s = []
    original = NetworkStore.edges_in_bbox

    def timed(self, bbox):
        started = time.perf_counter()
        edges = original(self, bbox)
        read_s.append((time.perf_counter() - started, len(edges)))
        return edges

    NetworkStore.edges_in_bbox = timed
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for osm, cases in CASES.items():
            db = open_db(Path(tmp) / f"{osm.name}.db", COMPONENTS)
            import_file(db, osm, format="osm")
            stats = import_osm_map(db, osm).stats
            print(f"{osm.name}: {stats.nodes} nodes, {stats.edges} edges, {stats.edges_length_m / 1000:.0f} km, "
                  f"{stats.components} parts")
            store = PoiStore(db)
            for label, names, loop in cases:
                ids = [next(p.id for p in store.search(n) if p.name == n) for n in names]
                pois = store.get_many(ids + ids[:1] if loop else ids)
                direct = sum(geodesic_distance_m(a.lon, a.lat, b.lon, b.lat) for a, b in zip(pois, pois[1:]))
                times, reads = [], []
                for _ in range(args.repeat):
                    read_s.clear()
                    started = time.perf_counter()
                    trail = route_trail(db, ids, name=label, loop=loop)
                    times.append(time.perf_counter() - started)
                    reads.append(sum(r[0] for r in read_s))
                edges_read = sum(r[1] for r in read_s)
                worst = max(worst, min(times))
                scale, graph.HEURISTIC_SCALE = graph.HEURISTIC_SCALE, 0.0
                plain = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    baseline = route_trail(db, ids, name=label, loop=loop)
                    plain.append(time.perf_counter() - started)
                graph.HEURISTIC_SCALE = scale
                same = abs(baseline.length_m - trail.length_m) < 0.01
                print(f"  {label}: best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms "
                      f"(network read {min(reads) * 1000:.0f} ms, {edges_read} edges); "
                      f"{trail.length_m / 1000:.2f} km = {trail.length_m / direct:.2f} x the straight "
                      f"{direct / 1000:.2f} km; plain Dijkstra best {min(plain) * 1000:.0f} ms "
                      f"({min(plain) / min(times):.2f} x A*'s, {'same route' if same else 'DIFFERENT ROUTE'})")
            db.conn.close()
    print(f"slowest case {worst * 1000:.0f} ms; target < {TARGET_S * 1000:.0f} ms: "
          f"{'met' if worst < TARGET_S else 'MISSED'} (ratio {worst / TARGET_S:.2f})")


if __name__ == "__main__":
    main()
