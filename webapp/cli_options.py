"""What every ``balise`` command shares: the run's :class:`Env`, ``--db``, and the lazy command group.

A leaf module (as rasterio's ``rio/options.py``): commands import it, it imports no command and
nothing heavy, so ``balise --help`` and commands that need no web app start quickly. The database
(sqlite-utils) is only imported when a command first touches :attr:`Env.db`.
"""
from __future__ import annotations

import importlib
import os

import click


class Env:
    """The database of one run: its path (``--db``, else ``$BALISE_DB``, else ``./balise.db``), opened lazily."""

    def __init__(self, db_path: str | None = None):
        self._db_path = db_path
        self._db = None

    @property
    def db_path(self) -> str:
        if not self._db_path:
            from poi.store import default_db_path

            self._db_path = default_db_path()
        return self._db_path

    @db_path.setter
    def db_path(self, value: str | os.PathLike) -> None:
        self._db_path = os.fspath(value)

    @property
    def db(self):
        """The database with every component's tables, whichever command opens it first."""
        if self._db is None:
            from poi.store import open_db
            from webapp.schema import COMPONENTS  # on first use: --help needs no store module

            self._db = open_db(self.db_path, COMPONENTS)
        return self._db


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit`` characters, with "..." when cut (as click shortens help).

    >>> _shorten("Build the demo catalogue, then serve it.", 24)
    'Build the demo...'
    """
    if len(text) <= limit:
        return text
    return text[:max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


pass_env = click.make_pass_decorator(Env)


def db_option(f):
    """``--db PATH`` on every command (it may also be given before the command name)."""

    def callback(ctx, param, value):
        if value:
            ctx.ensure_object(Env).db_path = value
        return value

    return click.option("--db", "db_path", metavar="PATH", expose_value=False, callback=callback,
                        is_eager=True, help="SQLite database (default: $BALISE_DB, else ./balise.db).")(f)


class LazyGroup(click.Group):
    """A group whose commands are imported only when run or asked for help (click's ``LazyGroup`` recipe).

    ``commands`` maps each name to ``("package.module:attribute", "short help")``; listing the
    group (``--help``) shows the short help without importing anything, so a command that needs
    Flask or the database costs nothing to the others. ``tests/test_cli_startup.py`` checks that
    each short help is the command's own.
    """

    def __init__(self, *args, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx, name: str) -> click.Command | None:
        if name in self.lazy_commands and name not in self.commands:
            target = self.lazy_commands[name][0]
            module, _, attribute = target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):  # pragma: no cover - a wrong table entry
                raise TypeError(f"{target} is not a click command")
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter) -> None:
        """The command list of ``--help``, from the table's short help for commands not imported yet."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                rows.append((name, _shorten(self.lazy_commands[name][1], limit)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
