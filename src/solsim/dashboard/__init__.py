"""A live dashboard: a Mesa SolaraViz app over :class:`~solsim.model.SolidarityEconomy`.

Start it from the command line with ``solsim dashboard`` (a Solara server on
127.0.0.1, serving :mod:`solsim.dashboard.app`), or show it in a Jupyter notebook::

    from solsim.dashboard import page
    page                      # the last expression of a cell displays the app

    from solsim.dashboard import make_page
    make_page("scenarios/baseline.toml")   # the same app over another scenario

The sidebar holds Mesa's controls (Reset, play/pause, Step) and one slider per
setting: the economy's size, each registered risk-sharing instrument's key
parameter (0 switches the instrument off), the export-demand shock and the seed.
Slider changes take effect on Reset, which builds a new economy. The main area
shows the month's key metrics, their history (output, active co-ops, household
distress, Gini of household net worth, with the shock months shaded) and, for
economies of at most :data:`GRAPH_MAX_HOUSEHOLDS` households, the trade graph
coloured by agent type and state.

Sliders are flat keyword arguments; :func:`dashboard_model` builds a
:class:`SolidarityEconomy` subclass whose constructor takes them and turns them
into scenario overrides (:func:`settings_to_overrides`), which is what Mesa's
SolaraViz needs to rebuild the model on Reset.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solsim.engine.economy import OUTSIDE, UNEMPLOYED
from solsim.engine.instruments import available, get
from solsim.engine.params import Scenario
from solsim.model import SolidarityEconomy
from solsim.scenario import load_scenario

__all__ = [
    "GRAPH_MAX_HOUSEHOLDS",
    "SCENARIO_ENV",
    "Control",
    "DashboardEconomy",
    "base_scenario",
    "controls",
    "dashboard_model",
    "default_scenario",
    "make_page",
    "model_params",
    "page",
    "settings_to_overrides",
    "trade_layout",
]

#: Environment variable naming the scenario file the dashboard starts from
#: (``solsim dashboard --scenario FILE`` sets it for the server it starts).
SCENARIO_ENV = "SOLSIM_DASHBOARD_SCENARIO"

#: The trade graph is drawn only for economies up to this many households.
GRAPH_MAX_HOUSEHOLDS = 300

#: The metrics plotted over time: timeseries column -> panel title.
PLOTTED = {
    "output": "Local output (co-op sales)",
    "active_coops": "Active co-ops",
    "distress_share": "Households in distress",
    "gini": "Gini of household net worth",
}


# ---------------------------------------------------------------------------
# controls: sliders and checkboxes as plain data


@dataclass(frozen=True)
class Control:
    """One user input of the dashboard: a slider or a checkbox.

    Attributes
    ----------
    name
        Keyword argument of the dashboard model.
    label
        What the user reads.
    kind
        ``"int"``, ``"float"`` or ``"bool"``.
    value
        The starting value.
    min, max, step
        The slider's range and step (unused for a checkbox).
    """

    name: str
    label: str
    kind: str
    value: Any
    min: float = 0.0
    max: float = 1.0
    step: float = 1.0

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


@dataclass(frozen=True)
class _InstrumentControl:
    """A control for one instrument and how its value becomes a settings table.

    ``to_table(value)`` returns the ``[instruments.<name>]`` table, or None when
    the value switches the instrument off.
    """

    control: Control
    to_table: Callable[[Any], dict[str, Any] | None]


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


# The key parameter of each known instrument, best first. An instrument without one
# (or not listed) gets an on/off checkbox that switches on its default settings;
# first-loss capital has its own slider (the junior tranche's share).
_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "guarantee": ("coverage",),
    "mutual_credit": ("credit_limit", "limit"),
    "mutual_aid": ("contribution", "contribution_share", "contribution_rate"),
}
_LABELS = {
    "first_loss": "first-loss share of fund capital",
    "guarantee": "guarantee coverage",
    "mutual_credit": "mutual-credit limit",
    "mutual_aid": "mutual-aid contribution",
}


def _table_of(base: Scenario, name: str) -> dict[str, Any] | None:
    params = base.instruments.get(name)
    return None if params is None else params.model_dump(mode="json", exclude_unset=True)


def _first_loss_control(base: Scenario) -> _InstrumentControl | None:
    """First-loss share: the junior tranche's share; the most senior one takes the rest."""
    params_cls = get("first_loss").Params
    if "tranches" not in params_cls.model_fields:
        return None
    current = base.instruments.get("first_loss")
    params = current if current is not None else params_cls()
    tranches = [t.model_dump(mode="json", exclude_none=True) for t in params.tranches]
    for t in tranches:  # attachment/detachment points -> shares, the form the slider edits
        if "share" not in t:
            t["share"] = t.pop("detachment") - t.pop("attachment")
    if len(tranches) == 1:
        tranches.append({"name": "senior", "share": 0.0, "holder": "outside"})
    middle = sum(t["share"] for t in tranches[1:-1])
    # Keep at least 5% in the senior tranche so the stack stays valid.
    top = round(min(0.5, 1.0 - middle - 0.05), 2)
    if top <= 0:
        return None
    value = min(tranches[0]["share"], top) if current is not None else 0.0

    def to_table(share: float) -> dict[str, Any] | None:
        if share <= 0:
            return None
        share = min(float(share), top)
        stack = [dict(t) for t in tranches]
        stack[0]["share"] = share
        stack[-1]["share"] = 1.0 - share - middle
        table = _table_of(base, "first_loss") or {}
        return {**table, "tranches": stack}

    control = Control(
        name="first_loss",
        label=f"{_LABELS['first_loss']} (0 = off)",
        kind="float",
        value=round(value, 2),
        min=0.0,
        max=top,
        step=0.01,
    )
    return _InstrumentControl(control, to_table)


