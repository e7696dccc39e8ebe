"""The OpenAPI 3.1 description of the JSON API (served at ``/api/openapi.json``), written as data.

Schemas are JSON Schema 2020-12 (what OpenAPI 3.1 uses), so the tests validate the
API's real answers against them with ``jsonschema``. Keep this file in step with
:mod:`webapp.api`: ``tests/test_api.py`` fails when a route of the ``/api`` blueprint
is not described here, or when an answer does not match its schema.

>>> doc = document("https://rando.example.fr")
>>> doc["openapi"], sorted(doc["paths"])[1:3]
('3.1.0', ['/api/openapi.json', '/api/pois'])
"""
from __future__ import annotations

from copy import deepcopy

from trails.filter_index import DURATION_BUCKETS
from trails.filters import query_params
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES

VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


STRING, INTEGER, NUMBER, BOOLEAN = ({"type": "string"}, {"type": "integer"}, {"type": "number"},
                                    {"type": "boolean"})
NULLABLE_NUMBER = {"type": ["number", "null"]}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
POSITION = {"type": "array", "minItems": 2, "maxItems": 3, "items": NUMBER,
            "description": "[longitude, latitude] or [longitude, latitude, elevation in metres], WGS84"}
BBOX = {"type": "array", "minItems": 4, "maxItems": 4, "items": NUMBER,
        "description": "[west, south, east, north] in WGS84 degrees (RFC 7946 §5)"}

