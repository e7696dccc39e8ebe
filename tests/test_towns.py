"""Towns for the "near a town" filter: points from the real Cévennes circuits (and POIs' communes),
folded-name matching, errors that list close names, the filter built from ``town=``."""
from __future__ import annotations

import pytest

from poi.geo import geodesic_distance_m
from poi.i18n import language
from poi.models import POI
from poi.store import PoiStore
from trails.errors import FilterError
from trails.filter_index import search
from trails.filters import FilterSet, Near
from trails.models import Trail
from trails.store import TrailStore
from trails.towns import TownFinder, find_town, known_towns, town_names

from test_filters import cevennes_trails

from helpers import open_db


@pytest.fixture(scope="module")
def cevennes():
    db = open_db(":memory:")
    store = TrailStore(db)
    for trail in cevennes_trails():
        store.save(trail)
    yield store
    db.conn.close()


@pytest.mark.parametrize("text, name", [
    ("Meyrueis", "Meyrueis"), ("MEYRUEIS", "Meyrueis"), ("saint-jean", "Saint-Jean-du-Gard"),
    ("saint jean du gard", "Saint-Jean-du-Gard"), ("Lanuejols", "Lanuéjols"), ("l'estrechure", "L'Estréchure"),
    ("pont de montvert", "Le Pont-de-Montvert"), ("Sainte-Enimie", "Sainte-Enimie")])
def test_town_names_match_folded(cevennes, text, name):
    assert TownFinder(cevennes)(text).name == name


def test_a_town_is_the_median_of_the_trailheads_of_its_own_trails(cevennes):
    meyrueis = find_town(known_towns(cevennes), "Meyrueis")
    alone = [t.start for t in cevennes.all() if t.commune == "Meyrueis"]
    assert len(alone) == 5 and meyrueis.trails == 9  # 5 alone + 4 shared with other communes
    # the median trailhead: every one of its own trails starts within 10 km of it
    assert all(geodesic_distance_m(s[0], s[1], meyrueis.lon, meyrueis.lat) < 10_000 for s in alone)
    assert (meyrueis.lon, meyrueis.lat) == (sorted(s[0] for s in alone)[2], sorted(s[1] for s in alone)[2])


@pytest.mark.parametrize("text, message", [
    ("Meyrueys", 'no trail or place in the catalogue is in the town "Meyrueys"; did you mean: Meyrueis?'),
    ("Paris", "choose a town from the list"),
    ("Saint-André", '"Saint-André" names several towns: Saint-André-de-Lancize, Saint-André-de-Majencoules'),
    ("  ", "write the name of a town")])
def test_unknown_or_ambiguous_towns_say_what_to_write(cevennes, text, message):
    with language("en"), pytest.raises(FilterError, match=message.replace("?", r"\?")):
        TownFinder(cevennes)(text)


def test_french_error_for_an_unknown_town(cevennes):
    with language("fr"), pytest.raises(FilterError, match="vouliez-vous dire : Meyrueis"):
        FilterSet.from_params({"town": "Meyrueys"}, towns=TownFinder(cevennes))


def test_town_filter_is_a_near_filter_named_after_the_town(cevennes):
    fs = FilterSet.from_params({"town": "florac", "radius_km": "5"}, staff=True, towns=TownFinder(cevennes))
    near = fs.get("near")
    assert isinstance(near, Near) and near.town == "Florac" and near.radius_km == 5
    assert fs.to_params(staff=True) == {"town": "Florac", "radius_km": "5"}
    assert FilterSet.from_params(fs.to_params(staff=True), staff=True, towns=TownFinder(cevennes)) == fs
    with language("en"):
        assert fs.describe() == ["within 5 km of Florac"]
    found = search(cevennes, fs).trails
    assert found and all(geodesic_distance_m(t.start[0], t.start[1], near.lon, near.lat) <= 5000 for t in found)
    assert sum("Florac" in t.commune for t in found) == 4  # the one starting 36 km away is not near


def test_the_town_list_offers_the_communes_where_trails_start(cevennes):
    names = town_names(cevennes)
    assert len(names) == 80 and "Meyrueis" in names and names.index("Saint-Jean-du-Gard") > names.index("Florac")


def test_pois_communes_are_towns_too_and_the_list_follows_changes(tmp_path):
    db = open_db(tmp_path / "balise.db")
    store = TrailStore(db)
    store.save(Trail(name="Tour de Vialas", commune="Vialas", segments=[[(3.8941, 44.3339, None),
                                                                         (3.90, 44.34, None)]]))
    assert [t.name for t in known_towns(store).values()] == ["Vialas"]
    PoiStore(db).upsert(POI(name="Temple", lon=3.8125, lat=44.2189, source="merimee", source_id="PA00103861",
                            extra={"commune": "Saint-Germain-de-Calberte"}))
    town = TownFinder(store)("germain")  # one of its words
    assert town.name == "Saint-Germain-de-Calberte" and (town.lon, town.lat, town.trails) == (3.8125, 44.2189, 0)
    assert town_names(store) == ["Vialas"] and town_names(store, with_trails=False) == [
        "Saint-Germain-de-Calberte", "Vialas"]
    db.conn.close()
