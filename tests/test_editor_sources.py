"""Imports in the editor (administrators): register a source (URL or uploaded file, licence, filters), preview,
import, every run's report; a failing source leaves nothing half-done; ``balise sync`` runs the registered sources.

Data: the real LEI and Tourinsoft samples of tests/data/sources/ (see their README), served on loopback.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from helpers import SOURCES, english  # noqa: F401
from loopback import served  # noqa: F401  (fixture)
from poi.source_store import Source, SourceStore
from poi.store import PoiStore
from webapp.cli import cli

from helpers import open_db

PASSWORD = "sentier du Tournel 1907"
LEI = SOURCES / "lei" / "lei__touristic-content_sample.xml"
TOURINSOFT = SOURCES / "tourinsoft" / "tourinsoft-v3__content_sample.json"


from test_editor import accounts, fast_hashes  # noqa: E402,F401  (the editor tests' staff accounts)


def _token(client, url="/editor/sources") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def _login(app, username):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


@pytest.fixture
def admin(app, accounts):
    return _login(app, "admin")


def _register(client, **fields) -> int:
    data = {"name": "LEI Alsace", "format": "lei", "url": "", "licence": "Licence Ouverte 2.0",
            "attribution": "ADT Alsace", "bbox": "", "communes": "", "text": "", **fields,
            "csrf_token": _token(client)}
    r = client.post("/editor/sources", data=data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _start(client, source_id, mode) -> str:
    """Start a run; the answer is at once a redirect to the job's page (the import runs in the background)."""
    r = client.post(f"/editor/sources/{source_id}/run", data={"mode": mode,
                                                             "csrf_token": _token(client, f"/editor/sources/{source_id}")})
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    return r.headers["Location"]


def _follow(client, job_url) -> str:
    """Reload the job's page as the browser does (meta refresh) until it gives way to the report."""
    for _ in range(600):  # at most 30 s
        r = client.get(job_url)
        if r.status_code == 302:
            assert "/runs/" in r.headers["Location"]
            return client.get(r.headers["Location"]).get_data(as_text=True)
        html = r.get_data(as_text=True)
        if 'data-status="running"' not in html:
            return html
        assert '<meta http-equiv="refresh"' in html
        time.sleep(0.05)
    raise AssertionError("the import did not end within 30 s")


def _run(client, source_id, mode) -> str:
    return _follow(client, _start(client, source_id, mode))


def _pois(db_path) -> dict:
    db = open_db(db_path)
    try:
        return {p.name: p for p in PoiStore(db).all()}
    finally:
        db.conn.close()


def test_register_preview_import_and_reports(admin, served, db_path):
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    sid = _register(admin, url=served.url + "/lei/export.xml")
    html = _run(admin, sid, "preview")
    assert "Nothing was written" in html and "2 added" in html and "3 skipped" in html
    assert "added: Restaurant A" in html and "product 3 (Restaurant C): no latitude" in html
    assert _pois(db_path) == {}
    html = _run(admin, sid, "apply")
    assert 'data-dry-run="0"' in html and "2 added" in html
    pois = _pois(db_path)
    assert set(pois) == {"Restaurant A", "Restaurant B"}
    assert pois["Restaurant A"].licence == "Licence Ouverte 2.0" and pois["Restaurant A"].attribution == "ADT Alsace"
    html = _run(admin, sid, "apply")
    assert "0 added" in html and "2 unchanged" in html
    page = admin.get(f"/editor/sources/{sid}").get_data(as_text=True)
    assert page.count("/runs/") == 3 and "preview" in page
    listing = admin.get("/editor/sources").get_data(as_text=True)
    assert "LEI Alsace" in listing and "0 added, 0 updated, 2 unchanged, 3 skipped" in listing


def test_a_failing_source_leaves_everything_as_it_was(admin, served, db_path):
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    sid = _register(admin, url=served.url + "/lei/export.xml")
    _run(admin, sid, "apply")
    before = {name: (p.updated_at, p.description) for name, p in _pois(db_path).items()}
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes()[:6000].replace(b"Commentaire A", b"Changed"))
    html = _run(admin, sid, "apply")
    assert 'data-status="failed"' in html and "nothing was imported" in html and "not valid LEI XML" in html
    assert {name: (p.updated_at, p.description) for name, p in _pois(db_path).items()} == before
    served.bodies["/lei/export.xml"] = (503, b"maintenance")
    assert "503" in _run(admin, sid, "apply")


def test_uploaded_file_with_category_and_commune_filters(admin, db_path):
    sid = _register(admin, name="Hôtels CDT28", format="tourinsoft", categories=["restaurant"],
                    file=(io.BytesIO(TOURINSOFT.read_bytes()), "export.json"))
    html = _run(admin, sid, "apply")
    assert "0 added" in html and "category accommodation is not kept by this source" in html
    sid = _register(admin, name="LEI Niedersteinbach", format="lei", communes="Niedersteinbach",
                    file=(io.BytesIO(LEI.read_bytes()), "lei.xml"))
    html = _run(admin, sid, "apply")
    assert "1 added" in html and "commune 67334 is not kept by this source" in html
    assert set(_pois(db_path)) == {"Restaurant A"}


