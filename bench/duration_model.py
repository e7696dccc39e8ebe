"""Yardstick of the walker's-time model against the published times of the Parc national des Cévennes.

For the 73 walking day circuits of the park (schema_randonnee export, Licence
Ouverte 2.0; multi-day itinérance and VTT left out), on the PUBLISHED length
and climb (the geometry has no elevation):

1. the fit of the four parameters of :func:`trails.duration.walker_min` on all
   73 (what :data:`trails.duration.WALKER` holds, rounded);
2. the held-out check: fitted on one half (:func:`trails.duration_fit.halves`,
   every other circuit by id), the MAPE (mean absolute percentage error against
   the published time) on the OTHER half, for walks up to 5 km and over 5 km,
   of the walking time alone (DIN 33466, nothing fitted) and of the time with
   visits; both ways, then pooled (each circuit judged by the fit it was not in);
3. the table of mean and absolute errors of DIN 33466, SchweizMobil and the
   shipped model on all 73 (in-sample for the last).

    python3 bench/duration_model.py [FILE.geojson]
"""
from __future__ import annotations

import sys
from pathlib import Path

from trails import duration as D
from trails import duration_fit as F
from trails.schema_randonnee import read_circuits

DEFAULT = Path(__file__).resolve().parent.parent / "tests/data/sources/schema_randonnee/pnc_cevennes_93_circuits.geojson"


def _row(label: str, e: F.Errors) -> str:
    return f"| {label:<48} | {e.n:>3} | {e.mean_min:>+7.1f} | {e.mean_pct:>+6.1f} % | {e.mae_min:>6.1f} | {e.mae_pct:>5.1f} % |"


def table(samples: list[F.Sample]) -> list[str]:
    groups = [("up to 5 km", [s for s in samples if s.length_m < D.SHORT_WALK_M]),
              ("  of which interpretation", [s for s in samples if s.length_m < D.SHORT_WALK_M and s.interpretation]),
              ("  of which other", [s for s in samples if s.length_m < D.SHORT_WALK_M and not s.interpretation]),
              ("over 5 km", [s for s in samples if s.length_m >= D.SHORT_WALK_M]),
              ("all day walks", samples)]
    models = [("DIN 33466", lambda s: s.din_min), ("SchweizMobil", lambda s: s.schweizmobil_min),
              ("with visits (WALKER)", lambda s: s.walker_min())]
    lines = [f"| {'walks: model':<48} |   n | mean err | mean %   |    MAE | MAPE    |",
             f"|{'-' * 50}|-----|----------|----------|--------|---------|"]
    for group, rows in groups:
        for name, model in models:
            lines.append(_row(f"{group}: {name}", F.errors((model(s), s.published_min) for s in rows)))
    return lines


def held_out(samples: list[F.Sample]) -> list[str]:
    a, b = F.halves(samples)
    lines = [f"| {'fitted on -> judged on':<24} | {'fitted model':<62} | walking <=5 | >5 km | with visits <=5 | >5 km |",
             f"|{'-' * 26}|{'-' * 64}|-------------|-------|-----------------|-------|"]
    pooled_walk, pooled_visits = [], []
    for name, train, test in (("half A -> half B", a, b), ("half B -> half A", b, a)):
        model = F.fit(train)
        walk = [(s, s.din_min) for s in test]
        visits = [(s, s.walker_min(model)) for s in test]
        pooled_walk += walk
        pooled_visits += visits
        (ws, wl), (vs, vl) = F.mape_by_length(walk), F.mape_by_length(visits)
        shown = (f"{model.pace_kmh:g} km/h, {model.climb_m_per_h:g} m/h up, +{model.start_end_min:g} min, "
                 f"interp. {model.interpretation_min:g} min, {model.difficulty_step:+.0%}/level")
        lines.append(f"| {name:<24} | {shown:<62} | {ws.mae_pct:>9.1f} % | {wl.mae_pct:>3.1f} % | "
                     f"{vs.mae_pct:>13.1f} % | {vl.mae_pct:>3.1f} % |")
    (ws, wl), (vs, vl) = F.mape_by_length(pooled_walk), F.mape_by_length(pooled_visits)
    lines.append(f"| {'pooled (2-fold)':<24} | {f'n = {ws.n} up to 5 km, {wl.n} over':<62} | {ws.mae_pct:>9.1f} % | "
                 f"{wl.mae_pct:>3.1f} % | {vs.mae_pct:>13.1f} % | {vl.mae_pct:>3.1f} % |")
    return lines


def main(path: Path = DEFAULT) -> None:
    samples = F.calibration_samples(read_circuits(path))
    interp = [s for s in samples if s.interpretation]
    print(f"{len(samples)} walking day circuits, {len(interp)} interpretation trails ({path.name})\n")
    fitted = F.fit(samples)
    print(f"Fit on all {len(samples)}: pace {fitted.pace_kmh:g} km/h, climb {fitted.climb_m_per_h:g} m/h, "
          f"descent {fitted.descent_m_per_h:g} m/h (DIN's, not fitted), start/finish {fitted.start_end_min:g} min, "
          f"interpretation allowance {fitted.interpretation_min:g} min")
    w = D.WALKER
    print(f"Shipped (trails.duration.WALKER): {w.pace_kmh:g} km/h, {w.climb_m_per_h:g} m/h, "
          f"{w.start_end_min:g} min, {w.interpretation_min:g} min\n")
    print("Held-out MAPE against the published times (targets: <= 15 % up to 5 km, <= 12 % over 5 km)")
    print("\n".join(held_out(samples)))
    print()
    print("\n".join(table(samples)))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