def _numeric_control(base: Scenario, name: str) -> _InstrumentControl | None:
    """A slider over the instrument's key number; 0 switches it off."""
    fields = get(name).Params.model_fields
    numeric = {
        key: field
        for key, field in fields.items()
        if field.annotation in (int, float) and isinstance(field.default, int | float)
    }
    preferred = [key for key in _KEY_FIELDS.get(name, ()) if key in numeric]
    if not preferred:
        return None
    key = preferred[0]
    field = numeric[key]
    low, high = _bounds(field)
    default = float(field.default)
    if high is None:
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
        label=f"{_LABELS.get(name, name.replace('_', ' ') + ' ' + key)} (0 = off)",
        kind=kind,
        value=value,
        min=0.0 if kind == "float" else 0,
        max=high if kind == "float" else int(high),
        step=step,
    )
    return _InstrumentControl(control, to_table)


def _switch_control(base: Scenario, name: str) -> _InstrumentControl:
    """A checkbox: the instrument on with its file's (or default) settings, or off."""
    table = _table_of(base, name)

    def to_table(on: bool) -> dict[str, Any] | None:
        return (table or {}) if on else None

    control = Control(
        name=name,
        label=name.replace("_", " "),
        kind="bool",
        value=name in base.instruments,
    )
    return _InstrumentControl(control, to_table)


def _instrument_controls(base: Scenario) -> dict[str, _InstrumentControl]:
    """One control per registered instrument, by name."""
    result: dict[str, _InstrumentControl] = {}
    for name in available():
        made = _first_loss_control(base) if name == "first_loss" else None
        made = made or _numeric_control(base, name) or _switch_control(base, name)
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
    items = [
        Control(
            "households", "households", "int", size.households, 20, max(2000, size.households), 10
        ),
        Control("coops", "worker co-ops", "int", size.n_coops, 2, max(120, size.n_coops), 1),
        *(made.control for made in _instrument_controls(base).values()),
        Control(
            "export_drop",
            "export-demand drop (0 = no recession)",
            "float",
            shock.size if shock is not None else 0.0,
            0.0,
            max(0.9, shock.size if shock is not None else 0.0),
            0.05,
        ),
        Control("shock_start", "recession starts in month", "int", start, 1, steps, 1),
        Control(
            "shock_months",
            "recession lasts (months)",
            "int",
            shock.duration if shock is not None else 12,
            1,
            max(48, shock.duration if shock is not None else 12),
            1,
        ),
        Control("seed", "seed", "int", 0, 0, 99, 1),
    ]
    return {c.name: c for c in items}


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


