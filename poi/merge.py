"""The merge rules of duplicate POIs: pure functions, no storage.

How alike two place names are (:func:`name_similarity`), which categories may
describe one place (:func:`categories_compatible`) and how the records several
sources gave of one place become one POI (:func:`combine`). :mod:`poi.provenance_store`
recombines merged POIs with :func:`combine`; :mod:`poi.dedup` (on top of the
store) finds and merges duplicates with all three.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from poi.models import POI
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
    ``extra`` and ``translations`` merged, the survivor's values winning.

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
    translations: dict = {}
    for p in reversed(records):
        extra.update(p.extra or {})
        translations.update(p.translations or {})

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
        licence=joined("licence"), attribution=joined("attribution"), extra=extra, translations=translations,
        commune=next((p.commune for p in records if p.commune), ""),
        insee=next((p.insee for p in records if p.insee), ""))
