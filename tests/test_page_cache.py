"""Cached public pages and JSON answers (issue 10): rendered once per URL, language and data revision, yet any
committed change shows at the next request, whoever made it (another connection, as the CLI or the editor would);
a cached circuit page carries each visitor's own CSRF token, so its feedback form still works.

Data: the real Cévennes circuits and Aubenas leg of tests/helpers.build_web_catalogue (tests/data/web/).
"""
from __future__ import annotations

import re

import pytest

from helpers import build_web_catalogue, open_db
from poi.store import PoiStore
from trails.store import TrailStore
from webapp import public
from webapp.feedback_store import Feedback, FeedbackStore
from webapp.pages_store import content_revision

LEG = "Le Bateau - Arlix"


@pytest.fixture
def ids(app, db_path):
    return build_web_catalogue(db_path)


@pytest.fixture
def renders(monkeypatch):
    """How many times each circuit page was really rendered."""
    counts: dict[int, int] = {}
    render = public._render_trail_page

    def counting(trail_id):
        counts[trail_id] = counts.get(trail_id, 0) + 1
        return render(trail_id)

    monkeypatch.setattr(public, "_render_trail_page", counting)
    return counts


def _leg(ids) -> int:
    return next(v for k, v in ids.items() if k.startswith(LEG))


def test_a_circuit_page_is_rendered_once_per_language_and_data_revision(client, ids, renders):
    tid = _leg(ids)
    first = client.get(f"/trails/{tid}?lang=en").get_data(as_text=True)
    for _ in range(3):
        assert client.get(f"/trails/{tid}?lang=en").get_data(as_text=True) == first
    assert renders == {tid: 1}
    french = client.get(f"/trails/{tid}?lang=fr").get_data(as_text=True)
    assert renders == {tid: 2} and '<html lang="fr">' in french and french != first
    assert client.get("/trails/999999").status_code == 404 and client.get("/trails/999999").status_code == 404


def test_every_committed_change_shows_at_the_next_request(client, ids, db_path, renders):
    tid = _leg(ids)
    assert ">Arlix</a>" in client.get(f"/trails/{tid}?lang=en").get_data(as_text=True)
    poi_id = ids["poi"]["Arlix"]
    other = open_db(db_path)  # another connection: the CLI or the editor in another thread
    try:
        PoiStore(other).update_fields(poi_id, name="Poteau du Moulin de Mayres")
        assert "Poteau du Moulin de Mayres" in client.get(f"/trails/{tid}?lang=en").get_data(as_text=True)
        feedback = FeedbackStore(other)
        fid = feedback.add(Feedback(trail_id=tid, kind="review", rating=4, comment="Belle balade au bord de l'eau",
                                    client="c"))
        assert "Belle balade" not in client.get(f"/trails/{tid}?lang=en").get_data(as_text=True)  # pending
        feedback.set_status(fid, "approved", by="marie")
        assert "Belle balade" in client.get(f"/trails/{tid}?lang=en").get_data(as_text=True)
        TrailStore(other).set_published(tid, False)
        assert client.get(f"/trails/{tid}?lang=en").status_code == 404
    finally:
        other.conn.close()
    assert renders[tid] == 5  # once per change (the last one a 404), not once per request


def test_usage_counts_do_not_empty_the_caches(client, ids, db_path):
    """Every visit is counted in the same database: the revision the caches are keyed on must not move."""
    tid = _leg(ids)
    db = open_db(db_path)
    before = content_revision(db)
    for _ in range(3):
        client.get(f"/trails/{tid}")
        client.get(f"/trails/{tid}.gpx")
    with client.application.app_context():
        from webapp.figures import write_counts
        assert write_counts() == 6
    assert content_revision(db) == before
    db.conn.close()


def test_a_cached_circuit_page_carries_each_visitors_own_csrf_token_and_its_form_works(app, ids):
    tid = _leg(ids)
    tokens = []
    for _ in range(2):
        visitor = app.test_client()
        html = visitor.get(f"/trails/{tid}?lang=en").get_data(as_text=True)
        assert public.CSRF_MARK not in html
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        tokens.append(token)
        response = visitor.post(f"/trails/{tid}/feedback", data={"kind": "review", "rating": "5", "comment": "Très bien",
                                                          "csrf_token": token})
        assert response.status_code in (302, 303) and "/feedback/thanks" in response.headers["Location"]
    assert tokens[0] != tokens[1]
    with app.app_context():
        from webapp import db
        assert len(FeedbackStore(db.get_db()).messages("pending", trail_id=tid)) == 2
    assert len(re.findall(r'name="csrf_token"', html)) == 1


def test_a_poi_page_is_cached_until_the_poi_changes(client, ids, db_path, monkeypatch):
    renders = []
    render = public._render_poi_page
    monkeypatch.setattr(public, "_render_poi_page", lambda poi_id: renders.append(poi_id) or render(poi_id))
    poi_id = ids["poi"]["Arlix"]
    first = client.get(f"/pois/{poi_id}?lang=en").get_data(as_text=True)
    assert client.get(f"/pois/{poi_id}?lang=en").get_data(as_text=True) == first and renders == [poi_id]
    other = open_db(db_path)
    PoiStore(other).update_fields(poi_id, summary="Poteau au bord de l'Ardèche")
    other.conn.close()
    assert "Poteau au bord de l&#39;Ardèche" in client.get(f"/pois/{poi_id}?lang=en").get_data(as_text=True)
    assert renders == [poi_id, poi_id]


def test_every_content_table_keeps_its_revision_triggers(db_path):
    """A migration that rebuilds one of these tables drops its triggers, and the caches would then miss its
    changes: a fresh database, migrated to the end, has the three triggers of each table."""
    from webapp.pages_store import CONTENT_TABLES

    db = open_db(db_path)
    triggers = {(table, name) for name, table in db.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'content_revision_%'")}
    db.conn.close()
    assert triggers == {(t, f"content_revision_{t}_{op}") for t in CONTENT_TABLES for op in ("insert", "update",
                                                                                           "delete")}
