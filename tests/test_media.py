"""Content-addressed media store: type by content, EXIF orientation applied and removed, web size, audio."""
from __future__ import annotations

import hashlib
import io
import shutil
import struct
import wave

import pytest
from PIL import Image

from poi import media as media_module
from poi.audio import audio_duration_s, sniff_audio
from poi.media import MediaError, MediaStore, import_media
from poi.models import POI, Media
from webapp.cli import cli

PHOTO = "media/photo_720x477_verify_photoshop-exif.jpg"
ROTATED = "media/photo_exif-orientation-6_gps-toulouse_DERIVED.jpg"
PNG = "media/image_crates-diagram.png"
WAV = "media/audio_pluck-pcm16.wav"


@pytest.fixture
def media_store(tmp_path, db) -> MediaStore:
    return MediaStore(tmp_path / "media", db)


def test_photo_is_stored_by_content_hash_without_metadata(media_store, data):
    stored = media_store.add_file(data / PHOTO)
    body = stored.path.read_bytes()
    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert stored.path.name == f"{stored.sha256}.jpg" and stored.url == f"media/{stored.sha256}.jpg"
    assert (stored.kind, stored.mime, stored.width, stored.height, stored.bytes) == (
        "image", "image/jpeg", 720, 477, len(body))
    with Image.open(stored.path) as img:
        assert img.format == "JPEG" and img.size == (720, 477)
        assert len(img.getexif()) == 0  # the Photoshop EXIF is gone
        assert "exif" not in img.info and "xmp" not in img.info


def test_exif_orientation_applied_and_gps_removed(media_store, data):
    with Image.open(data / ROTATED) as original:
        assert original.size == (720, 477) and original.getexif()[0x0112] == 6
        assert original.getexif().get_ifd(0x8825)  # GPS position present in the input
    stored = media_store.add_file(data / ROTATED)
    assert (stored.width, stored.height) == (477, 720)  # portrait once turned
    with Image.open(stored.path) as img:
        assert img.size == (477, 720)
        exif = img.getexif()
        assert 0x0112 not in exif and not exif.get_ifd(0x8825)
    assert b"GPS" not in stored.path.read_bytes()


def test_large_photo_is_resized_to_web_size(media_store, data):
    with Image.open(data / PHOTO) as img:
        big = img.resize((3600, 2385))
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=90)
    stored = media_store.add_file(buf.getvalue())
    assert (stored.width, stored.height) == (1600, 1060)
    assert stored.bytes < len(buf.getvalue())


def test_png_with_transparency_stays_png(media_store, data):
    stored = media_store.add_file(data / PNG)
    assert (stored.mime, stored.path.suffix, stored.width, stored.height) == ("image/png", ".png", 578, 301)
    with Image.open(stored.path) as img:
        assert img.mode == "RGBA"


def test_webp_accepted(media_store, data, tmp_path):
    with Image.open(data / PHOTO) as img:
        img.save(tmp_path / "photo.webp", "WEBP", quality=80)
    stored = media_store.add_file(tmp_path / "photo.webp")
    assert stored.mime == "image/jpeg" and (stored.width, stored.height) == (720, 477)


@pytest.mark.parametrize("make, message", [
    (lambda img, buf: img.save(buf, "GIF"), "GIF images are not accepted"),
    (lambda img, buf: img.save(buf, "BMP"), "BMP images are not accepted"),
    (lambda img, buf: buf.write(b"<html>not a photo</html>"), "not a JPEG, PNG or WebP photo"),
    (lambda img, buf: buf.write(b"\xff\xd8\xff\xe0 truncated jpeg"), "not a JPEG, PNG or WebP photo"),
])
def test_type_checked_by_content_not_by_name(media_store, data, tmp_path, make, message, en):
    buf = io.BytesIO()
    with Image.open(data / PHOTO) as img:
        make(img, buf)
    fake = tmp_path / "holiday.jpg"  # the name says JPEG; the content decides
    fake.write_bytes(buf.getvalue())
    with pytest.raises(MediaError, match=message):
        media_store.add_file(fake)
    assert not media_store.root.exists() or not any(media_store.root.iterdir())


