"""Content-addressed media store: photos and audio guides, named by their SHA-256.

Files live in one folder beside the database (by default ``media/`` next to the
db file, so the URL ``media/<sha256>.<ext>`` is the file's path relative to the
db folder, which is how the bundle exporter resolves it). A file's name is the
SHA-256 of the stored bytes and an extension chosen from the detected type,
never from user input.

* Photos: the type is checked by content (Pillow must open it; JPEG, PNG and
  WebP only); the EXIF orientation is applied (``ImageOps.exif_transpose``), all
  metadata (EXIF, GPS position, XMP, ICC comments) is dropped, and the photo is
  stored no larger than :data:`WEB_MAX_PX` (1600 px) on its long side: JPEG
  quality 85 for photos, PNG for images with transparency. :meth:`MediaStore.variant`
  makes smaller copies (for offline bundles), cached beside the original.
* Short videos (H.264 MP4, WebM: :mod:`poi.media_video`) are kept byte for byte, measured from
  their container's header (picture size, duration) and size-checked; no transcoding.
* Audio (MP3, Ogg, WAV, M4A, recognised by their magic bytes) is kept byte for
  byte; its duration is read from the headers (WAV: :mod:`wave`; MP3: the first
  frame header and a Xing/Info frame count, else the constant bit rate; Ogg: the
  last page's granule position over the Vorbis/Opus sample rate; M4A: ``mvhd``).
* Size limits (:data:`MAX_PHOTO_BYTES`, :data:`MAX_AUDIO_BYTES`,
  :data:`MAX_PIXELS`) raise :class:`MediaError` with what to do next.

:func:`import_media` moves the POIs' local media (paths or ``file://`` URLs)
into the store and rewrites their URLs to ``media/<sha256>.<ext>``; http(s)
URLs stay references.
"""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from poi.audio import audio_duration_s, sniff_audio
from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.media_video import VideoError, has_video_track, video_info
from poi.store import PoiStore, transaction

#: Longest side of a stored photo (pixels).
WEB_MAX_PX = 1600
#: JPEG quality of stored photos.
WEB_QUALITY = 85
MAX_PHOTO_BYTES = 30 * 1024 * 1024
MAX_AUDIO_BYTES = 100 * 1024 * 1024
#: Largest photo accepted (pixels), well below Pillow's decompression-bomb limit.
MAX_PIXELS = 80_000_000
#: Most memory one photo may take once decoded (width x height x bands, read from the header before decoding;
#: a JPEG is decoded at 1/2, 1/4 or 1/8 scale first when that is enough for :data:`WEB_MAX_PX`).
MAX_DECODED_BYTES = 400 * 1024 * 1024
#: ``img.info`` keys that are not metadata about the picture's owner, place or history (kept when copying).
_HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "adobe", "adobe_transform",
                  "progressive", "progression", "transparency", "gamma", "interlace", "aspect"}

PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
AUDIO_TYPES = {"mp3": "audio/mpeg", "ogg": "audio/ogg", "wav": "audio/wav", "m4a": "audio/mp4"}


class MediaError(BaliseError, ValueError):
    """A media file is not a supported photo or audio file, or is too large."""


@dataclass(slots=True)
class StoredMedia:
    """One file of the media store."""

    sha256: str
    path: Path
    kind: str  # "image", "audio" or "video"
    mime: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    bytes: int = 0

    @property
    def url(self) -> str:
        """The URL POIs use: ``media/<sha256>.<ext>`` (relative to the database folder)."""
        return f"media/{self.path.name}"


