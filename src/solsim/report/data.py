"""What a report is drawn from: tidy tables of many runs.

A :class:`ReportData` holds, for several scenarios × replicate seeds,

* ``timeseries``: one row per scenario, replicate and month (``scenario``,
  ``replicate``, ``step`` and the metric columns of the run's timeseries);
* ``summaries``: one row per scenario and replicate (the per-run summary);
* ``households``: one row per scenario, replicate and household, with the
  household's state at the end of the run (the agent-level table a sweep writes
  with ``agents = "final"``, see :func:`solsim.experiments.worker.agent_tables`),
  from which the Lorenz curves are drawn;
* ``scenarios``: each scenario's settings (``Scenario.model_dump``), for the
  settings section (what differs from the reference).

It is built either by running the scenarios here (:func:`simulate`, for
notebooks, tests and small studies) or by reading a results directory written
by ``solsim compare`` / ``solsim sweep`` (:func:`from_results_dir`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solsim.engine.params import Scenario

# Summary metrics a funder reads first, in the order the tables show them. Any
# ``loss_<tranche>`` columns present are added after these.
KEY_METRICS: tuple[str, ...] = (
    "drawdown",
    "recovery_time",
    "area_lost",
    "coop_failures",
    "active_coops_final",
    "mean_distress_share",
    "peak_unemployment",
    "final_gini",
    "mean_velocity",
    "investor_return",
    "community_return",
    "guarantee_paid",
)


@dataclass
class ReportData:
    """Tables of several scenarios × replicates, ready to plot.

    Attributes
    ----------
    timeseries
        Columns ``scenario``, ``replicate``, ``step`` and metric columns.
    summaries
        Columns ``scenario``, ``replicate`` and per-run summary metrics.
    households
        Columns ``scenario``, ``replicate``, ``household``, ``net_worth`` (and
        ``community``, ``employer``, ``distressed``) at the end of each run;
        None when the runs did not keep an agent-level table.
    scenarios
        Scenario name → settings (``Scenario.model_dump(mode="json")``).
    reference
        The scenario the others are compared with.
    comparison
        The paired-difference table (see :func:`paired_differences`); computed
        from ``summaries`` when None.
    models
        Scenario name → a finished :class:`~solsim.model.SolidarityEconomy` of
        that scenario (one replicate), used for the trade-graph picture.
    meta
        Free-form facts for the report's last section (seeds, versions, paths).
    """

    timeseries: pd.DataFrame
    summaries: pd.DataFrame
    households: pd.DataFrame | None
    scenarios: dict[str, dict[str, Any]]
    reference: str
    comparison: pd.DataFrame | None = None
    models: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    title: str = "solsim comparison"

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names, reference first, then in the order they were given."""
        names = list(dict.fromkeys(self.summaries["scenario"]))
        for name in self.scenarios:
            if name not in names:
                names.append(name)
        if self.reference in names:
            names.remove(self.reference)
            names.insert(0, self.reference)
        return names

    @property
    def replicates(self) -> int:
        """Replicates per scenario (the smallest count, if they differ)."""
        counts = self.summaries.groupby("scenario")["replicate"].nunique()
        return int(counts.min()) if len(counts) else 0

    def shock_window(self) -> tuple[int, int] | None:
        """First and last month of the reference scenario's first scheduled shock."""
        settings = self.scenarios.get(self.reference) or next(iter(self.scenarios.values()), None)
        shocks = ((settings or {}).get("shocks") or {}).get("scheduled") or []
        if not shocks:
            return None
        first = min(shocks, key=lambda s: s["start"])
        return int(first["start"]), int(first["start"] + first.get("duration", 1) - 1)


def simulate(
    scenarios: Mapping[str, Scenario | str | Path],
    *,
    replicates: int = 5,
    seed: int = 0,
    steps: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    reference: str | None = None,
    keep_models: bool = True,
) -> ReportData:
    """Run each scenario for several replicate seeds, in this process.

    Replicate *r* uses the same seed in every scenario (common random numbers),
    so differences between scenarios are paired.

    Parameters
    ----------
    scenarios
        Name → :class:`Scenario` or TOML path. The first is the reference
        unless ``reference`` names another.
    replicates
        Seeds per scenario.
    seed
        Root seed; replicate seeds are spawned from it.
    steps
        Months per run (default: each scenario's own).
    overrides
        Dotted keys applied to every scenario (e.g. a smaller economy).
    reference
        Name of the reference scenario.
    keep_models
        Keep the first replicate's finished model of each scenario (for the
        trade-graph picture).

    Returns
    -------
    ReportData
    """
    from solsim.experiments.seeds import run_seed
    from solsim.experiments.worker import agent_tables
    from solsim.runner import run
    from solsim.scenario import load_scenario

    if not scenarios:
        raise ValueError("simulate needs at least one scenario")
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    names = list(scenarios)
    reference = reference or names[0]
    if reference not in scenarios:
        raise ValueError(f"reference {reference!r} is not one of {', '.join(names)}")
    # The seeds a sweep with this root seed would use (common random numbers).
    seeds = [run_seed(seed, point=0, replicate=r) for r in range(replicates)]
    series, summaries, households, settings, models = [], [], [], {}, {}
    for name, spec in scenarios.items():
        scenario = spec if isinstance(spec, Scenario) else load_scenario(spec, dict(overrides or {}))
        if isinstance(spec, Scenario) and overrides:
            scenario = load_scenario(None, dict(overrides), data=spec.model_dump(mode="json"))
        if steps is not None:
            scenario = scenario.model_copy(update={"steps": steps})
        settings[name] = scenario.model_dump(mode="json")
        for r, ss in enumerate(seeds):
            result = run(scenario, seed=ss, agents=False)
            ts = result.timeseries.copy()
            ts.insert(0, "replicate", r)
            ts.insert(0, "scenario", name)
            series.append(ts)
            summaries.append({"scenario": name, "replicate": r, **result.summary})
            hh = agent_tables(result.model)["households"]
            hh.insert(0, "replicate", r)
            hh.insert(0, "scenario", name)
            households.append(hh)
            if keep_models and r == 0:
                models[name] = result.model
    return ReportData(
        timeseries=pd.concat(series, ignore_index=True),
        summaries=pd.DataFrame(summaries),
        households=pd.concat(households, ignore_index=True),
        scenarios=settings,
        reference=reference,
        models=models,
        meta={"root seed": seed, "replicates": replicates},
    )


