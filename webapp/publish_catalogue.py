"""The compact index the published catalogue filters in the browser (``webapp/static/catalogue.js``).

One JSON file per language (``api/catalogue.<lang>.json``): every published circuit as one short array
(id, names, figures, codes, trailhead, the folded text the ``q`` filter searches, its rank by name), the
vocabularies and their labels, the towns the ``town`` filter knows, and the sentences and messages of the
filters in that language, taken from the server's own catalogue of translations. The script's results,
facet counts and sentences are those of :func:`trails.filter_index.search` (tests/test_publish_catalogue.py
runs both on the demo). A hundred circuits take ~15 KB, ~4 KB gzipped.
"""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

from poi.i18n import language
from poi.i18n import gettext as _
from trails.filter_index import DURATION_BUCKETS, search
from trails.filter_params import code_aliases, fold_text, label, searched_text
from trails.filters import FilterSet
from trails.models import ACCESSIBILITY, DIFFICULTIES, PRACTICES, ROUTE_TYPES
from trails.towns import known_towns
from webapp.localized import localized

#: The sentences and messages of the filters (English message ids, as in trails/), by the script's names.
MESSAGES = {
    "bad_duration": 'cannot read the duration "{value}": write minutes (90) or hours and minutes (2h30, 1:45)',
    "bad_number": 'cannot read the {what} "{value}": write a positive number of {unit}',
    "what_length": "length", "what_ascent": "ascent", "what_radius": "radius",
    "what_difficulty": "difficulty", "what_practice": "practice", "what_route_type": "route type",
    "what_accessibility": "accessibility",
    "unknown_code": 'unknown {what} "{value}": choose among {choices}',
    "range_swapped": "the minimum is above the maximum: swap the two values",
    "bad_loop": '"loop" must be 1 or 0',
    "near_and_town": 'give either "near" (a point) or "town" (a name), not both',
    "bad_near": '"near" must be "latitude,longitude" in degrees, e.g. "44.2,3.7"',
    "bad_radius": "the radius must be a positive number of kilometres",
    "radius_alone": '"radius_km" needs "near" (the centre, as "latitude,longitude") or "town"',
    "town_empty": "write the name of a town",
    "town_several": '"{text}" names several towns: {names}; write more of the name',
    "town_unknown": 'no trail or place in the catalogue is in the town "{text}"',
    "town_choose": "; choose a town from the list, or give a point (near=latitude,longitude)",
    "bad_sort": 'unknown sort "{sort}": choose among {choices}',
    "bad_page": "page must be a whole number from 1, not {value!r}",
    "under_duration": "walking time under {duration}", "duration_or_more": "walking time of {duration} or more",
    "between_durations": "walking time between {low} and {high}",
    "under_km": "under {high} km", "km_or_more": "{low} km or more", "between_km": "between {low} and {high} km",
    "ascent_under": "ascent under {high} m", "ascent_or_more": "ascent of {low} m or more",
    "ascent_between": "ascent between {low} and {high} m",
    "difficulty_is": "difficulty: {values}", "theme_is": "theme: {values}", "practice_is": "practice: {values}",
    "route_is": "route type: {values}", "loops_only": "loops only", "either": "{first} or {last}",
    "both": "{first} and {last}", "within_town": "within {radius} km of {town}",
    "within_point": "within {radius} km of {lat}, {lon}", "matching": "matching “{query}”",
    "one_trail": "1 trail", "n_trails": "{n} trails", "filters": "Filters", "listed_because": "Listed because",
    "no_match": "No trail matches these filters. Remove one to see more.", "pages": "Pages",
    "previous": "Previous", "next": "Next", "fig_length": "Length", "fig_duration": "Duration",
    "fig_difficulty": "Difficulty", "fig_ascent": "Ascent (D+)", "themes": "Themes",
    "cannot_understand": "This search cannot be understood",
}
VOCABULARIES = {"difficulty": DIFFICULTIES, "practice": PRACTICES, "route_type": ROUTE_TYPES,
                "accessibility": ACCESSIBILITY}


