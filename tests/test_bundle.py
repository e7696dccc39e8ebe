"""The offline bundle's files (exporter.bundle) and the ``balise export bundle`` command.

Behaviour in a real browser (offline reload, proximity triggers) is in tests/browser/.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from exporter import bundle
from exporter.errors import ExportError
from poi.i18n import current_language, language, set_language
from poi.models import POI, Media
from poi.store import PoiStore
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore
from webapp.cli import cli

DATA = Path(__file__).parent / "data" / "bundle"
PHOTO = DATA / "photo_720px_f3-discovery-board.jpg"
AUDIO = DATA / "audio_pluck-pcm16.wav"
APP_FILES = {"index.html", "app.js", "app/state.js", "app/map.js", "app/cards.js", "app/geolocation.js",
             "app/offline.js", "engine.js", "app.css", "sw.js", "manifest.webmanifest", "leaflet.js",
             "leaflet.css", "trail.json", "trail.gpx", "trail.html", "icons/icon-192.png", "icons/icon-512.png",
             "files.json"}
#: URLs that are never fetched: XML namespaces, and Leaflet's home page in its licence header
#: and attribution prefix (the app turns Leaflet's attribution control off).
NEVER_FETCHED = {"http://www.w3.org/2000/svg", "https://leafletjs.com"}
URL = re.compile(r"""https?://[^\s"'<>)\\]+""")


@pytest.fixture(autouse=True)
def keep_language():
    """The CLI sets the process's language (English); give the next tests back the one they had."""
    before = current_language()
    yield
    set_language(before)


def circuit(name: str = "cevennes_barre-des-cevennes_loop_3.7km.geojson", trail_id: int = 7) -> Trail:
    feature = json.loads((DATA / name).read_text(encoding="utf-8"))["features"][0]
    props = feature["properties"]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    return Trail(name=props["nom_itineraire"], segments=[coords], id=trail_id, length_m=float(props["longueur"]),
                 summary=props["presentation_courte"], attribution="Parc national des Cévennes",
                 licence="Licence Ouverte 2.0", url=props["url"], updated_at="2020-06-18T00:00:00+00:00")


