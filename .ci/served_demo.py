"""CI check: the demo a wheel serves answers as a visitor needs it (standard library only).

    python3 .ci/served_demo.py http://127.0.0.1:PORT [--wait 90]

Waits (bounded) for the server to answer, then fetches the catalogue, the first circuit's
page, every static file that page and the catalogue load, the circuit's GPX and its offline
bundle (shell, every file the shell loads, ``trail.json``). Each must answer 200 with the
content it should have; the first failure is printed on stderr and the exit status is 1.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
import urllib.error
import urllib.request
from xml.etree import ElementTree

TYPES = {".css": "text/css", ".js": "javascript", ".png": "image/png", ".webmanifest": "json"}


class Failed(Exception):
    pass


def get(url: str, kind: str) -> tuple[bytes, str]:
    """Body and content type of a 200 answer whose type contains ``kind``."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            body, ctype, status = r.read(), r.headers.get("Content-Type", ""), r.status
    except urllib.error.HTTPError as e:
        raise Failed(f"{url}: HTTP {e.code}") from e
    if status != 200 or kind not in ctype:
        raise Failed(f"{url}: HTTP {status} {ctype!r}, expected 200 and {kind!r}")
    if not body:
        raise Failed(f"{url}: empty body")
    return body, ctype


def page(url: str) -> str:
    return get(url, "text/html")[0].decode("utf-8")


def links(text: str, pattern: str) -> list[str]:
    """The src/href values of ``text`` that match ``pattern``, in order, once each."""
    found = re.findall(r'(?:src|href)="([^"]+)"', text)
    return list(dict.fromkeys(html.unescape(u) for u in found if re.match(pattern, u)))


def asset(url: str) -> None:
    """A static file: 200, the content type of its extension, and content of that kind."""
    path = url.split("?", 1)[0]
    ext = next((e for e in TYPES if path.endswith(e)), None)
    body, _ = get(url, TYPES[ext] if ext else "")
    if ext == ".png" and not body.startswith(b"\x89PNG"):
        raise Failed(f"{url}: not a PNG")
    if ext == ".webmanifest":
        json.loads(body)
    if path.endswith("leaflet.js") and b"Leaflet" not in body[:2000]:
        raise Failed(f"{url}: not Leaflet")


def wait(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise Failed(f"{base}/ did not answer within {seconds:.0f} s") from None
            time.sleep(0.5)


def check(base: str) -> list[str]:
    """Every check in turn; returns one line a URL checked."""
    seen = []
    listing = json.loads(get(f"{base}/api/trails?limit=1", "json")[0])
    first = listing["trails"][0]
    tid, name = first["id"], first["name"]
    catalogue = page(f"{base}/")
    if f"{listing['total']} circuits" not in catalogue or f'href="/trails/{tid}"' not in catalogue:
        raise Failed(f"{base}/: no '{listing['total']} circuits' heading or no link to circuit {tid}")
    seen.append(f"/ ({listing['total']} circuits)")
    circuit = page(f"{base}/trails/{tid}")
    if name not in html.unescape(circuit) or f'href="/trails/{tid}.gpx"' not in circuit:
        raise Failed(f"{base}/trails/{tid}: the page does not name {name!r} or link its GPX")
    seen.append(f"/trails/{tid} ({name})")
    statics = links(catalogue + circuit, r"/(static|vendor)/")
    if not any(u.endswith(".css") for u in statics) or not any(u.endswith(".js") for u in statics):
        raise Failed(f"{base}/trails/{tid}: loads no stylesheet or no script: {statics}")
    for url in statics:
        asset(base + url)
        seen.append(url)
    gpx = ElementTree.fromstring(get(f"{base}/trails/{tid}.gpx", "gpx")[0])
    points = gpx.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
    if len(points) < 2:
        raise Failed(f"{base}/trails/{tid}.gpx: {len(points)} track points")
    seen.append(f"/trails/{tid}.gpx ({len(points)} points)")
    bundle = f"{base}/trails/{tid}/bundle/"
    shell = page(bundle)
    files = links(shell, r"(?![a-z]+:|/|#)")
    for needed in ("engine.js", "app.js", "manifest.webmanifest"):
        if needed not in files:
            raise Failed(f"{bundle}: the shell does not load {needed}: {files}")
    for f in files:
        asset(bundle + f)
    seen.append(f"/trails/{tid}/bundle/ + {len(files)} files")
    data = json.loads(get(bundle + "trail.json", "json")[0])
    if data.get("id") != tid or data.get("name") != name or not data.get("segments"):
        raise Failed(f"{bundle}trail.json: not the data of circuit {tid} {name!r}")
    seen.append(f"/trails/{tid}/bundle/trail.json")
    return seen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the server's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--wait", type=float, default=90.0, help="seconds to wait for the server to answer")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    try:
        wait(base, args.wait)
        seen = check(base)
    except Failed as e:
        print(f"served demo: {e}", file=sys.stderr)
        return 1
    print("served demo: 200 and the right content for " + ", ".join(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
