"""Issue 4's whole story in real headless Chromium, served by waitress on loopback:

1. a member of staff logs in, creates a circuit by uploading a real GPX (name, theme), sees the stops the
   corridor attached, moves one up, sets its trigger radius and publishes the circuit;
2. a visitor on a phone (new context, no login) finds it through the catalogue's filters (theme and a
   maximum duration), downloads its GPX and its offline bundle (zip), opens the served bundle, whose
   service worker keeps it: offline, the reloaded bundle lists the stops in the staff's order; back
   online, the visitor rates the circuit and leaves a comment holding a ``<script>``: held for moderation;
3. the staff member approves it on /editor/feedback;
4. the circuit page shows the comment, inert (no dialog opens, the text shows escaped), and the average.

Data (tests/data/web/README.md): the real OSM hiking leg "Le Bateau - Arlix" (Bassin d'Aubenas, Ardèche),
written as a GPX file by our GPX exporter; its 3 real guideposts imported through the library's GeoJSON
importer; 3 real Parc national des Cévennes circuits beside it in the catalogue, so the filters have
something to leave out (one of them shares the theme, and is longer).
Screenshots of each part go to the test's tmp folder (or ``$BALISE_SCREENSHOTS``).
"""
from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data"
LEG = DATA / "web" / "aubenas_leg_le-bateau-arlix_with_3_guideposts.geojson"
CEVENNES = DATA / "web" / "cevennes_4_circuits.geojson"
OSM = "© OpenStreetMap contributors"
PASSWORD = "sentier du Tournel 1907"
NAME = "Au bord de l'Ardèche : Le Bateau – Arlix"
THEME = "Eau et géologie"  # also a theme of "Mas cévenol de La Roquette" (2 h): the duration filter leaves it out
COMMENT = "Belle balade ombragée <script>alert(1)</script> au bord de l'eau"
STAFF_VIEW = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
BUNDLE_READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"


@dataclass(slots=True)
class Story:
    url: str  # the site's base URL, no trailing slash
    gpx: Path  # the leg as a GPX file, to upload
    guideposts: int


@pytest.fixture(scope="module")
def story(tmp_path_factory, serve_app):
    """A fresh db (3 published Cévennes circuits, the 3 guideposts imported from GeoJSON, one editor account),
    the app over it served by waitress on 127.0.0.1:<free port>."""
    from exporter.gpx import export as export_gpx
    from poi.importers import import_file
    from helpers import add_staff, open_db
    from trails.assembly import measure
    from trails.models import Trail
    from trails.schema_randonnee import read_circuits
    from trails.store import TrailStore

    folder = tmp_path_factory.mktemp("story")
    db = open_db(folder / "balise.db")
    try:
        for circuit in read_circuits(CEVENNES):
            if "VTT" not in circuit.name:
                circuit.published = True
                TrailStore(db).save(measure(circuit))
        leg, *guideposts = json.loads(LEG.read_text(encoding="utf-8"))["features"]
        for g in guideposts:  # as viewpoints (story stops, pushed in the staff's order): a guidepost is a
            g["properties"].pop("information", None)  # waymark, never a stop (issue 14)
            g["properties"]["tourism"] = "viewpoint"
        source = folder / "aubenas_guideposts.geojson"
        source.write_text(json.dumps({"type": "FeatureCollection", "features": guideposts}), encoding="utf-8")
        report = import_file(db, source, source="osm", licence="ODbL 1.0", attribution=OSM)
        assert report.added == len(guideposts) == 3, report.problems
    finally:
        db.conn.close()
    add_staff(folder / "balise.db", "marie", PASSWORD)
    gpx = folder / "le-bateau-arlix.gpx"
    trail = Trail(name=leg["properties"]["name"], segments=[[tuple(c) for c in leg["geometry"]["coordinates"]]])
    gpx.write_text(export_gpx(trail, []), encoding="utf-8")

    return Story(serve_app(folder / "balise.db", TILES_URL="").url, gpx, len(guideposts))


# -- helpers -----------------------------------------------------------------------------------------------

def grey_variance(png: bytes) -> float:
    return ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).var[0]


def screenshot(page, folder: Path, name: str) -> float:
    """Save a full-page screenshot (tmp folder, or $BALISE_SCREENSHOTS); return its grey-level variance."""
    folder = Path(os.environ.get("BALISE_SCREENSHOTS") or folder)
    folder.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(path=str(folder / name), full_page=True)
    return grey_variance(png)


def stop_ids(page, selector: str) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.poiId)")]


def watch_dialogs(page, dialogs: list[str]) -> None:
    """Record (and dismiss) every alert/confirm/prompt the page opens: there must be none."""
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))


# -- the parts of the story ----------------------------------------------------------------------------------

