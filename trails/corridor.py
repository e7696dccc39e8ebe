"""Corridor attachment: the POIs within ``width_m`` of a trail's trace, ordered along it.

How a corridor is measured
--------------------------
1. **bbox first.** Each segment of the trace is cut into chunks of about
   :data:`CHUNK_M` metres of trace (long edges are split first); the lon/lat box
   of each chunk, widened by ``width_m`` (:func:`poi.geo.bbox_around`, which
   errs on the wide side), is asked of the POI R*Tree
   (:meth:`poi.store.PoiStore.points_in_bbox`). A 20 km trail thus reads a
   thin band of boxes instead of one 20 km square. Ids are de-duplicated.
2. **exact in metres.** Candidates and trace are projected with the metric
   projection :meth:`poi.geo.Projector.for_coords` chooses for the trail
   (Lambert-93 in metropolitan France, else the local UTM zone). The trace's edges
   sit in a shapely STRtree; each POI is measured (point to segment) against the
   edges near it only, giving its nearest edge and the foot of the perpendicular.
   SQLite's R*Tree stores float32 (rounded outward, up to ~1.7 m off), so a
   coordinate it may have rounded is sieved with 5 m of slack and measured again
   with the lon/lat stored in ``pois``.
3. **geodesic figures.** ``distance_m`` is the geodesic distance from the POI to
   that foot, ``distance_along_m`` the geodesic length of the trace up to the foot
   (so it agrees with the trail's geodesic ``length_m``, which a projection's scale
   factor, up to 0.3 % for Lambert-93, would not). A POI is in the corridor when
   ``distance_m <= width_m``.

Conventions
-----------
* ``offset_m`` is signed: negative on the left of the walking direction, positive
  on the right (sign of the cross product of the edge direction and the
  foot-to-POI vector, x east and y north); 0 on the trace.
* Several segments: distance along counts the segments in order; the gaps between
  them are not walked, so not counted. A POI goes to the nearest segment.
* A POI near several parts of the trace (a loop passing its start again, an
  out-and-back) is placed by its projection onto the *nearest* part; on an exact
  tie the earlier part wins (e.g. a POI by the start of a closed loop is at 0 m,
  not at the loop's full length).
* Segments of fewer than two distinct points have no direction and are skipped.

Keeping stops current (DESIGN.md): :func:`attach_stops` runs when a trail is
saved, :func:`attach_pois` when POIs are imported. Both go through
:meth:`trails.store.TrailStore.upsert_stops`, which never changes a stop staff
``removed`` or placed by hand (``manual``). What a candidate becomes (a stop
``auto``, a ``proposed`` one, or no stop: a waymark) is :mod:`trails.curation`'s rule.
"""
from __future__ import annotations

import math
import sqlite3
from typing import Iterable, NamedTuple, Sequence

import numpy as np
import shapely
import sqlite_utils

from poi.categories import WAYMARK, stop_kind
from poi.geo import GEOD, Projector, bbox_around
from poi.i18n import gettext as _
from poi.store import PoiStore, transaction
from poi.models import POI
from trails.curation import attach_status
from trails.errors import NotFoundError, TraceError
from trails.models import Stop, Trail
from trails.store import TrailStore

#: Length of trace (metres) covered by one R*Tree query.
CHUNK_M = 1500.0
#: Default corridor half-width in metres.
DEFAULT_WIDTH_M = 150.0
#: Ids per database read (SQLite caps the parameters of one statement, 32,766 by default).
_BATCH = 10_000
#: Size (degrees) of the grid cells :func:`attach_pois` groups POIs by before asking for trails.
_CELL_DEG = 0.1
#: Closer than this (metres) a POI is on the trace: offset 0 (a millimetre absorbs projection round trips).
_ON_TRACE_M = 1e-3
#: Worst error (metres) of a float32 R*Tree coordinate, a ulp of 180° at the equator, with room to spare.
_RTREE_SLACK_M = 5.0


class Candidate(NamedTuple):
    """A POI in a trail's corridor.

    ``offset_m`` < 0: left of the walking direction, > 0: right; ``distance_m`` is
    ``abs(offset_m)``, kept for readability.
    """

    poi_id: int
    distance_along_m: float
    offset_m: float
    distance_m: float


