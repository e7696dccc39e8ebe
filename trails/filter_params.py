"""The values of the trail filters as people write and read them.

Reading query-string parameters (``"2h30"``, ``"Très facile"``, ``"5,5"``,
repeated or comma-separated keys), writing values back (labels, durations,
numbers in the current language), folding text for matching, and the geodesic
distance the "near" filter measures. :mod:`trails.filters` builds the filters
from these; :mod:`trails.filter_index` uses the folding and the distance.

>>> from poi.i18n import language
>>> with language("fr"):
...     label("very_easy"), show_number(7.5), either(["easy", "medium"])
('très facile', '7,5', 'facile ou moyen')
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

from poi.geo import GEOD
from poi.i18n import catalogue, current_language
from poi.i18n import gettext as _
from poi.text import fold
from trails.errors import FilterError

#: English labels of the codes (translated through poi.i18n; unknown values are shown as they are).
LABELS = {
    "very_easy": "very easy", "easy": "easy", "medium": "medium", "hard": "hard", "very_hard": "very hard",
    "walking": "walking", "trail_running": "trail running", "mountain_bike": "mountain biking",
    "cycling": "cycling", "horse_riding": "horse riding", "snowshoe": "snowshoeing",
    "loop": "loop", "out_and_back": "out and back", "one_way": "one way",
    "religious_heritage": "religious heritage", "military_heritage": "military heritage",
    "industrial_heritage": "industrial heritage", "rural_heritage": "rural heritage",
    "architecture": "architecture", "history": "history", "water": "water", "geology": "geology",
    "fauna_flora": "fauna and flora", "forest": "forest", "viewpoint": "viewpoints",
    "pushchair": "suitable for pushchairs", "reduced_mobility": "accessible with reduced mobility",
}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", "all"}
_EXTRA_ALIASES = {"pedestre": "walking", "a_pied": "walking", "rando": "walking", "vtt": "mountain_bike",
                  "trail": "trail_running", "itinerance": "one_way", "poussette": "pushchair",
                  "poussettes": "pushchair", "stroller": "pushchair", "pmr": "reduced_mobility",
                  "wheelchair": "reduced_mobility", "fauteuil_roulant": "reduced_mobility"}
# ASCII digits only, and few of them: a 5,000-digit duration is a bad value, not a crash (issue 10).
_HM = re.compile(r"([0-9]{1,4}(?:[.,][0-9]{1,3})?)\s*h(?:\s*([0-9]{1,2})\s*(?:min|mn|m)?)?")


# -- parameters as every surface shows them -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Param:
    """One query parameter of a filter: the CLI option, the form field, the API and OpenAPI parameter.

    ``kind`` says how it is written: ``text``, ``duration`` ("2h30"), ``number``,
    ``several`` (repeated or comma-separated; ``choices`` lists the codes when they are
    fixed), ``flag`` (1 or 0) or ``point`` ("latitude,longitude"). ``help`` (English) is the
    CLI's help and the OpenAPI description. A ``staff`` parameter is only on the CLI.

    >>> p = Param("min_length_km", "At least this many kilometres.", "number", metavar="KM")
    >>> p.option, p.multiple
    ('--min-length-km', False)
    """

    name: str
    help: str
    kind: str = "text"
    metavar: str = "TEXT"
    choices: tuple[str, ...] = ()
    example: str | None = None
    aliases: tuple[str, ...] = ()  # other CLI option names
    off: str = ""  # a flag's negative CLI option
    staff: bool = False

    @property
    def option(self) -> str:
        """The CLI option: ``--`` and the name with dashes."""
        return "--" + self.name.replace("_", "-")

    @property
    def multiple(self) -> bool:
        """Whether it takes several values (repeated, or comma-separated)."""
        return self.kind == "several"


# -- values as people read them ------------------------------------------------------------------
def label(value: str) -> str:
    """The translated label of a code (``"very_easy"`` -> "very easy" / "très facile")."""
    return _(LABELS.get(value, value))


def either(values: Iterable[str]) -> str:
    """The labels of ``values`` joined as a choice.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     either(["very_easy"]), either(["very_easy", "easy", "Forêt"])
    ('very easy', 'very easy, easy or Forêt')
    """
    names = [label(v) for v in values]
    return names[0] if len(names) == 1 else _("{first} or {last}", first=", ".join(names[:-1]), last=names[-1])


def both(values: Iterable[str]) -> str:
    """The labels of ``values`` joined as all required.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     both(["pushchair"]), both(["pushchair", "reduced_mobility"])
    ('suitable for pushchairs', 'suitable for pushchairs and accessible with reduced mobility')
    """
    names = [label(v) for v in values]
    return names[0] if len(names) == 1 else _("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])


def show_number(x: float) -> str:
    """At most two decimals, with the decimal separator of the current language.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     show_number(12.0), show_number(2.456)
    ('12', '2.46')
    """
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language() == "fr" else text


def plain_number(x: float) -> str:
    """The shortest text that reads back as the same float (no ``.0``), for parameters.

    >>> plain_number(5.0), plain_number(44.177), plain_number(0.1 + 0.2)
    ('5', '44.177', '0.30000000000000004')
    """
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def format_duration(minutes: int) -> str:
    """A duration as walkers read it.

    >>> format_duration(150), format_duration(120), format_duration(45), format_duration(65)
    ('2 h 30', '2 h', '45 min', '1 h 05')
    """
    hours, mins = divmod(int(minutes), 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h" if not mins else f"{hours} h {mins:02d}"


def duration_param(minutes: int) -> str:
    """A duration as a parameter, the short form :func:`parse_duration_min` reads back.

    >>> [duration_param(m) for m in (150, 120, 45, 65)]
    ['2h30', '2h', '45', '1h05']
    """
    hours, mins = divmod(minutes, 60)
    return str(mins) if not hours else f"{hours}h" + (f"{mins:02d}" if mins else "")


# -- values as people write them -----------------------------------------------------------------
def parse_duration_min(value: str | int) -> int:
    """Minutes from "2h30", "2h", "1.5h", "90", "90min" or "1:45".

    >>> [parse_duration_min(v) for v in ("2h30", "2h", "90", "90min", "1:45", "1,5 h", 45)]
    [150, 120, 90, 90, 105, 90, 45]
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     parse_duration_min("2x")
    Traceback (most recent call last):
    trails.errors.FilterError: cannot read the duration "2x": write minutes (90) or hours and minutes (2h30, 1:45)
    """
    text = str(value).strip().lower()
    if m := re.fullmatch(r"([0-9]{1,6})\s*(?:min|mn|m)?", text):
        return int(m.group(1))
    if m := re.fullmatch(r"([0-9]{1,4}):([0-5][0-9])", text):
        return int(m.group(1)) * 60 + int(m.group(2))
    if (m := _HM.fullmatch(text)) and int(m.group(2) or 0) < 60:
        return round(float(m.group(1).replace(",", ".")) * 60) + int(m.group(2) or 0)
    message = _('cannot read the duration "{value}": write minutes (90) or hours and minutes (2h30, 1:45)',
                value=value)
    raise FilterError(message)


def parse_number(value, what: str, unit: str) -> float:
    """A positive number, the unit and a decimal comma allowed ("5,5 km" -> 5.5).

    >>> parse_number("5,5 km", "length", "km"), parse_number(" 800 ", "ascent", "m")
    (5.5, 800.0)
    >>> from poi.i18n import language
    >>> with language("en"):
    ...     parse_number("-10", "ascent", "m")
    Traceback (most recent call last):
    trails.errors.FilterError: cannot read the ascent "-10": write a positive number of m
    """
    text = str(value).strip().lower().removesuffix(unit).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number >= 0 or number == float("inf"):
        raise FilterError(_('cannot read the {what} "{value}": write a positive number of {unit}',
                            what=_(what), value=value, unit=unit))
    return number


def parse_flag(value: str | None, error: str) -> bool:
    """True for 1, true, yes, on; False for 0, false, no, off, all or no value; else ``FilterError(error)``.

    >>> parse_flag("Yes", "?"), parse_flag("all", "?"), parse_flag(None, "?")
    (True, False, False)
    """
    if value is None:
        return False
    if value.lower() not in _TRUE | _FALSE:
        raise FilterError(error)
    return value.lower() in _TRUE


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``(lat, lon)`` from "latitude,longitude" (or ";" between them).

    >>> parse_lat_lon("44.2, 3.7"), parse_lat_lon("44.2;3.7")
    ((44.2, 3.7), (44.2, 3.7))
    """
    try:
        lat, lon = (float(p) for p in text.replace(";", ",").split(","))
    except ValueError as e:
        raise FilterError(_('"near" must be "latitude,longitude" in degrees, e.g. "44.2,3.7"')) from e
    return lat, lon


