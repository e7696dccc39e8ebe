"""Yardstick of the duration model against the published times of the Parc national des Cévennes.

For the 73 walking day circuits of the park (schema_randonnee export, Licence
Ouverte 2.0; multi-day itinérance and VTT left out), on the PUBLISHED length
and climb (the geometry has no elevation), prints the mean error (minutes and
% of the published time; model - published, positive = too long) and the mean
absolute error of DIN 33466 alone, SchweizMobil alone (one uniform grade, see
:func:`trails.duration.schweizmobil_uniform_min`) and DIN 33466 + the visit
model (:mod:`trails.duration`), for walks under 5 km, 5 km and over, and all;
then the fit of the interpretation allowance and its two-fold check.

    python3 bench/duration_model.py [FILE.geojson]
"""
from __future__ import annotations

import sys
from pathlib import Path

from trails import duration as D
from trails.schema_randonnee import read_circuits

DEFAULT = Path(__file__).resolve().parent.parent / "tests/data/sources/schema_randonnee/pnc_cevennes_93_circuits.geojson"


def _row(label: str, e: D.Errors) -> str:
    return f"| {label:<56} | {e.n:>3} | {e.mean_min:>+7.1f} | {e.mean_pct:>+6.1f} % | {e.mae_min:>6.1f} | {e.mae_pct:>5.1f} % |"


def table(samples: list[D.Sample], allowance: float = D.INTERPRETATION_ALLOWANCE_MIN) -> list[str]:
    groups = [("under 5 km", [s for s in samples if s.length_m < D.SHORT_WALK_M]),
              ("  of which interpretation", [s for s in samples if s.length_m < D.SHORT_WALK_M and s.interpretation]),
              ("  of which other", [s for s in samples if s.length_m < D.SHORT_WALK_M and not s.interpretation]),
              ("5 km and over", [s for s in samples if s.length_m >= D.SHORT_WALK_M]),
              ("all day walks", samples)]
    models = [("DIN 33466", lambda s: s.din_min), ("SchweizMobil", lambda s: s.schweizmobil_min),
              (f"DIN 33466 + visits ({allowance:g} min)", lambda s: D.with_visits_min(s, allowance))]
    lines = [f"| {'walks: model':<56} |   n | mean err | mean %   |    MAE | MAE %   |",
             f"|{'-' * 58}|-----|----------|----------|--------|---------|"]
    for group, rows in groups:
        for name, model in models:
            lines.append(_row(f"{group}: {name}", D.errors((model(s), s.published_min) for s in rows)))
    return lines


def main(path: Path = DEFAULT) -> None:
    samples = D.calibration_samples(read_circuits(path))
    interp = [s for s in samples if s.interpretation]
    print(f"{len(samples)} walking day circuits, {len(interp)} interpretation trails ({path.name})\n")
    print("\n".join(table(samples)))
    fitted = D.fit_allowance(samples)
    print(f"\nInterpretation allowance: fitted (median of published - DIN) {fitted:g} min; used "
          f"{D.INTERPRETATION_ALLOWANCE_MIN} min")
    none = D.errors((s.din_min, s.published_min) for s in interp)
    used = D.errors((D.with_visits_min(s), s.published_min) for s in interp)
    print(f"  MAE on the {len(interp)} interpretation trails: DIN alone {none.mae_min:.1f} min, "
          f"with allowance {used.mae_min:.1f} min")
    a, b = D.halves(samples)
    for name, train, test in (("A -> B", a, b), ("B -> A", b, a)):
        allowance = D.fit_allowance(train)
        test_i = [s for s in test if s.interpretation]
        before = D.errors((s.din_min, s.published_min) for s in test_i)
        after = D.errors((D.with_visits_min(s, allowance), s.published_min) for s in test_i)
        print(f"  two-fold {name}: fitted {allowance:g} min on {sum(s.interpretation for s in train)} trails; "
              f"held-out {len(test_i)} interpretation trails MAE {before.mae_min:.1f} -> {after.mae_min:.1f} min")
    # the alternative one-parameter model: minutes per km on interpretation trails (L1 fit by grid)
    def per_km_fit(rows):
        rows = [s for s in rows if s.interpretation]
        return min((k / 10 for k in range(0, 1000)),
                   key=lambda r: sum(abs(s.din_min + r * s.length_m / 1000 - s.published_min) for s in rows))
    rate = per_km_fit(samples)
    e = D.errors((s.din_min + rate * s.length_m / 1000, s.published_min) for s in interp)
    held = [D.errors((s.din_min + per_km_fit(tr) * s.length_m / 1000, s.published_min)
                     for s in te if s.interpretation).mae_min for tr, te in ((a, b), (b, a))]
    print(f"  alternative rejected: {rate:g} min per km, MAE {e.mae_min:.1f} min "
          f"(held-out {held[0]:.1f} / {held[1]:.1f} min)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
