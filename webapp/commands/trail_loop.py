"""``balise trail loop --from START --duration 2h``: loops of a chosen duration through the most heritage."""
from __future__ import annotations

import json

import click

from poi.i18n import gettext as _
from trails.filter_params import format_duration, parse_duration_min
from trails.loop_output import loop_json, loop_trail, resolve_start, save_loop
from trails.loops import generate_loops, request_note
from trails.models import PRACTICES
from webapp.cli_options import db_option, pass_env


@click.command("loop")
@click.option("--from", "start", required=True, metavar="LAT,LON|poi:ID|TOWN",
              help="Where the loop starts and ends: a point, a POI or a town of the catalogue.")
@click.option("--duration", required=True, metavar="2h",
              help="Target duration: the walker's time with visits at the heritage stops (2h, 1h30, 90).")
@click.option("--tolerance", type=float, default=0.15, show_default=True,
              help="Accepted relative difference to the duration.")
@click.option("--theme", "themes", metavar="T", multiple=True,
              help="Only heritage POIs of this theme count (repeat for several).")
@click.option("--practice", metavar="P", default="walking", show_default=True,
              type=click.Choice(PRACTICES), help="Access and speed of the practice.")
@click.option("--variants", type=int, default=3, show_default=True, help="How many distinct loops (1-5).")
@click.option("--objective", type=click.Choice(["heritage", "none"]), default="heritage", show_default=True,
              help="heritage: pass the most heritage; none: a POI-blind round trip.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same loops).")
@click.option("--name", metavar="NAME", default=None, help="Name of the stored loops (default: from the start).")
@click.option("--publish", is_flag=True, help="Publish the stored loops at once (default: drafts).")
@click.option("--dry-run", is_flag=True, help="Store nothing, print the loops.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per variant.")
@db_option
@pass_env
def loop(env, start, duration, tolerance, themes, practice, variants, objective, seed, name, publish, dry_run,
         as_json):
    """Compose loops of a chosen duration from a start over the path network, through the most heritage.

    Without --dry-run each variant is stored as a trail (draft unless --publish) and its id printed.
    """
    minutes = parse_duration_min(duration)
    lon, lat, label = resolve_start(env.db, start)
    loops = generate_loops(env.db, lon, lat, minutes, tolerance=tolerance, themes=themes, practice=practice,
                           variants=variants, objective=objective, seed=seed)
    base = name or _("Loop from {start}, {duration}", start=label, duration=format_duration(minutes))
    out = []
    note = request_note(loops)
    if note and not as_json:
        click.echo(note)
    for k, found in enumerate(loops, start=1):
        title = base if len(loops) == 1 else f"{base} ({k})"
        if dry_run:
            stored = loop_trail(found, name=title, practice=practice, themes=themes)
        else:
            stored = save_loop(env.db, found, name=title, practice=practice, themes=themes, publish=publish)
        out.append(loop_json(found, stored))
        if not as_json:
            walking, start_end, visits = found.parts_min
            click.echo(_("{id}{km} km, {duration} ({walking} walking + {start} start and finish + {visits} of "
                         "visits), {n} heritage stops, D+ {ascent} m, walked twice {reuse} %",
                         id="" if dry_run else f"{stored.id}: ", km=f"{found.length_m / 1000:.1f}",
                         duration=format_duration(found.duration_min), walking=format_duration(walking),
                         start=format_duration(start_end), visits=format_duration(visits),
                         n=found.heritage_stop_count, ascent=round(stored.ascent_m or 0),
                         reuse=round(100 * found.reuse_ratio)))
            if found.fit_note and not note:
                click.echo(found.fit_note)
            if found.reuse_note:
                click.echo(found.reuse_note)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
