"""Experiment files: a base scenario, a design and replicates, validated like scenarios.

An experiment is a TOML file::

    name = "smoke"
    scenario = "../scenarios/baseline.toml"   # relative to this file
    replicates = 2
    root_seed = 20250101
    common_random_numbers = true              # replicate r: same stream in every point
    steps = 12                                # optional: override the scenario's months
    currency = "£"                            # optional: the label reports write money with
    counterfactual = "no_shock"               # optional: also run each replicate paired
                                              # without the shocks ("no_shock") or the
                                              # instruments ("no_instrument")

    [set]                                     # optional: applied to every point
    economy.households = 200

    [design]
    kind = "grid"                             # grid | lhs | sobol | morris | table | scenarios

    [design.parameters]
    funds.interest_rate = [0.04, 0.08]        # grid: the values; lhs/sobol/morris: [low, high]

Design kinds and their keys:

``grid``
    ``parameters``: a list of values per parameter; the full factorial, first
    parameter slowest.
``lhs``
    ``parameters``: ``[low, high]`` per parameter; ``samples`` points.
``sobol``
    ``parameters`` ranges; ``samples`` = N (a power of two), ``second_order``
    (default false). N × (D + 2) points (N × (2D + 2) with second order).
``morris``
    ``parameters`` ranges; ``trajectories`` and ``levels`` (default 4).
    trajectories × (D + 1) points.
``table``
    ``path``: a CSV or Parquet file whose columns are scenario key paths and
    whose rows are the points (designs made elsewhere plug in here).
``scenarios``
    ``scenarios``: a table of name = scenario file; ``reference``: the name the
    others are compared with. The top-level ``scenario`` key is not used.

With ``counterfactual`` set, every run is paired with a run of the same
replicate (same seed, same streams) with the shocks, or the scenario's
instruments, removed (:func:`solsim.runner.counterfactual_scenario`); the
pair's summaries are stored in one row (:func:`solsim.runner.run`).

An optional ``[uncertainties]`` table crosses the design (the structures being
compared: a ``scenarios``, ``grid`` or ``table`` design) with a Latin hypercube
sample of futures; see :mod:`~solsim.experiments.uncertainty`.

Parameters are dotted scenario key paths (``funds.interest_rate``,
``instruments.<name>.<key>``, ``shocks.scheduled.0.size``), checked against
the :class:`~solsim.engine.params.Scenario` schema. Sampled parameters whose
scenario field is an integer are rounded. Every problem is a
:class:`~solsim.errors.ScenarioError` naming the file, the key path and the reason.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from solsim.engine import instruments as instrument_registry
from solsim.engine.params import Scenario
from solsim.errors import ScenarioError
from solsim.experiments.seeds import design_seed, future_seed, run_seed
from solsim.experiments.uncertainty import (
    Uncertainties,
    applicable,
    future_overrides,
    sample_futures,
)
from solsim.scenario import (
    OverrideError,
    apply_overrides,
    check_depth,
    load_scenario,
    scenario_hash,
    set_dotted,
    shown,
)

__all__ = [
    "DESIGN_KINDS",
    "Experiment",
    "ExperimentSpec",
    "apply_overrides",
    "load_experiment",
    "resolve_path",
]

DESIGN_KINDS = ("grid", "lhs", "sobol", "morris", "table", "scenarios")
RANGE_KINDS = ("lhs", "sobol", "morris")
#: Design kinds whose points are structures that uncertainties can be crossed with.
LEVER_KINDS = ("scenarios", "grid", "table")

#: Version of the on-disk layout and of the experiment hash recipe.
FORMAT = 1


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, strict=True, allow_inf_nan=False
    )


class GridDesign(_Strict):
    kind: Literal["grid"]
    parameters: dict[str, list[Any]]


class LhsDesign(_Strict):
    kind: Literal["lhs"]
    parameters: dict[str, tuple[float, float]]
    samples: Annotated[int, Field(ge=1, le=10_000_000)]


class SobolDesign(_Strict):
    kind: Literal["sobol"]
    parameters: dict[str, tuple[float, float]]
    samples: Annotated[int, Field(ge=2, le=2**24)]
    second_order: bool = False


class MorrisDesign(_Strict):
    kind: Literal["morris"]
    parameters: dict[str, tuple[float, float]]
    trajectories: Annotated[int, Field(ge=2, le=1_000_000)]
    levels: Annotated[int, Field(ge=2, le=100)] = 4


class TableDesign(_Strict):
    kind: Literal["table"]
    path: str


class ScenariosDesign(_Strict):
    kind: Literal["scenarios"]
    scenarios: dict[str, str]
    reference: str


Design = Annotated[
    GridDesign | LhsDesign | SobolDesign | MorrisDesign | TableDesign | ScenariosDesign,
    Field(discriminator="kind"),
]


class ExperimentSpec(_Strict):
    """The experiment file as written (after dotted tables are flattened)."""

    name: str = "experiment"
    description: str = ""
    scenario: str | None = None
    replicates: Annotated[int, Field(ge=1, le=1_000_000)]
    root_seed: Annotated[int, Field(ge=0)]
    common_random_numbers: bool = True
    steps: Annotated[int | None, Field(ge=1, le=10000)] = None
    agents: Literal["none", "final"] = "none"
    currency: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")
    design: Design
    uncertainties: Uncertainties | None = None
    counterfactual: Literal["no_shock", "no_instrument"] | None = None

    @field_validator("currency")
    @classmethod
    def _short_label(cls, value: str) -> str:
        """A label for money in reports (``£``, ``EUR``): short, one line, printable."""
        if len(value) > CURRENCY_MAX or value != value.strip() or not value.isprintable():
            raise ValueError(
                f"a label of at most {CURRENCY_MAX} printable characters, without "
                'surrounding spaces (e.g. "£" or "EUR")'
            )
        if any(c in value for c in "<>&[]\\`*|"):
            raise ValueError("a currency label may not contain < > & [ ] \\ ` * or |")
        return value


#: Longest currency label (``currency = "..."``).
CURRENCY_MAX = 12


#: Keys of the experiment file that ``--set`` may change (besides ``design.*``).
EXPERIMENT_KEYS = (
    "name",
    "description",
    "replicates",
    "root_seed",
    "common_random_numbers",
    "steps",
    "agents",
    "currency",
    "counterfactual",
)
#: At most this many design points, and this many runs (points × replicates).
MAX_POINTS = 1_000_000
MAX_RUNS = 10_000_000
#: Invalid design points listed in an error before "and N more".
_LISTED = 5


def is_experiment_key(key: str) -> bool:
    """Whether an override sets the experiment (``replicates``, ``design.samples``)
    rather than every scenario."""
    return key in EXPERIMENT_KEYS or key.split(".", 1)[0] in ("design", "uncertainties")


# ---------------------------------------------------------------- key paths
_INSTRUMENTS = object()  # marker: the open ``instruments`` table of the scenario
_OPEN = object()  # marker: a free-form table (dict[str, Any])


class _PathError(ValueError):
    pass


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _is_model(node: Any) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)


def resolve_path(path: str) -> Any:
    """Check a dotted key path against the Scenario schema; return its type.

    Lists are addressed by index (``shocks.scheduled.0.size``); instrument
    tables by the registered instrument name (``instruments.<name>.<key>``).

    Raises
    ------
    ValueError
        Saying which part of the path is wrong and what is valid there.
    """
    parts = path.split(".")
    if not all(parts):
        raise _PathError("empty part in the key path")
    node: Any = Scenario
    for depth, part in enumerate(parts):
        parent = ".".join(parts[:depth]) or "the scenario"
        if _is_model(node):
            fields = node.model_fields
            if part not in fields:
                raise _PathError(
                    f"not a scenario key ({part!r} is not in {parent}; valid: {', '.join(fields)})"
                )
            node = (
                _INSTRUMENTS
                if node is Scenario and part == "instruments"
                else _strip_optional(fields[part].annotation)
            )
        elif node is _INSTRUMENTS:
            try:
                node = instrument_registry.get(part).Params
            except KeyError as exc:
                raise _PathError(str(exc.args[0])) from None
        elif typing.get_origin(node) is list:
            if not part.isdigit():
                raise _PathError(f"{parent} is a list: address an element by index ({parent}.0)")
            node = _strip_optional(typing.get_args(node)[0])
        elif node is _OPEN or node is Any or typing.get_origin(node) is dict:
            node = Any
        else:
            raise _PathError(f"{parent} is a value, not a table")
        if typing.get_origin(node) is dict or node is dict:
            node = _OPEN
    # A path may name a whole table or list (``set`` can replace one); ranges
    # check separately that their leaf is a number.
    return node


@functools.lru_cache(maxsize=1024)
def _leaf(path: str) -> Any:
    try:
        return resolve_path(path)
    except _PathError:
        return Any


def _as_leaf(value: Any, path: str) -> Any:
    """A design value as its scenario field wants it: numpy scalars become Python
    ones, and a whole float (``500.0`` from a table) becomes an int for an integer
    field (the schema's types are strict)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and _leaf(path) is int:
        return int(value)
    return value


def _is_numeric(annotation: Any) -> bool:
    if annotation is Any:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_numeric(arg) for arg in typing.get_args(annotation))
    return annotation in (int, float)


