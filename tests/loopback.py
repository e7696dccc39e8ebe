"""A tiny HTTP server on 127.0.0.1 for tests of web-service sources (``from loopback import served``)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Served:
    """A tiny HTTP server on 127.0.0.1 answering fixed bodies by path; records the paths asked."""

    def __init__(self):
        self.bodies: dict[str, tuple[int, bytes]] = {}
        self.asked: list[str] = []
        #: when set to a threading.Event, every answer waits for it (at most 30 s): a slow web service
        self.hold: threading.Event | None = None
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                served.asked.append(self.path)
                if served.hold is not None:
                    served.hold.wait(30)
                status, body = served.bodies.get(self.path.split("?")[0], (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served():
    server = Served()
    yield server
    server.close()
