"""Serving a published site: cache headers for static hosts and nginx, and the internal link check.

Cache policy (the same in ``_headers`` and in the nginx snippet):

=======================================  ===========================================================
``static/*``, ``vendor/leaflet/*.css|js``  named after their content: ``max-age=31536000, immutable``
``trails/<id>/bundle/media/*``           named after their content (sha256): idem
``*/sw.js``                              ``no-cache`` and ``Service-Worker-Allowed`` set to its folder
HTML, JSON, ``manifest.webmanifest``     ``no-cache`` (revalidated: a new publish is seen at once)
everything else (GPX, QR, zips…)         an hour
=======================================  ===========================================================

>>> print(headers_file("/balades/").splitlines()[0])
/balades/static/*
"""
from __future__ import annotations

import html.parser
import os
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HOUR = "public, max-age=3600"


def headers_file(root: str = "/") -> str:
    """The ``_headers`` file of Netlify, Cloudflare Pages and other static hosts (paths from ``root``)."""
    root = "/" + root.strip("/") + "/" if root.strip("/") else "/"
    rules = [
        (f"{root}static/*", [f"Cache-Control: {FOREVER}"]),
        (f"{root}vendor/leaflet/*", [f"Cache-Control: {FOREVER}"]),
        (f"{root}trails/*/bundle/media/*", [f"Cache-Control: {FOREVER}"]),
        (f"{root}trails/*/bundle/sw.js", [f"Cache-Control: {REVALIDATE}", "Service-Worker-Allowed: ./"]),
        (f"{root}trails/*/bundle/*", [f"Cache-Control: {REVALIDATE}"]),
        (f"{root}*.html", [f"Cache-Control: {REVALIDATE}"]),
        (f"{root}*/", [f"Cache-Control: {REVALIDATE}"]),
        (f"{root}api/*", [f"Cache-Control: {REVALIDATE}", "Access-Control-Allow-Origin: *"]),
        (f"{root}*.gpx", [f"Cache-Control: {HOUR}", "Content-Type: application/gpx+xml"]),
        (f"{root}*.kml", [f"Cache-Control: {HOUR}", "Content-Type: application/vnd.google-earth.kml+xml"]),
        (f"{root}*.geojson", [f"Cache-Control: {HOUR}", "Content-Type: application/geo+json"]),
    ]
    return "".join(f"{path}\n" + "".join(f"  {h}\n" for h in headers) for path, headers in rules)


def nginx_snippet(root: str = "/", folder: str = "/srv/balise/site") -> str:
    """An nginx ``server`` block fragment serving the site folder under ``root`` with the right headers.

    >>> "gzip_static on;" in nginx_snippet("/balades/")
    True
    """
    root = "/" + root.strip("/") + "/" if root.strip("/") else "/"
    alias = f"alias {folder}/;" if root != "/" else f"root {folder};"
    return f"""# Balise static site: include this inside a `server {{ ... }}` block of nginx.
# {folder} is the folder given to `balise publish --out` (a symbolic link switched at each publish).
location {root} {{
    {alias}
    index index.html;
    gzip_static on;            # serve the .gz files written beside each text file
    # brotli_static on;        # with the ngx_brotli module: the .br files
    error_page 404 {root}404.html;
    add_header Cache-Control "{REVALIDATE}";
    # nested regex locations: the first that matches wins (a `types` block here would replace mime.types)
    location ~ ^{root}(static|vendor)/ {{
        add_header Cache-Control "{FOREVER}";
    }}
    location ~ ^{root}trails/[0-9]+/bundle/media/ {{
        add_header Cache-Control "{FOREVER}";
    }}
    location ~ ^{root}trails/[0-9]+/bundle/sw\\.js$ {{
        add_header Cache-Control "{REVALIDATE}";
        add_header Service-Worker-Allowed "./";
    }}
    location ~ \\.webmanifest$ {{
        default_type application/manifest+json;
        add_header Cache-Control "{REVALIDATE}";
    }}
    location ~ ^{root}api/ {{
        add_header Cache-Control "{REVALIDATE}";
        add_header Access-Control-Allow-Origin "*";
    }}
    location ~ \\.gpx$ {{
        default_type application/gpx+xml;
        add_header Cache-Control "{HOUR}";
    }}
    location ~ \\.kml$ {{
        default_type application/vnd.google-earth.kml+xml;
        add_header Cache-Control "{HOUR}";
    }}
    location ~ \\.geojson$ {{
        default_type application/geo+json;
        add_header Cache-Control "{HOUR}";
    }}
    location ~ \\.(zip|png|svg|pdf)$ {{
        add_header Cache-Control "{HOUR}";
    }}
}}
"""


class _Links(html.parser.HTMLParser):
    ATTRS = {"href", "src", "action", "poster"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.ATTRS and value is not None:
                if tag == "link" and dict(attrs).get("rel") in ("canonical", "alternate") and "://" in value:
                    continue
                self.links.append(value)


def broken_links(folder: str | Path) -> list[tuple[str, str]]:
    """``[(page, link)]``: every internal link of the site's HTML pages that leads to no file.

    External links (``https://…``, ``mailto:``) and fragments are not checked; a link to a folder
    needs its ``index.html``; a query string is ignored (the file is what a static server sends).
    """
    folder = Path(folder).resolve()
    bad = []
    for page in sorted(folder.rglob("*.html")):
        rel_page = page.relative_to(folder).as_posix()
        if rel_page == "404.html":
            continue  # served at any depth: its links start at the site's root on purpose
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#") or not (parts.path or parts.query):
                continue
            if parts.path.startswith("/"):
                bad.append((rel_page, link))  # root-relative links break under a sub-folder
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel_page), unquote(parts.path) or "."))
            if target.startswith(".."):
                bad.append((rel_page, link))
                continue
            path = folder / target
            if parts.path.endswith("/") or parts.path in ("", ".") or path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                bad.append((rel_page, link))
    return bad


def local_nginx_conf(folder: str | Path, port: int, work: str | Path, root: str = "/") -> str:
    """A whole nginx configuration serving ``folder`` under ``root`` on ``127.0.0.1:port`` in the foreground,
    with every file nginx writes under ``work`` (run ``nginx -p WORK -c WORK/nginx.conf``): for trying a
    published site locally, the browser tests and ``bench/publish.py``."""
    work = Path(work)
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""  # else workers are "nobody"
    return f"""{user}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
{nginx_snippet(root, folder=str(folder))}
    }}
}}
"""
