"""A bundle's files as one zip (one folder inside), each member deflated once per content.

Every circuit's bundle holds the same Leaflet, scripts and styles: a :class:`DeflateCache` shared by
the zips of one publish deflates them once instead of once per circuit (``balise publish`` writes a
``bundle.zip`` per circuit). The bytes are those a ``zipfile`` would write for members dated
2020-01-01 (stable: the same bundle gives the same zip), readable by any unzip tool.

>>> import io, zipfile
>>> data = zip_bytes({"index.html": b"<p>hi</p>" * 50, "app.js": b"1;"}, "boucle")
>>> z = zipfile.ZipFile(io.BytesIO(data))
>>> z.namelist(), z.read("boucle/index.html") == b"<p>hi</p>" * 50, z.testzip()
(['boucle/app.js', 'boucle/index.html'], True, None)
>>> zip_bytes({"a": b"x"}, "f") == zip_bytes({"a": b"x"}, "f")
True
"""
from __future__ import annotations

import hashlib
import struct
import zlib

#: 2020-01-01 00:00 in MS-DOS date and time.
DOS_DATE, DOS_TIME = ((2020 - 1980) << 9) | (1 << 5) | 1, 0
LEVEL = 6


class DeflateCache:
    """content digest -> (crc32, raw deflate stream), for at most ``max_bytes`` of input kept."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024):
        self.entries: dict[bytes, tuple[int, bytes]] = {}
        self.max_bytes, self.kept = max_bytes, 0

    def deflate(self, data: bytes) -> tuple[int, bytes]:
        key = hashlib.sha256(data).digest()
        found = self.entries.get(key)
        if found is None:
            packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
            found = (zlib.crc32(data), packer.compress(data) + packer.flush())
            if self.kept + len(data) <= self.max_bytes:
                self.entries[key] = found
                self.kept += len(data)
        return found


def zip_bytes(files: dict[str, bytes], folder: str, cache: DeflateCache | None = None) -> bytes:
    """The zip of ``files`` (path -> bytes) under ``folder/``, members in path order."""
    cache = cache or DeflateCache(0)
    out, central = bytearray(), bytearray()
    count = 0
    for path in sorted(files):
        data = files[path]
        crc, packed = cache.deflate(data)
        name = f"{folder}/{path}".encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # UTF-8 names
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, DOS_TIME, DOS_DATE, crc, len(packed),
                           len(data), len(name), 0) + name + packed
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, DOS_TIME, DOS_DATE, crc,
                               len(packed), len(data), len(name), 0, 0, 0, 0, 0o100644 << 16, offset) + name
        count += 1
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    return bytes(out)
