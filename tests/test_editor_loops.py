"""Editor page "Suggest loops" (webapp.editor_loops) on the real Monaco POIs and path network."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from trails.store import TrailStore

from helpers import english, open_db  # noqa: F401 - english is an autouse fixture

URL = "/editor/trails/loops"
CASINO = "43.7384,7.4197"


@pytest.fixture
def db_path(monaco_staff_db) -> Path:
    return monaco_staff_db  # Monaco's POIs and paths, and the editor account (conftest)


def trail_count(db_path) -> int:
    db = open_db(db_path)
    n = TrailStore(db).count()
    db.conn.close()
    return n


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_the_new_trail_page_links_to_suggestions(editor):
    assert URL in editor.get("/editor/trails/new").get_data(as_text=True)


def test_staff_pick_a_suggested_loop_and_get_an_unpublished_trail(editor, db_path):
    query = {"from": CASINO, "duration": "1h", "practice": "walking", "seed": "1"}
    html = editor.get(URL, query_string=query).get_data(as_text=True)
    variants = re.findall(r'<li data-loop="(\d+)">', html)
    assert 1 <= len(variants) <= 3 and "Heritage stops:" in html
    assert trail_count(db_path) == 0  # suggesting stores nothing
    with editor.session_transaction() as s:
        token = s["csrf"]
    r = editor.post(URL, data={**query, "csrf_token": token, "name": "Boucle du Casino", "action": "create:0"})
    assert r.status_code == 302 and "/stops" in r.headers["Location"]
    db = open_db(db_path)
    [trail] = TrailStore(db).all()
    revisions = db.execute("SELECT action FROM revisions WHERE trail_id = ?", [trail.id]).fetchall()
    db.conn.close()
    assert trail.name == "Boucle du Casino" and not trail.published and trail.route_type == "loop"
    assert [r[0] for r in revisions] == ["create"]


def test_a_bad_start_is_shown_and_nothing_is_stored(editor, db_path):
    r = editor.get(URL, query_string={"from": "Atlantis", "duration": "1h"})
    assert r.status_code == 400 and "Atlantis" in r.get_data(as_text=True)
    assert trail_count(db_path) == 0


def test_create_needs_the_csrf_token(editor, db_path):
    r = editor.post(URL, data={"from": CASINO, "duration": "1h", "action": "create:0"})
    assert r.status_code == 400 and trail_count(db_path) == 0


def test_suggestions_say_why_none_fits_the_duration(editor):
    html = editor.get(URL, query_string={"from": CASINO, "duration": "8h", "seed": "1"}).get_data(as_text=True)
    assert re.search(r'data-note="request">no loop within 15 % of 8 h was found: the nearest lasts', html)
    assert re.search(r"\d+ min start and finish", html)
