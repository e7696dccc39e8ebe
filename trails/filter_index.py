"""Running the trail filters: :func:`search`, on an in-memory index or in SQL.

:func:`search` returns one page of the trails matching a
:class:`~trails.filters.FilterSet`, how many match in all, and facet counts, each
facet counted under all the *other* active filters (choosing "easy" still shows
how many "medium" trails there would be). Two engines give the same answer:

- the default: masks (:meth:`Filter.mask <trails.filters.Filter.mask>`) over a
  :class:`TrailIndex`, a numpy copy of the ``trails`` table that
  :func:`trail_index` rebuilds when the table changes;
- ``engine="sql"``, the reference: the filters' WHERE fragments
  (:meth:`Filter.where <trails.filters.Filter.where>`) and GROUP BY queries, run by
  :mod:`trails.filter_store` (the SQL of the engine lives there; ``DURATION_BUCKETS``,
  ``FACETS`` and ``SORTS`` too).

This module builds on :mod:`trails.filters` (the filters themselves), never the reverse.
"""
from __future__ import annotations

import json
import re
import threading
import weakref
from bisect import bisect_right
from typing import TYPE_CHECKING, Iterable, NamedTuple

import numpy as np

from poi.geo import GEOD
from poi.i18n import gettext as _
from trails.errors import FilterError
from trails.filter_params import fold_text, searched_text
from trails.filter_store import DURATION_BUCKETS, FACETS, SORTS, index_rows, revision, run_sql
from trails.filters import FilterSet
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES, Trail
from trails.store import TrailStore

if TYPE_CHECKING:
    from trails.filters import Filter

