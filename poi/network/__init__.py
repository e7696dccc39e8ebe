"""The offline map's ways and the walkable path network, from OpenStreetMap extracts.

>>> from poi.network import import_osm_map, ways_in_bbox, network_stats, MAP_KINDS
>>> MAP_KINDS[:4]
('path', 'footway', 'steps', 'track')

* :func:`import_osm_map` reads an ``.osm(.gz|.bz2|.pbf)`` extract into the ``map_ways``,
  ``path_nodes`` and ``path_edges`` tables (see :mod:`poi.network.store`);
* :func:`ways_in_bbox` gives the ways the offline bundle's vector map draws;
* :func:`network_stats` counts them (and the connected parts of the path network).
"""
from poi.network.osm import MapImportReport, import_osm_map, network_stats, parse_bbox, ways_in_bbox
from poi.network.store import MapWay, NetworkStats, NetworkStore
from poi.network.tags import MAP_KINDS, classify, is_walkable

__all__ = ["MAP_KINDS", "MapImportReport", "MapWay", "NetworkStats", "NetworkStore", "classify", "import_osm_map",
           "is_walkable", "network_stats", "parse_bbox", "ways_in_bbox"]
