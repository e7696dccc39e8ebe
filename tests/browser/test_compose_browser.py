"""``/compose`` in headless Chromium on the demo (Monaco's streets and POIs): a visitor in Monaco composes a loop
"near me", sees the variants on the map, takes one, and opens its offline bundle, whose service worker gets ready and
serves it with the network cut. Without JavaScript the form and the list of variants are the page. The taken
circuit stays out of the catalogue (fixtures shared with test_catalogue_browser.py)."""
from __future__ import annotations

import re

import pytest

try:  # tests/ as a package, or as plain folders
    from .test_catalogue_browser import context, demo, serve_site, site, tile_png, total  # noqa: F401
except ImportError:
    from test_catalogue_browser import context, demo, serve_site, site, tile_png, total  # noqa: F401

pytestmark = pytest.mark.browser

READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"


CASINO = {"latitude": 43.7384, "longitude": 7.4197}  # Monte-Carlo, on the demo's Monaco network


def test_compose_take_and_open_the_offline_bundle(context, site, demo):
    ctx = context(geolocation=CASINO, permissions=["geolocation"])
    page = ctx.new_page()
    page.goto(site.url + "/?lang=en")
    listed = total(page)
    with page.expect_navigation():
        page.click("#compose-link")
    assert page.locator("#f-towns option").count() > 0  # the catalogue's towns
    page.select_option("#f-duration", "1h")
    with page.expect_navigation():
        page.click("#f-near-me")
    assert "near=43.73840%2C7.41970" in page.url or "near=43.73840,7.41970" in page.url
    page.wait_for_selector("#compose-map[data-state=ready]")
    variants = page.locator("ol.loop-variants > li").count()
    assert 1 <= variants <= 3
    assert page.get_attribute("#compose-map", "data-loops") == str(variants)
    assert page.locator("#compose-map path.leaflet-interactive").count() >= variants  # lines and stops drawn
    assert page.locator("ol.loop-variants > li").first.locator("ol.loop-stops li").count() > 0
    figures = page.inner_text("ol.loop-variants > li >> nth=0")
    assert "Duration with visits" in figures and "Heritage stops" in figures
    with page.expect_navigation():
        page.locator("ol.loop-variants > li").first.locator("button[type=submit]").click()
    match = re.search(r"/trails/(\d+)\?lang=en$", page.url)
    assert match, page.url
    trail_id = int(match.group(1))
    assert page.locator(f"a[href*='/trails/{trail_id}.gpx']").count() > 0
    assert page.locator(f"img[src*='/trails/{trail_id}/qr.']").count() + page.locator(
        f"a[href*='/trails/{trail_id}/qr.']").count() > 0
    page.click("a[data-offline-bundle]")
    page.wait_for_url(re.compile(rf"/trails/{trail_id}/bundle/"))
    page.wait_for_function(READY)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=20_000)
    ctx.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_function(READY)
    ctx.set_offline(False)
    page.goto(site.url + "/?lang=en")
    assert total(page) == listed == demo.trails  # the taken loop is not listed


def test_without_javascript_the_form_and_the_variants_are_the_page(context, site):
    page = context(java_script_enabled=False).new_page()
    page.goto(site.url + "/compose?lang=en")
    assert not page.locator("#f-near-me").is_visible()
    page.fill("#f-near", "43.7384, 7.4197")
    page.select_option("#f-duration", "1h")
    with page.expect_navigation():
        page.click("#compose-form button[type=submit]")
    assert page.locator("ol.loop-variants > li").count() >= 1
    assert not page.locator("#compose-map").is_visible()
    assert page.locator("ol.loop-variants button[type=submit]").first.is_visible()
