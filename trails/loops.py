"""Loops of a chosen duration from a start point, through the most heritage (``balise trail loop``).

The problem is an *orienteering problem*: POIs have a score (1 per heritage POI, the
heritage categories of :data:`poi.categories.HERITAGE_CATEGORIES`, narrowed by
themes), a loop from the start must stay within a time budget, and the score collected
is maximised. The loop is sized on, and shown with, the time the walker will really take
(:func:`trails.duration.walker_min`: the catalogue's ``duration_with_visits_min``, with
the visit time of its heritage stops, :func:`trails.duration.stop_dwell_min`); the
planning estimates in the cost model's seconds (:mod:`trails.cost`), and the realised
loops are measured by the walker's time and the budget rescaled until it fits (step 5).
Other practices than walking are sized on the cost model's time plus visits. It is
NP-hard; Balise uses the classic heuristic (Tsiligirides 1984; Vansteenwegen et al.,
*The orienteering problem: a survey*, EJOR 2011), in three modules: this one (the
variants), :mod:`trails.loop_setting` (network, clusters, realisation),
:mod:`trails.loop_search` (planning and local search) and :mod:`trails.loop_notes` (the
reasons a loop gives).

1. **network and clusters.** The whole path network is read and built once per
   database, practice and network revision and kept in memory
   (:mod:`trails.routing_cache`); each request cuts its start into its own view. One
   Dijkstra from the start (bounded by 3/4 of the reach: the budget, 1.5 times it on
   foot where the first budget is an estimate) gives each node its time from the start.
   A heritage POI beside a path but farther than :data:`trails.loop_setting.SNAP_M` from
   any node gets its foot on the path cut in as a node. Heritage POIs within
   :data:`trails.loop_setting.SNAP_M` of a node are grouped on it (a *cluster*: a square
   with a church and a fountain scores 2);
   clusters farther than half the budget are dropped. The *bridges* of the reached
   network (Tarjan's lowlink: pieces that are the only way between two parts) are
   found when needed: zero-score *filler* nodes on rings at 20, 30 and 40 % of the
   budget are taken only in the parts that bridges do not cut off (at least
   :data:`trails.routing_cache.MIN_CORE_NODES` nodes), where a loop can turn without
   walking back.
2. **seed.** Each variant starts from one cluster drawn (seeded random) among the
   best-scoring ones at 15-50 % of the budget from the start, away from the seeds
   of the earlier variants.
3. **insertion.** The cluster with the best score per added time (cheapest
   insertion position, estimated by straight distance times the network's median
   detour ratio, plus its visit time) is inserted while the estimate fits the budget;
   fillers come last, so a loop with little heritage around still reaches its duration.
4. **2-opt** on the visiting order (estimated times).
5. **realisation and rescaling.** The legs are routed with A* in order, each one
   paying :data:`trails.graph.REUSE_PENALTY` for the pieces walked before (and
   :data:`trails.graph.NEAR_PENALTY` near them), so the loop does not come back the
   way it went; its real time is measured; the budget is rescaled by target / real and
   steps 3-5 are repeated (at most :data:`trails.loop_search.ROUNDS` times), keeping
   the best loop: within the tolerance, then walking at most :data:`MAX_REUSE` of its
   length twice, then most heritage, then least reuse.
6. **local search** (:func:`trails.loop_search.improve`). The clusters the loop
   misses are tried, cheapest estimated insertion per POI first (at most
   :data:`trails.loop_search.IMPROVE_TRIES`): each is inserted where it adds least,
   the stops that save most per POI lost (fillers first) are dropped until the
   estimate is back to the loop's, and the realised result replaces the loop when it
   ranks better with more heritage.
7. **seeds.** A variant that misses the duration is tried again from another seed (at
   most :data:`TRIES`); the heritage objective tries :data:`MIN_TRIES` seeds even when
   the first fits, and up to :data:`TRIES` while the best walks more than
   :data:`MAX_REUSE` of itself twice, and keeps the best (bench/loops.py gives the figures).

``objective="none"`` is the POI-blind round trip of GraphHopper's ``RoundTripRouting``
(for comparison): two points placed at a seeded heading and +60 degrees, at a distance
rescaled until the loop's time fits, routed with the same penalties (edges used once).

Variants: the pieces of earlier variants cost :data:`VARIANT_PENALTY` times more; a
variant that shares more than :data:`MAX_SHARED` of its length with an earlier one is
dropped (another seed is tried). Each loop reports its reuse ratio (length walked more
than once / length); above :data:`MAX_REUSE` ``reuse_note`` names the part of the network
that forces it (:func:`trails.loop_notes.reuse_note`): the start in a
cul-de-sac (on a bridge of the network, or in a part too small to turn in) with the
metres walked twice on bridges, a dead end or single path between two parts of the
network (with its name when it has one), and, for the reuse bridges do not explain, the
piece walked most twice and how much longer the network's other way between its ends
is (an A* with that piece barred). A loop not within the tolerance says why in
``fit_note`` (:func:`trails.loop_notes.fit_note`): it had to differ from
a variant that fits; dead ends walked out and back longer than the tolerance's share of
it (loops come in a few lengths); no shorter round around the start; no longer round
within reach. :func:`request_note` is the request's reason when no variant fits.
"""
from __future__ import annotations