def staff_creates_and_publishes(page, story: Story) -> tuple[int, list[int]]:
    """Part 1 (staff, French interface): returns the trail id and its stops' POI ids in the staff's order."""
    base = story.url
    page.goto(f"{base}/editor/")
    assert "/login?next=" in page.url  # not logged in yet
    page.get_by_label("Nom d’utilisateur").fill("marie")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/editor/")

    page.get_by_role("link", name="Nouveau circuit à partir d’un GPX").first.click()
    page.wait_for_url(f"{base}/editor/trails/new")
    page.get_by_label("Fichier GPX").set_input_files(str(story.gpx))
    page.get_by_label("Nom", exact=True).fill(NAME)
    page.get_by_label("Thèmes").fill(THEME)
    page.get_by_role("button", name="Créer le circuit").click()
    page.wait_for_url(re.compile(r".*/editor/trails/\d+$"))
    trail_id = int(page.url.rsplit("/", 1)[1])
    assert f"{story.guideposts} étapes rattachées" in page.inner_text(".flashes")

    page.get_by_role("link", name="Étapes et médias").click()
    page.wait_for_url(f"{base}/editor/trails/{trail_id}/stops")
    rows = "table.stops tbody tr[data-poi-id]"
    before = stop_ids(page, rows)
    assert len(before) == story.guideposts >= 2
    names = dict(zip(before, page.locator(f"{rows} td:nth-child(2) > a").all_inner_texts()))

    # move the last stop up: it trades places with the one before it
    moved = before[-1]
    page.locator(f"#up-{moved}").click()
    page.wait_for_url(re.compile(rf"/stops\?moved={moved}&direction=up$"))
    order = stop_ids(page, rows)
    assert order == before[:-2] + [moved, before[-2]]
    assert names[moved] in page.inner_text(".flashes")

    # a trigger radius of its own for the moved stop
    page.fill(f"#radius-{moved}", "40")
    with page.expect_navigation():
        page.locator(f"tr#stop-{moved} form.radius").get_by_role("button").click()
    assert "40 m" in page.inner_text(".flashes")
    assert page.input_value(f"#radius-{moved}") == "40"
    assert stop_ids(page, rows) == order

    page.get_by_role("link", name="Textes et chiffres").click()
    page.wait_for_url(f"{base}/editor/trails/{trail_id}")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_selector(".status.published")
    return trail_id, order


def visitor_finds_downloads_and_goes_offline(ctx, story: Story, trail_id: int, order: list[int],
                                             dialogs: list[str], tmp_path: Path) -> None:
    """Part 2 (visitor on a phone, English interface, not logged in)."""
    base = story.url
    page = ctx.new_page()
    watch_dialogs(page, dialogs)
    page.goto(f"{base}/")
    assert page.inner_text("#results-title") == "4 trails"
    page.get_by_role("link", name="Filter the trails").click()
    page.locator(f"form.filters input[name=theme][value='{THEME}']").check()
    page.get_by_role("group", name="Duration").get_by_label("At most").fill("1h")
    page.get_by_role("button", name="Show the trails").click()
    page.wait_for_url(re.compile(r"max_duration=1h"))
    assert page.inner_text("#results-title") == "1 trail"
    assert page.locator("ul.results > li h3").all_inner_texts() == [NAME]
    page.get_by_role("link", name=NAME).click()
    page.wait_for_url(f"{base}/trails/{trail_id}")
    assert page.locator("h1").inner_text() == NAME
    assert stop_ids(page, "ol.stops > li[data-poi-id]") == order

    # the GPX: a track named after the circuit
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the GPX track").click()
    assert info.value.suggested_filename.endswith(".gpx")
    root = ET.parse(info.value.path()).getroot()
    assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx"
    assert root.findtext("g:trk/g:name", namespaces=GPX_NS) == NAME
    assert len(root.findall(".//g:trkpt", GPX_NS)) > 10

    # the bundle as a zip: one folder holding the app, its data and the GPX
    with page.expect_download() as info:
        page.get_by_role("link", name="Download it as a zip").click()
    assert info.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(info.value.path()) as zf:
        files = {name.split("/", 1)[1] for name in zf.namelist()}
        folders = {name.split("/", 1)[0] for name in zf.namelist()}
        data = json.loads(next(zf.read(n) for n in zf.namelist() if n.endswith("/trail.json")))
    assert {"index.html", "sw.js", "trail.json", "trail.gpx", "app.js"} <= files and len(folders) == 1
    assert [s["id"] for s in data["stops"]] == order

    # the served bundle: its service worker keeps it for offline use
    page.get_by_role("link", name="Open the offline version").click()
    page.wait_for_url(f"{base}/trails/{trail_id}/bundle/?lang=en")
    page.wait_for_function(BUNDLE_READY)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    # two-stage install: the walk works offline once the core is cached ("ready offline")
    page.wait_for_function("document.documentElement.dataset.offline === 'ready'", timeout=30_000)
    ctx.set_offline(True)
    try:
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_function(BUNDLE_READY)
        assert stop_ids(page, "[data-poi-id]") == order
        radii = page.evaluate("Object.fromEntries(balise.data.stops.map(s => [s.id, s.trigger_radius_m]))")
        assert radii[str(order[-2])] == 40  # the stop the staff moved up, with its own radius
        assert screenshot(page, tmp_path, "2_visitor_offline_bundle.png") > 200
    finally:
        ctx.set_offline(False)

    # back online: a rating and a comment, held for moderation
    page.goto(f"{base}/trails/{trail_id}#feedback-form")
    page.get_by_label("4 stars").check()
    page.get_by_label("Your comment, or the problem and where it is").fill(COMMENT)
    page.get_by_label("Your first name or a pseudonym (optional)").fill("Léa")
    page.locator("#feedback-form").get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(rf"/trails/{trail_id}/feedback/thanks(#[\w-]*)?$"))
    assert page.locator("h1").inner_text() == "Thank you"
    page.get_by_role("link", name=re.compile("Back to")).click()
    page.wait_for_url(f"{base}/trails/{trail_id}")
    assert "Belle balade" not in page.inner_text("main")
    assert "No opinion yet" in page.inner_text("#feedback")
    page.close()


