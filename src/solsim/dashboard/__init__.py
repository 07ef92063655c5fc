"""A live dashboard over :class:`~solsim.model.SolidarityEconomy`, for a workshop.

Start it from the command line with ``solsim dashboard`` (a Solara server on
127.0.0.1, serving :mod:`solsim.dashboard.app`), or show it in a Jupyter notebook::

    from solsim.dashboard import page
    page                      # the last expression of a cell displays the app

    from solsim.dashboard import make_page
    make_page("scenarios/baseline.toml")   # the same app over another scenario

It is written for a participant working alone. The sidebar holds the run's
buttons (Step, Play, To the end, and a Speed slider) and one control per
setting, grouped as the economy, the risk-sharing tools and the recession; each
control shows its value in words, with its unit, at all times. Changed settings
wait, listed, until *Apply and restart* starts a new run with them; the header
always shows the settings in force. The main area has two tabs: *This run*
(the month's numbers and four metrics over time, with the previous run dashed
for comparison, and the trade graph) and *With and without* (two whole runs
with the same seed, one with a chosen tool and one without, overlaid, with
their difference).

This module holds the parts that need no Solara: the controls as plain data
(:func:`controls`), the model Mesa and the page build from them
(:func:`dashboard_model`) and the with-and-without comparison
(:func:`with_and_without`). Pictures are in :mod:`solsim.dashboard.figures`, the
Solara page in :mod:`solsim.dashboard.ui`. :func:`model_params` still gives
Mesa's ``model_params``, so the same model runs in Mesa's own ``SolaraViz``.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from solsim.dashboard.figures import fmt, graph_figure, metrics_figure, trade_layout
from solsim.engine.instruments import Control as DeclaredControl
from solsim.engine.instruments import available, declared, get
from solsim.engine.params import Scenario
from solsim.model import SolidarityEconomy
from solsim.scenario import load_scenario

__all__ = [
    "GRAPH_MAX_HOUSEHOLDS",
    "SCENARIO_ENV",
    "Comparison",
    "Control",
    "DashboardEconomy",
    "base_scenario",
    "controls",
    "dashboard_model",
    "default_scenario",
    "describe_settings",
    "graph_figure",
    "instrument_rows",
    "make_page",
    "metrics_figure",
    "model_params",
    "opening_tool",
    "page",
    "settings_to_overrides",
    "tools",
    "trade_layout",
    "with_and_without",
]

#: Environment variable naming the scenario file the dashboard starts from
#: (``solsim dashboard --scenario FILE`` sets it for the server it starts).
SCENARIO_ENV = "SOLSIM_DASHBOARD_SCENARIO"

#: The trade graph is drawn only for economies up to this many households; larger
#: ones get it in words (:func:`solsim.dashboard.figures.graph_summary`).
GRAPH_MAX_HOUSEHOLDS = 300


# ---------------------------------------------------------------------------
# controls: sliders and checkboxes as plain data


@dataclass(frozen=True)
class Control:
    """One setting of the dashboard: a slider or a checkbox.

    Attributes
    ----------
    name
        Keyword argument of the dashboard model.
    label
        What the participant reads above the control.
    kind
        ``"int"``, ``"float"`` or ``"bool"``.
    value
        The starting value.
    min, max, step
        The slider's range and step (unused for a checkbox).
    unit
        How a value reads, ``{}`` standing for the number: ``"{} households"``,
        ``"{}% of each defaulted loan"``. A ``%`` right after ``{}`` shows the
        value times 100.
    off
        What 0 (or an unticked box) reads, when it switches something off.
    help
        One line on what the setting does in the economy.
    group
        The heading the control sits under.
    """

    name: str
    label: str
    kind: str
    value: Any
    min: float = 0.0
    max: float = 1.0
    step: float = 1.0
    unit: str = "{}"
    off: str | None = None
    help: str = ""
    group: str = "Economy"

    def spec(self) -> dict[str, Any]:
        """The control as one entry of Mesa's ``model_params``."""
        if self.kind == "bool":
            return {"type": "Checkbox", "value": bool(self.value), "label": self.label}
        kind = "SliderInt" if self.kind == "int" else "SliderFloat"
        return {
            "type": kind,
            "value": self.value,
            "label": self.label,
            "min": self.min,
            "max": self.max,
            "step": self.step,
        }

    def clip(self, value: Any) -> Any:
        """``value`` of the right type and inside the control's range."""
        if self.kind == "bool":
            return bool(value)
        value = min(max(float(value), self.min), self.max)
        return round(value) if self.kind == "int" else value

    def describe(self, value: Any) -> str:
        """``value`` in words with its unit: ``"50% of each defaulted loan"``, ``"off"``."""
        value = self.clip(value)
        if self.off is not None and not value:
            return self.off
        if self.kind == "bool":
            return "on"
        if "{}%" in self.unit:
            return self.unit.replace("{}%", f"{100 * value:.0f}%")
        decimals = max(0, -math.floor(math.log10(self.step))) if self.step < 1 else 0
        return self.unit.replace("{}", f"{value:,.{decimals}f}")


