"""Every user-facing message used in code and templates has a French translation."""
import ast
import re
from pathlib import Path

from poi.i18n import gettext, language

ROOT = Path(__file__).parent.parent
CALL = re.compile(r"""\b_\(\s*(["'])(.+?)\1""")


def _python_messages(path: Path) -> set[str]:
    """String constants passed to ``_()`` / ``gettext()``, or marked for later with ``N_()`` (ast joins implicit
    concatenation)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "gettext", "N_")
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def used_messages() -> set[str]:
    found = set()
    for package in ("poi", "trails", "exporter", "webapp"):
        for path in (ROOT / package).rglob("*.py"):
            found |= _python_messages(path)
    for pattern in ("templates/**/*.html", "templates/**/*.js"):
        for path in ROOT.glob(pattern):
            for m in CALL.finditer(path.read_text(encoding="utf-8")):
                found.add(m.group(2))
    return found


def test_every_message_has_a_french_translation():
    from poi.i18n import catalogue

    fr = catalogue("fr")
    missing = sorted(m for m in used_messages() if m not in fr)
    assert not missing, f"add to a file of poi/locales/fr/: {missing}"


def test_english_is_the_message_id_and_french_the_default():
    assert gettext("Trails") == "Circuits"
    with language("en"):
        assert gettext("Trails") == "Trails"
