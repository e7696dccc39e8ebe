"""The embed widget: a small, self-contained list of circuits that a commune puts on its own website.

``/embed`` is meant to sit in an ``<iframe>``: responsive, no third-party resource (styles
and its one script inline, allowed by a per-request nonce), links opening the circuit pages
in a new tab. Filters: ``commune`` and every public filter of the catalogue (the registry
:data:`trails.filters.FILTERS`: ``theme``, ``difficulty``, ``near`` or ``town`` + ``radius_km``, ...),
``limit`` (1-50, default 10), ``lang``.
It tells its parent page its height (``postMessage({type: "balise:height", height})``) so
the snippet's optional script can size the frame.

Framing: ``/embed`` answers ``Content-Security-Policy: frame-ancestors *`` (any site may frame
it); every other page gets ``X-Frame-Options: SAMEORIGIN`` and ``frame-ancestors 'self'``
(no clickjacking of the editor or the forms).

``/embed/help`` shows the ``<iframe>`` snippet for chosen filters, with a preview.

On the published static site (``balise publish``, ``STATIC_SITE``) both pages are made once, for no filter;
``webapp/static/embed.js`` then does in the browser what the routes do here (the widget's list for
``location.search``, the help page's code and preview for the form), on the catalogue's compact index, with
the messages and data of :func:`static_data`.
"""
from __future__ import annotations

import html
import json
import re
import secrets
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, current_app, g, render_template, request, url_for

from poi.i18n import gettext as _
from poi.text import fold
from trails.filter_index import search
from trails.filters import FilterSet, query_params
from trails.models import DIFFICULTIES
from trails.towns import TownFinder
from webapp import db
from webapp.api import external_url, int_param, public_base_url

bp = Blueprint("embed", __name__)

LIMIT, MAX_LIMIT = 10, 50


def param_names() -> tuple[str, ...]:
    """Query parameters the widget understands (the snippet keeps only these): ``commune``, the public
    filters' (:func:`trails.filters.query_params`), ``limit`` and ``lang``.

    >>> param_names()[:3], param_names()[-2:]
    (('commune', 'min_duration', 'max_duration'), ('limit', 'lang'))
    """
    return ("commune", *(p.name for p in query_params()), "limit", "lang")


def widget_params(args) -> dict[str, list[str]]:
    """The widget's own parameters of ``args``, blanks dropped.

    >>> widget_params({"commune": ["Aubenas"], "x": ["1"], "theme": [""]})
    {'commune': ['Aubenas']}
    """
    getlist = args.getlist if hasattr(args, "getlist") else lambda k: list(args.get(k, []))
    out = {}
    for key in param_names():
        values = [v.strip() for v in getlist(key) if v and v.strip()]
        if values:
            out[key] = values
    return out


def find_trails(args, limit: int):
    """Published trails matching the catalogue filters of ``args`` and ``commune`` (every word of it is a word of
    the trail's communes; accents, case and hyphens ignored), the first ``limit`` of them by name, and how many match in all."""
    params = {k: v for k, v in widget_params(args).items() if k not in ("commune", "limit", "lang")}
    commune = " ".join(widget_params(args).get("commune", []))
    if commune:  # narrow by text first (the index knows communes' words), then keep exact commune matches
        params["q"] = " ".join(params.get("q", []) + [commune])
    filters = FilterSet.from_params(params, towns=TownFinder(db.trails()))
    if not commune:
        result = search(db.get_db(), filters, limit=limit)
        return result.trails, result.total, filters
    wanted = set(re.findall(r"\w+", fold(commune)))
    found = [t for t in search(db.get_db(), filters).trails
             if wanted <= set(re.findall(r"\w+", fold(t.commune or "")))]
    return found[:limit], len(found), filters


