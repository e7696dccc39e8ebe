"""The public catalogue and circuit pages in real headless Chromium, served by waitress on loopback.

The site is the real demo catalogue (:func:`webapp.demo.build_demo` over ``data/``) in a temporary
database. Filters narrow the list and give shareable URLs; facet counts announce the number of results
a choice gives; the list works without JavaScript; the circuit map loads from our own files only (tiles
excepted); the GPX downloads; the language switch works; phone screenshots are not blank.

The fixtures ``demo``, ``serve_site``, ``site`` and ``offline_site`` are reused by test_accessibility.py.
"""
from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.browser

TILE_HOST = "tile.openstreetmap.org"
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


@dataclass(slots=True)
class Demo:
    """The demo database and a few of its records the tests visit."""

    db_path: Path
    trails: int  # published trails
    trail_id: int  # the circuit with the most stops
    trail_name: str
    stops: int
    poi_id: int  # a stop of that circuit


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    from helpers import open_db
    from trails.store import TrailStore
    from webapp.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "balise.db"
    db = open_db(path)
    try:
        report = build_demo(db)
        store = TrailStore(db)
        trail_id = max(report.trail_ids, key=lambda tid: (len(store.stops(tid)), -tid))
        stops = store.stops_with_pois(trail_id)
        info = Demo(db_path=path, trails=len(store.all(published_only=True)), trail_id=trail_id,
                    trail_name=store.get(trail_id).name, stops=len(stops), poi_id=stops[0].poi.id)
    finally:
        db.conn.close()
    assert info.stops > 0 and info.trails > 40
    return info


@pytest.fixture(scope="session")
def serve_site(demo, serve_app):
    """``serve_site(**config) -> Site(url, app)``: the app over the demo db, served by waitress on
    127.0.0.1:<free port> (conftest's ``serve_app``)."""
    return partial(serve_app, demo.db_path)


@pytest.fixture(scope="session")
def site(serve_site):
    """The site with the default (remote) tile server; tests answer tile requests themselves."""
    return serve_site()


@pytest.fixture(scope="session")
def offline_site(serve_site):
    """The site with ``TILES_URL = ""``: maps without background, no remote resource at all."""
    return serve_site(TILES_URL="")


@pytest.fixture(scope="session")
def tile_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (221, 232, 214)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def context(browser, tile_png):
    """``context(**options)`` (this module's own, in place of pytest-playwright's): a new browser context (phone size, French) whose tile requests are answered
    locally (never the network); each context records every request URL in ``ctx.requested``."""
    made = []

    def _new(**options):
        ctx = browser.new_context(**{"viewport": PHONE, "locale": "fr-FR", **options})
        ctx.requested = []
        ctx.on("request", lambda request: ctx.requested.append(request.url))
        ctx.route(f"https://{TILE_HOST}/**",
                  lambda route: route.fulfill(status=200, content_type="image/png", body=tile_png))
        made.append(ctx)
        return ctx

    yield _new
    for ctx in made:
        ctx.close()


# -- helpers -----------------------------------------------------------------------------------------------

def total(page) -> int:
    """The number of matching trails the results heading announces ("118 trails", "1 circuit")."""
    return int(re.search(r"\d+", page.inner_text("#results-title")).group())


def names(page) -> list[str]:
    return page.locator("ul.results > li h3").all_inner_texts()


def choice_count(page, name: str, value: str) -> int:
    """The count shown next to a checkbox of the filter form."""
    text = page.locator(f"form.filters label.choice:has(input[name='{name}'][value='{value}']) .count").inner_text()
    return int(re.search(r"\d+", text).group())


def choices(page, name: str) -> list[tuple[str, int]]:
    values = page.eval_on_selector_all(f"form.filters input[name='{name}']", "els => els.map(e => e.value)")
    return [(value, choice_count(page, name, value)) for value in values]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def grey_variance(png: bytes) -> float:
    return ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).var[0]


