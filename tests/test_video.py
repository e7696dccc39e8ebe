"""Short videos on POI pages and bundle cards: recognised and measured from the container's header (no FFmpeg),
size- and length-checked, kept byte for byte, shown with a poster in ``<video controls preload="none">`` (never
autoplay); in the offline bundle while they fit its video budget, else as a link; copied by ``balise publish``.

Data: tests/data/media/video_2s_320x180_h264_DERIVED.mp4 and video_2s_320x180_vp8_DERIVED.webm, two real
2-second videos made here from the real photo of tests/data/media (no small real video exists on this machine;
see tests/data/media/README.md), and the real web catalogue of tests/helpers.build_web_catalogue.
"""
from __future__ import annotations

import io
import re
import shutil
import struct

import pytest
from click.testing import CliRunner
from PIL import Image

from exporter.bundle import build_files
from exporter import bundle_media
from helpers import DATA, build_web_catalogue, english, open_db  # noqa: F401  (english: autouse)
from poi import media_video
from poi.media import MediaError, MediaStore
from poi.media_video import VideoError, video_info
from poi.models import Media
from poi.store import PoiStore
from trails.store import TrailStore
from webapp import create_app
from webapp.cli import cli

MP4 = DATA / "media" / "video_2s_320x180_h264_DERIVED.mp4"
WEBM = DATA / "media" / "video_2s_320x180_vp8_DERIVED.webm"
PHOTO = DATA / "media" / "photo_720x477_verify_photoshop-exif.jpg"
LEG = "Le Bateau - Arlix"


def test_the_container_header_gives_codec_size_and_duration():
    assert (video_info(MP4.read_bytes()).container, video_info(MP4.read_bytes()).codec) == ("mp4", "h264")
    mp4, webm = video_info(MP4.read_bytes()), video_info(WEBM.read_bytes())
    assert (mp4.width, mp4.height, mp4.duration_s, mp4.mime) == (320, 180, 2.0, "video/mp4")
    assert (webm.container, webm.codec, webm.width, webm.height, webm.duration_s) == ("webm", "vp8", 320, 180, 2.0)


def _mvhd_duration(data: bytes, seconds: int) -> bytes:
    """The MP4 with its movie header saying ``seconds`` long (version 0: time scale then duration)."""
    at = data.index(b"mvhd") + 4
    scale = struct.unpack_from(">I", data, at + 12)[0]
    return data[:at + 16] + struct.pack(">I", seconds * scale) + data[at + 20:]


@pytest.mark.parametrize("make, message", [
    (lambda d: d.replace(b"avc1", b"hvc1"), "MP4 video coded as hvc1: browsers need H.264"),
    (lambda d: _mvhd_duration(d, 600), "video of 600 s is longer than 300 s"),
    (lambda d: d[:40], "has no moov box"),
    (lambda d: d[:900], "the MP4 video is damaged"),
    (lambda d: b"\x00\x00\x00\x20ftypM4A " + d[12:], "not an MP4 or WebM video"),
])
def test_videos_browsers_cannot_play_or_too_long_are_refused(make, message):
    with pytest.raises(VideoError, match=message):
        video_info(make(MP4.read_bytes()))


def test_a_webm_in_another_codec_or_too_big_is_refused(monkeypatch):
    with pytest.raises(VideoError, match="WebM video coded as V_XYZ"):
        video_info(WEBM.read_bytes().replace(b"V_VP8", b"V_XYZ"))
    monkeypatch.setattr(media_video, "MAX_VIDEO_BYTES", 20_000)
    with pytest.raises(VideoError, match="video of 0 MB is over the 0 MB limit"):
        video_info(WEBM.read_bytes())


