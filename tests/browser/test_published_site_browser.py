"""The tourist's path on the published static site (``balise publish``), served by nginx, in headless Chromium.

The demo catalogue is published into a temporary folder under a commune's sub-folder
(``http://127.0.0.1:<port>/balades/``) and served by nginx (the Debian package; started here on a free
loopback port with its own configuration and prefix, stopped at the end; missing nginx fails under
``CI=true``) with the site's own ``nginx.conf.example``. Checked: the catalogue without JavaScript (a
ready-made page per difficulty, same counts as the server), with JavaScript (the filters in the browser),
a circuit page (map from our own files, stops, GPX), the offline bundle installed then used with the network
cut, the QR code decoded to the published bundle URL (zbarimg), the link check, the embed widget and its help
page against the live ones, and axe-core on the pages the browser rewrites.
"""
from __future__ import annotations

import html
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
    from .test_accessibility import BLOCKING, axe_violations, report
    from .test_catalogue_browser import context, demo, tile_png  # noqa: F401 (fixtures)
    from .test_served_bundle_browser import save_for_offline
except ImportError:
    from test_accessibility import BLOCKING, axe_violations, report
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


# -- the embed widget and its help page (webapp/static/embed.js filters where /embed filters on the server) ------
WIDGET_QUERIES = ["theme=For%C3%AAt&limit=5", "difficulty=easy", "min_duration=1h&max_duration=2h&limit=20",
                  "commune=Meyrueis", "commune=saint&difficulty=medium&limit=3", "commune=Vialas&theme=For%C3%AAt",
                  "commune=Nowhere", "limit=0"]


def ready(page) -> None:
    """Wait for embed.js to have shown its answer (a locator: the widget's CSP allows no eval)."""
    page.locator("html[data-widget=ready]").wait_for(state="attached")


def normalized_text(page, selector: str) -> list[str]:
    return [line.strip() for line in page.inner_text(selector).splitlines() if line.strip()]


def live_widget_text(page, demo, query: str) -> list[str]:  # noqa: F811
    """The live ``/embed?query`` of the Flask app, shown in the same browser: what a visitor reads in it."""
    from webapp import create_app

    response = create_app({"DATABASE": str(demo.db_path), "TESTING": True}).test_client().get(f"/embed?{query}")
    page.set_content(response.get_data(as_text=True))
    return normalized_text(page, "main")


def test_published_widget_filters_like_the_live_widget(context, published, demo):  # noqa: F811
    ctx = context()
    page, live = ctx.new_page(), ctx.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for query in WIDGET_QUERIES:
        for lang, prefix in (("fr", ""), ("en", "en/")):
            if lang == "en" and query != "commune=Meyrueis":
                continue
            page.goto(f"{published.url}{prefix}embed/?{query}")
            ready(page)
            expected = live_widget_text(live, demo, f"{query}&lang={lang}")
            shown = normalized_text(page, "main")
            if query == "limit=0":  # the live route answers 400 with the same message
                assert shown == [page.inner_text("h1"), *expected[:2]], (shown, expected)
                assert "limit" in expected[1]
                continue
            assert shown == expected, query
            names = page.locator("main ul li h2 a")
            if names.count():
                first = names.first
                assert re.fullmatch(re.escape(published.url + prefix) + r"trails/\d+/", first.get_attribute("href"))
                assert first.get_attribute("target") == "_blank"
    assert page.locator("main ul li").count() == 0  # the last one: nothing in the commune, no list
    page.goto(f"{published.url}embed/?commune=Vialas&lang=en")  # the live widget answers in English: so does this
    page.wait_for_url(f"{published.url}en/embed/?commune=Vialas")
    ready(page)
    assert normalized_text(page, "main") == live_widget_text(live, demo, "commune=Vialas&lang=en")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


def test_published_widget_without_javascript_shows_the_first_trails(context, published, demo):  # noqa: F811
    page = context(java_script_enabled=False).new_page()
    page.goto(f"{published.url}embed/?commune=Meyrueis&limit=3")
    live = context().new_page()
    assert normalized_text(page, "main") == live_widget_text(live, demo, "lang=fr")  # the ready-made list


def test_published_widget_tells_its_height_to_the_page_that_frames_it(context, published):  # noqa: F811
    page = context().new_page()  # about:blank: a page of another origin
    page.set_content(f"""<script>window.heights = [];
      window.addEventListener("message", (e) => {{ if (e.data && e.data.type === "balise:height") {{
        window.heights.push(e.data.height); }} }});</script>
      <iframe src="{published.url}embed/?commune=Meyrueis&limit=2" style="width:320px;height:50px"></iframe>""")
    frame = page.frame_locator("iframe")
    frame.locator("html[data-widget=ready]").wait_for(state="attached")
    page.wait_for_function("window.heights.length > 0")
    assert frame.locator("main ul li").count() == 2
    height = page.frames[1].evaluate("document.documentElement.scrollHeight")
    page.wait_for_function(f"window.heights[window.heights.length - 1] === {height}")  # the filtered list's height


