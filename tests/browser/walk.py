"""A real circuit, POIs placed near and far from it, and a noisy GPS replay of walking it.

The circuit is the "Sentier de Barre-des-Cévennes" (Parc national des Cévennes,
tests/data/bundle/README.md). POIs are placed perpendicular to the trace, alternately at
0.45x their trigger radius (their own trigger point: the true path enters their radius) and
90-140 m off the trail (their trigger point is the trail's point nearest to them,
trails.triggers), checked against the whole trace: every one must fire exactly once.
The replay walks the trace at 1.3 m/s with fixes 1-5 s apart (by timestamp), Gaussian
noise of 8 m, 5 % outliers 80-150 m off that still claim a good accuracy, and a few
fixes that honestly claim a bad accuracy. Everything is seeded: deterministic.
"""
from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import NamedTuple

from shapely.geometry import LineString, Point

from poi.geo import Projector
from poi.models import POI, Media
from trails.corridor import _Corridor
from trails.models import Stop, Trail, TrailStop

DATA = Path(__file__).parent.parent / "data" / "bundle"
CIRCUIT = DATA / "cevennes_barre-des-cevennes_loop_3.7km.geojson"
PHOTO = DATA / "photo_720px_f3-discovery-board.jpg"
AUDIO = DATA / "audio_pluck-pcm16.wav"
TRAIL_ID = 4242
SEED = 20241123
#: Categories cycled through, so radii vary (25, 35, 50, 60 m).
CATEGORIES = ("water", "church", "castle", "viewpoint", "memorial", "mill")
#: How far off the trail the "far" POIs are (metres), cycled through.
FAR_M = (90.0, 115.0, 140.0)


class Placed(NamedTuple):
    trail: Trail
    stops: list[TrailStop]
    near: list[int]  # POI ids whose radius the true path enters (0.45x radius)
    far: list[int]  # POI ids 90-140 m off the trail: they fire on the trail, nearest to them


def load_circuit() -> Trail:
    feature = json.loads(CIRCUIT.read_text(encoding="utf-8"))["features"][0]
    props = feature["properties"]
    coords = [(c[0], c[1], None) for c in feature["geometry"]["coordinates"]]
    return Trail(name=props["nom_itineraire"], segments=[coords], id=TRAIL_ID, length_m=float(props["longueur"]),
                 ascent_m=float(props["denivele_positif"]), descent_m=-float(props["denivele_negatif"]),
                 duration_published_min=int(props["duree"] * 60), route_type="loop",
                 summary=props["presentation_courte"], attribution="Parc national des Cévennes",
                 licence="Licence Ouverte 2.0", url=props["url"])


