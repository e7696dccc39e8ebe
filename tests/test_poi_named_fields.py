"""A POI's commune and INSEE code are named fields, no longer keys of ``extra`` (issue 8), and the move changes
no content hash: re-importing an unchanged source after the migration says "unchanged", not "updated"."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sqlite_utils

from helpers import open_db
from poi.bulk_store import row_of
from poi.importers import import_file
from poi.models import POI
from poi.store import MIGRATIONS, PoiStore

MERIMEE = Path(__file__).parent / "data" / "sources" / "merimee" / "toulouse_inventaire_14-denominations.geojson"
#: The content hash the release before this change computed for the POI below (commune and insee in extra).
HASH_OF_BEFORE = "236b6f7a75ce2c6cb7c05b70f64dc2f28d11fbc0f77e76fc8bfd9d53f9505237"


def test_the_content_hash_is_the_one_of_before_the_fields():
    old = POI(name="Église Saint-Jean", lon=1.44, lat=43.6, category="church", source="t", source_id="1",
              extra={"commune": "Toulouse", "insee": "31555", "century": "12e siècle"})
    new = POI(name="Église Saint-Jean", lon=1.44, lat=43.6, category="church", source="t", source_id="1",
              commune="Toulouse", insee="31555", extra={"century": "12e siècle"})
    assert (old.commune, old.insee, old.extra) == ("Toulouse", "31555", {"century": "12e siècle"})
    assert row_of(old)["content_hash"] == row_of(new)["content_hash"] == HASH_OF_BEFORE
    assert row_of(POI(name="Église Saint-Jean", lon=1.44, lat=43.6, category="church", source="t", source_id="1",
                      commune="Blagnac", insee="31069", extra={"century": "12e siècle"}))["content_hash"] != HASH_OF_BEFORE


def test_a_real_source_imported_again_across_the_migration_is_unchanged(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path)
    first = import_file(db, MERIMEE, format="merimee")
    assert first.added == 14 and first.updated == 0
    pois = PoiStore(db).all()
    assert {p.commune for p in pois} == {"Toulouse"} and {p.insee for p in pois} == {"31555"}
    assert not any({"commune", "insee"} & set(p.extra) for p in pois)
    db.conn.close()
    # the database as the release before left it: commune and insee in extra, no columns, migration 4 not run
    old = sqlite_utils.Database(path)
    version = next(i for i, m in enumerate(MIGRATIONS, 1) if "ADD COLUMN commune" in m)
    for pid, extra, commune, insee in old.execute("SELECT id, extra, commune, insee FROM pois").fetchall():
        extra = {**json.loads(extra), **{k: v for k, v in (("commune", commune), ("insee", insee)) if v}}
        old.execute("UPDATE pois SET extra = ? WHERE id = ?", [json.dumps(extra, ensure_ascii=False, sort_keys=True), pid])
    old.execute("ALTER TABLE pois DROP COLUMN commune")
    old.execute("ALTER TABLE pois DROP COLUMN insee")
    old.execute("DELETE FROM schema_migrations WHERE component = 'poi' AND version >= ?", [version])
    # and its content hashes as it computed them: json.dumps of the row's hashed columns (commune inside extra)
    hashed = ("source", "source_id", "name", "category", "themes", "lon", "lat", "ele_m", "summary", "description",
              "media", "trigger_radius_m", "url", "licence", "attribution", "extra", "translations")
    for row in old.query(f"SELECT id, {', '.join(hashed)} FROM pois"):
        pid = row.pop("id")
        digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()
        old.execute("UPDATE pois SET content_hash = ? WHERE id = ?", [digest, pid])
    old.conn.commit()
    old.conn.close()

    db = open_db(path)
    again = import_file(db, MERIMEE, format="merimee")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 14)
    pois = PoiStore(db).all()
    assert {p.commune for p in pois} == {"Toulouse"} and {p.insee for p in pois} == {"31555"}
    stored = [json.loads(e) for (e,) in db.execute("SELECT extra FROM pois")]
    assert len(stored) == 14 and not any({"commune", "insee"} & set(e) for e in stored)
    assert all(e["department"] == "31" and e["century"] for e in stored)  # the free-form rest stays
