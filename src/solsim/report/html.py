"""``report.html``: one self-contained page comparing risk structures.

The page needs nothing but a browser: figures are embedded as base64 PNG, the
style sheet is inline, and nothing is fetched from the network. Every figure is
also written as PNG and SVG beside it, under ``figures/``.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solsim.report import figures as F
from solsim.report.data import (
    ReportData,
    comparison_table,
    flatten_settings,
    metric_columns,
    settings_diff,
)
from solsim.storage import atomic_write

# (anchor, heading) of every section, in page order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "At a glance"),
    ("output", "Local output"),
    ("survival", "Co-op survival"),
    ("distress", "Household distress"),
    ("inequality", "Inequality over time"),
    ("lorenz", "Lorenz curves at the end"),
    ("losses", "Losses per tranche and guarantee payouts"),
    ("returns", "Community return and investor return"),
    ("differences", "Paired differences from the reference"),
    ("network", "The trade graph"),
    ("settings", "Scenario settings"),
    ("about", "About these results"),
)

# +1: higher is better for the community; -1: lower is better; 0: neither.
DIRECTION: dict[str, int] = {
    "drawdown": -1,
    "recovery_time": -1,
    "area_lost": -1,
    "coop_failures": -1,
    "active_coops_final": 1,
    "mean_distress_share": -1,
    "peak_unemployment": -1,
    "final_gini": -1,
    "final_palma": -1,
    "final_top10_share": -1,
    "final_theil": -1,
    "mean_velocity": 1,
    "mean_output": 1,
    "community_return": 1,
    "investor_return": 1,
}

CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --bg: #fafafa;
        --good: #1b7f3b; --bad: #b3261e; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; margin: 0; line-height: 1.45; }
header { background: #17324d; color: #fff; padding: 1.4rem 2rem 1rem; }
header h1 { margin: 0 0 .3rem; font-size: 1.6rem; }
header p { margin: .2rem 0; color: #dbe6f0; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line);
      padding: .5rem 2rem; font-size: .85rem; z-index: 2; display: flex; flex-wrap: wrap;
      gap: .2rem .9rem; }
nav a { color: #17324d; text-decoration: none; white-space: nowrap; }
main { max-width: 1180px; margin: 0 auto; padding: 0 2rem 3rem; }
section { border-bottom: 1px solid var(--line); padding: 1.2rem 0 1.4rem; }
h2 { font-size: 1.25rem; margin: .4rem 0 .6rem; color: #17324d; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: 0; max-width: 75ch; }
figure { margin: .6rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0 .8rem; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: right;
         vertical-align: top; }
th { background: var(--bg); }
td.key, th.key { text-align: left; }
td small { color: var(--muted); display: block; }
td.good { color: var(--good); font-weight: 600; }
td.bad { color: var(--bad); font-weight: 600; }
td.sig { font-weight: 600; }
ul.findings li { margin: .2rem 0; }
pre { background: var(--bg); border: 1px solid var(--line); padding: .6rem;
      font-size: .8rem; overflow-x: auto; }
code { font-size: .85em; }
.note { color: var(--muted); font-size: .85rem; }
.settings { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
            gap: 0 1rem; }
.settings pre { margin-top: 0; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: Any, metric: str = "") -> str:
    """A number as a reader wants it: shares as %, money with separators."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "—"
    if _is_share(metric):
        return f"{value * 100:.2f}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


SHARES = ("drawdown", "peak_unemployment", "investor_return")


def _is_share(metric: str) -> bool:
    """Metrics that are fractions, shown as % (differences in percentage points)."""
    return metric.endswith("_share") or metric in SHARES


def _fmt_diff(value: float, metric: str) -> str:
    if value == 0:
        return "0"
    if _is_share(metric):
        return f"{value * 100:+.2f} pp"
    if abs(value) >= 100:
        return f"{value:+,.0f}"
    return f"{value:+.3g}"


