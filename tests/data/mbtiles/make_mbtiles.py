"""Make the offline-map test data of tests/data/mbtiles/ from the real Andorra OSM extract (run once, offline).

    python3 tests/data/mbtiles/make_mbtiles.py [/work/shared/data/osm/andorra_2013_graphhopper.osm.pbf]

1. ``andorra_gr11_escaldes_12km.geojson``: the first 12 km of the GR-11 (OSM route relation
   380905, "GR-11 Senda Pirenaica") from Escaldes-Engordany uphill: its member ways, in the
   relation's order, chained end to end (the second run of consecutive members present in the
   extract, which starts in Escaldes), cut at 12,000 m (geodesic).
2. ``andorra_escaldes_gr11-bbox.osm.pbf``: the OSM objects around it (the trace's bounding box
   widened by 1 km): every way with a node in the box (complete, with all its nodes) and every
   multipolygon relation with a member way among them (with all its member ways).
3. ``andorra_escaldes_gr11-bbox_z13-15.mbtiles``: raster tiles (256 px, 32-colour PNG) of
   every tile of that box at zooms 13, 14 and 15, drawn with Pillow from the map ways that
   ``poi.network.import_osm_map`` reads from the extract (woods, water, buildings, rivers and
   streams, roads, tracks, paths), in the MBTiles 1.3 schema: ``metadata`` (name, format,
   bounds, center, minzoom, maxzoom, attribution, type, version) and ``tiles`` with TMS rows
   (counted from the south). Tile numbers and pixels are computed here independently of
   ``exporter.mbtiles`` (pyproj, EPSG:3857), so the tests check the exporter against them.
"""
from __future__ import annotations

import io
import json
import math
import sqlite3
import sys
from pathlib import Path

import osmium
from PIL import Image, ImageDraw
from pyproj import Geod, Transformer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(ROOT))

from poi.network import import_osm_map, ways_in_bbox  # noqa: E402

from helpers import open_db

SOURCE = Path("/work/shared/data/osm/andorra_2013_graphhopper.osm.pbf")
RELATION = 380905
LENGTH_M = 12_000.0
MARGIN_M = 1_000.0
ZOOMS = (13, 14, 15)
TRAIL = HERE / "andorra_gr11_escaldes_12km.geojson"
EXTRACT = HERE / "andorra_escaldes_gr11-bbox.osm.pbf"
MBTILES = HERE / "andorra_escaldes_gr11-bbox_z13-15.mbtiles"
GEOD = Geod(ellps="WGS84")
MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)
HALF = 20037508.342789244  # half the Web Mercator world, metres
BACKGROUND = (242, 239, 233)
#: kind -> (fill or line colour, line width in px at zoom 15, area?)
STYLE = {
    "wood": ((205, 226, 188), 0, True), "water": ((170, 208, 230), 0, True),
    "building": ((217, 207, 197), 0, True),
    "river": ((111, 168, 200), 4, False), "stream": ((111, 168, 200), 2, False),
    "road_major": ((240, 176, 79), 6, False), "road_medium": ((248, 217, 138), 5, False),
    "road_minor": ((255, 255, 255), 4, False), "service": ((255, 255, 255), 3, False),
    "track": ((138, 90, 43), 2, False), "cycleway": ((58, 111, 176), 1, False),
    "footway": ((122, 75, 42), 1, False), "path": ((122, 75, 42), 1, False), "steps": ((122, 75, 42), 1, False),
}


def trail_coords(source: Path) -> list[tuple[float, float]]:
    members = []
    for rel in osmium.FileProcessor(str(source), osmium.osm.RELATION):
        if rel.id == RELATION:
            members = [m.ref for m in rel.members if m.type == "w"]
    wanted = set(members)
    ways = {}
    for obj in osmium.FileProcessor(str(source)).with_locations():
        if obj.is_way() and obj.id in wanted:
            ways[obj.id] = [(n.ref, n.lon, n.lat) for n in obj.nodes if n.location.valid()]
    chains, cur, count = [], None, 0
    for wid in (w for w in members if w in ways):
        pts = ways[wid]
        if cur is None:
            cur, count = list(pts), 1
            continue
        if cur[-1][0] == pts[0][0]:
            cur += pts[1:]
        elif cur[-1][0] == pts[-1][0]:
            cur += pts[::-1][1:]
        elif count == 1 and cur[0][0] in (pts[0][0], pts[-1][0]):
            cur = cur[::-1] + (pts[1:] if cur[-1][0] == pts[0][0] else pts[::-1][1:])
        else:
            chains.append(cur)
            cur, count = list(pts), 0
        count += 1
    chains.append(cur)
    chain = chains[1]
    out, length = [(chain[0][1], chain[0][2])], 0.0
    for (_, lon0, lat0), (_, lon1, lat1) in zip(chain, chain[1:]):
        length += GEOD.inv(lon0, lat0, lon1, lat1)[2]
        out.append((lon1, lat1))
        if length >= LENGTH_M:
            break
    return [(round(lon, 7), round(lat, 7)) for lon, lat in out]


def widened_bbox(coords) -> tuple[float, float, float, float]:
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    lat0 = (min(lats) + max(lats)) / 2
    dlat = MARGIN_M / 111_132.0
    dlon = MARGIN_M / (111_320.0 * math.cos(math.radians(lat0)))
    return min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat


