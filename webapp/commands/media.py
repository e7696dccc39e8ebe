"""``balise media import``: local photos and audio of POIs into the content-addressed media store."""
from __future__ import annotations

from pathlib import Path

import click

from poi.i18n import gettext as _
from poi.media import MediaStore, import_media
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import ID


@click.command("import")
@click.option("--poi", "poi_ids", type=ID, multiple=True, metavar="ID",
              help="Only this POI (repeatable); default: every POI.")
@click.option("--media-dir", "media_dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Media store folder (default: media/ beside the database, where bundles look).")
@db_option
@pass_env
def import_(env, poi_ids, media_dir):
    """Copy the POIs' local media files into the store and point the POIs at them."""
    store = MediaStore(media_dir, env.db) if media_dir else MediaStore.for_db(env.db_path, env.db)
    report = import_media(env.db, store, list(poi_ids) or None, base=Path(env.db_path).resolve().parent)
    for problem in report.problems:
        click.echo("  " + _("skipped {problem}", problem=problem))
    click.echo(report.summary())