def codes_of(values: list[str], vocabulary: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Codes from codes, English labels or French labels, once each, in order.

    >>> codes_of(["Très facile", "easy", "very_easy"], ("very_easy", "easy"), "difficulty")
    ('very_easy', 'easy')
    """
    aliases = code_aliases(vocabulary)
    codes = []
    for value in values:
        if (code := aliases.get(_slug(value))) is None:
            raise FilterError(_('unknown {what} "{value}": choose among {choices}', what=_(what), value=value,
                                choices=", ".join(vocabulary)))
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def code_aliases(vocabulary: tuple[str, ...]) -> dict[str, str]:
    """What :func:`codes_of` accepts for a vocabulary (folded, blanks and hyphens as ``_``) -> the code:
    codes, English labels, French labels and common aliases.

    >>> code_aliases(("very_easy", "easy"))["tres_facile"]
    'very_easy'
    """
    fr = catalogue("fr")
    aliases = {_slug(name): code for code in vocabulary
               for name in (code, LABELS.get(code, code), fr.get(LABELS.get(code, code), code))}
    aliases.update({k: v for k, v in _EXTRA_ALIASES.items() if v in vocabulary})
    return aliases


def _slug(text: str) -> str:
    return re.sub(r"[\s\-']+", "_", fold_text(text))


def _raw(params: Mapping, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        raw = params.getlist(key)
    else:
        raw = params.get(key)
        raw = [] if raw is None else list(raw) if isinstance(raw, (list, tuple, set)) else [raw]
    return [str(v).strip() for v in raw if str(v).strip()]


def param_values(params: Mapping, key: str) -> list[str]:
    """Every value of ``key`` (repeated, in a list or comma-separated), once each, blanks dropped.

    >>> param_values({"difficulty": ["easy,medium", " easy ", ""]}, "difficulty")
    ['easy', 'medium']
    """
    return list(dict.fromkeys(p.strip() for v in _raw(params, key) for p in v.split(",") if p.strip()))


def param_value(params: Mapping, key: str) -> str | None:
    """The last non-blank value of ``key``, or None.

    >>> param_value({"q": ["moulin", "  "]}, "q"), param_value({"q": ""}, "q")
    ('moulin', None)
    """
    values = _raw(params, key)
    return values[-1] if values else None


# -- text matching and distance ------------------------------------------------------------------
class _FoldTable(dict):
    """``str.translate`` table doing, one character at a time, what :func:`poi.text.fold` does
    (NFKD, combining marks dropped): the same result, several times faster on long texts."""

    def __missing__(self, code: int) -> str:
        self[code] = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        return self[code]


_FOLD = _FoldTable()


def fold_text(value: str | None) -> str:
    """:func:`poi.text.fold` with blanks collapsed (the form text queries match against).

    >>> fold_text("  Ô domaine de  Roquedols ! ")
    'o domaine de roquedols !'
    """
    value = value or ""
    return " ".join((value if value.isascii() else value.translate(_FOLD)).lower().split())


def searched_text(folded_name: str, summary: str, commune: str) -> str:
    """What the text filter (``q``) searches of a trail: its name (folded already, as the sort by name has it),
    summary and commune, folded.

    >>> searched_text(fold_text("Moulin du Bougès"), "Une  boucle", "Vialas")
    'moulin du bouges une boucle vialas'
    """
    return f"{folded_name} {fold_text(f'{summary} {commune}')}"


def query_tokens(query: str) -> list[str]:
    """The folded words of a text query (each must occur in a trail's name, summary or commune).

    >>> query_tokens("Moulin du Bougès !")
    ['moulin', 'du', 'bouges']
    """
    return re.findall(r"\w+", fold(query))


def distance_m(lon1: float | None, lat1: float | None, lon2: float, lat2: float) -> float | None:
    """Geodesic distance in metres (``pyproj.Geod(ellps="WGS84").inv``); None when the first point is missing.

    >>> round(distance_m(3.6, 44.2, 3.7, 44.2)), distance_m(None, None, 3.7, 44.2)
    (7994, None)
    """
    return None if lon1 is None or lat1 is None else float(GEOD.inv(lon1, lat1, lon2, lat2)[2])
