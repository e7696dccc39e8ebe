"""SQLite storage of trails and their stops: with :mod:`trails.schema_store` (their tables), the modules of
``trails`` that speak SQL (besides the WHERE fragments the filters produce, :mod:`trails.filter_kinds`).

Tables live in the same database file as the POIs; their migrations are the component
:data:`~trails.schema_store.TRAILS` (importable from here too), which :func:`poi.store.open_db` applies
when its caller lists it.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Iterable, Sequence

import sqlite_utils

from poi.models import Media
from poi.store import PoiStore, transaction, utcnow
from trails.errors import NotFoundError
from trails.models import Stop, Trail, TrailStop
from trails.schema_store import MIGRATIONS, TRAILS  # noqa: F401  (the component whoever opens the db lists)


_SCALARS = ("name", "summary", "description", "practice", "route_type", "route_type_override",
            "length_m", "ascent_m", "descent_m", "ele_min_m", "ele_max_m", "points",
            "duration_computed_min", "difficulty_computed", "effort", "duration_published_min",
            "difficulty_published", "duration_override_min", "duration_override_reason",
            "difficulty_override", "difficulty_override_reason", "source", "source_id",
            "licence", "attribution", "url", "commune", "created_at", "updated_at",
            "route_type_label", "route_type_detected", "route_type_measured", "metrics_note",
            "practice_label", "difficulty_label", "start_name", "end_name", "commune_codes",
            "access", "recommendations", "instructions", "public_transport", "accessibility_text", "cotation",
            "parent_id", "ground", "contact", "date_modified", "published_length_m", "published_ascent_m",
            "published_descent_m", "published_ele_min_m", "published_ele_max_m", "waymarking", "interpretation",
            "duration_visit_min")


#: Fields only staff set: a re-import of the source record never clears them.
_STAFF_FIELDS = ("route_type_override", "duration_override_min", "duration_override_reason",
                 "difficulty_override", "difficulty_override_reason")


def _row_of(trail: Trail) -> dict:
    row = {c: getattr(trail, c) for c in _SCALARS}
    row["source_id"] = trail.source_id or uuid.uuid4().hex
    row["themes"] = json.dumps(list(trail.themes), ensure_ascii=False)
    row["accessibility"] = json.dumps(list(dict.fromkeys(trail.accessibility)))
    row["segments"] = json.dumps(trail.segments)
    row["extra"] = json.dumps(trail.extra or {}, ensure_ascii=False, sort_keys=True)
    row["translations"] = json.dumps(trail.translations or {}, ensure_ascii=False, sort_keys=True)
    row["parking"] = json.dumps(trail.parking, ensure_ascii=False, sort_keys=True) if trail.parking else None
    row["medias"] = json.dumps(list(trail.medias or []), ensure_ascii=False)
    row["routed_through"] = json.dumps(list(trail.routed_through or []))
    row["routing"] = json.dumps(trail.routing, ensure_ascii=False, sort_keys=True) if trail.routing is not None else None
    row["interpretation"] = None if trail.interpretation is None else int(bool(trail.interpretation))
    row["published"] = 1 if trail.published else 0
    row["route_type_detected"] = 1 if trail.route_type_detected else 0
    row["unlisted"] = 1 if trail.unlisted else 0
    start = trail.start
    row["start_lon"], row["start_lat"] = (start[0], start[1]) if start else (None, None)
    now = utcnow()
    row["created_at"] = trail.created_at or now
    row["updated_at"] = now
    return row


def trail_from_row(row) -> Trail:
    r = dict(row)
    kwargs = {c: r[c] for c in _SCALARS}
    kwargs["route_type_detected"] = bool(kwargs["route_type_detected"])
    kwargs["interpretation"] = None if kwargs["interpretation"] is None else bool(kwargs["interpretation"])
    trailhead = (r["start_lon"], r["start_lat"], None) if r.get("start_lon") is not None else None
    segments = [[tuple(p) for p in seg] for seg in json.loads(r["segments"])] if "segments" in r else []
    return Trail(
        id=r["id"], themes=json.loads(r["themes"]), segments=segments, trailhead=trailhead,
        accessibility=json.loads(r.get("accessibility") or "[]"),
        extra=json.loads(r["extra"]), translations=json.loads(r.get("translations") or "{}"),
        parking=json.loads(r["parking"]) if r.get("parking") else None, medias=json.loads(r.get("medias") or "[]"),
        routed_through=json.loads(r.get("routed_through") or "[]"),
        routing=json.loads(r["routing"]) if r.get("routing") else None,
        published=bool(r["published"]), unlisted=bool(r.get("unlisted")), **kwargs)


#: Every column but the trace: what list pages need (the trace is most of a row's bytes).
_LIGHT_COLUMNS = ", ".join(("id", "themes", "accessibility", "extra", "translations", "published", "unlisted", "start_lon",
                            "start_lat", "parking", "medias", "routed_through", "routing")
                           + _SCALARS)


class TrailStore:
    """Trails and their stops in the Balise database."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.db.conn.row_factory = sqlite3.Row

    # -- trails --------------------------------------------------------------
    def save(self, trail: Trail) -> int:
        """Insert (no id) or update (id set) a trail; sets and returns ``trail.id``."""
        row = _row_of(trail)
        with transaction(self.db):
            if trail.id is None:
                existing = self.db.execute("SELECT * FROM trails WHERE source = ? AND source_id = ?",
                                           [row["source"], row["source_id"]]).fetchone()
                if existing:
                    # A re-import of the same source record: staff decisions survive it.
                    trail.id = existing["id"]
                    for key in _STAFF_FIELDS:
                        if row[key] in (None, "") and existing[key] not in (None, ""):
                            row[key] = existing[key]
                            setattr(trail, key, existing[key])
                    if row["accessibility"] == "[]" and existing["accessibility"] != "[]":
                        # staff may tick what the source does not say
                        row["accessibility"] = existing["accessibility"]
                        trail.accessibility = json.loads(existing["accessibility"])
                    if existing["published"] and not row["published"]:
                        row["published"] = 1
                        trail.published = True
            cols = list(row)
            if trail.id is None:
                trail.id = self.db.execute(
                    f"INSERT INTO trails ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
                    row).lastrowid
            else:
                row.pop("created_at")
                sets = ", ".join(f"{c} = :{c}" for c in row)
                cur = self.db.execute(f"UPDATE trails SET {sets} WHERE id = :id", {**row, "id": trail.id})
                if cur.rowcount == 0:
                    raise NotFoundError(f"no trail with id {trail.id}")
            self.db.execute("DELETE FROM trail_themes WHERE trail_id = ?", [trail.id])
            for theme in dict.fromkeys(trail.themes):
                self.db.execute("INSERT INTO trail_themes VALUES (?, ?)", [trail.id, theme])
            self.db.execute("DELETE FROM trails_rtree WHERE id = ?", [trail.id])
            coords = trail.coords
            if coords:
                lons = [p[0] for p in coords]
                lats = [p[1] for p in coords]
                self.db.execute("INSERT INTO trails_rtree VALUES (?, ?, ?, ?, ?)",
                                [trail.id, min(lons), max(lons), min(lats), max(lats)])
        trail.source_id = row["source_id"]
        return trail.id

    def get(self, trail_id: int) -> Trail:
        row = self.db.execute("SELECT * FROM trails WHERE id = ?", [trail_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no trail with id {trail_id}")
        return trail_from_row(row)

    def get_many(self, ids: Sequence[int], *, segments: bool = True) -> list[Trail]:
        """Trails in the order of ``ids``; ``segments=False`` leaves the trace out (``Trail.start``
        still gives the trailhead), several times faster for list pages."""
        if not ids:
            return []
        columns = "*" if segments else _LIGHT_COLUMNS
        rows = self.db.execute(f"SELECT {columns} FROM trails WHERE id IN ({','.join('?' * len(ids))})",
                               list(ids)).fetchall()
        by_id = {r["id"]: trail_from_row(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def all(self, published_only: bool = False) -> list[Trail]:
        """Every trail, or (``published_only``) those the public lists: published and not unlisted."""
        sql = "SELECT * FROM trails" + (" WHERE published = 1 AND unlisted = 0" if published_only else "") + " ORDER BY id"
        return [trail_from_row(r) for r in self.db.execute(sql).fetchall()]

    def attributions(self) -> dict[str, list[int]]:
        """The ids of the trails the public lists (published, not unlisted) by data credit (``attribution``;
        blank ones left out), ids in order."""
        out: dict[str, list[int]] = {}
        for name, trail_id in self.db.execute("SELECT attribution, id FROM trails WHERE published = 1 AND unlisted = 0 "
                                              "AND attribution != '' ORDER BY id").fetchall():
            out.setdefault(name, []).append(trail_id)
        return out

    def find(self, source: str, source_id: str) -> int | None:
        """The id of the trail of ``source`` / ``source_id``, or None."""
        row = self.db.execute("SELECT id FROM trails WHERE source = ? AND source_id = ?", [source, source_id]).fetchone()
        return row["id"] if row else None

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM trails").fetchone()[0]

    def set_published(self, trail_id: int, published: bool) -> None:
        cur = self.db.execute("UPDATE trails SET published = ?, updated_at = ? WHERE id = ?",
                              [1 if published else 0, utcnow(), trail_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"no trail with id {trail_id}")

    def delete(self, trail_id: int) -> None:
        with transaction(self.db):
            self.db.execute("DELETE FROM trails_rtree WHERE id = ?", [trail_id])
            self.db.execute("DELETE FROM trails WHERE id = ?", [trail_id])

    def ids_in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[int]:
        """Trails whose bounding box intersects a lon/lat box."""
        return [r[0] for r in self.db.execute(
            "SELECT id FROM trails_rtree WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? "
            "AND min_lat <= ?", [min_lon, max_lon, min_lat, max_lat]).fetchall()]

    def query(self, where: str = "1", params: Sequence = (), order: str = "name", limit: int | None = None,
              offset: int = 0) -> list[Trail]:
        """Trails matching a WHERE fragment built by :mod:`trails.filters`."""
        sql = f"SELECT * FROM trails WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return [trail_from_row(r) for r in self.db.execute(sql, list(params)).fetchall()]

    def commune_points(self) -> list[tuple[str, float, float, str]]:
        """``(communes, lon, lat, kind)``: each trail's commune text (maybe several, comma-separated) and
        trailhead (kind ``trail``), and each POI with a commune (kind ``poi``)."""
        rows = self.db.execute("SELECT commune, start_lon, start_lat, 'trail' FROM trails WHERE commune != '' "
                               "AND start_lon IS NOT NULL").fetchall()
        rows += self.db.execute("SELECT commune, lon, lat, 'poi' FROM pois WHERE commune != ''").fetchall()
        return [tuple(r) for r in rows]

    def communes_revision(self) -> tuple:
        """Changes when :meth:`commune_points` may have changed (trails changed, POIs added or removed)."""
        trails = self.db.execute("SELECT n FROM trails_revision").fetchone()[0]
        return (trails, *self.db.execute("SELECT COUNT(*), MAX(id) FROM pois").fetchone())

    def stops_revision(self) -> tuple:
        """Changes when a stop is added or removed or changes status (for caches of answers with visit times)."""
        return tuple(self.db.execute("SELECT COUNT(*), TOTAL(poi_id), TOTAL(status = 'removed'), "
                                     "TOTAL(status = 'proposed') FROM trail_stops").fetchone())

    # -- stops ---------------------------------------------------------------
    def stop_categories(self, trail_ids: Iterable[int]) -> dict[int, list[str]]:
        """The POI categories of each trail's live stops (``auto`` and ``manual``), for visit times."""
        ids = [int(i) for i in trail_ids]
        out: dict[int, list[str]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for tid, category in self.db.execute(
                    "SELECT s.trail_id, p.category FROM trail_stops s JOIN pois p ON p.id = s.poi_id "
                    f"WHERE s.trail_id IN ({','.join('?' * len(chunk))}) AND s.status NOT IN ('removed', 'proposed')",
                    chunk).fetchall():
                out[tid].append(category)
        return out

    def stops(self, trail_id: int, include_removed: bool = False) -> list[Stop]:
        """The trail's live stops (``auto`` and ``manual``); ``include_removed``: also those staff removed
        and those only ``proposed`` (:mod:`trails.curation`), as the editor lists them."""
        sql = "SELECT * FROM trail_stops WHERE trail_id = ?"
        if not include_removed:
            sql += " AND status NOT IN ('removed', 'proposed')"
        sql += " ORDER BY position, distance_along_m"
        return [Stop(**dict(r)) for r in self.db.execute(sql, [trail_id]).fetchall()]

    def stops_with_pois(self, trail_id: int) -> list[TrailStop]:
        """The trail's stops (removed ones left out) with their POIs, in walking order."""
        stops = self.stops(trail_id)
        pois = {p.id: p for p in PoiStore(self.db).get_many([s.poi_id for s in stops])}
        return [TrailStop(s, pois[s.poi_id]) for s in stops if s.poi_id in pois]

    def stop_media(self, trail_ids: Sequence[int]) -> dict[int, list[tuple[str, list[Media]]]]:
        """``trail id -> [(POI name, its media)]``: the live stops that have media, in walking order, of
        several trails in one query (where the catalogue's cards look for a circuit's first photo)."""
        if not trail_ids:
            return {}
        marks = ", ".join("?" * len(trail_ids))
        rows = self.db.execute(
            f"SELECT s.trail_id, p.name, p.media FROM trail_stops s JOIN pois p ON p.id = s.poi_id "
            f"WHERE s.trail_id IN ({marks}) AND s.status NOT IN ('removed', 'proposed') AND p.media != '[]' "
            f"ORDER BY s.trail_id, s.position, s.distance_along_m", list(trail_ids)).fetchall()
        out: dict[int, list[tuple[str, list[Media]]]] = {}
        for trail_id, name, media in rows:
            out.setdefault(trail_id, []).append((name, [Media.from_dict(m) for m in json.loads(media)]))
        return out

    def stops_with_pois_of(self, trail_ids: Iterable[int]) -> dict[int, list[TrailStop]]:
        """:meth:`stops_with_pois` of many trails in two queries (``balise publish`` reads them all)."""
        ids = list(trail_ids)
        found: dict[int, list[TrailStop]] = {i: [] for i in ids}
        if not ids:
            return found
        rows = self.db.execute("SELECT * FROM trail_stops WHERE status NOT IN ('removed', 'proposed') "
                               "ORDER BY trail_id, position, distance_along_m").fetchall()
        stops = [Stop(**dict(r)) for r in rows if r["trail_id"] in found]
        wanted = sorted({s.poi_id for s in stops})
        pois = {p.id: p for start in range(0, len(wanted), 900)  # SQLite's limit of parameters
                for p in PoiStore(self.db).get_many(wanted[start:start + 900])}
        for s in stops:
            if s.poi_id in pois:
                found[s.trail_id].append(TrailStop(s, pois[s.poi_id]))
        return found

    def trails_of_poi(self, poi_id: int, published_only: bool = True) -> list[Trail]:
        """The trails a POI is a stop of (removed stops left out), by name."""
        sql = ("SELECT t.* FROM trails t JOIN trail_stops s ON s.trail_id = t.id "
               "WHERE s.poi_id = ? AND s.status NOT IN ('removed', 'proposed')")
        if published_only:
            sql += " AND t.published = 1 AND t.unlisted = 0"
        return [trail_from_row(r) for r in self.db.execute(sql + " ORDER BY t.name", [poi_id]).fetchall()]

    def upsert_stops(self, stops: Iterable[Stop]) -> int:
        """Attach stops; a stop staff removed or placed by hand keeps its status. Returns how many are new."""
        added = 0
        touched: set[int] = set()
        with transaction(self.db):
            for s in stops:
                touched.add(s.trail_id)
                existing = self.db.execute(
                    "SELECT status FROM trail_stops WHERE trail_id = ? AND poi_id = ?",
                    [s.trail_id, s.poi_id]).fetchone()
                if existing is None:
                    self.db.execute(
                        "INSERT INTO trail_stops (trail_id, poi_id, distance_along_m, offset_m, position, status, "
                        "trigger_radius_m, kind) VALUES (:trail_id, :poi_id, :distance_along_m, :offset_m, "
                        ":position, :status, :trigger_radius_m, :kind)",
                        {"trail_id": s.trail_id, "poi_id": s.poi_id, "distance_along_m": s.distance_along_m,
                         "offset_m": s.offset_m, "position": -1, "status": s.status,
                         "trigger_radius_m": s.trigger_radius_m, "kind": s.kind})
                    added += 1
                elif existing["status"] in ("auto", "proposed"):  # not yet a staff decision
                    status = s.status if s.status in ("auto", "proposed") else existing["status"]
                    self.db.execute(
                        "UPDATE trail_stops SET distance_along_m = ?, offset_m = ?, status = ? WHERE trail_id = ? "
                        "AND poi_id = ?", [s.distance_along_m, s.offset_m, status, s.trail_id, s.poi_id])
            self._renumber(touched)
        return added

    def delete_auto_stops_except(self, trail_id: int, poi_ids: Iterable[int]) -> int:
        """Drop the automatic (and proposed) stops of a trail that are not in ``poi_ids`` (the corridor moved);
        staff-placed and staff-removed stops stay. Returns how many were dropped."""
        keep = set(poi_ids)
        rows = self.db.execute("SELECT poi_id FROM trail_stops WHERE trail_id = ? "
                               "AND status IN ('auto', 'proposed')",
                               [trail_id]).fetchall()
        gone = [r[0] for r in rows if r[0] not in keep]
        with transaction(self.db):
            for poi_id in gone:
                self.db.execute("DELETE FROM trail_stops WHERE trail_id = ? AND poi_id = ?", [trail_id, poi_id])
            if gone:
                self._renumber({trail_id})
        return len(gone)

    def set_stop_status(self, trail_id: int, poi_id: int, status: str) -> None:
        cur = self.db.execute("UPDATE trail_stops SET status = ? WHERE trail_id = ? AND poi_id = ?",
                              [status, trail_id, poi_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"POI {poi_id} is not a stop of trail {trail_id}")

    def set_stop_order(self, trail_id: int, poi_ids: Sequence[int] | None) -> None:
        """Put the stops in the order staff chose; stops not listed follow, by distance along.
        The order is kept when stops are attached again (new stops go last).
        ``None`` goes back to the walking order (by distance along the trail)."""
        if poi_ids is None:
            with transaction(self.db):
                self.db.execute("UPDATE trails SET stops_ordered_by_staff = 0 WHERE id = ?", [trail_id])
                self._renumber({trail_id})
            return
        known = {r[0] for r in self.db.execute("SELECT poi_id FROM trail_stops WHERE trail_id = ?",
                                                [trail_id]).fetchall()}
        unknown = [p for p in poi_ids if p not in known]
        if unknown:
            raise NotFoundError(f"POI {unknown[0]} is not a stop of trail {trail_id}")
        rest = [r[0] for r in self.db.execute(
            "SELECT poi_id FROM trail_stops WHERE trail_id = ? ORDER BY distance_along_m", [trail_id]).fetchall()
            if r[0] not in set(poi_ids)]
        with transaction(self.db):
            for i, poi_id in enumerate(list(dict.fromkeys(poi_ids)) + rest):
                self.db.execute("UPDATE trail_stops SET position = ? WHERE trail_id = ? AND poi_id = ?",
                                [i, trail_id, poi_id])
            self.db.execute("UPDATE trails SET stops_ordered_by_staff = 1 WHERE id = ?", [trail_id])

    def set_stop_trigger_radius(self, trail_id: int, poi_id: int, radius_m: float | None) -> None:
        """A stop's own proximity radius (None: the POI's, else its category's default)."""
        if radius_m is not None and not 0 < float(radius_m) <= 1000:
            raise ValueError(f"a trigger radius must be between 0 and 1000 m, not {radius_m}")
        cur = self.db.execute("UPDATE trail_stops SET trigger_radius_m = ? WHERE trail_id = ? AND poi_id = ?",
                              [radius_m, trail_id, poi_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"POI {poi_id} is not a stop of trail {trail_id}")

    def set_stop_trigger_along(self, trail_id: int, poi_id: int, along_m: float | None) -> None:
        """Where a stop's trigger point sits, in metres along the trail (None: automatic,
        :mod:`trails.triggers`)."""
        if along_m is not None and not float(along_m) >= 0:
            raise ValueError(f"a trigger point must be 0 m or more along the trail, not {along_m}")
        cur = self.db.execute("UPDATE trail_stops SET trigger_along_m = ? WHERE trail_id = ? AND poi_id = ?",
                              [along_m, trail_id, poi_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"POI {poi_id} is not a stop of trail {trail_id}")

    def set_stop_kind(self, trail_id: int, poi_id: int, kind: str | None) -> None:
        """Make a stop a ``story`` or a ``service`` whatever its POI's category (``None``: from the category)."""
        if kind not in (None, "story", "service"):
            raise ValueError(f"a stop is a story or a service, not {kind!r}")
        cur = self.db.execute("UPDATE trail_stops SET kind = ? WHERE trail_id = ? AND poi_id = ?",
                              [kind, trail_id, poi_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"POI {poi_id} is not a stop of trail {trail_id}")

    def _renumber(self, trail_ids: set[int]) -> None:
        for tid in trail_ids:
            manual = self.db.execute("SELECT stops_ordered_by_staff FROM trails WHERE id = ?", [tid]).fetchone()
            # staff order kept: existing stops by their position, new ones (position NULL-like: -1) last
            order = ("CASE WHEN position < 0 THEN 1 ELSE 0 END, position, distance_along_m"
                     if manual and manual[0] else "distance_along_m")
            rows = self.db.execute(f"SELECT poi_id FROM trail_stops WHERE trail_id = ? ORDER BY {order}",
                                   [tid]).fetchall()
            for i, r in enumerate(rows):
                self.db.execute("UPDATE trail_stops SET position = ? WHERE trail_id = ? AND poi_id = ?",
                                [i, tid, r[0]])
