"""The web app's served bundle and embed widget in headless Chromium (the demo catalogue served by waitress).

- From the circuit page, "Open the offline version" opens /trails/<id>/bundle/, whose service worker
  installs; with the network cut, reloading the bundle's folder URL (what the QR code opens) still shows
  the circuit and its stops.
- The embed snippet pasted into a page of another origin shows the list in its frame (frame-ancestors *),
  the optional script sizes the frame to the list, and the circuit links open in a new tab.
"""
from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

try:  # tests/ as a package, or as plain folders
    from .test_catalogue_browser import context, demo, serve_site, site, tile_png  # noqa: F401 (fixtures)
except ImportError:
    from test_catalogue_browser import context, demo, serve_site, site, tile_png  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"


def save_for_offline(ctx, circuit_url: str, bundle_url: str, stops: int):
    """From the circuit page, open the offline version, let its service worker install, cut the network and
    reload the bundle's folder URL: the circuit and its ``stops`` come from the service worker. Returns the page
    (also used on the published static site, test_published_site_browser.py)."""
    page = ctx.new_page()
    page.goto(circuit_url)
    page.click("a[data-offline-bundle]")
    page.wait_for_url(f"{bundle_url}?lang=fr")
    page.wait_for_function(READY)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.scope)")
    assert scope == bundle_url
    page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=20_000)
    ctx.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_function(READY)
    assert page.locator("[data-poi-id]").count() == stops
    return page


def test_save_for_offline_from_the_circuit_page(context, site, demo):  # noqa: F811
    page = save_for_offline(context(), f"{site.url}/trails/{demo.trail_id}",
                            f"{site.url}/trails/{demo.trail_id}/bundle/", demo.stops)
    assert demo.trail_name in page.title()


@pytest.fixture
def foreign_page(site):  # noqa: F811
    """A commune's page on another origin (another port of 127.0.0.1) holding the embed snippet."""
    holder = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            body = holder["html"].encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def _page(snippet: str) -> str:
        holder["html"] = f"<!doctype html><html><body><h1>Mairie</h1>{snippet}</body></html>"
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield _page
    httpd.shutdown()
    httpd.server_close()


def test_embed_snippet_in_another_site(context, site, foreign_page):  # noqa: F811
    import html

    ctx = context()
    page = ctx.new_page()
    page.goto(f"{site.url}/embed/help?limit=3")
    snippet = html.unescape(re.search(r'class="embed-code">(.*?)</textarea>', page.content(), re.S).group(1))
    assert snippet.startswith(f'<iframe src="{site.url}/embed?limit=3"')
    page.goto(foreign_page(snippet))
    frame = page.frame_locator("iframe")
    links = frame.locator("h2 a")
    links.first.wait_for()
    assert links.count() == 3
    assert links.first.get_attribute("target") == "_blank"
    # the optional script sized the frame to the list (the snippet's default is 480 px)
    page.wait_for_function("document.querySelector('iframe').style.height !== '480px'")
    height = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
    assert 100 < height < 2000
    with ctx.expect_page() as opened:
        links.first.click()
    assert re.fullmatch(rf"{re.escape(site.url)}/trails/\d+", opened.value.url)
