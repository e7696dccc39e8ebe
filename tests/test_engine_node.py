"""The bundle's pure proximity engine under Node's test runner (``node --test tests/js/``), no browser.

The same engine runs in Chromium in tests/browser/test_engine.py. Without Node the test is
skipped on a developer's machine and fails under CI (``CI=true``), where a missing tool is a failure.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import require_tool

JS_TESTS = Path(__file__).parent / "js"


def test_engine_unit_tests_pass_under_node():
    node = require_tool("node")
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.js"))
    assert files, "no tests/js/*.test.js"
    done = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout
