"""``balise sync``: run the import sources registered in the editor (what cron or a systemd timer calls)."""
from __future__ import annotations

from pathlib import Path

import click

from poi.i18n import gettext as _
from poi.source_store import SourceBusy, SourceStore
from poi.sources import SourceError
from webapp.cli_options import db_option, pass_env
from webapp.import_jobs import ImportJobs, locked_run


@click.command("sync")
@click.option("--source", "names", metavar="NAME", multiple=True,
              help="Only this registered source (repeatable); default: every active one.")
@click.option("--dry-run", "dry_run", is_flag=True, help="Preview: read and count everything, write no POI.")
@click.option("--full", is_flag=True, help="Ask each service for everything, not only what changed since the "
                                           "last successful run.")
@db_option
@pass_env
def sync(env, names, dry_run, full):
    """Import every registered source; each run's report is kept. Exit 1 if a source failed."""
    store = SourceStore(env.db)
    sources = store.all(active_only=not names)
    if names:
        by_name = {s.name: s for s in sources}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise SourceError(_("no registered source named {name}", name=missing[0]))
        sources = [by_name[n] for n in names]
    folder = Path(env.db_path).resolve().parent
    ImportJobs(env.db_path, ()).sweep(store)  # imports cut by a stopped server no longer hold their source
    failed = 0
    for source in sources:
        try:  # the same one-import-per-source lock as the editor's background imports
            run, ids = locked_run(env.db, source, db_folder=folder, dry_run=dry_run, by="sync", full=full)
        except SourceBusy as e:
            failed += 1
            click.echo(_("{name}: failed, nothing imported: {error}", name=source.name, error=str(e)), err=True)
            continue
        if run.status == "failed":
            failed += 1
            click.echo(_("{name}: failed, nothing imported: {error}", name=source.name, error=run.error), err=True)
            continue
        click.echo(_("{name}: {added} added, {updated} updated, {unchanged} unchanged, {skipped} skipped",
                     name=source.name, added=run.added, updated=run.updated, unchanged=run.unchanged,
                     skipped=run.skipped) + (" " + _("(dry run)") if dry_run else ""))
    if not sources:
        click.echo(_("no registered source; add one in the editor (Imports)"))
    if failed:
        raise SystemExit(1)
