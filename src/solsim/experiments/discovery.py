"""Scenario discovery: in which futures does an outcome happen?

Given a sweep whose design crosses structures with sampled uncertainties (see
:mod:`~solsim.experiments.uncertainty`) and an outcome expression (see
:mod:`~solsim.experiments.outcome`), PRIM (the Patient Rule Induction Method of
Friedman & Fisher 1999, as implemented by the EMA Workbench) looks for boxes of
the uncertainty space where the outcome is frequent, and extra-trees feature
scoring (the EMA Workbench's too) ranks the factors by how much they tell about
it. Each run (future, structure, replicate) is one case.

A box is described by

``coverage``
    the share of all cases of interest that fall inside it;
``density``
    the share of the cases inside it that are of interest;
``mass``
    the share of all cases inside it.

PRIM peels a box step by step, trading coverage for density; the box reported
is the point of that peeling trajectory with the highest coverage among those
whose density reaches ``threshold`` (the highest density if none does), among
the points restricting at most ``max_restrictions`` factors when that is given
(a box a reader can hold in mind). PRIM's first peels trim every factor a
little; the box is then simplified: restrictions are dropped one at a time,
the one whose removal costs the least density first, while the density stays
within ``tolerance`` of the chosen box's (dropping one only widens the box, so
coverage never falls). Each restriction carries its quasi-p value
(Bryant & Lempert 2010: how likely chance alone would have made it); with
``significance`` set, restrictions above it are dropped. Later boxes are
searched among the cases the earlier ones left out.

A factor that applies to some structures only (mutual-credit acceptance, where
some structures have no mutual credit) is left out unless every structure
analysed has it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from solsim.errors import ScenarioError
from solsim.experiments.outcome import Outcome, parse_outcome
from solsim.experiments.results import Results

__all__ = [
    "Box",
    "Discovery",
    "box_sentence",
    "discover",
    "discovery_inputs",
    "factor_value",
]

#: The design column that names a structure, as PRIM sees it (EMA drops "scenario").
STRUCTURE = "structure"
#: What to do when the EMA Workbench is not installed.
MISSING = "scenario discovery needs the EMA Workbench: pip install 'solsim[discovery]'"
#: Summary columns that are settings or bookkeeping, never outcomes.
_NOT_OUTCOMES = frozenset({"point", "replicate", "steps", "shock_start"})


@dataclass(frozen=True)
class Limit:
    """How a box restricts one factor: a numeric range or a set of categories."""

    factor: str
    low: float = math.nan
    high: float = math.nan
    lower_bound: bool = False  # whether ``low`` cuts into the factor's range
    upper_bound: bool = False
    categories: tuple[str, ...] = ()
    quasi_p: float = math.nan


@dataclass
class Box:
    """One PRIM box: its restrictions and statistics."""

    number: int
    limits: list[Limit]
    coverage: float
    density: float
    mass: float
    cases: int
    inside: int
    trajectory: pd.DataFrame
    selected: int

    def table(self) -> pd.DataFrame:
        """One row per restricted factor: ``box``, ``factor``, ``low``, ``high``, ``categories``."""
        return pd.DataFrame(
            [
                {
                    "box": self.number,
                    "factor": limit.factor,
                    "low": limit.low,
                    "high": limit.high,
                    "categories": " | ".join(limit.categories),
                    "quasi_p": limit.quasi_p,
                }
                for limit in self.limits
            ],
            columns=["box", "factor", "low", "high", "categories", "quasi_p"],
        )


@dataclass
class Discovery:
    """What :func:`discover` found."""

    outcome: str
    n: int
    cases: int
    boxes: list[Box]
    scores: pd.DataFrame
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)

    def boxes_table(self) -> pd.DataFrame:
        """One row per box: ``box``, ``coverage``, ``density``, ``mass``, ``restricted``."""
        return pd.DataFrame(
            [
                {
                    "box": b.number,
                    "coverage": b.coverage,
                    "density": b.density,
                    "mass": b.mass,
                    "inside": b.inside,
                    "restricted": ", ".join(limit.factor for limit in b.limits),
                }
                for b in self.boxes
            ],
            columns=["box", "coverage", "density", "mass", "inside", "restricted"],
        )

    def limits_table(self) -> pd.DataFrame:
        frames = [b.table() for b in self.boxes]
        if not frames:
            return Box(0, [], 0, 0, 0, 0, 0, pd.DataFrame(), 0).table()
        return pd.concat(frames, ignore_index=True)


def discovery_inputs(
    results: Results, outcome: str | Outcome, structure: str | None = None
) -> tuple[pd.DataFrame, np.ndarray, Outcome]:
    """The factors of every finished run and whether its outcome happened.

    Parameters
    ----------
    results
        A sweep with uncertainties.
    outcome
        An outcome expression over the summary columns.
    structure
        Only the runs of this structure (a scenario's name); by default every
        structure, with the structure as a factor of its own.

    Returns
    -------
    x, y, outcome
        ``x``: one row per run, one column per uncertainty (and the levers);
        ``y``: booleans.

    Raises
    ------
    ScenarioError
        A directory without uncertainties, or an unknown structure.
    OutcomeError
        An expression outside the grammar or naming an unknown column.
    """
    info = results.experiment
    uncertainties = list((info.get("uncertainties") or {}).keys())
    if not uncertainties:
        raise ScenarioError(
            str(results.directory),
            "(dir)",
            "the sweep has no uncertainties (add an [uncertainties] table to the experiment)",
        )
    parsed = outcome if isinstance(outcome, Outcome) else parse_outcome(outcome)
    summaries = results.summaries
    parsed.check(c for c in summaries.columns if c not in _NOT_OUTCOMES)
    frame = results.with_design(summaries)
    levers = [c for c in info.get("parameters") or [] if c in frame.columns]
    chosen: set[str] | None = None
    if "scenario" in frame.columns:
        names = list(dict.fromkeys(results.design["scenario"]))
        if structure is not None:
            if structure not in names:
                raise ScenarioError(
                    str(results.directory),
                    "--structure",
                    f"{structure!r} is not a structure of the sweep ({', '.join(names)})",
                )
            frame = frame[frame["scenario"] == structure]
            chosen = {structure}
        else:
            chosen = set(names)
            if len(names) > 1:
                frame = frame.assign(**{STRUCTURE: frame["scenario"].astype(str)})
                levers.append(STRUCTURE)
    elif structure is not None:
        raise ScenarioError(
            str(results.directory), "--structure", "only a 'scenarios' design names structures"
        )
    frame = frame.reset_index(drop=True)
    if chosen is not None:
        spec = info["uncertainties"]
        uncertainties = [
            name for name in uncertainties if chosen <= set(spec[name].get("applies_to", chosen))
        ]
    x = frame[uncertainties + levers].copy()
    y = parsed.evaluate(frame)
    return x, y, parsed


def _limits(box_lims: pd.DataFrame, init: pd.DataFrame, p_values: dict[str, float]) -> list[Limit]:
    """The factors a box restricts, compared with the box of every case."""
    limits = []
    for factor in init.columns:
        own, whole = box_lims[factor], init[factor]
        if isinstance(whole.iloc[0], set):
            if own.iloc[0] != whole.iloc[0]:
                categories = tuple(sorted(map(str, own.iloc[0])))
                limits.append(
                    Limit(factor, categories=categories, quasi_p=p_values.get(factor, math.nan))
                )
            continue
        low, high = float(own.iloc[0]), float(own.iloc[1])
        cut_low, cut_high = low > float(whole.iloc[0]), high < float(whole.iloc[1])
        if cut_low or cut_high:
            limits.append(
                Limit(factor, low, high, cut_low, cut_high, quasi_p=p_values.get(factor, math.nan))
            )
    return limits


def _pick(trajectory: pd.DataFrame, threshold: float, max_restrictions: int | None) -> int:
    """The trajectory point with the highest coverage among those dense enough."""
    if max_restrictions is not None:
        trajectory = trajectory[trajectory["res_dim"] <= max_restrictions]
    dense = trajectory[trajectory["density"] >= threshold]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    best = dense.sort_values(["coverage", "density"], ascending=False, kind="stable")
    return int(best.index[0])


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    outcome: str = "",
    threshold: float = 0.8,
    significance: float | None = None,
    max_restrictions: int | None = None,
    tolerance: float = 0.05,
    max_boxes: int = 3,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    seed: int = 0,
) -> Discovery:
    """PRIM boxes and feature scores of a boolean outcome over a table of factors.

    Parameters
    ----------
    x
        One row per case, one column per factor (numbers, or strings for
        categories).
    y
        Whether each case is of interest.
    outcome
        The expression, recorded in the result.
    threshold
        The density a box must reach to be reported (later boxes are kept only
        if they reach it too).
    significance
        If given, restrictions with a larger quasi-p value are dropped.
    max_restrictions
        If given, only boxes restricting at most this many factors.
    tolerance
        The density a simplified box may lose against the one chosen (0: no
        simplification).
    max_boxes
        At most this many boxes.
    peel_alpha, mass_min
        PRIM's share peeled at each step and smallest box.
    seed
        Of the extra-trees feature scoring.

    Returns
    -------
    Discovery
    """
    import warnings

    with warnings.catch_warnings():
        # The workbench warns on import about evaluators solsim does not use.
        warnings.simplefilter("ignore", UserWarning)
        try:
            from ema_workbench.analysis import feature_scoring, prim
            from ema_workbench.util import ema_logging
        except ImportError:
            raise ImportError(MISSING) from None

    ema_logging.get_rootlogger().setLevel("WARNING")
    y = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True)
    numeric = x.select_dtypes(include=np.number).columns
    x = x.astype({c: np.float64 for c in numeric})
    cases = int(y.sum())
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in numeric}
    with warnings.catch_warnings():
        # The workbench's own pandas deprecations are not the caller's concern.
        warnings.filterwarnings("ignore", module="ema_workbench")
        boxes = _boxes(
            prim,
            x,
            y,
            threshold,
            significance,
            max_restrictions,
            tolerance,
            max_boxes,
            peel_alpha,
            mass_min,
        )
    scores = _scores(feature_scoring, x, y, seed)
    return Discovery(
        outcome=outcome, n=len(y), cases=cases, boxes=boxes, scores=scores, ranges=ranges
    )


def _boxes(
    prim,
    x,
    y,
    threshold,
    significance,
    max_restrictions,
    tolerance,
    max_boxes,
    peel_alpha,
    mass_min,
) -> list[Box]:
    """Up to ``max_boxes`` boxes, each chosen on its peeling trajectory."""
    boxes: list[Box] = []
    cases = int(y.sum())
    if cases > 0:
        finder = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        init = finder.box_init
        for number in range(1, max_boxes + 1):
            found = finder.find_box()
            if found is None:
                break
            trajectory = found.peeling_trajectory.reset_index(drop=True)
            chosen = _pick(trajectory, threshold, max_restrictions)
            if number > 1 and trajectory["density"].iloc[chosen] < threshold:
                break
            found.select(chosen)
            final = _simplify(found, chosen, tolerance) if tolerance > 0 else chosen
            if significance is not None:
                final = _drop_insignificant(found, chosen, significance)
            stats = found.peeling_trajectory.iloc[final]
            boxes.append(
                Box(
                    number=number,
                    limits=_limits(found.box_lims[final], init, _quasi_p(found, final)),
                    coverage=float(stats["coverage"]),
                    density=float(stats["density"]),
                    mass=float(stats["mass"]),
                    cases=cases,
                    inside=int(stats["n"]),
                    trajectory=trajectory[["coverage", "density", "mass", "res_dim"]].copy(),
                    selected=chosen,
                )
            )
            if boxes[-1].density < threshold or not boxes[-1].limits:
                break
    return boxes


def _inside(x: pd.DataFrame, lims: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie inside box limits (numbers: both ends included)."""
    inside = np.ones(len(x), dtype=bool)
    for column in lims.columns:
        bound = lims[column]
        if isinstance(bound.iloc[0], set):
            inside &= x[column].isin(bound.iloc[0]).to_numpy()
        else:
            values = x[column].to_numpy(dtype=np.float64)
            inside &= (values >= float(bound.iloc[0])) & (values <= float(bound.iloc[1]))
    return inside


def _simplify(found, chosen: int, tolerance: float) -> int:
    """Drop restrictions greedily while the density stays within ``tolerance``;
    the final trajectory index."""
    finder = found.prim
    x = finder.x.loc[finder.yi_remaining]
    y = np.asarray(finder.y[finder.yi_remaining], dtype=np.float64)
    init = finder.box_init
    lims = found.box_lims[chosen].copy()
    floor = float(found.peeling_trajectory["density"].iloc[chosen]) - tolerance
    restricted = [limit.factor for limit in _limits(lims, init, {})]
    dropped = []
    while len(restricted) > 1:
        trials = []
        for factor in restricted:
            trial = lims.copy()
            trial[factor] = init[factor]
            inside = _inside(x, trial)
            trials.append((y[inside].mean() if inside.any() else 0.0, factor))
        density, factor = max(trials)
        if density < floor:
            break
        lims[factor] = init[factor]
        restricted.remove(factor)
        dropped.append(factor)
    for factor in dropped:
        found.drop_restriction(factor)  # each from the box the last one left
    return len(found.peeling_trajectory) - 1 if dropped else chosen


def _quasi_p(found, index: int) -> dict[str, float]:
    """Each restricted factor's quasi-p value at a trajectory point (the larger of
    its two ends' values; the workbench writes −1 for an end left free)."""
    return {
        factor: max((float(p) for p in pair if p >= 0), default=math.nan)
        for factor, pair in found.p_values[index].items()
    }


def _drop_insignificant(found, chosen: int, significance: float) -> int:
    """Drop the restrictions chance alone could explain; the final trajectory index."""
    p_values = _quasi_p(found, chosen)
    weak = sorted((f for f, p in p_values.items() if p > significance), key=p_values.get)
    if not weak or len(weak) == len(p_values):
        return chosen
    for factor in reversed(weak):  # the weakest first
        found.drop_restriction(factor)
    return len(found.peeling_trajectory) - 1


def _scores(feature_scoring, x: pd.DataFrame, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Extra-trees feature scores (0 for every factor when the outcome never varies)."""
    if y.all() or not y.any():
        return pd.DataFrame({"factor": list(x.columns), "score": 0.0})
    import warnings

    with warnings.catch_warnings():
        # Out-of-bag estimates warn on small samples; the scores are still valid.
        warnings.simplefilter("ignore", UserWarning)
        result = feature_scoring.get_ex_feature_scores(
            x,
            y.astype(int),
            mode=feature_scoring.RuleInductionType.CLASSIFICATION,
            random_state=seed,
        )
    scores = result[0]
    frame = scores.reset_index()
    frame.columns = ["factor", "score"]
    return frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------ words
def factor_value(value: float, unit: str = "") -> str:
    """A factor's value in words: ``30%`` (share), ``15 months``, ``0.25``."""
    if unit == "share":
        return f"{value * 100:.3g}%"
    text = f"{value:.3g}"
    return f"{text} {unit}" if unit else text


def _condition(limit: Limit, label: str, unit: str) -> str:
    if limit.categories:
        return f"{label} is {' or '.join(limit.categories)}"
    low, high = factor_value(limit.low, unit), factor_value(limit.high, unit)
    if limit.lower_bound and limit.upper_bound:
        return f"{label} is between {low} and {high}"
    if limit.lower_bound:
        return f"{label} is more than {low}"
    return f"{label} is less than {high}"


def box_sentence(
    box: Box, outcome_words: str, factors: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """A box in plain language.

    ``"co-op failure hazard is above 12% a year in 83% of the futures where the
    recession lasts more than 15 months and ...; those futures hold 71% of all
    such cases."``

    Parameters
    ----------
    box
        From :func:`discover`.
    outcome_words
        The outcome in words (see :meth:`~solsim.experiments.outcome.Outcome.describe`).
    factors
        Per factor, its ``label`` and ``unit`` (the manifest's uncertainties).
    """
    factors = factors or {}

    def words(limit: Limit) -> str:
        spec = factors.get(limit.factor, {})
        label = spec.get("label") or (
            "the structure" if limit.factor == STRUCTURE else limit.factor.replace("_", " ")
        )
        return _condition(limit, label, spec.get("unit", ""))

    if not box.limits:
        where = "all the futures"
    else:
        where = "the futures where " + " and ".join(words(limit) for limit in box.limits)
    return (
        f"{outcome_words} in {box.density:.0%} of {where}; those futures hold "
        f"{box.coverage:.0%} of all such cases."
    )
