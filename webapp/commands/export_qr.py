"""``balise export qr`` and ``balise export poster``."""
from __future__ import annotations

from pathlib import Path

import click

from exporter import poster as poster_exporter
from exporter import qr as qr_exporter
from exporter.errors import ExportError
from trails.store import TrailStore
from webapp.cli_options import db_option, pass_env
from webapp.cli_types import ID


@click.command("qr")
@click.argument("trail_id", type=ID)
@click.option("--url", required=True, help="What the code opens: the trail's bundle URL "
              "(…/trails/<id>/bundle/), or the bundle's base URL with --poi.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .svg or .png.")
@click.option("--poi", "poi_id", type=ID, default=None, help="Deep link to this stop's card (index.html#poi=ID).")
@click.option("--level", type=click.Choice(["M", "Q", "H"]), default="M", show_default=True,
              help="Error correction level.")
@db_option
@pass_env
def qr(env, trail_id, url, out, poi_id, level):
    """QR code for a trail's offline bundle (or for one stop's card)."""
    store = TrailStore(env.db)
    trail = store.get(trail_id)
    if poi_id is not None:
        if poi_id not in {s.poi_id for s in store.stops(trail_id)}:
            raise ExportError(f"POI {poi_id} is not a stop of trail {trail_id}")
        url = qr_exporter.poi_deep_link(url, poi_id)
    data = qr_exporter.export(trail, url=url, fmt=out.suffix, level=level)
    _write(out, data)
    click.echo(f"{out}  ->  {url}")


@click.command("poster")
@click.argument("trail_id", type=ID)
@click.option("--url", required=True, help="The trail's bundle URL, encoded in the QR code.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .svg, or .pdf for a print-ready PDF.")
@click.option("--size", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@db_option
@pass_env
def poster(env, trail_id, url, out, size):
    """Printable trailhead poster (SVG or PDF): figures, map, story stops, QR code, French and English."""
    fmt = out.suffix.lower()
    if fmt not in (".svg", ".pdf"):
        raise ExportError("the poster is written as SVG or PDF: give --out FILE.svg or FILE.pdf")
    store = TrailStore(env.db)
    trail = store.get(trail_id)
    svg = poster_exporter.export(trail, store.stops_with_pois(trail_id), url=url, size=size,
                                 ways=poster_exporter.poster_ways(env.db, trail))
    _write(out, poster_exporter.to_pdf(svg) if fmt == ".pdf" else svg)
    click.echo(f"{out}  ({size})")


def _write(out: Path, data: bytes | str) -> None:
    if not out.parent.is_dir():
        raise ExportError(f"folder {out.parent} does not exist")
    if isinstance(data, str):
        out.write_text(data, encoding="utf-8")
    else:
        out.write_bytes(data)
