"""``GET /api/loops`` (webapp.loops_api) on the real Monaco POIs and path network (tests/data/sources/osm)."""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from webapp import loops_api

from helpers import copy_db

CASINO = "43.7384,7.4197"


@pytest.fixture
def db_path(monaco_file, tmp_path) -> Path:
    """A copy of Monaco's POIs and path network (conftest)."""
    return copy_db(monaco_file, tmp_path)


@pytest.fixture(autouse=True)
def empty_cache():
    loops_api._cache.clear()
    yield
    loops_api._cache.clear()


def validate(client, body: dict, status: str = "200") -> None:
    doc = client.get("/api/openapi.json").get_json()
    schema = doc["paths"]["/api/loops"]["get"]["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).validate(body)


def test_loops_are_composed_as_described_by_openapi(client):
    r = client.get(f"/api/loops?from={CASINO}&duration=1h&variants=2&seed=1")
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    body = r.get_json()
    validate(client, body)
    assert body["duration_min"] == 60 and 1 <= len(body["loops"]) <= 2
    best = body["loops"][0]
    assert abs(best["duration_min"] - 60) <= 9 and best["heritage_stop_count"] == len(best["stop_ids"]) > 0
    assert "id" not in best
    coords = best["geometry"]["coordinates"]
    assert coords[0][:2] == coords[-1][:2]


def test_cached_answers_do_not_count_against_the_limit(client, app):
    app.config["LOOPS_MAX_PER_HOUR"] = 1
    url = f"/api/loops?from={CASINO}&duration=45&variants=1"
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200 and first.get_json() == again.get_json()
    other = client.get(f"/api/loops?from={CASINO}&duration=50&variants=1&lang=en")
    assert other.status_code == 429 and int(other.headers["Retry-After"]) > 0
    assert "too many loops" in other.get_json()["error"]
    validate(client, other.get_json(), "429")


@pytest.mark.parametrize("query, status, message", [
    ("duration=1h", 400, "from is required"),
    (f"from={CASINO}", 400, "duration is required"),
    (f"from={CASINO}&duration=2x", 400, "2x"),
    (f"from={CASINO}&duration=1h&variants=9", 400, "variants"),
    (f"from={CASINO}&duration=1h&tolerance=abc", 400, "tolerance"),
    (f"from={CASINO}&duration=1h&objective=views", 400, "objective"),
    ("from=poi:99999&duration=1h", 404, "99999"),
])
def test_bad_requests_get_a_json_reason(client, query, status, message):
    r = client.get(f"/api/loops?{query}&lang=en")
    assert r.status_code == status and message in r.get_json()["error"]


def test_when_no_loop_fits_the_answer_says_why(client):
    """8 h from the Casino: Monaco's streets end at the border of the extract, so no loop is within 15 %; the
    answer's ``note`` (and each loop's ``fit_note``) says why, in the asked language, as OpenAPI describes."""
    body = client.get(f"/api/loops?from={CASINO}&duration=8h&variants=2&seed=1&lang=en").get_json()
    validate(client, body)
    assert body["note"].startswith("no loop within 15 % of 8 h was found: the nearest lasts ")
    assert all(not lp["fits"] and lp["fit_note"] for lp in body["loops"])
    french = client.get(f"/api/loops?from={CASINO}&duration=8h&variants=2&seed=1&lang=fr").get_json()
    assert french["note"].startswith("aucune boucle à 15 % près de 8 h n'a été trouvée")
    fits = client.get(f"/api/loops?from={CASINO}&duration=1h&variants=1&seed=1").get_json()
    assert fits["note"] == "" and fits["loops"][0]["fits"] is True
