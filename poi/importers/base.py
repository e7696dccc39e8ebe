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

:meth:`Importer.run` streams the records into the store inside one transaction:
a bad row is reported and skipped, a broken file (:class:`~poi.errors.SourceFormatError`)
or any other exception leaves the database as it was. Upserts are keyed on
``(source, source_id)``, so re-importing the same file changes nothing.
"""
from __future__ import annotations

import hashlib
import math
import re
import time
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from poi.categories import categorize
from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import gettext as _
from poi.models import POI, Media
from poi.store import KeyLog, PoiStore, transaction
from poi.text import fold, sanitize_html

#: The POI fields an importer may map, in the order they are read and cleaned.
FIELDS = ("name", "lon", "lat", "category", "themes", "ele_m", "summary", "description", "media",
          "trigger_radius_m", "url", "updated_at", "extra", "translations")

#: Where generic files (CSV columns, GeoJSON properties) name the POI fields: candidate keys,
#: the first non-empty one wins (the Mérimée ``chptico``/``chphist`` included).
GENERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "title", "titre", "libelle", "label", "appellation", "chptico", "tico"),
    "description": ("description", "descriptif", "desc", "chphist", "hist", "historique"),
    "summary": ("summary", "resume", "description_teaser", "chapo"),
    "url": ("url", "website", "contact:website", "site_web", "site_internet", "lien"),
    "media": ("images", "image", "photos", "photo", "pictures", "medias"),
    "ele_m": ("ele", "altitude", "elevation"),
}

#: ``progress`` callbacks are called every this many records (and once at the end); the
#: records are also written this many at a time (:meth:`poi.store.PoiStore.upsert_many`).
PROGRESS_EVERY = 500
#: How many added/updated POI names an :class:`ImportReport` keeps for a preview.
CHANGES_KEPT = 200

FieldSpec = str | tuple[str, ...] | Callable[[Any], Any]

EMPTY_VALUES = (None, "", [], {})  # values that count as missing


def nested_too_deeply(file: str) -> SourceFormatError:
    """The error for JSON nested deeper than Python's parser goes (it raises RecursionError): one line, exit 2."""
    return SourceFormatError(_("{file}: JSON nested too deeply to be a source file (thousands of levels)",
                               file=file))


class Record(NamedTuple):
    """One raw record of a source: where it is (for reports) and its data."""

    where: str  # "line 12", "feature 3 (node/123)", "waypoint 2"
    data: Any  # a mapping (CSV row, GeoJSON feature) or an object (gpxpy waypoint)