@dataclass(frozen=True)
class _InstrumentControl:
    """A control for one instrument and how its value becomes a settings table.

    ``to_table(value)`` returns the ``[instruments.<name>]`` table, or None when
    the value switches the instrument off; ``on`` is the value that switches it
    on at its usual setting (what the with-and-without view compares against off).
    """

    control: Control
    to_table: Callable[[Any], dict[str, Any] | None]
    on: Any


def default_scenario() -> Scenario:
    """The economy the dashboard shows when no scenario file is given.

    Small enough to draw its trade graph and step at interactive speed: 200
    households, 10 co-ops in 2 communities, ten years, with the standard
    recession (export demand −30% from month 24 for 12 months).
    """
    return load_scenario(
        None,
        data={
            "name": "dashboard",
            "description": "Small economy for the live dashboard, standard recession.",
            "steps": 120,
            "economy": {"households": 200, "coops": 10, "communities": 2},
            "shocks": {
                "scheduled": [{"kind": "export_drop", "start": 24, "duration": 12, "size": 0.3}]
            },
        },
    )


def base_scenario(path: str | Path | None = None) -> Scenario:
    """The scenario the dashboard starts from.

    ``path``, else the file named by the :data:`SCENARIO_ENV` environment
    variable, else :func:`default_scenario`.
    """
    path = path if path is not None else os.environ.get(SCENARIO_ENV) or None
    return default_scenario() if path is None else load_scenario(path)


def _bounds(field) -> tuple[float | None, float | None]:
    """Lower and upper bounds of a numeric pydantic field (None where unbounded)."""
    low = high = None
    for item in field.metadata:
        for attr in ("ge", "gt"):
            if getattr(item, attr, None) is not None:
                low = float(getattr(item, attr))
        for attr in ("le", "lt"):
            if getattr(item, attr, None) is not None:
                high = float(getattr(item, attr))
    return low, high


def _nice_step(span: float) -> float:
    """A round slider step giving about a hundred positions over ``span``."""
    if span <= 0:
        return 1.0
    return 10.0 ** math.floor(math.log10(span / 100.0))


def _declared_control(name: str) -> DeclaredControl:
    """An instrument's declared control, or an on/off switch named after it."""
    declared = get(name).control
    if declared is None:
        return DeclaredControl(None, name.replace("_", " ").capitalize())
    return declared


def _table_of(base: Scenario, name: str) -> dict[str, Any] | None:
    params = base.instruments.get(name)
    return None if params is None else params.model_dump(mode="json", exclude_unset=True)


def _custom_control(base: Scenario, name: str) -> _InstrumentControl | None:
    """A slider over a value the instrument reads and writes itself (``get``/``set``)."""
    declared = _declared_control(name)
    if declared.get is None or declared.set is None:
        return None
    params_cls = get(name).Params
    current = base.instruments.get(name)
    high = float(declared.high if declared.high is not None else 1.0)
    usual = round(min(declared.get(current if current is not None else params_cls()), high), 2)
    value = round(min(declared.get(current), high), 2) if current is not None else 0.0
    table = _table_of(base, name) or {}

    def to_table(number: float) -> dict[str, Any] | None:
        if number <= 0:
            return None
        return declared.set(table, min(float(number), high))

    control = Control(
        name=name,
        label=declared.label,
        kind="float",
        value=value,
        min=0.0,
        max=high,
        step=0.01,
        unit=declared.unit,
        off="off",
        help=declared.help,
        group="Risk-sharing tools",
    )
    return _InstrumentControl(control, to_table, usual or high / 2)


