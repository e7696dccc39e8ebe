"""Maps of the web pages, built with folium; Leaflet is served from our own static files.

folium's defaults pull Leaflet, jQuery, Bootstrap and awesome-markers from CDNs.
Here every map gets its own resource lists (Leaflet only, from the
xstatic-leaflet package served at ``/vendor/leaflet/``), uses only plain Leaflet
layers (polyline, circle marker, default marker) and binds popups without
jQuery, so a page references no external script or stylesheet. The tiles are
the one remote resource (``TILES_URL``; attribution shown on the map).

Storage is (lon, lat); Leaflet wants (lat, lon): :func:`latlon` is the one
place where the axes are swapped.
"""
from __future__ import annotations

import json
from typing import Callable, NamedTuple, Sequence

import folium
import xstatic.pkg.leaflet as xleaflet
from branca.element import CssLink, JavascriptLink, MacroElement
from flask import Blueprint, Flask, current_app, url_for
from folium.template import Template
from markupsafe import Markup, escape

from poi.i18n import gettext as _
from poi.models import POI
from trails.models import Trail, TrailStop
from webapp.i18n import format_km

#: Leaflet's own files (JS, CSS, marker images) from the xstatic-leaflet package.
LEAFLET_DIR = xleaflet.BASE_DIR
LEAFLET_VERSION = xleaflet.VERSION

leaflet_bp = Blueprint("leaflet", __name__, static_folder=LEAFLET_DIR, static_url_path="/vendor/leaflet")

TRACE_COLOUR = "#b3261e"
START_COLOUR = "#0b6e2e"


class MapParts(NamedTuple):
    """A map cut in three for a page: ``head`` (links), ``body`` (the map div), ``script``."""

    head: Markup
    body: Markup
    script: Markup


def latlon(lon: float, lat: float) -> tuple[float, float]:
    """The one axis swap of Balise: storage (lon, lat) to Leaflet (lat, lon).

    >>> latlon(3.702861, 44.501022)
    (44.501022, 3.702861)
    """
    return (lat, lon)


class JsPopup(MacroElement):
    """A popup bound with plain Leaflet (folium's own Popup needs jQuery).

    ``html`` must already be safe HTML; it is embedded as a JSON string.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.content }}, {"maxWidth": 280});
        {% endmacro %}
    """)

    def __init__(self, html: str):
        super().__init__()
        self._name = "JsPopup"
        # "</" is escaped so that the string can never close the <script> element.
        self.content = json.dumps(str(html)).replace("</", "<\\/")


def build_trail_map(trail: Trail, stops: Sequence[TrailStop], *, tiles_url: str, tiles_attribution: str,
                    leaflet_js: str, leaflet_css: str,
                    poi_href: Callable[[int], str] | None = None) -> folium.Map:
    """A folium map of a trail: the trace (one polyline per segment), the start, the stops.

    Parameters
    ----------
    trail, stops
        The trail and its stops in walking order (:meth:`TrailStore.stops_with_pois`).
    tiles_url, tiles_attribution
        The tile layer (the only remote resource of the page) and its credit line.
    leaflet_js, leaflet_css
        URLs of our own copies of Leaflet; they replace every default resource of folium.
    poi_href
        ``poi_id -> URL`` of the POI page, linked from each stop's popup.

    Examples
    --------
    >>> from trails.models import Trail
    >>> t = Trail(name="Château du Tournel", segments=[[(3.7028, 44.5010, None), (3.7035, 44.5021, None)]])
    >>> m = build_trail_map(t, [], tiles_url="https://tile.example/{z}/{x}/{y}.png",
    ...                     tiles_attribution="OSM", leaflet_js="/vendor/leaflet/leaflet.js",
    ...                     leaflet_css="/vendor/leaflet/leaflet.css")
    >>> parts = render_parts(m)
    >>> "/vendor/leaflet/leaflet.js" in parts.head, "jquery" in parts.head
    (True, False)
    >>> "[[44.501, 3.7028], [44.5021, 3.7035]]" in parts.script
    True
    """
    lines = [[latlon(p[0], p[1]) for p in seg] for seg in trail.segments if len(seg) >= 2]
    all_points = [p for line in lines for p in line] + [latlon(s.poi.lon, s.poi.lat) for s in stops]
    m = _base_map(all_points[0] if all_points else (46.6, 2.4), 13 if all_points else 5,
                  tiles_url=tiles_url, tiles_attribution=tiles_attribution,
                  leaflet_js=leaflet_js, leaflet_css=leaflet_css)
    for line in lines:
        folium.PolyLine(line, color=TRACE_COLOUR, weight=5, opacity=0.9).add_to(m)
    start = trail.start
    if start is not None:
        marker = folium.CircleMarker(latlon(start[0], start[1]), radius=9, color="#fff", weight=3,
                                     fill=True, fill_color=START_COLOUR, fill_opacity=1)
        marker.add_child(JsPopup(f"<strong>{escape(_('Start'))}</strong><br>{escape(trail.name)}"))
        marker.add_to(m)
    for number, ts in enumerate(stops, start=1):
        marker = folium.Marker(latlon(ts.poi.lon, ts.poi.lat), title=f"{number}. {ts.poi.name}",
                               alt=f"{number}. {ts.poi.name}")
        marker.add_child(JsPopup(_popup_html(number, ts, poi_href)))
        marker.add_to(m)
    if len(all_points) >= 2:
        lats = [p[0] for p in all_points]
        lons = [p[1] for p in all_points]
        m.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(20, 20))
    return m


