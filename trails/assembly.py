"""Make trails: measure a trace, read a GPX, store a trail with its stops, import circuit files.

The service layer the CLI, the web app and the demo call. Nothing here speaks
SQL or XML: reading is :mod:`trails.gpx_in` / :mod:`trails.schema_randonnee`,
numbers are :mod:`trails.metrics`, storage is :class:`trails.store.TrailStore`,
stops are :func:`trails.corridor.attach_stops`. Every write happens in one
transaction (:func:`poi.store.transaction`): a failure leaves the database as
it was.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Iterable, NamedTuple

import sqlite_utils

from poi.i18n import gettext as _
from poi.store import transaction
from poi.text import html_to_text
from trails import duration as visits
from trails import metrics
from trails.errors import BaliseError, SourceFormatError, TraceError
from trails.gpx_in import read_trace
from trails.models import PRACTICES, Trail
from trails.store import TrailStore

DEFAULT_CORRIDOR_M = 150.0
FORMATS = ("gpx", "schema_randonnee", "geotrek", "apidae")
#: Circuit formats -> "module:function" reading a file into Trails (``report=`` collects skipped ones).
CIRCUIT_READERS = {"schema_randonnee": "trails.schema_randonnee:read_circuits",
                   "geotrek": "trails.geotrek:read_treks",
                   "apidae": "trails.apidae:read_itineraries"}
#: ``Trail.metrics_note`` when the climb comes from the source, not from the trace (message id).
NOTE_PUBLISHED_CLIMB = "ascent and descent published by the source (the trace has no elevation)"


def measure(trail: Trail, *, model: str = "din33466") -> Trail:
    """Fill the measured fields of ``trail`` from its segments (in place) and return it.

    Sets ``length_m``, ``ascent_m``, ``descent_m``, ``ele_min_m``, ``ele_max_m``,
    ``points``, ``duration_computed_min`` (``model``, DIN 33466 by default),
    ``difficulty_computed``, ``effort`` and ``route_type``; overrides and
    published values are left alone. See :mod:`trails.metrics` for the formulas.

    When the trace has no elevation but the source published its climb
    (``published_ascent_m``/``published_descent_m``, as circuit files do), those figures
    give ascent, descent, duration (DIN 33466) and difficulty, and
    ``metrics_note`` says so. A route type published by the source
    (``route_type_label`` without ``route_type_detected``) is
    kept; the detected one goes to ``route_type_measured``.
    ``duration_visit_min`` is the time at stops known without the
    stops (the interpretation-trail allowance of :mod:`trails.duration`), None
    when 0; it is never part of ``duration_computed_min``.

    >>> t = measure(Trail(name="Up", segments=[[(3.6, 44.1, 500.0), (3.6, 44.15, 700.0)]]))
    >>> round(t.length_m), t.ascent_m, t.duration_computed_min, t.difficulty_computed, t.route_type
    (5556, 200.0, 103, 'easy', 'one_way')
    >>> flat = measure(Trail(name="Published", segments=[[(3.6, 44.1, None), (3.6, 44.15, None)]],
    ...                      published_ascent_m=300, published_descent_m=300))
    >>> flat.ascent_m, flat.duration_computed_min, flat.metrics_note[:22]
    (300.0, 138, 'ascent and descent pub')
    >>> measure(Trail(name="Empty")).length_m
    0.0
    """
    analysis = metrics.analyse(trail.segments, model=check_model(model))
    m = analysis.metrics
    ascent, descent, ele_min, ele_max = m.ascent_m, m.descent_m, m.ele_min_m, m.ele_max_m
    duration, level, effort = m.duration_min, m.difficulty, m.effort
    trail.metrics_note = ""
    if not m.has_elevation and _number(trail.published_ascent_m) is not None:
        ascent = abs(_number(trail.published_ascent_m))
        published_descent = _number(trail.published_descent_m)
        descent = abs(published_descent) if published_descent is not None else ascent
        duration = metrics.duration_din33466_min(m.length_m, ascent, descent)
        effort = metrics.effort(m.length_m, ascent)
        level = metrics.difficulty_of(effort)
        ele_min, ele_max = _number(trail.published_ele_min_m), _number(trail.published_ele_max_m)
        trail.metrics_note = NOTE_PUBLISHED_CLIMB
    detected = analysis.route_type
    if trail.route_type_label and not trail.route_type_detected:
        trail.route_type_measured = detected
    else:
        trail.route_type = detected
    visit_min = visits.visit_time(trail).minutes
    trail.duration_visit_min = visit_min or None
    trail.length_m = round(m.length_m, 1)
    trail.ascent_m, trail.descent_m = round(ascent, 1), round(descent, 1)
    trail.ele_min_m, trail.ele_max_m = ele_min, ele_max
    trail.points = m.points
    trail.duration_computed_min = duration
    trail.difficulty_computed = level
    trail.effort = effort
    return trail


def _number(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _check_practice(practice: str) -> str:
    if practice not in PRACTICES:
        raise BaliseError(f"unknown practice {practice!r}; choose one of {', '.join(PRACTICES)}")
    return practice


def trail_from_gpx(source: str | os.PathLike | bytes, *, name: str | None = None, themes: Iterable[str] = (),
                   practice: str = "walking") -> Trail:
    """A measured (not stored) trail from a GPX file or its bytes.

    The name defaults to the GPX name, else the file name without extension.
    Raises :class:`trails.errors.GPXError` / :class:`trails.errors.TraceError`
    for a file that cannot make a trail (see :func:`trails.gpx_in.read_trace`).

    >>> gpx = (b'<gpx version="1.1" creator="t"><trk><trkseg><trkpt lat="44.0" lon="3.0"/>'
    ...        b'<trkpt lat="44.01" lon="3.0"/></trkseg></trk></gpx>')
    >>> t = trail_from_gpx(gpx, name="Le moulin", themes=["mills"])
    >>> t.name, t.themes, round(t.length_m), t.source, t.duration_computed_min
    ('Le moulin', ['mills'], 1111, 'gpx', 17)
    """
    _check_practice(practice)
    trace = read_trace(source)
    is_path = not isinstance(source, (bytes, bytearray))
    title = (name or "").strip() or trace.name or (Path(source).stem if is_path else "") or _("Unnamed trail")
    extra: dict = {"gpx_waypoints": trace.waypoints_count}
    if is_path:
        extra["gpx_file"] = Path(source).name
    trail = Trail(name=title, segments=trace.segments, summary=html_to_text(trace.description),
                  practice=practice, themes=list(dict.fromkeys(themes)), source="gpx", extra=extra)
    return measure(trail)


def save_trail(db: sqlite_utils.Database, trail: Trail, *, corridor_m: float = DEFAULT_CORRIDOR_M) -> Trail:
    """Measure, store (insert or update) and attach the POIs already within ``corridor_m`` metres.

    One transaction: if attaching fails, the trail is not stored either.
    """
    from trails.corridor import attach_stops

    measure(trail)
    with transaction(db):
        TrailStore(db).save(trail)
        attach_stops(db, trail, width_m=corridor_m)
    return trail


def import_gpx(db: sqlite_utils.Database, source: str | os.PathLike | bytes, *, name: str | None = None,
               themes: Iterable[str] = (), practice: str = "walking", publish: bool = False,
               corridor_m: float = DEFAULT_CORRIDOR_M) -> Trail:
    """Read a GPX file, measure it, store it as a new trail with its stops; returns the stored trail."""
    trail = trail_from_gpx(source, name=name, themes=themes, practice=practice)
    trail.published = bool(publish)
    return save_trail(db, trail, corridor_m=corridor_m)


def import_circuits(db: sqlite_utils.Database, trails: Iterable[Trail], *, publish: bool = False,
                    corridor_m: float = DEFAULT_CORRIDOR_M) -> list[Trail]:
    """Measure and store every circuit of a file, with their stops, in ONE transaction.

    A circuit without a usable trace (or any error while storing) stops the
    import with nothing written. Circuits are updated in place when their
    ``(source, source_id)`` is already stored.
    """
    saved: list[Trail] = []
    with transaction(db):
        for trail in trails:
            if not any(len(seg) >= 2 for seg in trail.segments):
                raise TraceError(f"circuit {trail.name!r} has no trace of two points or more; nothing imported")
            trail.published = bool(publish)
            saved.append(save_trail(db, trail, corridor_m=corridor_m))
        if not saved:
            raise SourceFormatError("no circuit in the file; nothing imported")
    return saved


def guess_format(path: str | os.PathLike) -> str:
    """The trail format of a file from its extension.

    >>> guess_format("walk.GPX"), guess_format("circuits.geojson")
    ('gpx', 'schema_randonnee')
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".gpx":
        return "gpx"
    if suffix in (".geojson", ".json"):
        return "schema_randonnee"
    raise BaliseError(f"cannot tell the format of {Path(path).name} from its extension; "
                      f"give --format ({', '.join(FORMATS)})")


def check_model(model: str) -> str:
    """``model`` if it is a duration model of :mod:`trails.metrics`, else a one-line error."""
    if model not in metrics.MODELS:
        raise BaliseError(f"unknown duration model {model!r}; choose one of {', '.join(metrics.MODELS)}")
    return model


def import_file(db: sqlite_utils.Database, path: str | os.PathLike, *, format: str | None = None,
                name: str | None = None, themes: Iterable[str] = (), practice: str | None = None,
                publish: bool = False, corridor_m: float = DEFAULT_CORRIDOR_M) -> list[Trail]:
    """Import a GPX file (one trail) or a circuit file (every circuit); what ``balise trail import`` calls.

    ``themes`` are added to every circuit's own; ``practice`` replaces theirs when
    given. A circuit file where any circuit cannot be read imports nothing.
    ``format`` defaults to :func:`guess_format`.
    """
    format = format or guess_format(path)
    if format == "gpx":
        return [import_gpx(db, path, name=name, themes=themes, practice=practice or "walking",
                           publish=publish, corridor_m=corridor_m)]
    if format not in CIRCUIT_READERS:
        raise BaliseError(f"unknown trail format {format!r}; choose one of {', '.join(FORMATS)}")
    if name:
        raise BaliseError("--name applies to a GPX file; a circuit file names each of its circuits")
    if practice is not None:
        _check_practice(practice)
    if not Path(path).is_file():
        raise SourceFormatError(f"{path}: no such file")
    module, _sep, function = CIRCUIT_READERS[format].partition(":")
    read_circuits = getattr(importlib.import_module(module), function)
    problems: list = []
    circuits = list(read_circuits(path, report=problems))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SourceFormatError(f"{problems[0]}{more}; nothing imported")
    for trail in circuits:
        trail.themes = list(dict.fromkeys([*trail.themes, *themes]))
        if practice is not None:
            trail.practice = practice
    return import_circuits(db, circuits, publish=publish, corridor_m=corridor_m)


