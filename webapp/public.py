"""Public blueprint: the catalogue, the circuit pages, GPX downloads and POI pages.

Each route parses its input, calls one library function and renders a template:
filters and facets come from :mod:`trails.filters` (the catalogue form has one field
per filter of the registry, ``templates/public/_filter_<widget>.html``), the GPX from
:mod:`exporter.gpx`, the map from :mod:`webapp.maps`. Bad filter values give a
400 page with the filter's own message; unknown or unpublished ids a 404 page.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, send_file, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from exporter.gpx import export as export_gpx
from poi.errors import BaliseError, NotFoundError
from poi.i18n import current_language
from poi.i18n import gettext as _
from poi.media import MediaStore
from trails.corridor import find_waymarks
from trails.duration import visit_text, with_visits
from trails.filter_index import DURATION_BUCKETS, SORTS, search
from trails.filter_params import label
from trails.filters import FilterSet, form_filters
from trails.models import Trail
from trails.towns import TownFinder, town_names
from webapp import db, localized, maps
from webapp.cache import ByteCache, size_of
from webapp.csrf import csrf_field
from webapp.i18n import format_duration
from webapp.media_files import card_photos, poi_videos
from webapp.pages_store import content_revision
from webapp.params import whole_number

bp = Blueprint("public", __name__)

PAGE_SIZE = 20
#: Deeper pages answer 400: nobody reads past them, and a huge offset would scan the whole catalogue.
MAX_PAGE = 10_000


class BadRequest(BaliseError, ValueError):
    """A query parameter of a public page cannot be understood."""


def _page_number() -> int:
    return whole_number(request.args.get("page", "1"), name="page", low=1, high=MAX_PAGE)


#: Rendered catalogue, circuit and POI pages: the same URL, language, address and data give the same page. Keyed on
#: :func:`webapp.pages_store.content_revision`, so any committed change (editor, CLI, import) shows at once.
#: Bounded by bytes (``PAGE_CACHE_BYTES``, default 32 MB), not by entries: long query strings make big keys.
PAGE_CACHE_BYTES = 32 * 1024 * 1024
#: Stands for the session's CSRF field in a cached page; each answer puts the visitor's own in its place.
CSRF_MARK = "<!--balise:csrf-field-->"


#: Settings that change what a page shows (part of the cache key, as a test or an embedding app may change them).
PAGE_SETTINGS = ("DATABASE", "BASE_URL", "TILES_URL", "TILES_ATTRIBUTION", "STATIC_SITE", "SITE_LANGUAGES")


def page_key(kind: str) -> tuple:
    """What a cached answer to this request is made of: its URL, language, address, settings and data revision."""
    config = current_app.config
    return (kind, request.full_path, current_language(), request.url_root,
            tuple(str(config.get(name)) for name in PAGE_SETTINGS), content_revision(db.get_db()))


def cached_page(kind: str, build: Callable[[], str | bytes], *, cache: str = "balise_pages") -> str | bytes:
    """``build()``, or what it gave for the same :func:`page_key` (kept in the byte-bounded cache ``cache``)."""
    key = page_key(kind)
    pages: ByteCache = current_app.extensions[cache]
    body = pages.get(key)
    if body is None:
        body = build()
        pages.put(key, body)
    return body


@bp.route("/")
def catalogue():
    return cached_page("catalogue", _render_catalogue)


def _render_catalogue() -> str:
    # Only published trails, whatever the query says; a FilterError becomes a 400 page (see _balise_error).
    filters = FilterSet.from_params(request.args, towns=TownFinder(db.trails()))  # public: published only
    page = _page_number()
    sort = request.args.get("sort") or "name"
    result = search(db.get_db(), filters, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))
    descriptions = filters.describe(skip=("published",))
    return render_template("public/catalogue.html", result=result, page=page, pages=pages, args=request.args,
                           sort=sort, sorts=SORTS, form_filters=form_filters(), facets=_facet_choices(result, filters),
                           durations=_duration_choices(result), descriptions=descriptions,
                           page_url=_page_url, towns=town_names(db.trails()), photos=card_photos(result.trails))


def _facet_choices(result, filters) -> dict[str, list[tuple[str, str, int, bool]]]:
    """``facet -> [(value, label, count, checked)]`` for the checkboxes of the form's facet filters."""
    choices = {}
    for key in (f.key for f in form_filters() if f.widget == "facet"):
        chosen = set(getattr(filters.get(key), "values", ()))
        choices[key] = [(value, label(value), count, value in chosen)
                        for value, count in result.facets.get(key, {}).items()]
    return choices


