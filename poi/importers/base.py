"""The declarative importer every POI source format subclasses.

An importer says *where* each POI field comes from and lets the base class do
the rest (the shape of Geotrek-admin's ``Parser``)::

    class CampsiteCSV(CSVImporter):
        source = "campings-aude"
        licence = "Licence Ouverte 2.0"
        eid = "code"
        fields = {**CSVImporter.fields, "name": "raison_sociale"}

        def clean_summary(self, value, record):
            return (value or "").upper()

* ``fields`` maps a POI field to a source key, a tuple of candidate keys (the
  first non-empty one wins), or a callable ``f(record) -> value``;
* ``clean_<field>(value, record)`` hooks turn the raw value into the POI's value
  and raise :class:`poi.errors.ImportRowError` to reject the row;
* ``eid`` names the key(s) of the record's external id; without one, a stable id
  is derived from the name and the coordinates rounded to 1e-5° (about 1 m);
* provenance (source, source id, licence, attribution, update time) is set in one
  place, :meth:`Importer.stamp`.

The mapping and cleaning live in :mod:`poi.importers.mapping` (:class:`~poi.importers.mapping.FieldMapping`),
the counts in :mod:`poi.importers.report`; this module stamps provenance and writes.

:meth:`Importer.run` streams the records into the store inside one transaction:
a bad row is reported and skipped, a broken file (:class:`~poi.errors.SourceFormatError`)
or any other exception leaves the database as it was. Upserts are keyed on
``(source, source_id)``, so re-importing the same file changes nothing.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import gettext as _
from poi.importers.mapping import FieldMapping, Record
from poi.importers.report import CHANGES_KEPT, IdList, ImportReport
from poi.models import POI
from poi.store import KeyLog, PoiStore, transaction
from poi.text import fold

#: ``progress`` callbacks are called every this many records (and once at the end); the
#: records are also written this many at a time (:meth:`poi.store.PoiStore.upsert_many`).
PROGRESS_EVERY = 500


def nested_too_deeply(file: str) -> SourceFormatError:
    """The error for JSON nested deeper than Python's parser goes (it raises RecursionError): one line, exit 2."""
    return SourceFormatError(_("{file}: JSON nested too deeply to be a source file (thousands of levels)",
                               file=file))


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""


def derived_id(name: str, lon: float, lat: float) -> str:
    """A stable id for a record without one: hash of the folded name and rounded coordinates.

    >>> derived_id("Église Saint-Jean", 1.440001, 43.6) == derived_id("eglise saint-jean ", 1.44, 43.600002)
    True
    """
    key = f"{' '.join(fold(name).split())}|{round(lon, 5):.5f}|{round(lat, 5):.5f}"
    return "h-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def slug(text: str) -> str:
    """Source name made from a file name.

    >>> slug("Toulouse Inventaire (2024).geojson")
    'toulouse-inventaire-2024-geojson'
    """
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "import"


