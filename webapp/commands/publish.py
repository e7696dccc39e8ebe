"""``balise publish``: the public site as static files (see :mod:`webapp.publish`)."""
from __future__ import annotations

from pathlib import Path

import click

from poi.i18n import LANGUAGES
from poi.i18n import gettext as _
from webapp.cli_options import db_option, pass_env


@click.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the site (a symbolic link switched to each new version).")
@click.option("--base-url", default=None, metavar="URL",
              help="Public address of the folder, e.g. https://commune.example/balades/ "
                   "(QR codes, sitemap, API links); default: $BALISE_BASE_URL, else http://localhost:8000/.")
@click.option("--lang", "langs", multiple=True, type=click.Choice(LANGUAGES),
              help="Languages of the pages, the first at the root, the others under <lang>/ (default: fr en).")
@click.option("--live-url", default="", metavar="URL",
              help="Address of the live Balise server: the feedback form and other server pages link to it "
                   "(hidden without it).")
@click.option("--no-compress", is_flag=True, help="Do not write .gz/.br copies beside the text files.")
@click.option("--check", is_flag=True, help="Then report the internal links that lead nowhere (exit 1 if any).")
@db_option
@pass_env
def publish(env, out, base_url, langs, live_url, no_compress, check):
    """Publish the public site as static files any web server or CDN serves."""
    import os
    import time

    from exporter.site_serving import broken_links
    from webapp.publish import PublishOptions
    from webapp.publish import publish as run

    base_url = base_url or os.environ.get("BALISE_BASE_URL") or "http://localhost:8000/"
    started = time.perf_counter()
    env.db  # noqa: B018 - open (and migrate) the database before the app reads it
    report = run(env.db_path, PublishOptions(out=out, base_url=base_url, langs=tuple(langs) or ("fr", "en"),
                                             live_url=live_url, compress=not no_compress))
    s = report.stats
    if s.switched:
        click.echo(_("Published {out}: {written} files written, {changed} changed, {removed} removed "
                     "({kept} unchanged; {pages} pages, {rendered} parts rendered) in {seconds} s.",
                     out=out, written=s.written, changed=s.changed, removed=s.removed, kept=s.kept,
                     pages=report.pages, rendered=report.rendered, seconds=f"{time.perf_counter() - started:.1f}"))
    else:
        click.echo(_("Nothing changed in {out}: 0 files written, 0 changed, 0 removed "
                     "({kept} files, {pages} pages) in {seconds} s.",
                     out=out, kept=s.kept, pages=report.pages, seconds=f"{time.perf_counter() - started:.1f}"))
    if check:
        bad = broken_links(out)
        for page, link in bad[:50]:
            click.echo(_("broken link in {page}: {link}", page=page, link=link))
        click.echo(_("Link check: {n} broken internal links.", n=len(bad)))
        if bad:
            raise SystemExit(1)
