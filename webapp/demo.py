"""Build the demo catalogue from the real data of ``data/`` (``balise demo``).

``data/demo.json`` lists each file with its kind (``pois``, ``map``, ``dem`` or ``trails``), format,
source name, licence and attribution (see ``data/README.md``). POIs are imported
first (:func:`poi.importers.import_file`), then the map ways and path networks of the
OSM extracts (:func:`poi.network.import_osm_map`: the bundles' offline maps and the
routing network), then the SRTM tiles (:func:`trails.dem.import_dem`: elevations of the
path network), then trails (:func:`trails.assembly.import_circuits`, which measures
each trail, stores it and attaches the POIs of its corridor as stops), so every circuit
finds its stops. Last, the manifest's ``routes`` are routed over the path network
through POIs picked by name (:func:`trails.routing.route_trail`; loops come back by
other streets, their climb from the DEM), stored with
:func:`trails.assembly.save_trail`, and get exactly those POIs as stops, in order.
All trails are published.

GPX entries are read with :func:`trails.gpx_in.read_trace` and handed to
``import_circuits`` as :class:`~trails.models.Trail` objects carrying the
manifest's source, id, licence and attribution: provenance is set in one place
and a second run updates the same rows instead of adding new ones.

Running the build twice changes nothing: POIs upsert by (source, source_id),
trails by (source, source_id), stops by (trail, POI). The whole build is one
transaction: if a file is broken, the database is left as it was.
"""
from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.resources import resource
from poi.store import transaction

#: Where ``balise demo`` looks for the manifest when no folder is given (``data/``, in the wheel too).
DEFAULT_DATA_DIR = resource("data")
MANIFEST = "demo.json"
KINDS = {"pois": ("geojson", "csv", "gpx", "osm"), "map": ("osm",), "dem": ("srtm",),
         "trails": ("gpx", "schema_randonnee")}
#: A routed walk's stops are placed along it when they lie within this distance (the router snaps at 300 m).
ROUTE_STOP_WIDTH_M = 350.0
#: A routed stop farther from the walk than its trigger radius gets a radius of its distance plus this.
ROUTE_TRIGGER_MARGIN_M = 30.0


