"""Time spent at stops ("visit time"), added to the DIN 33466 walking time as a separate figure.

The rule, in one sentence: *each stop adds its dwell time by kind (5 min for a
monument, church, castle, museum, mill, bridge, archaeological site or
memorial, 2 min for a viewpoint, a natural or water feature or any other sight,
nothing for information, parking, transport, food, lodging or picnic), and an
interpretation trail takes at least* :data:`INTERPRETATION_ALLOWANCE_MIN`
*minutes (fitted on the Parc national des Cévennes circuits).*

Why: walking-time formulas (DIN 33466, SchweizMobil) time the walk, not the
visit. On the 73 walking day circuits of the Parc national des Cévennes,
DIN 33466 on the published length and climb lands within a few percent of the
published times of walks over 5 km, but under-estimates the short ones by a
quarter: a 2 km interpretation trail ("sentier d'interprétation", "découverte
PNC") is published at 1 h 30 where DIN gives 40 min, because readers stop at
every panel. See ``bench/duration_model.py`` for the yardstick.

Interpretation trail
    Its waymarking (``extra["waymarking"]``, the schema_randonnee ``balisage``)
    mentions *interprétation* or *découverte*, or its name is one of
    :data:`INTERPRETATION_NAME_WORDS` ("sentier botanique", ...), or staff set
    ``extra["interpretation"]`` to true. 14 of the 73 Cévennes day walks are.

Fit of the allowance (one parameter)
    ``published - DIN 33466`` over the interpretation day walks; the value that
    minimises the mean absolute error is their median (:func:`fit_allowance`):
    32.5 min on the 14 trails, any value from 31 to 34 min being as good, hence
    32. Mean absolute error on those 14: 35.5 min with DIN alone, 14.4 min with
    the allowance. Two-fold check (:func:`halves`: every other day walk by id):
    fitted on one half (32.5 min, 8 trails) the held-out 6 go from 37.8 to
    17.5 min; fitted on the other (40 min, 6 trails) the held-out 8 go from
    33.8 to 13.5 min, so the gain is not an artefact of fitting. A per-km
    allowance (10.6 min/km) fits worse (22.4 min; 32.9 and 14.6 min held out):
    the time at panels does not grow with the length. The allowance does not
    help the 10 other walks under 5 km (DIN still 14 min short on them, MAE
    24.5 min): published times are rounded up to the half hour.

Per-stop dwell times
    Not fitted: the calibration circuits come without their stops. They are a
    prior set so that a typical interpretation trail (6 to 8 sights) lands near
    the fitted allowance; staff can see the figure and its formula on the page.

Catalogue duration: ``duration_min`` does NOT include the visit time
    ``duration_computed_min`` stays the DIN 33466 walking time and
    ``duration_min`` keeps its DESIGN.md meaning (override, else published,
    else computed), for four reasons. (1) It is the figure GPS apps, guidebooks
    and ``balise trail stats`` agree on; adding minutes at stops would make our
    "computed" duration disagree with every other tool for the same GPX.
    (2) The visit time is a guess with an error of ~15 min on a ~30 min figure;
    it must not silently move a trail in or out of a ``--max-duration`` filter.
    (3) Published times already contain the stops when the source counts them
    (and are shown as such), so the catalogue compares like with like only
    where it can. (4) The visit time depends on the stops attached, which
    change whenever POIs are imported: a stored, filtered figure would go
    stale. So the walk is filtered on walking time, and the circuit page shows
    a second line, "with visits", with its formula, when the shown duration is
    computed. ``extra["duration_visit_min"]`` holds the stop-less estimate
    (interpretation allowance) for API clients.
"""
from __future__ import annotations

import math
import statistics
import unicodedata
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from poi.i18n import gettext as _
from trails.filter_params import format_duration
from trails.metrics import duration_din33466_min, schweizmobil_min_per_km
from trails.models import Trail

