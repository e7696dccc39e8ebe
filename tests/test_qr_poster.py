"""QR codes and trailhead posters: the codes decode (zbarimg) to the URL they were given."""
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from exporter import poster, qr
from exporter.errors import ExportError
from poi.models import POI
from poi.store import PoiStore
from trails.models import Stop, Trail
from trails.store import TrailStore
from webapp.cli import cli

from helpers import require_tool, under_ci

URL = "https://rando.example.fr/trails/12/bundle/"
needs_zbar = pytest.mark.tool("zbarimg")

# First points of the Cévennes circuit "Mas cévenol de La Roquette" (PNC, Licence Ouverte 2.0).
ROQUETTE = [(3.715686, 44.222193, 520.0), (3.715794, 44.222166, 522.0), (3.715902, 44.222058, 525.0),
            (3.715902, 44.221977, 527.0), (3.715767, 44.221788, 530.0), (3.715767, 44.221248, 536.0),
            (3.715983, 44.221275, 538.0), (3.716145, 44.22114, 541.0), (3.716307, 44.221032, 545.0)]


def decode(path) -> list[str]:
    out = subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True)
    return out.stdout.split()


def rasterize_path(svg_text: str, png_path, scale: int = 8) -> None:
    """Draw the QR path of an SVG (rectangles 'M x,y h w v h h -w z') into a PNG: checks our geometry."""
    d = re.search(r'<path fill="#000"[^>]* d="([^"]+)"', svg_text).group(1)
    rects = [tuple(float(v) for v in m) for m in re.findall(r"M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)", d)]
    x0 = min(r[0] for r in rects) - 4 * rects[0][3]
    y0 = min(r[1] for r in rects) - 4 * rects[0][3]
    unit = min(r[3] for r in rects)
    size = int(round((max(r[0] + r[2] for r in rects) - x0) / unit)) + 4
    img = Image.new("L", (size * scale, size * scale), 255)
    px = img.load()
    for x, y, w, h in rects:
        cx, cy = int(round((x - x0) / unit)), int(round((y - y0) / unit))
        for i in range(int(round(w / unit)) * scale):
            for j in range(scale):
                px[cx * scale + i, cy * scale + j] = 0
    img.save(png_path)


@needs_zbar
@pytest.mark.parametrize("level", ["M", "Q", "H"])
def test_png_qr_decodes_to_url(tmp_path, level):
    path = tmp_path / "qr.png"
    path.write_bytes(qr.export(None, url=URL, fmt="png", level=level))
    assert decode(path) == [URL]


@needs_zbar
def test_svg_qr_decodes_to_url(tmp_path):
    svg = qr.export(None, url=URL, fmt="svg")
    ET.fromstring(svg.encode())  # well-formed
    rasterize_path(svg, tmp_path / "qr.png")
    assert decode(tmp_path / "qr.png") == [URL]


def test_low_error_correction_and_unknown_format_are_refused():
    with pytest.raises(ExportError, match="M or better"):
        qr.matrix(URL, level="L")
    with pytest.raises(ExportError, match=".svg or .png"):
        qr.export(None, url=URL, fmt="jpg")


def test_deep_links():
    assert qr.poi_deep_link(URL, 7) == URL + "index.html#poi=7"
    assert qr.poi_deep_link(URL + "index.html", 7) == URL + "index.html#poi=7"
    assert qr.bundle_url("https://rando.example.fr", 12) == URL


def make_trail():
    from trails.models import TrailStop

    trail = Trail(name="Mas cévenol de La Roquette", segments=[ROQUETTE], length_m=2363, ascent_m=159,
                  duration_computed_min=45, duration_published_min=120, difficulty_computed="very_easy",
                  licence="Licence Ouverte 2.0", attribution="Parc national des Cévennes")
    poi = POI(name="Moulin", lon=3.7159, lat=44.2215, category="mill", attribution="© OpenStreetMap contributors")
    return trail, [TrailStop(Stop(trail_id=1, poi_id=1, distance_along_m=100, offset_m=5), poi)]


@pytest.mark.parametrize("size, width", [("A4", "210.0mm"), ("A3", "297.0mm")])
def test_poster_has_figures_both_languages_map_and_scannable_code(tmp_path, size, width):
    trail, stops = make_trail()
    svg = poster.export(trail, stops, url=URL, size=size)
    root = ET.fromstring(svg.encode())
    assert root.get("width") == width
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for expected in ("Mas cévenol de La Roquette", "2,4 km", "2 h", "159 m", "très facile / very easy",
                     "Scannez pour télécharger — fonctionne sans réseau", "Scan to download — works without network",
                     URL, "Parc national des Cévennes", "OpenStreetMap"):
        assert expected in text
    assert next(root.iter("{http://www.w3.org/2000/svg}polyline"), None) is not None
    if shutil.which("zbarimg") or under_ci():  # the QR check needs zbarimg, required under CI
        require_tool("zbarimg")
        rasterize_path(svg, tmp_path / "poster_qr.png")
        assert decode(tmp_path / "poster_qr.png") == [URL]


def test_poster_refuses_a_trail_without_trace():
    with pytest.raises(ExportError):
        poster.export(Trail(name="empty"), url=URL)


@pytest.fixture
def stored_trail(db_path):
    from helpers import open_db

    db = open_db(db_path)
    trail, stops = make_trail()
    tid = TrailStore(db).save(trail)
    _, pid = PoiStore(db).upsert(stops[0].poi)
    TrailStore(db).upsert_stops([Stop(trail_id=tid, poi_id=pid, distance_along_m=100, offset_m=5)])
    db.conn.close()
    return tid, pid


@needs_zbar
def test_cli_qr_and_poster(runner, stored_trail, tmp_path):
    tid, pid = stored_trail
    res = runner.invoke(cli, ["export", "qr", str(tid), "--url", URL, "--out", str(tmp_path / "t.png")])
    assert res.exit_code == 0, res.output
    assert decode(tmp_path / "t.png") == [URL]
    res = runner.invoke(cli, ["export", "qr", str(tid), "--url", URL, "--poi", str(pid),
                              "--out", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    assert decode(tmp_path / "p.png") == [f"{URL}index.html#poi={pid}"]
    res = runner.invoke(cli, ["export", "poster", str(tid), "--url", URL, "--out", str(tmp_path / "p.svg"),
                              "--size", "A3"])
    assert res.exit_code == 0, res.output
    assert "Scan to download" in (tmp_path / "p.svg").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["export", "qr", "999", "--url", URL, "--out", "x.png"], "no trail with id 999"),
    (["export", "qr", "{tid}", "--url", URL, "--out", "x.gif"], ".svg or .png"),
    (["export", "qr", "{tid}", "--url", URL, "--poi", "999", "--out", "x.png"], "not a stop"),
    (["export", "poster", "{tid}", "--url", URL, "--out", "x.png"], "SVG or PDF"),
])
def test_cli_bad_input_exits_2_with_one_line(runner, stored_trail, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    tid, _ = stored_trail
    res = runner.invoke(cli, [a.format(tid=tid) for a in args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
