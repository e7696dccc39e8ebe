"""The trail filters: each describes itself, and a FilterSet reads them from parameters.

Every filter has a ``key``, a SQL WHERE fragment against the ``trails`` table
(:meth:`Filter.where`), a boolean mask over the in-memory
:class:`~trails.filter_index.TrailIndex` (:meth:`Filter.mask`, from the index's
column primitives), a plain predicate
on a :class:`~trails.models.Trail` (:meth:`Filter.matches`) and a sentence
(:meth:`Filter.human`), so the catalogue can say why a trail is listed. The SQL
path is the reference; the index path (numpy) is what :func:`search` uses, and
the tests check that both agree.

The filters are the bottom of a chain: :mod:`trails.filter_params` (reading and
writing values) below them, :mod:`trails.filter_index` (:func:`~trails.filter_index.search`,
the facets, the numpy index) above them; this module imports neither
:mod:`trails.filter_index` nor re-exports anything.

>>> from poi.i18n import language
>>> fs = FilterSet.from_params({"max_duration": "2h30", "difficulty": ["easy", "medium"], "loop": "1"})
>>> with language("en"):
...     fs.describe()
['under 2 h 30', 'difficulty: easy or medium', 'loops only', 'published only']
>>> with language("fr"):
...     fs.describe()
['moins de 2 h 30', 'difficulté : facile ou moyen', 'boucles uniquement', 'publiés uniquement']
>>> fs.to_params()
{'max_duration': '2h30', 'difficulty': ['easy', 'medium'], 'loop': '1'}
"""
from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import numpy as np

from poi.geo import bbox_around
from poi.i18n import gettext as _
from trails.errors import FilterError
from trails.filter_params import (Param, both, codes_of, distance_m, duration_param, either, fold_text,
                                  format_duration, param_value, param_values, parse_duration_min,
                                  parse_flag, parse_lat_lon, parse_number, plain_number, query_tokens,
                                  show_number)
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES, Trail

if TYPE_CHECKING:
    from trails.filter_index import TrailIndex

__all__ = ["DEFAULT_RADIUS_KM", "FILTERS", "FILTERS_BY_KEY", "AccessibleFor", "AscentRange", "DifficultyIn",
           "DurationRange", "Filter", "FilterSet", "LengthRange", "Near", "PracticeIn", "Published", "RouteTypeIn",
           "TextQuery", "ThemeAnyOf", "form_filters", "query_params"]

DEFAULT_RADIUS_KM = 10.0


class Filter:
    """What every filter provides (see the module docstring).

    A filter class also says how people give it: ``reads``, the query parameters
    (:class:`~trails.filter_params.Param`) that :meth:`from_query` reads into a filter;
    ``widget``, the template of its field in the catalogue form
    (``templates/public/_filter_<widget>.html``, "" for none) with its ``legend``,
    in ``form_order``. The CLI options, the form, the API, OpenAPI and the embed
    widget are all derived from these, so a filter is added in one place: :data:`FILTERS`.
    """

    __slots__ = ()
    key = ""
    reads: tuple[Param, ...] = ()
    widget, legend, form_order = "", "", 0

    @classmethod
    def from_query(cls, params: Mapping, *, staff: bool, towns: Callable | None) -> "Filter | None":
        """The filter that ``params`` ask for, or None (see :meth:`FilterSet.from_params`)."""
        raise NotImplementedError

    def where(self) -> tuple[str, list]:
        raise NotImplementedError

    def mask(self, index: "TrailIndex") -> np.ndarray:
        raise NotImplementedError

    def matches(self, trail: Trail) -> bool:
        raise NotImplementedError

    def human(self) -> str:
        raise NotImplementedError

    def params(self) -> dict:
        raise NotImplementedError


