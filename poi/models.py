"""Plain data model of a point of interest (WGS84 lon/lat, units in names)."""
from __future__ import annotations

from dataclasses import dataclass, field

#: Balise categories and the default proximity trigger radius of each (metres).
#: Small things you must stand next to (a cross, a fountain) trigger close; wide
#: sights (a viewpoint, a forest) trigger from farther away.
CATEGORIES: dict[str, float] = {
    "monument": 30.0,
    "church": 35.0,
    "castle": 50.0,
    "museum": 30.0,
    "mill": 30.0,
    "bridge": 30.0,
    "archaeology": 30.0,
    "memorial": 25.0,
    "viewpoint": 60.0,
    "nature": 60.0,
    "water": 25.0,
    "picnic": 30.0,
    "accommodation": 40.0,
    "restaurant": 30.0,
    "shop": 25.0,
    "parking": 40.0,
    "information": 25.0,
    "transport": 30.0,
    "toilets": 25.0,
    "signpost": 15.0,
    "other": 40.0,
}


def default_trigger_radius_m(category: str) -> float:
    """Default proximity radius for a category.

    >>> default_trigger_radius_m("viewpoint")
    60.0
    >>> default_trigger_radius_m("unknown-category")
    40.0
    """
    return CATEGORIES.get(category, CATEGORIES["other"])


@dataclass(slots=True)
class Media:
    """A photo or an audio file attached to a POI or a trail."""

    kind: str  # "image", "audio" or "video"
    url: str  # original URL or path, or "media/<sha256>.<ext>" once stored
    title: str = ""
    author: str = ""
    licence: str = ""
    poster: str = ""  # a video's poster image (a stored photo's URL); "" for none

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "url": self.url, "title": self.title,
               "author": self.author, "licence": self.licence}
        if self.poster:  # only videos have one: other media keep the dict (and content hash) they had
            out["poster"] = self.poster
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Media":
        return cls(kind=d.get("kind", "image"), url=d["url"], title=d.get("title", ""),
                   author=d.get("author", ""), licence=d.get("licence", ""), poster=d.get("poster", ""))


#: Fields of :class:`POI` that were keys of its ``extra`` dict (the POI store's migration 4 moved the stored ones).
NAMED_EXTRA = ("commune", "insee")


@dataclass(slots=True)
class POI:
    """A point of interest.

    ``description`` is sanitised HTML (see :func:`poi.text.sanitize_html`);
    ``translations`` holds the texts a source gave in other languages than French,
    ``{lang: {field: text}}`` (``{"en": {"name": "The Mill"}}``);
    ``commune``/``insee`` are the commune's name and INSEE code as the source gave them ("" when it gave none);
    ``extra`` keeps the free-form, source-specific facts (protection status, century, ...) that no code reads
    by name (records of before still giving ``commune``/``insee`` there: they move to their fields).

    >>> POI(name="Le Moulin", lon=3.6, lat=44.2, extra={"i18n": {"en": {"name": "The Mill"}}}).translations
    {'en': {'name': 'The Mill'}}
    """

    name: str
    lon: float
    lat: float
    category: str = "other"
    themes: list[str] = field(default_factory=list)
    ele_m: float | None = None
    summary: str = ""
    description: str = ""
    media: list[Media] = field(default_factory=list)
    trigger_radius_m: float | None = None
    url: str = ""
    source: str = "manual"
    source_id: str = ""
    licence: str = ""
    attribution: str = ""
    updated_at: str = ""
    extra: dict = field(default_factory=dict)
    id: int | None = None
    translations: dict = field(default_factory=dict)
    commune: str = ""
    insee: str = ""

    def __post_init__(self):
        # records written before ``translations`` was a field kept it in extra["i18n"]
        if isinstance(self.extra, dict) and "i18n" in self.extra:
            self.extra = dict(self.extra)
            self.translations = {**self.extra.pop("i18n"), **(self.translations or {})}
        # and before commune and insee were fields, extra held them under the same names
        if isinstance(self.extra, dict) and not self.extra.keys().isdisjoint(NAMED_EXTRA):
            self.extra = dict(self.extra)
            for key in [k for k in NAMED_EXTRA if k in self.extra]:
                value = self.extra.pop(key)
                if not getattr(self, key) and value not in (None, ""):
                    setattr(self, key, str(value))

    @property
    def effective_trigger_radius_m(self) -> float:
        """The POI's own radius, else its category's default."""
        if self.trigger_radius_m:
            return float(self.trigger_radius_m)
        return default_trigger_radius_m(self.category)
