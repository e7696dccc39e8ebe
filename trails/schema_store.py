"""The tables of trails and their stops: the numbered migrations of the component :data:`TRAILS`.

:func:`poi.store.open_db` applies them for whoever lists the component (:mod:`webapp.schema`);
:mod:`trails.store` reads and writes the rows.
"""
from __future__ import annotations

from typing import Sequence

from poi.store import Component


def _out_of_extra(texts: Sequence[str], *, keys: dict[str, str] | None = None,
                  other: dict[str, tuple[str, str]] | None = None) -> str:
    """A migration moving keys of ``trails.extra`` into columns of their own: a text column ("" when the key
    is absent) for each of ``texts``, from the key of the same name (``keys``: column -> another key), and the
    ``other`` columns (name -> (declaration, value from extra)); the keys are then removed from ``extra``."""
    keys = keys or {}
    other = other or {}
    columns = [(c, "TEXT NOT NULL DEFAULT ''") for c in texts] + [(c, kind) for c, (kind, _) in other.items()]
    values = [(c, f"COALESCE(CAST(json_extract(extra, '$.{keys.get(c, c)}') AS TEXT), '')") for c in texts]
    values += [(c, value) for c, (_, value) in other.items()]
    moved = ", ".join(f"'$.{keys.get(c, c)}'" for c, _ in columns)
    return ("".join(f"ALTER TABLE trails ADD COLUMN {c} {kind};\n" for c, kind in columns)
            + "UPDATE trails SET " + ", ".join(f"{c} = {v}" for c, v in values)
            + f", extra = json_remove(extra, {moved}) WHERE json_valid(extra);\n")


