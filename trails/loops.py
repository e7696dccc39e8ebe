"""Loops of a chosen duration from a start point, through the most heritage (``balise trail loop``).

The problem is an *orienteering problem*: POIs have a score (1 per heritage POI, the
heritage categories of :data:`poi.categories.HERITAGE_CATEGORIES`, narrowed by
themes), a loop from the start must stay within a time budget (walking time of the
cost model, :mod:`trails.cost`, plus the visit time of its stops,
:func:`trails.duration.stop_dwell_min`), and the score collected is maximised. It is
NP-hard; Balise uses the classic heuristic (Tsiligirides 1984; Vansteenwegen et al.,
*The orienteering problem: a survey*, EJOR 2011), in three modules: this one (the
variants), :mod:`trails.loop_setting` (network, clusters, realisation, reasons) and
:mod:`trails.loop_search` (planning and local search).

1. **network and clusters.** The whole path network is read and built once per
   database, practice and network revision and kept in memory
   (:mod:`trails.routing_cache`); each request cuts its start into its own view. One
   Dijkstra from the start (bounded by 1.5 x the budget) gives each node its time from
   the start. Heritage POIs within :data:`trails.loop_setting.SNAP_M` of a node are
   grouped on it (a *cluster*: a square with a church and a fountain scores 2);
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
   the first fits and keeps the best (bench/loops.py gives the figures).

``objective="none"`` is the POI-blind round trip of GraphHopper's ``RoundTripRouting``
(for comparison): two points placed at a seeded heading and +60 degrees, at a distance
rescaled until the loop's time fits, routed with the same penalties (edges used once).

Variants: the pieces of earlier variants cost :data:`VARIANT_PENALTY` times more; a
variant that shares more than :data:`MAX_SHARED` of its length with an earlier one is
dropped (another seed is tried). Each loop reports its reuse ratio (length walked more
than once / length); above :data:`MAX_REUSE` ``reuse_note`` says why: the metres walked
twice on bridges when they are most of it (a dead end, a single path from the start:
the network leaves no choice), else that no loop of this duration avoiding it was found.
"""
from __future__ import annotations

import math
import random
from typing import Sequence

import sqlite_utils

from poi.i18n import gettext as _
from trails.dem import drape_points
from trails.loop_search import better, blind_variant, heritage_variant, rank, shared
from trails.loop_setting import MAX_REUSE, Loop, LoopError, LoopSetting, heritage_pois
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


def generate_loops(db: sqlite_utils.Database, lon: float, lat: float, duration_min: float, *,
                   tolerance: float = 0.15, themes: Sequence[str] = (), practice: str = "walking",
                   variants: int = 3, objective: str = "heritage", seed: int = 0) -> list[Loop]:
    """Loops of about ``duration_min`` (walking + visits) from a point, most heritage first (module docstring).

    Parameters
    ----------
    db : with a path network (``balise map import``) and POIs.
    lon, lat : the start (WGS84).
    duration_min : the target, walking time (cost model) plus visit time at the heritage stops.
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
    setting = LoopSetting(db, lon, lat, duration_min * 60.0, practice, themes)
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
                    and (objective == "none" or attempt + 1 >= MIN_TRIES)):
                break
        if loop is None:
            continue
        for piece in loop.pieces:
            penalty[piece] = max(penalty.get(piece, 1.0), VARIANT_PENALTY)
        loop.reuse_note = setting.reuse_note(loop)
        loops.append(loop)
    if not loops:
        raise LoopError(_("no loop of {minutes} min can be made from here on the imported network: try "
                          "another start or duration", minutes=round(duration_min)))
    loops.sort(key=lambda lp: (abs(lp.duration_min - duration_min) <= tolerance * duration_min, rank(lp)),
               reverse=True)
    for loop in loops:
        loop.coords = drape_points(db, loop.coords)
    return loops


__all__ = ["Loop", "LoopError", "MAX_REUSE", "MAX_SHARED", "OBJECTIVES", "generate_loops", "heritage_pois"]
