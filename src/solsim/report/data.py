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

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solsim.engine.params import Scenario
from solsim.report import catalog as C

# The core's summary metrics a funder reads first, in the order the tables show
# them (those a table has); the instruments' key columns follow
# (:func:`key_metrics`), then any ``loss_<tranche>`` columns present.
KEY_METRICS: tuple[str, ...] = (
    "coop_hazard",
    "coop_failure_hazard",
    "hazard_illiquid",
    "hazard_insolvent",
    "coop_failures",
    "drawdown",
    "recovery_time",
    "area_lost",
    "job_years_lost",
    "active_coops_final",
    "mean_distress_share",
    "peak_unemployment",
    "final_gini",
    "mean_velocity",
    "investor_irr",
    "investor_return",
    "return_parity",
    "community_return",
)


def key_metrics() -> tuple[str, ...]:
    """The core's key metrics, then those the registered instruments mark as key."""
    return KEY_METRICS + C.key_metrics()


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
        The paired-difference table (see :func:`comparison_table`); computed
        from ``summaries`` when None.
    models
        Scenario name → a finished :class:`~solsim.model.SolidarityEconomy` of
        that scenario (one replicate), used for the trade-graph picture.
    meta
        Free-form facts for the report's last section (seeds, versions, paths).
    title
        The page's title.
    currency
        The label money is written with (``"£"``, ``"EUR"``); empty for the
        model's plain currency units.
    futures
        For an experiment with uncertainties, scenario discovery and robustness
        (:class:`~solsim.report.futures.FuturesSection`); None otherwise.
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
    currency: str = ""
    futures: Any = None

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

    @property
    def runs_text(self) -> str:
        """``5 scenarios × 20 replicates``, or ``4 scenarios × 64 futures`` (× replicates
        when a future has several) for an experiment with uncertainties."""
        scenarios = f"{len(self.scenario_names)} scenarios"
        if self.futures is None or not self.futures.futures:
            return f"{scenarios} × {self.replicates} replicates"
        per_future = self.replicates // self.futures.futures
        text = f"{scenarios} × {self.futures.futures} futures"
        return text + (f" × {per_future} replicates" if per_future > 1 else "")

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
    currency: str = "",
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
    currency
        The label money is written with in the report (``"£"``, ``"EUR"``).

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
        if not isinstance(spec, Scenario):
            scenario = load_scenario(spec, dict(overrides or {}))
        elif overrides:
            scenario = load_scenario(None, dict(overrides), data=spec.model_dump(mode="json"))
        else:
            scenario = spec
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
        currency=currency,
    )


def metric_columns(summaries: pd.DataFrame, metrics: tuple[str, ...] | None = None) -> list[str]:
    """Key metrics (default :func:`key_metrics`) present in ``summaries``, then every
    ``loss_<tranche>`` column."""
    metrics = key_metrics() if metrics is None else metrics
    present = [m for m in metrics if m in summaries.columns]
    losses = [c for c in summaries.columns if c.startswith("loss_") and c not in present]
    return present + losses


def comparison_table(data: ReportData) -> pd.DataFrame:
    """The paired-difference table of a ReportData (its own, or computed).

    Computed with :func:`solsim.experiments.compare.paired_comparison` (the
    table ``solsim compare`` writes): columns ``scenario``, ``metric``, ``n``,
    ``mean``, ``reference_mean``, ``difference``, ``ci_low``, ``ci_high``.
    """
    if data.comparison is not None:
        return data.comparison
    from solsim.experiments.compare import paired_comparison

    names = data.scenario_names
    design = pd.DataFrame({"point": np.arange(len(names)), "scenario": names})
    summaries = data.summaries.drop(columns=["point"], errors="ignore")
    summaries = summaries.merge(design, on="scenario").drop(columns="scenario")
    return paired_comparison(summaries, design, data.reference, metric_columns(data.summaries))


def _point_names(design: pd.DataFrame) -> dict[int, str]:
    """A readable name per design point: the scenario name, or its parameter values."""
    if "scenario" in design.columns:
        return dict(zip(design["point"].astype(int), design["scenario"].astype(str), strict=True))
    params = [c for c in design.columns if c != "point"]
    names = {}
    for _, row in design.iterrows():
        values = ", ".join(f"{p.rsplit('.', 1)[-1]}={row[p]:.4g}" for p in params)
        names[int(row["point"])] = f"{int(row['point'])}: {values}" if values else str(row["point"])
    return names


def _experiment_for(manifest: Mapping[str, Any], experiment):
    """The experiment that made a results directory, if its file is still readable."""
    if experiment is not None:
        return experiment
    info = manifest.get("experiment", {})
    path = info.get("file")
    if not path or not Path(path).is_file():
        return None
    from solsim.errors import ScenarioError
    from solsim.experiments.spec import load_experiment

    try:
        candidate = load_experiment(path, info.get("overrides") or None)
    except ScenarioError:
        return None
    # Only an experiment with the same hash describes these runs.
    return candidate if candidate.hash == manifest.get("experiment_hash") else None