def test_size_limits(media_store, data, monkeypatch, en):
    monkeypatch.setattr(media_module, "MAX_PHOTO_BYTES", 50_000)
    with pytest.raises(MediaError, match="over the 0 MB limit"):
        media_store.add_file(data / PHOTO)
    monkeypatch.setattr(media_module, "MAX_PIXELS", 100_000)
    monkeypatch.setattr(media_module, "MAX_PHOTO_BYTES", 10**8)
    with pytest.raises(MediaError, match="720x477 pixels is too large"):
        media_store.add_file(data / PHOTO)
    monkeypatch.setattr(media_module, "MAX_AUDIO_BYTES", 1000)
    with pytest.raises(MediaError, match="audio file of 0 MB"):
        media_store.add_file(data / WAV)
    with pytest.raises(MediaError, match="no such media file"):
        media_store.add_file(data / "media/missing.jpg")


def test_same_content_stored_once(media_store, data, db):
    a = media_store.add_file(data / PHOTO)
    b = media_store.add_file((data / PHOTO).read_bytes())
    assert a == b
    assert len(list(media_store.root.glob("*.jpg"))) == 1
    assert db.execute("SELECT COUNT(*) FROM media").fetchone()[0] == 1


def test_wav_kept_as_is_with_duration(media_store, data):
    stored = media_store.add_file(data / WAV)
    assert stored.path.read_bytes() == (data / WAV).read_bytes()
    with wave.open(str(data / WAV)) as w:
        expected = w.getnframes() / w.getframerate()
    assert (stored.kind, stored.mime, stored.path.suffix) == ("audio", "audio/wav", ".wav")
    assert stored.duration_s == pytest.approx(expected, abs=1e-3)


def test_kind_checked(media_store, data, en):
    with pytest.raises(MediaError, match="not an MP3, Ogg, WAV or M4A audio file"):
        media_store.add_file(data / PHOTO, kind="audio")


# Minimal headers built here: no real MP3/Ogg/M4A file exists on the build machine (see tests/data/media/README.md).
def _mp3_with_xing(frames: int) -> bytes:
    header = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz, joint stereo
    xing = b"Xing" + struct.pack(">II", 1, frames)
    frame = header + bytes(32) + xing
    return b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) + frame + bytes(417 - len(frame))


def _ogg_vorbis(rate: int, granule: int) -> bytes:
    ident = b"\x01vorbis" + struct.pack("<IBI", 0, 2, rate) + bytes(12)
    first = b"OggS\x00\x02" + struct.pack("<q", 0) + bytes(13) + ident
    last = b"OggS\x00\x04" + struct.pack("<q", granule) + bytes(13)
    return first + bytes(100) + last


def _m4a(seconds: int) -> bytes:
    return (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00\x00\x00\x6cmoov\x00\x00\x00\x64mvhd"
            + b"\x00\x00\x00\x00" + bytes(8) + struct.pack(">II", 1000, seconds * 1000) + bytes(80))


@pytest.mark.parametrize("blob, kind, duration_s", [
    (_mp3_with_xing(1000), "mp3", 26.122),  # 1000 frames x 1152 samples / 44.1 kHz
    (_ogg_vorbis(44100, 44100 * 90), "ogg", 90.0),
    (_m4a(125), "m4a", 125.0),
])
def test_audio_types_by_magic_bytes_and_duration(media_store, blob, kind, duration_s):
    assert sniff_audio(blob) == kind
    assert audio_duration_s(blob, kind) == pytest.approx(duration_s, abs=1e-3)
    stored = media_store.add_file(blob)
    assert stored.path.suffix == f".{kind}" and stored.duration_s == pytest.approx(duration_s, abs=1e-3)


def test_cbr_mp3_without_xing_uses_the_bit_rate():
    frame = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)  # 128 kbit/s: 16,000 bytes a second
    assert audio_duration_s(frame * 100, "mp3") == pytest.approx(417 * 100 / 16000, abs=1e-3)


def test_variant_for_bundles(media_store, data, en):
    stored = media_store.add_file(data / PHOTO)
    path = media_store.variant(stored.sha256, 320, quality=60)
    with Image.open(path) as img:
        assert img.size == (320, 212) and img.format == "JPEG"
    assert media_store.variant(stored.sha256, 320, quality=60) == path  # cached
    png = media_store.add_file(data / PNG)
    with Image.open(media_store.variant(png.sha256, 200)) as img:
        assert img.mode == "RGB" and img.size[0] == 200
    with pytest.raises(MediaError, match="no stored photo"):
        media_store.variant("0" * 64, 320)
    with pytest.raises(MediaError, match="not a media id"):
        media_store.variant("../../etc/passwd", 320)


