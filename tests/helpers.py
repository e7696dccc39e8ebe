"""Helpers shared by test modules (``from helpers import ...``: pytest puts tests/ on sys.path)."""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def assert_close_m(a: float, b: float, tol_m: float = 0.5) -> None:
    """Two distances (or one point-to-point distance and 0) agree within ``tol_m`` metres."""
    assert abs(a - b) <= tol_m, f"{a:.3f} m vs {b:.3f} m (tolerance {tol_m} m)"
