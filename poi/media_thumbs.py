"""Thumbnails of stored photos: the small pictures of the catalogue's cards.

A thumbnail is made once from a photo of the media store (:class:`poi.media.MediaStore`) and kept
beside it as ``thumbs/<sha256>_w<width>.webp``: named by the stored photo's content hash, so the same
photo gives the same file whoever asks, a changed photo a new one, and nothing of the name comes from
user input. It is at most ``width`` pixels wide (never enlarged), WebP at quality
:data:`THUMB_QUALITY`, without any metadata (:func:`poi.media.strip_metadata`: no EXIF, GPS or XMP),
and written atomically (a reader never sees half a file).

>>> import io, tempfile
>>> from PIL import Image, ImageDraw, ImageFont
>>> folder = Path(tempfile.mkdtemp())
>>> store = MediaStore(folder / "media")
>>> photo = io.BytesIO(); Image.new("RGB", (1200, 800), "#a05a2c").save(photo, "JPEG")
>>> stored = store.add_file(photo.getvalue())
>>> thumb = thumbnail(store, stored.url)
>>> (thumb.width, thumb.height), thumb.path.name == f"{stored.sha256}_w400.webp"
((400, 267), True)
>>> thumbnail(store, stored.url).path.stat().st_mtime == thumb.path.stat().st_mtime  # made once
True
>>> import shutil; shutil.rmtree(folder)
"""
from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from poi.i18n import gettext as _
from poi.media import MediaError, MediaStore, open_bounded, strip_metadata

#: Width (pixels) of the catalogue cards' thumbnails: sharp in a card up to 200 CSS px on a 2x screen.
THUMB_WIDTH = 400
#: WebP quality of thumbnails (a 400 x 265 photo weighs ~15-25 KB).
THUMB_QUALITY = 70
#: Width (pixels) of a video's poster made from a photo (the POI page's video box is rarely wider).
POSTER_WIDTH = 800
#: The widths anyone may ask for (nothing is resized on demand to any other).
THUMB_WIDTHS = (THUMB_WIDTH, POSTER_WIDTH)
#: ``thumbs/`` file names: a stored photo's SHA-256 and the width, or a stored video's SHA-256 and ``poster``.
THUMB_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})_(?:w(?P<width>[0-9]{2,4})|(?P<poster>poster))\.webp$")
_PHOTO_SUFFIXES = (".jpg", ".png", ".webp")
_VIDEO_SUFFIXES = (".mp4", ".webm")


@dataclass(slots=True)
class Thumbnail:
    """A thumbnail file and its size in pixels (for the ``width``/``height`` of its ``<img>``)."""

    path: Path
    width: int
    height: int


def thumbnail(store: MediaStore, url: str, width: int = THUMB_WIDTH) -> Thumbnail:
    """The thumbnail of the stored photo ``url`` (``media/<sha256>.<ext>``), made on first use.

    Raises :class:`poi.media.MediaError` when ``url`` is not a photo of ``store``.
    """
    source = store.path_of(url)
    if source is None or source.suffix not in _PHOTO_SUFFIXES:
        raise MediaError(_("no stored photo {url}; run balise media import first", url=url))
    if not 16 <= width <= 2000:
        raise MediaError(_("photo width must be at least 16 px and quality between 1 and 95"))
    target = store.root / "thumbs" / f"{source.stem}_w{width}.webp"
    if target.is_file():
        with Image.open(target) as img:  # reads the header only
            return Thumbnail(target, img.width, img.height)
    with open_bounded(source.read_bytes(), fit_px=width) as img:
        if img.width > width:
            img = img.resize((width, max(1, round(img.height * width / img.width))), Image.Resampling.LANCZOS)
        img = strip_metadata(img)
        img = img.convert("RGBA" if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info else "RGB")
        out = io.BytesIO()
        img.save(out, "WEBP", quality=THUMB_QUALITY, method=4)
        size = img.size
    _write(target, out.getvalue())
    return Thumbnail(target, *size)


def _write(target: Path, data: bytes) -> None:
    """Write atomically: a reader never sees half a file; two threads never share a temporary file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(f".{threading.get_ident()}.part")
    part.write_bytes(data)
    part.replace(target)


def title_card(store: MediaStore, video_url: str, *, width: int | None = None, height: int | None = None,
               duration_s: float | None = None) -> Thumbnail:
    """The poster of a video that has no photo to show: a dark frame of the video's shape (640 px wide) with
    a play sign and the duration, made once (``thumbs/<video sha256>_poster.webp``).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()); (folder / "media").mkdir()
    >>> _ = (folder / "media" / ("a" * 64 + ".mp4")).write_bytes(b"...")
    >>> card = title_card(MediaStore(folder / "media"), "media/" + "a" * 64 + ".mp4", width=1920, height=1080,
    ...                   duration_s=95)
    >>> card.path.name.endswith("_poster.webp"), (card.width, card.height)
    (True, (640, 360))
    >>> import shutil; shutil.rmtree(folder)
    """
    source = store.path_of(video_url)
    if source is None or source.suffix not in _VIDEO_SUFFIXES:
        raise MediaError(_("not an MP4 or WebM video"))
    target = store.root / "thumbs" / f"{source.stem}_poster.webp"
    if target.is_file():
        with Image.open(target) as img:
            return Thumbnail(target, img.width, img.height)
    w = 640
    h = max(90, min(1280, round(w * height / width))) if width and height else 360
    img = Image.new("RGB", (w, h), "#23343f")
    draw = ImageDraw.Draw(img)
    r = min(w, h) // 6
    cx, cy = w // 2, h // 2
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill="#f4f1ea")
    draw.polygon([(cx - r // 3, cy - r // 2), (cx - r // 3, cy + r // 2), (cx + r // 2, cy)], fill="#23343f")
    if duration_s:
        minutes, seconds = divmod(round(duration_s), 60)
        font = ImageFont.load_default(size=max(14, h // 12))
        draw.text((w - 16, 12), f"{minutes}:{seconds:02d}", fill="#f4f1ea", font=font, anchor="rt")  # above the controls
    out = io.BytesIO()
    img.save(out, "WEBP", quality=THUMB_QUALITY, method=4)
    _write(target, out.getvalue())
    return Thumbnail(target, w, h)


__all__ = ["POSTER_WIDTH", "THUMB_NAME", "THUMB_QUALITY", "THUMB_WIDTH", "THUMB_WIDTHS", "Thumbnail", "thumbnail",
           "title_card"]
