"""Editor page "Suggest loops": staff give a start and a duration, Balise proposes loops, staff pick one.

``/editor/trails/loops`` (GET): the form (start as ``LAT,LON``, ``poi:ID`` or a town;
duration; practice; seed) and, once filled, the variants of :func:`trails.loops.generate_loops`
with their figures and heritage stops. "Create this loop" (POST, CSRF) composes the same
request again (same seed: same loops) and stores the chosen variant unpublished
(:func:`trails.loops.save_loop`) with a ``create`` revision, then opens its stops page,
where staff edit and publish it like any circuit. Errors (unknown start, no network) are
shown in the form; nothing is stored.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.store import PoiStore, transaction
from trails.filter_params import format_duration, parse_duration_min
from trails.loop_output import resolve_start, save_loop
from trails.loops import generate_loops, request_note
from trails.models import PRACTICES
from webapp import db
from webapp.auth import login_required
from webapp.editor_blueprint import bp, user_name
from webapp.editor_history import record

MAX_TEXT = 200


def _form() -> dict:
    values = request.values
    practice = values.get("practice", "walking")
    seed = values.get("seed", "0").strip()
    return {"start": values.get("from", "").strip()[:MAX_TEXT], "duration": values.get("duration", "").strip()[:20],
            "practice": practice if practice in PRACTICES else "walking",
            "seed": int(seed) if seed.isdigit() and len(seed) < 10 else 0,
            "name": values.get("name", "").strip()[:MAX_TEXT]}


def _compose(form: dict):
    minutes = parse_duration_min(form["duration"])
    lon, lat, label = resolve_start(db.get_db(), form["start"])
    loops = generate_loops(db.get_db(), lon, lat, minutes, practice=form["practice"], seed=form["seed"])
    return minutes, label, loops


@bp.route("/trails/loops", methods=["GET", "POST"])
@login_required
def suggest_loops():
    form = _form()
    if not form["start"] or not form["duration"]:
        return render_template("editor/loops.html", form=form, practices=PRACTICES, loops=None, error=None)
    try:
        minutes, label, loops = _compose(form)
    except BaliseError as e:
        return render_template("editor/loops.html", form=form, practices=PRACTICES, loops=None, error=str(e)), 400
    if request.method == "GET" or request.form.get("action", "").partition(":")[0] != "create":
        names = {p.id: p.name for p in PoiStore(db.get_db()).get_many({i for lp in loops for i in lp.stop_ids})}
        return render_template("editor/loops.html", form=form, practices=PRACTICES, loops=loops, names=names,
                               error=None, start_label=label, note=request_note(loops))
    index = request.form["action"].partition(":")[2]
    if not index.isdigit() or int(index) >= len(loops):
        return redirect(url_for("editor.suggest_loops", **{"from": form["start"], "duration": form["duration"],
                                                           "practice": form["practice"], "seed": form["seed"]}))
    chosen = loops[int(index)]
    name = form["name"] or _("Loop from {start}, {duration}", start=label, duration=format_duration(minutes))
    database = db.get_db()
    with transaction(database):
        trail = save_loop(database, chosen, name=name, practice=form["practice"])
        record(database, trail.id, user_name(), "create",
               _("loop composed from {start} ({n} heritage stops)", start=label, n=chosen.heritage_stop_count))
    flash(_("Loop created: {km} km, about {duration} with visits. Review the stops, then publish.",
            km=f"{chosen.length_m / 1000:.1f}", duration=format_duration(chosen.duration_min)))
    return redirect(url_for("editor.stops", trail_id=trail.id))
