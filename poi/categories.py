"""From the tags and type words found in source data to Balise categories and themes.

Sources describe a place in two ways, and :func:`categorize` reads both:

* **OSM-like tags** (``tourism=viewpoint``, ``historic=castle``, ``amenity=place_of_worship``):
  looked up in :data:`OSM_TAGS`, most specific keys first (``historic`` before
  ``tourism``), so an abbey tagged ``tourism=attraction`` + ``historic=monastery``
  is religious heritage, not a generic attraction.
* **Words** in free-text type fields (``type``, ``category``, the Mérimée
  denomination ``chpdeno``, a GPX ``<sym>``) and, as a last resort, in the name:
  looked up in :data:`WORDS` (French first, some English). Matching is on
  diacritic-folded words, plural-tolerant, and the *earliest* word in the text
  wins, because French puts the head noun first: "Chapelle du château" is a chapel,
  "Pont du moulin" a bridge. Longer phrases win at the same position
  ("monument aux morts" over "monument").

The result is one category of :data:`poi.models.CATEGORIES` and a list of theme
codes of :data:`THEMES` (the codes trails use; :func:`theme_label` names them).
Services (beds, food, parking) get no theme. In a heritage inventory (Mérimée
denominations), "hôtel" is a town mansion, not a hotel, and anything
unrecognised is still architecture.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from poi.i18n import gettext as _
from poi.models import CATEGORIES
from poi.text import fold

#: Theme codes (stored with POIs; the same vocabulary as trail themes, see
#: ``trails.filter_params.LABELS``) and their English labels (translated by :func:`theme_label`).
THEMES: dict[str, str] = {
    "religious_heritage": "religious heritage", "military_heritage": "military heritage",
    "industrial_heritage": "industrial heritage", "rural_heritage": "rural heritage",
    "architecture": "architecture", "history": "history", "water": "water", "geology": "geology",
    "fauna_flora": "fauna and flora", "forest": "forest", "viewpoint": "viewpoints", "culture": "culture",
}

#: Categories of :data:`poi.models.CATEGORIES` that are heritage (what a heritage walk passes): generated
#: loops (``trails.loops``) count these.
HERITAGE_CATEGORIES = frozenset({"monument", "church", "castle", "museum", "mill", "bridge", "archaeology",
                                 "memorial"})

REL, MIL, IND, RUR = "religious_heritage", "military_heritage", "industrial_heritage", "rural_heritage"
BUILT, HIST, WATER, GEOL = "architecture", "history", "water", "geology"
NAT, FOREST, LAND, CULT = "fauna_flora", "forest", "viewpoint", "culture"

#: ``(key, value) -> (category, themes)``; value ``"*"`` matches any value of the key.
OSM_TAGS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    # historic=*
    ("historic", "castle"): ("castle", (MIL,)),
    ("historic", "fort"): ("castle", (MIL,)),
    ("historic", "manor"): ("castle", (BUILT,)),
    ("historic", "city_gate"): ("monument", (MIL,)),
    ("historic", "citywalls"): ("monument", (MIL,)),
    ("historic", "tower"): ("monument", (BUILT,)),
    ("historic", "monument"): ("monument", (BUILT, HIST)),
    ("historic", "memorial"): ("memorial", (HIST,)),
    ("historic", "war_memorial"): ("memorial", (HIST,)),
    ("historic", "wayside_cross"): ("monument", (REL,)),
    ("historic", "wayside_shrine"): ("monument", (REL,)),
    ("historic", "church"): ("church", (REL,)),
    ("historic", "chapel"): ("church", (REL,)),
    ("historic", "monastery"): ("church", (REL,)),
    ("historic", "ruins"): ("monument", (BUILT, HIST)),
    ("historic", "archaeological_site"): ("archaeology", (HIST,)),
    ("historic", "bridge"): ("bridge", (BUILT,)),
    ("historic", "mill"): ("mill", (IND,)),
    ("historic", "mine"): ("monument", (IND,)),
    ("historic", "mine_shaft"): ("monument", (IND,)),
    ("historic", "kiln"): ("monument", (IND,)),
    ("historic", "lime_kiln"): ("monument", (IND,)),
    ("historic", "charcoal_pile"): ("monument", (IND, FOREST)),
    ("historic", "boundary_stone"): ("monument", (HIST,)),
    ("historic", "milestone"): ("monument", (HIST,)),
    ("historic", "building"): ("monument", (BUILT,)),
    ("historic", "house"): ("monument", (BUILT,)),
    # man_made=*
    ("man_made", "watermill"): ("mill", (IND, WATER)),
    ("man_made", "windmill"): ("mill", (IND,)),
    ("man_made", "bridge"): ("bridge", (BUILT,)),
    ("man_made", "cross"): ("monument", (REL,)),
    ("man_made", "lighthouse"): ("monument", (BUILT,)),
    ("man_made", "water_well"): ("water", (RUR, WATER)),
    ("man_made", "kiln"): ("monument", (IND,)),
    # natural=*, waterway=*
    ("natural", "spring"): ("water", (WATER,)),
    ("natural", "peak"): ("viewpoint", (LAND,)),
    ("natural", "saddle"): ("viewpoint", (LAND,)),
    ("natural", "volcano"): ("viewpoint", (LAND, GEOL)),
    ("natural", "cave_entrance"): ("nature", (GEOL,)),
    ("natural", "waterfall"): ("water", (WATER,)),
    ("waterway", "waterfall"): ("water", (WATER,)),
    ("natural", "tree"): ("nature", (NAT,)),
    ("natural", "wood"): ("nature", (FOREST,)),
    ("natural", "rock"): ("nature", (GEOL,)),
    ("natural", "stone"): ("nature", (GEOL,)),
    ("natural", "cliff"): ("nature", (GEOL,)),
    ("natural", "water"): ("nature", (WATER,)),
    # amenity=* and transport
    ("amenity", "place_of_worship"): ("church", (REL,)),
    ("amenity", "monastery"): ("church", (REL,)),
    ("amenity", "fountain"): ("water", (RUR, WATER)),
    ("amenity", "lavoir"): ("water", (RUR, WATER)),
    ("amenity", "drinking_water"): ("water", ()),
    ("amenity", "water_point"): ("water", ()),
    ("amenity", "townhall"): ("monument", (BUILT,)),
    ("amenity", "marketplace"): ("shop", ()),
    ("building", "church"): ("church", (REL,)),
    ("building", "chapel"): ("church", (REL,)),
    ("building", "cathedral"): ("church", (REL,)),
    # tourism=*, leisure=*
    ("tourism", "viewpoint"): ("viewpoint", (LAND,)),
    ("tourism", "museum"): ("museum", (CULT,)),
    ("tourism", "gallery"): ("museum", (CULT,)),
    ("tourism", "artwork"): ("monument", (CULT,)),
    ("tourism", "information"): ("information", ()),
    ("tourism", "picnic_site"): ("picnic", ()),
    ("leisure", "picnic_table"): ("picnic", ()),
    ("leisure", "park"): ("nature", (NAT,)),
    ("leisure", "garden"): ("nature", (NAT,)),
    ("leisure", "nature_reserve"): ("nature", (NAT,)),
    ("shop", "*"): ("shop", ()),
    **{("amenity", v): ("restaurant", ()) for v in ("restaurant", "cafe", "bar", "pub", "fast_food")},
    **{("amenity", v): ("parking", ()) for v in ("parking", "bicycle_parking")},
    ("amenity", "toilets"): ("toilets", ()),
    **{("information", v): ("signpost", ()) for v in ("guidepost", "route_marker", "signpost")},
    **{("information", v): ("information", ()) for v in ("board", "office", "map", "visitor_centre")},
    **{("amenity", v): ("other", (CULT,)) for v in ("theatre", "arts_centre")},
    **{kv: ("transport", ()) for kv in (("amenity", "bus_station"), ("railway", "station"), ("railway", "halt"),
                                        ("highway", "bus_stop"), ("public_transport", "station"))},
    **{("tourism", v): ("accommodation", ()) for v in (
        "hotel", "guest_house", "hostel", "motel", "chalet", "apartment", "camp_site", "caravan_site",
        "alpine_hut", "wilderness_hut", "bed_and_breakfast")},
}

#: Keys in the order they are tried (most specific first).
OSM_KEYS = ("historic", "man_made", "natural", "waterway", "building", "amenity", "railway",
            "public_transport", "highway", "information", "tourism", "leisure", "shop")

#: Tags that say little ("an attraction"): the name's words are tried before them.
WEAK_TAGS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("tourism", "attraction"): ("other", ()),
    ("tourism", "zoo"): ("other", (NAT,)),
    ("tourism", "theme_park"): ("other", ()),
    ("historic", "yes"): ("monument", (HIST,)),
    ("tourism", "yes"): ("other", ()),
    ("amenity", "shelter"): ("other", ()),
}

#: Themes of each category when nothing more precise is known.
CATEGORY_THEMES: dict[str, tuple[str, ...]] = {
    "monument": (BUILT,), "church": (REL,), "castle": (MIL,), "museum": (CULT,), "mill": (IND,),
    "bridge": (BUILT,), "archaeology": (HIST,), "memorial": (HIST,), "viewpoint": (LAND,), "nature": (NAT,),
    "water": (WATER,),
}

#: A category a source gives that the rest of its tags may narrow down.
REFINES: dict[str, tuple[str, ...]] = {"information": ("signpost",)}

STORY, SERVICE, WAYMARK = "story", "service", "waymark"

#: What a POI of each category is on a walk (DESIGN.md, offline bundle contract). A *story*
#: stop tells the place and is pushed as a card when the walker comes near; a *service* is help at
#: hand (listed by distance along the walk, pushed only to a walker who asked for alerts of its
#: category); a *waymark* (signpost, guidepost) is never a stop: it is drawn on the map and
#: exported as a GPX waypoint. Staff may make any stop a story or a service (``trail_stops.kind``).
#: ``water`` is read with the themes: see :func:`stop_kind`.
STOP_KINDS: dict[str, str] = {
    **{c: STORY for c in ("monument", "church", "castle", "museum", "mill", "bridge", "archaeology",
                          "memorial", "viewpoint", "nature", "water", "other")},
    **{c: SERVICE for c in ("picnic", "accommodation", "restaurant", "shop", "parking", "information",
                            "transport", "toilets")},
    "signpost": WAYMARK,
}
#: Service categories a walker may ask to be alerted for, in the order the bundle offers them.
ALERT_CATEGORIES = ("water", "restaurant", "toilets", "shop", "accommodation", "picnic", "transport",
                    "information", "parking")


def stop_kind(category: str, themes=()) -> str:
    """``story``, ``service`` or ``waymark``: what a POI of ``category`` is on a walk.

    A fountain, a lavoir or a waterfall (``water`` with themes) tells a story; a bare drinking
    water point (``water``, no theme) is a service. Unknown categories are stories.

    >>> stop_kind("church"), stop_kind("parking"), stop_kind("signpost")
    ('story', 'service', 'waymark')
    >>> stop_kind("water", ["rural_heritage", "water"]), stop_kind("water", [])
    ('story', 'service')
    >>> stop_kind("no-such-category")
    'story'
    """
    if category == "water" and not themes:
        return SERVICE
    return STOP_KINDS.get(category, STORY)


#: Keys whose values are free text describing the kind of place.
TEXT_KEYS = ("category", "categorie", "categories", "type", "types", "kind", "nature", "sym",
             "symbol", "type1", "deno", "denomination", "chpdeno")
#: Keys of heritage inventories (Mérimée family): see :data:`HERITAGE_WORDS`.
HERITAGE_KEYS = ("chpdeno", "deno", "denomination")


def _each(words: str, value: tuple[str, tuple[str, ...]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {w.strip(): value for w in words.split(",") if w.strip()}


#: Words and phrases (diacritics folded, "," separates entries) -> (category, themes).
#: French first, then English; the Balise category names map to themselves.
WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{c: (c, CATEGORY_THEMES.get(c, ())) for c in CATEGORIES if c != "other"},
    **_each("eglise, chapelle, cathedrale, basilique, abbaye, abbatiale, prieure, couvent, monastere, "
            "chartreuse, commanderie, ermitage, temple, collegiale, sanctuaire, "
            "church, chapel, cathedral, abbey, monastery", ("church", (REL,))),
    **_each("croix, calvaire, oratoire, cross, wayside cross", ("monument", (REL,))),
    **_each("chateau, chateau fort, forteresse, donjon, citadelle, castrum, fort, remparts, castle",
            ("castle", (MIL,))),
    "manoir": ("castle", (BUILT,)),
    **_each("pont, passerelle, viaduc, aqueduc, bridge", ("bridge", (BUILT,))),
    **_each("monument, ruine, tour, porte, halle, mairie, kiosque, hotel particulier, hotel de ville, "
            "hotel dieu, monument historique, ruins", ("monument", (BUILT,))),
    **_each("pigeonnier, four a pain, borne, cabane, capitelle, cazelle, bergerie, grange",
            ("monument", (RUR,))),
    **_each("monument aux morts, monument commemoratif, memorial, stele, plaque commemorative, "
            "cimetiere, cemetery, war memorial", ("memorial", (HIST,))),
    **_each("moulin, moulin a vent, mill, windmill", ("mill", (IND,))),
    **_each("moulin a eau, watermill", ("mill", (IND, WATER))),
    **_each("usine, forge, mine, four a chaux, tuilerie, filature, martinet, scierie, atelier",
            ("monument", (IND,))),
    "chateau d eau": ("monument", (IND, WATER)),
    **_each("lavoir, fontaine, abreuvoir, puits, fountain", ("water", (RUR, WATER))),
    **_each("source, cascade, resurgence, spring, waterfall", ("water", (WATER,))),
    **_each("point d eau, eau potable, drinking water", ("water", ())),
    **_each("ecluse, canal, barrage", ("water", (IND, WATER))),
    **_each("dolmen, menhir, oppidum, tumulus, site archeologique, villa gallo romaine, archeologie, "
            "archaeological site, cromlech", ("archaeology", (HIST,))),
    **_each("point de vue, belvedere, panorama, table d orientation, viewpoint, scenic area, observatoire, "
            "sommet, pic, col, summit, peak", ("viewpoint", (LAND,))),
    **_each("grotte, gouffre, aven, geologie, rocher, falaise, cave", ("nature", (GEOL,))),
    **_each("faune, flore, arbre, jardin, parc, reserve naturelle, zone humide, tourbiere, park",
            ("nature", (NAT,))),
    **_each("foret, bois, forest", ("nature", (FOREST,))),
    **_each("lac, etang, riviere, gorges, lake", ("nature", (WATER,))),
    **_each("musee, ecomusee, galerie, museum, gallery", ("museum", (CULT,))),
    **_each("savoir faire, artisanat, patrimoine", ("other", (CULT,))),
    **_each("gite, gite d etape, hotel, hotel de voyageur, camping, chambre d hote, refuge, hebergement, "
            "auberge de jeunesse, village vacance, meuble de tourisme, lodging, campground, hostel, "
            "guest house", ("accommodation", ())),
    **_each("restaurant, auberge, cafe, brasserie, bar, creperie, restauration, buvette, ferme auberge",
            ("restaurant", ())),
    **_each("boutique, magasin, epicerie, boulangerie, marche, producteur, commerce, shop, vente directe",
            ("shop", ())),
    **_each("pique nique, aire de pique nique, picnic, picnic area", ("picnic", ())),
    **_each("parking, stationnement, parking area, aire de stationnement", ("parking", ())),
    **_each("office de tourisme, point info, information, panneau, panneau d information, syndicat d initiative",
            ("information", ())),
    **_each("poteau, poteau directionnel, poteau de signalisation, balise, panneau directionnel, guidepost, "
            "signpost", ("signpost", ())),
    **_each("toilettes, wc, sanitaires, toilets", ("toilets", ())),
    **_each("gare, arret de bus, navette, station, bus stop", ("transport", ())),
}

#: Readings inside heritage inventories (Mérimée denominations), over :data:`WORDS`: what an
#: inventory lists is a building, so a "hôtel" is a town mansion and a "café", a "marché" or a
#: "hôtel de voyageurs" are listed buildings, not services; an "écluse" or a "port" are water and
#: industrial heritage. Read only for the keys of :data:`HERITAGE_KEYS`.
HERITAGE_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    **_each("hotel, maison, immeuble, demeure, ecole, college, lycee, hopital, edifice, villa, "
            "lotissement, gare, hotel de voyageur, cafe, restaurant, auberge, auberge de jeunesse, marche, "
            "magasin de commerce, boutique, bourse de commerce, cite jardin, parc de stationnement, "
            "groupe scolaire, etablissement administratif", ("monument", (BUILT,))),
    **_each("ferme, metairie, ferme auberge", ("monument", (RUR,))),
    **_each("garage, entrepot", ("monument", (IND,))),
    "port": ("water", (IND, WATER)),
    **_each("enceinte, fortification", ("castle", (MIL,))),
    "caserne": ("monument", (MIL,)),
}


def _stem(token: str) -> str:
    return token[:-1] if len(token) > 3 and token[-1] in "sx" else token


def _tokens(text: str) -> list[str]:
    return [_stem(t) for t in re.split(r"[^0-9a-z]+", fold(text)) if t]


def _compile(table: Mapping[str, tuple[str, tuple[str, ...]]]):
    compiled: dict[str, list[tuple[tuple[str, ...], tuple[str, tuple[str, ...]]]]] = {}
    for phrase, value in table.items():
        toks = tuple(_tokens(phrase))
        compiled.setdefault(toks[0], []).append((toks, value))
    for entries in compiled.values():
        entries.sort(key=lambda e: -len(e[0]))  # longest phrase first
    return compiled


_WORDS = _compile(WORDS)
_HERITAGE = _compile({**WORDS, **HERITAGE_WORDS})


def match_words(text: str, *, heritage: bool = False) -> tuple[str, list[str]] | None:
    """Category and themes of the earliest known word or phrase of ``text``, else None.

    >>> match_words("Chapelle du château")
    ('church', ['religious_heritage'])
    >>> match_words("Monument aux morts de 1914-1918")
    ('memorial', ['history'])
    >>> match_words("Hôtel", heritage=True)
    ('monument', ['architecture'])
    >>> match_words("Rue des Lilas") is None
    True
    """
    table = _HERITAGE if heritage else _WORDS
    tokens = _tokens(text)
    for i, tok in enumerate(tokens):
        for phrase, (category, themes) in table.get(tok, ()):
            if tuple(tokens[i:i + len(phrase)]) == phrase:
                return category, list(themes)
    return None


def _text_of(value) -> str:
    """Free text of a type field: strings, lists, and ``{"label": ...}`` objects (Geotrek)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return " ".join(_text_of(value.get(k)) for k in ("label", "name", "value") if value.get(k))
    if isinstance(value, (list, tuple)):
        return " ; ".join(_text_of(v) for v in value)
    return str(value)


