"""The examples in the library's docstrings run (numpydoc examples are part of the docs)."""
import doctest
import importlib
from pathlib import Path

import pytest

import webapp.cli  # noqa: F401  (command modules import it: load it first, as the console script does)

ROOT = Path(__file__).parent.parent
MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for package in ("poi", "trails", "exporter", "webapp", "tools")
    for p in (ROOT / package).rglob("*.py")
    if p.name != "__main__.py"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name.removesuffix(".__init__"))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
