"""POI importers: one module per source format, all the same declarative shape.

>>> sorted(FORMATS)
['csv', 'datatourisme', 'geojson', 'geotrek', 'gpx', 'merimee', 'osm']
>>> guess_format("sites.GeoJSON"), guess_format("export.csv"), guess_format("walk.gpx")
('geojson', 'csv', 'gpx')

Use :func:`import_file`; write a new source as a subclass of
:class:`poi.importers.base.Importer` (see its docstring) and add it to ``FORMATS``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import ImportReport, Importer, Record
from poi.importers.csv import CSVImporter
from poi.importers.datatourisme import DatatourismeImporter
from poi.importers.geojson import GeoJSONImporter
from poi.importers.geotrek import GeotrekImporter
from poi.importers.gpx import GPXImporter
from poi.importers.merimee import MerimeeImporter
from poi.importers.osm import OSM_SUFFIXES, OSMImporter
from poi.store import PoiStore

#: Format name -> importer class.
FORMATS: dict[str, type[Importer]] = {
    "geojson": GeoJSONImporter,
    "csv": CSVImporter,
    "gpx": GPXImporter,
    "datatourisme": DatatourismeImporter,
    "merimee": MerimeeImporter,
    "geotrek": GeotrekImporter,
    "osm": OSMImporter,  # osmium is imported only when an OSM file is read
}

#: File extension -> format name.
EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".tsv": "csv", ".txt": "csv",
              ".gpx": "gpx", **dict.fromkeys(OSM_SUFFIXES, "osm")}


def guess_format(path: str | os.PathLike) -> str:
    """The format of a file from its extension; SourceFormatError if unknown."""
    suffix = Path(path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    raise SourceFormatError(_(
        "cannot tell the format of {file} from its extension; give --format (known formats: {formats})",
        file=Path(path).name, formats=", ".join(sorted(FORMATS))))


def import_file(db, path: str | os.PathLike, *, format: str | None = None, source: str | None = None,
                dry_run: bool = False, progress: Callable[[ImportReport], None] | None = None,
                **options) -> ImportReport:
    """Import the POIs of one file into the database ``db`` (or a PoiStore).

    Parameters
    ----------
    db : sqlite_utils.Database or PoiStore
    path : the source file.
    format : a key of :data:`FORMATS`; guessed from the extension when None.
    source : source name (default: the importer's, else the file's name).
    dry_run : do everything, report, and roll back.
    progress : called with the running report every few hundred records.
    options : ``licence``, ``attribution``, and format options (CSV: ``lat_col``,
        ``lon_col``, ``delimiter``, ``encoding``).

    Returns
    -------
    ImportReport

    Raises
    ------
    SourceFormatError
        Unknown format, missing or broken file (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> from poi.store import open_db
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "stops.csv").write_text("nom;lat;lon;type\\nLavoir de la Garenne;43,60;1,44;lavoir\\n"
    ...                                      "Sans position;;;croix\\n", encoding="utf-8")
    >>> from poi.i18n import language
    >>> db = open_db(":memory:")
    >>> with language("en"):
    ...     report = import_file(db, folder / "stops.csv")
    >>> report.added, report.skipped, report.problems
    (1, 1, ['line 3: no coordinates'])
    >>> import_file(db, folder / "stops.csv").unchanged
    1
    >>> PoiStore(db).search("lavoir")[0].category
    'water'
    >>> import shutil; shutil.rmtree(folder)
    """
    if format is None:
        format = guess_format(path)
    importer_class = FORMATS.get(format)
    if importer_class is None:
        raise SourceFormatError(_("unknown format {format!r} (known formats: {formats})",
                                  format=format, formats=", ".join(sorted(FORMATS))))
    store = db if isinstance(db, PoiStore) else PoiStore(db)
    return importer_class().run(store, path, source=source, dry_run=dry_run, progress=progress, **options)


__all__ = ["FORMATS", "ImportReport", "Importer", "Record", "guess_format", "import_file",
           "CSVImporter", "GeoJSONImporter", "GPXImporter"]
