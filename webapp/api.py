"""JSON API (blueprint ``api``, under ``/api``): circuits, circuit detail as GeoJSON, POIs as GeoJSON.

=========================  ===================================================================
``GET /api/trails``        published circuits with the catalogue's filters (query parameters of
                           :meth:`trails.filters.FilterSet.from_params`), ``sort``, ``limit``
                           (1-100, default 20) and ``offset``; facet counts and filter sentences
``GET /api/trails/<id>``   one published circuit as a GeoJSON Feature (RFC 7946) whose
                           ``properties.stops`` lists its stops; ``?format=collection`` gives the
                           FeatureCollection of :func:`exporter.geojson.collection` instead
``GET /api/pois``          POIs as a FeatureCollection: ``bbox=minlon,minlat,maxlon,maxlat``,
                           ``q`` (full text), ``category``, ``limit`` (1-1000, default 100), ``after``
                           (keyset paging by id: the ``next`` link of each answer) or ``offset``
                           (up to 10,000)
``GET /api/pois/<id>``     one POI as a Feature, with the published circuits it is a stop of
``GET /api/openapi.json``  the OpenAPI 3.1 description (:mod:`webapp.openapi`)
=========================  ===================================================================

Names, summaries and descriptions come in the asked language (``?lang=en``) when the
source gave a translation (``translations``), else as written (French).
Every answer carries its licences and attributions (``credits``); errors are
``{"error": "..."}`` with status 400 (bad parameter), 404 (unknown or unpublished)
or 405. The read-only endpoints answer cross-origin requests
(``Access-Control-Allow-Origin: *``) so communes' websites can use them.
Unpublished circuits do not exist for the API.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from exporter import geojson
from exporter.common import safe_url, trail_credit
from exporter.qr import bundle_url
from poi.errors import BaliseError, NotFoundError
from poi.i18n import current_language
from poi.i18n import gettext as _
from trails.duration import with_visits_by_trail
from trails.filter_index import search
from trails.filters import FilterSet
from trails.models import Trail
from trails.towns import TownFinder
from webapp import db
from webapp.cache import ByteCache
from webapp.localized import localized
from webapp.params import ID_MAX, int_arg
from webapp.public import cached_page

bp = Blueprint("api", __name__, url_prefix="/api")

TRAILS_LIMIT, TRAILS_MAX = 20, 100
POIS_LIMIT, POIS_MAX = 100, 1000
#: Deepest offset of /api/pois (paging past it costs a scan of every POI before it).
POIS_MAX_OFFSET = 10_000
#: Said in every list answer: what the licences of ``credits`` cover.
LICENCE_NOTE = ("Each circuit and point of interest carries its own licence and attribution; "
                "reuse them as each licence says and credit the sources listed in 'credits'.")
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


class ApiBadRequest(BaliseError, ValueError):
    """A query parameter of the API cannot be understood."""


def int_param(name: str, default: int, low: int, high: int) -> int:
    """The whole-number query parameter ``name`` within ``[low, high]`` (see :func:`webapp.params.int_arg`)."""
    return int_arg(request.args, name, default, low, high)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` in WGS84 degrees.

    >>> parse_bbox("3.5,44.1, 3.9,44.4")
    (3.5, 44.1, 3.9, 44.4)
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     parse_bbox("44.1,3.5,44.4")
    Traceback (most recent call last):
    webapp.api.ApiBadRequest: bbox must be minlon,minlat,maxlon,maxlat in degrees (WGS84), e.g. 3.5,44.1,3.9,44.4
    """
    message = _("bbox must be minlon,minlat,maxlon,maxlat in degrees (WGS84), e.g. 3.5,44.1,3.9,44.4")
    try:
        west, south, east, north = (float(p) for p in text.split(","))
    except ValueError as e:
        raise ApiBadRequest(message) from e
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ApiBadRequest(message)
    return west, south, east, north


def trail_links(trail: Trail) -> dict:
    """Absolute URLs of a circuit's page, GeoJSON, GPX and offline bundle."""
    return {"url": external_url("public.trail_page", trail_id=trail.id),
            "api_url": external_url("api.trail", trail_id=trail.id),
            "gpx_url": external_url("public.trail_gpx", trail_id=trail.id),
            "bundle_url": bundle_url(public_base_url(), trail.id)}


def public_base_url() -> str:
    """``BASE_URL`` when configured (the site's public address), else the root URL of this request."""
    return current_app.config.get("BASE_URL") or request.url_root


