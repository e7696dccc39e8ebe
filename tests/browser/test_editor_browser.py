"""The staff editor's main flow in real headless Chromium, served by waitress on loopback:
log in, upload a real GPX, see the attached stops, remove one, publish, find the trail in the public catalogue.

Data: the real OSM hiking leg "Le Bateau - Arlix" (Bassin d'Aubenas) and the three guideposts along it
(tests/data/web/README.md); the leg is written as a GPX file by our GPX exporter and uploaded through the form.
"""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "sentier du Tournel 1907"
OSM = "© OpenStreetMap contributors"
LEG = "web/aubenas_leg_le-bateau-arlix_with_3_guideposts.geojson"


@pytest.fixture
def staff_site(tmp_path, data, serve_app):
    """The app over a fresh db with the three guideposts and one editor account; yields (base URL, GPX path)."""
    from exporter.gpx import export as export_gpx
    from poi.models import POI
    from poi.store import PoiStore
    from helpers import add_staff, open_db
    from trails.models import Trail

    feature, *guideposts = json.loads((data / LEG).read_text(encoding="utf-8"))["features"]
    db_path = tmp_path / "balise.db"
    db = open_db(db_path)
    for g in guideposts:
        PoiStore(db).upsert(POI(name=g["properties"]["name"], lon=g["geometry"]["coordinates"][0],
                                lat=g["geometry"]["coordinates"][1], category="information", source="osm",
                                source_id=g["properties"]["@id"], licence="ODbL 1.0", attribution=OSM))
    db.conn.close()
    add_staff(db_path, "marie", PASSWORD)
    gpx = tmp_path / "le-bateau-arlix.gpx"
    trail = Trail(name=feature["properties"]["name"],
                  segments=[[tuple(c) for c in feature["geometry"]["coordinates"]]])
    gpx.write_text(export_gpx(trail, []), encoding="utf-8")

    return serve_app(db_path, TILES_URL="").url, gpx


def test_log_in_upload_a_gpx_review_stops_publish_and_find_it(staff_site, staff_page, tmp_path):
    base, gpx = staff_site
    page = staff_page
    page.goto(f"{base}/editor/")
    assert "/login?next=" in page.url
    page.get_by_label("Nom d’utilisateur").fill("marie")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/editor/")

    page.get_by_role("link", name="Nouveau circuit à partir d’un GPX").first.click()
    page.get_by_label("Fichier GPX").set_input_files(str(gpx))
    page.get_by_label("Thèmes").fill("rural_heritage")
    page.get_by_role("button", name="Créer le circuit").click()
    page.wait_for_url(re.compile(r".*/editor/trails/\d+$"))
    assert "3 étapes rattachées" in page.inner_text(".flashes")
    trail_id = int(page.url.rsplit("/", 1)[1])

    page.get_by_role("link", name="Étapes et médias").click()
    page.wait_for_url(f"{base}/editor/trails/{trail_id}/stops")
    rows = page.locator("table.stops tbody tr")
    assert rows.count() == 3
    assert set(page.eval_on_selector_all("table.stops tbody tr", "rs => rs.map(r => r.dataset.status)")) == {"auto"}
    page.wait_for_function("document.querySelectorAll('.leaflet-marker-icon').length === 3")
    page.screenshot(path=str(tmp_path / "stops.png"), full_page=True)
    assert (tmp_path / "stops.png").stat().st_size > 10_000

    # remove one stop: it stays listed as removed
    page.locator('tr[data-poi-id]', has_text="Le Ruisseau (parking)").get_by_role("button", name="Retirer").click()
    page.wait_for_selector('tr[data-status="removed"]')

    page.get_by_role("link", name="Textes et chiffres").click()
    page.wait_for_url(f"{base}/editor/trails/{trail_id}")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_selector(".status.published")

    page.goto(f"{base}/?theme=rural_heritage")
    page.get_by_role("link", name="Le Bateau - Arlix").first.click()
    page.wait_for_url(f"{base}/trails/{trail_id}")
    # information points are services (issue 14): listed by distance along the walk, apart from story stops
    stops = page.eval_on_selector_all("ol.services > li > a", "hs => hs.map(h => h.textContent.trim())")
    assert len(stops) == 2 and "Le Ruisseau (parking)" not in stops

    history = page.goto(f"{base}/editor/trails/{trail_id}/history")
    assert history.status == 200
    assert page.locator("ol.history > li").count() == 3  # create, stop removed, published
    assert all(u.startswith(base) for u in page.context.requested), "a request left the site"
