"""What counting costs a public page: the daily-count UPSERT against the page it is added to.

Setup (temporary folder, removed at the end): the real circuits of the web test catalogue
(tests/helpers.build_web_catalogue: 4 Cévennes circuits and the Aubenas leg) in a SQLite file in WAL
mode, as ``balise serve`` opens it; the app through Flask's test client (no network).

Timed, in the same run:
* ``FiguresStore.count`` alone, N times on one trail (one UPSERT, autocommit);
* ``GET /trails/<id>.gpx`` (a counted download) N times with ``FIGURES`` on, then off;
* ``GET /trails/<id>/bundle/?src=poster`` (a counted QR scan) likewise.

Run: ``python3 bench/figures.py [--requests N]``. It prints figures; it asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _line(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    return f"{label:<44} median {statistics.median(ms):7.3f} ms   p95 {ms[int(len(ms) * 0.95) - 1]:7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    from helpers import build_web_catalogue, open_db
    from webapp import create_app
    from webapp.figures_store import FiguresStore

    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "balise.db"
        ids = build_web_catalogue(db_path)
        trail_id = next(v for k, v in ids.items() if k != "poi")
        db = open_db(db_path)
        store = FiguresStore(db)
        print(_line("FiguresStore.count (one UPSERT)", _timed(lambda: store.count("view", trail_id), n)))
        db.conn.close()
        for path in (f"/trails/{trail_id}.gpx", f"/trails/{trail_id}/bundle/?src=poster"):
            for counting in (True, False):
                app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "bench", "FIGURES": counting})
                client = app.test_client()
                client.get(path)  # warm caches (bundle build, templates)
                ms = _timed(lambda: client.get(path), n)
                print(_line(f"GET {path.split(str(trail_id))[-1]:<22} counting {'on' if counting else 'off'}", ms))


if __name__ == "__main__":
    main()
