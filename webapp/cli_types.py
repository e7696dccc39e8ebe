"""Strict click parameter types for ids and counts: the web's rule (:mod:`webapp.params`) on the command line.

``type=int`` accepts ``"²"``-free text only by luck and lets ``9223372036854775808`` through to SQLite
(OverflowError, a traceback). These types take ASCII digits within bounds and fail as a usage error:
one line on stderr, exit 2 (see :class:`webapp.cli.BaliseGroup`).

>>> ID.convert("42", None, None), Count(1).convert("7", None, None)
(42, 7)
"""
from __future__ import annotations

import click

from poi.errors import NotFoundError
from poi.i18n import gettext as _
from webapp.params import ID_MAX, parse_id, shown


class IdType(click.ParamType):
    """A record id: a whole number from 0 to 2**63 - 1."""

    name = "id"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= ID_MAX:
            return value
        number = parse_id(str(value))
        if number is None:
            self.fail(_("{value!r} is not an id (a whole number from 0 to {max})",
                        value=shown(str(value)), max=ID_MAX), param, ctx)
        return number


class Count(click.ParamType):
    """A whole number from ``low`` to ``high`` (a limit, an offset, a number of points)."""

    name = "integer"

    def __init__(self, low: int = 0, high: int = ID_MAX):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        number = value if isinstance(value, int) and not isinstance(value, bool) else parse_id(str(value))
        if number is None or not self.low <= number <= self.high:
            self.fail(_("{value!r} is not a whole number from {low} to {high}",
                        value=shown(str(value)), low=self.low, high=self.high), param, ctx)
        return number


ID = IdType()


def trail_id(value: str) -> int:
    """The trail id written in ``value`` (an argument read as text), else :class:`NotFoundError` (exit 2)."""
    number = parse_id(str(value))
    if number is None:
        raise NotFoundError(_("no trail with id {value!r}; trail ids are numbers (see `balise trails`)",
                              value=shown(str(value))))
    return number
