"""``balise export bundle TRAIL_ID --out DIR [--zip] [--base-url URL] [--tiles FILE.mbtiles] ...``."""
from __future__ import annotations

from pathlib import Path

import click

from exporter import bundle as bundle_exporter
from exporter import offline_map
from poi.i18n import gettext as _
from trails.store import TrailStore
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import trail_id as read_trail_id


@click.command("bundle")
@click.argument("trail_id")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (replaced as a whole).")
@click.option("--zip", "make_zip", is_flag=True, help="Also write DIR.zip.")
@click.option("--base-url", "base_url", default=None, metavar="URL",
              help="Where the bundle will be published (shown in the app's credits).")
@click.option("--photo-max-width", "photo_max_width", type=click.IntRange(16, 8000), default=bundle_exporter.PHOTO_MAX_WIDTH,
              show_default=True, metavar="N", help="Photos are resized to at most N pixels wide.")
@click.option("--photo-quality", "photo_quality", type=click.IntRange(1, 95), default=bundle_exporter.PHOTO_QUALITY, show_default=True,
              metavar="Q", help="JPEG quality of the photos.")
@click.option("--budget-kb", "budget_kb", type=click.FloatRange(min=1), default=3000, show_default=True,
              metavar="K", help="Warn when the whole bundle is over K KB gzipped.")
@click.option("--tiles", "tiles", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE.mbtiles", help="Embed the raster tiles of this MBTiles file for the trail's corridor.")
@click.option("--min-zoom", "min_zoom", type=click.IntRange(0, 22), default=12, show_default=True, metavar="Z",
              help="Lowest zoom level of the embedded tiles.")
@click.option("--max-zoom", "max_zoom", type=click.IntRange(0, 22), default=16, show_default=True, metavar="Z",
              help="Highest zoom level of the embedded tiles.")
@click.option("--corridor-m", "corridor_m", type=click.FloatRange(min=1, max=20000), default=offline_map.CORRIDOR_M,
              show_default=True, metavar="M", help="The offline map covers M metres on each side of the trail.")
@db_option
@pass_env
def bundle(env, trail_id, out, make_zip, base_url, photo_max_width, photo_quality, budget_kb, tiles, min_zoom,
           max_zoom, corridor_m):
    """Offline web bundle of a trail: app, service worker, data, offline map, media, GPX and single-file trail.html."""
    tid = read_trail_id(trail_id)
    store = TrailStore(env.db)
    trail = store.get(tid)
    report = bundle_exporter.export_trail(
        env.db, trail, store.stops_with_pois(tid), out_dir=out, base_url=base_url,
        media_root=Path(env.db_path).resolve().parent, photo_max_width=photo_max_width,
        photo_quality=photo_quality, budget_kb=budget_kb, zip=make_zip, tiles=tiles, min_zoom=min_zoom,
        max_zoom=max_zoom, corridor_m=corridor_m)
    click.echo(_("Wrote {path}", path=report.out_dir) + (f" + {report.zip_path}" if report.zip_path else ""))
    click.echo(bundle_exporter.format_report(report, warnings=False))
    for warning in report.warnings:
        click.echo(_("warning: {text}", text=warning), err=True)