def _numeric_control(base: Scenario, name: str) -> _InstrumentControl | None:
    """A slider over the instrument's declared key setting; 0 switches it off."""
    declared = _declared_control(name)
    fields = get(name).Params.model_fields
    key = declared.setting
    field = fields.get(key) if key is not None else None
    if field is None or field.annotation not in (int, float):
        return None
    if not isinstance(field.default, int | float):
        return None
    low, high = _bounds(field)
    default = float(field.default)
    # A bound far above the usual value (a sanity cap on money) would make every
    # step of the slider a leap: the slider then covers four times the default.
    if declared.high is not None:
        high = float(declared.high)
    elif high is None or (default > 0 and high > 10 * default):
        high = max(4.0 * default, 1.0)
    kind = "int" if field.annotation is int else "float"
    step = 1.0 if kind == "int" else _nice_step(high)
    table = _table_of(base, name)
    current = base.instruments.get(name)
    value = getattr(current, key) if current is not None else (0 if kind == "int" else 0.0)
    # a slider only covers [0, high]: a file's value above it widens the range
    high = max(high, float(value))

    def to_table(number: float) -> dict[str, Any] | None:
        if number <= 0:
            return None
        number = max(float(number), low or 0.0)
        return {**(table or {}), key: round(number) if kind == "int" else number}

    control = Control(
        name=name,
        label=declared.label,
        kind=kind,
        value=value,
        min=0.0 if kind == "float" else 0,
        max=high if kind == "float" else int(high),
        step=step,
        unit=declared.unit,
        off="off",
        help=declared.help,
        group="Risk-sharing tools",
    )
    return _InstrumentControl(control, to_table, value or default)


def _switch_control(base: Scenario, name: str) -> _InstrumentControl:
    """A checkbox: the instrument on with its file's (or default) settings, or off."""
    table = _table_of(base, name)

    def to_table(on: bool) -> dict[str, Any] | None:
        return (table or {}) if on else None

    declared = _declared_control(name)
    control = Control(
        name=name,
        label=declared.label,
        kind="bool",
        value=name in base.instruments,
        off="off",
        help=declared.help,
        group="Risk-sharing tools",
    )
    return _InstrumentControl(control, to_table, True)


def _instrument_controls(base: Scenario) -> dict[str, _InstrumentControl]:
    """One control per registered instrument, by name, from its declared key setting."""
    result: dict[str, _InstrumentControl] = {}
    for name in available():
        made = _custom_control(base, name) or _numeric_control(base, name)
        made = made or _switch_control(base, name)
        result[name] = made
    return result


def _export_drop(base: Scenario):
    return next((s for s in base.shocks.scheduled if s.kind == "export_drop"), None)


def controls(base: Scenario) -> dict[str, Control]:
    """Every control of the dashboard for a base scenario, in display order."""
    size = base.economy
    shock = _export_drop(base)
    steps = base.steps
    start = shock.start if shock is not None else min(24, steps)
    recession = "Recession"
    items = [
        Control(
            "households",
            "Households",
            "int",
            size.households,
            20,
            max(2000, size.households),
            10,
            unit="{} households",
            help="The economy's size. In a small economy one co-op failing is a big share, "
            "so runs differ more from seed to seed.",
        ),
        Control(
            "coops",
            "Worker co-ops",
            "int",
            size.n_coops,
            2,
            max(120, size.n_coops),
            1,
            unit="{} co-ops",
            help="The businesses households buy from and work in; they buy from each other too.",
        ),
        Control(
            "seed",
            "Random seed",
            "int",
            0,
            0,
            99,
            1,
            unit="seed {}",
            help="Which random history the economy lives: same seed, same run.",
        ),
        *(made.control for made in _instrument_controls(base).values()),
        Control(
            "export_drop",
            "Recession: export demand falls by",
            "float",
            shock.size if shock is not None else 0.0,
            0.0,
            max(0.9, shock.size if shock is not None else 0.0),
            0.05,
            unit="{}% of its usual level",
            off="no recession",
            help="Outside buyers cut their orders from the co-ops by this much.",
            group=recession,
        ),
        Control(
            "shock_start",
            "Recession starts",
            "int",
            start,
            1,
            steps,
            1,
            unit="in month {}",
            group=recession,
        ),
        Control(
            "shock_months",
            "Recession lasts",
            "int",
            shock.duration if shock is not None else 12,
            1,
            max(48, shock.duration if shock is not None else 12),
            1,
            unit="{} months",
            group=recession,
        ),
    ]
    return {c.name: c for c in items}


