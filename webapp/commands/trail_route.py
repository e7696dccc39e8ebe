"""``balise trail route POI_ID POI_ID ... --name NAME``: a circuit routed over the path network, stored."""
from __future__ import annotations

from pathlib import Path

import click

from poi.i18n import gettext as _
from trails.filter_params import format_duration, label
from trails.routing import MAX_SNAP_M, save_routed_trail
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import ID


@click.command("route")
@click.argument("poi_ids", nargs=-1, required=True, type=ID, metavar="POI_ID POI_ID [POI_ID ...]")
@click.option("--name", required=True, metavar="NAME", help="Name of the new trail.")
@click.option("--loop", is_flag=True, help="Come back from the last POI to the first.")
@click.option("--theme", "themes", metavar="T", multiple=True, help="A theme (repeat for several).")
@click.option("--practice", metavar="P", default="walking", show_default=True,
              help="walking, trail_running, mountain_bike, cycling, horse_riding or snowshoe (road and step "
                   "costs).")
@click.option("--max-snap", "max_snap_m", metavar="M", type=float, default=MAX_SNAP_M, show_default=True,
              help="Farthest a POI may be from a path, in metres.")
@click.option("--srtm", metavar="PATH", type=click.Path(path_type=Path), default=None,
              help="Folder (or file) of SRTM .hgt tiles for the elevations.")
@click.option("--publish", is_flag=True, help="Publish at once (default: draft, for staff to review).")
@db_option
@pass_env
def route(env, poi_ids, name, loop, themes, practice, max_snap_m, srtm, publish):
    """Route a trail through POIs, in order, over the imported path network (balise map import).

    Prints the new trail's id (its length and duration go to stderr). The chosen POIs become its stops.
    """
    stored = save_routed_trail(env.db, poi_ids, name=name, loop=loop, practice=practice, themes=themes,
                               publish=publish, max_snap_m=max_snap_m, srtm=srtm)
    click.echo(stored.id)
    click.echo(_("{km} km, {duration} (DIN 33466), {route_type}, through {n} POIs",
                 km=f"{stored.length_m / 1000:.2f}", duration=format_duration(stored.duration_min),
                 route_type=label(stored.route_type), n=len(stored.routed_through)), err=True)
