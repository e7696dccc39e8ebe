"""The trail filter engine: filters that describe themselves, and facet counts.

Every filter has a ``key``, a SQL WHERE fragment against the ``trails`` table
(:meth:`Filter.where`), a boolean mask over the in-memory :class:`TrailIndex`
(:meth:`Filter.mask`), a plain predicate on a :class:`~trails.models.Trail`
(:meth:`Filter.matches`) and a sentence (:meth:`Filter.human`), so the
catalogue can say why a trail is listed. The SQL path is the reference; the
index path (numpy) is what :func:`search` uses, and the tests check that both
agree. Each facet is counted under all the *other* active filters, so choosing
"easy" still shows how many "medium" trails there would be.

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

import re
import sqlite3
import threading
import unicodedata
import weakref
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple

import numpy as np

from poi.geo import GEOD, bbox_around
from poi.i18n import catalogue, current_language
from poi.i18n import gettext as _
from poi.text import fold
from trails.errors import FilterError
from trails.models import DIFFICULTIES, PRACTICES, ROUTE_TYPES, Trail
from trails.store import TrailStore

#: Duration facet buckets: (label, lowest minute included, first minute excluded).
DURATION_BUCKETS = (("<1h", 0, 60), ("1-2h", 60, 120), ("2-4h", 120, 240), ("4-8h", 240, 480),
                    (">8h", 480, None))
#: Facets counted by :func:`search`, each blocked only by the filter of the same key.
FACETS = ("difficulty", "theme", "duration", "practice", "route_type")
SORTS = {"name": None, "duration": "duration_min", "length": "length_m", "ascent": "ascent_m"}
DEFAULT_RADIUS_KM = 10.0
#: English labels of the codes (translated through poi.i18n; unknown values are shown as they are).
LABELS = {
    "very_easy": "very easy", "easy": "easy", "medium": "medium", "hard": "hard", "very_hard": "very hard",
    "walking": "walking", "trail_running": "trail running", "mountain_bike": "mountain biking",
    "cycling": "cycling", "horse_riding": "horse riding", "snowshoe": "snowshoeing",
    "loop": "loop", "out_and_back": "out and back", "one_way": "one way",
    "religious_heritage": "religious heritage", "military_heritage": "military heritage",
    "industrial_heritage": "industrial heritage", "rural_heritage": "rural heritage",
    "architecture": "architecture", "history": "history", "water": "water", "geology": "geology",
    "fauna_flora": "fauna and flora", "forest": "forest", "viewpoint": "viewpoints",
}


def label(value: str) -> str:
    """The translated label of a code (``"very_easy"`` -> "very easy" / "très facile")."""
    return _(LABELS.get(value, value))


def _num(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language() == "fr" else text


def _plain(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _either(values: Iterable[str]) -> str:
    names = [label(v) for v in values]
    return names[0] if len(names) == 1 else _("{first} or {last}", first=", ".join(names[:-1]), last=names[-1])


def format_duration(minutes: int) -> str:
    """A duration as walkers read it.

    >>> format_duration(150), format_duration(120), format_duration(45), format_duration(65)
    ('2 h 30', '2 h', '45 min', '1 h 05')
    """
    hours, mins = divmod(int(minutes), 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h" if not mins else f"{hours} h {mins:02d}"


_HM = re.compile(r"(\d+(?:[.,]\d+)?)\s*h(?:\s*(\d{1,2})\s*(?:min|mn|m)?)?")


def parse_duration_min(value: str | int) -> int:
    """Minutes from "2h30", "2h", "1.5h", "90", "90min" or "1:45".

    >>> [parse_duration_min(v) for v in ("2h30", "2h", "90", "90min", "1:45", "1,5 h", 45)]
    [150, 120, 90, 90, 105, 90, 45]
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     parse_duration_min("2x")
    Traceback (most recent call last):
    trails.errors.FilterError: cannot read the duration "2x": write minutes (90) or hours and minutes (2h30, 1:45)
    """
    text = str(value).strip().lower()
    if m := re.fullmatch(r"(\d+)\s*(?:min|mn|m)?", text):
        return int(m.group(1))
    if m := re.fullmatch(r"(\d+):([0-5]\d)", text):
        return int(m.group(1)) * 60 + int(m.group(2))
    if (m := _HM.fullmatch(text)) and int(m.group(2) or 0) < 60:
        return round(float(m.group(1).replace(",", ".")) * 60) + int(m.group(2) or 0)
    message = _('cannot read the duration "{value}": write minutes (90) or hours and minutes (2h30, 1:45)',
                value=value)
    raise FilterError(message)


def _parse_number(value, what: str, unit: str) -> float:
    text = str(value).strip().lower().removesuffix(unit).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number >= 0 or number == float("inf"):
        raise FilterError(_('cannot read the {what} "{value}": write a positive number of {unit}',
                            what=_(what), value=value, unit=unit))
    return number


class _FoldTable(dict):
    """``str.translate`` table doing, one character at a time, what :func:`poi.text.fold` does
    (NFKD, combining marks dropped): the same result, several times faster on long texts."""

    def __missing__(self, code: int) -> str:
        self[code] = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        return self[code]


_FOLD = _FoldTable()


def _fold_text(value: str | None) -> str:
    """:func:`poi.text.fold` with blanks collapsed (the form text queries match against).

    >>> _fold_text("  Ô domaine de  Roquedols ! ")
    'o domaine de roquedols !'
    """
    value = value or ""
    return " ".join((value if value.isascii() else value.translate(_FOLD)).lower().split())


def _tokens(query: str) -> list[str]:
    return re.findall(r"\w+", fold(query))


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
    """``low <= value <= high`` on one column (``None`` leaves a side open)."""

    __slots__ = ()
    column = ""

    def bounds(self) -> tuple[float | None, float | None]:
        raise NotImplementedError

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
        low, high = self.bounds()
        values = getattr(index, self.column)
        result = np.ones(len(values), dtype=bool)
        if low is not None:
            result &= values >= low
        if high is not None:
            result &= values <= high
        return result

    def matches(self, trail):
        low, high = self.bounds()
        value = getattr(trail, self.column)
        return (low is None or value >= low) and (high is None or value <= high)

    def _check(self):
        low, high = self.bounds()
        if low is None and high is None:
            raise FilterError(_("a range needs a minimum, a maximum or both"))
        if low is not None and high is not None and low > high:
            raise FilterError(_("the minimum is above the maximum: swap the two values"))


@dataclass(frozen=True, slots=True)
class DurationRange(_Range):
    """Shown duration (override, else published, else computed) between two bounds, in minutes."""

    min_duration_min: int | None = None
    max_duration_min: int | None = None
    key = "duration"
    column = "duration_min"

    def __post_init__(self):
        self._check()

    def bounds(self):
        return self.min_duration_min, self.max_duration_min

    def human(self):
        low, high = self.bounds()
        if low is None:
            return _("under {duration}", duration=format_duration(high))
        if high is None:
            return _("{duration} or more", duration=format_duration(low))
        return _("between {low} and {high}", low=format_duration(low), high=format_duration(high))

    def params(self):
        def fmt(minutes):
            hours, mins = divmod(minutes, 60)
            return str(mins) if not hours else f"{hours}h" + (f"{mins:02d}" if mins else "")
        return {k: fmt(v) for k, v in (("min_duration", self.min_duration_min),
                                        ("max_duration", self.max_duration_min)) if v is not None}


@dataclass(frozen=True, slots=True)
class LengthRange(_Range):
    """Length between two bounds in kilometres (compared with ``length_m``)."""

    min_length_km: float | None = None
    max_length_km: float | None = None
    key = "length"
    column = "length_m"

    def __post_init__(self):
        self._check()

    def bounds(self):
        return tuple(None if v is None else v * 1000.0 for v in (self.min_length_km, self.max_length_km))

    def human(self):
        low, high = self.min_length_km, self.max_length_km
        if low is None:
            return _("under {high} km", high=_num(high))
        if high is None:
            return _("{low} km or more", low=_num(low))
        return _("between {low} and {high} km", low=_num(low), high=_num(high))

    def params(self):
        return {k: _plain(v) for k, v in (("min_length_km", self.min_length_km),
                                          ("max_length_km", self.max_length_km)) if v is not None}


@dataclass(frozen=True, slots=True)
class AscentRange(_Range):
    """Positive climb (D+) between two bounds in metres."""

    min_ascent_m: float | None = None
    max_ascent_m: float | None = None
    key = "ascent"
    column = "ascent_m"

    def __post_init__(self):
        self._check()

    def bounds(self):
        return self.min_ascent_m, self.max_ascent_m

    def human(self):
        low, high = self.bounds()
        if low is None:
            return _("ascent under {high} m", high=_num(high))
        if high is None:
            return _("ascent of {low} m or more", low=_num(low))
        return _("ascent between {low} and {high} m", low=_num(low), high=_num(high))

    def params(self):
        return {k: _plain(v) for k, v in (("min_ascent", self.min_ascent_m),
                                          ("max_ascent", self.max_ascent_m)) if v is not None}


class _AnyOf(Filter):
    """The trail's value of one coded column is one of ``values``."""

    __slots__ = ()
    column = ""
    words = ""

    def where(self):
        return f"{self.column} IN ({', '.join('?' * len(self.values))})", list(self.values)

    def mask(self, index):
        codes, lookup, _names = index.codes[self.key]
        wanted = np.zeros(len(lookup) + 1, dtype=bool)
        wanted[[lookup[v] for v in self.values if v in lookup]] = True
        return wanted[codes]

    def matches(self, trail):
        return getattr(trail, self.column) in self.values

    def human(self):
        return _(self.words, values=_either(self.values))

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
        codes = [index.theme_lookup[v] for v in self.values if v in index.theme_lookup]
        if not codes:
            return np.zeros(len(index.ids), dtype=bool)
        packed = np.bitwise_or.reduce(index.theme_bits[codes], axis=0)
        return np.unpackbits(packed, count=len(index.ids)).view(bool)

    def matches(self, trail):
        return any(t in self.values for t in trail.themes)


