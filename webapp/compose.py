"""``/compose``: a visitor composes a loop of the duration they have, through the most heritage.

``GET /compose`` is a plain form (a town from the catalogue's towns, a point typed or given
by "near me", or a POI: ``?poi=ID``; duration; themes; practice). Once filled, the page shows
up to three variants of :func:`trails.loops.generate_loops` with their figures (length,
duration with visits, D+, heritage stops, share walked twice, and the notes saying why a
variant misses the duration or walks much twice; above them the request's note when none
fits) and stops, composed through
:func:`webapp.loops_api.cached_loops` (the cache and the ``LOOPS_MAX_PER_HOUR`` limit of
``/api/loops``). Without JavaScript that is the page; with it, ``compose.js`` draws the variants
on a Leaflet map (our own copy) and "near me" fills the point.

"Take this one" (``POST /compose/take``, CSRF like every form, and at most
``COMPOSE_MAX_PER_HOUR`` new circuits an hour per address, counted like feedback) composes the
same request again (same seed: same loops) and stores the chosen variant as a published but
**unlisted** circuit (:attr:`trails.models.Trail.unlisted`: in no catalogue, API list, sitemap or
POI page), then redirects to its circuit page (GPX, offline bundle, QR code). The circuit is the
``generated`` record of the variant's parameters, seed and the state of the network and POIs:
taking the same variant again opens the same circuit and composes nothing.
"""
from __future__ import annotations

import hashlib
import time

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for

from poi.categories import THEMES, theme_label
from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.network.store import NetworkStore
from poi.store import PoiStore
from trails.filter_params import format_duration, parse_duration_min
from trails.loop_output import resolve_start, save_loop
from trails.loops import generate_loops
from trails.models import PRACTICES
from trails.towns import town_names
from webapp import db
from webapp.feedback import client_key
from webapp.feedback_store import FeedbackStore
from webapp.loops_api import MAX_VARIANTS, WINDOW_S, cached_loops

bp = Blueprint("compose", __name__)

DURATIONS = ("1h", "1h30", "2h", "3h", "4h")
MAX_TEXT = 200


class ComposeError(BaliseError, ValueError):
    """The form cannot be read: the reason is shown beside it (400)."""


def read_form(values) -> dict:
    """The form's fields as given (trimmed), for redisplay."""
    seed = (values.get("seed") or "0").strip()
    return {"town": (values.get("town") or "").strip()[:MAX_TEXT], "near": (values.get("near") or "").strip()[:60],
            "poi": (values.get("poi") or "").strip()[:12], "duration": (values.get("duration") or "2h").strip()[:20],
            "themes": [t for t in values.getlist("theme") if t in THEMES],
            "practice": values.get("practice") or "walking", "seed": seed}


def request_key(form: dict) -> tuple:
    """The key of :func:`webapp.loops_api.request_key` for the form (:class:`ComposeError` says what is wrong)."""
    if form["poi"]:
        start = "poi:" + form["poi"]
    elif form["near"]:
        start = form["near"]
    elif form["town"]:
        start = form["town"]
    else:
        raise ComposeError(_("choose where to start: a town, a point or near me"))
    if form["practice"] not in PRACTICES:
        raise ComposeError(_("unknown practice {value!r}", value=form["practice"]))
    if not form["seed"].isdigit() or len(form["seed"]) > 9:
        raise ComposeError(_("seed must be a whole number from {low} to {high}, not {value!r}",
                             low=0, high=10**9, value=form["seed"]))
    minutes = parse_duration_min(form["duration"])
    return (start, minutes, 0.15, tuple(sorted(set(form["themes"]))), form["practice"], MAX_VARIANTS, "heritage",
            int(form["seed"]))


def _start_poi(form: dict) -> str:
    """The name of the POI the form starts from ("" when none or unknown)."""
    try:
        return PoiStore(db.get_db()).get(int(form["poi"])).name if form["poi"].isdigit() else ""
    except BaliseError:
        return ""


def _page(form: dict, status: int = 200, **context):
    context.setdefault("answer", None)
    context["start_poi"] = _start_poi(form)
    context.setdefault("error", "")
    return render_template("public/compose.html", form=form, durations=DURATIONS, practices=PRACTICES,
                           themes=[(code, theme_label(code)) for code in THEMES], towns=town_names(db.trails()),
                           **context), status


