"""Registered import sources: check them, filter what they bring, run them and keep each run's report.

Staff register a source once (in the editor, or in the database by any other means): a
format of :data:`poi.importers.FORMATS`, a URL or an uploaded file, licence and
attribution, and filters. :func:`run_source` then imports it, as a preview (``dry_run``:
everything is read, counted and rolled back) or for real, and stores the run's report
(:class:`poi.source_store.Run`): added, updated, unchanged, skipped and why. A run that
fails (the service is down, the file is broken) is stored as failed with its reason, and
the import's single transaction leaves the POIs as they were. ``balise sync`` runs every
active source; an incremental run asks a service that can say (Geotrek) only for what
changed since the last successful run.

>>> keep = filters_of(Source(name="s", format="geojson", categories=["church"], text="roman"))
>>> from poi.models import POI
>>> from poi.i18n import language
>>> with language("en"):
...     keep(POI(name="Moulin", lon=1, lat=43, category="mill")), keep(POI(name="Église romane", lon=1, lat=43,
...                                                                           category="church"))
('category mill is not kept by this source', None)
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from pathlib import Path

from poi.errors import BaliseError
from poi.i18n import gettext as _
from poi.importers import FORMATS, import_file
from poi.models import CATEGORIES, POI
from poi.remote import is_url
from poi.source_store import Run, Source, SourceStore
from poi.store import utcnow
from poi.text import fold

#: Folder, beside the database, where uploaded source files are kept (named by content hash).
UPLOAD_FOLDER = "sources"
#: Extensions an uploaded source file may have, by format.
UPLOAD_SUFFIXES = {"geojson": (".geojson", ".json"), "csv": (".csv", ".tsv", ".txt"), "gpx": (".gpx",),
                   "datatourisme": (".json", ".jsonld"), "merimee": (".geojson", ".json", ".csv"),
                   "geotrek": (".json", ".geojson"), "apidae": (".json",), "tourinsoft": (".json",),
                   "lei": (".xml",), "osm": (".osm", ".pbf", ".gz", ".bz2")}


class SourceError(BaliseError, ValueError):
    """A source cannot be registered as given (the message says what to fix)."""


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """``min_lon,min_lat,max_lon,max_lat`` (WGS84) or None for an empty text.

    >>> parse_bbox("6.5,45.8, 6.9,46.1"), parse_bbox("")
    ((6.5, 45.8, 6.9, 46.1), None)
    """
    if not text.strip():
        return None
    try:
        values = tuple(float(v) for v in text.replace(";", ",").split(","))
    except ValueError as e:
        raise SourceError(_("bounding box {bbox}: give min_lon,min_lat,max_lon,max_lat in degrees",
                            bbox=text)) from e
    if len(values) != 4 or not (-180 <= values[0] < values[2] <= 180 and -90 <= values[1] < values[3] <= 90):
        raise SourceError(_("bounding box {bbox}: give min_lon,min_lat,max_lon,max_lat in degrees", bbox=text))
    return values  # type: ignore[return-value]


def check_source(source: Source) -> Source:
    """The source, tidied, if it can be registered; :class:`SourceError` otherwise."""
    source.name = " ".join(source.name.split())
    if not source.name:
        raise SourceError(_("give the source a name"))
    if source.format not in FORMATS:
        raise SourceError(_("unknown format {format!r} (known formats: {formats})", format=source.format,
                            formats=", ".join(sorted(FORMATS))))
    source.url = source.url.strip()
    if bool(source.url) == bool(source.file):
        raise SourceError(_("give either a URL or a file"))
    if source.url and not is_url(source.url):
        raise SourceError(_("{url}: only http and https URLs can be read", url=source.url))
    unknown = [c for c in source.categories if c not in CATEGORIES]
    if unknown:
        raise SourceError(_("unknown category {category}", category=unknown[0]))
    parse_bbox(source.bbox)
    source.communes = [c.strip() for c in source.communes if c.strip()]
    source.text = " ".join(source.text.split())
    return source


def store_upload(db_folder: Path, data: bytes, filename: str, format: str) -> str:
    """Keep an uploaded source file beside the database; returns its path relative to ``db_folder``.

    The name is the content's hash (never the user's file name), with an extension allowed
    for ``format``.
    """
    suffix = Path(filename or "").suffix.lower()
    allowed = UPLOAD_SUFFIXES.get(format, (".json",))
    if suffix not in allowed:
        raise SourceError(_("a {format} file ends with {suffixes}", format=format, suffixes=", ".join(allowed)))
    if not data:
        raise SourceError(_("the file is empty"))
    name = hashlib.sha256(data).hexdigest()[:24] + suffix
    folder = Path(db_folder) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return f"{UPLOAD_FOLDER}/{name}"


def filters_of(source: Source) -> Callable[[POI], str | None]:
    """The source's filters as one function: why a POI is left out, or None to keep it."""
    categories = set(source.categories)
    bbox = parse_bbox(source.bbox)
    communes = {fold(c) for c in source.communes}
    words = fold(source.text).split()

    def keep(poi: POI) -> str | None:
        if categories and poi.category not in categories:
            return _("category {category} is not kept by this source", category=poi.category)
        if bbox and not (bbox[0] <= poi.lon <= bbox[2] and bbox[1] <= poi.lat <= bbox[3]):
            return _("outside the source's bounding box")
        if communes:
            names = {fold(poi.commune or ""), fold(poi.insee or "")} - {""}
            if not names & communes:
                return _("commune {commune} is not kept by this source", commune=poi.commune or poi.insee or "?")
        if words:
            text = fold(" ".join((poi.name, poi.summary, re.sub(r"<[^>]+>", " ", poi.description))))
            if not all(w in text for w in words):
                return _("does not mention {text}", text=source.text)
        return None

    return keep


def run_source(db, source: Source, *, db_folder: Path, dry_run: bool = False, by: str = "",
               incremental: bool = True, progress: Callable | None = None,
               then: Callable | None = None) -> tuple[Run, list[int]]:
    """Import one registered source (or preview it) and store the run's report.

    Returns the stored :class:`Run` and the ids of the POIs added or updated (for the caller
    to attach them to trails). A failure is never raised: the run is stored as failed, with
    the reason, and nothing of the import is written. ``progress`` is called with the running
    :class:`~poi.importers.report.ImportReport` every few hundred records; ``then`` with the report inside the
    import's transaction (what it writes commits with the POIs or not at all; not in a dry run).
    """
    store = SourceStore(db)
    location = source.url or str(Path(db_folder) / source.file)
    since = source.last_success_at if incremental and source.url else None
    started_at = utcnow()
    started = time.perf_counter()
    ids: list[int] = []
    try:
        report = import_file(db, location, format=source.format, source=source.source_key or None, dry_run=dry_run,
                             licence=source.licence or None, attribution=source.attribution or None,
                             since=since or None, keep=filters_of(source), progress=progress,
                             then=then)
    except BaliseError as e:
        run = Run(source_id=source.id, dry_run=dry_run, status="failed", error=str(e), by=by,
                  started_at=started_at, seconds=time.perf_counter() - started)
    else:
        run = Run(source_id=source.id, dry_run=dry_run, status="ok", added=report.added, updated=report.updated,
                  unchanged=report.unchanged, skipped=report.skipped, problems=list(report.problems[:1000]),
                  changes=list(report.changes), by=by, started_at=started_at, seconds=report.seconds)
        ids = list(report.ids)
        if not dry_run:
            store.mark_success(source.id, started_at)
    run.id = store.add_run(run)
    return run, ids


__all__ = ["SourceError", "check_source", "filters_of", "parse_bbox", "run_source", "store_upload"]