class Importer(FieldMapping):
    """Base of every POI importer: declare ``fields`` (see :class:`~poi.importers.mapping.FieldMapping`),
    override ``records``.

    Class attributes
    ----------------
    format : short name of the format ("geojson"), the key of ``FORMATS``.
    source : default source name; empty means "the file's name", since the ids of a
        generic file are only unique within it.
    licence, attribution : defaults for provenance (options and file metadata win).
    eid : key, or tuple of candidate keys, of the record's external id.
    fields : POI field -> key | tuple of keys | callable(record).
    options : names of the format-specific options :meth:`records` accepts.
    keep_extra : keep the record's unmapped, non-empty values in ``POI.extra``.
    accepts_directories : :meth:`run` also takes a folder (handed to :meth:`records` as it is).
    """

    format: ClassVar[str] = ""
    source: ClassVar[str] = ""
    licence: ClassVar[str] = ""
    attribution: ClassVar[str] = ""
    eid: ClassVar[str | tuple[str, ...] | None] = None
    options: ClassVar[tuple[str, ...]] = ()
    accepts_directories: ClassVar[bool] = False

    def __init__(self) -> None:
        #: Provenance found in the file itself (e.g. a GeoJSON "copyright" member).
        self.meta: dict[str, str] = {}

    # -- what subclasses provide ----------------------------------------------
    def records(self, path: Path, **options) -> Iterator[Record]:
        """Yield the raw records of ``path``, streaming; raise SourceFormatError if broken.

        ``path`` is a file, or a folder when the class ``accepts_directories``.
        """
        raise NotImplementedError

    # -- provenance and writing ----------------------------------------------
    def stamp(self, poi: POI, record: Record, *, source: str, licence: str | None,
              attribution: str | None) -> None:
        """Provenance, in one place: source, external id, licence, attribution, update time."""
        eid = self.resolve(self.eid, record.data) if self.eid else None
        poi.source = source
        poi.source_id = str(eid).strip() if eid not in (None, "") else derived_id(poi.name, poi.lon, poi.lat)
        poi.licence = licence or self.meta.get("licence") or self.licence
        poi.attribution = attribution or self.meta.get("attribution") or self.attribution
        # The source's own modification time if mapped; else the store stamps the write time.
        poi.updated_at = self.clean_updated_at(self.resolve(self.fields.get("updated_at"), record.data),
                                               record.data)

    def run(self, store: PoiStore, path: str | Path, *, source: str | None = None, dry_run: bool = False,
            progress: Callable[[ImportReport], None] | None = None, licence: str | None = None,
            attribution: str | None = None, keep: Callable[[POI], str | None] | None = None,
            then: Callable[[ImportReport], object] | None = None,
            **options) -> ImportReport:
        """Import every record of ``path`` into ``store`` in one transaction.

        ``then(report)`` runs inside that transaction after the last record (not in a dry run): the
        caller's follow-up writes (attaching the new POIs to trails) commit with the POIs, so a crash at any
        point leaves either nothing or everything (issue 10: a ``kill -9`` between the two lost stops).

        Returns the :class:`ImportReport`. Raises :class:`SourceFormatError` (nothing
        written) when the file is missing or broken. With ``dry_run`` everything is
        done, counted, then rolled back. ``path`` may be a folder when the importer
        ``accepts_directories``. ``keep(poi)`` (a source's filters) returns why a POI is
        left out, or None to import it; what it leaves out is reported as skipped.
        """
        path = Path(path)
        if not path.is_file() and not (self.accepts_directories and path.is_dir()):
            raise SourceFormatError(_("{path}: no such file", path=path))
        unknown = sorted(k for k, v in options.items() if v is not None and k not in self.options)
        if unknown:
            raise SourceFormatError(_("option {option} does not apply to {format} files",
                                      option="--" + unknown[0].replace("_", "-"), format=self.format))
        options = {k: v for k, v in options.items() if v is not None}
        source = source or self.source or slug(path.stem)
        report = ImportReport(source=source, format=self.format, dry_run=dry_run)
        started = time.perf_counter()
        try:
            # The ids met so far live in a temporary table: memory stays flat however big the file.
            with store.key_log() as seen, transaction(store.db):
                batch: list[tuple[str, POI | str]] = []
                for record in self.records(path, **options):
                    batch.append(self._prepare(record, keep, source=source, licence=licence,
                                               attribution=attribution))
                    if len(batch) == PROGRESS_EVERY:
                        self._write(store, batch, report, seen)
                        batch = []
                        if progress:
                            progress(report)
                self._write(store, batch, report, seen)
                if dry_run:
                    raise _DryRun
                if then is not None:
                    then(report)
        except _DryRun:
            report.ids = IdList()
        report.seconds = time.perf_counter() - started
        if progress:
            progress(report)
        return report

    def _prepare(self, record: Record, keep: Callable[[POI], str | None] | None = None,
                 **provenance) -> tuple[str, POI | str]:
        """``(where, POI)`` of one record, or ``(where, why it is skipped)``."""
        try:
            poi = self.build(record)
        except ImportRowError as e:
            return record.where, str(e)
        self.stamp(poi, record, **provenance)
        reason = keep(poi) if keep is not None else None
        return (record.where, reason) if reason else (record.where, poi)

    def _write(self, store: PoiStore, batch: list[tuple[str, POI | str]], report: ImportReport,
               seen: KeyLog) -> None:
        """Store a batch of prepared records, skipping an id already met; count what happened, in order."""
        met = seen.first([item.source_id for _where, item in batch if not isinstance(item, str)])
        fresh: dict[str, str] = {}
        pois = []
        for where, item in batch:
            if isinstance(item, str):
                report.skip(where, item)
                continue
            first = met.get(item.source_id) or fresh.get(item.source_id)
            if first is not None:
                report.skip(where, _("same id {id} as {where}", id=item.source_id, where=first))
                continue
            fresh[item.source_id] = where
            pois.append(item)
        seen.add(fresh.items())
        for poi, (status, pid) in zip(pois, store.upsert_many(pois)):
            setattr(report, status, getattr(report, status) + 1)
            if status != "unchanged":
                report.ids.append(pid)
                if len(report.changes) < CHANGES_KEPT:
                    report.changes.append((status, poi.name))
