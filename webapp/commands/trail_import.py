"""``balise trail import FILE`` and ``balise trail stats FILE.gpx``: parse, call trails.assembly, print."""
from __future__ import annotations

import json
from pathlib import Path

import click

from poi.i18n import gettext as _
from trails.assembly import gpx_stats, import_file
from trails.filter_params import format_duration, label
from trails.metrics import HYSTERESIS_M, MEDIAN_WINDOW, difficulty_label
from webapp.cli_options import db_option, pass_env


DIN33466_FORMULA = "DIN 33466 (t = max(t_h, t_v) + min(t_h, t_v)/2, t_h = km/4 h, t_v = D+/300 + D-/500 h)"


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", metavar="F", default=None,
              help="gpx, schema_randonnee, geotrek or apidae (every circuit of the file); default: from the "
                   "extension.")
@click.option("--name", metavar="N", default=None, help="Trail name (GPX; default: the GPX name, else the file name).")
@click.option("--theme", "themes", metavar="T", multiple=True, help="A theme (repeat for several).")
@click.option("--practice", metavar="P", default=None,
              help="walking (default for GPX), trail_running, mountain_bike, cycling, horse_riding, snowshoe.")
@click.option("--publish", is_flag=True, help="Publish at once (default: draft, for staff to review).")
@db_option
@pass_env
def import_(env, file, fmt, name, themes, practice, publish):
    """Import a trail from a GPX file, or every circuit of a schema_randonnee file; prints the new ids."""
    for stored in import_file(env.db, file, format=fmt, name=name, themes=themes, practice=practice,
                              publish=publish):
        click.echo(stored.id)


@click.command("stats")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object (length_m, ascent_m, duration_min, ...).")
@click.option("--model", metavar="M", default="din33466", show_default=True,
              help="Duration model: din33466 or schweizmobil.")
@db_option
def stats(file, as_json, model):
    """Measure a GPX file (length, climb, duration, difficulty) without storing it."""
    s = gpx_stats(file, model=model)
    if as_json:
        click.echo(json.dumps(s._asdict(), ensure_ascii=False))
        return
    click.echo(s.name or file.name)
    click.echo(_("Length: {km} km (geodesic, WGS84), {segments} segment(s), {points} points",
                 km=f"{s.length_m / 1000:.2f}", segments=s.segments, points=s.points))
    if s.has_elevation:
        click.echo(_("Ascent: {up} m, descent: {down} m (raw sum: {raw_up} m / {raw_down} m)",
                     up=round(s.ascent_m), down=round(s.descent_m), raw_up=round(s.ascent_raw_m),
                     raw_down=round(s.descent_raw_m)))
        click.echo(_("Smoothing: median of {window} points, then a {threshold} m hysteresis",
                     window=MEDIAN_WINDOW, threshold=f"{HYSTERESIS_M:g}"))
        click.echo(_("Elevation: {low} to {high} m", low=round(s.ele_min_m), high=round(s.ele_max_m)))
    else:
        click.echo(_("No elevation in the file: ascent and descent count as 0 m"))
    formulas = {"din33466": DIN33466_FORMULA, "schweizmobil": _("the SchweizMobil slope polynomial")}
    other = "schweizmobil" if s.duration_model == "din33466" else "din33466"
    minutes = {"din33466": s.duration_din33466_min, "schweizmobil": s.duration_schweizmobil_min}
    click.echo(_("Duration: {duration} by {formula}", duration=format_duration(s.duration_min),
                 formula=formulas[s.duration_model]))
    click.echo(_("Other model, {formula}: {duration}", duration=format_duration(minutes[other]),
                 formula=formulas[other]))
    click.echo(_("Difficulty: {level} (effort {effort} km-effort = km + D+/100)",
                 level=difficulty_label(s.difficulty), effort=f"{s.effort:.1f}"))
    click.echo(_("Route: {route_type}", route_type=label(s.route_type)))
