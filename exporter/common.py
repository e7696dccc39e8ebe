"""Helpers shared by the exporters: plain text, credits and licences, file names, atomic writes.

Credits travel with every exported file: the trail's own provenance first,
then one line per distinct (attribution, licence) of its stops' POIs, e.g.
OpenStreetMap data under the ODbL. Text that ends up in XML is cleaned of the
characters XML 1.0 cannot hold (control characters, lone surrogates).
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import NamedTuple, Sequence
from urllib.parse import quote, urlsplit, urlunsplit

from exporter.errors import ExportError
from poi.i18n import gettext as _
from poi.models import POI
from poi.text import fold, html_to_text
from trails.models import Trail, TrailStop

#: Characters XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE/U+FFFF; surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_HTML_HINT = re.compile(r"</?(p|br|b|i|u|em|strong|ul|ol|li|a|h[1-6]|blockquote|span|div)\b[^>]*>"
                        r"|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)

#: Known licences: (test on the folded alphanumeric name, canonical name, URL).
_LICENCES: tuple[tuple[str, str, str], ...] = (
    (r"odbl", "ODbL 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    (r"etalab|licenceouverte|openlicence", "Licence Ouverte / Etalab 2.0",
     "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"),
    (r"^(cc0|cczero|publicdomainzero)", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    (r"^ccbysa40|^creativecommonsattributionsharealike40", "CC BY-SA 4.0",
     "https://creativecommons.org/licenses/by-sa/4.0/"),
    (r"^ccbysa30", "CC BY-SA 3.0", "https://creativecommons.org/licenses/by-sa/3.0/"),
    (r"^ccbysa20", "CC BY-SA 2.0", "https://creativecommons.org/licenses/by-sa/2.0/"),
    (r"^ccby40|^creativecommonsattribution40", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    (r"^ccby30", "CC BY 3.0", "https://creativecommons.org/licenses/by/3.0/"),
    (r"^ccby20", "CC BY 2.0", "https://creativecommons.org/licenses/by/2.0/"),
)

#: Sources whose data carries a licence even when a record does not repeat it.
_SOURCE_DEFAULTS = {
    "osm": ("© OpenStreetMap contributors", "ODbL 1.0"),
    "openstreetmap": ("© OpenStreetMap contributors", "ODbL 1.0"),
}


class Credit(NamedTuple):
    """Who made some data and under which licence (``url`` is empty when unknown)."""

    attribution: str
    licence: str
    url: str


def xml_safe(value: object) -> str:
    """A string XML 1.0 can hold: forbidden characters removed, NFC-normalised.

    >>> xml_safe("Caf\\u0065\\u0301 \\x07bell")
    'Café bell'
    >>> xml_safe(None)
    ''
    """
    if value is None:
        return ""
    return unicodedata.normalize("NFC", _NOT_XML.sub("", str(value)))


def looks_like_html(value: str) -> bool:
    """Whether text holds markup (a tag Balise keeps in rich text, or an entity).

    >>> looks_like_html("<p>Pont</p>"), looks_like_html("Moulin <Pont> & bief")
    (True, False)
    """
    return bool(_HTML_HINT.search(value))


def plain_text(value: str | None, max_chars: int | None = None) -> str:
    """Plain text of HTML or of text, whitespace collapsed, trimmed at a word boundary to ``max_chars``.

    Text without markup is kept as it is (``<Pont>`` in a plain summary is not a tag).

    >>> plain_text("<p>Moulin &amp; <b>bief</b></p>")
    'Moulin & bief'
    >>> plain_text("Moulin <Pont> & bief")
    'Moulin <Pont> & bief'
    >>> plain_text("Un moulin du XIIe siècle sur la rivière", max_chars=20)
    'Un moulin du XIIe…'
    >>> plain_text("", max_chars=5)
    ''
    """
    value = xml_safe(value)
    text = html_to_text(value) if looks_like_html(value) else re.sub(r"\s+", " ", value).strip()
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "!$&'()*+,;=:@-._~%"


def safe_url(url: str | None) -> str:
    """An http(s) URL made valid (RFC 3986: spaces, accents and stray ``%`` escaped), else ``""``.

    Only web links travel in exported files: ``javascript:`` or ``file:`` URLs are dropped.

    >>> safe_url(" https://fr.wikipedia.org/wiki/Église Saint-Jean ")
    'https://fr.wikipedia.org/wiki/%C3%89glise%20Saint-Jean'
    >>> safe_url("http://x.org/a?q=50%&b=1#top#2")
    'http://x.org/a?q=50%25&b=1#top%232'
    >>> safe_url("javascript:alert(1)"), safe_url("https://[bad"), safe_url("https://")
    ('', '', '')
    """
    url = xml_safe(url).strip()
    if not re.match(r"^https?://", url, re.I):
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return ""
    if not parts.hostname:
        return ""

    def esc(part: str, extra: str = "") -> str:
        return quote(_BAD_PERCENT.sub("%25", part), safe=_URL_SAFE + extra)

    return urlunsplit((parts.scheme.lower(), esc(parts.netloc, "[]"), esc(parts.path, "/"),
                       esc(parts.query, "/?"), esc(parts.fragment, "/?")))


def licence_info(licence: str | None) -> tuple[str, str]:
    """Canonical name and URL of a licence given by name or URL; unknown names pass through.

    >>> licence_info("ODbL")
    ('ODbL 1.0', 'https://opendatacommons.org/licenses/odbl/1-0/')
    >>> licence_info("Licence Ouverte 2.0")[0]
    'Licence Ouverte / Etalab 2.0'
    >>> licence_info("https://example.org/licence")
    ('https://example.org/licence', 'https://example.org/licence')
    >>> licence_info("Tous droits réservés")
    ('Tous droits réservés', '')
    """
    name = (licence or "").strip()
    if not name:
        return "", ""
    if re.match(r"^https?://\S+$", name):
        return name, safe_url(name)
    key = re.sub(r"[^a-z0-9]", "", fold(name))
    for pattern, canonical, url in _LICENCES:
        if re.search(pattern, key):
            return canonical, url
    return name, ""


def poi_credit(poi: POI) -> Credit | None:
    """A POI's attribution and licence (OpenStreetMap ones default to the ODbL).

    >>> poi_credit(POI("Croix", 4.3, 44.6, source="osm")).licence
    'ODbL 1.0'
    >>> poi_credit(POI("Croix", 4.3, 44.6)) is None
    True
    """
    attribution, licence = (poi.attribution or "").strip(), (poi.licence or "").strip()
    default = _SOURCE_DEFAULTS.get((poi.source or "").lower())
    if default:
        attribution = attribution or default[0]
        licence = licence or default[1]
    if not attribution and not licence:
        return None
    name, url = licence_info(licence)
    return Credit(attribution or poi.source or "", name, url)


def trail_credit(trail: Trail) -> Credit | None:
    """The trail's own attribution and licence, if it has either.

    >>> trail_credit(Trail(name="T", attribution="OT Aubenas", licence="etalab-2.0"))
    Credit(attribution='OT Aubenas', licence='Licence Ouverte / Etalab 2.0', url='https://www.etalab.gouv.fr/licence-ouverte-open-licence/')
    >>> trail_credit(Trail(name="T")) is None
    True
    """
    if not (trail.attribution or trail.licence):
        return None
    name, url = licence_info(trail.licence)
    return Credit((trail.attribution or "").strip(), name, url)


def credits(trail: Trail, stops: Sequence[TrailStop]) -> list[Credit]:
    """Distinct credits of the stops' POIs, in walking order of first appearance.

    OpenStreetMap POIs are credited under the ODbL even if the record omits it.

    >>> from poi.models import POI
    >>> from trails.models import Stop
    >>> def stop(poi): return TrailStop(Stop(1, 1, 0.0, 0.0), poi)
    >>> pois = [POI("A", 1, 2, source="osm"), POI("B", 1, 2, source="osm"),
    ...         POI("C", 1, 2, attribution="Mérimée", licence="Licence Ouverte")]
    >>> [(c.attribution, c.licence) for c in credits(Trail(name="T"), [stop(p) for p in pois])]
    [('© OpenStreetMap contributors', 'ODbL 1.0'), ('Mérimée', 'Licence Ouverte / Etalab 2.0')]
    """
    seen: dict[tuple[str, str], Credit] = {}
    for item in stops:
        credit = poi_credit(item.poi)
        if credit and (credit.attribution, credit.licence) not in seen:
            seen[(credit.attribution, credit.licence)] = credit
    return list(seen.values())


def format_credit(credit: Credit) -> str:
    """One line: ``attribution (licence URL)``.

    >>> format_credit(Credit("© OpenStreetMap contributors", "ODbL 1.0", "https://x.org/odbl"))
    '© OpenStreetMap contributors (ODbL 1.0, https://x.org/odbl)'
    >>> format_credit(Credit("Commune de Ribes", "", ""))
    'Commune de Ribes'
    """
    details = ", ".join(p for p in (credit.licence, credit.url if credit.url != credit.licence else "") if p)
    if credit.attribution and details:
        return f"{credit.attribution} ({details})"
    return credit.attribution or details


def credits_text(trail: Trail, stops: Sequence[TrailStop]) -> str:
    """The credits block of an exported file (translated labels), empty when nothing is known.

    >>> from poi.i18n import language
    >>> with language("en"):
    ...     print(credits_text(Trail(name="T", attribution="OT", licence="ODbL"), []))
    Trail: OT (ODbL 1.0, https://opendatacommons.org/licenses/odbl/1-0/)
    """
    lines = []
    own = trail_credit(trail)
    if own:
        lines.append(_("Trail: {credit}", credit=format_credit(own)))
    poi_credits = credits(trail, stops)
    if poi_credits:
        lines.append(_("Points of interest: {credits}",
                       credits="; ".join(format_credit(c) for c in poi_credits)))
    return "\n".join(lines)


def slugify(text: str, max_chars: int = 60) -> str:
    """ASCII, lower-case, hyphenated: safe in any file system and URL.

    >>> slugify("Le Tour des Moulins d'Ébène / 2 h 30")
    'le-tour-des-moulins-d-ebene-2-h-30'
    >>> slugify("🙂")
    ''
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_chars].rstrip("-")


def export_filename(trail: Trail, extension: str) -> str:
    """File name for an export of a trail: ``<id>-<slug>.<ext>``, never from raw user input.

    >>> export_filename(Trail(name="Sentier des Écoliers", id=7), "gpx")
    '7-sentier-des-ecoliers.gpx'
    >>> export_filename(Trail(name="???"), ".gpx")
    'trail.gpx'
    """
    parts = [str(trail.id)] if trail.id is not None else []
    slug = slugify(trail.name or "")
    if slug:
        parts.append(slug)
    return "-".join(parts or ["trail"]) + "." + extension.lstrip(".")


def write_text(text: str, out: str | os.PathLike) -> Path:
    """Write ``text`` as UTF-8 to ``out`` atomically (a failed write leaves no partial file).

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_text("{}", pathlib.Path(d) / "t.geojson").name
    't.geojson'
    """
    path = Path(out)
    if not path.resolve().parent.is_dir():
        raise ExportError(f"folder {path.parent} does not exist; create it or choose another --out")
    fd, tmp = tempfile.mkstemp(prefix=".balise-", suffix=".tmp", dir=path.resolve().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
