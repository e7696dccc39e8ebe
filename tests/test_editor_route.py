"""Editor page "New trail routed between POIs" (webapp.editor_route) on the real Monaco data.

Test data: the real OSM extract of Monaco (tests/data/sources/osm/monaco_graphhopper.osm.gz, see the README there),
imported as POIs and as the path network, as tests/test_routing.py does.
"""
from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from poi.importers import import_file
from poi.store import PoiStore
from trails.store import TrailStore

from helpers import EDITOR_PASSWORD, MONACO, add_staff, english, open_db  # noqa: F401 - english: autouse

ROCHER = ("Palais Princier de Monaco", "Cathédrale Notre-Dame-Immaculée", "Musée Océanographique")
URL = "/editor/trails/route"


@pytest.fixture
def db_path(monaco_staff_db) -> Path:
    return monaco_staff_db  # Monaco's POIs and paths, and the editor account (conftest)


def token(client) -> str:
    with client.session_transaction() as s:
        return s["csrf"]


def rocher_ids(db_path) -> list[int]:
    db = open_db(db_path)
    store = PoiStore(db)
    ids = [next(p.id for p in store.search(name) if p.name == name) for name in ROCHER]
    db.conn.close()
    return ids


def counts(db_path) -> tuple[int, int]:
    db = open_db(db_path)
    n = (db.execute("SELECT COUNT(*) FROM trails").fetchone()[0],
         db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0])
    db.conn.close()
    return n


def create(client, ids, **fields):
    data = {"csrf_token": token(client), "action": "create", "name": "Le Rocher", "practice": "walking",
            "poi": [str(i) for i in ids], **fields}
    return client.post(URL, data=data)


def test_anonymous_is_sent_to_login(client):
    r = client.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_search_lists_pois_with_an_add_button_and_keeps_the_chosen_list(editor, db_path):
    palais, cathedrale, _musee = rocher_ids(db_path)
    html = editor.get(URL, query_string={"q": "cathédrale", "poi": [palais], "name": "Rocher"}).get_data(as_text=True)
    assert "Cathédrale Notre-Dame-Immaculée" in html
    assert f'name="action" value="add:{cathedrale}"' in html
    assert f'name="poi" value="{palais}"' in html and 'value="Rocher"' in html
    html = editor.get(URL, query_string={"poi": [palais], "action": f"add:{cathedrale}"}).get_data(as_text=True)
    assert re.findall(r'name="poi" value="(\d+)"', html) == [str(palais), str(cathedrale)]


def test_move_and_remove_edit_the_list_without_storing(editor, db_path):
    ids = rocher_ids(db_path)
    before = counts(db_path)
    r = editor.post(URL, data={"csrf_token": token(editor), "poi": ids, "action": "up:2"})
    chosen = re.findall(r'name="poi" value="(\d+)"', r.get_data(as_text=True))
    assert chosen == [str(i) for i in (ids[0], ids[2], ids[1])]
    r = editor.post(URL, data={"csrf_token": token(editor), "poi": ids, "action": "remove:0"})
    assert re.findall(r'name="poi" value="(\d+)"', r.get_data(as_text=True)) == [str(i) for i in ids[1:]]
    assert counts(db_path) == before


def test_csrf_is_required(editor, db_path):
    before = counts(db_path)
    r = editor.post(URL, data={"action": "create", "name": "Le Rocher", "poi": rocher_ids(db_path)})
    assert r.status_code == 400
    assert counts(db_path) == before


def test_routing_creates_an_unpublished_trail_with_the_pois_as_manual_stops_in_order(editor, db_path):
    ids = rocher_ids(db_path)
    r = create(editor, ids)
    assert r.status_code == 302, r.get_data(as_text=True)
    trail_id = int(re.search(r"/editor/trails/(\d+)/stops$", r.headers["Location"]).group(1))
    db = open_db(db_path)
    trail = TrailStore(db).get(trail_id)
    stops = TrailStore(db).stops(trail_id)
    revisions = db.execute("SELECT action FROM revisions WHERE trail_id = ?", [trail_id]).fetchall()
    db.conn.close()
    assert trail.name == "Le Rocher" and not trail.published and trail.length_m > 300
    manual = sorted((s for s in stops if s.status == "manual"), key=lambda s: s.distance_along_m)
    assert [s.poi_id for s in manual] == ids
    assert [r[0] for r in revisions] == ["create"]
    html = editor.get(r.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Trail routed: \d+\.\d km, about \d+", html)


@pytest.mark.parametrize("case", ["one POI", "no name", "POI far from the paths"])
def test_errors_are_shown_with_the_list_kept_and_nothing_stored(editor, db_path, case):
    ids = rocher_ids(db_path)
    if case == "one POI":
        ids, fields, message = ids[:1], {}, "at least two different POIs"
    elif case == "no name":
        fields, message = {"name": " "}, "give the trail a name"
    else:
        db = open_db(db_path)
        db.execute("UPDATE pois SET lon = lon + 0.05 WHERE id = ?", [ids[1]])  # 4 km out to sea
        db.conn.commit()
        db.conn.close()
        fields, message = {}, "from the nearest path of the network"
    before = counts(db_path)
    r = create(editor, ids, **fields)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and message in html
    assert re.findall(r'name="poi" value="(\d+)"', html) == [str(i) for i in ids]
    assert counts(db_path) == before


def test_no_network_says_to_import_the_map_first(editor, db_path, tmp_path):
    bare = tmp_path / "bare.db"  # Monaco's POIs and the account, no paths
    db = open_db(bare)
    import_file(db, MONACO, format="osm")
    db.conn.close()
    add_staff(bare, "marie", EDITOR_PASSWORD)
    shutil.copyfile(bare, db_path)
    before = counts(db_path)
    r = create(editor, rocher_ids(db_path))
    assert r.status_code == 400 and "balise map import" in r.get_data(as_text=True)
    assert counts(db_path) == before


def test_the_page_offers_the_map_from_our_own_leaflet_with_the_api_and_the_view(editor, db_path):
    palais, cathedrale, _musee = rocher_ids(db_path)
    html = editor.get(URL, query_string={"poi": [palais, cathedrale]}).get_data(as_text=True)
    assert '<script src="/vendor/leaflet/leaflet.js" defer>' in html and "/static/route-editor.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()
    raw = re.search(r'id="route-map"[^>]*data-settings="([^"]+)"', html).group(1)
    settings = json.loads(unescape(raw))
    assert settings["api"] == "/api/pois" and settings["limit"] <= 1000
    west, south, east, north = settings["bounds"]  # the chosen POIs' box, in Monaco-Ville
    assert 7.41 < west < east < 7.43 and 43.72 < south < north < 43.74
    # every chosen POI's hidden input sits in its list item (what the drag and drop reorders)
    items = re.findall(r'<li><input type="hidden" name="poi" value="(\d+)">', html)
    assert items == [str(palais), str(cathedrale)]
    empty = editor.get(URL).get_data(as_text=True)
    raw = re.search(r'id="route-map"[^>]*data-settings="([^"]+)"', empty).group(1)
    assert json.loads(unescape(raw))["bounds"][0] < 7.42  # no POI chosen yet: every POI of the base