def tools(base: Scenario) -> dict[str, str]:
    """The risk-sharing tools of the with-and-without view: name -> label."""
    return {name: made.control.label for name, made in _instrument_controls(base).items()}


def opening_tool(names: list[str]) -> str:
    """The tool the with-and-without view opens on: the first whose instrument
    declares a key column (what comparisons show first), else the first."""
    keyed = {name for name, column in declared() if column.key}
    return next((name for name in names if name in keyed), names[0])


def model_params(base: Scenario) -> dict[str, dict[str, Any]]:
    """Mesa ``model_params`` for SolaraViz: one slider or checkbox per control."""
    return {name: control.spec() for name, control in controls(base).items()}


def settings_to_overrides(base: Scenario, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted scenario overrides (``{"economy.households": 200, ...}``) for slider values.

    Values are clipped into each control's range. Settings not given keep the
    base scenario's values.

    Raises
    ------
    TypeError
        For a setting the dashboard has no control for.
    """
    known = controls(base)
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise TypeError(f"unknown dashboard setting(s): {', '.join(unknown)}")
    value = {name: known[name].clip(settings.get(name, c.value)) for name, c in known.items()}
    # Communities must not outnumber co-ops: each community needs one to trade with.
    communities = min(base.economy.n_communities, value["coops"])
    overrides: dict[str, Any] = {
        "economy.households": value["households"],
        "economy.coops": value["coops"],
        "economy.communities": communities,
    }
    instruments: dict[str, Any] = {}
    for name, made in _instrument_controls(base).items():
        table = made.to_table(value[name])
        if table is not None:
            instruments[name] = table
    overrides["instruments"] = instruments
    shocks = [s.model_dump(mode="json") for s in base.shocks.scheduled if s.kind != "export_drop"]
    if value["export_drop"] > 0:
        shocks.append(
            {
                "kind": "export_drop",
                "start": value["shock_start"],
                "duration": value["shock_months"],
                "size": value["export_drop"],
            }
        )
    overrides["shocks.scheduled"] = shocks
    return overrides


def describe_settings(base: Scenario, settings: Mapping[str, Any]) -> str:
    """Settings in one line of words, as the header shows those in force.

    ``"200 households · 10 co-ops · <tool> <its value in its unit> ·
    exports −30% from month 24 for 12 months · seed 0"``; tools that are
    off are left out.
    """
    known = controls(base)
    value = {name: c.clip(settings.get(name, c.value)) for name, c in known.items()}
    parts = [known["households"].describe(value["households"])]
    parts.append(known["coops"].describe(value["coops"]))
    on = [
        (c.label if c.kind == "bool" else f"{c.label} {c.describe(value[name])}")
        for name, c in known.items()
        if c.group == "Risk-sharing tools" and value[name]
    ]
    parts += on or ["no risk-sharing tools"]
    if value["export_drop"] > 0:
        parts.append(
            f"exports −{100 * value['export_drop']:.0f}% from month {value['shock_start']} "
            f"for {value['shock_months']} months"
        )
    else:
        parts.append("no recession")
    parts.append(known["seed"].describe(value["seed"]))
    return " · ".join(parts)


# ---------------------------------------------------------------------------
# the model built from the controls


class _DashboardBase(SolidarityEconomy):
    """A :class:`SolidarityEconomy` built from flat dashboard settings.

    ``settings`` holds every control's value as this run uses it (clipped into
    range, defaults filled in): the settings in force.
    """

    base: Scenario

    def __init__(self, **settings: Any):
        known = controls(self.base)
        overrides = settings_to_overrides(self.base, settings)
        self.settings = {n: c.clip(settings.get(n, c.value)) for n, c in known.items()}
        super().__init__(self.base, seed=int(self.settings["seed"]), overrides=overrides)


def dashboard_model(base: Scenario | str | Path | None = None) -> type[SolidarityEconomy]:
    """A model class whose keyword arguments are the dashboard's controls.

    Parameters
    ----------
    base
        The scenario the sliders start from and modify (a :class:`Scenario`, a
        file, or None for :func:`base_scenario`).

    Returns
    -------
    type
        A :class:`SolidarityEconomy` subclass; ``cls(households=150, <tool>=0.5)``
        builds an economy, any setting left out keeps its starting value. Its
        signature lists every control, so Mesa checks the names it is given.
    """
    if not isinstance(base, Scenario):
        base = base_scenario(base)
    specs = controls(base)
    cls = type("DashboardEconomy", (_DashboardBase,), {"base": base, "__module__": __name__})
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=c.value)
        for name, c in specs.items()
    ]

    def __init__(self, **settings: Any) -> None:
        _DashboardBase.__init__(self, **settings)

    __init__.__signature__ = inspect.Signature(parameters)
    __init__.__doc__ = _DashboardBase.__init__.__doc__
    cls.__init__ = __init__
    return cls


# ---------------------------------------------------------------------------
# with and without a tool


# summary metric -> (what it is, format) of the core; the instruments' summarised
# columns follow (``instrument_rows``), left out when zero in both runs
_COMPARED: dict[str, tuple[str, str]] = {
    "coop_failures": ("co-ops that failed", "count"),
    "drawdown": ("fall in output in the recession", "share"),
    "mean_distress_share": ("households in distress, on average", "share"),
    "peak_unemployment": ("unemployment at its peak", "share"),
    "final_gini": ("inequality at the end (Gini)", "ratio"),
    "mean_output": ("local output, monthly average", "money"),
}

# A declared column's unit -> how the dashboard writes it.
_FORMATS = {"money": "money", "share": "share", "rate": "share", "count": "count", "index": "ratio"}


def instrument_rows(when: bool = False) -> dict[str, tuple[str, str]]:
    """The instruments' summarised columns as (what it is, format), in hook order.

    With ``when`` the words say when: ``so far`` for a running total, ``this
    month`` for a monthly flow (the live header).
    """
    rows = {}
    for _name, column in declared():
        if column.summary is None:
            continue
        words = column.plain or column.label
        if when and column.summary in ("final", "sum"):
            words += " so far" if column.summary == "final" else " this month"
        rows[column.name] = (words, _FORMATS.get(column.unit, "number"))
    return rows


@dataclass(frozen=True)
class Comparison:
    """Two whole runs on the same seed: with a tool and without it.

    Attributes
    ----------
    tool, tool_label
        The instrument compared, by name and as the participant reads it.
    value
        Its setting in the run with it (described by ``value_text``).
    with_tool, without
        Each run's timeseries, one row per month.
    summary_with, summary_without
        Each run's summary (``model.summary``).
    settings
        The settings both runs share (the tool's own aside).
    steps, recessions
        The horizon in months, and the recession windows ``(start, end)``.
    """

    tool: str
    tool_label: str
    value: Any
    value_text: str
    with_tool: pd.DataFrame
    without: pd.DataFrame
    summary_with: dict[str, Any]
    summary_without: dict[str, Any]
    settings: dict[str, Any]
    steps: int
    recessions: list[tuple[int, int]] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(metric, with, without, difference) in words, for the summary table."""
        rows = []
        losses = {
            key: (f"losses borne by {key.removeprefix('loss_')} capital", "money")
            for key in sorted(set(self.summary_with) | set(self.summary_without))
            if key.startswith("loss_")
        }
        optional = {**instrument_rows(), **losses}
        # The compared tool's key figure stays even at zero: "the guarantor paid
        # nothing" is an answer too. Other tools that did nothing are left out.
        own = (
            {c.name for c in get(self.tool).columns if c.key} if self.tool in available() else set()
        )
        for key, (label, kind) in {**_COMPARED, **optional}.items():
            a, b = self.summary_with.get(key), self.summary_without.get(key)
            idle = key in optional and key not in own and not (a or b)
            if a is None or b is None or idle:  # a tool that paid nothing in either run
                continue
            rows.append((label, fmt(a, kind), fmt(b, kind), fmt(a - b, kind, signed=True)))
        return rows

    def headline(self) -> str:
        """One sentence on co-op failures and distress, the tool against none."""
        a = self.summary_with.get("coop_failures", 0)
        b = self.summary_without.get("coop_failures", 0)
        fewer = b - a
        plural = "s" if abs(fewer) != 1 else ""
        if fewer > 0:
            failures = f"{fewer:.0f} fewer co-op{plural} failed ({a:.0f} against {b:.0f})"
        elif fewer < 0:
            failures = f"{-fewer:.0f} more co-op{plural} failed ({a:.0f} against {b:.0f})"
        else:
            failures = f"as many co-ops failed ({a:.0f})"
        d = self.summary_with.get("mean_distress_share", 0) - self.summary_without.get(
            "mean_distress_share", 0
        )
        distress = (
            "the share of households in distress barely moved"
            if abs(d) < 0.0005
            else f"the share of households in distress was {fmt(abs(d), 'share')[:-1]} points "
            f"{'lower' if d < 0 else 'higher'} on average"
        )
        return f"With {self.tool_label.lower()} ({self.value_text}), {failures}, and {distress}."


def _run_to_end(model_cls: type[_DashboardBase], settings: Mapping[str, Any]):
    model = model_cls(**settings)
    while model.running:
        model.step()
    return model


@lru_cache(maxsize=16)
def _compare_cached(
    model_cls: type[_DashboardBase], settings: tuple[tuple[str, Any], ...], tool: str
) -> Comparison:
    base = model_cls.base
    made = _instrument_controls(base)[tool]
    chosen = dict(settings)
    value = chosen[tool] if chosen[tool] else made.on
    value = made.control.clip(value)
    with_run = _run_to_end(model_cls, {**chosen, tool: value})
    without = _run_to_end(model_cls, {**chosen, tool: False if made.control.kind == "bool" else 0})
    return Comparison(
        tool=tool,
        tool_label=made.control.label,
        value=value,
        value_text=made.control.describe(value),
        with_tool=with_run.timeseries,
        without=without.timeseries,
        summary_with=with_run.summary,
        summary_without=without.summary,
        settings={k: v for k, v in chosen.items() if k != tool},
        steps=with_run.params.steps,
        recessions=[
            (s.start, s.start + s.duration)
            for s in with_run.params.shocks.scheduled
            if s.kind == "export_drop"
        ],
    )


def with_and_without(
    model_cls: type[SolidarityEconomy], settings: Mapping[str, Any], tool: str
) -> Comparison:
    """Run the whole horizon twice on the same seed: with ``tool`` and without it.

    Both runs take ``settings`` (normally the settings in force) for everything
    else, so they see the same shocks and random draws; what differs is the
    tool's doing, in this one random history. The tool runs at its value in
    ``settings`` when that switches it on, else at its usual setting (the
    instrument's default; 10% for first-loss capital). Results are cached, so
    asking again is free.

    Parameters
    ----------
    model_cls
        A class from :func:`dashboard_model`.
    settings
        Control values; those left out keep their starting values.
    tool
        An instrument name (a key of :func:`tools`).

    Raises
    ------
    KeyError
        For a tool the dashboard has no control for.
    """
    base = model_cls.base
    known = controls(base)
    if tool not in tools(base):
        raise KeyError(f"no such tool: {tool!r} (expected one of {', '.join(tools(base))})")
    full = tuple((n, c.clip(settings.get(n, c.value))) for n, c in known.items())
    return _compare_cached(model_cls, full, tool)


def make_page(scenario: Scenario | str | Path | None = None):
    """The dashboard as a Solara element, over a scenario (default :func:`base_scenario`).

    Each browser session (or notebook display) gets its own economy.
    """
    from solsim.dashboard.ui import dashboard_page

    return dashboard_page(dashboard_model(scenario))


#: The model class over :func:`base_scenario` (what ``page`` runs).
DashboardEconomy = dashboard_model()


def __getattr__(name: str):
    # ``page`` is built on first use: it imports Solara, which takes seconds, so
    # that the rest of this module stays quick to import.
    if name == "page":
        from solsim.dashboard.ui import dashboard_page

        page = dashboard_page(DashboardEconomy)
        globals()["page"] = page
        return page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
