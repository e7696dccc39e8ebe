#!/usr/bin/env python3
"""Import speed and memory: POIs per second and peak memory, per file size.

    python3 bench/import.py                      # 100k, 250k, 500k synthetic GeoJSON POIs + the OSM samples
    python3 bench/import.py --sizes 20000 --osm tests/data/sources/osm/monaco_graphhopper.osm.gz
    python3 bench/import.py --profile 100000     # where the GeoJSON importer spends its time (cProfile)

(a) A synthetic GeoJSON FeatureCollection of N points (names, OSM-like tags,
description, website: the shape of an Overpass export) is written to a temporary
file, then imported by ``poi.importers.import_file`` into a new SQLite file, in a
fresh subprocess per size so that the peak resident memory (``ru_maxrss``) is that
import's alone. Memory is "flat" when the 500k import peaks no higher than the
100k one (plus a few MB): the importer streams.

(b) The real OpenStreetMap extracts of ``tests/data/sources/osm/`` through the OSM
importer (``--format osm``) and the map/network import (``poi.network``). There,
POIs/s understates the reading speed (most OSM objects are not POIs), so OSM
objects/s (nodes + ways + relations in the file) is printed too.

Target: >= 20,000 POIs/s on (a), memory flat. "parse/s" is the JSON reader alone (features/s).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_POIS_PER_S = 20_000
OSM_SAMPLES = [ROOT / "tests/data/sources/osm/andorra_2013_graphhopper.osm.pbf",
               ROOT / "tests/data/sources/osm/monaco_graphhopper.osm.gz"]
TAGS = [("tourism", "viewpoint"), ("historic", "castle"), ("amenity", "place_of_worship"), ("natural", "spring"),
        ("historic", "wayside_cross"), ("tourism", "museum"), ("man_made", "watermill"), ("amenity", "fountain"),
        ("tourism", "picnic_site"), ("amenity", "parking")]
WORDS = ["Saint", "Jean", "Moulin", "Croix", "Fontaine", "Vieux", "Pont", "Roc", "Col", "Notre-Dame", "Lavoir",
         "Chapelle", "Tour", "Source", "Puech", "Mas", "Bois", "Combe", "Serre", "Font"]


def write_geojson(path: Path, n: int, seed: int = 5) -> None:
    """N point features around the Cévennes, written feature by feature (never held in memory)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "attribution": "synthetic", "features": [\n')
        for i in range(n):
            key, value = TAGS[i % len(TAGS)]
            name = " ".join(rng.choice(WORDS) for _ in range(3))
            props = {"@id": f"node/{1_000_000 + i}", "name": f"{name} {i}", key: value,
                     "description": f"{name}: " + " ".join(rng.choice(WORDS) for _ in range(25)),
                     "website": f"https://example.org/poi/{i}", "ele": str(rng.randint(100, 1700))}
            feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [
                round(3.3 + rng.random() * 0.9, 6), round(44.0 + rng.random() * 0.5, 6)]}, "properties": props}
            f.write(("," if i else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        f.write("]}\n")


def child(kind: str, path: str, db_path: str) -> None:
    """Run one import in this (fresh) process and print its figures as JSON."""
    from poi.i18n import set_language
    from poi.importers import import_file
    from poi.store import open_db
    from webapp.schema import COMPONENTS

    set_language("en")
    db = open_db(db_path, COMPONENTS)
    started = time.perf_counter()
    if kind == "map":
        from poi.network import import_osm_map

        report = import_osm_map(db, path)
        figures = {"records": report.ways, "written": report.added + report.updated,
                   "edges": report.stats.edges}
    else:
        report = import_file(db, path, format=kind)
        figures = {"records": report.records, "written": report.added + report.updated,
                   "skipped": report.skipped}
    seconds = time.perf_counter() - started
    if kind == "osm":
        figures["osm_objects"] = count_osm_objects(path)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({**figures, "seconds": seconds, "maxrss_mb": maxrss_mb}))


def parse_rate(path: Path) -> float:
    """Features/s of the streaming GeoJSON reader alone (what reading costs before any POI is built)."""
    from poi.importers.geojson import iter_features

    started = time.perf_counter()
    n = sum(1 for _ in iter_features(path))
    return n / (time.perf_counter() - started)


def count_osm_objects(path: str) -> int:
    import osmium

    from poi.importers.osm import osm_file

    return sum(1 for _ in osmium.FileProcessor(osm_file(Path(path))))


def measure(kind: str, path: Path, workdir: Path) -> dict:
    db_path = workdir / f"bench-{kind}-{path.stem}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(path), str(db_path)], check=True,
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_mb() -> float:
    """Peak memory of a process that only imports Balise and opens a database (what every import pays)."""
    code = ("import resource, tempfile, os; import poi.importers, poi.network; from poi.store import open_db; "
            "from webapp.schema import COMPONENTS; open_db(os.path.join(tempfile.mkdtemp(), 'b.db'), COMPONENTS); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                cwd=ROOT).stdout)


def profile(n: int, workdir: Path) -> None:
    import cProfile
    import pstats

    from poi.importers import import_file
    from poi.store import open_db
    from webapp.schema import COMPONENTS

    path = workdir / f"synthetic-{n}.geojson"
    write_geojson(path, n)
    db = open_db(workdir / "profile.db", COMPONENTS)
    profiler = cProfile.Profile()
    profiler.enable()
    report = import_file(db, path)
    profiler.disable()
    print(f"{report.records} records in {report.seconds:.2f} s under cProfile")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,250000,500000", help="synthetic GeoJSON sizes (POIs)")
    parser.add_argument("--osm", nargs="*", type=Path, default=OSM_SAMPLES, help="OSM files to import")
    parser.add_argument("--profile", type=int, metavar="N", help="profile the GeoJSON import of N POIs instead")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory(prefix="balise-bench-") as tmp:
        workdir = Path(tmp)
        if args.profile:
            profile(args.profile, workdir)
            return 0
        base = baseline_mb()
        print(f"baseline process (imports + open db): {base:.0f} MB peak")
        print("(a) synthetic GeoJSON through the geojson importer")
        print(f"{'POIs':>9} {'file MB':>8} {'seconds':>8} {'POIs/s':>8} {'vs target':>9} {'peak MB':>8} {'above base':>10} {'parse/s':>10}")
        peaks = []
        for n in [int(s) for s in args.sizes.split(",") if s]:
            path = workdir / f"synthetic-{n}.geojson"
            write_geojson(path, n)
            r = measure("geojson", path, workdir)
            r["parse_per_s"] = parse_rate(path)
            rate = r["records"] / r["seconds"]
            peaks.append((n, r["maxrss_mb"]))
            print(f"{r['records']:>9,} {path.stat().st_size / 1e6:>8.1f} {r['seconds']:>8.2f} {rate:>8,.0f} "
                  f"{rate / TARGET_POIS_PER_S:>8.2f}x {r['maxrss_mb']:>8.0f} {r['maxrss_mb'] - base:>10.0f} "
                  f"{r['parse_per_s']:>10,.0f}")
            path.unlink()
        if len(peaks) > 1:
            (n0, m0), (n1, m1) = peaks[0], peaks[-1]
            print(f"memory: {m1:.0f} MB at {n1:,} POIs vs {m0:.0f} MB at {n0:,} "
                  f"({m1 / m0:.2f}x for {n1 / n0:.1f}x the POIs): {'flat' if m1 - m0 < 20 else 'GROWS'}")
        print("(b) OpenStreetMap samples: POIs (--format osm), then map ways + path network (balise map import)")
        print(f"{'file':<36} {'what':<5} {'objects':>8} {'kept':>6} {'seconds':>8} {'objects/s':>10} {'kept/s':>8} "
              f"{'peak MB':>8}")
        for path in args.osm:
            for kind in ("osm", "map"):
                r = measure(kind, path, workdir)
                objects = r.get("osm_objects", r["records"])
                what = "POIs" if kind == "osm" else "ways"
                print(f"{path.name:<36} {what:<5} {objects:>8,} {r['written']:>6,} {r['seconds']:>8.2f} "
                      f"{objects / r['seconds']:>10,.0f} {r['written'] / r['seconds']:>8,.0f} {r['maxrss_mb']:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
