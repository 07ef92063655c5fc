"""Shared fixtures: small, fast economies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Strict ledgers everywhere in the suite: a transfer that leaves an internal
# account negative raises at once, naming the flow. Set in the environment (not
# only on the class) so that runs in worker processes are strict too.
os.environ["SOLSIM_STRICT_LEDGER"] = "1"

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

SMALL = {
    "economy.households": 300,
    "economy.coops": 12,
    "economy.funds": 2,
    "economy.investors": 2,
    "economy.communities": 2,
    # A short burn-in: these tests check mechanics, not the steady state.
    "burn_in": 12,
}


@pytest.fixture(autouse=True)
def strict_ledger(monkeypatch):
    """Every ledger made in a test is strict (see ``solsim.engine.ledger``)."""
    from solsim.engine.ledger import Ledger

    monkeypatch.setattr(Ledger, "strict", True)


@pytest.fixture
def small_overrides() -> dict[str, object]:
    """Overrides that shrink the baseline economy to run in a fraction of a second."""
    return dict(SMALL)


@pytest.fixture
def baseline_path() -> Path:
    return SCENARIOS / "baseline.toml"


def assert_conserved(timeseries, initial_stock: float | None = None) -> None:
    """money_stock[t] − money_stock[t−1] == external_in[t] − external_out[t], in whole cents.

    With ``initial_stock`` (currency) the first month is checked against the stock
    before month 1; without it, from the second month on.
    """
    import numpy as np

    stock = np.rint(timeseries["money_stock"].to_numpy() * 100).astype(np.int64)
    net = np.rint((timeseries["external_in"] - timeseries["external_out"]).to_numpy() * 100)
    net = net.astype(np.int64)
    if initial_stock is not None:
        stock = np.concatenate([[round(initial_stock * 100)], stock])
    else:
        net = net[1:]
    np.testing.assert_array_equal(np.diff(stock), net)


def run_scenarios_with_the_cli(names, out: Path, steps: int = 60, sets=()):
    """Run ``solsim run SCENARIO --steps N -q --out DIR [--set K=V ...]`` in-process;
    timeseries by name."""
    import pandas as pd

    from solsim.cli import main

    runs = {}
    for name in names:
        with pytest.raises(SystemExit) as exit_info:
            main(
                [
                    "run",
                    str(SCENARIOS / f"{name}.toml"),
                    "--steps",
                    str(steps),
                    "-q",
                    "--out",
                    str(out / name),
                    *(arg for pair in sets for arg in ("--set", pair)),
                ]
            )
        assert exit_info.value.code in (0, None)
        runs[name] = pd.read_parquet(out / name / "timeseries.parquet")
    return runs


def assert_bad_addition_rejected(text: str, key: str, reason: str, path: Path, capsys) -> None:
    """A scenario that extends the baseline with ``text`` makes ``solsim run`` exit 2
    with one line ``error: FILE: key: ...`` containing ``reason``."""
    from solsim.cli import main

    path.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n{text}')
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path), "--steps", "2", "-q"])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}: {key}: "), lines[0]
    assert reason in lines[0]
