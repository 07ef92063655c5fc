"""Uncertainties: futures nobody can predict, crossed with the structures being compared.

An experiment may add an ``[uncertainties]`` table to its design (the *levers*:
a ``scenarios`` list, a ``grid`` or a ``table``)::

    [uncertainties]
    samples = 32                              # futures, drawn by Latin hypercube

    [uncertainties.parameters.recession_length]
    path = "shocks.scheduled.0.duration"      # or a list of key paths, set alike
    range = [6, 24]
    label = "the recession's length"          # optional: how sentences name it
    unit = "months"                           # optional: "share" is written as %

The table may also say what the report asks of the futures (none of it changes
a run)::

    failure = ["coop_hazard > 0.15"]          # "When would this fail?": outcomes
    satisfy = ["coop_hazard < 0.15"]          # thresholds a structure should meet
    metrics = ["coop_hazard", "drawdown"]     # regret on these (NAME:lower for one
                                              # without a direction)

Every structure runs in every future: the design holds one point per
(future, structure), future-major, with a ``future`` column and one column per
uncertainty (named by the uncertainty, not the key path). With common random
numbers every structure of a future runs on the same random stream (see
:func:`~solsim.experiments.seeds.future_seed`), so structures are compared on
the same futures, draw for draw.

An uncertainty whose path lies under ``instruments.NAME`` is set only in the
structures that have that instrument: it describes the instrument's world
(how readily sellers accept mutual credit), and must not switch the instrument
on where it is absent.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from solsim.experiments.outcome import OutcomeError, parse_outcome

__all__ = [
    "RESERVED",
    "Uncertainties",
    "Uncertainty",
    "applicable",
    "sample_futures",
]

#: Design columns an uncertainty may not be named after.
RESERVED = frozenset({"point", "future", "replicate", "scenario", "structure"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Uncertainty(_Strict):
    """One uncertain factor: the scenario key paths it sets and its range."""

    path: str | list[str]
    range: tuple[float, float]
    label: str = ""
    unit: str = ""

    @field_validator("path")
    @classmethod
    def _some_path(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("list at least one scenario key path")
        return value

    @property
    def paths(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)


class Uncertainties(_Strict):
    """The ``[uncertainties]`` table: how many futures, and the factors."""

    samples: Annotated[int, Field(ge=2, le=1_000_000)]
    parameters: dict[str, Uncertainty]
    failure: list[str] = Field(default_factory=list)
    satisfy: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)

    @field_validator("failure", "satisfy")
    @classmethod
    def _expressions(cls, value: list[str]) -> list[str]:
        # Parsed now so that a typo fails before any run; columns are checked
        # against the summaries once they exist.
        for text in value:
            try:
                parse_outcome(text)
            except OutcomeError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("metrics")
    @classmethod
    def _metric_names(cls, value: list[str]) -> list[str]:
        for item in value:
            name, _, way = item.partition(":")
            if not _NAME.match(name) or way not in ("", "lower", "higher"):
                raise ValueError(
                    f"{item!r}: a summary column, optionally NAME:lower or NAME:higher"
                )
        return value

    @field_validator("parameters")
    @classmethod
    def _names(cls, value: dict[str, Uncertainty]) -> dict[str, Uncertainty]:
        if not value:
            raise ValueError("list at least one uncertainty")
        for name in value:
            if not _NAME.match(name):
                raise ValueError(
                    f"{name!r}: a name of letters, digits and _ (not starting a digit)"
                )
            if name in RESERVED:
                raise ValueError(f"{name!r} is reserved (a design column)")
        return value

    def describe(self) -> dict[str, dict[str, Any]]:
        """What the manifest records: each factor's paths, range, label and unit."""
        return {
            name: {
                "paths": u.paths,
                "low": float(u.range[0]),
                "high": float(u.range[1]),
                "label": u.label or name.replace("_", " "),
                "unit": u.unit,
            }
            for name, u in self.parameters.items()
        }


def sample_futures(
    uncertainties: Uncertainties, seed: int, integer: dict[str, bool]
) -> pd.DataFrame:
    """A Latin hypercube over the uncertainties' ranges: one row per future.

    Parameters
    ----------
    uncertainties
        The factors and the number of futures.
    seed
        Seed of the sampler (the experiment's design seed).
    integer
        Per factor, whether its scenario field is an integer (rounded then).

    Returns
    -------
    DataFrame
        ``future`` (0, 1, …) and one column per factor.
    """
    from scipy.stats import qmc

    names = list(uncertainties.parameters)
    sampler = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed))
    unit = sampler.random(uncertainties.samples)
    low = np.array([uncertainties.parameters[n].range[0] for n in names], dtype=np.float64)
    high = np.array([uncertainties.parameters[n].range[1] for n in names], dtype=np.float64)
    values = qmc.scale(unit, low, high)
    columns: dict[str, Any] = {"future": np.arange(uncertainties.samples, dtype=np.int64)}
    for j, name in enumerate(names):
        column = values[:, j]
        columns[name] = np.rint(column).astype(np.int64) if integer[name] else column
    return pd.DataFrame(columns)


def applicable(path: str, scenario: dict[str, Any]) -> bool:
    """Whether an uncertainty's key path applies to a structure's scenario data.

    A path under ``instruments.NAME`` applies only where the instrument is
    configured; every other path applies everywhere.
    """
    parts = path.split(".")
    if parts[0] != "instruments" or len(parts) < 2:
        return True
    return parts[1] in (scenario.get("instruments") or {})


def future_overrides(
    uncertainties: Uncertainties, row: pd.Series, scenario: dict[str, Any], cast
) -> dict[str, Any]:
    """The dotted overrides a future sets in one structure's scenario data."""
    overrides: dict[str, Any] = {}
    for name, u in uncertainties.parameters.items():
        for path in u.paths:
            if applicable(path, scenario):
                overrides[path] = cast(row[name], path)
    return overrides
