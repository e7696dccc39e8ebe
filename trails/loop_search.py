"""The orienteering heuristic of :func:`trails.loops.generate_loops` (described in :mod:`trails.loops`).

Planning works on estimated times (:meth:`trails.loop_setting.LoopSetting.estimate`):
insertion by score per added time (:func:`plan`), 2-opt (:func:`two_opt`); the plan is
realised on the network and rescaled until its time fits (:func:`rescaled`); then the
realised loop is improved by local search (:func:`improve`). :func:`heritage_variant`
and :func:`blind_variant` make one variant of each objective.
"""
from __future__ import annotations

import math
import random
from typing import Sequence

import numpy as np
import shapely

from trails.graph import NoPathError
from trails.loop_setting import MAX_REUSE, Loop, LoopSetting

#: Realise-and-rescale rounds per variant.
ROUNDS = 6
#: Missed heritage clusters tried per variant by the local search (:func:`improve`).
IMPROVE_TRIES = 4


def _tour_time(setting: LoopSetting, tour: list[int], dwell: dict[int, float]) -> float:
    path = [setting.start, *tour, setting.start]
    return sum(setting.estimate(a, b) for a, b in zip(path, path[1:])) + sum(dwell.get(n, 0.0) for n in tour)


def two_opt(setting: LoopSetting, tour: list[int]) -> list[int]:
    """Reverse stretches of the visiting order while that shortens the estimated walk (2-opt)."""
    path = [setting.start, *tour, setting.start]
    est = setting.estimate
    improved, rounds = True, 0
    while improved and rounds < 20:
        improved, rounds = False, rounds + 1
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                delta = (est(path[i - 1], path[j]) + est(path[i], path[j + 1])
                         - est(path[i - 1], path[i]) - est(path[j], path[j + 1]))
                if delta < -1e-6:
                    path[i:j + 1] = path[i:j + 1][::-1]
                    improved = True
    return path[1:-1]


def plan(setting: LoopSetting, seed: int | None, clusters, fillers: list[int], budget_s: float) -> list[int]:
    """Insertion from the seed: best score per added estimated time while the budget allows, then 2-opt.

    Every (candidate, position) pair is valued at once (numpy): the estimates of
    :meth:`LoopSetting.estimate`, the start's being its network time from the start."""
    score = {n: s for n, s, _d in clusters}
    dwell = {n: d for n, _s, d in clusters}
    tour = [seed] if seed is not None else []
    pool = [n for n in list(score) + fillers if n not in tour]
    total = _tour_time(setting, tour, dwell)
    if not pool:
        return two_opt(setting, tour)
    pos, start = setting.graph.pos, setting.start
    pool_xy = np.array([pos[n] for n in pool], dtype=float)
    pool_t = np.array([setting.times[n] for n in pool], dtype=float)
    value_of = np.array([score.get(n, 0.0) for n in pool]) + 1e-3
    pool_dwell = np.array([dwell.get(n, 0.0) for n in pool])
    at_start = np.array([n == start for n in pool])
    alive = np.ones(len(pool), dtype=bool)
    while alive.any():
        path = [start, *tour, start]
        xy = np.array([pos[n] for n in path], dtype=float)
        est = np.hypot(pool_xy[:, None, 0] - xy[None, :, 0], pool_xy[:, None, 1] - xy[None, :, 1]) * setting.s_per_m
        est[:, 0] = est[:, -1] = pool_t  # to or from the start: the network time
        if at_start.any():
            est[at_start] = [setting.times[n] for n in path]
        legs = np.array([setting.estimate(a, b) for a, b in zip(path, path[1:])])
        added = est[:, :-1] + est[:, 1:] - legs[None, :] + pool_dwell[:, None]
        fits = (total + added <= budget_s) & alive[:, None]
        if not fits.any():
            break
        value = np.where(fits, value_of[:, None] / np.maximum(added, 1.0), -np.inf)
        q, k = np.unravel_index(int(np.argmax(value)), value.shape)
        tour.insert(int(k), pool[int(q)])
        alive[q] = False
        total += float(added[q, k])
    return two_opt(setting, tour)


def shared(loop: Loop, others: Sequence[Loop]) -> float:
    """Largest share of ground (each piece once) that ``loop`` and one of ``others`` walk both, as a share of
    the smaller of the two (a short loop inside a long one shares all of itself, whichever came first)."""
    ground = sum(loop.pieces.values())
    if not others or not ground:
        return 0.0
    return max(sum(m for p, m in loop.pieces.items() if p in o.pieces)
               / max(min(ground, sum(o.pieces.values())), 1e-9) for o in others)


def better(a: Loop, b: Loop | None, target_min: float, tolerance: float) -> bool:
    """Is ``a`` a better answer than ``b``: within the tolerance first, then :func:`rank`."""
    if b is None:
        return True
    fit_a = abs(a.duration_min - target_min) <= tolerance * target_min
    fit_b = abs(b.duration_min - target_min) <= tolerance * target_min
    if fit_a != fit_b:
        return fit_a
    if not fit_a:
        return abs(a.duration_min - target_min) < abs(b.duration_min - target_min)
    return rank(a) > rank(b)


def rank(loop: Loop) -> tuple:
    """Among loops that fit the duration: not retracing first, then heritage, then least reuse."""
    return (loop.reuse_ratio <= MAX_REUSE, loop.heritage_stop_count, -loop.reuse_ratio)