def categorize(tags: Mapping | str | None) -> tuple[str, list[str]]:
    """Balise category and themes of a place described by tags or by words.

    Parameters
    ----------
    tags
        OSM-like tags and type fields (``{"tourism": "viewpoint"}``,
        ``{"type": "Moulin à eau"}``, ``{"chpdeno": "église paroissiale"}``), or
        free text ("Chapelle Saint-Roch"). A ``name`` key is read last.

    Returns
    -------
    (category, themes)
        ``category`` is a key of :data:`poi.models.CATEGORIES` (``"other"`` when
        nothing is recognised); ``themes`` are keys of :data:`THEMES`.

    Examples
    --------
    >>> categorize({"tourism": "viewpoint"})
    ('viewpoint', ['viewpoint'])
    >>> categorize({"tourism": "attraction", "historic": "castle", "name": "Château de Termes"})
    ('castle', ['military_heritage'])
    >>> categorize({"tourism": "attraction", "name": "Abbaye Sainte-Marie de Fontfroide"})
    ('church', ['religious_heritage'])
    >>> categorize({"man_made": "watermill"})
    ('mill', ['industrial_heritage', 'water'])
    >>> categorize({"type": "Point de vue"})
    ('viewpoint', ['viewpoint'])
    >>> categorize({"tourism": "camp_site", "name": "Camping du Moulin"})
    ('accommodation', [])
    >>> categorize({"category": "church", "historic": "wayside_shrine"})   # a Balise category wins
    ('church', ['religious_heritage'])
    >>> categorize({"chpdeno": "hôtel"})           # Mérimée: a town mansion
    ('monument', ['architecture'])
    >>> categorize({"chpdeno": "café"}), categorize({"type": "café"})   # a listed café is a building
    (('monument', ['architecture']), ('restaurant', []))
    >>> categorize({"chpdeno": "pavillon de chasse"})   # whatever an inventory lists is architecture
    ('monument', ['architecture'])
    >>> categorize("Eglise de la Nativité")
    ('church', ['religious_heritage'])
    >>> categorize("Lavoirs")
    ('water', ['rural_heritage', 'water'])
    >>> categorize({"category": "information", "tourism": "information", "information": "guidepost"})
    ('signpost', [])
    >>> categorize({"amenity": "toilets"}), categorize("Poteau de signalisation du réseau")
    (('toilets', []), ('signpost', []))
    >>> categorize({})
    ('other', [])
    """
    if not tags:
        return "other", []
    if isinstance(tags, str):
        return match_words(tags) or ("other", [])
    lowered = {str(k).lower(): v for k, v in tags.items() if v not in (None, "", [], {})}
    given = lowered.get("category")
    if isinstance(given, str) and given in CATEGORIES and given != "other":
        # The source already speaks Balise: keep its category (unless the rest refines it, as
        # ``information=guidepost`` makes an information point a signpost), take themes from the rest.
        rest = categorize({k: v for k, v in lowered.items() if k != "category"})
        if rest[0] in REFINES.get(given, ()):
            return rest
        return given, rest[1] if rest[0] == given else list(CATEGORY_THEMES.get(given, ()))
    for key in OSM_KEYS:
        value = lowered.get(key)
        if isinstance(value, str):
            hit = OSM_TAGS.get((key, value)) or OSM_TAGS.get((key, "*"))
            if hit:
                return hit[0], list(hit[1])
    heritage = False
    for key in TEXT_KEYS:
        if key in lowered:
            heritage = heritage or key in HERITAGE_KEYS
            hit = match_words(_text_of(lowered[key]), heritage=key in HERITAGE_KEYS)
            if hit:
                return hit
    name = lowered.get("name") or lowered.get("nom")
    if isinstance(name, str):
        hit = match_words(name)
        if hit:
            return hit
    for key in OSM_KEYS:
        value = lowered.get(key)
        if isinstance(value, str) and (key, value) in WEAK_TAGS:
            category, themes = WEAK_TAGS[(key, value)]
            return category, list(themes)
    if heritage:  # whatever a heritage inventory lists is architecture
        return "monument", [BUILT]
    return "other", []


def theme_label(theme: str) -> str:
    """The name of a theme code in the current language (unknown codes as they are).

    >>> from poi.i18n import language
    >>> with language("fr"):
    ...     theme_label("religious_heritage")
    'patrimoine religieux'
    >>> with language("en"):
    ...     theme_label("fauna_flora")
    'fauna and flora'
    """
    labels = {
        "religious_heritage": _("religious heritage"), "military_heritage": _("military heritage"),
        "industrial_heritage": _("industrial heritage"), "rural_heritage": _("rural heritage"),
        "architecture": _("architecture"), "history": _("history"), "water": _("water"),
        "geology": _("geology"), "fauna_flora": _("fauna and flora"), "forest": _("forest"),
        "viewpoint": _("viewpoints"), "culture": _("culture"),
    }
    return labels.get(theme, theme)
