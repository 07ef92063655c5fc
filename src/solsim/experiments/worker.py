"""What a worker does with one run: build the model, run it, encode its tables.

Kept apart from the sweep's bookkeeping so worker processes import only what a
run needs. The worker encodes each table as Parquet bytes (zstd) itself, so the
encoding runs in parallel and the process that writes the files only renames
bytes into place; no shared file system is needed between a Dask cluster and
the machine that drives the sweep. The bytes depend only on the run's scenario
and seed (no timestamps), so they are identical whichever worker made them.

A run that raises is returned as a failed :class:`RunOutput` (with its error and
traceback) rather than raised, so one bad run never stops a sweep.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from solsim.engine.instruments import registry as instrument_registry
from solsim.runner import run
from solsim.scenario import load_scenario

__all__ = [
    "RunOutput",
    "RunTask",
    "agent_tables",
    "execute_run",
    "parquet_bytes",
    "summary_columns",
]


@dataclass(frozen=True)
class RunTask:
    """One (design point, replicate) pair and everything needed to run it."""

    point: int
    replicate: int
    scenario: dict[str, Any]
    entropy: int
    spawn_key: tuple[int, ...]
    agents: bool = False
    experiment_hash: str = ""
    # Modules of instruments the driving process registered beyond the built-ins
    # and the entry points, imported by the worker before the scenario is read.
    instruments: tuple[str, ...] = ()
    # "no_shock" or "no_instrument": also run the paired counterfactual, whose
    # summary is stored beside the run's (solsim.runner.paired_summary).
    counterfactual: str | None = None


@dataclass
class RunOutput:
    """What came back from a run: encoded tables, or an error.

    ``tables`` maps ``"timeseries"``, ``"summary"`` and ``"agents/<kind>"`` to
    Parquet bytes.
    """

    point: int
    replicate: int
    tables: dict[str, bytes] = field(default_factory=dict)
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
    net_worth = e.firm_net_worth()

    def firms(kind: str, rows: np.ndarray) -> pd.DataFrame:
        # ``kind`` numbers the firm as the employer column and the agents do.
        return pd.DataFrame(
            {
                kind: rows.astype(np.int64),
                "community": e.firm_community[rows].astype(np.int64),
                "active": e.firm_active[rows],
                "net_worth": net_worth[rows],
            }
        )

    return {
        "households": households,
        "coops": firms("coop", np.flatnonzero(e.firm_is_coop)),
        "firms": firms("firm", np.flatnonzero(~e.firm_is_coop)),
    }


def summary_columns(summary: dict[str, Any]) -> dict[str, np.ndarray]:
    """A run's summary as one-row columns, every metric float64 (missing: NaN).

    One type for every metric lets the summaries of all runs stack into one
    table whatever each run's values were (an integer count, or None).
    """
    columns: dict[str, np.ndarray] = {}
    for key, value in summary.items():
        if isinstance(value, str):
            columns[key] = np.array([value], dtype=object)
        else:
            columns[key] = np.array([np.nan if value is None else value], dtype=np.float64)
    return columns


def parquet_bytes(
    columns: dict[str, Any], point: int, replicate: int, metadata: dict[str, str]
) -> bytes:
    """Encode columns (with ``point`` and ``replicate`` first) as zstd Parquet bytes."""
    n = len(next(iter(columns.values()))) if columns else 1
    arrays = {
        "point": pa.array(np.full(n, point, dtype=np.int64)),
        "replicate": pa.array(np.full(n, replicate, dtype=np.int64)),
    }
    for name, values in columns.items():
        arrays[str(name)] = pa.array(np.asarray(values))
    table = pa.table(arrays, metadata={k.encode(): v.encode() for k, v in metadata.items()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _frame_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {column: frame[column].to_numpy() for column in frame.columns}


def execute_run(task: RunTask) -> RunOutput:
    """Run one task and encode its tables; never raises for an error inside the model."""
    start = time.perf_counter()
    try:
        instrument_registry.import_modules(task.instruments)
        scenario = load_scenario(None, None, data=task.scenario)
        seed = np.random.SeedSequence(task.entropy, spawn_key=task.spawn_key)
        result = run(scenario, seed=seed, agents=False, counterfactual=task.counterfactual)
        meta = {
            "solsim.seed": json.dumps(
                {"entropy": task.entropy, "spawn_key": list(task.spawn_key)}, sort_keys=True
            ),
            "solsim.experiment": task.experiment_hash,
        }
        p, r = task.point, task.replicate
        tables = {}
        if task.agents:
            for kind, frame in agent_tables(result.model).items():
                tables[f"agents/{kind}"] = parquet_bytes(_frame_columns(frame), p, r, meta)
        tables["summary"] = parquet_bytes(summary_columns(result.summary), p, r, meta)
        tables["timeseries"] = parquet_bytes(_frame_columns(result.timeseries), p, r, meta)
        return RunOutput(p, r, tables=tables, seconds=time.perf_counter() - start)
    except Exception as exc:
        return RunOutput(
            task.point,
            task.replicate,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - start,
        )
