"""The staff editor: create from a real GPX, edit, overrides with reasons, stops, media, history and restore,
permissions, CSRF on every form, stored XSS.

Test data: the real OSM hiking leg "Le Bateau - Arlix" (Bassin d'Aubenas) with the three guideposts along it
(tests/data/web/README.md), uploaded as a GPX written by our GPX exporter; the 11 real guideposts around La
Lermuse a few km away (tests/data/corridor/README.md); real GPX files of tests/data/gpx; the real photo and
WAV of tests/data/bundle.
"""
from __future__ import annotations

import json
import re

import pytest

from exporter.gpx import export as export_gpx
from poi.models import POI
from poi.store import PoiStore
from trails.corridor import attach_stops
from trails.models import Trail
from trails.store import TrailStore
from webapp.staff_store import StaffStore
from helpers import page_shows

from helpers import add_staff, fast_hashes, logged_in, open_db  # noqa: F401 - fast_hashes: autouse

PASSWORD = "sentier du Tournel 1907"
OSM = "© OpenStreetMap contributors"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def accounts(app, db_path):
    add_staff(db_path, "marie", PASSWORD)
    add_staff(db_path, "admin", PASSWORD, role="admin")


def _login(app, username):
    return logged_in(app, username, PASSWORD, lang=None)


@pytest.fixture
def editor(app, accounts):
    return _login(app, "marie")


@pytest.fixture
def admin(app, accounts):
    return _login(app, "admin")


def token(client) -> str:
    with client.session_transaction() as s:
        return s["csrf"]


def post(client, url, data=None, **kwargs):
    return client.post(url, data={"csrf_token": token(client), **(data or {})}, **kwargs)


def _guideposts(path):
    return [POI(name=f["properties"]["name"], lon=f["geometry"]["coordinates"][0], lat=f["geometry"]["coordinates"][1],
                category="information", source="osm", source_id=f["properties"]["@id"], licence="ODbL 1.0",
                attribution=OSM) for f in json.loads(path.read_text(encoding="utf-8"))["features"]
            if f["geometry"]["type"] == "Point"]


@pytest.fixture
def aubenas(app, data, db_path) -> bytes:
    """POIs in the db (3 guideposts along the leg, 11 around La Lermuse); returns the leg as GPX bytes."""
    db = open_db(db_path)
    pois = PoiStore(db)
    for poi in (_guideposts(data / "web" / "aubenas_leg_le-bateau-arlix_with_3_guideposts.geojson")
                + _guideposts(data / "corridor" / "ardeche_lermuse_guideposts_within_1500m.geojson")):
        pois.upsert(poi)
    db.conn.close()
    leg = json.loads((data / "web" / "aubenas_leg_le-bateau-arlix_with_3_guideposts.geojson")
                     .read_text(encoding="utf-8"))["features"][0]
    trail = Trail(name=leg["properties"]["name"], segments=[[tuple(c) for c in leg["geometry"]["coordinates"]]])
    return export_gpx(trail, []).encode("utf-8")