def metric_columns(summaries: pd.DataFrame, metrics: tuple[str, ...] = KEY_METRICS) -> list[str]:
    """Key metrics present in ``summaries``, then every ``loss_<tranche>`` column."""
    present = [m for m in metrics if m in summaries.columns]
    losses = [c for c in summaries.columns if c.startswith("loss_") and c not in present]
    return present + losses


def paired_differences(
    summaries: pd.DataFrame,
    reference: str,
    metrics: list[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean of each metric per scenario and its paired difference from the reference.

    Replicate *r* of every scenario shares its seed with replicate *r* of the
    reference, so the difference is taken replicate by replicate and its
    confidence interval is Student's t on those differences.

    Parameters
    ----------
    summaries
        Columns ``scenario``, ``replicate`` and metric columns.
    reference
        The scenario differences are taken from.
    metrics
        Metric columns (default: :func:`metric_columns`).
    level
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``metric``, ``mean``, ``reference_mean``, ``diff``,
        ``ci_low``, ``ci_high``, ``n`` (pairs with both values). The reference's
        own rows have a difference of 0.
    """
    from scipy import stats

    metrics = metrics or metric_columns(summaries)
    base = summaries[summaries["scenario"] == reference].set_index("replicate")
    if base.empty:
        raise ValueError(f"no runs of the reference scenario {reference!r}")
    rows = []
    for name, group in summaries.groupby("scenario", sort=False):
        group = group.set_index("replicate")
        for metric in metrics:
            own = pd.to_numeric(group[metric], errors="coerce")
            ref = pd.to_numeric(base[metric], errors="coerce")
            both = pd.concat([own, ref], axis=1, keys=["own", "ref"], join="inner").dropna()
            diff = (both["own"] - both["ref"]).to_numpy(dtype=np.float64)
            n = diff.size
            mean_diff = float(diff.mean()) if n else math.nan
            if n >= 2:
                sem = float(diff.std(ddof=1)) / math.sqrt(n)
                half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sem
            else:
                half = math.nan
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "mean": float(own.mean()),
                    "reference_mean": float(ref.mean()),
                    "diff": mean_diff,
                    "ci_low": mean_diff - half,
                    "ci_high": mean_diff + half,
                    "n": n,
                }
            )
    return pd.DataFrame(rows)


def _read_table(path: Path) -> pd.DataFrame | None:
    if path.exists():
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return None


def load_json(path: Path) -> dict[str, Any]:
    """A JSON file as a dict (empty when missing)."""
    return json.loads(path.read_text()) if path.exists() else {}


def flatten_settings(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested scenario settings as dotted keys (lists of tables as ``key.0.field``)."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten_settings(value, path))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for index, item in enumerate(value):
                flat.update(flatten_settings(item, f"{path}.{index}"))
        else:
            flat[path] = value
    return flat


def settings_diff(scenarios: Mapping[str, Mapping[str, Any]], reference: str) -> pd.DataFrame:
    """Where each scenario's settings differ from the reference's.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``key`` (dotted path), ``reference`` and ``value``
        (None where the key is absent on that side). ``name`` and
        ``description`` are left out: they always differ.
    """
    base = flatten_settings(scenarios[reference])
    rows = []
    for name, settings in scenarios.items():
        if name == reference:
            continue
        own = flatten_settings(settings)
        for key in sorted(set(base) | set(own)):
            if key in ("name", "description"):
                continue
            if base.get(key, _MISSING) != own.get(key, _MISSING):
                rows.append(
                    {
                        "scenario": name,
                        "key": key,
                        "reference": base.get(key),
                        "value": own.get(key),
                    }
                )
    return pd.DataFrame(rows, columns=["scenario", "key", "reference", "value"])


_MISSING = object()