def test_the_media_store_keeps_a_video_byte_for_byte(tmp_path, db):
    store = MediaStore(tmp_path / "media", db)
    stored = store.add_file(MP4)
    assert (stored.kind, stored.mime, stored.width, stored.height, stored.duration_s) == (
        "video", "video/mp4", 320, 180, 2.0)
    assert stored.path.read_bytes() == MP4.read_bytes() and stored.path.name == f"{stored.sha256}.mp4"
    assert PoiStore(db).media_records.media_by_original(stored.sha256)["duration_s"] == 2.0
    with pytest.raises(MediaError, match="not an MP4 or WebM video"):
        store.add_file(PHOTO, kind="video")


@pytest.fixture
def site(tmp_path):
    """The web catalogue; the leg's first stop gets the MP4 (through ``balise media import``), the second the
    WebM and the real photo; returns what tests need."""
    db_path = tmp_path / "balise.db"
    ids = build_web_catalogue(db_path)
    for path in (MP4, WEBM, PHOTO):
        shutil.copy(path, tmp_path / path.name)
    db = open_db(db_path)
    first, second = [s.poi_id for s in TrailStore(db).stops(ids[LEG])[:2]]
    pois = PoiStore(db)
    pois.update_fields(first, media=[Media("video", MP4.name, title="Le poteau en vidéo", author="Balise",
                                           licence="CC BY-SA 4.0")])
    pois.update_fields(second, media=[Media("video", WEBM.name, title="Le sentier"), Media("image", PHOTO.name)])
    db.conn.close()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "media", "import"])
    assert result.exit_code == 0, result.output
    app = create_app({"DATABASE": str(db_path), "TESTING": True, "SECRET_KEY": "test"})
    return {"db": db_path, "ids": ids, "first": first, "second": second, "app": app, "client": app.test_client()}


def _fetch(client, url, **kwargs):
    answer = client.get(url, **kwargs)
    answer.get_data()
    answer.close()
    return answer


