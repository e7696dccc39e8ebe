"""Deduplication across sources: matching rules, merge, split remembered, re-import into the merged POI."""
from __future__ import annotations

import json

import pytest

from poi.dedup import DedupError, Match, dedup, find_duplicates, merge, split
from poi.errors import NotFoundError
from poi.geo import geodesic_distance_m
from poi.importers import import_file
from poi.i18n import language
from poi.merge import categories_compatible, combine, name_similarity
from poi.models import POI, Media
from poi.store import PoiStore
from trails.models import Stop, Trail
from trails.store import TrailStore
from webapp.cli import cli

DEDUP = "dedup/toulouse_inventaire_3-records_caprais-capitole-darbou.geojson"
OSM = "dedup/osm-style_toulouse_3-nodes_DERIVED.geojson"
INVENTORY = dict(source="inventaire-toulouse", licence="Licence Ouverte 2.0",
                 attribution="Inventaire général du patrimoine culturel, Ville de Toulouse")
OSM_SOURCE = dict(source="osm", licence="ODbL 1.0", attribution="© OpenStreetMap contributors")


def load(store, data, *, inventory=True, osm=True):
    reports = []
    if inventory:
        reports.append(import_file(store, data / DEDUP, **INVENTORY))
    if osm:
        reports.append(import_file(store, data / OSM, **OSM_SOURCE))
    return reports


def by_name(store, word):
    return [p for p in store.all() if word.lower() in p.name.lower()]


# -- rules ----------------------------------------------------------------------------
@pytest.mark.parametrize("a, b, same", [
    ("Basilique Saint-Sernin", "basilique Saint Sernin", True),
    ("église paroissiale Saint-Caprais", "Église Saint-Caprais", True),
    ("Chapelle Saint-Jean", "Église Saint-Jean", True),            # church synonyms
    ("Capella de Sant Joan", "Chapelle Saint-Jean", False),         # Joan / Jean across languages: not resolved
    ("hôtel de ville appelé Capitole", "Capitole de Toulouse", True),
    ("Couvent des Jacobins", "Ensemble conventuel des Jacobins", True),
    ("hôtel Darbou", "Hôtel Darbou", True),
    ("Église Saint-Jean", "Église Saint-Pierre", False),
    ("Notre-Dame du Taur", "Notre-Dame de la Daurade", False),
    ("immeuble", "Ancien atelier, actuellement immeuble de logement", False),  # a bare type names nothing
    ("hôtel", "Hôtel, Boulbonne (rue) 13", False),
    ("Chapelle", "Église Saint-Jean", False),
])
def test_name_similarity_table(a, b, same):
    assert (name_similarity(a, b) >= 0.8) is same, name_similarity(a, b)
    assert name_similarity(a, b) == name_similarity(b, a)


@pytest.mark.parametrize("a, b, ok", [
    ("church", "monument", True), ("church", "church", True), ("other", "accommodation", True),
    ("accommodation", "monument", False), ("restaurant", "church", False), ("bridge", "castle", True),
])
def test_category_compatibility(a, b, ok):
    assert categories_compatible(a, b) is ok


def test_combine_keeps_the_richest_fields():
    osm = POI(name="Église Saint-Caprais", lon=1.46455, lat=43.63613, category="church", source="osm",
              source_id="n1", licence="ODbL 1.0", media=[Media("image", "https://example.org/a.jpg")],
              themes=["religious_heritage"], url="https://osm.example/n1", extra={"religion": "christian"})
    inv = POI(name="église paroissiale Saint-Caprais", lon=1.46467, lat=43.63605, category="church",
              source="inventaire-toulouse", source_id="IVC", licence="Licence Ouverte 2.0",
              description="<p>Une inscription gravée sur la clé...</p>", themes=["architecture"],
              media=[Media("image", "https://example.org/a.jpg"), Media("audio", "media/x.mp3")],
              url="https://inventaire.example/IVC", extra={"religion": "catholic", "century": "18e"})
    p = combine([osm, inv])
    assert (p.lon, p.lat, p.source, p.source_id) == (osm.lon, osm.lat, "osm", "n1")  # the survivor's place
    assert p.description == inv.description
    assert [m.url for m in p.media] == ["https://example.org/a.jpg", "media/x.mp3"]
    assert p.themes == ["religious_heritage", "architecture"]
    assert p.licence == "ODbL 1.0; Licence Ouverte 2.0"
    assert p.url == "https://inventaire.example/IVC"  # heritage source first
    assert p.extra == {"religion": "christian", "century": "18e"}
    # equal distinctive words: the heritage source's name wins
    assert p.name == "église paroissiale Saint-Caprais"


