"""Robustness: which structure holds up best across futures nobody can predict?

Every structure runs in every future (see :mod:`~solsim.experiments.uncertainty`),
so each future has a best structure for each outcome. A structure's **regret**
in a future is how far it falls short of that best, in the outcome's own units
and in the direction that is better for the community::

    regret(s, f) = max over s' of d·x(s', f)  −  d·x(s, f)        d = +1 or −1

It is 0 for the best structure and never negative. Over the futures the table
reports its maximum (the minimax-regret criterion of Savage 1951), its 90th
percentile (the bad futures without the single worst) and its mean.
**Satisficing** is the share of futures in which a structure meets every stated
threshold (an outcome expression, e.g. ``coop_hazard < 0.12``).

A future here is a (future, replicate) pair: with common random numbers every
structure of it runs on the same draws. Only futures in which every structure
finished and the outcome is defined count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solsim.engine.summaries import direction as declared_direction
from solsim.errors import ScenarioError
from solsim.experiments.outcome import Outcome, parse_outcome
from solsim.experiments.results import Results

__all__ = [
    "REGRET_COLUMNS",
    "Robustness",
    "regret_table",
    "robustness",
    "runs_by_structure",
    "satisficing_table",
]

#: Columns of the regret table, one row per (metric, structure).
REGRET_COLUMNS = [
    "metric",
    "structure",
    "futures",
    "mean",
    "max_regret",
    "p90_regret",
    "mean_regret",
    "rank",
]
#: The percentile reported beside the maximum.
PERCENTILE = 0.9
_KEYS = ["future", "replicate"]


@dataclass
class Robustness:
    """Regret per (metric, structure) and satisficing per structure."""

    regret: pd.DataFrame
    satisficing: pd.DataFrame | None
    structures: list[str]

    def ranking(self) -> list[str]:
        """Structures from the most robust: by satisficing share when thresholds
        were stated, then by mean rank on maximum regret across the metrics."""
        mean_rank = self.regret.groupby("structure")["rank"].mean()
        order = pd.DataFrame({"structure": self.structures})
        order["mean_rank"] = order["structure"].map(mean_rank).fillna(np.inf)
        order["share"] = 0.0
        if self.satisficing is not None and not self.satisficing.empty:
            share = self.satisficing.set_index("structure")["share"]
            order["share"] = order["structure"].map(share).fillna(0.0)
        order = order.sort_values(["share", "mean_rank"], ascending=[False, True], kind="stable")
        return order["structure"].tolist()


def regret_table(
    runs: pd.DataFrame, metrics: Mapping[str, int], structures: Sequence[str] | None = None
) -> pd.DataFrame:
    """Regret of each structure on each metric, against the best in the same future.

    Parameters
    ----------
    runs
        One row per run: ``structure``, ``future``, ``replicate`` and the metric
        columns.
    metrics
        Metric name → direction (+1: more is better, −1: less is better).
    structures
        Their order in the table (default: order of appearance).

    Returns
    -------
    DataFrame
        :data:`REGRET_COLUMNS`; ``rank`` is 1 for the lowest maximum regret
        (ties broken by mean regret), per metric.
    """
    structures = list(structures or dict.fromkeys(runs["structure"]))
    rows = []
    for metric, direction in metrics.items():
        if direction not in (1, -1):
            raise ValueError(f"{metric}: a direction of +1 or -1 is needed for regret")
        wide = runs.pivot_table(index=_KEYS, columns="structure", values=metric, aggfunc="first")
        wide = wide.reindex(columns=structures).dropna()
        signed = direction * wide.to_numpy(dtype=np.float64)
        regret = signed.max(axis=1, keepdims=True) - signed if len(wide) else signed
        block = []
        for j, name in enumerate(structures):
            column = regret[:, j]
            empty = column.size == 0
            block.append(
                {
                    "metric": metric,
                    "structure": name,
                    "futures": int(column.size),
                    "mean": float(wide[name].mean()) if not empty else np.nan,
                    "max_regret": float(column.max()) if not empty else np.nan,
                    "p90_regret": float(np.quantile(column, PERCENTILE)) if not empty else np.nan,
                    "mean_regret": float(column.mean()) if not empty else np.nan,
                }
            )
        frame = pd.DataFrame(block)
        order = frame.sort_values(["max_regret", "mean_regret"], kind="stable").index
        frame.loc[order, "rank"] = np.arange(1, len(frame) + 1)
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=REGRET_COLUMNS)
    table = pd.concat(rows, ignore_index=True)
    table["rank"] = table["rank"].astype(np.int64)
    return table[REGRET_COLUMNS]


def satisficing_table(
    runs: pd.DataFrame,
    thresholds: Sequence[str | Outcome],
    structures: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The share of futures in which each structure meets every threshold.

    Returns
    -------
    DataFrame
        ``structure``, ``futures``, ``share`` (all thresholds met) and one
        column per threshold (the share meeting that one).
    """
    structures = list(structures or dict.fromkeys(runs["structure"]))
    parsed = [t if isinstance(t, Outcome) else parse_outcome(t) for t in thresholds]
    met = pd.DataFrame({p.text: p.evaluate(runs) for p in parsed}, index=runs.index)
    met["all"] = met.all(axis=1)
    met[["structure", *_KEYS]] = runs[["structure", *_KEYS]]
    # Only the futures every structure finished.
    counts = met.groupby(_KEYS)["structure"].nunique()
    complete = counts[counts == len(structures)].index
    met = met.set_index(_KEYS).loc[complete].reset_index()
    rows = []
    for name in structures:
        own = met[met["structure"] == name]
        row = {"structure": name, "futures": len(own)}
        row["share"] = float(own["all"].mean()) if len(own) else np.nan
        for p in parsed:
            row[p.text] = float(own[p.text].mean()) if len(own) else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["structure", "futures", "share", *(p.text for p in parsed)])


