"""Offline bundle benchmark: build time and sizes by part for every trail of a database.

    python3 bench/bundle.py [--db PATH] [--photo-max-width N] [--photo-quality Q] [--limit N]

Without ``--db`` the demo catalogue is built first (``balise demo --no-serve`` into a
temporary folder). Prints, per trail: build time, gzipped KB of the shell, data, map,
media and single-file parts, the gzipped total the phone keeps (everything but ``trail.html``, a download
of its own), its download time at 3G (384 kbit/s), and the time to "ready offline" at 3G: the core
(app, trail, texts, map: files.json's first stage) at 384 kbit/s plus 300 ms of latency per round of
4 parallel requests (app/offline.js), two more for the page and files.json; then the targets:

* shell + data + map <= 300 KB gzipped for a 12 km, 25-stop circuit (with its vector map);
* the whole bundle with photos <= 3 MB gzipped.

Each trail of the database is bundled with its offline map (the database's OSM map ways in a
500 m corridor, :func:`exporter.bundle.build_trail_files`, as the web app serves it), timed with
the build. Photos default to :data:`exporter.bundle.PHOTO_MAX_WIDTH` px at
:data:`exporter.bundle.PHOTO_QUALITY`, ``trail.html``'s copies to ``SINGLE_PHOTO_MAX_WIDTH``.
The demo data carries no photos, so a row bundles the real 12 km "Pauparelle"
circuit (tests/data/bundle) with 25 stops, each with its own camera-size photo (4000 x 3000 JPEG
at quality 92 with photographic detail, tests/browser/photos.py, ~2.9 MB each) to measure the
photo budget. Two last rows bundle the
real 12 km GR-11 stretch from Escaldes (tests/data/mbtiles) with 25 stops and the vector
map of the real Andorra OSM extract, then also with the corridor's tiles (z13-15).
"""
from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from exporter import bundle, offline_map  # noqa: E402
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from photos import camera_photo  # noqa: E402
from poi.network import import_osm_map  # noqa: E402
from poi.models import POI, Media  # noqa: E402
from poi.store import open_db  # noqa: E402
from webapp.schema import COMPONENTS  # noqa: E402
from trails.models import Stop, Trail, TrailStop  # noqa: E402
from trails.store import TrailStore  # noqa: E402

DATA = ROOT / "tests" / "data" / "bundle"
MAP_DATA = ROOT / "tests" / "data" / "mbtiles"
CORE_TARGET_KB = 300
WHOLE_TARGET_KB = 3000


def kb(n: int) -> str:
    return f"{n / 1000:7.1f}"


LATENCY_S = 0.3
PARALLEL = 4


