"""Where each URL of the web app lives in the published static site, and the rewriting of pages.

The publisher renders pages through the app, whose links are the app's routes (``/trails/3``,
``/static/balise.css``, ``/?difficulty=easy``, ``/trails/3?lang=en``). :class:`SiteUrls` maps
each of them to a file of the site and rewrites the page so that every link is *relative* to the
page (``../../pois/5/``): the published folder then works under any address, a domain's root or
a commune's sub-folder, without knowing it. Absolute URLs (API files, sitemap, QR codes) are
``base_url`` + the file's path.

Languages: the first published language sits at the root, each other one under ``<lang>/``
(``en/trails/3/``); files that are the same in every language (GPX, bundles, API, assets) exist
once. A URL that no route matches is left alone; one of a route that is not published (the
editor, the feedback form) points to ``live_url`` when one is given, else it is left for
:func:`exporter.site_check.broken_links` to report.
"""
from __future__ import annotations

import html
import posixpath
import re
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

#: Endpoints whose page exists once per language.
PAGE_ENDPOINTS = ("public.catalogue", "public.trail_page", "public.poi_page", "embed.widget", "embed.help_page",
                  "figures.privacy")
#: Links that start at the site's root (not ``//host``): inside quotes (attributes, JSON in scripts; up to an
#: escaped quote) or in a CSS ``url(...)``.
ROOT_LINK = re.compile(r"""(?<=["'])/(?!/)(?:(?!&quot;|&#34;)[^"'\s<>\\])*|(?<=url\()/(?!/)[^)"'\s]*""")


def duration_slug(bucket: str) -> str:
    """A folder name for a duration bucket of :data:`trails.filters.DURATION_BUCKETS`.

    >>> duration_slug("<1h"), duration_slug("2-4h"), duration_slug(">8h")
    ('under-1h', '2-4h', 'over-8h')
    """
    return bucket.replace("<", "under-").replace(">", "over-")


def slug(text: str) -> str:
    """>>> slug("Patrimoine religieux & bâti")
    'patrimoine-religieux-bati'
    """
    from webapp.public import download_name

    return download_name(text, "x")[:-2]


def query_key(pairs) -> tuple:
    """A catalogue query without ``lang`` and ``page``, blanks dropped, in a canonical order."""
    return tuple(sorted((k, v) for k, v in pairs if v != "" and k not in ("lang", "page")))