SCHEMAS: dict[str, dict] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": STRING},
              "description": "What went wrong and what to do next."},
    "Credit": {"type": "object", "required": ["attribution", "licence", "url"],
               "properties": {"attribution": STRING, "licence": STRING, "url": STRING},
               "description": "Who to credit and under which licence (url: the licence text)."},
    "Point": {"type": "object", "required": ["lon", "lat"], "properties": {"lon": NUMBER, "lat": NUMBER}},
    "TrailSummary": {
        "type": "object",
        "required": ["id", "name", "length_m", "ascent_m", "descent_m", "duration_min", "duration_computed_min",
                     "duration_with_visits_min", "duration_source", "difficulty", "themes", "route_type", "practice", "licence", "attribution",
                     "commune", "start", "url", "api_url", "gpx_url", "bundle_url"],
        "properties": {
            "id": INTEGER, "name": STRING, "summary": STRING, "commune": STRING,
            "length_m": {**NUMBER, "description": "geodesic length (WGS84 ellipsoid)"},
            "ascent_m": {**NUMBER, "description": "D+ after smoothing"}, "descent_m": NUMBER,
            "duration_min": {**INTEGER, "description": "the duration shown: staff override, else the source's, "
                                                       "else computed (DIN 33466)"},
            "duration_computed_min": INTEGER,
            "duration_with_visits_min": {
                **INTEGER, "description": "the time the walker will really take: walking at the pace fitted on "
                                          "published times (DIN 33466's form at 4.45 km/h, 430 m/h up, 500 m/h "
                                          "down) + 15 min start and finish + the visit time at its stops (minutes "
                                          "per stop by category, at least 24 min on an interpretation trail); "
                                          "the shown duration when it is published or set by staff"},
            "duration_source": {"enum": ["computed", "override", "source"]},
            "difficulty": {"enum": list(DIFFICULTIES)},
            "difficulty_source": {"enum": ["computed", "override", "source"]},
            "themes": _array(STRING), "route_type": {"enum": list(ROUTE_TYPES)},
            "practice": {"type": "string", "examples": list(PRACTICES)},
            "accessibility": {**_array({"enum": list(ACCESSIBILITY)}),
                              "description": "what the circuit suits: pushchairs, people with reduced mobility"},
            "published": BOOLEAN, "source": STRING, "licence": STRING, "attribution": STRING,
            "start": {"oneOf": [_ref("Point"), {"type": "null"}], "description": "first point of the trace"},
            "url": {**STRING, "description": "the circuit's web page"},
            "api_url": STRING, "gpx_url": STRING,
            "bundle_url": {**STRING, "description": "the offline bundle (what the trailhead QR code opens)"},
        },
    },
    "Facets": {
        "type": "object", "required": ["difficulty", "theme", "duration", "practice", "route_type"],
        "description": "counts of each value under the other active filters; duration buckets: "
                       + ", ".join(b[0] for b in DURATION_BUCKETS),
        "properties": {k: COUNTS for k in ("difficulty", "theme", "duration", "practice", "route_type",
                                           "accessibility")},
    },
    "TrailList": {
        "type": "object",
        "required": ["total", "limit", "offset", "filters", "facets", "trails", "credits", "licence_note"],
        "properties": {
            "total": {**INTEGER, "description": "number of matching circuits (all pages)"},
            "limit": INTEGER, "offset": INTEGER,
            "filters": {**_array(STRING), "description": "one sentence per active filter, in the asked language"},
            "facets": _ref("Facets"), "trails": _array(_ref("TrailSummary")),
            "credits": _array(_ref("Credit")), "licence_note": STRING,
        },
    },
    "LineGeometry": {
        "oneOf": [
            {"type": "object", "required": ["type", "coordinates"],
             "properties": {"type": {"const": "LineString"}, "coordinates": _array(POSITION)}},
            {"type": "object", "required": ["type", "coordinates"],
             "properties": {"type": {"const": "MultiLineString"}, "coordinates": _array(_array(POSITION))}},
            {"type": "null"},
        ],
    },
    "PointGeometry": {"type": "object", "required": ["type", "coordinates"],
                      "properties": {"type": {"const": "Point"}, "coordinates": POSITION}},
    "StopItem": {
        "type": "object",
        "required": ["poi_id", "name", "category", "lon", "lat", "position", "distance_along_m",
                     "trigger_radius_m", "url", "api_url"],
        "properties": {"poi_id": INTEGER, "name": STRING, "category": STRING, "lon": NUMBER, "lat": NUMBER,
                       "position": INTEGER, "distance_along_m": NUMBER, "trigger_radius_m": NUMBER,
                       "url": STRING, "api_url": STRING},
    },
    "TrailProperties": {
        "type": "object",
        "required": ["kind", "id", "name", "length_m", "duration_min", "difficulty", "licence", "licence_url",
                     "attribution"],
        "properties": {"kind": {"const": "trail"}, "id": INTEGER, "name": STRING, "summary": STRING,
                       "description": {**STRING, "description": "sanitised HTML"}, "commune": STRING,
                       "length_m": NUMBER, "ascent_m": NUMBER, "descent_m": NUMBER, "duration_min": INTEGER,
                       "difficulty": {"enum": list(DIFFICULTIES)}, "themes": _array(STRING),
                       "licence": STRING, "licence_url": STRING, "attribution": STRING,
                       "stops": _array(_ref("StopItem")), "url": STRING, "api_url": STRING,
                       "gpx_url": STRING, "bundle_url": STRING},
    },
    "TrailFeature": {
        "type": "object", "required": ["type", "id", "geometry", "properties", "credits"],
        "properties": {"type": {"const": "Feature"}, "id": INTEGER, "geometry": _ref("LineGeometry"),
                       "properties": {"allOf": [_ref("TrailProperties"),
                                                {"required": ["stops", "url", "bundle_url"]}]},
                       "credits": _array(_ref("Credit")), "licence_note": STRING},
    },
    "TrailCollection": {
        "type": "object", "required": ["type", "name", "features", "credits"],
        "description": "format=collection: the circuit Feature (id 'trail-<id>') then one Point Feature "
                       "per stop (id 'poi-<id>', kind 'stop'), as exporter.geojson writes it",
        "properties": {
            "type": {"const": "FeatureCollection"}, "name": STRING, "bbox": {"oneOf": [BBOX, {"type": "null"}]},
            "credits": _array(_ref("Credit")), "licence_note": STRING,
            "features": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["type", "id", "geometry", "properties"],
                "properties": {"type": {"const": "Feature"}, "id": STRING,
                               "properties": {"type": "object", "required": ["kind"],
                                              "properties": {"kind": {"enum": ["trail", "stop"]}}}}}},
        },
    },
    "PoiProperties": {
        "type": "object",
        "required": ["id", "name", "category", "themes", "summary", "url", "licence", "licence_url", "attribution",
                     "trigger_radius_m", "source", "updated_at"],
        "properties": {"id": INTEGER, "name": STRING, "category": STRING, "themes": _array(STRING),
                       "summary": STRING, "url": STRING, "licence": STRING, "licence_url": STRING,
                       "attribution": STRING, "trigger_radius_m": NUMBER, "source": STRING, "updated_at": STRING},
    },
    "PoiFeature": {
        "type": "object", "required": ["type", "id", "geometry", "properties"],
        "properties": {"type": {"const": "Feature"}, "id": INTEGER, "geometry": _ref("PointGeometry"),
                       "properties": _ref("PoiProperties")},
    },
    "PoiDetail": {
        "allOf": [_ref("PoiFeature"), {
            "type": "object", "required": ["credits", "licence_note"],
            "properties": {
                "credits": _array(_ref("Credit")), "licence_note": STRING,
                "properties": {"type": "object", "required": ["source_url", "trails"], "properties": {
                    "url": {**STRING, "description": "the POI's page on this site"},
                    "source_url": {**STRING, "description": "the page of the data source, if any"},
                    "trails": _array({"type": "object", "required": ["id", "name", "url", "api_url"],
                                      "properties": {"id": INTEGER, "name": STRING, "url": STRING,
                                                     "api_url": STRING}})}}}}],
    },
    "Loop": {
        "type": "object",
        "required": ["length_m", "duration_min", "walking_min", "visit_min", "duration_with_visits_min", "ascent_m",
                     "stop_ids", "heritage_stop_count", "reuse_ratio", "geometry", "fits"],
        "properties": {"length_m": NUMBER,
                       "duration_min": {**INTEGER, "description": "what the loop is sized on: on foot the "
                                        "catalogue's time with visits, = duration_with_visits_min"},
                       "walking_min": INTEGER, "start_end_min": INTEGER, "visit_min": INTEGER,
                       "cost_model_min": {**INTEGER, "description": "the cost model's walking time (slope, terrain)"},
                       "duration_with_visits_min": {
                           **INTEGER, "description": "the catalogue's time with visits (calibrated pace + start and "
                                                     "finish + visit_min), as in /api/trails"},
                       "fits": {"type": "boolean", "description": "within the tolerance of the duration asked"},
                       "fit_note": {**STRING, "description": "why it is not within the tolerance"},
                       "ascent_m": {"type": ["number", "null"]}, "descent_m": {"type": ["number", "null"]},
                       "stop_ids": _array(INTEGER), "heritage_stop_count": INTEGER, "reuse_ratio": NUMBER,
                       "reuse_note": STRING,
                       "geometry": {"type": "object", "required": ["type", "coordinates"],
                                    "properties": {"type": {"const": "LineString"},
                                                   "coordinates": _array(_array(NUMBER))}}},
    },
    "LoopList": {
        "type": "object", "required": ["start", "duration_min", "note", "loops"],
        "properties": {"start": {"type": "object", "required": ["lon", "lat", "label"],
                                 "properties": {"lon": NUMBER, "lat": NUMBER, "label": STRING}},
                       "duration_min": INTEGER,
                       "note": {**STRING, "description": "why no loop is within the tolerance (empty when one is)"},
                       "loops": _array(_ref("Loop"))},
    },
    "PoiCollection": {
        "type": "object", "required": ["type", "features", "credits", "limit", "offset", "after", "next",
                                       "licence_note"],
        "properties": {"type": {"const": "FeatureCollection"}, "bbox": BBOX,
                       "features": _array(_ref("PoiFeature")), "credits": _array(_ref("Credit")),
                       "limit": INTEGER, "offset": INTEGER,
                       "after": {"type": ["integer", "null"], "description": "the after asked, if any"},
                       "next": {"type": ["string", "null"], "format": "uri",
                                "description": "address of the next page (after=<last id>; offset with q), "
                                               "null after the last one"},
                       "licence_note": STRING},
    },
}


