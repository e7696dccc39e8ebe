"""Editor routes for a trail's stops (a POI's media: :mod:`webapp.editor_media`).

Stops: listed by kind (story stops, then services, :mod:`trails.curation`), with counts;
accept the proposed ones or refuse the automatic ones of a kind in one go (:func:`decide_by_kind`);
make one stop a story or a service whatever its category (``TrailStore.set_stop_kind``);
add a POI (found with the search box, or picked among the nearby POIs
shown on the map), remove it (status ``removed``: :func:`trails.corridor.attach_stops`
never brings it back), restore it (status ``manual``), set its trigger radius
(``TrailStore.set_stop_trigger_radius``; under :data:`trails.triggers.MIN_RADIUS_M` a walker's GPS
cannot fire it, so it is refused), move its trigger point along the trail
(``TrailStore.set_stop_trigger_along``; the map shows every stop's trigger zone), move it up or down the list
(``TrailStore.set_stop_order``: the staff order is kept when the corridor attaches
stops again, new stops go last).
"""
from __future__ import annotations

import sqlite_utils
import folium
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import escape

from poi.errors import BaliseError, NotFoundError
from poi.i18n import gettext as _
from poi.store import PoiStore, transaction
from trails.corridor import find_stops
from trails.errors import TraceError
from trails.curation import score
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore
from trails.triggers import MIN_RADIUS_M as FIREABLE_RADIUS_M, check_trigger_along, triggers
from webapp import db, maps
from webapp.auth import login_required
from webapp.csrf import csrf_field
from webapp.editor_blueprint import bp, poi_or_404, trail_or_404, user_name
from webapp.editor_history import record, snapshot
from webapp.params import parse_id

#: POIs this close to the trace (metres) are offered on the stops page and its map.
NEARBY_M = 500.0
#: A POI farther than this from the trace (metres) cannot be a stop.
MAX_STOP_DISTANCE_M = 50_000.0
MIN_RADIUS_M, MAX_RADIUS_M = FIREABLE_RADIUS_M, 1000.0
#: Colour of the trigger zones on the editor's map.
TRIGGER_COLOUR = "#b45309"


class StopError(BaliseError, ValueError):
    """A stop change the editor cannot make; the message says why."""


class _OnePoi:
    """A POI store holding one POI: :func:`find_stops` then measures that POI against the trace only."""

    def __init__(self, store: PoiStore, poi_id: int):
        self.poi = store.get(poi_id)

    def points_in_bbox(self, min_lon, min_lat, max_lon, max_lat):
        p = self.poi
        inside = min_lon <= p.lon <= max_lon and min_lat <= p.lat <= max_lat
        return [(p.id, p.lon, p.lat)] if inside else []

    def get_many(self, ids):
        return [self.poi] if self.poi.id in set(ids) else []


