"""``balise publish``: the public site as static files, rendered by the web app itself.

Every public page is rendered through the app (its test client), so the static site shows
exactly what ``balise serve`` shows, then its links are rewritten for static hosting
(:mod:`webapp.publish_urls`); downloads come from the same code as the live routes (GPX, QR codes,
posters, the bundle folder and its zip) or from the exporters (GeoJSON, KML): :mod:`webapp.publish_files`.
Files are handed to :class:`exporter.site.SiteBuild`, which writes only what changed and switches the site
in one step. Each part of the site (a target) carries a key, a digest of what it is made of: a target
whose key did not change since the last publish is not rendered again.

Site layout (``DIR``; the first ``--lang`` at the root, the others under ``<lang>/``)::

    index.html  page/<n>/index.html           catalogue (filtered in the browser with catalogue.js)
    catalogue/<facet>/<value>/index.html      one page per difficulty, theme, duration and commune
    trails/<id>/index.html  pois/<id>/index.html  embed/index.html  embed/help/index.html
    trails/<id>.gpx .geojson .kml  trails/<id>/bundle/…  trails/<id>/bundle.zip
    trails/<id>/qr.png qr.svg poster-a4.svg poster-a3.svg
    api/trails.json  api/trails/<id>.json  api/pois/<id>.json  api/pois/page-<n>.json  api/openapi.json
    api/catalogue.json (the compact index catalogue.js filters)  static/  vendor/leaflet/
    sitemap.xml  robots.txt  404.html  _headers
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import FileSystemBytecodeCache

from exporter.bundle_zip import DeflateCache
from exporter.errors import ExportError
from exporter.site import PublishStats, SiteBuild
from poi.i18n import gettext as _
from poi.store import PoiStore
from trails.filter_index import DURATION_BUCKETS, search_ids
from trails.filters import FilterSet
from trails.towns import TownFinder, town_names
from webapp.media_files import published_card_photos
from webapp.publish_catalogue import api_trails_json, catalogue_index, circuit_row, index_fields
from webapp.publish_files import SiteFiles
from webapp.publish_render import code_digest, digest, gc_paused, json_dumps, run_jobs, stable_names
from webapp.publish_store import PublishStore
from webapp.publish_urls import SiteUrls, duration_slug, query_key, slug

PAGE_SIZE = 20  # webapp.public.PAGE_SIZE
POIS_PER_FILE = 1000
MEMO_BLOCK = 256  # circuits or POIs (by id) per block of parts (_Publisher.items) and per file of the lists' memo
#: The targets made from the list of every circuit: kept as a whole when no circuit changed.
LIST_TARGETS = {"lists", "catalogue", "catalogue-index", "catalogue-words", "thumbs", "embed", "embed-help",
                "api-trails", "site"}
LIST_PAGES = {"catalogue", "embed", "embed-help"}  # those of LIST_TARGETS that are pages


@dataclass(slots=True)
class PublishOptions:
    out: Path
    base_url: str
    langs: tuple[str, ...] = ("fr", "en")
    live_url: str = ""
    compress: bool = True


@dataclass(slots=True)
class PublishReport:
    stats: PublishStats
    pages: int = 0
    rendered: int = 0
    #: worker processes that made the parts (1: the publishing process alone)
    workers: int = 1
    #: seconds spent making the parts by kind (``trail``, ``trail-files``, ``catalogue``...; summed over the
    #: workers) and how many parts of each kind were made
    seconds_by_part: dict[str, float] = field(default_factory=dict)
    parts: dict[str, int] = field(default_factory=dict)
    nginx_conf: Path | None = None
    notes: list[str] = field(default_factory=list)


def publish(db_path: str, options: PublishOptions) -> PublishReport:
    """Publish the site of the database ``db_path`` into ``options.out`` (see the module docstring)."""
    from webapp import create_app

    base = options.base_url.strip()
    if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
        raise ExportError(_("--base-url must be an http(s) address such as https://commune.example/balades/, "
                            "not {value!r}", value=base))
    base = base.rstrip("/") + "/"
    live = options.live_url.strip().rstrip("/")
    if live and urlsplit(live).scheme not in ("http", "https"):
        raise ExportError(_("--live-url must be an http(s) address, not {value!r}", value=live))
    app = create_app({"DATABASE": db_path, "BASE_URL": base, "STATIC_SITE": True, "LIVE_URL": live,
                      "SITE_LANGUAGES": options.langs, "TESTING": False,
                      "FIGURES": False})  # rendering the site is no visit to count
    app.jinja_env.globals["duration_buckets"] = DURATION_BUCKETS  # public/_browse.html
    with gc_paused():
        build = SiteBuild(options.out, compress=options.compress)
    # the templates compiled once for the publishes to come (checked against their source at each load)
    (build.versions / "templates").mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(build.versions / "templates"))
    try:
        with app.test_request_context("/", base_url="http://publish.invalid/"):
            publisher = _Publisher(app, build, options, base, live)
            with gc_paused():
                publisher.run()
            gc.freeze()  # what run() read lives until the end: the collections while rendering skip it
            try:
                publisher.render()
            finally:
                gc.unfreeze()
        with gc_paused():
            stats = build.commit()
    except BaseException:
        build.abort()
        raise
    parts: dict[str, int] = {}
    for job in publisher.jobs:
        kind = job[0].partition(":")[0]
        parts[kind] = parts.get(kind, 0) + 1
    return PublishReport(stats, pages=publisher.pages, rendered=publisher.rendered, nginx_conf=publisher.nginx_path,
                         workers=publisher.workers, seconds_by_part=publisher.seconds_by_part, parts=parts)


class _Publisher(SiteFiles):
    """One publish: gathers the targets, renders the changed ones (see :func:`publish`)."""

    def __init__(self, app, build: SiteBuild, options: PublishOptions, base: str, live: str):
        from webapp import db

        self.app, self.build, self.options, self.base = app, build, options, base
        self.client = app.test_client(use_cookies=False)
        self.langs = options.langs
        self.db = db
        self.store = db.trails()
        self.pois = PoiStore(db.get_db())
        self.urls = SiteUrls(app.url_map, langs=self.langs, base_url=base, live_url=live)
        self.site_key = digest(code_digest(), base, live, self.langs, app.config["TILES_URL"],
                               app.config["TILES_ATTRIBUTION"])
        self.pages = self.rendered = 0
        self.workers, self.seconds_by_part = 1, {}
        #: the parts to make: ``(target, key, function, arguments)`` (:meth:`render`)
        self.jobs: list[tuple] = []
        self.deflated = DeflateCache()  # the files every bundle shares, deflated once for all the zips
        self.sitemap: list[str] = []
        self.nginx_path = options.out / "nginx.conf.example"

    # -- helpers ----------------------------------------------------------------------------------------
    def get(self, path: str, query=(), *, status: int = 200) -> bytes:
        response = self.client.get(path, query_string=list(query))
        try:
            if response.status_code != status:
                raise ExportError(_("publishing {url}: the app answered {status}",
                                    url=f"{path}?{urlencode(list(query))}", status=response.status_code))
            return response.get_data()
        finally:
            response.close()  # a file the app sent (a photo) is closed at once

    def page(self, name: str, key: str, path: str, lang: str, app_path: str, query=(), *,
             catalogue_folder: str | None = None) -> None:
        """One HTML page (site file ``path``) rendered from ``app_path?query`` in ``lang``; a catalogue page
        (``catalogue_folder``, "" for the root) also gets the script that filters in the browser."""
        self.pages += 1
        self.sitemap.append(path.removesuffix("index.html"))
        if not self.build.unchanged(name, key):
            self.jobs.append((name, key, self.render_page, (path, lang, app_path, tuple(query), catalogue_folder)))

    def render_page(self, path: str, lang: str, app_path: str, query: tuple, catalogue_folder: str | None) -> dict:
        html = stable_names(self.get(app_path, [*query, ("lang", lang)]).decode("utf-8"))
        html = self.urls.rewrite_absolute(self.urls.rewrite_page(html, path, lang), lang)
        if catalogue_folder is not None:
            rel = lambda target: escape(self.urls.relative(target, path))  # noqa: E731
            script = (f'<script src="{rel(self.urls.assets["/static/catalogue.js"])}" '
                      f'data-index="{rel(f"api/catalogue.{lang}.json")}" data-words="{rel("api/catalogue-words.json")}" '
                      f'data-root="{rel(self.urls.prefix(lang))}" '
                      f'data-here="{escape(catalogue_folder)}" defer></script>\n')
            html = html.replace("</body>", script + "</body>", 1)
        return {path: html}

    def files(self, name: str, key: str, produce) -> None:
        if not self.build.unchanged(name, key):
            self.jobs.append((name, key, produce, ()))

    def render(self) -> None:
        """Make the parts whose key changed (:attr:`jobs`; in a pool of processes when there are many)."""
        self.rendered = len(self.jobs)
        self.workers, self.seconds_by_part = run_jobs(self, self.jobs)

    # -- the whole site -------------------------------------------------------------------------------
    def run(self) -> None:
        from webapp.bundles import map_revision

        self.assets()
        # what each circuit and POI is made of, from their change marks (webapp/publish_store.py): nothing
        # is loaded unless its key changed since the last publish
        marks = PublishStore(self.db.get_db())
        trail_marks = dict(marks.published_trails())
        ids = sorted(trail_marks)
        stops: dict[int, list[tuple[int, int]]] = {t: [] for t in ids}  # circuit -> [(POI, its mark)], in order
        for tid, pid, mark in marks.live_stops():
            if tid in stops:
                stops[tid].append((pid, mark))
        self.urls.published_trails = set(ids)
        poi_marks = {pid: mark for items in stops.values() for pid, mark in items}
        self.urls.published_pois = set(poi_marks)
        trails_of: dict[int, list] = {p: [] for p in poi_marks}  # the circuits each POI page lists
        for tid in ids:
            for pid in dict.fromkeys(p for p, _ in stops[tid]):
                trails_of[pid].append((tid, trail_marks[tid]))
        rev = self.rev = {t: digest(trail_marks[t], stops[t]) for t in ids}
        # every list of circuits (catalogue pages and index, API, embed, sitemap) is kept as a whole when no
        # circuit, no stop and no town changed
        listing = self.listing = digest(self.site_key, [(t, rev[t]) for t in ids], self.store.communes_revision())
        lists = self.build.unchanged("lists", listing)
        if lists:
            kept = self.build.keep(lambda name: name.partition(":")[0] in LIST_TARGETS)
            self.pages += sum(name.partition(":")[0] in LIST_PAGES for name in kept)
        else:
            self.catalogue_queries()
            self.build.put("lists", listing, {})
            self.rows = self.circuit_rows(ids)
            self.card_photos = {t: r["photo"] for t, r in self.rows.items() if r["photo"]}
            thumbs = {r["photo"][0]: Path(r["thumb"]) for r in self.rows.values() if r["photo"]}
            self.files("thumbs", digest(sorted(thumbs.items())),
                       lambda: {name: p.read_bytes() for name, p in thumbs.items()})
        map_rev = map_revision()
        for lang in self.langs:
            prefix = self.urls.prefix(lang)
            if not lists:
                self.catalogue(lang)
                self.page(f"embed:{lang}", digest(listing, lang), f"{prefix}embed/index.html", lang, "/embed")
                self.page(f"embed-help:{lang}", digest(listing, lang), f"{prefix}embed/help/index.html", lang,
                          "/embed/help")
            self.page(f"privacy:{lang}", digest(self.site_key, lang), f"{prefix}privacy/index.html", lang, "/privacy")
        self.items("trail", "trails", "trail-files", ids, rev.get, self.trail_files, map_rev)
        ordered = sorted(poi_marks)
        self.items("poi", "pois", "poi-api", ordered, lambda p: (poi_marks[p], trails_of[p]), self.poi_files)
        for n, start in enumerate(range(0, len(ordered), POIS_PER_FILE), 1):
            chunk = ordered[start:start + POIS_PER_FILE]
            self.files(f"poi-page:{n}", digest(self.site_key, [(p, poi_marks[p]) for p in chunk]),
                       lambda chunk=chunk, n=n: {f"api/pois/page-{n}.json": self.pois_file(chunk)})
        self.files("openapi", self.site_key, lambda: {"api/openapi.json": self.get("/api/openapi.json")})
        if not lists:
            self.files("api-trails", listing, lambda: {"api/trails.json": self.api_trails()})
            self.files("site", digest(self.site_key, sorted(self.sitemap)), self.site_files)

    def items(self, kind: str, folder: str, files_kind: str, ids: list[int], made_of, make_files, *extra) -> None:
        """The page of each of ``ids`` in every language (target ``<kind>:<id>:<lang>``, ``<folder>/<id>/``) and its
        other files (``<files_kind>:<id>``, ``make_files(id)``), each with its key: ``made_of(id)``, what it shows
        (and ``extra`` for the files). By blocks of ids (:func:`_blocks`): a block whose members did not change since
        the last publish is kept whole without computing their keys (an edit at 10,000 circuits computes one
        block's)."""
        for block, members in _blocks(ids):
            pages = [(lang, i, f"{kind}:{i}:{lang}", f"{self.urls.prefix(lang)}{folder}/{i}/index.html")
                     for lang in self.langs for i in members]
            others = [f"{files_kind}:{i}" for i in members]
            key = digest(self.site_key, extra, [(i, made_of(i)) for i in members])
            if self.build.unchanged(f"{folder}:{block}", key) and self.build.keep_all([p[2] for p in pages] + others):
                self.pages += len(pages)
                self.sitemap.extend(path.removesuffix("index.html") for *_, path in pages)
                continue
            self.build.put(f"{folder}:{block}", key, {})
            for lang, i, target, path in pages:
                self.page(target, digest(self.site_key, made_of(i), lang), path, lang, f"/{folder}/{i}")
            for i, target in zip(members, others):
                self.files(target, digest(self.site_key, made_of(i), *extra), lambda i=i: make_files(i))

    def circuit_rows(self, ids: list[int]) -> dict[int, dict]:
        """What the lists show of each listed circuit (:func:`webapp.publish_catalogue.circuit_row`), kept from
        one publish to the next by circuit revision: only the circuits that changed are read again."""
        blocks = dict(_blocks(ids))  # the memo is kept in blocks of circuits by id: an edit rewrites one
        rows: dict[int, dict] = {}
        missing, changed = [], []
        for block, members in blocks.items():
            memo = self.build.memo(f"circuits/{block}") or {}
            old = memo.get("rows", {}) if memo.get("site") == self.site_key else {}
            if sorted(old) != sorted(map(str, members)):
                changed.append(block)  # circuits added or gone
            for tid in members:
                entry = old.get(str(tid))
                if entry is not None and entry[0] == self.rev[tid]:
                    rows[tid] = entry[1]
                else:
                    missing.append(tid)
        for start in range(0, len(missing), 900):  # SQLite's limit of parameters
            trails = self.store.get_many(missing[start:start + 900], segments=False)
            with self.app.app_context():  # the catalogue cards' photos (webapp/media_files.py)
                photos, thumbs = published_card_photos(trails)
            for t in trails:
                rows[t.id] = circuit_row(t, photos.get(t.id), thumbs, self.urls.rewrite_absolute)
        if changed:
            self.build.keep_memo("circuits", None)  # the one file of the memo before it was cut in blocks
        for block in {*changed, *(tid // MEMO_BLOCK for tid in missing)}:
            self.build.keep_memo(f"circuits/{block}", {"site": self.site_key, "rows": {
                str(t): [self.rev[t], rows[t]] for t in blocks[block]}})
        return rows

    def catalogue_queries(self) -> None:
        """The pre-rendered catalogue pages: one per difficulty, theme, duration band and commune."""
        towns = TownFinder(self.store)
        result = search_ids(self.store, FilterSet.from_params({}))
        queries: list[tuple[str, dict]] = []
        for key in ("difficulty", "theme"):
            for value, count in result[2].get(key, {}).items():
                if count:
                    name = value if key == "difficulty" else slug(value)  # difficulty codes are folder-safe
                    queries.append((f"catalogue/{key}/{name}/", {key: value}))
        for name, low, high in DURATION_BUCKETS:
            if result[2].get("duration", {}).get(name):
                query = {**({"min_duration": str(low)} if low else {}),
                         **({"max_duration": str(high - 1)} if high else {})}
                queries.append((f"catalogue/duration/{duration_slug(name)}/", query))
        for name in town_names(self.store):
            queries.append((f"catalogue/commune/{slug(name)}/", {"town": name}))
        self.catalogue_specs = [("", {}, *result)]
        seen = {""}
        for folder, query in queries:
            while folder in seen:
                folder = folder.rstrip("/") + "-2/"
            seen.add(folder)
            found = search_ids(self.store, FilterSet.from_params(query, towns=towns))
            if found[1]:
                self.catalogue_specs.append((folder, query, *found))
                self.urls.catalogue_pages[query_key(query.items())] = folder
        self.towns_key = town_names(self.store)

    def catalogue(self, lang: str) -> None:
        """Every page of every catalogue listing in ``lang``; a page's key holds what it shows (its circuits,
        the total, the facet counts), so an edit re-renders only the pages that list the edited circuit."""
        prefix = self.urls.prefix(lang)
        pages_map = sorted(self.urls.catalogue_pages.items())
        common = digest(self.site_key, lang, self.towns_key, pages_map)
        for folder, query, ids, total, facets in self.catalogue_specs:
            listing = digest(common, folder, total, facets)
            for page in range(1, max(1, -(-total // PAGE_SIZE)) + 1):
                shown = ids[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
                key = digest(listing, page, [self.rev[i] for i in shown], [self.card_photos.get(i) for i in shown])
                path = f"{prefix}{folder}" + (f"page/{page}/" if page > 1 else "") + "index.html"
                extra = [("page", str(page))] if page > 1 else []
                self.page(f"catalogue:{lang}:{folder}:{page}", key, path, lang, "/",
                          [*query.items(), *extra], catalogue_folder=folder if page == 1 else f"{folder}page/{page}/")
        self.files(f"catalogue-index:{lang}", digest(self.listing, lang, self.towns_key, self.card_photos),
                   lambda: {f"api/catalogue.{lang}.json": json_dumps(
                       {**catalogue_index(self.store, lang, PAGE_SIZE, self.listed_rows()), "photos": self.card_photos})})
        self.files("catalogue-words", self.listing,
                   lambda: {"api/catalogue-words.json": json_dumps([self.rows[t]["words"] for t in self.catalogue_specs[0][2]])})

    def listed_rows(self) -> list:
        """The fields of the catalogue index of every listed circuit, in the catalogue's order."""
        return [index_fields(self.rows[t]) for t in self.catalogue_specs[0][2]]

    def api_trails(self) -> bytes:
        """Every published circuit in one file: what ``/api/trails`` answers, without paging."""
        _, _, ids, total, facets = self.catalogue_specs[0]
        return api_trails_json([self.rows[t] for t in ids], total, facets, self.urls.rewrite_absolute)

def _blocks(ids: list[int]) -> list[tuple[int, list[int]]]:
    """``ids`` (sorted) in blocks of :data:`MEMO_BLOCK` by id (``id // MEMO_BLOCK``): a block keeps its members
    when circuits are added or removed elsewhere.

    >>> _blocks([1, 2, 300, 700])
    [(0, [1, 2]), (1, [300]), (2, [700])]
    """
    out: dict[int, list[int]] = {}
    for i in ids:
        out.setdefault(i // MEMO_BLOCK, []).append(i)
    return list(out.items())