def _duration_choices(result) -> list[tuple[str, str, int]]:
    """``[(url, label, count)]``: one link per duration bucket, setting min/max duration."""
    out = []
    counts = result.facets.get("duration", {})
    for name, low_min, high_min in DURATION_BUCKETS:
        args = request.args.copy()
        for key in ("min_duration", "max_duration", "page"):
            args.pop(key, None)
        if low_min:
            args["min_duration"] = str(low_min)
        if high_min:
            args["max_duration"] = str(high_min - 1)
        text = (_("under {duration}", duration=format_duration(high_min)) if not low_min else
                _("{duration} or more", duration=format_duration(low_min)) if not high_min else
                f"{format_duration(low_min)} – {format_duration(high_min)}")
        out.append((url_for("public.catalogue", **args.to_dict(flat=False)), text, counts.get(name, 0)))
    return out


def _page_url(page: int) -> str:
    args = request.args.copy()
    args["page"] = str(page)
    return url_for("public.catalogue", **args.to_dict(flat=False))


def duration_source_text(trail: Trail) -> str:
    """Where the shown duration comes from, with the formula when we computed it."""
    if trail.duration_source == "override":
        return _("set by staff: {reason}", reason=trail.duration_override_reason or _("no reason given"))
    if trail.duration_source == "source":
        return _("published by the source")
    return _("computed (DIN 33466: t = max(h, v) + min(h, v)/2, h = km/4, v = D+/300 + D-/500)")


def visit_figures(trail: Trail, stops) -> tuple[int, str] | None:
    """``(minutes with visits, formula)`` for the "with visits" line, or None.

    Only when the shown duration is computed (a published or staff duration already
    says what it includes); see :mod:`trails.duration`.
    """
    if trail.duration_source != "computed" or not trail.length_m:
        return None
    figures = with_visits(trail, [ts.poi.category for ts in stops])
    return figures.total_min, visit_text(figures)


def difficulty_source_text(trail: Trail) -> str:
    if trail.difficulty_source == "override":
        return _("set by staff: {reason}", reason=trail.difficulty_override_reason or _("no reason given"))
    if trail.difficulty_source == "source":
        return _("published by the source")
    return _("computed from the effort (length and climb)")


@bp.route("/trails/<int:trail_id>")
def trail_page(trail_id: int):
    html = cached_page("trail", lambda: _render_trail_page(trail_id))
    return html.replace(CSRF_MARK, csrf_field(), 1) if CSRF_MARK in html else html


def _render_trail_page(trail_id: int) -> str:
    """The circuit page, with :data:`CSRF_MARK` where the feedback form's CSRF field goes."""
    trail = db.published_trail(trail_id)
    stops = db.trails().stops_with_pois(trail_id)
    return render_template("public/trail.html", trail=trail, stops=[s for s in stops if s.kind == "story"],
                           services=[s for s in stops if s.kind == "service"], map=_trail_map(trail, stops),
                           duration_source=duration_source_text(trail),
                           difficulty_source=difficulty_source_text(trail),
                           with_visits=visit_figures(trail, stops),
                           poi_credits=_poi_credits(stops), csrf_field=lambda: Markup(CSRF_MARK))


#: Rendered maps of the circuit pages (``MAP_CACHE_BYTES``, default 32 MB), most recently used last. Building and rendering a folium map
#: takes ~25 ms (most of a circuit page); the key holds everything the map is made of, so an edited
#: trail or stop simply misses, and every process and app keeps its own copies.
MAP_CACHE_BYTES = 32 * 1024 * 1024


def _map_key(trail: Trail, stops) -> tuple:
    config = current_app.config
    return (trail.id, trail.name, len(trail.segments), hash(tuple(tuple(seg) for seg in trail.segments)),
            tuple((ts.poi.id, ts.poi.name, ts.poi.lon, ts.poi.lat, ts.poi.summary, ts.stop.distance_along_m)
                  for ts in stops),
            current_language(), config["TILES_URL"], config["TILES_ATTRIBUTION"], request.script_root)


def _trail_map(trail: Trail, stops) -> maps.MapParts:
    """:func:`webapp.maps.trail_map`, remembered within :data:`MAP_CACHE_BYTES`."""
    key = _map_key(trail, stops)
    cache: ByteCache = current_app.extensions["balise_maps"]
    parts = cache.get(key)
    if parts is None:
        parts = maps.trail_map(trail, stops)
        cache.put(key, parts, size_of(tuple(parts)))
    return parts


def _poi_credits(stops) -> list[tuple[str, str]]:
    """The distinct (licence, attribution) pairs of a trail's POIs."""
    seen = dict.fromkeys((ts.poi.licence, ts.poi.attribution) for ts in stops
                         if ts.poi.licence or ts.poi.attribution)
    return list(seen)