class _Corridor:
    """The trace of a trail prepared for corridor queries: one projection, every edge indexed.

    Edges of all segments are numbered in walking order and put in a shapely
    STRtree: each POI is measured (numpy, point-to-segment) only against the edges
    whose box meets its own, not against every edge of a 2,000-point trace.
    """

    def __init__(self, trail: Trail):
        segments = [seg for seg in trail.segments if seg]
        self.parts: list[np.ndarray] = []  # metric vertices of each usable segment
        self.projector = Projector.for_coords([p for seg in segments for p in seg]) if segments else None
        starts, ends, start_lonlat, along_at_start = [], [], [], []
        walked_m = 0.0
        for seg in segments:
            lonlat = np.array([(p[0], p[1]) for p in seg], dtype=float)
            x, y = self.projector.to_metric(lonlat[:, 0], lonlat[:, 1])
            xy = np.column_stack([x, y])
            keep = np.ones(len(xy), dtype=bool)  # drop repeated points: no zero-length edges
            keep[1:] = np.any(np.diff(xy, axis=0) != 0.0, axis=1)
            xy, lonlat = xy[keep], lonlat[keep]
            if len(xy) < 2:
                continue
            _, _, edge_geo_m = GEOD.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0], lonlat[1:, 1])
            cum = np.cumsum(np.concatenate([[0.0], np.atleast_1d(edge_geo_m)]))
            self.parts.append(xy)
            starts.append(xy[:-1])
            ends.append(xy[1:])
            start_lonlat.append(lonlat[:-1])
            along_at_start.append(walked_m + cum[:-1])
            walked_m += float(cum[-1])
        if self.parts:
            self.a, self.b = np.vstack(starts), np.vstack(ends)
            self.a_lonlat = np.vstack(start_lonlat)
            self.a_along_m = np.concatenate(along_at_start)
            edges = shapely.linestrings(np.stack([self.a, self.b], axis=1))
            self.tree = shapely.STRtree(edges)

    def query_boxes(self, width_m: float) -> list[tuple[float, float, float, float]]:
        """Lon/lat boxes, one per ~:data:`CHUNK_M` of trace, that hold the whole corridor."""
        boxes = []
        for xy in self.parts:
            dense = _densify(xy, CHUNK_M)
            cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(dense, axis=0).T))])
            lon, lat = self.projector.to_wgs84(dense[:, 0], dense[:, 1])
            lon, lat = np.asarray(lon), np.asarray(lat)
            n_chunks = max(1, math.ceil(cum[-1] / CHUNK_M))
            cuts = np.searchsorted(cum, np.arange(1, n_chunks) * CHUNK_M)
            bounds = [0, *cuts.tolist(), len(dense) - 1]
            for i0, i1 in zip(bounds[:-1], bounds[1:]):
                sl = slice(i0, max(i1, i0 + 1) + 1)  # chunks share their boundary vertex
                dlon, dlat = _margins_deg(float(np.max(np.abs(lat[sl]))), width_m)
                boxes.append((float(lon[sl].min()) - dlon, float(lat[sl].min()) - dlat,
                              float(lon[sl].max()) + dlon, float(lat[sl].max()) + dlat))
        return boxes

    def _nearest_edges(self, lons: np.ndarray, lats: np.ndarray, reach_m: float):
        """For the points within ``reach_m`` (metric) of the trace: index, nearest edge, foot, ...

        On an exact tie the edge earliest along the trail wins.
        """
        x, y = self.projector.to_metric(lons, lats)
        p = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
        poi_i, edge_i = self.tree.query(shapely.box(p[:, 0] - reach_m, p[:, 1] - reach_m,
                                                    p[:, 0] + reach_m, p[:, 1] + reach_m))
        a, b, q = self.a[edge_i], self.b[edge_i], p[poi_i]
        ab = b - a
        t = np.clip(np.einsum("ij,ij->i", q - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
        foot = a + ab * t[:, None]
        d2 = np.einsum("ij,ij->i", q - foot, q - foot)
        order = np.lexsort((edge_i, d2, poi_i))
        first = order[np.unique(poi_i[order], return_index=True)[1]]
        first = first[d2[first] <= reach_m * reach_m]
        return poi_i[first], edge_i[first], ab[first], q[first], foot[first]

    def near(self, ids: np.ndarray, lons: np.ndarray, lats: np.ndarray, reach_m: float) -> np.ndarray:
        """The ids of the points within ``reach_m`` metres (metric, no geodesics): a quick sieve."""
        if not self.parts or len(ids) == 0:
            return ids[:0]
        return ids[self._nearest_edges(lons, lats, reach_m)[0]]

    def measure(self, ids: Sequence[int], lons: Sequence[float], lats: Sequence[float],
                width_m: float) -> list[Candidate]:
        """The POIs among ``ids`` within ``width_m`` of the trace, ordered along it."""
        if not self.parts or len(ids) == 0:
            return []
        ids = np.asarray(ids, dtype=np.int64)
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        # metric prefilter with a margin for the projection's scale; the exact test is geodesic
        poi_i, edge_i, ab, q, foot = self._nearest_edges(lons, lats, width_m * 1.01 + 1.0)
        if len(poi_i) == 0:
            return []
        cross = ab[:, 0] * (q[:, 1] - foot[:, 1]) - ab[:, 1] * (q[:, 0] - foot[:, 0])
        foot_lon, foot_lat = self.projector.to_wgs84(foot[:, 0], foot[:, 1])
        foot_lon, foot_lat = np.asarray(foot_lon), np.asarray(foot_lat)
        v = self.a_lonlat[edge_i]
        _, _, to_foot = GEOD.inv(v[:, 0], v[:, 1], foot_lon, foot_lat)
        _, _, off = GEOD.inv(foot_lon, foot_lat, lons[poi_i], lats[poi_i])
        along = self.a_along_m[edge_i] + np.atleast_1d(to_foot)
        found = []
        for pid, d_along, d, c in zip(ids[poi_i].tolist(), along.tolist(), np.atleast_1d(off).tolist(),
                                      cross.tolist()):
            if d < _ON_TRACE_M:  # projection round-trip noise: the POI is on the trace
                d = 0.0
            if d <= width_m:
                found.append(Candidate(pid, d_along, -d if c > 0 and d else d, d))
        found.sort(key=lambda c: (c.distance_along_m, c.poi_id))
        return found


def _margins_deg(lat_far: float, width_m: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that span at least ``width_m`` up to latitude ``lat_far``."""
    min_lon, min_lat, _, _ = bbox_around(0.0, lat_far, width_m)
    return -min_lon, lat_far - min_lat


def _densify(xy: np.ndarray, max_edge_m: float) -> np.ndarray:
    """Insert vertices so no edge of a metric polyline is longer than ``max_edge_m``."""
    ab = np.diff(xy, axis=0)
    n = np.maximum(1, np.ceil(np.hypot(ab[:, 0], ab[:, 1]) / max_edge_m).astype(int))
    if n.max() == 1:
        return xy
    edge = np.repeat(np.arange(len(ab)), n)
    step = np.arange(len(edge)) - np.repeat(np.cumsum(n) - n, n) + 1  # 1..n within each edge
    t = (step / n[edge])[:, None]
    return np.vstack([xy[:1], xy[edge] + ab[edge] * t])


def _check_width(width_m: float) -> float:
    if not (isinstance(width_m, (int, float)) and math.isfinite(width_m) and width_m > 0):
        raise TraceError(_("corridor width must be a positive number of metres, not {width}", width=width_m))
    return float(width_m)


def find_stops(trail: Trail, poi_store: PoiStore, *, width_m: float = DEFAULT_WIDTH_M) -> list[Candidate]:
    """The POIs within ``width_m`` metres of a trail's trace, ordered by distance along it.

    Parameters
    ----------
    trail : Trail
        Its ``segments`` are read (WGS84 lon/lat); it need not be stored.
    poi_store : PoiStore
        Queried through its R*Tree, one box per ~1.5 km of trace.
    width_m : float
        Half-width of the corridor: the largest distance from the trace.

    Returns
    -------
    list of Candidate
        ``(poi_id, distance_along_m, offset_m, distance_m)``; ``offset_m`` < 0 on
        the left of the walking direction. See the module docstring for loops and
        multi-segment trails.

    Examples
    --------
    >>> from poi.models import POI
    >>> from poi.store import open_db
    >>> store = PoiStore(open_db(":memory:"))
    >>> trace = [(1.44, 44.45, None), (1.45, 44.45, None), (1.46, 44.451, None)]
    >>> trail = Trail(name="Le long du Lot", segments=[trace])
    >>> find_stops(trail, store)            # an empty POI store gives no stops
    []
    >>> _, pid = store.upsert(POI(name="Croix", lon=1.45, lat=44.45, source="t", source_id="1"))
    >>> [stop] = find_stops(trail, store)   # a POI on the trace has offset 0
    >>> stop.poi_id, round(stop.distance_along_m, 1), stop.offset_m, stop.distance_m
    (1, 796.0, 0.0, 0.0)
    >>> find_stops(Trail(name="no trace"), store)
    []
    """
    width_m = _check_width(width_m)
    corridor = _Corridor(trail)
    if not corridor.parts:
        return []
    rows: dict[int, tuple[float, float]] = {}
    for box in corridor.query_boxes(width_m):
        for pid, lon, lat in poi_store.points_in_bbox(*box):
            rows[pid] = (lon, lat)
    if not rows:
        return []
    ids = np.fromiter(rows, dtype=np.int64, count=len(rows))
    coords = np.array(list(rows.values()), dtype=float).reshape(-1, 2)
    # An SQLite R*Tree keeps float32 coordinates, rounded outward (up to ~1.7 m off). A
    # coordinate a float32 cannot hold did not come from it and is exact; the others are
    # measured with some slack, then again with the lon/lat stored in ``pois``.
    maybe_rounded = np.all(coords.astype(np.float32).astype(float) == coords, axis=1)
    found = corridor.measure(ids[~maybe_rounded], coords[~maybe_rounded, 0], coords[~maybe_rounded, 1], width_m)
    if maybe_rounded.any():
        r = maybe_rounded
        near = corridor.near(ids[r], coords[r, 0], coords[r, 1], width_m * 1.01 + 1.0 + _RTREE_SLACK_M)
        near = near.tolist()
        pois = [p for k in range(0, len(near), _BATCH) for p in poi_store.get_many(near[k:k + _BATCH])]
        found += corridor.measure([p.id for p in pois], [p.lon for p in pois], [p.lat for p in pois], width_m)
        found.sort(key=lambda c: (c.distance_along_m, c.poi_id))
    return found


def _stops_of(trail_id: int, candidates: Iterable[Candidate], pois: dict[int, POI]) -> list[Stop]:
    """Stops of the candidates, as :func:`trails.curation.attach_status` says (waymarks left out)."""
    stops = []
    for c in candidates:
        status = attach_status(pois[c.poi_id], c.distance_m) if c.poi_id in pois else None
        if status:
            stops.append(Stop(trail_id=trail_id, poi_id=c.poi_id, distance_along_m=round(c.distance_along_m, 2),
                              offset_m=round(c.offset_m, 2), status=status))
    return stops


def _pois_of(poi_store: PoiStore, ids: Sequence[int]) -> dict[int, POI]:
    ids = list(ids)
    return {p.id: p for k in range(0, len(ids), _BATCH) for p in poi_store.get_many(ids[k:k + _BATCH])}


#: Signposts this close to the trace (metres) are the trail's waymarks.
WAYMARK_WIDTH_M = 40.0


def find_waymarks(trail: Trail, poi_store: PoiStore, *, width_m: float = WAYMARK_WIDTH_M) -> list[POI]:
    """The signposts (waymarks: :func:`poi.categories.stop_kind`) along a trail, in walking order.

    They are not stops: maps draw them and the GPX lists them as waypoints.

    >>> from poi.models import POI
    >>> from poi.store import open_db
    >>> store = PoiStore(open_db(":memory:"))
    >>> _ = store.upsert(POI(name="Col", lon=1.45, lat=44.45, category="signpost", source="t", source_id="1"))
    >>> _ = store.upsert(POI(name="Croix", lon=1.451, lat=44.45, category="monument", source="t", source_id="2"))
    >>> [p.name for p in find_waymarks(Trail(name="T", segments=[[(1.44, 44.45, None), (1.46, 44.45, None)]]),
    ...                                store)]
    ['Col']
    """
    found = find_stops(trail, poi_store, width_m=width_m)
    pois = _pois_of(poi_store, [c.poi_id for c in found])
    return [pois[c.poi_id] for c in found
            if c.poi_id in pois and stop_kind(pois[c.poi_id].category, pois[c.poi_id].themes) == WAYMARK]


def attach_stops(db: sqlite_utils.Database, trail: Trail, *, width_m: float = DEFAULT_WIDTH_M) -> int:
    """Attach to a stored trail the POIs in its corridor; returns how many stops are new.

    New POIs become ``auto`` stops; existing ``auto`` stops get their new distance
    along and offset (the trace may have been edited); stops staff ``removed`` or
    added by hand (``manual``) are left as they are. Running it twice changes
    nothing. When :class:`~trails.store.TrailStore` offers
    ``delete_auto_stops_except(trail_id, poi_ids)``, ``auto`` stops that left the
    corridor are deleted in the same transaction.

    Examples
    --------
    >>> from poi.models import POI
    >>> from poi.store import open_db
    >>> from trails.store import TRAILS
    >>> db = open_db(":memory:", [TRAILS])
    >>> _, pid = PoiStore(db).upsert(POI(name="Moulin", lon=1.45, lat=44.4505, source="t", source_id="1"))
    >>> trail = Trail(name="Le long du Lot", segments=[[(1.44, 44.45, None), (1.46, 44.45, None)]])
    >>> _ = TrailStore(db).save(trail)
    >>> attach_stops(db, trail), attach_stops(db, trail)
    (1, 0)
    >>> [(s.poi_id, round(s.offset_m), s.status) for s in TrailStore(db).stops(trail.id)]
    [(1, -56, 'auto')]
    """
    if trail.id is None:
        raise TraceError(_("trail “{name}” has no id: save it before attaching stops", name=trail.name))
    candidates = find_stops(trail, PoiStore(db), width_m=width_m)
    stops = _stops_of(trail.id, candidates, _pois_of(PoiStore(db), [c.poi_id for c in candidates]))
    store = TrailStore(db)
    try:
        with transaction(db):
            added = store.upsert_stops(stops)
            prune = getattr(store, "delete_auto_stops_except", None)
            if prune is not None:
                prune(trail.id, [s.poi_id for s in stops])
    except sqlite3.IntegrityError as e:  # the trail_stops foreign key: no such trail
        raise NotFoundError(_("no trail with id {id}: save the trail before attaching stops", id=trail.id)) from e
    return added


def attach_pois(db: sqlite_utils.Database, poi_ids: Iterable[int], *, width_m: float = DEFAULT_WIDTH_M) -> int:
    """Attach freshly imported POIs to every stored trail whose corridor they fall in.

    POIs are grouped by 0.1° grid cell; each cell's box, widened by ``width_m``,
    asks the trail R*Tree (:meth:`~trails.store.TrailStore.ids_in_bbox`) for
    candidate trails, then each trail measures its candidates exactly (same rules
    as :func:`find_stops`). Stops of other POIs are not touched; a stop staff
    removed stays removed. Returns how many stops are new.

    Examples
    --------
    >>> from poi.models import POI
    >>> from poi.store import open_db
    >>> from trails.store import TRAILS
    >>> db = open_db(":memory:", [TRAILS])
    >>> trail = Trail(name="Le long du Lot", segments=[[(1.44, 44.45, None), (1.46, 44.45, None)]])
    >>> _ = TrailStore(db).save(trail)
    >>> _, near = PoiStore(db).upsert(POI(name="Lavoir", lon=1.45, lat=44.4495, source="t", source_id="1"))
    >>> _, far = PoiStore(db).upsert(POI(name="Ferme", lon=1.45, lat=44.46, source="t", source_id="2"))
    >>> attach_pois(db, [near, far])
    1
    >>> [(s.poi_id, round(s.offset_m)) for s in TrailStore(db).stops(trail.id)]
    [(1, 56)]
    >>> attach_pois(db, [])
    0
    """
    width_m = _check_width(width_m)
    wanted = list(dict.fromkeys(poi_ids))
    pois = _pois_of(PoiStore(db), wanted)  # read in batches: SQLite caps the parameters of one query
    points = [(p.id, p.lon, p.lat) for p in pois.values()]
    if not points:
        return 0
    ids = np.array([p[0] for p in points], dtype=np.int64)
    lons = np.array([p[1] for p in points], dtype=float)
    lats = np.array([p[2] for p in points], dtype=float)
    store = TrailStore(db)
    cells: dict[tuple[int, int], list[int]] = {}
    for i, (lon, lat) in enumerate(zip(lons.tolist(), lats.tolist())):
        cells.setdefault((math.floor(lon / _CELL_DEG), math.floor(lat / _CELL_DEG)), []).append(i)
    by_trail: dict[int, set[int]] = {}
    for members in cells.values():
        m_lon, m_lat = lons[members], lats[members]
        dlon, dlat = _margins_deg(float(np.max(np.abs(m_lat))), width_m)
        for tid in store.ids_in_bbox(float(m_lon.min()) - dlon, float(m_lat.min()) - dlat,
                                     float(m_lon.max()) + dlon, float(m_lat.max()) + dlat):
            by_trail.setdefault(tid, set()).update(members)
    added = 0
    trail_ids = sorted(by_trail)
    with transaction(db):
        for k in range(0, len(trail_ids), _BATCH):
            for trail in store.get_many(trail_ids[k:k + _BATCH]):
                members = np.array(sorted(by_trail[trail.id]), dtype=np.int64)
                hits = _Corridor(trail).measure(ids[members], lons[members], lats[members], width_m)
                if hits:
                    added += store.upsert_stops(_stops_of(trail.id, hits, pois))
    return added
