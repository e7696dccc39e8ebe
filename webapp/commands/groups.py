"""Command groups that several modules add subcommands to."""
import click

from webapp.cli import db_option


@click.group()
@db_option
def poi():
    """Points of interest: import, list."""


@click.group()
@db_option
def trail():
    """One trail: import a GPX or a circuit file, measure a GPX."""


@click.group()
@db_option
def export():
    """Export a trail: GPX, offline bundle, QR code."""


GROUPS = [poi, trail, export]