class _Range(Filter):
    """``low <= value <= high`` on one column (``None`` leaves a side open, not both).

    A subclass has two fields, the sides as people give them; :meth:`bounds` are the
    sides in the unit of ``column``; ``param_keys`` name the sides in
    :meth:`FilterSet.from_params`, which reads them with :meth:`read`.
    """

    __slots__ = ()
    column = ""
    param_keys = ("", "")
    what, unit = "", ""

    def __post_init__(self):
        low, high = self.bounds()
        if low is None and high is None:
            raise FilterError(_("a range needs a minimum, a maximum or both"))
        if low is not None and high is not None and low > high:
            raise FilterError(_("the minimum is above the maximum: swap the two values"))

    def bounds(self) -> tuple[float | None, float | None]:
        raise NotImplementedError

    @classmethod
    def read(cls, text: str) -> float:
        """One side from a parameter."""
        return parse_number(text, cls.what, cls.unit)

    @staticmethod
    def write(value: float) -> str:
        """One side as a parameter (what :meth:`read` reads back)."""
        return plain_number(value)

    @classmethod
    def from_query(cls, params, *, staff, towns):
        low, high = (param_value(params, key) for key in cls.param_keys)
        return cls(low and cls.read(low), high and cls.read(high)) if low or high else None

    def params(self):
        return {k: self.write(v) for k, v in zip(self.param_keys, astuple(self)) if v is not None}

    def where(self):
        low, high = self.bounds()
        parts, params = [], []
        if low is not None:
            parts.append(f"{self.column} >= ?")
            params.append(low)
        if high is not None:
            parts.append(f"{self.column} <= ?")
            params.append(high)
        return " AND ".join(parts) or "1", params

    def mask(self, index):
        return index.between(self.column, *self.bounds())

    def matches(self, trail):
        low, high = self.bounds()
        value = getattr(trail, self.column)
        return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True, slots=True)
class DurationRange(_Range):
    """Shown duration (override, else published, else computed) between two bounds, in minutes."""

    min_duration_min: int | None = None
    max_duration_min: int | None = None
    key = "duration"
    column = "duration_min"
    param_keys = ("min_duration", "max_duration")
    reads = (Param("min_duration", "At least this long: 90, 90min, 1h30, 1:30.", "duration", "DURATION",
                   example="1h"),
             Param("max_duration", "At most this long: 2h30, 150, 2:30.", "duration", "DURATION", example="2h30"))
    widget, legend, form_order = "duration", "Duration", 10
    read = staticmethod(parse_duration_min)
    write = staticmethod(duration_param)

    def bounds(self):
        return self.min_duration_min, self.max_duration_min

    def human(self):
        low, high = self.bounds()
        if low is None:
            return _("under {duration}", duration=format_duration(high))
        if high is None:
            return _("{duration} or more", duration=format_duration(low))
        return _("between {low} and {high}", low=format_duration(low), high=format_duration(high))


@dataclass(frozen=True, slots=True)
class LengthRange(_Range):
    """Length between two bounds in kilometres (compared with ``length_m``)."""

    min_length_km: float | None = None
    max_length_km: float | None = None
    key = "length"
    column = "length_m"
    param_keys = ("min_length_km", "max_length_km")
    what, unit = "length", "km"
    reads = (Param("min_length_km", "At least this many kilometres.", "number", "KM"),
             Param("max_length_km", "At most this many kilometres.", "number", "KM"))
    widget, legend, form_order = "range", "Length (km)", 20

    def bounds(self):
        return tuple(None if v is None else v * 1000.0 for v in (self.min_length_km, self.max_length_km))

    def human(self):
        low, high = self.min_length_km, self.max_length_km
        if low is None:
            return _("under {high} km", high=show_number(high))
        if high is None:
            return _("{low} km or more", low=show_number(low))
        return _("between {low} and {high} km", low=show_number(low), high=show_number(high))


@dataclass(frozen=True, slots=True)
class AscentRange(_Range):
    """Positive climb (D+) between two bounds in metres."""

    min_ascent_m: float | None = None
    max_ascent_m: float | None = None
    key = "ascent"
    column = "ascent_m"
    param_keys = ("min_ascent", "max_ascent")
    what, unit = "ascent", "m"
    reads = (Param("min_ascent", "At least this much climb (D+, metres).", "number", "M"),
             Param("max_ascent", "At most this much climb (D+, metres).", "number", "M"))
    widget, legend, form_order = "range", "Ascent (D+, m)", 30

    def bounds(self):
        return self.min_ascent_m, self.max_ascent_m

    def human(self):
        low, high = self.bounds()
        if low is None:
            return _("ascent under {high} m", high=show_number(high))
        if high is None:
            return _("ascent of {low} m or more", low=show_number(low))
        return _("ascent between {low} and {high} m", low=show_number(low), high=show_number(high))


class _AnyOf(Filter):
    """The trail's value of one coded column is one of ``values``."""

    __slots__ = ()
    column = ""
    words = ""
    vocabulary: tuple[str, ...] = ()  # the codes, when they are fixed
    widget = "facet"

    @classmethod
    def from_query(cls, params, *, staff, towns):
        values = param_values(params, cls.key)
        if values and cls.vocabulary:
            values = codes_of(values, cls.vocabulary, cls.key.replace("_", " "))
        return cls(tuple(values)) if values else None

    def where(self):
        return f"{self.column} IN ({', '.join('?' * len(self.values))})", list(self.values)

    def mask(self, index):
        return index.any_of(self.key, self.values)

    def matches(self, trail):
        return getattr(trail, self.column) in self.values

    def human(self):
        return _(self.words, values=either(self.values))

    def params(self):
        return {self.key: list(self.values)}