def save_screenshot(png: bytes, tmp_path: Path, name: str) -> Path:
    """Keep a screenshot in the test's tmp folder (and in $BALISE_SCREENSHOTS if set, to look at them)."""
    folder = Path(os.environ.get("BALISE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(png)
    return folder / name


# -- filters -----------------------------------------------------------------------------------------------

def test_filters_narrow_the_list_and_the_url_is_shareable(context, site, demo):
    page = context().new_page()
    page.goto(site.url + "/?lang=en")
    assert total(page) == demo.trails
    assert page.locator("ul.results > li").count() == 20  # one page of the list

    easy = choice_count(page, "difficulty", "easy")
    assert 0 < easy < demo.trails
    page.check("input[name=difficulty][value=easy]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"difficulty=easy"))
    assert total(page) == easy
    assert set(page.locator("ul.results dl.figures div:nth-child(3) dd").all_inner_texts()) == {"easy"}
    assert "difficulty: easy" in page.inner_text(".active-filters")

    loops = choice_count(page, "route_type", "loop")  # counted under difficulty=easy
    assert 0 < loops < easy
    page.check("input[name=route_type][value=loop]")
    page.fill("#f-max", "3h")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"route_type=loop"))
    params = query(page.url)
    assert params["difficulty"] == ["easy"] and params["route_type"] == ["loop"] and params["max_duration"] == ["3h"]
    narrowed, listed = total(page), names(page)
    assert 0 < narrowed <= loops and len(listed) == min(narrowed, 20)
    assert page.is_checked("input[name=difficulty][value=easy]") and page.input_value("#f-max") == "3h"

    page.reload()
    assert (total(page), names(page)) == (narrowed, listed)
    other = context().new_page()  # someone else opening the shared link: no cookie, French browser
    other.goto(page.url)
    assert (total(other), names(other)) == (narrowed, listed)
    assert other.get_attribute("html", "lang") == "en"


def test_text_search_and_clear(context, site):
    page = context().new_page()
    page.goto(site.url + "/?lang=en")
    page.fill("#f-q", "moulin")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r"q=moulin"))
    found = names(page)
    assert found and total(page) < 50
    assert all("moulin" in n.lower() for n in found) or "moulin" in page.inner_text("ul.results").lower()
    page.click("text=Clear the filters")
    page.wait_for_url(re.compile(r"/$|/\?lang=\w+$"))
    assert total(page) > len(found)


def test_facet_counts_match_the_results_of_each_choice(context, site):
    page = context().new_page()
    checked = 0
    for base in ("/?lang=en", "/?lang=en&route_type=loop", "/?lang=en&theme=Forêt&max_duration=4h"):
        page.goto(site.url + base)
        announced = {name: choices(page, name) for name in ("difficulty", "route_type", "practice", "theme")}
        active = query(site.url + base)
        for name, pairs in announced.items():
            if name in active:
                continue  # a facet is counted without its own filter ("any of" within a facet)
            for value, count in pairs:
                page.goto(site.url + base + f"&{name}={value}")
                assert total(page) == count, (base, name, value)
                checked += 1
        buckets = page.eval_on_selector_all(
            "form.filters ul.buckets li", "lis => lis.map(li => [li.querySelector('a').href, "
            "li.querySelector('.count').textContent])")
        for href, count in buckets:
            page.goto(href)
            assert total(page) == int(re.search(r"\d+", count).group()), href
            checked += 1
    assert checked > 40


def test_the_list_works_without_javascript(context, site, demo):
    ctx = context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(site.url + "/?lang=en")
    first_page = names(page)
    assert total(page) == demo.trails and len(first_page) == 20
    page.click("nav.pagination a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.inner_text("nav.pagination [aria-current=page]") == "2"
    assert names(page) and not set(names(page)) & set(first_page)

    medium = choice_count(page, "difficulty", "medium")
    page.check("input[name=difficulty][value=medium]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"difficulty=medium"))
    assert total(page) == medium
    assert "page" not in query(page.url)  # a new search starts on page 1
    page.click("ul.results > li h3 a >> nth=0")
    assert page.locator("h1").inner_text() in first_page + names(page) or page.locator("dl.figures").count()
    assert page.locator("ol.stops, .trail").count() > 0


# -- circuit page --------------------------------------------------------------------------------------------

def _remote(urls: list[str]) -> list[str]:
    """Requested http(s) URLs that do not go to the loopback server."""
    return [u for u in urls if urlsplit(u).scheme in ("http", "https") and urlsplit(u).hostname != "127.0.0.1"]


def test_circuit_map_draws_the_trace_from_our_own_files(context, site, demo):
    ctx = context()
    page = ctx.new_page()
    page.goto(f"{site.url}/trails/{demo.trail_id}?lang=en")
    page.wait_for_selector(".folium-map path.leaflet-interactive")
    assert page.locator(".folium-map path.leaflet-interactive").count() > 0  # the trace and the start
    assert page.locator(".folium-map .leaflet-marker-icon").count() == demo.stops
    page.wait_for_load_state("networkidle")
    assert page.locator(".folium-map img.leaflet-tile-loaded").count() > 0
    assert {urlsplit(u).hostname for u in _remote(ctx.requested)} == {TILE_HOST}
    scripts = page.eval_on_selector_all("script[src], link[rel=stylesheet]", "els => els.map(e => e.src || e.href)")
    assert scripts and not _remote(scripts)
    assert any(s.endswith("/vendor/leaflet/leaflet.js") for s in scripts)

    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')")
    # a stop's popup links to its POI page (dispatched: numbered markers of nearby stops may overlap)
    page.locator(".folium-map .leaflet-marker-icon").nth(0).dispatch_event("click")
    page.wait_for_selector(".leaflet-popup-content a")
    link = page.locator(".leaflet-popup-content a")
    assert link.count() == 1 and "/pois/" in link.get_attribute("href")


def test_circuit_map_without_tile_server_requests_nothing_remote(context, offline_site, demo):
    ctx = context()
    page = ctx.new_page()
    page.goto(f"{offline_site.url}/trails/{demo.trail_id}?lang=fr")
    page.wait_for_selector(".folium-map path.leaflet-interactive")
    page.wait_for_load_state("networkidle")
    assert page.locator(".folium-map .leaflet-tile").count() == 0
    assert _remote(ctx.requested) == []
    assert grey_variance(page.locator(".folium-map").screenshot()) > 20  # the trace shows on the plain map


def test_gpx_download_link_gives_the_trace(context, site, demo):
    page = context(accept_downloads=True).new_page()
    page.goto(f"{site.url}/trails/{demo.trail_id}?lang=en")
    with page.expect_download() as info:
        page.click("a[href$='.gpx']")
    download = info.value
    assert download.suggested_filename.endswith(".gpx")
    root = ET.parse(download.path()).getroot()
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx"
    assert len(root.findall(".//g:trkpt", ns)) > 10
    assert demo.trail_name in [e.text for e in root.iter() if e.tag.endswith("name")]


def test_poi_page_is_reached_from_the_stops(context, site, demo):
    page = context().new_page()
    page.goto(f"{site.url}/trails/{demo.trail_id}?lang=en")
    first = page.locator("ol.stops > li h3 a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/pois/\d+"))
    assert page.locator("h1").inner_text() == name
    assert "Licence and credits" in page.inner_text("main")


# -- languages -----------------------------------------------------------------------------------------------

def test_language_switch_keeps_the_search_and_is_remembered(context, site):
    page = context().new_page()
    page.goto(site.url + "/?difficulty=easy")  # French browser, no choice yet: French
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("h1").inner_text() == "Circuits"
    count = total(page)
    page.click("header nav.lang a[hreflang=en]")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Trails"
    assert query(page.url)["difficulty"] == ["easy"] and total(page) == count
    assert page.get_attribute("header nav.lang a[hreflang=en]", "aria-current") == "true"
    page.goto(site.url + "/")  # the choice is remembered (cookie)
    assert page.get_attribute("html", "lang") == "en"
    page.goto(site.url + "/trails/99999999")
    assert page.locator("h1").inner_text() == "Page not found"
    page.click("header nav.lang a[hreflang=fr]")
    assert page.locator("h1").inner_text() == "Page introuvable"


# -- phone layout --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/?lang=fr", "/?lang=en&difficulty=easy", "/trails/{trail}?lang=fr",
                                  "/pois/{poi}?lang=en"])
