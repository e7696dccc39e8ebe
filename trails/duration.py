"""The time the walker will really take: walking at a calibrated pace, plus stops, plus start and finish.

The rule, in one formula (``duration_with_visits_min`` of ``balise trails --json``,
``/api/trails`` and the circuit page)::

    t = max(t_h, t_v) + min(t_h, t_v) / 2  +  start/finish  +  visits
        t_h = km / pace x (1 + step x level),  t_v = D+ / climb rate + D- / descent rate   (DIN 33466's form)
        level = the stated difficulty's rank from medium (very easy -2 ... very hard +2; unknown 0)
        visits = sum of the dwell minutes of the stops by category,
                 at least the interpretation allowance on an interpretation trail

with the parameters of :data:`WALKER` (:class:`WalkerModel`): pace 4.65 km/h on
ground of medium difficulty, 10 % slower per level above (rougher, steeper
paths) and faster per level below, climb 500 m/h, descent 500 m/h (DIN's), 28 min
at start and finish, 20 min for an interpretation trail. The difficulty is the
one the source published or staff set (never the one computed from length and
climb, which the formula already counts). Dwell minutes by POI category (:data:`STOP_DWELL_MIN`):
5 for a monument, church, castle, museum, mill, bridge, archaeological site or
memorial, 2 for a viewpoint, natural or water feature or any other sight,
nothing for information, parking, transport, food, lodging or picnic.

Why: walking-time formulas (DIN 33466, SchweizMobil) time the walk, not the
outing. On the 73 walking day circuits of the Parc national des Cévennes,
DIN 33466 on the published length and climb is 9 % too long on average on
walks over 5 km (its 300 m/h climb is slow for these walkers) and a third too
short under 5 km, where a 2 km discovery trail is published at 1 h 30 because
readers stop at every panel. So the walking rates are refitted on published
times (:mod:`trails.duration_fit`), and the outing adds a fixed start/finish
time (the short-walk correction: it weighs most on short walks; it also holds
the short breaks of an outing) and the time at stops. The park grades its walks
"très facile" to "très difficile" by the ground as much as by the climb: a
"difficile" walk of the same length and climb as a "facile" one is published
longer, hence the pace per level.

Fit and held-out check (``bench/duration_model.py``, ``tests/test_duration.py``)
    Five parameters (pace, step per difficulty level, climb rate, start/finish,
    interpretation allowance) minimise the mean absolute percentage error (MAPE)
    against the published times; :func:`trails.duration_fit.fit`. Fitted on
    every other circuit and judged on the others (both ways), the model's MAPE
    on the held-out half is 11.8 / 12.1 % over 5 km (11.9 % pooled) and
    15.6 / 13.7 % up to 5 km (14.6 % pooled), against 11.7 / 17.6 % (14.7 %) and
    37.5 / 29.0 % (33.0 %) for DIN 33466 alone; without the difficulty term it
    was 11.9 / 13.3 % (12.6 %) over 5 km. :data:`WALKER` is the fit on all 73,
    rounded (10.1 % and 14.2 % on them). Published times are themselves rounded
    to the half hour and written by different teams: a 3 h walk published
    2 h 30 or 3 h 30 is 17 % away, so the remaining error is of that size.
    Tried and left out because they did worse on the held-out halves: a fitted
    descent rate, rest minutes growing with the walking time, a linear (not
    DIN) combination of horizontal and vertical time.

Interpretation trail
    Its waymarking (``waymarking``, the schema_randonnee ``balisage``)
    or the address of its page (``url``: the park files them under
    *sentiers-de-decouverte*) mentions *interprétation* or *découverte*, or its
    name is one of :data:`INTERPRETATION_NAME_WORDS` ("sentier botanique", ...),
    or staff set ``interpretation`` to true. 17 of the 73 Cévennes day
    walks are.

Per-stop dwell times
    Not fitted: the calibration circuits come without their stops. They are a
    prior set so that a typical interpretation trail (5 to 6 sights) lands near
    the fitted allowance.

Catalogue duration: ``duration_min`` does NOT include the visit time
    ``duration_computed_min`` stays the DIN 33466 walking time and
    ``duration_min`` keeps its DESIGN.md meaning (override, else published,
    else computed): it is the figure GPS apps, guidebooks and ``balise trail
    stats`` agree on, and the catalogue's duration filter works on it (its
    sentence says "walking time"). The time with visits depends on the stops
    attached, which change whenever POIs are imported, so it is computed when
    asked (:func:`with_visits_by_trail`), never stored. A published or staff
    duration already says what it includes and is given as it is.
    ``duration_visit_min`` holds the stop-less estimate
    (interpretation allowance) for API clients.
"""
from __future__ import annotations

import unicodedata
from typing import Iterable, NamedTuple, Sequence

from poi.i18n import gettext as _
from trails.filter_params import format_duration, show_number
from trails.models import DIFFICULTIES, Trail


