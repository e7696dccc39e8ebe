"""Calibration of the walker's-time model (:mod:`trails.duration`) on published times.

The yardstick is the Parc national des Cévennes: 73 walking day circuits with a
published time, length and climb (schema_randonnee export, Licence Ouverte 2.0;
``bench/duration_model.py`` prints the figures, ``tests/test_duration.py`` checks
them). :func:`fit` finds the four parameters of
:func:`trails.duration.walker_min` that minimise the mean absolute percentage
error (MAPE) over a set of circuits; :func:`halves` splits the set in two so
that a fit on one half is judged on the other (held out).

The fit, in one paragraph: for each pace (3.5 to 6 km/h by 0.05) and climbing
rate (250 to 800 m/h by 10) the start/finish allowance and the interpretation
allowance are found by alternating weighted medians (the minimiser of
``sum |x - y_i| / p_i`` is the median of ``y_i`` weighted by ``1 / p_i``), and
the grid point with the lowest MAPE wins. Deterministic, numpy only.
"""
from __future__ import annotations

import math
import statistics
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from trails.duration import (DAY_WALK_MAX_M, SHORT_WALK_M, WalkerModel, difficulty_level, fold, is_interpretation,
                             walker_min)
from trails.metrics import duration_din33466_min, schweizmobil_min_per_km
from trails.models import Trail

__all__ = ["Errors", "Sample", "calibration_samples", "errors", "fit", "halves", "mape_by_length",
           "schweizmobil_uniform_min"]

PACES_KMH = np.round(np.arange(3.5, 6.0001, 0.05), 2)
CLIMB_RATES_M_PER_H = np.arange(250.0, 800.01, 10.0)
DIFFICULTY_STEPS = np.round(np.arange(0.0, 0.1501, 0.01), 2)


class Sample(NamedTuple):
    """A circuit with a published time, measured on its PUBLISHED length and climb."""

    source_id: str
    name: str
    length_m: float
    ascent_m: float
    descent_m: float
    published_min: int
    interpretation: bool
    difficulty: str | None = None

    @property
    def din_min(self) -> int:
        return duration_din33466_min(self.length_m, self.ascent_m, self.descent_m)

    @property
    def schweizmobil_min(self) -> int:
        return schweizmobil_uniform_min(self.length_m, self.ascent_m, self.descent_m)

    def walker_min(self, model: WalkerModel | None = None) -> float:
        """The model's time with visits (no stops known: the interpretation allowance only)."""
        return walker_min(self.length_m, self.ascent_m, self.descent_m, interpretation=self.interpretation,
                          difficulty=self.difficulty, model=model)


def schweizmobil_uniform_min(length_m: float, ascent_m: float, descent_m: float) -> int:
    """SchweizMobil time when only length and climb are known: one uniform grade up and down.

    The grade is ``g = (D+ + D-) / length``; ``length * D+ / (D+ + D-)`` is walked at
    ``+g`` and the rest at ``-g``. A real profile is steeper in places, so this
    is a lower bound (the polynomial is convex).

    >>> schweizmobil_uniform_min(4200, 0, 0), schweizmobil_uniform_min(10_000, 500, 500)
    (60, 171)
    """
    if length_m <= 0:
        return 0
    climb = ascent_m + descent_m
    if climb <= 0:
        return int(round(float(schweizmobil_min_per_km(0.0)) * length_m / 1000.0))
    grade = climb / length_m
    up_km, down_km = length_m * ascent_m / climb / 1000.0, length_m * descent_m / climb / 1000.0
    per_km = schweizmobil_min_per_km(np.array([grade, -grade]))
    return int(round(float(per_km[0]) * up_km + float(per_km[1]) * down_km))


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def calibration_samples(trails: Iterable[Trail]) -> list[Sample]:
    """Walking day circuits with a published time, length and climb, sorted by source id.

    Multi-day circuits (``route_type_label`` *itinérance*, or longer than
    :data:`~trails.duration.DAY_WALK_MAX_M`) and other practices are left out.
    """
    out = []
    for t in trails:
        length, ascent = _number(t.published_length_m), _number(t.published_ascent_m)
        if (t.practice != "walking" or fold(t.route_type_label or "") == "itinerance"
                or not t.duration_published_min or not length or length > DAY_WALK_MAX_M or ascent is None):
            continue
        descent = _number(t.published_descent_m)
        out.append(Sample(t.source_id, t.name, length, abs(ascent), abs(descent if descent is not None else ascent),
                          int(t.duration_published_min), is_interpretation(t), t.difficulty_published))
    return sorted(out, key=lambda s: (len(s.source_id), s.source_id))


