"""Errors of the trails layer (all derive from :class:`poi.errors.BaliseError`)."""
from poi.errors import BaliseError, NotFoundError, SourceFormatError

__all__ = ["BaliseError", "NotFoundError", "SourceFormatError", "GPXError", "TraceError",
           "FilterError"]


class GPXError(SourceFormatError):
    """A GPX file is unsafe, malformed or holds no usable trace; nothing was imported."""


class TraceError(BaliseError, ValueError):
    """A trace cannot make a trail (no points, one point, ...)."""


class FilterError(BaliseError, ValueError):
    """A filter value cannot be understood (e.g. a duration like "2x")."""