# -- POI media -------------------------------------------------------------------------
def test_import_media_rewrites_local_urls(store, data, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    shutil.copy(data / ROTATED, folder / "lavoir.JPG")
    shutil.copy(data / WAV, folder / "guide.wav")
    poi = POI(name="Lavoir", lon=1.44, lat=43.6, source="manual", source_id="1", media=[
        Media("image", str(folder / "lavoir.JPG"), title="Le lavoir"),
        Media("audio", (folder / "guide.wav").as_uri()),
        Media("image", "https://example.org/remote.jpg"),
        Media("image", "uploads/missing.jpg")])
    store.upsert(poi)
    other = POI(name="Autre", lon=1.45, lat=43.6, source="manual", source_id="2",
                media=[Media("image", str(folder / "lavoir.JPG"))])
    store.upsert(other)
    media_store = MediaStore(tmp_path / "media", store.db)
    report = import_media(store, media_store, [poi.id], base=tmp_path)
    assert (report.stored, report.reused, report.remote, report.pois) == (2, 0, 1, 1)
    assert len(report.problems) == 1 and "uploads/missing.jpg" in report.problems[0]
    urls = [m.url for m in store.get(poi.id).media]
    assert urls[0].startswith("media/") and urls[0].endswith(".jpg") and len(urls[0]) == 6 + 64 + 4
    assert urls[1].endswith(".wav")
    assert urls[2:] == ["https://example.org/remote.jpg", "uploads/missing.jpg"]
    assert store.get(poi.id).media[0].title == "Le lavoir"
    assert (tmp_path / urls[0]).is_file()  # the URL is the path relative to the db folder
    # the other POI was not asked for; asked now, the same photo is reused
    assert store.get(other.id).media[0].url.endswith("lavoir.JPG")
    again = import_media(store, media_store)
    assert (again.stored, again.reused, again.pois) == (0, 1, 1)
    assert store.get(other.id).media[0].url == urls[0]
    # idempotent
    assert import_media(store, media_store).pois == 0


def test_import_media_keeps_rewritten_urls_of_merged_pois(store, data, tmp_path):
    from poi.dedup import merge

    shutil.copy(data / PHOTO, tmp_path / "photo.jpg")
    store.upsert(POI(name="Église Saint-Caprais", lon=1.46455, lat=43.63613, category="church", source="osm",
                     source_id="n1", media=[Media("image", str(tmp_path / "photo.jpg"))]))
    store.upsert(POI(name="église paroissiale Saint-Caprais", lon=1.46467, lat=43.63605, category="church",
                     source="inventaire", source_id="i1"))
    merge(store, (1, 2))
    import_media(store, MediaStore(tmp_path / "media", store.db))
    url = store.get(1).media[0].url
    assert url.startswith("media/")
    # re-import of the other source recombines the records: the stored URL stays
    store.upsert(POI(name="église paroissiale Saint-Caprais", lon=1.46467, lat=43.63605, category="church",
                     source="inventaire", source_id="i1", description="<p>Mise à jour</p>"))
    assert store.get(1).media[0].url == url


def test_cli_media_import(runner, data, db_path, en):
    shutil.copy(data / PHOTO, db_path.parent / "photo.jpg")
    from poi.store import PoiStore
    from helpers import open_db

    db = open_db(db_path)
    PoiStore(db).upsert(POI(name="Lavoir", lon=1.44, lat=43.6, media=[Media("image", "photo.jpg")]))
    db.conn.close()
    result = runner.invoke(cli, ["--lang", "en", "media", "import", "--poi", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 stored, 0 already stored, 0 remote links kept, 1 POIs updated"
    assert len(list((db_path.parent / "media").glob("*.jpg"))) == 1
    result = runner.invoke(cli, ["media", "import", "--media-dir", str(db_path.parent / "elsewhere")])
    assert result.exit_code == 0


@pytest.fixture
def en():
    from poi.i18n import language

    with language("en"):
        yield


def test_stored_media_reach_the_offline_bundle(store, data, tmp_path):
    """The bundle exporter resolves ``media/<sha256>.<ext>`` against the db folder: the store's default place."""
    from exporter.bundle import build_files
    from trails.models import Stop, Trail
    from trails.store import TrailStore

    media_store = MediaStore.for_db(tmp_path / "balise.db", store.db)
    assert media_store.root == (tmp_path / "media").resolve()
    photo = media_store.add_file(data / ROTATED)
    audio = media_store.add_file(data / WAV)
    store.upsert(POI(name="Lavoir", lon=3.6520, lat=44.2462, media=[Media("image", photo.url),
                                                                       Media("audio", audio.url)]))
    trails = TrailStore(store.db)
    tid = trails.save(Trail(name="Boucle", segments=[[(3.6515, 44.2465), (3.6530, 44.2456)]]))
    trails.upsert_stops([Stop(tid, 1, 40.0, 2.0)])
    files = build_files(trails.get(tid), trails.stops_with_pois(tid), media_root=tmp_path)
    bundled = sorted((p for p in files if p.startswith("media/")), key=lambda p: p.endswith(".wav"))
    assert len(bundled) == 2 and bundled[0].endswith(".jpg") and bundled[1].endswith(".wav")
    assert files[bundled[1]] == (data / WAV).read_bytes()
    with Image.open(io.BytesIO(files[bundled[0]])) as img:
        assert img.size == (477, 720)  # portrait, as the store turned it


# -- measured before decoding, every metadata segment stripped (issue 10) ----------------------------------------
def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header announces ``width`` x ``height`` RGBA pixels (what a 307 KB bomb of 8900 x 8900 says
    before its 317 MB of pixels): enough for anything that measures first, broken for anything that decodes."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def with_comment_and_icc(jpeg: bytes) -> bytes:
    """The real photo with a JPEG comment (COM) and an ICC profile (APP2) added, as a camera or editor would."""
    from PIL import ImageCms

    with Image.open(io.BytesIO(jpeg)) as img:
        img.load()
        out = io.BytesIO()
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        img.save(out, "JPEG", quality=90, comment=b"Taken by Jeanne at 12 rue des Lilas", icc_profile=icc,
                 exif=img.info.get("exif", b""))
    return out.getvalue()


def test_pixels_and_decoded_size_are_refused_from_the_header(media_store, monkeypatch, en):
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded a photo it should refuse"))
    with pytest.raises(MediaError, match="8900x8900 pixels takes 317 MB once decoded, over the 105 MB limit"):
        media_store.add_file(header_only_png(8900, 8900), kind="image", max_decoded_bytes=100 * 1024 * 1024)
    with pytest.raises(MediaError, match="8900x8900 pixels is too large; resize it under 50 megapixels"):
        media_store.add_file(header_only_png(8900, 8900), kind="image", max_pixels=50_000_000)
    assert not media_store.root.exists() or not any(media_store.root.iterdir())  # nothing written
    assert media_store.store.db.execute("SELECT COUNT(*) FROM media").fetchone()[0] == 0


def test_a_big_jpeg_is_decoded_at_a_reduced_scale(media_store, data):
    with Image.open(data / PHOTO) as img:
        big = img.resize((7200, 4770))
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=80)
    decoded = []
    load = Image.Image.load

    def spy(self):
        decoded.append(self.size)
        return load(self)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(Image.Image, "load", spy)
        stored = media_store.add_file(buf.getvalue(), max_decoded_bytes=60 * 1024 * 1024)  # full: 103 MB
    assert decoded[0] == (3600, 2385)  # half scale: both sides still over 1600, and under the 60 MB
    assert (stored.width, stored.height) == (1600, 1060)


def test_comment_icc_exif_xmp_and_photoshop_segments_are_all_dropped(media_store, data):
    stored = media_store.add_file(with_comment_and_icc((data / PHOTO).read_bytes()))
    body = stored.path.read_bytes()
    with Image.open(stored.path) as img:
        assert [name for name, _body in img.applist] in ([], ["APP0"])
        assert not {"comment", "icc_profile", "exif", "xmp", "photoshop"} & set(img.info)
    assert b"rue des Lilas" not in body and b"Photoshop" not in body
