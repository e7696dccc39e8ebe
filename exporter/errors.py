"""Errors of the exporters (all derive from :class:`poi.errors.BaliseError`)."""
from poi.errors import BaliseError


class ExportError(BaliseError, ValueError):
    """A trail cannot be exported with these options."""
