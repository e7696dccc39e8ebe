"""``balise demo``: build the demo catalogue from ``data/`` into the db, print what was built, then serve it."""
from __future__ import annotations

import click

from poi.i18n import gettext as _
from webapp.cli_options import db_option, pass_env


def _progress(*parts) -> None:
    """Progress lines of the build, on stderr (stdout keeps the report)."""
    click.echo(" ".join(str(p) for p in parts), err=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--no-serve", is_flag=True, envvar="BALISE_NO_SERVE",
              help="Build the demo catalogue and stop (do not start the server); also BALISE_NO_SERVE=1.")
@db_option
@pass_env
def demo(env, host, port, no_serve):
    """Build the demo catalogue from the data/ folder, then serve it (http://HOST:PORT/)."""
    from webapp.demo import build_demo
    from webapp.commands.serve import run_server

    report = build_demo(env.db, progress=_progress)
    click.echo(report.summary())
    for problem in report.problems:
        click.echo(_("warning: {text}", text=problem), err=True)
    click.echo(_("Database: {path}", path=env.db_path))
    if not no_serve:
        run_server(env.db_path, host, port)
