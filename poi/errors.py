"""Errors of the POI layer; ``BaliseError`` is the root of every Balise error.

Every package has its own ``errors.py``; their exceptions all derive from
:class:`BaliseError`, so the CLI and the web app catch one class and turn it
into a one-line message (CLI: exit status 2) or a 4xx answer.
"""


class BaliseError(Exception):
    """Root of every error Balise reports to a user."""


class StoreError(BaliseError):
    """The database could not be opened or written."""


class NotFoundError(BaliseError, LookupError):
    """No record with that id exists."""


class SourceFormatError(BaliseError, ValueError):
    """A source file is not in the declared format; nothing was imported."""


class ImportRowError(BaliseError, ValueError):
    """One row of a source could not be used (it is reported and skipped)."""