@dataclass(frozen=True, slots=True)
class DifficultyIn(_AnyOf):
    """Shown difficulty (override, else published, else computed) is one of ``values``."""

    values: tuple[str, ...]
    key = "difficulty"
    column = "difficulty"
    words = "difficulty: {values}"
    vocabulary = DIFFICULTIES
    reads = (Param("difficulty", ", ".join(DIFFICULTIES) + " (repeat for several).", "several", "D",
                   DIFFICULTIES),)
    legend, form_order = "Difficulty", 40


@dataclass(frozen=True, slots=True)
class PracticeIn(_AnyOf):
    """Practice (walking, mountain_bike, ...) is one of ``values``."""

    values: tuple[str, ...]
    key = "practice"
    column = "practice"
    words = "practice: {values}"
    vocabulary = PRACTICES
    reads = (Param("practice", ", ".join(PRACTICES) + " (repeat for several).", "several", "P", PRACTICES),)
    legend, form_order = "Practice", 60


@dataclass(frozen=True, slots=True)
class RouteTypeIn(_AnyOf):
    """Effective route type (staff override, else measured) is one of ``values``."""

    values: tuple[str, ...]
    key = "route_type"
    column = "effective_route_type"
    words = "route type: {values}"
    vocabulary = ROUTE_TYPES
    reads = (Param("route_type", ", ".join(ROUTE_TYPES) + " (repeat for several).", "several", "R", ROUTE_TYPES),
             Param("loop", "Loops only.", "flag"))
    legend, form_order = "Route", 50

    @classmethod
    def from_query(cls, params, *, staff, towns):
        routes = codes_of(param_values(params, "route_type"), ROUTE_TYPES, "route type")
        if parse_flag(param_value(params, "loop"), _('"loop" must be 1 or 0')):
            routes = tuple(dict.fromkeys(routes + ("loop",)))
        return cls(routes) if routes else None

    def human(self):
        return _("loops only") if self.values == ("loop",) else _AnyOf.human(self)

    def params(self):
        return {"loop": "1"} if self.values == ("loop",) else {"route_type": list(self.values)}


@dataclass(frozen=True, slots=True)
class ThemeAnyOf(_AnyOf):
    """The trail has at least one of the ``values`` themes."""

    values: tuple[str, ...]
    key = "theme"
    words = "theme: {values}"
    reads = (Param("theme", "A theme (repeat: trails with any of them).", "several", "T"),)
    legend, form_order = "Themes", 80

    def where(self):
        marks = ", ".join("?" * len(self.values))
        return f"id IN (SELECT trail_id FROM trail_themes WHERE theme IN ({marks}))", list(self.values)

    def mask(self, index):
        return index.any_theme(self.values)

    def matches(self, trail):
        return any(t in self.values for t in trail.themes)


@dataclass(frozen=True, slots=True)
class AccessibleFor(Filter):
    """The trail is suitable for **every** one of ``values`` (codes of ``trails.models.ACCESSIBILITY``)."""

    values: tuple[str, ...]
    key = "accessibility"
    reads = (Param("accessibility", ", ".join(ACCESSIBILITY) + " (repeat: suitable for all of them).", "several",
                   "A", ACCESSIBILITY),)
    widget, legend, form_order = "facet", "Accessibility", 70

    @classmethod
    def from_query(cls, params, *, staff, towns):
        values = param_values(params, "accessibility")
        return cls(codes_of(values, ACCESSIBILITY, "accessibility")) if values else None

    def where(self):
        return " AND ".join(["EXISTS (SELECT 1 FROM json_each(trails.accessibility) WHERE json_each.value = ?)"]
                            * len(self.values)) or "1", list(self.values)

    def mask(self, index):
        return index.accessible_for(self.values)

    def matches(self, trail):
        return all(v in trail.accessibility for v in self.values)

    def human(self):
        return both(self.values)

    def params(self):
        return {"accessibility": list(self.values)}


