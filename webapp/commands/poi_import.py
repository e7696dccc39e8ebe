"""``balise poi import FILE``, ``balise poi search TEXT``, ``balise poi list``."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from poi.i18n import gettext as _
from poi.importers import import_file
from poi.store import PoiStore
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import Count
from webapp.progress import Progress


@click.command("import")
@click.argument("file")
@click.option("--format", "fmt", metavar="F", default=None,
              help="geojson, csv, gpx (waypoints), osm, datatourisme, merimee, geotrek, apidae, tourinsoft or "
                   "lei; default: from the file extension.")
@click.option("--since", metavar="DATE", default=None,
              help="With a URL: only what changed since this ISO date, where the service can say (Geotrek).")
@click.option("--source", metavar="NAME", default=None,
              help="Source name; POIs are updated in place by (source, id). Default: the file's name.")
@click.option("--licence", metavar="L", default=None, help="Licence of the data (e.g. 'ODbL 1.0').")
@click.option("--attribution", metavar="A", default=None,
              help="Credit line (e.g. '© OpenStreetMap contributors').")
@click.option("--lat-col", "lat_col", metavar="C", default=None, help="CSV: latitude column.")
@click.option("--lon-col", "lon_col", metavar="C", default=None, help="CSV: longitude column.")
@click.option("--delimiter", metavar="D", default=None, help="CSV: delimiter (default: sniffed, ';' or ',').")
@click.option("--encoding", metavar="E", default=None, help="CSV: text encoding (default UTF-8, e.g. latin-1).")
@click.option("--dry-run", "dry_run", is_flag=True, help="Read and check everything, write nothing.")
@click.option("--quiet", is_flag=True, help="No progress line on stderr (it is only shown on a terminal).")
@db_option
@pass_env
def import_(env, file, fmt, since, source, licence, attribution, lat_col, lon_col, delimiter, encoding, dry_run,
            quiet):
    """Import POIs from a file or a web service's URL; new POIs join the trails they are near."""
    attached = []  # the stops the new POIs gained, attached in the import's own transaction
    with Progress(Path(file).name or file, quiet=quiet) as progress:
        report = import_file(env.db, file, format=fmt, source=source, dry_run=dry_run, licence=licence, since=since,
                             attribution=attribution, lat_col=lat_col, lon_col=lon_col, delimiter=delimiter,
                             encoding=encoding, progress=progress,
                             then=lambda r: attached.append(_attach(env.db, r.ids) if r.ids else None))
    click.echo(report.summary())
    for problem in report.problems:
        click.echo("  " + _("skipped {problem}", problem=problem))
    if report.seconds > 0 and report.records:
        click.echo(_("{n} records in {seconds} s", n=report.records, seconds=f"{report.seconds:.2f}"))
    if attached and attached[0] is not None:
        click.echo(_("{n} stops attached to trails", n=attached[0]))


def _attach(db, poi_ids: list[int]) -> int | None:
    """New POIs join the trails whose corridor they fall in (None if trails cannot do it yet)."""
    try:
        from trails.corridor import attach_pois
    except ModuleNotFoundError as e:
        if e.name != "trails.corridor":
            raise
        return None
    return attach_pois(db, poi_ids)


def _as_dict(p) -> dict:
    d = dataclasses.asdict(p)
    for key in ("extra", "commune", "insee"):  # the JSON keys stay those of before they were fields
        d.pop(key, None)
    return {"id": d.pop("id"), **d}


def _echo_pois(pois, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([_as_dict(p) for p in pois], ensure_ascii=False, indent=1))
        return
    for p in pois:
        click.echo(f"{p.id}\t{p.category}\t{p.name}\t{p.lat:.6f},{p.lon:.6f}\t{p.source}")


@click.command("search")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--limit", default=50, show_default=True, type=Count(1), help="At most N POIs.")
@db_option
@pass_env
def search(env, text, as_json, limit):
    """Find POIs by words of their name, description, category or themes (accents ignored)."""
    _echo_pois(PoiStore(env.db).search(text, limit=limit), as_json)


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--limit", default=None, type=Count(1), metavar="N", help="At most N POIs.")
@db_option
@pass_env
def list_(env, as_json, limit):
    """List the POIs (id, category, name, lat,lon, source)."""
    _echo_pois(PoiStore(env.db).all(limit=limit), as_json)
