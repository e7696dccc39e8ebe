"""Photos, audio and short videos of an offline bundle: resized, re-encoded, content-addressed.

Photos are re-encoded as progressive JPEG no wider than ``max_width`` (Pillow,
Lanczos resampling, EXIF orientation applied, metadata dropped); audio is copied
as is. Every file is named ``media/<first 16 hex of its SHA-256>.<ext>``, so the
same file used twice is shipped once and names never come from user input.
Remote media (``http(s)://``) are not fetched: a bundle is built offline and
must not depend on anyone else's server; they are reported and left out.

Videos (MP4, WebM: kept as they are) go into the bundle while all of its videos together stay within
:data:`VIDEO_BUDGET_BYTES`; a video past that budget, or one on the web, becomes a link (``href``):
for a stored video, the site's copy (:data:`SITE_VIDEOS`, as seen from a bundle served at
``trails/<id>/bundle/``). A video without a poster of its own shows the POI's first photo
(:func:`with_posters`).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from exporter.errors import ExportError
from poi.i18n import gettext as _
from poi.media import MediaError, open_bounded, strip_metadata
from poi.models import Media

AUDIO_EXTENSIONS = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
                    ".m4a": "audio/mp4", ".aac": "audio/aac", ".wav": "audio/wav", ".webm": "audio/webm",
                    ".flac": "audio/flac"}
VIDEO_EXTENSIONS = {".mp4": "video/mp4", ".webm": "video/webm"}
MIME = {".jpg": "image/jpeg", **AUDIO_EXTENSIONS, **VIDEO_EXTENSIONS}
#: All the videos of one bundle together stay under this (bytes); the others become links. The whole
#: bundle aims at 3 MB (bundle.export's ``budget_kb``) and 25 photos take ~1.7 MB of it.
VIDEO_BUDGET_BYTES = 1_000_000
#: Where the web app and the published site serve stored videos, seen from a served bundle
#: (``/trails/<id>/bundle/`` -> ``/videos/<sha256>.<ext>``: webapp/media_files.py).
SITE_VIDEOS = "../../../videos/"


@dataclass(slots=True)
class MediaSet:
    """The media files of a bundle (path -> bytes) and what could not be bundled."""

    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _done: dict[tuple, str | None] = field(default_factory=dict)
    video_budget_bytes: int = field(default_factory=lambda: VIDEO_BUDGET_BYTES)  # read when a bundle is built
    video_link: str = SITE_VIDEOS
    video_bytes: int = 0

    def add(self, media: Media, *, media_root: Path | None, max_width: int, quality: int) -> dict | None:
        """Bundle one media item; returns its entry for ``trail.json`` or None if left out."""
        if media.kind == "video":
            return self._video(media, media_root=media_root, max_width=max_width, quality=quality)
        key = (media.kind, media.url, max_width, quality)
        if key not in self._done:
            self._done[key] = self._store(media, media_root=media_root, max_width=max_width, quality=quality)
        path = self._done[key]
        if path is None:
            return None
        return {"kind": "audio" if media.kind == "audio" else "image", "src": path, "title": media.title,
                "author": media.author, "licence": media.licence}

    def _video(self, media: Media, *, media_root: Path | None, max_width: int, quality: int) -> dict | None:
        """A video in the bundle (``src``, ``mime``, ``poster``) while the budget allows, else a link (``href``)."""
        entry = {"kind": "video", "title": media.title, "author": media.author, "licence": media.licence}
        url = (media.url or "").strip()
        if url.lower().startswith(("http://", "https://")):
            return {**entry, "href": url}
        source = resolve_media(url, media_root)
        if source is None or source.suffix.lower() not in VIDEO_EXTENSIONS:
            self.warnings.append(_("media file not found, left out: {url}", url=url))
            return None
        data = source.read_bytes()
        path = f"media/{hashlib.sha256(data).hexdigest()[:16]}{source.suffix.lower()}"
        if path not in self.files:
            if self.video_bytes + len(data) > self.video_budget_bytes:
                self.warnings.append(_("video left out of the bundle (over its {mb} MB video budget), linked "
                                       "instead: {url}", mb=round(self.video_budget_bytes / 1e6, 1), url=url))
                return {**entry, "href": self.video_link + source.name}
            self.files[path] = data
            self.video_bytes += len(data)
        poster = self.add(Media("image", media.poster), media_root=media_root, max_width=max_width,
                          quality=quality) if media.poster else None
        return {**entry, "src": path, "mime": VIDEO_EXTENSIONS[source.suffix.lower()],
                "poster": poster["src"] if poster else None}

    def _store(self, media: Media, *, media_root: Path | None, max_width: int, quality: int) -> str | None:
        url = (media.url or "").strip()
        if url.lower().startswith(("http://", "https://", "//")):
            self.warnings.append(_("remote media not bundled (download it into the media store first): {url}",
                                   url=url))
            return None
        source = resolve_media(url, media_root)
        if source is None:
            self.warnings.append(_("media file not found, left out: {url}", url=url))
            return None
        data = source.read_bytes()
        suffix = source.suffix.lower()
        if media.kind == "audio":
            if suffix not in AUDIO_EXTENSIONS:
                self.warnings.append(_("unsupported audio format, left out: {url}", url=url))
                return None
            out, ext = data, suffix
        else:
            try:
                out, ext = resize_photo(data, max_width=max_width, quality=quality), ".jpg"
            except ExportError as e:
                self.warnings.append(f"{e}: {url}")
                return None
        path = f"media/{hashlib.sha256(out).hexdigest()[:16]}{ext}"
        self.files[path] = out
        return path


def with_posters(media: list[Media]) -> list[Media]:
    """The media of a POI, each video without a poster of its own given the POI's first photo.

    >>> [m.poster for m in with_posters([Media("video", "media/v.mp4"), Media("image", "media/p.jpg")])]
    ['media/p.jpg', '']
    """
    first = next((m.url for m in media if m.kind == "image"), "")
    return [replace(m, poster=first) if m.kind == "video" and not m.poster else m for m in media]


def single_file_media(entry: dict, inline) -> dict:
    """A media entry of ``trail.json`` as ``trail.html`` carries it: photos and audio inlined (``inline(src)``),
    a video as a link to the bundle folder's copy (a video would make the single file too big to share)."""
    if entry["kind"] == "video":
        return {k: v for k, v in entry.items() if k not in ("src", "poster", "mime")} | {
            "href": entry.get("href") or entry["src"]}
    return dict(entry, src=inline(entry["src"]))


