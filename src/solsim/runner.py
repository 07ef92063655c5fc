"""Run one scenario from Python: ``solsim.run``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solsim.engine.params import Scenario
from solsim.model import SolidarityEconomy
from solsim.scenario import load_scenario, scenario_hash


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    timeseries
        One row per month: ``step`` and the metrics of DESIGN §3.
    summary
        Per-run figures (resilience, final inequality, calibration, risk and return).
    model
        The Mesa model after the run (agents, arrays, graph).
    """

    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: SolidarityEconomy
    seed: int | None = None
    scenario_hash: str = field(default="")


def run(
    scenario: Scenario | str | Path | None = None,
    seed: int | np.random.SeedSequence = 0,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    agents: bool = True,
) -> RunResult:
    """Build and run an economy.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a TOML path, or None for the defaults.
    seed
        Seed of the run's random generator (int or SeedSequence).
    steps
        Months to run; default the scenario's ``steps``.
    overrides
        Dotted key paths to values, applied to the scenario.
    agents
        Create Mesa agent facades (set False for the fastest large runs).

    Examples
    --------
    >>> result = solsim.run("scenarios/baseline.toml", seed=1, steps=12)  # doctest: +SKIP
    >>> result.timeseries[["step", "output", "gini"]].tail(1)  # doctest: +SKIP
    """
    if not isinstance(scenario, Scenario) or overrides:
        source = scenario.source if isinstance(scenario, Scenario) else None
        if isinstance(scenario, Scenario):
            scenario = load_scenario(None, overrides, data=scenario.model_dump(mode="json"))
            scenario._source = source
        else:
            scenario = load_scenario(scenario, overrides)
    if steps is not None:
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        scenario = scenario.model_copy(update={"steps": steps})
    model = SolidarityEconomy(scenario, seed=seed, agents=agents)
    for _ in range(scenario.steps):
        model.step()
    return RunResult(
        timeseries=model.timeseries,
        summary=model.summary,
        model=model,
        seed=seed if isinstance(seed, int) else None,
        scenario_hash=scenario_hash(scenario),
    )