@dataclass(frozen=True, slots=True)
class Near(Filter):
    """The trailhead (start of the trace) lies within ``radius_km`` of a point (geodesic, WGS84).

    Bounding box first (R*Tree in SQL, array comparison in the index), then exact
    geodesic distance (``pyproj.Geod(ellps="WGS84").inv``). ``town`` names the point when
    it is a town's (``town=`` parameter, resolved by :mod:`trails.towns`).
    """

    lat: float
    lon: float
    radius_km: float = DEFAULT_RADIUS_KM
    town: str = ""
    key = "near"
    reads = (Param("near", "Trailhead near this point (latitude,longitude).", "point", "LAT,LON",
                   example="44.33,3.59"),
             Param("town", "Trailhead near this town (a commune of the catalogue).",
                   metavar="NAME", example="Meyrueis"),
             Param("radius_km", f"Radius around --near or --town (default {DEFAULT_RADIUS_KM:g} km).", "number",
                   "KM"))
    widget, legend, form_order = "place", "Near a place", 90

    @classmethod
    def from_query(cls, params, *, staff, towns):
        near, town, radius = (param_value(params, key) for key in ("near", "town", "radius_km"))
        radius_km = parse_number(radius, "radius", "km") if radius else DEFAULT_RADIUS_KM
        if near and town:
            raise FilterError(_('give either "near" (a point) or "town" (a name), not both'))
        if near:
            lat, lon = parse_lat_lon(near)
            return cls(lat, lon, radius_km)
        if town:
            if towns is None:
                raise FilterError(_('"town" needs the catalogue\'s towns: give "near" (latitude,longitude)'))
            name, lon, lat = towns(town)[:3]
            return cls(lat, lon, radius_km, town=name)
        if radius:
            raise FilterError(_('"radius_km" needs "near" (the centre, as "latitude,longitude") or "town"'))
        return None

    def __post_init__(self):
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise FilterError(_('"near" must be "latitude,longitude" in degrees, e.g. "44.2,3.7"'))
        if not self.radius_km > 0:
            raise FilterError(_("the radius must be a positive number of kilometres"))

    def _box(self):
        return bbox_around(self.lon, self.lat, self.radius_km * 1000.0)

    def where(self):
        x0, y0, x1, y1 = self._box()
        return ("id IN (SELECT id FROM trails_rtree WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? "
                "AND min_lat <= ?) AND start_lon BETWEEN ? AND ? AND start_lat BETWEEN ? AND ? "
                "AND balise_distance_m(start_lon, start_lat, ?, ?) <= ?",
                [x0, x1, y0, y1, x0, x1, y0, y1, self.lon, self.lat, self.radius_km * 1000.0])

    def mask(self, index):
        return index.starting_within(self._box(), self.lon, self.lat, self.radius_km * 1000.0)

    def matches(self, trail):
        start = trail.start
        return start is not None and distance_m(start[0], start[1], self.lon, self.lat) <= self.radius_km * 1000

    def human(self):
        if self.town:
            return _("within {radius} km of {town}", radius=show_number(self.radius_km), town=self.town)
        return _("within {radius} km of {lat}, {lon}", radius=show_number(self.radius_km),
                 lat=plain_number(self.lat), lon=plain_number(self.lon))

    def params(self):
        where = {"town": self.town} if self.town else {"near": f"{plain_number(self.lat)},{plain_number(self.lon)}"}
        return {**where, "radius_km": plain_number(self.radius_km)}


@dataclass(frozen=True, slots=True)
class TextQuery(Filter):
    """Every word of ``query`` occurs in the name, summary or commune (case and diacritics folded)."""

    query: str
    key = "q"
    reads = (Param("q", "Words in the name, summary or commune.", aliases=("--text",)),)
    widget, legend, form_order = "search", "Search", 0

    @classmethod
    def from_query(cls, params, *, staff, towns):
        q = param_value(params, "q")
        return cls(q) if q and query_tokens(q) else None

    def where(self):
        tokens = query_tokens(self.query)
        sql = " AND ".join(["instr(balise_fold(name || ' ' || summary || ' ' || commune), ?) > 0"] * len(tokens))
        return sql or "1", tokens

    def mask(self, index):
        return index.containing_all(query_tokens(self.query))

    def matches(self, trail):
        text = fold_text(f"{trail.name} {trail.summary} {trail.commune}")
        return all(t in text for t in query_tokens(self.query))

    def human(self):
        return _("matching “{query}”", query=self.query.strip())

    def params(self):
        return {"q": self.query}


