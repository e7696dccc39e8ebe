"""Start-up time of the ``balise`` command line against a bare interpreter.

Runs each command ``--runs`` times (default 15) in a fresh interpreter (this one,
``sys.executable``, not a shim such as pyenv's), from the checkout's root, and prints the
median and best wall time of:

* ``python3 -c pass`` (the floor: interpreter and site start-up);
* ``balise --help`` (target: median <= 0.25 s on the 2-core development machine; it imports
  neither Flask nor the database layer, see ``tests/test_cli_startup.py``);
* ``balise trail stats FILE --json`` on the Oslo test track (GPX parsing and metrics, no web app).

    python3 bench/cli_startup.py [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OSLO = ROOT / "tests/data/gpx/no-oslo_garmin-oregon-700_2018_gpsbabel.gpx"
BALISE = [sys.executable, "-m", "webapp.cli"]
CASES = [
    ("python3 -c pass", [sys.executable, "-c", "pass"]),
    ("balise --help", [*BALISE, "--help"]),
    ("balise trail stats OSLO.gpx --json", [*BALISE, "trail", "stats", str(OSLO), "--json"]),
]
TARGET_S = 0.25


def timings(argv: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - start)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    args = parser.parse_args(argv)
    floor = None
    print(f"{'command':<38} {'median':>8} {'best':>8} {'x floor':>8}")
    results = {}
    for label, cmd in CASES:
        times = timings(cmd, args.runs)
        median = statistics.median(times)
        floor = floor or median
        results[label] = median
        print(f"{label:<38} {median:>7.3f}s {min(times):>7.3f}s {median / floor:>7.1f}x")
    verdict = "met" if results["balise --help"] <= TARGET_S else "NOT met"
    print(f"target balise --help median <= {TARGET_S} s: {verdict} ({args.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
