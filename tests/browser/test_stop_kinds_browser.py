"""Issue 14 in real headless Chromium: a demo walk replayed through its offline bundle (``trail.html`` from
file://) pushes only its story stops, never two cards within the minimum spacing, lists its services by
distance along the walk, and, with the "water" alert on, fires the water points too.

Data: the demo catalogue built from data/ (``webapp.demo.build_demo``), the Monaco-Ville walk routed over the
OSM streets of Monaco (data/README.md), whose corridor holds a drinking-water point, cafés, car parks and
toilets besides the palace, the chapel, the cathedral, the museum and the garden it was routed through.
"""
from __future__ import annotations

import pytest

from exporter import bundle
from helpers import open_db
from trails.store import TrailStore
from webapp.demo import build_demo

try:  # tests/ as a package, or as plain folders
    from .walk import replay
except ImportError:
    from walk import replay

pytestmark = pytest.mark.browser

READY = "window.balise && window.balise.data && document.querySelectorAll('[data-poi-id]').length > 0"
#: Feed each fix; returns [[poi, fix timestamp], ...] for every card that opened.
FEED = """fixes => { const out = [];
  fixes.forEach(f => window.balise.feed(f).triggers.forEach(t => out.push([t.poi, f.timestamp])));
  return out; }"""
SPACING_S = 45  # exporter.bundle.MIN_CARD_SPACING_S (a literal: the test must fail if the bundle drops it)


@pytest.fixture(scope="module")
def monaco(tmp_path_factory):
    """The demo's Monaco-Ville walk, its stops, and its bundle's single file."""
    db = open_db(tmp_path_factory.mktemp("demo") / "balise.db")
    build_demo(db)
    store = TrailStore(db)
    walk = next(t for t in store.all() if t.name.startswith("Monaco-Ville"))
    stops = store.stops_with_pois(walk.id)
    out = tmp_path_factory.mktemp("bundle") / "monaco"
    bundle.export(walk, stops, out_dir=out)
    db.conn.close()
    return walk, stops, out / "trail.html"


def open_walk(phone, monaco):
    page = phone().new_page()
    page.goto(monaco[2].as_uri())
    page.wait_for_function(READY)
    return page


def test_a_demo_walk_pushes_only_its_story_stops_never_two_cards_within_the_spacing(phone, monaco):
    walk, stops, _ = monaco
    story = [s.poi.id for s in stops if s.kind == "story"]
    services = [s.poi.id for s in stops if s.kind == "service"]
    assert len(story) == 5 and len(services) >= 20  # the palace ... the garden; cafés, car parks, toilets...
    page = open_walk(phone, monaco)
    fired = page.evaluate(FEED, replay(walk, noise_m=5.0, outlier_rate=0.02))
    ids = [pid for pid, _ in fired]
    assert sorted(ids) == sorted(story), "a service pushed a card, or a story stop never fired"
    gaps = [(b - a) / 1000 for (_, a), (_, b) in zip(fired, fired[1:])]
    assert min(gaps) >= SPACING_S, gaps
    assert page.evaluate("window.balise.triggered") == ids
    # every POI of the circuit is an element with data-poi-id; services sit in their own list
    assert page.locator("#stops [data-poi-id]").count() == len(story)
    assert page.locator("#services [data-poi-id]").count() == len(services)
    # services by distance along the walk: the list walks forward, and each category says where the next is
    alongs = page.evaluate("Array.from(document.querySelectorAll('#services [data-poi-id]'))"
                           ".map(e => window.balise.data.stops.find(s => String(s.id) === e.dataset.poiId)"
                           ".distance_along_m)")
    assert alongs == sorted(alongs)
    lines = page.locator("#services-next li").all_inner_texts()
    assert any(line.startswith("Restaurant") for line in lines), lines


def test_with_the_water_alert_on_the_water_points_fire_too(phone, monaco):
    walk, stops, _ = monaco
    water = [s.poi.id for s in stops if s.kind == "service" and s.poi.category == "water"]
    story = [s.poi.id for s in stops if s.kind == "story"]
    assert water
    page = open_walk(phone, monaco)
    page.locator("#alert-water").check()  # the walker ticks "water point" under "Alert me when I come near"
    fired = page.evaluate(FEED, replay(walk, noise_m=5.0, outlier_rate=0.02))
    ids = [pid for pid, _ in fired]
    assert sorted(ids) == sorted(story + water)
    assert min((b - a) / 1000 for (_, a), (_, b) in zip(fired, fired[1:])) >= SPACING_S
    assert page.get_attribute(f'[data-poi-id="{water[0]}"]', "data-state") == "triggered"
    # the choice is kept: reopened, the box is still ticked
    page.reload()
    page.wait_for_function(READY)
    assert page.locator("#alert-water").is_checked()
