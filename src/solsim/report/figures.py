"""The report's figures: one function per picture, each returning a matplotlib Figure.

Figures are built on :class:`matplotlib.figure.Figure` directly (never pyplot),
so they draw with the Agg renderer whatever backend a notebook or server has
chosen, and no global figure state is touched. Every function takes a
:class:`~solsim.report.data.ReportData` (or the table it needs) and is usable
on its own in a notebook::

    from solsim.report import figures, simulate
    data = simulate({"baseline": "scenarios/baseline.toml"}, replicates=5)
    figures.timeseries_figure(data, "output")

Bands are the 5–95% range across replicates, lines their median.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter

from solsim import metrics
from solsim.report import catalog as C
from solsim.report.data import ReportData
from solsim.storage import atomic_write

LOW, HIGH = 0.05, 0.95
REFERENCE_COLOR = "#4d4d4d"
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
)

# metric -> (axis label, scale the values are multiplied by); "{money}" is the
# currency's thousands or millions (see money_unit).
SERIES: dict[str, tuple[str, float]] = {
    "output": ("output of co-ops and local firms ({money} a month)", 1e-3),
    "active_coops": ("active co-ops", 1.0),
    "distress_share": ("households in distress (%)", 100.0),
    "gini": ("Gini of household net worth", 1.0),
    "unemployment": ("unemployment (%)", 100.0),
    "velocity": ("velocity of money (a year)", 1.0),
    "investor_return": ("outside investors' return (% a year)", 100.0),
    "community_return": ("local household income ({money}, to date)", 1e-6),
}


def money_unit(scale: float, currency: str = "") -> str:
    """Words for money scaled by ``scale``: ``thousands``, ``£ millions``, ``EUR thousands``."""
    word = {1e-3: "thousands", 1e-6: "millions"}.get(scale, "")
    if not currency:
        return f"{word} of currency units" if word else "currency units"
    return f"{currency} {word}".strip()


def label(metric: str, currency: str = "") -> str:
    """Readable name of a summary metric with its unit (see :mod:`solsim.report.catalog`)."""
    return C.label(metric, currency)


def plain_axes(fig: Figure) -> Figure:
    """No offset or scientific notation on any axis: ticks read as the numbers they are."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_useOffset(False)
                formatter.set_scientific(False)
    return fig


def _ticks(value: float, _pos=None) -> str:
    """A tick label with thousands separators and no more decimals than it needs."""
    if value == 0:
        return "0"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text.replace("-", C.MINUS)