@dataclass(slots=True)
class MediaReport:
    """What :func:`import_media` did."""

    stored: int = 0  # files added to the store
    reused: int = 0  # files already in the store
    remote: int = 0  # http(s) references left as they are
    pois: int = 0  # POIs whose media URLs were rewritten
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people.

        >>> from poi.i18n import language
        >>> with language("en"):
        ...     MediaReport(stored=2, remote=1, pois=1).summary()
        '2 stored, 0 already stored, 1 remote links kept, 1 POIs updated'
        """
        line = _("{stored} stored, {reused} already stored, {remote} remote links kept, {pois} POIs updated",
                 stored=self.stored, reused=self.reused, remote=self.remote, pois=self.pois)
        return line + (_("; {n} problems", n=len(self.problems)) if self.problems else "")


def open_bounded(data: bytes, *, max_pixels: int | None = None, max_decoded_bytes: int | None = None,
                 fit_px: int | None = None, formats=PHOTO_FORMATS) -> Image.Image:
    """Open a photo and decode it only when its header says it fits the limits (:class:`MediaError` if not).

    The pixel count and the decoded size (width x height x bands) are read from the header, before any pixel
    is decoded; a JPEG is then decoded at the smallest scale still at least ``fit_px`` on both sides
    (:meth:`PIL.Image.Image.draft`), so a 48-megapixel phone photo costs a quarter of its full size.
    ``formats``: the Pillow formats accepted (None: any it reads). The limits default to :data:`MAX_PIXELS`
    and :data:`MAX_DECODED_BYTES`.
    A 307 KB PNG of 8900 x 8900 RGBA pixels is refused here, without the 317 MB its pixels would take.

    >>> big = io.BytesIO(); Image.new("L", (4000, 3000)).save(big, "PNG")
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     open_bounded(big.getvalue(), max_decoded_bytes=10_000_000)
    Traceback (most recent call last):
    poi.media.MediaError: photo of 4000x3000 pixels takes 12 MB once decoded, over the 10 MB limit; resize it first
    """
    max_pixels, max_decoded_bytes = max_pixels or MAX_PIXELS, max_decoded_bytes or MAX_DECODED_BYTES
    try:
        img = Image.open(io.BytesIO(data))
        if formats is not None and img.format not in formats:
            img.close()
            raise MediaError(_("{format} images are not accepted: use JPEG, PNG or WebP", format=img.format))
        width, height = img.size
        if width * height > max_pixels:
            img.close()
            raise MediaError(_("photo of {w}x{h} pixels is too large; resize it under {mp} megapixels",
                               w=width, h=height, mp=max_pixels // 1_000_000))
        if img.format == "JPEG" and fit_px:
            img.draft(img.mode, (fit_px, fit_px))  # decode at 1/2, 1/4 or 1/8 scale when that is enough
        decoded = img.width * img.height * len(img.getbands())
        if decoded > max_decoded_bytes:
            img.close()
            raise MediaError(_("photo of {w}x{h} pixels takes {mb} MB once decoded, over the {limit} MB limit; "
                               "resize it first", w=width, h=height, mb=round(decoded / 1e6),
                               limit=round(max_decoded_bytes / 1e6)))
        img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as e:
        if isinstance(e, MediaError):
            raise
        raise MediaError(_("not a JPEG, PNG or WebP photo nor an MP3, Ogg, WAV or M4A audio file")) from e
    return img


def strip_metadata(img: Image.Image) -> Image.Image:
    """The picture without its metadata (EXIF, GPS, XMP, comments, text chunks); colours moved to sRGB first
    when it carries an ICC profile (then dropped), so nothing about the camera, place or author is kept.

    >>> img = Image.new("RGB", (4, 4)); img.info.update(comment=b"secret", exif=b"Exif", xmp=b"<x/>", dpi=(72, 72))
    >>> sorted(strip_metadata(img).info)
    ['dpi']
    """
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "RGBA"):
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            img = ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode=img.mode)
        except (OSError, ValueError, ImageCms.PyCMSError):
            pass  # a broken profile: keep the pixels as they are
    img.info = {k: v for k, v in img.info.items() if k in _HARMLESS_INFO}
    return img


def _encode_photo(img: Image.Image, max_px: int, quality: int, fmt: str) -> tuple[bytes, str, int, int]:
    """At most ``max_px`` on the long side, orientation applied, metadata dropped; (bytes, ext, w, h)."""
    if max(img.size) > max_px:
        img.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)  # first: the steps below copy a small image
    img = strip_metadata(ImageOps.exif_transpose(img))
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    out = io.BytesIO()
    if has_alpha and fmt != "JPEG":
        img = img.convert("RGBA")
        if fmt == "WEBP":
            img.save(out, "WEBP", quality=quality, method=4)
            ext = "webp"
        else:
            img.save(out, "PNG", optimize=True)
            ext = "png"
    else:
        img = img.convert("RGB")
        img.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        ext = "jpg"
    return out.getvalue(), ext, img.width, img.height


def _read(path_or_bytes: str | os.PathLike | bytes) -> bytes:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes)
    path = Path(path_or_bytes)
    if not path.is_file():
        raise MediaError(_("{path}: no such media file", path=path))
    size = path.stat().st_size
    if size > max(MAX_PHOTO_BYTES, MAX_AUDIO_BYTES):
        raise MediaError(_("{path} is {size} MB, larger than any media Balise accepts; compress it first",
                           path=path, size=size // (1024 * 1024)))
    return path.read_bytes()


class MediaStore:
    """A folder of content-addressed media files, recorded in the database.

    Parameters
    ----------
    root : the folder (created when needed).
    db : the Balise database (or a PoiStore), where each file's type, size and
        origin are recorded; optional for a store used without a database.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> photo = io.BytesIO(); Image.new("RGB", (3200, 1800), "#a05a2c").save(photo, "PNG")
    >>> m = MediaStore(folder / "media").add_file(photo.getvalue())
    >>> m.kind, m.mime, (m.width, m.height), m.path.name == m.sha256 + ".jpg"
    ('image', 'image/jpeg', (1600, 900), True)
    >>> m.url == f"media/{m.sha256}.jpg"
    True
    >>> import shutil; shutil.rmtree(folder)
    """

    def __init__(self, root: str | os.PathLike, db=None):
        self.root = Path(root)
        self.store = None if db is None else (db if isinstance(db, PoiStore) else PoiStore(db))

    @classmethod
    def for_db(cls, db_path: str | os.PathLike, db=None) -> "MediaStore":
        """The media store of a database file: the ``media/`` folder beside it."""
        if str(db_path) == ":memory:":
            raise MediaError(_("an in-memory database has no media folder; give one with --media-dir"))
        return cls(Path(db_path).resolve().parent / "media", db)

    def path_of(self, url: str) -> Path | None:
        """The stored file of a ``media/<sha256>.<ext>`` URL, if it is in this store."""
        name = Path(url).name
        if url.startswith("media/") and len(name.split(".")[0]) == 64:
            candidate = self.root / name
            return candidate if candidate.is_file() else None
        return None

    def add_file(self, path_or_bytes: str | os.PathLike | bytes, *, kind: str | None = None,
                 max_pixels: int | None = None, max_decoded_bytes: int | None = None) -> StoredMedia:
        """Store a photo or an audio file; the same content is stored once.

        ``kind`` ("image" or "audio") is checked against the content when given. A photo is measured from its
        header before it is decoded (``max_pixels``, ``max_decoded_bytes``: see :func:`open_bounded`).
        Raises :class:`MediaError` for an unsupported or oversized file; then nothing is written.
        """
        data = _read(path_or_bytes)
        original = hashlib.sha256(data).hexdigest()
        if self.store is not None:
            known = self.store.media_records.media_by_original(original)
            if known and (self.root / f"{known['sha256']}.{known['ext']}").is_file():
                return self._stored(known)
        audio = sniff_audio(data)
        if kind in (None, "video") and has_video_track(data):  # before audio: an MP4 may be either
            record = self._video(data)
        elif kind == "video":
            raise MediaError(_("not an MP4 or WebM video"))
        elif audio and kind in (None, "audio"):
            record = self._audio(data, audio)
        elif kind == "audio":
            raise MediaError(_("not an MP3, Ogg, WAV or M4A audio file"))
        else:
            record = self._photo(data, max_pixels, max_decoded_bytes)
        out = record.pop("data")
        record.update(sha256=hashlib.sha256(out).hexdigest(), bytes=len(out), original_sha256=original)
        target = self.root / f"{record['sha256']}.{record['ext']}"
        if not target.is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".part")
            tmp.write_bytes(out)
            tmp.replace(target)  # atomic: a reader never sees half a file
        if self.store is not None:
            with transaction(self.store.db):
                self.store.media_records.save_media(record)
        return self._stored(record)

    def _audio(self, data: bytes, audio: str) -> dict:
        if len(data) > MAX_AUDIO_BYTES:
            raise MediaError(_("audio file of {size} MB is over the {limit} MB limit; compress it first",
                               size=len(data) // (1024 * 1024), limit=MAX_AUDIO_BYTES // (1024 * 1024)))
        return {"data": data, "ext": audio, "kind": "audio", "mime": AUDIO_TYPES[audio], "width": None,
                "height": None, "duration_s": audio_duration_s(data, audio)}

    def _video(self, data: bytes) -> dict:
        """A video is kept byte for byte once its header says browsers play it (:mod:`poi.media_video`)."""
        try:
            info = video_info(data)
        except VideoError as e:
            raise MediaError(str(e)) from e
        return {"data": data, "ext": info.container, "kind": "video", "mime": info.mime, "width": info.width,
                "height": info.height, "duration_s": info.duration_s}

    def _photo(self, data: bytes, max_pixels: int | None, max_decoded_bytes: int | None) -> dict:
        if len(data) > MAX_PHOTO_BYTES:
            raise MediaError(_("photo of {size} MB is over the {limit} MB limit; export a smaller JPEG first",
                               size=len(data) // (1024 * 1024), limit=MAX_PHOTO_BYTES // (1024 * 1024)))
        with open_bounded(data, max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes,
                          fit_px=WEB_MAX_PX) as img:
            try:
                out, ext, width, height = _encode_photo(img, WEB_MAX_PX, WEB_QUALITY, img.format)
            except (OSError, ValueError) as e:
                raise MediaError(_("not a JPEG, PNG or WebP photo nor an MP3, Ogg, WAV or M4A audio file")) from e
        mime = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[ext]
        return {"data": out, "ext": ext, "kind": "image", "mime": mime, "width": width, "height": height,
                "duration_s": None}

    def _stored(self, record: dict) -> StoredMedia:
        return StoredMedia(sha256=record["sha256"], path=self.root / f"{record['sha256']}.{record['ext']}",
                           kind=record["kind"], mime=record["mime"], width=record["width"],
                           height=record["height"], duration_s=record["duration_s"], bytes=record["bytes"])

    def variant(self, sha256: str, max_width: int, quality: int = 75) -> Path:
        """A JPEG copy of a stored photo at most ``max_width`` px wide (cached as ``variants/``).

        Raises :class:`MediaError` when the photo is not in the store or the
        parameters are out of range (width >= 16 px, quality 1-95).
        """
        if max_width < 16 or not 1 <= quality <= 95:
            raise MediaError(_("photo width must be at least 16 px and quality between 1 and 95"))
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise MediaError(_("not a media id: {sha}", sha=sha256))
        sources = [p for p in self.root.glob(f"{sha256}.*") if p.suffix in (".jpg", ".png", ".webp")]
        if not sources:
            raise MediaError(_("no stored photo {sha}; run balise media import first", sha=sha256))
        target = self.root / "variants" / f"{sha256}_w{max_width}_q{quality}.jpg"
        if not target.is_file():
            with Image.open(sources[0]) as img:
                img.load()
                if img.width > max_width:
                    img = img.resize((max_width, max(1, round(img.height * max_width / img.width))),
                                     Image.Resampling.LANCZOS)
                out = io.BytesIO()
                background = Image.new("RGB", img.size, "white")
                if img.mode in ("RGBA", "LA"):
                    background.paste(img, mask=img.getchannel("A"))
                else:
                    background.paste(img.convert("RGB"))
                background.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(out.getvalue())
        return target


def _local_path(url: str, base: Path | None) -> Path | None:
    """The local file a media URL names (absolute path, ``file://`` URL, or relative to ``base``)."""
    if url.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(url).path))
    path = Path(url)
    if path.is_absolute():
        return path
    return base / path if base is not None else None


