"""Thumbnails of stored photos: the small pictures of the catalogue's cards.

A thumbnail is made once from a photo of the media store (:class:`poi.media.MediaStore`) and kept
beside it as ``thumbs/<sha256>_w<width>.webp``: named by the stored photo's content hash, so the same
photo gives the same file whoever asks, a changed photo a new one, and nothing of the name comes from
user input. It is at most ``width`` pixels wide (never enlarged), WebP at quality
:data:`THUMB_QUALITY`, without any metadata (:func:`poi.media.strip_metadata`: no EXIF, GPS or XMP),
and written atomically (a reader never sees half a file).

>>> import io, tempfile
>>> from PIL import Image
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

from PIL import Image

from poi.i18n import gettext as _
from poi.media import MediaError, MediaStore, open_bounded, strip_metadata

#: Width (pixels) of the catalogue cards' thumbnails: sharp in a card up to 200 CSS px on a 2x screen.
THUMB_WIDTH = 400
#: WebP quality of thumbnails (a 400 x 265 photo weighs ~15-25 KB).
THUMB_QUALITY = 70
#: ``thumbs/`` file names: the stored photo's SHA-256 and the width.
THUMB_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})_w(?P<width>[0-9]{2,4})\.webp$")
_PHOTO_SUFFIXES = (".jpg", ".png", ".webp")


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
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(f".{threading.get_ident()}.part")  # two threads never share a temporary file
    part.write_bytes(out.getvalue())
    part.replace(target)
    return Thumbnail(target, *size)


__all__ = ["THUMB_NAME", "THUMB_QUALITY", "THUMB_WIDTH", "Thumbnail", "thumbnail"]
