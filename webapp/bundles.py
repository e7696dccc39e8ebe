"""The offline bundle served (``/trails/<id>/bundle/``, what the trailhead QR code opens), its zip, the QR
code and the printable poster of a published circuit.

==================================  =============================================================
``/trails/<id>/bundle/``            the bundle's ``index.html`` (installs its service worker, whose
                                    scope is this folder: no ``Service-Worker-Allowed`` needed)
``/trails/<id>/bundle/<file>``      every file of the bundle (:func:`exporter.bundle.build_files`)
``/trails/<id>/bundle.zip``         the whole bundle as a zip (one folder), to copy on a phone or
                                    publish on any static web server
``/trails/<id>/qr.svg``, ``.png``   QR code of the bundle URL (``BASE_URL`` or this site's address)
``/trails/<id>/poster.svg``         trailhead poster, ``?size=A4`` (default) or ``A3``; ``poster.pdf``: the same, print-ready
==================================  =============================================================

Bundles are built on first request (:func:`exporter.bundle.build_trail_files`: with the offline
map of the trail's 500 m corridor, ``map.json``, when the database holds OSM map ways) and kept
in memory (:class:`BundleCache`, at most :data:`CACHE_BYTES` in all, least recently used first
out), keyed on everything they are made of: the trail (its ``updated_at`` and fields), its stops
and their POIs, the bundle URL and a revision of the map data (:func:`map_revision`); any change
gives a new key, so an edited circuit, or a new ``balise map import``, is rebuilt on its next visit.
Media are read from the folder of the database (``media/<sha256>.<ext>``).
Answers carry an ETag (the file's hash) and ``Cache-Control``: ``no-cache`` for
``index.html``, ``sw.js`` and the manifest (always revalidated, so a new version is seen),
a year for content-addressed media, an hour for the rest.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request

from exporter import bundle as bundle_exporter
from exporter.bundle_zip import zip_bytes
from exporter import poster as poster_exporter
from exporter import qr as qr_exporter
from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.network import network_stats
from trails.models import Trail
from webapp import db
from webapp.api import public_base_url
from webapp.figures import printed_where
from webapp.public import download_name

bp = Blueprint("bundles", __name__)

CACHE_BYTES = 64 * 1024 * 1024
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".json": "application/json",
    ".webmanifest": "application/manifest+json", ".gpx": "application/gpx+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
    ".svg": "image/svg+xml", ".pdf": "application/pdf", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav", ".m4a": "audio/mp4",
}
NO_CACHE = ("index.html", "sw.js", "manifest.webmanifest", "trail.html", "trail.json", "files.json")
POSTER_SIZES = ("A4", "A3")


class BadPosterSize(BaliseError, ValueError):
    """The poster size asked for is not one we print."""


class BundleCache:
    """Built bundles (path -> bytes), least recently used dropped first past ``max_bytes``.

    >>> cache = BundleCache(max_bytes=10)
    >>> cache.get("a", lambda: {"index.html": b"12345678"})["index.html"]
    b'12345678'
    >>> _ = cache.get("b", lambda: {"index.html": b"1234"})
    >>> list(cache.entries)  # "a" made way
    ['b']
    """

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self.entries: OrderedDict[str, dict[str, bytes]] = OrderedDict()
        self.lock = threading.Lock()
        self.builds = 0

    def get(self, key: str, build) -> dict[str, bytes]:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        files = build()  # outside the lock: other trails keep being served meanwhile
        with self.lock:
            self.builds += 1
            self.entries[key] = files
            self.entries.move_to_end(key)
            while len(self.entries) > 1 and sum(map(_size, self.entries.values())) > self.max_bytes:
                self.entries.popitem(last=False)
        return files


def _size(files: dict[str, bytes]) -> int:
    return sum(len(b) for b in files.values())


def bundle_address(trail_id: int) -> str:
    """The public URL of a trail's bundle: ``BASE_URL`` (else this site) + ``trails/<id>/bundle/``."""
    return qr_exporter.bundle_url(public_base_url(), trail_id)


def cache_key(trail: Trail, stops, url: str, map_rev: str = "") -> str:
    """A digest of everything a bundle is made of (trail, stops, their POIs, URL, map data revision)."""
    digest = hashlib.sha256()
    for part in (repr(trail), repr([(s.stop, s.poi) for s in stops]), url, map_rev):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _file_stamp(database: str) -> tuple | None:
    """(mtime, size) of the database file and its WAL: they change with every write; None in memory."""
    if database == ":memory:":
        return None
    stamp = []
    for path in (database, database + "-wal"):
        try:
            st = os.stat(path)
        except OSError:
            stamp.append(None)
        else:
            stamp.append((st.st_mtime_ns, st.st_size))
    return tuple(stamp)


def map_revision() -> str:
    """A revision of the database's map data (:func:`poi.network.network_stats`: ways by kind, path
    nodes, edges and their length), for the cache key. The counts are taken again only when the
    database file changed since (any write, e.g. a ``balise map import`` from another process)."""
    memo = current_app.extensions["balise_map_revision"]
    stamp = _file_stamp(current_app.config["DATABASE"])
    with memo["lock"]:
        if stamp is not None and memo.get("stamp") == stamp:
            return memo["revision"]
    stats = network_stats(db.get_db())
    revision = repr((sorted(stats.ways.items()), stats.nodes, stats.edges, round(stats.edges_length_m, 3),
                     round(stats.walkable_ways_length_m, 3)))
    with memo["lock"]:
        memo.update(stamp=stamp, revision=revision)
    return revision