# -- finding on real data ---------------------------------------------------------------
def test_osm_and_inventory_records_of_one_building_match(store, data):
    load(store, data)
    matches = find_duplicates(store)
    pairs = {(store.get(m.a_id).name, store.get(m.b_id).name) for m in matches}
    assert pairs == {("église paroissiale Saint-Caprais", "Église Saint-Caprais"),
                     ("hôtel de ville appelé Capitole", "Capitole de Toulouse")}
    for m in matches:
        a, b = store.get(m.a_id), store.get(m.b_id)
        assert m.distance_m == pytest.approx(geodesic_distance_m(a.lon, a.lat, b.lon, b.lat))
        assert 10 < m.distance_m < 20
    # the hotel named "Hôtel Darbou" is not the hôtel particulier of the inventory
    assert all("Darbou" not in m.a_name for m in matches)


def test_distance_threshold(store, data):
    load(store, data)
    assert [m.b_name for m in find_duplicates(store, max_distance_m=15)] == ["Église Saint-Caprais"]
    with pytest.raises(DedupError):
        find_duplicates(store, max_distance_m=0)


def test_records_of_one_source_are_never_duplicates(store, data):
    import_file(store, data / "sources/toulouse/toulouse_inventaire_patrimoine_first-300.geojson",
                source="inventaire-toulouse")
    assert find_duplicates(store, min_similarity=0.3) == []


def test_two_channels_of_the_real_inventory_precision_and_recall(store, data):
    """818 real records, 71 true duplicates (same building through two published files): no false merge."""
    import_file(store, data / "sources/toulouse/toulouse_inventaire_patrimoine_first-300.geojson",
                source="toulouse-raw")
    import_file(store, data / "dedup/inventaire-toulouse_demo-build_71-records-also-in-first-300.geojson",
                source="inventaire-toulouse")
    import_file(store, data / "sources/osm/osm-overpass_fr-11_aude_tourism_2014.geojson", source="osm-aude")
    pois = store.all()
    raw = [p for p in pois if p.source == "toulouse-raw"]
    demo = [p for p in pois if p.source == "inventaire-toulouse"]
    truth = {(a.id, b.id) for a in raw for b in demo
             if abs(a.lon - b.lon) < 1e-4 and abs(a.lat - b.lat) < 1e-4
             and geodesic_distance_m(a.lon, a.lat, b.lon, b.lat) < 1}
    assert len(truth) == 71
    found = {(m.a_id, m.b_id) for m in find_duplicates(store)}
    assert found <= truth  # precision 1.0
    assert len(found) >= 64  # the 7 left are unnamed records ("hôtel" / "Hôtel, <address>")