def _img(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


# ------------------------------------------------------------------ tables
def summary_table(data: ReportData) -> str:
    """Mean and 5–95% range of each key metric (rows) per scenario (columns)."""
    s = data.summaries
    names = data.scenario_names
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    rows = []
    for metric in metric_columns(s):
        cells = []
        for name in names:
            values = pd.to_numeric(s.loc[s["scenario"] == name, metric], errors="coerce").dropna()
            if values.empty:
                cells.append("<td>—</td>")
                continue
            low, high = np.quantile(values.to_numpy(dtype=float), [F.LOW, F.HIGH])
            spread = f"<small>{fmt(low, metric)} – {fmt(high, metric)}</small>"
            if len(values) < 2:
                spread = ""
            cells.append(f"<td>{fmt(values.mean(), metric)}{spread}</td>")
        rows.append(f'<tr><td class="key">{_e(F.label(metric))}</td>{"".join(cells)}</tr>')
    return (
        f'<table><thead><tr><th class="key">metric</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _significant(row: Mapping[str, Any]) -> bool:
    low, high = row["ci_low"], row["ci_high"]
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


def _cell_class(metric: str, row: Mapping[str, Any]) -> str:
    if not _significant(row):
        return ""
    direction = DIRECTION.get(metric, 0)
    if direction == 0:
        return "sig"
    return "good" if np.sign(row["difference"]) == direction else "bad"


def differences_table(comparison: pd.DataFrame, reference: str, metrics_: list[str]) -> str:
    """Paired difference from the reference and its 95% CI, metrics × scenarios."""
    others = [n for n in dict.fromkeys(comparison["scenario"]) if n != reference]
    head = "".join(f"<th>{_e(n)}</th>" for n in others)
    index = comparison.set_index(["scenario", "metric"])
    rows = []
    for metric in metrics_:
        if (reference, metric) not in index.index:
            continue
        ref_mean = index.loc[(reference, metric), "reference_mean"]
        own = [index.loc[(n, metric), "difference"] for n in others if (n, metric) in index.index]
        if not np.isfinite(ref_mean) and not np.isfinite(np.asarray(own, dtype=float)).any():
            continue  # e.g. a tranche only some scenarios have: nothing to compare
        cells = []
        for name in others:
            if (name, metric) not in index.index:
                cells.append("<td>—</td>")
                continue
            row = index.loc[(name, metric)]
            if not np.isfinite(row["difference"]):
                cells.append("<td>—</td>")
                continue
            if (row["difference"], row["ci_low"], row["ci_high"]) == (0, 0, 0):
                cells.append('<td class="note">same in every run</td>')
                continue
            ci = (
                f"<small>[{_fmt_diff(row['ci_low'], metric)}, {_fmt_diff(row['ci_high'], metric)}]"
                "</small>"
                if np.isfinite(row["ci_low"])
                else "<small>(one pair: no interval)</small>"
            )
            text = _fmt_diff(row["difference"], metric)
            cells.append(f'<td class="{_cell_class(metric, row)}">{text}{ci}</td>')
        rows.append(
            f'<tr><td class="key">{_e(F.label(metric))}</td><td>{fmt(ref_mean, metric)}</td>'
            f"{''.join(cells)}</tr>"
        )
    return (
        f'<table><thead><tr><th class="key">metric</th><th>{_e(reference)} (mean)</th>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def findings(comparison: pd.DataFrame, reference: str, metrics_: list[str]) -> str:
    """Plain-language list: per scenario, the differences whose interval excludes zero."""
    items = []
    for name in dict.fromkeys(comparison["scenario"]):
        if name == reference:
            continue
        rows = comparison[(comparison["scenario"] == name) & comparison["metric"].isin(metrics_)]
        parts = []
        for _, row in rows.iterrows():
            if not _significant(row):
                continue
            direction = DIRECTION.get(row["metric"], 0)
            verdict = {1: "better", -1: "worse"}.get(
                int(np.sign(row["difference"]) * direction) if direction else 0, ""
            )
            text = (
                f"{_e(F.label(row['metric']))} {_fmt_diff(row['difference'], row['metric'])} "
                f"(95% CI {_fmt_diff(row['ci_low'], row['metric'])} to "
                f"{_fmt_diff(row['ci_high'], row['metric'])})"
            )
            parts.append(f"{text}{f', {verdict}' if verdict else ''}")
        body = "; ".join(parts) if parts else "no difference from the reference that the "
        if not parts:
            body += "replicates can tell apart"
        items.append(f"<li><b>{_e(name)}</b>: {body}.</li>")
    return f'<ul class="findings">{"".join(items)}</ul>' if items else ""


def _table_of(key: str) -> tuple[str, str]:
    """Split a dotted key into a TOML-like table header and the rest.

    ``instruments.guarantee.coverage`` → (``instruments.guarantee``, ``coverage``);
    ``funds.interest_rate`` → (``funds``, ``interest_rate``); ``steps`` → ("", ``steps``).
    """
    parts = key.split(".")
    depth = 2 if parts[0] == "instruments" and len(parts) > 2 else 1
    if len(parts) <= depth:
        return "", key
    return ".".join(parts[:depth]), ".".join(parts[depth:])


def _settings_block(rows: pd.DataFrame, reference: str) -> str:
    """A scenario's changed settings as TOML-like text, grouped by table."""
    lines: list[str] = []
    current = None
    for _, row in rows.iterrows():
        table, key = _table_of(row["key"])
        if table != current:
            if lines:
                lines.append("")
            if table:
                lines.append(f"[{table}]")
            current = table
        line = f"{key} = {_toml_value(row['value'])}"
        if not _unset(row["reference"]):
            line += f"  # {reference}: {_toml_value(row['reference'])}"
        lines.append(line)
    return "\n".join(lines)


def settings_html(data: ReportData) -> str:
    """What each scenario changes relative to the reference, then the reference in full."""
    parts = []
    if not data.scenarios:
        return (
            '<p class="note">The scenario settings are not available: the experiment file '
            "that made these results could not be read again.</p>"
        )
    if len(data.scenarios) > 1:
        diff = settings_diff(data.scenarios, data.reference)
        blocks = []
        for name in data.scenario_names:
            if name == data.reference or name not in data.scenarios:
                continue
            own = diff[diff["scenario"] == name]
            text = (
                _settings_block(own, data.reference)
                if len(own)
                else "# same settings as the reference"
            )
            blocks.append(f"<div><h3>{_e(name)}</h3><pre>{_e(text)}</pre></div>")
        parts.append(f'<div class="settings">{"".join(blocks)}</div>')
    reference = data.scenarios.get(data.reference)
    if reference:
        lines = "\n".join(
            f"{key} = {_toml_value(value)}" for key, value in flatten_settings(reference).items()
        )
        parts.append(
            f"<details><summary>All settings of <b>{_e(data.reference)}</b></summary>"
            f"<pre>{_e(lines)}</pre></details>"
        )
    return "".join(parts)


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _toml_value(value: Any) -> str:
    if _unset(value):
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Mapping):
        return "{}" if not value else str(dict(value))
    return str(value)


# ------------------------------------------------------------------ the page
TEXT: dict[str, str] = {
    "output": "Monthly sales of the community's co-ops (local sales, exports and sales to "
    "other co-ops). The shaded months are the recession; the dashed line in each panel is "
    "the reference scenario's median, so a panel shows at a glance whether a tool cushions "
    "the fall or speeds the recovery.",
    "survival": "How many co-ops are trading each month. A co-op fails after several months "
    "unable to pay wages, suppliers or its loan; a fund may finance a new one in its place.",
    "distress": "Share of households that could not cover essential spending (food, housing) "
    "in the month.",
    "inequality": "Gini coefficient of household net worth (cash, deposits, mutual credit "
    "and a member's share of its co-op); 0 is perfect equality.",
    "lorenz": "Who holds the community's wealth at the end of the run: the share of total "
    "net worth held by the poorest x% of households. The right panel magnifies the "
    "differences from the reference.",
    "losses": "Cumulative loan losses absorbed by each tranche of the funds' capital stacks "
    "(junior tranches lose first), and what guarantors paid out on defaulted loans.",
    "returns": "Who gains: each dot is one run. Investor return is the annualised return of "
    "outside capital to date; community return is the wages, patronage and deposit interest "
    "paid to local households over the whole run.",
    "differences": "Each scenario minus the reference, replicate by replicate (they share "
    "seeds, so the comparison is paired), with 95% confidence intervals. Green: better for "
    "the community, with an interval that excludes zero; red: worse; bold: a difference "
    "that is neither better nor worse (who carries the losses).",
    "network": "Who trades with whom at the end of the first replicate: households buy from "
    "co-ops (grey), work in them (green), co-ops buy from each other (blue) and borrow from "
    "funds (purple).",
    "settings": "What each scenario changes relative to the reference (the reference's value "
    "after #, where it has one); every other setting is the same.",
}


def _meta_html(data: ReportData) -> str:
    items = [
        ("scenarios", ", ".join(data.scenario_names)),
        ("reference", data.reference),
        ("replicates per scenario", data.replicates),
        ("months per run", int(data.timeseries["step"].max()) if len(data.timeseries) else "—"),
    ]
    items += [(k, v) for k, v in data.meta.items() if not isinstance(v, Mapping)]
    rows = "".join(
        f'<tr><td class="key">{_e(k)}</td><td class="key">{_e(v)}</td></tr>' for k, v in items
    )
    versions = data.meta.get("versions")
    if isinstance(versions, Mapping):
        rows += (
            '<tr><td class="key">versions</td><td class="key">'
            + _e(", ".join(f"{k} {v}" for k, v in versions.items()))
            + "</td></tr>"
        )
    return (
        f"<table><tbody>{rows}</tbody></table>"
        '<p class="note">Bands are the 5–95% range across replicate runs and lines their '
        "median. Replicate r of every scenario uses the same random stream (common random "
        "numbers), so the scenarios face the same shocks and differences between them are "
        "paired. Figures are also saved as PNG and SVG in the <code>figures/</code> folder "
        "beside this page.</p>"
    )


def render(data: ReportData, figures_dir: str | Path) -> str:
    """The report page as a string; figures are written to ``figures_dir`` as PNG and SVG."""
    comparison = comparison_table(data)
    metrics_ = metric_columns(data.summaries)
    pngs = {
        name: F.save_figure(fig, figures_dir, name)
        for name, fig in F.all_figures(data, comparison).items()
    }

    def figure(name: str, alt: str) -> str:
        if name not in pngs:
            return '<p class="note">Not available for these results.</p>'
        return _img(pngs[name], alt, f"figures/{name}.png · figures/{name}.svg")

    window = data.shock_window()
    shock = f" under a shock from month {window[0]} to {window[1]}" if window else ""
    bodies = {
        "summary": (
            f'<p class="lead">{len(data.scenario_names)} scenarios × {data.replicates} '
            f"replicates{_e(shock)}; reference: <b>{_e(data.reference)}</b>. Mean per "
            "scenario, with the 5–95% range across runs below it.</p>"
            + (
                "<h3>What changed, compared with the reference</h3>"
                + findings(comparison, data.reference, metrics_)
                if len(data.scenario_names) > 1
                else ""
            )
            + summary_table(data)
        ),
        "output": figure("output", "co-op output over time"),
        "survival": figure("coop_survival", "active co-ops over time"),
        "distress": figure("distress", "share of households in distress over time"),
        "inequality": figure("gini", "Gini of household net worth over time"),
        "lorenz": figure("lorenz", "Lorenz curves of final household net worth"),
        "losses": figure("losses", "losses per tranche and guarantee payouts"),
        "returns": figure("returns", "community return against investor return"),
        "differences": (
            differences_table(comparison, data.reference, metrics_)
            + figure("differences", "paired differences with confidence intervals")
            if len(data.scenario_names) > 1
            else '<p class="note">Only one scenario: nothing to compare.</p>'
        ),
        "network": figure("network", "trade graph coloured by agent type and state"),
        "settings": settings_html(data),
        "about": _meta_html(data),
    }
    nav = "".join(f'<a href="#{anchor}">{_e(title)}</a>' for anchor, title in SECTIONS)
    sections = "".join(
        f'<section id="{anchor}"><h2>{_e(title)}</h2>'
        + (f'<p class="lead">{_e(TEXT[anchor])}</p>' if anchor in TEXT else "")
        + bodies[anchor]
        + "</section>"
        for anchor, title in SECTIONS
    )
    subtitle = data.meta.get("description") or (
        "What each risk-sharing structure does to the community's resilience, circulation and "
        "inequality, and who carries the losses and who gets the return."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(data.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(data.title)}</h1><p>{_e(subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{sections}</main></body></html>\n"
    )


def write_report(
    results: str | Path | ReportData,
    out_path: str | Path | None = None,
    *,
    experiment=None,
    comparison: pd.DataFrame | None = None,
) -> Path:
    """Write ``report.html`` (self-contained) and its figures (PNG and SVG).

    Parameters
    ----------
    results
        A results directory written by ``solsim compare`` or ``solsim sweep``
        with a ``scenarios`` design, or a :class:`ReportData` (e.g. from
        :func:`~solsim.report.data.simulate`).
    out_path
        Where to write the page; default ``RESULTS_DIR/report.html``. Figures go
        to ``figures/`` beside it.
    experiment : solsim.experiments.Experiment, optional
        The experiment that made the results directory (for the settings
        section and the trade graph; see
        :func:`~solsim.report.data.from_results_dir`).
    comparison
        The paired-difference table, when already computed.

    Returns
    -------
    pathlib.Path
        The page written.
    """
    if isinstance(results, ReportData):
        data = results
        if out_path is None:
            raise ValueError("out_path is needed when results is a ReportData")
    else:
        from solsim.report.data import from_results_dir

        data = from_results_dir(results, experiment, comparison=comparison)
        out_path = Path(results) / "report.html" if out_path is None else out_path
    out_path = Path(out_path)
    page = render(data, out_path.parent / "figures")
    atomic_write(out_path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return out_path
