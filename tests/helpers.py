"""Helpers shared by test modules (``from helpers import ...``: pytest puts tests/ on sys.path)."""
from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import pytest

from poi.i18n import language

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
#: Recorded samples of each POI source (a README in each folder gives their origin and licence).
SOURCES = DATA / "sources"
#: The real OSM extract of Monaco: POIs, map ways and streets (tests/data/sources/osm/README.md).
MONACO = SOURCES / "osm" / "monaco_graphhopper.osm.gz"
#: Password hashing of the test accounts: pbkdf2 with few rounds instead of scrypt (same rules, faster suite).
FAST_HASH = "pbkdf2:sha256:1000"
#: Password of the editor account ``marie`` that conftest's ``editor`` fixture logs in as.
EDITOR_PASSWORD = "sentier du Rocher 1297"
#: Command-line tools the tests run, and the Debian package of each (``.ci/run`` installs them when missing).
TOOLS = {"chromium": "chromium", "ogrinfo": "gdal-bin", "xmllint": "libxml2-utils", "zbarimg": "zbar-tools",
         "node": "nodejs", "nginx": "nginx", "pdftoppm": "poppler-utils"}


def page_shows(response, *texts: str) -> str:
    """Assert a 200 response whose body says each of ``texts`` (HTML entities decoded); return that text."""
    assert response.status_code == 200, f"status {response.status_code}"
    body = html.unescape(response.get_data(as_text=True))
    missing = [t for t in texts if t not in body]
    assert not missing, f"the page does not say {missing}"
    return body


def under_ci() -> bool:
    """``CI=true`` (or 1, yes): a missing tool is then a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_tool(name: str, *paths: str) -> str:
    """The first executable of ``paths``, else tool ``name`` on PATH; skip the test without it, fail under CI.

    Tests mark what they need with ``@pytest.mark.tool("xmllint")`` (conftest calls this before the test)
    or call it directly.
    """
    found = next((p for p in paths if os.access(p, os.X_OK)), None) or shutil.which(name)
    if found is None:
        message = f"{name} is missing: apt-get install {TOOLS.get(name, name)}"
        if under_ci():
            pytest.fail(f"{message} (CI=true: a missing tool fails the run)", pytrace=False)
        pytest.skip(message)
    return found


def assert_close_m(a: float, b: float, tol_m: float = 0.5) -> None:
    """Two distances (or one point-to-point distance and 0) agree within ``tol_m`` metres."""
    assert abs(a - b) <= tol_m, f"{a:.3f} m vs {b:.3f} m (tolerance {tol_m} m)"


@pytest.fixture(autouse=True)
def english():
    """Messages in English: autouse in every test module that imports it (``from helpers import english``)."""
    with language("en"):
        yield


def counts(report) -> tuple[int, int, int, int]:
    """``(added, updated, unchanged, skipped)`` of an import report."""
    return report.added, report.updated, report.unchanged, report.skipped


def poi_rows(store) -> list[tuple]:
    """Everything stored about each POI, to compare a database before and after."""
    return [(p.source, p.source_id, p.name, p.lon, p.lat, p.category, p.themes, p.description, p.url, p.extra)
            for p in store.all()]


def pois_by_name(store) -> dict:
    """Every stored POI by its name."""
    return {p.name: p for p in store.all()}


def one_line_error(result) -> str:
    """The one line a failed CLI call wrote on stderr, checking exit status 2 and no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def stored_poi_count(db_path) -> int:
    """How many POIs the database file at ``db_path`` holds (after a CLI call)."""
    from poi.store import PoiStore, open_db

    db = open_db(db_path)
    try:
        return PoiStore(db).count()
    finally:
        db.conn.close()


OSM = "© OpenStreetMap contributors"


