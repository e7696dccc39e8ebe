"""The served offline bundle (/trails/<id>/bundle/), its zip, the QR code and the poster, and the
"save for offline" block of the circuit page. Data: the ``catalogue`` fixture of tests/test_api.py.
"""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from trails.store import TrailStore

from test_api import catalogue  # noqa: F401  (fixture)

from helpers import open_db


@pytest.fixture
def leg(catalogue):  # noqa: F811
    return catalogue["Le Bateau - Arlix"]


def test_bundle_index_and_every_file_are_served(client, leg):
    response = client.get(f"/trails/{leg}/bundle/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    html = response.get_data(as_text=True)
    assert "<title>Le Bateau - Arlix" in html and 'rel="manifest" href="manifest.webmanifest"' in html
    sw = client.get(f"/trails/{leg}/bundle/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert sw.headers["Cache-Control"] == "no-cache"
    listed = client.get(f"/trails/{leg}/bundle/files.json")
    assert listed.headers["Cache-Control"] == "no-cache"
    doc = listed.get_json()
    files = [p for p, _ in doc["core"] + doc["media"]] + ["trail.html", "sw.js"]
    assert "index.html" in files and "trail.json" in files
    types = {"manifest.webmanifest": "application/manifest+json", "trail.json": "application/json",
             "trail.gpx": "application/gpx+xml", "app.css": "text/css", "leaflet.js": "text/javascript",
             "icons/icon-192.png": "image/png", "trail.html": "text/html"}
    for name in files:  # everything the service worker precaches is there, with its type
        r = client.get(f"/trails/{leg}/bundle/{name}")
        assert r.status_code == 200, name
        if name in types:
            assert r.mimetype == types[name], name
    data = client.get(f"/trails/{leg}/bundle/trail.json").get_json()
    assert [s["name"] for s in data["stops"]] == ["Arlix", "Le Ruisseau (parking)", "Le Bateau"]
    assert data["bundle_url"] == f"http://localhost/trails/{leg}/bundle/"
    manifest = client.get(f"/trails/{leg}/bundle/manifest.webmanifest").get_json()
    assert manifest["start_url"] == "."  # relative: scope is the bundle's folder


def test_bundle_folder_without_slash_redirects_and_unknown_file_is_404(client, leg):
    response = client.get(f"/trails/{leg}/bundle")
    assert response.status_code in (301, 308) and response.headers["Location"].endswith(f"/trails/{leg}/bundle/")
    assert client.get(f"/trails/{leg}/bundle/nothing.js").status_code == 404
    assert client.get(f"/trails/{leg}/bundle/../../etc/passwd").status_code == 404


def test_conditional_get_gives_304(client, leg):
    etag = client.get(f"/trails/{leg}/bundle/app.js").headers["ETag"]
    again = client.get(f"/trails/{leg}/bundle/app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["bundle/", "bundle/sw.js", "bundle.zip", "qr.svg", "qr.png", "poster.svg"])
def test_unpublished_and_unknown_trails_are_404(client, catalogue, path):  # noqa: F811
    hidden = catalogue["La vallée du Tarn (à VTT)"]
    assert client.get(f"/trails/{hidden}/{path}").status_code == 404
    assert client.get(f"/trails/99999/{path}").status_code == 404


def test_bundle_is_cached_and_rebuilt_when_the_trail_changes(app, client, leg, db_path):
    cache = app.extensions["balise_bundles"]
    client.get(f"/trails/{leg}/bundle/")
    client.get(f"/trails/{leg}/bundle/trail.json")
    assert cache.builds == 1
    store = TrailStore(open_db(db_path))
    trail = store.get(leg)
    trail.name = "Le Bateau – Arlix par le ruisseau"
    store.save(trail)
    assert client.get(f"/trails/{leg}/bundle/trail.json").get_json()["name"] == "Le Bateau – Arlix par le ruisseau"
    assert cache.builds == 2
    store.set_stop_status(leg, store.stops(leg)[0].poi_id, "removed")  # a stop removed by staff
    assert len(client.get(f"/trails/{leg}/bundle/trail.json").get_json()["stops"]) == 2
    assert cache.builds == 3


def test_bundle_zip_holds_the_same_files_in_one_folder(client, leg):
    response = client.get(f"/trails/{leg}/bundle.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="le-bateau-arlix.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        names = zf.namelist()
        assert "le-bateau-arlix/index.html" in names and "le-bateau-arlix/sw.js" in names
        assert zf.read("le-bateau-arlix/trail.json") == client.get(f"/trails/{leg}/bundle/trail.json").data


def test_base_url_goes_into_the_bundle_and_the_qr(app, client, leg):
    app.config["BASE_URL"] = "https://rando.example.fr/"
    data = client.get(f"/trails/{leg}/bundle/trail.json").get_json()
    assert data["bundle_url"] == f"https://rando.example.fr/trails/{leg}/bundle/"


@pytest.mark.tool("zbarimg")
def test_qr_png_decodes_to_the_bundle_url(client, leg, tmp_path):
    response = client.get(f"/trails/{leg}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    (tmp_path / "qr.png").write_bytes(response.data)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == f"http://localhost/trails/{leg}/bundle/?src=qr"  # where it was printed


def test_qr_svg_and_download_names(client, leg):
    response = client.get(f"/trails/{leg}/qr.svg")
    assert response.mimetype == "image/svg+xml" and response.data.startswith(b"<?xml")
    assert "Content-Disposition" not in response.headers  # shown inline on the circuit page
    download = client.get(f"/trails/{leg}/qr.svg?download=1")
    assert 'filename="le-bateau-arlix-qr.svg"' in download.headers["Content-Disposition"]
    assert client.get(f"/trails/{leg}/qr.pdf").status_code == 404


def test_poster_sizes(client, leg):
    a4 = client.get(f"/trails/{leg}/poster.svg")
    assert a4.status_code == 200 and a4.mimetype == "image/svg+xml"
    assert b'width="210.0mm" height="297.0mm"' in a4.data and b"Le Bateau - Arlix" in a4.data
    a3 = client.get(f"/trails/{leg}/poster.svg?size=a3&download=1")
    assert b'width="297.0mm" height="420.0mm"' in a3.data
    assert "poster-a3.svg" in a3.headers["Content-Disposition"]
    bad = client.get(f"/trails/{leg}/poster.svg?size=A0&lang=en")
    assert bad.status_code == 400 and "poster size must be A4 or A3" in bad.get_data(as_text=True)


def test_circuit_page_offers_the_offline_version(client, leg):
    html = client.get(f"/trails/{leg}?lang=en").get_data(as_text=True)
    assert f'href="/trails/{leg}/bundle/?lang=en"' in html and "Open the offline version" in html
    assert f'src="/trails/{leg}/qr.svg"' in html and f"http://localhost/trails/{leg}/bundle/" in html
    assert f'href="/trails/{leg}/bundle.zip"' in html and f"/trails/{leg}/poster.svg?size=A4" in html
    html = client.get(f"/trails/{leg}?lang=fr").get_data(as_text=True)
    assert "Ouvrir la version hors ligne" in html


# -- the served bundle's offline map (real GR-11 stretch and OSM extract of tests/data/mbtiles) ------------
MAP_DATA = Path(__file__).parent / "data" / "mbtiles"


@pytest.fixture
def andorra_app(tmp_path):
    """A published real 12 km GR-11 stretch in a database holding the map ways of the OSM extract around it."""
    from poi.network import import_osm_map
    from trails.assembly import save_trail
    from trails.models import Trail
    from webapp import create_app

    path = tmp_path / "andorra.db"
    database = open_db(path)
    assert import_osm_map(database, MAP_DATA / "andorra_escaldes_gr11-bbox.osm.pbf").ways == 713
    feature = json.loads((MAP_DATA / "andorra_gr11_escaldes_12km.geojson").read_text(encoding="utf-8"))["features"][0]
    trail = Trail(name="GR-11 Escaldes", segments=[[(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]],
                  published=True, licence="ODbL 1.0", attribution="© OpenStreetMap contributors")
    save_trail(database, trail)
    database.conn.close()
    app = create_app({"DATABASE": str(path), "TESTING": True, "SECRET_KEY": "test"})
    return app, trail.id, path


def test_served_andorra_bundle_carries_its_vector_map(andorra_app):
    app, tid, _path = andorra_app
    client = app.test_client()
    doc = client.get(f"/trails/{tid}/bundle/files.json").get_json()
    files = [p for p, _ in doc["core"]]
    assert {"map.json", "basemap.js"} <= set(files)
    response = client.get(f"/trails/{tid}/bundle/map.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    kinds = {style["kind"] for style in doc["styles"]}
    assert len(doc["features"]) > 100 and {"path", "track", "water", "building"} <= kinds
    assert doc["attribution"] == ["© OpenStreetMap contributors, ODbL 1.0"] and doc["corridor_m"] == 500
    assert client.get(f"/trails/{tid}/bundle/trail.json").get_json()["map"] == "map.json"
    html = client.get(f"/trails/{tid}/bundle/trail.html").get_data(as_text=True)
    assert "balise-map/1" in html  # the single file carries the map too


def test_a_map_import_rebuilds_the_served_bundle(andorra_app, tmp_path):
    from poi.network import import_osm_map

    app, tid, path = andorra_app
    client, cache = app.test_client(), app.extensions["balise_bundles"]
    before = client.get(f"/trails/{tid}/bundle/map.json").get_json()
    client.get(f"/trails/{tid}/bundle/trail.json")
    assert cache.builds == 1  # same trail, same map data: served from the cache
    # a new footway across the start of the trail (Escaldes), imported from another connection
    osm = tmp_path / "new_footway.osm"
    osm.write_text('<osm version="0.6"><node id="9000000001" lat="42.5170" lon="1.5700"/>'
                   '<node id="9000000002" lat="42.5185" lon="1.5715"/><way id="9000000010"><nd ref="9000000001"/>'
                   '<nd ref="9000000002"/><tag k="highway" v="footway"/></way></osm>', encoding="utf-8")
    other = open_db(path)
    assert import_osm_map(other, osm).added == 1
    other.conn.close()
    after = client.get(f"/trails/{tid}/bundle/map.json").get_json()
    assert cache.builds == 2 and len(after["features"]) == len(before["features"]) + 1
