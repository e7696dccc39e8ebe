"""Malformed numbers and ids (issue 10): every route answers 400/404 with a reason, every command exits 2 with
one line, never a 500 or a traceback. Each case is one of the issue's reproductions. Data: the real circuits of
helpers.build_web_catalogue; the nested JSON files are generated (a real source is never 100,000 levels deep).
"""
from __future__ import annotations

import pytest

from helpers import one_line_error
from test_feedback import login, staff, token  # noqa: F401  (fixture)
from test_api import catalogue  # noqa: F401  (fixture)

from poi.i18n import language
from webapp.cli import cli
from webapp.params import ID_MAX, ParamError, parse_id, whole_number

TOO_BIG = str(ID_MAX + 1)
MANY_DIGITS = "9" * 5000


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("42", 42), (" 7 ", 7), (str(ID_MAX), ID_MAX), (TOO_BIG, None), ("²", None), ("٣", None),
    ("-1", None), ("+1", None), ("1e3", None), ("", None), (MANY_DIGITS, None), ("0x10", None), ("1_000", None),
])
def test_parse_id_takes_ascii_digits_below_2_63(text, expected):
    assert parse_id(text) == expected


def test_whole_number_says_the_bounds_and_quotes_a_short_value():
    with language("en"), pytest.raises(ParamError) as e:
        whole_number(MANY_DIGITS, name="offset", low=0, high=100)
    assert "offset must be a whole number from 0 to 100" in str(e.value) and len(str(e.value)) < 120


# -- the web ----------------------------------------------------------------------------------------------------
BAD_QUERIES = ["/?page=²", "/?page=٣", "/?page=0", f"/?page={MANY_DIGITS}", f"/?page={TOO_BIG}",
               "/api/trails?limit=²", "/api/trails?offset=²", f"/api/trails?offset={TOO_BIG}",
               "/api/pois?limit=²", "/api/pois?offset=²", f"/api/pois?limit={MANY_DIGITS}",
               "/embed?limit=²", f"/embed?limit={TOO_BIG}",
               f"/?max_duration={MANY_DIGITS}", f"/?min_duration={MANY_DIGITS}", "/?max_duration=²",
               f"/api/trails?max_duration={MANY_DIGITS}", f"/embed?max_duration={MANY_DIGITS}"]


@pytest.mark.parametrize("url", BAD_QUERIES)
def test_malformed_numbers_in_queries_answer_400_with_a_reason(client, catalogue, url):  # noqa: F811
    response = client.get(url + "&lang=en" if "?" in url else url)
    assert response.status_code == 400, url
    text = response.get_data(as_text=True)
    assert "must be a whole number" in text or "cannot read the duration" in text
    assert "Traceback" not in text


ID_ROUTES = ["/trails/{id}", "/trails/{id}.gpx", "/trails/{id}/bundle/", "/trails/{id}/bundle/index.html",
             "/trails/{id}/bundle.zip", "/trails/{id}/qr.png", "/trails/{id}/qr.svg", "/trails/{id}/poster.svg",
             "/trails/{id}/feedback", "/trails/{id}/feedback/thanks", "/pois/{id}", "/api/trails/{id}",
             "/api/pois/{id}"]


@pytest.mark.parametrize("value", [TOO_BIG, MANY_DIGITS[:40], "٣"])
@pytest.mark.parametrize("route", ID_ROUTES)
def test_ids_beyond_2_63_or_not_ascii_are_not_found(client, catalogue, route, value):  # noqa: F811
    assert client.get(route.format(id=value)).status_code == 404
    if route == "/trails/{id}/feedback":
        assert client.post(route.format(id=value)).status_code == 404


STAFF_ROUTES = [("post", "/editor/feedback/{id}"), ("get", "/editor/feedback/{id}/photo"),
                ("get", "/editor/trails/{id}"), ("get", "/editor/trails/{id}/stops"),
                ("get", "/editor/trails/{id}/history"), ("get", "/editor/trails/{id}/history/{id}"),
                ("get", "/editor/trails/{id}/preview")]


@pytest.mark.parametrize("method, route", STAFF_ROUTES)
def test_staff_routes_answer_404_for_ids_beyond_2_63(client, catalogue, staff, method, route):  # noqa: F811
    login(client)
    assert getattr(client, method)(route.format(id=TOO_BIG)).status_code == 404


def test_adding_a_stop_with_a_huge_poi_id_is_a_400(client, catalogue, staff):  # noqa: F811
    login(client)
    leg = catalogue["Le Bateau - Arlix"]
    response = client.post(f"/editor/trails/{leg}/stops/add",
                           data={"poi_id": TOO_BIG, "csrf_token": token(client, f"/editor/trails/{leg}/stops")})
    assert response.status_code == 400
    assert client.get(f"/editor/trails/{leg}/stops?moved={TOO_BIG}").status_code == 200


# -- the command line -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["trails", "--max-duration", MANY_DIGITS], ["trails", "--max-duration", "²"],
    ["trails", "--limit", TOO_BIG], ["trails", "--limit", "²"], ["trails", "--offset", MANY_DIGITS],
    ["export", "gpx", TOO_BIG, "--out", "x.gpx"], ["export", "bundle", TOO_BIG, "--out", "b"],
    ["export", "geojson", TOO_BIG, "--out", "x.geojson"],
    ["export", "qr", TOO_BIG, "--url", "https://example.org/t/1", "--out", "x.png"],
    ["export", "gpx", "1", "--max-points", MANY_DIGITS, "--out", "x.gpx"],
    ["poi", "sources", TOO_BIG], ["poi", "merge", TOO_BIG, "1"], ["poi", "merge", "1", "²"],
    ["trail", "route", TOO_BIG, "1", "--name", "x"],
])
def test_cli_bad_numbers_exit_2_with_one_line(runner, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(runner.invoke(cli, ["--lang", "en", *args]))
    assert line.startswith("balise: error: ")


@pytest.mark.parametrize("args", [["poi", "import", "{path}", "--format", "geojson"],
                                  ["poi", "import", "{path}", "--format", "datatourisme"],
                                  ["poi", "import", "{path}", "--format", "geotrek"],
                                  ["poi", "import", "{path}", "--format", "apidae"],
                                  ["poi", "import", "{path}", "--format", "tourinsoft"],
                                  ["trail", "import", "{path}", "--format", "schema_randonnee"],
                                  ["trail", "import", "{path}", "--format", "geotrek"],
                                  ["trail", "import", "{path}", "--format", "apidae"]])
@pytest.mark.parametrize("nesting", ['{{"type": "FeatureCollection", "features": [{0}1{1}]}}',
                                     '{{"results": [{0}1{1}]}}', "{0}1{1}"])
def test_deeply_nested_json_is_one_line_not_a_recursion_error(runner, tmp_path, db_path, args, nesting):
    path = tmp_path / "nested.json"
    path.write_text(nesting.format("[" * 100_000, "]" * 100_000), encoding="utf-8")
    result = runner.invoke(cli, ["--lang", "en", *[a.format(path=path) for a in args]])
    line = one_line_error(result)
    assert "nested.json" in line