def test_a_poi_page_shows_its_video_with_a_poster_never_autoplaying(site):
    client = site["client"]
    page = client.get(f"/pois/{site['first']}?lang=en").get_data(as_text=True)
    video = re.search(r"<video [^>]*>", page).group(0)
    assert 'controls' in video and 'preload="none"' in video and "autoplay" not in page
    assert 'width="320" height="180"' in video
    assert re.search(r'<source src="/videos/[0-9a-f]{64}\.mp4" type="video/mp4">', page)
    assert "Le poteau en vidéo · video of 0:02 — <span class=\"credit\">Balise — CC BY-SA 4.0</span>" in page
    poster = re.search(r'poster="([^"]+)"', video).group(1)
    assert re.fullmatch(r"/thumbs/[0-9a-f]{64}_poster\.webp", poster)  # no photo here: a title card
    card = _fetch(client, poster)
    assert card.status_code == 200 and card.mimetype == "image/webp"
    assert Image.open(io.BytesIO(card.data)).size == (640, 360)
    src = re.search(r'<source src="([^"]+)"', page).group(1)
    whole = _fetch(client, src)
    assert whole.status_code == 200 and whole.data == MP4.read_bytes() and whole.mimetype == "video/mp4"
    part = _fetch(client, src, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == MP4.read_bytes()[:100]  # seeking works
    assert _fetch(client, "/videos/" + "0" * 64 + ".mp4").status_code == 404


def test_a_video_without_its_own_poster_shows_the_places_first_photo(site):
    page = site["client"].get(f"/pois/{site['second']}?lang=en").get_data(as_text=True)
    assert re.search(r'<source src="/videos/[0-9a-f]{64}\.webm" type="video/webm">', page)
    poster = re.search(r'<video [^>]*poster="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/thumbs/[0-9a-f]{64}_w800\.webp", poster)
    assert Image.open(io.BytesIO(_fetch(site["client"], poster).data)).size == (720, 477)  # never enlarged


def test_staff_upload_a_video_with_its_poster_in_the_editor(site):
    import test_editor

    app, ids = site["app"], site["ids"]
    db = open_db(site["db"])
    from webapp import staff_store
    from webapp.staff_store import StaffStore

    method, staff_store.PASSWORD_METHOD = staff_store.PASSWORD_METHOD, "pbkdf2:sha256:1000"
    try:
        StaffStore(db).add_user("marie", test_editor.PASSWORD, role="editor")
    finally:
        staff_store.PASSWORD_METHOD = method
    db.conn.close()
    client = test_editor._login(app, "marie")
    url = f"/editor/trails/{ids[LEG]}/pois/{site['first']}/media"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    r = client.post(url, data={"csrf_token": token, "title": "Le panneau", "file": (io.BytesIO(WEBM.read_bytes()),
                               "clip.webm"), "poster": (io.BytesIO(PHOTO.read_bytes()), "affiche.jpg")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    db = open_db(site["db"])
    video = PoiStore(db).get(site["first"]).media[-1]
    db.conn.close()
    assert video.kind == "video" and video.url.endswith(".webm") and video.poster.startswith("media/")
    assert '<video controls preload="none"' in client.get(url).get_data(as_text=True)
    page = client.get(f"/pois/{site['first']}").get_data(as_text=True)
    assert page.count("<video ") == 2 and "_w800.webp" in page  # its own poster, resized
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    r = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(MP4.read_bytes().replace(b"avc1", b"hvc1")),
                               "clip.mp4")}, content_type="multipart/form-data")
    assert r.status_code == 400 and "H.264" in r.get_data(as_text=True)


def _leg_bundle(site, **options):
    db = open_db(site["db"])
    store = TrailStore(db)
    leg = site["ids"][LEG]
    try:
        return build_files(store.get(leg), store.stops_with_pois(leg), media_root=site["db"].parent, **options)
    finally:
        db.conn.close()


def _stops(files) -> dict:
    import json

    text = files["trail.json"].decode("utf-8")
    return {s["id"]: s for s in json.loads(text[text.index("{"):text.rindex("}") + 1])["stops"]}


def test_a_bundle_carries_its_videos_within_the_budget_else_links_them(site, monkeypatch):
    files = _leg_bundle(site)
    stops = _stops(files)
    first = stops[site["first"]]["media"][0]
    assert first["kind"] == "video" and files[first["src"]] == MP4.read_bytes() and first["mime"] == "video/mp4"
    second = stops[site["second"]]["media"][0]
    assert files[second["src"]] == WEBM.read_bytes() and second["poster"].endswith(".jpg")  # the place's photo
    single = files["trail.html"].decode("utf-8")
    assert "data:video" not in single and first["src"] in single  # the single file links the folder's copy

    monkeypatch.setattr(bundle_media, "VIDEO_BUDGET_BYTES", 20_000)  # the MP4 (17 KB) fits, not both
    files = _leg_bundle(site)
    stops = _stops(files)
    assert files[stops[site["first"]]["media"][0]["src"]] == MP4.read_bytes()
    linked = stops[site["second"]]["media"][0]
    assert "src" not in linked and re.fullmatch(r"\.\./\.\./\.\./videos/[0-9a-f]{64}\.webm", linked["href"])
    assert not any(p.endswith(".webm") for p in files)


def test_the_published_site_carries_videos_and_posters(site, tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["--db", str(site["db"]), "publish", "--out", str(out),
                                      "--base-url", "https://commune.example/balades/"])
    assert result.exit_code == 0, result.output
    page = (out / f"pois/{site['first']}/index.html").read_text(encoding="utf-8")
    src = re.search(r'<source src="([^"]+)"', page).group(1)
    poster = re.search(r'poster="([^"]+)"', page).group(1)
    assert src.startswith("../../videos/") and poster.startswith("../../thumbs/")
    assert (out / "pois" / site["first"].__str__() / src).resolve().read_bytes() == MP4.read_bytes()
    assert (out / "pois" / str(site["first"]) / poster).resolve().is_file()
    bundle = (out / f"trails/{site['ids'][LEG]}/bundle").resolve()
    assert any(p.suffix == ".mp4" for p in (bundle / "media").iterdir())
