"""``extra`` keeps only what is free-form: a key that code reads by name is a named field (issue 8).

The keys of before (:data:`trails.models.EXTRA_RESERVED`) are fields of :class:`~trails.models.Trail`; no code of
the project reads, writes or tests them in an ``extra`` dict again (records of before still giving them there are
moved to their fields by the model and by the store's migrations).
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from poi.models import NAMED_EXTRA as POI_NAMED_EXTRA
from poi.models import POI
from poi.store import MIGRATIONS as POI_MIGRATIONS
from trails.models import _EXTRA_NAMES, EXTRA_RESERVED, NAMED_EXTRA, Trail
from trails.schema_store import MIGRATIONS as TRAIL_MIGRATIONS

ROOT = Path(__file__).resolve().parent.parent
#: Where trails are read and written (``poi`` is below them: a POI's ``extra`` is another dict, with its own keys).
SOURCES = ("trails", "exporter", "webapp", "tools", "templates")


def _readers(keys) -> re.Pattern:
    """``extra["key"]``, ``extra.get("key"`` (``(extra or {}).get``), ``.pop``/``.setdefault``, ``"key" in extra``, Jinja's ``extra.key``."""
    k = "|".join(sorted(map(re.escape, keys)))
    return re.compile(rf"""extra\b(?:\s+or\s+\{{\}}\s*\))?\s*(?:\[\s*|\.(?:get|pop|setdefault)\(\s*)["']({k})["']"""
                      rf"""|["']({k})["']\s+(?:not\s+)?in\s+[\w.]*extra\b"""
                      rf"""|\bextra\.({k})\b"""
                      rf"""|json_extract\(extra, '\$\.({k})'\)""")


#: The migrations that move the keys out of extra read them there, once (trails/schema_store.py holds only
#: migrations; comments may name where a field was).
MIGRATED = [m for m in (*POI_MIGRATIONS, *TRAIL_MIGRATIONS)]


def named_keys_read_from_extra(keys=EXTRA_RESERVED, roots=SOURCES) -> list[str]:
    pattern = _readers(keys)
    found = []
    for root in roots:
        for path in sorted((ROOT / root).rglob("*")):
            if path.suffix not in (".py", ".html", ".js", ".j2") or "locales" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if (pattern.search(line) and not line.strip().startswith("#") and path.name != "schema_store.py"
                        and not any(line.strip() in m for m in MIGRATED)):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return found


def test_no_code_reads_a_named_field_from_extra():
    assert named_keys_read_from_extra() == []


def test_no_code_reads_a_poi_named_field_from_extra():
    assert named_keys_read_from_extra(POI_NAMED_EXTRA, ("poi", *SOURCES)) == []


def test_a_poi_named_key_given_in_extra_lands_in_its_field():
    p = POI(name="Capitole", lon=1.44, lat=43.6, extra={"commune": "Toulouse", "insee": 31555, "century": "18e"})
    assert (p.commune, p.insee, p.extra) == ("Toulouse", "31555", {"century": "18e"})
    assert set(POI_NAMED_EXTRA) <= {f.name for f in dataclasses.fields(POI)}


def test_the_check_sees_a_read_in_each_form():
    pattern = _readers({"waymarking", "ascent_m"})
    for line in ('trail.extra["waymarking"]', "extra.get('ascent_m')", 'if "waymarking" in t.extra:',
                 "{{ trail.extra.waymarking }}", '(trail.extra or {}).get("waymarking")', 'extra.pop("ascent_m", None)'):
        assert pattern.search(line), line
    assert _readers({"commune"}).search("SELECT json_extract(extra, '$.commune') FROM pois")
    assert not pattern.search('extra["length_3d_m"]') and not pattern.search("trail.ascent_m")


def test_every_named_key_is_a_field_of_the_trail():
    fields = {f.name for f in dataclasses.fields(Trail)}
    assert set(NAMED_EXTRA) <= fields and set(_EXTRA_NAMES.values()) <= fields


@pytest.mark.parametrize("key", sorted(EXTRA_RESERVED))
def test_a_named_key_given_in_extra_lands_in_its_field(key):
    value = {"routing": {"loop": True}, "routed_through": [3, 4], "parking": {"lon": 3.6, "lat": 44.1, "info": ""},
             "medias": [{"kind": "image", "url": "a.jpg"}], "route_type_detected": True,
             "interpretation": True}.get(key, 12 if key.endswith(("_m", "_min")) and key != "metrics_note" else "x")
    trail = Trail(name="t", extra={key: value, "structure": "PNC"})
    assert trail.extra == {"structure": "PNC"}
    assert getattr(trail, _EXTRA_NAMES.get(key, key)) == value
