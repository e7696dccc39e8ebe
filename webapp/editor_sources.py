"""Editor: import sources (administrators): register, preview (dry run), import, and every run's report.

``/editor/sources`` lists the registered sources with their last run and a form to register one
(format, URL or uploaded file, licence and attribution, filters: categories, bounding box,
communes, text). ``/editor/sources/<id>`` shows a source and its runs; "Preview" runs it as a
dry run (nothing written), "Import now" for real; both run in the background
(:mod:`webapp.import_jobs`), never in the request: the job's page (``/editor/sources/<id>/jobs/<job>``)
shows the records read so far and refreshes itself until the report is ready. Each run's report is kept
(``/editor/sources/<id>/runs/<run>``). The work is done by :mod:`poi.sources`; POIs an import
adds join the trails whose corridor they fall in (:func:`trails.corridor.attach_pois`).
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from poi.errors import BaliseError, NotFoundError
from poi.i18n import gettext as _
from poi.importers import FORMATS
from poi.models import CATEGORIES
from poi.source_store import Source, SourceBusy, SourceStore
from poi.sources import check_source, store_upload
from webapp import db
from webapp.auth import admin_required
from webapp.editor_blueprint import bp, user_name
from webapp.import_jobs import ImportJobs
from webapp.schema import COMPONENTS


#: How often (seconds) a running job's page reloads itself (a meta refresh: it works without JavaScript).
JOB_REFRESH_S = 1


def _store() -> SourceStore:
    return SourceStore(db.get_db())


def _db_folder() -> Path:
    return Path(current_app.config["DATABASE"]).resolve().parent


def _source_or_404(source_id: int) -> Source:
    try:
        return _store().get(source_id)
    except NotFoundError:
        abort(404)


def _read_form() -> tuple[Source, dict]:
    form = {k: request.form.get(k, "").strip() for k in ("name", "format", "url", "licence", "attribution",
                                                           "bbox", "communes", "text", "source_key")}
    form["categories"] = request.form.getlist("categories")
    source = Source(name=form["name"][:120], format=form["format"], url=form["url"][:2000],
                    licence=form["licence"][:200], attribution=form["attribution"][:300],
                    categories=form["categories"], bbox=form["bbox"][:100],
                    communes=form["communes"][:2000].split(","), text=form["text"][:200],
                    source_key=form["source_key"][:80], created_by=user_name())
    return source, form


@bp.route("/sources", methods=["GET", "POST"])
@admin_required
def sources():
    error, form = None, {"categories": []}
    if request.method == "POST":
        source, form = _read_form()
        try:
            upload = request.files.get("file")
            if upload is not None and upload.filename:
                if source.url:
                    raise BaliseError(_("give either a URL or a file"))
                limit = current_app.config["IMPORT_MAX_UPLOAD_BYTES"]
                data = upload.stream.read(limit + 1)
                if len(data) > limit:
                    raise BaliseError(_("the file is larger than {mb} MB", mb=limit // (1024 * 1024)))
                check_source(Source(name=source.name, format=source.format, url="", file="pending"))
                source.file = store_upload(_db_folder(), data, upload.filename, source.format)
            check_source(source)
            if _store().by_name(source.name) is not None:
                raise BaliseError(_("a source named {name} already exists", name=source.name))
            source_id = _store().add(source)
        except BaliseError as e:
            error = str(e)
        else:
            flash(_("Source {name} registered. Preview it, then import.", name=source.name))
            return redirect(url_for("editor.source", source_id=source_id))
    return render_template("editor/sources.html", sources=_store().all(), last_runs=_store().last_runs(),
                           formats=sorted(FORMATS), categories=list(CATEGORIES), error=error, form=form), \
        (400 if error else 200)


@bp.route("/sources/<int:source_id>")
@admin_required
def source(source_id: int):
    src = _source_or_404(source_id)
    current_app.extensions["balise_import_jobs"].sweep(_store())
    return render_template("editor/source.html", source=src, runs=_store().runs(source_id),
                           running=_store().running_jobs(source_id))


@bp.route("/sources/<int:source_id>/run", methods=["POST"])
@admin_required
def run_source_now(source_id: int):
    """Start a preview or an import in the background and show its job page at once."""
    src = _source_or_404(source_id)
    jobs: ImportJobs = current_app.extensions["balise_import_jobs"]
    try:
        job_id = jobs.start(db.get_db(), src, dry_run=request.form.get("mode") != "apply", by=user_name(),
                            full=request.form.get("full") == "1")
    except SourceBusy as e:
        flash(str(e), "error")
        running = _store().running_jobs(source_id)
        if running:
            return redirect(url_for("editor.source_job", source_id=source_id, job_id=running[0].id))
        return redirect(url_for("editor.source", source_id=source_id))
    return redirect(url_for("editor.source_job", source_id=source_id, job_id=job_id))


@bp.route("/sources/<int:source_id>/jobs/<int:job_id>")
@admin_required
def source_job(source_id: int, job_id: int):
    """A background run: its progress while it runs (the page refreshes itself), then its report."""
    src = _source_or_404(source_id)
    jobs: ImportJobs = current_app.extensions["balise_import_jobs"]
    jobs.sweep(_store())
    try:
        job = _store().job(job_id)
    except NotFoundError:
        abort(404)
    if job.source_id != source_id:
        abort(404)
    if job.status == "done" and job.run_id is not None:
        return redirect(url_for("editor.source_run", source_id=source_id, run_id=job.run_id))
    return render_template("editor/source_job.html", source=src, job=job, records=jobs.records.get(job_id),
                           refresh_s=JOB_REFRESH_S)


@bp.route("/sources/<int:source_id>/runs/<int:run_id>")
@admin_required
def source_run(source_id: int, run_id: int):
    src = _source_or_404(source_id)
    try:
        run = _store().run(run_id)
    except NotFoundError:
        abort(404)
    if run.source_id != source_id:
        abort(404)
    return render_template("editor/source_run.html", source=src, run=run)


@bp.route("/sources/<int:source_id>/active", methods=["POST"])
@admin_required
def source_active(source_id: int):
    src = _source_or_404(source_id)
    _store().set_active(source_id, request.form.get("active") == "1")
    flash(_("Source {name} will be synchronised.", name=src.name) if request.form.get("active") == "1"
          else _("Source {name} is paused: balise sync leaves it alone.", name=src.name))
    return redirect(url_for("editor.source", source_id=source_id))


def init_config(app) -> None:
    app.config.setdefault("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
    app.extensions["balise_import_jobs"] = ImportJobs(app.config["DATABASE"], COMPONENTS)
