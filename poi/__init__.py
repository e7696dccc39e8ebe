"""Points of interest: model, SQLite store (R*Tree + FTS5), importers.

The lowest layer of Balise: it knows nothing of trails, exporters or the web.
"""
from poi.errors import BaliseError, NotFoundError, SourceFormatError, StoreError
from poi.models import CATEGORIES, Media, POI, default_trigger_radius_m

__all__ = [
    "BaliseError", "NotFoundError", "SourceFormatError", "StoreError",
    "CATEGORIES", "Media", "POI", "default_trigger_radius_m",
]