class GPXStats(NamedTuple):
    """What ``balise trail stats`` prints: the metrics of a GPX file under both duration models."""

    name: str
    length_m: float
    ascent_m: float
    descent_m: float
    ascent_raw_m: float
    descent_raw_m: float
    ele_min_m: float | None
    ele_max_m: float | None
    has_elevation: bool
    duration_min: int
    duration_model: str
    duration_din33466_min: int
    duration_schweizmobil_min: int
    effort: float
    difficulty: str
    route_type: str
    points: int
    segments: int


def gpx_stats(source: str | os.PathLike | bytes, *, model: str = "din33466") -> GPXStats:
    """Measure a GPX file without storing anything (``duration_min`` follows ``model``).

    >>> gpx = (b'<gpx version="1.1" creator="t"><trk><name>Col</name><trkseg>'
    ...        b'<trkpt lat="44.0" lon="3.0"><ele>500</ele></trkpt>'
    ...        b'<trkpt lat="44.05" lon="3.0"><ele>900</ele></trkpt></trkseg></trk></gpx>')
    >>> s = gpx_stats(gpx)
    >>> s.name, round(s.length_m), s.ascent_m, s.duration_min, s.duration_schweizmobil_min, s.difficulty
    ('Col', 5556, 400.0, 123, 100, 'easy')
    """
    check_model(model)
    trace = read_trace(source)
    a = metrics.analyse(trace.segments, model=model)
    m = a.metrics
    return GPXStats(
        name=trace.name, length_m=round(m.length_m, 1), ascent_m=m.ascent_m, descent_m=m.descent_m,
        ascent_raw_m=a.ascent_raw_m, descent_raw_m=a.descent_raw_m, ele_min_m=m.ele_min_m,
        ele_max_m=m.ele_max_m, has_elevation=m.has_elevation, duration_min=m.duration_min,
        duration_model=model, duration_din33466_min=a.duration_din33466_min,
        duration_schweizmobil_min=a.duration_schweizmobil_min, effort=m.effort, difficulty=m.difficulty,
        route_type=a.route_type, points=m.points, segments=a.segments)
