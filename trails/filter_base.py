"""The shape every trail filter has (:class:`Filter`), and the two generic ones the others specialise.

:class:`RangeFilter` (``low <= value <= high`` on one column) and :class:`AnyOfFilter`
(one of some codes). This is the bottom of the filters' chain: :mod:`trails.filter_params`
below, :mod:`trails.filter_kinds` (the filters themselves) and :mod:`trails.filters`
(the registry and :class:`~trails.filters.FilterSet`) above; it imports neither.
"""
from __future__ import annotations

from dataclasses import astuple
from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

from poi.i18n import gettext as _
from trails.errors import FilterError
from trails.filter_params import (Param, codes_of, either, param_value, param_values, parse_number, plain_number,
                                  show_number)
from trails.models import Trail

if TYPE_CHECKING:
    from trails.filter_index import TrailIndex

__all__ = ["AnyOfFilter", "Filter", "RangeFilter"]


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



class RangeFilter(Filter):
    """``low <= value <= high`` on one column (``None`` leaves a side open, not both).

    A subclass has two fields, the sides as people give them; :meth:`bounds` are the
    sides in the unit of ``column``; ``param_keys`` name the sides in
    :meth:`FilterSet.from_params`, which reads them with :meth:`read`. Its ``sentences``
    say it (:meth:`human`), each side written by :meth:`show`.
    """

    __slots__ = ()
    column = ""
    param_keys = ("", "")
    what, unit = "", ""
    #: Message ids (marked with :func:`poi.i18n.N_`) of the sentences: under ``{high}``, ``{low}`` or more,
    #: between ``{low}`` and ``{high}``; ``one_side`` names the value of the first two when it is another name.
    sentences = ("", "", "")
    one_side = ""
    show = staticmethod(show_number)

    def __post_init__(self):
        low, high = self.bounds()
        if low is None and high is None:
            raise FilterError(_("a range needs a minimum, a maximum or both"))
        if low is not None and high is not None and low > high:
            raise FilterError(_("the minimum is above the maximum: swap the two values"))

    def bounds(self) -> tuple[float | None, float | None]:
        raise NotImplementedError

    def human(self):
        """The sentence of the range, its sides as people gave them (the fields), written by :meth:`show`."""
        low, high = astuple(self)
        under, or_more, between = self.sentences
        if low is None:
            return _(under, **{self.one_side or "high": self.show(high)})
        if high is None:
            return _(or_more, **{self.one_side or "low": self.show(low)})
        return _(between, low=self.show(low), high=self.show(high))

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


class AnyOfFilter(Filter):
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

