"""The one translation mechanism of Balise (Python, Jinja2 templates and the bundle's JS).

Message ids are English; each language has one catalogue, the JSON files of
``poi/locales/<lang>/`` (one file per part of the code, merged), mapping an
English message to its translation.
French is the default language. The same catalogue is handed to templates
(``_()``) and embedded in the offline bundle, so there is a single source of
truth for every user-facing string. ``tests/test_i18n.py`` fails when a
message used in code or templates has no French translation.

>>> with language("fr"):
...     gettext("Difficulty")
'Difficulté'
>>> with language("en"):
...     gettext("Difficulty")
'Difficulty'
>>> with language("fr"):
...     gettext("{n} trails", n=3)
'3 circuits'
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from poi.resources import resource

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
_current: ContextVar[str] = ContextVar("balise_language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """The translations of one language (empty for English, the source language)."""
    merged: dict[str, str] = {}
    if lang == "en":
        return merged
    for path in sorted((resource("locales") / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def current_language() -> str:
    return _current.get()


def set_language(lang: str) -> None:
    """Set the language for the current context (a request, a CLI run)."""
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def language(lang: str):
    token = _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **params) -> str:
    """Translate ``message`` into the current language, then format ``params`` in."""
    text = catalogue(_current.get()).get(message, message)
    return text.format(**params) if params else text


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` as a message id that is translated later, where it is used (``gettext(message, ...)``):
    a class attribute, a table of sentences. ``tests/test_i18n.py`` finds it like a ``_()`` call.

    >>> N_("walking time under {duration}")
    'walking time under {duration}'
    """
    return message
