"""Plain data models of trails and their stops (WGS84 lon/lat, units in names)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from poi.categories import WAYMARK, stop_kind
from poi.models import POI

#: A point of a trace: longitude, latitude (WGS84 degrees), elevation in metres or None.
Point = tuple[float, float, "float | None"]

ROUTE_TYPES = ("loop", "out_and_back", "one_way")
PRACTICES = ("walking", "trail_running", "mountain_bike", "cycling", "horse_riding", "snowshoe")
DIFFICULTIES = ("very_easy", "easy", "medium", "hard", "very_hard")
#: What a circuit is suitable for, as visitors filter on it (a trail carries any of these codes).
ACCESSIBILITY = ("pushchair", "reduced_mobility")
#: Fields of :class:`Trail` that were keys of its ``extra`` dict (records and code of before still give them there:
#: :class:`Trail` moves them to their fields; the trails store's migrations moved the stored ones).
NAMED_EXTRA = ("route_type_label", "route_type_detected", "route_type_measured", "metrics_note",
               "practice_label", "difficulty_label", "start_name", "end_name", "commune_codes",
               "access", "recommendations", "instructions", "public_transport", "accessibility_text", "parking",
               "medias", "cotation", "parent_id", "ground", "contact", "date_modified",
               "published_length_m", "published_ascent_m", "published_descent_m", "published_ele_min_m",
               "published_ele_max_m", "waymarking", "interpretation", "duration_visit_min", "routing", "routed_through")
#: Keys of ``extra`` of before whose field has another name.
_EXTRA_NAMES = {"accessibility": "accessibility_text", "ascent_m": "published_ascent_m",
                "descent_m": "published_descent_m", "ele_min_m": "published_ele_min_m", "ele_max_m": "published_ele_max_m"}
#: Every key that code reads by name: never a key of ``extra`` (tests/test_extra_keys.py).
EXTRA_RESERVED = frozenset((*NAMED_EXTRA, *_EXTRA_NAMES))
_BOOLEANS = ("route_type_detected", "interpretation")


class Metrics(NamedTuple):
    """What :func:`trails.metrics.compute` measures on a trace."""

    length_m: float
    ascent_m: float
    descent_m: float
    ele_min_m: float | None
    ele_max_m: float | None
    duration_min: int
    difficulty: str
    effort: float
    points: int
    has_elevation: bool


@dataclass(slots=True)
class Trail:
    """A circuit: a trace (one or more segments) plus texts, metrics and overrides.

    The duration shown is, in order: the staff override, the duration published
    by the data source, our computed duration (see ``duration_min``).
    """

    name: str
    segments: list[list[Point]] = field(default_factory=list)
    summary: str = ""
    description: str = ""  # sanitised HTML
    practice: str = "walking"
    route_type: str = "one_way"
    route_type_override: str | None = None
    themes: list[str] = field(default_factory=list)
    # measured
    length_m: float = 0.0
    ascent_m: float = 0.0
    descent_m: float = 0.0
    ele_min_m: float | None = None
    ele_max_m: float | None = None
    points: int = 0
    duration_computed_min: int = 0
    difficulty_computed: str = "easy"
    effort: float = 0.0
    # published by the source, and staff overrides
    duration_published_min: int | None = None
    difficulty_published: str | None = None
    duration_override_min: int | None = None
    duration_override_reason: str = ""
    difficulty_override: str | None = None
    difficulty_override_reason: str = ""
    # provenance and publication
    published: bool = False
    #: published but left out of every list (catalogue, API lists, sitemap, POI pages): a loop a visitor composed
    unlisted: bool = False
    source: str = "manual"
    source_id: str = ""
    licence: str = ""
    attribution: str = ""
    url: str = ""
    commune: str = ""
    #: Codes of :data:`ACCESSIBILITY` (suitable for pushchairs, for people with reduced mobility).
    accessibility: list[str] = field(default_factory=list)
    #: The route type as the source published it, in its words ("Boucle", "itinérance"); "" when it gave none.
    route_type_label: str = ""
    #: The source gave no route type: ``route_type`` was detected from the trace.
    route_type_detected: bool = False
    #: The route type the trace shows, when the source published another one (``route_type`` keeps the source's).
    route_type_measured: str | None = None
    #: Why the climb figures do not come from the trace (a message id, :data:`trails.assembly.NOTE_PUBLISHED_CLIMB`).
    metrics_note: str = ""
    #: The practice and the difficulty as the source published them, in its words ("Pédestre", "Moyen").
    practice_label: str = ""
    difficulty_label: str = ""
    #: Where the circuit starts and ends, as the source names them (schema_randonnee ``depart``/``arrivee``).
    start_name: str = ""
    end_name: str = ""
    #: INSEE codes of the communes it crosses, comma-separated, as the source gave them.
    commune_codes: str = ""
    #: What the source says of getting there by road, advice, directions, public transport and accessibility
    #: (sanitised HTML; the accessibility codes visitors filter on are ``accessibility``).
    access: str = ""
    recommendations: str = ""
    instructions: str = ""
    public_transport: str = ""
    accessibility_text: str = ""
    #: The trailhead parking the source gives: ``{"lon", "lat", "info"}`` (lon/lat may be None), else None.
    parking: dict | None = None
    #: The source's media: ``[{"kind", "url", "title", "author", "licence"}, ...]`` (urls maybe relative).
    medias: list = field(default_factory=list)
    #: schema_randonnee values kept to publish again: technical grade (T1...), parent circuit, ground, contact
    #: e-mail, the source's last change (a date).
    cotation: str = ""
    parent_id: str = ""
    ground: str = ""
    contact: str = ""
    date_modified: str = ""
    #: The figures the source published (schema_randonnee ``longueur``, ``denivele_*``, ``altitude_*``; Geotrek's
    #: ``length_2d``, ``ascent``...), None when it gave none: the measured ones are ``length_m``, ``ascent_m``...
    published_length_m: float | None = None
    published_ascent_m: float | None = None
    published_descent_m: float | None = None
    published_ele_min_m: float | None = None
    published_ele_max_m: float | None = None
    #: The waymarking as the source describes it (schema_randonnee ``balisage``).
    waymarking: str = ""
    #: Staff say whether it is an interpretation trail (None: :func:`trails.duration.is_interpretation` guesses).
    interpretation: bool | None = None
    #: The time at the stops known without the trail's own stops (interpretation allowance), for API clients.
    duration_visit_min: int | None = None
    #: A routed circuit (:func:`trails.routing.route_through`): the POI ids it was asked to pass, and the
    #: routing's facts (practice, stops with their first passage, cost model's time, reuse ratio...).
    routed_through: list = field(default_factory=list)
    routing: dict | None = None
    #: What the source gave that no code reads by name (free-form; named fields are never kept here).
    extra: dict = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    id: int | None = None
    #: The first point, kept when a trail is loaded without its trace (catalogue pages).
    trailhead: Point | None = None
    #: Texts the source gave in other languages than French: ``{lang: {field: text}}``.
    translations: dict = field(default_factory=dict)

    def __post_init__(self):
        # records written before ``translations`` was a field kept it in extra["i18n"]
        if isinstance(self.extra, dict) and "i18n" in self.extra:
            self.extra = dict(self.extra)
            self.translations = {**self.extra.pop("i18n"), **(self.translations or {})}
        # and before these were fields, extra held them under the same names
        if isinstance(self.extra, dict) and not self.extra.keys().isdisjoint(EXTRA_RESERVED):
            self.extra = dict(self.extra)
            for key in [k for k in self.extra if k in EXTRA_RESERVED]:
                name, value = _EXTRA_NAMES.get(key, key), self.extra.pop(key)
                if getattr(self, name) in (None, "", False, []):
                    setattr(self, name, bool(value) if name in _BOOLEANS else value)

    @property
    def duration_min(self) -> int:
        """The duration shown: override, else published, else computed."""
        for value in (self.duration_override_min, self.duration_published_min):
            if value is not None:
                return int(value)
        return int(self.duration_computed_min)

    @property
    def duration_source(self) -> str:
        """Where the shown duration comes from: ``override``, ``source`` or ``computed``."""
        if self.duration_override_min is not None:
            return "override"
        if self.duration_published_min is not None:
            return "source"
        return "computed"

    @property
    def difficulty(self) -> str:
        return self.difficulty_override or self.difficulty_published or self.difficulty_computed

    @property
    def difficulty_source(self) -> str:
        if self.difficulty_override:
            return "override"
        if self.difficulty_published:
            return "source"
        return "computed"

    @property
    def effective_route_type(self) -> str:
        return self.route_type_override or self.route_type

    @property
    def coords(self) -> list[Point]:
        """All points of all segments, in order."""
        return [p for seg in self.segments for p in seg]

    @property
    def start(self) -> Point | None:
        return self.segments[0][0] if self.segments and self.segments[0] else self.trailhead

    def summary_dict(self) -> dict:
        """The fields of the CLI/API ``--json`` contract."""
        return {
            "id": self.id, "name": self.name, "length_m": round(self.length_m, 1),
            "ascent_m": round(self.ascent_m, 1), "descent_m": round(self.descent_m, 1),
            "duration_min": self.duration_min, "duration_computed_min": self.duration_computed_min,
            "duration_source": self.duration_source, "difficulty": self.difficulty,
            "difficulty_source": self.difficulty_source, "themes": list(self.themes),
            "route_type": self.effective_route_type, "practice": self.practice,
            "accessibility": list(self.accessibility),
            "published": self.published, "source": self.source, "licence": self.licence,
            "attribution": self.attribution,
        }


@dataclass(slots=True)
class Stop:
    """A POI attached to a trail, placed along it.

    ``offset_m`` is the signed distance from the trace: negative on the left
    when walking the trail in its direction, positive on the right.
    ``status`` is ``auto`` (attached by the corridor), ``proposed`` (found by the
    corridor, waiting for staff: not shown to walkers, see :mod:`trails.curation`),
    ``manual`` (added or accepted by staff) or ``removed`` (staff removed it: never
    re-attached automatically).
    ``kind`` is staff's choice, ``story`` or ``service``; ``None`` takes it from the POI's
    category (:func:`poi.categories.stop_kind`; see :attr:`TrailStop.kind`).
    """

    trail_id: int
    poi_id: int
    distance_along_m: float
    offset_m: float
    position: int = 0
    status: str = "auto"
    trigger_radius_m: float | None = None
    #: Where staff placed the stop's trigger point, in metres along the trail (None: automatic,
    #: :mod:`trails.triggers`).
    trigger_along_m: float | None = None
    kind: str | None = None


class TrailStop(NamedTuple):
    """A stop with its POI: what exporters and pages receive (a signpost is a stop only when staff add it,
    as a story)."""

    stop: Stop
    poi: POI

    @property
    def kind(self) -> str:
        """``story`` (a card pushed near it) or ``service`` (help at hand): staff's choice, else the category's.

        >>> from poi.models import POI
        >>> cafe = POI(name="Café", lon=0, lat=0, category="restaurant")
        >>> TrailStop(Stop(1, 1, 0, 0), cafe).kind, TrailStop(Stop(1, 1, 0, 0, kind="story"), cafe).kind
        ('service', 'story')
        """
        kind = self.stop.kind or stop_kind(self.poi.category, self.poi.themes)
        return "story" if kind == WAYMARK else kind  # a signpost is a stop only when staff chose it