def halves(samples: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    """Every other sample (in source id order) and the rest: the two folds of the check.

    >>> [len(h) for h in halves([Sample(str(i), "", 1, 0, 0, 1, False) for i in range(5)])]
    [3, 2]
    """
    return list(samples[0::2]), list(samples[1::2])


def _weighted_medians(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted median of each column of ``values`` (rows: circuits, weights per row)."""
    order = np.argsort(values, axis=0)
    cum = np.cumsum(weights[order], axis=0)
    first = np.argmax(cum >= cum[-1] / 2.0, axis=0)
    return np.take_along_axis(values, order, axis=0)[first, np.arange(values.shape[1])]


def fit(samples: Sequence[Sample]) -> WalkerModel:
    """The :class:`~trails.duration.WalkerModel` of lowest MAPE on ``samples`` (module docstring).

    >>> flat = [Sample(str(i), "", km * 1000, 0, 0, round(km / 5 * 60) + 20, False) for i, km in enumerate((2, 6, 10, 14))]
    >>> m = fit(flat)
    >>> m.pace_kmh, m.start_end_min, m.difficulty_step
    (5.0, 20.0, 0.0)
    """
    if not samples:
        raise ValueError("no circuit to fit on")
    length_km = np.array([s.length_m / 1000.0 for s in samples])[:, None]
    ascent = np.array([s.ascent_m for s in samples])[:, None]
    descent = np.array([s.descent_m for s in samples])[:, None]
    level = np.array([difficulty_level(s.difficulty) for s in samples], dtype=float)[:, None]
    interp = np.array([s.interpretation for s in samples])
    published = np.array([s.published_min for s in samples], dtype=float)[:, None]
    weights = 1.0 / published[:, 0]
    best: tuple[float, WalkerModel] | None = None
    base = WalkerModel()
    climbs = CLIMB_RATES_M_PER_H[None, :]
    t_v = ascent / climbs + descent / base.descent_m_per_h          # circuits x climb rates
    steps = DIFFICULTY_STEPS if np.any(level) else DIFFICULTY_STEPS[:1]
    for step in steps:
        for pace in PACES_KMH:
            t_h = length_km / pace * (1.0 + step * level)
            walk = (np.maximum(t_h, t_v) + np.minimum(t_h, t_v) / 2.0) * 60.0
            start_end = np.zeros(len(CLIMB_RATES_M_PER_H))
            allowance = np.zeros(len(CLIMB_RATES_M_PER_H))
            for _ in range(8):
                start_end = _weighted_medians(published - walk - interp[:, None] * allowance, weights)
                if interp.any():
                    allowance = _weighted_medians((published - walk - start_end)[interp], weights[interp])
            error = np.abs(walk + start_end + interp[:, None] * allowance - published) * weights[:, None]
            mape = error.mean(axis=0)
            i = int(np.argmin(mape))
            if best is None or mape[i] < best[0] - 1e-12:
                best = (float(mape[i]), WalkerModel(float(pace), float(CLIMB_RATES_M_PER_H[i]), base.descent_m_per_h,
                                                    round(float(start_end[i]), 1), round(float(allowance[i]), 1),
                                                    float(step)))
    return best[1]


class Errors(NamedTuple):
    """Errors of a model against published times; error = model - published (positive: too long)."""

    n: int
    mean_min: float
    mean_pct: float
    mae_min: float
    mae_pct: float


def errors(pairs: Iterable[tuple[float, float]]) -> Errors:
    """Mean error and mean absolute error (minutes, % of the published time) of ``(model, published)`` pairs.

    ``mae_pct`` is the MAPE.

    >>> errors([(60, 90), (100, 80)])
    Errors(n=2, mean_min=-5.0, mean_pct=-4.17, mae_min=25.0, mae_pct=29.17)
    >>> errors([]).n
    0
    """
    pairs = [(float(m), float(p)) for m, p in pairs]
    if not pairs:
        return Errors(0, math.nan, math.nan, math.nan, math.nan)
    diff = [m - p for m, p in pairs]
    pct = [100.0 * (m - p) / p for m, p in pairs]
    return Errors(len(pairs), round(statistics.mean(diff), 2), round(statistics.mean(pct), 2),
                  round(statistics.mean(abs(d) for d in diff), 2), round(statistics.mean(abs(x) for x in pct), 2))


def mape_by_length(pairs: Iterable[tuple[Sample, float]]) -> tuple[Errors, Errors]:
    """Errors of ``(sample, model minutes)`` pairs for walks under :data:`~trails.duration.SHORT_WALK_M`
    and for the others."""
    pairs = list(pairs)
    return (errors((m, s.published_min) for s, m in pairs if s.length_m < SHORT_WALK_M),
            errors((m, s.published_min) for s, m in pairs if s.length_m >= SHORT_WALK_M))