def _limited(minutes: int):
    return _("too many loops asked from this address: try again in {minutes} min", minutes=minutes)


@bp.route("/compose")
def compose_page():
    form = read_form(request.args)
    if not set(request.args) - {"lang"}:  # the empty form; once submitted, a missing start is a 400
        return _page(form)
    database = db.get_db()
    try:
        key = request_key(form)
        answer, wait_s = cached_loops(database, key, client_key("loops:" + (request.remote_addr or "-")))
    except BaliseError as e:
        return _page(form, 400, error=str(e))
    if answer is None:
        page, _status = _page(form, 429, error=_limited(int(-(-wait_s // 60))))
        return page, 429, {"Retry-After": str(int(wait_s) + 1)}
    ids = {pid for found in answer["loops"] for pid in found["stop_ids"]}
    pois = {p.id: p for p in PoiStore(database).get_many(sorted(ids))}
    return _page(form, answer=answer, pois=pois, map_data=_map_data(answer, pois),
                 more_url=url_for("compose.compose_page", **{**request.args.to_dict(flat=False),
                                                              "seed": str(key[-1] + 1)}))


def _map_data(answer: dict, pois: dict) -> dict:
    """What compose.js draws: the start, each variant's line and its stops."""
    return {"start": answer["start"], "tiles": current_app.config.get("TILES_URL") or "",
            "attribution": current_app.config.get("TILES_ATTRIBUTION") or "",
            "loops": [{"coordinates": [c[:2] for c in found["geometry"]["coordinates"]],
                       "stops": [{"lon": pois[i].lon, "lat": pois[i].lat, "name": pois[i].name}
                                 for i in found["stop_ids"] if i in pois]} for found in answer["loops"]]}


def variant_source_id(database, key: tuple, index: int) -> str:
    """The ``source_id`` of the circuit a variant becomes: its request, its index, the network and POIs' state."""
    pois = db.trails().communes_revision()[1:]  # POIs' count and last id (not the trails': takes add trails)
    state = repr((key, index, NetworkStore(database).revision(), pois))
    return "compose-" + hashlib.sha256(state.encode()).hexdigest()[:32]


@bp.route("/compose/take", methods=["POST"])
def take():
    form = read_form(request.form)
    database = db.get_db()
    index = (request.form.get("variant") or "").strip()
    try:
        key = request_key(form)
        if not index.isdigit() or int(index) >= MAX_VARIANTS:
            raise ComposeError(_("choose one of the loops shown"))
        source_id = variant_source_id(database, key, int(index))
        existing = db.trails().find("generated", source_id)
        if existing is not None:
            return redirect(url_for("public.trail_page", trail_id=existing, **_lang()), 303)
        limit = int(current_app.config["COMPOSE_MAX_PER_HOUR"])
        wait_s = FeedbackStore(database).take_slot(client_key("compose:" + (request.remote_addr or "-")),
                                                   limit=limit, window_s=WINDOW_S, now=time.time())
        if wait_s:
            page, _status = _page(form, 429, error=_limited(int(-(-wait_s // 60))))
            return page, 429, {"Retry-After": str(int(wait_s) + 1)}
        start, minutes, tolerance, themes, practice, variants, objective, seed = key
        lon, lat, label = resolve_start(database, start)
        loops = generate_loops(database, lon, lat, minutes, tolerance=tolerance, themes=themes, practice=practice,
                               variants=variants, objective=objective, seed=seed)
        if int(index) >= len(loops):
            raise ComposeError(_("choose one of the loops shown"))
        name = _("Loop from {start}, {duration}", start=label, duration=format_duration(minutes))
        trail = save_loop(database, loops[int(index)], name=name, practice=practice, themes=themes, publish=True,
                          unlisted=True, source_id=source_id)
    except BaliseError as e:
        return _page(form, 400, error=str(e))
    return redirect(url_for("public.trail_page", trail_id=trail.id, **_lang()), 303)


def _lang() -> dict:
    """The ``lang`` the take was asked in, kept on the circuit page."""
    return {"lang": request.args["lang"]} if request.args.get("lang") else {}


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPOSE_MAX_PER_HOUR", 10)
    app.register_blueprint(bp)