def create(client, gpx: bytes, filename="le-bateau-arlix.gpx", **fields) -> int:
    from io import BytesIO

    r = post(client, "/editor/trails/new", {"gpx": (BytesIO(gpx), filename), **fields},
             content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(re.search(r"/editor/trails/(\d+)$", r.headers["Location"]).group(1))


@pytest.fixture
def trail_id(editor, aubenas) -> int:
    return create(editor, aubenas, themes="rural_heritage")


def stores(db_path):
    db = open_db(db_path)
    return TrailStore(db), PoiStore(db), StaffStore(db)


def edit_form(**changes) -> dict:
    form = {"name": "Le Bateau - Arlix", "summary": "", "description": "", "themes": "", "practice": "walking",
            "route_type_override": "", "duration_override": "", "duration_override_reason": "",
            "difficulty_override": "", "difficulty_override_reason": "", "action": "save"}
    form.update(changes)
    return form


# -- create ------------------------------------------------------------------------------------------------------
def test_create_from_the_real_leg_attaches_its_guideposts(editor, trail_id, db_path):
    trails, pois, staff = stores(db_path)
    trail = trails.get(trail_id)
    assert trail.name == "Le Bateau - Arlix" and not trail.published and 1200 < trail.length_m < 1400
    names = [pois.get(s.poi_id).name for s in trails.stops(trail_id)]
    assert names == ["Le Bateau", "Le Ruisseau (parking)", "Arlix"] or sorted(names) == sorted(
        ["Le Bateau", "Le Ruisseau (parking)", "Arlix"])
    [rev] = staff.revisions(trail_id)
    assert rev.action == "create" and rev.user == "marie" and rev.snapshot["segments"]
    html = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    assert "Le Ruisseau (parking)" in html and 'data-status="auto"' in html


@pytest.mark.parametrize("name", ["de-munich_garmin-edge-800_8seg_gpsbabel.gpx", "fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx",
                                  "gpxstudio__be-brussels_with_routes.gpx"])
def test_create_from_real_gpx_files(editor, data, db_path, name):
    trail_id = create(editor, (data / "gpx" / name).read_bytes(), filename=name)
    trail = stores(db_path)[0].get(trail_id)
    assert trail.length_m > 100 and trail.extra["gpx_file"] == name
    page_shows(editor.get(f"/editor/trails/{trail_id}"), trail.name)


@pytest.mark.parametrize("filename, content, message", [
    (None, None, "GPX"),
    ("photo.gpx", "bundle/photo_720px_f3-discovery-board.jpg", "GPX"),
    ("circuits.geojson", "web/cevennes_4_circuits.geojson", "GPX"),
    ("empty.gpx", "gpx/geotrek-admin__fr-74_trace_with_no_feature.gpx", ""),
    ("entity.gpx", "gpx/external_entity.gpx", ""),
])
def test_bad_uploads_show_an_error_and_store_nothing(editor, data, db_path, filename, content, message):
    from io import BytesIO

    fields = {"name": "Essai"}
    if filename:
        fields["gpx"] = (BytesIO((data / content).read_bytes()), filename)
    r = post(editor, "/editor/trails/new?lang=en", fields, content_type="multipart/form-data")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert 'class="error" role="alert"' in html and message in html and "Traceback" not in html
    trails, _, staff = stores(db_path)
    assert trails.count() == 0


def test_gpx_size_limit(app, editor, aubenas, db_path):
    app.config["EDITOR_MAX_GPX_BYTES"] = 1000
    from io import BytesIO

    r = post(editor, "/editor/trails/new", {"gpx": (BytesIO(aubenas), "leg.gpx")}, content_type="multipart/form-data")
    assert r.status_code == 400 and stores(db_path)[0].count() == 0


# -- edit and overrides --------------------------------------------------------------------------------------------
def test_override_with_reason_shows_on_the_public_page(editor, trail_id, db_path):
    r = post(editor, f"/editor/trails/{trail_id}", edit_form(
        duration_override="0h40", duration_override_reason="steep climb after Le Ruisseau",
        difficulty_override="medium", difficulty_override_reason="slippery stones"))
    assert r.status_code == 302
    post(editor, f"/editor/trails/{trail_id}/publish", {"published": "1"})
    html = editor.get(f"/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert "set by staff: steep climb after Le Ruisseau" in html and "set by staff: slippery stones" in html
    assert "40 min" in html
    trail = stores(db_path)[0].get(trail_id)
    assert trail.duration_source == "override" and trail.difficulty == "medium"


@pytest.mark.parametrize("changes, field", [
    ({"duration_override": "2h30"}, "duration_override_reason"),
    ({"difficulty_override": "hard"}, "difficulty_override_reason"),
    ({"duration_override": "2x", "duration_override_reason": "r"}, "duration_override"),
    ({"name": ""}, "name"),
    ({"practice": "flying"}, "practice"),
    ({"difficulty_override": "impossible", "difficulty_override_reason": "r"}, "difficulty_override"),
])
def test_invalid_edits_are_shown_and_nothing_is_saved(editor, trail_id, db_path, changes, field):
    r = post(editor, f"/editor/trails/{trail_id}", edit_form(**{"name": "Nouveau nom", **changes}))
    assert r.status_code == 400
    assert f'id="{field}-error"' in r.get_data(as_text=True)
    trails, _, staff = stores(db_path)
    assert trails.get(trail_id).name == "Le Bateau - Arlix" and len(staff.revisions(trail_id)) == 1


def test_preview_shows_the_sanitised_description_without_saving(editor, trail_id, db_path):
    r = post(editor, f"/editor/trails/{trail_id}", edit_form(
        description='<p>Du <strong>Bateau</strong> à Arlix<script>alert(1)</script></p>', action="preview"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<p>Du <strong>Bateau</strong> à Arlix</p>" in html
    assert "<script>alert(1)" not in html
    assert stores(db_path)[0].get(trail_id).description == ""


def test_publish_and_unpublish_from_the_list(editor, trail_id):
    assert "Le Bateau - Arlix" not in editor.get("/").get_data(as_text=True)
    r = post(editor, f"/editor/trails/{trail_id}/publish", {"published": "1", "back": "index"})
    assert r.headers["Location"] == "/editor/"
    assert "Le Bateau - Arlix" in editor.get("/").get_data(as_text=True)
    post(editor, f"/editor/trails/{trail_id}/publish", {"published": "0"})
    assert "Le Bateau - Arlix" not in editor.get("/").get_data(as_text=True)
    assert editor.get(f"/trails/{trail_id}").status_code == 404


def test_bundle_preview_of_an_unpublished_trail(editor, trail_id):
    r = editor.get(f"/editor/trails/{trail_id}/preview")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.get_data(as_text=True).count("data-poi-id") >= 1 or "Arlix" in r.get_data(as_text=True)


# -- stops ----------------------------------------------------------------------------------------------------------
def test_removed_stop_stays_removed_when_stops_are_attached_again(editor, trail_id, db_path):
    trails, pois, _ = stores(db_path)
    ruisseau = next(s.poi_id for s in trails.stops(trail_id) if pois.get(s.poi_id).name == "Le Ruisseau (parking)")
    r = post(editor, f"/editor/trails/{trail_id}/stops/{ruisseau}/status", {"status": "removed"})
    assert r.status_code == 302
    attach_stops(trails.db, trails.get(trail_id))
    assert ruisseau not in [s.poi_id for s in trails.stops(trail_id)]
    assert [s.status for s in trails.stops(trail_id, include_removed=True) if s.poi_id == ruisseau] == ["removed"]
    post(editor, f"/editor/trails/{trail_id}/publish", {"published": "1"})
    assert "Le Ruisseau (parking)" not in editor.get(f"/trails/{trail_id}").get_data(as_text=True)
    post(editor, f"/editor/trails/{trail_id}/stops/{ruisseau}/status", {"status": "manual"})
    assert [s.status for s in trails.stops(trail_id) if s.poi_id == ruisseau] == ["manual"]


def test_add_a_poi_found_by_search_and_set_its_radius(editor, trail_id, db_path):
    html = editor.get(f"/editor/trails/{trail_id}/stops?q=huile").get_data(as_text=True)
    assert "Pont de l&#39;Huile" in html or "Pont de l'Huile" in html
    trails, pois, staff = stores(db_path)
    pont = pois.search("Pont de l'Huile")[0].id
    assert post(editor, f"/editor/trails/{trail_id}/stops/add", {"poi_id": str(pont)}).status_code == 302
    stop = next(s for s in trails.stops(trail_id) if s.poi_id == pont)
    assert stop.status == "manual" and stop.distance_along_m >= 0
    post(editor, f"/editor/trails/{trail_id}/stops/{pont}/radius", {"trigger_radius_m": "45"})
    stop = next(s for s in trails.stops(trail_id) if s.poi_id == pont)
    assert stop.trigger_radius_m == 45 and stop.status == "manual"
    post(editor, f"/editor/trails/{trail_id}/stops/{pont}/radius", {"trigger_radius_m": "5000"})
    assert next(s for s in trails.stops(trail_id) if s.poi_id == pont).trigger_radius_m == 45
    assert [r.action for r in staff.revisions(trail_id)] == ["stops", "stops", "create"]


def test_staff_see_trigger_zones_move_a_trigger_point_and_cannot_save_an_unfireable_radius(editor, trail_id,
                                                                                           db_path):
    trails, pois, staff = stores(db_path)
    pont = pois.search("Pont de l'Huile")[0].id
    post(editor, f"/editor/trails/{trail_id}/stops/add", {"poi_id": str(pont)})
    page = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    shown = len([s for s in trails.stops(trail_id)])
    assert page.count('"className": "trigger-zone"') == shown  # one zone per stop on the map
    assert f'id="trigger-{pont}"' in page
    # a radius GPS cannot fire is refused, with the reason, and nothing changes
    answer = post(editor, f"/editor/trails/{trail_id}/stops/{pont}/radius", {"trigger_radius_m": "8"},
                  follow_redirects=True).get_data(as_text=True)
    assert "GPS" in answer and next(s for s in trails.stops(trail_id) if s.poi_id == pont).trigger_radius_m is None
    # the trigger point moves along the trail, then back to automatic
    post(editor, f"/editor/trails/{trail_id}/stops/{pont}/trigger", {"trigger_along_m": "120"})
    assert next(s for s in trails.stops(trail_id) if s.poi_id == pont).trigger_along_m == 120
    answer = post(editor, f"/editor/trails/{trail_id}/stops/{pont}/trigger", {"trigger_along_m": "999999"},
                  follow_redirects=True).get_data(as_text=True)
    assert "999999" in answer and next(s for s in trails.stops(trail_id) if s.poi_id == pont).trigger_along_m == 120
    post(editor, f"/editor/trails/{trail_id}/stops/{pont}/trigger", {"trigger_along_m": ""})
    assert next(s for s in trails.stops(trail_id) if s.poi_id == pont).trigger_along_m is None
    assert [r.action for r in staff.revisions(trail_id)][:3] == ["stops", "stops", "stops"]


def test_stops_grouped_by_kind_with_counts_and_bulk_decisions(editor, trail_id, db_path):
    """Issue 14: the three information posts of the leg are services; staff refuse them in one go, make one a
    story stop, and a bare chapel 120 m off the path is only proposed until staff accept it."""
    from poi.geo import GEOD

    trails, pois, staff = stores(db_path)
    html = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    story = html[html.index('id="kind-story"'):html.index('id="kind-service"')]
    service = html[html.index('id="kind-service"'):]
    assert "0 shown, 0 proposed, 0 removed" in story or "0 montrées, 0 proposées, 0 retirées" in story
    assert "Le Ruisseau (parking)" in service and "Le Ruisseau (parking)" not in story
    trail = trails.get(trail_id)
    (lon1, lat1, _), (lon2, lat2, _) = trail.segments[0][5][:3], trail.segments[0][6][:3]
    lon, lat, _ = GEOD.fwd(lon1, lat1, GEOD.inv(lon1, lat1, lon2, lat2)[0] + 90, 120)
    chapel = pois.upsert(POI(name="Chapelle Saint-Roch", lon=lon, lat=lat, category="church", source="t",
                             source_id="roch"))[1]
    attach_stops(trails.db, trail)
    assert [s.status for s in trails.stops(trail_id, include_removed=True) if s.poi_id == chapel] == ["proposed"]
    assert chapel not in [s.poi_id for s in trails.stops(trail_id)]
    r = post(editor, f"/editor/trails/{trail_id}/stops/bulk", {"kind": "service", "action": "refuse"})
    assert r.status_code == 302
    assert [s.poi_id for s in trails.stops(trail_id)] == []
    assert post(editor, f"/editor/trails/{trail_id}/stops/bulk", {"kind": "story", "action": "accept"}).status_code == 302
    assert [(s.poi_id, s.status) for s in trails.stops(trail_id)] == [(chapel, "manual")]
    arlix = next(p.id for p in pois.search("Arlix") if p.category == "information")
    post(editor, f"/editor/trails/{trail_id}/stops/{arlix}/status", {"status": "manual"})
    post(editor, f"/editor/trails/{trail_id}/stops/{arlix}/kind", {"kind": "story"})
    assert {s.poi.name: s.kind for s in trails.stops_with_pois(trail_id)} == {"Chapelle Saint-Roch": "story",
                                                                              "Arlix": "story"}
    html = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    assert f'data-poi-id="{arlix}" data-status="manual" data-kind="story"' in html
    assert post(editor, f"/editor/trails/{trail_id}/stops/bulk", {"kind": "poster", "action": "refuse"}).status_code == 400
    assert [r.action for r in staff.revisions(trail_id)][:4] == ["stops"] * 4


def _order(trails, trail_id):
    return [s.poi_id for s in trails.stops(trail_id, include_removed=True)]


def test_move_a_stop_up_and_down_keeps_the_order_when_stops_are_attached_again(editor, trail_id, db_path):
    trails, pois, staff = stores(db_path)
    first, second, third = _order(trails, trail_id)
    r = post(editor, f"/editor/trails/{trail_id}/stops/{third}/move", {"direction": "up"})
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/editor/trails/{trail_id}/stops?moved={third}&direction=up")
    assert _order(trails, trail_id) == [first, third, second]
    # the page comes back with the moved stop's button focused (no script needed)
    html = editor.get(r.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'id="up-{third}" autofocus', html) and html.count("autofocus") == 1
    post(editor, f"/editor/trails/{trail_id}/stops/{first}/move", {"direction": "down"})
    assert _order(trails, trail_id) == [third, first, second]
    assert trails.stops(trail_id)[0].poi_id == third  # the public order too
    attach_stops(trails.db, trails.get(trail_id))
    assert _order(trails, trail_id) == [third, first, second]
    name = pois.get(first).name
    revisions = staff.revisions(trail_id)
    assert [r.action for r in revisions] == ["stops", "stops", "create"]
    assert name in revisions[0].summary
    assert [s["poi_id"] for s in sorted(revisions[0].snapshot["stops"], key=lambda s: s["position"])] == [
        third, first, second]


def test_moving_a_stop_past_either_end_changes_nothing(editor, trail_id, db_path):
    trails, _, staff = stores(db_path)
    first, *_rest, last = _order(trails, trail_id)
    html = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    assert f'id="up-{first}"' not in html and f'id="down-{last}"' not in html and f'id="down-{first}"' in html
    post(editor, f"/editor/trails/{trail_id}/stops/{first}/move", {"direction": "up"})
    post(editor, f"/editor/trails/{trail_id}/stops/{last}/move", {"direction": "down"})
    assert _order(trails, trail_id) == [first, *_rest, last]
    assert post(editor, f"/editor/trails/{trail_id}/stops/{first}/move", {"direction": "sideways"}).status_code == 400
    assert [r.action for r in staff.revisions(trail_id)] == ["create"]
    html = editor.get(f"/editor/trails/{trail_id}/stops?moved={first}&direction=up").get_data(as_text=True)
    assert re.search(rf'id="down-{first}" autofocus', html)  # the other button when the pressed one is gone


def test_restore_brings_back_the_previous_stop_order(editor, trail_id, db_path):
    trails, _, staff = stores(db_path)
    before = _order(trails, trail_id)
    post(editor, f"/editor/trails/{trail_id}/stops/{before[0]}/move", {"direction": "down"})
    assert _order(trails, trail_id) != before
    created = staff.revisions(trail_id)[-1]
    assert [s["poi_id"] for s in sorted(created.snapshot["stops"], key=lambda s: s["position"])] == before
    post(editor, f"/editor/trails/{trail_id}/history/{created.id}/restore")
    assert _order(trails, trail_id) == before
    assert staff.revisions(trail_id)[0].action == "restore"


def test_moving_stops_needs_a_login_and_the_token(app, editor, trail_id, db_path):
    trails, _, staff = stores(db_path)
    order = _order(trails, trail_id)
    url = f"/editor/trails/{trail_id}/stops/{order[0]}/move"
    assert editor.post(url, data={"direction": "down"}).status_code == 400
    assert editor.post(url, data={"direction": "down", "csrf_token": "forged"}).status_code == 400
    anonymous = app.test_client()
    assert anonymous.post(url, data={"direction": "down"}).status_code == 400
    anonymous.get("/login")  # a session with a valid token, but nobody logged in
    r = post(anonymous, url, {"direction": "down"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _order(trails, trail_id) == order and len(staff.revisions(trail_id)) == 1


def test_the_stops_map_offers_nearby_pois(editor, trail_id):
    html = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    assert "leaflet" in html and "bindPopup" in html


# -- media ---------------------------------------------------------------------------------------------------------------
def test_photo_and_audio_uploads_are_stored_by_content(editor, trail_id, data, db_path):
    from io import BytesIO

    trails, pois, staff = stores(db_path)
    poi_id = trails.stops(trail_id)[0].poi_id
    url = f"/editor/trails/{trail_id}/pois/{poi_id}/media"
    photo = (data / "bundle" / "photo_720px_f3-discovery-board.jpg").read_bytes()
    r = post(editor, url, {"file": (BytesIO(photo), "../../etc/passwd.jpg"), "title": "Panneau", "author": "OT"},
             content_type="multipart/form-data")
    assert r.status_code == 302
    wav = (data / "bundle" / "audio_pluck-pcm16.wav").read_bytes()
    assert post(editor, url, {"file": (BytesIO(wav), "guide.wav")}, content_type="multipart/form-data").status_code == 302
    media = pois.get(poi_id).media
    assert [m.kind for m in media] == ["image", "audio"]
    assert all(re.fullmatch(r"media/[0-9a-f]{64}\.(jpg|wav)", m.url) for m in media)
    with editor.get("/editor/" + media[0].url) as r:
        assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert editor.get("/editor/media/..%2Fbalise.db").status_code == 404
    assert [r.action for r in staff.revisions(trail_id)][:2] == ["media", "media"]


@pytest.mark.parametrize("name, content", [("fake.jpg", "gpx/fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx"),
                                           ("page.png", "web/cevennes_4_circuits.geojson")])
def test_uploaded_non_images_are_refused(editor, trail_id, data, db_path, name, content):
    from io import BytesIO

    trails, pois, _ = stores(db_path)
    poi_id = trails.stops(trail_id)[0].poi_id
    r = post(editor, f"/editor/trails/{trail_id}/pois/{poi_id}/media?lang=en",
             {"file": (BytesIO((data / content).read_bytes()), name)}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'role="alert"' in html and "JPEG, PNG or WebP photo" in html
    assert pois.get(poi_id).media == []
    assert not (db_path.parent / "media").exists() or not any((db_path.parent / "media").iterdir())


def test_media_size_limit(app, editor, trail_id, data, db_path):
    from io import BytesIO

    app.config["EDITOR_MAX_MEDIA_BYTES"] = 10_000
    trails, pois, _ = stores(db_path)
    poi_id = trails.stops(trail_id)[0].poi_id
    photo = (data / "bundle" / "photo_720px_f3-discovery-board.jpg").read_bytes()
    r = post(editor, f"/editor/trails/{trail_id}/pois/{poi_id}/media", {"file": (BytesIO(photo), "p.jpg")},
             content_type="multipart/form-data")
    assert r.status_code == 400 and pois.get(poi_id).media == []


def test_staff_uploads_take_one_of_few_slots_and_get_a_503_when_all_stay_busy(app, editor, trail_id, data, db_path,
                                                                               monkeypatch):
    """A staff photo may take 400 MB once decoded: at most EDITOR_UPLOAD_SLOTS uploads (photos, audio, GPX) are
    handled at once, the next ones wait, then get a 503 with Retry-After, and nothing is stored (issue 10)."""
    from io import BytesIO

    from webapp import upload_slots

    app.config["EDITOR_UPLOAD_SLOTS"] = 1
    monkeypatch.setattr(upload_slots, "SLOT_WAIT_S", 0.01)
    trails, pois, _ = stores(db_path)
    poi_id = trails.stops(trail_id)[0].poi_id
    url = f"/editor/trails/{trail_id}/pois/{poi_id}/media?lang=en"
    photo = (data / "bundle" / "photo_720px_f3-discovery-board.jpg").read_bytes()
    gpx = (data / "gpx" / "fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx").read_bytes()
    slots = upload_slots.pool("editor", 1)
    assert slots.acquire(timeout=1)  # another staff member's upload is being handled
    try:
        busy = post(editor, url, {"file": (BytesIO(photo), "p.jpg")}, content_type="multipart/form-data")
        busy_gpx = post(editor, "/editor/trails/new?lang=en", {"gpx": (BytesIO(gpx), "t.gpx"), "practice": "walking"},
                        content_type="multipart/form-data")
        anonymous = app.test_client().post(url, data={"file": (BytesIO(photo), "p.jpg")},
                                           content_type="multipart/form-data")
        assert editor.get(url).status_code == 200  # only uploads wait
    finally:
        slots.release()
    for response in (busy, busy_gpx):
        assert response.status_code == 503 and response.headers["Retry-After"] == "10"
        assert "other files are being uploaded right now: send yours again in a minute" in response.get_data(
            as_text=True)
    assert anonymous.status_code in (302, 400)  # the login page or the CSRF refusal, never a slot
    assert pois.get(poi_id).media == [] and len(TrailStore(open_db(db_path)).all()) == 1
    assert post(editor, url, {"file": (BytesIO(photo), "p.jpg")}, content_type="multipart/form-data").status_code == 302
    assert slots.acquire(timeout=0) and (slots.release() or True)  # the slot was given back


# -- history -------------------------------------------------------------------------------------------------------------
def test_history_lists_every_change_and_restore_brings_a_version_back(editor, trail_id, db_path):
    post(editor, f"/editor/trails/{trail_id}?lang=en", edit_form(name="Du Bateau à Arlix", summary="Première version"))
    post(editor, f"/editor/trails/{trail_id}?lang=en", edit_form(name="Arlix", summary="Deuxième"))
    trails, pois, staff = stores(db_path)
    first_stop = trails.stops(trail_id)[0].poi_id
    post(editor, f"/editor/trails/{trail_id}/stops/{first_stop}/status", {"status": "removed"})
    revisions = staff.revisions(trail_id)
    assert [r.action for r in revisions] == ["stops", "edit", "edit", "create"]
    html = editor.get(f"/editor/trails/{trail_id}/history?lang=en").get_data(as_text=True)
    assert html.count("data-revision-id") == 4 and "changed: name, summary" in html
    target = revisions[2]  # the first edit
    page_shows(editor.get(f"/editor/trails/{trail_id}/history/{target.id}?lang=en"), "Du Bateau à Arlix",
               "Première version", "Restore this version")
    r = post(editor, f"/editor/trails/{trail_id}/history/{target.id}/restore")
    assert r.status_code == 302
    trail = trails.get(trail_id)
    assert (trail.name, trail.summary) == ("Du Bateau à Arlix", "Première version")
    assert first_stop in [s.poi_id for s in trails.stops(trail_id)]
    newest = staff.revisions(trail_id)[0]
    assert newest.action == "restore" and newest.user == "marie" and str(target.id) in newest.summary
    assert newest.snapshot["trail"]["name"] == "Du Bateau à Arlix"


def test_restore_brings_back_removed_media(editor, trail_id, data, db_path):
    from io import BytesIO

    trails, pois, staff = stores(db_path)
    poi_id = trails.stops(trail_id)[0].poi_id
    url = f"/editor/trails/{trail_id}/pois/{poi_id}/media"
    photo = (data / "bundle" / "photo_720px_f3-discovery-board.jpg").read_bytes()
    post(editor, url, {"file": (BytesIO(photo), "p.jpg")}, content_type="multipart/form-data")
    stored = pois.get(poi_id).media[0].url
    post(editor, url + "/remove", {"url": stored})
    assert pois.get(poi_id).media == []
    with_photo = staff.revisions(trail_id)[1]
    post(editor, f"/editor/trails/{trail_id}/history/{with_photo.id}/restore")
    assert [m.url for m in pois.get(poi_id).media] == [stored]


def test_the_menu_links_to_visitor_feedback_with_the_pending_count(editor, trail_id, db_path):
    from webapp.feedback_store import Feedback, FeedbackStore

    html = editor.get("/editor/?lang=en").get_data(as_text=True)
    menu = re.search(r'<nav class="editor-bar".*?</nav>', html, re.S).group(0)
    assert '<a href="/editor/feedback">Visitor feedback</a>' in menu
    feedback = FeedbackStore(open_db(db_path))
    for rating in (4, 5):
        feedback.add(Feedback(trail_id=trail_id, kind="review", rating=rating))
    feedback.db.conn.commit()
    html = editor.get(f"/editor/trails/{trail_id}/stops").get_data(as_text=True)
    assert 'href="/editor/feedback">Visitor feedback&nbsp;<span class="count">(2 pending)</span></a>' in html
    html = editor.get("/editor/?lang=fr").get_data(as_text=True)
    assert 'href="/editor/feedback">Avis des visiteurs&nbsp;<span class="count">(2 en attente)</span></a>' in html
    page = editor.get("/editor/feedback").get_data(as_text=True)
    assert 'href="/editor/feedback" aria-current="page"' in page


# -- permissions ---------------------------------------------------------------------------------------------------------
def test_an_editor_cannot_do_admin_things(editor, trail_id, db_path):
    assert editor.get("/editor/users").status_code == 403
    assert post(editor, "/editor/users", {"username": "paul", "password": PASSWORD, "role": "admin"}).status_code == 403
    assert post(editor, "/editor/users/admin/active", {"active": "0"}).status_code == 403
    assert post(editor, f"/editor/trails/{trail_id}/delete").status_code == 403
    trails, _, staff = stores(db_path)
    assert trails.get(trail_id) and [u.username for u in staff.users()] == ["admin", "marie"]
    assert all(u.active for u in staff.users())


def test_an_admin_manages_accounts_and_deletes_trails(admin, editor, trail_id, db_path):
    r = post(admin, "/editor/users", {"username": "paul", "password": PASSWORD, "role": "editor"})
    assert r.status_code == 302
    assert post(admin, "/editor/users", {"username": "jean", "password": "court", "role": "editor"}).status_code == 400
    post(admin, "/editor/users/marie/active", {"active": "0"})
    assert editor.get("/editor/").status_code == 302  # marie's session ended
    post(admin, "/editor/users/admin/active", {"active": "0"})  # not oneself
    trails, _, staff = stores(db_path)
    assert {u.username: u.active for u in staff.users()} == {"admin": True, "marie": False, "paul": True}
    assert post(admin, f"/editor/trails/{trail_id}/delete").status_code == 302
    assert trails.count() == 0
    assert [r.action for r in staff.revisions(trail_id)] == ["delete", "create"]
    page_shows(admin.get(f"/editor/trails/{trail_id}/history?lang=en"), "History of", "deleted")


# -- CSRF on every editor form -------------------------------------------------------------------------------------------
def test_every_editor_form_refuses_a_post_without_the_token(app, admin, trail_id, db_path):
    trails, pois, staff = stores(db_path)
    poi_id = trails.stops(trail_id)[0].poi_id
    rev = staff.revisions(trail_id)[0].id
    urls = [rule.rule for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and rule.endpoint.split(".")[0] in ("editor", "auth")]
    concrete = [u.replace("<int:trail_id>", str(trail_id)).replace("<int:poi_id>", str(poi_id))
                 .replace("<int:revision_id>", str(rev)).replace("<username>", "marie")
                 .replace("<int:source_id>", "1") for u in urls]
    assert len(concrete) >= 14
    before = (trails.get(trail_id), trails.stops(trail_id, include_removed=True), len(staff.revisions(trail_id)))
    for url in concrete:
        for data in ({}, {"csrf_token": "forged"}):
            r = admin.post(url, data={"published": "1", "status": "removed", "poi_id": str(poi_id), **data})
            assert r.status_code == 400, url
    after = (trails.get(trail_id), trails.stops(trail_id, include_removed=True), len(staff.revisions(trail_id)))
    assert after == before
    page_shows(admin.get("/editor/?lang=en"), "Logged in as admin")  # still logged in


# -- stored XSS --------------------------------------------------------------------------------------------------------------
def test_stored_xss_in_every_text_field_comes_out_inert(editor, trail_id, db_path):
    r = post(editor, f"/editor/trails/{trail_id}", edit_form(
        name="Arlix " + XSS, summary=XSS, description=f"<p>ok</p>{XSS}", themes="water, <img src=x onerror=alert(1)>",
        duration_override="40", duration_override_reason=XSS, difficulty_override="hard",
        difficulty_override_reason=XSS))
    assert r.status_code == 302
    post(editor, f"/editor/trails/{trail_id}/publish", {"published": "1"})
    revision = stores(db_path)[2].revisions(trail_id)[0].id
    pages = [f"/trails/{trail_id}", f"/trails/{trail_id}?lang=en", "/", "/?theme=water", "/editor/",
             f"/editor/trails/{trail_id}", f"/editor/trails/{trail_id}/stops", f"/editor/trails/{trail_id}/history",
             f"/editor/trails/{trail_id}/history/{revision}"]
    for page in pages:
        html = editor.get(page).get_data(as_text=True)
        assert editor.get(page).status_code == 200, page
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "&lt;script&gt;" in html or "\\u003cscript" in html or page.startswith("/?"), page
    trail = stores(db_path)[0].get(trail_id)
    assert trail.description == "<p>ok</p>"


# -- accessibility ---------------------------------------------------------------------------------------------
def test_accessibility_checkboxes_round_trip_to_the_public_page_and_filter(editor, trail_id, db_path):
    page = editor.get(f"/editor/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert re.search(r'<input type="checkbox" name="accessibility" value="pushchair"\s*>', page)
    r = post(editor, f"/editor/trails/{trail_id}", edit_form(accessibility=["pushchair", "reduced_mobility"]))
    assert r.status_code == 302
    assert stores(db_path)[0].get(trail_id).accessibility == ["pushchair", "reduced_mobility"]
    page = editor.get(f"/editor/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert re.search(r'value="pushchair" checked', page) and re.search(r'value="reduced_mobility" checked', page)
    post(editor, f"/editor/trails/{trail_id}/publish", {"published": "1"})
    assert "suitable for pushchairs" in editor.get(f"/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert "Le Bateau - Arlix" in editor.get("/?accessibility=reduced_mobility&lang=en").get_data(as_text=True)
    # unticking both boxes clears them (a form without the field)
    assert post(editor, f"/editor/trails/{trail_id}", edit_form()).status_code == 302
    assert stores(db_path)[0].get(trail_id).accessibility == []
    assert "Le Bateau - Arlix" not in editor.get("/?accessibility=reduced_mobility&lang=en").get_data(as_text=True)


def test_an_unknown_accessibility_is_refused_and_the_ticks_are_kept(editor, trail_id, db_path):
    r = post(editor, f"/editor/trails/{trail_id}?lang=en", edit_form(accessibility=["pushchair", "jetpack"]))
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert 'id="accessibility-error"' in html and "accessibility boxes of the list only" in html
    assert re.search(r'value="pushchair" checked', html)
    assert stores(db_path)[0].get(trail_id).accessibility == []
