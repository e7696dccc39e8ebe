"""The trail filters: each describes itself, and a FilterSet reads them from parameters.

Every filter has a ``key``, a SQL WHERE fragment against the ``trails`` table
(:meth:`Filter.where`), a boolean mask over the in-memory
:class:`~trails.filter_index.TrailIndex` (:meth:`Filter.mask`, from the index's
column primitives), a plain predicate
on a :class:`~trails.models.Trail` (:meth:`Filter.matches`) and a sentence
(:meth:`Filter.human`), so the catalogue can say why a trail is listed. The SQL
path is the reference; the index path (numpy) is what :func:`search` uses, and
the tests check that both agree.

The filters are a chain: :mod:`trails.filter_params` (reading and writing values),
:mod:`trails.filter_base` (the :class:`~trails.filter_base.Filter` shape),
:mod:`trails.filter_kinds` (the filters), this module (the registry :data:`FILTERS` and
:class:`FilterSet`), then :mod:`trails.filter_index` (:func:`~trails.filter_index.search`,
the facets, the numpy index) above; no module of the chain imports one above it.

>>> from poi.i18n import language
>>> fs = FilterSet.from_params({"max_duration": "2h30", "difficulty": ["easy", "medium"], "loop": "1"})
>>> with language("en"):
...     fs.describe()
['walking time under 2 h 30', 'difficulty: easy or medium', 'loops only', 'published only']
>>> with language("fr"):
...     fs.describe()
['marche de moins de 2 h 30', 'difficulté : facile ou moyen', 'boucles uniquement', 'publiés uniquement']
>>> fs.to_params()
{'max_duration': '2h30', 'difficulty': ['easy', 'medium'], 'loop': '1'}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from trails.filter_base import Filter
from trails.filter_kinds import (DEFAULT_RADIUS_KM, AccessibleFor, AscentRange, DifficultyIn, DurationRange,
                                 LengthRange, Near, PracticeIn, Published, RouteTypeIn, TextQuery, ThemeAnyOf)
from trails.filter_params import Param

__all__ = ["DEFAULT_RADIUS_KM", "FILTERS", "FILTERS_BY_KEY", "AccessibleFor", "AscentRange", "DifficultyIn",
           "DurationRange", "Filter", "FilterSet", "LengthRange", "Near", "PracticeIn", "Published", "RouteTypeIn",
           "TextQuery", "ThemeAnyOf", "form_filters", "query_params"]


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
        """One sentence per filter (in the current language), e.g. ``["walking time under 2 h 30", "loops only"]``."""
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