def import_media(db, media_store: MediaStore, poi_ids=None, *, base: str | os.PathLike | None = None
                 ) -> MediaReport:
    """Move the POIs' local media into the store and point the POIs at the stored files.

    Local media are absolute paths, ``file://`` URLs, or paths relative to
    ``base`` (default: the media store's parent folder, i.e. the database
    folder). Each is added with :meth:`MediaStore.add_file` and the POI's media
    URL becomes ``media/<sha256>.<ext>``; http(s) URLs are left as references;
    a file that is missing or refused is reported and left as it was. Running
    it again changes nothing.

    Parameters
    ----------
    db : sqlite_utils.Database or PoiStore
    media_store : where files go.
    poi_ids : only these POIs (default: every POI).
    """
    store = db if isinstance(db, PoiStore) else PoiStore(db)
    if media_store.store is None:
        media_store.store = store
    root = Path(base) if base is not None else media_store.root.parent
    report = MediaReport()
    pois = store.get_many(poi_ids) if poi_ids is not None else store.all()
    for poi in pois:
        renamed: dict[str, str] = {}
        for m in poi.media:
            url = (m.url or "").strip()
            if url.lower().startswith(("http://", "https://", "//")):
                report.remote += 1
                continue
            if media_store.path_of(url) is not None:
                continue  # already stored
            path = _local_path(url, root)
            if path is None or not path.is_file():
                report.problems.append(_("POI {id}: media file not found: {url}", id=poi.id, url=url))
                continue
            try:
                known = store.media_records.media_by_original(hashlib.sha256(path.read_bytes()).hexdigest())
                stored = media_store.add_file(path, kind=m.kind if m.kind in ("audio", "video") else None)
            except MediaError as e:
                report.problems.append(_("POI {id}: {url}: {reason}", id=poi.id, url=url, reason=str(e)))
                continue
            if known and stored.sha256 == known["sha256"]:
                report.reused += 1
            else:
                report.stored += 1
            renamed[m.url] = stored.url
        if renamed:
            store.media_records.rename_media(poi.id, renamed)
            report.pois += 1
    return report
