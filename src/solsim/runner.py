"""Run one scenario from Python: ``solsim.run``, alone or with its paired counterfactual.

A **counterfactual** is the same replicate -- the same seed, so the same
named streams -- of the scenario with something removed:

``no_shock``
    every scheduled and random shock removed. The burn-in draws no shocks, so
    the pair shares every month before the first one.
``no_instrument``
    every instrument of the scenario removed (``instruments = {}``); for a
    scenario without instruments, its funds' capital (``funds.capital = 0``):
    the run without the fund.

The pair's summaries go into one row (:func:`paired_summary`): the run's own
keys, the counterfactual's as ``cf_<key>``, ``counterfactual`` (its kind) and
``cf_removed`` (what it removed), and the measures that need both -- the
resilience keys against the no-shock run (``baseline = "counterfactual"``) or
return parity against the run without the instrument. A pandas user reads a
paired effect as ``df.x - df.cf_x``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from solsim import metrics
from solsim.engine import reporting
from solsim.engine.params import Scenario
from solsim.engine.summaries import CF_PREFIX
from solsim.model import SolidarityEconomy
from solsim.scenario import load_scenario, scenario_hash

__all__ = [
    "COUNTERFACTUALS",
    "RunResult",
    "counterfactual_scenario",
    "paired_summary",
    "run",
]

Counterfactual = Literal["no_shock", "no_instrument"]
#: The kinds of paired counterfactual run.
COUNTERFACTUALS: tuple[str, ...] = ("no_shock", "no_instrument")


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    timeseries
        One row per month: ``step`` and the metrics of DESIGN §3.
    summary
        Per-run figures (resilience, final inequality, calibration, risk and
        return); with a counterfactual, the paired row of :func:`paired_summary`.
    model
        The Mesa model after the run (agents, arrays, graph).
    counterfactual
        The paired counterfactual run, when one was asked for.
    """

    timeseries: pd.DataFrame
    summary: dict[str, Any]
    model: SolidarityEconomy
    seed: int | None = None
    scenario_hash: str = field(default="")
    counterfactual: RunResult | None = None


def run(
    scenario: Scenario | str | Path | None = None,
    seed: int | np.random.SeedSequence = 0,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    agents: bool = True,
    counterfactual: Counterfactual | None = None,
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
    counterfactual
        ``"no_shock"`` or ``"no_instrument"``: also run the same replicate
        without the shocks or the instruments (see the module docstring).

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
    if counterfactual is not None and counterfactual not in COUNTERFACTUALS:
        raise ValueError(
            f"counterfactual must be one of {', '.join(COUNTERFACTUALS)}, got {counterfactual!r}"
        )
    result = _run(scenario, _copy_seed(seed), agents)
    if counterfactual is None:
        return result
    alternative, removed = counterfactual_scenario(scenario, counterfactual)
    # The same seed, afresh: the pair draws from the very same streams.
    twin = _run(alternative, _copy_seed(seed), agents)
    result.counterfactual = twin
    result.summary = paired_summary(result, twin, counterfactual, removed)
    return result


def _copy_seed(seed: int | np.random.SeedSequence) -> int | np.random.SeedSequence:
    """A fresh SeedSequence with the same state, so each run of a pair starts alike."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            seed.entropy,
            spawn_key=seed.spawn_key,
            pool_size=seed.pool_size,
            n_children_spawned=seed.n_children_spawned,
        )
    return seed


def _run(scenario: Scenario, seed: int | np.random.SeedSequence, agents: bool) -> RunResult:
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


def counterfactual_scenario(scenario: Scenario, kind: str) -> tuple[Scenario, str]:
    """The scenario with the shocks or the instruments removed, and what was removed.

    Returns
    -------
    (Scenario, str)
        The counterfactual scenario and ``"shocks"``, ``"instruments"`` or
        ``"fund capital"`` (``no_instrument`` of a scenario without instruments).
    """
    if kind == "no_shock":
        update, removed = {"shocks": scenario.shocks.model_copy(
            update={"scheduled": [], "random": []})}, "shocks"  # fmt: skip
    elif kind == "no_instrument":
        if scenario.instruments:
            update, removed = {"instruments": {}}, "instruments"
        else:
            update = {"funds": scenario.funds.model_copy(update={"capital": 0.0})}
            removed = "fund capital"
    else:
        raise ValueError(f"counterfactual must be one of {', '.join(COUNTERFACTUALS)}")
    alternative = scenario.model_copy(update=update)
    alternative._source = scenario.source
    return alternative, removed


def paired_summary(run_: RunResult, twin: RunResult, kind: str, removed: str) -> dict[str, Any]:
    """One row for a run and its counterfactual (see the module docstring).

    ``no_shock`` replaces the resilience keys (:func:`solsim.engine.reporting.resilience`)
    with the same measures against the twin, month by month. ``no_instrument``
    sets ``community_gain``, the community's paired gain (currency):

        (community_return + community_equity − community_capital_in) − the twin's,

    wages, patronage, deposit interest and community coupons paid over the run,
    plus what the community owns in the funds at the end, less the capital its
    holders put in at the start (as the investors' net gain is net of theirs); and
    ``return_parity`` = community_gain ÷ ``investor_net_gain``
    (:func:`solsim.metrics.return_parity`), with ``return_parity_reason`` saying
    why it is undefined when it is.
    """
    summary = dict(run_.summary)
    if kind == "no_shock":
        economy = run_.model.economy
        summary.update(
            reporting.resilience(
                _columns(run_.timeseries),
                reporting.shock_start(economy),
                economy.n_households,
                baseline=_columns(twin.timeseries),
            )
        )
    else:
        gain = _total(run_.summary) - _total(twin.summary)
        parity, reason = metrics.return_parity(gain, _number(run_.summary.get("investor_net_gain")))
        summary["community_gain"] = None if math.isnan(gain) else gain
        summary["return_parity"] = None if math.isnan(parity) else parity
        summary["return_parity_reason"] = reason
    summary["counterfactual"] = kind
    summary["cf_removed"] = removed
    for key, value in twin.summary.items():
        if not isinstance(value, str):
            summary[f"{CF_PREFIX}{key}"] = value
    return summary


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The monthly columns the resilience measures read."""
    return {
        column: frame[column].to_numpy(dtype=np.float64)
        for column in ("output", "unemployment", "coop_failures")
    }


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _total(summary: dict[str, Any]) -> float:
    """What the community received over the run and owns at its end, less the
    capital its holders committed (currency)."""
    return (
        _number(summary.get("community_return"))
        + _number(summary.get("community_equity"))
        - _number(summary.get("community_capital_in"))
    )