def catalogue_index(store, lang: str, page_size: int, trails=None) -> dict:
    """The index of the published circuits of ``store`` in ``lang`` (see the module docstring); ``trails``:
    what :func:`trails.filter_index.search` lists with no filter, when the caller has it already."""
    with language(lang):
        trails = search(store, FilterSet.from_params({})).trails if trails is None else trails
        codes = {key: sorted(set(vocab) | {_value(t, key) for t in trails}) for key, vocab in VOCABULARIES.items()
                 if key != "accessibility"}
        codes["accessibility"] = sorted(set(ACCESSIBILITY) | {a for t in trails for a in t.accessibility})
        codes["theme"] = sorted({th for t in trails for th in t.themes})
        lookup = {key: {v: i for i, v in enumerate(values)} for key, values in codes.items()}
        ranked = sorted(trails, key=lambda t: (fold_text(t.name), t.name, t.id))
        rank = {t.id: i for i, t in enumerate(ranked)}
        rows = []
        for t in trails:
            start = t.start
            shown = localized(t, "name")
            rows.append([t.id, t.name, None if shown == t.name else shown, t.commune or "", t.duration_min,
                         t.length_m or 0.0, t.ascent_m or 0.0,
                         lookup["difficulty"][t.difficulty], lookup["practice"][t.practice],
                         lookup["route_type"][t.effective_route_type],
                         [lookup["theme"][th] for th in dict.fromkeys(t.themes)],
                         [lookup["accessibility"][a] for a in t.accessibility],
                         start[0] if start else None, start[1] if start else None,
                         None, rank[t.id]])  # the words come apart: see catalogue_words()
        every = {v for values in codes.values() for v in values}
        return {
            "v": 1, "lang": lang, "page_size": page_size, "codes": codes,
            "vocabulary": {key: list(vocab) for key, vocab in VOCABULARIES.items()},
            "labels": {v: label(v) for v in sorted(every)},
            "aliases": {key: code_aliases(vocab) for key, vocab in VOCABULARIES.items()},
            "buckets": [list(b) for b in DURATION_BUCKETS],
            "towns": {key: list(town[:3]) for key, town in sorted(known_towns(store).items())},
            "msg": {name: _(text) for name, text in MESSAGES.items()},
            "trails": rows,
        }


def catalogue_words(trails) -> list[str]:
    """For each circuit of :func:`catalogue_index` (same order), the distinct folded words of its name,
    summary and commune: what the ``q`` filter searches (``api/catalogue-words.json``, loaded by the script
    only when a visitor searches by text; it is most of the bytes). ``trails``: what
    :func:`trails.filter_index.search` lists with no filter."""
    return [_words(searched_text(fold_text(t.name), t.summary, t.commune)) for t in trails]


def _words(text: str) -> str:
    """The distinct words of a folded text, one blank between them: a query word (``\\w+``) occurs in the
    text exactly when it occurs in this string (as :class:`trails.filter_index.TrailIndex` searches)."""
    return " ".join(dict.fromkeys(re.findall(r"\w+", text)))


def _value(trail, key: str) -> str:
    return trail.effective_route_type if key == "route_type" else getattr(trail, key)


def circuit_row(trail, photo: list | None, thumbs: dict, rewrite) -> dict:
    """What the lists of the published site show of one circuit (``trail`` without its trace): its item of
    ``api/trails.json`` (JSON, its links made the site's by ``rewrite``) and credit, its card photo (``photo``:
    an entry of :func:`webapp.media_files.published_card_photos`, ``thumbs`` its files), its words
    (:func:`catalogue_words`) and the fields of :func:`catalogue_index`. ``balise publish`` keeps the rows from
    one publish to the next: only the circuits that changed are read again."""
    from exporter.common import trail_credit
    from webapp.api import trail_item

    credit = trail_credit(trail)
    start = trail.start
    return {"item": rewrite(json.dumps(trail_item(trail), ensure_ascii=False, separators=(",", ":"), sort_keys=True)),
            "credit": credit._asdict() if credit is not None else None,
            "photo": photo, "thumb": str(thumbs[photo[0]]) if photo else None,
            "words": catalogue_words([trail])[0],
            "index": {"id": trail.id, "name": trail.name, "translations": trail.translations,
                      "commune": trail.commune, "duration_min": trail.duration_min, "length_m": trail.length_m,
                      "ascent_m": trail.ascent_m, "difficulty": trail.difficulty, "practice": trail.practice,
                      "effective_route_type": trail.effective_route_type, "themes": list(trail.themes),
                      "accessibility": list(trail.accessibility), "start": list(start) if start else None}}


def index_fields(row: dict) -> SimpleNamespace:
    """The fields of a :func:`circuit_row` that :func:`catalogue_index` reads, as attributes."""
    return SimpleNamespace(**row["index"])


def api_trails_json(rows: list[dict], total: int, facets: dict, rewrite) -> bytes:
    """``api/trails.json``: what ``/api/trails`` answers with no filter, without paging, from the
    :func:`circuit_row` of every listed circuit in the catalogue's order."""
    from webapp.api import LICENCE_NOTE

    credits: dict[tuple, dict] = {}
    for row in rows:
        if row["credit"] is not None:
            credits.setdefault(tuple(row["credit"].values()), row["credit"])
    data = {"total": total, "limit": total, "offset": 0, "filters": [], "facets": facets, "trails": "\0",
            "credits": list(credits.values()), "licence_note": LICENCE_NOTE}
    text = rewrite(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    return text.replace('"\\u0000"', "[" + ",".join(row["item"] for row in rows) + "]", 1).encode("utf-8")
