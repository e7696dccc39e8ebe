"""``balise map import FILE`` and ``balise map stats``: the offline map's ways and the path network.

POIs of the same extract come in with ``balise poi import FILE.osm.pbf`` (``--format osm``).
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from poi.i18n import gettext as _
from poi.network import import_osm_map, network_stats
from trails.dem import drape_new_edges
from webapp.cli_options import db_option, pass_env


def _stats_lines(stats) -> list[str]:
    kinds = ", ".join(f"{kind} {n}" for kind, n in stats.ways.items()) or _("none")
    return [_("map ways: {kinds}", kinds=kinds),
            _("path network: {nodes} nodes, {edges} edges, {km} km, {parts} connected parts",
              nodes=stats.nodes, edges=stats.edges, km=f"{stats.edges_length_m / 1000:.1f}",
              parts=stats.components)]


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--bbox", metavar="MIN_LON,MIN_LAT,MAX_LON,MAX_LAT", default=None,
              help="Keep only the ways that meet this box (WGS84 degrees).")
@db_option
@pass_env
def import_(env, file, bbox):
    """Import paths, tracks, roads, water, woods and buildings of an OSM extract (.osm, .osm.gz, .osm.pbf)."""
    report = import_osm_map(env.db, file, bbox=bbox)
    draped = drape_new_edges(env.db)
    click.echo(report.summary())
    if draped:
        click.echo(_("{edges} path edges given elevations from the imported DEM", edges=draped))
    for line in _stats_lines(report.stats):
        click.echo(line)


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_option
@pass_env
def stats(env, as_json):
    """Count the map ways by kind and the path network's nodes, edges and length."""
    result = network_stats(env.db)
    if as_json:
        click.echo(json.dumps(result._asdict(), ensure_ascii=False))
        return
    for line in _stats_lines(result):
        click.echo(line)
