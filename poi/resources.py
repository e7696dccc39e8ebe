"""Where Balise's files that are not Python live: templates, static files, locales, demo data.

The one place that knows it. Every layer asks here (``resource("templates")``), so the same
code works in a source checkout, an editable install and an installed wheel:

==============  =======================  ==========================================
name            in the checkout          in a wheel (``pyproject.toml`` maps them)
==============  =======================  ==========================================
``templates``   ``templates/``           package ``balise_templates``
``data``        ``data/``                package ``balise_data`` (the demo data)
``static``      ``webapp/static/``       package data of ``webapp``
``locales``     ``poi/locales/``         package data of ``poi``
==============  =======================  ==========================================

Installed packages are looked up with :mod:`importlib` (``find_spec``), never through a
path relative to a checkout. A checkout's own files win over an installed copy, so that a
git worktree reads its own templates even when another checkout is installed in editable
mode. Balise is not zip-safe: resources are real folders (osmium and Jinja read files).

>>> resource("templates").joinpath("base.html").is_file()
True
>>> sorted(p.name for p in resource("locales").iterdir())
['fr']
>>> resource("nope")
Traceback (most recent call last):
...
KeyError: "no Balise resource 'nope' (known: templates, data, static, locales)"
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

#: Resource name -> (installed package, folder inside it; "" for the package itself).
PACKAGES = {
    "templates": ("balise_templates", ""),
    "data": ("balise_data", ""),
    "static": ("webapp", "static"),
    "locales": ("poi", "locales"),
}
#: Where each resource sits in a source checkout, relative to its root.
CHECKOUT = {"templates": "templates", "data": "data", "static": "webapp/static", "locales": "poi/locales"}


def _checkout_root() -> Path | None:
    """The source checkout this module runs from, if any (a wheel has no ``pyproject.toml`` beside ``poi/``)."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "templates").is_dir() else None


def _installed(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


@lru_cache(maxsize=None)
def resource(name: str) -> Path:
    """The folder holding resource ``name`` (``templates``, ``data``, ``static`` or ``locales``).

    Raises
    ------
    KeyError
        For a name that is not a Balise resource.
    FileNotFoundError
        When the resource is missing (a broken install): reinstall Balise.
    """
    if name not in PACKAGES:
        raise KeyError(f"no Balise resource {name!r} (known: {', '.join(PACKAGES)})")
    root = _checkout_root()
    if root is not None:
        return root / CHECKOUT[name]
    package, sub = PACKAGES[name]
    base = _installed(package)
    path = base / sub if base is not None and sub else base
    if path is None or not path.is_dir():
        raise FileNotFoundError(f"Balise resource {name!r} not found (package {package}): reinstall Balise")
    return path
