"""Installing a bundle for offline use in headless Chromium: two stages on a slow 3G network, a cut half-way
and its retry, a new version offered and installed on a tap, the downloaded circuits listed and deleted.

The bundle is a real 12 km circuit (tests/data/bundle, Pauparelle) with 25 stops, each with its own
camera-size photo (tests/browser/photos.py), served gzipped (as any web server does) from a folder on
127.0.0.1. 3G is the DevTools protocol's throttling: 384 kbit/s down, 300 ms latency.
"""
from __future__ import annotations

import gzip
import json
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from exporter import bundle
from poi.models import POI, Media
from trails.models import Stop, Trail, TrailStop

try:  # tests/ as a package, or as plain folders
    from .photos import camera_photo
except ImportError:
    from photos import camera_photo

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data" / "bundle"
READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"
STATE = "[document.documentElement.dataset.offline, document.documentElement.dataset.media]"
THREE_G = {"offline": False, "latency": 300, "downloadThroughput": 384 * 1024 / 8, "uploadThroughput": 128 * 1024 / 8}
TEXT = {".html", ".js", ".css", ".json", ".gpx", ".webmanifest"}
#: Every text the install panel shows, recorded as it changes.
RECORD = """document.addEventListener('DOMContentLoaded', () => {
  window.__texts = [];
  const box = document.getElementById('install');
  new MutationObserver(() => window.__texts.push(document.getElementById('install-status').textContent + ' | ' +
      document.getElementById('media-status').textContent)).observe(box, {subtree: true, childList: true,
      characterData: true});
});"""