def add_stop(database: sqlite_utils.Database, trail: Trail, poi_id: int) -> Stop:
    """Make a POI a ``manual`` stop of ``trail``, placed along the trace like the corridor places them."""
    try:
        one = _OnePoi(PoiStore(database), poi_id)
    except NotFoundError as e:
        raise StopError(_("there is no POI with id {id}", id=poi_id)) from e
    found = find_stops(trail, one, width_m=MAX_STOP_DISTANCE_M)
    if not found:
        raise StopError(_("“{name}” is more than {km} km from the trace: it cannot be a stop of this trail",
                          name=one.poi.name, km=int(MAX_STOP_DISTANCE_M // 1000)))
    c = found[0]
    stop = Stop(trail_id=trail.id, poi_id=poi_id, distance_along_m=round(c.distance_along_m, 2),
                offset_m=round(c.offset_m, 2), status="manual")
    trails = TrailStore(database)
    with transaction(database):
        existing = {s.poi_id: s for s in trails.stops(trail.id, include_removed=True)}
        if poi_id in existing:
            trails.set_stop_status(trail.id, poi_id, "manual")
        else:
            trails.upsert_stops([stop])
    return stop


#: What staff may decide for all the stops of one kind at once.
BULK_ACTIONS = ("accept", "refuse")


def decide_by_kind(database: sqlite_utils.Database, trail_id: int, kind: str, action: str) -> int:
    """Accept (``manual``) the ``proposed`` stops of a kind, or refuse (``removed``) the automatic and
    proposed ones; staff's own stops are left as they are. Returns how many stops changed."""
    if kind not in ("story", "service"):
        raise StopError(_("choose story stops or services"))
    if action not in BULK_ACTIONS:
        raise StopError(_("choose to accept or to refuse"))
    trails = TrailStore(database)
    stops = trails.stops(trail_id, include_removed=True)
    pois = {p.id: p for p in PoiStore(database).get_many([s.poi_id for s in stops])}
    wanted = ("proposed",) if action == "accept" else ("auto", "proposed")
    changed = [s for s in stops if s.poi_id in pois and s.status in wanted and TrailStop(s, pois[s.poi_id]).kind == kind]
    with transaction(database):
        for s in changed:
            trails.set_stop_status(trail_id, s.poi_id, "manual" if action == "accept" else "removed")
    return len(changed)


def set_stop_radius(database: sqlite_utils.Database, trail_id: int, poi_id: int, radius_m: float | None) -> None:
    """Give one stop its own trigger radius (``None``: the POI's own, else its category's default)."""
    TrailStore(database).set_stop_trigger_radius(trail_id, poi_id, radius_m)


def moved_order(poi_ids: list[int], poi_id: int, direction: str) -> list[int]:
    """The stop order after moving ``poi_id`` one place ``up`` (earlier) or ``down`` (later).

    >>> moved_order([7, 3, 9], 9, "up"), moved_order([7, 3, 9], 7, "down")
    ([7, 9, 3], [3, 7, 9])
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     moved_order([7, 3, 9], 7, "up")
    Traceback (most recent call last):
    ...
    webapp.editor_stops.StopError: this stop is already the first one
    """
    if direction not in ("up", "down"):
        raise StopError(_("choose to move the stop up or down"))
    if poi_id not in poi_ids:
        raise StopError(_("POI {id} is not a stop of this trail", id=poi_id))
    i = poi_ids.index(poi_id)
    j = i - 1 if direction == "up" else i + 1
    if j < 0:
        raise StopError(_("this stop is already the first one"))
    if j >= len(poi_ids):
        raise StopError(_("this stop is already the last one"))
    order = list(poi_ids)
    order[i], order[j] = order[j], order[i]
    return order


def move_stop(database: sqlite_utils.Database, trail_id: int, poi_id: int, direction: str) -> list[int]:
    """Move a stop one place up or down the trail's list (removed stops keep their place too); returns the order."""
    trails = TrailStore(database)
    order = moved_order([s.poi_id for s in trails.stops(trail_id, include_removed=True)], poi_id, direction)
    trails.set_stop_order(trail_id, order)
    return order


def _metres(text: str, error) -> float | None:
    """A number of metres from a form field (a decimal comma is fine); None when empty."""
    raw = (text or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as e:
        raise StopError(error(raw)) from e


def parse_radius(text: str) -> float | None:
    """A trigger radius from a form field: empty for the default, else 20-1000 metres (under 20 m,
    GPS positions that wander by ~10 m would not fire it for a walker on the trail).

    >>> parse_radius(""), parse_radius("40"), parse_radius("35,5")
    (None, 40.0, 35.5)
    """
    value = _metres(text, lambda raw: _("the trigger radius must be a number of metres, not {value!r}", value=raw))
    if value is None:
        return None
    if not MIN_RADIUS_M <= value <= MAX_RADIUS_M:
        raise StopError(_("the trigger radius must be between {min} and {max} m: under {min} m a walker's GPS "
                          "cannot fire it", min=int(MIN_RADIUS_M), max=int(MAX_RADIUS_M)))
    return value


def parse_trigger_along(trail: Trail, text: str) -> float | None:
    """Where staff put a stop's trigger point, in metres along the trail: empty for automatic.

    >>> parse_trigger_along(Trail(name="t", segments=[[(3.0, 44.0), (3.0, 44.01)]]), "250,5")
    250.5
    """
    value = _metres(text, lambda raw: _("the trigger point must be a number of metres along the trail, not "
                                        "{value!r}", value=raw))
    if value is None:
        return None
    try:
        return check_trigger_along(trail, value)
    except TraceError as e:
        raise StopError(str(e)) from e


# -- pages ------------------------------------------------------------------------------------
def _stops_map(trail: Trail, stops, nearby, zones=()) -> maps.MapParts:
    """The trail's map with its stops and their trigger zones (a circle of the trigger radius around the
    trigger point, a dashed line to the POI when the point is on the trail), plus the nearby POIs as small
    markers with an "Add" button."""
    m = maps.build_trail_map(
        trail, stops, tiles_url=current_app.config["TILES_URL"],
        tiles_attribution=current_app.config["TILES_ATTRIBUTION"],
        leaflet_js=url_for("leaflet.static", filename="leaflet.js"),
        leaflet_css=url_for("leaflet.static", filename="leaflet.css"))
    for (stop, poi), t in zones:
        where = maps.latlon(t.lon, t.lat)
        folium.Circle(where, radius=t.radius_m, color=TRIGGER_COLOUR, weight=2, fill=True, fill_opacity=0.15,
                      tooltip=_("Trigger zone of “{name}”: {r} m", name=poi.name, r=f"{t.radius_m:g}"),
                      class_name="trigger-zone").add_to(m)
        if t.on_trail:
            folium.PolyLine([where, maps.latlon(poi.lon, poi.lat)], color=TRIGGER_COLOUR, weight=2,
                            dash_array="4 6").add_to(m)
    action = url_for("editor.stop_add", trail_id=trail.id)
    for poi, distance_m in nearby:
        marker = folium.CircleMarker(maps.latlon(poi.lon, poi.lat), radius=7, color="#0040c1", weight=2,
                                     fill=True, fill_color="#fff", fill_opacity=1)
        form = (f'<form method="post" action="{escape(action)}">{csrf_field()}'
                f'<input type="hidden" name="poi_id" value="{poi.id}">'
                f'<strong>{escape(poi.name)}</strong><br>{escape(_("{n} m from the trace", n=round(distance_m)))}<br>'
                f'<button type="submit">{escape(_("Add as a stop"))}</button></form>')
        marker.add_child(maps.JsPopup(form))
        marker.add_to(m)
    return maps.render_parts(m)


@bp.route("/trails/<int:trail_id>/stops")
@login_required
def stops(trail_id: int):
    trail = trail_or_404(trail_id)
    trails, pois = db.trails(), db.pois()
    all_stops = trails.stops(trail_id, include_removed=True)
    by_id = {p.id: p for p in pois.get_many([s.poi_id for s in all_stops])}
    pairs = [TrailStop(s, by_id[s.poi_id]) for s in all_stops if s.poi_id in by_id]
    rows = [(s, poi, t) for (s, poi), t in zip(pairs, triggers(trail, pairs))]
    groups = _groups(rows)
    taken = {s.poi_id for s in all_stops}
    candidates = [c for c in find_stops(trail, pois, width_m=NEARBY_M) if c.poi_id not in taken][:200]
    near_pois = {p.id: p for p in pois.get_many([c.poi_id for c in candidates])}
    nearby = [(near_pois[c.poi_id], c.distance_m) for c in candidates if c.poi_id in near_pois]
    query = request.args.get("q", "").strip()[:200]
    results = [p for p in pois.search(query, limit=30) if p.id not in taken] if query else []
    shown = trails.stops_with_pois(trail_id)
    zones = [(item, t) for item, t in zip(pairs, (r[2] for r in rows)) if item.stop.status != "removed"]
    moved = parse_id(request.args.get("moved", ""))
    direction = request.args.get("direction") if request.args.get("direction") in ("up", "down") else None
    return render_template("editor/stops.html", trail=trail, rows=rows, groups=groups, nearby=nearby, query=query,
                           results=results, map=_stops_map(trail, shown, nearby, zones), nearby_m=int(NEARBY_M),
                           moved=moved, direction=direction, min_radius=int(MIN_RADIUS_M))


def _groups(rows):
    """The stops by kind (story first), each with its counts by status; proposed stops best first
    (:func:`trails.curation.score`), the others in the visitors' order. Each row knows whether it is the
    first or the last of the whole list (the move buttons work on the whole order)."""
    last = len(rows) - 1
    out = []
    for kind in ("story", "service"):
        members = [(s, p, t, i == 0, i == last, i) for i, (s, p, t) in enumerate(rows)
                   if TrailStop(s, p).kind == kind]
        members.sort(key=lambda m: (1, -score(m[1], abs(m[0].offset_m)), m[5]) if m[0].status == "proposed"
                     else (0, 0.0, m[5]))
        counts = {st: sum(1 for m in members if m[0].status == st) for st in ("auto", "manual", "proposed", "removed")}
        out.append({"kind": kind, "rows": members, "counts": counts,
                    "live": counts["auto"] + counts["manual"]})
    return out


def _stop_change(trail_id: int, change, summary: str, *, back: str | None = None):
    """Run ``change(database)`` and record it as a ``stops`` revision, in one transaction.

    ``back``: where to go afterwards (the stops list by default)."""
    database = db.get_db()
    try:
        with transaction(database):
            before = snapshot(database, trail_id)
            change(database)
            record(database, trail_id, user_name(), "stops", summary, before=before)
    except (StopError, NotFoundError) as e:
        flash(str(e), "error")
    else:
        flash(summary)
    return redirect(back or url_for("editor.stops", trail_id=trail_id) + "#stops")


@bp.route("/trails/<int:trail_id>/stops/add", methods=["POST"])
@login_required
def stop_add(trail_id: int):
    trail = trail_or_404(trail_id)
    poi_id = parse_id(request.form.get("poi_id", ""))
    if poi_id is None:
        abort(400, _("choose a POI to add"))
    name = poi_or_404(poi_id).name
    return _stop_change(trail_id, lambda d: add_stop(d, trail, poi_id), _("added the stop “{name}”", name=name))


@bp.route("/trails/<int:trail_id>/stops/<int:poi_id>/status", methods=["POST"])
@login_required
def stop_status(trail_id: int, poi_id: int):
    trail_or_404(trail_id)
    name = poi_or_404(poi_id).name
    if request.form.get("status") == "removed":
        return _stop_change(trail_id, lambda d: TrailStore(d).set_stop_status(trail_id, poi_id, "removed"),
                            _("removed the stop “{name}”", name=name))
    return _stop_change(trail_id, lambda d: TrailStore(d).set_stop_status(trail_id, poi_id, "manual"),
                        _("restored the stop “{name}”", name=name))


@bp.route("/trails/<int:trail_id>/stops/<int:poi_id>/kind", methods=["POST"])
@login_required
def stop_kind(trail_id: int, poi_id: int):
    """Make a stop a story stop or a service whatever its category ("": back to its category's)."""
    trail_or_404(trail_id)
    name = poi_or_404(poi_id).name
    kind = request.form.get("kind", "") or None
    if kind not in (None, "story", "service"):
        abort(400, _("choose story stops or services"))
    text = {None: _("“{name}”: kind from its category", name=name),
            "story": _("“{name}” is now a story stop", name=name),
            "service": _("“{name}” is now a service", name=name)}[kind]
    return _stop_change(trail_id, lambda d: TrailStore(d).set_stop_kind(trail_id, poi_id, kind), text)


@bp.route("/trails/<int:trail_id>/stops/bulk", methods=["POST"])
@login_required
def stops_bulk(trail_id: int):
    """Accept every proposed stop of a kind, or refuse every automatic one, in one revision."""
    trail_or_404(trail_id)
    kind, action = request.form.get("kind", ""), request.form.get("action", "")
    if kind not in ("story", "service") or action not in BULK_ACTIONS:
        abort(400, _("choose to accept or to refuse story stops or services"))
    text = {("story", "accept"): _("accepted the proposed story stops"),
            ("story", "refuse"): _("refused the automatic story stops"),
            ("service", "accept"): _("accepted the proposed services"),
            ("service", "refuse"): _("refused the automatic services")}[(kind, action)]
    return _stop_change(trail_id, lambda d: decide_by_kind(d, trail_id, kind, action), text)


@bp.route("/trails/<int:trail_id>/stops/<int:poi_id>/radius", methods=["POST"])
@login_required
def stop_radius(trail_id: int, poi_id: int):
    trail_or_404(trail_id)
    name = poi_or_404(poi_id).name
    try:
        radius = parse_radius(request.form.get("trigger_radius_m", ""))
    except StopError as e:
        flash(str(e), "error")
        return redirect(url_for("editor.stops", trail_id=trail_id) + "#stops")
    text = (_("trigger radius of “{name}”: {r} m", name=name, r=f"{radius:g}") if radius is not None
            else _("trigger radius of “{name}”: default", name=name))
    return _stop_change(trail_id, lambda d: set_stop_radius(d, trail_id, poi_id, radius), text)


@bp.route("/trails/<int:trail_id>/stops/<int:poi_id>/trigger", methods=["POST"])
@login_required
def stop_trigger(trail_id: int, poi_id: int):
    """Move a stop's trigger point along the trail (empty: back to automatic)."""
    trail = trail_or_404(trail_id)
    name = poi_or_404(poi_id).name
    try:
        along = parse_trigger_along(trail, request.form.get("trigger_along_m", ""))
    except StopError as e:
        flash(str(e), "error")
        return redirect(url_for("editor.stops", trail_id=trail_id) + "#stops")
    text = (_("trigger point of “{name}”: {m} m along the trail", name=name, m=f"{along:.0f}") if along is not None
            else _("trigger point of “{name}”: automatic", name=name))
    return _stop_change(trail_id, lambda d: TrailStore(d).set_stop_trigger_along(trail_id, poi_id, along), text)


@bp.route("/trails/<int:trail_id>/stops/<int:poi_id>/move", methods=["POST"])
@login_required
def stop_move(trail_id: int, poi_id: int):
    """Move a stop up or down; the page comes back with focus on the same button (``autofocus``, no script)."""
    trail_or_404(trail_id)
    name = poi_or_404(poi_id).name
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400, _("choose to move the stop up or down"))
    text = (_("moved the stop “{name}” up", name=name) if direction == "up"
            else _("moved the stop “{name}” down", name=name))
    # no #fragment: browsers skip autofocus when the URL has one
    back = url_for("editor.stops", trail_id=trail_id, moved=poi_id, direction=direction)
    return _stop_change(trail_id, lambda d: move_stop(d, trail_id, poi_id, direction), text, back=back)
