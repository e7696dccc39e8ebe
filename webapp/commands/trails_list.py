"""``balise trails``: list the catalogue through the filter engine (:mod:`trails.filters`).

Its filter options are those of the filter registry (:data:`trails.filters.FILTERS`): one
option per query parameter, ``--max-duration`` for ``max_duration``.

It is a staff tool: it lists **every** trail, published or not, unless ``--published``
(``--all``, the default, says so explicitly). The public web catalogue shows published
trails only.

Output:

- without ``--json``: a table (id, name, km, D+, duration, difficulty, route, themes), then the
  filter sentences ("walking time under 2 h 30", "loops only"), then the facet counts, each counted under the
  other filters;
- ``--json``: a JSON array of trail summaries (``Trail.summary_dict()``: ``id, name, length_m,
  ascent_m, descent_m, duration_min, duration_computed_min, duration_source, difficulty, themes,
  route_type, practice``, ...), the DESIGN.md contract, plus ``duration_with_visits_min`` (walking
  plus the visit time at its stops, :func:`trails.duration.duration_with_visits_min`);
- ``--json --facets``: one JSON object ``{"trails": [...], "total": N, "facets": {facet: {value:
  count}}, "filters": [sentences]}`` instead.

A value the filters cannot read (``--max-duration 2x``) is one line on stderr and exit status 2.
"""
from __future__ import annotations

import json

import click

from poi.i18n import gettext as _
from trails.duration import with_visits_by_trail
from trails.filter_index import search
from trails.filter_params import format_duration, label
from trails.filters import FilterSet, query_params
from trails.store import TrailStore
from trails.towns import TownFinder
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import Count

_FACET_TITLES = {"difficulty": "difficulty", "theme": "theme", "duration": "duration",
                 "practice": "practice", "route_type": "route type", "accessibility": "accessibility"}


def filter_options(command):
    """Add one option per query parameter of the filters (:func:`trails.filters.query_params`)."""
    for param in reversed(query_params(staff=True)):
        names = [f"{param.option}/{param.off}" if param.off else param.option, *param.aliases]
        if param.kind == "flag":
            flag = {} if param.off else {"is_flag": True}  # "--published/--all" is a boolean pair already
            option = click.option(*names, param.name, default=False, help=param.help, **flag)
        else:
            option = click.option(*names, param.name, multiple=param.multiple, metavar=param.metavar,
                                  help=param.help)
        command = option(command)
    return command


def list_trails(env, sort, limit, offset, as_json, facets, **options):
    """List trails matching filters, with facet counts (all trails, unless --published)."""
    params = {key: ("1" if value is True else value) for key, value in options.items()
              if value not in (None, (), False)}
    filters = FilterSet.from_params(params, staff=True, towns=TownFinder(env.db))
    result = search(env.db, filters, sort=sort, limit=limit, offset=offset)
    visits = with_visits_by_trail(result.trails, TrailStore(env.db))
    summaries = [{**t.summary_dict(), "duration_with_visits_min": visits[t.id]} for t in result.trails]
    if as_json:
        data = ({"trails": summaries, "total": result.total, "facets": result.facets,
                 "filters": result.descriptions} if facets else summaries)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(_table(result.trails))
    click.echo(_("{shown} of {total} trails", shown=len(result.trails), total=result.total))
    if result.descriptions:
        click.echo(_("Filters: {sentences}", sentences="; ".join(result.descriptions)))
    for facet, counts in result.facets.items():
        shown = [f"{label(value)} {n}" for value, n in counts.items() if n]
        click.echo(_("{facet}: {counts}", facet=_(_FACET_TITLES[facet]), counts=" · ".join(shown) or "–"))


def trails_command() -> click.Command:
    """The ``trails`` command, with the options of the filters registered now."""
    command = list_trails
    for option in reversed([
            click.option("--sort", default="name", show_default=True,
                         help="name, duration, length, ascent; -x descending."),
            click.option("--limit", type=Count(0), default=None, metavar="N",
                         help="Show at most N trails."),
            click.option("--offset", type=Count(0), default=0, metavar="N",
                         help="Skip the first N trails."),
            click.option("--json", "as_json", is_flag=True, help="Print a JSON array of trail summaries."),
            click.option("--facets", is_flag=True,
                         help="With --json: print an object with trails, total, facets, filters."),
            db_option, pass_env]):
        command = option(command)
    return click.command("trails")(filter_options(command))


def _table(trails) -> str:
    headers = [_("id"), _("name"), _("km"), _("D+ m"), _("duration"), _("difficulty"), _("route"), _("themes")]
    rows = [[str(t.id), t.name, f"{t.length_m / 1000:.1f}", f"{t.ascent_m:.0f}", format_duration(t.duration_min),
             label(t.difficulty), label(t.effective_route_type), ", ".join(t.themes)] for t in trails]
    widths = [min(40, max(len(r[i]) for r in [headers, *rows])) for i in range(len(headers) - 1)]
    lines = []
    for row in [headers, *rows]:
        cells = [cell[:w].ljust(w) if i not in (0, 2, 3) else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines)


trails = trails_command()
