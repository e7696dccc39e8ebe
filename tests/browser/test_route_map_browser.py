"""The editor's routing page in real headless Chromium: staff pick POIs on the map, drag them into order, save.

Data: the real OSM extract of Monaco (tests/data/sources/osm/monaco_graphhopper.osm.gz, see the README there),
imported as POIs and as the path network, as tests/test_editor_route.py does.
"""
from __future__ import annotations

import re

import pytest

from helpers import EDITOR_PASSWORD

pytestmark = pytest.mark.browser

PALAIS, CATHEDRALE, MUSEE = "Palais Princier de Monaco", "Cathédrale Notre-Dame-Immaculée", "Musée Océanographique"


@pytest.fixture
def monaco_site(monaco_staff_db, serve_app):
    """The app over a copy of Monaco's POIs and paths with the editor account (conftest); (base URL, db path)."""
    return serve_app(monaco_staff_db, TILES_URL="").url, monaco_staff_db


def chosen(page) -> list[str]:
    return page.eval_on_selector_all("#route-chosen > li .name", "ns => ns.map(n => n.textContent.trim())")


def test_staff_route_a_circuit_by_clicking_pois_on_the_map_and_dragging_them_into_order(monaco_site, staff_page):
    from helpers import open_db
    from poi.store import PoiStore
    from trails.store import TrailStore

    base, db_path = monaco_site
    page = staff_page
    page.goto(f"{base}/login?next=/editor/trails/route")
    page.get_by_label("Nom d’utilisateur").fill("marie")
    page.get_by_label("Mot de passe").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/editor/trails/route")

    page.wait_for_selector('#route-map[data-state="ready"]')
    assert int(page.get_attribute("#route-map", "data-pois")) > 50  # Monaco's POIs in view, asked from the API
    # a mouse click on a marker no other covers (Monaco-Ville's markers overlap at this zoom) ...
    page.locator("#route-map").scroll_into_view_if_needed()
    free = page.evaluate("""() => [...document.querySelectorAll('#route-map .leaflet-marker-icon')].findIndex(m => {
        const r = m.getBoundingClientRect();
        return r.top > 0 && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === m; })""")
    assert free >= 0
    first = page.locator("#route-map .leaflet-marker-icon").nth(free)
    first_name = first.get_attribute("title")
    first.click()
    assert chosen(page) == [first_name]
    # ... and the three sights of the Rocher, activated as a keyboard user does (Enter on the focused marker)
    for name in (PALAIS, MUSEE, CATHEDRALE):
        page.locator(f'#route-map .leaflet-marker-icon[title="{name}"]').press("Enter")
    assert chosen(page) == [first_name, PALAIS, MUSEE, CATHEDRALE]
    assert "Cathédrale Notre-Dame-Immaculée ajouté à la liste" in page.inner_text("#route-status")
    # the server's own "remove" button still works on a list built on the map (the form carries it in order)
    page.locator("#route-chosen > li").nth(0).get_by_role("button", name="retirer").click()
    page.wait_for_selector('#route-map[data-state="ready"]')
    assert chosen(page) == [PALAIS, MUSEE, CATHEDRALE]

    # the cathedral is dragged onto the museum: it takes its place
    items = page.locator("#route-chosen > li")
    items.nth(2).drag_to(items.nth(1))
    assert chosen(page) == [PALAIS, CATHEDRALE, MUSEE]
    assert page.eval_on_selector_all("#route-chosen button", "bs => bs.map(b => b.value)") == [
        "up:0", "down:0", "remove:0", "up:1", "down:1", "remove:1", "up:2", "down:2", "remove:2"]

    page.get_by_label("Nom", exact=True).fill("Le Rocher à pied")
    page.get_by_role("button", name="Tracer et créer le circuit").click()
    page.wait_for_url(re.compile(r".*/editor/trails/\d+/stops$"))
    assert "Circuit tracé" in page.inner_text(".flashes")
    trail_id = int(page.url.rsplit("/", 2)[1])
    assert not [u for u in page.context.requested if not u.startswith(base)]  # no CDN, no tiles (TILES_URL "")

    db = open_db(db_path)
    try:
        stops = sorted((s for s in TrailStore(db).stops(trail_id) if s.status == "manual"),
                       key=lambda s: s.distance_along_m)
        by_id = {p.id: p.name for p in PoiStore(db).get_many([s.poi_id for s in stops])}
    finally:
        db.conn.close()
    assert len(stops) == 3
    assert [by_id[s.poi_id] for s in stops] == [PALAIS, CATHEDRALE, MUSEE]


def test_the_map_is_only_an_enhancement(monaco_site, browser):
    """Without JavaScript the map section stays hidden and the search and buttons do the work."""
    base, _db = monaco_site
    ctx = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = ctx.new_page()
    try:
        page.goto(f"{base}/login?next=/editor/trails/route")
        page.get_by_label("Nom d’utilisateur").fill("marie")
        page.get_by_label("Mot de passe").fill(EDITOR_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{base}/editor/trails/route")
        assert not page.locator("#route-map-section").is_visible()
        page.get_by_label("Chercher un POI").fill("cathédrale")
        page.get_by_role("button", name="Recherche", exact=True).click()
        page.get_by_role("button", name=f"ajouter {CATHEDRALE}").click()
        page.get_by_label("Chercher un POI").fill("palais princier")
        page.get_by_role("button", name="Recherche", exact=True).click()
        page.get_by_role("button", name=f"ajouter {PALAIS}").click()
        assert chosen(page) == [CATHEDRALE, PALAIS]
        page.locator("#route-chosen > li").nth(1).get_by_role("button", name="monter").click()
        assert chosen(page) == [PALAIS, CATHEDRALE]
    finally:
        ctx.close()


def test_a_poi_page_shows_the_place_on_its_small_map(monaco_site, browser):
    from helpers import open_db
    from poi.store import PoiStore

    base, db_path = monaco_site
    db = open_db(db_path)
    palais = next(p.id for p in PoiStore(db).search(PALAIS) if p.name == PALAIS)
    db.conn.close()
    ctx = browser.new_context(locale="fr-FR")
    page = ctx.new_page()
    try:
        page.goto(f"{base}/pois/{palais}")
        marker = page.locator('.map-frame.small .leaflet-marker-icon')
        marker.wait_for()
        assert marker.count() == 1 and marker.get_attribute("title") == PALAIS
        box = page.locator(".map-frame.small .folium-map").bounding_box()
        assert box["height"] >= 150 and box["width"] >= 300  # sized by our CSS (folium's own styles are left out)
    finally:
        ctx.close()
