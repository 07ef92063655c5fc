"""Global sensitivity of a summary metric to the design's parameters (through SALib).

* **Sobol** (``sobol`` designs): first-order indices S1 (the share of the
  metric's variance explained by a parameter alone) and total indices ST (its
  share including every interaction), each with a bootstrap confidence interval
  (``*_conf`` is the half-width at 95%).
* **Morris** (``morris`` designs): mu* (mean absolute elementary effect: overall
  influence), sigma (spread of the effects: non-linearity or interactions) and
  mu*'s confidence half-width.

The metric of a design point is the mean over its replicates, which averages
out run-to-run noise before the decomposition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solsim.errors import ScenarioError
from solsim.experiments.results import Results
from solsim.storage import atomic_write

__all__ = ["analyze", "morris_indices", "point_means", "sobol_indices", "write_sensitivity"]

CONFIDENCE = 0.95
RESAMPLES = 1000


def sobol_indices(
    problem: dict[str, Any],
    y: np.ndarray,
    *,
    second_order: bool = False,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> pd.DataFrame:
    """Sobol first-order and total indices of outputs ``y`` of a Saltelli/Sobol sample.

    Parameters
    ----------
    problem
        SALib problem (``names``, ``bounds``) the sample was drawn for.
    y
        One output per sample row, in sample order.
    second_order
        Whether the sample included the second-order rows.
    seed
        Seed of the bootstrap (confidence intervals are reproducible).

    Returns
    -------
    DataFrame
        ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    """
    from SALib.analyze import sobol

    result = sobol.analyze(
        problem,
        np.asarray(y, dtype=np.float64),
        calc_second_order=second_order,
        num_resamples=resamples,
        conf_level=CONFIDENCE,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )


def morris_indices(
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    levels: int = 4,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> pd.DataFrame:
    """Morris elementary-effect statistics of outputs ``y`` at sample ``x``.

    Returns
    -------
    DataFrame
        ``parameter``, ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.
    """
    from SALib.analyze import morris

    result = morris.analyze(
        problem,
        np.asarray(x, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        num_resamples=resamples,
        conf_level=CONFIDENCE,
        num_levels=levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": np.asarray(result["mu"], dtype=np.float64),
            "mu_star": np.asarray(result["mu_star"], dtype=np.float64),
            "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=np.float64),
            "sigma": np.asarray(result["sigma"], dtype=np.float64),
        }
    )


def point_means(results: Results, metric: str) -> np.ndarray:
    """The metric averaged over replicates, one value per design point, in point order.

    Raises
    ------
    ScenarioError
        Unknown metric, design points without finished runs, or points where
        the metric is undefined (the decomposition needs every point).
    """
    summaries = results.summaries
    where = str(results.directory)
    valid = [c for c in summaries.columns if c not in ("point", "replicate")]
    if metric not in valid:
        raise ScenarioError(
            where, "--metric", f"unknown metric {metric!r}; valid: {', '.join(valid)}"
        )
    means = summaries.groupby("point")[metric].mean()
    means = means.reindex(results.design["point"])
    missing = int(means.isna().sum())
    if missing:
        raise ScenarioError(
            where,
            "--metric",
            f"{metric} is missing at {missing} of {len(means)} design points "
            "(unfinished or failed runs, or undefined there); "
            "resume the sweep or pick another metric",
        )
    return means.to_numpy(dtype=np.float64)


def analyze(results: Results, metric: str) -> pd.DataFrame:
    """Sensitivity indices of a summary metric over a ``sobol`` or ``morris`` sweep."""
    info = results.experiment
    kind = info.get("design_kind")
    if kind not in ("sobol", "morris"):
        raise ScenarioError(
            str(results.directory),
            "design.kind",
            f"sensitivity needs a sobol or morris design (this sweep's is {kind!r})",
        )
    problem = info["problem"]
    y = point_means(results, metric)
    seed = int(info.get("design_seed", 0))
    if kind == "sobol":
        return sobol_indices(problem, y, second_order=bool(info.get("second_order")), seed=seed)
    x = results.design[problem["names"]].to_numpy(dtype=np.float64)
    return morris_indices(problem, x, y, levels=int(info.get("levels", 4)), seed=seed)


def write_sensitivity(indices: pd.DataFrame, out_dir: str | Path, metric: str) -> tuple[Path, Path]:
    """Write ``sensitivity/<metric>.csv`` and ``.md`` under the results directory."""
    folder = Path(out_dir) / "sensitivity"
    csv = atomic_write(folder / f"{metric}.csv", lambda tmp: indices.to_csv(tmp, index=False))
    header = "| " + " | ".join(indices.columns) + " |"
    rule = "|" + "|".join(["---"] + ["---:"] * (len(indices.columns) - 1)) + "|"
    body = [
        "| " + " | ".join(v if isinstance(v, str) else f"{v:.4f}" for v in row) + " |"
        for row in indices.itertuples(index=False)
    ]
    text = "\n".join([f"# Sensitivity of {metric}", "", header, rule, *body]) + "\n"
    md = atomic_write(folder / f"{metric}.md", lambda tmp: tmp.write_text(text))
    return csv, md
