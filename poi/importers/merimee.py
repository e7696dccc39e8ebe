"""Mérimée and the heritage inventory: GeoJSON or CSV records of monuments.

The Ministry of Culture's base Mérimée (https://www.pop.culture.gouv.fr) and the regional
*Inventaire général du patrimoine culturel* share one set of fields. Exports name them
``chpdeno``/``chptico``... (Opendatasoft, the Toulouse inventory) or ``DENO``/``TICO``...
(POP CSV); both are read: keys are matched case- and accent-insensitively, with or without
the ``chp`` prefix. ``--format merimee`` takes a GeoJSON FeatureCollection (read by
:class:`~poi.importers.geojson.GeoJSONImporter`) or a CSV file (read by
:class:`~poi.importers.csv.CSVImporter`), told apart by their first character.

Field mapping (POI <- field):

===================  ============================================================================
``name``             ``tico`` (titre courant), first letter capitalised; when it only repeats the
                     denomination ("immeuble"), the address is added; without a title, the
                     denomination + address
``category/themes``  ``deno`` (first denomination) through :func:`poi.categories.categorize`
                     read as a heritage inventory (:data:`poi.categories.HERITAGE_WORDS`: a
                     "hôtel" is a town mansion, a "café" a listed building; anything unknown
                     is architecture)
``summary``          denomination and century ("Église paroissiale, 2e moitié 18e siècle")
``description``      ``hist`` (history), as paragraphs
``lon``/``lat``      the GeoJSON geometry, else the CSV latitude/longitude columns, else
                     ``coorwgs84`` ("lat, lon"); rows without any are reported and skipped
``url``              https://www.pop.culture.gouv.fr/notice/merimee/<REF> when ``ref`` is a
                     Mérimée reference (PA/IA/EA + 8 digits)
``source_id``        ``ref``; without one, derived from the name and the coordinates.
                     ``user`` (the inventory dossier, e.g. "IVC31555") is *not* an id: it is
                     shared by every record of a dossier; it goes to ``extra["dossier"]``
``extra``            ``reference``, ``denomination``, ``century`` (``scle``), ``dates``,
                     ``protection`` (``prot``), ``protection_detail`` (``ppro``),
                     ``protection_dates`` (``dpro``), ``address`` (readable), ``address_raw``,
                     ``place`` (``lieu``), ``commune``, ``insee``, ``department``, ``parts``,
                     ``authors``, ``status``, ``dossier``, ``parent_reference`` (``refe``), ...
===================  ============================================================================

Licence: Licence Ouverte 2.0; attribution: "Ministère de la Culture, base Mérimée /
Inventaire général du patrimoine culturel" (``--licence``/``--attribution`` override).
A file without any Mérimée field (``deno``, ``tico``, ``hist``, ...) raises
:class:`SourceFormatError`: import it with ``--format geojson`` or ``csv`` instead.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from poi.categories import categorize
from poi.errors import SourceFormatError
from poi.i18n import gettext as _
from poi.importers.base import Importer
from poi.importers.mapping import Record, parse_number
from poi.importers.csv import CSVImporter, column_key
from poi.importers.geojson import GeoJSONImporter, point_of
from poi.text import fold, paragraphs

LICENCE = "Licence Ouverte 2.0"
ATTRIBUTION = "Ministère de la Culture, base Mérimée / Inventaire général du patrimoine culturel"
POP_URL = "https://www.pop.culture.gouv.fr/notice/merimee/{ref}"
REFERENCE = re.compile(r"^(PA|IA|EA|MH)\d{8}$")
#: Fields (normalised names) of which at least one tells a Mérimée record.
MERIMEE_KEYS = ("deno", "tico", "hist", "prot", "scle", "ppro", "dpro", "etud", "loca", "autr", "denq")
#: Normalised field -> ``extra`` key.
EXTRA_KEYS = {
    "ref": "reference", "scle": "century", "date": "dates", "prot": "protection",
    "ppro": "protection_detail", "dpro": "protection_dates", "adrs": "address_raw", "lieu": "place",
    "com": "commune", "insee": "insee", "dpt": "department", "reg": "region", "part": "parts",
    "autr": "authors", "stat": "status", "user": "dossier", "refe": "parent_reference",
    "etud": "study", "site": "site", "cada": "cadastre", "mhpp": "protected_parts", "voca": "dedication",
    "affe": "assignment", "obs": "remarks",
}

def normal_key(key: str) -> str:
    """How a Mérimée field name is matched: folded, without the ``chp`` prefix.

    >>> normal_key("chpdeno"), normal_key("DENO"), normal_key(" Chpcoorwgs84 "), normal_key("chp")
    ('deno', 'deno', 'coorwgs84', 'chp')
    """
    key = column_key(str(key))
    return key[3:] if key.startswith("chp") and len(key) > 3 else key


def normalise(values: Mapping) -> dict:
    return {normal_key(k): v for k, v in values.items()}


def heritage_category(denomination: str) -> tuple[str, list[str]]:
    """Category and themes of a Mérimée denomination (the first of a ``;`` list).

    >>> heritage_category("église paroissiale")
    ('church', ['religious_heritage'])
    >>> heritage_category("chapelle ; presbytère"), heritage_category("château")
    (('church', ['religious_heritage']), ('castle', ['military_heritage']))
    >>> heritage_category("moulin à eau"), heritage_category("pont")
    (('mill', ['industrial_heritage', 'water']), ('bridge', ['architecture']))
    >>> heritage_category("croix de chemin"), heritage_category("maison")
    (('monument', ['religious_heritage']), ('monument', ['architecture']))
    >>> heritage_category("hôtel de voyageurs"), heritage_category("site d'écluse")
    (('monument', ['architecture']), ('water', ['industrial_heritage', 'water']))
    >>> heritage_category("")
    ('monument', ['architecture'])
    """
    head = (denomination or "").split(";")[0]
    return categorize({"chpdeno": head or "édifice"})


def readable_address(address: str) -> str:
    """An inventory address ("Albi (route d') 104") in reading order ("104 route d'Albi").

    >>> readable_address("Albi (route d') 104"), readable_address("Capitole (place du)")
    ("104 route d'Albi", 'place du Capitole')
    >>> readable_address("Dans le cimetière")
    'Dans le cimetière'
    """
    m = re.match(r"^\s*([^();]+?)\s*\(([^()]+)\)\s*([^;]*?)\s*$", address or "")
    if not m:
        return (address or "").strip()
    street, article, number = m.groups()
    joined = f"{article}{street}" if article.endswith(("'", "’")) else f"{article} {street}"
    return f"{number} {joined}".strip()


def wgs84(values: Mapping, index: int):
    """Latitude (0) or longitude (1) of a ``coorwgs84`` value "lat, lon" (normalised keys).

    >>> wgs84({"coorwgs84": "43.6348977447777, 1.46387624120789"}, 1)
    1.46387624120789
    >>> wgs84({}, 0) is None
    True
    """
    text = str(values.get("coorwgs84") or "").strip()
    parts = [x for x in re.split(r"\s*[,;]\s*|\s+", text) if x]
    if len(parts) != 2:
        return text or None  # absent: no coordinates; unreadable: reported as invalid
    try:
        return parse_number(parts[index])
    except ValueError:
        return parts[index]


def _geometry_or_wgs84(index: int):
    def get(feature: Mapping):
        point = point_of(feature.get("geometry"))
        return point[index] if point else wgs84(feature.get("properties") or {}, 1 - index)

    return get


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


#: The fields both readings take from a (normalised) Mérimée record; the ``clean_*`` hooks of
#: ``_Merimee`` read the rest of the record.
MERIMEE_FIELDS = {"name": ("tico", "deno"), "category": ("deno",), "description": ("hist", "historique"),
                  "extra": ("ref",)}


class _Merimee:
    """What both readings share: the field mapping, the cleaning and the provenance."""

    format = "merimee"
    source = "merimee"
    licence = LICENCE
    attribution = ATTRIBUTION
    eid = "ref"
    keep_extra = False

    def _merimee(self, path: Path, n: int, values: Mapping) -> None:
        if n == 1 and not any(values.get(k) not in (None, "") for k in MERIMEE_KEYS):
            raise SourceFormatError(_(
                "{file}: no Mérimée fields (DENO, TICO, HIST, PROT, SCLE...); import it with --format {other}",
                file=path.name, other="csv" if path.suffix.lower() in (".csv", ".tsv", ".txt") else "geojson"))

    # -- cleaning (``value`` is what ``fields`` found; the hooks read the normalised record) ---------
    def clean_name(self, value, record) -> str:
        p = self.items(record)
        title, deno = str(p.get("tico") or "").strip(), str(p.get("deno") or "").strip()
        address = readable_address(str(p.get("adrs") or ""))
        if title and address and fold(title) == fold(deno.split(";")[0].strip()):
            title = f"{title}, {address}"
        elif not title and deno:
            title = f"{deno.split(';')[0].strip()}, {address}" if address else deno.split(";")[0].strip()
        return Importer.clean_name(self, _cap(title), record)

    def clean_category(self, value, record) -> tuple[str, list[str]]:
        return heritage_category(str(self.items(record).get("deno") or ""))

    def clean_summary(self, value, record) -> str:
        p = self.items(record)
        deno = _cap(str(p.get("deno") or "").strip())
        century = str(p.get("scle") or "").strip()
        return ", ".join(x for x in (deno, century) if x)

    def clean_description(self, value, record) -> str:
        return Importer.clean_description(self, paragraphs(str(value)) if value else "", record)

    def clean_url(self, value, record) -> str:
        ref = str(self.items(record).get("ref") or "").strip()
        return POP_URL.format(ref=ref) if REFERENCE.match(ref) else ""

    def clean_extra(self, value, record) -> dict:
        p = self.items(record)
        extra = {name: str(p[key]).strip() for key, name in EXTRA_KEYS.items()
                 if p.get(key) not in (None, "") and str(p[key]).strip()}
        if p.get("deno"):
            extra["denomination"] = str(p["deno"]).strip()
        if extra.get("address_raw"):
            extra["address"] = readable_address(extra["address_raw"])
        return extra


class MerimeeGeoJSON(_Merimee, GeoJSONImporter):
    """A GeoJSON FeatureCollection of Mérimée/inventory records."""

    format = "merimee"
    fields = {**MERIMEE_FIELDS, "lon": _geometry_or_wgs84(0), "lat": _geometry_or_wgs84(1)}

    def records(self, path: Path, **options) -> Iterator[Record]:
        for n, record in enumerate(super().records(path, **options), start=1):
            feature = dict(record.data)
            feature["properties"] = normalise(feature.get("properties") or {})
            self._merimee(path, n, feature["properties"])
            yield Record(record.where, feature)


class MerimeeCSV(_Merimee, CSVImporter):
    """A CSV export of Mérimée (POP) or of an inventory; rows without coordinates are skipped."""

    format = "merimee"
    fields = {**CSVImporter.fields, **MERIMEE_FIELDS}

    def records(self, path: Path, **options) -> Iterator[Record]:
        for n, record in enumerate(super().records(path, **options), start=1):
            row = normalise(record.data)
            self._merimee(path, n, row)
            yield Record(record.where, row)

    def _coordinate_fields(self, path, header, lat_col, lon_col) -> dict:
        try:
            return super()._coordinate_fields(path, header, lat_col, lon_col)
        except SourceFormatError:
            if lat_col or lon_col:
                raise
        # No latitude/longitude columns: ``coorwgs84`` if present, else every row is skipped.
        return {"lat": lambda row: wgs84(row, 0), "lon": lambda row: wgs84(row, 1)}


def _is_csv(path: Path) -> bool:
    """GeoJSON starts with ``{``; anything else is read as CSV."""
    try:
        with path.open("rb") as f:
            head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False  # the GeoJSON reader reports the missing file
    return not head.startswith(b"{")


class MerimeeImporter(Importer):
    """``--format merimee``: a Mérimée GeoJSON or CSV file, told apart by its first character."""

    format = "merimee"
    source = "merimee"
    licence = LICENCE
    attribution = ATTRIBUTION
    options = CSVImporter.options

    def run(self, store, path, **kwargs):
        path = Path(path)
        reader = MerimeeCSV if _is_csv(path) else MerimeeGeoJSON
        return reader().run(store, path, **kwargs)