def ready_offline_s(files: dict[str, bytes]) -> float:
    """Seconds to "ready offline" at 3G: the install list's core, gzipped, at 384 kbit/s, plus latency."""
    core = json.loads(files[bundle.INSTALL_LIST])["core"]
    gz = sum(len(gzip.compress(files[p], 6)) for p, _ in core)
    rounds = 2 + -(-len(core) // PARALLEL)
    return bundle.download_seconds(gz) + rounds * LATENCY_S


def row(label: str, km: float, n_stops: int, seconds: float, files: dict[str, bytes]) -> tuple[float, float, float]:
    parts, total = bundle.measure(files)
    core = parts["shell"].gzip_bytes + parts["data"].gzip_bytes + parts["map"].gzip_bytes
    ready = ready_offline_s(files)
    print(f"{label[:34]:34} {km:5.1f} {n_stops:4d} {seconds * 1000:7.0f}"
          + "".join(kb(parts[p].gzip_bytes) for p in bundle.PARTS)
          + f"{kb(core)}{kb(total.gzip_bytes)} {bundle.download_seconds(total.gzip_bytes):6.1f} {ready:6.1f}")
    return core, total.gzip_bytes, ready


def demo_db(folder: Path) -> Path:
    db = folder / "demo.db"
    subprocess.run([sys.executable, "-c", "from webapp.cli import main; main()", "--db", str(db), "demo", "--no-serve"], cwd=ROOT,
                   check=True, capture_output=True)
    return db


def synthetic(folder: Path, photo_max_width: int, photo_quality: int):
    """The real 12 km Pauparelle circuit, 25 stops, one distinct real photo each."""
    feature = json.loads((DATA / "cevennes_pauparelle_loop_12km.geojson").read_text())["features"][0]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    trail = Trail(name="Pauparelle + 25 photos", segments=[coords], id=0, length_m=11998.0)
    stops = []
    for i in range(25):
        path = folder / f"photo{i}.jpg"
        path.write_bytes(camera_photo(i, 4000, 3000))
        lon, lat, _ = coords[(i + 1) * len(coords) // 26]
        poi = POI(f"Stop {i + 1}", lon, lat, category="monument", summary="Résumé " * 10,
                  description="<p>" + "Texte de la fiche. " * 60 + "</p>", id=i + 1,
                  media=[Media("image", str(path), f"Photo {i + 1}", "Rust Embedded WG", "CC BY-SA 4.0")])
        stops.append(TrailStop(Stop(0, i + 1, distance_along_m=i * 450.0, offset_m=10.0), poi))
    return trail, stops


def gr11_rows(args) -> float:
    """The 12 km GR-11 with 25 stops and its vector map, then with tiles too; returns the core with vectors."""
    db = open_db(":memory:", COMPONENTS)
    import_osm_map(db, MAP_DATA / "andorra_escaldes_gr11-bbox.osm.pbf")
    feature = json.loads((MAP_DATA / "andorra_gr11_escaldes_12km.geojson").read_text())["features"][0]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    trail = Trail(name="GR-11 Escaldes", segments=[coords], id=0, length_m=feature["properties"]["length_m"])
    stops = []
    for i in range(25):
        lon, lat, _ = coords[(i + 1) * len(coords) // 26]
        poi = POI(f"Stop {i + 1}", lon, lat, category="monument", summary="Résumé " * 10,
                  description="<p>" + "Texte de la fiche. " * 60 + "</p>", id=i + 1)
        stops.append(TrailStop(Stop(0, i + 1, distance_along_m=i * 450.0, offset_m=10.0), poi))
    core = 0.0
    for label, tiles in (("GR-11 12 km + vector map", None),
                         ("GR-11 12 km + vector + tiles", MAP_DATA / "andorra_escaldes_gr11-bbox_z13-15.mbtiles")):
        t0 = time.perf_counter()
        offline = offline_map.for_trail(db, trail.segments, tiles=tiles, min_zoom=13, max_zoom=15)
        files = bundle.build_files(trail, stops, photo_max_width=args.photo_max_width,
                                   photo_quality=args.photo_quality, offline_map=offline)
        seconds = time.perf_counter() - t0
        row_core, _total, _ready = row(label, trail.length_m / 1000, 25, seconds, files)
        detail = bundle.measure_map(files)
        print(f"{'':34} map: Leaflet {detail['leaflet'].gzip_bytes / 1000:.1f} KB, vector "
              f"{detail['vector'].gzip_bytes / 1000:.1f} KB, {sum(1 for p in files if p.startswith('tiles/'))} tiles "
              f"{detail['tiles'].gzip_bytes / 1000:.1f} KB (gzipped)")
        core = core or row_core
    db.conn.close()
    return core


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite database (default: build the demo catalogue in a temp folder)")
    parser.add_argument("--photo-max-width", type=int, default=bundle.PHOTO_MAX_WIDTH)
    parser.add_argument("--photo-quality", type=int, default=bundle.PHOTO_QUALITY)
    parser.add_argument("--limit", type=int, default=None, help="only the first N trails")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db_path = Path(args.db) if args.db else demo_db(tmp_path)
        db = open_db(db_path, COMPONENTS)
        store = TrailStore(db)
        trails = store.all()[: args.limit]
        print(f"{'trail':34} {'km':>5} {'stops':>4} {'ms':>7}" + "".join(f"{p:>7}" for p in bundle.PARTS)
              + f"{'core':>7}{'total':>7} {'3G s':>6} {'ready':>6}   (KB gzipped; total: what the phone keeps)")
        worst_core = (0.0, "")
        worst_total = (0.0, "", 0.0)
        times = []
        for trail in trails:
            stops = store.stops_with_pois(trail.id)
            t0 = time.perf_counter()
            files = bundle.build_trail_files(db, trail, stops, media_root=db_path.parent,
                                             photo_max_width=args.photo_max_width, photo_quality=args.photo_quality)
            seconds = time.perf_counter() - t0
            times.append(seconds)
            core, total, ready = row(f"{trail.id} {trail.name}", trail.length_m / 1000, len(stops), seconds, files)
            worst_core = max(worst_core, (core, trail.name))
            worst_total = max(worst_total, (total, trail.name, ready))
        db.conn.close()
        trail, stops = synthetic(tmp_path, args.photo_max_width, args.photo_quality)
        t0 = time.perf_counter()
        files = bundle.build_files(trail, stops, photo_max_width=args.photo_max_width,
                                   photo_quality=args.photo_quality)
        core, total, ready = row(trail.name, 12.0, 25, time.perf_counter() - t0, files)
        map_core = gr11_rows(args)
        print()
        if times:
            print(f"{len(times)} trails built in {sum(times):.2f} s (mean {1000 * sum(times) / len(times):.0f} ms, "
                  f"max {1000 * max(times):.0f} ms)")
            print(f"largest core (shell+data+map) of the db: {worst_core[0] / 1000:.1f} KB ({worst_core[1]}); "
                  f"largest whole bundle: {worst_total[0] / 1000:.1f} KB ({worst_total[1]}), "
                  f"ready offline at 3G in {worst_total[2]:.1f} s")
        print(f"12 km, 25 stops: core {core / 1000:.1f} KB gzipped, target <= {CORE_TARGET_KB} KB: "
              f"{'OK' if core <= CORE_TARGET_KB * 1000 else 'OVER'} (ratio {core / 1000 / CORE_TARGET_KB:.2f})")
        print(f"12 km GR-11, 25 stops, vector map: core {map_core / 1000:.1f} KB gzipped, target <= {CORE_TARGET_KB} KB: "
              f"{'OK' if map_core <= CORE_TARGET_KB * 1000 else 'OVER'} (ratio {map_core / 1000 / CORE_TARGET_KB:.2f})")
        print(f"12 km, 25 stops, 25 photos: whole {total / 1000:.1f} KB gzipped, target <= {WHOLE_TARGET_KB} KB: "
              f"{'OK' if total <= WHOLE_TARGET_KB * 1000 else 'OVER'} (ratio {total / 1000 / WHOLE_TARGET_KB:.2f}), "
              f"3G {bundle.download_seconds(total):.0f} s, ready offline (core) at 3G in {ready:.1f} s; photos "
              f"4000x3000 re-encoded at {args.photo_max_width} px q{args.photo_quality}; trail.html "
              f"({bundle.SINGLE_PHOTO_MAX_WIDTH} px q{bundle.SINGLE_PHOTO_QUALITY} copies) is its own download, not kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