import math
import random
from typing import Sequence

import sqlite_utils

from poi.i18n import gettext as _
from trails.dem import drape_points
from trails.loop_notes import fit_note, reuse_note
from trails.loop_search import better, blind_variant, heritage_variant, rank, shared
from trails.cost import WALK_FLAT_KMH
from trails.duration import WALKER
from trails.loop_setting import MAX_REUSE, WALKER_PRACTICES, Loop, LoopError, LoopSetting, heritage_pois
from trails.models import PRACTICES

#: Cost factor of pieces earlier variants walked.
VARIANT_PENALTY = 3.0
#: Largest share of a variant's length shared with an earlier variant.
MAX_SHARED = 0.5
#: Seeds tried per variant before giving up on a distinct one.
TRIES = 6
#: Seeds the heritage objective tries per variant even when the first loop fits (the best is kept).
MIN_TRIES = 4
OBJECTIVES = ("heritage", "none")
#: How much farther than the first budget the network is read for a walker's loop (the budget is an estimate).
WALKER_REACH_SCALE = 1.5


def walking_budget_s(duration_min: float, practice: str = "walking") -> float:
    """The first budget (cost-model seconds of walking and visits) for a loop of ``duration_min``.

    On foot the target is the walker's time (:func:`trails.duration.walker_min`): its start and finish
    minutes are not walked, and the cost model walks the flat at :data:`trails.cost.WALK_FLAT_KMH`
    where the walker's model walks at its calibrated pace. The search rescales the budget on the
    measured loops anyway; a good first guess saves rounds and sets how far the network is read.

    >>> round(walking_budget_s(120) / 60), round(walking_budget_s(120, "cycling") / 60)
    (113, 120)
    """
    if practice not in WALKER_PRACTICES:
        return duration_min * 60.0
    return max(duration_min - WALKER.start_end_min, 5.0) * 60.0 * WALKER.pace_kmh / WALK_FLAT_KMH


