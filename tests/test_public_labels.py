"""No public page of the demo shows a raw code (``military_heritage``, ``very_easy``...), in French or in
English (issue 14: the Palais princier's page showed ``military_heritage`` in both languages); POI pages name
the circuits that pass them.

Data: the demo catalogue built from data/ (webapp.demo.build_demo), every published circuit page, every POI
page and the catalogue, in both languages.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from helpers import open_db
from poi.categories import THEMES
from poi.models import CATEGORIES
from trails.filter_params import LABELS
from trails.store import TrailStore
from webapp.demo import build_demo

#: Codes people must never read: every code with an underscore (themes, levels, practices, route types...).
CODES = sorted({c for c in [*THEMES, *LABELS, *CATEGORIES] if "_" in c})
RAW = re.compile(r"\b(" + "|".join(map(re.escape, CODES)) + r")\b")


class _Text(HTMLParser):
    """The text a visitor reads: outside scripts and styles, plus alt/title/aria-label/placeholder."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from webapp import create_app

    path = tmp_path_factory.mktemp("demo") / "balise.db"
    db = open_db(path)
    build_demo(db)
    trails = [t.id for t in TrailStore(db).all(published_only=True)]
    pois = [r[0] for r in db.execute("SELECT id FROM pois ORDER BY id").fetchall()]
    db.conn.close()
    app = create_app({"DATABASE": str(path), "TESTING": True, "SECRET_KEY": "test"})
    return app.test_client(), trails, pois


def test_codes_scanned_are_the_ones_people_saw():
    assert "military_heritage" in CODES and "very_easy" in CODES and "fauna_flora" in CODES
    assert RAW.search("Thèmes : military_heritage") and not RAW.search("patrimoine militaire")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_public_page_of_the_demo_shows_a_raw_code(demo, lang):
    client, trails, pois = demo
    urls = ["/", *(f"/trails/{t}" for t in trails), *(f"/pois/{p}" for p in pois)]
    assert len(urls) > 1200
    found = {}
    for url in urls:
        r = client.get(url, query_string={"lang": lang})
        assert r.status_code == 200, url
        hit = RAW.search(visible_text(r.get_data(as_text=True)))
        if hit:
            found[url] = hit.group(0)
    assert not found, f"{len(found)} pages show raw codes, e.g. {list(found.items())[:5]}"


def test_the_palace_page_names_its_themes_and_the_circuits_that_pass_it(demo):
    client, _, _ = demo
    html_fr = None
    for url in (f"/pois/{p}" for p in demo[2]):
        page = client.get(url, query_string={"lang": "fr"}).get_data(as_text=True)
        if "<h1>Palais Princier de Monaco</h1>" in page:
            html_fr, palace = page, url
            break
    assert html_fr is not None
    assert "patrimoine militaire" in visible_text(html_fr)
    assert "Circuits qui passent ici" in html_fr and "Monaco-Ville" in html_fr
    html_en = client.get(palace, query_string={"lang": "en"}).get_data(as_text=True)
    assert "military heritage" in visible_text(html_en) and "Circuits that pass here" in html_en
