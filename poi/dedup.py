"""The same place from several sources becomes one POI that remembers every source.

An OpenStreetMap node and a heritage-inventory record of the same church are a
*duplicate* when all of these hold:

* they come from different sources (two records of one source are two places);
* they lie within ``max_distance_m`` (default 50 m, geodesic distance);
* their categories are compatible (built heritage goes with built heritage;
  ``other`` goes with anything; a hotel never matches a *hôtel particulier*);
* their names are similar (:func:`name_similarity` >= ``min_similarity``, 0.8):
  names are folded (case, accents), stop words dropped ("de", "la"...),
  synonyms mapped (église / chapelle / church / església -> ``church``) and
  generic words (church, saint, hôtel...) set aside, then the distinctive
  words are compared as token sets with :class:`difflib.SequenceMatcher`;
* staff never split them (:func:`split` is remembered in ``dedup_decisions``).

:func:`merge` keeps the older POI (its id, URL, QR codes and stops survive), moves
the other's trail stops to it, and stores each source's own record with the
reason it matched (``poi_sources``: source, id, licence, attribution, URL,
"distance 12 m, name similarity 0.91"). The surviving fields follow
:func:`combine`. Re-importing either source updates the merged POI
(:meth:`poi.store.PoiStore.upsert` resolves merged provenances).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import product

from poi.errors import BaliseError, NotFoundError
from poi.geo import bbox_around, geodesic_distance_m
from poi.i18n import gettext as _
from poi.models import POI
from poi.store import PoiStore, transaction
from poi.text import fold, html_to_text

#: Words that say nothing about *which* place it is (dropped before comparing).
STOP_WORDS = frozenset(
    "de du des la le les l d et en au aux a sur sous dit dite dits appele appelee actuellement aujourd hui "
    "puis ancien ancienne anciens of the and dels del els la les i y el".split())

#: Synonyms, folded: each word maps to a canonical generic word.
SYNONYMS = {
    **dict.fromkeys("eglise chapelle capella capela basilique cathedrale collegiale temple church chapel basilica "
                    "cathedral esglesia iglesia ermita ermitage oratoire sanctuaire santuari prieure abbatiale".split(),
                    "church"),
    **dict.fromkeys("chateau castle castell castillo forteresse fort".split(), "castle"),
    **dict.fromkeys("musee museum museu museo".split(), "museum"),
    **dict.fromkeys("pont bridge".split(), "bridge"),
    **dict.fromkeys("moulin mill molino moli".split(), "mill"),
    **dict.fromkeys("fontaine fountain font fuente lavoir".split(), "fountain"),
    **dict.fromkeys("tour tower torre donjon".split(), "tower"),
    **dict.fromkeys("saint sainte st ste sant santa san sants saints".split(), "saint"),
    **dict.fromkeys("couvent convent monastere abbaye abbey conventuel ensemble".split(), "convent"),
    **dict.fromkeys("hotel maison casa house demeure".split(), "house"),
    **dict.fromkeys("croix cross creu".split(), "cross"),
    **dict.fromkeys("monument memorial stele".split(), "monument"),
}
#: Canonical generic words: they support a match but cannot make one alone.
GENERIC = frozenset(SYNONYMS.values()) | frozenset(
    "paroissiale parish notre dame ville townhall mairie morts guerre porte place rue "
    # building types: a bare "immeuble" or "usine" names no building in particular
    "immeuble immeubles batiment edifice ferme usine ecole groupe scolaire atelier entrepot magasin garage "
    "logement logements habitation habitations residence villa building commercial industriel "
    "public publique municipal municipale".split())

#: Categories of built heritage: any two of them may describe the same building.
BUILT_HERITAGE = frozenset({"monument", "church", "castle", "museum", "mill", "bridge", "archaeology",
                            "memorial", "water"})

#: Source names that denote heritage records (their name wins a tie; see :func:`combine`).
HERITAGE_SOURCE = re.compile(r"merimee|inventaire|inventory|heritage|patrimoine|monument|mh\b|pop\b", re.I)


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


# -- names ------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def name_tokens(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(distinctive, generic) folded tokens of a name.

    >>> [sorted(t) for t in name_tokens("Église Saint-Pierre des Cuisines")]
    [['cuisines', 'pierre'], ['church', 'saint']]
    >>> [sorted(t) for t in name_tokens("Chapelle")]
    [[], ['church']]
    """
    words = re.findall(r"[a-z0-9]+", fold(name))
    tokens = {SYNONYMS.get(w, w) for w in words if w not in STOP_WORDS and len(w) > 1 or w.isdigit()}
    return frozenset(tokens - GENERIC), frozenset(tokens & GENERIC)


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def name_similarity(a: str, b: str) -> float:
    """Similarity of two place names in [0, 1] (token sets, synonyms, generic words set aside).

    When both names have distinctive words, the score is the better of the
    whole-string ratio of the sorted words and the weakest best match of the
    words of the shorter name in the longer one (so "Jacobins" matches
    "Ensemble conventuel des Jacobins", but "Saint-Jean" does not match
    "Saint-Pierre"). Names made of generic words only score their overlap
    (Jaccard index), scaled by 0.75 unless both share at least two generic words:
    "Chapelle" near "Église Saint-Jean" is at best a candidate, never a match.

    >>> name_similarity("Basilique Saint-Sernin", "basilique Saint Sernin")
    1.0
    >>> name_similarity("Chapelle Notre-Dame", "Église Notre-Dame")
    1.0
    >>> name_similarity("Couvent des Jacobins", "Ensemble conventuel des Jacobins")
    1.0
    >>> round(name_similarity("Hôtel d'Assézat", "Hotel Assezat"), 2)
    1.0
    >>> name_similarity("Église Saint-Jean", "Église Saint-Pierre") < 0.5
    True
    >>> name_similarity("Chapelle", "Église Saint-Jean")
    0.25
    >>> name_similarity("", "Capitole")
    0.0
    """
    da, ga = name_tokens(a)
    db, gb = name_tokens(b)
    if da and db:
        whole = _ratio(" ".join(sorted(da)), " ".join(sorted(db)))
        short, long_ = (da, db) if len(da) <= len(db) else (db, da)
        weakest = min(max(_ratio(t, u) for u in long_) for t in short)
        # A one-word subset must be a real word, not an initial or a number.
        if len(short) == 1 and len(next(iter(short))) < 4:
            weakest = min(weakest, whole)
        return round(max(whole, weakest), 4)
    if not (ga or da) or not (gb or db):
        return 0.0
    union = (ga | da) | (gb | db)
    shared = len(ga & gb)
    if not (da or db) and shared >= 2:
        return round(shared / len(union), 4)  # "Chapelle Notre-Dame" / "Église Notre-Dame"
    return round(0.75 * shared / len(union), 4)


