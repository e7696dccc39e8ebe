"""Catalogue cards' thumbnails in real headless Chromium: in the live app (waitress on loopback) and in the
static site ``balise publish`` writes, where the catalogue's script draws the filtered cards itself.

Data: the real web catalogue of tests/helpers.build_web_catalogue and the real photo of tests/data/media
(see its README), stored through ``balise media import`` on the first stop of the Aubenas leg.
"""
from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from helpers import Served
from test_card_photos import LEG, catalogue_with_photo

pytestmark = pytest.mark.browser

CARD = "ul.results img.card-photo"  # only the leg has a stored photo


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def catalogue(tmp_path):
    from webapp.cli import cli

    db_path, _ids = catalogue_with_photo(tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "publish", "--out", str(tmp_path / "site"),
                                 "--base-url", "https://commune.example/"])
    assert result.exit_code == 0, result.output
    return db_path, tmp_path / "site"


def _loaded(page) -> list:
    card = page.locator(CARD)
    assert card.count() == 1
    assert LEG in card.locator("xpath=..").inner_text()
    card.scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('{CARD}').complete && "
                           f"document.querySelector('{CARD}').naturalWidth > 0")
    return card.evaluate("i => [i.naturalWidth, i.naturalHeight, i.loading, i.alt]")


def test_the_live_catalogue_shows_the_thumbnail(catalogue, browser):
    from webapp import create_app

    db_path, _site = catalogue
    served = Served(create_app({"DATABASE": str(db_path), "SECRET_KEY": "browser-tests", "TILES_URL": ""}), threads=2)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{served.url}/")
        assert _loaded(page) == [400, 265, "lazy", "Le poteau du Bateau"]
    finally:
        context.close()
        served.stop()


def test_the_static_catalogue_script_draws_the_thumbnail_on_filtered_cards(catalogue, browser):
    _db, site = catalogue
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/?q=arlix")  # filtered in the browser
        page.wait_for_function("document.querySelectorAll('ul.results > li').length === 1")
        assert _loaded(page) == [400, 265, "lazy", "Le poteau du Bateau"]
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()