#: Minutes an interpretation trail adds at least (median of published - DIN on the Cévennes circuits).
INTERPRETATION_ALLOWANCE_MIN = 32
#: Dwell minutes per stop by POI category (:data:`poi.models.CATEGORIES`); unknown categories as ``other``.
STOP_DWELL_MIN: dict[str, int] = {
    "monument": 5, "church": 5, "castle": 5, "museum": 5, "mill": 5, "bridge": 5, "archaeology": 5,
    "memorial": 5, "viewpoint": 2, "nature": 2, "water": 2, "other": 2,
    "picnic": 0, "accommodation": 0, "restaurant": 0, "shop": 0, "parking": 0, "information": 0,
    "transport": 0, "toilets": 0, "signpost": 0,
}
#: Folded words of a waymarking label that make an interpretation trail.
INTERPRETATION_WAYMARKING_WORDS = ("interpretation", "decouverte")
#: Folded name fragments that make an interpretation trail.
INTERPRETATION_NAME_WORDS = ("sentier botanique", "sentier d'interpretation", "sentier de decouverte",
                             "sentier decouverte", "sentier pedagogique", "sentier a theme")
#: Calibration set: walking circuits, not multi-day (``itinérance``), at most this long.
DAY_WALK_MAX_M = 30_000.0
SHORT_WALK_M = 5_000.0


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_interpretation(trail: Trail) -> bool:
    """Whether ``trail`` is an interpretation / discovery trail (module docstring).

    >>> is_interpretation(Trail(name="Château du Tournel", extra={"waymarking": "Interprétation"}))
    True
    >>> is_interpretation(Trail(name="Monoblet, le sentier botanique"))
    True
    >>> is_interpretation(Trail(name="Col de Bès", extra={"waymarking": "Balisage peinture jaune"}))
    False
    """
    extra = trail.extra or {}
    if "interpretation" in extra:
        return bool(extra["interpretation"])
    waymarking = _fold(str(extra.get("waymarking") or ""))
    name = _fold(trail.name or "")
    return (any(w in waymarking for w in INTERPRETATION_WAYMARKING_WORDS)
            or any(w in name for w in INTERPRETATION_NAME_WORDS))


def stop_dwell_min(category: str | None) -> int:
    """Dwell minutes of one stop of a POI category (:data:`STOP_DWELL_MIN`).

    >>> stop_dwell_min("church"), stop_dwell_min("viewpoint"), stop_dwell_min("parking"), stop_dwell_min("lavoir")
    (5, 2, 0, 2)
    """
    return STOP_DWELL_MIN.get(category or "other", STOP_DWELL_MIN["other"])


class Visit(NamedTuple):
    """Time at stops: ``minutes``, ``stops`` counted (those with a dwell), ``basis``.

    ``basis`` is ``stops`` (sum of dwell times), ``interpretation`` (the
    allowance won) or ``none``.
    """

    minutes: int
    stops: int
    basis: str


def visit_time(trail: Trail, categories: Iterable[str | None] = ()) -> Visit:
    """The visit time of ``trail`` given the POI categories of its stops.

    ``sum(STOP_DWELL_MIN[category])``, at least :data:`INTERPRETATION_ALLOWANCE_MIN`
    on an interpretation trail.

    >>> visit_time(Trail(name="Old town"), ["church", "museum", "viewpoint", "parking"])
    Visit(minutes=12, stops=3, basis='stops')
    >>> visit_time(Trail(name="Sentier de Vialas", extra={"waymarking": "Interprétation"}), ["church"])
    Visit(minutes=32, stops=1, basis='interpretation')
    >>> visit_time(Trail(name="Col de Bès"))
    Visit(minutes=0, stops=0, basis='none')
    """
    dwell = [stop_dwell_min(c) for c in categories]
    minutes, stops = sum(dwell), sum(d > 0 for d in dwell)
    if is_interpretation(trail) and minutes < INTERPRETATION_ALLOWANCE_MIN:
        return Visit(INTERPRETATION_ALLOWANCE_MIN, stops, "interpretation")
    return Visit(minutes, stops, "stops" if minutes else "none")


def duration_with_visits_min(trail: Trail, categories: Iterable[str | None] = ()) -> int:
    """The time the walker will really take: ``duration_with_visits_min`` of the JSON outputs.

    The computed walking time plus the visit time of the stops (:func:`visit_time`) when the
    shown duration is computed; a published or staff duration already says what it includes
    and is given as it is.

    >>> duration_with_visits_min(Trail(name="Old town", duration_computed_min=60), ["church", "museum"])
    70
    >>> duration_with_visits_min(Trail(name="Published", duration_computed_min=60, duration_published_min=150), ["church"])
    150
    """
    if trail.duration_source != "computed":
        return trail.duration_min
    return trail.duration_computed_min + visit_time(trail, categories).minutes


