"""``balise publish``: the public site as static files, incremental and switched in one step."""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.site_serving import broken_links
from helpers import build_web_catalogue
from helpers import open_db
from trails.store import TrailStore
from webapp.cli import cli

BASE = "https://commune.example/balades/"


def run(db_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "publish", *args])
    return result


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is needed under CI")
        pytest.skip(f"{tool} not installed")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The small web catalogue published once under a commune's sub-folder, in French and English."""
    root = tmp_path_factory.mktemp("publish")
    db_path = root / "balise.db"
    ids = build_web_catalogue(db_path)
    result = run(db_path, "--out", str(root / "site"), "--base-url", BASE, "--lang", "fr", "--lang", "en")
    assert result.exit_code == 0, result.output
    return {"db": db_path, "out": root / "site", "ids": ids, "output": result.output}


def snapshot(folder: Path) -> dict[str, tuple]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def leg_id(site) -> int:
    return site["ids"]["Le Bateau - Arlix"]


def test_compose_is_hidden_without_a_live_url(site):
    out = site["out"]
    poi_id = next(iter(site["ids"]["poi"].values()))
    assert "/compose" not in (out / "index.html").read_text()
    assert "/compose" not in (out / f"pois/{poi_id}/index.html").read_text()


def test_contract_paths_exist(site):
    out, tid = site["out"], leg_id(site)
    poi_id = next(iter(site["ids"]["poi"].values()))
    for path in ("index.html", f"trails/{tid}/index.html", f"trails/{tid}.gpx", f"trails/{tid}/bundle/index.html",
                 f"trails/{tid}/bundle/sw.js", f"trails/{tid}/qr.png", f"pois/{poi_id}/index.html",
                 "api/trails.json", "sitemap.xml", "robots.txt", "_headers", "404.html",
                 f"trails/{tid}.geojson", f"trails/{tid}.kml", f"trails/{tid}/bundle.zip",
                 f"trails/{tid}/poster-a4.svg", f"api/trails/{tid}.json", f"api/pois/{poi_id}.json",
                 "api/openapi.json", f"en/trails/{tid}/index.html", "embed/index.html", "embed/help/index.html"):
        assert (out / path).is_file(), path
    assert re.search(r"\d+ files written, 0 changed, 0 removed", site["output"])


def test_unpublished_trail_is_not_published(site):
    vtt = next(i for name, i in site["ids"].items() if "VTT" in name)
    assert not (site["out"] / "trails" / str(vtt)).exists()
    listed = {t["id"] for t in json.loads((site["out"] / "api/trails.json").read_text())["trails"]}
    assert vtt not in listed and leg_id(site) in listed


def test_no_broken_internal_links_and_links_are_relative(site):
    assert broken_links(site["out"]) == []
    page = (site["out"] / f"trails/{leg_id(site)}/index.html").read_text()
    assert 'href="../../"' in page  # the catalogue, from a circuit page, works under any sub-folder
    assert not re.search(r'(href|src)="/(?!/)', page)