# -- merging --------------------------------------------------------------------------
def test_dedup_merges_into_one_poi_with_both_provenances(store, data):
    load(store, data)
    before = store.count()
    report = dedup(store)
    assert report.merged == 2 and store.count() == before - 2
    caprais = by_name(store, "Caprais")
    assert len(caprais) == 1
    poi = caprais[0]
    prov = store.provenance(poi.id)
    assert [(p.source, p.matched_by.split(",")[0]) for p in prov] == [
        ("inventaire-toulouse", ""), ("osm", "distance 13 m")]
    assert "name similarity 1.00" in prov[1].matched_by
    assert prov[1].licence == "ODbL 1.0" and prov[0].licence == "Licence Ouverte 2.0"
    assert poi.licence == "Licence Ouverte 2.0; ODbL 1.0"
    assert "inscription" in poi.description  # the inventory's history text survives
    assert poi.category == "church"
    capitole = by_name(store, "Capitole")[0]
    assert capitole.name == "Capitole de Toulouse"  # more distinctive words than "hôtel de ville appelé Capitole"
    assert capitole.url == "https://www.toulouse.fr/"
    assert store.search("capitole")[0].id == capitole.id  # the text index follows the merged fields


def test_dry_run_finds_and_writes_nothing(store, data):
    load(store, data)
    snapshot = [p.name for p in store.all()]
    report = dedup(store, dry_run=True)
    assert len(report.matches) == 2 and report.merged == 0
    assert [p.name for p in store.all()] == snapshot
    with language("en"):
        assert report.summary() == "dry run, nothing written: 2 duplicates found"


def test_reimport_of_either_source_updates_the_merged_poi(store, data, tmp_path):
    load(store, data)
    dedup(store)
    count = store.count()
    # same files again: nothing changes, no duplicate comes back
    assert [(r.added, r.updated, r.unchanged) for r in load(store, data)] == [(0, 0, 3), (0, 0, 3)]
    assert store.count() == count
    # the OSM record changes: the merged POI is updated in place
    osm = json.loads((data / OSM).read_text(encoding="utf-8"))
    osm["features"][0]["properties"]["description"] = "Église du 18e siècle, clocher-mur. " * 20
    edited = tmp_path / "osm_edited.geojson"
    edited.write_text(json.dumps(osm, ensure_ascii=False), encoding="utf-8")
    report = import_file(store, edited, **OSM_SOURCE)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    poi = by_name(store, "Caprais")[0]
    assert report.ids == [poi.id]
    assert "clocher-mur" in poi.description  # now the longest description
    assert store.count() == count
    assert store.resolve("osm", "derived/caprais") == poi.id


def test_merge_moves_the_stops_of_both(store, data, trail_store):
    load(store, data)
    inv, osm = by_name(store, "Caprais")
    darbou = by_name(store, "Darbou")[0]
    t1 = trail_store.save(Trail(name="Croix-Daurade", segments=[[(1.4640, 43.6355), (1.4650, 43.6365)]]))
    t2 = trail_store.save(Trail(name="Minimes", segments=[[(1.4640, 43.6350), (1.4660, 43.6370)]]))
    trail_store.upsert_stops([Stop(t1, inv.id, 50.0, 3.0), Stop(t1, darbou.id, 80.0, 3.0),
                              Stop(t2, osm.id, 60.0, -2.0), Stop(t1, osm.id, 55.0, 1.0)])
    kept = merge(store, (osm.id, inv.id), reason="same church")
    assert kept.id == min(inv.id, osm.id)
    assert {s.poi_id for s in trail_store.stops(t1)} == {kept.id, darbou.id}
    assert [s.poi_id for s in trail_store.stops(t2)] == [kept.id]
    assert store.provenance(kept.id)[1].matched_by == "same church"
    with pytest.raises(NotFoundError):
        store.get(max(inv.id, osm.id))


def test_merge_errors(store, data):
    load(store, data)
    with pytest.raises(DedupError):
        merge(store, (1, 1))
    with pytest.raises(NotFoundError):
        merge(store, (1, 999))
    assert store.count() == 6


