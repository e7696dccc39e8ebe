"""The trail filters of the catalogue, each one describing itself (see :class:`trails.filter_base.Filter`).

Duration, length and ascent ranges; difficulty, theme, practice, route type and
accessibility; a point or town and a radius; words; published only. The registry that
orders them, :data:`trails.filters.FILTERS`, and :class:`~trails.filters.FilterSet` are
one floor up, in :mod:`trails.filters`.
"""
from __future__ import annotations

from dataclasses import dataclass

from poi.geo import bbox_around
from poi.i18n import N_, gettext as _
from trails.errors import FilterError
from trails.filter_base import AnyOfFilter, Filter, RangeFilter
from trails.filter_params import (Param, both, codes_of, distance_m, duration_param, fold_text, format_duration,
                                  param_value, param_values, parse_duration_min, parse_flag, parse_lat_lon,
                                  parse_number, plain_number, query_tokens, show_number)
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES

__all__ = ["DEFAULT_RADIUS_KM", "AccessibleFor", "AscentRange", "DifficultyIn", "DurationRange", "LengthRange",
           "Near", "PracticeIn", "Published", "RouteTypeIn", "TextQuery", "ThemeAnyOf"]

DEFAULT_RADIUS_KM = 10.0


@dataclass(frozen=True, slots=True)
class DurationRange(RangeFilter):
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
    show = staticmethod(format_duration)
    # "walking time": the filter is on the shown duration, without the time at stops
    # (``duration_with_visits_min``, :mod:`trails.duration`).
    sentences = (N_("walking time under {duration}"), N_("walking time of {duration} or more"),
                 N_("walking time between {low} and {high}"))
    one_side = "duration"

    def bounds(self):
        return self.min_duration_min, self.max_duration_min


@dataclass(frozen=True, slots=True)
class LengthRange(RangeFilter):
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
    sentences = (N_("under {high} km"), N_("{low} km or more"), N_("between {low} and {high} km"))

    def bounds(self):
        return tuple(None if v is None else v * 1000.0 for v in (self.min_length_km, self.max_length_km))


@dataclass(frozen=True, slots=True)
class AscentRange(RangeFilter):
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
    sentences = (N_("ascent under {high} m"), N_("ascent of {low} m or more"), N_("ascent between {low} and {high} m"))

    def bounds(self):
        return self.min_ascent_m, self.max_ascent_m


@dataclass(frozen=True, slots=True)
class DifficultyIn(AnyOfFilter):
    """Shown difficulty (override, else published, else computed) is one of ``values``."""

    values: tuple[str, ...]
    key = "difficulty"
    column = "difficulty"
    words = N_("difficulty: {values}")
    vocabulary = DIFFICULTIES
    reads = (Param("difficulty", ", ".join(DIFFICULTIES) + " (repeat for several).", "several", "D",
                   DIFFICULTIES),)
    legend, form_order = "Difficulty", 40


@dataclass(frozen=True, slots=True)
class PracticeIn(AnyOfFilter):
    """Practice (walking, mountain_bike, ...) is one of ``values``."""

    values: tuple[str, ...]
    key = "practice"
    column = "practice"
    words = N_("practice: {values}")
    vocabulary = PRACTICES
    reads = (Param("practice", ", ".join(PRACTICES) + " (repeat for several).", "several", "P", PRACTICES),)
    legend, form_order = "Practice", 60


@dataclass(frozen=True, slots=True)
class RouteTypeIn(AnyOfFilter):
    """Effective route type (staff override, else measured) is one of ``values``."""

    values: tuple[str, ...]
    key = "route_type"
    column = "effective_route_type"
    words = N_("route type: {values}")
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
        return _("loops only") if self.values == ("loop",) else AnyOfFilter.human(self)

    def params(self):
        return {"loop": "1"} if self.values == ("loop",) else {"route_type": list(self.values)}


@dataclass(frozen=True, slots=True)
class ThemeAnyOf(AnyOfFilter):
    """The trail has at least one of the ``values`` themes."""

    values: tuple[str, ...]
    key = "theme"
    words = N_("theme: {values}")
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