def test_published_help_page_makes_the_code_in_the_browser(context, published, demo):  # noqa: F811
    from webapp import create_app

    plain = context(java_script_enabled=False).new_page()
    plain.goto(f"{published.url}embed/help/")
    assert plain.locator("form[data-embed-help]").is_hidden()  # its code needs JavaScript: the code for all
    assert f'<iframe src="{published.url}embed/"' in plain.input_value("textarea.embed-code")
    page = context().new_page()
    page.goto(f"{published.url}embed/help/")
    page.fill("#e-commune", "Meyrueis")
    page.select_option("#e-difficulty", "medium")
    page.fill("#e-limit", "3")
    page.click("form[data-embed-help] button[type=submit]")
    page.wait_for_url(re.compile(r"embed/help/\?commune=Meyrueis&difficulty=medium&limit=3$"))
    ready(page)
    code = page.input_value("textarea.embed-code")
    src = f"{published.url}embed/?commune=Meyrueis&amp;difficulty=medium&amp;limit=3"
    assert f'<iframe src="{src}"' in code
    client = create_app({"DATABASE": str(demo.db_path), "TESTING": True,
                         "BASE_URL": published.url}).test_client()
    live = client.get("/embed/help?commune=Meyrueis&difficulty=medium&limit=3&lang=fr").get_data(as_text=True)
    live_code = html.unescape(re.search(r'class="embed-code">(.*?)</textarea>', live, re.S).group(1))
    assert code == live_code.replace("/balades/embed?", "/balades/embed/?")  # same title, same script line
    live_count = html.unescape(re.search(r'class="embed-count">(.*?)</span>', live, re.S).group(1))
    assert page.inner_text(".embed-count") == live_count
    assert page.locator("iframe.embed-preview").get_attribute("src") == "../?commune=Meyrueis&difficulty=medium&limit=3"
    page.locator("iframe.embed-preview").scroll_into_view_if_needed()  # a lazy frame loads when seen
    preview = page.frame_locator("iframe.embed-preview")
    preview.locator("html[data-widget=ready]").wait_for(state="attached")
    widget = context().new_page()
    widget.goto(html.unescape(src))  # the pasted code's address lists what the live widget lists
    ready(widget)
    expected = live_widget_text(context().new_page(), demo, "commune=Meyrueis&difficulty=medium&limit=3&lang=fr")
    assert normalized_text(widget, "main") == expected
    assert preview.locator("main ul li").count() == len(widget.locator("main ul li").all()) > 0
    page.goto(f"{published.url}embed/help/?commune=Vialas")  # an address with filters fills the form
    ready(page)
    assert page.input_value("#e-commune") == "Vialas"
    assert "commune=Vialas" in page.input_value("textarea.embed-code")
    page.goto(published.url)  # the catalogue filtered in the browser passes its filters on
    page.wait_for_function("document.documentElement.dataset.catalogue === 'ready'")
    page.locator("form#filters input[name=difficulty][value=medium]").check()
    page.wait_for_url(re.compile(r"\?difficulty=medium$"))
    assert page.locator(".embed-link a").get_attribute("href") == "embed/help/?difficulty=medium"
    page.goto(f"{published.url}catalogue/difficulty/easy/")  # so does a ready-made page
    page.click(".embed-link a")
    page.wait_for_url(f"{published.url}embed/help/?difficulty=easy")
    ready(page)
    assert page.input_value("#e-difficulty") == "easy"
    assert f'<iframe src="{published.url}embed/?difficulty=easy"' in page.input_value("textarea.embed-code")


@pytest.mark.parametrize("path", ["?difficulty=medium", "trails/{trail}/", "embed/?commune=Meyrueis&limit=3",
                                  "embed/help/?commune=Meyrueis&limit=3", "en/embed/?difficulty=easy"])
def test_axe_finds_no_serious_violation_on_the_published_pages(context, published, demo, path):  # noqa: F811
    """The pages the browser rewrites on the static site (the catalogue filtered by catalogue.js, the widget and its
    help by embed.js) are checked once their script has run, as test_accessibility.py checks the live ones."""
    page = context(bypass_csp=True).new_page()  # the widget's CSP would refuse the injected axe
    page.goto(published.url + path.format(trail=demo.trail_id))
    page.wait_for_load_state("networkidle")
    if path.startswith("?"):
        page.wait_for_function("document.documentElement.dataset.catalogue === 'ready'")
    elif "embed/" in path:
        ready(page)
    violations = axe_violations(page)
    assert not [v for v in violations if v["impact"] in BLOCKING], f"axe on {page.url}:\n{report(violations)}"
