"""Benchmark of ``balise publish`` (the static site) and of serving it with nginx vs ``balise serve``.

In temporary folders, removed at the end:

1. the demo catalogue (``webapp.demo.build_demo`` over ``data/``), published in French and English:
   the first publish, a second one with nothing changed, and one after editing one circuit's summary;
2. ``--trails N`` (default 10,000) synthetic circuits: the demo's and shifted copies of them (real traces,
   figures, stops and their POIs with photos, each copy moved to a new place), published in ``--lang``
   (default fr):
   the same three timings (target for the incremental one: <= 2 s at 10,000);
3. requests per second for circuit pages and bundle files of the demo, from nginx serving the published
   folder (the site's own nginx snippet, one worker) and from ``balise serve`` (waitress, 8 threads) over
   the same database, in the same run, same client (``--clients`` processes with keep-alive connections,
   ``--seconds`` each). Target: the static site at least 5 times faster.

Run: ``python3 bench/publish.py [--trails N] [--lang fr] [--seconds 10] [--clients 4] [--skip-synthetic]
[--skip-demo]``.
It prints figures; it asserts nothing. Other work on the machine slows every figure.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_INCREMENTAL_S = 2.0
TARGET_RATIO = 5.0


def publish(db_path: Path, out: Path, base_url: str, langs: tuple[str, ...]):
    from webapp.publish import PublishOptions
    from webapp.publish import publish as run

    started = time.perf_counter()
    report = run(str(db_path), PublishOptions(out=out, base_url=base_url, langs=langs))
    return time.perf_counter() - started, report


def edit_one(db_path: Path, trail_id: int) -> None:
    from poi.store import open_db
    from trails.store import TrailStore
    from webapp.schema import COMPONENTS

    db = open_db(db_path, COMPONENTS)
    store = TrailStore(db)
    trail = store.get(trail_id)
    trail.summary = (trail.summary or "") + " (modifié)"
    store.save(trail)
    db.conn.close()


def three_publishes(label: str, db_path: Path, out: Path, langs: tuple[str, ...], trail_id: int) -> None:
    base = "https://commune.example/balades/"
    seconds, report = publish(db_path, out, base, langs)
    s = report.stats
    circuits = report.parts.get("trail-files", 0)
    print(f"{label}: first publish {seconds:.1f} s — {report.pages} pages, {s.written} files "
          f"({_size_mb(out):.0f} MB), languages {', '.join(langs)}, {report.workers} worker processes, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{label}: CPU seconds by part (summed over the workers; per circuit: / {circuits}): " + ", ".join(
        f"{kind} {total:.1f} s ({total / max(circuits, 1) * 1000:.0f} ms)"
        for kind, total in sorted(report.seconds_by_part.items(), key=lambda kv: -kv[1]) if total >= 0.05))
    seconds, report = publish(db_path, out, base, langs)
    print(f"{label}: re-publish, nothing changed: {seconds:.2f} s (target <= {TARGET_INCREMENTAL_S:.0f} s: "
          f"{_verdict(seconds)}) — {report.stats.sentence()}, {report.rendered} parts rendered, "
          f"load average {os.getloadavg()[0]:.1f}")
    edit_one(db_path, trail_id)
    seconds, report = publish(db_path, out, base, langs)
    print(f"{label}: after editing circuit {trail_id}: {seconds:.2f} s (target <= {TARGET_INCREMENTAL_S:.0f} s: "
          f"{seconds / TARGET_INCREMENTAL_S:.2f}x, {_verdict(seconds)}) — {report.stats.sentence()}, "
          f"{report.rendered} parts rendered again, load average {os.getloadavg()[0]:.1f}")


def _verdict(seconds: float) -> str:
    return "OK" if seconds <= TARGET_INCREMENTAL_S else "MISSED"


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.resolve().rglob("*") if p.is_file()) / 1e6


def synthetic_db(demo_db: Path, n: int) -> tuple[Path, int]:
    """``n`` published circuits: the demo's, then shifted copies of them (trace, figures, stops and their
    POIs with photos, moved by up to ~0.1° so each copy is a new place), beside the demo's database (same
    media folder). Returns the path and the id of the first copy."""
    import dataclasses

    from poi.store import PoiStore, open_db
    from trails.store import TrailStore
    from webapp.schema import COMPONENTS

    path = demo_db.with_name("synthetic.db")
    shutil.copyfile(demo_db, path)
    db = open_db(path, COMPONENTS)
    trails, pois = TrailStore(db), PoiStore(db)
    models = trails.all(published_only=True)
    stops = {t.id: trails.stops(t.id) for t in models}
    first = None
    with db.conn:
        for k in range(max(0, n - len(models))):
            model = models[k % len(models)]
            shift = 1 + k // len(models)
            dx, dy = 0.013 * (shift % 9), 0.011 * (shift // 9)
            segments = [[(p[0] + dx, p[1] + dy, *p[2:]) for p in seg] for seg in model.segments]
            tid = trails.save(dataclasses.replace(model, id=None, segments=segments, source="bench",
                                                  name=f"{model.name} ({shift + 1})", source_id=f"{model.id}-{shift}"))
            first = first or tid
            copies = []
            for stop in stops[model.id]:
                poi = pois.get(stop.poi_id)
                _, pid = pois.upsert(dataclasses.replace(poi, id=None, lon=poi.lon + dx, lat=poi.lat + dy,
                                                         source="bench", source_id=f"{poi.id}-{shift}"))
                copies.append(dataclasses.replace(stop, trail_id=tid, poi_id=pid))
            trails.upsert_stops(copies)
    db.conn.close()
    return path, first or models[0].id


# -- load ------------------------------------------------------------------------------------------------
def _client(port: int, paths: list[str], seconds: float, queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = errors = 0
    stop_at = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < stop_at:
        try:
            conn.request("GET", paths[i % len(paths)], headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            done += 1
            errors += response.status != 200
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i += 1
    conn.close()
    queue.put((done, errors))


def requests_per_s(port: int, paths: list[str], clients: int, seconds: float) -> tuple[float, int]:
    for path in paths:  # warm up: every URL once (caches filled, as on a running site)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(f"warm-up: {path} answered {response.status}")
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(port, paths[i:] + paths[:i], seconds, queue))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results) / seconds, sum(r[1] for r in results)


def start_nginx(folder: Path, port: int, work: Path) -> subprocess.Popen:
    from exporter.site_serving import local_nginx_conf

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        raise SystemExit("nginx is not installed (apt-get install nginx)")
    work.mkdir(parents=True, exist_ok=True)
    (work / "nginx.conf").write_text(local_nginx_conf(folder, port, work, "/"))
    proc = subprocess.Popen([nginx, "-p", str(work), "-c", str(work / "nginx.conf")])
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("nginx did not start")


def compare_servers(db_path: Path, site: Path, circuits: list[int], clients: int, seconds: float) -> None:
    from web_load import free_port, start_server

    bundle_files = ["index.html", "app.js", "engine.js", "trail.json", "app.css", "sw.js"]
    kinds = {"circuit pages": ([f"/trails/{t}" for t in circuits], [f"/trails/{t}/" for t in circuits]),
             "bundle files": ([f"/trails/{t}/bundle/{f}" for t in circuits for f in bundle_files],
                              [f"/trails/{t}/bundle/{f}" for t in circuits for f in bundle_files])}
    nginx_port, app_port = free_port(), free_port()
    nginx = start_nginx(site.resolve(), nginx_port, site.parent / "nginx")
    app = None
    try:
        app = start_server(db_path, app_port, site.parent / "serve.log")
        print(f"\nload: {clients} client processes with keep-alive connections, {seconds:.0f} s per run, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"{'what':15} {'balise serve req/s':>19} {'nginx req/s':>12} {'ratio':>7}  target >= {TARGET_RATIO:.0f}x")
        for kind, (live_paths, static_paths) in kinds.items():
            live, live_errors = requests_per_s(app_port, live_paths, clients, seconds)
            static, static_errors = requests_per_s(nginx_port, static_paths, clients, seconds)
            ratio = static / live if live else float("inf")
            print(f"{kind:15} {live:19.0f} {static:12.0f} {ratio:6.1f}x  "
                  f"{'OK' if ratio >= TARGET_RATIO else 'MISSED'} (errors {live_errors}/{static_errors})")
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=10)
        nginx.terminate()
        nginx.wait(timeout=10)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trails", type=int, default=10_000, help="synthetic circuits (default 10,000)")
    parser.add_argument("--lang", action="append", help="languages of the synthetic site (default: fr)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each load run (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--skip-synthetic", action="store_true", help="only the demo and the load comparison")
    parser.add_argument("--skip-demo", action="store_true", help="only the synthetic circuits")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="balise-bench-publish-") as tmp:
        tmp = Path(tmp)
        from web_load import build_demo_db

        db_path, circuits, *_ = build_demo_db(tmp)
        if not args.skip_demo:
            three_publishes("demo", db_path, tmp / "demo-site", ("fr", "en"), circuits[-1])
            compare_servers(db_path, tmp / "demo-site", circuits, args.clients, args.seconds)
        if not args.skip_synthetic:
            started = time.perf_counter()
            synth, first_id = synthetic_db(db_path, args.trails)
            print(f"\nsynthetic: {args.trails} circuits (the demo's and shifted copies with their stops) "
                  f"generated in {time.perf_counter() - started:.1f} s")
            three_publishes(f"{args.trails} circuits", synth, tmp / "synthetic-site", tuple(args.lang or ["fr"]),
                            first_id)


if __name__ == "__main__":
    main()
