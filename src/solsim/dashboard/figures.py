"""The dashboard's pictures, in plain matplotlib (usable without Solara).

Every figure reads the model's public face: its timeseries rows
(:attr:`~solsim.model.SolidarityEconomy.timeseries`), its settings, its agents
and its networkx :attr:`~solsim.model.SolidarityEconomy.graph`; none reads the
engine's arrays. Figures are built on :class:`matplotlib.figure.Figure`
directly, so they draw with Agg whatever backend a notebook or server uses.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from solsim.dashboard import Comparison
    from solsim.model import SolidarityEconomy

__all__ = [
    "PLOTTED",
    "comparison_figure",
    "graph_figure",
    "graph_summary",
    "metrics_figure",
    "png",
    "trade_layout",
]

#: The metrics plotted over time: timeseries column -> (title with its unit, format).
PLOTTED: dict[str, tuple[str, str]] = {
    "output": ("Local output: co-op sales a month", "money"),
    "active_coops": ("Co-ops still trading", "count"),
    "distress_share": ("Households in distress (% of all)", "share"),
    "gini": ("Inequality: Gini of net worth (0–1)", "ratio"),
}

THIS_RUN = "#1f6f8b"
PREVIOUS_RUN = "#9a9a9a"
WITH_TOOL = "#1f6f8b"
WITHOUT_TOOL = "#e76f51"
RECESSION = "#f4c7c3"


def fmt(value: Any, kind: str, signed: bool = False) -> str:
    """``value`` as people read it: ``"share"`` in %, ``"money"`` with separators.

    With ``signed`` the number carries its sign, and a share difference is in
    percentage points.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = "+" if signed else ""
    if kind == "share":
        text = f"{100 * value:{sign}.1f}"
        text = f"{text} pts" if signed else f"{text}%"
    elif kind == "count":
        text = f"{value:{sign}.0f}" if not float(value).is_integer() else f"{int(value):{sign}d}"
    elif kind == "ratio":
        text = f"{value:{sign}.3f}"
    else:
        text = f"{value:{sign},.0f}"
    if signed and text.lstrip("+-").rstrip(" pts%").strip("0.,") == "":
        return "0"  # no "+0.0 pts": nothing changed at this precision
    return text.replace("-", "−")  # a minus sign, not a hyphen


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _recessions(model_or_params) -> list[tuple[int, int]]:
    params = getattr(model_or_params, "params", model_or_params)
    return [
        (s.start, s.start + s.duration) for s in params.shocks.scheduled if s.kind == "export_drop"
    ]


def _axis_format(ax, kind: str) -> None:
    if kind == "share":
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.1f}%")
    elif kind == "money":
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v / 1000:,.0f}k")


