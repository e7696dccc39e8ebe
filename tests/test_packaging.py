"""The wheel carries every package and resource: pyproject's lists match the folders, resources resolve."""
import tomllib
from pathlib import Path

import pytest

from poi.resources import PACKAGES, resource

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_code_package_is_in_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for top in ("poi", "trails", "exporter", "webapp") for init in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"
    assert listed - found == {"balise_templates", "balise_data"}


def test_resource_packages_map_the_top_level_folders():
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"balise_templates": "templates", "balise_data": "data"}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_resources_are_this_checkouts_folders(name):
    assert resource(name).is_dir()
    assert resource(name).resolve().is_relative_to(ROOT.resolve())


def _packaged(patterns: list[str], folder: Path) -> set[Path]:
    return {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}


@pytest.mark.parametrize("name", ["templates", "data"])
def test_every_resource_file_is_package_data(name):
    package = PACKAGES[name][0]
    folder = resource(name)
    packaged = _packaged(PYPROJECT["tool"]["setuptools"]["package-data"][package], folder)
    files = {p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert files == packaged, f"not in the wheel: {sorted(str(p.relative_to(folder)) for p in files - packaged)}"
