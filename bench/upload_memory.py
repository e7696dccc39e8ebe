"""Memory of the server under anonymous feedback photos (issue 10): ``balise serve`` (waitress) on loopback.

Setup: one published circuit (the first of data/cevennes_pnc_93_circuits.schema_randonnee.geojson) in a
temporary database, served by ``balise serve`` in a child process, as in production.

Sent, as a visitor would (the form's CSRF token and cookie, a problem report with a photo):
1. the issue's memory bomb: a 307 KB PNG of 8900 x 8900 RGBA pixels (317 MB once decoded), alone;
2. four of them at once;
3. a real-sized phone photo: an 8000 x 6000 JPEG (48 megapixels, accepted: decoded at half scale).

Printed for each: the HTTP status and the server's resident memory (VmRSS) and peak (VmHWM) before and after,
from /proc. The target of issue 10: one bomb raises the server's memory by less than 250 MB.
Run: ``python3 bench/upload_memory.py``. It prints figures; it asserts nothing.
"""
from __future__ import annotations

import http.client
import io
import os
import re
import struct
import sys
import tempfile
import threading
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web_load import free_port, start_server  # noqa: E402

TARGET_MB = 250


def bomb_png(side: int = 8900) -> bytes:
    """A PNG of ``side`` x ``side`` transparent RGBA pixels, compressed row by row (never held decoded)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, parts, row = zlib.compressobj(9), [], b"\0" * (1 + 4 * side)
    for _ in range(side):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))


def phone_jpeg() -> bytes:
    """An 8000 x 6000 JPEG: the real photo of tests/data/bundle scaled up (a 48-megapixel phone's size)."""
    from PIL import Image

    with Image.open(ROOT / "tests" / "data" / "bundle" / "photo_720px_f3-discovery-board.jpg") as img:
        big = img.convert("RGB").resize((8000, 6000))
    out = io.BytesIO()
    big.save(out, "JPEG", quality=85)
    return out.getvalue()


def build_db(folder: Path) -> tuple[Path, int]:
    from poi.store import open_db
    from trails.assembly import measure
    from trails.schema_randonnee import read_circuits
    from trails.store import TrailStore
    from webapp.schema import COMPONENTS

    path = folder / "balise.db"
    db = open_db(path, COMPONENTS)
    trail = next(iter(read_circuits(ROOT / "data" / "cevennes_pnc_93_circuits.schema_randonnee.geojson")))
    trail.published = True
    trail_id = TrailStore(db).save(measure(trail))
    db.conn.close()
    return path, trail_id


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) / 1024 for k in ("VmRSS", "VmHWM"))


def send_photo(port: int, trail_id: int, photo: bytes, name: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", f"/trails/{trail_id}/feedback")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    boundary = "balisebench"
    fields = {"csrf_token": token, "kind": "problem", "problem": "other", "comment": "Panneau arraché au col"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
             f"Content-Type: application/octet-stream\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    conn.request("POST", f"/trails/{trail_id}/feedback", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def main() -> None:
    bomb, jpeg = bomb_png(), phone_jpeg()
    print(f"inputs: bomb PNG 8900x8900 RGBA {len(bomb) / 1024:.0f} KB; phone JPEG 8000x6000 {len(jpeg) / 1024:.0f} KB")
    with tempfile.TemporaryDirectory() as tmp:
        db_path, trail_id = build_db(Path(tmp))
        port = free_port()
        os.environ["BALISE_FEEDBACK_MAX_PER_HOUR"] = "100"  # every post from 127.0.0.1: lift the rate limit
        server = start_server(db_path, port)
        try:
            for label, photos in (("one bomb", [bomb]), ("four bombs at once", [bomb] * 4),
                                  ("one 48 MP phone JPEG", [jpeg])):
                rss0, peak0 = memory_mb(server.pid)
                statuses = []
                threads = [threading.Thread(target=lambda p=p, i=i: statuses.append(
                    send_photo(port, trail_id, p, f"photo{i}.{'png' if p is bomb else 'jpg'}")))
                    for i, p in enumerate(photos)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                rss1, peak1 = memory_mb(server.pid)
                print(f"{label:22} statuses {sorted(statuses)}; RSS {rss0:.0f} -> {rss1:.0f} MB "
                      f"(+{rss1 - rss0:.0f}); peak {peak0:.0f} -> {peak1:.0f} MB (+{peak1 - peak0:.0f} MB"
                      f"{', target < %d MB: %s' % (TARGET_MB, 'OK' if peak1 - peak0 < TARGET_MB else 'MISSED') if label == 'one bomb' else ''})")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