def staff_approves(page, story: Story, tmp_path: Path) -> None:
    """Part 3 (the same staff member, still logged in)."""
    page.goto(f"{story.url}/editor/feedback")
    pending = page.locator("ul.feedback-list > li")
    assert pending.count() == 1
    item = pending.first
    assert item.locator("blockquote.comment").inner_text() == COMMENT  # shown as text, not run
    assert "4 sur 5" in item.inner_text() and NAME in item.inner_text()
    assert page.locator("ul.feedback-list script").count() == 0
    with page.expect_navigation():
        item.get_by_role("button", name="Approuver").click()
    assert page.locator("ul.feedback-list > li").count() == 0
    page.get_by_role("link", name="approuvés (1)").click()
    page.wait_for_url(re.compile(r"status=approved"))
    assert re.search(r"approuvés? par marie", page.inner_text("ul.feedback-list"))
    assert screenshot(page, tmp_path, "3_staff_moderation.png") > 200


def visitor_sees_the_comment(ctx, story: Story, trail_id: int, dialogs: list[str], tmp_path: Path) -> None:
    """Part 4 (the visitor again): the approved comment, inert, and the average rating."""
    page = ctx.new_page()
    watch_dialogs(page, dialogs)
    page.goto(f"{story.url}/trails/{trail_id}#feedback")
    page.wait_for_load_state("load")
    comment = page.locator("#feedback ul.reviews .comment")
    assert comment.inner_text() == COMMENT  # the markup shows as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in comment.inner_html()
    assert page.locator("#feedback script").count() == 0
    assert page.locator("#feedback ul.reviews .author").inner_text() == "Léa"
    summary = page.locator("#feedback .rating-summary")
    assert float(summary.get_attribute("data-average")) == 4 and summary.get_attribute("data-count") == "1"
    assert "4.0 out of 5" in summary.inner_text() and "(1 rating)" in summary.inner_text()
    page.locator("#feedback").scroll_into_view_if_needed()
    assert screenshot(page, tmp_path, "4_visitor_approved_comment.png") > 200
    page.close()


# -- the story ---------------------------------------------------------------------------------------------

def test_staff_publish_a_circuit_visitors_find_it_offline_and_their_feedback_is_moderated(story, browser, tmp_path):
    staff = browser.new_context(viewport=STAFF_VIEW, locale="fr-FR")
    visitor = browser.new_context(viewport=PHONE, locale="en-GB", accept_downloads=True,
                                  permissions=["geolocation"])
    requested: list[str] = []
    for ctx in (staff, visitor):
        ctx.on("request", lambda request: requested.append(request.url))
    dialogs: list[str] = []
    try:
        staff_page = staff.new_page()
        watch_dialogs(staff_page, dialogs)

        # 1. staff: log in, create the circuit from the GPX, order its stops, set a radius, publish
        trail_id, order = staff_creates_and_publishes(staff_page, story)
        assert screenshot(staff_page, tmp_path, "1_staff_published.png") > 200

        # 2. visitor: filters, circuit page, GPX and zip, offline bundle, feedback held for moderation
        visitor_finds_downloads_and_goes_offline(visitor, story, trail_id, order, dialogs, tmp_path)

        # 3. staff: the message is pending; approve it
        staff_approves(staff_page, story, tmp_path)

        # 4. visitor: the comment shows, inert, with the average rating
        visitor_sees_the_comment(visitor, story, trail_id, dialogs, tmp_path)
    finally:
        visitor.close()
        staff.close()
    assert dialogs == [], "a script of the comment ran"
    assert all(url.startswith(story.url) for url in requested if url.startswith("http")), "a request left the site"
