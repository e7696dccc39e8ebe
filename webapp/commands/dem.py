"""``balise dem import FILE.hgt[.zip]|FILE.tif`` and ``balise trail drape TRAIL_ID``: the elevation model."""
from __future__ import annotations

from pathlib import Path

import click

from poi.i18n import gettext as _
from trails.dem import drape_trail, import_dem
from webapp.cli_options import db_option, pass_env


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@db_option
@pass_env
def import_(env, file):
    """Store an SRTM tile (.hgt or .hgt.zip) or a GeoTIFF in EPSG:4326 (.tif) and give the path network it covers its elevations."""
    report = import_dem(env.db, file)
    lat0, lon0 = report.tile
    if len(report.tiles) > 1:
        click.echo(_("tiles {tiles} ({n}x{n} samples): {edges} path edges given elevations, {voids} points "
                     "without data", tiles="; ".join(f"{a},{b}" for a, b in report.tiles), n=report.samples,
                     edges=report.edges, voids=report.voids))
        return
    click.echo(_("tile {lat},{lon} ({n}x{n} samples): {edges} path edges given elevations, {voids} points "
                 "without data", lat=lat0, lon=lon0, n=report.samples, edges=report.edges, voids=report.voids))


@click.command("drape")
@click.argument("trail_id", type=int)
@click.option("--overwrite", is_flag=True, help="Replace the elevations the trace already has.")
@db_option
@pass_env
def drape(env, trail_id, overwrite):
    """Give a trail's points elevations from the imported DEM (balise dem import) and measure it again."""
    stored = drape_trail(env.db, trail_id, overwrite=overwrite)
    click.echo(_("trail {id}: D+ {ascent} m, D- {descent} m", id=stored.id, ascent=round(stored.ascent_m or 0),
                 descent=round(stored.descent_m or 0)))