class TrailIndex:
    """A columnar (numpy) copy of what the filters and facets read from the ``trails`` table.

    Built in one pass over the table; :func:`trail_index` rebuilds it when the table changes.
    Categorical columns are stored as integer codes so facets are ``numpy.bincount`` calls.
    The words of the text filter (``q``) are indexed at the first text search only: most lists
    (a page per theme, ``balise publish`` after an edit) never search by text.
    """

    def __init__(self, rows: list, theme_pairs: list):
        cols = list(zip(*rows)) if rows else [()] * 14
        self.ids = np.array(cols[0], dtype=np.int64)
        self.duration_min = np.array(cols[1], dtype=np.int64)
        self.length_m = np.array(cols[2], dtype=np.float64)
        self.ascent_m = np.array(cols[3], dtype=np.float64)
        self.codes = {key: self._encode(values) for key, values in
                      (("difficulty", cols[4]), ("practice", cols[5]), ("route_type", cols[6]))}
        self.start_lon = np.array(cols[7], dtype=np.float64)
        self.start_lat = np.array(cols[8], dtype=np.float64)
        self.published = np.array(cols[9], dtype=bool)
        # one boolean row per accessibility code (few codes, few trails carry any)
        parsed: dict[str, list] = {}  # most rows carry one of a few texts ("[]")
        suitable = [parsed[text] if text in parsed else parsed.setdefault(text, json.loads(text)) for text in cols[13]]
        self.accessibility = np.array([[code in codes for codes in suitable] for code in ACCESSIBILITY],
                                      dtype=bool).reshape(len(ACCESSIBILITY), len(rows))
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
        names = [fold_text(name) for name in cols[10]]
        self._texts = (names, cols[11], cols[12])  # folded names, summaries, communes: see _words()
        self._words_lock = threading.Lock()
        self._postings = None
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
        """The index of a store's trails (:func:`trails.filter_store.index_rows`)."""
        return cls(*index_rows(store))

    def _words(self) -> tuple:
        """``(postings, posting_ends, vocabulary, word_starts)`` of :meth:`_index_words`, made at the first call."""
        with self._words_lock:
            if self._postings is None:
                names, summaries, communes = self._texts
                self._postings = self._index_words([searched_text(n, s, c)
                                                    for n, s, c in zip(names, summaries, communes)])
            return self._postings

    @staticmethod
    def _index_words(texts: list[str]) -> tuple:
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
        postings = word_rows[np.argsort(word_codes, kind="stable")]
        posting_ends = np.cumsum(np.bincount(word_codes, minlength=len(codes)))
        vocabulary = "\n".join(codes) + "\n"  # words in code order, one a line
        word_starts = [0]
        for word in codes:
            word_starts.append(word_starts[-1] + len(word) + 1)
        return postings, posting_ends, vocabulary, word_starts

    def between(self, column: str, low: float | None, high: float | None) -> np.ndarray:
        """Mask of the rows where ``low <= column <= high`` (``None`` leaves a side open)."""
        values = getattr(self, column)
        result = np.ones(len(values), dtype=bool)
        if low is not None:
            result &= values >= low
        if high is not None:
            result &= values <= high
        return result

    def any_of(self, key: str, values: Iterable[str]) -> np.ndarray:
        """Mask of the rows whose ``key`` (difficulty, practice, route_type) is one of ``values``."""
        codes, lookup, _names = self.codes[key]
        wanted = np.zeros(len(lookup) + 1, dtype=bool)
        wanted[[lookup[v] for v in values if v in lookup]] = True
        return wanted[codes]

    def any_theme(self, themes: Iterable[str]) -> np.ndarray:
        """Mask of the rows having at least one of ``themes`` (an OR of the themes' bitsets)."""
        codes = [self.theme_lookup[v] for v in themes if v in self.theme_lookup]
        if not codes:
            return np.zeros(len(self.ids), dtype=bool)
        packed = np.bitwise_or.reduce(self.theme_bits[codes], axis=0)
        return np.unpackbits(packed, count=len(self.ids)).view(bool)

    def accessible_for(self, codes: Iterable[str]) -> np.ndarray:
        """Mask of the rows suitable for every one of ``codes`` (``trails.models.ACCESSIBILITY``)."""
        result = np.ones(len(self.ids), dtype=bool)
        for code in codes:
            if code not in ACCESSIBILITY:
                return np.zeros(len(self.ids), dtype=bool)
            result &= self.accessibility[ACCESSIBILITY.index(code)]
        return result

    def starting_within(self, box: tuple, lon: float, lat: float, radius_m: float) -> np.ndarray:
        """Mask of the rows whose trailhead lies in ``box`` (x0, y0, x1, y1) and within ``radius_m``
        of (lon, lat), geodesic (``pyproj.Geod(ellps="WGS84").inv``) on the rows in the box only."""
        x0, y0, x1, y1 = box
        result = (self.start_lon >= x0) & (self.start_lon <= x1) & (self.start_lat >= y0) & (self.start_lat <= y1)
        rows = np.flatnonzero(result)
        if len(rows):
            dist = GEOD.inv(self.start_lon[rows], self.start_lat[rows], np.full(len(rows), lon),
                            np.full(len(rows), lat))[2]
            result[rows] = dist <= radius_m
        return result

    def containing_all(self, tokens: Iterable[str]) -> np.ndarray:
        """Mask of the rows whose folded name, summary or commune contains every token."""
        result = np.ones(len(self.ids), dtype=bool)
        for token in tokens:
            hits = np.zeros(len(self.ids), dtype=bool)
            hits[self.rows_containing(token)] = True
            result &= hits
        return result

    def rows_containing(self, token: str) -> np.ndarray:
        """Rows whose folded name, summary or commune contains ``token`` (no blank in it)."""
        postings, posting_ends, vocabulary, starts = self._words()
        parts, pos = [], vocabulary.find(token)
        while pos != -1:
            code = bisect_right(starts, pos) - 1
            parts.append(postings[(posting_ends[code - 1] if code else 0):posting_ends[code]])
            pos = vocabulary.find(token, starts[code + 1])
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


_CACHE_LOCK = threading.Lock()
_SHARED: dict[str, tuple] = {}  # db file -> (trails revision, index)
_LOCAL: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # Database -> (key, index)


