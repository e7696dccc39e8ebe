"""The catalogue's cards show each circuit's first photo: a 400 px WebP thumbnail made once from the media
store (named by the photo's content hash, without metadata), lazy-loaded with its size and alt text, in the
live app and in the static site ``balise publish`` writes.

Data: the real web catalogue of tests/helpers.build_web_catalogue (Cévennes circuits, the Aubenas leg and its
OSM guideposts) and the real photo tests/data/media/photo_720x477_verify_photoshop-exif.jpg (with Photoshop
EXIF; see tests/data/media/README.md), attached to the leg's first guidepost through ``balise media import``.
"""
from __future__ import annotations

import io
import re
import shutil

import pytest
from click.testing import CliRunner
from PIL import Image

from helpers import DATA, build_web_catalogue, open_db
from poi.models import Media
from poi.store import PoiStore
from trails.store import TrailStore
from webapp import create_app
from webapp.cli import cli

PHOTO = DATA / "media" / "photo_720x477_verify_photoshop-exif.jpg"
LEG = "Le Bateau - Arlix"


def catalogue_with_photo(folder):
    """The web catalogue in ``folder`` with the real photo on the first stop of the Aubenas leg, stored by
    ``balise media import``; returns (db path, ids) (also used by tests/browser/test_card_photos_browser.py)."""
    db_path = folder / "balise.db"
    ids = build_web_catalogue(db_path)
    shutil.copy(PHOTO, folder / "poteau.jpg")
    db = open_db(db_path)
    first_stop = TrailStore(db).stops(ids[LEG])[0].poi_id
    PoiStore(db).update_fields(first_stop, media=[Media("image", "poteau.jpg", title="Le poteau du Bateau",
                                                        author="Rust Embedded WG", licence="CC BY-SA 4.0")])
    db.conn.close()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "media", "import"])
    assert result.exit_code == 0, result.output
    return db_path, ids


@pytest.fixture
def catalogue(tmp_path):
    db_path, ids = catalogue_with_photo(tmp_path)
    app = create_app({"DATABASE": str(db_path), "TESTING": True, "SECRET_KEY": "test"})
    return {"db": db_path, "ids": ids, "app": app, "client": app.test_client()}


def _fetch(client, url):
    """A response read whole and closed (a sent file is open until then)."""
    answer = client.get(url)
    answer.get_data()
    answer.close()
    return answer


def _cards(html: str) -> dict[str, str]:
    """Circuit name -> the HTML of its card."""
    cards = re.findall(r"<li>(.*?)</li>", html.split('<ul class="results">', 1)[1].split("</ul>", 1)[0], re.S)
    return {re.search(r"<h3><a [^>]*>([^<]+)</a>", c).group(1): c for c in cards}


def test_a_card_shows_its_circuits_first_photo_as_a_small_lazy_thumbnail(catalogue):
    client = catalogue["client"]
    cards = _cards(client.get("/?lang=en").get_data(as_text=True))
    img = re.search(r"<img [^>]*>", cards[LEG]).group(0)
    assert 'loading="lazy"' in img and 'width="400" height="265"' in img and 'alt="Le poteau du Bateau"' in img
    assert [name for name, card in cards.items() if "<img" in card] == [LEG]  # the others have no stored photo
    src = re.search(r'src="([^"]+)"', img).group(1)
    assert re.fullmatch(r"/thumbs/[0-9a-f]{64}_w400\.webp", src)
    answer = _fetch(client, src)
    assert answer.status_code == 200 and answer.mimetype == "image/webp"
    assert "max-age=31536000" in answer.headers["Cache-Control"]
    thumb = Image.open(io.BytesIO(answer.data))
    assert thumb.format == "WEBP" and thumb.size == (400, 265)
    assert not thumb.getexif() and "exif" not in thumb.info and "xmp" not in thumb.info
    assert len(answer.data) < 30_000  # the original is 101 KB
    assert client.get("/thumbs/" + "0" * 64 + "_w400.webp").status_code == 404
    assert client.get(src.replace("_w400", "_w900")).status_code == 404  # no size on demand


def test_a_thumbnail_is_made_once_and_again_only_when_deleted(catalogue):
    client = catalogue["client"]
    src = re.search(r'<img class="card-photo" src="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    path = catalogue["db"].parent / "media" / src.lstrip("/")
    made = path.stat().st_mtime_ns
    client.get("/?difficulty=easy")
    _fetch(client, src)
    assert path.stat().st_mtime_ns == made
    path.unlink()
    assert _fetch(client, src).status_code == 200 and path.is_file()


def test_a_removed_stop_no_longer_lends_its_photo(catalogue):
    db = open_db(catalogue["db"])
    store = TrailStore(db)
    leg = catalogue["ids"][LEG]
    first = store.stops(leg)[0].poi_id
    db.execute("UPDATE trail_stops SET status = 'removed' WHERE trail_id = ? AND poi_id = ?", [leg, first])
    db.conn.close()
    cards = _cards(catalogue["client"].get("/?lang=en&q=arlix").get_data(as_text=True))
    assert "<img" not in cards[LEG]


def test_the_published_site_carries_the_thumbnails(catalogue, tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["--db", str(catalogue["db"]), "publish", "--out", str(out),
                                      "--base-url", "https://commune.example/balades/"])
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    src = re.search(r'<img class="card-photo" src="([^"]+)"', page).group(1)
    assert re.fullmatch(r"thumbs/[0-9a-f]{64}_w400\.webp", src)  # relative: the site works in any folder
    with Image.open(out / src) as thumb:
        assert thumb.size == (400, 265)
    assert (out / src).read_bytes() == _fetch(catalogue["client"], "/" + src).data
    import json

    index = json.loads((out / "api" / "catalogue.fr.json").read_text(encoding="utf-8"))
    assert index["photos"] == {str(catalogue["ids"][LEG]): [src, 400, 265, "Le poteau du Bateau"]}  # for the script


def test_a_photo_added_later_shows_on_the_cached_catalogue_at_once(tmp_path):
    db_path = tmp_path / "balise.db"
    ids = build_web_catalogue(db_path)
    client = create_app({"DATABASE": str(db_path), "TESTING": True, "SECRET_KEY": "test"}).test_client()
    assert "<img" not in _cards(client.get("/?lang=en").get_data(as_text=True))[LEG]  # now cached
    shutil.copy(PHOTO, tmp_path / "poteau.jpg")
    db = open_db(db_path)
    PoiStore(db).update_fields(TrailStore(db).stops(ids[LEG])[1].poi_id, media=[Media("image", "poteau.jpg")])
    db.conn.close()
    assert CliRunner().invoke(cli, ["--db", str(db_path), "media", "import"]).exit_code == 0
    assert 'class="card-photo"' in _cards(client.get("/?lang=en").get_data(as_text=True))[LEG]
