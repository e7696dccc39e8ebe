"""The demo builder's walks and GPX files (tools/demo_paths.py): searched with the project's router, written by
the project's GPX exporter, read back by ``balise demo`` with their summary apart from their credits.

Data: the demo's own GPX files (data/, built from the shared datasets by tools/build_demo_data.py; sources and
licences in data/README.md) and small networks made here.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from poi.geo import geodesic_length_m
from poi.resources import resource
from tools.demo_paths import edge, long_paths
from trails.gpx_in import read_trace
from webapp.demo import gpx_trail

GPX = "{http://www.topografix.com/GPX/1/1}"
HUB = (4.39, 44.62)


def arm(index: int, end: str, dlon: float) -> tuple:
    """An edge from the hub to ``end``, ``dlon`` degrees east (or west) of it."""
    coords = [HUB, (HUB[0] + dlon, HUB[1])]
    return edge(index, "hub", end, coords, geodesic_length_m(coords))


@pytest.fixture
def star():
    """Three arms from one hub: about 3.2 km east, 1.6 km west, 0.8 km west again (another way)."""
    return [arm(0, "east", 0.04), arm(1, "west", -0.02), arm(2, "west-2", -0.01)]


def test_the_longest_walk_comes_first_and_its_edges_are_not_walked_again(star):
    walks = long_paths(star, 500.0)
    assert [sorted(i for i, _ in w) for w in walks] == [[0, 1], [2]]
    first = walks[0]
    ends = [(star[i].from_node, star[i].to_node)[:: 1 if forward else -1] for i, forward in first]
    assert all(a[1] == b[0] for a, b in zip(ends, ends[1:])), f"not one walk: {ends}"


def test_walks_shorter_than_the_minimum_are_left_out(star):
    assert [sorted(i for i, _ in w) for w in long_paths(star, 1000.0)] == [[0, 1]]
    assert long_paths(star, 10_000.0) == [] and long_paths([], 1.0) == []


@pytest.mark.parametrize("folder", ["andorra_gr_sections", "ardeche_aubenas_walks"])
def test_demo_gpx_files_are_the_exporters_with_credits_and_a_summary_of_their_own(folder):
    files = sorted(resource("data").joinpath(folder).glob("*.gpx"))
    assert len(files) >= 10
    for path in files:
        root = ET.parse(path).getroot()
        assert root.get("creator") == "Balise tools/build_demo_data.py"
        licence = root.find(f"{GPX}metadata/{GPX}copyright/{GPX}license")
        assert licence is not None and licence.text == "https://opendatacommons.org/licenses/odbl/1-0/", path.name
        entry = {"path": f"{folder}/{path.name}", "source": "osm", "licence": "ODbL 1.0",
                 "attribution": "© OpenStreetMap contributors"}
        trail = gpx_trail(resource("data"), entry)
        assert trail.summary and "OpenStreetMap contributors" not in trail.summary, path.name
        assert "OpenStreetMap contributors" in read_trace(path).description  # the file keeps its credits
