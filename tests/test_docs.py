"""The docs are tested: every CLI command and option, and every filter key, appears in the README."""
from pathlib import Path

import click
import pytest

from webapp.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def walk(group: click.Group, prefix: str = "balise"):
    ctx = click.Context(group)  # commands load lazily: list and get them as click does
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from walk(command, path)
        else:
            yield path, command


COMMANDS = list(walk(cli))


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_and_option_is_in_the_readme(path, command):
    assert f"`{path}" in README, f"README.md does not document `{path}`"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "db_path" and not param.hidden:
            longest = max(param.opts, key=len)
            assert longest in README, f"README.md does not mention {longest} of `{path}`"


def test_readme_gives_the_two_commands():
    assert "pip install -e . && balise demo" in README
    assert "bash .ci/run" in README
