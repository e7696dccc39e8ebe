"""Which POIs of a trail's corridor become stops, and how: the rules of automatic attachment.

:mod:`trails.corridor` measures the POIs near a trace; this module decides what each one is
(pure rules, no storage, no geometry):

* a **waymark** (signpost, guidepost: :func:`poi.categories.stop_kind`) is never a stop: it is
  drawn on maps and exported as a GPX waypoint (:func:`trails.corridor.find_waymarks`);
* a **service** (food, lodging, parking, water point, toilets, transport, shop, information) is
  attached ``auto``: walkers see it listed by distance along the walk, and get a card for it only
  when they asked for alerts of its category;
* a **story** stop (heritage, nature, viewpoint...) is attached ``auto`` (its card is pushed when
  the walker comes near) when it has something to tell (a text, a photo, an audio file) or stands
  within :data:`ACCEPT_WITHIN_M` of the trace; a bare name farther away is only ``proposed``:
  staff accept it (``manual``) or refuse it (``removed``), one by one or in bulk by kind.

Candidates are ranked (:func:`score`): story before service, then richness of content, then
closeness to the trace. The editor lists proposals best first.
"""
from __future__ import annotations

from typing import NamedTuple

from poi.categories import SERVICE, STORY, WAYMARK, stop_kind
from poi.models import POI

#: A story POI without text, photo or audio is accepted automatically only this close to the trace (metres).
ACCEPT_WITHIN_M = 60.0
#: Description shorter than this (characters, markup included) says nothing yet.
MIN_TEXT_CHARS = 40


class Richness(NamedTuple):
    """What a POI has to tell: a text, photos, audio files."""

    text: bool
    photos: int
    audio: int

    @property
    def any(self) -> bool:
        return self.text or self.photos > 0 or self.audio > 0


def richness(poi: POI) -> Richness:
    """What ``poi`` has to tell.

    >>> from poi.models import Media
    >>> richness(POI(name="Croix", lon=0, lat=0))
    Richness(text=False, photos=0, audio=0)
    >>> richness(POI(name="Église", lon=0, lat=0, description="<p>" + "Romane, XIIe siècle. " * 3 + "</p>",
    ...              media=[Media("image", "a.jpg"), Media("audio", "b.mp3")])).any
    True
    """
    return Richness(len((poi.description or "").strip()) >= MIN_TEXT_CHARS,
                    sum(1 for m in poi.media if m.kind == "image"),
                    sum(1 for m in poi.media if m.kind == "audio"))


def score(poi: POI, distance_m: float, width_m: float = 150.0) -> float:
    """Rank of a corridor candidate, higher first: story (+3) before service, then content
    (text +1, photos +0.5, audio +0.5), then closeness (+0 at ``width_m``, +1 on the trace).

    >>> church = POI(name="Église", lon=0, lat=0, category="church")
    >>> car_park = POI(name="Parking", lon=0, lat=0, category="parking")
    >>> score(church, 140) > score(car_park, 0)
    True
    >>> score(church, 10) > score(church, 100)
    True
    """
    r = richness(poi)
    kind = stop_kind(poi.category, poi.themes)
    closeness = max(0.0, 1.0 - max(0.0, distance_m) / width_m) if width_m > 0 else 0.0
    return ((3.0 if kind == STORY else 0.0) + (1.0 if r.text else 0.0) + (0.5 if r.photos else 0.0)
            + (0.5 if r.audio else 0.0) + closeness)


def attach_status(poi: POI, distance_m: float) -> str | None:
    """The status a corridor candidate gets when attached automatically: ``auto``, ``proposed``, or
    ``None`` (a waymark: not a stop).

    >>> attach_status(POI(name="Parking", lon=0, lat=0, category="parking"), 140)
    'auto'
    >>> attach_status(POI(name="Poteau", lon=0, lat=0, category="signpost"), 0) is None
    True
    >>> croix = POI(name="Croix", lon=0, lat=0, category="monument")
    >>> attach_status(croix, 20), attach_status(croix, 120)
    ('auto', 'proposed')
    """
    kind = stop_kind(poi.category, poi.themes)
    if kind == WAYMARK:
        return None
    if kind == SERVICE or distance_m <= ACCEPT_WITHIN_M or richness(poi).any:
        return "auto"
    return "proposed"
