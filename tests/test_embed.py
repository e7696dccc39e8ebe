"""The embed widget (/embed) and its help page (/embed/help). Data: the ``catalogue`` fixture of tests/test_api.py."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from test_api import catalogue  # noqa: F401  (fixture)
from helpers import page_shows


def names(page: str) -> list[str]:
    return [htmllib.unescape(n) for n in re.findall(r'<h2><a href="[^"]+" target="_blank" rel="noopener">([^<]+)</a>',
                                                   page)]


def test_widget_lists_published_trails_self_contained(client, catalogue):  # noqa: F811
    response = client.get("/embed?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert sorted(names(page)) == sorted(["Château du Tournel", "Mas cévenol de La Roquette", "Les 4000 marches",
                                          "Le Bateau - Arlix"])
    # no third-party (nor any external) resource: no src/href to a stylesheet or script file at all
    assert not re.search(r"<(?:script|img|link)[^>]+(?:src|href)=", page)
    assert "<style nonce=" in page and "<script nonce=" in page
    assert 'name="viewport"' in page
    # links open the circuit pages outside the frame, as absolute URLs
    tid = catalogue["Le Bateau - Arlix"]
    assert f'href="http://localhost/trails/{tid}" target="_blank" rel="noopener"' in page


@pytest.mark.parametrize("lang, title", [("en", "Walking trails"), ("fr", "Circuits de randonnée")])
def test_widget_has_one_level_one_heading_for_screen_readers(client, catalogue, lang, title):  # noqa: F811
    page = client.get(f"/embed?lang={lang}").get_data(as_text=True)
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == [title]
    assert '<h1 class="visually-hidden">' in page and ".visually-hidden {" in page


def test_widget_may_be_framed_by_any_site_other_pages_not(client, catalogue):  # noqa: F811
    response = client.get("/embed")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "X-Frame-Options" not in response.headers
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp).group(1)
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    assert nonce != re.search(r"'nonce-([^']+)'", client.get("/embed").headers["Content-Security-Policy"]).group(1)
    tid = catalogue["Le Bateau - Arlix"]
    for path in ("/", f"/trails/{tid}", "/embed/help", "/api/trails"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"], path


@pytest.mark.parametrize("query, expected", [
    ("commune=Aubenas", ["Le Bateau - Arlix"]),
    ("commune=aubenas", ["Le Bateau - Arlix"]),  # case and accents ignored
    ("commune=saint julien du tournel", ["Château du Tournel"]),
    ("commune=Molezon", ["Mas cévenol de La Roquette"]),
    ("commune=Florac", []),  # the VTT circuit through Florac is not published
    ("commune=Saint", ["Château du Tournel", "Les 4000 marches"]),
    ("commune=Nowhere", []),
    ("difficulty=hard", ["Les 4000 marches"]),
    ("theme=Eau et géologie", ["Le Bateau - Arlix", "Mas cévenol de La Roquette"]),
    ("near=44.501022,3.702861&radius_km=2", ["Château du Tournel"]),
    ("limit=1", ["Château du Tournel"]),
])
def test_widget_filters(client, catalogue, query, expected):  # noqa: F811
    assert names(client.get(f"/embed?{query}").get_data(as_text=True)) == expected


def test_widget_more_link_and_counts(client, catalogue):  # noqa: F811
    page = client.get("/embed?limit=2&lang=en").get_data(as_text=True)
    assert len(names(page)) == 2 and "See all 4 trails" in page
    assert 'href="http://localhost/" target="_blank"' in page
    page = client.get("/embed?commune=Aubenas&lang=en").get_data(as_text=True)
    assert 'href="http://localhost/?q=Aubenas&amp;lang=en"' in page
    assert "© OpenStreetMap contributors" in page  # the data is credited


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "difficulty=extreme", "near=here"])
def test_widget_bad_parameters_are_400(client, catalogue, query):  # noqa: F811
    assert client.get(f"/embed?{query}").status_code == 400


def test_widget_names_are_escaped(client, catalogue, db_path):  # noqa: F811
    from helpers import open_db
    from trails.store import TrailStore

    store = TrailStore(open_db(db_path))
    trail = store.get(catalogue["Le Bateau - Arlix"])
    trail.name, trail.commune = '<img src=x onerror=alert(1)>', '"><script>alert(2)</script>'
    store.save(trail)
    page = client.get("/embed").get_data(as_text=True)
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_help_page_gives_the_snippet_for_the_filters(client, catalogue):  # noqa: F811
    response = client.get("/embed/help?commune=Aubenas&limit=5&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    code = htmllib.unescape(re.search(r'<textarea[^>]*class="embed-code">(.*?)</textarea>', page, re.S).group(1))
    assert code.startswith('<iframe src="http://localhost/embed?commune=Aubenas&amp;limit=5"')
    assert 'title="Walking trails: Aubenas"' in code and 'e.origin!=="http://localhost"' in code
    assert "1 trail matches today." in page
    assert '<iframe src="/embed?commune=Aubenas&amp;limit=5"' in page  # the preview
    page_shows(client.get("/embed/help?lang=en"), "Put the trails on your website", '<textarea')


def test_catalogue_links_to_the_help_page_with_its_filters(client, catalogue):  # noqa: F811
    page = client.get("/?difficulty=hard&page=1&lang=en").get_data(as_text=True)
    assert 'href="/embed/help?difficulty=hard&amp;lang=en"' in page and "Put these trails on your website" in page
