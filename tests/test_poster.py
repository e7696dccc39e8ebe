"""The trailhead posters of the demo: every one fits its page (texts within the margins, long titles wrapped
and shrunk), lists its numbered story stops by name, draws the offline basemap where the db has map ways,
and prints as a PDF of the right page size whose QR code still decodes (pdftoppm, zbarimg)."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from exporter import poster
from exporter.offline_map import CORRIDOR_M, Corridor
from exporter.poster_text import text_width
from trails.store import TrailStore
from webapp.cli import cli
from webapp.demo import build_demo

from helpers import open_db, require_tool

SVG = "{http://www.w3.org/2000/svg}"
MONACO_VILLE = "Monaco-Ville : du Palais princier au Jardin exotique"
PAGE_PT = {"A4": (595.28, 841.89), "A3": (841.89, 1190.55)}


def url_of(tid: int) -> str:
    return f"https://rando.example.fr/trails/{tid}/bundle/?src=poster"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("poster") / "balise.db"
    db = open_db(path)
    build_demo(db)
    store = TrailStore(db)
    trails = {t.id: (store.get(t.id), store.stops_with_pois(t.id)) for t in store.all()}
    yield db, path, trails
    db.conn.close()


def by_name(trails, name):
    return next((tid, t, s) for tid, (t, s) in trails.items() if t.name == name)


def texts(svg: str) -> list[tuple[float, float, float, float, str]]:
    """(left, top, right, bottom, text) of every <text> of the poster, widths estimated (poster_text)."""
    out = []
    for el in ET.fromstring(svg.encode()).iter(f"{SVG}text"):
        size, x, y, text = float(el.get("font-size")), float(el.get("x")), float(el.get("y")), el.text or ""
        width = text_width(text, size, bold=el.get("font-weight") == "bold")
        left = x - width / 2 if el.get("text-anchor") == "middle" else x
        out.append((left, y - size * 0.8, left + width, y + size * 0.25, text))
    return out


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_every_demo_poster_fits_its_page_and_names_its_story_stops(demo, size):
    _db, _path, trails = demo
    W, H = poster.SIZES_MM[size]
    m = 12 * W / 210
    for tid, (trail, stops) in trails.items():
        svg = poster.export(trail, stops, url=url_of(tid), size=size)
        boxes = texts(svg)
        outside = [b for b in boxes if b[0] < m - 0.01 or b[2] > W - m + 0.01 or b[1] < 0 or b[3] > H]
        assert not outside, (trail.name, outside)
        joined = " ".join(b[4] for b in boxes)
        assert trail.name in joined or " ".join(trail.name.split()) in joined, trail.name
        story = [s.poi.name for s in stops if s.kind == "story"]
        for name in story:
            assert " ".join(name.split()) in joined, (trail.name, name)
        # story stops numbered 1..N on the map and in the list, as in the bundle; services carry no number
        numbers = sorted(int(b[4]) for b in boxes if b[4].isdigit() and b[2] - b[0] < 3 * W / 210)
        assert numbers == sorted(list(range(1, len(story) + 1)) * 2), trail.name


def test_the_long_monaco_ville_title_wraps_within_the_margins(demo):
    _db, _path, trails = demo
    tid, trail, stops = by_name(trails, MONACO_VILLE)
    boxes = texts(poster.export(trail, stops, url=url_of(tid), size="A4"))
    title = [b for b in boxes if b[4] and b[4] in MONACO_VILLE and b[1] < 40]
    assert 2 <= len(title) <= 3 and " ".join(b[4] for b in title) == MONACO_VILLE
    assert all(12 <= b[0] and b[2] <= 198 for b in title)
    assert [s.poi.name for s in stops if s.kind == "story"] == [
        "Palais Princier de Monaco", "Chapelle des Pénitents", "Cathédrale Notre-Dame-Immaculée",
        "Musée Océanographique", "Jardin Exotique"]


def test_every_demo_corridor_covers_its_width(demo):
    """A trace that walks back over itself (the Monaco-Ville loop) once got a corridor of slivers."""
    _db, _path, trails = demo
    for trail, _stops in trails.values():
        if len([p for seg in trail.segments for p in seg]) >= 2:
            corridor = Corridor.of_segments(trail.segments, CORRIDOR_M)
            assert corridor.polygon.area >= 3.14 * CORRIDOR_M ** 2, trail.name


def test_basemap_under_the_trace_where_the_db_has_map_ways(demo):
    db, _path, trails = demo
    tid, trail, stops = by_name(trails, MONACO_VILLE)
    svg = poster.export(trail, stops, url=url_of(tid), ways=poster.poster_ways(db, trail))
    base = re.search(r'<g class="basemap"[^>]*>(.*?)</g>', svg, re.S)
    assert base and base.start() < svg.index('stroke="#b3261e"')  # under the trace
    assert base.group(1).count("<path") >= 300 and base.group(1).count("<polyline") >= 100
    assert "OpenStreetMap" in svg
    cevennes = next((tid, t, s) for tid, (t, s) in trails.items() if "OpenStreetMap" not in t.attribution)
    assert poster.poster_ways(db, cevennes[1]) == []
    assert 'class="basemap"' not in poster.export(cevennes[1], cevennes[2], url=url_of(cevennes[0]))


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_pdf_poster_opens_at_its_page_size_and_its_code_decodes(demo, tmp_path, monkeypatch, size):
    pdftoppm = require_tool("pdftoppm")
    _db, path, trails = demo
    tid, trail, _stops = by_name(trails, MONACO_VILLE)
    monkeypatch.setenv("BALISE_DB", str(path))
    from click.testing import CliRunner

    out = tmp_path / "poster.pdf"
    res = CliRunner().invoke(cli, ["export", "poster", str(tid), "--url", url_of(tid), "--out", str(out),
                                   "--size", size])
    assert res.exit_code == 0, res.output
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", out.read_bytes())
    assert box, "no page size in the PDF"
    assert [round(float(v)) for v in box.groups()] == [round(v) for v in PAGE_PT[size]]
    subprocess.run([pdftoppm, "-png", "-r", "30", "-singlefile", str(out), str(tmp_path / "low")], check=True)
    W, H = poster.SIZES_MM[size]
    img = Image.open(tmp_path / "low.png").convert("RGB")
    assert abs(img.width - W / 25.4 * 30) <= 2 and abs(img.height - H / 25.4 * 30) <= 2
    # nothing is drawn in the side margins below the title band; the title band's right margin stays red
    px = img.load()
    margin = int((12 * W / 210 - 1) / 25.4 * 30)
    band_bottom = next(y for y in range(img.height) if min(px[0, y]) > 235)  # the red band's height varies
    for x in list(range(margin)) + list(range(img.width - margin, img.width - 1)):  # last: a partial pixel
        for y in range(band_bottom + 2, img.height):
            assert min(px[x, y]) > 235, ("ink in the margin", x, y, px[x, y])
        for y in range(2, band_bottom - 2):
            assert px[x, y][1] < 120, ("the title runs into the margin", x, y, px[x, y])
    zbarimg = require_tool("zbarimg")
    subprocess.run([pdftoppm, "-png", "-r", "100", "-singlefile", str(out), str(tmp_path / "high")], check=True)
    decoded = subprocess.run([zbarimg, "-q", "--raw", str(tmp_path / "high.png")], capture_output=True, text=True)
    assert decoded.stdout.split() == [url_of(tid)]


def test_web_app_serves_the_pdf_poster(demo):
    from webapp import create_app

    _db, path, trails = demo
    tid, trail, _stops = by_name(trails, MONACO_VILLE)
    client = create_app({"DATABASE": str(path), "TESTING": True, "SECRET_KEY": "test"}).test_client()
    res = client.get(f"/trails/{tid}/poster.pdf?size=A3&download=1")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    assert res.data.startswith(b"%PDF") and "poster-a3.pdf" in res.headers["Content-Disposition"]
    svg = client.get(f"/trails/{tid}/poster.svg").get_data(as_text=True)
    assert 'class="basemap"' in svg and "Palais Princier de Monaco" in svg
