"""The offline HTML5 bundle of a trail: an installable web app that pushes POI content by proximity.

A bundle is a folder (optionally zipped) that any static web server can serve:

================================  ==========================================================
``index.html``                    the app shell (page, messages in French and English)
``app.js``, ``app/*.js``,         the walker's app (modules: state, map, cards, geolocation,
``engine.js``, ``app.css``        offline; ``app.js`` wires them), the proximity engine (pure,
                                  no DOM), the style sheet (``templates/bundle/``)
``leaflet.js``, ``leaflet.css``   Leaflet from ``xstatic-leaflet``, images as ``data:`` URIs
``sw.js``, ``files.json``         service worker answering from the bundle's caches (cache-first),
                                  and the list of files the app keeps for offline use, in two
                                  stages (core, then photos/audio) with their sizes and the
                                  bundle's content hash (:func:`install_list`)
``manifest.webmanifest``,         web app manifest (standalone, ``start_url`` ``.``) and
``icons/icon-192.png``, ``-512``  its icons
``trail.json``                    the trail: figures, segments ``[lon, lat, ele]``, stops
                                  with their POI content, trigger radii and credits
``trail.gpx``                     the trace and stops (:func:`exporter.gpx.export`)
``media/<sha256>.<ext>``          photos (resized, re-encoded) and audio
``trail.html``                    the same app as ONE self-contained file (everything
                                  inlined, photos at most 480 px wide) that works from ``file://``
``map.json``, ``basemap.js``      the offline map (:mod:`exporter.offline_map`): OSM ways of the
                                  database clipped to the trail's corridor, and the list of
``tiles/{z}/{x}/{y}.{ext}``       raster tiles of an MBTiles file for the corridor only
                                  (:mod:`exporter.mbtiles`); only when there is a map to draw
================================  ==========================================================

Nothing is fetched from anywhere else. Without map data the trace and stops are
drawn on a neutral background; ``basemap.js`` draws the offline map through the
``window.BaliseBaseLayers`` hook of ``app.js``. ``trail.html`` carries the vector map
and the tiles as ``data:`` URIs, the tiles only up to :data:`SINGLE_TILES_MAX_BYTES`
(whole zoom levels, lowest first; the report says when some are left out). The contract the pages honour is in
``docs``/DESIGN.md ("Offline bundle contract"): ``data-poi-id`` elements,
``balise:trigger`` events, ``window.balise.triggered`` and ``window.balise.feed``.

Unlike the single-file exporters (``export(...) -> bytes | str``), a bundle is many
files: :func:`build_files` is the pure core (path -> bytes), :func:`export` writes
them and returns a :class:`BundleReport` of sizes.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Sequence

from exporter import bundle_assets as assets
from exporter.bundle_media import MIME, MediaSet, resize_photo, single_file_media, with_posters
from exporter.bundle_report import (MAP_FILES, PARTS, SPEED_3G_BPS, BundleReport, PartSize,  # noqa: F401 (re-exported)
                                    download_seconds, format_report, measure, measure_map, part_of, report_of)
from exporter.common import format_credit, licence_info, plain_text, poi_credit, trail_credit
from exporter.errors import ExportError
from exporter.offline_map import CORRIDOR_M, OfflineMap, for_trail, tiles_within
from poi.categories import ALERT_CATEGORIES
from poi.i18n import gettext as _
from poi.text import sanitize_html
from trails.models import Trail, TrailStop
from trails.triggers import TrailLine, stop_radius_m, trigger_of

#: Never two cards closer than this in time (seconds of the fixes' own clock): a card takes about this long to
#: read at a stop, 50 m at walking pace (4 km/h). A stop reached sooner waits, then opens (engine.js rule 6).
MIN_CARD_SPACING_S = 45

#: Photos of the bundle folder are re-encoded as JPEG at most this wide, at this quality (defaults of
#: :func:`build_files`): 25 photos of a circuit then stay near 1.7 MB (bench/bundle.py).
PHOTO_MAX_WIDTH = 1024
PHOTO_QUALITY = 70
#: Photos inlined in ``trail.html`` are smaller than the folder's: the single file duplicates
#: every medium of the folder (and the service worker caches both), so its photos are
#: re-encoded at most this wide, at this JPEG quality (25 photos: about 0.9 MB instead of 1.3 MB at
#: 640 px), which keeps a 25-photo circuit under the 3 MB budget of the whole bundle.
SINGLE_PHOTO_MAX_WIDTH = 480
SINGLE_PHOTO_QUALITY = 60
#: Raster tiles inlined in ``trail.html`` (raw bytes, whole zoom levels from the lowest):
#: the single file is shared by email or USB, so it carries at most this much of them.
SINGLE_TILES_MAX_BYTES = 1_000_000


def content_version(files: dict[str, bytes]) -> str:
    """Hash of a bundle's content (names and bytes): the service worker's cache version.

    >>> content_version({"a": b"1"}) == content_version({"a": b"1"}) != content_version({"a": b"2"})
    True
    """
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path]).digest())
    return digest.hexdigest()[:16]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def stop_data(item: TrailStop, number: int, *, media: MediaSet, media_root: Path | None, photo_max_width: int,
              photo_quality: int, line: TrailLine | None = None) -> dict:
    """One stop as the app reads it: POI content, trigger point and radius, place along the trail, credits.

    The trigger radius is the stop's own, else the POI's, else its category's default (at least
    :data:`trails.triggers.MIN_RADIUS_M`); ``trigger`` is where the card fires
    (:func:`trails.triggers.trigger_of`: the POI, or the trail's point nearest to it).
    """
    stop, poi = item
    trigger = trigger_of(line, item) if line is not None else None
    radius_m = trigger.radius_m if trigger else stop_radius_m(item)
    items = [media.add(m, media_root=media_root, max_width=photo_max_width, quality=photo_quality)
             for m in with_posters(poi.media)]
    credit = poi_credit(poi)
    return {
        "id": stop.poi_id, "number": number, "name": poi.name, "category": poi.category, "kind": item.kind,
        "lon": round(poi.lon, 7), "lat": round(poi.lat, 7),
        "summary": plain_text(poi.summary), "description": sanitize_html(poi.description),
        "media": [m for m in items if m], "trigger_radius_m": round(float(radius_m), 1),
        "trigger": trigger.as_json() if trigger else None,
        "distance_along_m": round(float(stop.distance_along_m), 1), "offset_m": _round(stop.offset_m, 1),
        "url": poi.url or "",
        "credits": {"source": poi.source, "attribution": credit.attribution if credit else "",
                    "licence": credit.licence if credit else "", "licence_url": credit.url if credit else "",
                    "text": format_credit(credit) if credit else ""},
    }


def story_numbers(stops: Sequence[TrailStop]) -> list[int | None]:
    """Story stops are numbered 1, 2, ... in walking order (as on the poster); services carry no number.

    >>> from poi.models import POI
    >>> from trails.models import Stop
    >>> story_numbers([TrailStop(Stop(1, i, 0, 0), POI("p", 0, 0, category=c))
    ...                 for i, c in enumerate(["church", "parking", "castle"])])
    [1, None, 2]
    """
    numbers, n = [], 0
    for item in stops:
        if item.kind == "story":
            n += 1
            numbers.append(n)
        else:
            numbers.append(None)
    return numbers


def trail_data(trail: Trail, stops: Sequence[TrailStop], *, media: MediaSet, media_root: Path | None = None,
               photo_max_width: int = PHOTO_MAX_WIDTH, photo_quality: int = PHOTO_QUALITY,
               accuracy_max_m: float = 50, base_url: str | None = None) -> dict:
    """The content of ``trail.json``: what the app shows and what the proximity engine reads.

    Coordinates are ``[lon, lat, ele]`` with 6 decimals (about 0.1 m), elevations to 0.1 m.
    """
    own = trail_credit(trail)
    shown = [s for s in stops if s.stop.status not in ("removed", "proposed")]
    numbers = story_numbers(shown)
    line = TrailLine(trail)
    key = f"trail-{trail.id}" if trail.id is not None else "trail-" + hashlib.sha256(
        trail.name.encode("utf-8")).hexdigest()[:12]
    return {
        "format": "balise-bundle/1", "key": key, "id": trail.id, "name": trail.name,
        "summary": plain_text(trail.summary), "description": sanitize_html(trail.description),
        "figures": {"length_m": round(trail.length_m, 1), "ascent_m": round(trail.ascent_m, 1),
                    "descent_m": round(trail.descent_m, 1), "duration_min": trail.duration_min,
                    "duration_source": trail.duration_source, "difficulty": trail.difficulty,
                    "route_type": trail.effective_route_type, "practice": trail.practice},
        "segments": [[[round(p[0], 6), round(p[1], 6), _round(p[2] if len(p) > 2 else None, 1)] for p in seg]
                     for seg in trail.segments if seg],
        "stops": [stop_data(item, n, media=media, media_root=media_root, photo_max_width=photo_max_width,
                            photo_quality=photo_quality, line=line) for n, item in zip(numbers, shown)],
        "alert_categories": [c for c in ALERT_CATEGORIES
                             if any(s.kind == "service" and s.poi.category == c for s in shown)],
        "credits": {"trail": format_credit(own) if own else "", "licence": licence_info(trail.licence)[0],
                    "url": trail.url or ""},
        "engine": {"accuracy_max_m": float(accuracy_max_m), "min_card_spacing_s": MIN_CARD_SPACING_S},
        "bundle_url": base_url or "", "gpx": "trail.gpx", "inline": False,
    }


def _build(trail: Trail, stops: Sequence[TrailStop], *, base_url: str | None, media_root, photo_max_width: int,
           photo_quality: int, accuracy_max_m: float, offline_map: OfflineMap | None = None
           ) -> tuple[dict[str, bytes], list[str]]:
    from exporter import gpx

    if not trail.coords or len(trail.coords) < 2:
        raise ExportError(_("trail '{name}' has fewer than two points: import a GPX trace for it first",
                            name=trail.name))
    if not 0 < accuracy_max_m <= 1000:
        raise ExportError(_("the accuracy limit must be between 0 and 1000 m"))
    media = MediaSet()
    root = Path(media_root) if media_root else None
    data = trail_data(trail, stops, media=media, media_root=root, photo_max_width=photo_max_width,
                      photo_quality=photo_quality, accuracy_max_m=accuracy_max_m, base_url=base_url)
    basemap = offline_map is not None and not offline_map.empty
    warnings = list(media.warnings)
    data["map"] = "map.json" if basemap else None
    files: dict[str, bytes] = {}
    files["trail.json"] = assets.script_json(data).encode("utf-8")
    files["trail.gpx"] = gpx.export(trail, stops).encode("utf-8")
    files.update(media.files)
    if basemap:
        files.update(offline_map.files())
        files["basemap.js"] = assets.template_bytes("basemap.js")
        warnings += offline_map.warnings
    files["leaflet.js"] = assets.leaflet_js()
    files["leaflet.css"] = assets.leaflet_css()
    files["engine.js"] = assets.template_bytes("engine.js")
    for name in assets.APP_MODULES:
        files[name] = assets.template_bytes(name)
    files["app.css"] = assets.template_bytes("app.css")
    files["icons/icon-192.png"] = assets.icon_png(192)
    files["icons/icon-512.png"] = assets.icon_png(512)
    files["manifest.webmanifest"] = assets.manifest(trail.name, trail.name, data["summary"])
    messages = assets.catalogue()
    page = dict(title=trail.name, messages=messages, m=messages["fr"], lang="fr", inline=False, basemap=basemap,
                app_scripts=assets.APP_MODULES)
    files["index.html"] = assets.render("index.html", **page).encode("utf-8")
    inline_map = None
    if basemap:
        inline_map, warning = _inline_map(offline_map)
        warnings += [warning] if warning else []
    files["trail.html"] = _single_file(page, data, files, inline_map).encode("utf-8")
    files["sw.js"] = assets.template_bytes("sw.js")
    files[INSTALL_LIST] = install_list(files, name=trail.name)
    return files, warnings


#: The list of what the app downloads for offline use, in two stages (:func:`install_list`).
INSTALL_LIST = "files.json"
#: Files never downloaded for offline use: the single-file copy (its own download), the service worker
#: (the browser keeps it) and the install list itself (always asked of the server).
NOT_CACHED = ("trail.html", "sw.js", INSTALL_LIST)


def install_stage(path: str) -> str | None:
    """``core`` (the walk works offline once these are kept: app, trail, texts, map), ``media`` (photos,
    audio and the GPX, second and skippable) or None (not kept: :data:`NOT_CACHED`).

    >>> install_stage("app.js"), install_stage("tiles/14/1/2.png"), install_stage("media/ab.jpg"), install_stage("trail.html")
    ('core', 'core', 'media', None)
    """
    if path in NOT_CACHED:
        return None
    return "media" if path.startswith("media/") or path == "trail.gpx" else "core"


def install_list(files: dict[str, bytes], *, name: str) -> bytes:
    """``files.json``: the bundle's version (:func:`content_version`) and its files in two stages with
    their sizes, ``{"version", "name", "core": [[path, bytes], ...], "media": [...]}``: the app shows
    the sizes before downloading and installs the core first (app/offline.js)."""
    kept = {p: b for p, b in files.items() if install_stage(p)}
    doc = {"format": "balise-install/1", "version": content_version(kept), "name": name,
           "core": [[p, len(b)] for p, b in sorted(kept.items()) if install_stage(p) == "core"],
           "media": [[p, len(b)] for p, b in sorted(kept.items()) if install_stage(p) == "media"]}
    return assets.script_json(doc).encode("utf-8")


def _inline_map(offline_map: OfflineMap) -> tuple[dict, str | None]:
    """The map data of ``trail.html``: tiles as ``data:`` URIs up to :data:`SINGLE_TILES_MAX_BYTES`."""
    tiles = offline_map.tiles
    if tiles is None:
        return offline_map.data(), None
    kept = tiles_within(tiles, SINGLE_TILES_MAX_BYTES)
    inline = {"{}/{}/{}".format(*k): assets.data_uri(v, tiles.mime) for k, v in sorted(kept.items())}
    warning = None
    if len(kept) < len(tiles.tiles):
        cap = round(SINGLE_TILES_MAX_BYTES / 1000)
        if kept:
            zooms = sorted({k[0] for k in kept})
            warning = _("trail.html carries the tiles of zooms {min}-{max} only (at most {cap} KB of tiles); "
                        "the bundle folder has zooms {fmin}-{fmax}", min=zooms[0], max=zooms[-1], cap=cap,
                        fmin=tiles.min_zoom, fmax=tiles.max_zoom)
        else:
            warning = _("trail.html carries no tiles (at most {cap} KB of tiles); the bundle folder has them",
                        cap=cap)
    return offline_map.data(inline_tiles=inline), warning


def _single_file(page: dict, data: dict, files: dict[str, bytes], inline_map: dict | None = None) -> str:
    """``trail.html``: the app with its data, scripts, styles, media and GPX inlined."""
    def inline(src: str) -> str:
        body = files[src]
        if src.endswith(".jpg"):
            smaller = resize_photo(body, max_width=SINGLE_PHOTO_MAX_WIDTH, quality=SINGLE_PHOTO_QUALITY)
            body = min(body, smaller, key=len)
        return assets.data_uri(body, MIME[Path(src).suffix])

    inlined = dict(data)
    inlined["stops"] = [dict(s, media=[single_file_media(m, inline) for m in s["media"]]) for s in data["stops"]]
    inlined["gpx"] = assets.data_uri(files["trail.gpx"], "application/gpx+xml")
    inlined["inline"] = True
    inlined["map"] = inline_map
    basemap_js = assets.inline_script(files["basemap.js"]) if "basemap.js" in files else ""
    return assets.render(
        "index.html", **dict(page, inline=True), data=inlined,
        icon=assets.data_uri(files["icons/icon-192.png"], "image/png"),
        leaflet_css=assets.inline_style(files["leaflet.css"]), app_css=assets.inline_style(files["app.css"]),
        leaflet_js=assets.inline_script(files["leaflet.js"]), engine_js=assets.inline_script(files["engine.js"]),
        basemap_js=basemap_js, app_js=[assets.inline_script(files[name]) for name in assets.APP_MODULES])


def build_files(trail: Trail, stops: Sequence[TrailStop], *, base_url: str | None = None,
                media_root: str | os.PathLike | None = None, photo_max_width: int = PHOTO_MAX_WIDTH,
                photo_quality: int = PHOTO_QUALITY, accuracy_max_m: float = 50,
                offline_map: OfflineMap | None = None) -> dict[str, bytes]:
    """Every file of a trail's offline bundle, path -> bytes (the pure core of :func:`export`).

    Parameters
    ----------
    trail, stops
        The trail and its stops in walking order (``TrailStore.stops_with_pois``).
    base_url : str, optional
        Where the bundle will be published (shown and shared from the app).
    media_root : path, optional
        Folder that relative media URLs (``media/<sha256>.jpg``) are resolved against,
        normally the folder of the database.
    photo_max_width, photo_quality
        Photos are re-encoded as JPEG no wider than this, at this quality.
    accuracy_max_m
        Fixes claiming a worse accuracy are ignored by the proximity engine.
    offline_map : OfflineMap, optional
        The map of the trail's corridor (:func:`exporter.offline_map.for_trail`): vector
        ways and/or raster tiles; without it (or when it is empty) the neutral background.

    Examples
    --------
    >>> trail = Trail(name="Boucle", segments=[[(3.6515, 44.2465, 900.0), (3.6530, 44.2456, 905.0)]])
    >>> files = build_files(trail, [])
    >>> sorted(p for p in files if "/" not in p)  # doctest: +NORMALIZE_WHITESPACE
    ['app.css', 'app.js', 'engine.js', 'files.json', 'index.html', 'leaflet.css', 'leaflet.js',
     'manifest.webmanifest', 'sw.js', 'trail.gpx', 'trail.html', 'trail.json']
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     build_files(Trail(name="Vide"), [])
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: trail 'Vide' has fewer than two points: import a GPX trace for it first
    """
    return _build(trail, stops, base_url=base_url, media_root=media_root, photo_max_width=photo_max_width,
                  photo_quality=photo_quality, accuracy_max_m=accuracy_max_m, offline_map=offline_map)[0]


def export(trail: Trail, stops: Sequence[TrailStop], *, out_dir: str | os.PathLike, base_url: str | None = None,
           media_root: str | os.PathLike | None = None, photo_max_width: int = PHOTO_MAX_WIDTH,
           photo_quality: int = PHOTO_QUALITY, accuracy_max_m: float = 50, budget_kb: float = 3000, zip: bool = False,
           offline_map: OfflineMap | None = None) -> BundleReport:
    """Write a trail's offline bundle into ``out_dir`` (and ``out_dir.zip`` with ``zip=True``).

    The folder is replaced as a whole: the bundle is built in a temporary folder
    beside it, then moved into place, so a failed export leaves the old bundle.
    Returns sizes by part (shell, data, map, media, single = ``trail.html``) raw and
    gzipped, the 3G download time of the whole bundle, and warnings (media left
    out; over ``budget_kb`` KB gzipped).

    Examples
    --------
    >>> import tempfile
    >>> trail = Trail(name="Boucle", segments=[[(3.6515, 44.2465, 900.0), (3.6530, 44.2456, 905.0)]])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     report = export(trail, [], out_dir=Path(d) / "b", zip=True, budget_kb=10)
    ...     (Path(d) / "b" / "index.html").is_file(), report.zip_path.name, report.over_budget
    (True, 'b.zip', True)
    """
    files, warnings = _build(trail, stops, base_url=base_url, media_root=media_root,
                             photo_max_width=photo_max_width, photo_quality=photo_quality,
                             accuracy_max_m=accuracy_max_m, offline_map=offline_map)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ExportError(_("{path} exists and is not a folder: choose another --out", path=out))
    if not out.parent.is_dir():
        raise ExportError(_("folder {path} does not exist", path=out.parent))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a bundle is meant to be served
    try:
        for path, data in files.items():
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    zip_path = None
    if zip:
        zip_path = out.with_name(out.name + ".zip")
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for path in sorted(files):
                info = zipfile.ZipInfo(f"{out.name}/{path}", date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, files[path])
    return report_of(out, files, budget_kb=budget_kb, zip_path=zip_path, warnings=warnings)


def trail_map(db, trail: Trail, *, corridor_m: float = CORRIDOR_M, tiles: str | os.PathLike | None = None,
              min_zoom: int = 12, max_zoom: int = 16) -> OfflineMap | None:
    """The offline map of a trail's corridor (:func:`exporter.offline_map.for_trail`): the map ways of
    ``db`` (an OSM import provides them) and, with ``tiles``, the raster tiles of an MBTiles file for
    zooms ``min_zoom..max_zoom``; None for a trail of fewer than two points.

    >>> from poi.network.store import NETWORK
    >>> from poi.store import open_db
    >>> trail = Trail(name="Boucle", segments=[[(3.6515, 44.2465), (3.6530, 44.2456)]])
    >>> trail_map(open_db(":memory:", [NETWORK]), trail).empty, trail_map(None, Trail(name="Vide"))
    (True, None)
    """
    if not trail.coords or len(trail.coords) < 2:
        return None
    return for_trail(db, trail.segments, corridor_m=corridor_m, tiles=tiles, min_zoom=min_zoom, max_zoom=max_zoom)


def build_trail_files(db, trail: Trail, stops: Sequence[TrailStop], *, corridor_m: float = CORRIDOR_M,
                      tiles: str | os.PathLike | None = None, min_zoom: int = 12, max_zoom: int = 16,
                      **options) -> dict[str, bytes]:
    """:func:`build_files` with the offline map of the trail's corridor (:func:`trail_map`); what the web
    app serves. ``options`` go to :func:`build_files`.

    >>> from poi.network.store import NETWORK
    >>> from poi.store import open_db
    >>> trail = Trail(name="Boucle", segments=[[(3.6515, 44.2465), (3.6530, 44.2456)]])
    >>> files = build_trail_files(open_db(":memory:", [NETWORK]), trail, [])
    >>> "index.html" in files, "map.json" in files  # no map ways in this database: neutral background
    (True, False)
    """
    offline = trail_map(db, trail, corridor_m=corridor_m, tiles=tiles, min_zoom=min_zoom, max_zoom=max_zoom)
    return build_files(trail, stops, offline_map=offline, **options)


def export_trail(db, trail: Trail, stops: Sequence[TrailStop], *, out_dir: str | os.PathLike,
                 corridor_m: float = CORRIDOR_M, tiles: str | os.PathLike | None = None, min_zoom: int = 12,
                 max_zoom: int = 16, **options) -> BundleReport:
    """:func:`export` with the offline map of the trail's corridor (:func:`trail_map`). ``options`` go to
    :func:`export`.

    Raises :class:`exporter.mbtiles.MBTilesError` (an :class:`ExportError`) for a file that is not
    a raster MBTiles or holds no tile of the corridor; nothing is written then.
    """
    offline = trail_map(db, trail, corridor_m=corridor_m, tiles=tiles, min_zoom=min_zoom, max_zoom=max_zoom)
    return export(trail, stops, out_dir=out_dir, offline_map=offline, **options)