class WalkerModel(NamedTuple):
    """Parameters of the walker's-time model (module docstring); the defaults are DIN 33466's rates."""

    pace_kmh: float = 4.0
    climb_m_per_h: float = 300.0
    descent_m_per_h: float = 500.0
    start_end_min: float = 0.0
    interpretation_min: float = 0.0
    #: Share of the horizontal time added per published difficulty level above ``medium`` (taken off below).
    difficulty_step: float = 0.0


#: The model fitted on the 73 Cévennes day walks (``trails.duration_fit.fit``, rounded).
WALKER = WalkerModel(pace_kmh=4.65, climb_m_per_h=500.0, descent_m_per_h=500.0, start_end_min=28.0,
                     interpretation_min=20.0, difficulty_step=0.10)
#: Minutes an interpretation trail spends at its stops at least (:data:`WALKER`).
INTERPRETATION_ALLOWANCE_MIN = int(WALKER.interpretation_min)
#: Dwell minutes per stop by POI category (:data:`poi.models.CATEGORIES`); unknown categories as ``other``.
STOP_DWELL_MIN: dict[str, int] = {
    "monument": 5, "church": 5, "castle": 5, "museum": 5, "mill": 5, "bridge": 5, "archaeology": 5,
    "memorial": 5, "viewpoint": 2, "nature": 2, "water": 2, "other": 2,
    "picnic": 0, "accommodation": 0, "restaurant": 0, "shop": 0, "parking": 0, "information": 0,
    "transport": 0, "toilets": 0, "signpost": 0,
}
#: Folded words of a waymarking label or page address that make an interpretation trail.
INTERPRETATION_WAYMARKING_WORDS = ("interpretation", "decouverte")
#: Folded name fragments that make an interpretation trail.
INTERPRETATION_NAME_WORDS = ("sentier botanique", "sentier d'interpretation", "sentier de decouverte",
                             "sentier decouverte", "sentier pedagogique", "sentier a theme")
