"""The ``balise`` command line: parse, call one library function, format the result.

Every command takes ``--db PATH`` (default ``$BALISE_DB``, else ``./balise.db``).
Exit status: 0 on success, 2 on bad input with a one-line reason on stderr.
Commands live one group per file in :mod:`webapp.commands`, registered here and in
:mod:`webapp.commands.groups` by import path: a command module is imported only when that
command runs (``balise --help`` imports neither Flask nor the database layer). The options
they share live in the leaf module :mod:`webapp.cli_options`.
"""
from __future__ import annotations

import re
import sys

import click

from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.i18n import language
from webapp.cli_options import Env, LazyGroup

#: Top-level commands: name -> ("module:attribute", short help shown by ``balise --help``).
COMMANDS = {
    "demo": ("webapp.commands.demo:demo",
             "Build the demo catalogue from the data/ folder, then serve it (http://HOST:PORT/)."),
    "serve": ("webapp.commands.serve:serve", "Serve the web app (waitress, production-grade WSGI server)."),
    "trails": ("webapp.commands.trails_list:trails",
               "List trails matching filters, with facet counts (all trails, unless --published)."),
    "poi": ("webapp.commands.groups:poi", "Points of interest: import, list."),
    "trail": ("webapp.commands.groups:trail", "One trail: import a GPX or a circuit file, measure a GPX."),
    "export": ("webapp.commands.groups:export", "Export a trail: GPX, offline bundle, QR code."),
    "map": ("webapp.commands.groups:map_group",
            "The offline map's ways and the walkable path network (from OpenStreetMap)."),
    "media": ("webapp.commands.groups:media", "Photos and audio guides: the media store beside the database."),
    "publish": ("webapp.commands.publish:publish",
                "Publish the public site as static files any web server or CDN serves."),
    "sync": ("webapp.commands.sync:sync", "Import every registered source; each run's report is kept."),
    "dem": ("webapp.commands.groups:dem", "The elevation model (SRTM tiles) of the path network and of circuits."),
    "user": ("webapp.commands.groups:user", "Staff accounts of the web editor: add, list, change a password."),
}


def one_line(message: str) -> str:
    """A message on one line: the line breaks and control characters of a quoted value become spaces.

    >>> one_line('cannot read the duration "0\\r\\n0"')
    'cannot read the duration "0 0"'
    """
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]+", " ", message)


class BaliseGroup(LazyGroup):
    """A click group that turns every Balise error into one line on stderr and exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BaliseError as e:
            click.echo(f"balise: error: {one_line(str(e))}", err=True)
            ctx.exit(2)
        except click.UsageError as e:  # a bad option or argument of a command: one line too, not click's four
            where = e.ctx.command_path if e.ctx else ctx.command_path
            click.echo(f"balise: error: {one_line(e.format_message())} ({_('see {command} --help', command=where)})",
                       err=True)
            ctx.exit(2)
        except BrokenPipeError:  # `balise poi list | head`: the reader left, nothing to report
            sys.stderr.close()
            ctx.exit(0)
        except (OSError, UnicodeError) as e:
            click.echo(f"balise: error: {one_line(str(e))}", err=True)
            ctx.exit(2)


@click.group(cls=BaliseGroup, lazy_commands=COMMANDS)
@click.option("--db", "db_path", metavar="PATH", help="SQLite database (default: $BALISE_DB, else ./balise.db).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, help="Language of messages.")
@click.version_option(package_name="balise")
@click.pass_context
def cli(ctx, db_path, lang):
    """Balise: offline-capable, geolocated heritage trails."""
    ctx.obj = Env(db_path)
    ctx.with_resource(language(lang or "en"))


def main() -> None:  # console-script entry point
    cli(prog_name="balise")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