def from_results_dir(
    results_dir: str | Path,
    experiment=None,
    *,
    network: bool = True,
    comparison: pd.DataFrame | None = None,
) -> ReportData:
    """Read a results directory (``solsim compare`` / ``solsim sweep``) into a ReportData.

    Parameters
    ----------
    results_dir
        The sweep's output directory (``manifest.json``, ``runs/``, ...).
    experiment : solsim.experiments.Experiment, optional
        The experiment that made it, for the scenario settings and the
        trade-graph picture. When None, the experiment file named in the
        manifest is read again if it still gives the same experiment hash;
        otherwise those two sections say they are not available.
    network
        Re-run the first replicate of the reference scenario (same seed as in
        the sweep) to draw its trade graph; one run, about a second.
    comparison
        A paired-difference table to show (default: computed from the summaries).

    Returns
    -------
    ReportData
    """
    from solsim.experiments.results import load

    results = load(results_dir)
    manifest = results.manifest
    info = results.experiment
    design = results.design
    names = _point_names(design)
    reference_name = info.get("reference") or names.get(0)

    futures = None
    if "future" in design.columns:
        # Every (future, replicate) is one paired draw across the structures: number
        # them as replicates, so the report pairs and spreads over them as usual.
        future_of = dict(
            zip(design["point"].astype(int), design["future"].astype(int), strict=True)
        )
        replicates = int(info.get("replicates") or 1)

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.insert(0, "scenario", frame["point"].astype(int).map(names))
        if "future" in design.columns:
            future = frame["point"].astype(int).map(future_of)
            frame["replicate"] = future * replicates + frame["replicate"]
        return frame

    timeseries = named(results.timeseries)
    summaries = named(results.summaries)
    households = None
    if (Path(results_dir) / "agents" / "households").is_dir():
        households = named(results.agents("households", columns=["household", "net_worth"]))
    experiment = _experiment_for(manifest, experiment)
    settings: dict[str, dict[str, Any]] = {}
    models: dict[str, Any] = {}
    if experiment is not None:
        # A structure's settings in the first future it runs in.
        for p in sorted(names):
            settings.setdefault(names[p], experiment.point_scenario(p))
        if network:
            models = _reference_model(experiment, design, names, reference_name)
    if info.get("uncertainties"):
        from solsim.report.futures import futures_section

        futures = futures_section(results)
    meta = {
        "experiment": info.get("name"),
        "description": info.get("description") or None,
        "design": info.get("design_kind"),
        "root seed": manifest.get("root_seed"),
        "common random numbers": info.get("common_random_numbers"),
        "experiment hash": (manifest.get("experiment_hash") or "")[:16],
        "results": str(results_dir),
        "command": (
            f"solsim {'compare' if info.get('design_kind') == 'scenarios' else 'sweep'} "
            f"{info['file']} --out {results_dir}"
            if info.get("file")
            else None
        ),
        "failed runs": int(manifest.get("runs", {}).get("failed") or 0),
        "versions": manifest.get("versions", {}),
    }
    return ReportData(
        futures=futures,
        timeseries=timeseries,
        summaries=summaries,
        households=households,
        scenarios=settings,
        reference=reference_name,
        comparison=comparison,
        models=models,
        meta={k: v for k, v in meta.items() if v is not None},
        title=f"solsim · {info.get('name', 'comparison')}",
        currency=(experiment.spec.currency if experiment is not None else info.get("currency"))
        or "",
    )


def _reference_model(experiment, design: pd.DataFrame, names: dict[int, str], reference: str):
    """The reference scenario's first replicate, re-run with the sweep's own seed."""
    from solsim.runner import run
    from solsim.scenario import load_scenario

    point = next(p for p, n in names.items() if n == reference)
    scenario = load_scenario(None, None, data=experiment.point_scenario(point))
    seed = experiment.seed(point, 0)
    return {reference: run(scenario, seed=seed, agents=False).model}


def flatten_settings(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested scenario settings as dotted keys (lists of tables as ``key.0.field``)."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            # An empty table adds no setting (``instruments = {}`` switches nothing on).
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
            if not _same(base.get(key), own.get(key)):
                rows.append(
                    {
                        "scenario": name,
                        "key": key,
                        "reference": base.get(key),
                        "value": own.get(key),
                    }
                )
    return pd.DataFrame(rows, columns=["scenario", "key", "reference", "value"], dtype=object)


def _same(a: Any, b: Any) -> bool:
    """Equal settings; an absent key and an unset (None) one are the same."""
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)