def generate_loops(db: sqlite_utils.Database, lon: float, lat: float, duration_min: float, *,
                   tolerance: float = 0.15, themes: Sequence[str] = (), practice: str = "walking",
                   variants: int = 3, objective: str = "heritage", seed: int = 0) -> list[Loop]:
    """Loops of about ``duration_min`` (walking + visits) from a point, most heritage first (module docstring).

    Parameters
    ----------
    db : with a path network (``balise map import``) and POIs.
    lon, lat : the start (WGS84).
    duration_min : the target: on foot the walker's time with visits (:func:`trails.duration.walker_min`, the
        catalogue's ``duration_with_visits_min``), for other practices the cost model's time plus visits.
    tolerance : accepted relative difference to the target (0.15: +/- 15 %).
    themes : only heritage POIs with one of these themes count (default: all heritage).
    practice : a :data:`trails.models.PRACTICES` value (access, speed).
    variants : how many distinct loops (each shares at most :data:`MAX_SHARED` of its length with another).
    objective : ``heritage`` (orienteering heuristic) or ``none`` (POI-blind round trip).
    seed : the random seed (same seed, same loops).

    Returns
    -------
    list of Loop
        Best first (within the tolerance, most heritage, least reuse); possibly fewer than
        ``variants`` when the network does not allow distinct ones.

    Raises
    ------
    LoopError
        Bad parameters, a start far from the paths, no loop possible.
    """
    if practice not in PRACTICES:
        raise LoopError(_("unknown practice {practice}; choose one of {choices}", practice=repr(practice),
                          choices=", ".join(PRACTICES)))
    if objective not in OBJECTIVES:
        raise LoopError(_("unknown objective {objective}; choose heritage or none", objective=repr(objective)))
    if not 10 <= duration_min <= 12 * 60:
        raise LoopError(_("a loop lasts from 10 min to 12 h (asked: {minutes} min)", minutes=round(duration_min)))
    if not 0.01 <= tolerance <= 0.5:
        raise LoopError(_("the tolerance is a share between 0.01 and 0.5 (asked: {tolerance})",
                          tolerance=tolerance))
    if not 1 <= variants <= 5:
        raise LoopError(_("between 1 and 5 variants (asked: {n})", n=variants))
    walker = practice in WALKER_PRACTICES
    shortest = round(WALKER.start_end_min) + 10
    if walker and duration_min < shortest:
        raise LoopError(_("on foot a loop lasts at least {minutes} min: the walker's time counts {start} min for "
                          "start and finish (asked: {asked} min)", minutes=shortest,
                          start=round(WALKER.start_end_min), asked=round(duration_min)))
    # on foot the first budget is an estimate (cost model against the walker's pace): room to rescale up
    setting = LoopSetting(db, lon, lat, walking_budget_s(duration_min, practice), practice, themes,
                          reach_scale=WALKER_REACH_SCALE if walker else 1.0)
    rng = random.Random(seed)
    loops: list[Loop] = []
    penalty: dict[int, float] = {}
    used_seeds: list[int] = []
    heading = rng.uniform(0, 2 * math.pi)
    for k in range(variants):
        loop = None
        for attempt in range(TRIES):  # another seed (heading) while the loop misses the duration
            if objective == "heritage":
                found = heritage_variant(setting, rng, penalty, used_seeds, duration_min, tolerance)
            else:
                angle = heading + 2 * math.pi * (k + attempt / TRIES) / variants
                found = blind_variant(setting, rng, penalty, angle, duration_min, tolerance)
            if found is not None and shared(found, loops) <= MAX_SHARED and better(found, loop, duration_min,
                                                                                    tolerance):
                loop = found
            if (loop is not None and abs(loop.duration_min - duration_min) <= tolerance * duration_min
                    and (objective == "none" or (attempt + 1 >= MIN_TRIES and loop.reuse_ratio <= MAX_REUSE))):
                break
        if loop is None:
            continue
        for piece in loop.pieces:
            penalty[piece] = max(penalty.get(piece, 1.0), VARIANT_PENALTY)
        loops.append(loop)
    if not loops:
        raise LoopError(_("no loop of {minutes} min can be made from here on the imported network: try "
                          "another start or duration", minutes=round(duration_min)))
    loops.sort(key=lambda lp: (abs(lp.duration_min - duration_min) <= tolerance * duration_min, rank(lp)),
               reverse=True)
    for loop in loops:
        loop.coords = drape_points(db, loop.coords)
        loop.remeasure()
        loop.reuse_note = reuse_note(setting, loop)
    fitting = [abs(lp.duration_min - duration_min) <= tolerance * duration_min for lp in loops]
    for k, loop in enumerate(loops):
        another_fits = any(fitting[:k] + fitting[k + 1:])
        loop.fit_note = fit_note(setting, loop, duration_min, tolerance, another_fits=another_fits)
    return loops


def request_note(loops: Sequence[Loop]) -> str:
    """The reason given for a whole request: the best loop's :attr:`Loop.fit_note` when no loop is within
    the tolerance ("" when one is)."""
    if not loops or any(not lp.fit_note for lp in loops):
        return ""
    return loops[0].fit_note


__all__ = ["Loop", "LoopError", "MAX_REUSE", "MAX_SHARED", "OBJECTIVES", "generate_loops", "heritage_pois",
           "request_note", "walking_budget_s"]
