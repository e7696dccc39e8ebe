"""The command line starts without the web layer: commands load by import path, only when used."""
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest

from webapp.cli import cli
from webapp.cli_options import LazyGroup

ROOT = Path(__file__).parent.parent
GPX = ROOT / "tests" / "data" / "gpx"
WEB = ("flask", "folium", "werkzeug", "webapp.public", "webapp.api", "waitress")


def _modules_after(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``balise ARGS`` (exit status checked)."""
    code = ("import sys; from webapp.cli import cli\n"
            "try:\n    cli(args=sys.argv[1:], prog_name='balise')\nexcept SystemExit as e:\n"
            "    assert e.code in (0, None), e.code\n"
            "print('\\n' + ' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return set(out.rsplit("\n", 2)[-2].split())


@pytest.mark.parametrize("args", [["--help"], ["trail", "--help"], ["export", "--help"], ["poi", "--help"]],
                         ids=" ".join)
def test_help_imports_no_web_layer_nor_database(args):
    loaded = _modules_after(*args)
    assert not loaded & {*WEB, "sqlite_utils"}, sorted(loaded & {*WEB, "sqlite_utils"})
    assert not any(m.startswith("webapp.commands.") and m != "webapp.commands.groups" for m in loaded)


def test_trail_stats_imports_no_web_layer():
    loaded = _modules_after("trail", "stats", str(GPX / "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx"), "--json")
    assert not loaded & set(WEB), sorted(loaded & set(WEB))


def _tree(group: click.Group, path=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        yield (*path, name), group, name
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _tree(command, (*path, name))


def test_every_listed_command_loads_and_its_short_help_is_its_own():
    seen = 0
    for path, group, name in _tree(cli):
        command = group.get_command(click.Context(group), name)
        assert isinstance(command, click.Command), path
        assert command.name == name, f"{' '.join(path)} is registered under another name: {command.name}"
        if isinstance(group, LazyGroup) and name in group.lazy_commands:
            assert group.lazy_commands[name][1] == command.get_short_help_str(limit=1000), (
                f"`balise {' '.join(path)}`: copy its short help into its group's table "
                "(webapp/cli.py COMMANDS or webapp/commands/groups.py)")
        seen += 1
    assert seen >= 30


def test_help_lists_every_command_with_its_short_help():
    out = click.testing.CliRunner().invoke(cli, ["--help"]).output
    for name in ("demo", "serve", "trails", "poi", "trail", "export", "map", "media", "user"):
        assert f"  {name} " in out
    assert "Build the demo catalogue from the data/ folder" in out



def test_a_command_opens_the_db_with_every_components_tables(tmp_path):
    """Commands load lazily, so none may count on another's imports: ``map stats`` alone, in a fresh
    interpreter, gives a database that the other commands and the web app can use."""
    db_path = tmp_path / "fresh.db"
    subprocess.run([sys.executable, "-m", "webapp.cli", "--db", str(db_path), "map", "stats", "--json"], cwd=ROOT,
                   check=True, capture_output=True, timeout=60)
    with sqlite3.connect(db_path) as conn:
        components = {row[0] for row in conn.execute("SELECT DISTINCT component FROM schema_migrations")}
    assert components >= {"poi", "trails", "network", "staff", "feedback"}
