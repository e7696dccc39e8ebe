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
from trails.filter_params import (both, codes_of, distance_m, duration_param, either, fold_text,
                                  format_duration, param_value, param_values, parse_duration_min,
                                  parse_flag, parse_lat_lon, parse_number, plain_number, query_tokens,
                                  show_number)
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES, Trail

if TYPE_CHECKING:
    from trails.filter_index import TrailIndex

__all__ = ["DEFAULT_RADIUS_KM", "AccessibleFor", "AscentRange", "DifficultyIn", "DurationRange", "Filter",
           "FilterSet", "LengthRange", "Near", "PracticeIn", "Published", "RouteTypeIn", "TextQuery", "ThemeAnyOf"]

DEFAULT_RADIUS_KM = 10.0


class Filter:
    """What every filter provides (see the module docstring)."""

    __slots__ = ()
    key = ""

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


@dataclass(frozen=True, slots=True)
class PracticeIn(_AnyOf):
    """Practice (walking, mountain_bike, ...) is one of ``values``."""

    values: tuple[str, ...]
    key = "practice"
    column = "practice"
    words = "practice: {values}"


@dataclass(frozen=True, slots=True)
class RouteTypeIn(_AnyOf):
    """Effective route type (staff override, else measured) is one of ``values``."""

    values: tuple[str, ...]
    key = "route_type"
    column = "effective_route_type"
    words = "route type: {values}"

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
    """Published trails only (what the public sees)."""

    key = "published"

    def where(self):
        return "published = 1", []

    def mask(self, index):
        return index.published.copy()

    def matches(self, trail):
        return trail.published

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
        """Filters from ``min_duration, max_duration, min_length_km, max_length_km, min_ascent,
        max_ascent, difficulty*, theme*, practice*, route_type*, loop, accessibility*, near ("lat,lon")
        or town, radius_km, q, published`` (* several values, repeated or comma-separated); other
        keys are ignored.

        The public (``staff=False``, the default) only ever sees published trails and
        ``published`` is ignored; staff see every trail unless ``published`` is "1".
        ``towns`` resolves ``town`` (a name) to ``(name, lon, lat, ...)``, e.g.
        :class:`trails.towns.TownFinder`; without it ``town`` is refused.
        Raises :class:`~trails.errors.FilterError` on a value it cannot read.
        """
        one = lambda key: param_value(params, key)  # noqa: E731
        found: list[Filter] = []
        for kind in (DurationRange, LengthRange, AscentRange):
            lo, hi = (one(key) for key in kind.param_keys)
            if lo or hi:
                found.append(kind(lo and kind.read(lo), hi and kind.read(hi)))
        if values := param_values(params, "difficulty"):
            found.append(DifficultyIn(codes_of(values, DIFFICULTIES, "difficulty")))
        if values := param_values(params, "theme"):
            found.append(ThemeAnyOf(tuple(values)))
        if values := param_values(params, "practice"):
            found.append(PracticeIn(codes_of(values, PRACTICES, "practice")))
        routes = codes_of(param_values(params, "route_type"), ROUTE_TYPES, "route type")
        if parse_flag(one("loop"), _('"loop" must be 1 or 0')):
            routes = tuple(dict.fromkeys(routes + ("loop",)))
        if routes:
            found.append(RouteTypeIn(routes))
        if values := param_values(params, "accessibility"):
            found.append(AccessibleFor(codes_of(values, ACCESSIBILITY, "accessibility")))
        near, town, radius = one("near"), one("town"), one("radius_km")
        radius_km = parse_number(radius, "radius", "km") if radius else DEFAULT_RADIUS_KM
        if near and town:
            raise FilterError(_('give either "near" (a point) or "town" (a name), not both'))
        if near:
            lat, lon = parse_lat_lon(near)
            found.append(Near(lat, lon, radius_km))
        elif town:
            if towns is None:
                raise FilterError(_('"town" needs the catalogue\'s towns: give "near" (latitude,longitude)'))
            name, lon, lat = towns(town)[:3]
            found.append(Near(lat, lon, radius_km, town=name))
        elif radius:
            raise FilterError(_('"radius_km" needs "near" (the centre, as "latitude,longitude") or "town"'))
        if (q := one("q")) and query_tokens(q):
            found.append(TextQuery(q))
        bad_published = _('"published" must be 1 (published only) or 0 (all trails)')
        if not staff or parse_flag(one("published"), bad_published):
            found.append(Published())
        return cls(tuple(found))

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
