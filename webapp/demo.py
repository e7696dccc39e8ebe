"""Build the demo catalogue from the real data of ``data/`` (``balise demo``).

``data/demo.json`` lists each file with its kind (``pois`` or ``trails``), format,
source name, licence and attribution (see ``data/README.md``). POIs are imported
first (:func:`poi.importers.import_file`), then trails
(:func:`trails.assembly.import_circuits`, which measures each trail, stores it
and attaches the POIs of its corridor as stops), so every circuit finds its stops.
All trails are published.

GPX entries are read with :func:`trails.gpx_in.read_trace` and handed to
``import_circuits`` as :class:`~trails.models.Trail` objects carrying the
manifest's source, id, licence and attribution: provenance is set in one place
and a second run updates the same rows instead of adding new ones.

Running the build twice changes nothing: POIs upsert by (source, source_id),
trails by (source, source_id), stops by (trail, POI). The whole build is one
transaction: if a file is broken, the database is left as it was.
"""
from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.store import transaction

#: Where ``balise demo`` looks for the manifest when no folder is given (the source checkout's ``data/``).
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MANIFEST = "demo.json"
KINDS = {"pois": ("geojson", "csv", "gpx"), "trails": ("gpx", "schema_randonnee")}


@dataclass(slots=True)
class DemoReport:
    """What :func:`build_demo` built (counts over the demo's own files)."""

    trails: int = 0
    pois: int = 0
    trails_with_stops: int = 0
    stops: int = 0
    seconds: float = 0.0
    files: int = 0
    trail_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_manifest(data_dir: Path) -> list[dict]:
    """The entries of ``data_dir/demo.json``, checked (kind, format, licence, attribution, file present).

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     read_manifest(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    poi.errors.SourceFormatError: no demo manifest /nonexistent/demo.json: run balise demo from a source checkout of Balise (its data/ folder holds the demo files)
    """
    path = data_dir / MANIFEST
    if not path.is_file():
        raise SourceFormatError(_("no demo manifest {path}: run balise demo from a source checkout of Balise (its data/ folder holds the demo files)", path=path))  # noqa: E501
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as e:
        raise SourceFormatError(_("{path} is not a demo manifest (a JSON object with a list of files): {error}",
                                  path=path, error=e)) from e
    for entry in entries:
        where = entry.get("path", "?") if isinstance(entry, dict) else "?"
        if not isinstance(entry, dict) or entry.get("format") not in KINDS.get(entry.get("kind"), ()):
            raise SourceFormatError(_("{path}: entry {entry} has no known kind and format", path=path,
                                      entry=where))
        if not entry.get("licence") or not entry.get("attribution"):
            raise SourceFormatError(_("{path}: entry {entry} needs a licence and an attribution", path=path,
                                      entry=where))
        if not (data_dir / entry["path"]).is_file():
            raise SourceFormatError(_("{path}: file {entry} is missing; rebuild data/ with data/build_demo_data.py",
                                      path=path, entry=where))
    return entries


def build_demo(db, data_dir: Path | None = None, progress: Callable[..., None] | None = None) -> DemoReport:
    """Import the demo POIs, then the demo trails (published, stops attached); idempotent.

    Parameters
    ----------
    db : sqlite_utils.Database
        An open Balise database (:func:`poi.store.open_db`).
    data_dir : folder holding ``demo.json``; default :data:`DEFAULT_DATA_DIR`.
    progress : called with one human-readable line per file.

    Returns
    -------
    DemoReport
        Counts of the demo's trails and POIs, trails with at least one stop,
        stops, and the time taken.
    """
    from poi.importers import import_file
    from trails import assembly
    from trails.schema_randonnee import read_circuits
    from trails.store import TrailStore

    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    entries = read_manifest(data_dir)
    say = progress or (lambda *parts: None)
    report = DemoReport(files=len(entries))
    trail_ids: list[int] = []
    with transaction(db):
        for entry in (e for e in entries if e["kind"] == "pois"):
            result = import_file(db, data_dir / entry["path"], format=entry["format"], source=entry["source"],
                                 licence=entry["licence"], attribution=entry["attribution"])
            report.pois += result.added + result.updated + result.unchanged
            report.problems.extend(f"{entry['path']}: {p}" for p in result.problems)
            say(_("POIs: {file}: {summary}", file=entry["path"], summary=result.summary()))
        circuits = [e for e in entries if e["kind"] == "trails" and e["format"] == "schema_randonnee"]
        for entry in circuits:
            problems: list = []
            trails = read_circuits(data_dir / entry["path"], licence=entry["licence"],
                                   attribution=entry["attribution"],
                                   media_base_url=entry.get("media_base_url", ""), report=problems)
            ids = _ids(assembly.import_circuits(db, trails, publish=True))
            trail_ids.extend(ids)
            report.problems.extend(f"{entry['path']}: {p}" for p in problems)
            say(_("Trails: {file}: {n} circuits", file=entry["path"], n=len(ids)))
        gpx = [e for e in entries if e["kind"] == "trails" and e["format"] == "gpx"]
        if gpx:
            ids = _ids(assembly.import_circuits(db, (gpx_trail(data_dir, e) for e in gpx), publish=True))
            trail_ids.extend(ids)
            say(_("Trails: {n} GPX traces", n=len(ids)))
    store = TrailStore(db)
    report.trail_ids = list(dict.fromkeys(trail_ids))
    report.trails = len(report.trail_ids)
    for tid in report.trail_ids:
        n = len(store.stops(tid))
        report.stops += n
        report.trails_with_stops += 1 if n else 0
    report.seconds = time.perf_counter() - started
    return report


def gpx_trail(data_dir: Path, entry: dict):
    """The :class:`~trails.models.Trail` of one GPX entry of the manifest (trace + provenance, not measured)."""
    from trails.gpx_in import read_trace
    from trails.models import Trail

    trace = read_trace(data_dir / entry["path"])
    extra = {"data_file": entry["path"]}
    for key, value in (entry.get("signposted") or {}).items():
        extra[f"signposted_{key}"] = value
    return Trail(
        name=entry.get("name") or trace.name or Path(entry["path"]).stem,
        segments=trace.segments,
        summary=trace.description,
        description=f"<p>{html.escape(trace.description, quote=False)}</p>" if trace.description else "",
        practice=entry.get("practice", "walking"),
        themes=list(entry.get("themes", [])),
        source=entry["source"],
        source_id=entry.get("source_id") or entry["path"],
        licence=entry["licence"],
        attribution=entry["attribution"],
        url=entry.get("url", ""),
        extra=extra,
    )


def _ids(saved) -> list[int]:
    """Ids of the trails ``import_circuits`` stored."""
    return [trail.id for trail in saved]
