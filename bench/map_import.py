#!/usr/bin/env python3
"""Peak memory of ``balise map import`` against the size of the extract: it must stay flat.

No département-size OSM extract is among the project's data, so this builds
synthetic ones from the real Andorra extract (data/andorra_2013_graphhopper.osm.pbf:
69,644 nodes, 2,725 ways): ``copies`` copies side by side (each shifted by
0.5 degrees of longitude per column and 0.3 of latitude per row, ids offset by
3e9 per copy so nothing is shared), written in OSM order (all nodes, then
ways, then relations) as one .osm.pbf. Each import runs in its own process
(``resource.getrusage`` peak RSS of that process alone), into a new database,
then a route is asked for on the last copy (the far corner of the big network), and two 2 h loops from
the same start (``trails.loops.generate_loops``: the first reads and builds the network around the start,
the second reuses it), in another process whose peak RSS is printed too.

    python3 bench/map_import.py                    # 8 and 64 copies (64: 4.5 M nodes, ~ a département)
    python3 bench/map_import.py --copies 4 16      # quicker
    python3 bench/map_import.py --code /other/checkout   # another version's importer, same inputs
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "andorra_2013_graphhopper.osm.pbf"
ID_STEP = 3_000_000_000
COLUMNS = 8


def _shift(k: int) -> tuple[float, float]:
    return 0.5 * (k % COLUMNS), 0.3 * (k // COLUMNS)


def build(copies: int, out: Path) -> dict:
    """Write ``copies`` shifted copies of Andorra to ``out``; returns the object counts."""
    import osmium

    counts = {"nodes": 0, "ways": 0, "relations": 0}
    if out.exists():
        out.unlink()
    writer = osmium.SimpleWriter(str(out))
    try:
        for kind, entity in (("nodes", osmium.osm.NODE), ("ways", osmium.osm.WAY),
                             ("relations", osmium.osm.RELATION)):
            for k in range(copies):
                off, (dx, dy) = k * ID_STEP, _shift(k)
                for o in osmium.FileProcessor(str(SOURCE), entity):
                    if kind == "nodes":
                        loc = osmium.osm.Location(o.location.lon + dx, o.location.lat + dy)
                        writer.add_node(o.replace(id=o.id + off, location=loc))
                    elif kind == "ways":
                        writer.add_way(o.replace(id=o.id + off, nodes=[n.ref + off for n in o.nodes]))
                    else:
                        writer.add_relation(o.replace(id=o.id + off, members=[
                            (m.type, m.ref + off, m.role) for m in o.members]))
                    counts[kind] += 1
    finally:
        writer.close()
    return counts


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from poi.network import import_osm_map
from poi.network.store import NETWORK
from poi.store import open_db
db = open_db(sys.argv[2], [NETWORK])
t = time.perf_counter()
report = import_osm_map(db, sys.argv[1])
seconds = time.perf_counter() - t
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "edges": report.stats.edges,
                  "nodes": report.stats.nodes, "components": report.stats.components}))
"""

ROUTE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from poi.models import POI
from poi.store import PoiStore, open_db
from trails.routing import route_trail
db = open_db(sys.argv[1])
dx, dy = float(sys.argv[3]), float(sys.argv[4])
# Andorra la Vella -> Encamp, on the last copy (the far corner of the big network)
store = PoiStore(db)
ids = [store.upsert(POI(name=name, lon=lon + dx, lat=lat + dy, category="other", source="bench", source_id=name))
       for name, lon, lat in (("start", 1.5215, 42.5063), ("end", 1.5806, 42.5347))]
ids = [i[1] for i in ids]
t = time.perf_counter()
trail = route_trail(db, ids, name="bench")
out = {"seconds": round(time.perf_counter() - t, 2), "length_m": round(trail.length_m)}
# then 2 h loops from Andorra la Vella on the same copy: the first request reads the network around the start
# (trails.routing_cache), the second reuses it
from trails.loops import generate_loops
for key in ("loop_first", "loop_again"):
    t = time.perf_counter()
    loop = generate_loops(db, 1.5215 + dx, 42.5063 + dy, 120, variants=1)[0]
    out[key] = {"seconds": round(time.perf_counter() - t, 2), "duration_min": loop.duration_min,
                "length_m": round(loop.length_m), "reuse": round(loop.reuse_ratio, 3)}
out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose importer runs (default: this one)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for copies in args.copies:
            pbf = Path(tmp) / f"andorra_x{copies}.osm.pbf"
            t = time.perf_counter()
            counts = build(copies, pbf)
            built = time.perf_counter() - t
            db = Path(tmp) / f"x{copies}.db"
            out = subprocess.run([sys.executable, "-c", CHILD, str(pbf), str(db), str(args.code)],
                                 capture_output=True, text=True, check=True)
            result = json.loads(out.stdout)
            dx, dy = _shift(copies - 1)
            routed = subprocess.run([sys.executable, "-c", ROUTE, str(db), str(args.code), str(dx), str(dy)],
                                    capture_output=True, text=True)
            route = json.loads(routed.stdout) if routed.returncode == 0 else {"error": routed.stderr.strip()[-300:]}
            rows.append((copies, pbf.stat().st_size, counts, built, result, route))
            print(f"x{copies}: {counts['nodes']:,} nodes, {counts['ways']:,} ways, {pbf.stat().st_size / 1e6:.1f} MB "
                  f"pbf (built in {built:.0f} s); import {result['seconds']:.1f} s, peak RSS {result['peak_mb']:.0f} MB, "
                  f"{result['edges']:,} path edges, {result['nodes']:,} path nodes, {result['components']:,} "
                  f"components; route and loops on the last copy: {route}", flush=True)
            os.unlink(pbf)
            os.unlink(db)
    if len(rows) >= 2:
        (c0, s0, _, _, r0, _), (c1, s1, _, _, r1, _) = rows[0], rows[-1]
        print(f"\ninput x{s1 / s0:.1f} ({c0} -> {c1} copies): peak RSS x{r1['peak_mb'] / r0['peak_mb']:.2f} "
              f"({r0['peak_mb']:.0f} -> {r1['peak_mb']:.0f} MB), import time x{r1['seconds'] / r0['seconds']:.1f}")


if __name__ == "__main__":
    main()