def external_url(endpoint: str, **values) -> str:
    """An absolute URL under :func:`public_base_url` (what QR codes and other sites should link to)."""
    path = url_for(endpoint, **values)
    if current_app.config.get("BASE_URL"):
        return public_base_url().rstrip("/") + path.removeprefix(request.script_root)
    return url_for(endpoint, _external=True, **values)


def trail_item(trail: Trail, with_visits_min: int | None = None) -> dict:
    """One circuit of ``/api/trails``: the ``--json`` summary (with ``duration_with_visits_min``), commune,
    start point and links."""
    start = trail.start
    return {**trail.summary_dict(), "duration_with_visits_min": with_visits_min,
            "name": localized(trail, "name"), "commune": trail.commune or "",
            "summary": localized(trail, "summary"),
            "start": {"lon": start[0], "lat": start[1]} if start else None, **trail_links(trail)}


def _credits(trails: list[Trail]) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for t in trails:
        if (c := trail_credit(t)) is not None:
            seen.setdefault(tuple(c), c._asdict())
    return list(seen.values())


def cached_json(build) -> Response:
    """The JSON of ``build()``, kept per URL, language, address and content revision in the API cache (bounded
    by ``API_CACHE_BYTES``, apart from the pages' so that big POI lists cannot push the pages out): an unchanged
    catalogue answers without a query, and any committed change of the data makes a new answer at once."""
    body = cached_page("api", lambda: jsonify(build()).get_data(), cache="balise_api")
    return current_app.response_class(body, mimetype="application/json")


@bp.route("/trails")
def trails():
    return cached_json(_trails)


def _trails() -> dict:
    filters = FilterSet.from_params(request.args, towns=TownFinder(db.trails()))  # public: published only
    limit = int_param("limit", TRAILS_LIMIT, 1, TRAILS_MAX)
    offset = int_param("offset", 0, 0, 10**9)
    result = search(db.get_db(), filters, sort=request.args.get("sort") or "name", limit=limit, offset=offset)
    visits = with_visits_by_trail(result.trails, db.trails())
    return {
        "total": result.total, "limit": limit, "offset": offset,
        "filters": filters.describe(skip=("published",)),
        "facets": result.facets,
        "trails": [trail_item(t, visits[t.id]) for t in result.trails],
        "credits": _credits(result.trails), "licence_note": LICENCE_NOTE,
    }


@bp.route("/trails/<int:trail_id>")
def trail(trail_id: int):
    return cached_json(lambda: _trail(trail_id))


def _trail(trail_id: int) -> dict:
    found = db.published_trail(trail_id)
    stops = db.trails().stops_with_pois(trail_id)
    if request.args.get("format", "feature") == "collection":
        data = geojson.collection(found, stops)
    elif request.args.get("format", "feature") == "feature":
        data = geojson.feature(found)
        data["properties"].update({field: str(localized(found, field)) for field in ("name", "summary", "description")
                                   if field in data["properties"]})
        data["properties"]["stops"] = [stop_item(s) for s in stops]
        data["properties"].update(trail_links(found))
        data["credits"] = geojson.credit_list(found, stops)
    else:
        raise ApiBadRequest(_("format must be feature or collection"))
    data["licence_note"] = LICENCE_NOTE
    return data


def stop_item(item) -> dict:
    """A stop in ``properties.stops`` of a circuit Feature."""
    poi, stop = item.poi, item.stop
    return {"poi_id": poi.id, "name": localized(poi, "name"), "category": poi.category, "lon": poi.lon, "lat": poi.lat,
            "position": stop.position, "distance_along_m": round(float(stop.distance_along_m), 1),
            "trigger_radius_m": float(stop.trigger_radius_m or poi.effective_trigger_radius_m),
            "url": external_url("public.poi_page", poi_id=poi.id),
            "api_url": external_url("api.poi", poi_id=poi.id)}


@bp.route("/pois")
def pois():
    return cached_json(_pois)


def _pois() -> dict:
    limit = int_param("limit", POIS_LIMIT, 1, POIS_MAX)
    offset = int_param("offset", 0, 0, 10**9)
    after = int_param("after", 0, 0, ID_MAX) if "after" in request.args else None
    box = parse_bbox(request.args["bbox"]) if request.args.get("bbox") else None
    category = (request.args.get("category") or "").strip()
    text = (request.args.get("q") or "").strip()
    if after is not None and (offset or text):
        raise ApiBadRequest(_("after pages the list by id: give it without offset, and without q (a text search "
                              "comes by relevance: page it with offset)"))
    if offset > POIS_MAX_OFFSET:  # deep pages scan every POI before them (1.5 s at 150,000): keyset instead
        raise ApiBadRequest(_("offset goes up to {max} here: page further with after=<the last id> (the next link "
                              "of each answer), or narrow the list with bbox, q or category", max=POIS_MAX_OFFSET))
    found = find_pois(text, box, category, limit, offset, after)
    data = geojson.pois_collection(found)
    _localize_pois(data["features"], found)
    data.update({"limit": limit, "offset": offset, "after": after, "next": _next_pois_url(found, limit, offset, text),
                 "licence_note": LICENCE_NOTE})
    return data


