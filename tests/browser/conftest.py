"""Fixtures of the real-browser tests: Debian's headless Chromium through Playwright, a loopback server.

Chromium is ``$BALISE_CHROMIUM`` if set, else ``/usr/bin/chromium`` (never ``playwright
install``: see /work/shared/BROWSER.md). The launch flags keep Chromium from calling home.
"""
from __future__ import annotations

import os
import threading
from contextlib import ExitStack, contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest

from exporter import bundle
from helpers import Served, require_tool
try:  # tests/ as a package, or as plain folders
    from .walk import Placed, load_circuit, place_pois
except ImportError:
    from walk import Placed, load_circuit, place_pois

CHROMIUM = os.environ.get("BALISE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = require_tool("chromium", CHROMIUM)  # set BALISE_CHROMIUM for another Chromium
    return {**browser_type_launch_args, "executable_path": chromium, "args": ARGS}


@pytest.fixture(scope="session")
def placed() -> Placed:
    """The real circuit with POIs placed near (0.5 r) and far (2.5 r) from it."""
    return place_pois(load_circuit())


@pytest.fixture(scope="session")
def bundle_dir(placed, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "barre"
    bundle.export(placed.trail, placed.stops, out_dir=out, photo_max_width=480)
    return out


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@contextmanager
def serving_folder(folder: Path) -> Iterator[str]:
    """The files of ``folder`` served on 127.0.0.1 (a free port); yields the base URL (with its ``/``)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(bundle_dir):
    """The bundle served on 127.0.0.1 (a free port); yields its base URL."""
    with serving_folder(bundle_dir.parent) as base:
        yield f"{base}{bundle_dir.name}/"


@pytest.fixture(scope="session")
def folder_server():
    """``folder_server(folder) -> base URL``: static files on 127.0.0.1 until the end of the session."""
    with ExitStack() as stack:
        yield lambda folder: stack.enter_context(serving_folder(folder))


class Site(NamedTuple):
    url: str  # base URL, no trailing slash
    app: object  # the Flask app (its url_map tells which routes exist)


@pytest.fixture(scope="session")
def serve_app():
    """``serve_app(db_path, **config) -> Site``: the web app over the database file ``db_path`` served by
    waitress on 127.0.0.1:<free port> until the end of the session; ``config`` adds to the app's config."""
    from webapp import create_app

    servers = []

    def _serve(db_path, **config) -> Site:
        app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "browser-tests", **config})
        servers.append(Served(app))
        return Site(servers[-1].url, app)

    yield _serve
    for served in servers:
        served.stop()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized context (390x844) with geolocation allowed; closed after the test."""
    contexts = []

    def _new(**kwargs):
        options = {"viewport": PHONE, "permissions": ["geolocation"], "locale": "fr-FR", **kwargs}
        ctx = browser.new_context(**options)
        contexts.append(ctx)
        return ctx

    yield _new
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def staff_page(browser):
    """A page of a fresh desktop-sized context (1280x1000, French); ``page.context.requested`` lists every URL
    it asked for."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    ctx.requested = []
    ctx.on("request", lambda request: ctx.requested.append(request.url))
    yield ctx.new_page()
    ctx.close()
