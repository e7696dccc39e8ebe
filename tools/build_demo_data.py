#!/usr/bin/env python3
"""DEV-TIME script: regenerate the demo data of ``data/`` from the shared real datasets.

    python3 -m tools.build_demo_data [--shared /work/shared/data]

Balise never runs this at run or test time: ``balise demo`` reads only what it
writes here (``data/demo.json`` and the files it lists). It reads the OpenStreetMap
extract of Andorra with ``osmium`` (a dependency of Balise).

What it writes (see data/README.md for sources and licences):

* the 93 Cévennes circuits, schema_randonnee GeoJSON, copied unchanged, and their
  trailhead parkings as POIs;
* Andorra: named OSM POIs (churches, museums, summits, refuges, viewpoints...) and
  day sections (5-18 km) of the hiking route relations (GR 11, GR 107, HRP, ...)
  as GPX, elevations taken from the SRTM tile (bilinear, :mod:`trails.elevation`); the long
  walks are searched and the GPX files written by the project's own router and exporter
  (:mod:`tools.demo_paths`);
* Ardèche: the 257 signposts of the Bassin d'Aubenas node network as POIs, and
  walks made by chaining its signposted legs (3D geometry kept) as GPX;
* Toulouse: the heritage inventory records that are not plain houses/blocks;
* the OSM extracts of Andorra (map ways, path network) and Monaco (POIs, map, streets)
  copied unchanged, and the Monaco heritage walks ``balise demo`` routes
  (:mod:`tools.build_demo_maps`).

Everything is deterministic: the same inputs give byte-identical outputs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape


from poi.geo import GEOD, geodesic_length_m
from poi.resources import resource
from tools.build_demo_maps import build_maps
from tools.demo_paths import (SECTION_MAX_M, SECTION_MIN_M, edge, gpx_trail, long_paths, nearest_name,
                              split_sections, write_gpx)
from trails.elevation import SrtmTiles

OUT = resource("data")

OSM_LICENCE = "ODbL 1.0"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
LO_LICENCE = "Licence Ouverte 2.0"
length_m = geodesic_length_m


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def feature(lon, lat, props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
            "properties": {k: v for k, v in props.items() if v not in (None, "", [], {})}}


def slug(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:60]


def dedupe(features, within_m=150.0):
    """Drop a POI mapped twice (a node and a building with the same name and category nearby)."""
    kept: list = []
    for f in features:
        (lon, lat), p = f["geometry"]["coordinates"], f["properties"]
        if not any(k["properties"]["name"] == p["name"] and k["properties"]["category"] == p["category"]
                   and GEOD.inv(lon, lat, *k["geometry"]["coordinates"])[2] <= within_m for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f["properties"]["id"])


# --------------------------------------------------------------------------- sources
def build_cevennes(shared: Path, manifest: list) -> None:
    src = shared / "circuits/pnc_cevennes_treks_a.geojson"
    dst = OUT / "cevennes_pnc_93_circuits.schema_randonnee.geojson"
    shutil.copyfile(src, dst)
    attribution = "Parc national des Cévennes (PNC)"
    manifest.append({"path": dst.name, "kind": "trails", "format": "schema_randonnee",
                     "source": "schema_randonnee:PNC", "licence": LO_LICENCE, "attribution": attribution,
                     "media_base_url": "https://geotrek-admin.cevennes-parcnational.net/media/",
                     "origin": "PnX-SI/schema_randonnee geotrek/treks.geojson @ b9ec8b4"})
    features = []
    for f in json.loads(src.read_text(encoding="utf-8"))["features"]:
        p = f["properties"]
        parking = p.get("parking") or {}
        coords = (parking.get("geometry") or {}).get("coordinates")
        if not coords:
            continue
        info = (parking.get("properties") or {}).get("infos_parking") or ""
        features.append(feature(coords[0], coords[1], {
            "id": f"parking-{p['eid']}", "name": f"Parking : {p['nom_itineraire']}",
            "category": "parking", "description": info, "url": p.get("url"),
            "trail_source_id": str(p["eid"])}))
    dst = OUT / "cevennes_pnc_trailhead_parkings.geojson"
    write_json(dst, {"type": "FeatureCollection", "features": features})
    manifest.append({"path": dst.name, "kind": "pois", "format": "geojson", "source": "pnc-cevennes-parkings",
                     "licence": LO_LICENCE, "attribution": attribution,
                     "origin": "parking of each circuit of PnX-SI/schema_randonnee geotrek/treks.geojson @ b9ec8b4"})


#: OSM tag -> Balise category, first match wins.
OSM_CATEGORIES = [
    ("amenity", "place_of_worship", "church"), ("building", "church", "church"),
    ("building", "chapel", "church"), ("historic", "church", "church"), ("historic", "castle", "castle"),
    ("historic", "monument", "monument"), ("historic", "memorial", "memorial"),
    ("historic", "ruins", "archaeology"), ("historic", "archaeological_site", "archaeology"),
    ("historic", "*", "monument"), ("tourism", "museum", "museum"), ("tourism", "viewpoint", "viewpoint"),
    ("natural", "peak", "nature"), ("natural", "spring", "water"), ("amenity", "drinking_water", "water"),
    ("natural", "waterfall", "water"), ("tourism", "alpine_hut", "accommodation"),
    ("tourism", "wilderness_hut", "accommodation"), ("amenity", "shelter", "accommodation"),
    ("tourism", "hotel", "accommodation"), ("tourism", "camp_site", "accommodation"),
    ("tourism", "chalet", "accommodation"), ("tourism", "guest_house", "accommodation"),
    ("tourism", "hostel", "accommodation"), ("tourism", "apartments", "accommodation"),
    ("amenity", "restaurant", "restaurant"), ("amenity", "cafe", "restaurant"),
    ("amenity", "bar", "restaurant"), ("amenity", "pub", "restaurant"), ("tourism", "information", "information"),
    ("amenity", "parking", "parking"), ("tourism", "picnic_site", "picnic"), ("tourism", "artwork", "monument"),
    ("tourism", "attraction", "other"), ("amenity", "arts_centre", "museum"), ("amenity", "theatre", "other"),
    ("amenity", "townhall", "monument"),
]


#: OSM tags copied into the POI properties (importers read them; the rest of the tags is dropped).
OSM_KEPT_TAGS = ("historic", "tourism", "amenity", "natural", "building", "information", "shelter_type",
                 "wikipedia", "wikidata", "opening_hours", "operator")


def osm_category(tags: dict) -> str | None:
    for key, value, category in OSM_CATEGORIES:
        if key in tags and (value == "*" or tags[key] == value):
            return category
    return None


def build_andorra(shared: Path, manifest: list) -> None:
    import osmium

    pbf = str(shared / "osm/andorra_2013_graphhopper.osm.pbf")
    tiles = SrtmTiles(shared / "osm/srtm_N42E001_andorra-ariege.hgt.zip")
    pois, places, route_rels = [], [], {}
    for o in osmium.FileProcessor(pbf, osmium.osm.RELATION):
        if o.tags.get("route") == "hiking" and o.tags.get("type") == "route":
            route_rels[o.id] = (dict(o.tags), [m.ref for m in o.members if m.type == "w"])
    route_way_ids = {w for _, ws in route_rels.values() for w in ws}
    way_nodes: dict[int, list] = {}
    for o in osmium.FileProcessor(pbf).with_locations().with_areas():
        tags = dict(o.tags)
        if o.is_way() and o.id in route_way_ids:
            way_nodes[o.id] = [(n.ref, n.location.lon, n.location.lat) for n in o.nodes if n.location.valid()]
        if o.is_node() and "name" in tags and (tags.get("place") in ("village", "hamlet", "town", "locality")
                                               or tags.get("mountain_pass") == "yes"
                                               or tags.get("natural") in ("saddle", "peak")):
            places.append((o.location.lon, o.location.lat, tags["name"]))
        name = tags.get("name", "").strip()
        category = osm_category(tags) if name else None
        if not category or (o.is_way() and o.is_closed() is False) or o.is_relation():
            continue
        if o.is_node():
            lon, lat, kind = o.location.lon, o.location.lat, "node"
        elif o.is_area():
            if not o.from_way():
                continue
            rings = [[(n.lon, n.lat) for n in ring] for ring in o.outer_rings()]
            if not rings or not rings[0]:
                continue
            ring = rings[0][:-1] or rings[0]
            lon, lat, kind = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring), "way"
        else:
            continue
        osm_id = f"{kind}/{o.orig_id() if o.is_area() else o.id}"
        ele = None
        if tags.get("ele"):
            try:
                ele = float(tags["ele"].replace(",", ".").removesuffix("m").strip())
            except ValueError:
                ele = None
        if ele is None:
            ele = tiles.elevation_at(lon, lat)
            ele = round(ele, 1) if ele is not None else None
        osm_tags = {k: tags[k] for k in OSM_KEPT_TAGS if k in tags}
        pois.append(feature(lon, lat, {
            "id": osm_id, "name": name, "category": category, "ele": ele, **osm_tags,
            "description": tags.get("description"), "url": tags.get("website") or tags.get("url")
            or (f"https://{tags['wikipedia'].split(':', 1)[0]}.wikipedia.org/wiki/"
                f"{tags['wikipedia'].split(':', 1)[1].replace(' ', '_')}"
                if ":" in tags.get("wikipedia", "") and not tags["wikipedia"].startswith("http") else None),
            "osm_url": f"https://www.openstreetmap.org/{osm_id}"}))
    pois.sort(key=lambda f: (f["properties"]["id"].startswith("way"), f["properties"]["id"]))
    pois = dedupe(pois)
    dst = OUT / "andorra_osm_pois.geojson"
    write_json(dst, {"type": "FeatureCollection", "features": pois})
    manifest.append({"path": dst.name, "kind": "pois", "format": "geojson", "source": "osm:andorra-2013",
                     "licence": OSM_LICENCE, "attribution": OSM_ATTRIBUTION,
                     "origin": "graphhopper/graphhopper core/files/andorra.osm.pbf @ c058139f10"})
    print(f"andorra: {len(pois)} POIs", file=sys.stderr)

    named = places + [(f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][1], f["properties"]["name"])
                      for f in pois if f["properties"]["category"] in ("accommodation", "church", "nature",
                                                                        "museum", "viewpoint", "picnic")]
    folder = OUT / "andorra_gr_sections"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    count = 0
    for rel_id, (tags, ways) in sorted(route_rels.items()):
        edges = []
        for wid in ways:
            nodes = way_nodes.get(wid, [])
            for (a, alon, alat), (b, blon, blat) in zip(nodes, nodes[1:]):
                coords = [(alon, alat), (blon, blat)]
                edges.append(edge(len(edges), a, b, coords, length_m(coords)))
        ref = (tags.get("ref") or tags.get("osmc:ref") or "").strip()
        route_name = (tags.get("name") or "").strip()
        if route_name.isdigit():
            route_name = (tags.get("name:fr") or tags.get("ref") or route_name).strip()
        if not ref and not route_name:
            continue
        for walk in long_paths(edges, SECTION_MIN_M):
            coords = [(*edges[walk[0][0]].coords[0 if walk[0][1] else -1], None)]
            coords += [(*edges[i].coords[-1 if forward else 0], None) for i, forward in walk]
            for section in split_sections(coords):
                if length_m(section) < SECTION_MIN_M:
                    continue
                section = tiles.add_elevations([section])[0]
                start = nearest_name(*section[0][:2], named) or nearest_name(*section[0][:2], named, 8000)
                end = nearest_name(*section[-1][:2], named) or nearest_name(*section[-1][:2], named, 8000)
                if start and start == end:
                    end = nearest_name(*section[-1][:2], [n for n in named if n[2] != start], 8000)
                label = ref or route_name
                if start and end:
                    name, where = f"{label} : {start} – {end}", f"entre {start} et {end}"
                else:
                    name, where = f"{label} : {start or end}", f"près de {start or end}"
                desc = (f"Tronçon du sentier de grande randonnée {route_name or ref} (relation OpenStreetMap "
                        f"{rel_id}) {where}, Andorre et Pyrénées.")  # credits: the GPX writer adds them
                count += 1
                fname = f"{slug(label)}_{count:02d}_{slug(name.split(' : ', 1)[1])}.gpx"
                entry = {"path": f"{folder.name}/{fname}", "kind": "trails", "format": "gpx",
                         "name": name, "themes": ["Montagne", "Grande randonnée"],
                         "source": "osm:andorra-2013", "source_id": f"relation/{rel_id}#{count}",
                         "licence": OSM_LICENCE,
                         "attribution": f"{OSM_ATTRIBUTION}; elevation: SRTM (NASA, public domain)",
                         "origin": "graphhopper/graphhopper core/files/andorra.osm.pbf + N42E001.hgt.zip "
                                   "@ c058139f10"}
                write_gpx(folder / fname, gpx_trail(entry, desc, section,
                                                    f"https://www.openstreetmap.org/relation/{rel_id}", "2013"))
                manifest.append(entry)
    print(f"andorra: {count} GR sections", file=sys.stderr)


def build_ardeche(shared: Path, manifest: list) -> None:
    src = shared / "poi/osm-overpass_fr-07_ardeche-aubenas_hiking-guideposts_2023.geojson"
    posts = []
    for f in json.loads(src.read_text(encoding="utf-8"))["features"]:
        p = f["properties"]
        name = (p.get("name") or "").strip()
        if not name:
            continue
        lon, lat = f["geometry"]["coordinates"][:2]
        ele = float(p["ele"]) if re.fullmatch(r"\d+(\.\d+)?", p.get("ele", "")) else None
        posts.append(feature(lon, lat, {
            "id": p["@id"], "name": name, "category": "information", "ele": ele,
            "tourism": "information", "information": "guidepost",
            "description": "Poteau de signalisation du réseau de randonnée du bassin d'Aubenas.",
            "osm_url": f"https://www.openstreetmap.org/{p['@id']}"}))
    dst = OUT / "ardeche_aubenas_guideposts.geojson"
    write_json(dst, {"type": "FeatureCollection", "features": posts})
    manifest.append({"path": dst.name, "kind": "pois", "format": "geojson", "source": "osm:ardeche-aubenas-2023",
                     "licence": OSM_LICENCE, "attribution": OSM_ATTRIBUTION,
                     "origin": "pbalyx/essai Networks/Bassin-d'Aubenas/guideposts.js @ 6ce278ef0d"})

    legs = json.loads((shared / "osm/ardeche-aubenas_hiking-node-network_legs_2023_a.geojson")
                      .read_text(encoding="utf-8"))["features"]
    # Leg ends are network nodes: identify them by rounded position (the legs share exact node coordinates).
    edges = []
    for i, leg in enumerate(legs):
        c = leg["geometry"]["coordinates"]
        a, b = (round(c[0][0], 6), round(c[0][1], 6)), (round(c[-1][0], 6), round(c[-1][1], 6))
        edges.append(edge(i, a, b, c, length_m(c)))
    folder = OUT / "ardeche_aubenas_walks"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    count = 0
    for walk in long_paths(edges, SECTION_MIN_M):
        coords, names, dist_km, ascent, descent = [], [], 0.0, 0, 0
        for i, forward in walk:
            reverse = not forward
            p = legs[i]["properties"]
            c = [tuple(x) for x in legs[i]["geometry"]["coordinates"]]
            c = c[::-1] if reverse else c
            coords.extend(c if not coords else c[1:])
            ends = [s.strip() for s in p["name"].split(" - ")]
            ends = ends[::-1] if reverse else ends
            names.extend(ends if not names else ends[1:])
            dist_km += float(p.get("distance") or 0)
            up, down = int(p.get("ascent") or 0), int(p.get("descent") or 0)
            ascent, descent = ascent + (down if reverse else up), descent + (up if reverse else down)
        if length_m(coords) > SECTION_MAX_M * 1.2:
            continue
        count += 1
        name = f"{names[0]} – {names[-1]}"
        desc = (f"Randonnée sur le réseau balisé du bassin d'Aubenas (Ardèche), de poteau en poteau : "
                f"{' → '.join(names)}. Valeurs signalées sur le terrain : {dist_km:.1f} km, "
                f"+{ascent} m / -{descent} m.")  # credits: the GPX writer adds them
        fname = f"{count:02d}_{slug(names[0])}_{slug(names[-1])}.gpx"
        entry = {"path": f"{folder.name}/{fname}", "kind": "trails", "format": "gpx", "name": name,
                 "themes": ["Réseau balisé", "Villages et hameaux"],
                 "source": "osm:ardeche-aubenas-2023", "source_id": "legs:" + hashlib.sha1(
                     " ".join(names).encode()).hexdigest()[:16],
                 "licence": OSM_LICENCE, "attribution": OSM_ATTRIBUTION,
                 "signposted": {"length_km": round(dist_km, 1), "ascent_m": ascent, "descent_m": descent},
                 "origin": "pbalyx/essai Networks/Bassin-d'Aubenas/routes.js @ 6ce278ef0d"}
        write_gpx(folder / fname, gpx_trail(entry, desc, [(x[0], x[1], x[2] if len(x) > 2 else None)
                                                          for x in coords], "https://www.openstreetmap.org/", "2023"))
        manifest.append(entry)
    print(f"ardeche: {len(posts)} guideposts, {count} walks", file=sys.stderr)


TOULOUSE_SKIP = {"immeuble", "maison", "ferme", "immeuble de bureaux", "garage", "lotissement concerté",
                 "entrepôt commercial", "maison de retraite"}
TOULOUSE_CATEGORIES = [
    (("église", "chapelle", "couvent", "cathédrale", "basilique", "temple", "monastère", "séminaire"), "church"),
    (("château",), "castle"), (("pont", "passerelle", "viaduc"), "bridge"),
    (("fontaine", "lavoir", "puits", "écluse", "château d'eau", "bassin", "canal"), "water"),
    (("monument aux morts", "tombeau", "croix", "stèle"), "memorial"), (("moulin",),  "mill"),
    (("musée",), "museum"), (("jardin", "parc"), "nature"),
]


def build_toulouse(shared: Path, manifest: list) -> None:
    src = shared / "poi/toulouse_inventaire_patrimoine_a.geojson"
    out = []
    for f in json.loads(src.read_text(encoding="utf-8"))["features"]:
        p = f["properties"]
        deno = (p.get("chpdeno") or "").strip()
        if not deno or deno in TOULOUSE_SKIP or not f.get("geometry"):
            continue
        title = (p.get("chptico") or deno).strip()
        address = (p.get("chpadrs") or "").strip()
        name = title[:1].upper() + title[1:]
        if title == deno and address:
            name += f", {address}"
        category = next((c for words, c in TOULOUSE_CATEGORIES if any(deno.startswith(w) for w in words)),
                        "monument")
        hist = (p.get("chphist") or "").strip()
        key = "|".join([title, address, p.get("chpcoorwgs84") or ""])
        lon, lat = f["geometry"]["coordinates"]
        out.append(feature(lon, lat, {
            "id": "ivc31555-" + hashlib.sha1(key.encode()).hexdigest()[:16], "name": name, "category": category,
            "description": f"<p>{escape(hist)}</p>" if hist else "", "chpdeno": deno,
            "address": address, "quarter": p.get("chplieu"), "century": p.get("chpscle"),
            "dates": p.get("chpdate"), "authors": p.get("chpautr"), "protection": p.get("chpprot"),
            "parts": p.get("chppart"), "cadastre": p.get("chpcada")}))
    out.sort(key=lambda f: f["properties"]["id"])
    dst = OUT / "toulouse_heritage_inventory.geojson"
    write_json(dst, {"type": "FeatureCollection", "features": out})
    manifest.append({"path": dst.name, "kind": "pois", "format": "geojson", "source": "inventaire-toulouse",
                     "licence": LO_LICENCE,
                     "attribution": "Inventaire général du patrimoine culturel, Région Occitanie / Ville de "
                                    "Toulouse (data.gouv.fr)",
                     "origin": "rzine-reviews/rzine_spatiotemp data/base-merimee.geojson @ fdc0ac4"})
    print(f"toulouse: {len(out)} heritage POIs", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("/work/shared/data"),
                        help="folder of the shared real datasets (default: /work/shared/data)")
    args = parser.parse_args(argv)
    manifest: list = []
    # POIs first in the manifest (the demo imports them first anyway, so corridors find them).
    build_cevennes(args.shared, manifest)
    build_andorra(args.shared, manifest)
    build_ardeche(args.shared, manifest)
    build_toulouse(args.shared, manifest)
    routes = build_maps(args.shared, OUT, manifest)
    manifest.sort(key=lambda e: (e["kind"] != "pois", e["kind"] != "map", e["path"]))
    write_json(OUT / "demo.json", {
        "description": "Balise demo catalogue: real circuits and POIs (see README.md for sources and licences).",
        "files": manifest, "routes": routes})
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(manifest)} files in the manifest, data/ is {size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
