"""The ``balise`` command line: parse, call one library function, format the result.

Every command takes ``--db PATH`` (default ``$BALISE_DB``, else ``./balise.db``).
Exit status: 0 on success, 2 on bad input with a one-line reason on stderr.
Commands live one group per file in :mod:`webapp.commands`.
"""
from __future__ import annotations

import re
import sys

import click

from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.i18n import language
from poi.store import default_db_path, open_db


def one_line(message: str) -> str:
    """A message on one line: the line breaks and control characters of a quoted value become spaces.

    >>> one_line('cannot read the duration "0\\r\\n0"')
    'cannot read the duration "0 0"'
    """
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]+", " ", message)


class BaliseGroup(click.Group):
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


class Env:
    """Lazily opened database, shared by the commands of one run."""

    def __init__(self, db_path: str | None):
        self.db_path = db_path or default_db_path()
        self._db = None

    @property
    def db(self):
        if self._db is None:
            from webapp.schema import COMPONENTS  # on first use: --help needs no store module

            self._db = open_db(self.db_path, COMPONENTS)
        return self._db


pass_env = click.make_pass_decorator(Env)


def db_option(f):
    """``--db PATH`` on every command (it may also be given before the command name)."""

    def callback(ctx, param, value):
        if value:
            ctx.ensure_object(Env).db_path = value
        return value

    return click.option("--db", "db_path", metavar="PATH", expose_value=False, callback=callback,
                        is_eager=True, help="SQLite database (default: $BALISE_DB, else ./balise.db).")(f)


@click.group(cls=BaliseGroup)
@click.option("--db", "db_path", metavar="PATH", help="SQLite database (default: $BALISE_DB, else ./balise.db).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, help="Language of messages.")
@click.version_option(package_name="balise")
@click.pass_context
def cli(ctx, db_path, lang):
    """Balise: offline-capable, geolocated heritage trails."""
    ctx.obj = Env(db_path)
    ctx.with_resource(language(lang or "en"))


def _register() -> None:
    from webapp.commands import register_all

    register_all(cli)


_register()


def main() -> None:  # console-script entry point
    cli(prog_name="balise")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
