"""The catalogue's "near me" button in headless Chromium: hidden without geolocation, and with a
position granted it fills ``near`` with the visitor's latitude,longitude and lists the trails around.
The "near a town" field works without JavaScript (a datalist of the communes). Real demo catalogue
(fixtures shared with test_catalogue_browser.py)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

try:  # tests/ as a package, or as plain folders
    from .test_catalogue_browser import context, demo, serve_site, site, tile_png, total  # noqa: F401
except ImportError:
    from test_catalogue_browser import context, demo, serve_site, site, tile_png, total  # noqa: F401

pytestmark = pytest.mark.browser


def test_near_me_fills_the_position_and_lists_the_trails_around(context, site):
    ctx = context(geolocation={"latitude": 42.5063, "longitude": 1.5218}, permissions=["geolocation"])
    page = ctx.new_page()
    page.goto(site.url + "/?lang=en")
    everything = total(page)
    button = page.locator("#f-near-me")
    assert button.is_visible()
    page.fill("#f-town", "something typed before")
    with page.expect_navigation():
        button.click()
    args = parse_qs(urlparse(page.url).query)
    assert args["near"] == ["42.50630,1.52180"] and args.get("town", [""]) == [""]
    assert re.search(r"within \d+ km of 42\.5063, 1\.5218", page.inner_text(".active-filters"))
    assert 0 < total(page) < everything


def test_without_geolocation_the_button_stays_hidden_and_a_town_works(context, site):
    ctx = context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(site.url + "/?lang=en")
    assert not page.locator("#f-near-me").is_visible()
    towns = re.findall(r'<option value="([^"]+)">', page.inner_html("#f-towns"))
    assert towns, "the town list is empty"
    page.fill("#f-town", towns[0])
    page.fill("#f-radius", "20")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert f"within 20 km of {towns[0]}" in page.inner_text(".active-filters")
    assert total(page) > 0
