"""The JSON API: circuits with the catalogue's filters, GeoJSON detail, POIs, OpenAPI, CORS, errors.

Test data (tests/data/web/README.md): four real Parc national des Cévennes circuits (one of them, the VTT one,
left unpublished here) and the real OSM hiking leg "Le Bateau - Arlix" in Ardèche with its three guideposts,
attached as stops by the corridor. The ``catalogue`` fixture is shared with tests/test_embed.py,
tests/test_bundle_route.py and tests/test_feedback.py.
"""
from __future__ import annotations

import re

import jsonschema
import pytest

from poi.store import PoiStore
from trails.assembly import measure
from trails.store import TrailStore

from helpers import OSM, build_web_catalogue, open_db


@pytest.fixture
def catalogue(app, db_path):
    """Names -> ids in the app's db (see helpers.build_web_catalogue)."""
    return build_web_catalogue(db_path)


def openapi_validator(client, schema_name: str):
    doc = client.get("/api/openapi.json").get_json()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def response_schema(doc: dict, path: str, status: str = "200") -> dict:
    return doc["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def validate(doc: dict, path: str, body: dict, status: str = "200") -> None:
    schema = {**response_schema(doc, path, status), "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


@pytest.fixture
def openapi(client):
    return client.get("/api/openapi.json").get_json()


# -- /api/trails ------------------------------------------------------------------------------------------------
def test_trails_lists_published_circuits_with_facets_filters_and_credits(client, catalogue, openapi):
    response = client.get("/api/trails?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    validate(openapi, "/api/trails", body)
    names = [t["name"] for t in body["trails"]]
    assert body["total"] == 4 == len(names)
    assert "La vallée du Tarn (à VTT)" not in names  # unpublished: invisible
    assert names == sorted(names, key=str.casefold) or names[0] == "Château du Tournel"
    leg = next(t for t in body["trails"] if t["name"] == "Le Bateau - Arlix")
    assert leg["commune"] == "Aubenas" and leg["licence"] == "ODbL 1.0" and leg["attribution"] == OSM
    assert leg["url"] == f"http://localhost/trails/{leg['id']}"
    assert leg["bundle_url"] == f"http://localhost/trails/{leg['id']}/bundle/"
    assert 44 < leg["start"]["lat"] < 45 and 4 < leg["start"]["lon"] < 5  # lon/lat, not swapped
    assert sum(body["facets"]["difficulty"].values()) == 4
    assert body["filters"] == []
    assert {"attribution": OSM, "licence": "ODbL 1.0", "url": "https://opendatacommons.org/licenses/odbl/1-0/"} \
        in body["credits"] and body["licence_note"]


def test_trails_take_the_catalogue_filters(client, catalogue, openapi):
    body = client.get("/api/trails?max_duration=1h30&lang=en").get_json()
    validate(openapi, "/api/trails", body)
    assert {t["name"] for t in body["trails"]} == {"Château du Tournel", "Le Bateau - Arlix"}
    assert body["filters"] == ["walking time under 1 h 30"]
    body = client.get("/api/trails?difficulty=hard&lang=fr").get_json()
    assert [t["name"] for t in body["trails"]] == ["Les 4000 marches"]
    assert body["filters"] == ["difficulté : difficile"]
    assert body["facets"]["difficulty"]["very_easy"] >= 1  # counted under the other filters
    body = client.get("/api/trails?near=44.501022,3.702861&radius_km=2").get_json()
    assert [t["name"] for t in body["trails"]] == ["Château du Tournel"]
    assert client.get("/api/trails?q=arlix").get_json()["total"] == 1
    assert client.get("/api/trails?published=0").get_json()["total"] == 4  # the public cannot lift it


def test_trails_pagination_and_bounds(client, catalogue):
    first = client.get("/api/trails?limit=2&sort=length").get_json()
    second = client.get("/api/trails?limit=2&offset=2&sort=length").get_json()
    assert first["total"] == second["total"] == 4 and first["limit"] == 2 and second["offset"] == 2
    lengths = [t["length_m"] for t in first["trails"] + second["trails"]]
    assert lengths == sorted(lengths) and len(set(t["id"] for t in first["trails"] + second["trails"])) == 4
    assert client.get("/api/trails?offset=10").get_json()["trails"] == []


@pytest.mark.parametrize("query, words", [
    ("limit=0", "limit must be a whole number from 1 to 100"), ("limit=101", "limit"), ("limit=ten", "limit"),
    ("offset=-1", "offset"), ("max_duration=2x", "cannot read the duration"), ("sort=colour", "unknown sort"),
    ("difficulty=extreme", "unknown difficulty"), ("radius_km=3", "needs \"near\""),
])
def test_bad_parameters_are_400_json(client, catalogue, query, words, openapi):
    response = client.get(f"/api/trails?{query}&lang=en")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert words in response.get_json()["error"]
    validate(openapi, "/api/trails", response.get_json(), "400")


# -- /api/trails/<id> -------------------------------------------------------------------------------------------
def test_trail_is_a_geojson_feature_with_its_stops(client, catalogue, openapi):
    tid = catalogue["Le Bateau - Arlix"]
    body = client.get(f"/api/trails/{tid}").get_json()
    validate(openapi, "/api/trails/{trail_id}", body)
    assert body["type"] == "Feature" and body["id"] == tid and body["geometry"]["type"] == "LineString"
    lon, lat = body["geometry"]["coordinates"][0][:2]
    assert 4 < lon < 5 and 44 < lat < 45
    props = body["properties"]
    assert [s["name"] for s in props["stops"]] == ["Arlix", "Le Ruisseau (parking)", "Le Bateau"]
    assert props["stops"][0]["api_url"].endswith(f"/api/pois/{catalogue['poi']['Arlix']}")
    assert props["licence"] == "ODbL 1.0" and props["attribution"] == OSM
    assert body["credits"] and body["licence_note"]
    assert props["bundle_url"].endswith(f"/trails/{tid}/bundle/")


def test_trail_as_feature_collection(client, catalogue, openapi):
    tid = catalogue["Le Bateau - Arlix"]
    body = client.get(f"/api/trails/{tid}?format=collection").get_json()
    validate(openapi, "/api/trails/{trail_id}", body)
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["kind"] for f in body["features"]] == ["trail", "stop", "stop", "stop"]
    assert client.get(f"/api/trails/{tid}?format=kml").status_code == 400


def test_unpublished_and_unknown_trails_are_the_same_404(client, catalogue, openapi):
    hidden = client.get(f"/api/trails/{catalogue['La vallée du Tarn (à VTT)']}")
    unknown = client.get("/api/trails/99999")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json() == unknown.get_json()
    validate(openapi, "/api/trails/{trail_id}", hidden.get_json(), "404")


# -- /api/pois --------------------------------------------------------------------------------------------------
def test_pois_collection_bbox_text_category_limit(client, catalogue, openapi):
    body = client.get("/api/pois").get_json()
    validate(openapi, "/api/pois", body)
    assert len(body["features"]) == 3 and body["credits"][0]["licence"] == "ODbL 1.0"
    arlix = next(f for f in body["features"] if f["properties"]["name"] == "Arlix")
    lon, lat = arlix["geometry"]["coordinates"][:2]
    box = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    assert [f["properties"]["name"] for f in client.get(f"/api/pois?bbox={box}").get_json()["features"]] == ["Arlix"]
    assert [f["properties"]["name"] for f in client.get("/api/pois?q=ruisseau").get_json()["features"]] \
        == ["Le Ruisseau (parking)"]
    assert client.get(f"/api/pois?q=ruisseau&bbox={box}").get_json()["features"] == []
    assert len(client.get("/api/pois?category=information").get_json()["features"]) == 3
    assert client.get("/api/pois?category=church").get_json()["features"] == []
    assert len(client.get("/api/pois?category=information&limit=2&offset=2").get_json()["features"]) == 1
    assert len(client.get("/api/pois?limit=2").get_json()["features"]) == 2


def test_pois_text_box_and_category_together_are_paged_in_the_query(client, catalogue):
    """q, bbox and category in one request; pages of one concatenate to the whole answer, by relevance."""
    box = "4.3,44.6,4.4,44.7"  # the whole Aubenas leg
    whole = [f["id"] for f in client.get(f"/api/pois?q=le&bbox={box}&category=information").get_json()["features"]]
    assert len(whole) == 2  # "Le Bateau", "Le Ruisseau (parking)"; not "Arlix"
    pages = [client.get(f"/api/pois?q=le&bbox={box}&category=information&limit=1&offset={i}").get_json()["features"]
             for i in range(3)]
    assert [f["id"] for page in pages for f in page] == whole and pages[2] == []
    assert client.get(f"/api/pois?q=le&bbox={box}&category=church").get_json()["features"] == []
    assert client.get("/api/pois?q=%3F%21").get_json()["features"] == []  # no word in the text


@pytest.mark.parametrize("query", ["bbox=1,2,3", "bbox=4,44,3,45", "bbox=a,b,c,d", "limit=0", "limit=1001"])
def test_bad_poi_parameters_are_400(client, catalogue, query):
    response = client.get(f"/api/pois?{query}")
    assert response.status_code == 400 and "error" in response.get_json()


def test_poi_feature_with_its_published_trails(client, catalogue, openapi):
    pid = catalogue["poi"]["Arlix"]
    body = client.get(f"/api/pois/{pid}").get_json()
    validate(openapi, "/api/pois/{poi_id}", body)
    assert body["id"] == pid and body["geometry"]["type"] == "Point"
    assert [t["name"] for t in body["properties"]["trails"]] == ["Le Bateau - Arlix"]
    assert body["properties"]["url"].endswith(f"/pois/{pid}") and body["credits"][0]["licence"] == "ODbL 1.0"
    assert client.get("/api/pois/99999").status_code == 404


# -- OpenAPI, CORS, errors --------------------------------------------------------------------------------------
def test_openapi_describes_every_api_route(app, client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes and routes == set(doc["paths"])
    for path, item in doc["paths"].items():
        for operation in item.values():
            assert operation["responses"]["200"]["content"]["application/json"]["schema"]
            for name in re.findall(r"{(\w+)}", path):
                assert any(p["name"] == name and p["in"] == "path" for p in operation["parameters"])
    jsonschema.Draft202012Validator.check_schema({"components": doc["components"], "$defs": {}})
    for name in doc["components"]["schemas"]:
        openapi_validator(client, name)  # every schema is a valid JSON Schema 2020-12


@pytest.mark.parametrize("path", ["/api/trails", "/api/pois", "/api/openapi.json"])
def test_cors_on_read_only_endpoints(client, catalogue, path):
    response = client.get(path, headers={"Origin": "https://www.mairie-aubenas.fr"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(path, headers={"Origin": "https://www.mairie-aubenas.fr",
                                              "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_cors_is_not_given_to_html_pages(client, catalogue):
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


def test_unknown_api_address_and_wrong_method_answer_json(client):
    response = client.get("/api/circuits")
    assert response.status_code == 404 and response.get_json()["error"]
    response = client.delete("/api/trails")
    assert response.status_code == 405 and response.get_json()["error"]


def test_json_is_utf8_and_xss_free(client, catalogue, app, db_path):
    store = TrailStore(open_db(db_path))
    evil = store.get(catalogue["Le Bateau - Arlix"])
    evil.summary = "<script>alert(1)</script>"
    store.save(evil)
    response = client.get("/api/trails?q=arlix")
    assert response.mimetype == "application/json"  # never rendered as HTML
    assert response.get_json()["trails"][0]["summary"] == "<script>alert(1)</script>"


def test_trails_by_accessibility_and_town(client, catalogue, openapi, db_path):
    db = open_db(db_path)
    store = TrailStore(db)
    tournel = store.get(catalogue["Château du Tournel"])
    tournel.accessibility = ["pushchair"]
    store.save(tournel)
    db.conn.close()
    body = client.get("/api/trails?accessibility=pushchair&lang=en").get_json()
    validate(openapi, "/api/trails", body)
    assert [t["name"] for t in body["trails"]] == ["Château du Tournel"]
    assert body["trails"][0]["accessibility"] == ["pushchair"]
    assert body["filters"] == ["suitable for pushchairs"]
    assert body["facets"]["accessibility"] == {"pushchair": 1, "reduced_mobility": 0}
    body = client.get("/api/trails?town=aubenas&radius_km=3&lang=fr").get_json()
    validate(openapi, "/api/trails", body)
    assert [t["name"] for t in body["trails"]] == ["Le Bateau - Arlix"]
    assert body["filters"] == ["à moins de 3 km de Aubenas"]
    response = client.get("/api/trails?town=Aubenass&lang=en")
    assert response.status_code == 400 and "did you mean: Aubenas?" in response.get_json()["error"]


def test_names_and_texts_in_the_asked_language(client, app, data, db_path, openapi):
    """A real Geotrek trek (English name, ambiance) and real DATAtourisme POIs (English name, summary)."""
    from poi.importers import import_file
    from trails.geotrek import read_treks

    db = open_db(db_path)
    trek = next(iter(read_treks(data / "sources" / "geotrek" / "api-v2" / "trek.json")))
    trek.published = True
    trail_id = TrailStore(db).save(measure(trek))
    import_file(db, data / "sources" / "datatourisme" / "array_two-records_sample-and-chez-jeanne-cut.json",
                format="datatourisme")
    poi_id = next(p.id for p in PoiStore(db).all() if p.name == "Escapade Nature Test")
    db.conn.close()
    listed = client.get("/api/trails?lang=en").get_json()
    validate(openapi, "/api/trails", listed)
    assert listed["trails"][0]["name"] == "Loop of the pic of 3 lords"
    assert client.get("/api/trails?lang=fr").get_json()["trails"][0]["name"] == "Boucle du Pic des Trois Seigneurs"
    feature = client.get(f"/api/trails/{trail_id}?lang=en").get_json()
    validate(openapi, "/api/trails/{trail_id}", feature)
    assert feature["properties"]["name"] == "Loop of the pic of 3 lords"
    assert "Ambiance en" in feature["properties"]["description"]
    assert feature["properties"]["summary"].startswith("Un très joli point de vue")  # not translated: as written
    poi = client.get(f"/api/pois/{poi_id}?lang=en").get_json()
    validate(openapi, "/api/pois/{poi_id}", poi)
    assert poi["properties"]["name"] == "Nature Escape Test"
    assert poi["properties"]["summary"].startswith("Outdoor activity center")
    pois = client.get("/api/pois?q=escapade&lang=en").get_json()
    assert [f["properties"]["name"] for f in pois["features"]] == ["Nature Escape Test"]
    assert client.get(f"/api/pois/{poi_id}?lang=fr").get_json()["properties"]["name"] == "Escapade Nature Test"


def test_trails_json_is_cached_per_data_revision(client, catalogue, db_path, monkeypatch):
    """The JSON API is kept like the catalogue pages (issue 10): the same URL answers without a search until a
    change of the trails is committed, and the change shows at once."""
    from trails.filter_index import search
    from webapp import api

    searches = []
    monkeypatch.setattr(api, "search", lambda *a, **k: searches.append(1) or search(*a, **k))
    first = client.get("/api/trails?lang=en").get_json()
    assert client.get("/api/trails?lang=en").get_json() == first and len(searches) == 1
    assert client.get("/api/trails?lang=fr").status_code == 200 and len(searches) == 2  # another language
    db = open_db(db_path)
    TrailStore(db).set_published(catalogue["Le Bateau - Arlix"], False)
    db.conn.close()
    after = client.get("/api/trails?lang=en").get_json()
    assert after["total"] == first["total"] - 1 and len(searches) == 3
    db = open_db(db_path)  # staff remove a stop: the visit time of the circuit changes at once
    TrailStore(db).set_published(catalogue["Le Bateau - Arlix"], True)
    db.conn.close()
    client.get("/api/trails?lang=en")
    db = open_db(db_path)
    leg, [stop, *_others] = catalogue["Le Bateau - Arlix"], TrailStore(db).stops(catalogue["Le Bateau - Arlix"])
    TrailStore(db).set_stop_status(leg, stop.poi_id, "removed")
    db.conn.close()
    client.get("/api/trails?lang=en")
    assert len(searches) == 5


def test_deep_poi_pages_are_refused_with_the_way_out(client, catalogue):
    response = client.get("/api/pois?offset=150000&lang=en")
    assert response.status_code == 400
    assert ("offset goes up to 10000 here: page further with after=<the last id> (the next link of each answer), "
            "or narrow the list with bbox, q or category") in response.get_json()["error"]
    assert client.get("/api/pois?offset=10000").status_code == 200


def test_poi_lists_page_by_keyset_following_next_links(client, catalogue, db_path):
    """``after=<id>`` pages the lists by id however deep (an offset reads every POI it skips: 1.5 s at 150,000,
    issue 10); each answer's ``next`` link gives the next page, null after the last."""
    db = open_db(db_path)
    store = PoiStore(db)
    from poi.models import POI
    for i in range(7):  # more POIs, so that there are pages
        store.upsert(POI(name=f"Borne {i}", lon=4.3 + i / 1000, lat=44.6, category="information", source="osm",
                         source_id=f"node/9{i}", licence="ODbL 1.0", attribution=OSM))
    every = [p.id for p in store.all()]
    db.conn.close()
    openapi = client.get("/api/openapi.json").get_json()
    seen, url, pages = [], "/api/pois?limit=3&lang=en", 0
    while url is not None and pages < 10:
        body = client.get(url).get_json()
        validate(openapi, "/api/pois", body)
        seen += [f["id"] for f in body["features"]]
        url, pages = body["next"], pages + 1
        if url is not None:
            assert url.startswith("http://localhost/api/pois?") and "after=" in url and "limit=3" in url
    assert seen == sorted(every) and pages == -(-len(every) // 3) + (len(every) % 3 == 0)
    middle = client.get(f"/api/pois?after={every[4]}&limit=2").get_json()
    assert [f["id"] for f in middle["features"]] == every[5:7] and middle["after"] == every[4]
    assert client.get(f"/api/pois?after={every[-1]}").get_json()["features"] == []
    first_info = client.get("/api/pois?category=information&limit=1").get_json()
    assert first_info["next"] == f"http://localhost/api/pois?category=information&limit=1&after={first_info['features'][0]['id']}"
    searched = client.get("/api/pois?q=borne&limit=2").get_json()  # by relevance: next is an offset
    assert "offset=2" in searched["next"] and "after=" not in searched["next"]
    for bad in ("after=3&q=borne", "after=3&offset=2", "after=x", "after=%C2%B2", f"after={2**63}", "after=-1"):
        response = client.get(f"/api/pois?{bad}&lang=en")
        assert response.status_code == 400, bad
        assert response.get_json()["error"]


def test_poi_lists_and_circuit_features_are_cached_per_data_revision(client, catalogue, db_path, monkeypatch):
    from webapp import api

    finds, find_pois = [], api.find_pois
    monkeypatch.setattr(api, "find_pois", lambda *a, **k: finds.append(1) or find_pois(*a, **k))
    leg = catalogue["Le Bateau - Arlix"]
    first = client.get("/api/pois?limit=2&lang=en").get_json()
    feature = client.get(f"/api/trails/{leg}?lang=en").get_json()
    assert client.get("/api/pois?limit=2&lang=en").get_json() == first and len(finds) == 1
    db = open_db(db_path)
    PoiStore(db).update_fields(first["features"][0]["id"], name="Poteau renommé")
    db.conn.close()
    assert client.get("/api/pois?limit=2&lang=en").get_json()["features"][0]["properties"]["name"] == "Poteau renommé"
    assert len(finds) == 2
    names = [s["name"] for s in client.get(f"/api/trails/{leg}?lang=en").get_json()["properties"]["stops"]]
    assert "Poteau renommé" in names and names != [s["name"] for s in feature["properties"]["stops"]]
    poi_id = first["features"][0]["id"]
    assert client.get(f"/api/pois/{poi_id}").get_json()["properties"]["name"] == "Poteau renommé"