def colors(names: list[str], reference: str | None = None) -> dict[str, str]:
    """A fixed colour per scenario; the reference is dark grey."""
    out, others = {}, iter(PALETTE * (1 + len(names) // len(PALETTE)))
    for name in names:
        out[name] = REFERENCE_COLOR if name == reference else next(others)
    return out


def bands(timeseries: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Median and 5–95% band of a metric per scenario and month, across replicates.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``step``, ``low``, ``median``, ``high``.
    """
    grouped = timeseries.groupby(["scenario", "step"], sort=False)[metric]
    out = grouped.quantile([LOW, 0.5, HIGH]).unstack()
    out.columns = ["low", "median", "high"]
    return out.reset_index()


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _grid(n: int, width: float = 2.9, height: float = 2.5) -> tuple[Figure, np.ndarray]:
    cols = n if n <= 5 else 4
    rows = -(-n // cols)
    fig = Figure(figsize=(max(width * cols, 6.0), height * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def _shade_shock(ax, data: ReportData) -> None:
    window = data.shock_window()
    if window:
        ax.axvspan(window[0] - 0.5, window[1] + 0.5, color="#f2c6c2", alpha=0.45, lw=0)


def timeseries_figure(data: ReportData, metric: str, title: str | None = None) -> Figure:
    """One panel per scenario: median and 5–95% band of ``metric`` over the months.

    The reference scenario's median is drawn dashed in every other panel; the
    first scheduled shock is shaded.
    """
    ylabel, scale = SERIES.get(metric, (metric.replace("_", " "), 1.0))
    ylabel = ylabel.format(money=money_unit(scale, data.currency))
    names = data.scenario_names
    palette = colors(names, data.reference)
    table = bands(data.timeseries, metric)
    ref = table[table["scenario"] == data.reference]
    fig, axes = _grid(len(names))
    for ax, name in zip(axes, names, strict=True):
        own = table[table["scenario"] == name]
        _shade_shock(ax, data)
        if name != data.reference and not ref.empty:
            ax.plot(
                ref["step"], ref["median"] * scale, ls="--", lw=1.0, color=REFERENCE_COLOR,
                label=f"{data.reference} (median)",
            )  # fmt: skip
        ax.fill_between(
            own["step"], own["low"] * scale, own["high"] * scale,
            color=palette[name], alpha=0.25, lw=0, label="5–95%",
        )  # fmt: skip
        ax.plot(own["step"], own["median"] * scale, color=palette[name], lw=1.6, label="median")
        ax.set_title(_wrap(name), fontsize=9, color=palette[name])
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    fig.suptitle(title or ylabel[0].upper() + ylabel[1:], fontsize=11)
    return plain_axes(fig)


def lorenz_table(households: pd.DataFrame, points: int = 101) -> pd.DataFrame:
    """Lorenz curves of final net worth: median and 5–95% band per scenario.

    Each replicate's curve is evaluated at ``points`` population shares
    (:func:`solsim.metrics.lorenz`), then summarised across replicates.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``population``, ``low``, ``median``, ``high``.
    """
    grid = np.linspace(0.0, 1.0, points)
    rows = []
    for (name, _), group in households.groupby(["scenario", "replicate"], sort=False):
        _, share = metrics.lorenz(group["net_worth"].to_numpy(), points=grid)
        rows.append(pd.DataFrame({"scenario": name, "population": grid, "share": share}))
    curves = pd.concat(rows, ignore_index=True)
    out = curves.groupby(["scenario", "population"], sort=False)["share"].quantile([LOW, 0.5, HIGH])
    out = out.unstack()
    out.columns = ["low", "median", "high"]
    return out.reset_index()


def lorenz_figure(data: ReportData) -> Figure:
    """Lorenz curves of household net worth at the end of the runs.

    Left: the curves (median across replicates, 5–95% band). Right: each
    scenario's median curve minus the reference's, in percentage points of
    total wealth, where small differences show.
    """
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    names = data.scenario_names
    palette = colors(names, data.reference)
    if data.households is None or data.households.empty:
        for ax in (left, right):
            ax.text(0.5, 0.5, "no household table in these results", ha="center", va="center")
            ax.set_axis_off()
        return fig
    table = lorenz_table(data.households)
    gini = (
        data.summaries.groupby("scenario")["final_gini"].median()
        if "final_gini" in data.summaries
        else pd.Series(dtype=float)
    )
    left.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":", label="equality")
    ref = table[table["scenario"] == data.reference].set_index("population")["median"]
    for name in names:
        own = table[table["scenario"] == name]
        if own.empty:
            continue
        text = f"{name} (Gini {gini[name]:.3f})" if name in gini else name
        left.fill_between(
            own["population"], own["low"], own["high"], color=palette[name], alpha=0.15, lw=0
        )
        left.plot(own["population"], own["median"], color=palette[name], lw=1.4, label=text)
        gap = (own.set_index("population")["median"] - ref) * 100.0
        right.plot(gap.index, gap.to_numpy(), color=palette[name], lw=1.4, label=name)
    left.set_xlabel("share of households, poorest first")
    left.set_ylabel("share of net worth")
    left.set_title("Lorenz curves at the end (median, 5–95%)", fontsize=10)
    left.legend(fontsize=7, loc="upper left")
    left.grid(alpha=0.3)
    right.axhline(0.0, color="#999999", lw=0.8)
    right.set_xlabel("share of households, poorest first")
    right.set_ylabel("difference (percentage points)")
    right.set_title(f"Median curve minus {data.reference}'s", fontsize=10)
    right.legend(fontsize=7)
    right.grid(alpha=0.3)
    return plain_axes(fig)


def _interval(values: pd.Series) -> tuple[float, float, float]:
    """5% quantile, mean and 95% quantile across runs (nan when there are none)."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return np.nan, np.nan, np.nan
    low, high = np.quantile(values.to_numpy(dtype=float), [LOW, HIGH])
    return float(low), float(values.mean()), float(high)


def _whiskers(ax, x: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    """The 5–95% range of runs as a vertical line with caps (a skewed mean may lie outside)."""
    ax.vlines(x, low, high, color="black", lw=0.8)
    ax.scatter(np.concatenate([x, x]), np.concatenate([low, high]), marker="_", s=25,
               color="black", lw=0.8)  # fmt: skip


def _against(ax, rows: list[dict], unit: str, verb: str) -> None:
    """Horizontal bars: what each row could lose (outline), what it lost (filled,
    mean across runs) and the 5–95% range of runs (whiskers), with the numbers."""
    y = np.arange(len(rows))[::-1]
    scale = 1e-3
    for yi, row in zip(y, rows, strict=True):
        size = row["size"]
        if size and np.isfinite(size):
            ax.barh(yi, size * scale, 0.62, facecolor="#f4f4f6", edgecolor="#8a8a8f", lw=0.8)
        low, mean, high = row["stats"]
        if np.isfinite(mean):
            ax.barh(yi, mean * scale, 0.62, color=row["color"])
            ax.hlines(yi, low * scale, high * scale, color="black", lw=0.8)
        text = f"{verb} {C.money(mean, row['currency'])}" if np.isfinite(mean) else "no runs"
        if size and np.isfinite(size):
            share = mean / size * 100 if np.isfinite(mean) else np.nan
            text += f" of {C.money(size, row['currency'])}"
            text += f" ({share:.0f}%)" if np.isfinite(share) else ""
        note = ax.annotate(text, (1, yi), xycoords=("axes fraction", "data"), xytext=(-4, 0),
                           textcoords="offset points", ha="right", va="center", fontsize=7.5,
                           color="#333333")  # fmt: skip
        note.set_in_layout(False)  # inside the axes: the layout need not make room for it
    ax.set_yticks(y, [row["label"] for row in rows], fontsize=8)
    # Rows keep their height however few there are; the first at the top.
    ax.set_ylim(len(rows) - 0.4 - max(len(rows), 6), len(rows) - 0.4)
    ax.set_xlabel(unit)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(_ticks))
    ax.grid(axis="x", alpha=0.3)
    biggest = max([r["size"] for r in rows if r["size"] and np.isfinite(r["size"])] or [1.0])
    # Room on the right for the numbers.
    ax.set_xlim(0, biggest * scale * 1.9)


def losses_figure(data: ReportData) -> Figure:
    """Who carried the losses: each tranche's loss against its size, and what each
    instrument's loss layer paid against its reserve.

    Bars are means across replicates (the expected loss) inside an outline of what
    could be lost; whiskers the 5–95% range of runs. Tranches are those of each
    scenario's capital stacks, summed over the funds that have them.
    """
    from solsim.report.answer import setup_of

    s = data.summaries
    names = data.scenario_names
    palette = colors(names, data.reference)
    currency = data.currency
    tranche_rows, layer_rows = [], []
    layers = C.layers()
    for name in names:
        runs = s[s["scenario"] == name]
        setup = setup_of(data.scenarios.get(name))
        if setup is not None:
            tranches = [(t.name, t.holder, t.size) for t in setup.tranches]
        else:
            tranches = [
                (c.removeprefix("loss_"), "", np.nan)
                for c in runs.columns
                if c.startswith("loss_") and runs[c].notna().any()
            ]
        for tranche, holder, size in tranches:
            column = f"loss_{tranche}"
            stats = _interval(runs[column]) if column in runs else (0.0, 0.0, 0.0)
            tranche_rows.append(
                {
                    "label": f"{name} · {tranche}"
                    + (f" ({holder})" if holder and holder != tranche else ""),
                    "size": size,
                    "stats": stats,
                    "color": palette[name],
                    "currency": currency,
                }
            )
        for holder, layer in layers.items():
            if setup is None or holder not in setup.layers:
                continue
            column = layer.column
            stats = _interval(runs[column]) if column in runs else (np.nan,) * 3
            layer_rows.append(
                {
                    "label": name if len(layers) == 1 else f"{name} · {layer.name}",
                    "size": setup.layers[holder],
                    "stats": stats,
                    "color": palette[name],
                    "currency": currency,
                }
            )
    height = max(3.2, 0.36 * max(len(tranche_rows), 1) + 1.4)
    fig = Figure(figsize=(11.0, height), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    unit = money_unit(1e-3, currency)
    if tranche_rows:
        _against(left, tranche_rows, unit, "lost")
    else:
        left.text(0.5, 0.5, "no tranche losses recorded", ha="center", va="center")
        left.set_axis_off()
    left.set_title("Each tranche's loss against its size", fontsize=10)
    names_of_layers = " or ".join(layer.name for layer in layers.values()) or "loss layer"
    if layer_rows:
        _against(right, layer_rows, unit, "paid")
    else:
        right.text(0.5, 0.5, f"nothing paid by {names_of_layers}\nin these scenarios",
                   ha="center", va="center", transform=right.transAxes,
                   color="#666666")  # fmt: skip
        right.set_xticks([])
        right.set_yticks([])
    right.set_title(f"Paid by {names_of_layers} against the reserve", fontsize=10)
    fig.suptitle(
        "Who carried the losses by the end of the run: mean across runs (filled), "
        "5–95% of runs (whiskers), what could be lost (outline)",
        fontsize=10,
    )
    return plain_axes(fig)


def returns_figure(data: ReportData) -> Figure:
    """Who gained: household income against investor return, one dot per run.

    Left: each run's money-weighted annual return to outside investors (x) against the
    income paid to local households over the run — wages, patronage and
    deposit interest (y); large markers are scenario medians. Right: investor
    return over the months (median per scenario).
    """
    s = data.summaries
    names = data.scenario_names
    palette = colors(names, data.reference)
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    # The money-weighted IRR; the value multiple in results written before it.
    investor = C.pick(s.columns, "investor")
    for name in names:
        rows = s[s["scenario"] == name]
        if investor is None or "community_return" not in rows:
            continue
        x = pd.to_numeric(rows[investor], errors="coerce") * 100.0
        y = pd.to_numeric(rows["community_return"], errors="coerce") / 1e6
        left.scatter(x, y, s=12, alpha=0.45, color=palette[name], lw=0)
        left.scatter(
            x.median(), y.median(), s=90, color=palette[name], edgecolor="black", lw=0.8,
            label=name, zorder=3,
        )  # fmt: skip
    left.set_xlabel("outside investors' return (% a year)")
    left.set_ylabel(f"local household income ({money_unit(1e-6, data.currency)})")
    # At least one percentage point wide: differences in the fourth decimal of a
    # return are noise, not a spread to magnify.
    low, high = left.get_xlim()
    if high - low < 1.0:
        middle = (low + high) / 2
        left.set_xlim(middle - 0.5, middle + 0.5)
    left.set_title("Household income against investor return (whole run)", fontsize=10)
    left.legend(fontsize=7)
    left.grid(alpha=0.3)
    left.xaxis.set_major_locator(MaxNLocator(5))
    if "investor_return" in data.timeseries:
        table = bands(data.timeseries, "investor_return")
        _shade_shock(right, data)
        for name in names:
            own = table[table["scenario"] == name]
            right.plot(own["step"], own["median"] * 100.0, color=palette[name], lw=1.4, label=name)
        right.set_ylim(bottom=min(-1.0, float(np.nanmin(table["median"]) * 100.0) - 0.5))
    right.set_xlabel("month")
    right.set_ylabel("outside investors' return to date (% a year)")
    right.set_title("Investor return over time (median)", fontsize=10)
    right.legend(fontsize=7)
    right.grid(alpha=0.3)
    return plain_axes(fig)


def differences_figure(
    comparison: pd.DataFrame,
    reference: str,
    metrics_: list[str],
    currency: str = "",
    capital: float = np.nan,
) -> Figure:
    """Paired differences from the reference with their confidence intervals.

    One panel per metric, in the metric's unit (shares in percentage points,
    money in thousands or millions); a dot per scenario at its mean difference,
    whiskers its 95% confidence interval; the line at zero is "no difference"
    and the grey band the changes too small to matter (the metric's
    materiality threshold, :mod:`solsim.report.catalog`).
    """
    metrics_ = [m for m in metrics_ if m in set(comparison["metric"])]
    others = [n for n in dict.fromkeys(comparison["scenario"]) if n != reference]
    palette = colors([reference, *others], reference)
    cols = min(len(metrics_), 3) or 1
    rows = -(-len(metrics_) // cols) or 1
    fig = Figure(figsize=(3.9 * cols, (0.42 * len(others) + 1.35) * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[len(metrics_) :]:
        ax.set_visible(False)
    for ax, metric in zip(axes, metrics_, strict=False):
        info = C.info(metric)
        table = comparison[(comparison["metric"] == metric) & (comparison["scenario"] != reference)]
        table = table.set_index("scenario").reindex(others)
        values = table[["difference", "ci_low", "ci_high"]].astype(float).to_numpy()
        scale, unit = _change_scale(info, values, currency)
        y = np.arange(len(others))[::-1]
        reference_mean = float(table["reference_mean"].dropna().iloc[0]) if table[
            "reference_mean"].notna().any() else np.nan  # fmt: skip
        threshold = info.threshold(reference_mean, capital) * scale
        if np.isfinite(threshold) and threshold > 0:
            ax.axvspan(-threshold, threshold, color="#e8e8ec", lw=0, zorder=0)
        for yi, name in zip(y, others, strict=True):
            d, lo, hi = table.loc[name, ["difference", "ci_low", "ci_high"]].astype(float) * scale
            err = [[d - lo], [hi - d]] if np.isfinite(lo) and np.isfinite(hi) else None
            ax.errorbar(d, yi, xerr=err, fmt="o", color=palette[name], capsize=3, ms=5)
        ax.axvline(0.0, color="#999999", lw=0.8)
        ax.set_yticks(y, others, fontsize=8)
        ax.set_title(_wrap(info.label, 34), fontsize=9)
        ax.set_xlabel(f"change ({unit})" if unit else "change", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(FuncFormatter(_ticks))
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.set_ylim(-0.7, len(others) - 0.3)
    fig.suptitle(
        f"Difference from {reference} (mean, 95% confidence interval; grey: too small to matter)",
        fontsize=11,
    )
    return plain_axes(fig)


def _change_scale(info: C.Metric, values: np.ndarray, currency: str) -> tuple[float, str]:
    """Scale and unit of a metric's changes on an axis: pp for shares, money in
    thousands or millions."""
    if info.unit in ("share", "rate"):
        return 100.0, "pp a year" if info.unit == "rate" else "pp"
    if info.unit == "money":
        finite = np.abs(values[np.isfinite(values)])
        biggest = float(finite.max()) if finite.size else 0.0
        scale = 1e-6 if biggest >= 1e6 else (1e-3 if biggest >= 1e3 else 1.0)
        return scale, money_unit(scale, currency)
    return 1.0, C.unit_name(info, currency, change=True)


# The core's metrics of the paired-difference figure (the table shows all of them);
# the instruments' key columns follow.
FOREST_METRICS: tuple[str, ...] = (
    "coop_hazard",
    "coop_failure_hazard",
    "drawdown",
    "area_lost",
    "coop_failures",
    "mean_distress_share",
    "final_gini",
    "mean_velocity",
    "investor_irr",
    "investor_return",
    "return_parity",
    "community_return",
)


# -------------------------------------------------------------- the trade graph
NODE_STYLE: dict[str, tuple[str, str]] = {
    # state -> (colour, legend text)
    "household:coop": ("#2ca02c", "household, co-op member"),
    "household:firm": ("#9467bd", "household, local firm job"),
    "household:outside": ("#8fb8de", "household, outside job"),
    "household:unemployed": ("#bdbdbd", "household, unemployed"),
    "coop:active": ("#1f5f99", "co-op, active"),
    "coop:refounded": ("#ff9f1c", "co-op, failed and refounded"),
    "coop:failed": ("#d62728", "co-op, failed"),
    "firm:active": ("#7f7f7f", "local firm, active"),
    "firm:refounded": ("#e7ba52", "local firm, failed and replaced"),
    "firm:failed": ("#843c39", "local firm, failed"),
    "fund": ("#6a3d9a", "fund"),
}
DISTRESS_EDGE = "#d62728"


def network_figure(model, max_households: int = 300, seed: int = 0) -> Figure:
    """The trade graph at the end of a run, coloured by agent type and state.

    Households are coloured by employment (co-op, local firm, outside,
    unemployed) and outlined red when in distress; co-ops and conventional
    local firms by kind and state (active, failed and refounded, failed);
    funds are linked to the co-ops they lend to. Economies
    with more than ``max_households`` households are drawn without their
    households (the co-op supply network and the funds only), which stays
    readable at any size.

    Parameters
    ----------
    model : SolidarityEconomy
        A finished model.
    max_households
        Largest economy drawn household by household.
    seed
        Seed of the layout (positions only; not the model's randomness).
    """
    import networkx as nx

    e = model.economy
    graph = nx.Graph()
    with_households = e.n_households <= max_households
    kind = np.where(e.firm_is_coop, "coop", "firm")
    status = np.where(
        e.firm_active, np.where(e.firm_first_failed_at >= 0, "refounded", "active"), "failed"
    )
    coop_state = np.char.add(np.char.add(kind, ":"), status)
    for j in range(e.n_firms):
        graph.add_node(f"c{j}", state=str(coop_state[j]), distressed=False)
    sup = e.network.supply.tocoo()
    graph.add_edges_from(
        (f"c{i}", f"c{j}", {"relation": "supply"})
        for i, j in zip(sup.row.tolist(), sup.col.tolist(), strict=True)
    )
    for k in range(e.n_funds):
        graph.add_node(f"f{k}", state="fund", distressed=False)
    lending = np.flatnonzero(e.loan_active)
    graph.add_edges_from(
        (f"f{int(e.loan_fund[j])}", f"c{int(j)}", {"relation": "lending"}) for j in lending
    )
    if with_households:
        employer = e.hh_employer
        works_at_coop = e.firm_is_coop[np.maximum(employer, 0)]
        state = np.where(
            employer >= 0,
            np.where(works_at_coop, "household:coop", "household:firm"),
            np.where(employer == -1, "household:outside", "household:unemployed"),
        )
        for i in range(e.n_households):
            graph.add_node(f"h{i}", state=str(state[i]), distressed=bool(e.hh_distressed[i]))
        pur = e.network.purchase.tocoo()
        graph.add_edges_from(
            (f"h{i}", f"c{j}", {"relation": "purchase"})
            for i, j in zip(pur.row.tolist(), pur.col.tolist(), strict=True)
        )
        members = np.flatnonzero(employer >= 0)
        graph.add_edges_from(
            (f"h{i}", f"c{int(employer[i])}", {"relation": "employment"}) for i in members
        )
    pos = nx.spring_layout(graph, seed=seed, k=1.6 / np.sqrt(max(graph.number_of_nodes(), 1)))

    fig = Figure(figsize=(9.0, 7.0), layout="constrained")
    ax = fig.subplots()
    styles = {
        "purchase": ("#c7c7c7", 0.35, 0.4),
        "employment": ("#2ca02c", 0.6, 0.5),
        "supply": ("#1f5f99", 0.8, 0.6),
        "lending": ("#6a3d9a", 1.0, 0.7),
    }
    for relation, (color, width, alpha) in styles.items():
        edges = [(u, v) for u, v, r in graph.edges(data="relation") if r == relation]
        if edges:
            nx.draw_networkx_edges(
                graph, pos, edgelist=edges, ax=ax, edge_color=color, width=width, alpha=alpha
            )
    for state, (color, text) in NODE_STYLE.items():
        nodes = [n for n, s in graph.nodes(data="state") if s == state]
        if not nodes:
            continue
        is_household = state.startswith("household")
        edge = [DISTRESS_EDGE if graph.nodes[n]["distressed"] else "white" for n in nodes]
        nx.draw_networkx_nodes(
            graph, pos, nodelist=nodes, ax=ax, node_color=color, label=text,
            node_size=28 if is_household else (160 if state == "fund" else 90),
            node_shape="o" if is_household else ("D" if state == "fund" else "s"),
            edgecolors=edge, linewidths=1.2 if is_household else 0.6,
        )  # fmt: skip
    if with_households and e.hh_distressed.any():
        ax.scatter([], [], s=28, facecolor="white", edgecolor=DISTRESS_EDGE, label="in distress")
    ax.legend(fontsize=7, loc="lower left", framealpha=0.9)
    ax.set_axis_off()
    firms = f"{e.n_coops} co-ops, {e.n_conventional} local firms"
    funds = f"{e.n_funds} fund{'s' if e.n_funds != 1 else ''}"
    scope = (
        f"{e.n_households} households, {firms}, {funds}"
        if with_households
        else f"{firms} and {funds} "
        f"({e.n_households} households not drawn: more than {max_households})"
    )
    ax.set_title(f"{model.params.name}, month {e.month}: {scope}", fontsize=10)
    return fig


# -------------------------------------------------------------- saving
def save_figure(fig: Figure, directory: str | Path, name: str, dpi: int = 110) -> bytes:
    """Write ``name.png`` and ``name.svg`` under ``directory``; return the PNG bytes.

    Both files are written atomically (temporary name, then rename).
    """
    directory = Path(directory)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi)
    # The layout is settled by the first save; freezing it halves the cost of the second.
    fig.set_layout_engine("none")
    svg = io.BytesIO()
    # Keep text as text in the SVG: smaller, searchable, editable.
    fig.savefig(svg, format="svg", metadata={"Date": None})
    for suffix, content in (("png", png.getvalue()), ("svg", svg.getvalue())):
        path = directory / f"{name}.{suffix}"
        atomic_write(path, lambda tmp, content=content: tmp.write_bytes(content))
    return png.getvalue()


def all_figures(data: ReportData, comparison: pd.DataFrame | None = None) -> dict[str, Figure]:
    """Every figure of the report, by file name (without extension)."""
    from solsim.report.data import comparison_table

    out = {
        "output": timeseries_figure(data, "output", "Local output"),
        "coop_survival": timeseries_figure(data, "active_coops", "Co-op survival: active co-ops"),
        "distress": timeseries_figure(data, "distress_share", "Households in distress"),
        "gini": timeseries_figure(data, "gini", "Inequality: Gini of household net worth"),
        "lorenz": lorenz_figure(data),
        "losses": losses_figure(data),
        "returns": returns_figure(data),
    }
    if comparison is None:
        comparison = comparison_table(data)
    if len(data.scenario_names) > 1:
        from solsim.report.answer import setup_of

        forest = FOREST_METRICS + C.key_metrics()
        wanted = [m for m in forest if m in set(comparison["metric"])]
        setup = setup_of(data.scenarios.get(data.reference))
        capital = setup.total_capital if setup is not None else np.nan
        out["differences"] = differences_figure(
            comparison, data.reference, wanted, data.currency, capital
        )
    model = data.models.get(data.reference) or next(iter(data.models.values()), None)
    if model is not None:
        out["network"] = network_figure(model)
    return out