# -- splitting ------------------------------------------------------------------------
def test_split_is_remembered_across_dedup_and_reimport(store, data):
    load(store, data)
    dedup(store)
    merged = by_name(store, "Caprais")[0]
    out = split(store, merged.id, "osm", "derived/caprais", user="anne")
    assert out.id != merged.id and out.source == "osm" and out.name == "Église Saint-Caprais"
    rest = store.get(merged.id)
    assert rest.name == "église paroissiale Saint-Caprais" and rest.licence == "Licence Ouverte 2.0"
    assert [p.source for p in store.provenance(rest.id)] == ["inventaire-toulouse"]
    decision = store.decisions("split")[0]
    assert (decision["user"], decision["b_source_id"]) == ("anne", "derived/caprais")
    # never merged again: not by dedup, not by re-importing either source
    assert dedup(store).merged == 0
    load(store, data)
    assert len(by_name(store, "Caprais")) == 2
    assert all("Caprais" not in m.a_name for m in find_duplicates(store, min_similarity=0.3))
    # a staff merge overrides the split
    merge(store, (rest.id, out.id), user="anne")
    assert len(by_name(store, "Caprais")) == 1
    assert store.decisions("split") == []


def test_split_of_the_survivors_own_source(store, data):
    load(store, data)
    dedup(store)
    merged = by_name(store, "Capitole")[0]
    out = split(store, merged.id, "inventaire-toulouse:" + merged.source_id)
    rest = store.get(merged.id)
    assert (rest.source, rest.name) == ("osm", "Capitole de Toulouse")
    assert (out.source, out.name) == ("inventaire-toulouse", "hôtel de ville appelé Capitole")


def test_split_errors(store, data):
    load(store, data)
    poi = by_name(store, "Darbou")[0]
    with pytest.raises(NotFoundError):
        split(store, poi.id, poi.source, poi.source_id)  # not merged: nothing to split
    with pytest.raises(NotFoundError):
        split(store, 999, "osm", "x")


def test_split_key_with_colons_in_the_source_name(store):
    for p in [POI(name="Sant Joan de Caselles", lon=1.5830, lat=42.5644, category="church",
                  source="osm:andorra-2013", source_id="node/1"),
              POI(name="Església de Sant Joan de Caselles", lon=1.5831, lat=42.5645, category="church",
                  source="patrimoni:andorra", source_id="PC-12")]:
        store.upsert(p)
    assert dedup(store).merged == 1
    out = split(store, 1, "osm:andorra-2013:node/1")
    assert (out.source, out.source_id) == ("osm:andorra-2013", "node/1")


# -- CLI ----------------------------------------------------------------------------
def test_cli_dedup_sources_split(runner, data, db_path):
    for path, options in [(DEDUP, ["--source", "inventaire-toulouse"]), (OSM, ["--source", "osm"])]:
        assert runner.invoke(cli, ["poi", "import", str(data / path), *options]).exit_code == 0
    result = runner.invoke(cli, ["--lang", "en", "poi", "dedup", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "dry run, nothing written: 2 duplicates found"
    assert "distance 13 m, name similarity 1.00" in result.output
    result = runner.invoke(cli, ["--lang", "en", "poi", "dedup", "--max-distance-m", "15"])
    assert result.output.splitlines()[-1] == "1 duplicates merged"
    result = runner.invoke(cli, ["poi", "sources", "1", "--json"])
    rows = json.loads(result.output)
    assert [r["source"] for r in rows] == ["inventaire-toulouse", "osm"]
    result = runner.invoke(cli, ["--lang", "en", "poi", "split", "1", "osm:derived/caprais"])
    assert result.exit_code == 0, result.output
    assert "split from POI 1" in result.output
    result = runner.invoke(cli, ["poi", "split", "1", "osm:derived/caprais"])
    assert result.exit_code == 2 and "balise poi sources 1" in result.stderr
    result = runner.invoke(cli, ["poi", "merge", "2", "5"])
    assert result.exit_code == 0 and result.output.strip() == "2"
    assert runner.invoke(cli, ["poi", "dedup", "--max-distance-m", "-3"]).exit_code == 2


def test_match_reason():
    assert Match(1, 2, 12.4, 0.912).reason == "distance 12 m, name similarity 0.91"
