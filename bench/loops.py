#!/usr/bin/env python3
"""Loop generation (``trails.loops.generate_loops``, ``balise trail loop``): duration fit, reuse, heritage, speed.

    python3 bench/loops.py                 # real networks + synthetic grid
    python3 bench/loops.py --no-synthetic  # real networks only
    python3 bench/loops.py --grid 320      # synthetic grid of 320 x 320 nodes (204,160 edges)

Real networks: the OSM extracts of Andorra and Monaco (tests/data/sources/osm): their POIs
(``poi import --format osm``), path networks (``map import``) and SRTM tiles (``dem import``)
are imported with the project's own importers into a temporary SQLite file. From several
starts, 1 h, 2 h and 3 h loops (3 variants; durations are the walker's time with visits of
:mod:`trails.duration`, what the loops are sized on) are asked with ``--objective heritage`` and
``--objective none`` (same seed). Printed per request: the best variant's duration, its
heritage stops, its reuse, the time taken; then:

* per network (Andorra, Monaco, both, the synthetic grid):
* share of requests whose best loop is within 15 % of the target (target >= 90 %);
* mean and max reuse over every loop (all variants) of each objective, the share of loops
  walking at most 10 % of their length twice (target: all, unless the network leaves no
  choice), and how many above 10 % give no reason (target: none) or only the generic one;
* variants outside the tolerance, and how many say no reason (target: none);
* heritage stops of the best ``heritage`` loop / the best ``none`` loop, summed over the
  same requests (target >= 1.5);
* time per request (3 variants) and per loop, p50 and p95 (target p95 <= 2 s a loop).
  The network is read and built once per network and practice and kept in memory
  (:mod:`trails.routing_cache`); that time is printed apart, before the requests.

Synthetic: a jittered square grid of paths 60 m apart (``--grid`` nodes a side; 320 gives
204,160 edges), one heritage POI every ~25 nodes, flat, stored through ``NetworkStore``;
the same figures for loops from 3 starts.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OSM = ROOT / "tests/data/sources/osm"
ELEVATION = ROOT / "tests/data/elevation"
REAL = {
    "Andorra": (OSM / "andorra_2013_graphhopper.osm.pbf", ELEVATION / "srtm_N42E001_andorra-ariege.hgt.zip",
                {"Andorra la Vella": (1.5215, 42.5063), "Escaldes": (1.5389, 42.5096),
                 "Ordino": (1.5330, 42.5560), "Canillo": (1.5801, 42.5347),
                 "Arinsal (Black Bull Bar)": (1.4837, 42.5721)}),
    "Monaco": (OSM / "monaco_graphhopper.osm.gz", ELEVATION / "srtm_N43E007_nice-monaco-menton.hgt.zip",
               {"Casino": (7.4197, 43.7384), "Musée océanographique": (7.4265, 43.7313),
                "Fontvieille": (7.4155, 43.7270), "Larvotto": (7.4290, 43.7430)}),
}
MINUTES = (60, 120, 180)
TOLERANCE = 0.15


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


class Tally:
    def __init__(self, label: str):
        self.label = label
        self.fit, self.requests, self.unexplained, self.heritage, self.blind = 0, 0, 0, 0, 0
        self.generic, self.missed, self.missed_silent = 0, 0, 0
        self.reuse = {"heritage": [], "none": []}
        self.request_s, self.loop_s = [], []

    def merge(self, other: "Tally") -> None:
        for name in ("fit", "requests", "unexplained", "heritage", "blind", "generic", "missed", "missed_silent"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reuse = {k: v + other.reuse[k] for k, v in self.reuse.items()}
        self.request_s, self.loop_s = self.request_s + other.request_s, self.loop_s + other.loop_s

    def warm(self, db, lon: float, lat: float) -> None:
        """Read and build the network once (trails.routing_cache), outside the per-loop times."""
        from poi.geo import bbox_around
        from trails.routing_cache import network_graph

        started, rss = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        network_graph(db, "walking", bbox_around(lon, lat, 10_000))
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        print(f"{self.label}: network read and built in {time.perf_counter() - started:.1f} s (once per network "
              f"and practice, kept in memory: peak memory +{grown:.0f} MB; not counted below)")

    def run(self, db, name: str, lon: float, lat: float, minutes: int, seed: int = 1) -> None:
        from trails.loops import MAX_REUSE, generate_loops, request_note

        best = {}
        for objective in ("heritage", "none"):
            started = time.perf_counter()
            try:
                loops = generate_loops(db, lon, lat, minutes, tolerance=TOLERANCE, objective=objective, seed=seed)
            except Exception as e:  # noqa: BLE001 - a bench reports every failure and goes on
                print(f"  {name} {minutes} min {objective}: FAILED {e}")
                loops = []
            took = time.perf_counter() - started
            self.request_s.append(took)
            self.loop_s += [took / len(loops)] * len(loops) if loops else []
            best[objective] = loops[0] if loops else None
            self.reuse[objective] += [lp.reuse_ratio for lp in loops]
            self.unexplained += sum(lp.reuse_ratio > MAX_REUSE and not lp.reuse_note for lp in loops)
            self.generic += sum(lp.reuse_ratio > MAX_REUSE and "no loop of this duration was found" in lp.reuse_note
                                for lp in loops)
            outside = [lp for lp in loops if abs(lp.duration_min - minutes) > TOLERANCE * minutes]
            self.missed += len(outside)
            self.missed_silent += sum(not lp.fit_note for lp in outside)
            if loops and len(outside) == len(loops):
                print(f"  {name} {minutes} min {objective}: no variant within 15 %: {request_note(loops)}")
            if objective == "heritage":
                self.requests += 1
                self.fit += bool(loops) and abs(loops[0].duration_min - minutes) <= TOLERANCE * minutes
        h, b = best["heritage"], best["none"]
        self.heritage += h.heritage_stop_count if h else 0
        self.blind += b.heritage_stop_count if b else 0
        if h and b:
            print(f"  {name:22} {minutes:3d} min: heritage {h.duration_min:3d} min {h.length_m / 1000:5.1f} km "
                  f"{h.heritage_stop_count:2d} stops reuse {h.reuse_ratio:4.0%} | none {b.duration_min:3d} min "
                  f"{b.heritage_stop_count:2d} stops reuse {b.reuse_ratio:4.0%} | {self.request_s[-2]:.2f} s, "
                  f"{self.request_s[-1]:.2f} s")

    def summary(self) -> None:
        print(f"{self.label}: within 15 % of the target: {self.fit}/{self.requests} = "
              f"{self.fit / max(self.requests, 1):.0%} (target >= 90 %)")
        for objective, reuse in self.reuse.items():
            ok_reuse = sum(r <= 0.10 for r in reuse)
            print(f"{self.label}: reuse of the {objective} loops (all variants): mean "
                  f"{statistics.fmean(reuse or [0]):.1%}, max {max(reuse or [0]):.1%}; {ok_reuse}/{len(reuse)} <= 10 %")
        print(f"{self.label}: loops above 10 % reuse without a reason said: {self.unexplained} (target 0); "
              f"with the generic one (no part of the network named): {self.generic}")
        print(f"{self.label}: variants outside 15 % of the target: {self.missed}, without a reason said: "
              f"{self.missed_silent} (target 0)")
        ratio = self.heritage / self.blind if self.blind else float("inf")
        print(f"{self.label}: heritage stops of the best loop, heritage / none, summed over the same requests: "
              f"{self.heritage} / {self.blind} = {ratio:.2f} (target >= 1.5)")
        if self.loop_s:
            print(f"{self.label}: time per request (3 variants) p50 {statistics.median(self.request_s):.2f} s, "
                  f"p95 {p95(self.request_s):.2f} s; per loop p50 {statistics.median(self.loop_s):.2f} s, "
                  f"p95 {p95(self.loop_s):.2f} s (target p95 <= 2 s)")


def real(tmp: Path) -> None:
    from poi.importers import import_file
    from poi.network import import_osm_map
    from poi.store import open_db
    from webapp.schema import COMPONENTS
    from trails.dem import import_dem

    both = Tally("Andorra + Monaco")
    for label, (osm, tile, starts) in REAL.items():
        db = open_db(tmp / f"{label}.db", COMPONENTS)
        import_file(db, osm, format="osm")
        stats = import_osm_map(db, osm).stats
        import_dem(db, tile)
        print(f"{label}: {stats.edges} path edges, {stats.edges_length_m / 1000:.0f} km")
        tally = Tally(label)
        tally.warm(db, *next(iter(starts.values())))
        for name, (lon, lat) in starts.items():
            for minutes in MINUTES:
                tally.run(db, name, lon, lat, minutes)
        db.conn.close()
        tally.summary()
        both.merge(tally)
    both.summary()


def synthetic(tmp: Path, side: int) -> None:
    from poi.models import POI
    from poi.network.store import EdgeRow, NetworkStore, WayRow
    from poi.store import PoiStore, open_db, transaction
    from webapp.schema import COMPONENTS

    db = open_db(tmp / "grid.db", COMPONENTS)
    store = NetworkStore(db)
    rng = random.Random(5)
    lon0, lat0, step = 3.0, 44.0, 0.00075  # about 60 m (lon) and 83 m (lat)
    jitter = {(i, j): (rng.uniform(-0.2, 0.2) * step, rng.uniform(-0.2, 0.2) * step)
              for i in range(side) for j in range(side)}

    def point(i, j):
        dx, dy = jitter[(i, j)]
        return round(lon0 + i * step + dx, 6), round(lat0 + j * step * 0.75 + dy, 6)

    from poi.geo import geodesic_length_m

    started = time.perf_counter()
    with transaction(db):
        for k in range(2 * side):
            cells = [(k, j) for j in range(side)] if k < side else [(i, k - side) for i in range(side)]
            coords = [point(*c) for c in cells]
            nodes = [1 + c[0] * side + c[1] for c in cells]
            edges = [EdgeRow(n, nodes[n], nodes[n + 1], geodesic_length_m(coords[n:n + 2]), coords[n:n + 2],
                             {"surface": "ground"} if (k + n) % 3 else {})
                     for n in range(side - 1)]
            xs, ys = [c[0] for c in coords], [c[1] for c in coords]
            way = WayRow(f"way/{k}", "path", "path" if k % 4 else "track", "", "{}",
                         (min(xs), min(ys), max(xs), max(ys)), sum(e.length_m for e in edges), True, str(k))
            store.upsert_way(way, edges)
        pois = [POI(name=f"Chapelle {n}", lon=point(i, j)[0] + 0.0001, lat=point(i, j)[1], category="church",
                    source="bench", source_id=str(n))
                for n, (i, j) in enumerate((rng.randrange(side), rng.randrange(side)) for _ in range(side * side // 25))]
        PoiStore(db).upsert_many(pois)
    stats = store.stats()
    print(f"synthetic grid: {stats.edges} path edges, {stats.edges_length_m / 1000:.0f} km, {len(pois)} heritage "
          f"POIs (built in {time.perf_counter() - started:.0f} s)")
    tally = Tally("synthetic grid")
    middle = point(side // 2, side // 2)
    tally.warm(db, *middle)
    for name, (lon, lat) in {"centre": middle, "west": point(side // 4, side // 2),
                             "north-east": point(3 * side // 4, 3 * side // 4)}.items():
        for minutes in MINUTES:
            tally.run(db, name, lon, lat, minutes)
    tally.summary()
    db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--no-real", action="store_true")
    parser.add_argument("--grid", type=int, default=320, help="nodes a side of the synthetic grid")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"conditions: {os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
          f"(shared machine: figures are noisy), {platform.python_implementation()} {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_real:
            real(Path(tmp))
        if not args.no_synthetic:
            synthetic(Path(tmp), args.grid)


if __name__ == "__main__":
    main()