def build_web_catalogue(db_path, **leg_fields) -> dict:
    """Fill a database with 4 real Cévennes circuits (the VTT one unpublished) and the real Aubenas leg
    "Le Bateau - Arlix" with its 3 OSM guideposts as stops (tests/data/web/). ``leg_fields`` add fields to
    the leg (description, overrides...). Returns trail name -> id, and ``ids["poi"]``: POI name -> id."""
    import json

    from poi.models import POI
    from poi.store import PoiStore
    from trails.assembly import measure
    from trails.corridor import attach_stops
    from trails.models import Trail
    from trails.schema_randonnee import read_circuits
    from trails.store import TrailStore

    db = open_db(db_path)
    store = TrailStore(db)
    ids = {}
    for trail in read_circuits(DATA / "web" / "cevennes_4_circuits.geojson"):
        trail.published = "VTT" not in trail.name
        ids[trail.name] = store.save(measure(trail))
    feature, *guideposts = json.loads((DATA / "web" / "aubenas_leg_le-bateau-arlix_with_3_guideposts.geojson")
                                      .read_text(encoding="utf-8"))["features"]
    pois = PoiStore(db)
    for g in guideposts:
        p = g["properties"]
        pois.upsert(POI(name=p["name"], lon=g["geometry"]["coordinates"][0], lat=g["geometry"]["coordinates"][1],
                        category="information", ele_m=float(p["ele"]), summary="Poteau de randonnée",
                        source="osm", source_id=p["@id"], licence="ODbL 1.0", attribution=OSM))
    leg = Trail(name=feature["properties"]["name"], segments=[[tuple(c) for c in feature["geometry"]["coordinates"]]],
                summary="Tronçon du réseau de randonnée à points-nœuds du Bassin d'Aubenas.",
                themes=["Eau et géologie"], published=True, source="osm", source_id=feature["properties"]["@id"],
                licence="ODbL 1.0", attribution=OSM, commune="Aubenas", **leg_fields)
    ids[leg.name] = store.save(measure(leg))
    attach_stops(db, leg)
    ids["poi"] = {p.name: p.id for p in pois.all()}
    db.conn.close()
    return ids


def open_db(path=None):
    """The database as the web app and the CLI open it: the tables of every component (webapp.schema)."""
    from poi.store import open_db as open_with
    from webapp.schema import COMPONENTS

    return open_with(path, COMPONENTS)


def network_db(path: Path, osm: Path, dem: Path | None = None) -> Path:
    """A database file at ``path`` with the POIs and the path network of an OSM extract (and a DEM tile)."""
    from poi.importers import import_file
    from poi.network import import_osm_map
    from trails.dem import import_dem

    db = open_db(path)
    import_file(db, osm, format="osm")
    import_osm_map(db, osm)
    if dem is not None:
        import_dem(db, dem)
    db.conn.close()
    return path


def copy_db(path: Path, folder: Path) -> Path:
    """A copy of the database file ``path`` as ``folder/balise.db``: a test that writes gets its own."""
    copy = folder / "balise.db"
    shutil.copyfile(path, copy)
    return copy


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """Accounts created during the test hash with :data:`FAST_HASH`: autouse in every test module that imports it."""
    from webapp import staff_store

    monkeypatch.setattr(staff_store, "PASSWORD_METHOD", FAST_HASH)


def add_staff(db_path, username: str, password: str, role: str = "editor") -> None:
    """A staff account in the database file at ``db_path``, its password hashed with :data:`FAST_HASH`."""
    from webapp import staff_store

    db = open_db(db_path)
    method, staff_store.PASSWORD_METHOD = staff_store.PASSWORD_METHOD, FAST_HASH
    try:
        staff_store.StaffStore(db).add_user(username, password, role=role)
    finally:
        staff_store.PASSWORD_METHOD = method
        db.conn.close()


def logged_in(app, username: str, password: str, *, lang: str | None = "en"):
    """A test client of ``app`` logged in through the login form, as a browser does (CSRF token read from it)."""
    import re

    client = app.test_client()
    if lang:
        client.set_cookie("lang", lang)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, f"login of {username} failed: status {r.status_code}"
    return client


class Served:
    """A WSGI app served by waitress on 127.0.0.1:<free port> in a daemon thread; :meth:`stop` ends it.

    The server is closed by its own loop (a thunk on waitress's trigger): closing it from another thread
    can land while the loop is in ``select()`` on the socket, which then fails with EBADF in that thread,
    and pytest reports the thread's exception at the end of the run."""

    def __init__(self, app, threads: int = 4):
        import threading

        import waitress

        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, ident="balise-test")
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.trigger.pull_trigger(self.server.close)
        self._thread.join(timeout=5)  # connections a browser still holds keep the loop up: it ends with them