class SiteUrls:
    """Maps app URLs to site files for one publish (see the module docstring)."""

    def __init__(self, url_map: Map, *, langs: tuple[str, ...], base_url: str, live_url: str = "",
                 assets: dict[str, str] | None = None):
        self.adapter = url_map.bind("publish.invalid")
        self.langs = langs
        self.base_url = base_url.rstrip("/") + "/"
        self.live_url = live_url.rstrip("/")
        self.assets = assets or {}  # "/static/balise.css" -> "static/balise.1a2b3c4d.css"
        #: catalogue query_key -> folder ("" for the root), filled by the publisher
        self.catalogue_pages: dict[tuple, str] = {(): ""}
        self.published_trails: set[int] = set()
        self.published_pois: set[int] = set()

    def prefix(self, lang: str) -> str:
        return "" if lang == self.langs[0] else f"{lang}/"

    # -- one URL ----------------------------------------------------------------------------------------
    def site_path(self, path: str, query: str = "", lang: str = "") -> str | None:
        """The site path (a file, or a folder ending in ``/``, with a query string when the page reads
        one) of the app URL ``path?query`` seen from a page in ``lang``; None when it is not published."""
        if path in self.assets:
            return self.assets[path]
        try:
            endpoint, args = self.adapter.match(path, method="GET")
        except HTTPException:
            return None
        pairs = parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        lang = params.get("lang") if params.get("lang") in self.langs else (lang or self.langs[0])
        mapper: Callable | None = getattr(self, "_" + endpoint.replace(".", "_"), None)
        if mapper is None:
            return None
        found = mapper(args, pairs, params)
        if found is None:
            return None
        return (self.prefix(lang) + found) if endpoint in PAGE_ENDPOINTS else found

    def _public_catalogue(self, args, pairs, params):
        folder = self.catalogue_pages.get(query_key(pairs))
        page = params.get("page", "1")
        if folder is None or params.get("sort") not in (None, "", "name") or not page.isdigit():
            query = urlencode([(k, v) for k, v in pairs if k != "lang"])
            return "" + (f"?{query}" if query else "")  # the root page filters in the browser
        return folder + (f"page/{int(page)}/" if int(page) > 1 else "")

    def _public_trail_page(self, args, pairs, params):
        return f"trails/{args['trail_id']}/" if args["trail_id"] in self.published_trails else None

    def _public_trail_gpx(self, args, pairs, params):
        return f"trails/{args['trail_id']}.gpx" if args["trail_id"] in self.published_trails else None

    def _public_poi_page(self, args, pairs, params):
        return f"pois/{args['poi_id']}/" if args["poi_id"] in self.published_pois else None

    def _public_poi_photo(self, args, pairs, params):
        return f"pois/{args['poi_id']}/photo.jpg" if args["poi_id"] in self.published_pois else None

    def _media_thumbnail_file(self, args, pairs, params):
        return f"thumbs/{args['name']}"  # the publisher writes every listed circuit's card photo there

    def _media_video_file(self, args, pairs, params):
        return f"videos/{args['name']}"  # the publisher copies the videos of the published POIs there

    def _bundles_bundle_index(self, args, pairs, params):
        if args["trail_id"] not in self.published_trails:
            return None
        lang = params.get("lang")
        return f"trails/{args['trail_id']}/bundle/" + (f"?lang={lang}" if lang in self.langs else "")

    def _bundles_bundle_file(self, args, pairs, params):
        return f"trails/{args['trail_id']}/bundle/{args['name']}" if args["trail_id"] in self.published_trails \
            else None

    def _bundles_bundle_zip(self, args, pairs, params):
        return f"trails/{args['trail_id']}/bundle.zip" if args["trail_id"] in self.published_trails else None

    def _bundles_qr_code(self, args, pairs, params):
        return f"trails/{args['trail_id']}/qr.{args['fmt']}" if args["trail_id"] in self.published_trails else None

    def _bundles_poster(self, args, pairs, params):
        size = (params.get("size") or "A4").lower()
        return f"trails/{args['trail_id']}/poster-{size}.svg" if args["trail_id"] in self.published_trails \
            and size in ("a4", "a3") else None

    def _bundles_poster_pdf(self, args, pairs, params):
        size = (params.get("size") or "A4").lower()
        return f"trails/{args['trail_id']}/poster.pdf" if args["trail_id"] in self.published_trails \
            and size == "a4" else None

    def _api_trails(self, args, pairs, params):
        return "api/trails.json"

    def _api_trail(self, args, pairs, params):
        return f"api/trails/{args['trail_id']}.json" if args["trail_id"] in self.published_trails else None

    def _api_poi(self, args, pairs, params):
        return f"api/pois/{args['poi_id']}.json" if args["poi_id"] in self.published_pois else None

    def _api_openapi(self, args, pairs, params):
        return "api/openapi.json"

    def _embed_widget(self, args, pairs, params):
        return "embed/" + self._query(pairs)  # the page filters in the browser (webapp/static/embed.js)

    def _embed_help_page(self, args, pairs, params):
        return "embed/help/" + self._query(pairs)

    @staticmethod
    def _query(pairs) -> str:
        query = urlencode([(k, v) for k, v in pairs if k != "lang"])
        return f"?{query}" if query else ""

    def _figures_privacy(self, args, pairs, params):
        return "privacy/"

    # -- whole documents ------------------------------------------------------------------------------
    def relative(self, target: str, page: str) -> str:
        """``target`` (a site path) as a link from the site file ``page``.

        >>> urls = SiteUrls(Map(), langs=("fr", "en"), base_url="https://x.example/balades/")
        >>> urls.relative("pois/5/", "trails/3/index.html"), urls.relative("", "index.html")
        ('../../pois/5/', './')
        >>> urls.relative("?theme=eau", "en/trails/3/index.html"), urls.relative("static/a.css", "index.html")
        ('../../../?theme=eau', 'static/a.css')
        """
        path, _, query = target.partition("?")
        here = posixpath.dirname(page)
        rel = posixpath.relpath(path or ".", here or ".")
        if path.endswith("/") or path == "":
            rel = "./" if rel == "." else rel + "/"
        return rel + (f"?{query}" if query else "")

    def rewrite_page(self, text: str, page: str, lang: str) -> str:
        """Every root-relative link of the HTML ``text`` of site file ``page``, made relative."""

        def replace(m: re.Match) -> str:
            raw = m.group(0)
            url = html.unescape(raw)
            parts = urlsplit(url)
            target = self.site_path(parts.path, parts.query, lang)
            if target is None:
                if self.live_url and self._is_route(parts.path):
                    return html.escape(self.live_url + url, quote=True)
                return raw
            return html.escape(self.relative(target, page), quote=True) + (f"#{parts.fragment}" if parts.fragment
                                                                           else "")

        return ROOT_LINK.sub(replace, text)

    def absolute(self, target: str) -> str:
        return self.base_url + target

    def rewrite_absolute(self, text: str, lang: str = "") -> str:
        """Absolute URLs under ``base_url`` (API files, the embed snippet) pointed at the site's files."""
        pattern = re.compile(re.escape(self.base_url.rstrip("/")) + r"""/(?:(?!&quot;|&#34;)[^"'\s<>\\])*""")
        root = urlsplit(self.base_url).path.rstrip("/")

        def replace(m: re.Match) -> str:
            url = html.unescape(m.group(0))
            parts = urlsplit(url)
            target = self.site_path(parts.path.removeprefix(root) or "/", parts.query, lang)
            if target is None:
                return m.group(0)
            escaped = "&" in m.group(0) and "&amp;" in m.group(0)
            out = self.absolute(target)
            return out.replace("&", "&amp;") if escaped else out

        return pattern.sub(replace, text)

    def _is_route(self, path: str) -> bool:
        try:
            self.adapter.match(path, method="GET")
        except HTTPException as e:
            return getattr(e, "code", 404) == 405
        return True
