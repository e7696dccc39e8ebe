"""One filter registry (trails.filters.FILTERS): the CLI options of `balise trails`, the catalogue form, the API,
OpenAPI and the embed widget are derived from it, so a filter is added in one place.

Test data: the real Cévennes circuits and Aubenas leg of tests/data/web/ (helpers.build_web_catalogue).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

import trails.filters as registry
from poi.i18n import catalogue as translations
from trails.filter_params import Param
from trails.filters import FILTERS, LengthRange, form_filters, query_params
from webapp.cli import cli
from webapp.commands import trails_list
from webapp.embed import param_names

from helpers import build_web_catalogue

#: What each surface has besides the filters' parameters.
CLI_OWN = {"sort", "limit", "offset", "as_json", "facets", "db_path"}
API_OWN = {"sort", "limit", "offset", "lang"}
FORM_OWN = {"lang", "sort"}
EMBED_OWN = {"commune", "limit", "lang"}


@dataclass(frozen=True, slots=True)
class WalkRange(LengthRange):
    """A filter Balise does not have, registered by a test: the length walked, in km."""

    key = "walk"
    param_keys = ("min_walk_km", "max_walk_km")
    reads = (Param("min_walk_km", "At least this many kilometres walked.", "number", "KM"),
             Param("max_walk_km", "At most this many kilometres walked.", "number", "KM"))
    widget, legend, form_order = "range", "Walked (km)", 25


@pytest.fixture
def walk_filter(monkeypatch):
    """WalkRange added to the registry, and nowhere else (the CLI command is rebuilt as at start-up)."""
    monkeypatch.setattr(registry, "FILTERS", registry.FILTERS + (WalkRange,))
    monkeypatch.setattr(registry, "FILTERS_BY_KEY", {**registry.FILTERS_BY_KEY, WalkRange.key: WalkRange})
    monkeypatch.setitem(cli.commands, "trails", trails_list.trails_command())
    return WalkRange


@pytest.fixture
def catalogue(app, db_path):
    return build_web_catalogue(db_path)


def public_names() -> set[str]:
    return {p.name for p in query_params()}


def cli_names() -> set[str]:
    return {p.name for p in cli.get_command(None, "trails").params} - CLI_OWN  # loaded when first asked for


def api_names(client) -> set[str]:
    doc = client.get("/api/openapi.json").get_json()
    return {p["name"] for p in doc["paths"]["/api/trails"]["get"]["parameters"]} - API_OWN


def form_names(html: str) -> set[str]:
    form = html[html.index('<form class="filters"'):html.index("</form>")]
    return set(re.findall(r'\bname="(\w+)"', form)) - FORM_OWN


# -- every registry entry is on every surface, and nothing else is --------------------------------------------
def test_the_cli_options_are_the_filters_parameters():
    assert cli_names() == {p.name for p in query_params(staff=True)}


def test_openapi_documents_exactly_the_public_filters_parameters(client):
    assert api_names(client) == public_names()


def test_the_embed_widget_takes_exactly_the_public_filters_parameters():
    assert set(param_names()) - EMBED_OWN == public_names()


def test_the_catalogue_form_has_a_field_for_every_public_filter(client, catalogue):
    html = client.get("/").get_data(as_text=True)
    names = form_names(html)
    assert names <= public_names()
    for f in FILTERS:
        public = {p.name for p in f.reads if not p.staff}
        assert not public or f.widget, f"{f.__name__} has public parameters but no field in the form"
        assert not public or names & public, f"{f.__name__} is not in the catalogue form"
    assert {"q", "min_duration", "min_length_km", "max_ascent", "difficulty", "theme", "town"} <= names


def test_form_legends_have_french_translations():
    fr = translations("fr")
    assert all(f.legend in fr for f in form_filters()), [f.legend for f in form_filters() if f.legend not in fr]


def test_the_canonical_order_is_the_registry_order():
    fs = registry.FilterSet.from_params({"q": "moulin", "theme": "eau", "max_duration": "2h", "loop": "1",
                                         "near": "44.2,3.7"}, staff=True)
    assert [f.key for f in fs] == ["duration", "theme", "route_type", "near", "q"]
    assert list(registry.FILTERS_BY_KEY) == [f.key for f in FILTERS]


# -- a filter added to the registry appears everywhere ------------------------------------------------------------
def test_a_new_filter_shows_in_the_cli_help_and_filters_the_list(walk_filter, catalogue, runner, db_path):
    help_text = runner.invoke(cli, ["trails", "--help"]).output
    assert "--max-walk-km KM" in help_text and "At most this many kilometres walked." in help_text
    result = runner.invoke(cli, ["--db", str(db_path), "trails", "--max-walk-km", "2", "--json", "--facets"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["filters"] == ["under 2 km"]
    assert sorted(t["name"] for t in data["trails"]) == ["Château du Tournel", "Le Bateau - Arlix"]


def test_a_new_filter_shows_in_the_catalogue_form_and_filters_the_page(walk_filter, client, catalogue):
    html = client.get("/").get_data(as_text=True)
    assert {"min_walk_km", "max_walk_km"} <= form_names(html) and "Walked (km)" in html
    page = client.get("/?max_walk_km=2&lang=en").get_data(as_text=True)
    assert "Filters: under 2 km" in page and "2 trails" in page and "Les 4000 marches" not in page


def test_a_new_filter_shows_in_the_api_and_openapi(walk_filter, client, catalogue):
    assert {"min_walk_km", "max_walk_km"} <= api_names(client)
    body = client.get("/api/trails?max_walk_km=2&lang=en").get_json()
    assert body["filters"] == ["under 2 km"] and body["total"] == 2
    assert client.get("/api/trails?max_walk_km=two").status_code == 400


def test_a_new_filter_shows_in_the_embed_widget(walk_filter, client, catalogue):
    assert {"min_walk_km", "max_walk_km"} <= set(param_names())
    widget = client.get("/embed?max_walk_km=2").get_data(as_text=True)
    assert "Château du Tournel" in widget and "Les 4000 marches" not in widget
    assert "max_walk_km=2" in client.get("/embed/help?max_walk_km=2").get_data(as_text=True)
