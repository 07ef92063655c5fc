"""Shared fixtures: small, fast economies."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

SMALL = {
    "economy.households": 300,
    "economy.coops": 12,
    "economy.funds": 2,
    "economy.investors": 2,
    "economy.communities": 2,
}


@pytest.fixture
def small_overrides() -> dict[str, object]:
    """Overrides that shrink the baseline economy to run in a fraction of a second."""
    return dict(SMALL)


@pytest.fixture
def baseline_path() -> Path:
    return SCENARIOS / "baseline.toml"
