"""A small progress line for long CLI runs: count and rate, redrawn in place on stderr.

It is shown only to people: when stderr is a terminal, unless ``--quiet``.
``BALISE_PROGRESS=always`` forces it (tests, logs you want it in) and
``BALISE_PROGRESS=never`` silences it everywhere. Output goes to stderr, so
stdout stays the command's result (summaries, ids, JSON).

>>> import io
>>> from poi.i18n import language
>>> ticks = iter([0.0, 2.0, 4.0])
>>> out = io.StringIO()
>>> bar = Progress("toulouse", stream=out, force=True, clock=lambda: next(ticks), min_interval_s=0)
>>> with language("en"):
...     bar.update(500); bar.close(1000)
>>> out.getvalue()
'\\rtoulouse: 500 records (250/s)\\rtoulouse: 1,000 records (250/s)\\n'
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable, TextIO

from poi.i18n import gettext as _


def wanted(stream: TextIO, *, quiet: bool = False, force: bool | None = None) -> bool:
    """Whether to draw progress on ``stream``: a TTY and not quiet, or forced.

    >>> import io
    >>> wanted(io.StringIO()), wanted(io.StringIO(), force=True), wanted(io.StringIO(), quiet=True, force=True)
    (False, True, False)
    """
    if quiet:
        return False
    if force is not None:
        return force
    env = os.environ.get("BALISE_PROGRESS", "").strip().lower()
    if env in ("always", "1", "yes"):
        return True
    if env in ("never", "0", "no"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Progress of a count (records read): ``label: 12,500 records (4,210/s)``.

    Call it with anything that has a ``records`` attribute (an
    :class:`~poi.importers.report.ImportReport`: it is an importer's ``progress``
    callback), or call :meth:`update` with a count; :meth:`close` ends the line.
    Redraws at most every ``min_interval_s`` seconds.
    """

    def __init__(self, label: str, *, stream: TextIO | None = None, quiet: bool = False,
                 force: bool | None = None, min_interval_s: float = 0.2,
                 clock: Callable[[], float] = time.monotonic):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = wanted(self.stream, quiet=quiet, force=force)
        self.min_interval_s = min_interval_s
        self.clock = clock
        self.started = clock() if self.enabled else 0.0
        self.count = 0
        self._last_draw = float("-inf")
        self._drawn = False

    def __call__(self, report) -> None:
        self.update(int(getattr(report, "records", report)))

    def update(self, count: int) -> None:
        self.count = count
        if not self.enabled:
            return
        now = self.clock()
        if now - self._last_draw >= self.min_interval_s:
            self._draw(now)

    def close(self, count: int | None = None) -> None:
        """Draw the final count and end the line (nothing if nothing was drawn and disabled)."""
        if count is not None:
            self.count = count
        if not self.enabled:
            return
        self._draw(self.clock())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        elapsed = now - self.started
        rate = f"{self.count / elapsed:,.0f}" if elapsed > 0 else "…"
        self.stream.write("\r" + _("{label}: {count} records ({rate}/s)", label=self.label,
                                   count=f"{self.count:,}", rate=rate))
        self.stream.flush()
        self._last_draw = now
        self._drawn = True

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif self._drawn:  # an error follows: end the progress line so it starts on its own
            self.stream.write("\n")
            self.stream.flush()
