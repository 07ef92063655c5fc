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

from solsim.report import catalog as C
from solsim.report import figures as F
from solsim.report.answer import FirstScreen, first_screen
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
    ("answer", "What each scenario did"),
    ("power", "Who decides, who benefits, who carries the risk"),
    ("summary", "Every key metric"),
    ("output", "Local output"),
    ("survival", "Co-op survival"),
    ("distress", "Household distress"),
    ("inequality", "Inequality over time"),
    ("lorenz", "Lorenz curves at the end"),
    ("losses", "Losses per tranche and what loss layers paid"),
    ("returns", "Household income and investor return"),
    ("differences", "Paired differences from the reference"),
    ("network", "The trade graph"),
    ("settings", "Scenario settings"),
    ("about", "About these results"),
)
#: Sections of an experiment with uncertainties, after the answer.
FUTURES_SECTIONS: tuple[tuple[str, str], ...] = (
    ("failure", "When would this fail?"),
    ("robust", "Which structure holds up best?"),
)

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
td.same, td.nd { color: var(--muted); }
td.small { color: var(--muted); font-style: italic; }
p.facts { margin: .2rem 0 .5rem; max-width: 95ch; }
p.reference { margin: .3rem 0 .8rem; max-width: 95ch; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr));
         gap: .8rem; margin: .6rem 0 1rem; }