def _column(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return frame[column].to_numpy(dtype=float)


def metrics_figure(
    model: SolidarityEconomy, previous: pd.DataFrame | None = None, title: str | None = None
) -> Figure:
    """A 2×2 figure of the plotted metrics so far, recession months shaded.

    Parameters
    ----------
    model
        The running economy.
    previous
        The timeseries of the run before this one (a dashed grey line), so that a
        participant sees what a change of settings did.
    title
        A line above the panels.
    """
    from matplotlib.figure import Figure

    rows = model.timeseries
    steps = model.params.steps
    # Fixed margins: a layout engine would triple the time to draw each month.
    fig = Figure(figsize=(6.4, 4.9))
    top = 0.88 if title else 0.93
    fig.subplots_adjust(left=0.1, right=0.98, top=top, bottom=0.1, hspace=0.38, wspace=0.28)
    if title:
        fig.suptitle(title, fontsize=9)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    months = _column(rows, "step")
    for ax, (column, (label, kind)) in zip(axes, PLOTTED.items(), strict=True):
        values = _column(rows, column)
        for start, end in _recessions(model):
            ax.axvspan(start, end, color=RECESSION, alpha=0.6, lw=0)
        if previous is not None and len(previous):
            ax.plot(
                _column(previous, "step"),
                _column(previous, column),
                "--",
                color=PREVIOUS_RUN,
                lw=1.3,
                label="previous run",
            )
        ax.plot(
            months,
            values,
            color=THIS_RUN,
            lw=1.8,
            marker="." if len(months) < 30 else None,
            label="this run",
        )
        latest = f": {fmt(values[-1], kind)}" if len(values) else ""
        ax.set_title(label + latest, fontsize=8.5)
        ax.set_xlim(0, steps)
        ax.tick_params(labelsize=8)
        if not len(values):  # month 0: no numbers yet, so no axis to read
            ax.set_yticks([])
        ax.grid(alpha=0.3)
        if column == "active_coops":
            ax.set_ylim(0, model.params.economy.n_coops * 1.08)
        elif column == "distress_share":
            ax.set_ylim(0, max([0.05, *(v for v in values if v == v)]) * 1.1)
        _axis_format(ax, kind)
    for ax in axes[2:]:
        ax.set_xlabel("month", fontsize=8)
    if previous is not None and len(previous):
        axes[0].legend(fontsize=7, loc="lower left")
    return fig


def comparison_figure(comparison: Comparison) -> Figure:
    """Both runs of a with-and-without comparison, and their difference, month by month.

    Top row: each metric with the tool (solid) and without it (dashed). Bottom
    row: the difference, with minus without, so that what the tool changed
    stands out from what the recession did to both.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.5, 5.0))
    fig.subplots_adjust(left=0.07, right=0.99, top=0.9, bottom=0.1, hspace=0.45, wspace=0.32)
    axes = fig.subplots(2, len(PLOTTED), sharex=True)
    a, b = comparison.with_tool, comparison.without
    for col, (column, (label, kind)) in enumerate(PLOTTED.items()):
        top, bottom = axes[0, col], axes[1, col]
        for ax in (top, bottom):
            for start, end in comparison.recessions:
                ax.axvspan(start, end, color=RECESSION, alpha=0.6, lw=0)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7.5)
            ax.set_xlim(0, comparison.steps)
        top.plot(_column(b, "step"), _column(b, column), "--", color=WITHOUT_TOOL, lw=1.5)
        top.plot(_column(a, "step"), _column(a, column), color=WITH_TOOL, lw=1.6)
        top.set_title(label, fontsize=8)
        n = min(len(a), len(b))
        difference = _column(a, column)[:n] - _column(b, column)[:n]
        bottom.axhline(0, color="#444", lw=0.8)
        bottom.plot(_column(a, "step")[:n], difference, color="#6a4c93", lw=1.5)
        bottom.set_title("difference (with − without)", fontsize=8)
        bottom.set_xlabel("month", fontsize=8)
        _axis_format(top, kind)
        _axis_format(bottom, kind)
    fig.legend(
        handles=axes[0, 0].get_lines()[::-1],
        labels=[f"with {comparison.tool_label.lower()}", "without it"],
        loc="upper center",
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    return fig


# ---------------------------------------------------------------------------
# the trade graph


def _trade_graph(model: SolidarityEconomy):
    """Purchase and supply edges of the model's networkx graph, undirected."""
    import networkx as nx

    trade = nx.Graph()
    trade.add_nodes_from(n for n, kind in model.graph.nodes(data="kind") if kind in _KINDS)
    trade.add_edges_from(
        (u, v)
        for u, v, relation in model.graph.edges(data="relation")
        if relation in ("purchase", "supply")
    )
    return trade


_KINDS = ("household", "coop")


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

    trade = _trade_graph(model)
    # Co-ops pinned on a circle, grouped by community, and households left to
    # settle between the co-ops they buy from: a free spring layout piles the
    # co-ops of a community on one spot, where no one can count them.
    coops = sorted(
        (n for n, kind in model.graph.nodes(data="kind") if kind == "coop"),
        key=lambda n: (model.graph.nodes[n].get("community", 0), model.graph.nodes[n]["index"]),
    )
    angle = 2 * np.pi * np.arange(len(coops)) / max(len(coops), 1)
    pinned = {n: (np.cos(a), np.sin(a)) for n, a in zip(coops, angle, strict=True)}
    pos = nx.spring_layout(
        trade, pos=pinned or None, fixed=list(pinned) or None, seed=7, iterations=60, k=0.12
    )
    kinds = dict(model.graph.nodes(data="kind"))
    layout = {
        f"{kind}s": np.array(
            [pos[f"{kind}:{i}"] for i in range(sum(k == kind for k in kinds.values()))]
        ).reshape(-1, 2)
        for kind in _KINDS
    }
    model.__dict__["_trade_layout"] = layout
    return layout


HOUSEHOLD_COLOURS = {
    "works locally": "#2a9d8f",
    "outside job": "#457b9d",
    "unemployed": "#e9c46a",
    "in distress": "#d62828",
}


def agent_states(model: SolidarityEconomy) -> tuple[list[str], list[bool], list[str]]:
    """Household states and, per business, whether it trades and its kind.

    Returns each household's state (a :data:`HOUSEHOLD_COLOURS` key), then for
    every business in the order of the graph's ``coop:<j>`` nodes (co-ops and
    conventional firms share those rows) whether it trades and its kind,
    ``"coop"`` or ``"firm"``.
    """
    from solsim.agents import Household

    names = list(HOUSEHOLD_COLOURS)
    work = {"coop": names[0], "firm": names[0], "outside": names[1], "unemployed": names[2]}
    households = sorted(model.agents_by_type[Household], key=lambda h: h.index)
    states = [names[3] if h.distressed else work.get(h.employment, names[2]) for h in households]
    businesses = sorted(
        (
            agent
            for cls, agents in model.agents_by_type.items()
            if getattr(cls, "kind", "") in ("coop", "firm")
            for agent in agents
        ),
        key=lambda b: b.index,
    )
    return states, [bool(b.active) for b in businesses], [b.kind for b in businesses]


def graph_figure(model: SolidarityEconomy) -> Figure:
    """The trade graph: households by work and distress, co-ops trading or failed.

    Only purchase (household → co-op) and supply (co-op → co-op) edges are drawn,
    faint, so that the colours of the households carry the picture; the key sits
    below the drawing, where it hides no node.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    xy = trade_layout(model)
    hh, co = xy["households"], xy["coops"]
    n_h = len(hh)
    index = {f"household:{i}": hh[i] for i in range(n_h)} | {
        f"coop:{j}": co[j] for j in range(len(co))
    }
    edges = model.__dict__.get("_trade_segments")
    if edges is None:
        edges = np.array([(index[u], index[v]) for u, v in _trade_graph(model).edges()])
        model.__dict__["_trade_segments"] = edges
    states, active, kinds = agent_states(model)
    active = np.array(active, dtype=bool)
    coop = np.array([k == "coop" for k in kinds], dtype=bool)

    fig = Figure(figsize=(5.4, 5.6))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.16)
    ax = fig.subplots()
    if len(edges):
        ax.add_collection(LineCollection(edges, colors="#c8c8c8", linewidths=0.35, alpha=0.5))
    colours = [HOUSEHOLD_COLOURS[s] for s in states]
    # Households in distress are drawn last and larger: they are few and the point.
    order = np.argsort([s == "in distress" for s in states], kind="stable")
    sizes = np.where(np.array(states)[order] == "in distress", 30, 14)
    ax.scatter(hh[order, 0], hh[order, 1], s=sizes, c=np.array(colours)[order], lw=0, zorder=2)
    for mask, marker, colour in ((coop, "s", "#264653"), (~coop, "^", "#9c6644")):
        on, off = mask & active, mask & ~active
        ax.scatter(co[on, 0], co[on, 1], s=110, marker=marker, c=colour, ec="w", zorder=3)
        ax.scatter(co[off, 0], co[off, 1], s=110, marker="X", c="#999999", zorder=3)
    ax.set_axis_off()
    counts = {name: states.count(name) for name in HOUSEHOLD_COLOURS}
    ax.set_title(
        f"Who buys from whom: {int((active & coop).sum())} of {int(coop.sum())} co-ops trading, "
        f"{counts['in distress']} households in distress",
        fontsize=9,
    )

    def key(colour: str, marker: str = "o") -> Line2D:
        return Line2D([], [], ls="", marker=marker, color=colour, markersize=7)

    fig.legend(
        [
            *(key(c) for c in HOUSEHOLD_COLOURS.values()),
            key("#264653", "s"),
            key("#9c6644", "^"),
            key("#999999", "X"),
        ],
        [f"{name} ({counts[name]})" for name in HOUSEHOLD_COLOURS]
        + ["co-op", "local firm", "closed"],
        fontsize=7.5,
        loc="lower center",
        ncols=3,
        frameon=False,
    )
    return fig


def graph_summary(model: SolidarityEconomy) -> list[str]:
    """The trade graph in words, for economies too large to draw household by household."""
    states, active, kinds = agent_states(model)
    counts = {name: states.count(name) for name in HOUSEHOLD_COLOURS}
    coops = [a for a, k in zip(active, kinds, strict=True) if k == "coop"]
    firms = [a for a, k in zip(active, kinds, strict=True) if k == "firm"]
    graph = model.graph
    relations: dict[str, int] = {}
    for _u, _v, relation in graph.edges(data="relation"):
        relations[relation] = relations.get(relation, 0) + 1
    n_h, n_c = len(states), len(active)
    lines = [
        f"{n_h:,} households: {counts['works locally']:,} work at a local co-op or firm, "
        f"{counts['outside job']:,} have an outside job, {counts['unemployed']:,} are "
        f"unemployed; {counts['in distress']:,} are in distress.",
        f"{len(coops)} co-ops: {sum(coops)} trading, {len(coops) - sum(coops)} failed.",
    ]
    if firms:
        lines.append(
            f"{len(firms)} local firms: {sum(firms)} trading, {len(firms) - sum(firms)} closed."
        )
    purchases = relations.get("purchase", 0) / max(n_h, 1)
    supplies = relations.get("supply", 0) / max(n_c, 1)
    lines.append(
        f"A household buys from {purchases:.1f} businesses on average; a business buys inputs "
        f"from {supplies:.1f} others."
    )
    return lines


def summary_table(rows: Sequence[tuple[str, str, str, str]]) -> str:
    """Rows of (metric, with, without, difference) as a Markdown table."""
    lines = ["| over the whole run | with | without | difference |", "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)
