"""KML 2.2 export: well-formed, read by GDAL (LIBKML and KML drivers), lossless coordinates, credits, CLI."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from exporter import kml as kml_exporter
from exporter.errors import ExportError
from poi.geo import geodesic_distance_m
from poi.gpxfile import parse_gpx
from poi.i18n import language
from poi.models import POI
from test_export_geojson import NASTY, cli_trail, lermuse, other_credit_stop  # noqa: F401  (cli_trail: fixture)
from trails.models import Stop, Trail, TrailStop
from webapp.cli import cli

DATA = Path(__file__).parent / "data"
MUNICH_8SEG = DATA / "export" / "de-munich_garmin-edge-800_8seg_gpsbabel.gpx"
NS = {"k": "http://www.opengis.net/kml/2.2", "atom": "http://www.w3.org/2005/Atom"}

needs_ogr = pytest.mark.tool("ogrinfo")
needs_xmllint = pytest.mark.tool("xmllint")


@pytest.fixture
def saved(db):
    return lermuse(db)


def export_en(trail: Trail, stops) -> str:
    with language("en"):
        return kml_exporter.export(trail, stops)


def coords_of(text: str) -> list[tuple[float, ...]]:
    return [tuple(float(v) for v in t.split(",")) for t in text.split()]


def tags_of(fragment: str) -> set[str]:
    """The HTML tags a KML reader would see in a description."""
    found: set[str] = set()

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.add(tag)

    Tags().feed(fragment)
    return found


# -- structure ---------------------------------------------------------------------------------------
@needs_xmllint
def test_well_formed(saved, tmp_path):
    trail, stops = saved
    path = tmp_path / "trail.kml"
    path.write_text(export_en(trail, stops), encoding="utf-8")
    proc = subprocess.run(["xmllint", "--nonet", "--noout", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_document_folders_styles_and_placemarks(saved):
    trail, stops = saved
    root = ET.fromstring(export_en(trail, stops))
    doc = root.find("k:Document", NS)
    assert doc.find("k:name", NS).text == trail.name
    assert doc.find("atom:author/atom:name", NS).text == "© OpenStreetMap contributors"
    assert doc.find("atom:link", NS).get("href") == trail.url
    assert {s.get("id") for s in doc.findall("k:Style", NS)} == {"balise-trail", "balise-stop"}
    trail_folder, poi_folder = doc.findall("k:Folder", NS)
    assert (trail_folder.find("k:name", NS).text, poi_folder.find("k:name", NS).text) == \
           ("Trail", "Points of interest")
    [line_mark] = trail_folder.findall("k:Placemark", NS)
    line = line_mark.find("k:LineString", NS)
    assert line.find("k:altitudeMode", NS).text == "clampToGround" and line.find("k:tessellate", NS).text == "1"
    assert line_mark.find("k:styleUrl", NS).text == "#balise-trail"
    marks = poi_folder.findall("k:Placemark", NS)
    assert [m.find("k:name", NS).text for m in marks] == [s.poi.name for s in stops]
    assert all(m.find("k:styleUrl", NS).text == "#balise-stop" for m in marks)


def test_coordinates_are_lossless(saved):
    trail, stops = saved
    root = ET.fromstring(export_en(trail, stops))
    line = coords_of(root.find(".//k:LineString/k:coordinates", NS).text)
    assert len(line) == len(trail.coords)
    for (lon, lat, ele), p in zip(trail.coords, line):
        assert geodesic_distance_m(lon, lat, p[0], p[1]) < 0.5 and p[2] == pytest.approx(ele, abs=0.005)
    points = [coords_of(c.text)[0] for c in root.findall(".//k:Point/k:coordinates", NS)]
    for item, p in zip(stops, points):
        assert geodesic_distance_m(item.poi.lon, item.poi.lat, p[0], p[1]) < 0.5


def test_several_segments_make_a_multigeometry():
    gpx = parse_gpx(MUNICH_8SEG)
    segments = [[(p.longitude, p.latitude, p.elevation) for p in seg.points]
                for trk in gpx.tracks for seg in trk.segments if len(seg.points) >= 2]
    root = ET.fromstring(export_en(Trail(name="Munich", segments=segments), []))
    lines = root.findall(".//k:Placemark/k:MultiGeometry/k:LineString", NS)
    assert [len(coords_of(line.find("k:coordinates", NS).text)) for line in lines] == [len(s) for s in segments]
    assert len(root.findall("k:Document/k:Folder", NS)) == 1  # no stops, no empty folder


# -- texts and credits -------------------------------------------------------------------------------
def test_licences_of_the_trail_and_of_every_poi_are_in_the_file(saved):
    trail, stops = saved
    root = ET.fromstring(export_en(trail, stops + [other_credit_stop()]))
    doc_desc = root.find("k:Document/k:description", NS).text
    assert "Trail: © OpenStreetMap contributors (ODbL 1.0, https://opendatacommons.org/licenses/odbl/1-0/)" \
        in doc_desc
    assert "Mérimée (Ministère de la Culture) (Licence Ouverte / Etalab 2.0" in doc_desc
    data = {d.get("name"): d.find("k:value", NS).text for d in root.findall("k:Document/k:ExtendedData/k:Data", NS)}
    assert data["licence"] == "ODbL 1.0" and "Mérimée" in data["credits"]
    for mark in root.findall("k:Document/k:Folder[2]/k:Placemark", NS):
        values = {d.get("name"): d.find("k:value", NS).text for d in mark.findall("k:ExtendedData/k:Data", NS)}
        assert values["licence"] and values["attribution"]
        assert f"Credit: {values['attribution']}" in mark.find("k:description", NS).text
    church = root.findall("k:Document/k:Folder[2]/k:Placemark", NS)[-1]
    assert '<a href="https://www.pop.culture.gouv.fr/notice/merimee/PA00116731">' in \
        church.find("k:description", NS).text


def test_text_is_escaped_twice_and_bad_links_dropped():
    poi = POI(NASTY, 4.4, 44.63, summary="<script>alert(1)</script> Moulin <Pont>", url="javascript:alert(1)", id=1)
    trail = Trail(name=NASTY, summary="Moulin <Pont> & bief", segments=[[(4.39, 44.62, None), (4.4, 44.63, None)]],
                  url="javascript:alert(1)")
    doc = export_en(trail, [TrailStop(Stop(1, 1, 10.0, 0.0), poi)])
    root = ET.fromstring(doc)  # well-formed although the names hold XML's special characters
    assert root.find("k:Document/k:name", NS).text == NASTY.replace("\x07", "")
    assert "javascript:" not in doc and root.find("k:Document/atom:link", NS) is None
    for desc in root.iter(f"{{{NS['k']}}}description"):
        assert tags_of(desc.text) <= {"p", "br", "a"}  # <Pont> and <script> are text, not markup
    assert "Moulin &lt;Pont&gt; &amp; bief" in root.find("k:Document/k:description", NS).text


def test_french_labels():
    with language("fr"):
        doc = kml_exporter.export(Trail(name="T", segments=[[(4.39, 44.62, None), (4.4, 44.63, None)]],
                                        length_m=1500, ascent_m=20, duration_computed_min=25), [])
    assert "<name>Circuit</name>" in doc and "1.5 km · dénivelé positif 20 m · 25 min" in doc


def test_a_trail_without_points_says_why():
    with pytest.raises(ExportError, match="no points to export"):
        kml_exporter.export(Trail(name="Vide", segments=[[(4.39, 44.62, None)]]), [])


# -- GDAL reads it -----------------------------------------------------------------------------------
def ogr_layers(path: Path, *config: str) -> dict[str, list[str]]:
    out = subprocess.run(["ogrinfo", *config, "-ro", "-al", str(path)], capture_output=True, text=True, check=True)
    assert "ERROR" not in out.stderr, out.stderr
    layers: dict[str, list[str]] = {}
    for block in out.stdout.split("Layer name: ")[1:]:
        name = block.splitlines()[0].strip()
        layers[name] = block.split("OGRFeature(")[1:]
        count = int(re.search(r"Feature Count: (\d+)", block).group(1))
        assert count == len(layers[name])
    return layers


@needs_ogr
@pytest.mark.parametrize("config", [(), ("--config", "OGR_SKIP", "LIBKML")], ids=["libkml", "kml"])
def test_gdal_reads_both_layers(saved, tmp_path, config):
    trail, stops = saved
    with language("en"):
        path, written = kml_exporter.write(trail, stops, tmp_path / "trail.kml")
    assert written == len(stops)
    layers = ogr_layers(path, *config)
    assert list(layers) == ["Trail", "Points of interest"]
    [line] = layers["Trail"]
    first = re.search(r"LINESTRING Z \(([-\d.]+) ([-\d.]+) ([-\d.]+)", line).groups()
    lon, lat, ele = map(float, first)
    assert geodesic_distance_m(lon, lat, *trail.coords[0][:2]) < 0.5 and ele == pytest.approx(trail.coords[0][2])
    assert "© OpenStreetMap contributors" in line
    assert len(layers["Points of interest"]) == len(stops)
    for block, item in zip(layers["Points of interest"], stops):
        lon, lat = map(float, re.search(r"POINT Z? ?\(([-\d.]+) ([-\d.]+)", block).groups())
        assert geodesic_distance_m(lon, lat, item.poi.lon, item.poi.lat) < 0.5
        assert f"Name (String) = {item.poi.name}" in block and "ODbL 1.0" in block


# -- command line ------------------------------------------------------------------------------------
def test_cli_export_kml(runner, cli_trail, tmp_path):
    trail_id, n_stops = cli_trail
    out = tmp_path / "out.kml"
    result = runner.invoke(cli, ["--lang", "en", "export", "kml", str(trail_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out}: 1 circuit, {n_stops} points of interest"
    assert len(ET.parse(out).getroot().findall(".//k:Placemark", NS)) == 1 + n_stops


def test_cli_unknown_trail_is_one_line_and_exit_2(runner, cli_trail, tmp_path):
    result = runner.invoke(cli, ["--lang", "en", "export", "kml", "404", "--out", str(tmp_path / "x.kml")])
    assert result.exit_code == 2 and result.stderr.strip() == "balise: error: no trail with id 404"
    assert not (tmp_path / "x.kml").exists()
