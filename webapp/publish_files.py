"""The files of the published site besides its pages (:mod:`webapp.publish`): static assets under hashed names,
each circuit's downloads (GPX, GeoJSON, KML, QR codes, posters, the offline bundle and its zip, its API file), each
POI's API file, photo and videos, the pages of POIs of the API, and the site's own files (sitemap, robots.txt, 404
page, ``_headers``, the nginx example). :class:`SiteFiles` is a part of ``webapp.publish._Publisher``: it reads
the publisher's app, stores and URLs.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from exporter import geojson, kml, poster, qr
from exporter.bundle_zip import zip_bytes
from exporter.site_serving import headers_file, nginx_snippet
from webapp.media_files import poi_media_paths
from webapp.publish_render import json_dumps, stable_pdf


class SiteFiles:
    """The methods of ``webapp.publish._Publisher`` that make files (see the module docstring)."""

    def assets(self) -> None:
        """The static files of the app and of every blueprint that has some (Leaflet, its plugins), CSS and JS
        under names that hold their hash (cached forever)."""
        app = self.app
        folders = [(app.static_url_path, app.static_folder)] + sorted(
            (bp.static_url_path, bp.static_folder) for bp in app.blueprints.values()
            if bp.static_folder and bp.static_url_path)
        for url_root, folder in folders:
            url_root, folder = url_root.rstrip("/") + "/", Path(folder)
            out = url_root.lstrip("/")
            for path in sorted(folder.rglob("*")):
                if not path.is_file() or path.suffix == ".map" or ".esm." in path.name:
                    continue
                rel = path.relative_to(folder).as_posix()
                data = path.read_bytes()
                name = rel
                if path.suffix in (".css", ".js") and "/" not in rel:
                    name = f"{path.stem}.{hashlib.sha256(data).hexdigest()[:10]}{path.suffix}"
                self.urls.assets[url_root + rel] = out + name
                target, key = f"asset:{out}{rel}", hashlib.sha256(data).hexdigest()
                if not self.build.unchanged(target, key):
                    self.build.put(target, key, {out + name: data})

    def poi_videos(self, poi) -> dict[str, bytes]:
        """The POI page's stored videos and their posters (``videos/``, ``thumbs/``: webapp/media_files.py)."""
        with self.app.app_context():
            return {path: file.read_bytes() for path, file in poi_media_paths(poi).items()}

    def poi_photo(self, poi) -> dict[str, bytes]:
        """The resized photo the POI page shows (``pois/<id>/photo.jpg``) when the media store has one."""
        from webapp.public import stored_photo_path

        with self.app.app_context():
            if stored_photo_path(poi) is None:
                return {}
        return {f"pois/{poi.id}/photo.jpg": self.get(f"/pois/{poi.id}/photo.jpg")}

    def api(self, path: str) -> bytes:
        text = self.get(path, [("lang", self.langs[0])]).decode("utf-8")
        return self.urls.rewrite_absolute(text).encode("utf-8")

    def poi_files(self, pid: int) -> dict[str, bytes]:
        """A POI's API file, its photo and its videos."""
        poi = self.pois.get(pid)
        return {f"api/pois/{pid}.json": self.api(f"/api/pois/{pid}"), **self.poi_photo(poi), **self.poi_videos(poi)}

    def trail_files(self, tid: int) -> dict[str, bytes]:
        from webapp.bundles import build_bundle, zip_folder

        full = self.store.get(tid)
        stops = self.store.stops_with_pois(tid)
        url = qr.bundle_url(self.base, tid)  # the bundle's published URL itself (no ?src=: a static host counts nothing)
        bundle = build_bundle(full, stops)
        ways = poster.poster_ways(self.db.get_db(), full)
        a4 = poster.export(full, stops, url=url, size="A4", ways=ways)
        out = {f"trails/{tid}.gpx": self.get(f"/trails/{tid}.gpx"),
               f"trails/{tid}.geojson": geojson.export(full, stops),
               f"trails/{tid}.kml": kml.export(full, stops),
               f"trails/{tid}/qr.png": qr.export(full, url=url, fmt="png"),
               f"trails/{tid}/qr.svg": qr.export(full, url=url, fmt="svg"),
               f"trails/{tid}/poster-a4.svg": a4,
               f"trails/{tid}/poster-a3.svg": poster.export(full, stops, url=url, size="A3", ways=ways),
               f"trails/{tid}/poster.pdf": stable_pdf(poster.to_pdf(a4), full.updated_at),
               f"trails/{tid}/bundle.zip": zip_bytes(bundle, zip_folder(full), self.deflated),
               f"api/trails/{tid}.json": self.api(f"/api/trails/{tid}")}
        for name, data in bundle.items():
            out[f"trails/{tid}/bundle/{name}"] = data
        return out

    def pois_file(self, ids: list[int]) -> bytes:
        pois = [p for start in range(0, len(ids), 900)  # SQLite's limit of parameters
                for p in self.pois.get_many(ids[start:start + 900])]
        data = geojson.pois_collection(sorted(pois, key=lambda p: p.id))
        return json_dumps(data).encode("utf-8")

    def site_files(self) -> dict[str, bytes | str]:
        urls = [self.urls.absolute(p) for p in sorted(set(self.sitemap))]
        sitemap = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                   '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                   + "".join(f"<url><loc>{_xml(u)}</loc></url>\n" for u in urls) + "</urlset>\n")
        robots = f"User-agent: *\nAllow: /\nSitemap: {self.urls.absolute('sitemap.xml')}\n"
        not_found = self.client.get("/no-such-page", query_string={"lang": self.langs[0]})
        root_path = urlsplit(self.base).path
        html = self.urls.rewrite_page(not_found.get_data(as_text=True), "404.html", self.langs[0])
        html = html.replace('href="', f'href="{root_path}').replace('src="', f'src="{root_path}') \
            .replace(f'{root_path}http', "http").replace(f'{root_path}#', "#")
        return {"sitemap.xml": sitemap, "robots.txt": robots, "404.html": html,
                "_headers": headers_file(root_path), "nginx.conf.example": nginx_snippet(root_path)}


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")
