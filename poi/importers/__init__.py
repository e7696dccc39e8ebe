"""POI importers: one module per source format, all the same declarative shape.

>>> sorted(FORMATS)
['apidae', 'csv', 'datatourisme', 'geojson', 'geotrek', 'gpx', 'lei', 'merimee', 'osm', 'tourinsoft']
>>> guess_format("sites.GeoJSON"), guess_format("export.csv"), guess_format("walk.gpx")
('geojson', 'csv', 'gpx')

Use :func:`import_file`; write a new source as a subclass of
:class:`poi.importers.base.Importer` (see its docstring) and add it to ``FORMATS``.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.importers.apidae import ApidaeImporter
from poi.importers.base import Importer
from poi.importers.mapping import Record
from poi.importers.report import ImportReport
from poi.importers.csv import CSVImporter
from poi.importers.datatourisme import DatatourismeImporter
from poi.importers.geojson import GeoJSONImporter
from poi.importers.geotrek import GeotrekImporter
from poi.importers.gpx import GPXImporter
from poi.importers.lei import LEIImporter
from poi.importers.merimee import MerimeeImporter
from poi.importers.osm import OSM_SUFFIXES, OSMImporter
from poi.importers.tourinsoft import TourinsoftImporter
from poi.remote import download, download_pages, is_url, with_query
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
    "apidae": ApidaeImporter,
    "tourinsoft": TourinsoftImporter,
    "lei": LEIImporter,
}

#: Web services answering in pages: format -> (key of the records, key of the next page's URL).
PAGED = {"geotrek": ("results", "next"), "tourinsoft": ("value", "odata.nextLink")}
#: Web services that list only what changed since a date: format -> query parameter (ISO date).
SINCE_PARAMETER = {"geotrek": "updated_after"}

#: File extension -> format name.
EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".tsv": "csv", ".txt": "csv",
              ".gpx": "gpx", ".xml": "lei", **dict.fromkeys(OSM_SUFFIXES, "osm")}


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
                since: str | None = None, then: Callable[[ImportReport], object] | None = None,
                **options) -> ImportReport:
    """Import the POIs of one file (or of a web service's URL) into the database ``db`` (or a PoiStore).

    Parameters
    ----------
    db : sqlite_utils.Database or PoiStore
    path : the source file, or an http(s) URL: the answer is downloaded first (every page
        of a paged service, :data:`PAGED`), then imported like a file; a failed download
        writes nothing.
    format : a key of :data:`FORMATS`; guessed from the extension when None.
    since : with a URL, an ISO date: ask the service only for what changed since then
        (:data:`SINCE_PARAMETER`; other services answer everything, which then counts as unchanged).
    source : source name (default: the importer's, else the file's name).
    dry_run : do everything, report, and roll back.
    progress : called with the running report every few hundred records.
    then : called with the report inside the import's transaction, once every record is written (not in a
        dry run): what it writes (the stops of the new POIs) commits with the POIs or not at all.
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
    if not is_url(str(path)):
        return importer_class().run(store, path, source=source, dry_run=dry_run, progress=progress, then=then,
                                   **options)
    url = str(path)
    if since and format in SINCE_PARAMETER:
        url = with_query(url, **{SINCE_PARAMETER[format]: since[:10]})
    if format == "geotrek" and not options.get("base_url"):
        options["base_url"] = url.split("/api/")[0]
    with tempfile.TemporaryDirectory(prefix="balise-import-") as folder:
        if format in PAGED:
            results_key, next_key = PAGED[format]
            local, _pages = download_pages(url, Path(folder), results_key=results_key, next_key=next_key)
        else:
            local = download(url, Path(folder), default_name="source" + _suffix(format))
        return importer_class().run(store, local, source=source, dry_run=dry_run, progress=progress, then=then,
                                   **options)


def _suffix(format: str) -> str:
    return {"csv": ".csv", "gpx": ".gpx", "lei": ".xml", "osm": ".osm"}.get(format, ".json")


__all__ = ["FORMATS", "PAGED", "SINCE_PARAMETER", "ImportReport", "Importer", "Record", "guess_format", "import_file",
           "CSVImporter", "GeoJSONImporter", "GPXImporter"]