@pytest.mark.parametrize("fields, message", [
    ({"url": "ftp://example.org/x"}, "only http and https"),
    ({"url": ""}, "give either a URL or a file"),
    ({"url": "https://example.org/x", "bbox": "7,49"}, "bounding box"),
    ({"url": "https://example.org/x", "format": "kml"}, "unknown format"),
    ({"format": "lei", "file": (io.BytesIO(b"<LEI/>"), "x.exe")}, "a lei file ends with .xml"),
])
def test_bad_registrations_are_refused_with_a_reason(admin, db_path, fields, message):
    data = {"name": "X", "format": "lei", "csrf_token": _token(admin), **fields}
    r = admin.post("/editor/sources", data=data, content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert SourceStore(open_db(db_path)).all() == []


def test_only_administrators_manage_imports(app, accounts):
    editor = _login(app, "marie")
    assert editor.get("/editor/sources").status_code == 403
    assert "/editor/sources" not in editor.get("/editor/").get_data(as_text=True)
    assert app.test_client().get("/editor/sources").status_code == 302


def test_balise_sync_runs_the_registered_sources(runner, db_path, served):
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    db = open_db(db_path)
    store = SourceStore(db)
    ok = store.add(Source(name="LEI Alsace", format="lei", url=served.url + "/lei/export.xml"))
    store.add(Source(name="Broken", format="apidae", url=served.url + "/missing"))
    db.conn.close()
    result = runner.invoke(cli, ["sync", "--db", str(db_path)])
    assert result.exit_code == 1
    assert "LEI Alsace: 2 added, 0 updated, 0 unchanged, 3 skipped" in result.stdout
    assert "Broken: failed, nothing imported" in result.stderr and "404" in result.stderr
    result = runner.invoke(cli, ["sync", "--source", "LEI Alsace", "--db", str(db_path)])
    assert result.exit_code == 0 and "0 added, 0 updated, 2 unchanged" in result.stdout
    db = open_db(db_path)
    runs = SourceStore(db).runs(ok)
    assert [(r.status, r.added, r.unchanged, r.by) for r in runs] == [("ok", 0, 2, "sync"), ("ok", 2, 0, "sync")]
    assert SourceStore(db).get(ok).last_success_at
    result = runner.invoke(cli, ["sync", "--source", "Nope", "--db", str(db_path)])
    assert result.exit_code == 2 and "no registered source named Nope" in result.stderr


def test_imports_run_in_the_background_one_at_a_time_per_source(admin, app, served, db_path):
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    sid = _register(admin, url=served.url + "/lei/export.xml")
    served.hold = threading.Event()  # the web service answers only when the test says so
    started = time.perf_counter()
    job_url = _start(admin, sid, "apply")
    assert time.perf_counter() - started < 5, "the request waited for the import"
    page = admin.get(job_url).get_data(as_text=True)
    assert 'data-status="running"' in page and "Running in the background" in page
    assert 'data-running-job="' in admin.get(f"/editor/sources/{sid}").get_data(as_text=True)
    again = admin.post(f"/editor/sources/{sid}/run",
                       data={"mode": "apply", "csrf_token": _token(admin, f"/editor/sources/{sid}")})
    assert again.headers["Location"].endswith(job_url.rsplit("/editor", 1)[1])  # the same job, not a second one
    assert "already running" in admin.get(again.headers["Location"]).get_data(as_text=True)
    assert _pois(db_path) == {}
    served.hold.set()
    html = _follow(admin, job_url)
    assert 'data-dry-run="0"' in html and "2 added" in html
    assert set(_pois(db_path)) == {"Restaurant A", "Restaurant B"}
    db = open_db(db_path)
    assert [j.status for j in SourceStore(db).running_jobs()] == []
    assert len(SourceStore(db).runs(sid)) == 1


def test_an_import_cut_by_a_server_stop_is_marked_failed_and_can_run_again(admin, served, db_path):
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    sid = _register(admin, url=served.url + "/lei/export.xml")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    db = open_db(db_path)
    job = SourceStore(db).start_job(sid, dry_run=False, by="admin", pid=int(gone.stdout))  # its process is gone
    db.conn.close()
    page = admin.get(f"/editor/sources/{sid}/jobs/{job}").get_data(as_text=True)
    assert 'data-status="failed"' in page and "interrupted: the server stopped" in page
    assert "2 added" in _run(admin, sid, "apply")


def test_balise_sync_leaves_a_source_being_imported_alone(runner, db_path, served):
    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    db = open_db(db_path)
    sid = SourceStore(db).add(Source(name="LEI Alsace", format="lei", url=served.url + "/lei/export.xml"))
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a server importing it
    try:
        SourceStore(db).start_job(sid, dry_run=False, by="admin", pid=worker.pid)
        result = runner.invoke(cli, ["sync", "--db", str(db_path)])
        assert result.exit_code == 1 and "LEI Alsace: failed" in result.stderr and "already running" in result.stderr
        assert SourceStore(db).runs(sid) == [] and _pois(db_path) == {}
    finally:
        worker.kill()
        worker.wait()
    result = runner.invoke(cli, ["sync", "--db", str(db_path)])  # that server stopped: the source is free again
    assert result.exit_code == 0 and "LEI Alsace: 2 added" in result.stdout
    assert os.getpid() != worker.pid


def test_stops_of_new_pois_are_written_in_the_imports_transaction(admin, served, db_path, monkeypatch, caplog):
    from webapp import import_jobs

    def broken(db, ids):
        raise OSError("disk full while attaching stops")

    served.bodies["/lei/export.xml"] = (200, LEI.read_bytes())
    sid = _register(admin, url=served.url + "/lei/export.xml")
    monkeypatch.setattr(import_jobs, "attach_pois", broken)
    html = _run(admin, sid, "apply")
    assert 'data-status="failed"' in html and "disk full while attaching stops" in html
    assert _pois(db_path) == {}  # the POIs went with the stops: nothing half-imported
    assert "import job" in caplog.text  # the unexpected error is logged for the administrator