def id_ranges(ids) -> list[list[int]]:
    """Sorted ``ids`` as runs of consecutive ids ``[first, last]`` (a source's circuits have neighbouring ids).

    >>> id_ranges([1, 2, 3, 7, 9, 10]), id_ranges([])
    ([[1, 3], [7, 7], [9, 10]], [])
    """
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def static_data(page: str) -> dict:
    """What ``webapp/static/embed.js`` needs on the published ``page`` (``widget`` or ``help``): the widget's
    parameter names, its messages in the current language and, for the widget, the data credit of every
    listed circuit (``[[attribution, id_ranges]]``: the credits line names those of the circuits shown)."""
    msg = {"bad_limit": _("{name} must be a whole number from {low} to {high}, not {value!r}")}
    if page == "help":
        msg.update(title=_("Walking trails"), title_place=_("Walking trails: {place}"),
                   one_match=_("1 trail matches today."), n_match=_("{n} trails match today."))
        return {"page": page, "params": list(param_names()), "msg": msg}
    msg.update(d_plus=_("D+"), no_match=_("No trail matches these filters yet."), see_all=_("See all {n} trails"),
               see_other=_("See the other trails"), data=_("Data"))
    credits = [[name, id_ranges(ids)] for name, ids in db.trails().attributions().items()]
    return {"page": page, "params": list(param_names()), "msg": msg, "credits": credits}


@bp.route("/embed")
def widget():
    limit = int_param("limit", LIMIT, 1, MAX_LIMIT)
    trails, total, _filters = find_trails(request.args, limit)
    g.csp_nonce = secrets.token_urlsafe(16)
    more = url_for("public.catalogue", **{k: v for k, v in widget_params(request.args).items()
                                          if k not in ("commune", "limit")})
    commune = " ".join(widget_params(request.args).get("commune", []))
    if commune:
        more = url_for("public.catalogue", q=commune, **{k: v for k, v in widget_params(request.args).items()
                                                        if k not in ("commune", "limit", "q")})
    return render_template("embed/widget.html", trails=trails, total=total, nonce=g.csp_nonce,
                           trail_url=lambda t: external_url("public.trail_page", trail_id=t.id),
                           more_url=public_base_url().rstrip("/") + more.removeprefix(request.script_root),
                           site=public_base_url(),
                           static=static_data("widget") if current_app.config.get("STATIC_SITE") else None)


def snippet(params: dict[str, list[str]], *, title: str, height_px: int = 480) -> str:
    """The ``<iframe>`` (and the optional auto-height script) a commune pastes into its page."""
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    src = external_url("embed.widget") + (f"?{query}" if query else "")
    base = urlsplit(public_base_url())
    origin = json.dumps(f"{base.scheme}://{base.netloc}").replace("<", "\\u003c")
    frame = (f'<iframe src="{html.escape(src)}" title="{html.escape(title)}" loading="lazy" '
             f'style="width:100%;max-width:42rem;height:{int(height_px)}px;border:0"></iframe>')
    script = ('<script>window.addEventListener("message",function(e){'
              f'if(e.origin!=={origin})return;'
              'var d=e.data||{};if(d.type!=="balise:height")return;'
              'var f=document.getElementsByTagName("iframe");for(var i=0;i<f.length;i++){'
              'if(f[i].contentWindow===e.source){f[i].style.height=(Number(d.height)+2)+"px";}}});</script>')
    return frame + "\n" + script


@bp.route("/embed/help")
def help_page():
    params = widget_params(request.args)
    params.pop("lang", None)
    limit = int_param("limit", LIMIT, 1, MAX_LIMIT)
    commune = " ".join(params.get("commune", []))
    title = _("Walking trails: {place}", place=commune) if commune else _("Walking trails")
    code = snippet(params, title=title)
    preview = url_for("embed.widget", **params)
    return render_template("embed/help.html", code=code, preview=preview, args=request.args, limit=limit,
                           difficulties=DIFFICULTIES, total=find_trails(request.args, limit)[1],
                           static=static_data("help") if current_app.config.get("STATIC_SITE") else None)


def embed_help_url(args) -> str:
    """``/embed/help`` with the widget's parameters of ``args`` (the catalogue's current filters)."""
    params = widget_params(args)
    params.pop("limit", None)
    return url_for("embed.help_page", **params)


def _frame_headers(response):
    """``/embed`` may be framed by any site; nothing else may be framed by another site."""
    if request.endpoint == "embed.widget":
        response.headers.pop("X-Frame-Options", None)
        nonce = g.get("csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self' data:; "
            f"style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors *")
    else:
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        csp = response.headers.get("Content-Security-Policy")
        if csp is None:
            response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        elif "frame-ancestors" not in csp:
            response.headers["Content-Security-Policy"] = csp.rstrip("; ") + "; frame-ancestors 'self'"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_frame_headers)
    app.jinja_env.globals["embed_help_url"] = embed_help_url