@dataclass(frozen=True, slots=True)
class Published(Filter):
    """Published and listed trails only (what the public sees; unlisted circuits are reached by their URL)."""

    key = "published"
    reads = (Param("published", "Published trails only, or all (default).", "flag", off="--all", staff=True),)

    @classmethod
    def from_query(cls, params, *, staff, towns):
        bad_published = _('"published" must be 1 (published only) or 0 (all trails)')
        return cls() if not staff or parse_flag(param_value(params, "published"), bad_published) else None

    def where(self):
        return "published = 1 AND unlisted = 0", []

    def mask(self, index):
        return index.published.copy()  # published AND NOT unlisted (trails.filter_store.INDEX_COLUMNS)

    def matches(self, trail):
        return trail.published and not trail.unlisted

    def human(self):
        return _("published only")

    def params(self):
        return {"published": "1"}


@dataclass(frozen=True, slots=True)
class FilterSet:
    """The active filters, in a canonical order; built from query-string-like parameters.

    >>> fs = FilterSet.from_params({"near": "44.2,3.7", "radius_km": "5", "q": "moulin"}, staff=True)
    >>> [f.key for f in fs]
    ['near', 'q']
    >>> FilterSet.from_params(fs.to_params(staff=True), staff=True) == fs
    True
    >>> [f.key for f in FilterSet.from_params({"published": "0"})]   # the public: published only
    ['published']
    """

    filters: tuple[Filter, ...] = ()

    @classmethod
    def from_params(cls, params: Mapping, *, staff: bool = False,
                    towns: Callable[[str], tuple] | None = None) -> "FilterSet":
        """Filters from the parameters of :data:`FILTERS` (:func:`query_params`): ``min_duration,
        max_duration, min_length_km, max_length_km, min_ascent, max_ascent, difficulty*, theme*,
        practice*, route_type*, loop, accessibility*, near ("lat,lon") or town, radius_km, q,
        published`` (* several values, repeated or comma-separated); other keys are ignored.

        The public (``staff=False``, the default) only ever sees published trails and
        ``published`` is ignored; staff see every trail unless ``published`` is "1".
        ``towns`` resolves ``town`` (a name) to ``(name, lon, lat, ...)``, e.g.
        :class:`trails.towns.TownFinder`; without it ``town`` is refused.
        Raises :class:`~trails.errors.FilterError` on a value it cannot read.
        """
        found = (kind.from_query(params, staff=staff, towns=towns) for kind in FILTERS)
        return cls(tuple(f for f in found if f is not None))

    def to_params(self, *, staff: bool = False) -> dict[str, str | list[str]]:
        """The parameters :meth:`from_params` (same ``staff``) reads back into the same filters."""
        params: dict = {}
        for f in self.filters:
            if f.key != "published" or staff:
                params.update(f.params())
        return params

    def describe(self, *, skip: Iterable[str] = ()) -> list[str]:
        """One sentence per filter (in the current language), e.g. ``["under 2 h 30", "loops only"]``."""
        return [f.human() for f in self.filters if f.key not in skip]

    def where(self, skip: str | None = None) -> tuple[str, list]:
        """``(sql, params)``: the AND of every filter's fragment but the one whose key is ``skip``."""
        parts, params = [], []
        for f in self.filters:
            if f.key != skip:
                sql, p = f.where()
                parts.append(f"({sql})")
                params += p
        return " AND ".join(parts) or "1", params

    def get(self, key: str) -> Filter | None:
        return next((f for f in self.filters if f.key == key), None)

    def __iter__(self):
        return iter(self.filters)

    def __len__(self):
        return len(self.filters)


#: Every filter, in the canonical order of a :class:`FilterSet` (and of its sentences). Add a filter here.
FILTERS: tuple[type[Filter], ...] = (DurationRange, LengthRange, AscentRange, DifficultyIn, ThemeAnyOf, PracticeIn,
                                     RouteTypeIn, AccessibleFor, Near, TextQuery, Published)
FILTERS_BY_KEY: dict[str, type[Filter]] = {f.key: f for f in FILTERS}


def query_params(*, staff: bool = False) -> list[Param]:
    """Every query parameter of the filters, in order; the public's only unless ``staff``.

    >>> [p.name for p in query_params()][:4], "published" in [p.name for p in query_params(staff=True)]
    (['min_duration', 'max_duration', 'min_length_km', 'max_length_km'], True)
    """
    return [p for f in FILTERS for p in f.reads if staff or not p.staff]


def form_filters() -> list[type[Filter]]:
    """The filters that have a field in the catalogue form, in the form's order."""
    return sorted((f for f in FILTERS if f.widget), key=lambda f: f.form_order)