def resolve_media(url: str, media_root: Path | None) -> Path | None:
    """The local file of a media URL: an absolute path, or a path relative to ``media_root``.

    ``media_root`` is the folder of the database (its ``media/`` folder holds the
    content-addressed files); a bare name is also looked up in ``media_root/media``.

    >>> resolve_media("media/nothing.jpg", None) is None
    True
    """
    if not url:
        return None
    path = Path(url[7:] if url.startswith("file://") else url)
    candidates = [path] if path.is_absolute() else []
    if media_root is not None and not path.is_absolute():
        root = Path(media_root)
        candidates += [root / path, root / "media" / path.name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def resize_photo(data: bytes, *, max_width: int = 1280, quality: int = 75) -> bytes:
    """Re-encode a photo as a progressive JPEG at most ``max_width`` pixels wide.

    The EXIF orientation is applied and metadata dropped (:func:`poi.media.strip_metadata`); transparency is
    laid on white. A JPEG that is already narrow enough, smaller than its re-encoding and without any
    metadata segment (only JFIF/Adobe markers) is kept as it was. The photo is measured before it is
    decoded (:func:`poi.media.open_bounded`).

    >>> img = Image.new("RGB", (2000, 1000), "#336699")
    >>> buf = io.BytesIO(); img.save(buf, "PNG")
    >>> Image.open(io.BytesIO(resize_photo(buf.getvalue(), max_width=640))).size
    (640, 320)
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     resize_photo(b"not an image")
    Traceback (most recent call last):
    ...
    exporter.errors.ExportError: not a readable image
    """
    if max_width < 16 or not 1 <= quality <= 95:
        raise ExportError(_("photo width must be at least 16 px and quality between 1 and 95"))
    try:
        with Image.open(io.BytesIO(data)) as probe:  # the header only: is it a JPEG without metadata?
            was_jpeg = probe.format == "JPEG"
            clean = was_jpeg and all(name == "APP0" and body.startswith(b"JFIF\0") or name == "APP14"
                                     for name, body in getattr(probe, "applist", []))
        with open_bounded(data, fit_px=max_width, formats=None) as opened:
            img = strip_metadata(ImageOps.exif_transpose(opened))
    except MediaError as e:
        raise ExportError(str(e)) from e
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise ExportError(_("not a readable image")) from e
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, "#ffffff")
        background.paste(img, mask=img.getchannel("A"))
        img = background
    elif img.mode != "RGB":
        img = img.convert("RGB")
    resized = img.width > max_width
    if resized:
        height = max(1, round(img.height * max_width / img.width))
        img = img.resize((max_width, height), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
    out = buf.getvalue()
    if clean and not resized and len(data) <= len(out):  # kept as it was only with no EXIF, XMP, ICC or COM
        return data
    return out
