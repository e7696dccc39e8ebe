"""Load benchmark of the public web pages: ``balise serve`` (waitress) on loopback under concurrent clients.

Setup: the demo catalogue (:func:`webapp.demo.build_demo` over ``data/``: 118 trails, ~1,000 POIs) in a
temporary database, served by ``balise serve --db ... --port <free>`` in a child process, exactly as
in production (waitress, its thread pool).

Load: ``--clients`` threads, each with its own keep-alive ``http.client`` connection, request a fixed
mix of URLs in turn for ``--seconds``: the catalogue (first page, page 3, another sort), the catalogue
with filter combinations (difficulty, loop + duration, theme, text, near a place), circuit pages
(the one with the most stops, the longest trace, two ordinary ones), ``/api/trails`` (all, filtered,
paged) and the rest of the JSON API (a circuit's GeoJSON Feature and FeatureCollection, POIs in an area,
a keyset page ``after=<id>``, one POI), a fifth each. Every URL is requested once before the clock starts
(warm-up: first-hit times are printed separately). An error is any status other than 200 or a failed
connection.

Printed, per URL kind and in all: requests, requests/s, p50, p90, p99, max, errors; the server's CPU
time per request (from /proc) and the clients' own CPU; and the verdict against the targets of issues
4 and 10: >= 200 req/s, p99 < 100 ms, no errors, on a 2-core machine. The client threads share the
machine with the server, so the figures are a lower bound for the server alone. ``--per-route`` then
runs each kind alone (``--seconds``/4 each) and prints the server's CPU per request of that kind,
which other work on the machine does not inflate as it does latency.

``--profile`` runs the same URL mix in-process under cProfile (Flask test client, no server) and
prints where the time goes. Run: ``python3 bench/web_load.py [--seconds 20] [--clients 8]``.
It prints figures; it asserts nothing (exit status 0 unless the server cannot start).
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_RPS = 200
TARGET_P99_MS = 100.0


def build_demo_db(folder: Path) -> tuple[Path, list[int], list[int]]:
    """The demo catalogue in ``folder/balise.db``; returns the path, the circuit ids and two POI ids to visit."""
    from poi.store import PoiStore, open_db
    from webapp.schema import COMPONENTS
    from trails.store import TrailStore
    from webapp.demo import build_demo

    path = folder / "balise.db"
    db = open_db(path, COMPONENTS)
    try:
        report = build_demo(db)
        store = TrailStore(db)
        trails = [store.get(tid) for tid in report.trail_ids]
        most_stops = max(report.trail_ids, key=lambda tid: len(store.stops(tid)))
        longest = max(trails, key=lambda t: t.points).id
        ordinary = sorted(t.id for t in trails if t.id not in (most_stops, longest))
        circuits = list(dict.fromkeys([most_stops, longest, ordinary[len(ordinary) // 3],
                                       ordinary[2 * len(ordinary) // 3]]))
        poi_ids = [p.id for p in PoiStore(db).all()]
        pois = [store.stops(most_stops)[0].poi_id, poi_ids[len(poi_ids) // 2]]
    finally:
        db.conn.close()
    print(f"demo: {report.trails} trails, {report.pois} POIs, {report.stops} stops "
          f"(built in {report.seconds:.1f} s); circuits visited: {circuits}; POIs: {pois}")
    return path, circuits, pois


def url_mix(circuits: list[int], pois: list[int]) -> list[tuple[str, str]]:
    """``(kind, path)`` pairs requested in turn: a fifth each catalogue pages, searches, circuits, ``/api/trails``
    and the rest of the JSON API (circuit GeoJSON, POI lists by area and by keyset page, one POI)."""
    catalogue = ["/", "/?page=3", "/?sort=-duration&lang=en"]
    filtered = ["/?difficulty=easy", "/?route_type=loop&max_duration=3h", f"/?theme={quote('Forêt')}&lang=en",
                "/?q=moulin", "/?near=44.35,3.6&radius_km=25&difficulty=medium,hard",
                "/?practice=walking&min_duration=2h&sort=ascent"]
    circuit = [f"/trails/{tid}" for tid in circuits]
    api = ["/api/trails", "/api/trails?difficulty=easy&lang=en", "/api/trails?limit=50&offset=20&sort=-length",
           "/api/trails?near=44.35,3.6&radius_km=25"]
    api_other = [f"/api/trails/{circuits[0]}", "/api/pois?bbox=3.5,44.2,3.8,44.4&limit=200",
                 f"/api/pois?after={pois[1]}&limit=100", f"/api/pois/{pois[0]}?lang=en",
                 f"/api/trails/{circuits[1]}?format=collection"]
    mix = []
    for i in range(12):
        mix += [("catalogue", catalogue[i % len(catalogue)]), ("catalogue+filters", filtered[i % len(filtered)]),
                ("circuit", circuit[i % len(circuit)]), ("api/trails", api[i % len(api)]),
                ("api/pois+detail", api_other[i % len(api_other)])]
    return mix


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, port: int, log: Path) -> subprocess.Popen:
    """``balise serve`` of this checkout in a child process (not whatever ``balise`` is first on PATH).

    Its output goes to the file ``log``, not to a pipe: waitress warns at every queued task, and a pipe nobody
    reads fills up and blocks the server's logging, then every request (seen: all clients stalled at 10 s)."""
    cmd = [sys.executable, "-c", "from webapp.cli import main; main()"]
    cmd += ["serve", "--db", str(db_path), "--host", "127.0.0.1", "--port", str(port)] + (["--threads", os.environ["BALISE_BENCH_THREADS"]] if os.environ.get("BALISE_BENCH_THREADS") else [])
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "BALISE_DB": str(db_path),
                                 "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"balise serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("balise serve did not answer within 30 s")


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Client(threading.Thread):
    """One visitor: a keep-alive connection, the URL mix in turn (starting at its own offset)."""

    def __init__(self, port: int, mix: list[tuple[str, str]], start: int, stop_at: float):
        super().__init__(daemon=True)
        self.port, self.mix, self.i, self.stop_at = port, mix, start, stop_at
        self.samples: list[tuple[str, float, bool]] = []  # (kind, ms, ok)
        self.conn = None

    def _get(self, path: str) -> bool:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self.conn.request("GET", path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
            response = self.conn.getresponse()
            body = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status == 200 and len(body) > 0
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            return False

    def run(self):
        while (now := time.perf_counter()) < self.stop_at:
            kind, path = self.mix[self.i % len(self.mix)]
            self.i += 1
            ok = self._get(path)
            self.samples.append((kind, (time.perf_counter() - now) * 1000, ok))
        if self.conn is not None:
            self.conn.close()


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of sorted values."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, min(len(sorted_ms), round(q / 100 * len(sorted_ms) + 0.5)))
    return sorted_ms[rank - 1]


def warm_up(port: int, mix: list[tuple[str, str]]) -> dict[str, float]:
    """Each distinct URL once (caches filled, as on a running site); first-hit time per URL."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    first = {}
    for _kind, path in dict.fromkeys(mix):
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"warm-up: {path} answered {response.status}")
        first[path] = (time.perf_counter() - started) * 1000
    conn.close()
    return first


def load(port: int, pid: int, mix: list[tuple[str, str]], clients: int, seconds: float):
    """Run the clients for ``seconds``: ``(elapsed s, server CPU s, client CPU s, {kind: [(ms, ok)]})``."""
    cpu0, client_cpu0, t0 = server_cpu_s(pid), time.process_time(), time.perf_counter()
    threads = [Client(port, mix, start=i * 7, stop_at=t0 + seconds) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu = time.perf_counter() - t0, server_cpu_s(pid) - cpu0
    by_kind = defaultdict(list)
    for t in threads:
        for kind, ms, ok in t.samples:
            by_kind[kind].append((ms, ok))
    return elapsed, cpu, time.process_time() - client_cpu0, by_kind


def row(kind: str, samples: list[tuple[float, bool]], elapsed: float) -> str:
    ms = sorted(m for m, _ok in samples)
    errors = sum(1 for _m, ok in samples if not ok)
    return (f"{kind:18} {len(ms):8d} {len(ms) / elapsed:8.1f} {statistics.median(ms):8.1f} "
            f"{percentile(ms, 90):8.1f} {percentile(ms, 99):8.1f} {ms[-1]:8.1f} {errors:6d}")


HEADER = (f"{'kind':18} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'errors':>6}")


def run_load(port: int, pid: int, mix: list[tuple[str, str]], clients: int, seconds: float) -> None:
    first = warm_up(port, mix)
    print("first hit (cold) per URL: " + ", ".join(f"{p} {ms:.0f} ms" for p, ms in first.items()))
    load0 = os.getloadavg()[0]
    elapsed, cpu, client_cpu, by_kind = load(port, pid, mix, clients, seconds)
    by_kind["all"] = [s for kind in list(by_kind) for s in by_kind[kind]]
    print(f"\n{clients} clients, {elapsed:.1f} s, server: balise serve (waitress) pid {pid}, "
          f"{os.cpu_count()} CPUs, load average before/after {load0:.1f}/{os.getloadavg()[0]:.1f} "
          "(other work on the machine slows every figure)")
    print(HEADER)
    for kind, samples in by_kind.items():
        print(row(kind, samples, elapsed))
    everything = sorted(m for m, _ok in by_kind["all"])
    rps, p99 = len(everything) / elapsed, percentile(everything, 99)
    errors = sum(1 for _m, ok in by_kind["all"] if not ok)
    if cpu:
        print(f"server CPU: {cpu:.1f} s over {elapsed:.1f} s ({cpu / elapsed:.2f} cores), "
              f"{cpu / len(everything) * 1000:.2f} ms CPU per request; the clients (this process) "
              f"{client_cpu:.1f} s ({client_cpu / elapsed:.2f} cores)")
    print(f"targets: req/s {rps:.0f} vs >= {TARGET_RPS} ({rps / TARGET_RPS:.2f}x) "
          f"{'OK' if rps >= TARGET_RPS else 'MISSED'}; p99 {p99:.1f} ms vs < {TARGET_P99_MS:.0f} ms "
          f"({p99 / TARGET_P99_MS:.2f}x) {'OK' if p99 < TARGET_P99_MS else 'MISSED'}; "
          f"errors {errors} {'OK' if not errors else 'MISSED'}")


def run_per_route(port: int, pid: int, mix: list[tuple[str, str]], clients: int, seconds: float) -> None:
    """Each kind of URL alone under the same clients: its latency, and the server's CPU per request of that
    kind (CPU time does not grow with other work on the machine, unlike latency)."""
    warm_up(port, mix)
    print(f"\neach kind alone, {clients} clients, {seconds:.0f} s each, load average {os.getloadavg()[0]:.1f}")
    print(HEADER + f" {'CPU ms/req':>10}")
    for kind in dict.fromkeys(k for k, _path in mix):
        elapsed, cpu, _client_cpu, by_kind = load(port, pid, [m for m in mix if m[0] == kind], clients, seconds)
        samples = by_kind[kind]
        print(row(kind, samples, elapsed) + f" {cpu / len(samples) * 1000:10.2f}")
def run_profile(db_path: Path, mix: list[tuple[str, str]], rounds: int) -> None:
    """The URL mix in-process under cProfile: per-kind mean time, then the top functions."""
    import cProfile
    import pstats

    from webapp import create_app

    client = create_app({"DATABASE": str(db_path)}).test_client()
    for _kind, path in dict.fromkeys(mix):
        client.get(path)
    times = defaultdict(list)
    for _ in range(rounds):
        for kind, path in mix:
            started = time.process_time()  # CPU time: steadier than wall time on a shared machine
            client.get(path)
            times[kind].append((time.process_time() - started) * 1000)
    print("in-process mean CPU time per request (no profiler): " +
          ", ".join(f"{k} {statistics.mean(v):.2f} ms" for k, v in times.items()))
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(rounds):
        for _kind, path in mix:
            client.get(path)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(r"webapp|trails|poi|jinja2/environment.py.*render|folium", 30)
    stats.sort_stats("tottime").print_stats(15)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the timed run (default 20)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients (default 8)")
    parser.add_argument("--profile", action="store_true", help="profile the URL mix in-process instead")
    parser.add_argument("--per-route", action="store_true",
                        help="then each kind of URL alone for --seconds/4: latency and server CPU per request")
    parser.add_argument("--rounds", type=int, default=5, help="--profile: passes over the URL mix (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="balise-web-load-") as tmp:
        db_path, circuits, pois = build_demo_db(Path(tmp))
        mix = url_mix(circuits, pois)
        if args.profile:
            run_profile(db_path, mix, args.rounds)
            return
        port = free_port()
        log = Path(tmp) / "server.log"
        proc = start_server(db_path, port, log)
        try:
            run_load(port, proc.pid, mix, args.clients, args.seconds)
            if args.per_route:
                run_per_route(port, proc.pid, mix, args.clients, args.seconds / 4)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            output = log.read_text()
            print(f"requests that waited for a free server thread (waitress 'Task queue depth' warnings): "
                  f"{output.count('Task queue depth')}")
            if "Traceback" in output or "ERROR" in output:
                print("server output:\n" + output[-3000:])


if __name__ == "__main__":
    main()