def download_name(name: str, ext: str) -> str:
    """An ASCII file name for a download.

    >>> download_name("Château du Tournel", "gpx")
    'chateau-du-tournel.gpx'
    >>> download_name("???", "gpx")
    'trail.gpx'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80] or "trail"
    return f"{slug}.{ext}"


@bp.route("/trails/<int:trail_id>.gpx")
def trail_gpx(trail_id: int):
    trail = db.published_trail(trail_id)
    stops = db.trails().stops_with_pois(trail_id)
    text = export_gpx(trail, stops, waymarks=find_waymarks(trail, db.pois()))
    return Response(text, mimetype="application/gpx+xml", headers={
        "Content-Disposition": f'attachment; filename="{download_name(trail.name, "gpx")}"'})


@bp.route("/pois/<int:poi_id>")
def poi_page(poi_id: int):
    return cached_page("poi", lambda: _render_poi_page(poi_id))


def _render_poi_page(poi_id: int) -> str:
    try:
        poi = db.pois().get(poi_id)
    except NotFoundError:
        abort(404)
    return render_template("public/poi.html", poi=poi, circuits=db.trails().trails_of_poi(poi_id),
                           map=maps.poi_map(poi), photo=_photo(poi), videos=poi_videos(poi))


#: Width of the photo a POI page shows (a resized copy of the stored photo, :meth:`MediaStore.variant`).
PHOTO_WIDTH = 800
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def stored_photo_path(poi):
    """The media store's file of the POI's first photo, when it is a stored photo, else None."""
    first = next((m for m in poi.media if m.kind == "image"), None)
    if first is None or not first.url.startswith("media/") or current_app.config["DATABASE"] == ":memory:":
        return None
    path = MediaStore.for_db(current_app.config["DATABASE"]).path_of(first.url)
    return path if path is not None and path.suffix in PHOTO_EXTENSIONS else None


def _photo(poi) -> dict | None:
    """The photo a POI page shows: its first photo, resized from the media store, or a web image URL."""
    media = next((m for m in poi.media if m.kind == "image"), None)
    if media is None:
        return None
    if stored_photo_path(poi) is not None:
        src = url_for("public.poi_photo", poi_id=poi.id)
    elif not (src := web_url(media.url)).lower().split("?")[0].endswith(PHOTO_EXTENSIONS):
        return None
    credit = " — ".join(x for x in (media.author, media.licence) if x)
    return {"src": src, "alt": media.title or localized.localized(poi, "name"), "title": media.title,
            "credit": credit}


@bp.route("/pois/<int:poi_id>/photo.jpg")
def poi_photo(poi_id: int):
    """The POI's first stored photo, at most :data:`PHOTO_WIDTH` px wide (404 when it has none)."""
    try:
        poi = db.pois().get(poi_id)
    except NotFoundError:
        abort(404)
    if (stored := stored_photo_path(poi)) is None:
        abort(404)
    path = MediaStore.for_db(current_app.config["DATABASE"]).variant(stored.stem, PHOTO_WIDTH)
    return send_file(path, mimetype="image/jpeg", max_age=86400)


def web_url(value: str | None) -> str:
    """``value`` if it is an http(s) URL, else "" (a source's link never becomes a ``javascript:`` href).

    >>> web_url("https://destination.cevennes-parcnational.fr/"), web_url("javascript:alert(1)"), web_url(None)
    ('https://destination.cevennes-parcnational.fr/', '', '')
    """
    text = (value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


def _error_page(status: int, title: str, message: str):
    return render_template("public/error.html", status=status, title=title, message=message), status


def _not_found_page():
    return _error_page(404, _("Page not found"),
                       _("There is no published trail or point of interest at this address."))


def _balise_error(e: BaliseError):
    """Bad input (filters, page number) gives a 400 page with the message; an unknown record a 404 page."""
    if isinstance(e, NotFoundError):
        return _not_found_page()
    if isinstance(e, ValueError):
        return _error_page(400, _("This search cannot be understood"), str(e))
    raise e  # a store failure is a server error, not the visitor's


def _http_error(e: HTTPException):
    if e.code == 404:
        return _not_found_page()
    return _error_page(e.code or 500, e.name, e.description or "")


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_BYTES", PAGE_CACHE_BYTES)
    app.config.setdefault("MAP_CACHE_BYTES", MAP_CACHE_BYTES)
    app.extensions["balise_pages"] = ByteCache(app.config["PAGE_CACHE_BYTES"])
    app.extensions["balise_maps"] = ByteCache(app.config["MAP_CACHE_BYTES"])
    app.register_blueprint(bp)
    localized.init_app(app)
    app.jinja_env.filters["web_url"] = web_url
    app.jinja_env.tests["web_url"] = lambda value: bool(web_url(value))
    app.register_error_handler(BaliseError, _balise_error)
    app.register_error_handler(HTTPException, _http_error)