def stops_along(trail: Trail, n: int, **poi_fields) -> list[TrailStop]:
    coords = trail.coords
    out = []
    for i in range(n):
        lon, lat, _ = coords[(i + 1) * len(coords) // (n + 1)]
        poi = POI(f"Arrêt {i + 1}", lon + 0.0001, lat, category=("church", "water", "viewpoint")[i % 3],
                  summary=f"Résumé {i + 1}", description=f"<p>Description <b>{i + 1}</b> " + "texte " * 80 + "</p>",
                  id=i + 1, source="osm", url=f"https://www.openstreetmap.org/node/{i + 1}", **poi_fields)
        out.append(TrailStop(Stop(trail.id, i + 1, distance_along_m=100.0 * (i + 1), offset_m=8.0, position=i), poi))
    return out


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    trail = circuit()
    stops = stops_along(trail, 4)
    stops[0].poi.media = [Media("image", str(PHOTO), "F3", "Rust Embedded WG", "CC BY-SA 4.0"),
                          Media("audio", str(AUDIO), "Pluck", "CPython", "PSF-2.0")]
    stops[1].poi.description = '<p onclick="x()">Moulin<script>alert(1)</script></p>'
    stops[1].poi.trigger_radius_m = 42.0
    stops[2].stop.trigger_radius_m = 18.0
    return bundle.build_files(trail, stops, photo_max_width=320, photo_quality=70)


def precached(files: dict[str, bytes]) -> list[str]:
    """What the app keeps for offline use (files.json: the core, then photos and audio)."""
    doc = json.loads(files["files.json"])
    return [p for p, _ in doc["core"] + doc["media"]]


def test_every_part_of_the_bundle_is_there(built):
    assert APP_FILES <= set(built)
    media = [p for p in built if p.startswith("media/")]
    assert len(media) == 2 and {Path(p).suffix for p in media} == {".jpg", ".wav"}


def test_the_app_keeps_every_file_once_core_first_and_never_the_single_file_copy(built):
    doc = json.loads(built["files.json"])
    assert sorted(precached(built)) == sorted(set(built) - {"trail.html", "sw.js", "files.json"})
    assert [p for p, _ in doc["media"]] == sorted(p for p in built if p.startswith("media/") or p == "trail.gpx")
    assert {"index.html", "app.js", "trail.json", "leaflet.js"} <= {p for p, _ in doc["core"]}
    assert all(size == len(built[p]) for p, size in doc["core"] + doc["media"])
    kept = {k: v for k, v in built.items() if k not in ("trail.html", "sw.js", "files.json")}
    assert doc["version"] == bundle.content_version(kept)


def test_the_cache_version_follows_the_content():
    trail = circuit()
    a = bundle.build_files(trail, stops_along(trail, 2))
    b = bundle.build_files(trail, stops_along(trail, 2))
    assert a == b, "a bundle of the same trail must be byte-identical"
    trail.name = "Autre nom"
    c = bundle.build_files(trail, stops_along(trail, 2))
    assert json.loads(c["files.json"])["version"] != json.loads(a["files.json"])["version"]
    assert c["sw.js"] == a["sw.js"]  # the service worker never changes: never swapped mid-walk


def test_manifest_is_valid_with_192_and_512_png_icons(built):
    manifest = json.loads(built["manifest.webmanifest"])
    assert manifest["start_url"] == "." and manifest["display"] == "standalone"
    assert manifest["name"] == "Sentier de Barre-des-Cévennes"
    for icon in manifest["icons"]:
        with Image.open(io.BytesIO(built[icon["src"]])) as png:
            assert png.format == "PNG" and f"{png.width}x{png.height}" == icon["sizes"]


def test_no_file_references_the_network(built):
    for path in ("index.html", "app.js", "engine.js", "app.css", "sw.js", "manifest.webmanifest", "leaflet.css"):
        assert URL.findall(built[path].decode("utf-8")) == [], path
    assert set(URL.findall(built["leaflet.js"].decode("utf-8"))) <= NEVER_FETCHED
    assert b"sourceMappingURL" not in built["leaflet.js"]
    assert "url(images/" not in built["leaflet.css"].decode()
    assert b"url(data:image/png;base64," in built["leaflet.css"]


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.scripts, self._in_data = [], [], False
        self.data = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.refs += [attrs[a] for a in ("src", "href", "poster", "srcset") if attrs.get(a)]
        self._in_data = tag == "script" and attrs.get("id") == "balise-data"

    def handle_data(self, data):
        if self._in_data:
            self.data += data

    def handle_endtag(self, tag):
        self._in_data = False


def test_trail_html_is_self_contained(built):
    html = built["trail.html"].decode("utf-8")
    parser = Refs()
    parser.feed(html)
    assert parser.refs and all(r.startswith("data:") for r in parser.refs), parser.refs
    data = json.loads(parser.data)
    assert data["inline"] is True and data["gpx"].startswith("data:application/gpx+xml;base64,")
    assert all(m["src"].startswith(("data:image/jpeg;base64,", "data:audio/wav;base64,"))
               for s in data["stops"] for m in s["media"])
    outside_data = html.replace(parser.data, "")
    assert set(URL.findall(outside_data)) <= NEVER_FETCHED
    assert "@import" not in outside_data and "serviceWorker.register" in outside_data  # guarded by data.inline


def test_trail_json_holds_the_stops_content_and_radii(built):
    data = json.loads(built["trail.json"])
    assert data["name"] == "Sentier de Barre-des-Cévennes" and data["key"] == "trail-7"
    assert all(len(p) == 3 for seg in data["segments"] for p in seg)
    first = data["segments"][0][0]
    assert first[:2] == [3.65148, 44.246547]
    by_number = {s["id"]: s for s in data["stops"]}  # ids 1-4 (numbers go to story stops only)
    assert [s["id"] for s in data["stops"]] == [1, 2, 3, 4]
    assert by_number[1]["trigger_radius_m"] == 35.0  # church: category default
    assert by_number[2]["trigger_radius_m"] == 42.0  # the POI's own radius
    assert by_number[3]["trigger_radius_m"] == 20.0  # the stop's own radius wins, raised to what GPS can fire
    assert by_number[3]["trigger"]["radius_m"] == 20.0
    assert all({"lon", "lat", "radius_m", "on_trail"} <= set(s["trigger"]) for s in data["stops"])
    assert by_number[2]["description"] == "<p>Moulin</p>"
    assert by_number[1]["credits"]["licence"] == "ODbL 1.0"
    assert by_number[1]["distance_along_m"] == 100.0
    assert data["credits"]["trail"].startswith("Parc national des Cévennes (Licence Ouverte")
    assert {"summary", "description", "media", "category", "lat", "lon", "name", "kind"} <= set(by_number[1])
    # the second stop is a bare water point: a service, not numbered, alerting only on request (issue 14)
    assert [(s["kind"], s["number"]) for s in data["stops"]] == [("story", 1), ("service", None), ("story", 2),
                                                                 ("story", 3)]
    assert data["alert_categories"] == ["water"] and data["engine"]["min_card_spacing_s"] == 45


def test_photos_are_resized_and_content_addressed_audio_copied(built):
    data = json.loads(built["trail.json"])
    media = {m["kind"]: m for m in data["stops"][0]["media"]}
    photo = built[media["image"]["src"]]
    with Image.open(io.BytesIO(photo)) as img:
        assert img.format == "JPEG" and img.size == (320, 212)  # 720x477 real photo
    assert len(photo) < PHOTO.stat().st_size / 5
    assert media["image"]["src"] == f"media/{hashlib.sha256(photo).hexdigest()[:16]}.jpg"
    assert media["image"]["author"] == "Rust Embedded WG" and media["image"]["licence"] == "CC BY-SA 4.0"
    assert built[media["audio"]["src"]] == AUDIO.read_bytes()


def test_remote_missing_and_broken_media_are_reported_not_bundled(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    trail = circuit()
    stops = stops_along(trail, 1, media=[Media("image", "https://example.org/p.jpg"),
                                          Media("image", "media/absent.jpg"), Media("image", str(broken)),
                                          Media("audio", str(PHOTO))])
    with language("en"):
        report = bundle.export(trail, stops, out_dir=tmp_path / "b", media_root=tmp_path)
    assert not [p for p in report.files if p.startswith("media/")]
    assert len(report.warnings) == 4
    assert any("remote media not bundled" in w for w in report.warnings)


def test_media_are_found_relative_to_the_media_root(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "abc.jpg").write_bytes(PHOTO.read_bytes())
    trail = circuit()
    files = bundle.build_files(trail, stops_along(trail, 1, media=[Media("image", "media/abc.jpg")]),
                               media_root=tmp_path)
    assert len([p for p in files if p.startswith("media/")]) == 1


def test_export_writes_the_folder_and_zip_and_reports_sizes(tmp_path):
    trail = circuit()
    stops = stops_along(trail, 3, media=[Media("image", str(PHOTO))])
    report = bundle.export(trail, stops, out_dir=tmp_path / "b", zip=True, budget_kb=50)
    on_disk = {p.relative_to(tmp_path / "b").as_posix() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert on_disk == set(report.files)
    with zipfile.ZipFile(report.zip_path) as zf:
        assert {n.split("/", 1)[1] for n in zf.namelist()} == on_disk
    assert set(report.parts) == {"shell", "data", "map", "media", "single"}
    assert sum(p.raw_bytes for p in report.parts.values()) == sum(report.files.values())
    # what the phone keeps: everything but trail.html (its own download, never a second copy of the photos)
    assert report.total.raw_bytes == sum(report.files.values()) - report.files["trail.html"]
    assert report.total.gzip_bytes < report.total.raw_bytes
    assert report.download_3g_s == pytest.approx(report.total.gzip_bytes * 8 / 384_000)
    assert report.over_budget and any("budget" in w for w in report.warnings)
    with language("en"):
        text = bundle.format_report(report)
    for label in ("app shell", "trail data", "map (Leaflet)", "media", "trail.html", "3G (384 kbit/s)"):
        assert label in text


def test_a_12_km_25_stop_circuit_fits_the_size_target():
    trail = circuit("cevennes_pauparelle_loop_12km.geojson", 9)
    parts, _ = bundle.measure(bundle.build_files(trail, stops_along(trail, 25)))
    assert parts["shell"].gzip_bytes + parts["data"].gzip_bytes + parts["map"].gzip_bytes <= 300_000


def test_a_trail_without_points_cannot_be_bundled(tmp_path):
    with pytest.raises(ExportError):
        bundle.export(Trail(name="Vide"), [], out_dir=tmp_path / "b")
    assert not (tmp_path / "b").exists()


# -- CLI ------------------------------------------------------------------------------------------
def test_cli_unknown_trail_exits_2_with_one_line(runner, tmp_path):
    result = runner.invoke(cli, ["export", "bundle", "999", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "999" in result.output
    assert not (tmp_path / "b").exists()


def test_cli_writes_the_bundle_and_prints_sizes(runner, db_path, tmp_path):
    db = open_db(db_path)
    trail = circuit()
    trail.id = None
    tid = TrailStore(db).save(trail)
    poi = stops_along(trail, 1)[0].poi
    poi.id = None
    poi.media = [Media("image", str(PHOTO), "F3")]
    pid = PoiStore(db).upsert(poi)[1]
    TrailStore(db).upsert_stops([Stop(tid, pid, distance_along_m=500.0, offset_m=5.0)])
    db.conn.close()
    result = runner.invoke(cli, ["export", "bundle", str(tid), "--out", str(tmp_path / "b"), "--zip",
                                 "--photo-max-width", "200", "--budget-kb", "10"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "index.html").is_file() and (tmp_path / "b.zip").is_file()
    for label in ("app shell", "map (Leaflet)", "media", "3G (384 kbit/s)", "over the budget of 10 KB"):
        assert label in result.output
    data = json.loads((tmp_path / "b" / "trail.json").read_text())
    photo = data["stops"][0]["media"][0]["src"]
    with Image.open(tmp_path / "b" / photo) as img:
        assert img.width == 200


# -- opening language ---------------------------------------------------------------------------------------
from test_api import catalogue  # noqa: E402, F401  (fixture)

from helpers import open_db


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_circuit_page_opens_the_bundle_in_the_page_language(client, catalogue, lang):  # noqa: F811
    leg = catalogue["Le Bateau - Arlix"]
    html = client.get(f"/trails/{leg}?lang={lang}").get_data(as_text=True)
    assert f'href="/trails/{leg}/bundle/?lang={lang}" data-offline-bundle' in html
    shell = client.get(f"/trails/{leg}/bundle/?lang={lang}")
    assert shell.status_code == 200 and shell.data == client.get(f"/trails/{leg}/bundle/").data


def test_app_chooses_its_language_from_address_then_choice_then_phone():
    """The order lives in app/state.js (checked in Chromium by tests/browser/test_bundle_language_browser.py)."""
    app_js = (Path(bundle.__file__).parents[1] / "templates" / "bundle" / "app" / "state.js").read_text(
        encoding="utf-8")
    assert "B.lang = initialLanguage();" in app_js
    body = app_js[app_js.index("function initialLanguage()"):]
    body = body[:body.index("\n  }\n")]
    assert body.index("lang=") < body.index("settings.lang") < body.index("navigator.language")


@pytest.mark.parametrize("quality", [95, 30])  # re-encoded (bigger than its re-encoding) / kept as it was (smaller)
def test_bundle_photos_carry_no_comment_nor_other_metadata(data, quality):
    from exporter.bundle_media import resize_photo

    with Image.open(data / "bundle" / "photo_720px_f3-discovery-board.jpg") as img:
        sent = io.BytesIO()
        img.save(sent, "JPEG", quality=quality, comment=b"Taken by Jeanne, 12 rue des Lilas")
    out = resize_photo(sent.getvalue(), max_width=1280, quality=75)
    assert b"rue des Lilas" not in out
    with Image.open(io.BytesIO(out)) as shipped:
        assert "comment" not in shipped.info and [n for n, _b in shipped.applist] in ([], ["APP0"])