def trail_index(store: TrailStore) -> TrailIndex:
    """The :class:`TrailIndex` of a store's database, rebuilt only when the trails changed.

    The ``trails_revision`` counter (bumped by triggers on every change of ``trails`` or
    ``trail_themes``) lets every connection to one file share one index. A connection
    inside a transaction, or to an in-memory database, keeps its own, keyed also on
    ``PRAGMA data_version`` (commits of other connections) and its ``total_changes``.
    """
    conn = store.db.conn
    trails_revision, data_version, path = revision(store)
    key = (trails_revision, data_version, conn.total_changes)
    shared = bool(path) and not conn.in_transaction
    with _CACHE_LOCK:
        cached = _SHARED.get(path) if shared else None
        if cached and cached[0] == trails_revision:
            return cached[1]
        cached = _LOCAL.get(store.db)
        if cached and cached[0] == key:
            return cached[1]
    index = TrailIndex.build(store)
    with _CACHE_LOCK:
        _LOCAL[store.db] = (key, index)
        if shared:
            _SHARED[path] = (trails_revision, index)
    return index


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
            names = index.theme_names
        elif facet == "accessibility":
            counts, names = np.count_nonzero(index.accessibility & mask, axis=1), ACCESSIBILITY
        else:
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
             "practice": PRACTICES, "route_type": ROUTE_TYPES, "theme": (), "accessibility": ACCESSIBILITY}
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


class SearchResult(NamedTuple):
    """One page of trails, how many match in all, the facet counts and the filter sentences."""

    trails: list[Trail]
    total: int
    facets: dict[str, dict[str, int]]
    descriptions: list[str]


def search_ids(store_or_db, filters: FilterSet | Iterable[Filter] = (), *,
               sort: str = "name") -> tuple[list[int], int, dict[str, dict[str, int]]]:
    """``(ids, total, facets)``: the ids of every matching trail in ``sort`` order, and the facet counts, as
    :func:`search` gives them, without building the trails (for whoever pages through all of them, such as
    ``balise publish``).

    >>> from poi.store import open_db
    >>> from trails.store import TRAILS
    >>> store = TrailStore(open_db(":memory:", [TRAILS]))
    >>> ids = [store.save(Trail(name=n, duration_published_min=60)) for n in ("Vialas", "Castelbouc")]
    >>> search_ids(store)[:2]
    ([2, 1], 2)
    """
    from trails.filters import FilterSet  # not at the top, as in search()

    store = store_or_db if isinstance(store_or_db, TrailStore) else TrailStore(store_or_db)
    fs = filters if isinstance(filters, FilterSet) else FilterSet(tuple(filters))
    ids, total, raw = _run_index(trail_index(store), fs, sort, None, 0)
    return ids, total, _shape_facets(raw, fs)


def search(store_or_db, filters: FilterSet | Iterable[Filter] = (), *, sort: str = "name",
           limit: int | None = None, offset: int = 0, engine: str = "index") -> SearchResult:
    """Trails matching every filter, one page of them, and facet counts.

    ``sort`` is ``name``, ``duration``, ``length`` or ``ascent``, ``-`` in front for
    descending (ties by name). Each facet (difficulty, theme, duration bucket,
    practice, route_type, accessibility) is counted under all the other active filters.
    ``engine="sql"`` runs the reference SQL path instead of the numpy index.
    The trails come without their trace (``segments`` empty; ``Trail.start`` gives the trailhead):
    load one with ``TrailStore.get`` to draw or export it.

    >>> from trails.store import TRAILS
    >>> from poi.store import open_db
    >>> from trails.filters import FilterSet
    >>> store = TrailStore(open_db(":memory:", [TRAILS]))
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
        ids, total, raw = run_sql(store, fs, sort, limit, offset)
    else:
        ids, total, raw = _run_index(trail_index(store), fs, sort, limit, offset)
    # list pages show figures, never the trace: leave it out (Trail.start keeps the trailhead)
    return SearchResult(store.get_many(ids, segments=False), total, _shape_facets(raw, fs), fs.describe())
