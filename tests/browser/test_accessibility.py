"""Accessibility of the public pages in headless Chromium: axe-core finds no serious or critical violation,
and the catalogue can be used with the keyboard alone, focus always visible.

axe-core is vendored test-only in tests/browser/vendor/ (see its README) and injected into each page.
The pages are those of the real demo catalogue (fixtures shared with test_catalogue_browser.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

try:  # tests/ as a package, or as plain folders
    from .test_catalogue_browser import context, demo, serve_site, site, tile_png  # noqa: F401 (fixtures)
except ImportError:
    from test_catalogue_browser import context, demo, serve_site, site, tile_png  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}
RUN_AXE = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                              summary: n.failureSummary}))}));
}"""

#: (name, path, route endpoint that must exist or the page is skipped)
PAGES = [
    ("catalogue", "/", "public.catalogue"),
    ("catalogue-filtered", "/?difficulty=easy,medium&route_type=loop&max_duration=3h&theme=For%C3%AAt",
     "public.catalogue"),
    ("catalogue-page-2", "/?page=2&sort=-duration", "public.catalogue"),
    ("catalogue-no-result", "/?q=zzzzzz", "public.catalogue"),
    ("catalogue-bad-filter", "/?min_duration=soon", "public.catalogue"),
    ("circuit", "/trails/{trail}", "public.trail_page"),
    ("poi", "/pois/{poi}", "public.poi_page"),
    ("not-found", "/trails/99999999", "public.trail_page"),
    ("login", "/login", None),
    ("embed", "/embed", None),
    ("embed-theme", "/embed?theme=For%C3%AAt", None),
    ("embed-help", "/embed/help", None),
    ("feedback", "/trails/{trail}/feedback", None),
    ("feedback-thanks", "/trails/{trail}/feedback/thanks", None),
]


def route_exists(app, path: str, endpoint: str | None) -> bool:
    """Whether the app has a route for ``path`` (the editor and embed pages arrive later)."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import RequestRedirect

    if endpoint:
        return endpoint in app.view_functions
    try:
        app.url_map.bind("localhost").match(path.split("?")[0].replace("{trail}", "1").replace("{poi}", "1"))
    except (RequestRedirect, MethodNotAllowed):
        return True
    except NotFound:
        return False
    return True


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['url']})")
        lines += [f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"]]
    return "\n".join(lines)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name, path, endpoint", PAGES, ids=[p[0] for p in PAGES])
def test_axe_finds_no_serious_violation(context, site, demo, name, path, endpoint, lang):
    if not route_exists(site.app, path, endpoint):
        pytest.skip(f"no route for {path} yet")
    url = site.url + path.format(trail=demo.trail_id, poi=demo.poi_id)
    page = context(bypass_csp=True).new_page()  # the CSP of some pages would refuse the injected axe
    page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == lang
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {page.url}:\n{report(violations)}"
    if violations:  # minor and moderate ones are shown, not failed
        print(f"axe on {page.url} (minor/moderate):\n{report(violations)}")


def test_axe_on_the_wide_layout_and_the_open_map_popup(context, site, demo):
    page = context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    page.goto(f"{site.url}/?lang=en&route_type=loop")
    violations = axe_violations(page)
    assert not [v for v in violations if v["impact"] in BLOCKING], report(violations)
    page.goto(f"{site.url}/trails/{demo.trail_id}?lang=en")
    # Click markers (once the map has stopped animating its fit to the trace) until a stop's popup opens:
    # the start marker's popup has no link, and a click during the zoom animation can miss.
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')")
    markers = page.locator(".folium-map .leaflet-marker-icon")
    for i in range(markers.count()):
        markers.nth(i).click()
        try:
            page.wait_for_selector(".leaflet-popup-content a", timeout=3000)
            break
        except PlaywrightTimeout:  # this marker's popup has no link (or the click missed): try the next one
            continue
    page.wait_for_selector(".leaflet-popup-content a")
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    violations = axe_violations(page)
    assert not [v for v in violations if v["impact"] in BLOCKING], report(violations)


# -- keyboard ------------------------------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  const where = e.closest("form.filters") ? "form" : e.closest("nav.pagination") ? "pagination"
              : e.closest("ul.results") ? "results" : e.closest("header") ? "header" : "other";
  return {where, tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name"),
          text: (e.innerText || e.value || "").trim().slice(0, 60), href: e.getAttribute("href"),
          outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor,
          visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0};
}"""


def tab_through(page, limit: int = 250) -> list[dict]:
    """Press Tab until the focus leaves the page or comes back round; the focused elements, in order."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (seen and focused == seen[0]):
            break
        seen.append(focused)
    return seen


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "wide"])
def test_keyboard_reaches_form_results_and_pagination_with_visible_focus(context, site, viewport):
    page = context(viewport=viewport).new_page()
    page.goto(site.url + "/?lang=en")
    # the wide layout's map adds its markers when /api/trails answers: Tab through the settled page (a marker
    # replaced under the focus sends it back to the body, and the walk would stop there)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("!document.querySelector('#territory-map[data-state=loading]')")
    stops = tab_through(page)
    places = [s["where"] for s in stops]
    assert stops[0]["href"] == "#content" and stops[0]["visible"], "the first Tab shows the skip link"
    for where in ("header", "results", "pagination", "form"):
        assert where in places, f"Tab never reaches the {where}: {places}"
    form = [s for s in stops if s["where"] == "form"]
    assert {"f-q", "f-min", "f-max", "f-near", "f-radius", "f-sort"} <= {s["id"] for s in form}
    assert any(s["tag"] == "input" and s["name"] == "difficulty" for s in form)
    assert any(s["tag"] == "button" for s in form)
    assert sum(1 for s in stops if s["where"] == "results") == 20  # one link per listed trail
    hidden = [s for s in stops if not s["visible"]]
    assert not hidden, f"focus lands on invisible elements: {hidden}"
    no_outline = [s for s in stops if s["outline"] == "none" or s["outlineWidth"] < 2]
    assert not no_outline, f"focus not visible on: {json.dumps(no_outline, indent=1)}"


def test_the_catalogue_form_is_operable_with_the_keyboard(context, site):
    page = context().new_page()
    page.goto(site.url + "/?lang=en")
    page.focus("input[name=difficulty][value=easy]")
    page.keyboard.press("Space")
    assert page.is_checked("input[name=difficulty][value=easy]")
    page.focus("#f-sort")
    page.keyboard.press("ArrowDown")  # "duration"
    page.focus("form.filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**difficulty=easy**")
    assert "sort=duration" in page.url
    page.keyboard.press("Tab")  # skip link, then straight to the content
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("path", ["/trails/{trail}?lang=en", "/pois/{poi}?lang=fr", "/trails/99999999?lang=fr"])
def test_focus_is_visible_on_every_stop_of_the_other_pages(context, site, demo, path):
    page = context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(site.url + path.format(trail=demo.trail_id, poi=demo.poi_id))
    page.wait_for_load_state("networkidle")
    stops = tab_through(page)
    assert len(stops) >= 3
    no_outline = [s for s in stops if s["outline"] == "none" or s["outlineWidth"] < 2]
    assert not no_outline, f"focus not visible on: {json.dumps(no_outline, indent=1)}"
    hidden = [s for s in stops if not s["visible"]]
    assert not hidden, f"focus lands on invisible elements: {hidden}"
