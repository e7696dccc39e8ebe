"""The fixed parts of an offline bundle: Leaflet, icons, the app's messages, the page templates.

Nothing here reaches the network: Leaflet comes from the ``xstatic-leaflet``
package (its CSS images turned into ``data:`` URIs, its source-map comment
dropped), the icons are drawn with Pillow, the page and scripts are the files
of ``templates/bundle/``.
"""
from __future__ import annotations

import base64
import io
import json
import re
from functools import lru_cache
from pathlib import Path

import jinja2
from PIL import Image, ImageDraw

from exporter.errors import ExportError
from poi.i18n import LANGUAGES, gettext as _, language
from poi.models import CATEGORIES
from poi.resources import resource

TEMPLATES = resource("templates") / "bundle"

#: The walker's app: its modules in load order (after ``engine.js`` and ``basemap.js``), each a file of
#: ``templates/bundle/`` shipped at the same path; ``app.js`` wires them (see its header).
APP_MODULES = ("app/state.js", "app/map.js", "app/cards.js", "app/geolocation.js", "app/offline.js", "app.js")

#: Colours of the app and its icons (WCAG AA contrast on white).
THEME_COLOR = "#14532d"
BACKGROUND_COLOR = "#ffffff"


def _messages() -> dict[str, str]:
    """The app's messages in the current language, by key (``{name}`` placeholders are filled in JS)."""
    return {
        "start": _("Start the walk"),
        "locating": _("Waiting for a GPS position…"),
        "gps_denied": _("Location unavailable: allow location access to follow the trail."),
        "gps_poor": _("GPS position too imprecise ({accuracy}): waiting for a better one."),
        "gps_ok": _("GPS position ± {accuracy}"),
        "next_stop": _("Next stop in {distance}"),
        "no_next_stop": _("No more stops ahead"),
        "progress": _("{done} of {total} walked"),
        "off_trail": _("You seem to be off the trail ({distance} from it)."),
        "stops": _("Stops"),
        "services": _("Services along the walk"),
        "alerts": _("Alert me when I come near:"),
        "service_next": _("{category}: next in {distance}"),
        "service_at": _("{category}: at {distance} from the start"),
        "service_end": _("{category}: at the end of the walk"),
        "service_none": _("{category}: none ahead"),
        "to_walk": _("{distance} to walk"),
        "reached": _("reached"),
        "here": _("You are at: {name}"),
        "poi_left": _("{distance} on your left"),
        "poi_right": _("{distance} on your right"),
        "read_aloud": _("Read aloud"),
        "audio_guide": _("Audio guide"),
        "watch_video": _("Watch the video"),
        "guidance": _("Guidance"),
        "keep_screen_on": _("Keep the screen on"),
        "lock_pauses": _("Locking the phone pauses guidance: no position reaches the app while the screen is off. "
                         "Stops you pass meanwhile are listed when you unlock it."),
        "missed": _("passed while the screen was off"),
        "missed_title": _("Passed while your screen was off"),
        "missed_hint": _("No position came while the screen was off: these stops were not announced. "
                         "Tap one to read it, or walk back to it."),
        "missed_toast": _("{n} stop(s) passed while your screen was off: see the list."),
        "autoplay": _("Play the audio guide at each stop"),
        "speak_on_trigger": _("Read the text aloud at each stop"),
        "reset": _("Reset walk"),
        "reset_done": _("Walk reset: every stop will trigger again."),
        "credits": _("Credits and licences"),
        "offline_ready": _("Ready to use without network."),
        "offline_title": _("Offline use"),
        "install_sizes": _("Kept on this phone: {core} for the walk (app, trail, texts, map), then {media} of photos "
                           "and audio."),
        "install_core": _("Downloading the walk: {done} of {total} files, {bytes} of {all}."),
        "install_ready": _("Ready offline: the walk works without network."),
        "install_failed": _("Download interrupted: the walk is not kept offline yet. Check the network and retry."),
        "storage_full": _("Not enough storage on this phone: {need} needed, {free} free."),
        "storage_media": _("Not enough storage for the photos and audio ({need} needed, {free} free): text only."),
        "media_progress": _("Photos and audio: {done} of {total} files, {bytes} of {all}."),
        "media_complete": _("Photos and audio kept offline."),
        "media_skipped": _("Text only: photos and audio are not kept offline."),
        "media_failed": _("Photos and audio interrupted: the walk works offline, retry for the photos."),
        "retry": _("Retry"),
        "skip_media": _("Text only (skip photos and audio)"),
        "get_media": _("Download the photos and audio"),
        "update_available": _("A new version of this circuit is available."),
        "update_now": _("Update now"),
        "circuits_title": _("Downloaded circuits"),
        "circuits_empty": _("No circuit kept on this phone."),
        "delete": _("Delete"),
        "deleted_here": _("This circuit was deleted from the phone: download it again to walk it offline."),
        "text_only": _("text only"),
        "download_gpx": _("Download the GPX trace"),
        "map_note": _("Map: the trace and its stops only (no background map offline)."),
        "map_note_corridor": _("Map: the surroundings of the trail only (a corridor), stored in the app: "
                               "nothing is downloaded while you walk."),
        "map_data": _("Map data:"),
        "map_label": _("Map of the trail"),
        "length": _("Length"),
        "duration": _("Duration"),
        "ascent": _("Ascent"),
        "difficulty_label": _("Difficulty"),
        "source": _("Source"),
        "licence": _("Licence"),
        "trail_credit": _("Trail"),
        "map_software": _("Map display: Leaflet (BSD 2-Clause licence)."),
        "more": _("More information"),
        "very_easy": _("very easy"), "easy": _("easy"), "medium": _("medium"),
        "hard": _("hard"), "very_hard": _("very hard"),
    }


