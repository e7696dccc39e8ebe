"""Short videos of POIs: recognised by their bytes, measured from their container's header, size-checked.

No transcoding and no FFmpeg: a video is accepted when every browser plays it as it is, an MP4 whose
video track is H.264 (``avc1``/``avc3``) or a WebM (VP8, VP9 or AV1), and kept byte for byte by the
media store (:meth:`poi.media.MediaStore.add_file`). Its picture size and duration come from the
container, read in pure Python: MP4 ``moov/mvhd`` (time scale and duration), ``trak/tkhd`` (width and
height, 16.16 fixed point) and ``stsd`` (the codec's four-character code); WebM's EBML ``Info``
(``TimecodeScale``, ``Duration``) and ``Tracks`` (``CodecID``, ``PixelWidth``, ``PixelHeight``).
A video longer than :data:`MAX_VIDEO_SECONDS` or larger than :data:`MAX_VIDEO_BYTES` is refused
with what to do next.

>>> sniff_video(b"\\x00\\x00\\x00\\x18ftypisom\\x00\\x00\\x02\\x00isomiso2"), sniff_video(b"\\x1a\\x45\\xdf\\xa3"), sniff_video(b"ID3")
('mp4', 'webm', None)
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from poi.errors import BaliseError
from poi.i18n import gettext as _

#: Largest video accepted (bytes): a short clip of a site, not a film.
MAX_VIDEO_BYTES = 60 * 1024 * 1024
#: Longest video accepted (seconds), when the container says.
MAX_VIDEO_SECONDS = 300
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
#: Brands of MP4 files that are audio only (the audio store takes those).
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")
_H264 = ("avc1", "avc3")
_WEBM_CODECS = ("V_VP8", "V_VP9", "V_AV1")


class VideoError(BaliseError, ValueError):
    """A video file cannot be read or is not one browsers play (the message says what to do)."""


@dataclass(slots=True)
class VideoInfo:
    """What the container says: ``mp4`` or ``webm``, the video codec, picture size and duration (or None)."""

    container: str
    codec: str
    width: int | None
    height: int | None
    duration_s: float | None

    @property
    def mime(self) -> str:
        return VIDEO_TYPES[self.container]


def sniff_video(data: bytes) -> str | None:
    """``mp4`` or ``webm`` from the first bytes (an ``ftyp`` box that is not audio-only; an EBML header), else None."""
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] not in _AUDIO_BRANDS:
        return "mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def has_video_track(data: bytes) -> bool:
    """Whether the file is an MP4 with a video track (a ``vide`` handler) or a WebM: what the media store
    keeps as a video rather than as audio (an M4A is an MP4 without one).

    >>> has_video_track(b"\\x00\\x00\\x00\\x18ftypisom" + b"hdlr" + bytes(8) + b"soun"), has_video_track(b"\\x1a\\x45\\xdf\\xa3")
    (False, True)
    """
    kind = sniff_video(data)
    return kind == "webm" or (kind == "mp4" and re.search(b"hdlr.{8}vide", data, re.DOTALL) is not None)


def video_info(data: bytes) -> VideoInfo:
    """Read and check a video's header; :class:`VideoError` when it is not a video browsers play as it is."""
    kind = sniff_video(data)
    if kind is None:
        raise VideoError(_("not an MP4 or WebM video"))
    if len(data) > MAX_VIDEO_BYTES:
        raise VideoError(_("video of {size} MB is over the {limit} MB limit; shorten or compress it first",
                           size=len(data) // (1024 * 1024), limit=MAX_VIDEO_BYTES // (1024 * 1024)))
    try:
        info = _mp4(data) if kind == "mp4" else _webm(data)
    except (struct.error, IndexError, ValueError) as e:
        if isinstance(e, VideoError):
            raise
        raise VideoError(_("the {kind} video is damaged (its header cannot be read)", kind=kind.upper())) from e
    if info.duration_s is not None and info.duration_s > MAX_VIDEO_SECONDS:
        raise VideoError(_("video of {seconds} s is longer than {limit} s; keep POI videos short",
                           seconds=round(info.duration_s), limit=MAX_VIDEO_SECONDS))
    return info


# -- MP4 (ISO base media file format) --------------------------------------------------------------------
def _boxes(data: bytes, start: int, end: int):
    """``(type, body_start, body_end)`` of the boxes between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError("box out of bounds")
        yield kind.decode("latin-1"), pos + header, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, kind: str) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)


def _mp4(data: bytes) -> VideoInfo:
    moov = _child(data, 0, len(data), "moov")
    if moov is None:
        raise VideoError(_("the MP4 video has no moov box (an unfinished recording?); export it again"))
    duration_s = None
    if (mvhd := _child(data, *moov, "mvhd")) is not None:
        version = data[mvhd[0]]
        if version == 1:
            scale, duration = struct.unpack_from(">IQ", data, mvhd[0] + 20)
        else:
            scale, duration = struct.unpack_from(">II", data, mvhd[0] + 12)
        duration_s = round(duration / scale, 3) if scale else None
    for kind, start, end in _boxes(data, *moov):
        if kind != "trak":
            continue
        mdia = _child(data, start, end, "mdia")
        hdlr = mdia and _child(data, *mdia, "hdlr")
        if not hdlr or data[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
            continue
        minf = _child(data, *mdia, "minf")
        stbl = minf and _child(data, *minf, "stbl")
        stsd = stbl and _child(data, *stbl, "stsd")
        codec = data[stsd[0] + 12:stsd[0] + 16].decode("latin-1") if stsd else "?"
        if codec not in _H264:
            raise VideoError(_("MP4 video coded as {codec}: browsers need H.264 (or use WebM); convert it first",
                               codec=codec.strip() or "?"))
        width = height = None
        if (tkhd := _child(data, start, end, "tkhd")) is not None:
            width, height = (v >> 16 for v in struct.unpack_from(">II", data, tkhd[1] - 8))
        return VideoInfo("mp4", "h264", width or None, height or None, duration_s)
    raise VideoError(_("the MP4 file has no video track"))


# -- WebM (Matroska's EBML) --------------------------------------------------------------------------------
_SEGMENT, _INFO, _TRACKS, _CLUSTER = 0x18538067, 0x1549A966, 0x1654AE6B, 0x1F43B675


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``pos``: (value, its length); -1 for an "unknown" size."""
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if not 1 <= length <= 8:
        raise ValueError("bad EBML number")
    value = int.from_bytes(data[pos:pos + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (-1 if value == (1 << (7 * length)) - 1 else value), length


def _elements(data: bytes, start: int, end: int):
    """``(id, body_start, body_end)`` of the EBML elements between ``start`` and ``end``."""
    pos = start
    while pos < end:
        eid, n = _vint(data, pos, keep_marker=True)
        size, m = _vint(data, pos + n, keep_marker=False)
        body = pos + n + m
        stop = end if size < 0 else body + size
        yield eid, body, min(stop, end)
        pos = stop


def _uint(data: bytes, start: int, end: int) -> int:
    return int.from_bytes(data[start:end], "big")


def _webm(data: bytes) -> VideoInfo:
    header = next(_elements(data, 0, len(data)))
    doc = next((data[s:e].decode("ascii", "replace") for i, s, e in _elements(data, header[1], header[2])
                if i == 0x4282), "")
    if doc not in ("webm", "matroska"):
        raise VideoError(_("not an MP4 or WebM video"))
    segment = next(((s, e) for i, s, e in _elements(data, header[2], len(data)) if i == _SEGMENT), None)
    if segment is None:
        raise ValueError("no segment")
    scale, duration, codec, width, height = 1_000_000, None, None, None, None
    for eid, start, end in _elements(data, *segment):
        if eid == _INFO:
            for i, s, e in _elements(data, start, end):
                if i == 0x2AD7B1:
                    scale = _uint(data, s, e)
                elif i == 0x4489:
                    duration = struct.unpack(">f" if e - s == 4 else ">d", data[s:e])[0]
        elif eid == _TRACKS:
            for entry in (x for x in _elements(data, start, end) if x[0] == 0xAE):
                fields = {i: (s, e) for i, s, e in _elements(data, entry[1], entry[2])}
                if 0x83 in fields and _uint(data, *fields[0x83]) == 1 and codec is None:
                    codec = data[slice(*fields[0x86])].decode("ascii", "replace") if 0x86 in fields else "?"
                    if 0xE0 in fields:
                        video = {i: (s, e) for i, s, e in _elements(data, *fields[0xE0])}
                        width = _uint(data, *video[0xB0]) if 0xB0 in video else None
                        height = _uint(data, *video[0xBA]) if 0xBA in video else None
        elif eid == _CLUSTER:
            break  # the frames: the header is read
    if codec is None:
        raise VideoError(_("the WebM file has no video track"))
    if codec not in _WEBM_CODECS:
        raise VideoError(_("WebM video coded as {codec}: browsers need VP8, VP9 or AV1; convert it first",
                           codec=codec))
    duration_s = round(duration * scale / 1e9, 3) if duration else None
    return VideoInfo("webm", codec[2:].lower(), width, height, duration_s)


__all__ = ["MAX_VIDEO_BYTES", "MAX_VIDEO_SECONDS", "VIDEO_TYPES", "VideoError", "VideoInfo", "has_video_track",
           "sniff_video",
           "video_info"]
