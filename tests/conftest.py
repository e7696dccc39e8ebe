"""Shared fixtures: ``store`` (in-memory db), ``app``, ``client``, ``runner``, ``data``."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from poi.store import PoiStore
from trails.store import TrailStore

from helpers import (DATA, EDITOR_PASSWORD, MONACO, ROOT, add_staff, assert_close_m, copy_db, logged_in,  # noqa: F401
                     network_db, open_db, require_tool)


def pytest_runtest_setup(item):
    """``@pytest.mark.tool("xmllint", ...)``: skip without the tool, fail under CI (:func:`helpers.require_tool`)."""
    for mark in item.iter_markers("tool"):
        for name in mark.args:
            require_tool(name)


@pytest.fixture(autouse=True)
def _keep_language():
    """A CLI run sets the language of its thread: put it back after each test."""
    from poi.i18n import current_language, language

    with language(current_language()):
        yield


@pytest.fixture
def data() -> Path:
    """Folder of the recorded test files (see tests/data/README.md)."""
    return DATA


@pytest.fixture
def db():
    database = open_db(":memory:")
    yield database
    database.conn.close()


@pytest.fixture
def store(db) -> PoiStore:
    return PoiStore(db)


@pytest.fixture
def trail_store(db) -> TrailStore:
    return TrailStore(db)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "balise.db"


@pytest.fixture(scope="session")
def monaco_file(tmp_path_factory) -> Path:
    """A database file with the POIs and the path network of the real Monaco extract (:data:`helpers.MONACO`),
    built once a run: a test that writes takes a copy (``db_path = copy_db(monaco_file, tmp_path)``)."""
    return network_db(tmp_path_factory.mktemp("monaco") / "balise.db", MONACO)


@pytest.fixture
def monaco_staff_db(monaco_file, tmp_path) -> Path:
    """A copy of ``monaco_file`` for one test, with the account of the ``editor`` fixture."""
    path = copy_db(monaco_file, tmp_path)
    add_staff(path, "marie", EDITOR_PASSWORD)
    return path


@pytest.fixture
def runner(db_path, monkeypatch) -> CliRunner:
    monkeypatch.setenv("BALISE_DB", str(db_path))
    return CliRunner()


@pytest.fixture
def app(db_path):
    from webapp import create_app

    open_db(db_path).conn.close()
    return create_app({"DATABASE": str(db_path), "TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def editor(app):
    """A test client logged in (in English) as the editor ``marie`` with :data:`helpers.EDITOR_PASSWORD`,
    an account the module's ``db_path`` holds (:func:`helpers.add_staff`)."""
    return logged_in(app, "marie", EDITOR_PASSWORD)


@pytest.fixture
def copy_data(tmp_path):
    """Copy a file of tests/data into tmp_path (tests that write never touch the originals)."""

    def _copy(relative: str) -> Path:
        src = DATA / relative
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        return dst

    return _copy
