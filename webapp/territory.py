"""The map of the territory beside the catalogue: self-hosted clustering plugin and the map's settings.

The catalogue's map is drawn in the browser by ``static/territory-map.js`` from the JSON API
(``/api/trails`` with the page's own filters, ``/api/pois`` per layer), so the same page works when
published as static files next to a static ``api/``. Trailheads are clustered with
Leaflet.markercluster (the xstatic-leaflet-markercluster package, served from
``/vendor/leaflet-markercluster/``; never a CDN). The list stays the page's content: without
JavaScript the map is simply not shown.
"""
from __future__ import annotations

import xstatic.pkg.leaflet_markercluster as xcluster
from flask import Blueprint, Flask, current_app, url_for

from poi.i18n import gettext as _

#: Leaflet.markercluster's files (JS, CSS) from the xstatic-leaflet-markercluster package.
CLUSTER_DIR = xcluster.BASE_DIR

cluster_bp = Blueprint("markercluster", __name__, static_folder=CLUSTER_DIR,
                       static_url_path="/vendor/leaflet-markercluster")

#: Switchable POI layers of the map: layer key -> POI categories (see poi.models.CATEGORIES).
POI_LAYERS = {
    "heritage": ("monument", "church", "castle", "museum", "mill", "bridge", "archaeology", "memorial"),
    "food": ("restaurant",),
    "lodging": ("accommodation",),
    "practical": ("water", "shop", "parking", "information", "transport"),
}
LAYER_LABELS = {"heritage": "Heritage", "food": "Food and drink", "lodging": "Lodging",
                "practical": "Practical: water, toilets, fuel, cash, shops"}


def map_settings() -> dict:
    """What the map script reads from the page (``data-*`` of ``#territory-map``)."""
    return {
        "trails_api": url_for("api.trails"),
        "pois_api": url_for("api.pois"),
        "poi_url": url_for("public.poi_page", poi_id=999999999).replace("999999999", "{id}"),
        "tiles": current_app.config.get("TILES_URL") or "",
        "attribution": current_app.config.get("TILES_ATTRIBUTION") or "",
        "layers": [{"key": key, "label": _(LAYER_LABELS[key]), "categories": list(categories)}
                   for key, categories in POI_LAYERS.items()],
    }


def init_app(app: Flask) -> None:
    app.register_blueprint(cluster_bp)
    app.jinja_env.globals["territory_map_settings"] = map_settings