@dataclass(slots=True)
class DemoReport:
    """What :func:`build_demo` built (counts over the demo's own files)."""

    trails: int = 0
    pois: int = 0
    trails_with_stops: int = 0
    stops: int = 0
    seconds: float = 0.0
    files: int = 0
    routes: int = 0  # walks routed over the path network
    map_ways: int = 0  # ways of the offline maps (whole database)
    path_edges: int = 0  # edges of the walkable path network
    path_km: float = 0.0  # their total length
    trail_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people.

        >>> from poi.i18n import language
        >>> with language("en"):
        ...     DemoReport(trails=3, pois=9, trails_with_stops=2, stops=5, seconds=1.25, routes=1, map_ways=40,
        ...                path_edges=70, path_km=12.34).summary()  # doctest: +NORMALIZE_WHITESPACE
        'Demo built in 1.2 s: 3 trails (2 with stops), 9 POIs, 5 stops; 1 routed walks;
         40 map ways, 70 path edges (12.3 km).'
        """
        return _("Demo built in {seconds} s: {trails} trails ({with_stops} with stops), {pois} POIs, {stops} stops; "
                 "{routes} routed walks; {ways} map ways, {edges} path edges ({km} km).",
                 seconds=f"{self.seconds:.1f}", trails=self.trails, with_stops=self.trails_with_stops,
                 pois=self.pois, stops=self.stops, routes=self.routes, ways=self.map_ways, edges=self.path_edges,
                 km=f"{self.path_km:.1f}")


def read_manifest(data_dir: Path) -> list[dict]:
    """The entries of ``data_dir/demo.json``, checked (kind, format, licence, attribution, file present).

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     read_manifest(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    poi.errors.SourceFormatError: no demo manifest /nonexistent/demo.json: run balise demo from a source checkout of Balise (its data/ folder holds the demo files)
    """
    path = data_dir / MANIFEST
    if not path.is_file():
        raise SourceFormatError(_("no demo manifest {path}: run balise demo from a source checkout of Balise (its data/ folder holds the demo files)", path=path))  # noqa: E501
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as e:
        raise SourceFormatError(_("{path} is not a demo manifest (a JSON object with a list of files): {error}",
                                  path=path, error=e)) from e
    for entry in entries:
        where = entry.get("path", "?") if isinstance(entry, dict) else "?"
        if not isinstance(entry, dict) or entry.get("format") not in KINDS.get(entry.get("kind"), ()):
            raise SourceFormatError(_("{path}: entry {entry} has no known kind and format", path=path,
                                      entry=where))
        if not entry.get("licence") or not entry.get("attribution"):
            raise SourceFormatError(_("{path}: entry {entry} needs a licence and an attribution", path=path,
                                      entry=where))
        if not (data_dir / entry["path"]).is_file():
            raise SourceFormatError(_("{path}: file {entry} is missing; rebuild data/ with python3 -m tools.build_demo_data",
                                      path=path, entry=where))
    return entries


def read_routes(data_dir: Path) -> list[dict]:
    """The walks to route of ``data_dir/demo.json`` (its ``routes``, none if absent), checked.

    Each has a ``name``, ``source``, ``source_id``, ``licence``, ``attribution``, the ``pois_source``
    its stops come from and ``stops``: POI names (``{"name": ..., "category": ...}``, the category
    when the name is not unique), at least two.
    """
    path = data_dir / MANIFEST
    try:
        routes = json.loads(path.read_text(encoding="utf-8")).get("routes", [])
    except (OSError, ValueError, AttributeError) as e:
        raise SourceFormatError(_("{path} is not a demo manifest (a JSON object with a list of files): {error}",
                                  path=path, error=e)) from e
    for route in routes:
        keys = ("name", "source", "source_id", "licence", "attribution", "pois_source")
        stops = route.get("stops") if isinstance(route, dict) else None
        if (not all(isinstance(route.get(k), str) and route[k] for k in keys) or not isinstance(stops, list)
                or len(stops) < 2 or not all(isinstance(x, dict) and x.get("name") for x in stops)):
            where = route.get("name", "?") if isinstance(route, dict) else "?"
            raise SourceFormatError(_("{path}: route {route} needs a name, source, source_id, licence, attribution, "
                                      "pois_source and at least two named stops", path=path, route=where))
    return routes


def build_demo(db, data_dir: Path | None = None, progress: Callable[..., None] | None = None) -> DemoReport:
    """Import the demo POIs, then the demo trails (published, stops attached); idempotent.

    Parameters
    ----------
    db : sqlite_utils.Database
        An open Balise database (:func:`poi.store.open_db`).
    data_dir : folder holding ``demo.json``; default :data:`DEFAULT_DATA_DIR`.
    progress : called with one human-readable line per file.

    Returns
    -------
    DemoReport
        Counts of the demo's trails and POIs, trails with at least one stop,
        stops, and the time taken.
    """
    from poi.importers import import_file
    from poi.network import import_osm_map, network_stats
    from trails import assembly
    from trails.dem import import_dem
    from trails.schema_randonnee import read_circuits
    from trails.store import TrailStore

    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    entries = read_manifest(data_dir)
    routes = read_routes(data_dir)
    say = progress or (lambda *parts: None)
    report = DemoReport(files=len(entries))
    trail_ids: list[int] = []
    with transaction(db):  # the map imports and the routing nest in it (savepoints)
        for entry in (e for e in entries if e["kind"] == "pois"):
            result = import_file(db, data_dir / entry["path"], format=entry["format"], source=entry["source"],
                                 licence=entry["licence"], attribution=entry["attribution"])
            report.pois += result.added + result.updated + result.unchanged
            if entry["format"] != "osm":  # a whole OSM extract: unnamed benches, duplicates... skipped by design
                report.problems.extend(f"{entry['path']}: {p}" for p in result.problems)
            say(_("POIs: {file}: {summary}", file=entry["path"], summary=result.summary()))
        for entry in (e for e in entries if e["kind"] == "map"):
            say(_("Map: {summary}", summary=import_osm_map(db, data_dir / entry["path"]).summary()))
        for entry in (e for e in entries if e["kind"] == "dem"):
            dem = import_dem(db, data_dir / entry["path"])
            say(_("Elevation: {file}: {edges} path edges given elevations", file=entry["path"], edges=dem.edges))
        circuits = [e for e in entries if e["kind"] == "trails" and e["format"] == "schema_randonnee"]
        for entry in circuits:
            problems: list = []
            trails = read_circuits(data_dir / entry["path"], licence=entry["licence"],
                                   attribution=entry["attribution"],
                                   media_base_url=entry.get("media_base_url", ""), report=problems)
            ids = _ids(assembly.import_circuits(db, trails, publish=True))
            trail_ids.extend(ids)
            report.problems.extend(f"{entry['path']}: {p}" for p in problems)
            say(_("Trails: {file}: {n} circuits", file=entry["path"], n=len(ids)))
        gpx = [e for e in entries if e["kind"] == "trails" and e["format"] == "gpx"]
        if gpx:
            ids = _ids(assembly.import_circuits(db, (gpx_trail(data_dir, e) for e in gpx), publish=True))
            trail_ids.extend(ids)
            say(_("Trails: {n} GPX traces", n=len(ids)))
        if routes:
            routed = [save_route(db, route) for route in routes]
            trail_ids.extend(t.id for t in routed)
            report.routes = len(routed)
            say(_("Trails: {n} walks routed over the path network ({km} km)", n=len(routed),
                  km=f"{sum(t.length_m for t in routed) / 1000:.1f}"))
    store = TrailStore(db)
    report.trail_ids = list(dict.fromkeys(trail_ids))
    report.trails = len(report.trail_ids)
    for tid in report.trail_ids:
        n = len(store.stops(tid))
        report.stops += n
        report.trails_with_stops += 1 if n else 0
    stats = network_stats(db)
    report.map_ways, report.path_edges = sum(stats.ways.values()), stats.edges
    report.path_km = stats.edges_length_m / 1000
    report.seconds = time.perf_counter() - started
    return report


def save_route(db, route: dict):
    """Route one walk of the manifest through its POIs, store it published; its stops are exactly those POIs.

    The POIs are looked up by name (and category) among those of ``route["pois_source"]``;
    :func:`trails.routing.route_trail` finds the way between them. The trail is stored with
    :func:`trails.assembly.save_trail` under the route's source and id (a second run updates it);
    the chosen POIs become ``manual`` stops (with a trigger radius that reaches the walk), the
    other story POIs its corridor attached are marked ``removed`` (as staff would for a curated walk);
    services (cafés, bus stops, car parks) stay, listed by distance along the walk.
    Raises a BaliseError (nothing stored) when a stop is not found or the POIs are not joined by
    the network.
    """
    from poi.categories import SERVICE, stop_kind
    from poi.store import PoiStore
    from trails import assembly
    from trails.models import Stop
    from trails.routing import route_trail
    from trails.store import TrailStore

    pois = PoiStore(db)
    named = [p for p in pois.all() if p.source == route["pois_source"]]
    ids = [_route_stop(named, route, stop) for stop in route["stops"]]
    trail = route_trail(db, ids, name=route["name"], loop=bool(route.get("loop")),
                        practice=route.get("practice", "walking"))
    trail.summary = route.get("summary", "")
    trail.description = f"<p>{html.escape(trail.summary, quote=False)}</p>" if trail.summary else ""
    trail.themes = list(route.get("themes", []))
    trail.source, trail.source_id = route["source"], route["source_id"]
    trail.licence, trail.attribution = route["licence"], route["attribution"]
    trail.published = True
    store = TrailStore(db)
    with transaction(db):
        assembly.save_trail(db, trail)
        placed = _placements(trail, pois, ids)
        store.upsert_stops([Stop(trail.id, pid, along_m, offset_m, status="manual")
                            for pid, (along_m, offset_m) in placed.items()])
        by_id = {p.id: p for p in named}
        for stop in store.stops(trail.id, include_removed=True):
            poi = by_id.get(stop.poi_id) or pois.get(stop.poi_id)
            if stop.poi_id not in placed and stop_kind(poi.category, poi.themes) == SERVICE:
                continue  # services at hand stay listed (never pushed unless the walker asks)
            status = "manual" if stop.poi_id in placed else "removed"
            if stop.status != status:
                store.set_stop_status(trail.id, stop.poi_id, status)
            if status == "manual":  # a palace drawn 120 m from the street still triggers from it
                need_m = float(round(abs(placed[stop.poi_id][1]) + ROUTE_TRIGGER_MARGIN_M))
                if need_m > max(stop.trigger_radius_m or 0.0, by_id[stop.poi_id].effective_trigger_radius_m):
                    store.set_stop_trigger_radius(trail.id, stop.poi_id, need_m)
    return trail


def _placements(trail, pois, ids: list[int]) -> dict[int, tuple[float, float]]:
    """POI id -> (distance along, offset) of the chosen POIs: where the router reached each of them
    (``routing["stops"]``, first passage), else their nearest point of the trace."""
    from trails.corridor import find_stops

    placed: dict[int, tuple[float, float]] = {}
    for s in (trail.routing or {}).get("stops") or []:
        if s.get("poi_id") in ids:
            placed.setdefault(s["poi_id"], (float(s["distance_along_m"]), float(s.get("offset_m") or 0.0)))
    missing = set(ids) - set(placed)
    if missing:
        for c in find_stops(trail, pois, width_m=ROUTE_STOP_WIDTH_M):
            if c.poi_id in missing:
                placed[c.poi_id] = (c.distance_along_m, c.offset_m)
    return placed


def _route_stop(pois, route: dict, stop: dict) -> int:
    """The id of the one POI of ``pois`` named ``stop["name"]`` (of ``stop["category"]`` if given)."""
    found = [p.id for p in pois if p.name == stop["name"] and stop.get("category") in (None, p.category)]
    if len(found) != 1:
        raise SourceFormatError(_("route {route}: {n} POIs of {source} are named {name}; the manifest needs one "
                                  "(give its category)", route=route["name"], n=len(found),
                                  source=route["pois_source"], name=repr(stop["name"])))
    return found[0]


def gpx_trail(data_dir: Path, entry: dict):
    """The :class:`~trails.models.Trail` of one GPX entry of the manifest (trace + provenance, not measured)."""
    from trails.gpx_in import read_trace
    from trails.models import Trail

    trace = read_trace(data_dir / entry["path"])
    # the first paragraph: the rest is the credits block of exporter.gpx, which the entry's licence and
    # attribution already carry (tools/build_demo_data.py writes the files)
    summary = trace.description.split("\n\n", 1)[0].strip()
    extra = {"data_file": entry["path"]}
    for key, value in (entry.get("signposted") or {}).items():
        extra[f"signposted_{key}"] = value
    return Trail(
        name=entry.get("name") or trace.name or Path(entry["path"]).stem,
        segments=trace.segments,
        summary=summary,
        description=f"<p>{html.escape(summary, quote=False)}</p>" if summary else "",
        practice=entry.get("practice", "walking"),
        themes=list(entry.get("themes", [])),
        source=entry["source"],
        source_id=entry.get("source_id") or entry["path"],
        licence=entry["licence"],
        attribution=entry["attribution"],
        url=entry.get("url", ""),
        extra=extra,
    )


def _ids(saved) -> list[int]:
    """Ids of the trails ``import_circuits`` stored."""
    return [trail.id for trail in saved]