def _category_labels() -> dict[str, str]:
    labels = {
        "monument": _("Monument"), "church": _("Church"), "castle": _("Castle"), "museum": _("Museum"),
        "mill": _("Mill"), "bridge": _("Bridge"), "archaeology": _("Archaeology"),
        "memorial": _("Memorial"), "viewpoint": _("Viewpoint"), "nature": _("Nature"),
        "water": _("Water"), "picnic": _("Picnic area"), "accommodation": _("Accommodation"),
        "restaurant": _("Restaurant"), "shop": _("Shop"), "parking": _("Parking"),
        "information": _("Information"), "transport": _("Transport"), "toilets": _("Toilets"),
        "signpost": _("Signpost"), "other": _("Other"),
    }
    return {key: labels.get(key, key) for key in CATEGORIES}


def catalogue() -> dict[str, dict[str, str]]:
    """The app's messages in every language, as embedded in the page.

    >>> cat = catalogue()
    >>> cat["fr"]["reset"], cat["en"]["reset"]
    ('Réinitialiser la balade', 'Reset walk')
    >>> cat["fr"]["category:church"]
    'Église'
    """
    result = {}
    for lang in LANGUAGES:
        with language(lang):
            messages = _messages()
            messages["lang_name"] = {"fr": "Français", "en": "English"}[lang]
            messages.update({f"category:{k}": v for k, v in _category_labels().items()})
            result[lang] = messages
    return result


# -- Leaflet ------------------------------------------------------------------------------------
def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ExportError("the xstatic-leaflet package is missing: pip install xstatic-leaflet") from e
    return Path(xleaflet.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_js() -> bytes:
    """Leaflet's minified JS without its ``sourceMappingURL`` comment (the map is not shipped)."""
    text = (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return re.sub(r"\n?//# sourceMappingURL=\S*\s*$", "\n", text).encode("utf-8")


@lru_cache(maxsize=1)
def leaflet_css() -> bytes:
    """Leaflet's CSS with its image URLs turned into ``data:`` URIs and its comments dropped."""
    base = _leaflet_dir()

    def inline(match: re.Match) -> str:
        path = base / match.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode('ascii')})"

    text = re.sub(r"/\*.*?\*/", "", (base / "leaflet.css").read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, text).encode("utf-8")


# -- icons --------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def icon_png(size: int) -> bytes:
    """A square app icon: a white-over-red trail blaze (the French GR mark) on dark green.

    >>> icon = icon_png(192)
    >>> icon[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    >>> Image.open(io.BytesIO(icon)).size
    (192, 192)
    """
    img = Image.new("RGB", (size, size), THEME_COLOR)
    draw = ImageDraw.Draw(img)
    w, h = size * 0.56, size * 0.14
    x0, y0 = (size - w) / 2, size * 0.33
    draw.rectangle([x0, y0, x0 + w, y0 + h], fill="#ffffff")
    draw.rectangle([x0, y0 + h * 1.35, x0 + w, y0 + h * 2.35], fill="#d62828")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def data_uri(data: bytes, mime: str) -> str:
    """``data:`` URI of some bytes.

    >>> data_uri(b"hi", "text/plain")
    'data:text/plain;base64,aGk='
    """
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# -- templates ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["script_json"] = script_json
    return env


def template_bytes(name: str) -> bytes:
    """A file of ``templates/bundle/`` as it is shipped (``app.js``, ``engine.js``, ``app.css``)."""
    path = TEMPLATES / name
    if not path.is_file():
        raise ExportError(f"bundle template {name} is missing from {TEMPLATES}; reinstall Balise")
    return path.read_bytes()


def render(name: str, **context) -> str:
    """Render a Jinja2 template of ``templates/bundle/``."""
    return _env().get_template(name).render(**context)


def script_json(value) -> str:
    """JSON safe inside an HTML ``<script>`` element (``<``, ``>``, ``&`` escaped).

    >>> script_json({"a": "</script>"})
    '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":") if isinstance(value, list) else None)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def inline_script(code: bytes | str) -> str:
    """JS code safe inside an inline ``<script>`` element (a literal ``</script`` cannot close it)."""
    text = code.decode("utf-8") if isinstance(code, bytes) else code
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def inline_style(css: bytes | str) -> str:
    """CSS safe inside an inline ``<style>`` element."""
    text = css.decode("utf-8") if isinstance(css, bytes) else css
    return re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)


def manifest(name: str, short_name: str, description: str) -> bytes:
    """The web app manifest (installable, standalone, starts at the bundle's own folder).

    >>> m = json.loads(manifest("Tour", "Tour", ""))
    >>> m["start_url"], m["display"], [i["sizes"] for i in m["icons"]]
    ('.', 'standalone', ['192x192', '512x512'])
    """
    doc = {
        "name": name, "short_name": short_name[:30], "description": description,
        "start_url": ".", "scope": ".", "display": "standalone", "lang": "fr",
        "background_color": BACKGROUND_COLOR, "theme_color": THEME_COLOR,
        "icons": [{"src": f"icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png",
                   "purpose": "any maskable"} for s in (192, 512)],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
