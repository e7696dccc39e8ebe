"""The same place from several sources becomes one POI that remembers every source.

An OpenStreetMap node and a heritage-inventory record of the same church are a
*duplicate* when all of these hold:

* they come from different sources (two records of one source are two places);
* they lie within ``max_distance_m`` (default 50 m, geodesic distance);
* their categories are compatible (built heritage goes with built heritage;
  ``other`` goes with anything; a hotel never matches a *hôtel particulier*);
* their names are similar (:func:`poi.merge.name_similarity` >= ``min_similarity``, 0.8):
  names are folded (case, accents), stop words dropped ("de", "la"...),
  synonyms mapped (église / chapelle / church / església -> ``church``) and
  generic words (church, saint, hôtel...) set aside, then the distinctive
  words are compared as token sets with :class:`difflib.SequenceMatcher`;
* staff never split them (:func:`split` is remembered in ``dedup_decisions``).

:func:`merge` keeps the older POI (its id, URL, QR codes and stops survive), moves
the other's trail stops to it, and stores each source's own record with the
reason it matched (``poi_sources``: source, id, licence, attribution, URL,
"distance 12 m, name similarity 0.91"). The surviving fields follow
:func:`poi.merge.combine`. Re-importing either source updates the merged POI
(:meth:`poi.store.PoiStore.upsert` resolves merged provenances).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import product

from poi.errors import BaliseError, NotFoundError
from poi.geo import bbox_around, geodesic_distance_m
from poi.i18n import gettext as _
from poi.merge import categories_compatible, combine, name_similarity
from poi.store import PoiStore, transaction


class DedupError(BaliseError, ValueError):
    """Two POIs cannot be merged or split as asked."""


@dataclass(slots=True)
class Match:
    """Two POIs that describe the same place, and why we think so."""

    a_id: int
    b_id: int
    distance_m: float
    similarity: float
    a_name: str = ""
    b_name: str = ""

    @property
    def reason(self) -> str:
        """Why they match, stored with the provenance (a record, so not translated).

        >>> Match(1, 2, 12.4, 0.912).reason
        'distance 12 m, name similarity 0.91'
        """
        return f"distance {self.distance_m:.0f} m, name similarity {self.similarity:.2f}"


@dataclass(slots=True)
class DedupReport:
    """What :func:`dedup` merged (or would merge, with ``dry_run``)."""

    matches: list[Match] = field(default_factory=list)
    merged: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people.

        >>> from poi.i18n import language
        >>> with language("en"):
        ...     DedupReport(merged=2).summary()
        '2 duplicates merged'
        """
        if self.dry_run:
            return _("dry run, nothing written: {n} duplicates found", n=len(self.matches))
        return _("{n} duplicates merged", n=self.merged)


# -- finding ------------------------------------------------------------------------
def _split_pairs(store: PoiStore) -> set[frozenset]:
    return {frozenset({(d["a_source"], d["a_source_id"]), (d["b_source"], d["b_source_id"])})
            for d in store.provenance_store.decisions("split")}


def find_duplicates(db, *, max_distance_m: float = 50.0, min_similarity: float = 0.8) -> list[Match]:
    """Pairs of POIs from different sources that describe the same place, best first.

    Each POI appears in at most one match (the best one); pairs staff split are
    never proposed. Candidates come from the R*Tree (a box around each POI),
    then the geodesic distance, categories and names decide.

    Parameters
    ----------
    db : sqlite_utils.Database or PoiStore
    max_distance_m : farthest two records of one place may be (geodesic, metres).
    min_similarity : lowest :func:`name_similarity` that counts as the same name.

    Examples
    --------
    >>> from poi.models import POI
    >>> from poi.store import open_db
    >>> store = PoiStore(open_db(":memory:"))
    >>> for p in [POI(name="Église Saint-Caprais", lon=1.46455, lat=43.63615, category="church",
    ...               source="osm", source_id="node/1"),
    ...           POI(name="église paroissiale Saint-Caprais", lon=1.46467, lat=43.63605, category="church",
    ...               source="inventaire", source_id="IA31"),
    ...           POI(name="Église Saint-Caprais", lon=1.46455, lat=43.63700, category="church",
    ...               source="other-osm", source_id="far")]:
    ...     _ = store.upsert(p)
    >>> [(m.a_id, m.b_id, round(m.distance_m), m.similarity) for m in find_duplicates(store)]
    [(1, 2, 15, 1.0)]
    >>> find_duplicates(store, max_distance_m=5)
    []
    """
    store = db if isinstance(db, PoiStore) else PoiStore(db)
    if max_distance_m <= 0 or not 0 < min_similarity <= 1:
        raise DedupError(_("the distance must be positive and the similarity between 0 and 1"))
    merged = store.provenance_store.merged_keys()
    split = _split_pairs(store)
    brief = {r[0]: r for r in store.brief()}

    def keys(pid: int) -> list[tuple[str, str]]:
        return merged.get(pid) or [(brief[pid][5], brief[pid][6])]

    candidates: list[Match] = []
    for pid, (_id, name, category, lon, lat, _s, _sid) in brief.items():
        for other, olon, olat in store.points_in_bbox(*bbox_around(lon, lat, max_distance_m)):
            if other <= pid or other not in brief:
                continue
            o = brief[other]
            if {k[0] for k in keys(pid)} & {k[0] for k in keys(other)}:
                continue  # same source: two places
            if not categories_compatible(category, o[2]):
                continue
            similarity = name_similarity(name, o[1])
            if similarity < min_similarity:
                continue
            distance = geodesic_distance_m(lon, lat, o[3], o[4])
            if distance > max_distance_m:
                continue
            if split and any(frozenset({a, b}) in split for a, b in product(keys(pid), keys(other))):
                continue
            candidates.append(Match(pid, other, distance, similarity, name, o[1]))
    candidates.sort(key=lambda m: (-m.similarity, m.distance_m, m.a_id, m.b_id))
    used: set[int] = set()
    matches = []
    for m in candidates:
        if m.a_id in used or m.b_id in used:
            continue
        used.update((m.a_id, m.b_id))
        matches.append(m)
    return matches