@dataclass(frozen=True, slots=True)
class Near(Filter):
    """The trailhead (start of the trace) lies within ``radius_km`` of a point (geodesic, WGS84).

    Bounding box first (R*Tree in SQL, array comparison in the index), then exact
    geodesic distance (``pyproj.Geod(ellps="WGS84").inv``).
    """

    lat: float
    lon: float
    radius_km: float = DEFAULT_RADIUS_KM
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
        x0, y0, x1, y1 = self._box()
        lon, lat = index.start_lon, index.start_lat
        result = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        rows = np.flatnonzero(result)
        if len(rows):
            dist = GEOD.inv(lon[rows], lat[rows], np.full(len(rows), self.lon), np.full(len(rows), self.lat))[2]
            result[rows] = dist <= self.radius_km * 1000.0
        return result

    def matches(self, trail):
        start = trail.start
        return start is not None and _distance_m(start[0], start[1], self.lon, self.lat) <= self.radius_km * 1000

    def human(self):
        return _("within {radius} km of {lat}, {lon}", radius=_num(self.radius_km), lat=_plain(self.lat),
                 lon=_plain(self.lon))

    def params(self):
        return {"near": f"{_plain(self.lat)},{_plain(self.lon)}", "radius_km": _plain(self.radius_km)}


def _distance_m(lon1, lat1, lon2, lat2):
    return None if lon1 is None or lat1 is None else float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@dataclass(frozen=True, slots=True)
