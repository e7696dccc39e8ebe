"""The tables of POIs, their sources, staff's merge decisions and stored media: the numbered migrations of the
component ``poi``, which :func:`poi.store.open_db` applies to every database (:mod:`poi.store` reads and writes
the rows).
"""
from __future__ import annotations

MIGRATIONS = [
    """
    CREATE TABLE pois (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        name TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT 'other',
        themes TEXT NOT NULL DEFAULT '[]',
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        ele_m REAL,
        summary TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        media TEXT NOT NULL DEFAULT '[]',
        trigger_radius_m REAL,
        url TEXT NOT NULL DEFAULT '',
        licence TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        UNIQUE (source, source_id)
    );
    CREATE INDEX pois_category ON pois(category);
    CREATE VIRTUAL TABLE pois_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
    CREATE VIRTUAL TABLE pois_fts USING fts5(name, body, tokenize = "unicode61 remove_diacritics 2");
    """,
    # 2: provenance of merged POIs (poi/dedup.py), staff merge/split decisions, stored media (poi/media.py).
    """
    CREATE TABLE poi_sources (
        poi_id INTEGER NOT NULL REFERENCES pois(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        licence TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        matched_by TEXT NOT NULL DEFAULT '',
        record TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source, source_id)
    );
    CREATE INDEX poi_sources_poi ON poi_sources(poi_id);
    CREATE TABLE dedup_decisions (
        a_source TEXT NOT NULL,
        a_source_id TEXT NOT NULL,
        b_source TEXT NOT NULL,
        b_source_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('merge', 'split')),
        user TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL,
        PRIMARY KEY (a_source, a_source_id, b_source, b_source_id)
    );
    CREATE TABLE media (
        sha256 TEXT PRIMARY KEY,
        ext TEXT NOT NULL,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER,
        height INTEGER,
        duration_s REAL,
        bytes INTEGER NOT NULL,
        original_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX media_original ON media(original_sha256);
    """,
    # 3: the other languages a source gave become a column of their own (they were extra["i18n"]).
    """
    ALTER TABLE pois ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
    UPDATE pois SET translations = json_extract(extra, '$.i18n'), extra = json_remove(extra, '$.i18n')
        WHERE json_valid(extra) AND json_type(extra, '$.i18n') = 'object';
    """,
    # 4: the commune and its INSEE code, read by name (source filters, figures, towns), get columns of their own
    # (they were extra["commune"] and extra["insee"]); the content hash still covers them under those keys
    # (poi.bulk_store.row_of), so an unchanged record re-imported after this migration is unchanged.
    """
    ALTER TABLE pois ADD COLUMN commune TEXT NOT NULL DEFAULT '';
    ALTER TABLE pois ADD COLUMN insee TEXT NOT NULL DEFAULT '';
    UPDATE pois SET commune = COALESCE(CAST(json_extract(extra, '$.commune') AS TEXT), ''),
                    insee = COALESCE(CAST(json_extract(extra, '$.insee') AS TEXT), ''),
                    extra = json_remove(extra, '$.commune', '$.insee')
        WHERE json_valid(extra) AND (json_type(extra, '$.commune') IS NOT NULL
                                     OR json_type(extra, '$.insee') IS NOT NULL);
    """,
]
