"""Provenance of merged POIs and staff decisions on duplicates: the SQL of ``poi_sources`` and ``dedup_decisions``.

When :mod:`poi.dedup` merges two POIs, each source's own record is kept in
``poi_sources`` (source, id, licence, attribution, URL, why it matched) so the
POI can be recombined when either source is re-imported, or split again.
``dedup_decisions`` remembers what staff merged or split (the later decision
wins). The tables are created by migration 2 of component ``poi``
(:data:`poi.store.MIGRATIONS`).

Use it through :class:`poi.store.PoiStore` (``store.provenance(id)``...), whose
provenance methods delegate here, or directly:

>>> from poi.models import POI
>>> from poi.store import PoiStore, open_db
>>> store = PoiStore(open_db(":memory:"))
>>> _, pid = store.upsert(POI(name="Lavoir", lon=1.44, lat=43.6, source="demo", source_id="7",
...                           licence="ODbL"))
>>> ProvenanceStore(store).provenance(pid)
[Provenance(source='demo', source_id='7', licence='ODbL', attribution='', url='', matched_by='')]
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, NamedTuple, Sequence

from poi.bulk_store import row_of, transaction, utcnow
from poi.errors import NotFoundError, StoreError
from poi.merge import combine
from poi.models import POI, Media

if TYPE_CHECKING:
    from poi.store import PoiStore


class Provenance(NamedTuple):
    """One source of a POI: who published it, under which licence, and why it was merged."""

    source: str
    source_id: str
    licence: str
    attribution: str
    url: str
    matched_by: str  # "" for the POI's own source; e.g. "distance 12 m, name similarity 0.91"


def _record_json(poi: POI) -> str:
    """One source's record of a POI, as JSON (kept to recombine and to split merged POIs)."""
    return json.dumps({
        "name": poi.name, "lon": poi.lon, "lat": poi.lat, "category": poi.category, "themes": list(poi.themes),
        "ele_m": poi.ele_m, "summary": poi.summary, "description": poi.description,
        "media": [m.to_dict() for m in poi.media], "trigger_radius_m": poi.trigger_radius_m, "url": poi.url,
        "source": poi.source, "source_id": str(poi.source_id), "licence": poi.licence,
        "attribution": poi.attribution, "updated_at": poi.updated_at, "extra": poi.extra or {},
        "translations": poi.translations or {}, "commune": poi.commune, "insee": poi.insee,
    }, ensure_ascii=False, sort_keys=True)


def _record_poi(text: str) -> POI:
    d = json.loads(text)
    d["media"] = [Media.from_dict(m) for m in d.get("media", [])]
    return POI(**d)


