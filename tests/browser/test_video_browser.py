"""A POI's short video in real headless Chromium (waitress on loopback): nothing of it is downloaded before the
visitor presses play (``preload="none"``, never autoplay), the poster shows, then it plays.

Data: the real web catalogue of tests/helpers.build_web_catalogue; the 2-second VP8 WebM and H.264 MP4 of
tests/data/media (made here from the real photo there: see its README).
"""
from __future__ import annotations

import shutil
import threading

import pytest
from click.testing import CliRunner

from helpers import DATA, Served, build_web_catalogue, open_db
from poi.models import Media
from poi.store import PoiStore
from trails.store import TrailStore

pytestmark = pytest.mark.browser

WEBM = DATA / "media" / "video_2s_320x180_vp8_DERIVED.webm"
MP4 = DATA / "media" / "video_2s_320x180_h264_DERIVED.mp4"


def with_videos(folder, videos):
    """The web catalogue in ``folder``; the Aubenas leg's first stops get one video each (path, title), stored by
    ``balise media import``. Returns (db path, ids, the POIs' ids)."""
    from webapp.cli import cli

    db_path = folder / "balise.db"
    ids = build_web_catalogue(db_path)
    db = open_db(db_path)
    pois = [s.poi_id for s in TrailStore(db).stops(ids["Le Bateau - Arlix"])[:len(videos)]]
    for poi_id, (path, title) in zip(pois, videos):
        shutil.copy(path, folder / path.name)
        PoiStore(db).update_fields(poi_id, media=[Media("video", path.name, title=title)])
    db.conn.close()
    assert CliRunner().invoke(cli, ["--db", str(db_path), "media", "import"]).exit_code == 0
    return db_path, ids, pois


def watched_page(browser, **options):
    """A new English context and page, and the list of every URL the page asks for."""
    context = browser.new_context(locale="en-GB", **options)
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    return context, context.new_page(), requested


@pytest.fixture
def served_poi(tmp_path):
    from webapp import create_app

    db_path, _ids, (poi_id,) = with_videos(tmp_path, [(WEBM, "Le sentier")])
    served = Served(create_app({"DATABASE": str(db_path), "SECRET_KEY": "browser-tests", "TILES_URL": ""}))
    yield served.url, poi_id
    served.stop()


def test_a_poi_video_waits_for_the_visitor_then_plays(served_poi, browser, tmp_path):
    base, poi_id = served_poi
    context, page, requested = watched_page(browser, viewport={"width": 1000, "height": 900})
    try:
        page.goto(f"{base}/pois/{poi_id}")
        video = page.locator("figure.poi-video video")
        video.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('figure.poi-video video').poster !== ''")
        page.wait_for_load_state("networkidle")
        assert not any("/videos/" in url for url in requested), "the video was fetched before anyone asked"
        assert any("_poster.webp" in url for url in requested)
        assert page.evaluate("(v => [v.autoplay, v.paused, v.preload])(document.querySelector('figure.poi-video video'))") \
            == [False, True, "none"]
        page.screenshot(path=str(tmp_path / "poi-video.png"), full_page=True)
        assert (tmp_path / "poi-video.png").stat().st_size > 10_000
        assert page.evaluate("document.createElement('video').canPlayType('video/webm; codecs=\"vp8\"')") != ""
        page.evaluate("document.querySelector('figure.poi-video video').muted = true")
        page.evaluate("document.querySelector('figure.poi-video video').play()")
        page.wait_for_function("document.querySelector('figure.poi-video video').currentTime > 0.3", timeout=15_000)
        assert any("/videos/" in url and url.endswith(".webm") for url in requested)
        assert page.evaluate("document.querySelector('figure.poi-video video').videoWidth") == 320
    finally:
        context.close()


def test_a_bundle_card_carries_a_video_within_budget_and_links_one_beyond(tmp_path, browser, monkeypatch):
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from exporter import bundle, bundle_media

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass

    db_path, ids, (first, second) = with_videos(tmp_path, [(WEBM, "Le sentier"), (MP4, "Le poteau")])
    leg = ids["Le Bateau - Arlix"]
    monkeypatch.setattr(bundle_media, "VIDEO_BUDGET_BYTES", 40_000)  # the WebM (36 KB) fits, not both
    db = open_db(db_path)
    store = TrailStore(db)
    (tmp_path / "www").mkdir()
    report = bundle.export(store.get(leg), store.stops_with_pois(leg), out_dir=tmp_path / "www" / "bundle",
                           media_root=tmp_path)
    db.conn.close()
    assert [w for w in report.warnings if ".mp4" in w]  # the report says which video became a link
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path / "www")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context, page, requested = watched_page(browser, viewport={"width": 390, "height": 844})
    try:
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/bundle/")
        page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=30_000)
        video = page.locator(f'[data-poi-id="{first}"] video')
        assert video.evaluate("v => [v.preload, v.autoplay, v.controls, v.getAttribute('src').startsWith('media/')]") \
            == ["none", False, True, True]
        link = page.locator(f'[data-poi-id="{second}"] p.video-link a')
        assert link.inner_text() == "Watch the video"
        assert link.get_attribute("href").startswith("../../../videos/")
        assert page.locator(f'[data-poi-id="{second}"] video').count() == 0
        page.wait_for_function("document.documentElement.dataset.media === 'complete'", timeout=30_000)
        kept = page.evaluate("""async () => {
          for (const key of await caches.keys()) {
            for (const r of await (await caches.open(key)).keys()) if (r.url.endsWith(".webm")) return true;
          }
          return false;
        }""")
        assert kept, "the video in the bundle is kept for offline use"
        assert not any(url.endswith(".mp4") for url in requested), "the linked video is not fetched"
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()