#: Calibration set: walking circuits, not multi-day (``itinérance``), at most this long.
DAY_WALK_MAX_M = 30_000.0
SHORT_WALK_M = 5_000.0


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain (for matching labels).

    >>> fold("Sentier d’Interprétation")
    "sentier d'interpretation"
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_interpretation(trail: Trail) -> bool:
    """Whether ``trail`` is an interpretation / discovery trail (module docstring).

    >>> is_interpretation(Trail(name="Château du Tournel", extra={"waymarking": "Interprétation"}))
    True
    >>> is_interpretation(Trail(name="Monoblet, le sentier botanique"))
    True
    >>> is_interpretation(Trail(name="Cros", url="https://destination.cevennes-parcnational.fr/sentiers-de-decouverte/cros/"))
    True
    >>> is_interpretation(Trail(name="Col de Bès", extra={"waymarking": "Balisage peinture jaune"}))
    False
    """
    if trail.interpretation is not None:
        return bool(trail.interpretation)
    labels = fold(trail.waymarking or "") + " " + fold(trail.url or "")
    name = fold(trail.name or "")
    return (any(w in labels for w in INTERPRETATION_WAYMARKING_WORDS)
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
    Visit(minutes=20, stops=1, basis='interpretation')
    >>> visit_time(Trail(name="Col de Bès"))
    Visit(minutes=0, stops=0, basis='none')
    """
    dwell = [stop_dwell_min(c) for c in categories]
    minutes, stops = sum(dwell), sum(d > 0 for d in dwell)
    if is_interpretation(trail) and minutes < INTERPRETATION_ALLOWANCE_MIN:
        return Visit(INTERPRETATION_ALLOWANCE_MIN, stops, "interpretation")
    return Visit(minutes, stops, "stops" if minutes else "none")


def difficulty_level(difficulty: str | None) -> int:
    """Levels above (+) or below (-) ``medium`` of a difficulty code; 0 when unknown.

    >>> difficulty_level("very_easy"), difficulty_level("hard"), difficulty_level(None)
    (-2, 1, 0)
    """
    return DIFFICULTIES.index(difficulty) - 2 if difficulty in DIFFICULTIES else 0


def walking_min(length_m: float, ascent_m: float, descent_m: float, model: WalkerModel = WALKER,
                difficulty: str | None = None) -> float:
    """Walking minutes at the model's pace: DIN 33466's ``max(t_h, t_v) + min(t_h, t_v) / 2``.

    ``t_h`` is the horizontal time at the model's pace, slowed by ``difficulty_step`` per level of
    ``difficulty`` above ``medium`` (rougher ground) and quickened below; unknown: ``medium``.

    >>> round(walking_min(12_000, 600, 600, WalkerModel()))   # DIN 33466's own rates
    282
    >>> round(walking_min(12_000, 600, 600)), round(walking_min(12_000, 600, 600, difficulty="hard"))
    (227, 242)
    >>> walking_min(0, 0, 0)
    0.0
    """
    t_h = length_m / 1000.0 / model.pace_kmh * (1.0 + model.difficulty_step * difficulty_level(difficulty))
    t_v = ascent_m / model.climb_m_per_h + descent_m / model.descent_m_per_h
    return (max(t_h, t_v) + min(t_h, t_v) / 2.0) * 60.0


def walker_min(length_m: float, ascent_m: float, descent_m: float, *, visit_min: float = 0.0,
               interpretation: bool = False, difficulty: str | None = None,
               model: WalkerModel | None = None) -> float:
    """The walker's time in minutes: walking + start/finish + visits (module docstring).

    ``visit_min`` is the time at the stops; on an interpretation trail it is at least the
    model's interpretation allowance. ``difficulty``: the published or staff difficulty, if any.

    >>> round(walker_min(8000, 300, 300, visit_min=12))   # 2 h 19 walking + 28 + 12
    179
    >>> round(walker_min(2000, 50, 50, interpretation=True))   # 32 min walking + 28 + 20
    80
    """
    model = model or WALKER
    visits = max(visit_min, model.interpretation_min) if interpretation else visit_min
    return walking_min(length_m, ascent_m, descent_m, model, difficulty) + model.start_end_min + visits


class WithVisits(NamedTuple):
    """The walker's time of a trail and its parts, in whole minutes; ``pace_kmh`` is the pace walked
    (the model's, adjusted to the trail's stated difficulty)."""

    total_min: int
    walking_min: int
    start_end_min: int
    visit: Visit
    pace_kmh: float = WALKER.pace_kmh


def stated_difficulty(trail: Trail) -> str | None:
    """The difficulty staff or the source stated (not the one computed from length and climb, which the
    walking time already counts)."""
    return trail.difficulty_override or trail.difficulty_published


def with_visits(trail: Trail, categories: Iterable[str | None] = ()) -> WithVisits:
    """:func:`walker_min` of a trail given the POI categories of its stops.

    >>> w = with_visits(Trail(name="Old town", length_m=6000, ascent_m=120, descent_m=120), ["church", "museum"])
    >>> w.total_min, w.walking_min, w.start_end_min, w.visit.minutes
    (130, 92, 28, 10)
    >>> with_visits(Trail(name="Rough", length_m=6000, difficulty_published="hard")).walking_min
    85
    """
    visit = visit_time(trail, categories)
    difficulty = stated_difficulty(trail)
    walk = round(walking_min(trail.length_m, trail.ascent_m, trail.descent_m, difficulty=difficulty))
    start_end = round(WALKER.start_end_min)
    pace = WALKER.pace_kmh / (1.0 + WALKER.difficulty_step * difficulty_level(difficulty))
    return WithVisits(walk + start_end + visit.minutes, walk, start_end, visit, round(pace, 2))


def duration_with_visits_min(trail: Trail, categories: Iterable[str | None] = ()) -> int:
    """The time the walker will really take: ``duration_with_visits_min`` of the JSON outputs.

    :func:`with_visits` when the shown duration is computed; a published or staff duration
    already says what it includes and is given as it is.

    >>> duration_with_visits_min(Trail(name="Old town", length_m=4000, duration_computed_min=60), ["church", "museum"])
    90
    >>> duration_with_visits_min(Trail(name="Published", duration_computed_min=60, duration_published_min=150), ["church"])
    150
    """
    if trail.duration_source != "computed":
        return trail.duration_min
    return with_visits(trail, categories).total_min


def with_visits_by_trail(trails: Sequence[Trail], store) -> dict[int, int]:
    """``{trail id: duration_with_visits_min}`` for stored trails (``store``: a :class:`trails.store.TrailStore`)."""
    categories = store.stop_categories([t.id for t in trails])
    return {t.id: duration_with_visits_min(t, categories.get(t.id, ())) for t in trails}


def visit_text(figures: WithVisits) -> str:
    """The formula of the "with visits" line of a circuit page.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     visit_text(WithVisits(118, 65, 28, Visit(25, 5, "stops")))
    '1 h 05 walking (4.65 km/h, 500 m/h up, 500 m/h down) + 28 min start and finish + 25 min at 5 stops'
    >>> with language("fr"):
    ...     visit_text(WithVisits(89, 41, 28, Visit(20, 0, "interpretation"), 4.23))
    "41 min de marche (4,23 km/h, 500 m/h en montée, 500 m/h en descente) + 28 min de départ et d'arrivée + 20 min aux arrêts d'un sentier d'interprétation"
    """
    walking = _("{duration} walking ({pace} km/h, {up} m/h up, {down} m/h down)",
                duration=format_duration(figures.walking_min), pace=show_number(figures.pace_kmh),
                up=show_number(WALKER.climb_m_per_h), down=show_number(WALKER.descent_m_per_h))
    parts = [walking, _("{duration} start and finish", duration=format_duration(figures.start_end_min))]
    visit = figures.visit
    if visit.basis == "interpretation":
        parts.append(_("{duration} at the stops of an interpretation trail", duration=format_duration(visit.minutes)))
    elif visit.minutes:
        parts.append(_("{duration} at {count} stops", duration=format_duration(visit.minutes), count=visit.stops))
    return " + ".join(parts)
