"""Towns the catalogue knows, for the "near a town" filter (``town=Meyrueis``).

A town is a commune named by the trails (``Trail.commune``, maybe several communes
comma-separated) or by the POIs (``commune``, from DATAtourisme, Mérimée, Apidae...).
Its point is the median longitude and latitude of what lies in it: the trailheads
of the trails naming it alone and its POIs; when there are none, the trailheads of
the trails naming it among others (a trail crossing three communes starts in one).
The median keeps one far trailhead from moving the town.

Names match folded (case, accents, hyphens and apostrophes ignored): "saint jean"
finds "Saint-Jean-du-Gard" when no other town starts so; an unknown or ambiguous
name raises :class:`~trails.errors.FilterError` listing the close names.
"""
from __future__ import annotations

import difflib
import functools
import re
import threading
import weakref
from statistics import median
from typing import NamedTuple

from poi.i18n import gettext as _
from trails.errors import FilterError
from trails.filter_params import fold_text
from trails.filter_store import database_file
from trails.store import TrailStore

#: How many close names an error lists at most.
SUGGESTIONS = 5


class Town(NamedTuple):
    """A known town: its name as written, its point (WGS84) and how many trails start in it."""

    name: str
    lon: float
    lat: float
    trails: int


@functools.lru_cache(maxsize=4096)  # a département names a few hundred communes, thousands of times
def town_key(name: str) -> str:
    """The form names are compared in: folded, words separated by one blank.

    >>> town_key("Saint-Jean-du-Gard"), town_key(" L'Hospitalet-près-l'Andorre ")
    ('saint jean du gard', 'l hospitalet pres l andorre')
    """
    return " ".join(re.findall(r"\w+", fold_text(name)))


def towns_from_points(points) -> dict[str, Town]:
    """Towns (by :func:`town_key`) from ``(communes, lon, lat, kind)`` rows (see the module docstring).

    >>> towns = towns_from_points([("Meyrueis", 3.43, 44.18, "trail"), ("Meyrueis", 3.45, 44.16, "trail"),
    ...                            ("Meyrueis", 3.44, 44.17, "poi"), ("Lanuéjols, Meyrueis", 3.30, 44.10, "trail")])
    >>> towns["meyrueis"]
    Town(name='Meyrueis', lon=3.44, lat=44.17, trails=3)
    >>> towns["lanuejols"]
    Town(name='Lanuéjols', lon=3.3, lat=44.1, trails=1)
    """
    alone: dict[str, list] = {}
    shared: dict[str, list] = {}
    names: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    for communes, lon, lat, kind in points:
        parts = [c.strip() for c in str(communes or "").split(",") if town_key(c)]
        for part in parts:
            key = town_key(part)
            spelling = names.setdefault(key, {})
            spelling[part] = spelling.get(part, 0) + 1
            (alone if len(parts) == 1 else shared).setdefault(key, []).append((lon, lat))
            if kind == "trail":
                counts[key] = counts.get(key, 0) + 1
    towns = {}
    for key, spellings in names.items():
        where = alone.get(key) or shared[key]
        name = max(spellings, key=lambda s: (spellings[s], s))  # the most frequent spelling
        towns[key] = Town(name, median(p[0] for p in where), median(p[1] for p in where), counts.get(key, 0))
    return towns


def find_town(towns: dict[str, Town], text: str) -> Town:
    """The town ``text`` names: same folded name, else the one town whose name starts with it,
    else the one whose name holds all its words.

    >>> towns = towns_from_points([("Saint-Jean-du-Gard", 3.88, 44.1, "trail"),
    ...                            ("Saint-Germain-de-Calberte", 3.81, 44.22, "trail")])
    >>> find_town(towns, "saint jean").name, find_town(towns, "SAINT-GERMAIN").name
    ('Saint-Jean-du-Gard', 'Saint-Germain-de-Calberte')
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     find_town(towns, "Saint")
    Traceback (most recent call last):
    trails.errors.FilterError: "Saint" names several towns: Saint-Germain-de-Calberte, Saint-Jean-du-Gard; write more of the name
    >>> with language("en"):
    ...     find_town(towns, "Saint-Jaen-du-Gard")
    Traceback (most recent call last):
    trails.errors.FilterError: no trail or place in the catalogue is in the town "Saint-Jaen-du-Gard"; did you mean: Saint-Jean-du-Gard?
    """
    key = town_key(text)
    if not key:
        raise FilterError(_("write the name of a town"))
    if key in towns:
        return towns[key]
    words = key.split()
    for found in ([k for k in towns if k.startswith(key + " ")],
                  [k for k in towns if all(w in k.split() for w in words)],
                  [k for k in towns if k.startswith(key)]):
        if len(found) == 1:
            return towns[found[0]]
        if found:
            names = sorted(towns[k].name for k in found)
            raise FilterError(_('"{text}" names several towns: {names}; write more of the name', text=text,
                                names=", ".join(names[:SUGGESTIONS]) + (", …" if len(names) > SUGGESTIONS else "")))
    close = difflib.get_close_matches(key, list(towns), n=SUGGESTIONS, cutoff=0.7)
    message = _('no trail or place in the catalogue is in the town "{text}"', text=text)
    if close:
        message += _("; did you mean: {names}?", names=", ".join(towns[k].name for k in close))
    else:
        message += _("; choose a town from the list, or give a point (near=latitude,longitude)")
    raise FilterError(message)


_CACHE_LOCK = threading.Lock()
_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # Database -> _entry()
_SHARED: dict[str, tuple] = {}  # database file -> _entry()


def _entry(store: TrailStore) -> tuple:
    """``(revision, towns, names of the towns with trails, all names)``, cached per connection, and shared by the
    connections to one file outside a transaction (as :func:`trails.filter_index.trail_index` is)."""
    revision = store.communes_revision()
    with _CACHE_LOCK:
        cached = _CACHE.get(store.db)
    if cached and cached[0] == revision:
        return cached
    path = database_file(store)
    shared = bool(path) and not store.db.conn.in_transaction
    with _CACHE_LOCK:
        cached = _SHARED.get(path) if shared else None
        if cached and cached[0] == revision:
            _CACHE[store.db] = cached
            return cached
    towns = towns_from_points(store.commune_points())
    every = sorted((t for t in towns.values()), key=lambda t: (town_key(t.name), t.name))
    entry = (revision, towns, [t.name for t in every if t.trails], [t.name for t in every])
    with _CACHE_LOCK:
        _CACHE[store.db] = entry
        if shared:
            _SHARED[path] = entry
    return entry


def known_towns(store: TrailStore) -> dict[str, Town]:
    """The towns of a store's database, by :func:`town_key`; recomputed only when trails change or
    POIs are added or removed (:meth:`TrailStore.communes_revision`)."""
    return _entry(store)[1]


def town_names(store: TrailStore, *, with_trails: bool = True) -> list[str]:
    """Names of the known towns, sorted as people read them (folded); ``with_trails``: only the
    towns where some trail starts (what the catalogue's town list offers)."""
    return list(_entry(store)[2 if with_trails else 3])


class TownFinder:
    """``finder(text) -> Town`` on a store's towns (what :meth:`FilterSet.from_params` takes as ``towns``)."""

    def __init__(self, store_or_db):
        self.store = store_or_db if isinstance(store_or_db, TrailStore) else TrailStore(store_or_db)

    def __call__(self, text: str) -> Town:
        return find_town(known_towns(self.store), text)