class ProvenanceStore:
    """The sources of merged POIs and the staff decisions, over one :class:`~poi.store.PoiStore`."""

    def __init__(self, pois: PoiStore):
        self.pois = pois
        self.db = pois.db

    # -- re-import of a merged source (called by PoiStore.upsert) ---------------
    def merged_owner(self, source: str, source_id: str, existing_id: int | None) -> int | None:
        """The POI that holds (source, source_id) as one of several merged provenances, if any.

        ``existing_id`` is the POI whose own key is (source, source_id), if any.
        """
        if existing_id is not None:
            merged = self.db.execute("SELECT 1 FROM poi_sources WHERE poi_id = ? LIMIT 1",
                                     [existing_id]).fetchone()
            return existing_id if merged else None
        row = self.db.execute("SELECT poi_id FROM poi_sources WHERE source = ? AND source_id = ?",
                              [source, source_id]).fetchone()
        return row["poi_id"] if row else None

    def update_source_record(self, pid: int, poi: POI, row: dict) -> str:
        """Re-import of one provenance of a merged POI: keep its record, recompute the POI."""
        current = self.db.execute("SELECT content_hash FROM poi_sources WHERE source = ? AND source_id = ?",
                                  [row["source"], row["source_id"]]).fetchone()
        if current is not None and current["content_hash"] == row["content_hash"]:
            return "unchanged"
        self.db.execute(
            "UPDATE poi_sources SET record = ?, content_hash = ?, licence = ?, attribution = ?, url = ?, "
            "updated_at = ? WHERE source = ? AND source_id = ?",
            [_record_json(poi), row["content_hash"], row["licence"], row["attribution"], row["url"],
             row["updated_at"], row["source"], row["source_id"]])
        self._recombine(pid)
        return "updated"

    def _recombine(self, pid: int) -> None:
        head = self.pois.get(pid)
        merged = combine([p for p, _ in self.source_records(pid)])
        self._rewrite(pid, merged, head)

    def _rewrite(self, pid: int, merged: POI, head: POI) -> None:
        """Write the combined fields of POI ``pid``, keeping the identity (source, id) of ``head``."""
        merged.source, merged.source_id, merged.updated_at = head.source, head.source_id, ""
        self.pois.write_row(pid, row_of(merged), merged, new=False)

    # -- reading -----------------------------------------------------------------
    def provenance(self, poi_id: int) -> list[Provenance]:
        """Every source a POI comes from, with its licence and why it was merged.

        A POI that was never merged has one provenance, its own.
        """
        rows = self.db.execute(
            "SELECT s.source, s.source_id, s.licence, s.attribution, s.url, s.matched_by FROM poi_sources s "
            "JOIN pois p ON p.id = s.poi_id WHERE s.poi_id = ? "
            "ORDER BY (s.source = p.source AND s.source_id = p.source_id) DESC, s.rowid", [poi_id]).fetchall()
        if rows:
            return [Provenance(*r) for r in rows]
        poi = self.pois.get(poi_id)
        return [Provenance(poi.source, poi.source_id, poi.licence, poi.attribution, poi.url, "")]

    def source_records(self, poi_id: int) -> list[tuple[POI, str]]:
        """The record each source gave for a POI, with why it was merged (the POI's own first)."""
        rows = self.db.execute(
            "SELECT s.record, s.matched_by FROM poi_sources s JOIN pois p ON p.id = s.poi_id "
            "WHERE s.poi_id = ? ORDER BY (s.source = p.source AND s.source_id = p.source_id) DESC, s.rowid",
            [poi_id]).fetchall()
        if rows:
            return [(_record_poi(r["record"]), r["matched_by"]) for r in rows]
        poi = self.pois.get(poi_id)
        poi.id = None
        return [(poi, "")]

    def resolve(self, source: str, source_id: str) -> int | None:
        """Id of the POI that carries (source, source_id), merged or not; None if none."""
        row = self.db.execute("SELECT id FROM pois WHERE source = ? AND source_id = ?",
                              [source, source_id]).fetchone()
        if row is None:
            row = self.db.execute("SELECT poi_id AS id FROM poi_sources WHERE source = ? AND source_id = ?",
                                  [source, source_id]).fetchone()
        return row["id"] if row else None

    def merged_keys(self) -> dict[int, list[tuple[str, str]]]:
        """``poi_id -> [(source, source_id), ...]`` of the POIs that hold several provenances."""
        keys: dict[int, list[tuple[str, str]]] = {}
        for r in self.db.execute("SELECT poi_id, source, source_id FROM poi_sources ORDER BY rowid"):
            keys.setdefault(r[0], []).append((r[1], r[2]))
        return keys

    # -- merging and splitting -----------------------------------------------------
    def merge_pois(self, survivor_id: int, loser_id: int, merged: POI,
                   records: Sequence[tuple[POI, str]]) -> POI:
        """Make two POIs one, in one transaction.

        ``records`` (each source's record and why it matched) become the survivor's
        provenance; every row of another table that points at the loser (trail
        stops...) is moved to the survivor, unless the survivor already has one
        there; the loser is deleted; the survivor's fields become ``merged``.
        """
        if survivor_id == loser_id:
            raise StoreError(f"cannot merge POI {survivor_id} with itself")
        with transaction(self.db):
            head = self.pois.get(survivor_id)
            self.pois.get(loser_id)
            self.db.execute("DELETE FROM poi_sources WHERE poi_id IN (?, ?)", [survivor_id, loser_id])
            self._insert_records(survivor_id, records)
            for table, column in self._references():
                self.db.execute(f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                                [survivor_id, loser_id])
            self.pois.delete(loser_id)
            self._rewrite(survivor_id, merged, head)
        return self.pois.get(survivor_id)

    def split_poi(self, poi_id: int, source: str, source_id: str) -> tuple[POI, POI]:
        """Take one provenance out of a merged POI as a POI of its own; returns (rest, split off).

        The rest keeps the id, stops and the remaining provenances (recombined);
        if the provenance taken out was the POI's own, the next one becomes its
        identity. The caller records the decision (:meth:`record_decision`).
        """
        with transaction(self.db):
            records = self.source_records(poi_id)
            keys = [(p.source, p.source_id) for p, _ in records]
            if (source, source_id) not in keys or len(keys) < 2:
                raise NotFoundError(f"POI {poi_id} has no merged provenance {source}:{source_id}")
            out = records[keys.index((source, source_id))][0]
            rest = [r for r in records if (r[0].source, r[0].source_id) != (source, source_id)]
            self.db.execute("DELETE FROM poi_sources WHERE poi_id = ?", [poi_id])
            head = rest[0][0]
            if len(rest) > 1:
                self._insert_records(poi_id, rest)
                kept = combine([p for p, _ in rest])
            else:
                kept = head
            kept.id = None
            self._rewrite(poi_id, kept, head)
            out.id, out.updated_at = None, ""
            self.pois.upsert(out)
        return self.pois.get(poi_id), self.pois.get(out.id)

    def _insert_records(self, poi_id: int, records: Sequence[tuple[POI, str]]) -> None:
        for poi, matched_by in records:
            row = row_of(poi)
            self.db.execute(
                "INSERT INTO poi_sources (poi_id, source, source_id, licence, attribution, url, matched_by, "
                "record, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [poi_id, row["source"], row["source_id"], row["licence"], row["attribution"], row["url"],
                 matched_by, _record_json(poi), row["content_hash"], row["updated_at"]])

    def _references(self) -> list[tuple[str, str]]:
        """(table, column) of every foreign key to ``pois.id`` (trail stops, ...), found in the schema."""
        found = []
        for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            if table == "poi_sources":
                continue
            for fk in self.db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                if fk["table"] == "pois" and fk["to"] in (None, "id"):
                    found.append((table, fk["from"]))
        return found

    def rename_record_media(self, poi_id: int, renamed: dict[str, str]) -> None:
        """Point the media of every source record of a POI at new URLs (``old url -> new url``)."""
        for rec in self.db.execute("SELECT rowid, record FROM poi_sources WHERE poi_id = ?",
                                   [poi_id]).fetchall():
            data = json.loads(rec["record"])
            for m in data.get("media", []):
                m["url"] = renamed.get(m.get("url"), m.get("url"))
            self.db.execute("UPDATE poi_sources SET record = ? WHERE rowid = ?",
                            [json.dumps(data, ensure_ascii=False, sort_keys=True), rec["rowid"]])

    # -- staff decisions on duplicates -------------------------------------------
    def record_decision(self, a: tuple[str, str], b: tuple[str, str], decision: str, *, user: str,
                        reason: str = "") -> None:
        """Remember that staff merged or split two provenances (the later decision wins)."""
        (a_s, a_id), (b_s, b_id) = sorted([tuple(a), tuple(b)])
        self.db.execute(
            "INSERT OR REPLACE INTO dedup_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [a_s, a_id, b_s, b_id, decision, user, reason, utcnow()])

    def decisions(self, decision: str | None = None) -> list[dict]:
        """Every remembered decision (optionally only ``"split"`` or ``"merge"``)."""
        sql = "SELECT * FROM dedup_decisions"
        args: list = []
        if decision:
            sql += " WHERE decision = ?"
            args.append(decision)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY decided_at, rowid", args).fetchall()]