# ---------------------------------------------------------------------------
# the model Mesa rebuilds on Reset


class _DashboardBase(SolidarityEconomy):
    """A :class:`SolidarityEconomy` built from flat dashboard settings."""

    base: Scenario

    def __init__(self, **settings: Any):
        seed = int(controls(self.base)["seed"].clip(settings.get("seed", 0)))
        overrides = settings_to_overrides(self.base, settings)
        super().__init__(self.base, seed=seed, overrides=overrides)
        self.settings = dict(settings)


def trade_layout(model: SolidarityEconomy) -> dict[str, np.ndarray]:
    """Positions of households and co-ops for drawing the trade graph.

    A spring layout of the purchase and supply edges, computed once per model
    and kept on it. Its seed is fixed so that drawing never touches
    ``model.rng``: a run's results do not depend on whether the graph is shown.
    """
    cached = model.__dict__.get("_trade_layout")
    if cached is not None:
        return cached
    import networkx as nx

    e = model.economy
    n_h, n_c = e.n_households, e.n_firms
    graph = nx.Graph()
    graph.add_nodes_from(range(n_h + n_c))
    purchase = e.network.purchase.tocoo()
    supply = e.network.supply.tocoo()
    graph.add_edges_from(zip(purchase.row.tolist(), (purchase.col + n_h).tolist(), strict=True))
    graph.add_edges_from(zip((supply.row + n_h).tolist(), (supply.col + n_h).tolist(), strict=True))
    pos = nx.spring_layout(graph, seed=7, iterations=60)
    xy = np.array([pos[k] for k in range(n_h + n_c)])
    layout = {"households": xy[:n_h], "coops": xy[n_h:]}
    model.__dict__["_trade_layout"] = layout
    return layout


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
        A :class:`SolidarityEconomy` subclass; ``cls(households=150, guarantee=0.5)``
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
# figures (plain matplotlib: usable without Solara, e.g. in a report or a test)


def _fmt(value: float | None, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "count":
        return f"{round(value)}"
    if kind == "ratio":
        return f"{value:.3f}"
    return f"{value:,.0f}"


# column -> (label, format); the instrument columns show once they are non-zero
_SUMMARY = {
    "output": ("output", "money"),
    "active_coops": ("active co-ops", "count"),
    "distress_share": ("households in distress", "share"),
    "gini": ("Gini", "ratio"),
    "unemployment": ("unemployment", "share"),
    "guarantee_paid": ("guarantee paid (cumulative)", "money"),
    "mc_turnover": ("mutual-credit turnover", "money"),
    "aid_paid": ("mutual aid paid", "money"),
}
_FORMAT = {"output": "money", "active_coops": "count", "distress_share": "share", "gini": "ratio"}


def _shock_windows(model: SolidarityEconomy) -> list[tuple[int, int]]:
    return [
        (s.start, s.start + s.duration)
        for s in model.params.shocks.scheduled
        if s.kind == "export_drop"
    ]


def metrics_figure(model: SolidarityEconomy):
    """A 2×2 matplotlib figure of the plotted metrics so far, recession months shaded."""
    from matplotlib.figure import Figure

    history = model.economy.history
    # Fixed margins: a layout engine would triple the time to draw each month.
    fig = Figure(figsize=(6.0, 4.6))
    fig.subplots_adjust(left=0.1, right=0.98, top=0.93, bottom=0.1, hspace=0.35, wspace=0.28)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    months = [r["step"] for r in history]
    for ax, (column, title) in zip(axes, PLOTTED.items(), strict=True):
        values = [r.get(column, np.nan) for r in history]
        for start, end in _shock_windows(model):
            ax.axvspan(start, end, color="#f4c7c3", alpha=0.6, lw=0)
        ax.plot(months, values, color="#1f6f8b", lw=1.8, marker="." if len(months) < 30 else None)
        latest = f": {_fmt(values[-1], _FORMAT[column])}" if values else ""
        ax.set_title(title + latest, fontsize=9)
        ax.set_xlim(0, model.params.steps)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if column == "active_coops":
            ax.set_ylim(0, model.economy.n_firms * 1.08)
        if column == "distress_share":
            top = max([0.05, *(v for v in values if v == v)])
            ax.set_ylim(0, top * 1.1)
            ax.yaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.0f}%")
        if column == "output":
            ax.yaxis.set_major_formatter(lambda v, _pos: f"{v / 1000:,.0f}k")
    for ax in axes[2:]:
        ax.set_xlabel("month", fontsize=8)
    return fig


