"""Benchmark of the trail filter engine (trails.filter_index.search) on a national-size catalogue.

Setup (in a temporary database, removed at the end):
* 100,000 synthetic trails in metropolitan France, bulk-inserted into ``trails``,
  ``trail_themes`` and ``trails_rtree``: trailheads around 300 tourist areas (Gaussian, σ ≈ 15 km),
  lengths log-normal around 9 km, climb from a per-area relief factor, duration DIN 33466
  (t_h = km/4, t_v = D+/300 + D-/500, t = max + min/2) with a published time for 40 %, difficulty
  from length and climb, 1-3 themes of 12, 75 % walking, 70 % loops, 90 % published, French names
  ("Sentier du moulin de Saint-Martin"), 40-point traces.

Timed, in the same run, for each kind of query (2-3 filters, random values; page of 20, all facets):
* ``search()`` — the numpy index (built once, reused while the table does not change);
* ``search(engine="sql")`` — the SQL reference (same results, facets as GROUP BY queries);
* a naive Python scan over the Trail objects in memory (``Filter.matches`` on each trail, one
  pass per facet with the other filters, sort, slice).

Target: index path p95 < 10 ms with facets. Run: ``python3 bench/filters.py [--trails N]``.
It prints figures; it asserts nothing.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from poi.geo import GEOD  # noqa: E402
from poi.store import open_db, transaction  # noqa: E402
from webapp.schema import COMPONENTS  # noqa: E402
from trails.filter_index import FACETS, search, trail_index  # noqa: E402
from trails.filters import FilterSet  # noqa: E402
from trails.models import DIFFICULTIES, Trail  # noqa: E402
from trails.store import TrailStore, _row_of  # noqa: E402  (bulk insert: the store's own row mapping)

FRANCE = (-4.5, 42.6, 7.6, 50.9)
THEMES = ["Architecture et village", "Histoire et culture", "Agriculture et élevage", "Eau et géologie",
          "Faune et flore", "Forêt", "religious_heritage", "military_heritage", "industrial_heritage",
          "viewpoint", "water", "Causses et Cévennes / UNESCO"]
KINDS = ["Sentier", "Boucle", "Circuit", "Tour", "Chemin", "Balade"]
SIGHTS = ["du moulin", "de l'église", "des châteaux", "du lavoir", "des crêtes", "de la source", "du causse",
          "des vignes", "de la chapelle", "du pont romain", "des menhirs", "de la forêt", "des gorges",
          "du vieux bourg", "des cascades", "du prieuré"]
PLACES = ["Saint-Martin", "Sainte-Croix", "Florac", "Meyrueis", "Conques", "Rocamadour", "Aubrac", "Vialas",
          "Barre-des-Cévennes", "Lagrasse", "Figeac", "Le Puy", "Sarlat", "Collonges", "Eygalières", "Gordes",
          "Vézelay", "Ploumanac'h", "Étretat", "Riquewihr", "Annecy", "Chamonix", "Bonifacio", "Céret"]


def make_trails(n: int, rng: np.random.Generator) -> list[Trail]:
    centres = np.column_stack([rng.uniform(FRANCE[0], FRANCE[2], 300), rng.uniform(FRANCE[1], FRANCE[3], 300)])
    relief = rng.uniform(10, 80, 300)  # metres of climb per km
    area = rng.integers(0, 300, n)
    lon = centres[area, 0] + rng.normal(0, 0.2, n)
    lat = centres[area, 1] + rng.normal(0, 0.13, n)
    length_m = np.clip(rng.lognormal(np.log(9000), 0.6, n), 800, 120_000)
    ascent_m = length_m / 1000 * relief[area] * rng.uniform(0.5, 1.5, n)
    practice = rng.choice(["walking", "mountain_bike", "trail_running", "horse_riding"], n, p=[.75, .15, .07, .03])
    route = rng.choice(["loop", "out_and_back", "one_way"], n, p=[.7, .2, .1])
    trails = []
    for i in range(n):
        km, up = length_m[i] / 1000, ascent_m[i]
        h, v = km / 4, up / 300 + up / 500
        computed = round((max(h, v) + min(h, v) / 2) * 60)
        effort = km + up / 100
        level = DIFFICULTIES[min(4, int(effort // 7))]
        heading = float(rng.uniform(0, 360))
        lons, lats, _back = GEOD.fwd(np.full(40, lon[i]), np.full(40, lat[i]), np.full(40, heading),
                                     np.linspace(0, min(length_m[i], 20000) / 2, 40))
        trails.append(Trail(
            name=f"{rng.choice(KINDS)} {rng.choice(SIGHTS)} de {rng.choice(PLACES)}",
            summary=f"Une balade {rng.choice(SIGHTS)} au départ de {rng.choice(PLACES)}.",
            commune=str(rng.choice(PLACES)), practice=str(practice[i]), route_type=str(route[i]),
            themes=list(rng.choice(THEMES, int(rng.integers(1, 4)), replace=False)),
            segments=[[(round(float(x), 6), round(float(y), 6), None) for x, y in zip(lons, lats)]],
            length_m=float(length_m[i]), ascent_m=float(up), descent_m=float(up), points=40,
            duration_computed_min=computed, difficulty_computed=level,
            duration_published_min=int(round(computed * rng.uniform(0.8, 1.2) / 15) * 15) if i % 5 < 2 else None,
            published=i % 10 != 0, source="bench", source_id=str(i)))
    return trails


def fill(db, trails: list[Trail]) -> None:
    rows = [_row_of(t) for t in trails]
    cols = list(rows[0])
    with transaction(db):
        db.conn.executemany(f"INSERT INTO trails (id, {', '.join(cols)}) VALUES (?, {', '.join('?' * len(cols))})",
                            ([i + 1, *(r[c] for c in cols)] for i, r in enumerate(rows)))
        db.conn.executemany("INSERT INTO trail_themes VALUES (?, ?)",
                            ((i + 1, th) for i, t in enumerate(trails) for th in t.themes))
        db.conn.executemany("INSERT INTO trails_rtree VALUES (?, ?, ?, ?, ?)", (
            (i + 1, min(p[0] for p in t.coords), max(p[0] for p in t.coords), min(p[1] for p in t.coords),
             max(p[1] for p in t.coords)) for i, t in enumerate(trails)))
    for i, t in enumerate(trails):
        t.id = i + 1


def queries(rng: np.random.Generator, kind: str) -> dict:
    """Random parameters of one kind of query (2-3 filters, as people combine them)."""
    duration = f"{int(rng.integers(1, 5))}h{int(rng.choice([0, 30])):02d}"
    near = f"{rng.uniform(43.5, 49.5):.4f},{rng.uniform(-1.0, 6.0):.4f}"
    return {
        "duration+difficulty": {"max_duration": duration, "difficulty": list(rng.choice(DIFFICULTIES[:3], 2))},
        "theme+loop+length": {"theme": str(rng.choice(THEMES)), "loop": "1",
                              "max_length_km": str(int(rng.integers(5, 20)))},
        "near+duration": {"near": near, "radius_km": "30", "max_duration": duration},
        "text+practice": {"q": str(rng.choice(["moulin", "chapelle", "gorges", "florac", "eglise"])),
                          "practice": "walking"},
        "ascent+theme+difficulty": {"max_ascent": str(int(rng.integers(200, 900))),
                                    "theme": list(rng.choice(THEMES, 2, replace=False)), "difficulty": "medium"},
    }[kind]


def naive(trails: list[Trail], fs: FilterSet, limit: int = 20):
    """The plain way: test every filter on every Trail object, once per facet, then sort and slice."""
    hits = [t for t in trails if all(f.matches(t) for f in fs)]
    facets = {}
    for facet in FACETS:
        under = [t for t in trails if all(f.matches(t) for f in fs if f.key != facet)]
        counts: dict[str, int] = {}
        for t in under:
            if facet == "theme":
                values = t.themes
            elif facet == "duration":
                d = t.duration_min
                values = ["<1h" if d < 60 else "1-2h" if d < 120 else "2-4h" if d < 240 else "4-8h" if d < 480
                          else ">8h"]
            else:
                values = [t.difficulty if facet == "difficulty" else t.practice if facet == "practice"
                          else t.effective_route_type]
            for v in values:
                counts[v] = counts.get(v, 0) + 1
        facets[facet] = counts
    return sorted(hits, key=lambda t: t.name)[:limit], len(hits), facets


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trails", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100, help="queries of each kind for the index path")
    parser.add_argument("--slow-queries", type=int, default=5, help="queries of each kind for SQL and naive")
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db", COMPONENTS)
        store = TrailStore(db)
        ms, trails = timed(lambda: make_trails(args.trails, rng))
        print(f"generated {len(trails):,} trails in {ms / 1000:.1f} s")
        ms, _ = timed(lambda: fill(db, trails))
        size_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
        print(f"bulk insert {ms / 1000:.1f} s; db {size_mb:.0f} MB (+ WAL)")
        gc.collect()
        gc.freeze()  # the 100,000 Trail objects of the naive scan would otherwise cost gen-2 GC pauses
        ms, _ = timed(lambda: trail_index(store))
        print(f"index build (first search after a change): {ms:.0f} ms")
        kinds = ["duration+difficulty", "theme+loop+length", "near+duration", "text+practice",
                 "ascent+theme+difficulty"]
        print(f"\n{'query (page of 20 + 5 facets)':28} {'total':>7} {'index p50/p95 ms':>17} "
              f"{'SQL p50/p95 ms':>16} {'naive p50/p95 ms':>17} {'naive/index':>11} {'SQL/index':>9}")
        all_fast = []
        for kind in kinds:
            params = [queries(rng, kind) for _ in range(args.queries)]
            sets = [FilterSet.from_params(p) for p in params]
            fast = [timed(lambda fs=fs: search(store, fs, limit=20)) for fs in sets]
            slow = sets[:args.slow_queries]
            sql = [timed(lambda fs=fs: search(store, fs, limit=20, engine="sql")) for fs in slow]
            plain = [timed(lambda fs=fs: naive(trails, fs)) for fs in slow]
            for (_ms, a), (_ms2, b), (_ms3, c) in zip(fast, sql, plain):  # same answers, in the same run
                assert [t.id for t in a.trails] == [t.id for t in b.trails] and a.facets == b.facets
                assert a.total == c[1]
            f = [m for m, _ in fast]
            s = [m for m, _ in sql]
            p = [m for m, _ in plain]
            all_fast += f
            print(f"{kind:28} {statistics.median(r.total for _, r in fast):>7.0f} "
                  f"{pct(f, 50):>8.2f}/{pct(f, 95):<8.2f} {pct(s, 50):>7.0f}/{pct(s, 95):<8.0f} "
                  f"{pct(p, 50):>8.0f}/{pct(p, 95):<8.0f} {pct(p, 50) / pct(f, 50):>10.0f}x "
                  f"{pct(s, 50) / pct(f, 50):>8.0f}x")
        print(f"\nindex path over all {len(all_fast)} queries: p50 {pct(all_fast, 50):.2f} ms, "
              f"p95 {pct(all_fast, 95):.2f} ms, max {max(all_fast):.2f} ms (target p95 < 10 ms)")
        trail = trails[0]
        trail.name = "Sentier du moulin rénové"
        store.save(trail)
        ms, _ = timed(lambda: search(store, FilterSet.from_params({"q": "moulin"}), limit=20))
        print(f"first search after one trail changed (index rebuilt): {ms:.0f} ms")
        db.conn.close()


if __name__ == "__main__":
    main()
