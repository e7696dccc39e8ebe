"""Crash-safe POI imports (issue 10): ``kill -9`` of ``balise poi import`` at each phase, then a re-run.

Each case runs the real command in a subprocess that SIGKILLs itself at one checkpoint (while the POIs are
written, on entering the corridor attachment, right after it, after the commit). The db must then hold either
nothing or everything, and a re-run must leave exactly the stops of an import that never crashed. Data: the
first 300 records of Toulouse's heritage inventory (tests/data/sources/toulouse, Licence Ouverte 2.0) and a
circuit drawn through 12 of them.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from helpers import ROOT, open_db
from poi.store import PoiStore
from trails.models import Trail
from trails.store import TrailStore

TOULOUSE = ROOT / "tests" / "data" / "sources" / "toulouse" / "toulouse_inventaire_patrimoine_first-300.geojson"

#: Run ``balise poi import`` with one checkpoint turned into a SIGKILL (argv: phase, db, file).
KILLER = r"""
import os, signal, sys
phase, db, path = sys.argv[1:4]
import click
import trails.corridor as corridor
from poi.store import PoiStore

def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)

if phase == "writing":
    upsert_many = PoiStore.upsert_many
    PoiStore.upsert_many = lambda self, pois: (upsert_many(self, pois), die())
elif phase == "attaching":
    corridor.attach_pois = die
elif phase == "attached":
    attach_pois = corridor.attach_pois
    corridor.attach_pois = lambda *a, **k: (attach_pois(*a, **k), die())
elif phase == "committed":
    click.echo = die  # the first thing the command does once the import has returned
sys.argv = ["balise", "--db", db, "poi", "import", path, "--quiet"]
from webapp.cli import main
main()
"""


def circuit_through_pois() -> Trail:
    features = json.loads(TOULOUSE.read_text(encoding="utf-8"))["features"]
    points = sorted(tuple(f["geometry"]["coordinates"][:2]) for f in features if f.get("geometry"))[100:112]
    return Trail(name="Through 12 monuments", segments=[[(lon, lat, None) for lon, lat in points]])


def new_db(path) -> int:
    db = open_db(path)
    trail_id = TrailStore(db).save(circuit_through_pois())
    db.conn.close()
    return trail_id


def stops_by_source_id(path, trail_id: int) -> list[str]:
    db = open_db(path)
    try:
        by_id = {p.id: p.source_id for p in PoiStore(db).all()}
        return sorted(by_id[s.poi_id] for s in TrailStore(db).stops(trail_id))
    finally:
        db.conn.close()


def balise(*args, env=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> list[str]:
    path = tmp_path_factory.mktemp("clean") / "balise.db"
    trail_id = new_db(path)
    done = balise("-c", "from webapp.cli import main; main()", "--db", str(path), "poi", "import", str(TOULOUSE),
                  "--quiet")
    assert done.returncode == 0, done.stderr
    stops = stops_by_source_id(path, trail_id)
    assert len(stops) >= 12  # the 12 monuments it goes through, and a few more beside the way
    return stops


@pytest.mark.parametrize("phase, committed", [("writing", False), ("attaching", False), ("attached", False),
                                              ("committed", True)])
def test_kill_9_at_any_phase_then_a_rerun_restores_every_stop(tmp_path, expected, phase, committed):
    path = tmp_path / "balise.db"
    trail_id = new_db(path)
    killed = balise("-c", KILLER, phase, str(path), str(TOULOUSE))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    db = open_db(path)
    assert PoiStore(db).count() == (300 if committed else 0)  # all or nothing
    db.conn.close()
    assert stops_by_source_id(path, trail_id) == (expected if committed else [])
    rerun = balise("-c", "from webapp.cli import main; main()", "--db", str(path), "poi", "import", str(TOULOUSE),
                   "--quiet")
    assert rerun.returncode == 0, rerun.stderr
    assert stops_by_source_id(path, trail_id) == expected