_HOUSEHOLD_COLOURS = {
    "works in a co-op": "#2a9d8f",
    "outside job": "#457b9d",
    "unemployed": "#e9c46a",
    "in distress": "#d62828",
}


def graph_figure(model: SolidarityEconomy):
    """The trade graph: households by work and distress, co-ops active or failed.

    Only purchase (household → co-op) and supply (co-op → co-op) edges are drawn.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    e = model.economy
    xy = trade_layout(model)
    hh, co = xy["households"], xy["coops"]
    fig = Figure(figsize=(5.6, 4.6))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.01)
    ax = fig.subplots()
    purchase = e.network.purchase.tocoo()
    supply = e.network.supply.tocoo()
    segments = np.concatenate(
        [
            np.stack([hh[purchase.row], co[purchase.col]], axis=1),
            np.stack([co[supply.row], co[supply.col]], axis=1),
        ]
    )
    ax.add_collection(LineCollection(segments, colors="#bbbbbb", linewidths=0.4, alpha=0.6))
    employer = e.hh_employer
    palette = list(_HOUSEHOLD_COLOURS.values())
    colour = np.select(
        [e.hh_distressed.astype(bool), employer >= 0, employer == OUTSIDE, employer == UNEMPLOYED],
        [palette[3], palette[0], palette[1], palette[2]],
        default=palette[2],
    )
    ax.scatter(hh[:, 0], hh[:, 1], s=14, c=colour, edgecolors="none", zorder=2)
    active = e.firm_active.astype(bool)
    ax.scatter(
        co[active, 0], co[active, 1], s=90, marker="s", c="#264653", edgecolors="white", zorder=3
    )
    ax.scatter(co[~active, 0], co[~active, 1], s=90, marker="X", c="#999999", zorder=3)
    ax.set_axis_off()
    ax.set_title(
        f"Trade graph: {int(active.sum())} of {e.n_firms} co-ops active",
        fontsize=10,
    )

    def key(colour: str, marker: str = "o") -> Line2D:
        return Line2D([], [], ls="", marker=marker, color=colour, markersize=7)

    ax.legend(
        [*(key(c) for c in palette), key("#264653", "s"), key("#999999", "X")],
        [*_HOUSEHOLD_COLOURS, "co-op", "failed co-op"],
        fontsize=7,
        loc="lower left",
        ncols=2,
    )
    return fig


def _png(fig, dpi: int = 100) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _settings_line(model: SolidarityEconomy) -> str:
    """The running economy's settings in words (Mesa's sliders show no numbers)."""
    p = model.params
    parts = [f"{p.economy.households} households", f"{p.economy.n_coops} co-ops"]
    for name, params in p.instruments.items():
        if name == "first_loss" and getattr(params, "tranches", None):
            parts.append(f"first loss {100 * (params.tranches[0].share or 0):.0f}%")
        elif name in _KEY_FIELDS and hasattr(params, _KEY_FIELDS[name][0]):
            value = getattr(params, _KEY_FIELDS[name][0])
            parts.append(f"{name.replace('_', ' ')} {value:g}")
        else:
            parts.append(name.replace("_", " "))
    drops = [s for s in p.shocks.scheduled if s.kind == "export_drop"]
    for s in drops:
        parts.append(f"exports −{100 * s.size:.0f}% from month {s.start} for {s.duration}")
    if not drops:
        parts.append("no recession")
    seed = getattr(model, "settings", {}).get("seed", 0)
    parts.append(f"seed {seed}")
    return " · ".join(parts)


# ---------------------------------------------------------------------------
# Solara components (built on first use: importing Solara takes seconds)


def _components():
    import reacton.ipywidgets as rw
    import solara
    from mesa.visualization.utils import update_counter

    def summary(model: SolidarityEconomy) -> None:
        # A plain function, not a component: reacton would skip re-rendering a
        # child component whose props (the same model object) did not change.
        e = model.economy
        row = e.history[-1] if e.history else {}
        with solara.Card(style={"margin-bottom": "4px"}):
            with solara.Column(gap="2px"):
                solara.Text(
                    f"Month {e.month} of {model.params.steps}",
                    classes=["solsim-month"],
                    style={"font-size": "1.3em", "font-weight": "bold"},
                )
                solara.Text(_settings_line(model), style={"color": "#555", "font-size": "0.85em"})
            with solara.Row(gap="20px", style={"flex-wrap": "wrap", "margin-top": "6px"}):
                for column, (label, kind) in _SUMMARY.items():
                    optional = kind == "money" and column != "output"
                    if column not in row or (optional and not row[column]):
                        continue
                    with solara.Column(gap="0px"):
                        solara.Text(label, style={"font-size": "0.75em", "color": "#666"})
                        solara.Text(
                            _fmt(row[column], kind),
                            classes=[f"solsim-{column.replace('_', '-')}"],
                            style={"font-size": "1.1em"},
                        )

    @solara.component
    def MetricsPlot(model: SolidarityEconomy):
        """The month's numbers and the key metrics over time."""
        update_counter.get()  # re-render when Mesa steps the model
        month = model.economy.month
        image = solara.use_memo(lambda: _png(metrics_figure(model)), [id(model), month])
        with solara.Column(gap="0px") as main:
            summary(model)
            rw.Image(
                value=image, format="png", layout={"width": "100%"}, _dom_classes=["solsim-metrics"]
            )
        return main

    @solara.component
    def TradeGraph(model: SolidarityEconomy):
        """The trade graph, for economies of at most GRAPH_MAX_HOUSEHOLDS households."""
        update_counter.get()
        e = model.economy
        small = e.n_households <= GRAPH_MAX_HOUSEHOLDS
        # Redraw only when a colour changed, not every month.
        state = (
            hash((e.hh_employer.tobytes(), e.hh_distressed.tobytes(), e.firm_active.tobytes()))
            if small
            else None
        )
        image = solara.use_memo(
            lambda: _png(graph_figure(model)) if small else b"", [id(model), state]
        )
        if not small:
            return solara.Info(
                f"The trade graph is drawn for economies of at most {GRAPH_MAX_HOUSEHOLDS} "
                f"households; this one has {e.n_households}."
            )
        return rw.Image(
            value=image, format="png", layout={"width": "100%"}, _dom_classes=["solsim-graph"]
        )

    return MetricsPlot, TradeGraph


