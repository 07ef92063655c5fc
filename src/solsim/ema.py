"""solsim as an EMA Workbench model: ``solsim.ema.model(...)``.

The EMA Workbench (Kwakkel 2017) samples uncertainties and levers, runs a model
through an evaluator and analyses the results (PRIM, feature scoring,
many-objective search). :func:`model` wraps a solsim scenario as an EMA
``Model`` (one run per experiment) or ``ReplicatorModel`` (several seeds per
experiment), so all of that works on solsim::

    from ema_workbench import SequentialEvaluator, perform_experiments
    import solsim.ema

    m = solsim.ema.model(
        "scenarios/guarantee.toml",
        uncertainties={
            "recession_depth": ("shocks.scheduled.0.size", 0.1, 0.5),
            "recession_length": ("shocks.scheduled.0.duration", 6, 24),
        },
        levers={"coverage": ("instruments.guarantee.coverage", 0.2, 0.8)},
        outcomes=["coop_hazard", "drawdown", "guarantee_paid"],
        timeseries=["output"],
        replications=4,
    )
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = perform_experiments(m, scenarios=32, policies=4,
                                                    evaluator=evaluator)

An uncertainty or lever is ``name: (key path, low, high)`` (a real or integer
range, integer when the scenario field is), ``name: (key path, [v1, v2, ...])``
(categories), or the same as a table, ``{"path": ..., "range": [low, high]}``;
a key path may be a list of paths set to the same value. ``structures`` adds a
lever ``structure`` that picks one of several scenario files. Names must be
Python identifiers (the workbench's rule).

Seeds: replication r of every experiment runs on the stream of replicate r of a
sweep with the same root seed (common random numbers), so experiments differ by
their parameters only; without replications every experiment runs on
replicate 0's stream.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from solsim.engine.params import Scenario
from solsim.errors import ScenarioError
from solsim.experiments.seeds import run_seed
from solsim.experiments.spec import resolve_path
from solsim.experiments.uncertainty import applicable
from solsim.scenario import apply_overrides, load_scenario

__all__ = ["SolsimFunction", "model"]

#: The lever that picks a structure when ``structures`` is given.
STRUCTURE = "structure"


def _workbench():
    with warnings.catch_warnings():
        # The workbench warns on import about evaluators solsim does not use.
        warnings.simplefilter("ignore", UserWarning)
        try:
            import ema_workbench
        except ImportError:
            raise ImportError(
                "solsim.ema needs the EMA Workbench: pip install 'solsim[discovery]'"
            ) from None

    return ema_workbench


def _scenario_data(scenario: Scenario | str | Path | Mapping | None) -> dict[str, Any]:
    if isinstance(scenario, Mapping):
        return load_scenario(None, None, data=dict(scenario)).model_dump(mode="json")
    if isinstance(scenario, Scenario):
        return scenario.model_dump(mode="json")
    return load_scenario(scenario).model_dump(mode="json")


class SolsimFunction:
    """The callable an EMA model runs: keyword parameters in, outcomes out.

    A class rather than a closure so that the multiprocessing evaluator can
    pickle it.
    """

    def __init__(
        self,
        bases: dict[str, dict[str, Any]],
        paths: dict[str, list[str]],
        integer: dict[str, bool],
        outcomes: Sequence[str],
        timeseries: Sequence[str],
        seed: int,
    ):
        self.bases = bases
        self.paths = paths
        self.integer = integer
        self.outcomes = list(outcomes)
        self.timeseries = list(timeseries)
        self.seed = seed

    def __call__(self, **parameters: Any) -> dict[str, Any]:
        from solsim.runner import run

        structure = parameters.pop(STRUCTURE, None)
        replicate = int(parameters.pop("replicate", 0))
        base = self.bases[structure] if structure is not None else self.bases["base"]
        overrides = {}
        for name, value in parameters.items():
            if name not in self.paths:
                continue  # e.g. EMA's own bookkeeping keys
            if hasattr(value, "item"):
                value = value.item()
            if self.integer[name]:
                value = round(value)
            for path in self.paths[name]:
                if applicable(path, base):
                    overrides[path] = value
        scenario = load_scenario(None, None, data=apply_overrides(base, overrides))
        result = run(scenario, seed=run_seed(self.seed, 0, replicate), agents=False)
        output: dict[str, Any] = {}
        for name in self.outcomes:
            value = result.summary.get(name)
            output[name] = float("nan") if value is None else float(value)
        for name in self.timeseries:
            output[name] = result.timeseries[name].to_numpy(dtype=float)
        return output


def _factor(name: str, spec: Any, role: str) -> tuple[list[str], Any]:
    """(paths, (low, high) or list of categories) of one uncertainty or lever."""
    if isinstance(spec, Mapping):
        path = spec.get("path")
        values = spec.get("range", spec.get("values"))
    elif isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) in (2, 3):
        path, *rest = spec
        values = tuple(rest) if len(rest) == 2 else rest[0]
    else:
        raise ValueError(
            f"{role} {name!r}: give (key path, low, high), (key path, [values]) or "
            "{'path': ..., 'range': [low, high]}"
        )
    paths = [path] if isinstance(path, str) else list(path or [])
    if not paths:
        raise ValueError(f"{role} {name!r}: no scenario key path")
    if not name.isidentifier():
        raise ValueError(f"{role} {name!r}: a name must be a Python identifier")
    for p in paths:
        try:
            resolve_path(p)
        except ValueError as exc:
            raise ScenarioError(f"{role} {name}", p, str(exc)) from None
    return paths, values


def _parameter(ema, name: str, paths: list[str], values: Any, role: str):
    if isinstance(values, list):
        return ema.CategoricalParameter(name, values), False
    low, high = values
    if not low < high:
        raise ValueError(f"{role} {name!r}: low ({low}) must be below high ({high})")
    integer = any(resolve_path(p) is int for p in paths)
    if integer:
        return ema.IntegerParameter(name, int(low), int(high)), True
    return ema.RealParameter(name, float(low), float(high)), False


def model(
    scenario: Scenario | str | Path | Mapping | None = None,
    *,
    uncertainties: Mapping[str, Any],
    levers: Mapping[str, Any] | None = None,
    structures: Mapping[str, Scenario | str | Path | Mapping] | None = None,
    outcomes: Sequence[str] = ("coop_hazard", "drawdown"),
    timeseries: Sequence[str] = (),
    replications: int | None = None,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    name: str = "solsim",
):
    """An EMA Workbench model of a solsim scenario (see the module docstring).

    Parameters
    ----------
    scenario
        The base scenario (file, :class:`Scenario`, data or None for the
        defaults); not used when ``structures`` is given.
    uncertainties, levers
        Name → (key path, low, high), (key path, [values]) or a table.
    structures
        Name → scenario: adds the categorical lever ``structure``.
    outcomes
        Summary metrics, as EMA ``ScalarOutcome`` (for a ``ReplicatorModel``, the
        mean over the replications, missing values left out).
    timeseries
        Monthly timeseries columns, as EMA ``ArrayOutcome`` (one array per run).
    replications
        None: an EMA ``Model`` (one run per experiment). An int: a
        ``ReplicatorModel`` with that many seeds per experiment.
    seed
        The root seed (see the module docstring).
    overrides
        Dotted key paths set in every run (``economy.households``).
    name
        The model's name (a Python identifier).

    Returns
    -------
    ema_workbench.Model or ema_workbench.ReplicatorModel
    """
    ema = _workbench()
    sources = dict(structures) if structures else {"base": scenario}
    bases = {
        key: _scenario_data(value) if not overrides else _overridden(value, overrides)
        for key, value in sources.items()
    }
    paths: dict[str, list[str]] = {}
    integer: dict[str, bool] = {}
    made: dict[str, list] = {"uncertainty": [], "lever": []}
    for role, table in (("uncertainty", uncertainties), ("lever", levers or {})):
        for factor, spec in table.items():
            if factor in paths or factor in (STRUCTURE, "replicate"):
                raise ValueError(f"{role} {factor!r}: the name is already used")
            paths[factor], values = _factor(factor, spec, role)
            parameter, integer[factor] = _parameter(ema, factor, paths[factor], values, role)
            made[role].append(parameter)
    if structures:
        made["lever"].append(ema.CategoricalParameter(STRUCTURE, list(structures)))
    function = SolsimFunction(bases, paths, integer, outcomes, timeseries, seed)
    if replications is None:
        wrapped = ema.Model(name, function=function)
    else:
        if replications < 1:
            raise ValueError("replications must be at least 1")
        wrapped = ema.ReplicatorModel(name, function=function)
        wrapped.replications = [{"replicate": r} for r in range(replications)]
    wrapped.uncertainties = made["uncertainty"]
    wrapped.levers = made["lever"]
    # A replicator returns one value per replication: a summary is their mean
    # (the workbench keeps one class per outcome name in a process, so a name is
    # a ScalarOutcome either way); a timeseries keeps a replication axis.
    aggregate = {} if replications is None else {"function": _mean}
    wrapped.outcomes = [ema.ScalarOutcome(o, **aggregate) for o in outcomes] + [
        ema.ArrayOutcome(t) for t in timeseries
    ]
    return wrapped


def _mean(values) -> float:
    """The mean over replications, ignoring runs where the metric is undefined."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else float("nan")


def _overridden(source, overrides: Mapping[str, Any]) -> dict[str, Any]:
    data = apply_overrides(_scenario_data(source), dict(overrides))
    return load_scenario(None, None, data=data).model_dump(mode="json")
