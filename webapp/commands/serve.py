"""``balise serve``: serve the web app with waitress."""
from __future__ import annotations

import click

from webapp.cli import db_option, pass_env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@db_option
@pass_env
def serve(env, host, port):
    """Serve the web app (waitress, production-grade WSGI server)."""
    run_server(env.db_path, host, port)


def run_server(db_path: str, host: str, port: int) -> None:
    import waitress

    from webapp import create_app

    app = create_app({"DATABASE": db_path})
    click.echo(f"Balise serving {db_path} on http://{host}:{port}/  (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=8, ident="balise")


def register(cli) -> None:
    cli.add_command(serve)
