"""Editor route: staff pick POIs, Balise routes a trail between them over the path network.

One page, ``/editor/trails/route``, plain HTML forms that work without JavaScript. The state of
the form (name, chosen POIs in order, loop, practice, search text) travels in the
query string (GET) or in hidden fields (POST); :func:`apply_action` edits the
chosen list (add, remove, move up or down) without storing anything. Only the
``create`` action stores: :func:`trails.routing.save_routed_trail` (unpublished)
and a ``create`` revision, in one transaction. Routing errors (fewer than two POIs,
a POI too far from the paths, no path, no network imported) are shown in the
form with the chosen list kept.

With JavaScript, ``static/route-editor.js`` adds a map of the POIs in view (asked
from ``/api/pois?bbox=``, at most :data:`MAP_LIMIT` at a time): a click on a marker
adds the POI to the chosen list, and the list's items can be dragged to reorder
them; both only edit the form, which is sent as without JavaScript.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.store import PoiStore, transaction
from trails.filter_params import format_duration
from trails.models import PRACTICES
from trails.routing import save_routed_trail
from webapp import db
from webapp.auth import login_required
from webapp.editor_blueprint import bp, user_name
from webapp.editor_history import record
from webapp.params import parse_id

#: Most POIs a routed trail may go through.
MAX_POIS = 50
#: Most POIs a search lists.
SEARCH_LIMIT = 20
#: Most POIs the map shows at a time (the API's ``limit``).
MAP_LIMIT = 300
MAX_NAME = 200
MAX_QUERY = 200


def read_ids(values: list[str]) -> list[int]:
    """The chosen POI ids, in order: non-numbers dropped, at most :data:`MAX_POIS`.

    >>> read_ids(["12", "x", " 7", "-3", "12"])
    [12, 7, 12]
    """
    ids = [n for n in map(parse_id, values) if n is not None]
    return ids[:MAX_POIS]


def apply_action(ids: list[int], action: str) -> list[int]:
    """The chosen list after one action: ``add:ID``, ``remove:INDEX``, ``up:INDEX`` or ``down:INDEX``.

    Unknown actions and indexes out of range leave the list as it is.

    >>> apply_action([1, 2, 3], "up:2"), apply_action([1, 2, 3], "down:0"), apply_action([1, 2, 3], "remove:1")
    ([1, 3, 2], [2, 1, 3], [1, 3])
    >>> apply_action([1, 2], "add:9"), apply_action([1, 2], "up:0"), apply_action([1, 2], "down:1")
    ([1, 2, 9], [1, 2], [1, 2])
    >>> apply_action([1, 2], "remove:x"), apply_action([1, 2], "search")
    ([1, 2], [1, 2])
    """
    verb, _sep, arg = action.partition(":")
    if (n := parse_id(arg)) is None:
        return ids
    ids = list(ids)
    if verb == "add" and len(ids) < MAX_POIS:
        ids.append(n)
    elif verb == "remove" and n < len(ids):
        del ids[n]
    elif verb == "up" and 0 < n < len(ids):
        ids[n - 1], ids[n] = ids[n], ids[n - 1]
    elif verb == "down" and n + 1 < len(ids):
        ids[n], ids[n + 1] = ids[n + 1], ids[n]
    return ids


def _state() -> dict:
    values = request.values
    ids = apply_action(read_ids(values.getlist("poi")), values.get("action", ""))
    practice = values.get("practice", "walking")
    return {"name": values.get("name", "").strip()[:MAX_NAME], "q": values.get("q", "").strip()[:MAX_QUERY],
            "loop": values.get("loop") == "1", "practice": practice if practice in PRACTICES else "walking",
            "ids": ids}


def _render(state: dict, error: str | None = None, status: int = 200):
    store = PoiStore(db.get_db())
    by_id = {p.id: p for p in store.get_many(dict.fromkeys(state["ids"]))}
    chosen = [(i, by_id[i]) for i in state["ids"] if i in by_id]
    state["ids"] = [i for i, _p in chosen]  # unknown ids (a deleted POI) are dropped
    results = store.find(text=state["q"], limit=SEARCH_LIMIT) if state["q"] else []
    return render_template("editor/route.html", form=state, chosen=chosen, results=results, error=error,
                           practices=PRACTICES, max_pois=MAX_POIS,
                           map_settings=_map_settings(store, [p for _i, p in chosen])), status


def _map_settings(store: PoiStore, chosen: list) -> dict:
    """What route-editor.js needs: the API, the tiles, the first view (the chosen POIs, else every POI)."""
    if chosen:
        lons, lats = [p.lon for p in chosen], [p.lat for p in chosen]
        bounds = (min(lons), min(lats), max(lons), max(lats))
    else:
        bounds = store.extent()
    return {"api": url_for("api.pois"), "limit": MAP_LIMIT, "max_pois": MAX_POIS, "bounds": bounds,
            "tiles": current_app.config["TILES_URL"], "attribution": current_app.config["TILES_ATTRIBUTION"],
            "added": _("{name} added to the list"), "full": _("The list is full ({n} POIs).", n=MAX_POIS),
            "moved": _("{name} moved to place {n}"),
            "capped": _("Only the first {n} POIs of this area are shown: zoom in to see the others.",
                        n=MAP_LIMIT)}


@bp.route("/trails/route", methods=["GET", "POST"])
@login_required
def route_trail_form():
    state = _state()
    if request.method == "GET" or request.form.get("action") != "create":
        return _render(state)
    if not state["name"]:
        return _render(state, _("give the trail a name"), 400)
    database = db.get_db()
    try:
        with transaction(database):
            trail = save_routed_trail(database, state["ids"], name=state["name"], loop=state["loop"],
                                      practice=state["practice"], publish=False)
            record(database, trail.id, user_name(), "create",
                   _("routed through {n} POIs", n=len(dict.fromkeys(state["ids"]))))
    except BaliseError as e:
        return _render(state, str(e), 400)
    flash(_("Trail routed: {km} km, about {duration}. Review the stops, then publish.",
            km=f"{trail.length_m / 1000:.1f}", duration=format_duration(trail.duration_min)))
    return redirect(url_for("editor.stops", trail_id=trail.id))
