"""DATAtourisme JSON-LD records: the national open database of French tourism places.

DATAtourisme (https://www.datatourisme.fr, Licence Ouverte 2.0 / Etalab) publishes
each place as a JSON-LD object; ``--format datatourisme`` reads

* one record per file (the "flat" export: a folder of ``<id>.json`` files),
* a JSON array of records, or an object whose ``@graph`` is the array,
* a **folder** of such files (recursively, sorted, one file at a time; an ``index.json``
  catalogue is not a record and is passed over).

Every file is streamed: array items and ``@graph`` members are decoded one at a
time (:func:`poi.importers.geojson.iter_json_items`), so memory stays at the size
of the largest record.

Field mapping (POI <- record):

=================  ===========================================================================
``name``           ``rdfs:label`` in French (else the first language given)
``summary``        ``hasDescription/shortDescription``, else ``rdfs:comment`` (French)
``description``    ``hasDescription/dc:description`` (French), paragraphs kept
``translations``   the other languages: ``{"en": {"name", "summary", "description"}}``
``lon``/``lat``    ``isLocatedAt/schema:geo`` (or a top-level ``schema:geo``)
``category``       ``@type`` through :data:`TYPE_CATEGORIES` (most specific first), then the
                   words of the name (:func:`poi.categories.match_words`), then
                   :data:`WEAK_TYPES`
``media``          ``hasMainRepresentation`` then ``hasRepresentation``: the
                   ``ebucore:locator`` of each ``ebucore:hasRelatedResource`` as an image, with
                   title (``ebucore:title``), credits and licence (``ebucore:isCoveredBy``)
``url``            the first ``foaf:homepage`` of ``hasContact``
``updated_at``     ``lastUpdateDatatourisme``, else ``lastUpdate``
``source_id``      ``@id`` (a URI, unique across producers), else ``dc:identifier``
``attribution``    the producer (``hasBeenCreatedBy/schema:legalName``, else the first
                   publisher) + " via DATAtourisme"
``extra``          ``types``, ``identifier`` (``dc:identifier``), ``address``, ``commune``,
                   ``insee``, ``datatourisme_themes`` (French labels of ``hasTheme``)
=================  ===========================================================================

A file that is not JSON, or whose first record is not a DATAtourisme record (no
``@id``/``dc:identifier`` and ``@type``), raises :class:`SourceFormatError`: nothing
is imported.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from poi.categories import CATEGORY_THEMES, match_words
from poi.errors import ImportRowError, SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record
from poi.importers.geojson import iter_json_items
from poi.models import Media
from poi.text import paragraphs

LICENCE = "Licence Ouverte 2.0 (Etalab)"
#: File names of a folder export that hold no record.
NOT_RECORDS = ("index.json", "context.jsonld")
SUFFIXES = (".json", ".jsonld")

REL, MIL, IND, RUR = "religious_heritage", "military_heritage", "industrial_heritage", "rural_heritage"
BUILT, HIST, WATER, GEOL = "architecture", "history", "water", "geology"
NAT, LAND, CULT = "fauna_flora", "viewpoint", "culture"


def _types(names: str, category: str, themes: tuple[str, ...]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(n.strip(), category, themes) for n in names.split(",") if n.strip()]


#: DATAtourisme / schema.org classes (prefix dropped) -> (Balise category, themes), most specific
#: first: the first class of this table that a record has wins, whatever their order in ``@type``.
#: Heritage comes before services, so a château that is also a hotel is a castle.
TYPE_CATEGORIES: list[tuple[str, str, tuple[str, ...]]] = [
    *_types("Church, Chapel, Cathedral, Basilica, Abbey, Monastery, Convent, Priory, Temple, Mosque, "
            "Synagogue, PlaceOfWorship, CatholicChurch, ReligiousSite", "church", (REL,)),
    *_types("Castle, Fortress, Fort, MilitaryHeritage", "castle", (MIL,)),
    *_types("MilitaryCemetery, RemembranceSite, Memorial", "memorial", (HIST,)),
    *_types("ArcheologicalSite, ArchaeologicalSite, PrehistoricSite", "archaeology", (HIST,)),
    *_types("Mill, Windmill, Watermill", "mill", (IND,)),
    *_types("Bridge", "bridge", (BUILT,)),
    *_types("Museum, InterpretationCentre, ArtGalleryOrExhibitionGallery, ArtGallery, Ecomuseum",
            "museum", (CULT,)),
    *_types("TechnicalHeritage, IndustrialHeritage", "monument", (IND,)),
    *_types("RemarkableBuilding, CityHeritage, Landmarks, Monument", "monument", (BUILT,)),
    *_types("PointOfView, Viewpoint, Panorama", "viewpoint", (LAND,)),
    *_types("Cave, Chasm", "nature", (GEOL,)),
    *_types("Waterfall, Spring, Lake, River", "water", (WATER,)),
    *_types("NaturalHeritage, ParkAndGarden, Park, Garden, NatureReserve", "nature", (NAT,)),
    *_types("PicnicArea", "picnic", ()),
    *_types("TouristInformationCenter, TouristInformationOffice", "information", ()),
    *_types("Parking, ParkingLot, CarPark", "parking", ()),
    *_types("TrainStation, BusStation, Transport, TransportService", "transport", ()),
    *_types("Accommodation, LodgingBusiness, Hotel, HotelTrade, Camping, CampingAndCaravanning, "
            "Campground, CollectiveAccommodation, RentalAccommodation, SelfCateringAccommodation, "
            "Guesthouse, BedAndBreakfast, HolidayResort, YouthHostelAndInternationalCenter, "
            "StopOverOrGroupLodge, MountainRefuge", "accommodation", ()),
    *_types("FoodEstablishment, Restaurant, BarOrPub, CafeOrCoffeeShop, CafeOrTeahouse, "
            "FastFoodRestaurant, HotelRestaurant, FarmhouseInn, Brasserie", "restaurant", ()),
    *_types("Store, Market, LocalBusiness, WineCellar, TastingProvider, CraftsmanShop, "
            "LocalProductsShop", "shop", ()),
]
_STRONG = {name: (category, themes) for name, category, themes in reversed(TYPE_CATEGORIES)}
_RANK = {name: i for i, (name, _c, _t) in enumerate(TYPE_CATEGORIES)}

#: Classes that say little: used only when neither a class above nor the name's words decide.
WEAK_TYPES: list[tuple[str, str, tuple[str, ...]]] = [
    *_types("CulturalSite", "monument", (CULT,)),
    *_types("Theater, Cinema, Library, EntertainmentAndEvent, CulturalEvent", "other", (CULT,)),
    *_types("SportsAndLeisurePlace, ActivityProvider, Tour, WalkingTour, PlaceOfInterest, "
            "PointOfInterest", "other", ()),
]
_WEAK = {name: (category, themes) for name, category, themes in reversed(WEAK_TYPES)}


def local_name(type_name: str) -> str:
    """A class name without its prefix or namespace.

    >>> local_name("schema:LodgingBusiness"), local_name("https://www.datatourisme.fr/ontology/core#Church")
    ('LodgingBusiness', 'Church')
    """
    return type_name.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def category_of_types(types: list[str], name: str = "") -> tuple[str, list[str]]:
    """Balise category and themes of a record from its ``@type`` list (and its name).

    >>> category_of_types(["schema:FoodEstablishment", "PlaceOfInterest", "Restaurant"])
    ('restaurant', [])
    >>> category_of_types(["Hotel", "Castle", "CulturalSite"])   # heritage before services
    ('castle', ['military_heritage'])
    >>> category_of_types(["CulturalSite", "PlaceOfInterest"], "Chapelle Saint-Roch")
    ('church', ['religious_heritage'])
    >>> category_of_types(["CulturalSite"], "Les Jardins du Lac")
    ('nature', ['fauna_flora'])
    >>> category_of_types(["CulturalSite"], "Maison Carrée")
    ('monument', ['culture'])
    >>> category_of_types([])
    ('other', [])
    """
    names = [local_name(str(t)) for t in types]
    strong = sorted((n for n in names if n in _STRONG), key=_RANK.__getitem__)
    if strong:
        category, themes = _STRONG[strong[0]]
        return category, list(themes)
    hit = match_words(name) if name else None
    if hit:
        return hit
    for n in names:
        if n in _WEAK:
            category, themes = _WEAK[n]
            return category, list(themes)
    return "other", []


# -- reading JSON-LD values ----------------------------------------------------------------------------

def as_list(value: Any) -> list:
    """JSON-LD values are a value or a list of values: always a list.

    >>> as_list(None), as_list("a"), as_list(["a", "b"])
    ([], ['a'], ['a', 'b'])
    """
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def first(value: Any) -> Any:
    items = as_list(value)
    return items[0] if items else None


def languages(value: Any) -> dict[str, str]:
    """A language map (``{"fr": ["..."], "en": "..."}``) as ``{lang: text}``, empty texts dropped.

    >>> languages({"fr": ["Le Moulin"], "en": "The Mill", "de": []})
    {'fr': 'Le Moulin', 'en': 'The Mill'}
    >>> languages("Sans langue")
    {'fr': 'Sans langue'}
    """
    if isinstance(value, str):
        return {"fr": value} if value.strip() else {}
    if not isinstance(value, Mapping):
        return {}
    out = {}
    for lang, text in value.items():
        text = first(text)
        if isinstance(text, Mapping):
            text = text.get("@value")
        if isinstance(text, str) and text.strip():
            out[str(lang)] = text.strip()
    return out


def french(value: Any) -> str:
    """The French text of a language map, else its first language."""
    texts = languages(value)
    return texts.get("fr") or next(iter(texts.values()), "")


def _place(record: Mapping) -> Mapping:
    located = first(record.get("isLocatedAt"))
    return located if isinstance(located, Mapping) else {}


def _geo(record: Mapping, key: str) -> Any:
    geo = first(_place(record).get("schema:geo")) or first(record.get("schema:geo"))
    return first(geo.get(key)) if isinstance(geo, Mapping) else None


def _descriptions(record: Mapping) -> Mapping:
    description = first(record.get("hasDescription"))
    return description if isinstance(description, Mapping) else {}


def _summaries(record: Mapping) -> dict[str, str]:
    return {**languages(record.get("rdfs:comment")),
            **languages(_descriptions(record).get("shortDescription"))}


def _representations(record: Mapping) -> list[dict]:
    """The images of a record: main representation first, each URL once."""
    found: dict[str, dict] = {}
    for rep in [*as_list(record.get("hasMainRepresentation")), *as_list(record.get("hasRepresentation"))]:
        if not isinstance(rep, Mapping):
            continue
        note = first(rep.get("ebucore:hasAnnotation"))
        note = note if isinstance(note, Mapping) else {}
        for resource in as_list(rep.get("ebucore:hasRelatedResource")):
            if not isinstance(resource, Mapping):
                continue
            mime = " ".join(str(m.get("@id", "")) if isinstance(m, Mapping) else str(m)
                            for m in as_list(resource.get("ebucore:hasMimeType")))
            if mime and not any(k in mime.upper() for k in ("JPEG", "JPG", "PNG", "GIF", "WEBP", "IMAGE")):
                continue  # a PDF brochure or a video is not a photo
            for url in as_list(resource.get("ebucore:locator")):
                if isinstance(url, str) and url.strip() and url.strip() not in found:
                    found[url.strip()] = {
                        "url": url.strip(),
                        "title": french(note.get("ebucore:title")),
                        "author": ", ".join(str(c) for c in as_list(note.get("credits")) if c),
                        "licence": str(first(note.get("ebucore:isCoveredBy")) or ""),
                    }
    return list(found.values())


def _homepage(record: Mapping) -> Any:
    for contact in as_list(record.get("hasContact")):
        if isinstance(contact, Mapping) and first(contact.get("foaf:homepage")):
            return first(contact.get("foaf:homepage"))
    return None


def producer(record: Mapping) -> str:
    """Who made the record: the creator's legal name, else the first publisher's."""
    for agent in [*as_list(record.get("hasBeenCreatedBy")), *as_list(record.get("hasBeenPublishedBy"))]:
        if isinstance(agent, Mapping) and first(agent.get("schema:legalName")):
            return str(first(agent.get("schema:legalName"))).strip()
    return ""


def _address(record: Mapping) -> dict:
    address = first(_place(record).get("schema:address")) or first(record.get("schema:address"))
    if not isinstance(address, Mapping):
        return {}
    street = ", ".join(str(s) for s in as_list(address.get("schema:streetAddress")) if s)
    locality = str(first(address.get("schema:addressLocality")) or "")
    postcode = str(first(address.get("schema:postalCode")) or "")
    city = first(address.get("hasAddressCity"))
    out = {"address": ", ".join(p for p in (street, f"{postcode} {locality}".strip()) if p),
           "commune": locality, "insee": str(city.get("insee") or "") if isinstance(city, Mapping) else ""}
    return {k: v for k, v in out.items() if v}


def is_record(data: Any) -> bool:
    """Whether a JSON value looks like a DATAtourisme record (an id and a type)."""
    return isinstance(data, Mapping) and bool(data.get("@type")) \
        and bool(data.get("@id") or data.get("dc:identifier"))


# -- the importer --------------------------------------------------------------------------------------

class DatatourismeImporter(Importer):
    """DATAtourisme JSON-LD: one record, an array, a ``@graph``, or a folder of such files."""

    format = "datatourisme"
    source = "datatourisme"
    licence = LICENCE
    attribution = "DATAtourisme"
    eid = ("@id", "dc:identifier")
    accepts_directories = True
    fields = {
        "name": lambda r: french(r.get("rdfs:label")),
        "lon": lambda r: _geo(r, "schema:longitude"),
        "lat": lambda r: _geo(r, "schema:latitude"),
        "category": lambda r: r,
        "summary": lambda r: (lambda s: s.get("fr") or next(iter(s.values()), ""))(_summaries(r)),
        "description": lambda r: french(_descriptions(r).get("dc:description")),
        "media": _representations,
        "url": _homepage,
        "updated_at": ("lastUpdateDatatourisme", "lastUpdate"),
        "extra": lambda r: r,
    }

    @staticmethod
    def files(folder: Path) -> list[Path]:
        """The record files of a folder export, sorted, recursively."""
        return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                      and p.name.lower() not in NOT_RECORDS)

    def records(self, path: Path, **options) -> Iterator[Record]:
        folder = path if path.is_dir() else None
        files = self.files(folder) if folder else [path]
        if not files:
            raise SourceFormatError(_("{path}: no .json files in this folder", path=path))
        for file in files:
            where_file = str(file.relative_to(folder)) if folder else file.name
            for n, data in enumerate(iter_json_items(file), start=1):
                if n == 1 and not is_record(data):
                    keys = ", ".join(list(data)[:6]) if isinstance(data, Mapping) else type(data).__name__
                    raise SourceFormatError(_("{file}: not DATAtourisme JSON-LD (no @id and @type; found {keys})",
                                              file=where_file, keys=keys))
                label = french(data.get("rdfs:label")) if isinstance(data, Mapping) else ""
                where = _("{file}, record {n}", file=where_file, n=n) + (f" ({label})" if label else "")
                yield Record(where, data if isinstance(data, Mapping) else {})

    # -- cleaning ------------------------------------------------------------------------------------
    def build(self, record: Record):
        if not is_record(record.data):
            raise ImportRowError(_("not a DATAtourisme record (no @id and @type)"))
        return super().build(record)

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        category, themes = category_of_types(as_list(record.get("@type")), french(record.get("rdfs:label")))
        return category, themes or list(CATEGORY_THEMES.get(category, ()))

    def clean_description(self, value, record) -> str:
        return super().clean_description(paragraphs(value) if value else "", record)

    def clean_media(self, value, record) -> list[Media]:
        return [Media(kind="image", url=m["url"], title=m["title"], author=m["author"], licence=m["licence"])
                for m in value or [] if m["url"].lower().startswith(("http://", "https://"))]

    def clean_extra(self, value, record) -> dict:
        extra: dict = {"types": [local_name(str(t)) for t in as_list(record.get("@type"))]}
        if record.get("dc:identifier"):
            extra["identifier"] = str(first(record["dc:identifier"]))
        extra.update(_address(record))
        themes = [french(t.get("rdfs:label")) for t in as_list(record.get("hasTheme")) if isinstance(t, Mapping)]
        if any(themes):
            extra["datatourisme_themes"] = [t for t in themes if t]
        return {k: v for k, v in extra.items() if v}

    def clean_translations(self, value, record) -> dict:
        return self._translations(record)

    @staticmethod
    def _translations(record: Mapping) -> dict[str, dict[str, str]]:
        """Name, summary and description in the languages other than French."""
        fields = {"name": languages(record.get("rdfs:label")), "summary": _summaries(record),
                  "description": languages(_descriptions(record).get("dc:description"))}
        out: dict[str, dict[str, str]] = {}
        for field, texts in fields.items():
            for lang, text in texts.items():
                if lang != "fr":
                    out.setdefault(lang, {})[field] = paragraphs(text) if field == "description" else text
        return {lang: out[lang] for lang in sorted(out)}

    def stamp(self, poi, record, *, source, licence, attribution) -> None:
        made_by = producer(record.data)
        super().stamp(poi, record, source=source, licence=licence,
                      attribution=attribution or (f"{made_by} via DATAtourisme" if made_by else None))
