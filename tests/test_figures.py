"""The figures staff read: what is counted (page views, GPX and bundle downloads, installs, QR scans with where
they were printed, feedback), privately (daily totals only, no cookie), the dashboard and its CSV export, POIs
offered per category and commune.

Data: the real Cévennes circuits and Aubenas leg of tests/helpers.build_web_catalogue (tests/data/web/).
"""
from __future__ import annotations

import csv
import io
import re
import time

import pytest

from helpers import build_web_catalogue, english, open_db  # noqa: F401
from webapp import staff_store
from webapp.figures import write_counts
from webapp.staff_store import StaffStore

PASSWORD = "sentier du Tournel 1907"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(staff_store, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def ids(app, db_path):
    ids = build_web_catalogue(db_path)
    db = open_db(db_path)
    StaffStore(db).add_user("marie", PASSWORD, role="editor")
    db.conn.close()
    return ids


@pytest.fixture
def staff(app, ids):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "marie", "password": PASSWORD, "csrf_token": token})
    return client


def _trail(ids) -> int:
    return next(v for k, v in ids.items() if k != "poi" and isinstance(v, int))


def _counts(staff) -> dict:
    html = staff.get("/editor/figures?days=7").get_data(as_text=True)
    return {m: int(n) for m, n in re.findall(r'<li data-metric="(\w+)"><strong>(\d+)</strong>', html)}


def test_visits_downloads_installs_and_qr_scans_are_counted_per_day(client, staff, ids):
    tid = _trail(ids)
    assert _counts(staff) == dict.fromkeys(("view", "gpx", "zip", "install", "qr", "feedback"), 0)
    for _ in range(3):
        assert client.get(f"/trails/{tid}").status_code == 200
    assert client.get(f"/trails/{tid}.gpx").status_code == 200
    assert client.get(f"/trails/{tid}/bundle.zip").status_code == 200
    assert client.get(f"/trails/{tid}/bundle/?src=poster").status_code == 200
    assert client.get(f"/trails/{tid}/bundle/?src=qr").status_code == 200
    assert client.get(f"/trails/{tid}/bundle/").status_code == 200  # not from a QR code: not a scan
    assert client.get(f"/trails/{tid}/bundle/trail.json?balise-install=0123abcd").status_code == 200  # installed
    assert client.get(f"/trails/{tid}/bundle/files.json?balise-install=check").status_code == 200  # update check
    assert client.get(f"/trails/{tid}/bundle/trail.json").status_code == 200  # the app reading it: not an install
    assert client.get("/trails/999999").status_code == 404  # not counted
    assert _counts(staff) == {"view": 3, "gpx": 1, "zip": 1, "install": 1, "qr": 2, "feedback": 0}
    html = staff.get("/editor/figures?days=7").get_data(as_text=True)
    row = re.search(rf'<tr data-trail-id="{tid}">(.*?)</tr>', html, re.S).group(1)
    assert '<td data-metric="view">3</td>' in row and '<td data-metric="qr">2</td>' in row
    assert '<li data-src="poster">poster: 1</li>' in html and '<li data-src="qr">qr: 1</li>' in html


def test_counting_sets_no_cookie_and_stores_nothing_personal(app, client, ids, db_path):
    tid = _trail(ids)
    for url in (f"/trails/{tid}.gpx", f"/trails/{tid}/bundle/?src=poster", f"/trails/{tid}/bundle.zip"):
        assert "Set-Cookie" not in client.get(url, environ_base={"REMOTE_ADDR": "203.0.113.9"}).headers
    client.get(f"/trails/{tid}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    with app.app_context():
        assert write_counts() == 4
    db = open_db(db_path)
    rows = [tuple(r) for r in db.execute("SELECT * FROM daily_counts")]
    assert sorted(r[1:] for r in rows) == [("gpx", tid, "", 1), ("qr", tid, "poster", 1), ("view", tid, "", 1),
                                           ("zip", tid, "", 1)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r[0]) for r in rows)
    dump = "\n".join(db.conn.iterdump())
    assert "203.0.113.9" not in dump
    privacy = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "Counting uses no cookie" in privacy and "never your IP address" in privacy
    assert 'href="/privacy"' in client.get("/?lang=en").get_data(as_text=True)


def test_counts_are_written_in_batches_and_a_busy_database_costs_the_visitor_nothing(app, client, ids, db_path):
    """A write per visit queued every circuit page behind SQLite's write lock (issue 10): counts wait in memory
    until FIGURES_WRITE_SECONDS have passed, and a writer holding the database keeps them pending, not lost."""
    tid = _trail(ids)
    app.config["FIGURES_WRITE_SECONDS"] = 3600  # as a new app with this setting would do
    app.extensions["balise_figures"].write_every_s = 3600
    db = open_db(db_path)

    def stored() -> int:
        return db.execute("SELECT COALESCE(SUM(n), 0) FROM daily_counts WHERE metric = 'view'").fetchone()[0]

    for _ in range(5):
        assert client.get(f"/trails/{tid}").status_code == 200
    assert stored() == 0 and app.extensions["balise_figures"].pending() == 5  # not written yet, not lost
    app.extensions["balise_figures"].write_every_s = 0  # due at the next visit
    db.execute("BEGIN IMMEDIATE")  # another writer (an import, say) holds the database
    try:
        started = time.monotonic()
        assert client.get(f"/trails/{tid}").status_code == 200
        assert time.monotonic() - started < 2  # not the 5 s busy timeout
        assert app.extensions["balise_figures"].pending() == 6
    finally:
        db.execute("ROLLBACK")
    assert client.get(f"/trails/{tid}").status_code == 200
    assert stored() == 7 and app.extensions["balise_figures"].pending() == 0
    db.conn.close()


def test_qr_codes_carry_where_they_are_printed(client, ids):
    tid = _trail(ids)
    svg = client.get(f"/trails/{tid}/poster.svg").get_data(as_text=True)
    assert f"/trails/{tid}/bundle/?src=poster" in svg
    assert client.get(f"/trails/{tid}/bundle/?src=%3Cscript%3E").status_code == 200


def test_feedback_and_pois_offered(staff, ids, db_path, client):
    tid = _trail(ids)
    db = open_db(db_path)
    from webapp.feedback_store import Feedback, FeedbackStore

    FeedbackStore(db).add(Feedback(trail_id=tid, kind="review", rating=5, comment="Superbe", client="c"))
    db.conn.close()
    assert _counts(staff)["feedback"] == 1
    html = staff.get("/editor/figures").get_data(as_text=True)
    per_category = re.search(r'<table class="users" id="per-category">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"<td>(\d+)</td>", per_category)


def test_csv_export(client, staff, ids):
    tid = _trail(ids)
    client.get(f"/trails/{tid}")
    client.get(f"/trails/{tid}/bundle/?src=flyer")
    response = staff.get("/editor/figures.csv?days=30")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["day", "metric", "trail_id", "trail", "src", "count"]
    assert {(r[1], r[2], r[4], r[5]) for r in rows[1:]} == {("view", str(tid), "", "1"), ("qr", str(tid), "flyer", "1")}


def test_dashboard_needs_staff(client, ids):
    assert client.get("/editor/figures").status_code == 302
    assert client.get("/editor/figures.csv").status_code == 302