.card { border: 1px solid var(--line); border-left: 4px solid #17324d; border-radius: 4px;
        padding: .6rem .9rem .7rem; background: #fff; }
.card h3 { margin: 0 0 .3rem; font-size: 1rem; }
.card h3 small { color: var(--muted); font-weight: normal; }
.card p.headline { margin: .2rem 0 .4rem; font-size: 1.02rem; }
.card p.headline span.good { color: var(--good); font-weight: 600; }
.card p.headline span.bad { color: var(--bad); font-weight: 600; }
.card p.setting { margin: .3rem 0 0; color: var(--muted); font-size: .82rem; }
.card ul.flags { margin: .3rem 0 0; padding-left: 0; list-style: none; font-size: .9rem; }
.card ul.flags li { margin: .15rem 0; padding-left: 1.3rem; text-indent: -1.3rem; }
.card ul.flags li.warning::before { content: "⚠ "; color: var(--bad); }
.card ul.flags li.warning { color: #7a1d16; }
.card ul.flags li.note::before { content: "Note: "; font-weight: 600; }
.card ul.flags li.note { color: var(--muted); }
table.key { width: 100%; }
@media (max-width: 900px) {
  main { padding: 0 .9rem 2rem; }
  header { padding: 1rem .9rem .8rem; }
  nav { padding: .4rem .9rem; }
  .cards { grid-template-columns: 1fr; }
  .scroll { overflow-x: auto; }
}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: Any, metric: str = "", currency: str = "", bare: bool = True) -> str:
    """A number as a reader wants it, in the metric's unit (:mod:`solsim.report.catalog`)."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "—"
    return C.format_value(metric, value, currency, bare=bare)


def _img(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


# ------------------------------------------------------------------ the answer
def _change_cell(row, currency: str) -> str:
    """A paired change and its interval, coloured only when it is material and the
    metric has a direction for the community."""
    metric = C.info(row.key)
    status = row.verdict.status
    if status == "same":
        return '<td class="same">no change<small>the same in every run</small></td>'
    d, ci = C.format_interval(metric, row.difference, row.ci_low, row.ci_high, currency)
    if status == "undetectable":
        return f'<td class="nd">{_e(d)}<small>{_e(ci)}<br>no detectable change</small></td>'
    if status == "small":
        return f'<td class="small">{_e(d)}<small>{_e(ci)}<br>too small to matter</small></td>'
    word = {1: "better", -1: "worse"}.get(row.verdict.better, "")
    word = f"<br>{word}" if word else ""
    return f'<td class="{row.verdict.css}">{_e(d)}<small>{_e(ci)}{word}</small></td>'


def key_table(data: ReportData, screen: FirstScreen) -> str:
    """The first-screen metrics: the reference's mean, then each scenario's change."""
    names = data.scenario_names
    others = [n for n in names if n != data.reference]
    currency = data.currency
    head = "".join(f"<th>{_e(n)}</th>" for n in others)
    rows = []
    for key in screen.metrics:
        metric = C.info(key)
        ref = screen.rows.get(data.reference, {}).get(key)
        reference_mean = ref.mean if ref is not None else math.nan
        threshold = metric.threshold_text(reference_mean, screen.capital, currency)
        cells = []
        for name in others:
            row = screen.rows.get(name, {}).get(key)
            if row is None or not math.isfinite(row.difference):
                cells.append("<td>—</td>")
                continue
            cells.append(_change_cell(row, currency))
        note = f' title="{_e(metric.note)}"' if metric.note else ""
        rows.append(
            f'<tr><td class="key"{note}>{_e(C.label(key, currency))}'
            f"<small>counts from {_e(threshold)}</small></td>"
            f"<td>{fmt(reference_mean, key, currency)}</td>{''.join(cells)}</tr>"
        )
    return (
        '<div class="scroll"><table class="key"><thead><tr><th class="key">metric</th>'
        f"<th>{_e(data.reference)}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></div>"
    )


def _shock_words(data: ReportData) -> str:
    """The reference's scheduled shocks in words (``export demand −30% from month 24
    for 12 months``)."""
    settings = data.scenarios.get(data.reference) or {}
    shocks = ((settings.get("shocks") or {}).get("scheduled")) or []
    words = []
    for shock in shocks:
        size, kind = float(shock.get("size", 0)), shock.get("kind")
        pct = f"{size * 100:g}%"
        what = {
            "export_drop": f"export demand −{pct}",
            "job_loss": f"{pct} of outside jobs lost",
            "expense": f"a one-off expense of {C.money(size, data.currency)} for "
            f"{float(shock.get('share', 1.0)) * 100:g}% of households",
            "rate_rise": f"lending rates +{size * 100:g} pp",
            "investor_withdrawal": f"{pct} of outside capital withdrawn",
            "supplier_failure": f"{pct} of co-ops failing",
            "housing_cost": f"housing costs +{pct}",
            "credit_crunch": f"bank credit limits −{pct}",
        }.get(kind, str(kind))
        start, duration = int(shock.get("start", 1)), int(shock.get("duration", 1))
        lasting = kind in ("export_drop", "rate_rise", "housing_cost", "credit_crunch")
        when = (
            f"from month {start} for {duration} months"
            if lasting and duration > 1
            else f"in month {start}"
        )
        words.append(f"{what} {when}")
    return "; ".join(words)


def _headline(answer) -> str:
    """The headline sentence: its setting (what was done) in bold, the changes that
    are better or worse for the community in green or red."""
    text = answer.headline
    lead = answer.setting if answer.setting and text.startswith(answer.setting) else ""
    rest = _e(text[len(lead) :])
    for phrase, css in answer.highlights:
        rest = rest.replace(_e(phrase), f'<span class="{css}">{_e(phrase)}</span>', 1)
    return (f"<b>{_e(lead)}</b>" if lead else "") + rest


def answer_html(data: ReportData, screen: FirstScreen) -> str:
    """The first screen: the facts, the reference in a sentence, one card per scenario
    (headline, surprises, settings), then the key numbers."""
    months = int(data.timeseries["step"].max()) if len(data.timeseries) else None
    shock = _shock_words(data)
    facts = [
        data.runs_text
        + (f", {months} months each" if months else "")
        + (f", under a recession: {shock}" if shock else "")
        + ".",
        f"Reference: <b>{_e(data.reference)}</b>.",
    ]
    if screen.funds:
        facts.append(
            f"Fund capital: {screen.funds} fund{'s' if screen.funds > 1 else ''} × "
            f"{_e(C.money(screen.fund_capital, data.currency))} = "
            f"<b>{_e(C.money(screen.capital, data.currency))}</b>."
        )
    unit = f"in {_e(data.currency)}" if data.currency else "in the model's currency units"
    facts.append(
        f"Money {unit}; shares in %, their changes in percentage points (pp). Each change is "
        "the mean paired difference from the reference over the replicates, with its 95% "
        "confidence interval."
    )
    cards = []
    for answer in screen.answers:
        flags = "".join(f'<li class="{f.kind}">{_e(f.text)}</li>' for f in answer.flags)
        details = "; ".join(answer.details)
        description = f" <small>· {_e(answer.description)}</small>" if answer.description else ""
        cards.append(
            f'<article class="card" id="answer-{_e(answer.scenario)}">'
            f"<h3>{_e(answer.scenario)}{description}</h3>"
            f'<p class="headline">{_headline(answer)}</p>'
            + (f'<ul class="flags">{flags}</ul>' if flags else "")
            + (f'<p class="setting">Settings: {_e(details)}.</p>' if details else "")
            + "</article>"
        )
    legend = (
        '<p class="note">Green or red: better or worse for the community, with a 95% '
        "interval that excludes zero and a change at least as large as the threshold under "
        "the metric's name; bold: such a change in a metric that is neither better nor worse "
        "for the community (an investor's return, who among philanthropy, investors and an "
        "instrument's loss layer carries a loss); grey: no detectable change, or one too "
        "small to matter. The detail follows below.</p>"
    )
    return (
        f'<p class="facts">{" ".join(facts)}</p>'
        + (f'<p class="reference">{_e(screen.reference_line)}</p>' if screen.reference_line else "")
        + (f'<div class="cards">{"".join(cards)}</div>' if cards else "")
        + "<h3>Key numbers</h3>"
        + key_table(data, screen)
        + legend
    )


# ------------------------------------------------------------------ tables
def summary_table(data: ReportData) -> str:
    """Mean and 5–95% range of each key metric (rows) per scenario (columns)."""
    s = data.summaries
    names = data.scenario_names
    currency = data.currency
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
            spread = f"<small>{fmt(low, metric, currency)} – {fmt(high, metric, currency)}</small>"
            if len(values) < 2:
                spread = ""
            cells.append(f"<td>{fmt(values.mean(), metric, currency)}{spread}</td>")
        rows.append(
            f'<tr><td class="key">{_e(C.label(metric, currency))}</td>{"".join(cells)}</tr>'
        )
    return (
        f'<div class="scroll"><table><thead><tr><th class="key">metric</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _judge(row: Mapping[str, Any], capital: float) -> C.Verdict:
    return C.verdict(
        row["metric"], row["difference"], row["ci_low"], row["ci_high"],
        row["reference_mean"], capital,
    )  # fmt: skip


def differences_table(
    comparison: pd.DataFrame,
    reference: str,
    metrics_: list[str],
    currency: str = "",
    capital: float = math.nan,
) -> str:
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
            judged = _judge({**row.to_dict(), "metric": metric}, capital)
            if judged.status == "same":
                cells.append('<td class="same">same in every run</td>')
                continue
            d, ci = C.format_interval(
                metric, row["difference"], row["ci_low"], row["ci_high"], currency
            )
            css = {"undetectable": "nd", "small": "small"}.get(judged.status, judged.css)
            cells.append(f'<td class="{css}">{_e(d)}<small>{_e(ci)}</small></td>')
        rows.append(
            f'<tr><td class="key">{_e(C.label(metric, currency))}</td>'
            f"<td>{fmt(ref_mean, metric, currency)}</td>{''.join(cells)}</tr>"
        )
    return (
        f'<div class="scroll"><table><thead><tr><th class="key">metric</th>'
        f"<th>{_e(reference)} (mean)</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></div>"
    )


def findings(
    comparison: pd.DataFrame,
    reference: str,
    metrics_: list[str],
    currency: str = "",
    capital: float = math.nan,
) -> str:
    """Plain-language list: per scenario, the differences whose interval excludes zero,
    called better or worse only when they are material and the metric has a direction."""
    items = []
    for name in dict.fromkeys(comparison["scenario"]):
        if name == reference:
            continue
        rows = comparison[(comparison["scenario"] == name) & comparison["metric"].isin(metrics_)]
        parts = []
        for _, row in rows.iterrows():
            judged = _judge(row, capital)
            if not judged.detectable:
                continue
            metric = row["metric"]
            d, ci = C.format_interval(
                metric, row["difference"], row["ci_low"], row["ci_high"], currency
            )
            if judged.status == "small":
                verdict = ", too small to matter"
            else:
                verdict = {1: ", better", -1: ", worse"}.get(judged.better, "")
            parts.append(f"{_e(C.info(metric).label)} {_e(d)} ({_e(ci)}){verdict}")
        body = "; ".join(parts) if parts else "no difference from the reference that the "
        if not parts:
            body += "replicates can tell apart"
        items.append(f"<li><b>{_e(name)}</b>: {body}.</li>")
    return f'<ul class="findings">{"".join(items)}</ul>' if items else ""


def _table_of(key: str) -> tuple[str, str]:
    """Split a dotted key into a TOML-like table header and the rest.

    ``instruments.<name>.<key>`` → (``instruments.<name>``, ``<key>``);
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
    "losses": "What each tranche of the funds' capital stacks lost by the end of the run "
    "(junior tranches lose first), drawn against the tranche's size, and what each "
    "instrument's loss layer paid out on defaulted loans against its reserve.",
    "returns": "Who gains: each dot is one run. Investor return is the annualised return of "
    "outside capital to date; household income is the wages local co-ops and firms paid, "
    "patronage and deposit interest paid to households over the whole run (income, not a "
    "return on capital; outside wages and benefits are not in it).",
    "differences": "Each scenario minus the reference, replicate by replicate (they share "
    "seeds, so the comparison is paired), with 95% confidence intervals. Green or red: "
    "better or worse for the community, with an interval that excludes zero and a change at "
    "least as large as the metric's threshold; bold: such a change in a metric that is "
    "neither better nor worse for the community (who carries the losses, an investor's "
    "return); grey: no detectable change, italic: a change too small to matter.",
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


