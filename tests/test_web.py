"""The public web pages: catalogue with filters and facets, circuit page, map, GPX, POI page, errors, languages.

Test data (tests/data/web/README.md): four real Parc national des Cévennes circuits (schema_randonnee, 2D
traces, published durations and difficulties) and a real OSM hiking leg in Ardèche with the three guideposts
along it, attached as stops by the corridor.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from poi.store import PoiStore
from trails.assembly import measure
from trails.store import TrailStore

CDN_MARKERS = ("cdn", "unpkg", "jsdelivr", "cdnjs", "bootstrapcdn", "code.jquery.com")
from helpers import OSM, build_web_catalogue, open_db


@pytest.fixture
def trails_db(app, db_path):
    """The app's db with the web catalogue; the leg has a description and a staff duration override."""
    return build_web_catalogue(db_path, description="<p>Du <strong>Bateau</strong> à Arlix.</p>",
                               duration_override_min=25, duration_override_reason="montée raide après Le Ruisseau")


def no_cdn(html: str) -> None:
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    bad = [u for u in urls if any(m in u.lower() for m in CDN_MARKERS)]
    assert not bad, bad
    assert not any(m in html.lower() for m in ("unpkg.com", "jsdelivr", "cdnjs", "bootstrapcdn", "code.jquery.com"))
    scripts = re.findall(r"""<script[^>]+src=["']([^"']+)""", html)
    sheets = re.findall(r"""<link[^>]+href=["']([^"']+)""", html)
    assert all(u.startswith("/") for u in scripts + sheets), scripts + sheets


# -- catalogue ------------------------------------------------------------------------------------------------
def test_catalogue_lists_published_trails_only(client, trails_db):
    html = client.get("/?lang=fr").get_data(as_text=True)
    assert "Château du Tournel" in html and "Mas cévenol de La Roquette" in html and "Le Bateau - Arlix" in html
    assert "La vallée du Tarn (à VTT)" not in html
    assert "4 circuits" in html
    no_cdn(html)


def test_catalogue_is_a_plain_get_form_with_labels(client, trails_db):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'method="get"' in form
    for control_id in re.findall(r"""<input[^>]+type="(?:text|search|number)"[^>]+id="([^"]+)""", html):
        assert f'for="{control_id}"' in html, control_id
    assert "<script" not in html.split("</form>")[0]


def test_filters_narrow_the_list_and_show_facet_counts(client, trails_db):
    html = client.get("/?max_duration=1h30&lang=en").get_data(as_text=True)
    assert "Château du Tournel" in html and "Le Bateau - Arlix" in html
    assert "Les 4000 marches" not in html and "Mas cévenol" not in html
    assert "2 trails" in html
    # a facet count next to each choice, the why-line from the filter descriptions
    assert re.search(r'name="difficulty" value="very_easy"[^>]*>\s*<span>very easy</span>\s*<span class="count">\(\d+\)',
                     html)
    assert "walking time under 1 h 30" in html
    html = client.get("/?difficulty=hard&lang=en").get_data(as_text=True)
    assert "Les 4000 marches" in html and "Château du Tournel" not in html
    assert re.search(r'value="hard" checked', html)


def test_text_search_and_near_filters(client, trails_db):
    html = client.get("/?q=tournel&lang=en").get_data(as_text=True)
    assert "Château du Tournel" in html and ">1 trail<" in html
    # 2 km around the Tournel car park (lat,lon as in the form's hint)
    html = client.get("/?near=44.501022,3.702861&radius_km=2&lang=en").get_data(as_text=True)
    assert "Château du Tournel" in html and "Le Bateau - Arlix" not in html
    assert 'value="44.501022,3.702861"' in html  # the form keeps what was typed


def test_bad_filter_value_is_a_400_page_with_the_message(client, trails_db):
    response = client.get("/?max_duration=2x&lang=en")
    assert response.status_code == 400
    assert "cannot read the duration" in response.get_data(as_text=True)
    assert client.get("/?page=zero").status_code == 400