MIGRATIONS = [
    """
    CREATE TABLE trails (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        practice TEXT NOT NULL DEFAULT 'walking',
        route_type TEXT NOT NULL DEFAULT 'one_way',
        route_type_override TEXT,
        themes TEXT NOT NULL DEFAULT '[]',
        segments TEXT NOT NULL,
        length_m REAL NOT NULL DEFAULT 0,
        ascent_m REAL NOT NULL DEFAULT 0,
        descent_m REAL NOT NULL DEFAULT 0,
        ele_min_m REAL,
        ele_max_m REAL,
        points INTEGER NOT NULL DEFAULT 0,
        duration_computed_min INTEGER NOT NULL DEFAULT 0,
        difficulty_computed TEXT NOT NULL DEFAULT 'easy',
        effort REAL NOT NULL DEFAULT 0,
        duration_published_min INTEGER,
        difficulty_published TEXT,
        duration_override_min INTEGER,
        duration_override_reason TEXT NOT NULL DEFAULT '',
        difficulty_override TEXT,
        difficulty_override_reason TEXT NOT NULL DEFAULT '',
        published INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'manual',
        source_id TEXT NOT NULL,
        licence TEXT NOT NULL DEFAULT '',
        attribution TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        commune TEXT NOT NULL DEFAULT '',
        extra TEXT NOT NULL DEFAULT '{}',
        start_lon REAL,
        start_lat REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        duration_min INTEGER GENERATED ALWAYS AS
            (COALESCE(duration_override_min, duration_published_min, duration_computed_min)) VIRTUAL,
        difficulty TEXT GENERATED ALWAYS AS
            (COALESCE(difficulty_override, difficulty_published, difficulty_computed)) VIRTUAL,
        effective_route_type TEXT GENERATED ALWAYS AS (COALESCE(route_type_override, route_type)) VIRTUAL,
        UNIQUE (source, source_id)
    );
    CREATE TABLE trail_themes (
        trail_id INTEGER NOT NULL REFERENCES trails(id) ON DELETE CASCADE,
        theme TEXT NOT NULL,
        PRIMARY KEY (trail_id, theme)
    );
    CREATE INDEX trail_themes_theme ON trail_themes(theme);
    CREATE VIRTUAL TABLE trails_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
    CREATE TABLE trail_stops (
        trail_id INTEGER NOT NULL REFERENCES trails(id) ON DELETE CASCADE,
        poi_id INTEGER NOT NULL REFERENCES pois(id) ON DELETE CASCADE,
        distance_along_m REAL NOT NULL,
        offset_m REAL NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'auto',
        trigger_radius_m REAL,
        PRIMARY KEY (trail_id, poi_id)
    );
    CREATE INDEX trail_stops_poi ON trail_stops(poi_id);
    """,
    # 2: a counter bumped by every committed change of trails or their themes, so that
    # every connection to one file can tell when its in-memory filter index is stale.
    """
    CREATE TABLE trails_revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
    INSERT INTO trails_revision VALUES (1, 0);
    CREATE TRIGGER trails_revision_insert AFTER INSERT ON trails BEGIN UPDATE trails_revision SET n = n + 1; END;
    CREATE TRIGGER trails_revision_update AFTER UPDATE ON trails BEGIN UPDATE trails_revision SET n = n + 1; END;
    CREATE TRIGGER trails_revision_delete AFTER DELETE ON trails BEGIN UPDATE trails_revision SET n = n + 1; END;
    CREATE TRIGGER trail_themes_revision_insert AFTER INSERT ON trail_themes
        BEGIN UPDATE trails_revision SET n = n + 1; END;
    CREATE TRIGGER trail_themes_revision_delete AFTER DELETE ON trail_themes
        BEGIN UPDATE trails_revision SET n = n + 1; END;
    """,
    # 3: staff may order the stops by hand; the order then survives re-attachment.
    """
    ALTER TABLE trails ADD COLUMN stops_ordered_by_staff INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: what a circuit is suitable for (trails.models.ACCESSIBILITY codes), a JSON list.
    """
    ALTER TABLE trails ADD COLUMN accessibility TEXT NOT NULL DEFAULT '[]';
    """,
    # 5: staff may move a stop's trigger point along the trail (trails.triggers).
    """
    ALTER TABLE trail_stops ADD COLUMN trigger_along_m REAL;
    """,
    # 6: what a stop is on the walk when staff say so (story or service; NULL: from its POI's category,
    # poi.categories.stop_kind); signposts are waymarks, not stops (issue 14): guideposts stored as
    # information points become signposts and lose their automatic stops.
    """
    ALTER TABLE trail_stops ADD COLUMN kind TEXT;
    UPDATE pois SET category = 'signpost' WHERE category = 'information' AND json_valid(extra)
        AND json_extract(extra, '$.information') IN ('guidepost', 'route_marker');
    DELETE FROM trail_stops WHERE status = 'auto' AND poi_id IN (SELECT id FROM pois WHERE category = 'signpost');
    """,
    # the other languages a source gave become a column of their own (they were extra["i18n"]).
    """
    ALTER TABLE trails ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
    UPDATE trails SET translations = json_extract(extra, '$.i18n'), extra = json_remove(extra, '$.i18n')
        WHERE json_valid(extra) AND json_type(extra, '$.i18n') = 'object';
    """,
    # a published circuit may be unlisted: reachable by its URL, in no list (loops visitors compose on /compose).
    """
    ALTER TABLE trails ADD COLUMN unlisted INTEGER NOT NULL DEFAULT 0;
    """,
    # what code reads by name gets a column of its own (it was in extra): the route type as the source gave it,
    # whether it was detected instead, the one measured on the trace, the note on where the climb comes from.
    _out_of_extra(["route_type_label", "metrics_note"], other={
        "route_type_detected": ("INTEGER NOT NULL DEFAULT 0",
                                "COALESCE(json_extract(extra, '$.route_type_detected'), 0) NOT IN (0, '', 'false')"),
        "route_type_measured": ("TEXT", "json_extract(extra, '$.route_type_measured')")}),
    # and the source's practice and difficulty labels, the names of the start and the end, the communes' codes.
    _out_of_extra(["practice_label", "difficulty_label", "start_name", "end_name", "commune_codes"]),
    # and what the schema_randonnee exporter publishes again: access, advice, directions, public transport,
    # accessibility text, parking (JSON object), media (JSON list), grade, parent, ground, contact, last change.
    _out_of_extra(["access", "recommendations", "instructions", "public_transport", "accessibility_text", "cotation",
                   "parent_id", "ground", "contact", "date_modified"], keys={"accessibility_text": "accessibility"},
                  other={"parking": ("TEXT", "CASE WHEN json_type(extra, '$.parking') = 'object' "
                                             "THEN json_extract(extra, '$.parking') END"),
                         "medias": ("TEXT NOT NULL DEFAULT '[]'", "CASE WHEN json_type(extra, '$.medias') = 'array' "
                                                                  "THEN json_extract(extra, '$.medias') ELSE '[]' END")}),
    # 12: and the figures the source published (length, climb, lowest and highest points), its waymarking, staff's
    # word on an interpretation trail, the visit time known without stops, and what a routed circuit was routed by.
    _out_of_extra(["waymarking"], keys={f"published_{k}": k for k in ("ascent_m", "descent_m", "ele_min_m", "ele_max_m")},
                  other={**{c: ("REAL", f"CASE WHEN json_type(extra, '$.{k}') IN ('integer', 'real') "
                                        f"THEN json_extract(extra, '$.{k}') END")
                            for c, k in (("published_length_m", "published_length_m"),
                                         ("published_ascent_m", "ascent_m"), ("published_descent_m", "descent_m"),
                                         ("published_ele_min_m", "ele_min_m"), ("published_ele_max_m", "ele_max_m"))},
                         "interpretation": ("INTEGER", "CASE WHEN json_type(extra, '$.interpretation') IS NULL "
                                                       "OR json_type(extra, '$.interpretation') = 'null' THEN NULL "
                                                       "WHEN json_extract(extra, '$.interpretation') IN (0, '', 'false') "
                                                       "THEN 0 ELSE 1 END"),
                         "duration_visit_min": ("INTEGER", "CASE WHEN json_type(extra, '$.duration_visit_min') "
                                                           "IN ('integer', 'real') THEN "
                                                           "CAST(json_extract(extra, '$.duration_visit_min') AS INTEGER) END"),
                         "routed_through": ("TEXT NOT NULL DEFAULT '[]'",
                                            "CASE WHEN json_type(extra, '$.routed_through') = 'array' "
                                            "THEN json_extract(extra, '$.routed_through') ELSE '[]' END"),
                         "routing": ("TEXT", "CASE WHEN json_type(extra, '$.routing') = 'object' "
                                             "THEN json_extract(extra, '$.routing') END")}),
    # 13: what the lists read of every circuit, without its trace (the filters' index, the towns, the circuits to
    # publish): read from this index, a scan of the table no longer walks every trace (100 MB at 10,000 circuits).
    """
    CREATE INDEX IF NOT EXISTS trails_listing ON trails (id, published, unlisted, duration_min, length_m, ascent_m, difficulty,
        practice, effective_route_type, start_lon, start_lat, commune, name, summary, accessibility);
    """,
]


#: The tables of this module (:func:`poi.store.open_db` applies them for whoever lists it).
TRAILS = Component("trails", MIGRATIONS, requires=("poi",))