class IdList(array):
    """POI ids in 8 bytes each (a list of ints takes about 36): compares equal to a list.

    >>> ids = IdList([3, 5]); ids.append(8)
    >>> ids == [3, 5, 8], ids, len(ids), ids[0]
    (True, IdList([3, 5, 8]), 3, 3)
    """

    def __new__(cls, ids=()):
        return super().__new__(cls, "q", ids)

    def __eq__(self, other):
        return self.tolist() == other if isinstance(other, list) else super().__eq__(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IdList({self.tolist()})"


@dataclass(slots=True)
class ImportReport:
    """What an import did (or would do, with ``dry_run``)."""

    source: str = ""
    format: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    ids: IdList = field(default_factory=IdList)  # POIs added or updated (a list of ints, compactly)
    dry_run: bool = False
    seconds: float = 0.0
    #: ``(status, name)`` of the first :data:`CHANGES_KEPT` POIs added or updated (what a preview shows).
    changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Records read: added + updated + unchanged + skipped."""
        return self.added + self.updated + self.unchanged + self.skipped

    def skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        self.problems.append(_("{where}: {reason}", where=where, reason=reason))

    def summary(self) -> str:
        """One line for people.

        >>> from poi.i18n import language
        >>> with language("en"):
        ...     ImportReport(source="demo", added=3, skipped=1).summary()
        'demo: 3 added, 0 updated, 0 unchanged, 1 skipped'
        """
        line = _("{source}: {added} added, {updated} updated, {unchanged} unchanged, {skipped} skipped",
                 source=self.source, added=self.added, updated=self.updated,
                 unchanged=self.unchanged, skipped=self.skipped)
        return _("dry run, nothing written: {summary}", summary=line) if self.dry_run else line


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""


def parse_number(value: Any) -> float | None:
    """A float from a number or a string, accepting a French decimal comma.

    >>> parse_number("43,6047"), parse_number(" 1.44 "), parse_number(12)
    (43.6047, 1.44, 12.0)
    >>> parse_number("") is None
    True
    >>> parse_number("abc")
    Traceback (most recent call last):
    ...
    ValueError: could not convert string to float: 'abc'
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


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


class Importer:
    """Base of every POI importer: declare ``fields``, override ``records``.

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
    fields: ClassVar[dict[str, FieldSpec]] = {}
    options: ClassVar[tuple[str, ...]] = ()
    keep_extra: ClassVar[bool] = False
    accepts_directories: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        unknown = set(cls.fields) - set(FIELDS)
        if unknown:
            raise TypeError(f"{cls.__name__}.fields maps unknown POI fields {sorted(unknown)}")

    def __init__(self) -> None:
        #: Provenance found in the file itself (e.g. a GeoJSON "copyright" member).
        self.meta: dict[str, str] = {}

    # -- what subclasses provide ----------------------------------------------
    def records(self, path: Path, **options) -> Iterator[Record]:
        """Yield the raw records of ``path``, streaming; raise SourceFormatError if broken.

        ``path`` is a file, or a folder when the class ``accepts_directories``.
        """
        raise NotImplementedError

    def lookup(self, data: Any, key: str) -> Any:
        """Value of ``key`` in a raw record (mapping item, else attribute)."""
        if isinstance(data, Mapping):
            return data.get(key)
        return getattr(data, key, None)

    def items(self, data: Any) -> Mapping:
        """All key/values of a record, for ``extra``."""
        return data if isinstance(data, Mapping) else {}

    # -- default cleaning -----------------------------------------------------
    def clean_name(self, value, record) -> str:
        name = " ".join(str(value).split()) if value not in (None, "") else ""
        if not name:
            raise ImportRowError(_("no name"))
        return name[:300]

    def clean_lon(self, value, record) -> float:
        if type(value) is float and -180.0 <= value <= 180.0:
            return value  # the common case, first
        return self._coordinate(value, _("longitude"), 180.0)

    def clean_lat(self, value, record) -> float:
        if type(value) is float and -90.0 <= value <= 90.0:
            return value
        return self._coordinate(value, _("latitude"), 90.0)

    def _coordinate(self, value, label: str, limit: float) -> float:
        try:
            number = parse_number(value)
        except (TypeError, ValueError) as e:
            raise ImportRowError(_("invalid {what} {value}", what=label, value=repr(value))) from e
        if number is None:
            raise ImportRowError(_("no {what}", what=label))
        if not -limit <= number <= limit:
            raise ImportRowError(_("{what} {value} out of range [-{limit:g}, {limit:g}]",
                                   what=label, value=f"{number:.10g}", limit=limit))
        return number

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        """The Balise category and its themes (see :func:`poi.categories.categorize`)."""
        return categorize(value)

    def clean_themes(self, value, record) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = re.split(r"[;,|]", value)
        return [str(v).strip() for v in value if str(v).strip()]

    def clean_ele_m(self, value, record) -> float | None:
        try:
            return parse_number(value)
        except (TypeError, ValueError):
            return None  # an unreadable elevation is not worth losing the POI

    def clean_trigger_radius_m(self, value, record) -> float | None:
        try:
            number = parse_number(value)
        except (TypeError, ValueError):
            return None
        return number if number and number > 0 else None

    def clean_summary(self, value, record) -> str:
        return " ".join(str(value).split()) if value else ""

    def clean_description(self, value, record) -> str:
        return sanitize_html(str(value)) if value else ""

    def clean_url(self, value, record) -> str:
        url = str(value).strip() if value else ""
        return url if re.match(r"https?://", url, re.I) else ""

    def clean_updated_at(self, value, record) -> str:
        return str(value).strip() if value else ""

    def clean_media(self, value, record) -> list[Media]:
        """Images from a URL, a list of URLs (or ``;``/``|``-separated), or objects with ``url``."""
        if not value:
            return []
        items = value if isinstance(value, (list, tuple)) else re.split(r"\s*[;|]\s*", str(value))
        media = []
        for item in items:
            if isinstance(item, Mapping):
                url = str(item.get("url") or item.get("href") or "")
                title = str(item.get("title") or item.get("legend") or item.get("legende") or "")
                author = str(item.get("author") or item.get("auteur") or "")
            else:
                url, title, author = str(item).strip(), "", ""
            if re.match(r"https?://", url, re.I):
                media.append(Media(kind="image", url=url, title=title, author=author))
        return media

    def clean_extra(self, value, record) -> dict:
        return dict(value) if isinstance(value, Mapping) else {}

    def clean_translations(self, value, record) -> dict:
        """The texts in other languages than French: ``{lang: {field: text}}``."""
        return dict(value) if isinstance(value, Mapping) else {}

    # -- the machinery --------------------------------------------------------
    def resolve(self, spec: FieldSpec | None, data: Any, used: set[str] | None = None) -> Any:
        """Raw value of one field spec for one record."""
        if spec is None:
            return None
        if callable(spec):
            return spec(data)
        for key in (spec,) if isinstance(spec, str) else spec:
            value = self.lookup(data, key)
            if value not in (None, "", [], {}):
                if used is not None:
                    used.add(key)
                return value
        return None

    def key_reader(self, keys: tuple[str, ...]) -> Callable[[Any], tuple[str | None, Any]]:
        """A function of a record giving ``(key, value)`` of the first of ``keys`` with a non-empty
        value, else ``(None, None)``: :meth:`resolve` for one field, made once per importer.

        >>> Importer().key_reader(("nom", "name"))({"nom": "", "name": "Lavoir"})
        ('name', 'Lavoir')
        """
        lookup = self.lookup
        plain = type(self).lookup is Importer.lookup

        def read(data: Any) -> tuple[str | None, Any]:
            if plain and type(data) is dict:
                get = data.get
                for key in keys:
                    value = get(key)
                    if value not in EMPTY_VALUES:
                        return key, value
                return None, None
            for key in keys:
                value = lookup(data, key)
                if value not in EMPTY_VALUES:
                    return key, value
            return None, None

        return read

    def _plan(self) -> list[tuple[str, Callable | None, bool, Callable | None]]:
        """``(field, reader, reads keys, clean hook)`` per mapped field, worked out once per importer.

        A key reader gives ``(key, value)``, a callable spec the value.
        """
        plan = []
        for name in FIELDS:
            if name == "updated_at":
                continue  # provenance: see stamp()
            spec = self.fields.get(name)
            keys = (spec,) if isinstance(spec, str) else spec if isinstance(spec, tuple) else None
            plan.append((name, self.key_reader(keys) if keys is not None else spec, keys is not None,
                         getattr(self, f"clean_{name}", None)))
        return plan

    def build(self, record: Record) -> POI:
        """Map and clean one record into a POI (without provenance); ImportRowError if unusable."""
        fields, plan = self.__dict__.get("_build_plan", (None, None))
        if fields is not self.fields:  # first record, or a reader that maps its own columns (CSV)
            plan = self._plan()
            self.__dict__["_build_plan"] = (self.fields, plan)
        used: set[str] = set()
        values: dict[str, Any] = {}
        data = record.data
        for name, reader, keyed, hook in plan:
            if keyed:
                key, raw = reader(data)
                if key is not None and name != "category":
                    used.add(key)
            else:
                raw = reader(data) if reader is not None else None
            if raw is None and name == "lon" and self.resolve(self.fields.get("lat"), data) is None:
                raise ImportRowError(_("no coordinates"))
            values[name] = hook(raw, data) if hook else raw
        category, themes = values.pop("category")
        values["themes"] = list(dict.fromkeys([*themes, *values["themes"]]))
        extra = values.pop("extra")
        if self.keep_extra:
            extra = {**{k: v for k, v in self.items(record.data).items()
                        if k not in used and v not in (None, "", [], {})}, **extra}
        return POI(category=category, extra=extra, **values)

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
