"""The offline map in real headless Chromium: tiles and vector ways from the bundle alone, network off.

The bundle is the real 12 km GR-11 stretch from Escaldes-Engordany (tests/data/mbtiles/README.md)
with the map ways of the real OSM extract and the corridor's tiles of the z13-15 MBTiles file.
Every request that is not to the loopback server (or a ``data:``/``file:`` URL) is aborted and
recorded: none may happen.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from exporter import bundle
from exporter import offline_map as om
from poi.models import POI
from poi.network import import_osm_map
from trails.models import Stop, Trail, TrailStop

from helpers import open_db

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data" / "mbtiles"
READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"
BASEMAP = "window.BaliseBasemap && window.BaliseBasemap.ready"
TILES_LOADED = "document.querySelectorAll('#map img.leaflet-tile-loaded').length"


def gr11() -> tuple[Trail, list[TrailStop]]:
    feature = json.loads((DATA / "andorra_gr11_escaldes_12km.geojson").read_text(encoding="utf-8"))["features"][0]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    trail = Trail(name="GR-11 Escaldes", segments=[coords], id=311, length_m=feature["properties"]["length_m"])
    stops = []
    for i in range(3):
        lon, lat, _ = coords[(i + 1) * len(coords) // 4]
        poi = POI(f"Arrêt {i + 1}", lon, lat, category="viewpoint", summary="Vue", id=900 + i, source="osm")
        stops.append(TrailStop(Stop(trail.id, poi.id, distance_along_m=3000.0 * (i + 1), offset_m=0.0,
                                    position=i), poi))
    return trail, stops


@pytest.fixture(scope="module")
def map_bundle(tmp_path_factory) -> Path:
    db = open_db(":memory:")
    import_osm_map(db, DATA / "andorra_escaldes_gr11-bbox.osm.pbf")
    trail, stops = gr11()
    offline = om.for_trail(db, trail.segments, tiles=DATA / "andorra_escaldes_gr11-bbox_z13-15.mbtiles",
                           min_zoom=13, max_zoom=15)
    out = tmp_path_factory.mktemp("mapbundle") / "gr11"
    bundle.export(trail, stops, out_dir=out, offline_map=offline)
    return out


@pytest.fixture(scope="module")
def map_server(map_bundle, folder_server):
    return folder_server(map_bundle.parent)


def guard(ctx, allowed: tuple[str, ...]) -> list[str]:
    """Abort and record every request whose URL does not start with one of ``allowed``."""
    outside: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(allowed):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    ctx.route("**/*", handle)
    return outside


def map_pixels_vary(page, tmp_path: Path, name: str) -> float:
    shot = page.locator("#map").screenshot(path=str(tmp_path / name))
    with Image.open(io.BytesIO(shot)) as img:
        return max(ImageStat.Stat(img.convert("RGB")).stddev)


def test_tiles_load_offline_from_the_service_worker(phone, map_server, map_bundle, tmp_path):
    ctx = phone()
    outside = guard(ctx, (map_server, "data:", "blob:"))
    page = ctx.new_page()
    page.goto(map_server + "gr11/index.html")
    page.wait_for_function(READY)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # the app installs in two stages (core, then media): offline only once both are cached
    page.wait_for_function("document.documentElement.dataset.offline === 'ready' && "
                           "document.documentElement.dataset.media === 'complete'", timeout=30_000)
    ctx.set_offline(True)
    tiles, failed = [], []
    page.on("response", lambda r: tiles.append(r) if "/tiles/" in r.url else None)
    # the app's update check (files.json?balise-install=check) may fail offline: that is expected
    page.on("requestfailed", lambda r: None if "balise-install=check" in r.url else failed.append(r.url))
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_function(READY)
    page.wait_for_function(BASEMAP)
    page.evaluate("window.BaliseBasemap.ready.then(() => true)")
    page.wait_for_function(TILES_LOADED + " > 0")
    page.wait_for_timeout(500)
    loaded = page.evaluate(TILES_LOADED)
    keys = json.loads((map_bundle / "map.json").read_text())["tiles"]["keys"]
    srcs = page.eval_on_selector_all("#map img.leaflet-tile-loaded", "els => els.map(e => e.src)")
    print(f"{loaded} tiles shown offline, {len(tiles)} tile responses, of {len(keys)} in the bundle")
    assert srcs and all(s.startswith(map_server + "gr11/tiles/") and s.endswith(".png") for s in srcs)
    assert all("/".join(s.rsplit("/", 3)[1:]).removesuffix(".png") in keys for s in srcs)
    assert tiles and all(r.from_service_worker and r.status == 200 for r in tiles)
    assert failed == [], "a request failed offline (a tile outside the corridor was asked for?)"
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.is_visible("#map-credits") and "OpenStreetMap" in page.inner_text("#map-credits")
    assert map_pixels_vary(page, tmp_path, "tiles.png") > 10
    # The vector map of the same corridor, chosen in the layers control, is drawn offline too.
    page.hover(".leaflet-control-layers")
    page.get_by_text("OpenStreetMap", exact=True).click()
    page.wait_for_function("window.BaliseBasemap.vector && window.balise.map.hasLayer(window.BaliseBasemap.vector)")
    assert page.evaluate("window.BaliseBasemap.features") > 200
    assert page.locator(".leaflet-baliseBasemap-pane canvas").count() == 1
    assert page.evaluate(TILES_LOADED) == 0
    assert map_pixels_vary(page, tmp_path, "vector.png") > 10
    assert page.locator("#map path.trail-line").count() == 1  # the trail stays on top, in SVG
    assert outside == [], f"requests left the machine: {outside}"


def test_trail_html_from_file_shows_inlined_tiles(phone, map_bundle, tmp_path):
    alone = tmp_path / "trail.html"
    shutil.copyfile(map_bundle / "trail.html", alone)
    ctx = phone()
    outside = guard(ctx, ("file://", "data:", "blob:"))
    page = ctx.new_page()
    page.goto(alone.as_uri())
    page.wait_for_function(READY)
    page.wait_for_function(BASEMAP)
    page.wait_for_function(TILES_LOADED + " > 0")
    srcs = page.eval_on_selector_all("#map img.leaflet-tile-loaded", "els => els.map(e => e.src)")
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert page.evaluate("window.BaliseBasemap.features") > 200
    assert outside == [], f"requests left the file: {outside}"
    assert map_pixels_vary(page, tmp_path, "single.png") > 10
