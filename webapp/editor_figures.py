"""Editor: the figures that tell whether the trails are used (staff), and their CSV export.

``/editor/figures?days=30`` shows, for the period: page views, GPX and bundle downloads, offline
installs, QR scans (by where the code was printed) and feedback, per circuit and per day; and the
POIs offered per category and per commune. ``/editor/figures.csv?days=30`` gives every daily count
of the period. The counts are aggregated per day and nothing else is stored (:mod:`webapp.figures`).
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Response, render_template, request

from webapp import db
from webapp.auth import login_required
from webapp.editor_blueprint import bp
from webapp.figures import write_counts
from webapp.figures_store import COLUMNS, FiguresStore, today

PERIODS = (7, 30, 90, 365)


def _period() -> tuple[int, str, str]:
    try:
        days = int(request.args.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    last = today()
    first = (dt.date.fromisoformat(last) - dt.timedelta(days=days - 1)).isoformat()
    return days, first, last


@bp.route("/figures")
@login_required
def figures():
    days, first, last = _period()
    write_counts()
    store = FiguresStore(db.get_db())
    series = store.by_day(first, last)
    peak = max([max(counts.values()) for _day, counts in series] + [1])
    return render_template("editor/figures.html", days=days, periods=PERIODS, first=first, last=last,
                           columns=COLUMNS, totals=store.totals(first, last), trails=store.by_trail(first, last),
                           series=series, peak=peak, qr_sources=store.qr_sources(first, last),
                           categories=store.pois_by_category(), communes=store.pois_by_commune())


@bp.route("/figures.csv")
@login_required
def figures_csv():
    days, first, last = _period()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "metric", "trail_id", "trail", "src", "count"])
    write_counts()
    writer.writerows(FiguresStore(db.get_db()).rows(first, last))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="balise-figures-{first}-{last}.csv"'})
