"""Whole numbers and ids as visitors, staff and scripts write them: one strict reading for every route.

Only ASCII digits count (``"²"`` and ``"٣"`` pass ``str.isdigit()`` but are not numbers here), at most
19 of them, and ids stay below 2**63 (what SQLite stores). Every ``<int:...>`` in a route goes through
:class:`IdConverter`: a larger or non-ASCII id matches no route, so the visitor gets a 404, never a 500.
The CLI reads its numbers with the same rule (:mod:`webapp.cli_types`).

>>> whole_number("42", name="page", low=1, high=10**6), parse_id("9223372036854775807")
(42, 9223372036854775807)
>>> parse_id("9223372036854775808") is None, parse_id("²") is None, parse_id("-1") is None
(True, True, True)
"""
from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

from poi.errors import BaliseError
from poi.i18n import gettext as _

#: The largest id SQLite can store (a signed 64-bit integer).
ID_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
#: How much of a bad value an error message quotes.
SHOWN_CHARS = 40


class ParamError(BaliseError, ValueError):
    """A number or id in a request or on the command line cannot be understood (400 / exit 2)."""


def shown(value: str) -> str:
    """``value`` cut to :data:`SHOWN_CHARS` characters for an error message (a 5,000-digit value stays short).

    >>> shown("9" * 50)
    '9999999999999999999999999999999999999999…'
    """
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"


def parse_id(text: str) -> int | None:
    """The id written in ``text`` (ASCII digits, 0 to :data:`ID_MAX`), else None."""
    text = text.strip()
    if not _DIGITS.fullmatch(text) or int(text) > ID_MAX:
        return None
    return int(text)


def whole_number(text: str, *, name: str, low: int, high: int) -> int:
    """The whole number written in ``text`` within ``[low, high]``, else :class:`ParamError`.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     whole_number("²", name="limit", low=1, high=100)
    Traceback (most recent call last):
    webapp.params.ParamError: limit must be a whole number from 1 to 100, not '²'
    """
    value = parse_id(text)
    if value is None or not low <= value <= high:
        raise ParamError(_("{name} must be a whole number from {low} to {high}, not {value!r}",
                           name=name, low=low, high=high, value=shown(text.strip())))
    return value


def int_arg(args, name: str, default: int, low: int, high: int) -> int:
    """The query parameter ``name`` of ``args`` read by :func:`whole_number` (``default`` when absent or blank)."""
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    return whole_number(raw, name=name, low=low, high=high)


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: ASCII digits only, at most :data:`ID_MAX` (else no route matches: 404)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    """Install :class:`IdConverter` as ``int`` (before any blueprint adds its routes)."""
    app.url_map.converters["int"] = IdConverter