def test_qr_code_decodes_to_the_published_bundle_url(site):
    zbarimg = need("zbarimg")
    tid = leg_id(site)
    decoded = subprocess.run([zbarimg, "-q", "--raw", str(site["out"] / f"trails/{tid}/qr.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == f"{BASE}trails/{tid}/bundle/"


def test_api_and_sitemap_use_the_published_addresses(site):
    tid = leg_id(site)
    item = next(t for t in json.loads((site["out"] / "api/trails.json").read_text())["trails"] if t["id"] == tid)
    assert item["url"] == f"{BASE}trails/{tid}/" and item["api_url"] == f"{BASE}api/trails/{tid}.json"
    assert item["gpx_url"] == f"{BASE}trails/{tid}.gpx"
    sitemap = (site["out"] / "sitemap.xml").read_text()
    assert f"<loc>{BASE}trails/{tid}/</loc>" in sitemap and f"<loc>{BASE}en/trails/{tid}/</loc>" in sitemap
    assert f"Sitemap: {BASE}sitemap.xml" in (site["out"] / "robots.txt").read_text()


def test_pages_in_both_languages_switch_to_each_other(site):
    tid = leg_id(site)
    fr = (site["out"] / f"trails/{tid}/index.html").read_text()
    en = (site["out"] / f"en/trails/{tid}/index.html").read_text()
    assert '<html lang="fr">' in fr and '<html lang="en">' in en
    assert "Longueur" in fr and "Length" in en
    assert 'href="../../en/trails/%d/"' % tid in fr
    assert 'href="../../../trails/%d/"' % tid in en


def test_feedback_form_is_hidden_without_a_live_server(site):
    page = (site["out"] / f"trails/{leg_id(site)}/index.html").read_text()
    assert "feedback-form" not in page and 'method="post"' not in page


def test_catalogue_has_a_page_per_difficulty_with_the_servers_counts(site, app, client):
    facet_pages = sorted((site["out"] / "catalogue" / "difficulty").glob("*/index.html"))
    assert facet_pages
    db = open_db(site["db"])
    published = [t for t in TrailStore(db).all(published_only=True)]
    for page in facet_pages:
        level = page.parent.name
        text = page.read_text()
        expected = {t.id for t in published if t.difficulty == level}
        linked = {int(n) for n in re.findall(r'href="\.\./\.\./\.\./trails/(\d+)/"', text)}
        assert linked == expected, level


def test_text_files_are_precompressed(site):
    index = site["out"] / "index.html"
    assert gzip.decompress((site["out"] / "index.html.gz").read_bytes()) == index.read_bytes()
    assert not (site["out"] / f"trails/{leg_id(site)}/qr.png.gz").exists()
    assert "immutable" in (site["out"] / "_headers").read_text()
    assert re.search(r'href="static/balise\.[0-9a-f]{10}\.css"', index.read_text())


def test_second_publish_with_nothing_changed_touches_no_file(site):
    before = snapshot(site["out"])
    target = os.readlink(site["out"])
    result = run(site["db"], "--out", str(site["out"]), "--base-url", BASE, "--lang", "fr", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Nothing changed" in result.output and "0 files written, 0 changed, 0 removed" in result.output
    assert os.readlink(site["out"]) == target
    assert snapshot(site["out"]) == before


def edit_and_publish(db_path, out, trail_id: int, summary: str):
    db = open_db(db_path)
    store = TrailStore(db)
    trail = store.get(trail_id)
    trail.summary = summary
    store.save(trail)
    db.conn.close()
    return run(db_path, "--out", str(out), "--base-url", BASE, "--lang", "fr")


def test_editing_one_trail_changes_only_its_files_and_the_pages_listing_it(tmp_path):
    db_path = tmp_path / "balise.db"
    ids = build_web_catalogue(db_path)
    out = tmp_path / "site"
    assert run(db_path, "--out", str(out), "--base-url", BASE, "--lang", "fr").exit_code == 0
    before = snapshot(out)
    first = os.readlink(out)
    tid = ids["Le Bateau - Arlix"]
    result = edit_and_publish(db_path, out, tid, "Le long de la rivière, du Bateau à Arlix.")
    assert result.exit_code == 0, result.output
    assert re.search(r"0 files written, [1-9]\d* changed, 0 removed", result.output), result.output
    after = snapshot(out)
    changed = {p for p in after if before.get(p) != after[p]}
    assert f"trails/{tid}/index.html" in changed and "api/trails.json" in changed
    assert f"api/trails/{tid}.json" in changed
    other = next(i for name, i in ids.items() if name != "poi" and i != tid and (out / f"trails/{i}").exists())
    assert not any(p.startswith((f"trails/{other}/", f"trails/{other}.")) for p in changed)
    assert "static/" not in " ".join(changed)
    assert "Le long de la rivière" in (out / f"trails/{tid}/index.html").read_text()
    assert os.readlink(out) != first  # switched to the other release tree...
    previous = out.parent / first  # ...the previous release stays whole until the next publish
    assert "Le long de la rivière" not in (previous / f"trails/{tid}/index.html").read_text()
    assert {p for p in snapshot(previous)} == set(after)
    # a second edit, of another circuit: the tree that comes back gets both edits (and nothing else moves)
    result = edit_and_publish(db_path, out, other, "Une autre boucle, revue.")
    assert result.exit_code == 0, result.output
    assert os.readlink(out) == first
    assert "Le long de la rivière" in (out / f"trails/{tid}/index.html").read_text()
    assert "Une autre boucle, revue." in (out / f"trails/{other}/index.html").read_text()
    again = snapshot(out)
    assert set(again) == set(after)
    for path in again:  # every file of the live tree is the one of the tree before (same inode) or new
        if not path.startswith((f"trails/{other}", f"api/trails/{other}.")) and again[path] != after[path]:
            assert path.startswith(("index.html", "api/", "catalogue/", "page/", "sitemap", "embed/", "pois/")), path


def test_sub_folder_and_live_url(tmp_path):
    db_path = tmp_path / "balise.db"
    ids = build_web_catalogue(db_path)
    out = tmp_path / "site"
    result = run(db_path, "--out", str(out), "--base-url", "https://ot.example/rando", "--lang", "en",
                 "--live-url", "https://balise.ot.example", "--check")
    assert result.exit_code == 0, result.output
    assert "0 broken internal links" in result.output
    tid = ids["Le Bateau - Arlix"]
    page = (out / f"trails/{tid}/index.html").read_text()
    assert f'href="https://balise.ot.example/trails/{tid}/feedback?lang=en"' in page
    assert 'href="https://balise.ot.example/compose"' in (out / "index.html").read_text()  # composed on the live site
    assert '<html lang="en">' in page and not (out / "en").exists()
    assert 'hreflang="fr"' not in page  # only the published languages are offered


@pytest.mark.parametrize("args, message", [
    (["--base-url", "commune.example"], "--base-url must be an http(s) address"),
    (["--live-url", "ftp://x"], "--live-url must be an http(s) address"),
])
def test_bad_options_are_one_line_errors(tmp_path, args, message):
    db_path = tmp_path / "balise.db"
    open_db(db_path).conn.close()
    result = run(db_path, "--out", str(tmp_path / "site"), *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "site").exists()


def test_a_folder_that_is_not_a_site_is_left_alone(tmp_path):
    db_path = tmp_path / "balise.db"
    open_db(db_path).conn.close()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "mine.txt").write_text("keep me")
    result = run(db_path, "--out", str(tmp_path / "site"))
    assert result.exit_code == 2 and "is not a site published by Balise" in result.output
    assert (tmp_path / "site" / "mine.txt").read_text() == "keep me"


def test_links_with_quotes_and_parentheses_are_rewritten_whole():
    from webapp import create_app
    from webapp.publish_urls import SiteUrls

    urls = SiteUrls(create_app({"DATABASE": ":memory:"}).url_map, langs=("fr",), base_url=BASE)
    urls.catalogue_pages[(("town", "L'Estréchure (Gard)"),)] = "catalogue/commune/l-estrechure/"
    page = ('<a href="/?town=L&#39;Estr%C3%A9chure%20(Gard)&amp;lang=fr">x</a>'
            '<a href="/embed/help?town=L&#39;Estr%C3%A9chure&amp;lang=fr">y</a>'
            '<style>a { background: url(/static/x.png) }</style>')
    out = urls.rewrite_page(page, "catalogue/difficulty/easy/index.html", "fr")
    assert 'href="../../commune/l-estrechure/"' in out
    assert 'href="../../../embed/help/?town=L%27Estr%C3%A9chure"' in out  # its filters go on (webapp/static/embed.js)
    assert "url(/static/x.png)" in out  # not a route of the app: left alone


def test_poster_pdf_is_published_and_linked_from_the_circuit_page(site):
    tid = leg_id(site)
    pdf = site["out"] / f"trails/{tid}/poster.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    page = (site["out"] / f"trails/{tid}/index.html").read_text()
    assert 'href="poster.pdf"' in page or 'href="../../trails/%d/poster.pdf"' % tid in page, \
        re.findall(r'href="[^"]*poster[^"]*"', page)


def test_published_privacy_page_says_a_static_site_counts_nothing(site):
    for path, counted in (("privacy/index.html", "compte"), ("en/privacy/index.html", "count")):
        text = (site["out"] / path).read_text()
        assert "static files" in text or "fichiers statiques" in text
        assert "per day only" not in text and "par jour" not in text, path
        assert "feedback" not in text.lower() or "Feedback you send" not in text  # no form without a live server
