"""``balise export gpx TRAIL_ID --out FILE.gpx [--simplify-m M] [--max-points N]``."""
from __future__ import annotations

from pathlib import Path

import click

from exporter import gpx as gpx_exporter
from poi.i18n import gettext as _
from poi.store import PoiStore
from trails.corridor import find_waymarks
from trails.store import TrailStore
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import Count, trail_id as read_trail_id


@click.command("gpx")
@click.argument("trail_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output GPX file (overwritten).")
@click.option("--simplify-m", "simplify_m", type=float, default=None, metavar="M",
              help="Simplify the track (Ramer-Douglas-Peucker): no dropped point farther than M metres.")
@click.option("--max-points", "max_points", type=Count(2), default=None, metavar="N",
              help="At most N track points (older GPS units take 500 per track); simplifies as little as needed.")
@db_option
@pass_env
def gpx(env, trail_id, out, simplify_m, max_points):
    """GPX 1.1 of a trail: its track, its stops and signposts as waypoints, credits and licences in the metadata."""
    tid = read_trail_id(trail_id)
    store = TrailStore(env.db)
    trail = store.get(tid)
    written = gpx_exporter.write(trail, store.stops_with_pois(tid), out, simplify_m=simplify_m,
                                 max_points=max_points, waymarks=find_waymarks(trail, PoiStore(env.db)))
    if written.tolerance_m:
        click.echo(_("Wrote {path}: {points} track points, {waypoints} waypoints (simplified at {tolerance} m)",
                     path=written.path, points=written.points, waypoints=written.waypoints,
                     tolerance=f"{written.tolerance_m:.1f}"))
    else:
        click.echo(_("Wrote {path}: {points} track points, {waypoints} waypoints",
                     path=written.path, points=written.points, waypoints=written.waypoints))
