"""``balise poi dedup``, ``balise poi merge``, ``balise poi split``, ``balise poi sources``."""
from __future__ import annotations

import json

import click

from poi.dedup import dedup, merge, split
from poi.i18n import gettext as _
from poi.store import PoiStore
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import ID


@click.command("dedup")
@click.option("--dry-run", "dry_run", is_flag=True, help="List the duplicates found, merge nothing.")
@click.option("--max-distance-m", "max_distance_m", type=click.FloatRange(min=0, min_open=True), default=50.0,
              show_default=True, metavar="M", help="Farthest apart two records of one place may be (metres).")
@click.option("--min-similarity", "min_similarity", type=click.FloatRange(0, 1, min_open=True), default=0.8,
              show_default=True, metavar="S", help="Lowest name similarity (0-1) that counts as the same name.")
@db_option
@pass_env
def dedup_(env, dry_run, max_distance_m, min_similarity):
    """Merge the POIs that several sources give for one place (never those staff split)."""
    report = dedup(env.db, dry_run=dry_run, max_distance_m=max_distance_m, min_similarity=min_similarity)
    for m in report.matches:
        click.echo(f"{m.a_id}\t{m.b_id}\t{m.reason}\t{m.a_name} = {m.b_name}")
    click.echo(report.summary())


@click.command("merge")
@click.argument("poi_a", type=ID)
@click.argument("poi_b", type=ID)
@click.option("--reason", metavar="TEXT", default=None, help="Why (kept with the merged source).")
@db_option
@pass_env
def merge_(env, poi_a, poi_b, reason):
    """Merge two POIs by hand into the older one; prints the id that remains."""
    kept = merge(env.db, (poi_a, poi_b), reason=reason, user="cli")
    click.echo(kept.id)


@click.command("split")
@click.argument("poi_id", type=ID)
@click.argument("key", metavar="SOURCE:SOURCE_ID")
@db_option
@pass_env
def split_(env, poi_id, key):
    """Take one source out of a merged POI as a POI of its own (remembered: never merged again)."""
    out = split(env.db, poi_id, key, user="cli")
    click.echo(_("POI {new} split from POI {old}: {name}", new=out.id, old=poi_id, name=out.name))
    try:
        from trails.corridor import attach_pois
    except ModuleNotFoundError as e:  # pragma: no cover - trails is part of the package
        if e.name != "trails.corridor":
            raise
        return
    attach_pois(env.db, [out.id])


@click.command("sources")
@click.argument("poi_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@db_option
@pass_env
def sources_(env, poi_id, as_json):
    """List where a POI comes from: source, id, licence, attribution, URL and why it was merged."""
    rows = PoiStore(env.db).provenance(poi_id)
    if as_json:
        click.echo(json.dumps([r._asdict() for r in rows], ensure_ascii=False, indent=1))
        return
    for r in rows:
        click.echo("\t".join([f"{r.source}:{r.source_id}", r.licence, r.attribution, r.url, r.matched_by]))