def bundle_files(trail: Trail) -> dict[str, bytes]:
    """The files of a published trail's bundle, built once per version (see the module docstring)."""
    stops = db.trails().stops_with_pois(trail.id)
    cache: BundleCache = current_app.extensions["balise_bundles"]
    return cache.get(cache_key(trail, stops, bundle_address(trail.id), map_revision()),
                     lambda: build_bundle(trail, stops))


def build_bundle(trail: Trail, stops) -> dict[str, bytes]:
    """The files of ``trail``'s bundle at its public address, built now (no cache: ``balise publish``)."""
    database = current_app.config["DATABASE"]
    media_root = Path(database).resolve().parent if database != ":memory:" else None
    return bundle_exporter.build_trail_files(db.get_db(), trail, stops, base_url=bundle_address(trail.id),
                                             media_root=media_root)


def zip_folder(trail: Trail) -> str:
    """The folder inside a circuit's ``bundle.zip`` (its name, as a file name)."""
    return download_name(trail.name, "zip")[:-4]


def _send(body: bytes, name: str, *, cache_control: str, download: str | None = None) -> Response:
    response = Response(body, content_type=CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream"))
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return response.make_conditional(request)


@bp.route("/trails/<int:trail_id>/bundle/")
def bundle_index(trail_id: int):
    """The bundle's app shell at the folder's own URL (what the QR code opens); no redirect, so the
    service worker's precached ``index.html`` and this page are the same answer."""
    return bundle_file(trail_id, "index.html")


@bp.route("/trails/<int:trail_id>/bundle/<path:name>")
def bundle_file(trail_id: int, name: str):
    files = bundle_files(db.published_trail(trail_id))
    if name not in files:
        abort(404)
    if name in NO_CACHE:
        policy = "no-cache"
    elif name.startswith("media/"):
        policy = "public, max-age=31536000, immutable"  # named after its content
    else:
        policy = "public, max-age=3600"
    response = _send(files[name], name, cache_control=policy)
    if name == "sw.js":
        response.headers["Service-Worker-Allowed"] = f"/trails/{trail_id}/bundle/"
    return response


@bp.route("/trails/<int:trail_id>/bundle.zip")
def bundle_zip(trail_id: int):
    trail = db.published_trail(trail_id)
    folder = zip_folder(trail)
    body = zip_bytes(bundle_files(trail), folder)
    response = _send(body, "bundle.zip", cache_control="no-cache", download=f"{folder}.zip")
    response.content_type = "application/zip"
    return response


@bp.route("/trails/<int:trail_id>/qr.<any(svg, png):fmt>")
def qr_code(trail_id: int, fmt: str):
    trail = db.published_trail(trail_id)
    # The code carries where it was printed (?src=, "qr" by default): the figures count scans per place.
    url = f"{bundle_address(trail_id)}?src={printed_where(request.args.get('src'), 'qr')}"
    data = qr_exporter.export(trail, url=url, fmt=fmt)
    body = data.encode("utf-8") if isinstance(data, str) else data
    download = download_name(trail.name, fmt).replace(f".{fmt}", f"-qr.{fmt}") if request.args.get("download") \
        else None
    return _send(body, f"qr.{fmt}", cache_control="public, max-age=3600", download=download)


@bp.route("/trails/<int:trail_id>/poster.pdf")
def poster_pdf(trail_id: int):
    return poster(trail_id, "pdf")


@bp.route("/trails/<int:trail_id>/poster.svg")
def poster(trail_id: int, fmt: str = "svg"):
    trail = db.published_trail(trail_id)
    size = (request.args.get("size") or "A4").upper()
    if size not in POSTER_SIZES:
        raise BadPosterSize(_("poster size must be A4 or A3, not {size!r}", size=request.args.get("size")))
    url = f"{bundle_address(trail_id)}?src={printed_where(request.args.get('src'), 'poster')}"
    svg = poster_exporter.export(trail, db.trails().stops_with_pois(trail_id), url=url, size=size,
                                 ways=poster_exporter.poster_ways(db.get_db(), trail))
    body = poster_exporter.to_pdf(svg) if fmt == "pdf" else svg.encode("utf-8")
    download = download_name(trail.name, fmt).replace(f".{fmt}", f"-poster-{size.lower()}.{fmt}")
    return _send(body, f"poster.{fmt}", cache_control="public, max-age=3600",
                 download=download if request.args.get("download") else None)


def init_app(app: Flask) -> None:
    app.extensions["balise_bundles"] = BundleCache(app.config.get("BUNDLE_CACHE_BYTES", CACHE_BYTES))
    app.extensions["balise_map_revision"] = {"lock": threading.Lock()}
    app.register_blueprint(bp)
    app.jinja_env.globals["bundle_address"] = bundle_address
