"""The editor's change history: snapshots of a trail, what changed, and restoring a version.

Every change made in the editor runs through :func:`record` inside the same
transaction as the change itself, so a change is never stored without its
revision (or the other way round). A revision keeps who, when, the action, a
one-line summary of what changed and a full JSON snapshot of the trail *after*
the change:

``trail``
    every field of :class:`trails.models.Trail` except the trace, which the
    editor never changes; ``segments_sha256`` identifies the trace instead.
``stops``
    every stop, removed ones included (POI id and name, status, position,
    distance along, offset, trigger radius) with the POI's media list.
``segments``
    the trace itself, in the ``create`` and ``delete`` revisions only.

:func:`restore` re-applies the editable fields (:data:`EDITABLE`) and the stops
and media of a snapshot; the result is recorded as a new ``restore`` revision.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json

import sqlite_utils

from poi.errors import NotFoundError
from poi.i18n import gettext as _
from poi.models import Media
from poi.store import PoiStore, transaction
from poi.text import sanitize_html
from trails.models import Stop, Trail
from trails.store import TrailStore
from webapp.staff_store import Revision, StaffStore

#: Trail fields staff edit, in form order: the ones a restore puts back.
EDITABLE = ("name", "summary", "description", "themes", "practice", "route_type_override",
            "duration_override_min", "duration_override_reason", "difficulty_override",
            "difficulty_override_reason", "accessibility", "published")
#: English names of the fields, for the change summaries (translated when written).
FIELD_LABELS = {
    "name": "name", "summary": "summary", "description": "description", "themes": "themes",
    "practice": "practice", "route_type_override": "route type (set by staff)",
    "duration_override_min": "duration (set by staff)", "duration_override_reason": "reason for the duration",
    "difficulty_override": "difficulty (set by staff)", "difficulty_override_reason": "reason for the difficulty",
    "accessibility": "accessibility", "published": "published",
}
ACTIONS = ("create", "edit", "publish", "unpublish", "stops", "media", "restore", "delete")


def segments_sha256(trail: Trail) -> str:
    """A fingerprint of a trace (the snapshot keeps it instead of thousands of points).

    >>> t = Trail(name="t", segments=[[(3.0, 44.0, None), (3.0, 44.01, 500.0)]])
    >>> segments_sha256(t) == segments_sha256(Trail(name="other", segments=[[(3.0, 44.0, None), (3.0, 44.01, 500.0)]]))
    True
    """
    return hashlib.sha256(json.dumps(trail.segments).encode()).hexdigest()


def snapshot(db: sqlite_utils.Database, trail_id: int, *, with_segments: bool = False) -> dict:
    """The trail and all its stops as plain JSON-ready data (see the module docstring)."""
    trails = TrailStore(db)
    trail = trails.get(trail_id)
    fields = {f.name: getattr(trail, f.name) for f in dataclasses.fields(Trail) if f.name != "segments"}
    fields["segments_sha256"] = segments_sha256(trail)
    stops = trails.stops(trail_id, include_removed=True)
    pois = {p.id: p for p in PoiStore(db).get_many([s.poi_id for s in stops])}
    out = {"trail": fields, "stops": [
        {**dataclasses.asdict(s), "poi_name": pois[s.poi_id].name if s.poi_id in pois else "",
         "media": [m.to_dict() for m in pois[s.poi_id].media] if s.poi_id in pois else []}
        for s in stops]}
    if with_segments:
        out["segments"] = trail.segments
    return json.loads(json.dumps(out))  # tuples -> lists: the snapshot compares equal once stored


def changed_fields(before: dict | None, after: dict) -> list[str]:
    """The editable fields whose value differs between two snapshots' ``trail`` parts.

    >>> changed_fields({"name": "A", "themes": []}, {"name": "B", "themes": []})
    ['name']
    """
    before = before or {}
    return [f for f in EDITABLE if f in after and before.get(f) != after.get(f)]


def describe_fields(fields: list[str]) -> str:
    """A short sentence naming changed fields in the current language.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     describe_fields(["name", "duration_override_min"])
    'changed: name, duration (set by staff)'
    """
    if not fields:
        return _("no field changed")
    return _("changed: {fields}", fields=", ".join(_(FIELD_LABELS.get(f, f)) for f in fields))


def record(db: sqlite_utils.Database, trail_id: int, user: str, action: str, summary: str = "",
           *, before: dict | None = None) -> int:
    """Store a revision of ``trail_id`` as it is now; ``summary`` defaults to the fields changed since ``before``."""
    with_segments = action in ("create", "delete")
    after = snapshot(db, trail_id, with_segments=with_segments)
    if not summary:
        summary = describe_fields(changed_fields((before or {}).get("trail"), after["trail"]))
    return StaffStore(db).add_revision(trail_id, user, action, summary, after)


def restore(db: sqlite_utils.Database, revision: Revision, user: str) -> int:
    """Bring a trail back to a revision's fields, stops and media; returns the new revision's id.

    Stops the snapshot has get its status and radius back (and are attached again
    when they were deleted since); a hand-placed stop the snapshot does not have is
    marked ``removed``; automatic stops the corridor attached since are left to it.
    POIs deleted since are skipped.
    """
    data = revision.snapshot
    trails, pois = TrailStore(db), PoiStore(db)
    with transaction(db):
        before = snapshot(db, revision.trail_id)
        trail = trails.get(revision.trail_id)
        for name in EDITABLE:
            if name in data["trail"]:
                setattr(trail, name, data["trail"][name])
        trail.description = sanitize_html(trail.description)
        trail.published = bool(trail.published)
        trails.save(trail)
        _restore_stops(db, trail.id, data.get("stops", []))
        for s in data.get("stops", []):
            try:
                poi = pois.get(s["poi_id"])
            except NotFoundError:
                continue
            media = [Media.from_dict(m) for m in s.get("media", [])]
            if [m.to_dict() for m in poi.media] != [m.to_dict() for m in media]:
                pois.update_fields(poi.id, media=media)
        after = snapshot(db, trail.id)
        fields = changed_fields(before["trail"], after["trail"])
        stops_changed = before["stops"] != after["stops"]
        summary = _("restored the version of {at} (revision {id})", at=revision.at, id=revision.id)
        if fields or stops_changed:
            parts = [_(FIELD_LABELS[f]) for f in fields] + ([_("stops and media")] if stops_changed else [])
            summary += " — " + _("changed: {fields}", fields=", ".join(parts))
        return StaffStore(db).add_revision(trail.id, user, "restore", summary, after)


def _restore_stops(db: sqlite_utils.Database, trail_id: int, wanted: list[dict]) -> None:
    trails = TrailStore(db)
    current = {s.poi_id: s for s in trails.stops(trail_id, include_removed=True)}
    known_pois = {p.id for p in PoiStore(db).get_many([s["poi_id"] for s in wanted])}
    wanted_ids = set()
    for s in wanted:
        if s["poi_id"] not in known_pois:
            continue
        wanted_ids.add(s["poi_id"])
        now = current.get(s["poi_id"])
        if now is None:
            trails.upsert_stops([Stop(trail_id=trail_id, poi_id=s["poi_id"], distance_along_m=s["distance_along_m"],
                                      offset_m=s["offset_m"], position=s.get("position", 0), status=s["status"],
                                      trigger_radius_m=s.get("trigger_radius_m"), kind=s.get("kind"))])
            continue
        if now.status != s["status"]:
            trails.set_stop_status(trail_id, s["poi_id"], s["status"])
        if now.trigger_radius_m != s.get("trigger_radius_m"):
            trails.set_stop_trigger_radius(trail_id, s["poi_id"], s.get("trigger_radius_m"))
        if now.kind != s.get("kind"):
            trails.set_stop_kind(trail_id, s["poi_id"], s.get("kind"))
    for poi_id, stop in current.items():
        if poi_id not in wanted_ids and stop.status == "manual":
            trails.set_stop_status(trail_id, poi_id, "removed")
    # the snapshot's order; the walking order (by distance) when that is what the snapshot had
    kept = [s for s in wanted if s["poi_id"] in wanted_ids]
    order = [s["poi_id"] for s in sorted(kept, key=lambda s: s.get("position", 0))]
    walking = [s["poi_id"] for s in sorted(kept, key=lambda s: s["distance_along_m"])]
    if order == walking:
        trails.set_stop_order(trail_id, None)
    elif [s.poi_id for s in trails.stops(trail_id, include_removed=True) if s.poi_id in wanted_ids] != order:
        trails.set_stop_order(trail_id, order)