# -- merging and splitting ------------------------------------------------------------
def merge(db, match_or_ids: Match | tuple[int, int], *, reason: str | None = None, user: str = "dedup") -> POI:
    """Merge two POIs into the older one; returns the surviving POI.

    ``reason`` is stored with the merged provenances (default: the match's
    distance and similarity, else "merged by <user>"). The decision is remembered
    for every pair of their provenances, replacing an earlier split.

    Raises
    ------
    DedupError
        Both ids are the same POI. NotFoundError: an id does not exist.
    """
    store = db if isinstance(db, PoiStore) else PoiStore(db)
    if isinstance(match_or_ids, Match):
        a, b = match_or_ids.a_id, match_or_ids.b_id
        reason = reason or match_or_ids.reason
    else:
        a, b = match_or_ids
    if a == b:
        raise DedupError(_("POI {id} cannot be merged with itself", id=a))
    survivor_id, loser_id = sorted((int(a), int(b)))
    reason = reason or f"merged by {user}"
    provenances = store.provenance_store
    with transaction(store.db):
        kept = provenances.source_records(survivor_id)
        gone = [(p, matched_by or reason) for p, matched_by in provenances.source_records(loser_id)]
        records = kept + gone
        for (p, _m), (q, _n) in product(kept, gone):
            provenances.record_decision((p.source, p.source_id), (q.source, q.source_id), "merge", user=user,
                                        reason=reason)
        return provenances.merge_pois(survivor_id, loser_id, combine([p for p, _m in records]), records)


def split(db, poi_id: int, source: str, source_id: str | None = None, *, user: str = "cli") -> POI:
    """Take one source's record out of a merged POI, as a POI of its own; returns that new POI.

    The decision is remembered (``dedup_decisions``, decision "split"), so
    :func:`dedup` and re-imports never merge the two again. Without
    ``source_id``, ``source`` is ``"SOURCE:SOURCE_ID"`` (source names may hold
    colons themselves, e.g. ``osm:andorra-2013:node/1``: the split that names one
    of the POI's provenances is used).

    Raises
    ------
    NotFoundError
        No such POI, or it holds no merged provenance ``source:source_id``.
    """
    store = db if isinstance(db, PoiStore) else PoiStore(db)
    provenances = store.provenance_store
    with transaction(store.db):
        records = provenances.source_records(poi_id)
        keys = [(p.source, p.source_id) for p, _m in records]
        if source_id is None:
            text = source
            source, _sep, source_id = text.partition(":")
            for i, c in enumerate(text):
                if c == ":" and (text[:i], text[i + 1:]) in keys:
                    source, source_id = text[:i], text[i + 1:]
        if (source, source_id) not in keys or len(keys) < 2:
            msg = "POI {id} has no merged source {source}:{source_id}; list them with balise poi sources {id}"
            raise NotFoundError(_(msg, id=poi_id, source=source, source_id=source_id))
        for other in keys:
            if other != (source, source_id):
                provenances.record_decision(other, (source, source_id), "split", user=user)
        _rest, out = provenances.split_poi(poi_id, source, source_id)
    return out


def dedup(db, *, dry_run: bool = False, max_distance_m: float = 50.0, min_similarity: float = 0.8,
          user: str = "dedup") -> DedupReport:
    """Find and merge every duplicate, in one transaction (or only report them with ``dry_run``).

    Runs passes until nothing more merges, so a place known to three sources
    ends as one POI.
    """
    store = db if isinstance(db, PoiStore) else PoiStore(db)
    report = DedupReport(dry_run=dry_run)
    started = time.perf_counter()
    with transaction(store.db):
        while True:
            found = find_duplicates(store, max_distance_m=max_distance_m, min_similarity=min_similarity)
            report.matches.extend(found)
            if dry_run or not found:
                break
            for m in found:
                merge(store, m, user=user)
                report.merged += 1
    report.seconds = time.perf_counter() - started
    return report
