"""Paired comparison of named scenarios against a reference, per summary metric.

With common random numbers, replicate r of every scenario runs on the same
random stream (same network, shocks and demand draws), so the difference
d_r = x_r(scenario) − x_r(reference) removes most of the noise two runs share.
For each scenario and metric the comparison reports the mean of the scenario,
the mean of the reference, the mean paired difference d̄ and its 95% confidence
interval, the t-interval d̄ ± t(0.975, n − 1) · s_d / √n over the n replicates
where both runs finished and the metric is defined. (With independent streams
the pairs are still independent and identically distributed, so the interval
stays valid, only wider.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from solsim.engine.summaries import CF_PREFIX
from solsim.errors import ScenarioError
from solsim.experiments.results import Results
from solsim.experiments.results import load as load_results
from solsim.experiments.spec import load_experiment
from solsim.experiments.sweep import SweepReport, run_sweep
from solsim.storage import atomic_write

__all__ = [
    "COLUMNS",
    "compare_experiment",
    "comparison_markdown",
    "paired_comparison",
    "run_comparison",
    "write_comparison",
]

#: Columns of the comparison table, one row per (scenario, metric).
COLUMNS = [
    "scenario",
    "metric",
    "n",
    "mean",
    "reference_mean",
    "difference",
    "ci_low",
    "ci_high",
]

#: Summary columns that echo settings rather than measure outcomes.
_NOT_METRICS = {"point", "replicate", "steps", "shock_start"}


def paired_interval(
    differences: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean of paired differences and its t-interval: (mean, low, high).

    With fewer than two pairs the interval is undefined (NaN); with zero spread
    it collapses to the mean.

    Examples
    --------
    >>> paired_interval(np.array([1.0, 2.0, 3.0]))  # mean 2, s = 1, t(0.975, 2) = 4.303
    (2.0, -0.4841377118337..., 4.484137711833...)
    """
    d = np.asarray(differences, dtype=np.float64)
    n = d.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1) * d.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def paired_comparison(
    summaries: pd.DataFrame,
    design: pd.DataFrame,
    reference: str,
    metrics: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The comparison table: each scenario and each metric against ``reference``.

    Parameters
    ----------
    summaries
        One row per run: ``point``, ``replicate`` and metric columns.
    design
        ``point`` → ``scenario`` (a ``scenarios`` design).
    reference
        The scenario the others are compared with.
    metrics
        Which metric columns (default: every numeric summary column that is
        defined somewhere, in summary order, but the counterfactual's ``cf_*``).
    confidence
        Of the interval on the paired difference.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`; the reference's own rows have difference 0 and no
        interval. Rows are in design order, then metric order.
    """
    # In an experiment with uncertainties a pair is the same replicate of the same
    # future: the same settings and the same draws in both scenarios.
    keys = ["future", "replicate"] if "future" in design.columns else ["replicate"]
    frame = summaries.merge(design[["point", *keys[:-1], "scenario"]], on="point", how="inner")
    if metrics is None:
        # A paired counterfactual's own figures (cf_*) are the pairs' baselines,
        # not outcomes of the scenarios compared.
        metrics = [
            c
            for c in summaries.columns
            if c not in _NOT_METRICS
            and not c.startswith(CF_PREFIX)
            and pd.api.types.is_numeric_dtype(summaries[c])
            and summaries[c].notna().any()
        ]
    order = list(dict.fromkeys(design["scenario"]))
    if reference not in order:
        raise ValueError(f"reference {reference!r} is not a scenario of the design")
    by_scenario = {
        name: group.set_index(keys)[list(metrics)]
        for name, group in frame.groupby("scenario", sort=False)
    }
    empty = pd.DataFrame(columns=list(metrics), dtype=float)
    ref = by_scenario.get(reference, empty)
    rows: list[dict[str, Any]] = []
    for name in order:
        own = by_scenario.get(name, empty)
        for metric in metrics:
            values = own[metric].dropna()
            ref_values = ref[metric].dropna()
            if name == reference:
                pairs = values
                diff, low, high = 0.0, math.nan, math.nan
            else:
                paired = pd.concat([values, ref_values], axis=1, join="inner").dropna()
                pairs = paired.iloc[:, 0]
                diff, low, high = paired_interval(
                    (paired.iloc[:, 0] - paired.iloc[:, 1]).to_numpy(), confidence
                )
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "n": len(pairs),
                    "mean": float(values.mean()) if len(values) else math.nan,
                    "reference_mean": float(ref_values.mean()) if len(ref_values) else math.nan,
                    "difference": diff,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def fmt(value: float) -> str:
    """A number for a table: 4 significant digits, thousands separators when large,
    never in scientific notation."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    if abs(value) < 1e-12:  # rounding noise of a zero difference
        return "0"
    if abs(value) < 1e-4:
        # Positional, not ``8.4e-05``: a reader compares a column of these.
        return np.format_float_positional(value, precision=4, fractional=False, trim="-")
    return f"{value:.4g}"


def _signed(value: float) -> str:
    text = fmt(value)
    return text if text.startswith(("-", "—")) or text == "0" else f"+{text}"


def difference_cell(row: pd.Series) -> str:
    """``+0.012 [+0.004, +0.020]``; an asterisk when the interval excludes zero.

    A metric the reference does not have (a tranche only this scenario has)
    shows the scenario's own mean instead: ``mean 52,000``.
    """
    if math.isnan(row["reference_mean"]) and not math.isnan(row["mean"]):
        return f"mean {fmt(row['mean'])}"
    if math.isnan(row["ci_low"]):
        return _signed(row["difference"])
    star = "*" if row["ci_low"] > 0 or row["ci_high"] < 0 else ""
    return (
        f"{_signed(row['difference'])} [{_signed(row['ci_low'])}, {_signed(row['ci_high'])}]{star}"
    )


def wide_table(comparison: pd.DataFrame, reference: str) -> pd.DataFrame:
    """One row per metric: the reference's mean, then each scenario's difference cell."""
    scenarios = list(dict.fromkeys(comparison["scenario"]))
    metrics = list(dict.fromkeys(comparison["metric"]))
    indexed = comparison.set_index(["scenario", "metric"])
    table: dict[str, list[str]] = {"metric": metrics}
    table[f"{reference} (mean)"] = [fmt(indexed.loc[(reference, m), "mean"]) for m in metrics]
    for name in scenarios:
        if name != reference:
            table[f"{name} Δ"] = [difference_cell(indexed.loc[(name, m)]) for m in metrics]
    return pd.DataFrame(table)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*|<>\[\]])")


def markdown_text(text: object) -> str:
    """A name from a file as plain Markdown text: on one line, its markup escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def csv_text(value: object) -> object:
    """A name as CSV data: a leading ``= + - @`` (a spreadsheet formula) is quoted off."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def comparison_markdown(comparison: pd.DataFrame, reference: str, title: str = "") -> str:
    """The comparison as a Markdown page (a wide table, one row per metric).

    Scenario names and the title come from files: they are escaped as text.
    """
    escaped = comparison.assign(scenario=[markdown_text(v) for v in comparison["scenario"]])
    wide = wide_table(escaped, markdown_text(reference))
    n = comparison.loc[(comparison["scenario"] != reference) & (comparison["n"] > 0), "n"]
    if not len(n):
        pairs = "0"
    elif n.min() == n.max():
        pairs = f"{int(n.min())}"
    else:
        pairs = f"{int(n.min())}–{int(n.max())}"
    lines = [
        f"# {markdown_text(title) if title else 'Comparison'}",
        "",
        f"Mean of {markdown_text(reference)} and, for each other scenario, the mean paired "
        f"difference from it (Δ, same random streams per replicate) with its 95% confidence "
        f"interval over {pairs} replicate pairs; `*` marks intervals that exclude zero. Where the "
        "reference lacks a metric (a tranche it does not have), the cell gives the "
        "scenario's own mean.",
        "",
        "| " + " | ".join(wide.columns) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(wide.columns) - 1)) + "|",
    ]
    for _, row in wide.iterrows():
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_comparison(
    comparison: pd.DataFrame, out_dir: str | Path, reference: str, title: str = ""
) -> tuple[Path, Path]:
    """Write ``comparison.csv`` (tidy, full precision) and ``comparison.md``."""
    out_dir = Path(out_dir)
    data = comparison.assign(scenario=[csv_text(v) for v in comparison["scenario"]])
    csv = atomic_write(out_dir / "comparison.csv", lambda tmp: data.to_csv(tmp, index=False))
    text = comparison_markdown(comparison, reference, title)
    md = atomic_write(out_dir / "comparison.md", lambda tmp: tmp.write_text(text))
    return csv, md


def compare_results(results: Results) -> pd.DataFrame:
    """The comparison table of a finished ``scenarios`` sweep."""
    reference = results.experiment.get("reference")
    if results.experiment.get("design_kind") != "scenarios" or not reference:
        raise ScenarioError(
            str(results.directory),
            "design.kind",
            "a comparison needs a 'scenarios' design with a reference",
        )
    return paired_comparison(results.summaries, results.design, reference)


def compare_experiment(
    experiment_path: str | Path,
    out_dir: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    resume: bool = False,
    progress: bool | None = None,
    **executor_opts: Any,
) -> tuple[pd.DataFrame, SweepReport, Results]:
    """Sweep (resumably) a ``scenarios`` experiment, then compare and write the table.

    Returns the comparison, the sweep's report and the results.
    """
    experiment = load_experiment(experiment_path, overrides)
    if experiment.kind != "scenarios":
        raise ScenarioError(
            str(experiment.path),
            "design.kind",
            "compare needs a 'scenarios' design with a reference "
            f"(this one is {experiment.kind!r})",
        )
    report = run_sweep(experiment, out_dir, resume=resume, progress=progress, **executor_opts)
    results = load_results(out_dir)
    comparison = compare_results(results)
    write_comparison(comparison, out_dir, experiment.reference, experiment.name)
    return comparison, report, results


def run_comparison(
    experiment_path: str | Path, out_dir: str | Path, **executor_opts: Any
) -> pd.DataFrame:
    """Run a ``scenarios`` experiment and write ``comparison.csv`` and ``comparison.md``.

    Parameters
    ----------
    experiment_path
        The experiment TOML (a ``scenarios`` design with a ``reference``).
    out_dir
        Results directory (an earlier sweep of the same experiment is resumed).
    **executor_opts
        ``workers``, ``scheduler``, ``dask_local``, and also ``overrides``,
        ``resume``, ``progress`` (see :func:`~solsim.experiments.sweep.run_sweep`).

    Returns
    -------
    DataFrame
        One row per (scenario, metric): :data:`COLUMNS`.
    """
    comparison, _, _ = compare_experiment(experiment_path, out_dir, **executor_opts)
    return comparison