def place_pois(trail: Trail, spacing_m: float = 230.0) -> Placed:
    """POIs every ``spacing_m`` along the trace, alternately near (0.45 r) and far (90, 115, 140 m off)."""
    proj = Projector.for_coords(trail.coords)
    xy = [proj.to_metric(p[0], p[1]) for p in trail.coords]
    line = LineString(xy)
    corridor = _Corridor(trail)
    stops, near, far = [], [], []
    poi_id = 100
    k = 0
    along = 60.0
    while along < line.length - 60:
        category = CATEGORIES[k % len(CATEGORIES)]
        radius = POI("x", 0, 0, category=category).effective_trigger_radius_m
        want_near = k % 2 == 0
        off_m = 0.45 * radius if want_near else FAR_M[(k // 2) % len(FAR_M)]
        p0, p1 = line.interpolate(along - 5), line.interpolate(along + 5)
        dx, dy = p1.x - p0.x, p1.y - p0.y
        norm = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / norm, dx / norm
        base = line.interpolate(along)
        for side in (1, -1):
            x, y = base.x + side * nx * off_m, base.y + side * ny * off_m
            d = line.distance(Point(x, y))
            # no other part of the trace comes closer (a near POI may be nearer still)
            ok = d <= off_m + 0.5 if want_near else abs(d - off_m) <= 0.5
            lon, lat = proj.to_wgs84(x, y)
            [measured] = corridor.measure([poi_id + 1], [lon], [lat], 1000.0)  # geodesic, as the app's are
            # placed where meant: not nearer another pass of the trace (stops 230 m apart along it)
            ok = ok and abs(measured.distance_along_m - along) < 25
            if ok:
                poi_id += 1
                media = [Media("image", str(PHOTO), "STM32F3 Discovery", "Rust Embedded WG", "CC BY-SA 4.0")] \
                    if not stops else []
                if want_near and len(near) == 1:  # the second near stop has the audio guide
                    media = [Media("audio", str(AUDIO), "Pluck", "CPython test suite", "PSF-2.0")]
                # a water stop is a fountain (a story stop: issue 14; a bare drinking-water point is a service)
                themes = ["rural_heritage", "water"] if category == "water" else []
                poi = POI(f"{'Près' if want_near else 'Loin'} {k + 1} ({category})", lon, lat, category=category,
                          themes=themes,
                          summary=f"Stop {k + 1}, {category}, {off_m:.0f} m off, radius {radius:.0f} m.",
                          description=f"<p>Point <b>{k + 1}</b> placed {off_m:.0f} m off the trail.</p>",
                          media=media, id=poi_id, source="test", attribution="Balise tests",
                          licence="CC0")
                stop = Stop(TRAIL_ID, poi_id, distance_along_m=measured.distance_along_m,
                            offset_m=measured.offset_m, position=len(stops))
                stops.append(TrailStop(stop, poi))
                (near if want_near else far).append(poi_id)
                break
        k += 1
        along += spacing_m
    return Placed(trail, stops, near, far)


def replay(trail: Trail, *, seed: int = SEED, speed_mps: float = 1.3, noise_m: float = 8.0,
           outlier_rate: float = 0.05, start_ms: int = 1_700_000_000_000, truth: list | None = None,
           blackout: tuple[float, float] | None = None) -> list[dict]:
    """Fixes {latitude, longitude, accuracy, timestamp} of a noisy walk along the whole trace.

    ``truth``, when given, receives the walker's true (lat, lon) at each fix. ``blackout``
    (start_s, end_s): no fix at all between these times (screen locked, GPS lost)."""
    rng = random.Random(seed)
    proj = Projector.for_coords(trail.coords)
    line = LineString([proj.to_metric(p[0], p[1]) for p in trail.coords])
    fixes = []
    t_s = 0.0
    while True:
        s = speed_mps * t_s
        if s > line.length:
            break
        true = line.interpolate(s)
        x, y = true.x + rng.gauss(0, noise_m), true.y + rng.gauss(0, noise_m)
        accuracy = rng.uniform(4, 15)
        roll = rng.random()
        if roll < outlier_rate:  # an outlier that still claims a good accuracy
            angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(80, 150)
            x, y = true.x + dist * math.cos(angle), true.y + dist * math.sin(angle)
        elif roll < outlier_rate + 0.03:  # an honest bad fix: far off, and says so
            angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(60, 300)
            x, y = true.x + dist * math.cos(angle), true.y + dist * math.sin(angle)
            accuracy = rng.uniform(60, 400)
        lon, lat = proj.to_wgs84(x, y)
        if blackout and blackout[0] <= t_s < blackout[1]:
            t_s += rng.randint(1, 5)
            continue
        if truth is not None:
            tlon, tlat = proj.to_wgs84(true.x, true.y)
            truth.append((tlat, tlon))
        fixes.append({"latitude": round(lat, 7), "longitude": round(lon, 7), "accuracy": round(accuracy, 1),
                      "timestamp": start_ms + int(t_s * 1000)})
        t_s += rng.randint(1, 5)
    return fixes


def walk_to(trail: Trail, poi: POI, steps: int = 12, step_m: float = 4.0) -> list[tuple[float, float]]:
    """(lat, lon) points walking straight to a POI over the last ``steps * step_m`` metres."""
    proj = Projector.for_point(poi.lon, poi.lat)
    px, py = proj.to_metric(poi.lon, poi.lat)
    points = []
    for i in range(steps, -1, -1):
        lon, lat = proj.to_wgs84(px - i * step_m, py)
        points.append((lat, lon))
    return points


def walk_away(trail: Trail, distance_m: float = 120.0, step_m: float = 4.0) -> list[tuple[float, float]]:
    """(lat, lon) points from the trail's point farthest from its centroid, straight away from the trail."""
    proj = Projector.for_coords(trail.coords)
    line = LineString([proj.to_metric(p[0], p[1]) for p in trail.coords])
    c = line.centroid
    sx, sy = max(line.coords, key=lambda p: math.hypot(p[0] - c.x, p[1] - c.y))
    norm = math.hypot(sx - c.x, sy - c.y)
    ux, uy = (sx - c.x) / norm, (sy - c.y) / norm
    points = []
    for i in range(int(distance_m / step_m) + 1):
        lon, lat = proj.to_wgs84(sx + ux * i * step_m, sy + uy * i * step_m)
        points.append((lat, lon))
    end = Point(sx + ux * distance_m, sy + uy * distance_m)
    assert line.distance(end) > 0.8 * distance_m, "the walk does not leave the trail"
    return points
