"""What a worker does with one run: build the model, run it, return its tables.

Kept apart from the sweep's bookkeeping so worker processes import only what a
run needs. A run that raises is returned as a failed :class:`RunOutput` (with its
error and traceback) rather than raised, so one bad run never stops a sweep.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from solsim.runner import run
from solsim.scenario import load_scenario

__all__ = ["RunOutput", "RunTask", "agent_tables", "execute_run"]


@dataclass(frozen=True)
class RunTask:
    """One (design point, replicate) pair and everything needed to run it."""

    point: int
    replicate: int
    scenario: dict[str, Any]
    entropy: int
    spawn_key: tuple[int, ...]
    agents: bool = False


@dataclass
class RunOutput:
    """What came back from a run: tables, or an error."""

    point: int
    replicate: int
    timeseries: pd.DataFrame | None = None
    summary: dict[str, Any] | None = None
    agents: dict[str, pd.DataFrame] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def agent_tables(model: Any) -> dict[str, pd.DataFrame]:
    """Agent-level state at the end of a run: one table per agent kind."""
    e = model.economy
    households = pd.DataFrame(
        {
            "household": np.arange(e.n_households, dtype=np.int64),
            "community": e.hh_community.astype(np.int64),
            "employer": e.hh_employer.astype(np.int64),
            "net_worth": e.household_net_worth(),
            "distressed": e.hh_distressed.copy(),
        }
    )
    coops = pd.DataFrame(
        {
            "coop": np.arange(e.n_coops, dtype=np.int64),
            "community": e.coop_community.astype(np.int64),
            "active": e.coop_active.copy(),
            "net_worth": e.coop_net_worth(),
        }
    )
    return {"households": households, "coops": coops}


def execute_run(task: RunTask) -> RunOutput:
    """Run one task; never raises for an error inside the model."""
    start = time.perf_counter()
    try:
        scenario = load_scenario(None, None, data=task.scenario)
        seed = np.random.SeedSequence(task.entropy, spawn_key=task.spawn_key)
        result = run(scenario, seed=seed, agents=False)
        return RunOutput(
            task.point,
            task.replicate,
            timeseries=result.timeseries,
            summary=result.summary,
            agents=agent_tables(result.model) if task.agents else {},
            seconds=time.perf_counter() - start,
        )
    except Exception as exc:
        return RunOutput(
            task.point,
            task.replicate,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - start,
        )
