"""``balise demo``: builds the demo catalogue from data/ and prints what it built (``--no-serve`` stops there)."""
from __future__ import annotations

import re

import pytest

from poi.i18n import current_language, language
from webapp.cli import cli



@pytest.fixture(autouse=True)
def keep_language():
    """The CLI sets the language of the thread (--lang); give the next tests theirs back."""
    with language(current_language()):
        yield


def counts(output: str) -> dict[str, int]:
    m = re.search(r"(\d+) trails \((\d+) with stops\), (\d+) POIs, (\d+) stops", output)
    assert m, output
    return dict(zip(("trails", "with_stops", "pois", "stops"), map(int, m.groups())))


def test_demo_no_serve_builds_and_prints_counts(runner, db_path):
    result = runner.invoke(cli, ["--lang", "en", "demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    built = counts(result.output)
    assert built["trails"] >= 10 and built["pois"] >= 100 and built["stops"] >= built["with_stops"] >= 1
    assert str(db_path) in result.output

    # the built catalogue is what the web app serves
    from webapp import create_app

    client = create_app({"DATABASE": str(db_path), "TESTING": True}).test_client()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert f"{built['trails']} trails" in html

    # idempotent: a second run gives the same catalogue
    again = runner.invoke(cli, ["--lang", "en", "demo", "--no-serve", "--db", str(db_path)])
    assert again.exit_code == 0, again.output
    assert counts(again.output) == built


def test_demo_port_out_of_range_is_exit_2(runner):
    result = runner.invoke(cli, ["demo", "--port", "70000", "--no-serve"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_demo_serves_with_waitress_unless_no_serve(runner, db_path, monkeypatch):
    import webapp.commands.serve as serve

    calls = []
    monkeypatch.setattr(serve, "run_server", lambda *args: calls.append(args))
    result = runner.invoke(cli, ["demo", "--port", "8123", "--host", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert calls == [(str(db_path), "127.0.0.1", 8123)]


def test_demo_reports_build_warnings_on_stderr(runner, monkeypatch):
    import webapp.demo

    real = webapp.demo.build_demo

    def with_a_problem(db, **kw):
        report = real(db, **kw)
        report.problems.append("andorra_osm: 3 features skipped (no name)")
        return report

    monkeypatch.setattr(webapp.demo, "build_demo", with_a_problem)
    result = runner.invoke(cli, ["--lang", "en", "demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "warning: andorra_osm: 3 features skipped (no name)" in result.stderr
