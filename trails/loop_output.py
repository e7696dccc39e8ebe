"""Generated loops as trails, JSON and starts: what ``balise trail loop``, ``/api/loops`` and the editor share.

:func:`resolve_start` reads a start (``LAT,LON``, ``poi:ID`` or a town); :func:`loop_trail`
makes a measured trail of a :class:`trails.loops.Loop` (its computed duration is the cost
model's walking time); :func:`save_loop` stores it with its heritage stops as ``manual``;
:func:`loop_json` is the JSON of one variant (the DESIGN.md ``--json`` contract).
"""
from __future__ import annotations

from typing import Sequence

import sqlite_utils

from poi.i18n import gettext as _
from poi.store import PoiStore
from trails.loops import Loop, LoopError
from trails.metrics import detect_route_type
from trails.models import Trail


def loop_trail(loop: Loop, *, name: str, practice: str = "walking", themes: Sequence[str] = ()) -> Trail:
    """A measured (not stored) trail of a loop: its duration is the cost model's walking time."""
    from trails.assembly import measure

    trail = Trail(name=name, segments=[list(loop.coords)], practice=practice, themes=list(dict.fromkeys(themes)),
                  route_type="loop", source="generated",
                  extra={"loop": {"walking_min": round(loop.walking_min), "visit_min": loop.visit_min,
                                  "stop_ids": loop.stop_ids, "reuse_ratio": round(loop.reuse_ratio, 3)}})
    measure(trail)
    trail.duration_computed_min = round(loop.walking_min)
    if detect_route_type(trail.segments) != "loop":
        trail.route_type_measured = detect_route_type(trail.segments)
    return trail


def resolve_start(db: sqlite_utils.Database, text: str) -> tuple[float, float, str]:
    """``(lon, lat, label)`` of a start written ``LAT,LON``, ``poi:ID`` or a town's name.

    >>> from poi.store import open_db
    >>> resolve_start(open_db(":memory:"), "42.5063, 1.5215")
    (1.5215, 42.5063, '42.5063,1.5215')
    """
    from trails.filter_params import parse_lat_lon
    from trails.store import TrailStore
    from trails.towns import find_town, known_towns

    text = (text or "").strip()
    if text.lower().startswith("poi:"):
        ident = text[4:].strip()
        if not ident.isdigit():
            raise LoopError(_("write the start as poi:ID with a POI id (got {text})", text=repr(text)))
        poi = PoiStore(db).get(int(ident))  # NotFoundError when there is none
        return poi.lon, poi.lat, poi.name
    if text and (text[0].isdigit() or text[0] in "+-") and "," in text:
        lat, lon = parse_lat_lon(text)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise LoopError(_("the start {text} is not a latitude,longitude in degrees", text=repr(text)))
        return lon, lat, f"{lat:g},{lon:g}"
    town = find_town(known_towns(TrailStore(db)), text)
    return town.lon, town.lat, town.name


def save_loop(db: sqlite_utils.Database, loop: Loop, *, name: str, practice: str = "walking",
              themes: Sequence[str] = (), publish: bool = False, unlisted: bool = False,
              source_id: str = "") -> Trail:
    """Store a loop as a trail (its corridor's POIs attached, its heritage stops ``manual``), in one
    transaction; its computed duration stays the cost model's walking time. ``unlisted``: published
    but in no list (``/compose``); ``source_id``: the ``generated`` record it is (a save with the same
    one updates that trail). Returns the stored trail."""
    from poi.store import transaction
    from trails.assembly import save_trail
    from trails.store import TrailStore

    trail = loop_trail(loop, name=name, practice=practice, themes=themes)
    trail.published = bool(publish)
    trail.unlisted = bool(unlisted)
    trail.source_id = source_id
    walking_min = trail.duration_computed_min
    store = TrailStore(db)
    with transaction(db):
        save_trail(db, trail)
        trail.duration_computed_min = walking_min
        store.save(trail)
        for pid in loop.stop_ids:
            store.set_stop_status(trail.id, pid, "manual")
    return trail


def loop_json(loop: Loop, trail: Trail | None = None) -> dict:
    """The JSON of one variant (``balise trail loop --json``, ``/api/loops``).

    ``duration_min`` is what the loop was sized on and ``duration_with_visits_min`` the same figure:
    on foot the catalogue's walker's time (:func:`trails.duration.walker_min`: calibrated pace on the
    loop's length and climb, start and finish, the visit time at its heritage stops), otherwise the
    cost model's time plus the visits. ``walking_min``, ``start_end_min`` and ``visit_min`` are its parts;
    ``cost_model_min`` is the cost model's walking time (:mod:`trails.cost`, slope and terrain of each
    edge), the trail's computed walking time. ``fits`` says whether it is within the tolerance asked and
    ``note`` (when it is not, or when it walks much twice) says why."""
    walk, start_end, visits = loop.parts_min
    data = {"length_m": round(loop.length_m, 1), "duration_min": loop.duration_min,
            "duration_with_visits_min": loop.duration_min,
            "walking_min": walk, "start_end_min": start_end, "visit_min": visits,
            "cost_model_min": round(loop.walking_min),
            "ascent_m": trail.ascent_m if trail is not None else round(loop.ascent_m, 1),
            "descent_m": trail.descent_m if trail is not None else round(loop.descent_m, 1),
            "stop_ids": loop.stop_ids, "heritage_stop_count": loop.heritage_stop_count,
            "reuse_ratio": round(loop.reuse_ratio, 3),
            "geometry": {"type": "LineString", "coordinates": [
                [round(c[0], 6), round(c[1], 6)] + ([round(c[2], 1)] if c[2] is not None else [])
                for c in loop.coords]}}
    if trail is not None and trail.id is not None:
        data = {"id": trail.id, **data}
    data["fits"] = not loop.fit_note
    if loop.fit_note:
        data["fit_note"] = loop.fit_note
    if loop.reuse_note:
        data["reuse_note"] = loop.reuse_note
    return data


__all__ = ["loop_json", "loop_trail", "resolve_start", "save_loop"]
