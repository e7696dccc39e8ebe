"""Property-based fuzzing of the JSON API from its own OpenAPI description (issue 10): Schemathesis generates
requests for every /api route of ``/api/openapi.json`` (valid and invalid parameters, path ids of any size)
and sends them to the Flask app in-process (WSGI, no network). No answer may be a 5xx or show a traceback.

Deterministic (``derandomize``: the same examples on every run, so CI is not flaky) and bounded
(``max_examples`` per route) so the whole fuzz set stays under two minutes on two cores.
Data: the real circuits and guideposts of ``helpers.build_web_catalogue``.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from helpers import build_web_catalogue

#: Examples per API operation and generation mode (7 operations).
MAX_EXAMPLES = 60


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from webapp import create_app

    db_path = tmp_path_factory.mktemp("fuzz") / "balise.db"
    build_web_catalogue(db_path)
    app = create_app({"DATABASE": str(db_path), "SECRET_KEY": "fuzz"})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.config.generation.update(modes=list(schemathesis.GenerationMode))
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_never_answers_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.status_code}"
    assert "Traceback" not in response.text
    if response.text:  # (a CORS preflight answers with no body)
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
            f"{case.method} {case.formatted_path} {case.query}: {response.status_code} {response.text[:300]}")
