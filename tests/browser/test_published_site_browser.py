"""The tourist's path on the published static site (``balise publish``), served by nginx, in headless Chromium.

The demo catalogue is published into a temporary folder under a commune's sub-folder
(``http://127.0.0.1:<port>/balades/``) and served by nginx (the Debian package; started here on a free
loopback port with its own configuration and prefix, stopped at the end; missing nginx fails under
``CI=true``) with the site's own ``nginx.conf.example``. Checked: the catalogue without JavaScript (a
ready-made page per difficulty, same counts as the server), with JavaScript (the filters in the browser),
a circuit page (map from our own files, stops, GPX), the offline bundle installed then used with the network
cut, the QR code decoded to the published bundle URL (zbarimg), and the link check.
"""
from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import require_tool

try:  # tests/ as a package, or as plain folders
    from .test_catalogue_browser import context, demo, tile_png  # noqa: F401 (fixtures)
    from .test_served_bundle_browser import save_for_offline
except ImportError:
    from test_catalogue_browser import context, demo, tile_png  # noqa: F401 (fixtures)
    from test_served_bundle_browser import save_for_offline

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(slots=True)
class Published:
    url: str  # the site's address, ending in /balades/
    out: Path
    output: str


def start_nginx(folder: Path, port: int, work: Path, root: str = "/balades/") -> subprocess.Popen:
    """nginx on 127.0.0.1:``port`` serving ``folder`` under ``root`` with the published snippet."""
    from exporter.site_serving import local_nginx_conf

    nginx = require_tool("nginx", "/usr/sbin/nginx")
    work.mkdir(parents=True, exist_ok=True)
    (work / "nginx.conf").write_text(local_nginx_conf(folder, port, work, root))
    proc = subprocess.Popen([nginx, "-p", str(work), "-c", str(work / "nginx.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx did not start: {(work / 'error.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("nginx did not listen within 10 s")


@pytest.fixture(scope="session")
def published(demo, tmp_path_factory):  # noqa: F811
    from click.testing import CliRunner

    from webapp.cli import cli

    require_tool("nginx", "/usr/sbin/nginx")
    work = tmp_path_factory.mktemp("published")
    port = free_port()
    url = f"http://127.0.0.1:{port}/balades/"
    out = work / "site"
    result = CliRunner().invoke(cli, ["--db", str(demo.db_path), "publish", "--out", str(out), "--base-url", url,
                                      "--lang", "fr", "--lang", "en", "--check"])
    assert result.exit_code == 0, result.output
    proc = start_nginx(out, port, work / "nginx")
    yield Published(url, out, result.output)
    proc.terminate()
    proc.wait(timeout=10)


def test_link_check_finds_no_broken_link(published):
    assert "Link check: 0 broken internal links." in published.output


def test_catalogue_without_javascript_has_a_page_per_difficulty(context, published, demo):  # noqa: F811
    from helpers import open_db
    from trails.filter_index import search
    from trails.filters import FilterSet

    ctx = context(java_script_enabled=False)
    page = ctx.new_page()
    response = page.goto(published.url)
    assert response.status == 200
    assert page.locator("form#filters").is_hidden()  # filtering in the browser needs JavaScript
    link = page.locator("#browse a[href*='catalogue/difficulty/']").first
    level = re.search(r"difficulty/([a-z_]+)/", link.get_attribute("href")).group(1)
    link.click()
    page.wait_for_url(f"{published.url}catalogue/difficulty/{level}/")
    db = open_db(demo.db_path)
    expected = search(db, FilterSet.from_params({"difficulty": level})).total
    db.conn.close()
    shown = int(re.search(r"\d+", page.inner_text("#results-title")).group())
    assert shown == expected > 0
    assert page.locator(".results li").count() == min(expected, 20)
    page.locator(".results li h3 a").first.click()
    page.wait_for_url(re.compile(re.escape(published.url) + r"trails/\d+/$"))
    assert page.locator("h1").inner_text()


def test_catalogue_filters_in_the_browser_like_the_server(context, published, demo):  # noqa: F811
    from helpers import open_db
    from trails.filter_index import search
    from trails.filters import FilterSet

    ctx = context()
    page = ctx.new_page()
    page.goto(published.url)
    page.wait_for_function("document.documentElement.dataset.catalogue === 'ready'")
    assert page.locator("form#filters").is_visible()
    page.locator("form#filters input[name=difficulty][value=medium]").check()
    page.wait_for_url(re.compile(r"\?difficulty=medium$"))
    db = open_db(demo.db_path)
    expected = search(db, FilterSet.from_params({"difficulty": "medium"}), limit=20)
    words = search(db, FilterSet.from_params({"difficulty": "medium", "q": "chateau"}), limit=20)
    db.conn.close()
    assert page.inner_text("#results-title") == f"{expected.total} circuits"
    shown = [int(re.search(r"trails/(\d+)/", a.get_attribute("href")).group(1))
             for a in page.locator("ul.results li h3 a").all()]
    assert shown == [t.id for t in expected.trails]
    assert "difficulté : moyen" in page.inner_text(".active-filters")
    page.fill("#f-q", "chateau")
    page.click("form#filters button[type=submit]")
    page.wait_for_url(re.compile(r"q=chateau"))
    page.wait_for_function(f"document.querySelector('#results-title').textContent.startsWith('{words.total} ')")
    first = page.locator("ul.results li h3 a").first
    first.click()  # the links the script writes work too
    page.wait_for_url(re.compile(re.escape(published.url) + r"trails/\d+/$"))
    page.go_back()  # the filtered list comes back from its address
    page.wait_for_function(f"document.querySelector('#results-title').textContent.startsWith('{words.total} ')")


def test_circuit_page_with_map_stops_and_gpx(context, published, demo):  # noqa: F811
    ctx = context()
    page = ctx.new_page()
    response = page.goto(f"{published.url}trails/{demo.trail_id}/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == demo.trail_name
    page.wait_for_selector(".leaflet-container path.leaflet-interactive")  # the trace drawn by our Leaflet
    assert page.locator("ol.stops li[data-poi-id]").count() > 0  # story stops (services are listed apart)
    local = [u for u in ctx.requested if u.startswith("http://127.0.0.1")]
    assert any(re.search(r"/balades/vendor/leaflet/leaflet\.[0-9a-f]{10}\.js$", u) for u in local)
    with page.expect_download() as download:
        page.click("a[type='application/gpx+xml']")
    assert download.value.url == f"{published.url}trails/{demo.trail_id}.gpx"
    page.click("nav.lang a[hreflang='en']")
    page.wait_for_url(f"{published.url}en/trails/{demo.trail_id}/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_bundle_installed_then_used_offline(context, published, demo):  # noqa: F811
    page = save_for_offline(context(), f"{published.url}trails/{demo.trail_id}/",
                            f"{published.url}trails/{demo.trail_id}/bundle/", demo.stops)
    assert demo.trail_name in page.title()


def test_qr_code_decodes_to_the_published_bundle(published, demo):  # noqa: F811
    zbarimg = require_tool("zbarimg")
    with urllib.request.urlopen(f"{published.url}trails/{demo.trail_id}/qr.png", timeout=10) as r:
        png = r.read()
    qr = published.out.parent / "qr.png"
    qr.write_bytes(png)
    decoded = subprocess.run([zbarimg, "-q", "--raw", str(qr)], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert decoded == f"{published.url}trails/{demo.trail_id}/bundle/"
    with urllib.request.urlopen(decoded, timeout=10) as r:
        assert r.status == 200 and b"app.js" in r.read()


def test_nginx_sends_the_cache_headers_and_precompressed_files(published, demo):  # noqa: F811
    def head(path: str, **headers):
        request = urllib.request.Request(published.url + path, headers=headers, method="GET")
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.headers

    css = re.search(r'href="(static/balise\.[0-9a-f]{10}\.css)"', (published.out / "index.html").read_text()).group(1)
    assert "immutable" in head(css)["Cache-Control"]
    sw = head(f"trails/{demo.trail_id}/bundle/sw.js")
    assert sw["Cache-Control"] == "no-cache" and sw["Service-Worker-Allowed"] == "./"
    assert head("", **{"Accept-Encoding": "gzip"})["Content-Encoding"] == "gzip"
