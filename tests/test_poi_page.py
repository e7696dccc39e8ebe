"""The public POI page: a small map of the place (our own Leaflet, the configured tiles) and its photo.

Data: a real photo (tests/data/media/photo_720x477_verify_photoshop-exif.jpg, CC BY-SA 4.0, see the README there)
stored through the media store, on POIs placed at the Palais Princier de Monaco.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from poi.media import MediaStore
from poi.models import POI, Media
from poi.store import PoiStore
from webapp import public

from helpers import open_db

PHOTO = Path(__file__).parent / "data" / "media" / "photo_720x477_verify_photoshop-exif.jpg"
CREDIT = ("The Embedded Rust Book", "CC BY-SA 4.0")


@pytest.fixture
def pois(app, db_path) -> dict[str, int]:
    """Three POIs around Monaco-Ville: a stored photo (after an audio file), a web photo, a javascript: URL."""
    db = open_db(db_path)
    stored = MediaStore.for_db(db_path, db).add_file(PHOTO)
    store = PoiStore(db)
    ids = {
        "photo": store.upsert(POI("Palais Princier de Monaco", 7.420, 43.7314, category="castle", source="test",
                                  source_id="1", media=[Media("audio", "media/" + "0" * 64 + ".wav"),
                                                        Media("image", stored.url, title="Verify",
                                                              author=CREDIT[0], licence=CREDIT[1])])),
        "web": store.upsert(POI("Cathédrale", 7.4232, 43.7302, category="church", source="test", source_id="2",
                                media=[Media("image", "https://upload.example.org/cathedrale.jpg",
                                             author="Jean Dupont", licence="CC0")])),
        "bare": store.upsert(POI("Musée Océanographique", 7.4254, 43.7307, category="museum", source="test",
                                 source_id="3", media=[Media("image", "javascript:alert(1).jpg")])),
    }
    db.conn.close()
    return {key: outcome[1] for key, outcome in ids.items()}  # upsert gives (what happened, id)


def test_the_poi_page_shows_the_place_on_a_small_map_from_our_own_leaflet(client, pois):
    html = client.get(f"/pois/{pois['bare']}?lang=en").get_data(as_text=True)
    assert '<div class="map-frame small" role="region" aria-label="Map of the place">' in html
    assert re.search(r'<div class="folium-map" id="map_\w+"', html)
    scripts = re.findall(r"""<script[^>]+src=["']([^"']+)""", html)
    sheets = re.findall(r"""<link[^>]+href=["']([^"']+)""", html)
    assert "/vendor/leaflet/leaflet.js" in scripts and "/vendor/leaflet/leaflet.css" in sheets
    assert all(u.startswith("/") for u in scripts + sheets), scripts + sheets
    assert "[43.7307, 7.4254]" in html  # the marker on the place, (lat, lon)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html  # the configured tiles, as on circuit pages
    with client.get("/vendor/leaflet/leaflet.js") as served:
        assert served.status_code == 200
    assert "<img" not in html  # no photo (a javascript: URL is never one)


def test_a_stored_photo_is_shown_resized_lazy_with_its_credit(client, pois, monkeypatch):
    html = client.get(f"/pois/{pois['photo']}?lang=fr").get_data(as_text=True)
    img = re.search(r"<img [^>]+>", html).group(0)
    assert f'src="/pois/{pois["photo"]}/photo.jpg"' in img and 'alt="Verify"' in img and 'loading="lazy"' in img
    assert "Photo : The Embedded Rust Book — CC BY-SA 4.0" in html
    monkeypatch.setattr(public, "PHOTO_WIDTH", 400)
    with client.get(f"/pois/{pois['photo']}/photo.jpg") as r:
        assert r.status_code == 200 and r.mimetype == "image/jpeg"
        data = r.data
    with Image.open(io.BytesIO(data)) as photo:
        assert photo.size == (400, 265)  # 720x477 resized, proportions kept


def test_a_web_photo_is_shown_from_its_address_and_no_photo_means_404(client, pois):
    html = client.get(f"/pois/{pois['web']}?lang=en").get_data(as_text=True)
    img = re.search(r"<img [^>]+>", html).group(0)
    assert 'src="https://upload.example.org/cathedrale.jpg"' in img and 'alt="Cathédrale"' in img
    assert "Photo: Jean Dupont — CC0" in html
    assert client.get(f"/pois/{pois['web']}/photo.jpg").status_code == 404
    assert client.get(f"/pois/{pois['bare']}/photo.jpg").status_code == 404
    assert client.get("/pois/999999/photo.jpg").status_code == 404


def test_balise_publish_puts_the_resized_photo_beside_the_poi_page(tmp_path):
    from click.testing import CliRunner

    from exporter.site_serving import broken_links
    from helpers import build_web_catalogue
    from webapp.cli import cli

    db_path = tmp_path / "balise.db"
    ids = build_web_catalogue(db_path)
    poi_id = ids["poi"]["Le Ruisseau (parking)"]
    db = open_db(db_path)
    stored = MediaStore.for_db(db_path, db).add_file(PHOTO)
    PoiStore(db).update_fields(poi_id, media=[Media("image", stored.url, title="Verify", author=CREDIT[0],
                                                    licence=CREDIT[1])])
    db.conn.close()
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "publish", "--out", str(out), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    page = (out / "pois" / str(poi_id) / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<img src="photo\.jpg" alt="Verify" loading="lazy"', page)
    with Image.open(out / "pois" / str(poi_id) / "photo.jpg") as photo:
        assert photo.format == "JPEG" and photo.size == (720, 477)  # under PHOTO_WIDTH: kept at its size
    assert not broken_links(out)