def _frame_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f'<div class="scroll"><table><tr>{head}</tr>{rows}</table></div>'


def futures_html(data: ReportData, figures_dir: str | Path) -> dict[str, str]:
    """The bodies of "When would this fail?" and "Which structure holds up best?"."""
    from solsim.report import futures as FU

    section = data.futures
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in section.notes)
    failure = (
        f'<p class="lead">Each structure ran in the same {section.futures} sampled futures. '
        "PRIM (the EMA Workbench's) looks for the futures where an outcome is most "
        "frequent; each box below says how often the outcome happens inside it "
        "(density) and what share of all its cases it holds (coverage).</p>"
    )
    for index, (outcome, found) in enumerate(section.discoveries, start=1):
        words = FU.outcome_words(outcome, data.currency)
        failure += (
            f"<h3>{_e(words[0].upper() + words[1:])}</h3>"
            f'<p class="note">In {found.cases} of {found.n} runs '
            f"(<code>{_e(outcome.text)}</code>).</p>"
        )
        sentences = FU.box_sentences(found, outcome, section.factors, data.currency)
        failure += (
            "<ul>" + "".join(f"<li>{_e(s)}</li>" for s in sentences) + "</ul>"
            if sentences
            else '<p class="note">No box: the outcome never happens, or happens everywhere.</p>'
        )
        top = ", ".join(f"{_e(r.factor)} {r.score:.2f}" for r in found.scores.head(5).itertuples())
        failure += f"<p>What tells most about it (feature scores, extra trees): {top}.</p>"
        if found.boxes:
            name = f"prim_{index}"
            failure += _img(
                F.save_figure(FU.trajectory_figure(found), figures_dir, name),
                "PRIM peeling trajectory",
                f"figures/{name}.png · figures/{name}.svg",
            )
    robust_ = section.robustness
    if robust_ is None:
        robust = '<p class="note">Nothing to rank.</p>'
    else:
        futures = int(robust_.regret["futures"].max()) if len(robust_.regret) else 0
        robust = (
            f'<p class="lead">Across {futures} futures, from the most robust: '
            f"{_e(', '.join(robust_.ranking()))}. Regret is how far a structure falls short "
            "of the best structure in the same future (0 for the best); rank 1 has the "
            "smallest maximum regret.</p>" + _frame_html(FU.regret_display(robust_, data.currency))
        )
        if robust_.satisficing is not None:
            shown = robust_.satisficing.copy()
            for column in shown.columns[2:]:
                shown[column] = [f"{v:.0%}" for v in shown[column]]
            robust += "<h3>Share of futures meeting every threshold</h3>" + _frame_html(shown)
        robust += _img(
            F.save_figure(FU.robustness_figure(robust_), figures_dir, "robustness"),
            "regret and satisficing per structure",
            "figures/robustness.png · figures/robustness.svg",
        )
    return {"failure": failure + notes, "robust": robust}