def runs_by_structure(results: Results) -> tuple[pd.DataFrame, list[str]]:
    """Every finished run with its ``structure`` and ``future`` (a sweep with uncertainties).

    A structure is a scenario's name, or, for a grid or table of levers, the
    levers' values (``funds.interest_rate=0.04``).

    Raises
    ------
    ScenarioError
        The sweep has no uncertainties, or only one structure.
    """
    info = results.experiment
    if not info.get("uncertainties"):
        raise ScenarioError(
            str(results.directory),
            "(dir)",
            "the sweep has no uncertainties (add an [uncertainties] table to the experiment)",
        )
    design = results.design.copy()
    if "scenario" in design.columns:
        design["structure"] = design["scenario"].astype(str)
    else:
        levers = list(info.get("parameters") or [])
        design["structure"] = [
            ", ".join(f"{lever}={row[lever]:g}" for lever in levers) for _, row in design.iterrows()
        ]
    structures = list(dict.fromkeys(design["structure"]))
    if len(structures) < 2:
        raise ScenarioError(
            str(results.directory), "(dir)", "robustness needs at least two structures to compare"
        )
    runs = results.summaries.merge(design[["point", "future", "structure"]], on="point")
    return runs, structures


def robustness(
    results: Results,
    metrics: Mapping[str, int] | Sequence[str],
    thresholds: Sequence[str] = (),
) -> Robustness:
    """Regret and satisficing of a sweep's structures (see the module docstring).

    ``metrics`` maps each metric to its direction, or lists metric names whose
    direction for the community is their declaration's
    (:func:`solsim.engine.summaries.direction`).

    Raises
    ------
    ScenarioError
        No uncertainties, or one structure.
    OutcomeError
        A threshold outside the grammar or naming an unknown column.
    """
    runs, structures = runs_by_structure(results)
    if not isinstance(metrics, Mapping):
        metrics = {name: declared_direction(name) for name in metrics}
    for metric in metrics:
        parse_outcome(metric).check(c for c in runs.columns if c not in ("point", "replicate"))
    regret = regret_table(runs, metrics, structures)
    satisficing = satisficing_table(runs, thresholds, structures) if thresholds else None
    return Robustness(regret=regret, satisficing=satisficing, structures=structures)
