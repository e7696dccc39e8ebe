"""The command groups (``balise poi``, ``trail``, ``export``, ``map``, ``media``, ``user``, ``dem``).

Each lists its commands by import path (:class:`webapp.cli_options.LazyGroup`): adding a
command means writing it in a module of this package and adding one line to its group's table.
"""
import click

from webapp.cli_options import LazyGroup, db_option

_C = "webapp.commands."


@click.group(cls=LazyGroup, lazy_commands={
    "import": (_C + "poi_import:import_",
               "Import POIs from a file or a web service's URL; new POIs join the trails they are near."),
    "search": (_C + "poi_import:search",
               "Find POIs by words of their name, description, category or themes (accents ignored)."),
    "list": (_C + "poi_import:list_", "List the POIs (id, category, name, lat,lon, source)."),
    "dedup": (_C + "poi_dedup:dedup_",
              "Merge the POIs that several sources give for one place (never those staff split)."),
    "merge": (_C + "poi_dedup:merge_", "Merge two POIs by hand into the older one; prints the id that remains."),
    "split": (_C + "poi_dedup:split_",
              "Take one source out of a merged POI as a POI of its own (remembered: never merged again)."),
    "sources": (_C + "poi_dedup:sources_",
                "List where a POI comes from: source, id, licence, attribution, URL and why it was merged."),
})
@db_option
def poi():
    """Points of interest: import, list."""


@click.group(cls=LazyGroup, lazy_commands={
    "import": (_C + "trail_import:import_",
               "Import a trail from a GPX file, or every circuit of a schema_randonnee file; prints the new ids."),
    "stats": (_C + "trail_import:stats",
              "Measure a GPX file (length, climb, duration, difficulty) without storing it."),
    "loop": (_C + "trail_loop:loop",
             "Compose loops of a chosen duration from a start over the path network, through the most heritage."),
    "drape": (_C + "dem:drape",
              "Give a trail's points elevations from the imported DEM (balise dem import) and measure it again."),
    "route": (_C + "trail_route:route",
              "Route a trail through POIs, in order, over the imported path network (balise map import)."),
})
@db_option
def trail():
    """One trail: import a GPX or a circuit file, measure a GPX."""


@click.group(cls=LazyGroup, lazy_commands={
    "gpx": (_C + "export_gpx:gpx",
            "GPX 1.1 of a trail: its track, its stops and signposts as waypoints, credits and licences in the "
            "metadata."),
    "bundle": (_C + "export_bundle:bundle",
               "Offline web bundle of a trail: app, service worker, data, offline map, media, GPX and single-file "
               "trail.html."),
    "geojson": (_C + "export_geo:geojson",
                "RFC 7946 GeoJSON of a trail: the circuit line, its stops as points, licences and credits."),
    "kml": (_C + "export_geo:kml",
            "KML 2.2 of a trail (Google Earth, GPS apps): the line draped on the ground, stops as placemarks."),
    "schema-randonnee": (_C + "export_geo:schema_randonnee",
                         "Circuits in the national schema_randonnee format (v1.1), all trails when no id is given."),
    "qr": (_C + "export_qr:qr", "QR code for a trail's offline bundle (or for one stop's card)."),
    "poster": (_C + "export_qr:poster", "Printable trailhead poster (SVG or PDF): figures, map, story stops, QR code, French and English."),
})
@db_option
def export():
    """Export a trail: GPX, offline bundle, QR code."""


@click.group("map", cls=LazyGroup, lazy_commands={
    "import": (_C + "osm_import:import_",
               "Import paths, tracks, roads, water, woods and buildings of an OSM extract (.osm, .osm.gz, .osm.pbf)."),
    "stats": (_C + "osm_import:stats", "Count the map ways by kind and the path network's nodes, edges and length."),
})
@db_option
def map_group():
    """The offline map's ways and the walkable path network (from OpenStreetMap)."""


@click.group(cls=LazyGroup, lazy_commands={
    "import": (_C + "media:import_", "Copy the POIs' local media files into the store and point the POIs at them."),
})
@db_option
def media():
    """Photos and audio guides: the media store beside the database."""


@click.group(cls=LazyGroup, lazy_commands={
    "add": (_C + "user:add", "Create an account (the password is asked twice, hidden)."),
    "list": (_C + "user:list_", "List the accounts: name, role, active or not, creation date."),
    "passwd": (_C + "user:passwd", "Change an account's password (its open sessions end)."),
})
@db_option
def user():
    """Staff accounts of the web editor: add, list, change a password."""


@click.group(cls=LazyGroup, lazy_commands={
    "import": (_C + "dem:import_",
               "Store an SRTM tile (.hgt or .hgt.zip) or a GeoTIFF in EPSG:4326 (.tif) and give the path network it "
               "covers its elevations."),
})
@db_option
def dem():
    """The elevation model (SRTM tiles) of the path network and of circuits."""
