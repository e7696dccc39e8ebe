"""Audio guides recognised by their magic bytes (MP3, Ogg, WAV, M4A) and their duration read from the headers
(WAV: :mod:`wave`; MP3: the first frame header and a Xing/Info frame count, else the constant bit rate; Ogg: the
last page's granule position over the Vorbis/Opus sample rate; M4A: ``mvhd``). Pure: no storage, no Pillow;
:mod:`poi.media` stores the files.
"""
from __future__ import annotations

import io
import struct
import wave


# -- detection ------------------------------------------------------------------------
def sniff_audio(data: bytes) -> str | None:
    """The audio type of some bytes from their magic numbers, else None.

    >>> sniff_audio(b"RIFF\\x24\\x00\\x00\\x00WAVEfmt "), sniff_audio(b"OggS\\x00\\x02"), sniff_audio(b"ID3\\x04")
    ('wav', 'ogg', 'mp3')
    >>> sniff_audio(b"\\x00\\x00\\x00\\x20ftypM4A "), sniff_audio(b"\\xff\\xfb\\x90\\x00"), sniff_audio(b"GIF89a")
    ('m4a', 'mp3', None)
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0
                              and (data[1] & 0x06) != 0):
        return "mp3"
    if data[4:8] == b"ftyp" and data[8:11] in (b"M4A", b"M4B", b"mp4", b"iso", b"dash"):
        return "m4a"
    return None


def audio_duration_s(data: bytes, kind: str) -> float | None:
    """Duration in seconds read from the headers; None when they do not say.

    >>> buf = io.BytesIO()
    >>> with wave.open(buf, "wb") as w:
    ...     w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000); w.writeframes(b"\\0\\0" * 12000)
    >>> audio_duration_s(buf.getvalue(), "wav")
    1.5
    """
    try:
        if kind == "wav":
            with wave.open(io.BytesIO(data)) as w:
                return round(w.getnframes() / w.getframerate(), 3)
        if kind == "mp3":
            return _mp3_duration_s(data)
        if kind == "ogg":
            return _ogg_duration_s(data)
        if kind == "m4a":
            return _mp4_duration_s(data)
    except (wave.Error, EOFError, struct.error, ZeroDivisionError, ValueError):
        return None
    return None


_MP3_BITRATES = {  # kbit/s by (MPEG-1?, layer III)
    True: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    False: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
_MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def _mp3_duration_s(data: bytes) -> float | None:
    """MP3 (layer III): frames x samples per frame / rate from a Xing/Info header, else CBR size / bit rate."""
    start = 0
    if data[:3] == b"ID3":  # skip the ID3v2 tag (synch-safe size)
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        start = 10 + size
    i = data.find(b"\xff", start)
    while 0 <= i < len(data) - 4:
        b1, b2, b3 = data[i + 1], data[i + 2], data[i + 3]
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        br_index, sr_index = b2 >> 4, (b2 >> 2) & 3
        if (b1 & 0xE0) == 0xE0 and version != 1 and layer == 1 and 0 < br_index < 15 and sr_index < 3:
            mpeg1 = version == 3
            rate = _MP3_RATES[version][sr_index]
            per_frame = 1152 if mpeg1 else 576
            mono = (b3 >> 6) == 3
            side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
            tag = data[i + 4 + side:i + 8 + side]
            if tag in (b"Xing", b"Info"):
                flags = struct.unpack(">I", data[i + 8 + side:i + 12 + side])[0]
                if flags & 1:
                    frames = struct.unpack(">I", data[i + 12 + side:i + 16 + side])[0]
                    return round(frames * per_frame / rate, 3)
            bitrate = _MP3_BITRATES[mpeg1][br_index] * 1000
            return round((len(data) - i) * 8 / bitrate, 3)
        i = data.find(b"\xff", i + 1)
    return None


def _ogg_duration_s(data: bytes) -> float | None:
    """Ogg Vorbis/Opus: granule position of the last page over the sample rate (Opus: 48 kHz, minus pre-skip)."""
    head = data.find(b"\x01vorbis")
    if head >= 0:
        rate, skip = struct.unpack("<I", data[head + 12:head + 16])[0], 0
    else:
        head = data.find(b"OpusHead")
        if head < 0:
            return None
        rate, skip = 48000, struct.unpack("<H", data[head + 10:head + 12])[0]
    last = data.rfind(b"OggS")
    if last < 0 or rate == 0:
        return None
    granule = struct.unpack("<q", data[last + 6:last + 14])[0]
    return round(max(granule - skip, 0) / rate, 3)


def _mp4_duration_s(data: bytes) -> float | None:
    """MPEG-4 audio: timescale and duration of the ``mvhd`` box."""
    i = data.find(b"mvhd")
    if i < 0:
        return None
    version = data[i + 4]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[i + 24:i + 36])
    else:
        timescale, duration = struct.unpack(">II", data[i + 16:i + 24])
    return round(duration / timescale, 3)
