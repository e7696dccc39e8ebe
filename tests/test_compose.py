"""``/compose`` (webapp.compose): visitors compose loops on the real Monaco POIs and path network and take one
as an unlisted circuit (tests/data/sources/osm)."""
from __future__ import annotations

import re

import pytest

try:  # tests/ as a package, or as plain folders: the Monaco database fixtures of the /api/loops tests
    from .test_loops_api import CASINO, db_path, empty_cache  # noqa: F401
except ImportError:
    from test_loops_api import CASINO, db_path, empty_cache  # noqa: F401


def take_form(html: str, index: int = 0) -> dict:
    """The fields of the index-th "Take this one" form of a /compose page."""
    forms = re.findall(r'<form method="post" action="/compose/take\?lang=en">(.*?)</form>', html, re.S)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', forms[index])
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value.replace("&#34;", '"').replace("&amp;", "&"))
    return data


def test_the_form_works_without_javascript_and_shows_figures_and_stops(client):
    empty = client.get("/compose?lang=en")
    assert empty.status_code == 200 and 'name="duration"' in empty.text and "Take this one" not in empty.text
    r = client.get(f"/compose?near={CASINO}&duration=1h&practice=walking&lang=en")
    assert r.status_code == 200
    page = r.text
    assert 1 <= page.count("Take this one") <= 3
    assert "Heritage stops" in page and "Duration with visits" in page and "Walked twice" in page
    assert re.search(r'<ol class="loop-stops">\s*<li><a href="/pois/\d+">', page)
    assert 'id="compose-map" hidden data-map=' in page  # the map is an enhancement, hidden without JS


@pytest.mark.parametrize("query, reason", [
    ("town=&near=&duration=1h", "choose where to start"),
    (f"near={CASINO}&duration=2x", "duration"),
    (f"near={CASINO}&duration=1h&practice=flying", "unknown practice"),
    ("near=95,7.42&duration=1h", "latitude,longitude"),
    ("town=Nowhere-sur-Mer&duration=1h", "Nowhere-sur-Mer"),
])
def test_bad_requests_are_400_with_their_reason(client, query, reason):
    r = client.get(f"/compose?{query}&lang=en")
    assert r.status_code == 400, query
    assert reason in r.text and 'role="alert"' in r.text


def test_taking_a_variant_gives_an_unlisted_circuit_and_the_same_one_again(client):
    page = client.get(f"/compose?near={CASINO}&duration=1h&lang=en").text
    data = take_form(page, 0)
    assert data["csrf_token"]
    r = client.post("/compose/take?lang=en", data=data)
    assert r.status_code == 303
    location = r.headers["Location"]
    trail_id = int(re.search(r"/trails/(\d+)\?lang=en$", location).group(1))
    circuit = client.get(location)
    assert circuit.status_code == 200
    for link in (f"/trails/{trail_id}.gpx", f"/trails/{trail_id}/bundle/", f"/trails/{trail_id}/qr."):
        assert link in circuit.text
    assert client.get(f"/trails/{trail_id}.gpx").status_code == 200
    again = client.post("/compose/take?lang=en", data=data)
    assert again.status_code == 303 and again.headers["Location"] == location
    # not listed: catalogue, JSON API list, POI pages
    assert f"/trails/{trail_id}\"" not in client.get("/?lang=en").text
    listed = client.get("/api/trails?limit=100").get_json()
    assert trail_id not in [t["id"] for t in listed["trails"]]
    stop = re.search(r'href="/pois/(\d+)"', circuit.text)
    if stop:
        assert f"/trails/{trail_id}\"" not in client.get(f"/pois/{stop.group(1)}").text


def test_take_needs_csrf_and_a_shown_variant(client):
    data = take_form(client.get(f"/compose?near={CASINO}&duration=1h&lang=en").text, 0)
    assert client.post("/compose/take?lang=en", data={**data, "csrf_token": "forged"}).status_code in (400, 403)
    bad = client.post("/compose/take?lang=en", data={**data, "variant": "7"})
    assert bad.status_code == 400 and "choose one of the loops shown" in bad.text


def test_new_circuits_are_rate_limited_per_address(client, app):
    app.config["COMPOSE_MAX_PER_HOUR"] = 1
    page = client.get(f"/compose?near={CASINO}&duration=1h&lang=en").text
    first = client.post("/compose/take?lang=en", data=take_form(page, 0))
    assert first.status_code == 303
    assert client.post("/compose/take?lang=en", data=take_form(page, 0)).status_code == 303  # the same: no new circuit
    if page.count("Take this one") > 1:
        limited = client.post("/compose/take?lang=en", data=take_form(page, 1))
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert "too many loops" in limited.text


def test_composing_is_rate_limited_like_the_api(client, app):
    app.config["LOOPS_MAX_PER_HOUR"] = 1
    assert client.get(f"/compose?near={CASINO}&duration=1h&lang=en").status_code == 200
    r = client.get(f"/compose?near={CASINO}&duration=1h30&lang=en")
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_the_catalogue_links_to_compose_and_a_poi_page_starts_from_its_poi(client, db_path):
    assert 'href="/compose"' in client.get("/?lang=en").text
    from poi.store import PoiStore, open_db

    church = next(p for p in PoiStore(open_db(db_path)).all() if p.category == "church")
    assert f'href="/compose?poi={church.id}"' in client.get(f"/pois/{church.id}?lang=en").text
    r = client.get(f"/compose?poi={church.id}&duration=1h&lang=en")
    assert r.status_code == 200 and f"From {church.name}" in r.text and "Take this one" in r.text


@pytest.mark.parametrize("engine", ["index", "sql"])
def test_unlisted_circuits_are_in_no_public_list(engine):
    from poi.store import open_db
    from trails.filter_index import search
    from trails.filters import FilterSet
    from trails.models import Trail
    from trails.store import TRAILS, TrailStore

    store = TrailStore(open_db(":memory:", [TRAILS]))
    line = [[(7.42, 43.73, None), (7.43, 43.74, None)]]
    listed = store.save(Trail(name="Listed", segments=line, published=True))
    unlisted = store.save(Trail(name="Composed", segments=line, published=True, unlisted=True))
    assert store.get(unlisted).unlisted and store.get(unlisted).published
    public = search(store.db, FilterSet.from_params({}), engine=engine)
    assert [t.id for t in public.trails] == [listed] and public.total == 1
    assert [t.id for t in store.all(published_only=True)] == [listed]  # what the static site publishes
    assert {t.id for t in search(store.db, FilterSet.from_params({"published": "0"}, staff=True),
                                 engine=engine).trails} == {listed, unlisted}  # staff still see it


def test_the_page_says_why_when_no_loop_fits_the_duration(client):
    page = client.get(f"/compose?near={CASINO}&duration=8h&practice=walking&lang=en").text
    assert re.search(r'<p class="note" role="status" data-note="request">no loop within 15 % of 8 h was found: '
                     r'the nearest lasts \d h \d\d; the paths within reach', page)
    assert "Take this one" in page  # the nearest loops are still offered
    french = client.get(f"/compose?near={CASINO}&duration=8h&practice=walking&lang=fr").text
    assert "aucune boucle à 15 % près de 8 h n&#39;a été trouvée" in french