def extract(source: Path, bbox, target: Path) -> None:
    x0, y0, x1, y1 = bbox
    inside = lambda loc: x0 <= loc.lon <= x1 and y0 <= loc.lat <= y1  # noqa: E731
    ways = set()
    for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if obj.is_way() and any(n.location.valid() and inside(n.location) for n in obj.nodes):
            ways.add(obj.id)
    relations = set()
    for rel in osmium.FileProcessor(str(source), osmium.osm.RELATION):
        if rel.tags.get("type") == "multipolygon" and any(m.type == "w" and m.ref in ways for m in rel.members):
            relations.add(rel.id)
            ways |= {m.ref for m in rel.members if m.type == "w"}
    nodes = set()
    for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
        if way.id in ways:
            nodes |= {n.ref for n in way.nodes}
    target.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(target))
    try:
        for obj in osmium.FileProcessor(str(source)):
            if (obj.is_node() and obj.id in nodes) or (obj.is_way() and obj.id in ways) or \
                    (obj.is_relation() and obj.id in relations):
                writer.add(obj)
    finally:
        writer.close()


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    x, y = MERCATOR.transform(lon, lat)
    n = 2 ** zoom
    return int((x + HALF) / (2 * HALF) * n), int((HALF - y) / (2 * HALF) * n)


def render(ways, zoom: int, tx: int, ty: int) -> bytes:
    size = 256
    n = 2 ** zoom
    img = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(img)
    scale = 2 ** (zoom - 15)

    def px(coords):
        xs, ys = MERCATOR.transform([c[0] for c in coords], [c[1] for c in coords])
        return [(((x + HALF) / (2 * HALF) * n - tx) * size, ((HALF - y) / (2 * HALF) * n - ty) * size)
                for x, y in zip(xs, ys)]

    order = list(STYLE)
    for way in sorted(ways, key=lambda w: order.index(w.kind) if w.kind in STYLE else 99):
        if way.kind not in STYLE:
            continue
        colour, width, area = STYLE[way.kind]
        geom = way.geometry
        if area:
            polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
            for rings in polygons:
                draw.polygon(px(rings[0]), fill=colour)
                for hole in rings[1:]:
                    draw.polygon(px(hole), fill=BACKGROUND)
        else:
            lines = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
            for line in lines:
                draw.line(px(line), fill=colour, width=max(1, round(width * scale)), joint="curve")
    buf = io.BytesIO()
    img.quantize(32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def write_mbtiles(db, bbox, target: Path) -> int:
    target.unlink(missing_ok=True)
    conn = sqlite3.connect(target)
    conn.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                       "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
                       "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);")
    x0, y0, x1, y1 = bbox
    meta = {"name": "Andorra, Escaldes and the GR-11 (test tiles)", "format": "png", "type": "baselayer",
            "version": "1", "minzoom": str(min(ZOOMS)), "maxzoom": str(max(ZOOMS)),
            "bounds": f"{x0:.6f},{y0:.6f},{x1:.6f},{y1:.6f}",
            "center": f"{(x0 + x1) / 2:.6f},{(y0 + y1) / 2:.6f},{ZOOMS[1]}",
            "attribution": "© OpenStreetMap contributors, ODbL 1.0",
            "description": "Test tiles drawn by tests/data/mbtiles/make_mbtiles.py from the 2013 Andorra extract"}
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", sorted(meta.items()))
    count = 0
    for zoom in ZOOMS:
        tx0, ty0 = tile_of(x0, y1, zoom)
        tx1, ty1 = tile_of(x1, y0, zoom)
        for tx in range(tx0, tx1 + 1):
            for ty in range(ty0, ty1 + 1):
                lon0, lat1 = MERCATOR.transform(tx / 2 ** zoom * 2 * HALF - HALF, HALF - ty / 2 ** zoom * 2 * HALF,
                                                direction="INVERSE")
                lon1, lat0 = MERCATOR.transform((tx + 1) / 2 ** zoom * 2 * HALF - HALF,
                                                HALF - (ty + 1) / 2 ** zoom * 2 * HALF, direction="INVERSE")
                ways = ways_in_bbox(db, (lon0, lat0, lon1, lat1))
                tms_row = 2 ** zoom - 1 - ty
                conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (zoom, tx, tms_row, render(ways, zoom, tx, ty)))
                count += 1
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return count


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    coords = trail_coords(source)
    length = GEOD.line_length([c[0] for c in coords], [c[1] for c in coords])
    TRAIL.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"name": "GR-11 Senda Pirenaica, Escaldes-Engordany uphill (first 12 km in the extract)",
                       "osm_relation": RELATION, "length_m": round(length, 1),
                       "source": "OpenStreetMap (2013 Andorra extract, graphhopper/graphhopper core/files/andorra.osm.pbf)",
                       "licence": "ODbL 1.0, © OpenStreetMap contributors"},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}}]}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    bbox = widened_bbox(coords)
    extract(source, bbox, EXTRACT)
    db = open_db(":memory:")
    report = import_osm_map(db, EXTRACT)
    count = write_mbtiles(db, bbox, MBTILES)
    print(f"trail: {len(coords)} points, {length:.0f} m; extract: {EXTRACT.stat().st_size} bytes, "
          f"{report.ways} map ways {dict(report.kinds)}; mbtiles: {count} tiles, {MBTILES.stat().st_size} bytes; "
          f"bbox {', '.join(f'{v:.6f}' for v in bbox)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