def _base_map(location: tuple[float, float], zoom: int, *, tiles_url: str, tiles_attribution: str,
              leaflet_js: str, leaflet_css: str, **options) -> folium.Map:
    """An empty folium map on our own Leaflet, with the configured tiles (none when ``tiles_url`` is empty)."""
    m = folium.Map(location=location, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False,
                   **options)
    # Instance lists: folium's class-level defaults (CDN URLs) are neither used nor mutated.
    m.default_js = [("leaflet", leaflet_js)]
    m.default_css = [("leaflet_css", leaflet_css)]
    if tiles_url:  # an empty TILES_URL gives a map without background (fully offline sites)
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, max_zoom=19, max_native_zoom=19).add_to(m)
    return m


def build_poi_map(poi: POI, **resources) -> folium.Map:
    """The small map of a POI page: the place, one marker, at street zoom.

    ``resources``: ``tiles_url``, ``tiles_attribution``, ``leaflet_js``, ``leaflet_css`` as for
    :func:`build_trail_map`.

    >>> from poi.models import POI
    >>> m = build_poi_map(POI("Palais Princier", 7.42, 43.7314), tiles_url="", tiles_attribution="",
    ...                   leaflet_js="/vendor/leaflet/leaflet.js", leaflet_css="/vendor/leaflet/leaflet.css")
    >>> parts = render_parts(m)
    >>> "/vendor/leaflet/leaflet.js" in parts.head, "[43.7314, 7.42]" in parts.script
    (True, True)
    """
    where = latlon(poi.lon, poi.lat)
    m = _base_map(where, 16, scrollWheelZoom=False, **resources)
    folium.Marker(where, title=poi.name, alt=poi.name).add_to(m)
    return m


def _popup_html(number: int, ts: TrailStop, poi_href: Callable[[int], str] | None) -> str:
    name = escape(ts.poi.name)
    title = f'<a href="{escape(poi_href(ts.poi.id))}">{name}</a>' if poi_href and ts.poi.id else str(name)
    where = _("at {distance} along the trail", distance=format_km(ts.stop.distance_along_m))
    text = f"<strong>{number}. {title}</strong><br>{escape(where)}"
    if ts.poi.summary:
        text += f"<br>{escape(ts.poi.summary)}"
    return text


def render_parts(m: folium.Map) -> MapParts:
    """Cut a folium map into head links, map div and script for a Jinja page.

    Only the ``<script src>`` and ``<link rel=stylesheet>`` of the figure's
    head are kept (folium's viewport meta, which forbids zooming the page, and its
    full-page styles are left out; the page's CSS sizes the map).
    """
    figure = m.get_root()
    figure.render()
    links = [child.render() for child in figure.header._children.values()
             if isinstance(child, (JavascriptLink, CssLink))]
    return MapParts(head=Markup("\n".join(links)), body=Markup(figure.html.render()),
                    script=Markup(figure.script.render()))


def _app_resources() -> dict:
    """Tiles (``TILES_URL``, ``TILES_ATTRIBUTION``) and our own Leaflet, from the app."""
    return {"tiles_url": current_app.config["TILES_URL"],
            "tiles_attribution": current_app.config["TILES_ATTRIBUTION"],
            "leaflet_js": url_for("leaflet.static", filename="leaflet.js"),
            "leaflet_css": url_for("leaflet.static", filename="leaflet.css")}


def trail_map(trail: Trail, stops: Sequence[TrailStop]) -> MapParts:
    """The map of a circuit page, configured from the app (``TILES_URL``, ``TILES_ATTRIBUTION``)."""
    m = build_trail_map(trail, stops, poi_href=lambda poi_id: url_for("public.poi_page", poi_id=poi_id),
                        **_app_resources())
    return render_parts(m)


def poi_map(poi: POI) -> MapParts:
    """The small map of a POI page, configured from the app like :func:`trail_map`."""
    return render_parts(build_poi_map(poi, **_app_resources()))


def init_app(app: Flask) -> None:
    """Serve Leaflet (JS, CSS, images) from the installed xstatic-leaflet package."""
    app.register_blueprint(leaflet_bp)
