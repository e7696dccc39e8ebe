"""DEV-TIME part of :mod:`tools.build_demo_data`: the OSM extracts of the demo's offline maps and routed walks.

* Andorra (``andorra_2013_graphhopper.osm.pbf``): its map ways and path network, so the
  bundles of the Andorra circuits carry a vector offline map;
* Monaco (``monaco_graphhopper.osm.gz``): its POIs, its map ways and street network, and
  :data:`ROUTES`, urban heritage walks that ``balise demo`` routes over the streets
  through real Monaco POIs picked by name (:func:`trails.routing.route_trail`).

Both files are copied unchanged (ODbL 1.0, © OpenStreetMap contributors), with Monaco's
SRTM tile (:data:`DEMS`, public domain): ``balise demo`` imports it (``balise dem import``)
so the routed walks, loops that come back by other streets, get their profile and climb.
"""
from __future__ import annotations

import shutil
from pathlib import Path

OSM_LICENCE = "ODbL 1.0"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
GRAPHHOPPER = "graphhopper/graphhopper core/files/{name} @ c058139f10"

#: (file in the shared osm/ folder, its name in the graphhopper repository, manifest source, kinds to import)
MAPS = [
    ("andorra_2013_graphhopper.osm.pbf", "andorra.osm.pbf", "osm:andorra-2013", ("map",)),
    ("monaco_graphhopper.osm.gz", "monaco.osm.gz", "osm:monaco", ("pois", "map")),
]

#: (SRTM tile in the shared osm/ folder, its name in the graphhopper repository) imported as the demo's DEM.
DEMS = [("srtm_N43E007_nice-monaco-menton.hgt.zip", "N43E007.hgt.zip")]
SRTM_LICENCE = "public domain"
SRTM_ATTRIBUTION = "SRTM (NASA)"

#: Walks routed at demo time over the Monaco street network, through these POIs in this order.
#: A stop is a POI name of the Monaco import, with its category when the name is not unique.
ROUTES = [
    {
        "name": "Monaco-Ville : du Palais princier au Jardin exotique",
        "source_id": "route:monaco-ville",
        "summary": "Du Palais princier au Jardin exotique par les ruelles du Rocher : la chapelle des Pénitents, "
                   "la cathédrale, le Musée océanographique, puis la montée vers le Jardin exotique.",
        "themes": ["Histoire et culture", "Architecture et village"],
        "stops": [
            {"name": "Palais Princier de Monaco"},
            {"name": "Chapelle des Pénitents"},
            {"name": "Cathédrale Notre-Dame-Immaculée"},
            {"name": "Musée Océanographique"},
            {"name": "Jardin Exotique", "category": "nature"},
        ],
    },
    {
        "name": "Monte-Carlo : de Sainte-Dévote aux jardins",
        "source_id": "route:monte-carlo",
        "summary": "De la chapelle Sainte-Dévote au Nouveau Musée National (villa Sauber) par les jardins de "
                   "Monte-Carlo et l'église Saint-Charles.",
        "themes": ["Histoire et culture", "Faune et flore"],
        "stops": [
            {"name": "Chapelle de Sainte-Devote"},
            {"name": "Square Beaumarchais", "category": "nature"},
            {"name": "Jardins de la Petite Afrique"},
            {"name": "Église Saint-Charles"},
            {"name": "Jardin Japonais"},
            {"name": "Nouveau Musée National - Villa Sauber"},
        ],
    },
]


def build_maps(shared: Path, out: Path, manifest: list) -> list[dict]:
    """Copy the OSM extracts into ``out``, add their manifest entries; returns the routed walks."""
    for name, origin, source, kinds in MAPS:
        shutil.copyfile(shared / "osm" / name, out / name)
        for kind in kinds:
            manifest.append({"path": name, "kind": kind, "format": "osm", "source": source,
                             "licence": OSM_LICENCE, "attribution": OSM_ATTRIBUTION,
                             "origin": GRAPHHOPPER.format(name=origin)})
    for name, origin in DEMS:
        shutil.copyfile(shared / "osm" / name, out / name)
        manifest.append({"path": name, "kind": "dem", "format": "srtm", "source": "srtm",
                         "licence": SRTM_LICENCE, "attribution": SRTM_ATTRIBUTION,
                         "origin": GRAPHHOPPER.format(name=origin)})
    return [{**route, "practice": "walking", "loop": True, "pois_source": "osm:monaco", "source": "osm:monaco",
             "licence": OSM_LICENCE, "attribution": OSM_ATTRIBUTION} for route in ROUTES]