def make_page(scenario: Scenario | str | Path | None = None):
    """The dashboard as a Solara element, over a scenario (default :func:`base_scenario`).

    Each browser session (or notebook display) gets its own economy.
    """
    return _page(dashboard_model(scenario))


def _page(model_cls: type[_DashboardBase]):
    import solara
    import solara.server.settings
    from mesa.visualization import SolaraViz

    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        # Solara reports usage to an outside service (and looks up the machine's
        # public address) when a page is first shown, in a notebook too; the
        # dashboard sends nothing off the machine unless the user asks for it.
        solara.server.settings.telemetry.mixpanel_enable = False
    params = model_params(model_cls.base)
    metrics_plot, trade_graph = _components()

    @solara.component
    def Dashboard():
        model = solara.use_memo(model_cls, [])
        return SolaraViz(
            model,
            components=[(metrics_plot, 0), (trade_graph, 0)],
            model_params=params,
            name=f"solsim · {model_cls.base.name}",
            play_interval=150,
        )

    return Dashboard()


#: The model class over :func:`base_scenario` (what ``page`` runs).
DashboardEconomy = dashboard_model()


def __getattr__(name: str):
    # ``page`` is built on first use: it imports Solara and Mesa's visualisation,
    # which take seconds, so that the rest of this module stays quick to import.
    if name == "page":
        page = _page(DashboardEconomy)
        globals()["page"] = page
        return page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