def _next_pois_url(found: list, limit: int, offset: int, text: str) -> str | None:
    """The address of the next page: ``after=<last id>`` for lists by id (keyset), ``offset`` for text searches;
    None after the last page (or past the offset limit)."""
    if len(found) < limit:
        return None
    args = request.args.to_dict(flat=False)
    args.pop("offset", None)
    if text:
        if offset + limit > POIS_MAX_OFFSET:
            return None
        args["offset"] = [str(offset + limit)]
    else:
        args["after"] = [str(found[-1].id)]
    return external_url("api.pois", **args)


def _localize_pois(features: list[dict], pois: list) -> None:
    """Name and summary of each POI Feature in the asked language (``?lang=``) when the POI has it."""
    by_id = {p.id: p for p in pois}
    for feature in features:
        if (poi := by_id.get(feature.get("id"))) is not None:
            props = feature["properties"]
            props.update({field: localized(poi, field) for field in ("name", "summary") if field in props})


def find_pois(text: str, box, category: str, limit: int, offset: int, after: int | None = None) -> list:
    """POIs matching every given criterion: one paged query of :meth:`poi.store.PoiStore.find`.

    Text matches come by relevance, the others by id (from ``after`` on, when given).
    """
    return db.pois().find(text or None, box or None, category or None, limit=limit, offset=offset, after_id=after)


@bp.route("/pois/<int:poi_id>")
def poi(poi_id: int):
    return cached_json(lambda: _poi(poi_id))


def _poi(poi_id: int) -> dict:
    found = db.pois().get(poi_id)  # NotFoundError -> 404
    data = geojson.poi_feature(found)
    _localize_pois([data], [found])
    data["properties"]["url"] = external_url("public.poi_page", poi_id=poi_id)
    data["properties"]["source_url"] = safe_url(found.url)
    data["properties"]["trails"] = [{"id": t.id, "name": localized(t, "name"),
                                     "url": external_url("public.trail_page", trail_id=t.id),
                                     "api_url": external_url("api.trail", trail_id=t.id)}
                                    for t in db.trails().trails_of_poi(poi_id)]
    data["credits"] = geojson.pois_collection([found])["credits"]
    data["licence_note"] = LICENCE_NOTE
    return data


@bp.route("/openapi.json")
def openapi():
    from webapp.openapi import document

    return jsonify(document(server_url=request.url_root.rstrip("/")))


# -- errors and CORS ------------------------------------------------------------------------------------------
def error_response(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.errorhandler(BaliseError)
def _balise_error(e: BaliseError):
    if isinstance(e, NotFoundError):
        return error_response(404, str(e))
    if isinstance(e, ValueError):
        return error_response(400, str(e))
    raise e  # a store failure is a server error


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException):
    messages = {404: _("no published circuit or point of interest here"),
                405: _("this address only answers GET requests")}
    return error_response(e.code or 500, messages.get(e.code, e.description or e.name))


def _routing_error():
    """Unknown ``/api/...`` addresses and wrong methods answer in JSON too (routing fails before any view)."""
    e = request.routing_exception
    if (isinstance(e, HTTPException) and (e.code or 0) >= 400
            and (request.path == "/api" or request.path.startswith("/api/"))):
        response = _http_error(e)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            response.headers.update(CORS_HEADERS)
        return response
    return None


@bp.after_request
def _cors(response):
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers.update(CORS_HEADERS)
        response.headers.setdefault("Vary", "Origin")
    return response


#: JSON answers of the API (``API_CACHE_BYTES``, default 32 MB), kept apart from the rendered pages.
API_CACHE_BYTES = 32 * 1024 * 1024


def init_app(app: Flask) -> None:
    app.config.setdefault("API_CACHE_BYTES", API_CACHE_BYTES)
    app.extensions["balise_api"] = ByteCache(app.config["API_CACHE_BYTES"])
    app.register_blueprint(bp)
    app.before_request(_routing_error)
