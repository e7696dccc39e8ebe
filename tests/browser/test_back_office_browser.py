"""The tourism office's back office in real headless Chromium (waitress on loopback):

- an administrator registers a web-service source (the real LEI export, served on 127.0.0.1), previews it,
  imports it and reads the report;
- a visitor filters the catalogue and the map of the territory follows (same trailheads as the list),
  and a POI layer can be switched on;
- a QR scan (``?src=poster``), a GPX download and an offline install of the bundle appear in the
  staff dashboard's counts.

Data: the real Cévennes circuits and Aubenas leg of tests/helpers.build_web_catalogue, the LEI sample of
tests/data/sources/lei/ (see their README files).
"""
from __future__ import annotations

import re

import pytest

from helpers import SOURCES, add_staff, build_web_catalogue
from loopback import Served

pytestmark = pytest.mark.browser

PASSWORD = "sentier du Tournel 1907"
LEI = SOURCES / "lei" / "lei__touristic-content_sample.xml"


@pytest.fixture
def office(tmp_path, serve_app):
    """The app over the web test catalogue with an admin account, and a loopback server with the LEI export."""
    db_path = tmp_path / "balise.db"
    build_web_catalogue(db_path)
    add_staff(db_path, "admin", PASSWORD, role="admin")
    lei = Served()
    lei.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    yield serve_app(db_path, TILES_URL="").url, lei.url + "/lei/export.xml"
    lei.close()


@pytest.fixture
def ctx(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True)
    context.requested = []
    context.on("request", lambda request: context.requested.append(request.url))
    yield context
    context.close()


def _log_in(page, base):
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/editor/")


def test_admin_registers_previews_and_imports_a_source(office, ctx, tmp_path):
    base, lei_url = office
    page = ctx.new_page()
    _log_in(page, base)
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Name", exact=True).fill("LEI Alsace")
    page.get_by_label("Format", exact=True).select_option("lei")
    page.get_by_label("Web service address (URL)").fill(lei_url)
    page.get_by_label("Licence", exact=True).fill("Licence Ouverte 2.0")
    page.get_by_role("button", name="Register the source").click()
    page.wait_for_url(re.compile(r".*/editor/sources/\d+$"))

    page.get_by_role("button", name="Preview (nothing is written)").click()
    page.wait_for_url(re.compile(r".*/runs/\d+$"))  # through the background job's page (it refreshes itself)
    assert any(re.search(r"/editor/sources/\d+/jobs/\d+$", url) for url in ctx.requested)
    report = page.locator("#report")
    assert report.get_attribute("data-dry-run") == "1"
    assert "Nothing was written" in report.inner_text()
    assert page.inner_text('[data-count="added"]') == "2 added"
    assert "added: Restaurant A" in report.inner_text() and "no latitude" in report.inner_text()

    page.get_by_role("button", name="Import now").click()
    page.wait_for_function("document.querySelector('#report')?.dataset.dryRun === '0'")  # the job page, then this
    assert page.inner_text('[data-count="added"]') == "2 added"
    assert page.inner_text('[data-count="skipped"]') == "3 skipped"
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000

    page.goto(f"{base}/editor/sources")
    assert "0 added" not in page.inner_text('tr[data-source="LEI Alsace"]')
    assert "2 added" in page.inner_text('tr[data-source="LEI Alsace"]')


def _listed(page) -> int:
    return int(re.match(r"\d+", page.inner_text("#results-title")).group(0))


def test_the_map_follows_the_catalogue_filters(office, ctx, tmp_path):
    base, _lei = office
    page = ctx.new_page()
    page.goto(f"{base}/")
    page.wait_for_function("document.getElementById('territory-map').dataset.state === 'ready'")
    everything = _listed(page)
    assert everything >= 3
    assert int(page.get_attribute("#territory-map", "data-trails")) == everything
    assert page.locator("#territory-map .leaflet-marker-icon").count() >= 1

    page.locator('form.filters input[name="route_type"][value="loop"]').check()
    page.get_by_role("button", name="Show the trails").click()
    page.wait_for_url(re.compile(r".*route_type=loop.*"))
    page.wait_for_function("document.getElementById('territory-map').dataset.state === 'ready'")
    narrowed = _listed(page)
    assert 0 < narrowed < everything
    assert int(page.get_attribute("#territory-map", "data-trails")) == narrowed

    page.get_by_label("Practical: water, toilets, fuel, cash, shops").check()
    page.wait_for_function("Number(document.getElementById('territory-map').dataset.layerPractical) >= 0")
    page.screenshot(path=str(tmp_path / "catalogue-map.png"), full_page=True)
    assert (tmp_path / "catalogue-map.png").stat().st_size > 10_000
    assert all(url.startswith(base) for url in ctx.requested), "the map fetches nothing from elsewhere"


def test_the_list_works_without_javascript(office, browser):
    base, _lei = office
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{base}/?route_type=loop")
        assert page.locator("ul.results > li").count() == _listed(page) > 0
        assert not page.is_visible("#territory-map")
    finally:
        context.close()


def test_qr_scan_download_and_install_appear_in_the_dashboard(office, ctx):
    base, _lei = office
    visitor = ctx.new_page()
    visitor.goto(f"{base}/")
    first = visitor.locator("ul.results h3 a").first
    trail_url = first.get_attribute("href")
    trail_id = int(trail_url.rstrip("/").rsplit("/", 1)[1])

    visitor.goto(f"{base}/trails/{trail_id}/bundle/?src=poster")  # what the poster's QR code opens
    visitor.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=30_000)
    visitor.goto(f"{base}/trails/{trail_id}")
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="Download the GPX track").click()
    assert download.value.suggested_filename.endswith(".gpx")

    staff = ctx.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page = staff.new_page()
        _log_in(page, base)
        page.get_by_role("link", name="Figures").click()
        totals = {m: int(n) for m, n in re.findall(r'data-metric="(\w+)"><strong>(\d+)</strong>', page.content())}
        assert totals["qr"] == 1 and totals["gpx"] == 1 and totals["install"] == 1 and totals["view"] >= 1
        row = page.locator(f'tr[data-trail-id="{trail_id}"]')
        assert row.locator('[data-metric="qr"]').inner_text() == "1"
        assert page.inner_text('li[data-src="poster"]') == "poster: 1"
    finally:
        staff.close()