def circuit_with_photos(folder: Path, name: str = "Pauparelle") -> tuple[Trail, list[TrailStop]]:
    feature = json.loads((DATA / "cevennes_pauparelle_loop_12km.geojson").read_text())["features"][0]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    trail = Trail(name=name, segments=[coords], id=25, length_m=11998.0)
    stops = []
    for i in range(25):
        photo = folder / f"photo{i}.jpg"
        if not photo.exists():
            photo.write_bytes(camera_photo(i, 1600, 1200))
        lon, lat, _ = coords[(i + 1) * len(coords) // 26]
        poi = POI(f"Étape {i + 1}", lon, lat, category="monument", summary="Résumé " * 10,
                  description="<p>" + "Texte de la fiche. " * 60 + "</p>", id=i + 1,
                  media=[Media("image", str(photo), f"Photo {i + 1}", "Balise tests", "CC0")])
        stops.append(TrailStop(Stop(25, i + 1, distance_along_m=i * 450.0, offset_m=10.0), poi))
    return trail, stops


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, text ones gzipped when the browser accepts it (as nginx or Apache would)."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.suffix not in TEXT or "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file():
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        import io
        return io.BytesIO(body)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The 25-photo circuit exported into a folder served on 127.0.0.1; ``site.republish(name)`` exports a
    changed version in its place."""
    root = tmp_path_factory.mktemp("site")
    photos = tmp_path_factory.mktemp("photos")

    class Site:
        url = ""

        @staticmethod
        def republish(name: str):
            trail, stops = circuit_with_photos(photos, name)
            return bundle.export(trail, stops, out_dir=root / "c25")

    Site.report = Site.republish("Pauparelle")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(GzipHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    Site.url = f"http://127.0.0.1:{httpd.server_address[1]}/c25/"
    yield Site
    httpd.shutdown()
    httpd.server_close()


def test_on_3g_the_walk_is_ready_offline_in_seconds_long_before_the_photos(phone, site):
    media = site.report.parts["media"].gzip_bytes
    assert media > 2_000_000, "camera-size photos: the second stage is the long one"
    ctx = phone()
    ctx.add_init_script(RECORD)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    t0 = time.monotonic()
    page.goto(site.url + "index.html")
    page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=30_000)
    core_s = time.monotonic() - t0
    state = page.evaluate(STATE)
    texts = page.evaluate("window.__texts")
    print(f"\n3G: ready offline after {core_s:.1f} s; photos and audio {media / 1000:.0f} KB gzipped still loading")
    assert core_s < 10, f"the walk took {core_s:.1f} s to be ready offline at 3G"
    assert state == ["ready", "loading"], state
    assert any("fichiers sur" in t and "Téléchargement de la balade" in t for t in texts), texts
    assert page.is_visible("#offline-ready") and page.is_visible("#media-skip")
    assert "Mo de photos" in page.inner_text("#install-sizes")  # the sizes were shown
    done = page.evaluate("document.getElementById('media-progress').value / document.getElementById('media-progress').max")
    assert done < 0.5, f"photos {done:.0%} done when the walk was ready"
    # "text only": the photos stop, the walk stays offline
    page.click("#media-skip")
    page.wait_for_function("document.documentElement.dataset.media === 'skipped'")
    cdp.send("Network.emulateNetworkConditions", {**THREE_G, "offline": True})
    ctx.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_function(READY)
    # the kept state is read back asynchronously (after the offline check of files.json fails)
    page.wait_for_function("document.documentElement.dataset.offline !== undefined", timeout=10_000)
    assert page.evaluate(STATE) == ["ready", "skipped"]
    assert page.locator("[data-poi-id]").count() == 25


def test_a_network_cut_half_way_shows_the_error_and_a_retry_that_succeeds(phone, site):
    ctx = phone()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)  # 3G: the cut surely falls in the middle of the core
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    seen = []

    def on_request(request):
        if "balise-install=" in request.url and "files.json" not in request.url:
            seen.append(request.url)
            if len(seen) == 8:
                cdp.send("Network.emulateNetworkConditions", {**THREE_G, "offline": True})

    page.on("request", on_request)
    page.goto(site.url + "index.html")
    page.wait_for_function("document.documentElement.dataset.offline === 'failed'", timeout=30_000)
    assert page.is_visible("#install-retry")
    assert "interrompu" in page.inner_text("#install-status")
    cdp.send("Network.emulateNetworkConditions", {**THREE_G, "latency": 0, "downloadThroughput": -1})
    page.click("#install-retry")
    page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=30_000)
    page.wait_for_function("document.documentElement.dataset.media === 'complete'", timeout=60_000)
    assert "Prêt hors ligne" in page.inner_text("#install-status")


def test_a_changed_circuit_offers_its_new_version_and_updates_on_a_tap(phone, site):
    ctx = phone()
    page = ctx.new_page()
    page.goto(site.url + "index.html")
    page.wait_for_function("document.documentElement.dataset.media === 'complete'", timeout=60_000)
    page.click("#circuits summary")
    assert "Pauparelle" in page.inner_text("#circuits-list") and "Mo" in page.inner_text("#circuits-list")
    try:
        site.republish("Pauparelle (nouveau tracé)")
        page.reload()
        page.wait_for_function(READY)
        page.wait_for_function("document.documentElement.dataset.offline === 'update-available'")
        assert page.is_visible("#update-banner")
        assert page.evaluate("window.balise.data.name") == "Pauparelle"  # nothing changes without a tap
        with page.expect_navigation():
            page.click("#update-now")
        page.wait_for_function(READY)
        page.wait_for_function("document.documentElement.dataset.offline === 'ready'")
        assert page.evaluate("window.balise.data.name") == "Pauparelle (nouveau tracé)"
        keys = page.evaluate("caches.keys()")
        assert len(keys) == 1, keys  # the old version's cache is gone
        page.wait_for_function("document.documentElement.dataset.media === 'complete'", timeout=60_000)
        # the downloaded circuits: listed with their size, deleted on request
        page.click("#circuits summary")
        page.wait_for_function("document.querySelectorAll('#circuits-list li').length === 1")
        page.click("#circuits-list li button")
        page.wait_for_function("document.querySelectorAll('#circuits-list li').length === 0")
        assert page.evaluate("caches.keys()") == []
    finally:
        site.report = site.republish("Pauparelle")