def with_visits_by_trail(trails: Sequence[Trail], store) -> dict[int, int]:
    """``{trail id: duration_with_visits_min}`` for stored trails (``store``: a :class:`trails.store.TrailStore`)."""
    categories = store.stop_categories([t.id for t in trails])
    return {t.id: duration_with_visits_min(t, categories.get(t.id, ())) for t in trails}


def visit_text(walking_min: int, visit: Visit) -> str:
    """The "with visits" formula shown on a circuit page.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     visit_text(130, Visit(25, 5, "stops"))
    '2 h 10 walking (DIN 33466) + 25 min at 5 stops'
    >>> with language("fr"):
    ...     visit_text(41, Visit(32, 0, "interpretation"))
    "41 min de marche (DIN 33466) + 32 min aux arrêts d'un sentier d'interprétation"
    """
    walking = _("{duration} walking (DIN 33466)", duration=format_duration(walking_min))
    if visit.basis == "interpretation":
        return walking + " + " + _("{duration} at the stops of an interpretation trail",
                                   duration=format_duration(visit.minutes))
    return walking + " + " + _("{duration} at {count} stops", duration=format_duration(visit.minutes),
                               count=visit.stops)


# --- calibration on published times (bench/duration_model.py, tests/test_duration.py) ---

class Sample(NamedTuple):
    """A circuit with a published time, measured on its PUBLISHED length and climb."""

    source_id: str
    name: str
    length_m: float
    ascent_m: float
    descent_m: float
    published_min: int
    interpretation: bool

    @property
    def din_min(self) -> int:
        return duration_din33466_min(self.length_m, self.ascent_m, self.descent_m)

    @property
    def schweizmobil_min(self) -> int:
        return schweizmobil_uniform_min(self.length_m, self.ascent_m, self.descent_m)


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
    :data:`DAY_WALK_MAX_M`) and other practices are left out.
    """
    out = []
    for t in trails:
        extra = t.extra or {}
        length = _number(extra.get("published_length_m"))
        ascent = _number(extra.get("ascent_m"))
        if (t.practice != "walking" or _fold(t.route_type_label) == "itinerance"
                or not t.duration_published_min or not length or length > DAY_WALK_MAX_M or ascent is None):
            continue
        descent = _number(extra.get("descent_m"))
        out.append(Sample(t.source_id, t.name, length, abs(ascent), abs(descent if descent is not None else ascent),
                          int(t.duration_published_min), is_interpretation(t)))
    return sorted(out, key=lambda s: (len(s.source_id), s.source_id))


def fit_allowance(samples: Sequence[Sample]) -> float:
    """The interpretation allowance minimising the mean absolute error: median of published - DIN.

    >>> s = [Sample("1", "a", 2000, 0, 0, 60, True), Sample("2", "b", 2000, 0, 0, 80, True),
    ...      Sample("3", "c", 2000, 0, 0, 30, False)]
    >>> fit_allowance(s)   # DIN 30 min; residuals 30 and 50
    40.0
    """
    residuals = [s.published_min - s.din_min for s in samples if s.interpretation]
    if not residuals:
        raise ValueError("no interpretation trail among the samples: nothing to fit")
    return float(statistics.median(residuals))


def halves(samples: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    """Every other sample (in source id order) and the rest: the two folds of the check.

    >>> [len(h) for h in halves([Sample(str(i), "", 1, 0, 0, 1, False) for i in range(5)])]
    [3, 2]
    """
    return list(samples[0::2]), list(samples[1::2])


def with_visits_min(sample: Sample, allowance_min: float = INTERPRETATION_ALLOWANCE_MIN) -> float:
    """DIN 33466 plus the interpretation allowance (the calibration circuits have no known stops)."""
    return sample.din_min + (allowance_min if sample.interpretation else 0)


class Errors(NamedTuple):
    """Errors of a model against published times; error = model - published (positive: too long)."""

    n: int
    mean_min: float
    mean_pct: float
    mae_min: float
    mae_pct: float


def errors(pairs: Iterable[tuple[float, float]]) -> Errors:
    """Mean error and mean absolute error (minutes, % of the published time) of ``(model, published)`` pairs.

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
