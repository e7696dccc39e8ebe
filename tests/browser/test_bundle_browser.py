"""The offline bundle in real headless Chromium: offline reload, proximity triggers, file://, deep links."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from poi.geo import GEOD

try:  # tests/ as a package, or as plain folders
    from .walk import replay, walk_away, walk_to
except ImportError:
    from walk import replay, walk_away, walk_to

pytestmark = pytest.mark.browser

READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"
FEED_ALL = "fixes => { fixes.forEach(f => window.balise.feed(f)); return window.balise.triggered.slice(); }"
RECORD_EVENTS = ("window.__events = []; "
                 "window.addEventListener('balise:trigger', e => window.__events.push(e.detail));")


def open_bundle(page, url):
    page.goto(url)
    page.wait_for_function(READY)
    page.evaluate(RECORD_EVENTS)


def fixes_along(points, start_ms=1_800_000_000_000, step_ms=3000, accuracy=6):
    return [{"latitude": lat, "longitude": lon, "accuracy": accuracy, "timestamp": start_ms + i * step_ms}
            for i, (lat, lon) in enumerate(points)]


def triggered_states(page):
    return page.eval_on_selector_all('[data-poi-id][data-state="triggered"]',
                                     "els => els.map(e => Number(e.dataset.poiId))")


def test_offline_reload_is_served_by_the_service_worker(phone, server, placed):
    ctx = phone()
    page = ctx.new_page()
    open_bundle(page, server + "index.html")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("document.documentElement.dataset.offline === 'ready' && "
                           "document.documentElement.dataset.media === 'complete'")
    assert page.is_visible("#offline-ready")
    ctx.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_function(READY)
    assert page.locator("[data-poi-id]").count() == len(placed.stops)
    assert page.locator("#map.leaflet-container path.trail-line").count() == 1
    assert page.locator("#map path.leaflet-interactive").count() >= len(placed.stops)
    first = placed.stops[0].poi
    page.evaluate(f"window.balise.openCard({first.id})")
    img = page.locator(f'[data-poi-id="{first.id}"] img')
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert "Point" in page.inner_text(f'[data-poi-id="{first.id}"] .description')
    # The audio guide plays offline (served by the service worker, byte ranges included).
    audio_poi = next(s.poi for s in placed.stops if s.poi.media and s.poi.media[0].kind == "audio")
    page.evaluate(f"window.balise.openCard({audio_poi.id})")
    duration = page.evaluate("""id => new Promise((ok, fail) => {
        const a = document.querySelector(`[data-poi-id="${id}"] audio`);
        a.addEventListener("loadedmetadata", () => ok(a.duration));
        a.addEventListener("error", () => fail(new Error("audio error " + (a.error && a.error.code))));
        a.preload = "auto"; a.load();
    })""", audio_poi.id)
    assert 0 < duration < 5
    # The bundle's folder URL (what the QR code opens) is served offline too.
    response = page.goto(server)
    assert response is not None and response.from_service_worker
    page.wait_for_function(READY)


FEED_EACH = """fixes => fixes.map(f => window.balise.feed(f).triggers.map(t => t.poi))"""


def test_noisy_replay_fires_every_stop_once_at_its_trigger_point_even_far_off_the_trail(phone, server, placed):
    """Every stop fires exactly once, the walker's true position within radius_m + 25 m of its trigger
    point, including stops 90-140 m off the trail (their trigger point is on the trail)."""
    ctx = phone(service_workers="block")
    outside = []
    ctx.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
              if not route.request.url.startswith(server.split("/barre")[0]) else route.continue_())
    page = ctx.new_page()
    open_bundle(page, server + "index.html")
    truth: list[tuple[float, float]] = []
    fixes = replay(placed.trail, truth=truth)
    assert len(fixes) > 500 and len(placed.far) >= 4
    per_fix = page.evaluate(FEED_EACH, fixes)
    triggered = page.evaluate("window.balise.triggered")
    events = page.evaluate("window.__events")
    assert sorted(triggered) == sorted(set(triggered)), "a stop fired twice"
    assert set(triggered) == set(placed.near) | set(placed.far), \
        f"never fired: {(set(placed.near) | set(placed.far)) - set(triggered)}"
    assert [e["poi"] for e in events] == triggered
    triggers = {s["id"]: s["trigger"] for s in page.evaluate("window.balise.data.stops")}
    assert all(triggers[pid]["on_trail"] for pid in placed.far)
    assert not any(triggers[pid]["on_trail"] for pid in placed.near)
    for i, fired in enumerate(per_fix):
        for pid in fired:
            t = triggers[pid]
            lat, lon = truth[i]
            _, _, d = GEOD.inv(lon, lat, t["lon"], t["lat"])
            assert d <= t["radius_m"] + 25, f"stop {pid} fired {d:.0f} m from its trigger point (r {t['radius_m']})"
    assert all(0 <= e["distance_m"] <= triggers[e["poi"]]["radius_m"] for e in events)
    assert sorted(triggered_states(page)) == sorted(triggered)
    # The same walk again, later: at most once per walk.
    later = [dict(f, timestamp=f["timestamp"] + 10_000_000) for f in fixes]
    assert page.evaluate(FEED_ALL, later) == triggered
    assert outside == []


def test_watch_position_feeds_the_same_engine(phone, server, placed):
    target = placed.stops[placed.stops.index(next(s for s in placed.stops if s.poi.id == placed.near[1]))].poi
    path = walk_to(placed.trail, target, steps=12, step_m=4.0)
    ctx = phone(geolocation={"latitude": path[0][0], "longitude": path[0][1], "accuracy": 5})
    page = ctx.new_page()
    open_bundle(page, server + "index.html")
    page.wait_for_function("document.getElementById('start').hidden")  # watchPosition started
    assert page.evaluate("window.balise.triggered") == []
    for lat, lon in path[1:]:
        ctx.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 5})
        page.wait_for_timeout(300)
    page.wait_for_function(f"window.balise.triggered.includes({target.id})", timeout=10_000)
    assert page.evaluate("window.__events.map(e => e.poi)") == [target.id]
    assert page.get_attribute(f'[data-poi-id="{target.id}"]', "data-state") == "triggered"
    assert page.locator(".position-marker").count() == 1


def test_single_file_works_alone_from_file_url(phone, bundle_dir, placed, tmp_path):
    alone = tmp_path / "trail.html"
    shutil.copyfile(bundle_dir / "trail.html", alone)
    ctx = phone()
    requests = []
    ctx.on("request", lambda r: requests.append(r.url))
    page = ctx.new_page()
    open_bundle(page, alone.as_uri())
    assert page.locator("[data-poi-id]").count() == len(placed.stops)
    target = next(s.poi for s in placed.stops if s.poi.id == placed.near[0])
    triggered = page.evaluate(FEED_ALL, fixes_along(walk_to(placed.trail, target)))
    assert triggered == [target.id]
    img = page.locator(f'[data-poi-id="{target.id}"] img')
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert all(u.startswith(("file:", "data:")) for u in requests), requests


def test_deep_link_opens_the_card(phone, server, placed):
    poi = placed.stops[3].poi
    page = phone().new_page()
    open_bundle(page, server + f"index.html#poi={poi.id}")
    page.wait_for_selector(f'[data-poi-id="{poi.id}"] .poi-body', state="visible")
    assert page.locator(".poi-body:visible").count() == 1
    other = placed.stops[5].poi
    page.evaluate(f"location.hash = 'poi={other.id}'")
    page.wait_for_selector(f'[data-poi-id="{other.id}"] .poi-body', state="visible")


def test_reload_keeps_triggered_state_and_reset_clears_it(phone, server, placed):
    page = phone(service_workers="block").new_page()
    open_bundle(page, server + "index.html")
    page.evaluate("window.balise.reset()")
    near = [s.poi for s in placed.stops if s.poi.id in placed.near[:2]]
    fixes = fixes_along(walk_to(placed.trail, near[0]) + walk_to(placed.trail, near[1]))
    # two separate approaches: the second starts ~50 m from its POI, far from the first
    fixes = fixes[:13] + [dict(f, timestamp=f["timestamp"] + 600_000) for f in fixes[13:]]
    assert page.evaluate(FEED_ALL, fixes) == [p.id for p in near]
    page.reload()
    page.wait_for_function(READY)
    page.evaluate(RECORD_EVENTS)
    assert page.evaluate("window.balise.triggered") == [p.id for p in near]
    assert sorted(triggered_states(page)) == sorted(p.id for p in near)
    later = [dict(f, timestamp=f["timestamp"] + 3_600_000) for f in fixes]
    page.evaluate(FEED_ALL, later)
    assert page.evaluate("window.__events") == []
    page.click("#reset-walk")
    assert page.evaluate("window.balise.triggered") == []
    assert triggered_states(page) == []
    page.reload()
    page.wait_for_function(READY)
    assert page.evaluate("window.balise.triggered") == []
    again = [dict(f, timestamp=f["timestamp"] + 7_200_000) for f in fixes]
    assert page.evaluate(FEED_ALL, again) == [p.id for p in near]


def test_language_toggle_and_phone_screenshot(phone, server, placed, tmp_path):
    page = phone(service_workers="block").new_page()
    open_bundle(page, server + "index.html")
    assert page.inner_text("#reset-walk") == "Réinitialiser la balade"
    page.click("#lang-toggle")
    assert page.inner_text("#reset-walk") == "Reset walk"
    page.click("#lang-toggle")
    target = next(s.poi for s in placed.stops if s.poi.id == placed.near[0])
    page.evaluate(FEED_ALL, fixes_along(walk_to(placed.trail, target)))
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    shot = page.screenshot()
    out = Path(os.environ.get("BALISE_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    (out / "bundle_phone.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.size == (390, 844)
    assert max(ImageStat.Stat(image).stddev) > 30, "the screenshot is (nearly) blank"
    r, g, b = image.split()
    red = Image.eval(r, lambda v: 255 if v > 170 else 0)
    not_green = Image.eval(g, lambda v: 255 if v < 60 else 0)
    not_blue = Image.eval(b, lambda v: 255 if v < 70 else 0)
    mask = ImageChops.multiply(ImageChops.multiply(red, not_green), not_blue)
    reds = ImageStat.Stat(mask).sum[0] / 255
    assert reds > 200, "the trail is not drawn on the map"
    assert page.inner_text("#next-stop").startswith("Prochaine étape dans")


def test_off_trail_warning_shows_and_clears(phone, server, placed):
    page = phone(service_workers="block").new_page()
    open_bundle(page, server + "index.html")
    away = walk_away(placed.trail)
    fixes = fixes_along(away)
    page.evaluate(FEED_ALL, fixes[:5])
    assert page.is_hidden("#off-trail")
    page.evaluate(FEED_ALL, fixes[5:])
    assert page.is_visible("#off-trail")
    assert "hors du circuit" in page.inner_text("#off-trail")
    back = fixes_along(list(reversed(away)), start_ms=fixes[-1]["timestamp"] + 3000)
    page.evaluate(FEED_ALL, back)
    assert page.is_hidden("#off-trail")
    # (the last stop's trigger point is on the trail 50 m from where the walk turned off: it may have fired)
    assert page.inner_text("#next-stop").startswith(("Prochaine étape dans", "Plus d’étape devant vous"))
    assert page.inner_text("#progress-text").endswith("sur 3,6 km")


def test_stops_passed_while_the_screen_was_off_are_listed_as_missed_not_fired_late(phone, server, placed):
    """A second replay: six minutes without any fix over two stops. Both are missed (listed, one tap from their
    card), neither fires late; every other stop fires normally; walking back to one fires it."""
    page = phone(service_workers="block").new_page()
    open_bundle(page, server + "index.html")
    stops = page.evaluate("window.balise.data.stops")
    by_along = sorted(stops, key=lambda s: s["trigger"]["along_m"])
    first, second = by_along[3], by_along[4]  # two consecutive stops in the middle of the walk
    start_s = (first["trigger"]["along_m"] - first["trigger"]["radius_m"] - 40) / 1.3
    blackout = (start_s, start_s + 360)
    fixes = replay(placed.trail, blackout=blackout)
    gap = max(b["timestamp"] - a["timestamp"] for a, b in zip(fixes, fixes[1:]))
    assert gap >= 360_000
    per_fix = page.evaluate("""fixes => fixes.map(f => { const r = window.balise.feed(f);
        return {t: f.timestamp, fired: r.triggers.map(t => t.poi), missed: r.missed}; })""", fixes)
    missed = page.evaluate("window.balise.missed")
    triggered = page.evaluate("window.balise.triggered")
    assert missed == [first["id"], second["id"]]
    assert not set(missed) & set(triggered), "a missed stop fired late"
    assert set(triggered) == {s["id"] for s in stops} - set(missed)
    assert sorted(triggered) == sorted(set(triggered))
    resumed = next(r for r in per_fix if r["missed"])
    assert resumed["t"] - 1_700_000_000_000 >= blackout[1] * 1000 - 5000  # reported when fixes came back
    for pid in missed:
        assert page.get_attribute(f'[data-poi-id="{pid}"]', "data-state") == "missed"
    assert page.is_visible("#missed")
    assert "écran" in page.inner_text("#missed h2")
    assert page.locator("#missed-list button").count() == 2
    page.click(f'#missed-list button[data-missed-id="{second["id"]}"]')
    page.wait_for_selector(f'[data-poi-id="{second["id"]}"] .poi-body', state="visible")
    # the list survives a reload; walking back to a missed stop fires it
    page.reload()
    page.wait_for_function(READY)
    assert page.evaluate("window.balise.missed") == missed
    target = second["trigger"]
    back = [(target["lat"], target["lon"])] * 3
    page.evaluate(FEED_ALL, fixes_along(back, start_ms=fixes[-1]["timestamp"] + 600_000))
    assert page.evaluate("window.balise.missed") == [first["id"]]
    assert page.get_attribute(f'[data-poi-id="{second["id"]}"]', "data-state") == "triggered"
    assert page.locator("#missed-list button").count() == 1


WAKE_LOCK_STUB = """(() => {
  window.__locks = 0;
  const lock = () => { window.__locks += 1; const l = new EventTarget(); l.release = () => {
      l.dispatchEvent(new Event('release')); return Promise.resolve(); }; window.__lock = l; return Promise.resolve(l); };
  Object.defineProperty(navigator, 'wakeLock', {value: {request: lock}, configurable: true});
})();"""


def test_guidance_keeps_the_screen_on_by_default_and_says_locking_pauses_it(phone, server):
    ctx = phone(service_workers="block")
    ctx.add_init_script(WAKE_LOCK_STUB)
    page = ctx.new_page()
    open_bundle(page, server + "index.html")
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_function(READY)
    assert page.is_checked("#opt-wakelock")
    assert "met le guidage en pause" in page.inner_text("#lock-note")
    page.click("#start")
    page.wait_for_function("window.__locks === 1")
    # the phone locks (the browser releases the lock), then comes back: the lock is asked again
    page.evaluate("""() => { window.__lock.release();
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
        Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
        document.dispatchEvent(new Event('visibilitychange')); }""")
    page.wait_for_function("window.__locks === 2")
