"""Why a generated loop walks much of itself twice, or misses the duration asked: the notes of
:func:`trails.loops.generate_loops` (described in :mod:`trails.loops`).

:func:`reuse_note` names the part of the network that forces the reuse (the start in a
cul-de-sac, a dead end or single path: the bridges of the network, Tarjan's, from
:mod:`trails.routing_cache`; else the piece walked most twice and how much longer the
network's other way between its ends is). :func:`fit_note` says why a loop is not within
the tolerance. Both are in the language of the request (:mod:`poi.i18n`).
"""
from __future__ import annotations

from poi.i18n import gettext as _
from trails.filter_params import format_duration
from trails.loop_setting import MAX_REUSE, Loop, LoopSetting
from trails.routing_cache import bridge_edges, core_nodes


def start_cut_off(setting: LoopSetting) -> bool:
    """Whether the start is in a cul-de-sac: on a path that is the only way between two parts of the
    network (a bridge, Tarjan's), or in a part too small to turn in (no node of
    :func:`trails.routing_cache.core_nodes` at its edge's ends); every loop from it walks back."""
    foot = setting.graph.feet[0] if setting.graph.feet else None
    if foot is None:
        return False
    edge = setting.graph.edges[foot.edge]
    core = core_nodes(setting.graph)
    return foot.edge in bridge_edges(setting.graph) or not ({edge.from_node, edge.to_node} & core)

def _forced_m(setting: LoopSetting, loop: Loop) -> tuple[float, str]:
    """Metres ``loop`` walks twice on bridges, and the name of the longest such path ("" if unnamed)."""
    bridges = bridge_edges(setting.graph)
    on_bridges = [(m, setting.graph.pieces[p].edge) for p, m in loop.again.items()
                  if setting.graph.pieces[p].edge in bridges]
    if not on_bridges:
        return 0.0, ""
    longest = max(on_bridges)[1]
    return sum(m for m, _e in on_bridges), str((setting.graph.edges[longest].tags or {}).get("name") or "")

def _detour(setting: LoopSetting, loop: Loop, skip_bridges: bool = False) -> tuple[float, float, str] | None:
    """For the piece ``loop`` walks most twice (not a bridge): ``(metres walked twice on it, metres the
    network's other way between its ends is longer, its name)``; None when there is no other way."""
    bridges = bridge_edges(setting.graph) if skip_bridges else set()
    candidates = [p for p in loop.again if setting.graph.pieces[p].edge not in bridges]
    if not candidates:
        return None
    piece = max(candidates, key=lambda p: (loop.again[p], p))
    if "_piece_ends" not in setting.__dict__:
        setting._piece_ends = {}
        for node, links in setting.graph.adj.items():
            for other, _cost, p, forward in links:
                if forward:
                    setting._piece_ends[p] = (node, other)
    ends = setting._piece_ends.get(piece)
    if ends is None or ends[0] == ends[1]:
        return None
    found = setting.graph.search({ends[0]: 0.0}, {ends[1]}, {piece: 1e6}).get(ends[1])
    if found is None or any(p == piece for p, _f in found[1]):
        return None
    other_m = sum(setting.graph.pieces[p].length_m for p, _f in found[1])
    own = setting.graph.pieces[piece]
    return loop.again[piece], other_m - own.length_m, str((setting.graph.edges[own.edge].tags or {}).get("name") or "")

def reuse_note(setting: LoopSetting, loop: Loop) -> str:
    """Why ``loop`` walks more than :data:`MAX_REUSE` of its length twice ("" when it does not): the part
    of the network that forces it: the start in a cul-de-sac, a dead end or a single path (a bridge) on
    the way, else the path it walks most twice and how much longer the network's other way round it is."""
    if loop.reuse_ratio <= MAX_REUSE:
        return ""
    share = round(100 * loop.reuse_ratio)
    forced, name = _forced_m(setting, loop)
    again = sum(loop.again.values())
    if forced > 0 and start_cut_off(setting):
        note = _("{share} % of the loop is walked twice: the start is in a cul-de-sac, and {metres} m of "
                 "paths that are the only way in and out lead from it to the rest of the network, so the "
                 "network leaves no choice", share=share, metres=round(forced))
    elif forced >= 0.5 * again and name:
        note = _("{share} % of the loop is walked twice: {metres} m of it on paths that are the only way in "
                 "and out (a dead end, or a single path between two parts of the network: {name}), so the "
                 "network leaves no choice", share=share, metres=round(forced), name=name)
    elif forced >= 0.5 * again:
        note = _("{share} % of the loop is walked twice: {metres} m of it on paths that are the only way in "
                 "and out (a dead end, or a single path between two parts of the network), so the network "
                 "leaves no choice", share=share, metres=round(forced))
    else:
        detour = _detour(setting, loop)
        if detour is None:
            return _("{share} % of the loop is walked twice: around the start, no loop of this duration was "
                     "found that avoids it on the imported network (try another duration or start)", share=share)
        return _("{share} % of the loop is walked twice: {reason}", share=share, reason=_detour_text(detour))
    if forced < 0.5 * again:  # bridges explain only part of it: say where the rest is
        detour = _detour(setting, loop, skip_bridges=True)
        if detour is not None:
            note += ". " + _("Beyond that, {reason}", reason=_detour_text(detour))
    return note

def _detour_text(detour: tuple[float, float, str]) -> str:
    metres, longer_m, name = detour
    values = {"metres": round(metres), "km": f"{longer_m / 1000:.1f}"}
    if name:
        return _("the longest stretch walked twice is {metres} m on {name}, and the network's other way round it "
                 "is {km} km longer, more than this duration allows", name=name, **values)
    return _("the longest stretch walked twice is {metres} m on one path, and the network's other way round it "
             "is {km} km longer, more than this duration allows", **values)

def fit_note(setting: LoopSetting, loop: Loop, target_min: float, tolerance: float, another_fits: bool = False) -> str:
    """Why ``loop`` is not within ``tolerance`` of ``target_min`` ("" when it is): dead ends or single
    paths walked out and back, longer than the tolerance's share of the loop (loops come in a few
    lengths), else no shorter round around the start, or no longer one within reach; ``another_fits``:
    another variant of the request fits, this one had to differ from it."""
    if abs(loop.duration_min - target_min) <= tolerance * target_min:
        return ""
    values = {"tolerance": round(100 * tolerance), "target": format_duration(round(target_min)),
              "duration": format_duration(loop.duration_min)}
    if another_fits:  # the network has a loop of this duration: this variant had to differ from it
        return _("no other loop within {tolerance} % of {target} was found that shares at most half its length "
                 "with the others: the nearest lasts {duration}", **values)
    forced = _forced_m(setting, loop)[0]
    if forced > 0 and forced >= tolerance * loop.length_m:  # out and back on it: lengths jump past the window
        return _("no loop within {tolerance} % of {target} was found: the nearest lasts {duration}; it walks "
                 "{metres} m of dead-end or single paths out and back (the only way in and out), so the loops "
                 "from here come in a few lengths only", metres=round(forced), **values)
    if loop.duration_min > target_min:
        return _("no loop within {tolerance} % of {target} was found: the nearest lasts {duration}; the paths "
                 "around the start form no shorter round (try a longer duration or another start)", **values)
    return _("no loop within {tolerance} % of {target} was found: the nearest lasts {duration}; the paths within "
             "reach of the start form no longer round (a small or cut-off network: try a shorter duration, "
             "or import a larger extract)", **values)


__all__ = ["fit_note", "reuse_note", "start_cut_off"]