def power_html(data: ReportData) -> str:
    """The seeds' due-diligence questions, one plain line per scenario."""
    from solsim.report.power import power_lines

    lines = power_lines(data)
    items = "".join(f"<li>{_e(line.text)}</li>" for line in lines)
    columns = (
        ("community_vote_share", "community votes", "pct"),
        ("community_decision_share", "decisions the community carried", "pct"),
        ("community_loss_share", "losses the community carried", "pct"),
        ("benefit_bottom40_share", "surplus to the bottom 40%", "pct"),
        ("outside_dependency", "outside share of funding", "pct"),
        ("investor_irr", "outside investors' IRR, a year", "pct1"),
        ("return_parity", "return parity", "ratio"),
    )
    shown = [c for c in columns if any(c[0] in line.figures for line in lines)]

    def cell(line, key: str, kind: str) -> str:
        value = line.figures.get(key)
        if value is None:
            return "—"
        if kind == "pct":
            return f"{value * 100:.0f}%"
        if kind == "pct1":
            return f"{value * 100:.1f}%"
        return f"{value:.2f}"

    head = "".join(f"<th>{_e(label)}</th>" for _, label, _ in shown)
    rows = "".join(
        f"<tr><td>{_e(line.scenario)}</td>"
        + "".join(f"<td>{cell(line, key, kind)}</td>" for key, _, kind in shown)
        + "</tr>"
        for line in lines
    )
    return (
        '<p class="lead">Means over each scenario\'s runs. The community is the '
        "borrowers, depositors and residents the funds serve.</p>"
        f'<ul class="power">{items}</ul>'
        f"<table><thead><tr><th>scenario</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
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

    screen = first_screen(data)
    currency = data.currency
    several = len(data.scenario_names) > 1
    bodies = {
        "answer": (
            answer_html(data, screen)
            if several
            else '<p class="note">Only one scenario: nothing to compare. Its key metrics '
            "follow.</p>"
        ),
        "power": power_html(data),
        "summary": (
            '<p class="lead">Mean per scenario, with the 5–95% range across runs below it.</p>'
            + summary_table(data)
            + (
                "<h3>Every change the replicates can tell apart</h3>"
                + findings(comparison, data.reference, metrics_, currency, screen.capital)
                if several
                else ""
            )
        ),
        "output": figure("output", "co-op output over time"),
        "survival": figure("coop_survival", "active co-ops over time"),
        "distress": figure("distress", "share of households in distress over time"),
        "inequality": figure("gini", "Gini of household net worth over time"),
        "lorenz": figure("lorenz", "Lorenz curves of final household net worth"),
        "losses": figure("losses", "losses per tranche and what loss layers paid"),
        "returns": figure("returns", "community return against investor return"),
        "differences": (
            differences_table(comparison, data.reference, metrics_, currency, screen.capital)
            + figure("differences", "paired differences with confidence intervals")
            if several
            else '<p class="note">Only one scenario: nothing to compare.</p>'
        ),
        "network": figure("network", "trade graph coloured by agent type and state"),
        "settings": settings_html(data),
        "about": _meta_html(data),
    }
    page_sections = list(SECTIONS)
    if data.futures is not None:
        bodies.update(futures_html(data, figures_dir))
        page_sections[1:1] = FUTURES_SECTIONS
    nav = "".join(f'<a href="#{anchor}">{_e(title)}</a>' for anchor, title in page_sections)
    sections = "".join(
        f'<section id="{anchor}"><h2>{_e(title)}</h2>'
        + (f'<p class="lead">{_e(TEXT[anchor])}</p>' if anchor in TEXT else "")
        + bodies[anchor]
        + "</section>"
        for anchor, title in page_sections
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