class TextQuery(Filter):
    """Every word of ``query`` occurs in the name, summary or commune (case and diacritics folded)."""

    query: str
    key = "q"

    def where(self):
        tokens = _tokens(self.query)
        sql = " AND ".join(["instr(balise_fold(name || ' ' || summary || ' ' || commune), ?) > 0"] * len(tokens))
        return sql or "1", tokens

    def mask(self, index):
        result = np.ones(len(index.ids), dtype=bool)
        for token in _tokens(self.query):
            hits = np.zeros(len(index.ids), dtype=bool)
            hits[index.rows_containing(token)] = True
            result &= hits
        return result

    def matches(self, trail):
        text = _fold_text(f"{trail.name} {trail.summary} {trail.commune}")
        return all(t in text for t in _tokens(self.query))

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



_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", "all"}
_EXTRA_ALIASES = {"pedestre": "walking", "a_pied": "walking", "rando": "walking", "vtt": "mountain_bike",
                  "trail": "trail_running", "itinerance": "one_way"}


def _raw(params: Mapping, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        raw = params.getlist(key)
    else:
        raw = params.get(key)
        raw = [] if raw is None else list(raw) if isinstance(raw, (list, tuple, set)) else [raw]
    return [str(v).strip() for v in raw if str(v).strip()]


def _multi(params: Mapping, key: str) -> list[str]:
    return list(dict.fromkeys(p.strip() for v in _raw(params, key) for p in v.split(",") if p.strip()))


def _single(params: Mapping, key: str) -> str | None:
    values = _raw(params, key)
    return values[-1] if values else None


def _slug(text: str) -> str:
    return re.sub(r"[\s\-']+", "_", _fold_text(text))


def _codes(values: list[str], vocabulary: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Codes from codes, English labels or French labels ("Très facile" -> ``very_easy``)."""
    fr = catalogue("fr")
    aliases = {_slug(name): code for code in vocabulary
               for name in (code, LABELS.get(code, code), fr.get(LABELS.get(code, code), code))}
    aliases.update({k: v for k, v in _EXTRA_ALIASES.items() if v in vocabulary})
    codes = []
    for value in values:
        if (code := aliases.get(_slug(value))) is None:
            raise FilterError(_('unknown {what} "{value}": choose among {choices}', what=_(what), value=value,
                                choices=", ".join(vocabulary)))
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def _near(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(p) for p in text.replace(";", ",").split(","))
    except ValueError as e:
        raise FilterError(_('"near" must be "latitude,longitude" in degrees, e.g. "44.2,3.7"')) from e
    return lat, lon


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
    def from_params(cls, params: Mapping, *, staff: bool = False) -> "FilterSet":
        """Filters from ``min_duration, max_duration, min_length_km, max_length_km, min_ascent,
        max_ascent, difficulty*, theme*, practice*, route_type*, loop, near ("lat,lon"), radius_km,
        q, published`` (* several values, repeated or comma-separated); other keys are ignored.

        The public (``staff=False``, the default) only ever sees published trails and
        ``published`` is ignored; staff see every trail unless ``published`` is "1".
        Raises :class:`~trails.errors.FilterError` on a value it cannot read.
        """
        one = lambda key: _single(params, key)  # noqa: E731
        found: list[Filter] = []
        lo, hi = one("min_duration"), one("max_duration")
        if lo or hi:
            found.append(DurationRange(lo and parse_duration_min(lo), hi and parse_duration_min(hi)))
        for cls_, low_key, high_key, what, unit in (
                (LengthRange, "min_length_km", "max_length_km", "length", "km"),
                (AscentRange, "min_ascent", "max_ascent", "ascent", "m")):
            lo, hi = one(low_key), one(high_key)
            if lo or hi:
                found.append(cls_(lo and _parse_number(lo, what, unit), hi and _parse_number(hi, what, unit)))
        if values := _multi(params, "difficulty"):
            found.append(DifficultyIn(_codes(values, DIFFICULTIES, "difficulty")))
        if values := _multi(params, "theme"):
            found.append(ThemeAnyOf(tuple(values)))
        if values := _multi(params, "practice"):
            found.append(PracticeIn(_codes(values, PRACTICES, "practice")))
        routes = _codes(_multi(params, "route_type"), ROUTE_TYPES, "route type")
        if (loop := one("loop")) is not None and loop.lower() not in _TRUE | _FALSE:
            raise FilterError(_('"loop" must be 1 or 0'))
        if loop and loop.lower() in _TRUE:
            routes = tuple(dict.fromkeys(routes + ("loop",)))
        if routes:
            found.append(RouteTypeIn(routes))
        near, radius = one("near"), one("radius_km")
        if near:
            found.append(Near(*_near(near), _parse_number(radius, "radius", "km") if radius else DEFAULT_RADIUS_KM))
        elif radius:
            raise FilterError(_('"radius_km" needs "near" (the centre, as "latitude,longitude")'))
        if (q := one("q")) and _tokens(q):
            found.append(TextQuery(q))
        published = True
        if staff:
            value = (one("published") or "0").lower()
            if value not in _TRUE | _FALSE:
                raise FilterError(_('"published" must be 1 (published only) or 0 (all trails)'))
            published = value in _TRUE
        if published:
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


class TrailIndex:
    """A columnar (numpy) copy of what the filters and facets read from the ``trails`` table.

    Built in one pass over the table; :func:`trail_index` rebuilds it when the table changes.
    Categorical columns are stored as integer codes so facets are ``numpy.bincount`` calls.
    """

    def __init__(self, rows: list, theme_pairs: list):
        cols = list(zip(*rows)) if rows else [()] * 13
        self.ids = np.array(cols[0], dtype=np.int64)
        self.duration_min = np.array(cols[1], dtype=np.int64)
        self.length_m = np.array(cols[2], dtype=np.float64)
        self.ascent_m = np.array(cols[3], dtype=np.float64)
        self.codes = {key: self._encode(values) for key, values in
                      (("difficulty", cols[4]), ("practice", cols[5]), ("route_type", cols[6]))}
        self.start_lon = np.array(cols[7], dtype=np.float64)
        self.start_lat = np.array(cols[8], dtype=np.float64)
        self.published = np.array(cols[9], dtype=bool)
        self.duration_bucket = np.searchsorted([b[2] for b in DURATION_BUCKETS[:-1]], self.duration_min,
                                               side="right")
        self.theme_names = sorted({t for _tid, t in theme_pairs})
        self.theme_lookup = {t: i for i, t in enumerate(self.theme_names)}
        row_of = {tid: i for i, tid in enumerate(cols[0])}
        theme_rows = np.array([row_of[tid] for tid, _t in theme_pairs], dtype=np.int64)
        theme_codes = np.array([self.theme_lookup[t] for _tid, t in theme_pairs], dtype=np.int64)
        # one packed bitset (n bits) per theme: "any of" is an OR, a facet count a popcount
        self.theme_bits = np.zeros((len(self.theme_names), (len(rows) + 7) // 8), dtype=np.uint8)
        for code in range(len(self.theme_names)):
            member = np.zeros(len(rows), dtype=bool)
            member[theme_rows[theme_codes == code]] = True
            self.theme_bits[code] = np.packbits(member)
        names = [_fold_text(name) for name in cols[10]]
        self._index_words([f"{n} {_fold_text(f'{s} {c}')}" for n, s, c in zip(names, cols[11], cols[12])])
        ranked = sorted(range(len(rows)), key=lambda i: (names[i], cols[10][i], cols[0][i]))
        self.name_rank = np.empty(len(rows), dtype=np.int64)
        self.name_rank[ranked] = np.arange(len(rows))
        self._orders: dict[str, np.ndarray] = {}
        self.codes2 = {key: codes * 2 for key, (codes, _lookup, _names) in self.codes.items()}
        self.duration_bucket2 = self.duration_bucket * 2

    @staticmethod
    def _encode(values) -> tuple[np.ndarray, dict[str, int], list[str]]:
        names = sorted(set(values))
        lookup = {v: i for i, v in enumerate(names)}
        return np.array([lookup[v] for v in values], dtype=np.int64), lookup, names

    @classmethod
    def build(cls, store: TrailStore) -> "TrailIndex":
        cursor = store.db.conn.cursor()
        cursor.row_factory = None  # plain tuples: a third of the time of sqlite3.Row here
        rows = cursor.execute("SELECT id, duration_min, length_m, ascent_m, difficulty, practice, "
                              "effective_route_type, start_lon, start_lat, published, name, summary, commune "
                              "FROM trails ORDER BY id").fetchall()
        return cls(rows, cursor.execute("SELECT trail_id, theme FROM trail_themes").fetchall())

    def _index_words(self, texts: list[str]) -> None:
        """Inverted index of the words (maximal ``\\w+`` runs) of the folded texts.

        A query token is made of word characters only, so it occurs in a text exactly
        when it occurs inside one of the text's words: searching the (small) vocabulary
        and joining the postings gives the same rows as a substring search of every text.
        """
        codes: dict[str, int] = {"\n": -1}  # "\n" separates the rows
        found = np.array([codes.setdefault(w, len(codes) - 1) for w in re.findall(r"\w+|\n", "\n".join(texts))],
                         dtype=np.int64)
        del codes["\n"]
        word_rows = np.cumsum(found == -1)[found != -1]
        word_codes = found[found != -1]
        self.postings = word_rows[np.argsort(word_codes, kind="stable")]
        self.posting_ends = np.cumsum(np.bincount(word_codes, minlength=len(codes)))
        self.vocabulary = "\n".join(codes) + "\n"  # words in code order, one a line
        self.word_starts = [0]
        for word in codes:
            self.word_starts.append(self.word_starts[-1] + len(word) + 1)

    def rows_containing(self, token: str) -> np.ndarray:
        """Rows whose folded name, summary or commune contains ``token`` (no blank in it)."""
        parts, starts, pos = [], self.word_starts, self.vocabulary.find(token)
        while pos != -1:
            code = bisect_right(starts, pos) - 1
            parts.append(self.postings[(self.posting_ends[code - 1] if code else 0):self.posting_ends[code]])
            pos = self.vocabulary.find(token, starts[code + 1])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def order(self, sort: str) -> np.ndarray:
        """Row indices in ``sort`` order (ties broken by folded name, name, id, as in SQL)."""
        if sort not in self._orders:
            field, desc = sort.lstrip("-"), sort.startswith("-")
            if field == "name":
                order = np.argsort(-self.name_rank if desc else self.name_rank, kind="stable")
            else:
                column = getattr(self, SORTS[field])
                order = np.lexsort((self.name_rank, -column if desc else column))
            self._orders[sort] = order
        return self._orders[sort]


class SearchResult(NamedTuple):
    """One page of trails, how many match in all, the facet counts and the filter sentences."""

    trails: list[Trail]
    total: int
    facets: dict[str, dict[str, int]]
    descriptions: list[str]


_CACHE_LOCK = threading.Lock()
_SHARED: dict[str, tuple] = {}  # db file -> (revision, index), when the db keeps a trails revision
_LOCAL: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # Database -> (key, index)


def trail_index(store: TrailStore) -> TrailIndex:
    """The :class:`TrailIndex` of a store's database, rebuilt only when the trails changed.

    With a ``trails_revision`` counter kept by triggers, one index is shared by every
    connection to the same file; without it, each connection keeps its own, keyed on
    ``PRAGMA data_version`` (commits of other connections) and its own ``total_changes``.
    """
    conn = store.db.conn
    local = (store.rows("PRAGMA data_version")[0][0], conn.total_changes)
    try:
        revision = store.rows("SELECT n FROM trails_revision")[0][0]
    except (sqlite3.OperationalError, IndexError):
        revision = None
    path = store.rows("PRAGMA database_list")[0][2]
    with _CACHE_LOCK:
        if revision is not None and path and not conn.in_transaction:
            cached = _SHARED.get(path)
            if cached and cached[0] == revision:
                return cached[1]
        cached = _LOCAL.get(store.db)
        if cached and cached[0] == (revision, local):
            return cached[1]
    index = TrailIndex.build(store)
    with _CACHE_LOCK:
        _LOCAL[store.db] = ((revision, local), index)
        if revision is not None and path and not conn.in_transaction:
            _SHARED[path] = (revision, index)
    return index


def _register_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("balise_fold", 1, _fold_text, deterministic=True)
    conn.create_function("balise_distance_m", 4, _distance_m, deterministic=True)


def _sql_order(sort: str) -> str:
    field, desc = sort.lstrip("-"), " DESC" if sort.startswith("-") else ""
    if field == "name":
        return f"balise_fold(name){desc}, name{desc}, id{desc}"
    return f"{SORTS[field]}{desc}, balise_fold(name), name, id"


def _run_sql(store: TrailStore, fs: FilterSet, sort: str, limit, offset):
    _register_functions(store.db.conn)
    where, params = fs.where()
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else f" LIMIT -1 OFFSET {int(offset)}"
    ids = [r[0] for r in store.rows(f"SELECT id FROM trails WHERE {where} ORDER BY {_sql_order(sort)}{page}",
                                    params)]
    total = store.rows(f"SELECT COUNT(*) FROM trails WHERE {where}", params)[0][0]
    bucket = "CASE " + " ".join(f"WHEN duration_min < {hi} THEN '{name}'" for name, _lo, hi in
                                DURATION_BUCKETS[:-1]) + f" ELSE '{DURATION_BUCKETS[-1][0]}' END"
    raw = {}
    for facet in FACETS:
        where, params = fs.where(skip=facet)
        if facet == "theme":
            sql = (f"SELECT trail_themes.theme, COUNT(*) FROM trail_themes JOIN trails "
                   f"ON trails.id = trail_themes.trail_id WHERE {where} GROUP BY 1")
        else:
            column = {"duration": bucket, "route_type": "effective_route_type"}.get(facet, facet)
            sql = f"SELECT {column}, COUNT(*) FROM trails WHERE {where} GROUP BY 1"
        raw[facet] = {r[0]: r[1] for r in store.rows(sql, params)}
    return ids, total, raw


def _run_index(index: TrailIndex, fs: FilterSet, sort: str, limit, offset):
    masks = [(f.key, f.mask(index)) for f in fs]

    def combined(skip=None):
        result = np.ones(len(index.ids), dtype=bool)
        for key, mask in masks:
            if key != skip:
                result &= mask
        return result

    selected = combined()
    order = index.order(sort)
    hits = np.flatnonzero(selected[order])
    rows = order[hits[offset:] if limit is None else hits[offset:offset + limit]]
    raw = {}
    for facet in FACETS:
        mask = combined(facet) if fs.get(facet) is not None else selected
        if facet == "theme":
            counts = np.bitwise_count(index.theme_bits & np.packbits(mask)).sum(axis=1, dtype=np.int64)
            raw[facet] = {index.theme_names[i]: int(counts[i]) for i in np.flatnonzero(counts)}
            continue
        if facet == "duration":
            names, doubled = [b[0] for b in DURATION_BUCKETS], index.duration_bucket2
        else:
            names, doubled = index.codes[facet][2], index.codes2[facet]
        # code * 2 + selected: one bincount, no boolean gather; odd slots count the selected rows
        counts = np.bincount(doubled + mask, minlength=2 * len(names))[1::2]
        raw[facet] = {names[i]: int(counts[i]) for i in np.flatnonzero(counts)}
    return index.ids[rows].tolist(), int(np.count_nonzero(selected)), raw


def _shape_facets(raw: dict, fs: FilterSet) -> dict[str, dict[str, int]]:
    """Known values first in their natural order (zeros kept), then others by count; selected values kept."""
    fixed = {"difficulty": DIFFICULTIES, "duration": tuple(b[0] for b in DURATION_BUCKETS),
             "practice": PRACTICES, "route_type": ROUTE_TYPES, "theme": ()}
    facets = {}
    for facet in FACETS:
        counts = raw.get(facet, {})
        out = {v: counts.get(v, 0) for v in fixed[facet]}
        out.update({v: counts[v] for v in sorted(counts, key=lambda v: (-counts[v], v)) if v not in out})
        chosen = fs.get(facet)
        for value in getattr(chosen, "values", ()):
            out.setdefault(value, 0)
        facets[facet] = out
    return facets


def search(store_or_db, filters: FilterSet | Iterable[Filter] = (), *, sort: str = "name",
           limit: int | None = None, offset: int = 0, engine: str = "index") -> SearchResult:
    """Trails matching every filter, one page of them, and facet counts.

    ``sort`` is ``name``, ``duration``, ``length`` or ``ascent``, ``-`` in front for
    descending (ties by name). Each facet (difficulty, theme, duration bucket,
    practice, route_type) is counted under all the other active filters.
    ``engine="sql"`` runs the reference SQL path instead of the numpy index.

    >>> from poi.store import open_db
    >>> store = TrailStore(open_db(":memory:"))
    >>> for name, minutes, level in [("Moulin du Bougès", 228, "medium"), ("Castelbouc", 120, "medium"),
    ...                              ("Sentier de Vialas", 90, "very_easy")]:
    ...     _ = store.save(Trail(name=name, duration_published_min=minutes, difficulty_published=level))
    >>> result = search(store, FilterSet.from_params({"q": "moulin", "difficulty": "medium"},
    ...                                             staff=True))
    >>> [t.name for t in result.trails], result.total
    (['Moulin du Bougès'], 1)
    >>> result.facets["difficulty"]["very_easy"], result.facets["duration"]["2-4h"]
    (0, 1)
    >>> search(store, [], sort="-duration").trails[0].name
    'Moulin du Bougès'
    """
    store = store_or_db if isinstance(store_or_db, TrailStore) else TrailStore(store_or_db)
    fs = filters if isinstance(filters, FilterSet) else FilterSet(tuple(filters))
    if sort.lstrip("-") not in SORTS:
        raise FilterError(_('unknown sort "{sort}": choose among {choices}', sort=sort,
                            choices=", ".join(SORTS)))
    if offset < 0 or (limit is not None and limit < 0):
        raise FilterError(_("limit and offset must be zero or more"))
    if engine == "sql":
        ids, total, raw = _run_sql(store, fs, sort, limit, offset)
    else:
        ids, total, raw = _run_index(trail_index(store), fs, sort, limit, offset)
    return SearchResult(store.get_many(ids), total, _shape_facets(raw, fs), fs.describe())