def _validate(data: dict[str, Any]) -> Scenario:
    return load_scenario(None, None, data=data)


# ---------------------------------------------------------------- reading
def _flatten(table: dict[str, Any], prefix: str = "", ranges: bool = False) -> dict[str, Any]:
    """Nested TOML tables to dotted key paths (``{low, high}`` tables kept as ranges)."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and ranges and set(value) == {"low", "high"}:
            flat[path] = [value["low"], value["high"]]
        elif isinstance(value, dict) and value:
            flat.update(_flatten(value, path, ranges))
        else:
            flat[path] = value
    return flat


def _spec_error(file: str, exc: ValidationError) -> ScenarioError:
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    # Discriminated unions put the tag in the location: design.grid.parameters.
    if len(loc) >= 2 and loc[0] == "design" and loc[1] in DESIGN_KINDS:
        del loc[1]
    if loc[:1] == ["overrides"]:
        loc[0] = "set"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = ["design", "kind"]
        message = f"must be one of {', '.join(DESIGN_KINDS)}"
    return ScenarioError(file, ".".join(loc) or "(file)", message)


def _read_spec(path: Path, overrides: dict[str, Any] | None = None) -> ExperimentSpec:
    file = str(path)
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ScenarioError(file, "(file)", "file not found") from None
    except IsADirectoryError:
        raise ScenarioError(file, "(file)", "is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(file, "(file)", f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(file, "(file)", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(file, "(file)", "nested too deeply to read") from None
    check_depth(file, raw)
    for key, value in (overrides or {}).items():
        try:
            set_dotted(raw, key, value)
        except OverrideError as exc:
            raise ScenarioError(f"--set {key}={shown(value)}", exc.key, exc.reason) from None
    try:
        return _validate_spec(file, raw)
    except ScenarioError as exc:
        for key, value in (overrides or {}).items():
            if exc.key == key or exc.key.startswith(f"{key}.") or key.startswith(f"{exc.key}."):
                raise ScenarioError(f"--set {key}={shown(value)}", exc.key, exc.reason) from None
        raise


def _validate_spec(file: str, raw: dict[str, Any]) -> ExperimentSpec:
    if isinstance(raw.get("set"), dict):
        raw["set"] = _flatten(raw["set"])
    design = raw.get("design")
    if isinstance(design, dict) and isinstance(design.get("parameters"), dict):
        design["parameters"] = _flatten(
            design["parameters"], ranges=design.get("kind") in RANGE_KINDS
        )
        if design.get("kind") in RANGE_KINDS:
            # A range is written as a TOML list; the schema holds (low, high).
            design["parameters"] = {
                name: tuple(value) if isinstance(value, list) else value
                for name, value in design["parameters"].items()
            }
    uncertainties = raw.get("uncertainties")
    if isinstance(uncertainties, dict) and isinstance(uncertainties.get("parameters"), dict):
        for factor in uncertainties["parameters"].values():
            if isinstance(factor, dict) and isinstance(factor.get("range"), list):
                factor["range"] = tuple(factor["range"])
    try:
        return ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise _spec_error(file, exc) from None


@dataclass
class Experiment:
    """A validated experiment: base scenarios, the design table and the seed plan.

    Attributes
    ----------
    path
        The experiment file.
    spec
        Its settings as written.
    bases
        Scenario data (plain dicts, validated) by name: ``{"base": ...}``, or one
        entry per named scenario of a ``scenarios`` design. ``[set]``, command-line
        overrides and ``steps`` are already applied.
    design
        One row per design point: ``point`` (0, 1, …) and one column per
        parameter (``scenario`` for a ``scenarios`` design).
    parameters
        The parameter columns of :attr:`design`.
    overrides
        Command-line overrides (``--set``), recorded in the manifest.
    hash
        SHA-256 over everything that determines the runs' results (not the
        number of replicates: raising it extends a finished sweep).
    """

    path: Path
    spec: ExperimentSpec
    bases: dict[str, dict[str, Any]]
    design: pd.DataFrame
    parameters: list[str]
    overrides: dict[str, Any] = field(default_factory=dict)
    hash: str = ""

    @property
    def kind(self) -> str:
        return self.spec.design.kind

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def replicates(self) -> int:
        return self.spec.replicates

    @property
    def root_seed(self) -> int:
        return self.spec.root_seed

    @property
    def common_random_numbers(self) -> bool:
        return self.spec.common_random_numbers

    @property
    def n_points(self) -> int:
        return len(self.design)

    @property
    def uncertainties(self) -> Uncertainties | None:
        """The ``[uncertainties]`` table, or None for an experiment without futures."""
        return self.spec.uncertainties

    def seed(self, point: int, replicate: int) -> np.random.SeedSequence:
        """The seed of run (point, replicate).

        With uncertainties and common random numbers, every structure of a
        future shares that future's streams; otherwise see
        :func:`~solsim.experiments.seeds.run_seed`.
        """
        if self.uncertainties is not None and self.common_random_numbers:
            future = int(self.design["future"].iloc[point])
            return future_seed(self.root_seed, future, replicate)
        return run_seed(self.root_seed, point, replicate, self.common_random_numbers)

    @property
    def reference(self) -> str | None:
        """The reference scenario's name (``scenarios`` designs)."""
        return getattr(self.spec.design, "reference", None)

    def point_scenario(self, point: int) -> dict[str, Any]:
        """Scenario data of a design point (a plain dict, ready for validation)."""
        row = self.design.iloc[point]
        if self.kind == "scenarios":
            data = copy.deepcopy(self.bases[row["scenario"]])
        else:
            overrides = {
                name: _as_leaf(self.design[name].iloc[point], name) for name in self.parameters
            }
            data = apply_overrides(self.bases["base"], overrides)
        if self.uncertainties is None:
            return data
        return apply_overrides(data, future_overrides(self.uncertainties, row, data, _as_leaf))

    def problem(self) -> dict[str, Any]:
        """The SALib problem of a range design (names and bounds)."""
        ranges = self.spec.design.parameters
        return {
            "num_vars": len(ranges),
            "names": list(ranges),
            "bounds": [[float(lo), float(hi)] for lo, hi in ranges.values()],
        }

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the experiment."""
        info: dict[str, Any] = {
            "name": self.spec.name,
            "description": self.spec.description,
            "file": str(self.path),
            "hash": self.hash,
            "design_kind": self.kind,
            "parameters": self.parameters,
            "points": self.n_points,
            "replicates": self.replicates,
            "root_seed": self.root_seed,
            "common_random_numbers": self.common_random_numbers,
            "steps": self.spec.steps,
            "agents": self.spec.agents,
            "currency": self.spec.currency,
            "counterfactual": self.spec.counterfactual,
            "set": dict(self.spec.overrides),
            "overrides": dict(self.overrides),
            "scenario_hashes": {
                name: scenario_hash(_validate(data)) for name, data in self.bases.items()
            },
        }
        if self.kind == "scenarios":
            info["reference"] = self.reference
            info["scenarios"] = dict(self.spec.design.scenarios)
        if self.kind in RANGE_KINDS:
            info["problem"] = self.problem()
            info["design_seed"] = design_seed(self.root_seed)
        if self.uncertainties is not None:
            info["uncertainties"] = self.uncertainties.describe()
            for name, factor in self.uncertainties.parameters.items():
                # Structures it is set in (an instrument's factor: those with it).
                info["uncertainties"][name]["applies_to"] = [
                    structure
                    for structure, data in self.bases.items()
                    if all(applicable(path, data) for path in factor.paths)
                ]
            info["futures"] = self.uncertainties.samples
            info["futures_report"] = {
                "failure": list(self.uncertainties.failure),
                "satisfy": list(self.uncertainties.satisfy),
                "metrics": list(self.uncertainties.metrics),
            }
        if self.kind == "sobol":
            info["second_order"] = self.spec.design.second_order
            info["samples"] = self.spec.design.samples
        if self.kind == "morris":
            info["levels"] = self.spec.design.levels
            info["trajectories"] = self.spec.design.trajectories
        return info


def _rewrap(exc: ScenarioError, file: str, prefix: str, keys: list[str]) -> ScenarioError:
    """A validation error of an overridden scenario, reported against the experiment file."""
    key = exc.key
    if any(key == k or key.startswith(k + ".") or k.startswith(key + ".") for k in keys):
        key = f"{prefix}{key}"
    return ScenarioError(file, key, exc.reason)


def _check_paths(file: str, prefix: str, paths: list[str]) -> dict[str, Any]:
    leaves = {}
    for path in paths:
        try:
            leaves[path] = resolve_path(path)
        except _PathError as exc:
            raise ScenarioError(file, f"{prefix}{path}", str(exc)) from None
    return leaves


def _overridden(file: str, prefix: str, data: dict[str, Any], overrides: dict[str, Any]):
    """Apply overrides to scenario data and validate; errors name the experiment file."""
    _check_paths(file, prefix, list(overrides))
    try:
        merged = apply_overrides(data, overrides)
    except (_PathError, OverrideError) as exc:
        raise ScenarioError(file, prefix.rstrip("."), str(exc)) from None
    try:
        scenario = _validate(merged)
    except ScenarioError as exc:
        raise _rewrap(exc, file, prefix, list(overrides)) from None
    return scenario.model_dump(mode="json")


def _load_base(file: str, key: str, base_dir: Path, relative: str) -> dict[str, Any]:
    path = base_dir / relative
    if not path.is_file():
        raise ScenarioError(file, key, f"scenario file not found: {relative}")
    return load_scenario(path).model_dump(mode="json")


def _rounded(values: np.ndarray, leaf: Any) -> np.ndarray:
    return np.rint(values).astype(np.int64) if leaf is int else values


def _sampled_design(
    file: str, spec: ExperimentSpec, problem: dict[str, Any], seed: int
) -> np.ndarray:
    # SALib is imported here: it is an optional extra (``solsim[sensitivity]``).
    design = spec.design
    try:
        if design.kind == "lhs":
            from SALib.sample import latin

            return latin.sample(problem, design.samples, seed=seed)
        if design.kind == "sobol":
            from SALib.sample import sobol

            return sobol.sample(
                problem, design.samples, calc_second_order=design.second_order, seed=seed
            )
        from SALib.sample import morris

        return morris.sample(problem, design.trajectories, num_levels=design.levels, seed=seed)
    except ImportError:
        raise ScenarioError(
            file,
            "design.kind",
            f"{design.kind} designs need SALib: pip install 'solsim[sensitivity]'",
        ) from None


def _read_table(file: str, base_dir: Path, relative: str) -> tuple[Path, pd.DataFrame]:
    path = base_dir / relative
    if not path.is_file():
        raise ScenarioError(file, "design.path", f"file not found: {relative}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            table = pd.read_csv(path)
        elif suffix in (".parquet", ".pq"):
            table = pd.read_parquet(path)
        else:
            raise ScenarioError(file, "design.path", "must be a .csv or .parquet file")
    except ScenarioError:
        raise
    except Exception as exc:
        raise ScenarioError(str(path), "(file)", f"cannot read the design table: {exc}") from None
    if table.empty or not len(table.columns):
        raise ScenarioError(str(path), "(file)", "the design table has no rows or no columns")
    return path, table


def _canonical(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def experiment_hash(
    bases: dict[str, dict[str, Any]], design: pd.DataFrame, spec: ExperimentSpec
) -> str:
    """SHA-256 of what determines the runs: scenarios, design, seeds, saved tables."""
    payload = {
        "format": FORMAT,
        "bases": {name: scenario_hash(_validate(data)) for name, data in sorted(bases.items())},
        "kind": spec.design.kind,
        "design": {
            column: [_canonical(v) for v in design[column].tolist()] for column in design.columns
        },
        "root_seed": spec.root_seed,
        "common_random_numbers": spec.common_random_numbers,
        "agents": spec.agents,
    }
    if spec.design.kind == "scenarios":
        payload["reference"] = spec.design.reference
    if spec.counterfactual is not None:
        # Added only when set, so experiments without one keep their hash.
        payload["counterfactual"] = spec.counterfactual
    if spec.uncertainties is not None:
        # Names are design columns; what each sets is part of the experiment too
        # (its label and unit are not: they change no result).
        payload["uncertainties"] = {
            name: {"paths": f.paths, "range": list(f.range)}
            for name, f in spec.uncertainties.parameters.items()
        }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def _n_points(spec: ExperimentSpec) -> int | None:
    """Design points a design will have, before it is made (None: read from a file)."""
    design = spec.design
    if design.kind == "grid":
        return int(np.prod([len(v) for v in design.parameters.values()], dtype=object))
    if design.kind == "lhs":
        return design.samples
    if design.kind == "sobol":
        d = len(design.parameters)
        return design.samples * ((2 * d + 2) if design.second_order else (d + 2))
    if design.kind == "morris":
        return design.trajectories * (len(design.parameters) + 1)
    if design.kind == "scenarios":
        return len(design.scenarios)
    return None


def _check_size(file: str, spec: ExperimentSpec) -> None:
    """Refuse a design too big to hold before it is made (a grid's product, samples)."""
    points = _n_points(spec)
    if points is None:
        return
    if spec.uncertainties is not None:
        points *= spec.uncertainties.samples
    key = "design.parameters" if spec.design.kind == "grid" else "design"
    if points > MAX_POINTS:
        raise ScenarioError(
            file, key, f"{points:,} design points; at most {MAX_POINTS:,} are allowed"
        )
    if points * spec.replicates > MAX_RUNS:
        raise ScenarioError(
            file,
            "replicates",
            f"{points:,} points × {spec.replicates:,} replicates is more than the "
            f"{MAX_RUNS:,} runs a sweep may hold",
        )


def _check_points(file: str, prefix: str, base: dict[str, Any], points) -> None:
    """Validate every design point before any run; list the invalid ones."""
    bad: list[str] = []
    count = 0
    first: tuple[str, str] | None = None
    for index, values in enumerate(points):
        try:
            _validate(apply_overrides(base, values))
        except (ScenarioError, _PathError, OverrideError) as exc:
            key = getattr(exc, "key", "")
            reason = getattr(exc, "reason", str(exc))
            count += 1
            if first is None:
                first = (key, reason)
            if len(bad) < _LISTED:
                bad.append(str(index))
    if first is None:
        return
    key, reason = first
    if count == 1:
        raise ScenarioError(file, f"{prefix}{key}", f"{reason} (design point {bad[0]})")
    more = f" and {count - len(bad)} more" if count > len(bad) else ""
    raise ScenarioError(
        file,
        f"{prefix}{key}",
        f"{reason}; {count} design points are invalid: {', '.join(bad)}{more}",
    )


def _crossed(
    file: str,
    spec: ExperimentSpec,
    bases: dict[str, dict[str, Any]],
    structures: pd.DataFrame,
    parameters: list[str],
) -> pd.DataFrame:
    """Every structure in every sampled future, future-major; each point validated."""
    uncertainties = spec.uncertainties
    assert uncertainties is not None
    if spec.design.kind not in LEVER_KINDS:
        raise ScenarioError(
            file,
            "uncertainties",
            f"uncertainties cross a design of structures ({', '.join(LEVER_KINDS)}); "
            f"a {spec.design.kind!r} design samples parameters itself",
        )
    clash = sorted(set(uncertainties.parameters) & set(structures.columns))
    if clash:
        raise ScenarioError(
            file, f"uncertainties.parameters.{clash[0]}", "also a column of the design"
        )
    integer: dict[str, bool] = {}
    for name, factor in uncertainties.parameters.items():
        key = f"uncertainties.parameters.{name}"
        leaves = {}
        for path in factor.paths:
            try:
                leaves[path] = resolve_path(path)
            except _PathError as exc:
                raise ScenarioError(file, f"{key}.path", f"{path}: {exc}") from None
        if not all(_is_numeric(leaf) for leaf in leaves.values()):
            raise ScenarioError(file, f"{key}.path", "a range needs a numeric scenario key")
        low, high = factor.range
        if low >= high:
            raise ScenarioError(
                file, f"{key}.range", f"low ({low:g}) must be below high ({high:g})"
            )
        integer[name] = any(leaf is int for leaf in leaves.values())
    futures = sample_futures(uncertainties, design_seed(spec.root_seed), integer)
    rows = [
        {"future": f["future"], **s, **{n: f[n] for n in uncertainties.parameters}}
        for f in futures.to_dict("records")
        for s in structures.to_dict("records")
    ]
    table = pd.DataFrame(rows, columns=["future", *structures.columns, *uncertainties.parameters])
    for name in uncertainties.parameters:
        table[name] = table[name].astype(futures[name].dtype)
    # Validate each (future, structure): a sampled value may break a cross-field
    # rule in one structure only (a shock that outlasts the run, shares above 1).
    for _, row in table.iterrows():
        if spec.design.kind == "scenarios":
            data = bases[row["scenario"]]
        else:
            values = {n: _as_leaf(row[n], n) for n in parameters}
            data = apply_overrides(bases["base"], values)
        try:
            _validate(apply_overrides(data, future_overrides(uncertainties, row, data, _as_leaf)))
        except (ScenarioError, _PathError, OverrideError) as exc:
            reason = getattr(exc, "reason", str(exc))
            where = getattr(exc, "key", "")
            factor = next(
                (n for n, u in uncertainties.parameters.items() if where in u.paths),
                None,
            )
            key = f"uncertainties.parameters.{factor}" if factor else "uncertainties"
            raise ScenarioError(
                file,
                key,
                f"{where}: {reason} (future {int(row['future'])}; narrow the range)",
            ) from None
    return table


def load_experiment(path: str | Path, overrides: dict[str, Any] | None = None) -> Experiment:
    """Read, validate and expand an experiment file.

    Parameters
    ----------
    path
        The experiment TOML file.
    overrides
        Dotted scenario key paths to values (``--set``), applied to every point
        after the file's own ``[set]`` table.

    Returns
    -------
    Experiment

    Raises
    ------
    ScenarioError
        Naming the file (the experiment, a scenario or a design table), the key
        path and the reason.
    """
    path = Path(path)
    file = str(path)
    every = dict(overrides or {})
    spec = _read_spec(path, {k: v for k, v in every.items() if is_experiment_key(k)})
    base_dir = path.parent
    design = spec.design
    overrides = {k: v for k, v in every.items() if not is_experiment_key(k)}
    _check_size(file, spec)

    # Base scenarios, with [set], --set and steps applied.
    if design.kind == "scenarios":
        if spec.scenario is not None:
            raise ScenarioError(
                file, "scenario", "not used by a 'scenarios' design (list the files in it)"
            )
        if len(design.scenarios) < 2:
            raise ScenarioError(file, "design.scenarios", "list at least two scenario files")
        if design.reference not in design.scenarios:
            raise ScenarioError(
                file,
                "design.reference",
                f"{design.reference!r} is not one of the scenarios ({', '.join(design.scenarios)})",
            )
        raw = {
            name: _load_base(file, f"design.scenarios.{name}", base_dir, rel)
            for name, rel in design.scenarios.items()
        }
    else:
        if spec.scenario is None:
            raise ScenarioError(file, "scenario", "required: the base scenario file")
        raw = {"base": _load_base(file, "scenario", base_dir, spec.scenario)}
    bases = {}
    for name, data in raw.items():
        # [set] and steps first, the command line last (it wins, even over steps).
        data = _overridden(file, "set.", data, spec.overrides)
        if spec.steps is not None and "steps" not in overrides:
            try:
                data = _overridden(file, "", data, {"steps": spec.steps})
            except ScenarioError as exc:
                # e.g. a scheduled shock after the last month: say it is about steps.
                reason = exc.reason if exc.key == "steps" else f"{exc.key}: {exc.reason}"
                raise ScenarioError(file, "steps", reason) from None
        bases[name] = _overridden(file, "", data, overrides)

    # The design table.
    parameters: list[str]
    if design.kind == "scenarios":
        table = pd.DataFrame({"scenario": list(design.scenarios)})
        parameters = []
    elif design.kind == "table":
        table_path, table = _read_table(file, base_dir, design.path)
        parameters = [str(c) for c in table.columns]
        _check_paths(str(table_path), "", parameters)
        for row, column in itertools.product(range(len(table)), parameters):
            if pd.isna(table[column].iloc[row]):
                raise ScenarioError(str(table_path), column, f"missing value in row {row + 1}")
        for row in range(len(table)):
            values = {name: _as_leaf(table[name].iloc[row], name) for name in parameters}
            try:
                _validate(apply_overrides(bases["base"], values))
            except (ScenarioError, _PathError, OverrideError) as exc:
                key = getattr(exc, "key", "")
                reason = getattr(exc, "reason", str(exc))
                raise ScenarioError(str(table_path), f"{key} (row {row + 1})", reason) from None
        table = table.reset_index(drop=True)
    elif design.kind == "grid":
        parameters = list(design.parameters)
        if not parameters:
            raise ScenarioError(file, "design.parameters", "list at least one parameter")
        _check_paths(file, "design.parameters.", parameters)
        for name, values in design.parameters.items():
            if not values:
                raise ScenarioError(file, f"design.parameters.{name}", "list at least one value")
        combos = list(itertools.product(*design.parameters.values()))
        table = pd.DataFrame(combos, columns=parameters)
        _check_points(
            file,
            "design.parameters.",
            bases["base"],
            (dict(zip(parameters, combo, strict=True)) for combo in combos),
        )
    else:
        parameters = list(design.parameters)
        if not parameters:
            raise ScenarioError(file, "design.parameters", "list at least one parameter")
        leaves = _check_paths(file, "design.parameters.", parameters)
        for name, (low, high) in design.parameters.items():
            key = f"design.parameters.{name}"
            if not _is_numeric(leaves[name]):
                raise ScenarioError(file, key, "a range needs a numeric scenario key")
            if not np.isfinite(low) or not np.isfinite(high):
                raise ScenarioError(file, key, "low and high must be finite numbers")
            if low >= high:
                raise ScenarioError(file, key, f"low ({low:g}) must be below high ({high:g})")
            for end in (low, high):
                value = _rounded(np.array([end]), leaves[name])[0]
                try:
                    _validate(apply_overrides(bases["base"], {name: value}))
                except ScenarioError as exc:
                    raise ScenarioError(
                        file, key, f"{end:g} is out of range: {exc.reason}"
                    ) from None
        if design.kind == "sobol" and design.samples & (design.samples - 1):
            raise ScenarioError(
                file, "design.samples", "must be a power of two (Sobol sequences balance only then)"
            )
        if design.kind == "morris" and design.levels % 2:
            raise ScenarioError(file, "design.levels", "must be even")
        problem = {
            "num_vars": len(parameters),
            "names": parameters,
            "bounds": [[float(lo), float(hi)] for lo, hi in design.parameters.values()],
        }
        sample = _sampled_design(file, spec, problem, design_seed(spec.root_seed))
        table = pd.DataFrame(
            {name: _rounded(sample[:, j], leaves[name]) for j, name in enumerate(parameters)}
        )
        # Every sampled point, not only the ends of each range: cross-field
        # rules (shares that must not add up beyond 1) bind inside the box.
        _check_points(
            file,
            "design.parameters.",
            bases["base"],
            (
                {name: _as_leaf(table[name].iloc[row], name) for name in parameters}
                for row in range(len(table))
            ),
        )
    if spec.uncertainties is not None:
        table = _crossed(file, spec, bases, table, parameters)
    table.insert(0, "point", np.arange(len(table), dtype=np.int64))
    if len(table) * spec.replicates > MAX_RUNS:
        raise ScenarioError(
            file,
            "replicates",
            f"{len(table):,} points × {spec.replicates:,} replicates is more than the "
            f"{MAX_RUNS:,} runs a sweep may hold",
        )
    experiment = Experiment(
        path=path,
        spec=spec,
        bases=bases,
        design=table,
        parameters=parameters,
        overrides=every,
    )
    experiment.hash = experiment_hash(bases, table, spec)
    return experiment
