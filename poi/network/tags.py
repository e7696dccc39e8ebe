"""Which OpenStreetMap ways the offline map draws, and which belong to the walkable path network: pure rules.

Walkable (:func:`is_walkable`): paths, footways, steps, tracks, bridleways,
cycleways, streets and roads up to ``primary``, unless ``foot=no``, private
access or ``area=yes``; any highway with ``foot=yes|designated|permissive``.
"""
from __future__ import annotations

#: ``highway=*`` -> map kind.
HIGHWAY_KINDS: dict[str, str] = {
    "path": "path", "bridleway": "path", "footway": "footway", "pedestrian": "footway", "steps": "steps",
    "track": "track", "cycleway": "cycleway", "service": "service",
    **{v: "road_major" for v in ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")},
    **{v: "road_medium" for v in ("secondary", "secondary_link", "tertiary", "tertiary_link")},
    **{v: "road_minor" for v in ("unclassified", "residential", "living_street", "road")},
}
#: ``waterway=*`` drawn as lines -> map kind.
WATERWAY_KINDS = {"river": "river", "canal": "river", "stream": "stream", "brook": "stream", "ditch": "stream",
                  "drain": "stream"}
#: ``(key, value)`` drawn as areas -> map kind (``building=*`` is ``building``).
AREA_KINDS = {("natural", "water"): "water", ("landuse", "reservoir"): "water", ("landuse", "basin"): "water",
              ("waterway", "riverbank"): "water", ("waterway", "dock"): "water",
              ("natural", "wood"): "wood", ("landuse", "forest"): "wood"}
#: Every kind of ``map_ways``, lines then areas.
MAP_KINDS = ("path", "footway", "steps", "track", "cycleway", "service", "road_minor", "road_medium", "road_major",
             "river", "stream", "coastline", "water", "wood", "building")
AREA_KIND_SET = {"water", "wood", "building"}

#: Highways people may walk on unless tagged otherwise.
WALKABLE_HIGHWAYS = {"path", "footway", "pedestrian", "steps", "track", "bridleway", "cycleway", "living_street",
                     "residential", "unclassified", "service", "road", "tertiary", "tertiary_link", "secondary",
                     "secondary_link", "primary", "primary_link"}
FOOT_YES = {"yes", "designated", "permissive", "official"}

#: The keys of the ways (and relations) the map may draw.
MAP_KEYS = ("highway", "waterway", "natural", "landuse", "building")


def is_walkable(tags) -> bool:
    """True if the way belongs to the walkable path network.

    >>> is_walkable({"highway": "path"}), is_walkable({"highway": "track", "foot": "no"})
    (True, False)
    >>> is_walkable({"highway": "motorway"}), is_walkable({"highway": "service", "access": "private"})
    (False, False)
    >>> is_walkable({"highway": "trunk", "foot": "designated"})
    True
    """
    highway = tags.get("highway")
    foot = tags.get("foot")
    if highway is None or foot == "no" or highway in ("construction", "proposed", "abandoned"):
        return False
    if foot in FOOT_YES:
        return True
    return (highway in WALKABLE_HIGHWAYS and tags.get("access") not in ("private", "no")
            and tags.get("area") != "yes")


def classify(tags) -> tuple[str, str] | None:
    """``(kind, class)`` of a way for the map, or None if the map does not draw it.

    >>> classify({"highway": "tertiary"}), classify({"waterway": "stream"}), classify({"landuse": "forest"})
    (('road_medium', 'tertiary'), ('stream', 'stream'), ('wood', 'forest'))
    >>> classify({"building": "church"}), classify({"amenity": "bench"})
    (('building', 'church'), None)
    """
    highway = tags.get("highway")
    if highway in HIGHWAY_KINDS:
        return HIGHWAY_KINDS[highway], highway
    waterway = tags.get("waterway")
    if waterway in WATERWAY_KINDS:
        return WATERWAY_KINDS[waterway], waterway
    if tags.get("natural") == "coastline":
        return "coastline", "coastline"
    for key in ("natural", "landuse", "waterway"):
        kind = AREA_KINDS.get((key, tags.get(key)))
        if kind:
            return kind, tags[key]
    building = tags.get("building")
    if building and building != "no":
        return "building", building
    return None


__all__ = ["AREA_KIND_SET", "AREA_KINDS", "FOOT_YES", "HIGHWAY_KINDS", "MAP_KEYS", "MAP_KINDS", "WALKABLE_HIGHWAYS",
           "WATERWAY_KINDS", "classify", "is_walkable"]
