"""``GET /api/loops``: loops of a chosen duration through the most heritage, composed on demand.

Query parameters: ``from`` (``LAT,LON``, ``poi:ID`` or a town), ``duration`` (``2h``,
``1h30``, ``90``), ``tolerance`` (0.01-0.5, default 0.15), ``theme`` (repeatable),
``practice``, ``variants`` (1-3, default 3), ``objective`` (``heritage`` or ``none``),
``seed``. The answer: ``start``, ``duration_min`` asked, ``note`` (why no loop is within the
tolerance, "" when one is: :func:`trails.loops.request_note`) and ``loops``, each the JSON of
:func:`trails.loop_output.loop_json` (no ``id``: nothing is stored; ``fits`` and ``fit_note`` per loop).

Composing a loop costs up to a few seconds of CPU, so answers are cached (the
:data:`CACHE_SIZE` last distinct requests, per state of the POIs and of the path
network, and per language: the notes are written in it) and each address may ask :data:`LOOPS_MAX_PER_HOUR` uncached ones an hour
(config key ``LOOPS_MAX_PER_HOUR``, default 30; then 429 with ``Retry-After``), counted
like the feedback form's (a keyed hash of the address, never the address).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Blueprint, Flask, current_app, jsonify, request

from poi.errors import BaliseError, NotFoundError
from poi.i18n import current_language, gettext as _
from poi.network.store import NetworkStore
from trails.filter_params import parse_duration_min
from trails.loop_output import loop_json, loop_trail, resolve_start
from trails.loops import generate_loops, request_note
from trails.store import TrailStore
from webapp import db
from webapp.api import CORS_HEADERS, ApiBadRequest, error_response
from webapp.feedback import client_key
from webapp.feedback_store import FeedbackStore

bp = Blueprint("loops_api", __name__, url_prefix="/api")

CACHE_SIZE = 64
WINDOW_S = 3600.0
MAX_VARIANTS = 3
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _float(name: str, default: float) -> float:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ApiBadRequest(_("{name} must be a number, not {value!r}", name=name, value=raw)) from None


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiBadRequest(_("{name} must be a whole number from {low} to {high}, not {value!r}",
                              name=name, low=low, high=high, value=raw))
    return int(raw)


def request_key() -> tuple:
    """The request's parameters, read and checked (ApiBadRequest), as a hashable key."""
    start = (request.args.get("from") or "").strip()
    if not start:
        raise ApiBadRequest(_("from is required: LAT,LON, poi:ID or a town"))
    duration = (request.args.get("duration") or "").strip()
    if not duration:
        raise ApiBadRequest(_("duration is required, e.g. 2h or 1h30"))
    return (start, parse_duration_min(duration), _float("tolerance", 0.15),
            tuple(sorted(set(request.args.getlist("theme")))), request.args.get("practice", "walking"),
            _int("variants", MAX_VARIANTS, 1, MAX_VARIANTS), request.args.get("objective", "heritage"),
            _int("seed", 0, 0, 10**9))


def compose(database, key: tuple) -> dict:
    """The answer for one request key (not cached)."""
    start, minutes, tolerance, themes, practice, variants, objective, seed = key
    lon, lat, label = resolve_start(database, start)
    loops = generate_loops(database, lon, lat, minutes, tolerance=tolerance, themes=themes, practice=practice,
                           variants=variants, objective=objective, seed=seed)
    return {"start": {"lon": lon, "lat": lat, "label": label}, "duration_min": minutes,
            "note": request_note(loops),
            "loops": [loop_json(found, loop_trail(found, name=label, practice=practice)) for found in loops]}


def revision(database) -> tuple:
    """Changes when POIs or the path network change (cache key)."""
    return NetworkStore(database).revision() + TrailStore(database).communes_revision()


def cached_loops(database, key: tuple, client: str) -> tuple[dict | None, float]:
    """``(answer, 0)`` from the cache or composed; ``(None, seconds to wait)`` past the client's limit."""
    full = (key, revision(database), current_language())  # the notes are in the asked language
    with _lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full], 0.0
    limit = int(current_app.config["LOOPS_MAX_PER_HOUR"])
    wait_s = FeedbackStore(database).take_slot(client, limit=limit, window_s=WINDOW_S, now=time.time())
    if wait_s:
        return None, wait_s
    answer = compose(database, key)
    with _lock:
        _cache[full] = answer
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return answer, 0.0


@bp.route("/loops")
def loops():
    database = db.get_db()
    try:
        key = request_key()
        answer, wait_s = cached_loops(database, key, client_key("loops:" + (request.remote_addr or "-")))
    except NotFoundError as e:
        return error_response(404, str(e))
    except BaliseError as e:
        if not isinstance(e, ValueError):
            raise
        return error_response(400, str(e))
    if answer is None:
        response = error_response(429, _("too many loops asked from this address: try again in {minutes} min",
                                         minutes=int(-(-wait_s // 60))))
        response.headers["Retry-After"] = str(int(wait_s) + 1)
        return response
    return jsonify(answer)


@bp.after_request
def _cors(response):
    response.headers.update(CORS_HEADERS)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("LOOPS_MAX_PER_HOUR", 30)
    app.register_blueprint(bp)