def test_phone_screenshots_are_not_blank_and_fit_the_width(context, site, demo, path, tmp_path):
    page = context(viewport=PHONE).new_page()
    page.goto(site.url + path.format(trail=demo.trail_id, poi=demo.poi_id))
    page.wait_for_load_state("networkidle")
    png = page.screenshot()
    name = re.sub(r"\W+", "_", path.format(trail="trail", poi="poi")).strip("_") + ".png"
    saved = save_screenshot(png, tmp_path, "phone_" + name)
    with Image.open(saved) as image:
        assert image.size == (PHONE["width"], PHONE["height"])
    assert grey_variance(png) > 200, f"blank-looking screenshot {saved}"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    save_screenshot(page.screenshot(full_page=True), tmp_path, "phone_full_" + name)


def test_wide_screen_puts_the_filters_beside_the_results(context, site, tmp_path):
    page = context(viewport=WIDE).new_page()
    page.goto(site.url + "/?lang=en")
    form, results = page.locator("form.filters").bounding_box(), page.locator("section.results").bounding_box()
    assert form["x"] + form["width"] <= results["x"] and abs(form["y"] - results["y"]) < 80
    save_screenshot(page.screenshot(), tmp_path, "wide_catalogue.png")


def test_circuit_map_follows_edits_of_the_trail_and_its_stops(demo, tmp_path):
    """The circuit page remembers rendered maps (webapp.public._trail_map): an edit must show at once."""
    import shutil

    from poi.store import PoiStore
    from helpers import open_db
    from trails.store import TrailStore
    from webapp import create_app

    path = tmp_path / "balise.db"
    shutil.copy(demo.db_path, path)
    client = create_app({"DATABASE": str(path)}).test_client()
    url = f"/trails/{demo.trail_id}?lang=en"
    before = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == before  # served from the cache, same page
    db = open_db(path)
    try:
        trail = TrailStore(db).get(demo.trail_id)
        trail.name = "Renamed for the cache test"
        trail.segments[0] = trail.segments[0][1:]
        TrailStore(db).save(trail)
        pois = PoiStore(db)
        poi = pois.get(demo.poi_id)
        poi.name = "Renamed stop"
        pois.upsert(poi)
    finally:
        db.conn.close()
    after = client.get(url).get_data(as_text=True)
    script = after.rsplit("<script>", 1)[1]
    assert "Renamed for the cache test" in script and "Renamed stop" in script
    french = client.get(f"/trails/{demo.trail_id}?lang=fr").get_data(as_text=True).rsplit("<script>", 1)[1]
    assert french != script  # popups follow the language