def test_pagination_keeps_the_filters(client, trails_db, monkeypatch):
    import webapp.public

    monkeypatch.setattr(webapp.public, "PAGE_SIZE", 2)
    html = client.get("/?loop=1&lang=en").get_data(as_text=True)
    assert 'rel="next"' in html and "loop=1" in re.search(r'href="([^"]+)" rel="next"', html).group(1)
    page2 = client.get("/?loop=1&page=2&lang=en").get_data(as_text=True)
    assert 'aria-current="page">2<' in page2


# -- circuit page ---------------------------------------------------------------------------------------------
def test_circuit_page_shows_figures_sources_stops_and_map(client, trails_db):
    tid = trails_db["Le Bateau - Arlix"]
    response = client.get(f"/trails/{tid}?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Le Bateau - Arlix</h1>" in html
    assert "<p>Du <strong>Bateau</strong> à Arlix.</p>" in html  # sanitised description, not escaped
    assert "set by staff: montée raide après Le Ruisseau" in html and "25 min" in html
    assert 'class="folium-map"' in html and "L.polyline(" in html
    # its three information posts are services (issue 14): listed by distance along the walk, each linking to its
    # POI page, with the distance along (the last one "at the end of the walk")
    names = re.findall(r'<li data-poi-id="\d+" data-kind="service"><a href="/pois/\d+">([^<]+)</a>', html)
    assert names == ["Arlix", "Le Ruisseau (parking)", "Le Bateau"]  # the OSM way runs from Arlix
    assert "km along the trail" in html and "at the end of the walk" in html
    assert "ODbL 1.0" in html and OSM in html
    assert f'href="/trails/{tid}.gpx"' in html
    no_cdn(html)


def test_circuit_page_computed_and_published_duration_sources(client, trails_db):
    html = client.get(f"/trails/{trails_db['Château du Tournel']}?lang=en").get_data(as_text=True)
    assert "published by the source" in html and "1 h 30" in html
    assert "Licence Ouverte" in html and "PNC" in html


def test_source_links_are_http_only_and_tiles_optional(app, client, trails_db, db_path):
    store = TrailStore(open_db(db_path))
    trail = store.get(trails_db["Château du Tournel"])
    trail.url = "javascript:alert(1)"
    store.save(trail)
    html = client.get(f"/trails/{trail.id}").get_data(as_text=True)
    assert "javascript:" not in html
    app.config["TILES_URL"] = ""
    html = client.get(f"/trails/{trail.id}").get_data(as_text=True)
    assert "L.tileLayer" not in html and "L.polyline(" in html


def test_map_uses_our_leaflet_and_lat_lon_order(client, trails_db):
    html = client.get(f"/trails/{trails_db['Le Bateau - Arlix']}").get_data(as_text=True)
    assert '<script src="/vendor/leaflet/leaflet.js"></script>' in html
    assert '<link rel="stylesheet" href="/vendor/leaflet/leaflet.css"/>' in html
    first = re.search(r"L\.polyline\(\s*\[\[([-\d.]+), ([-\d.]+)", html)
    assert float(first.group(1)) == pytest.approx(44.5, abs=1) and float(first.group(2)) == pytest.approx(4.3, abs=1)
    assert "$(" not in html  # no jQuery needed by the popups


@pytest.mark.parametrize("path", ["leaflet.js", "leaflet.css", "images/marker-icon.png", "images/marker-shadow.png"])
def test_static_leaflet_files_are_served(client, path):
    with client.get(f"/vendor/leaflet/{path}") as response:
        assert response.status_code == 200 and len(response.data) > 100


def test_gpx_download_is_valid_xml_with_the_trail_name(client, trails_db):
    response = client.get(f"/trails/{trails_db['Château du Tournel']}.gpx")
    assert response.status_code == 200
    assert response.mimetype == "application/gpx+xml"
    assert 'filename="chateau-du-tournel.gpx"' in response.headers["Content-Disposition"]
    root = ET.fromstring(response.data)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert "Château du Tournel" in [e.text for e in root.iter("{http://www.topografix.com/GPX/1/1}name")]
    assert len(root.findall(".//g:trkpt", ns)) > 10


def test_poi_page(client, trails_db):
    response = client.get(f"/pois/{trails_db['poi']['Le Ruisseau (parking)']}?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Le Ruisseau (parking)</h1>" in html and "ODbL 1.0" in html and "255 m" in html
    no_cdn(html)


# -- errors and languages -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/trails/999999", "/trails/999999.gpx", "/pois/999999", "/nowhere"])
def test_unknown_ids_give_a_404_page(client, trails_db, path):
    response = client.get(path + "?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unpublished_trail_is_404_for_the_public(client, trails_db):
    tid = trails_db["La vallée du Tarn (à VTT)"]
    assert client.get(f"/trails/{tid}").status_code == 404
    assert client.get(f"/trails/{tid}.gpx").status_code == 404


def test_language_switch(client, trails_db):
    tid = trails_db["Les 4000 marches"]
    en = client.get(f"/trails/{tid}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Key figures" in en and "hard" in en
    fr = client.get(f"/trails/{tid}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in fr and "Chiffres clés" in fr and "difficile" in fr
    # the switch keeps the other parameters
    html = client.get("/?max_duration=2h&lang=en").get_data(as_text=True)
    assert 'href="/?max_duration=2h&amp;lang=fr"' in html
    # the last choice (English) is remembered by a cookie
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


# -- accessibility, towns, "near me" ------------------------------------------------------------------------------
def _tick(db_path, name: str, accessibility: list[str]) -> int:
    db = open_db(db_path)
    store = TrailStore(db)
    trail = next(t for t in store.all() if t.name == name)
    trail.accessibility = accessibility
    store.save(trail)
    db.conn.close()
    return trail.id


def test_accessibility_filter_facet_and_circuit_page(client, trails_db, db_path):
    tournel = _tick(db_path, "Château du Tournel", ["pushchair", "reduced_mobility"])
    _tick(db_path, "Mas cévenol de La Roquette", ["pushchair"])
    html = client.get("/?lang=en").get_data(as_text=True)
    assert re.search(r'name="accessibility" value="pushchair"\s*>\s*<span>suitable for pushchairs</span>\s*'
                     r'<span class="count">\(2\)', html)
    assert re.search(r'value="reduced_mobility"\s*>\s*<span>accessible with reduced mobility</span>\s*'
                     r'<span class="count">\(1\)', html)
    html = client.get("/?accessibility=pushchair&accessibility=reduced_mobility&lang=en").get_data(as_text=True)
    assert "Château du Tournel" in html and "Mas cévenol" not in html and ">1 trail<" in html
    assert "suitable for pushchairs and accessible with reduced mobility" in html
    assert re.search(r'value="pushchair" checked', html)
    html = client.get("/?accessibility=poussette&lang=fr").get_data(as_text=True)
    assert "2 circuits" in html and "adapté aux poussettes" in html
    page = client.get(f"/trails/{tournel}?lang=fr").get_data(as_text=True)
    assert "Accessibilité" in page
    assert "adapté aux poussettes · accessible aux personnes à mobilité réduite" in page
    assert client.get("/?accessibility=ski&lang=en").status_code == 400


def test_near_a_town_from_the_datalist(client, trails_db):
    html = client.get("/?lang=en").get_data(as_text=True)
    datalist = re.search(r'<datalist id="f-towns">(.*?)</datalist>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)">', datalist)[:3] == ["Aubenas", "Bassurels", "Bédouès"]
    assert 'list="f-towns"' in html and 'name="town"' in html
    html = client.get("/?town=saint-julien&radius_km=5&lang=en").get_data(as_text=True)
    assert "Château du Tournel" in html and ">1 trail<" in html
    assert "within 5 km of Saint-Julien-du-Tournel" in html
    assert 'value="saint-julien"' in html  # the form keeps what was typed
    response = client.get("/?town=Molezonn&lang=en")
    assert response.status_code == 400 and "did you mean: Molezon?" in response.get_data(as_text=True)
    response = client.get("/?town=Molezon&near=44.2,3.7&lang=fr")
    assert response.status_code == 400 and "pas les deux" in response.get_data(as_text=True)


def test_near_me_is_a_hidden_button_and_our_own_script(client, trails_db):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert re.search(r'<div id="f-near-me-box" hidden>\s*<button type="button"[^>]*id="f-near-me"', html)
    assert '<script src="/static/near-me.js" defer></script>' in html
    no_cdn(html)
    with client.get("/static/near-me.js") as script:
        text = script.get_data(as_text=True)
        assert script.status_code == 200 and "navigator.geolocation" in text and 'getElementById("f-near")' in text


# -- content translations -------------------------------------------------------------------------------------
@pytest.fixture
def translated_db(app, data, db_path):
    """A real Geotrek trek (English name and ambiance) and two real DATAtourisme POIs (English texts)."""
    from poi.importers import import_file
    from trails.geotrek import read_treks

    db = open_db(db_path)
    trek = next(iter(read_treks(data / "sources" / "geotrek" / "api-v2" / "trek.json")))
    trek.published = True
    trail_id = TrailStore(db).save(measure(trek))
    import_file(db, data / "sources" / "datatourisme" / "array_two-records_sample-and-chez-jeanne-cut.json",
                format="datatourisme")
    pois = {p.name: p.id for p in PoiStore(db).all()}
    db.conn.close()
    return trail_id, pois


def test_circuit_page_shows_the_translation_of_the_page_language(client, translated_db):
    trail_id, _pois = translated_db
    english = client.get(f"/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert "<h1>Loop of the pic of 3 lords</h1>" in english and "Ambiance en" in english
    assert "<title>Loop of the pic of 3 lords · Balise</title>" in english
    # no English summary: the original is shown
    assert "Un très joli point de vue" in english
    french = client.get(f"/trails/{trail_id}?lang=fr").get_data(as_text=True)
    assert "<h1>Boucle du Pic des Trois Seigneurs</h1>" in french and "Ambiance en" not in french
    catalogue = client.get("/?lang=en").get_data(as_text=True)
    assert "Loop of the pic of 3 lords" in catalogue and "Boucle du Pic" not in catalogue


def test_poi_page_shows_the_translation_of_the_page_language(client, translated_db):
    _trail_id, pois = translated_db
    english = client.get(f"/pois/{pois['Escapade Nature Test']}?lang=en").get_data(as_text=True)
    assert "<h1>Nature Escape Test</h1>" in english and "Outdoor activity center" in english
    french = client.get(f"/pois/{pois['Escapade Nature Test']}?lang=fr").get_data(as_text=True)
    assert "<h1>Escapade Nature Test</h1>" in french and "Centre d&#39;activités de pleine nature" in french
    jeanne = client.get(f"/pois/{pois['Chez Jeanne']}?lang=en").get_data(as_text=True)
    assert "The Crêperie" in jeanne and "vous propose" not in jeanne


def test_catalogue_page_cache_is_bounded_by_bytes(db_path):
    """560 long-query URLs kept 308 MB when the cache counted entries (issue 10): it counts bytes now."""
    from helpers import build_web_catalogue
    from webapp import create_app

    build_web_catalogue(db_path)
    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "test", "PAGE_CACHE_BYTES": 1_000_000})
    client, pages = app.test_client(), app.extensions["balise_pages"]
    for i in range(40):
        assert client.get(f"/?q=&lang=en&n={i}&pad={'x' * 4000}").status_code == 200
        assert pages.bytes <= 1_000_000
    assert 5 < len(pages) < 40  # kept what fits, the least recently used went first
    assert f"n=39&pad=" in pages.keys()[-1][1]
