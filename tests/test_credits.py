"""Credits of circuits and POIs: a circuit created in the editor is credited to the ``ORGANISATION`` config key;
an empty attribution prints no author (never "unknown author").

Data: the real OSM leg "Le Bateau - Arlix" and its guideposts (tests/data/web/README.md), through the
editor fixtures of tests/test_editor.py.
"""
from __future__ import annotations

import re

import pytest

from poi.models import POI
from poi.store import PoiStore
from trails.store import TrailStore

from test_editor import OSM, accounts, aubenas, create, editor, fast_hashes, post  # noqa: F401  (fixtures)

from helpers import open_db


def create_published(client, gpx: bytes) -> int:
    trail_id = create(client, gpx)
    assert post(client, f"/editor/trails/{trail_id}/publish", {"published": "1"}).status_code == 302
    return trail_id


def credits_section(html: str) -> str:
    return re.search(r'<section[^>]*aria-labelledby="credits-title".*?</section>', html, re.S).group(0)


def test_a_circuit_created_in_the_editor_is_credited_to_the_organisation(app, editor, aubenas, db_path):
    app.config["ORGANISATION"] = "  Office de tourisme du Bassin d'Aubenas "
    trail_id = create_published(editor, aubenas)
    assert TrailStore(open_db(db_path)).get(trail_id).attribution == "Office de tourisme du Bassin d'Aubenas"
    html = editor.get(f"/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert "Trail: Office de tourisme du Bassin d&#39;Aubenas" in credits_section(html)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_without_organisation_the_credits_name_no_unknown_author(app, editor, aubenas, db_path, lang):
    assert app.config["ORGANISATION"] == ""  # the default
    trail_id = create_published(editor, aubenas)
    assert TrailStore(open_db(db_path)).get(trail_id).attribution == ""
    html = editor.get(f"/trails/{trail_id}?lang={lang}").get_data(as_text=True)
    credits = credits_section(html)
    assert "unknown author" not in html and "auteur inconnu" not in html
    assert not re.search(r"(Trail|Circuit)\s*:", credits)  # no line with nothing after its label
    assert f"{OSM} — ODbL 1.0" in credits  # the POIs' credits stay
    poi_id = PoiStore(open_db(db_path)).upsert(POI(name="Croix sans source", lon=4.39, lat=44.62, category="cross"))
    html = editor.get(f"/pois/{poi_id}?lang={lang}").get_data(as_text=True)
    assert "unknown author" not in html and "auteur inconnu" not in html and 'id="credits-title"' not in html


def test_credits_are_escaped(app, editor, aubenas, db_path):
    app.config["ORGANISATION"] = "<b>Office</b>"
    trail_id = create_published(editor, aubenas)
    html = editor.get(f"/trails/{trail_id}?lang=en").get_data(as_text=True)
    assert "Trail: &lt;b&gt;Office&lt;/b&gt;" in credits_section(html)