def heritage_variant(setting: LoopSetting, rng: random.Random, penalty, used_seeds: list[int], target_min: float,
                      tolerance: float) -> Loop | None:
    clusters = setting.clusters()
    fillers = setting.fillers(rng)
    budget = setting.budget_s
    pool = [c for c in clusters if 0.15 * budget <= setting.times[c[0]] <= 0.5 * budget
            and c[0] not in used_seeds] or [c for c in clusters if c[0] not in used_seeds]
    seed = None
    if pool:
        top = sorted(pool, key=lambda c: -c[1])[:8]
        seed = rng.choices([c[0] for c in top], weights=[c[1] for c in top])[0]
    elif fillers:
        seed = rng.choice(fillers)
    if seed is None:
        return None
    used_seeds.append(seed)
    best = rescaled(lambda scale: setting.realise(plan(setting, seed, clusters, fillers, budget * scale), penalty),
                    target_min, tolerance, fill=True)
    return improve(setting, best, penalty, target_min, tolerance) if best is not None else None


def improve(setting: LoopSetting, loop: Loop, penalty, target_min: float, tolerance: float) -> Loop:
    """Local search on a realised loop: the heritage clusters it misses are tried one by one, cheapest
    estimated insertion per POI first (at most :data:`IMPROVE_TRIES`), each inserted where it adds least and
    paid for by dropping the stops that save most per POI lost (fillers first) until the estimate is back
    within the loop's; the realised result is kept when it is better (:func:`better`) with more heritage."""
    dwell = {n: d for n, _s, d in setting.clusters()}
    score = {n: len(setting.cluster_pois[n]) for n in dwell}
    tries = []
    for node in dwell:
        missed = len(setting.cluster_pois[node] - set(loop.stop_ids))
        if node not in loop.plan and missed:
            added, k = _cheapest_insertion(setting, loop.plan, node)
            tries.append(((added + dwell[node]) / missed, node, k))
    for _value, node, k in sorted(tries)[:IMPROVE_TRIES]:
        if node in loop.plan:
            continue
        nodes = loop.plan[:k] + [node] + loop.plan[k:]
        allowed = _tour_time(setting, loop.plan, dwell) + max(0.0, target_min - loop.duration_min) * 60.0
        while _tour_time(setting, nodes, dwell) > allowed and len(nodes) > 1:
            drops = [(score.get(n, 0) - 1e-9 * _saving(setting, nodes, i, dwell), i)
                     for i, n in enumerate(nodes) if n != node]
            nodes.pop(min(drops)[1])
        try:
            candidate = setting.realise(two_opt(setting, nodes), penalty)
        except NoPathError:
            continue
        if candidate.heritage_stop_count > loop.heritage_stop_count and better(candidate, loop, target_min,
                                                                                tolerance):
            loop = candidate
    return loop


def _cheapest_insertion(setting: LoopSetting, tour: list[int], node: int) -> tuple[float, int]:
    """``(added estimated seconds, position)`` of inserting ``node`` into ``tour`` where it adds least."""
    path = [setting.start, *tour, setting.start]
    est = setting.estimate
    return min((est(path[k], node) + est(node, path[k + 1]) - est(path[k], path[k + 1]), k)
               for k in range(len(path) - 1))


def _saving(setting: LoopSetting, tour: list[int], i: int, dwell: dict[int, float]) -> float:
    """Estimated seconds saved by dropping ``tour[i]``."""
    path = [setting.start, *tour, setting.start]
    est = setting.estimate
    a, n, b = path[i], path[i + 1], path[i + 2]
    return est(a, n) + est(n, b) - est(a, b) + dwell.get(n, 0.0)


def rescaled(attempt, target_min: float, tolerance: float, fill: bool = False) -> Loop | None:
    """The best of up to :data:`ROUNDS` loops ``attempt(scale)``, the scale corrected by the last loop's
    duration each round, stopping early when one fits within half the tolerance (or no path is found);
    ``fill`` (the heritage objective): not while it is shorter than the target, as the time left may
    hold more heritage."""
    best, scale = None, 1.0
    for _round in range(ROUNDS):
        try:
            loop = attempt(scale)
        except NoPathError:
            return best
        if better(loop, best, target_min, tolerance):
            best = loop
        if (abs(loop.duration_min - target_min) <= tolerance * target_min * 0.5
                and not (fill and loop.duration_min < target_min)):
            break
        scale *= target_min / max(loop.duration_min, 1.0)
    return best


def blind_variant(setting: LoopSetting, rng: random.Random, penalty, heading: float, target_min: float,
                   tolerance: float) -> Loop | None:
    """GraphHopper's round trip: two points at ``heading`` and ``heading + 60`` degrees, equal sides."""
    sx, sy = setting.graph.pos[setting.start]
    tree = shapely.STRtree(shapely.points(setting.xy))
    radius0 = setting.budget_s / setting.s_per_m / 3.0

    def attempt(scale: float) -> Loop:
        radius, nodes = radius0 * scale, []
        for angle in (heading, heading + math.pi / 3):
            p = shapely.points(sx + radius * math.sin(angle), sy + radius * math.cos(angle))
            nodes.append(int(setting.nodes[int(tree.query_nearest(p)[0])]))
        nodes = [n for k, n in enumerate(nodes) if n != setting.start and (k == 0 or n != nodes[k - 1])]
        return setting.realise(nodes, penalty)

    return rescaled(attempt, target_min, tolerance)


