"""Hypothesis on the filter parameters (issue 10): the catalogue, ``/api/trails``, the embed widget and
``balise trails`` get every filter of the registry (:func:`trails.filters.query_params`) plus page, sort, limit
and offset, with values a clumsy user or an attacker would send: numbers of every size, non-ASCII digits
("²", "٣"), signs, exponents, NaN, separators, control characters, long strings. The web answers 200 or 400,
never a 5xx nor a traceback; the CLI exits 0 or 2 with at most one line on stderr.

Deterministic (``derandomize``) and bounded (``max_examples``): the same few hundred cases on every run.
Data: the real circuits of ``helpers.build_web_catalogue``.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import build_web_catalogue
from trails.filters import query_params

MAX_EXAMPLES = 150
FUZZ = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

#: Pieces values are made of: what parsers trip on.
PIECES = ["0", "1", "7", "30", "90", "2h30", "1:45", "1,5", "1.5", "-1", "+3", "1e400", "1e-9", "nan", "inf",
          "²", "٣", "٫", "９", "9" * 25, "9" * 5000, str(2**63), "44.2,3.7", "44,3", ";", ",", " ", "h", "min",
          "km", "easy", "Très facile", "loop", "all", "true", "%", "\x00", "\t", "é", "'", '"', "<b>", "../",
          "Forêt", "-duration", "name"]
#: Whole values that broke a parser once (issue 10) or could: drawn often, alone.
NASTY = ["²", "٣", "９", "9" * 5000, str(2**63), "-1", "1e400", "nan", "inf", "\x00", "0\r\n0", ""]
VALUES = st.one_of(st.sampled_from(NASTY), st.lists(st.sampled_from(PIECES), max_size=4).map("".join),
                   st.text(max_size=40))
NAMES = [p.name for p in query_params()] + ["page", "sort", "limit", "offset", "lang", "commune"]
#: Any subset of the parameters, each with a value: every example tries several filters at once.
QUERIES = st.fixed_dictionaries({}, optional={name: VALUES for name in NAMES}).map(lambda d: sorted(d.items()))


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    from webapp import create_app

    db_path = tmp_path_factory.mktemp("fuzz") / "balise.db"
    build_web_catalogue(db_path)
    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "fuzz"})
    return app.test_client(), db_path


@FUZZ
@given(params=QUERIES, path=st.sampled_from(["/", "/api/trails", "/embed"]))
def test_catalogue_api_and_embed_answer_200_or_400(fuzz_client, params, path):
    client, _db_path = fuzz_client
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code in (200, 400), (path, params, response.status_code)
    assert "Traceback" not in response.get_data(as_text=True)


OPTIONS = [(p.option, p.kind) for p in query_params(staff=True)] + [("--sort", "text"), ("--limit", "number"),
                                                                    ("--offset", "number")]
COMMANDS = st.fixed_dictionaries({}, optional={option: VALUES for option in OPTIONS}).map(lambda d: sorted(d.items()))


@FUZZ
@given(options=COMMANDS, as_json=st.booleans())
def test_balise_trails_exits_0_or_2_with_one_line(fuzz_client, options, as_json):
    from webapp.cli import cli

    _client, db_path = fuzz_client
    args = ["--lang", "en", "--db", str(db_path), "trails", *(["--json"] if as_json else [])]
    for (option, kind), value in options:
        args += [option] if kind == "flag" else [option, value]
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert result.exit_code in (0, 2), (args, result.output)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
