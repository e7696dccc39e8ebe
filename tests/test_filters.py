"""The filter engine: sentences, parameters, errors, and three engines that must agree
(numpy index, SQL reference, a plain predicate over Trail objects) on the 93 real
circuits of the Parc national des Cévennes (tests/data/filters/README.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from poi.i18n import language
from poi.text import html_to_text
from trails.errors import FilterError
from trails.filter_index import search
from trails.filter_params import format_duration, parse_duration_min
from trails.filters import (AccessibleFor, AscentRange, DifficultyIn, DurationRange, FilterSet, LengthRange, Near,
                            PracticeIn, Published, RouteTypeIn, TextQuery, ThemeAnyOf)
from trails.models import Trail
from trails.store import TrailStore
from trails.towns import TownFinder

from helpers import open_db

CEVENNES = Path(__file__).parent / "data" / "filters" / "pnc_cevennes_93_treks_reduced.geojson"
PRACTICES = {"pédestre": "walking", "VTT": "mountain_bike", "trail": "trail_running"}
ROUTES = {"boucle": "loop", "aller-retour": "out_and_back", "itinérance": "one_way"}
LEVELS = {"Très facile": "very_easy", "Facile": "easy", "Moyen": "medium", "Difficile": "hard",
          "Très difficile": "very_hard"}


def din33466_min(length_m: float, ascent_m: float, descent_m: float) -> int:
    """DIN 33466: t_h = km/4, t_v = D+/300 + D-/500 (hours), t = max + min/2."""
    h, v = length_m / 1000 / 4, ascent_m / 300 + descent_m / 500
    return round((max(h, v) + min(h, v) / 2) * 60)


def cevennes_trails() -> list[Trail]:
    """The 93 circuits as Trails; a few are unpublished or carry staff overrides, as in real catalogues."""
    trails = []
    for i, feature in enumerate(json.loads(CEVENNES.read_text(encoding="utf-8"))["features"]):
        p = feature["properties"]
        length_m, up, down = float(p["longueur"]), float(p["denivele_positif"]), -float(p["denivele_negatif"])
        trail = Trail(
            name=p["nom_itineraire"], summary=html_to_text(p["presentation_courte"]),
            segments=[[tuple(c) + (None,) for c in feature["geometry"]["coordinates"]]],
            practice=PRACTICES[p["pratique"]], route_type=ROUTES[p["type_itineraire"]],
            themes=[t for t in p["themes"].split(",") if t], length_m=length_m, ascent_m=up, descent_m=down,
            duration_computed_min=din33466_min(length_m, up, down), difficulty_computed="medium",
            duration_published_min=round(p["duree"] * 60) if i % 7 else None,
            difficulty_published=LEVELS[p["difficulte"]], commune=p["communes_nom"],
            published=i % 5 != 0, source="pnc", source_id=str(p["eid"]))
        if i % 11 == 3:
            trail.duration_override_min = 75
        if i % 13 == 4:
            trail.difficulty_override = "hard"
        if i % 17 == 5:
            trail.route_type_override = "out_and_back"
        # as staff tick them (the park's export leaves accessibilite empty)
        trail.accessibility = [c for c, every in (("pushchair", 3), ("reduced_mobility", 4)) if i % every == 0]
        trails.append(trail)
    return trails


@pytest.fixture(scope="module")
def cevennes():
    db = open_db(":memory:")
    store = TrailStore(db)
    for trail in cevennes_trails():
        store.save(trail)
    yield store
    db.conn.close()


# -- sentences -----------------------------------------------------------------------------------
SENTENCES = [
    (DurationRange(max_duration_min=150), "walking time under 2 h 30", "marche de moins de 2 h 30"),
    (DurationRange(min_duration_min=60), "walking time of 1 h or more", "marche de 1 h ou plus"),
    (DurationRange(45, 125), "walking time between 45 min and 2 h 05", "marche entre 45 min et 2 h 05"),
    (LengthRange(5, 10), "between 5 and 10 km", "entre 5 et 10 km"),
    (LengthRange(max_length_km=7.5), "under 7.5 km", "moins de 7,5 km"),
    (LengthRange(min_length_km=12), "12 km or more", "12 km ou plus"),
    (AscentRange(max_ascent_m=500), "ascent under 500 m", "dénivelé positif de moins de 500 m"),
    (AscentRange(200, 800), "ascent between 200 and 800 m", "dénivelé positif entre 200 et 800 m"),
    (DifficultyIn(("easy", "medium")), "difficulty: easy or medium", "difficulté : facile ou moyen"),
    (DifficultyIn(("very_easy", "easy", "medium")), "difficulty: very easy, easy or medium",
     "difficulté : très facile, facile ou moyen"),
    (ThemeAnyOf(("religious_heritage",)), "theme: religious heritage", "thème : patrimoine religieux"),
    (ThemeAnyOf(("Forêt", "Faune et flore")), "theme: Forêt or Faune et flore",
     "thème : Forêt ou Faune et flore"),
    (PracticeIn(("mountain_bike",)), "practice: mountain biking", "pratique : VTT"),
    (RouteTypeIn(("loop",)), "loops only", "boucles uniquement"),
    (RouteTypeIn(("out_and_back", "one_way")), "route type: out and back or one way",
     "type d’itinéraire : aller-retour ou aller simple"),
    (Near(44.2, 3.7, 10), "within 10 km of 44.2, 3.7", "à moins de 10 km de 44.2, 3.7"),
    (Near(44.177, 3.4297, 2.5), "within 2.5 km of 44.177, 3.4297", "à moins de 2,5 km de 44.177, 3.4297"),
    (Near(44.177, 3.4297, 8, town="Meyrueis"), "within 8 km of Meyrueis", "à moins de 8 km de Meyrueis"),
    (AccessibleFor(("pushchair",)), "suitable for pushchairs", "adapté aux poussettes"),
    (AccessibleFor(("reduced_mobility",)), "accessible with reduced mobility",
     "accessible aux personnes à mobilité réduite"),
    (AccessibleFor(("pushchair", "reduced_mobility")),
     "suitable for pushchairs and accessible with reduced mobility",
     "adapté aux poussettes et accessible aux personnes à mobilité réduite"),
    (TextQuery("moulin"), "matching “moulin”", "contenant « moulin »"),
    (Published(), "published only", "publiés uniquement"),
]


@pytest.mark.parametrize("flt, english, french", SENTENCES, ids=[s[1] for s in SENTENCES])
def test_each_filter_says_why_a_trail_is_listed(flt, english, french):
    with language("en"):
        assert flt.human() == english
    with language("fr"):
        assert flt.human() == french


# -- parameters --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, minutes", [
    ("2h30", 150), ("2h", 120), ("90", 90), ("90min", 90), ("90 mn", 90), ("1:45", 105), ("2 h 30", 150),
    ("2H30min", 150), ("1.5h", 90), ("1,5 h", 90), ("0", 0), (" 45 ", 45)])
def test_durations_as_people_write_them(text, minutes):
    assert parse_duration_min(text) == minutes


@pytest.mark.parametrize("text", ["2x", "", "h", "-30", "2h75", "1:75", "two hours", "2h30h", "1:5"])
def test_unreadable_durations_say_how_to_write_one(text):
    with language("en"), pytest.raises(FilterError, match=r"write minutes \(90\) or hours and minutes"):
        parse_duration_min(text)


@pytest.mark.parametrize("params, message", [
    ({"max_duration": "2x"}, "cannot read the duration"),
    ({"min_length_km": "five"}, 'cannot read the length "five": write a positive number of km'),
    ({"max_ascent": "-10"}, "cannot read the ascent"),
    ({"min_duration": "3h", "max_duration": "1h"}, "minimum is above the maximum"),
    ({"min_length_km": "nan"}, "cannot read the length"),
    ({"difficulty": "impossible"}, 'unknown difficulty "impossible": choose among very_easy, easy'),
    ({"practice": "parachute"}, "unknown practice"),
    ({"route_type": "circle"}, "unknown route type"),
    ({"near": "44.2"}, '"near" must be "latitude,longitude"'),
    ({"near": "95,3.7"}, '"near" must be "latitude,longitude"'),
    ({"near": "44.2,3.7", "radius_km": "0"}, "radius must be a positive number"),
    ({"radius_km": "5"}, '"radius_km" needs "near"'),
    ({"loop": "maybe"}, '"loop" must be 1 or 0'),
    ({"published": "perhaps"}, '"published" must be 1'),
    ({"accessibility": "ski"}, 'unknown accessibility "ski": choose among pushchair, reduced_mobility'),
    ({"town": "Meyrueis"}, '"town" needs the catalogue'),
    ({"town": "Meyrueis", "near": "44.2,3.7"}, 'either "near" .* or "town"'),
])
def test_bad_values_raise_filter_errors_with_a_hint(params, message):
    with language("en"), pytest.raises(FilterError, match=message.replace("(", r"\(")):
        FilterSet.from_params(params, staff=True)


def test_an_open_range_on_both_sides_is_refused():
    with language("en"), pytest.raises(FilterError, match="a minimum, a maximum or both"):
        DurationRange()


def test_filter_error_is_a_balise_error_and_a_value_error():
    from poi.errors import BaliseError

    with pytest.raises(FilterError) as caught:
        FilterSet.from_params({"max_duration": "2x"})
    assert isinstance(caught.value, BaliseError) and isinstance(caught.value, ValueError)


ROUND_TRIPS = [
    {"max_duration": "2h30"},
    {"min_duration": "45", "max_duration": "8h"},
    {"min_length_km": "5", "max_length_km": "10.5"},
    {"min_ascent": "200", "max_ascent": "800"},
    {"difficulty": ["easy", "medium"], "theme": ["Forêt", "Faune et flore"]},
    {"practice": ["mountain_bike"], "route_type": ["out_and_back", "one_way"]},
    {"loop": "1"},
    {"near": "44.177,3.4297", "radius_km": "2.5"},
    {"q": "Moulin du Bougès"},
    {"published": "1", "max_duration": "1h05", "difficulty": ["hard"]},
    {"accessibility": ["pushchair", "reduced_mobility"]},
]


@pytest.mark.parametrize("params", ROUND_TRIPS, ids=lambda p: ",".join(p))
def test_to_params_reads_back_into_the_same_filters(params):
    fs = FilterSet.from_params(params, staff=True)
    assert fs.to_params(staff=True) == params
    assert FilterSet.from_params(fs.to_params(staff=True), staff=True) == fs
    public = FilterSet.from_params(params)
    assert FilterSet.from_params(public.to_params()) == public


def test_params_accept_labels_commas_and_multidicts():
    from werkzeug.datastructures import MultiDict

    fs = FilterSet.from_params(MultiDict([("difficulty", "Très facile"), ("difficulty", "easy,moyen"),
                                          ("practice", "VTT"), ("route_type", "boucle"), ("page", "3"),
                                          ("max_duration", "")]))
    assert fs.get("difficulty") == DifficultyIn(("very_easy", "easy", "medium"))
    assert fs.get("practice") == PracticeIn(("mountain_bike",))
    assert fs.get("route_type") == RouteTypeIn(("loop",))
    assert fs.get("duration") is None
    fs = FilterSet.from_params(MultiDict([("accessibility", "Poussette"), ("accessibility", "PMR")]))
    assert fs.get("accessibility") == AccessibleFor(("pushchair", "reduced_mobility"))


def test_the_public_only_ever_sees_published_trails_and_staff_see_all_by_default():
    assert [f.key for f in FilterSet.from_params({"published": "0"})] == ["published"]
    assert FilterSet.from_params({}).to_params() == {}
    assert len(FilterSet.from_params({}, staff=True)) == 0
    assert [f.key for f in FilterSet.from_params({"published": "1"}, staff=True)] == ["published"]


def test_describe_can_leave_out_published_only():
    fs = FilterSet.from_params({"loop": "1"})
    with language("en"):
        assert fs.describe() == ["loops only", "published only"]
        assert fs.describe(skip=["published"]) == ["loops only"]


@pytest.mark.parametrize("text", ["Église Saint-Étienne", "Œuvre ﬁne", "ΟΔΟΣ ΑΣ", "Ô domaine de Roquedols !",
                                  "e\u0301cole", "ǅemal", "İstanbul", "Straße", "Ａｂｃ", "x\u0327\u0301y", "ﷺ",
                                  "  Mas  cévenol\tde La Roquette\n", ""])
def test_fast_folding_is_poi_text_fold(text):
    from poi.text import fold
    from trails.filter_params import fold_text

    assert fold_text(text) == " ".join(fold(text).split())


def test_format_duration_edge_cases():
    assert [format_duration(m) for m in (0, 59, 60, 61, 600)] == ["0 min", "59 min", "1 h", "1 h 01", "10 h"]


# -- engines agree -------------------------------------------------------------------------------
QUERIES = [
    {},
    {"max_duration": "2h30"},
    {"min_duration": "1h", "max_duration": "4h", "difficulty": "easy"},
    {"min_length_km": "5", "max_length_km": "10"},
    {"max_ascent": "300", "practice": "walking"},
    {"difficulty": ["hard", "very_hard"], "practice": "mountain_bike"},
    {"theme": ["Forêt", "Eau et géologie"], "loop": "1"},
    {"theme": "Causses et Cévennes / UNESCO"},
    {"route_type": ["out_and_back", "one_way"]},
    {"near": "44.177,3.4297", "radius_km": "5"},
    {"near": "44.3,3.6", "radius_km": "25", "max_duration": "3h"},
    {"q": "moulin"},
    {"q": "col"},
    {"q": "meyrueis", "difficulty": "easy"},
    {"q": "zzz-nothing"},
    {"published": "1", "difficulty": "medium", "theme": "Histoire et culture"},
    {"published": "1", "min_duration": "8h"},
    {"accessibility": "pushchair"},
    {"accessibility": ["pushchair", "reduced_mobility"], "loop": "1"},
    {"accessibility": "reduced_mobility", "difficulty": "easy", "theme": "Forêt"},
    {"town": "Meyrueis", "radius_km": "8"},
    {"town": "saint-jean", "accessibility": "pushchair", "radius_km": "30"},
]


def _predicate_engine(trails, fs, skip=None):
    return [t for t in trails if all(f.matches(t) for f in fs if f.key != skip)]


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "all")
@pytest.mark.parametrize("sort", ["name", "-duration", "length", "-ascent"])
def test_index_sql_and_predicate_engines_agree(cevennes, params, sort):
    fs = FilterSet.from_params(params, staff=True, towns=TownFinder(cevennes))
    fast = search(cevennes, fs, sort=sort)
    reference = search(cevennes, fs, sort=sort, engine="sql")
    assert [t.id for t in fast.trails] == [t.id for t in reference.trails]
    assert fast.total == reference.total == len(fast.trails)
    assert fast.facets == reference.facets
    plain = _predicate_engine(cevennes.all(), fs)
    assert sorted(t.id for t in plain) == sorted(t.id for t in fast.trails)


@pytest.mark.parametrize("params", QUERIES[1:8], ids=lambda p: ",".join(p))
def test_pages_are_slices_of_the_full_order(cevennes, params):
    fs = FilterSet.from_params(params, staff=True)
    full = [t.id for t in search(cevennes, fs, sort="-duration").trails]
    for offset in (0, 3, 50):
        for engine in ("index", "sql"):
            page = search(cevennes, fs, sort="-duration", limit=4, offset=offset, engine=engine)
            assert [t.id for t in page.trails] == full[offset:offset + 4]
            assert page.total == len(full)


def test_each_facet_is_counted_under_the_other_filters(cevennes):
    trails = cevennes.all()
    fs = FilterSet.from_params({"difficulty": "easy", "practice": "walking"}, staff=True)
    result = search(cevennes, fs)
    walking = [t for t in trails if t.practice == "walking"]
    easy = [t for t in trails if t.difficulty == "easy"]
    assert result.total == len([t for t in walking if t.difficulty == "easy"])
    # choosing "easy" still shows how many walking trails are "medium"
    assert result.facets["difficulty"]["medium"] == len([t for t in walking if t.difficulty == "medium"]) > 0
    # and the practice facet counts the easy trails of each practice
    assert result.facets["practice"]["mountain_bike"] == len([t for t in easy if t.practice == "mountain_bike"])
    assert result.facets["theme"]["Forêt"] == len([t for t in walking if t.difficulty == "easy"
                                                   and "Forêt" in t.themes])
    assert list(result.facets["duration"]) == ["<1h", "1-2h", "2-4h", "4-8h", ">8h"]
    assert sum(result.facets["duration"].values()) == result.total


def test_facets_keep_known_values_in_order_and_the_selected_ones(cevennes):
    fs = FilterSet.from_params({"theme": "religious_heritage", "practice": "snowshoe"}, staff=True)
    result = search(cevennes, fs)
    assert result.total == 0
    assert list(result.facets["difficulty"]) == ["very_easy", "easy", "medium", "hard", "very_hard"]
    assert result.facets["theme"]["religious_heritage"] == 0
    assert result.facets["practice"]["snowshoe"] == 0
    themes = search(cevennes, FilterSet()).facets["theme"]
    assert list(themes)[0] == "Architecture et village" and themes["Architecture et village"] == 55


def test_accessibility_requires_every_choice_and_is_a_facet(cevennes):
    trails = cevennes.all()
    both = search(cevennes, FilterSet.from_params({"accessibility": "pushchair,reduced_mobility"}, staff=True))
    assert {t.id for t in both.trails} == {t.id for t in trails if {"pushchair", "reduced_mobility"}
                                          <= set(t.accessibility)}
    assert both.total == 8  # i % 12 == 0 among 93
    # the facet is counted under the other filters, not its own
    assert both.facets["accessibility"] == {"pushchair": 31, "reduced_mobility": 24}
    loops = search(cevennes, FilterSet.from_params({"loop": "1"}, staff=True))
    assert loops.facets["accessibility"]["pushchair"] == len(
        [t for t in trails if t.effective_route_type == "loop" and "pushchair" in t.accessibility])
    empty = search(cevennes, FilterSet.from_params({"practice": "snowshoe"}, staff=True)).facets
    assert empty["accessibility"] == {"pushchair": 0, "reduced_mobility": 0}


def test_durations_follow_override_then_published_then_computed(cevennes):
    fs = FilterSet.from_params({"min_duration": "75", "max_duration": "75"}, staff=True)
    names = {t.name for t in search(cevennes, fs).trails}
    assert all(t.duration_min == 75 for t in search(cevennes, fs).trails)
    assert any(t.duration_source == "override" for t in search(cevennes, fs).trails) and names


def test_text_query_folds_case_and_diacritics(cevennes):
    names = lambda q: [t.name for t in search(cevennes, [TextQuery(q)]).trails]  # noqa: E731
    assert names("moulin") == ["Moulin du Bougès"]
    assert names("MOULIN bouges") == ["Moulin du Bougès"]
    assert "Ô domaine de Roquedols !" in names("o domaine")
    assert "Les Cascades d'Orgon" in names("arphy")  # commune
    assert names("cascades zzz") == []


def test_near_measures_geodesic_distance_to_the_trailhead(cevennes):
    from poi.geo import geodesic_distance_m

    lat, lon = 44.177454, 3.429864  # trailhead of "Pauparelle" (Meyrueis)
    result = search(cevennes, [Near(lat, lon, 1.0)])
    for trail in cevennes.all():
        start = trail.start
        inside = geodesic_distance_m(start[0], start[1], lon, lat) <= 1000
        assert inside == (trail.id in {t.id for t in result.trails}), trail.name
    assert "Pauparelle" in {t.name for t in result.trails}


def test_published_filter_and_unpublished_trails(cevennes):
    everything = search(cevennes, FilterSet.from_params({}, staff=True))
    public = search(cevennes, FilterSet.from_params({}))
    assert everything.total == 93
    assert public.total == len([t for t in cevennes.all() if t.published]) < 93
    assert all(t.published for t in public.trails)


def test_bad_sort_and_page_raise_filter_errors(cevennes):
    with pytest.raises(FilterError):
        search(cevennes, [], sort="colour")
    with pytest.raises(FilterError):
        search(cevennes, [], limit=-1)


# -- the index follows the table -------------------------------------------------------------------
def test_index_is_rebuilt_when_trails_change(trail_store):
    trail = Trail(name="Moulin de la Fos", duration_published_min=60, published=True,
                  segments=[[(3.6, 44.2, None), (3.61, 44.21, None)]])
    assert search(trail_store, [TextQuery("moulin")]).total == 0
    trail_store.save(trail)
    assert search(trail_store, [TextQuery("moulin")]).total == 1
    trail_store.set_published(trail.id, False)
    assert search(trail_store, FilterSet.from_params({"q": "moulin"})).total == 0
    trail.name = "Lavoir de la Fos"
    trail_store.save(trail)
    assert search(trail_store, [TextQuery("moulin")]).total == 0
    trail_store.delete(trail.id)
    assert search(trail_store, [TextQuery("lavoir")]).total == 0


def test_index_sees_writes_of_other_connections(tmp_path):
    path = tmp_path / "balise.db"
    reader, writer = TrailStore(open_db(path)), TrailStore(open_db(path))
    try:
        assert search(reader, []).total == 0
        writer.save(Trail(name="Castelbouc", duration_published_min=120))
        assert [t.name for t in search(reader, []).trails] == ["Castelbouc"]
    finally:
        reader.db.conn.close()
        writer.db.conn.close()


def test_with_a_revision_counter_connections_share_one_index(tmp_path):
    from trails.filter_index import trail_index

    path = tmp_path / "balise.db"
    first = open_db(path)
    second = open_db(path)
    a, b = TrailStore(first), TrailStore(second)
    try:
        a.save(Trail(name="Castelbouc", duration_published_min=120))
        assert trail_index(a) is trail_index(b)  # built once for the file
        b.save(Trail(name="Moulin du Bougès", duration_published_min=228))
        assert [t.name for t in search(a, [TextQuery("moulin")]).trails] == ["Moulin du Bougès"]
        assert trail_index(a) is trail_index(b)
    finally:
        first.conn.close()
        second.conn.close()


def test_empty_catalogue(trail_store):
    result = search(trail_store, FilterSet.from_params({"q": "moulin", "near": "44,3"}))
    assert result.trails == [] and result.total == 0
    assert result.facets["duration"] == {"<1h": 0, "1-2h": 0, "2-4h": 0, "4-8h": 0, ">8h": 0}
