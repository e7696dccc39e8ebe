"""Read treks of Geotrek-admin's API v2 (``/api/v2/trek/``) as trails.

``balise trail import FILE --format geotrek`` reads a page of the API (``{"count",
"results": [...]}``), a list of treks, or one trek object. Texts are language maps:
French goes to the trail, the other languages to ``translations``. Practice, route,
difficulty, themes, networks and structure are ids in the API: their labels come from
the vocabulary pages saved beside the file (``trek_practice.json``, ``trek_route.json``,
``trek_difficulty.json``, ``trek_theme.json``, ``trek_network.json``, ``structure.json``;
see :func:`poi.importers.geotrek.load_vocabulary`). Without them the ids are kept in
``extra``, the practice is walking, the route type is measured and the difficulty is ours.

Field mapping (``Trail`` attribute <- trek):

==========================  =================================================================
``name``                    ``name`` (French)
``summary``                 ``description_teaser`` as plain text
``description``             ``ambiance`` then ``description``, sanitised HTML
``segments``                ``geometry`` (LineString / MultiLineString with Z)
``practice``                practice label through :data:`PRACTICE_MAP`
``route_type``              route label through :data:`ROUTE_TYPE_MAP` (else measured)
``difficulty_published``    difficulty label through :data:`DIFFICULTY_MAP`
``duration_published_min``  ``duration`` (hours) x 60
``themes``                  theme labels
``accessibility``           codes read (:func:`trails.schema_randonnee.accessibility_from_text`) in
                            the labels of ``accessibilities`` (``trek_accessibility.json`` beside
                            the file: Poussette, Fauteuil roulant...) and in ``disabled_infrastructure``
``source``/``source_id``    ``geotrek:<host of the API url>`` (else ``geotrek:<structure>``) /
                            ``uuid`` (else ``id``)
``licence``/``attribution`` Licence Ouverte 2.0 unless given / the structure's name, else the host
named fields                ``parking`` ({lon, lat, info}), ``access``, ``recommendations``
                            (advice), ``public_transport``, ``accessibility_text``,
                            ``start_name``/``end_name``, ``commune_codes``, ``medias``, the
                            source's ``practice_label``/``difficulty_label``/``route_type_label``,
                            ``published_length_m`` (``length_2d``), ``published_ascent_m``/
                            ``published_descent_m`` (positive metres), ``published_ele_max_m``/
                            ``published_ele_min_m``
``extra``                   ``length_3d_m``, ``networks``, ``gear``, ``web_links``, ``gpx_url``,
                            ``pdf_url``, ``api_url``, ``geotrek_id``, ``parent_ids``,
                            ``children``, ``i18n``, and the ids of what had no label
==========================  =================================================================

A file that is not Geotrek API v2 treks raises :class:`SourceFormatError` at call
time; a trek that cannot make a trail (no name, no line) is reported and skipped.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from poi.errors import ImportRowError
from poi.i18n import gettext as _
from poi.importers.base import nested_too_deeply
from poi.importers.geotrek import (Vocabulary, host_of, label, load_vocabulary, media_of, text_fr,
                                   translations)
from poi.text import fold, html_to_text, sanitize_html
from trails.errors import SourceFormatError
from trails.models import Trail
from trails.schema_randonnee import (DIFFICULTY_MAP, PRACTICE_MAP as SCHEMA_PRACTICES, ROUTE_TYPE_MAP,
                                     accessibility_from_text, segments_of)

LICENCE = "Licence Ouverte 2.0"
#: Practice labels of Geotrek instances (diacritics folded) -> Balise practice.
PRACTICE_MAP = {
    **{fold(k): v for k, v in SCHEMA_PRACTICES.items()},
    "pedestre": "walking", "a pied": "walking", "randonnee pedestre": "walking", "marche nordique": "walking",
    "cheval": "horse_riding", "equestre": "horse_riding", "velo": "cycling", "cyclotourisme": "cycling",
    "velo de route": "cycling", "vtt": "mountain_bike", "vtt electrique": "mountain_bike",
    "trail": "trail_running", "course a pied": "trail_running", "raquettes": "snowshoe",
    "raquette": "snowshoe",
}
#: Route labels (folded) -> route type; Geotrek's defaults are Boucle, Aller-retour, Traversée.
ROUTE_MAP = {**{fold(k): v for k, v in ROUTE_TYPE_MAP.items()}, "traversee": "one_way",
             "itinerance": "one_way", "aller simple": "one_way", "boucle": "loop"}
LEVELS = {fold(k): v for k, v in DIFFICULTY_MAP.items()}
_TREK_KEYS = ("practice", "route", "duration", "length_2d", "difficulty", "ascent")


def read_treks(path: str | Path, *, vocabulary: Vocabulary | None = None, licence: str = LICENCE,
               attribution: str | None = None, report: list | None = None) -> Iterator[Trail]:
    """Treks of a Geotrek API v2 file, one :class:`Trail` each (not measured, not saved).

    Parameters
    ----------
    path
        A JSON page of ``/api/v2/trek/``, a list of treks or one trek.
    vocabulary
        Labels of the ids (:func:`poi.importers.geotrek.load_vocabulary`); default: the
        vocabulary pages found beside ``path``.
    licence, attribution
        Provenance written on every trail (``attribution`` defaults to each trek's
        structure name, else the API host).
    report
        If given, one :class:`ImportRowError` is appended per skipped trek.

    Raises
    ------
    SourceFormatError
        At call time, when the file is not JSON or holds no Geotrek trek.

    Examples
    --------
    >>> import json, tempfile, os
    >>> trek = {"id": 7, "uuid": "u-7", "url": "https://rando.example.fr/api/v2/trek/7/",
    ...         "name": {"fr": "Tour du lac", "en": "Lake loop"}, "duration": 1.5, "practice": 4,
    ...         "route": 1, "difficulty": 2, "ascent": 120, "descent": -120, "length_2d": 4200.0,
    ...         "geometry": {"type": "LineString", "coordinates": [[1.0, 42.8, 900.0], [1.01, 42.8, 950.0]]}}
    >>> vocabulary = {"practice": {"4": {"label": "Pédestre"}}, "route": {"1": {"label": "Boucle"}},
    ...               "difficulty": {"2": {"label": "Facile"}}}
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump({"count": 1, "results": [trek]}, f)
    >>> [t] = read_treks(f.name, vocabulary=vocabulary)
    >>> t.name, t.practice, t.route_type, t.difficulty_published, t.duration_published_min
    ('Tour du lac', 'walking', 'loop', 'easy', 90)
    >>> t.source, t.source_id, t.translations, t.published_ascent_m, t.segments[0][1]
    ('geotrek:rando.example.fr', 'u-7', {'en': {'name': 'Lake loop'}}, 120.0, (1.01, 42.8, 950.0))
    >>> os.remove(f.name)
    """
    path = Path(path)
    treks = _load(path)
    if vocabulary is None:
        vocabulary = load_vocabulary(path.parent)
        vocabulary.setdefault("accessibility", accessibility_labels(path.parent / "trek_accessibility.json"))

    def generate() -> Iterator[Trail]:
        for index, trek in enumerate(treks, start=1):
            try:
                yield trail_from_trek(trek, vocabulary=vocabulary, licence=licence, attribution=attribution)
            except ImportRowError as e:
                if report is not None:
                    name = text_fr(trek.get("name")) if isinstance(trek, dict) else ""
                    where = _("{file}, trek {n}", file=path.name, n=index) + (f" ({name})" if name else "")
                    report.append(ImportRowError(_("{where}: {reason}", where=where, reason=str(e))))

    return generate()


def _load(path: Path) -> list:
    if not path.is_file():
        raise SourceFormatError(_("{path}: no such file", path=path))
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise SourceFormatError(_("{file}: not UTF-8 text; save the file as UTF-8", file=path.name)) from e
    except json.JSONDecodeError as e:
        raise SourceFormatError(_("{file}: not valid JSON ({reason}); expected Geotrek API v2 treks",
                                  file=path.name, reason=e.msg)) from e
    except RecursionError as e:
        raise nested_too_deeply(path.name) from e
    treks = data.get("results", [data]) if isinstance(data, dict) else data
    if not isinstance(treks, list) or not treks or not all(isinstance(t, dict) for t in treks) \
            or not any("geometry" in t and any(k in t for k in _TREK_KEYS) for t in treks):
        raise SourceFormatError(_("{file}: not Geotrek API v2 treks (a page of /api/v2/trek/: name, geometry, practice...)",
                                  file=path.name))
    return treks


def accessibility_labels(path: Path) -> dict[str, dict]:
    """``{id: {"label": French name}}`` of a saved ``/api/v2/trek_accessibility/`` page ({} if absent).

    >>> import json, tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump({"results": [{"id": 2, "name": {"fr": "Poussette", "en": "Stroller"}}]}, f)
    >>> accessibility_labels(Path(f.name)), accessibility_labels(Path("/nonexistent.json"))
    ({'2': {'label': 'Poussette'}}, {})
    >>> os.remove(f.name)
    """
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SourceFormatError(_("{file}: not valid JSON; save the page of /api/v2/trek_accessibility/ again",
                                  file=path.name)) from e
    except RecursionError as e:
        raise nested_too_deeply(path.name) from e
    entries = data.get("results", []) if isinstance(data, dict) else data
    return {str(e["id"]): {"label": text_fr(e.get("name") or e.get("label"))}
            for e in entries if isinstance(e, dict) and "id" in e}


def trail_from_trek(trek: dict, *, vocabulary: Vocabulary | None = None, licence: str = LICENCE,
                    attribution: str | None = None) -> Trail:
    """One Geotrek API v2 trek as a :class:`Trail`; :class:`ImportRowError` if unusable."""
    vocabulary = vocabulary or {}
    name = html_to_text(text_fr(trek.get("name")))
    if not name:
        raise ImportRowError(_("no name"))
    segments = segments_of(trek.get("geometry"))
    extra: dict = {}
    host = host_of(trek.get("url"))
    structure = label(vocabulary, "structure", trek.get("structure"))
    practice_label = label(vocabulary, "practice", trek.get("practice"))
    route_label = label(vocabulary, "route", trek.get("route"))
    difficulty_label = label(vocabulary, "difficulty", trek.get("difficulty"))
    route_type = ROUTE_MAP.get(fold(route_label))
    detected = route_type is None
    if detected:
        route_type = "loop" if _closed(segments) else "one_way"
    for text, raw in ((practice_label, "practice"), (difficulty_label, "difficulty")):
        if not text and trek.get(raw) not in (None, ""):
            extra[f"{raw}_id"] = trek[raw]
    if not route_label and trek.get("route") not in (None, ""):
        extra["route_id"] = trek["route"]
    themes = [label(vocabulary, "theme", t) for t in trek.get("themes") or []]
    if trek.get("themes") and not any(themes):
        extra["theme_ids"] = list(trek["themes"])
    networks = [label(vocabulary, "network", n) for n in trek.get("networks") or []]
    _put(extra, "networks", [n for n in networks if n])
    _put(extra, "length_3d_m", _number(trek.get("length_3d")))
    named: dict = {}  # fields of the Trail that code reads by name (the rest stays in extra)
    _put(named, "published_length_m", _number(trek.get("length_2d")))
    _put(named, "published_ascent_m", _abs(trek.get("ascent")))
    _put(named, "published_descent_m", _abs(trek.get("descent")))
    _put(named, "published_ele_max_m", _number(trek.get("max_elevation")))
    _put(named, "published_ele_min_m", _number(trek.get("min_elevation")))
    _put(named, "parking", _parking(trek))
    for key, field in (("access", "access"), ("recommendations", "advice"), ("public_transport", "public_transport"),
                       ("accessibility_text", "disabled_infrastructure")):
        _put(named, key, sanitize_html(text_fr(trek.get(field))))
    _put(extra, "gear", sanitize_html(text_fr(trek.get("gear"))))
    _put(named, "medias", media_of(trek.get("attachments")))
    _put(extra, "web_links", [{"name": text_fr(w.get("name")), "url": w.get("url")}
                              for w in trek.get("web_links") or [] if isinstance(w, dict) and w.get("url")])
    _put(extra, "gpx_url", str(trek.get("gpx") or ""))
    _put(extra, "pdf_url", text_fr(trek.get("pdf")))
    _put(extra, "api_url", str(trek.get("url") or ""))
    _put(extra, "geotrek_id", trek.get("id"))
    _put(extra, "parent_ids", list(trek.get("parents") or []))
    _put(extra, "children", list(trek.get("children") or []))
    _put(extra, "structure", structure)
    duration_h = _number(trek.get("duration"))
    owner = host or (f"structure-{trek['structure']}" if trek.get("structure") not in (None, "") else "unknown")
    source_id = next((str(v) for k in ("uuid", "id") if (v := trek.get(k)) not in (None, "")), "")
    if not source_id:
        raise ImportRowError(_("no id or uuid"))
    description = "".join(sanitize_html(text_fr(trek.get(k))) for k in ("ambiance", "description"))
    suitable = [label(vocabulary, "accessibility", a) for a in trek.get("accessibilities") or []]
    suitable.append(text_fr(trek.get("disabled_infrastructure")))
    return Trail(
        name=name,
        segments=segments,
        summary=html_to_text(text_fr(trek.get("description_teaser"))),
        description=description,
        practice=PRACTICE_MAP.get(fold(practice_label), "walking"),
        route_type=route_type,
        route_type_label="" if detected else route_label,
        route_type_detected=detected,
        practice_label=practice_label,
        difficulty_label=difficulty_label,
        start_name=html_to_text(text_fr(trek.get("departure"))),
        end_name=html_to_text(text_fr(trek.get("arrival"))),
        commune_codes=", ".join(str(c) for c in trek.get("cities") or []),
        themes=[t for t in themes if t],
        duration_published_min=round(duration_h * 60) if duration_h else None,
        difficulty_published=LEVELS.get(fold(difficulty_label)),
        source=f"geotrek:{owner}",
        source_id=source_id,
        licence=licence,
        attribution=attribution or structure or host,
        url="",
        accessibility=accessibility_from_text(". ".join(t for t in suitable if t)),
        extra=extra,
        **named,
        translations=translations({"name": trek.get("name"), "summary": trek.get("description_teaser"),
                                   "ambiance": trek.get("ambiance"), "description": trek.get("description")},
                                  html=("ambiance", "description")),
    )


def _closed(segments) -> bool:
    from trails.schema_randonnee import _detect_route_type

    return _detect_route_type(segments) == "loop"


def _parking(trek: dict) -> dict | None:
    location = trek.get("parking_location")
    info = html_to_text(text_fr(trek.get("advised_parking")))
    lon = lat = None
    if isinstance(location, list) and len(location) >= 2:
        lon, lat = float(location[0]), float(location[1])
    if lon is None and not info:
        return None
    return {"lon": lon, "lat": lat, "info": info}


def _number(value: Any) -> float | None:
    if value in (None, "", "None") or isinstance(value, bool):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _abs(value: Any) -> float | None:
    number = _number(value)
    return None if number is None else abs(number)


def _put(extra: dict, key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        extra[key] = value
