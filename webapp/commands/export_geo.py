"""``balise export geojson``, ``balise export kml`` and ``balise export schema-randonnee``."""
from __future__ import annotations

from pathlib import Path

import click

from exporter import geojson as geojson_exporter
from exporter import kml as kml_exporter
from exporter import schema_randonnee as schema_exporter
from exporter.errors import ExportError
from poi.i18n import gettext as _
from trails.store import TrailStore
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import trail_id as read_trail_id

OUT = click.Path(dir_okay=False, path_type=Path)


@click.command("geojson")
@click.argument("trail_id")
@click.option("--out", "out", required=True, type=OUT, help="Output GeoJSON file (overwritten).")
@click.option("--no-stops", "no_stops", is_flag=True, help="The circuit alone, without its points of interest.")
@db_option
@pass_env
def geojson(env, trail_id, out, no_stops):
    """RFC 7946 GeoJSON of a trail: the circuit line, its stops as points, licences and credits."""
    tid = read_trail_id(trail_id)
    store = TrailStore(env.db)
    trail = store.get(tid)
    path, stops = geojson_exporter.write(trail, [] if no_stops else store.stops_with_pois(tid), out,
                                         include_stops=not no_stops)
    click.echo(_("Wrote {path}: 1 circuit, {stops} points of interest", path=path, stops=stops))


@click.command("kml")
@click.argument("trail_id")
@click.option("--out", "out", required=True, type=OUT, help="Output KML file (overwritten).")
@db_option
@pass_env
def kml(env, trail_id, out):
    """KML 2.2 of a trail (Google Earth, GPS apps): the line draped on the ground, stops as placemarks."""
    tid = read_trail_id(trail_id)
    store = TrailStore(env.db)
    trail = store.get(tid)
    path, stops = kml_exporter.write(trail, store.stops_with_pois(tid), out)
    click.echo(_("Wrote {path}: 1 circuit, {stops} points of interest", path=path, stops=stops))


@click.command("schema-randonnee")
@click.argument("trail_ids", nargs=-1)
@click.option("--out", "out", required=True, type=OUT, help="Output GeoJSON file (overwritten).")
@click.option("--published-only", "published_only", is_flag=True, help="Only the published trails.")
@click.option("--producer", default="", metavar="NAME",
              help="`producteur` of the trails that name no attribution (e.g. your tourism office).")
@db_option
@pass_env
def schema_randonnee(env, trail_ids, out, published_only, producer):
    """Circuits in the national schema_randonnee format (v1.1), all trails when no id is given."""
    store = TrailStore(env.db)
    if trail_ids:
        trails = [store.get(read_trail_id(value)) for value in dict.fromkeys(trail_ids)]
        if published_only:
            trails = [t for t in trails if t.published]
    else:
        trails = store.all(published_only=published_only)
    if not trails:
        raise ExportError(_("no trail to export; import circuits first, or publish them"))
    written = schema_exporter.write([(t, store.stops_with_pois(t.id)) for t in trails], out,
                                    producer=producer, skip_empty=not trail_ids)
    click.echo(_("Wrote {path}: {circuits} circuits", path=written.path, circuits=written.circuits))
    if written.skipped:
        click.echo(_("Left out (no trace): {names}", names=", ".join(written.skipped)), err=True)
