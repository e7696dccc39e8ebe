"""``balise serve``: serve the web app with waitress."""
from __future__ import annotations

import signal
import sys
import threading

import click

from poi.i18n import gettext as _
from webapp.cli_options import db_option, pass_env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads; fewer threads than keep-alive clients stalls them (bench/web_load.py).")
@db_option
@pass_env
def serve(env, host, port, threads):
    """Serve the web app (waitress, production-grade WSGI server)."""
    run_server(env.db_path, host, port, threads=threads)


def run_server(db_path: str, host: str, port: int, *, threads: int = 16) -> None:
    """Serve the app on ``host:port`` with waitress until interrupted."""
    import waitress

    from webapp import create_app

    app = create_app({"DATABASE": db_path})
    if threading.current_thread() is threading.main_thread():  # SIGTERM stops like Ctrl+C: the usage counts
        signal.signal(signal.SIGTERM, _stop)                  # pending in memory are written at exit
    click.echo(_("Balise serving {db} on http://{host}:{port}/ (Ctrl+C to stop)", db=db_path, host=host, port=port))
    waitress.serve(app, host=host, port=port, threads=threads, ident="balise")


def _stop(_signum, _frame):
    sys.exit(0)