def _param(name: str, description: str, schema: dict | None = None, *, where: str = "query",
           required: bool = False, example=None) -> dict:
    out = {"name": name, "in": where, "required": required or where == "path", "description": description,
           "schema": schema or STRING}
    if example is not None:
        out["example"] = example
    return out


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "headers": {"Access-Control-Allow-Origin": {
        "description": "always *: the API is public and read-only", "schema": STRING}},
        "content": {"application/json": {"schema": _ref(schema_name)}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


MULTI = {"oneOf": [STRING, _array(STRING)]}
#: The schema of each kind of filter parameter (:class:`trails.filter_params.Param`).
PARAM_SCHEMAS = {"text": STRING, "duration": STRING, "point": STRING, "number": NUMBER, "several": MULTI,
                 "flag": {"enum": ["1", "0", "true", "false"]}}
LANG = _param("lang", "language of the filter sentences, and of names and summaries when the source translated "
                      "them (default: Accept-Language, else fr)", {"enum": ["fr", "en"]})


def trail_params() -> list[dict]:
    """The query parameters of ``/api/trails``: the public filters' (the registry :data:`trails.filters.FILTERS`),
    then sorting, paging and language."""
    filters = [_param(p.name, p.help, PARAM_SCHEMAS[p.kind], example=p.example) for p in query_params()]
    return filters + TRAIL_PAGING


TRAIL_PAGING = [
    _param("sort", "name, duration, length or ascent; '-' in front for descending",
           {"enum": ["name", "duration", "length", "ascent", "-name", "-duration", "-length", "-ascent"]}),
    _param("limit", "circuits per page, 1 to 100 (default 20)", {"type": "integer", "minimum": 1, "maximum": 100}),
    _param("offset", "circuits to skip (default 0)", {"type": "integer", "minimum": 0}),
    LANG,
]


def _paths() -> dict:
    bad, missing = _error("a parameter cannot be understood"), _error("no such published circuit or POI")
    return {
        "/api/trails": {"get": {
            "operationId": "listTrails", "summary": "Published circuits, with the catalogue's filters",
            "parameters": trail_params(),
            "responses": {"200": _json("TrailList", "one page of circuits, facet counts, filter sentences"),
                          "400": bad}}},
        "/api/trails/{trail_id}": {"get": {
            "operationId": "getTrail", "summary": "One published circuit as GeoJSON (RFC 7946)",
            "description": "Default: a Feature whose properties.stops lists the stops in walking order. "
                           "format=collection: a FeatureCollection of the circuit and one Point per stop.",
            "parameters": [_param("trail_id", "circuit id", INTEGER, where="path"),
                           _param("format", "feature (default) or collection", {"enum": ["feature", "collection"]}),
                           LANG],
            "responses": {"200": {**_json("TrailFeature", "the circuit"), "content": {"application/json": {
                "schema": {"oneOf": [_ref("TrailFeature"), _ref("TrailCollection")]}}}},
                "400": bad, "404": missing}}},
        "/api/pois": {"get": {
            "operationId": "listPois", "summary": "Points of interest as a GeoJSON FeatureCollection",
            "parameters": [
                _param("bbox", "minlon,minlat,maxlon,maxlat in WGS84 degrees", example="3.5,44.1,3.9,44.4"),
                _param("q", "full-text search (names, summaries, descriptions; accents ignored)"),
                _param("category", "one Balise category (monument, church, viewpoint, water, ...)"),
                _param("limit", "POIs per page, 1 to 1000 (default 100)",
                       {"type": "integer", "minimum": 1, "maximum": 1000}),
                _param("after", "keyset paging of the lists by id: only POIs of a greater id (the next link of "
                                "each answer gives it); not with q or offset",
                       {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}),
                _param("offset", "POIs to skip (default 0; at most 10000: page further with after, or narrow "
                                 "with bbox, q or category)",
                       {"type": "integer", "minimum": 0, "maximum": 10000}),
                LANG],
            "responses": {"200": _json("PoiCollection", "matching POIs (by relevance with q, else by id)"),
                          "400": bad}}},
        "/api/pois/{poi_id}": {"get": {
            "operationId": "getPoi", "summary": "One POI as a GeoJSON Feature, with the circuits it is a stop of",
            "parameters": [_param("poi_id", "POI id", INTEGER, where="path"), LANG],
            "responses": {"200": _json("PoiDetail", "the POI"), "404": missing}}},
        "/api/loops": {"get": {
            "operationId": "composeLoops", "summary": "Loops of a chosen duration through the most heritage",
            "description": "Composed on demand over the path network (trails.loops: an orienteering heuristic), "
                           "sized on walking time (Tobler's hiking function on the DEM slope) plus visit time at "
                           "the heritage stops. Nothing is stored. Cached; each address may ask "
                           "LOOPS_MAX_PER_HOUR uncached requests an hour.",
            "parameters": [
                _param("from", "start: LAT,LON, poi:ID or a town", required=True, example="43.7384,7.4197"),
                _param("duration", "target duration: 2h, 1h30, 90", required=True, example="1h30"),
                _param("tolerance", "accepted relative difference to the duration (0.01-0.5, default 0.15)",
                       NUMBER),
                _param("theme", "only heritage POIs of these themes count (repeatable)", MULTI),
                _param("practice", "walking (default), trail_running, mountain_bike, cycling, horse_riding, "
                                   "snowshoe"),
                _param("variants", "how many distinct loops, 1 to 3 (default 3)",
                       {"type": "integer", "minimum": 1, "maximum": 3}),
                _param("objective", "heritage (default) or none (a POI-blind round trip)",
                       {"enum": ["heritage", "none"]}),
                _param("seed", "random seed: same seed, same loops", {"type": "integer", "minimum": 0})],
            "responses": {"200": _json("LoopList", "the loops, best first"), "400": bad,
                          "404": _error("no such POI"),
                          "429": _error("too many uncached requests from this address (see Retry-After)")}}},
        "/api/openapi.json": {"get": {
            "operationId": "getOpenApi", "summary": "This description (OpenAPI 3.1)",
            "responses": {"200": {"description": "the OpenAPI document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }


def document(server_url: str = "") -> dict:
    """The OpenAPI 3.1 document; ``server_url`` is where the API is served (without ``/api``)."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Balise API", "version": VERSION,
                 "description": "Read-only JSON and GeoJSON (RFC 7946, WGS84 lon/lat) of the published heritage "
                                "circuits and points of interest. CORS: any origin. Every answer carries the "
                                "licences and attributions of its data (credits); errors are {\"error\": ...}.",
                 "license": {"name": "data: see each record's licence"}},
        "servers": [{"url": server_url or "/"}],
        "paths": _paths(),
        "components": {"schemas": deepcopy(SCHEMAS)},
    }
