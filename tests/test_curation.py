"""Kinds of stop and attachment that curates (issue 14): story stops, services, signposts as waymarks,
proposed stops staff accept or refuse.

Real data: the guideposts of the Bassin d'Aubenas node network around La Lermuse and the two OSM legs
joining them (tests/data/corridor/README.md), imported as a user would (``poi import --format geojson``).
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from helpers import DATA
from exporter.gpx import export as export_gpx
from poi.importers import import_file
from poi.models import POI, Media
from poi.store import PoiStore
from poi.geo import GEOD
from trails.corridor import attach_pois, attach_stops, find_stops, find_waymarks
from trails.curation import attach_status, score
from trails.models import Stop, Trail, TrailStop
from trails.store import TrailStore

CORRIDOR = DATA / "corridor"
GPX = "{http://www.topografix.com/GPX/1/1}"
TEXT = "<p>Une chapelle romane du XIIe siècle, remaniée au XVIIe, avec son clocher-mur.</p>"


def lermuse(db) -> Trail:
    """Le Saint-Vincent -> La Lermuse -> Le Mas, saved; the real guideposts imported (3 stand by the path)."""
    import_file(db, CORRIDOR / "ardeche_lermuse_guideposts_within_1500m.geojson", source="osm", licence="ODbL 1.0")
    legs = {f["properties"]["name"]: f["geometry"]["coordinates"]
            for f in json.loads((CORRIDOR / "ardeche_lermuse_two-legs_node-network.geojson").read_text())["features"]}
    trace = [tuple(p) for p in reversed(legs["La Lermuse - Le Saint-Vincent"])] + \
        [tuple(p) for p in legs["La Lermuse - Le Mas"]][1:]
    trail = Trail(name="Le Saint-Vincent - Le Mas", segments=[trace])
    TrailStore(db).save(trail)
    return trail


def test_imported_guideposts_are_signposts_never_stops_but_waymarks_and_gpx_waypoints(db):
    trail = lermuse(db)
    pois = PoiStore(db)
    assert {p.category for p in pois.all()} == {"signpost"}
    assert attach_stops(db, trail) == 0 and TrailStore(db).stops(trail.id, include_removed=True) == []
    assert attach_pois(db, [p.id for p in pois.all()]) == 0
    waymarks = find_waymarks(trail, pois)
    assert [p.name for p in waymarks] == ["Le Saint-Vincent", "La Lermuse", "Le Mas"]
    root = ET.fromstring(export_gpx(trail, [], waymarks=waymarks))
    assert [(w.findtext(f"{GPX}name"), w.findtext(f"{GPX}type")) for w in root.iter(f"{GPX}wpt")] == [
        ("Le Saint-Vincent", "signpost"), ("La Lermuse", "signpost"), ("Le Mas", "signpost")]


def _beside_the_path(db, trail, name, category, offset_m, **fields) -> int:
    """A POI ``offset_m`` metres off the path, square to the edge that starts its first third."""
    trace = trail.segments[0]
    (lon1, lat1, _), (lon2, lat2, _) = trace[len(trace) // 3], trace[len(trace) // 3 + 1]
    az, _, _ = GEOD.inv(lon1, lat1, lon2, lat2)
    lon, lat, _ = GEOD.fwd(lon1, lat1, az + (90 if offset_m > 0 else -90), abs(offset_m))
    return PoiStore(db).upsert(POI(name=name, lon=lon, lat=lat, category=category, source="t",
                                   source_id=name, **fields))[1]


def test_story_stops_are_pushed_services_listed_bare_far_stories_only_proposed(db):
    trail = lermuse(db)
    chapel = _beside_the_path(db, trail, "Chapelle", "church", 10, description=TEXT)   # a text
    cross = _beside_the_path(db, trail, "Croix", "monument", 110)                     # bare, 110 m off
    far_photo = _beside_the_path(db, trail, "Calvaire", "monument", 120,
                                 media=[Media("image", "media/a.jpg")])               # a photo, 120 m off
    parking = _beside_the_path(db, trail, "Parking", "parking", 130)
    assert {round(c.distance_m, -1) for c in find_stops(trail, PoiStore(db))} >= {10, 110, 120, 130}
    attach_stops(db, trail)
    store = TrailStore(db)
    status = {s.poi_id: s.status for s in store.stops(trail.id, include_removed=True)}
    assert status == {chapel: "auto", cross: "proposed", far_photo: "auto", parking: "auto"}
    live = store.stops_with_pois(trail.id)
    assert {s.poi.name: s.kind for s in live} == {"Chapelle": "story", "Calvaire": "story", "Parking": "service"}
    assert cross not in [s.poi_id for s in store.stops(trail.id)]  # a proposal is not shown to walkers
    # the POI gets a text: the next attachment accepts it; a staff decision is never undone
    PoiStore(db).update_fields(cross, description=TEXT)
    store.set_stop_status(trail.id, parking, "removed")
    attach_stops(db, trail)
    status = {s.poi_id: s.status for s in store.stops(trail.id, include_removed=True)}
    assert status[cross] == "auto" and status[parking] == "removed"


def test_staff_make_a_service_a_story_and_back():
    cafe = POI(name="Café de la Paix", lon=0, lat=0, category="restaurant")
    assert TrailStop(Stop(1, 1, 0, 0), cafe).kind == "service"
    assert TrailStop(Stop(1, 1, 0, 0, kind="story"), cafe).kind == "story"
    post = POI(name="Poteau", lon=0, lat=0, category="signpost")
    assert TrailStop(Stop(1, 1, 0, 0, status="manual"), post).kind == "story"  # staff chose it


def test_stop_kind_is_stored_and_checked(db):
    trail = lermuse(db)
    cafe = _beside_the_path(db, trail, "Café", "restaurant", 20)
    attach_stops(db, trail)
    store = TrailStore(db)
    store.set_stop_kind(trail.id, cafe, "story")
    assert [s.kind for s in store.stops_with_pois(trail.id)] == ["story"]
    with pytest.raises(ValueError):
        store.set_stop_kind(trail.id, cafe, "poster")
    store.set_stop_kind(trail.id, cafe, None)
    assert [s.kind for s in store.stops_with_pois(trail.id)] == ["service"]


@pytest.mark.parametrize("category, distance_m, fields, status", [
    ("church", 10, {}, "auto"), ("church", 120, {}, "proposed"), ("church", 120, {"description": TEXT}, "auto"),
    ("restaurant", 140, {}, "auto"), ("signpost", 0, {}, None), ("information", 5, {}, "auto"),
    ("water", 100, {"themes": ["rural_heritage", "water"]}, "proposed"), ("water", 100, {}, "auto"),
])
def test_attach_status(category, distance_m, fields, status):
    assert attach_status(POI(name="x", lon=0, lat=0, category=category, **fields), distance_m) == status


def test_ranking_puts_stories_before_services_then_content_then_closeness():
    church = POI(name="Église", lon=0, lat=0, category="church")
    told = POI(name="Église", lon=0, lat=0, category="church", description=TEXT)
    hotel = POI(name="Hôtel", lon=0, lat=0, category="accommodation", description=TEXT)
    assert score(church, 149) > score(hotel, 0)
    assert score(told, 100) > score(church, 100)
    assert score(church, 10) > score(church, 100)