def categories_compatible(a: str, b: str) -> bool:
    """Whether two Balise categories may describe one place.

    >>> categories_compatible("church", "monument"), categories_compatible("other", "restaurant")
    (True, True)
    >>> categories_compatible("accommodation", "monument")
    False
    """
    return a == b or "other" in (a, b) or (a in BUILT_HERITAGE and b in BUILT_HERITAGE)


# -- combining fields ---------------------------------------------------------------
def _is_heritage(poi: POI) -> bool:
    return bool(HERITAGE_SOURCE.search(poi.source or ""))


def combine(records: list[POI]) -> POI:
    """One POI from the records several sources gave of it; the first is the survivor's own.

    Rules: the name with the most distinctive words (a heritage source's name wins
    a tie); the longest description and summary; the union of themes and of media
    (by URL); the first non-"other" category, heritage sources first; the
    survivor's position, radius and elevation (else the first known); the first
    http(s) URL, heritage first; every licence and attribution, joined with "; ";
    ``extra`` merged, the survivor's values winning.

    >>> osm = POI(name="Capitole de Toulouse", lon=1.444, lat=43.6045, category="other",
    ...           source="osm", source_id="way/1", licence="ODbL 1.0", themes=["culture"])
    >>> inv = POI(name="hôtel de ville appelé Capitole", lon=1.44399, lat=43.60443, category="monument",
    ...           source="inventaire-toulouse", source_id="IVC1", licence="Licence Ouverte 2.0",
    ...           description="<p>La maison commune...</p>", themes=["architecture"])
    >>> p = combine([osm, inv])
    >>> p.name, p.category, p.licence, p.themes, (p.lon, p.lat)
    ('Capitole de Toulouse', 'monument', 'ODbL 1.0; Licence Ouverte 2.0', ['culture', 'architecture'], (1.444, 43.6045))
    """
    if not records:
        raise ValueError("nothing to combine")
    head = records[0]
    by_heritage = sorted(records, key=lambda p: not _is_heritage(p))  # stable: heritage first

    def score(p: POI):
        distinctive, generic = name_tokens(p.name)
        return (len(distinctive), _is_heritage(p), len(generic))

    name = max(by_heritage, key=score).name
    category = next((p.category for p in by_heritage if p.category and p.category != "other"), head.category)
    themes = list(dict.fromkeys(t for p in records for t in p.themes))
    media, seen = [], set()
    for p in records:
        for m in p.media:
            if m.url not in seen:
                seen.add(m.url)
                media.append(m)
    extra: dict = {}
    for p in reversed(records):
        extra.update(p.extra or {})

    def joined(attr: str) -> str:
        return "; ".join(dict.fromkeys(getattr(p, attr) for p in records if getattr(p, attr)))

    return POI(
        name=name, lon=head.lon, lat=head.lat, category=category, themes=themes,
        ele_m=next((p.ele_m for p in records if p.ele_m is not None), None),
        summary=max((p.summary or "" for p in records), key=len),
        description=max((p.description or "" for p in records), key=lambda d: len(html_to_text(d))),
        media=media,
        trigger_radius_m=next((p.trigger_radius_m for p in records if p.trigger_radius_m), None),
        url=next((p.url for p in by_heritage if p.url), ""),
        source=head.source, source_id=head.source_id,
        licence=joined("licence"), attribution=joined("attribution"), extra=extra)


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
