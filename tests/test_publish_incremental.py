"""``balise publish`` after a change: the change marks (webapp/publish_store.py) decide what is rendered again.

Each test publishes the real web catalogue (tests/helpers.build_web_catalogue: 4 Cévennes circuits and the
Aubenas leg with its 3 OSM guideposts as stops), changes the database the way staff do, publishes again and
compares the files of the site (inode and mtime: a file rewritten is a file changed).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from exporter.site_serving import broken_links
from helpers import build_web_catalogue, open_db
from poi.store import PoiStore
from trails.store import TrailStore
from webapp.publish import PublishOptions, publish

BASE = "https://commune.example/balades/"
LEG = "Le Bateau - Arlix"


def snapshot(folder: Path) -> dict[str, tuple]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def changed_paths(before: dict, after: dict) -> set[str]:
    return {p for p in set(before) | set(after) if before.get(p) != after.get(p)}


def run(db_path: Path, out: Path):
    return publish(str(db_path), PublishOptions(out=out, base_url=BASE, langs=("fr",)))


@pytest.fixture()
def site(tmp_path):
    db_path = tmp_path / "balise.db"
    ids = build_web_catalogue(db_path)
    out = tmp_path / "site"
    run(db_path, out)
    return db_path, out, ids


def change(db_path: Path, action) -> None:
    db = open_db(db_path)
    try:
        with db.conn:
            action(db)
    finally:
        db.conn.close()


def new_summary(tid: int):
    """What staff do to circuit ``tid`` in the editor: a new summary."""

    def edit(db):
        store = TrailStore(db)
        trail = store.get(tid)
        trail.summary = "Une boucle revue par l'office de tourisme."
        store.save(trail)

    return edit


def test_nothing_changed_renders_nothing_and_writes_nothing(site):
    db_path, out, _ = site
    before = snapshot(out)
    report = run(db_path, out)
    assert report.rendered == 0 and not report.stats.switched
    assert (report.stats.written, report.stats.changed, report.stats.removed) == (0, 0, 0)
    assert snapshot(out) == before
    # the pages it reports are those of the site, kept or not (a page per index.html but the bundles')
    assert report.pages == sum("/bundle/" not in p.as_posix() for p in out.rglob("index.html"))


def test_editing_one_circuit_renders_only_its_parts_and_the_lists(site):
    db_path, out, ids = site
    tid = ids["Château du Tournel"]

    before = snapshot(out)
    change(db_path, new_summary(tid))
    report = run(db_path, out)
    changed = changed_paths(before, snapshot(out))
    assert "Une boucle revue" in (out / f"trails/{tid}/index.html").read_text()
    assert {f"trails/{tid}/index.html", f"api/trails/{tid}.json", "api/trails.json", "api/catalogue-words.json"} <= changed
    others = [i for name, i in ids.items() if name != "poi" and i != tid]
    assert not any(p.startswith((f"trails/{i}/", f"trails/{i}.", f"api/trails/{i}.")) for i in others for p in changed)
    assert not any(p.startswith("pois/") for p in changed)  # the edited circuit has no stop
    # its page and files, the 6 catalogue pages that list it, the catalogue index and words, the embed widget and
    # its help, api/trails.json: 13 parts of the 43 of the first publish (none of another circuit or POI)
    assert report.rendered == 13, report.rendered


def test_an_edit_rewrites_only_the_shards_of_the_manifest_it_touched(site):
    """The keys and files of the parts, and the lists' memo, are kept in shards: an edit rewrites the shards of the
    parts it renders again, not the manifest of the whole site (tens of megabytes at 10,000 circuits)."""
    db_path, out, ids = site
    versions = out.parent / "site.versions"
    before = snapshot(versions)
    tid = ids["Château du Tournel"]

    change(db_path, new_summary(tid))
    report = run(db_path, out)
    rewritten = {p for p in changed_paths(before, snapshot(versions)) if p.startswith(("keys/", "files/", "memo/"))}
    shards = [p for p in before if p.startswith("keys/")]
    # the parts rendered again, the marks of the lists and of the block of circuits it belongs to
    assert 0 < len([p for p in rewritten if p.startswith("keys/")]) <= report.rendered + 2 < len(shards)
    assert {p.replace("keys/", "files/") for p in rewritten if p.startswith("keys/")} \
        == {p for p in rewritten if p.startswith("files/")}
    assert [p for p in rewritten if p.startswith("memo/")] == [f"memo/circuits/{tid // 256}.json"]
    assert run(db_path, out).rendered == 0


def test_a_poi_edit_renders_again_the_circuits_that_stop_there(site):
    db_path, out, ids = site
    leg = ids[LEG]
    poi_id = next(iter(ids["poi"].values()))

    def rename(db):
        _ = db.execute("UPDATE pois SET name = 'Poteau du Pont de Vals' WHERE id = ?", [poi_id])

    before = snapshot(out)
    change(db_path, rename)
    run(db_path, out)
    changed = changed_paths(before, snapshot(out))
    assert "Poteau du Pont de Vals" in (out / f"trails/{leg}/index.html").read_text()
    assert "Poteau du Pont de Vals" in (out / f"pois/{poi_id}/index.html").read_text()
    bundle = json.loads((out / f"trails/{leg}/bundle/trail.json").read_text())
    assert "Poteau du Pont de Vals" in json.dumps(bundle, ensure_ascii=False)
    assert {f"trails/{leg}/index.html", f"trails/{leg}/bundle/trail.json", f"trails/{leg}.gpx",
            f"pois/{poi_id}/index.html", f"api/pois/{poi_id}.json"} <= changed
    others = [i for name, i in ids.items() if name not in ("poi", LEG)]
    assert not any(p.startswith((f"trails/{i}/", f"trails/{i}.")) for i in others for p in changed)
    assert "api/trails.json" not in changed and "index.html" not in changed  # no list shows a stop's name
    other_pois = [p for p in ids["poi"].values() if p != poi_id]
    assert not any(p.startswith(f"pois/{i}/") for i in other_pois for p in changed)


def test_a_removed_stop_leaves_the_circuit_page_and_its_poi_page_goes(site):
    db_path, out, ids = site
    leg = ids[LEG]
    poi_id = next(iter(ids["poi"].values()))
    assert (out / f"pois/{poi_id}/index.html").exists()
    change(db_path, lambda db: TrailStore(db).set_stop_status(leg, poi_id, "removed"))
    report = run(db_path, out)
    assert report.stats.removed > 0
    assert not (out / f"pois/{poi_id}").exists() and not (out / f"api/pois/{poi_id}.json").exists()
    assert f"pois/{poi_id}/" not in (out / f"trails/{leg}/index.html").read_text()
    assert f'data-poi-id="{poi_id}"' not in (out / f"trails/{leg}/bundle/index.html").read_text()
    assert broken_links(out) == []


def test_an_unpublished_circuit_and_its_files_are_removed(site):
    db_path, out, ids = site
    leg = ids[LEG]
    assert (out / f"trails/{leg}.gpx").exists()
    change(db_path, lambda db: TrailStore(db).set_published(leg, False))
    report = run(db_path, out)
    assert report.stats.removed > 0
    for path in (f"trails/{leg}", f"trails/{leg}.gpx", f"trails/{leg}.kml", f"api/trails/{leg}.json"):
        assert not (out / path).exists(), path
    assert leg not in [t["id"] for t in json.loads((out / "api/trails.json").read_text())["trails"]]
    assert not any((out / f"pois/{p}").exists() for p in ids["poi"].values())  # its stops were its POIs' only circuit
    assert f"trails/{leg}/" not in (out / "sitemap.xml").read_text()
    assert broken_links(out) == []


def test_a_deleted_poi_leaves_every_page_that_showed_it(site):
    db_path, out, ids = site
    leg = ids[LEG]
    poi_id = next(iter(ids["poi"].values()))
    change(db_path, lambda db: PoiStore(db).delete(poi_id))
    run(db_path, out)
    assert not (out / f"pois/{poi_id}").exists()
    assert f'data-poi-id="{poi_id}"' not in (out / f"trails/{leg}/bundle/index.html").read_text()
    assert broken_links(out) == []


def test_a_pool_of_workers_publishes_the_same_files_as_one_process(tmp_path, monkeypatch):
    import webapp.publish_render as publishing

    db_path = tmp_path / "balise.db"
    build_web_catalogue(db_path)
    run(db_path, tmp_path / "one")
    monkeypatch.setattr(publishing, "MIN_JOBS_PER_WORKER", 1)
    monkeypatch.setattr(publishing.os, "cpu_count", lambda: 2)
    pools = []
    real = publishing.multiprocessing.get_context
    monkeypatch.setattr(publishing.multiprocessing, "get_context", lambda method: pools.append(method) or real(method))
    report = run(db_path, tmp_path / "pool")
    assert report.stats.written > 0 and pools == ["fork"]

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    one, pool = files(tmp_path / "one"), files(tmp_path / "pool")
    assert set(one) == set(pool)
    assert [p for p in one if one[p] != pool[p]] == []


def old_manifest(versions: Path, fmt: int) -> None:
    """Turn the manifest of a publish back into the form of an older format: 3 (every target's key in
    manifest.json, their files in shards) or 2 (keys and files in manifest.json)."""
    manifest = json.loads((versions / "manifest.json").read_text())
    targets = {}
    for path in (versions / "keys").glob("*.json"):
        targets.update(json.loads(path.read_text()))
        path.unlink()
    if fmt == 2:
        shards = {}
        for path in (versions / "files").glob("*.json"):
            shards.update(json.loads(path.read_text()))
            path.unlink()
        for name, entry in targets.items():
            entry["files"] = shards[name]
    (versions / "manifest.json").write_text(json.dumps({**manifest, "format": fmt, "targets": targets}))


@pytest.mark.parametrize("fmt", [2, 3])
def test_a_site_with_the_manifest_of_before_is_carried_on(site, fmt):
    """Sites published before the manifest was cut in shards (format 2: every target's files in manifest.json)
    or before its keys were (format 3: every target's key in manifest.json)."""
    db_path, out, ids = site
    versions = out.parent / "site.versions"
    old_manifest(versions, fmt)
    before = snapshot(out)
    report = run(db_path, out)
    assert report.rendered == 0 and not report.stats.switched and snapshot(out) == before
    tid = ids["Les 4000 marches"]
    change(db_path, lambda db: TrailStore(db).set_published(tid, False))
    report = run(db_path, out)
    assert report.stats.removed > 0 and not (out / f"trails/{tid}").exists()
    assert json.loads((versions / "manifest.json").read_text()) == {"format": 4, "version": 2}
    assert run(db_path, out).rendered == 0
    assert broken_links(out) == []


def test_after_edits_the_site_is_the_one_a_publish_from_scratch_makes(site):
    """What an incremental publish keeps (parts, the lists' rows of each circuit) equals what it would make."""
    db_path, out, ids = site
    leg, poi_id = ids[LEG], next(iter(ids["poi"].values()))

    def edits(db):
        trails = TrailStore(db)
        trail = trails.get(ids["Château du Tournel"])
        trail.name, trail.themes = "Château du Tournel et ses ruines", ["Histoire et culture"]
        trails.save(trail)
        trails.set_published(ids["Les 4000 marches"], False)
        _ = db.execute("UPDATE pois SET name = 'Poteau du Pont de Vals' WHERE id = ?", [poi_id])

    change(db_path, edits)
    run(db_path, out)
    run(db_path, out.parent / "fresh")

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    kept, fresh = files(out), files(out.parent / "fresh")
    assert set(kept) == set(fresh)
    assert [p for p in kept if kept[p] != fresh[p]] == []
    assert "Château du Tournel et ses ruines" in (out / "api/trails.json").read_text()
    assert f"trails/{leg}/" in (out / "sitemap.xml").read_text()


def test_a_site_whose_link_was_lost_is_published_afresh_without_the_targets_of_before(tmp_path):
    """``DIR`` gone (deleted by hand) but ``DIR.versions`` left: the publish starts afresh, and its record holds
    only its own targets (none of the last publish's comes back as "gone" at the next one)."""
    from exporter.site import SiteBuild

    out = tmp_path / "site"
    build = SiteBuild(out)
    for n in range(40):  # in many shards
        build.put(f"page:{n}", "k", {f"p/{n}.html": f"<p>{n}</p>"})
    build.commit()
    out.unlink()
    build = SiteBuild(out)
    build.put("page:0", "k", {"p/0.html": "<p>0</p>"})
    build.commit()
    again = SiteBuild(out)
    assert set(again.old_targets) == {"page:0"}
    again.unchanged("page:0", "k")
    stats = again.commit()
    assert (stats.removed, stats.switched) == (0, False)
