"""What ``solsim compare`` and ``solsim run`` print: headline sentences and compact
tables of readable numbers that fit the terminal (100 columns included).

Tables never wrap a number: a comparison with more scenarios than fit side by
side is printed as several tables of the same rows. The full tables, with every
metric and its interval, are the files the commands write.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from solsim.report import catalog as C
from solsim.report.answer import FirstScreen, Row, setup_of
from solsim.report.data import ReportData, key_metrics

STYLE = {"good": "bold green", "bad": "bold red", "sig": "bold"}


def compact_money(value: float, currency: str = "", signed: bool = False, digits: int = 1):
    """Money in a narrow cell: ``44,158``, ``+4.2M``, ``£198.1M``."""
    if not math.isfinite(value):
        return "—"
    if abs(value) >= 1e6:
        text = C.plain(value / 1e6, digits, signed) + "M"
    else:
        whole = abs(value) >= 100 or float(value).is_integer()
        text = C.plain(value, 0 if whole else 2, signed)
    if currency and not currency[0].isalpha():
        sign = text[0] if text[0] in "+" + C.MINUS else ""
        return f"{sign}{currency}{text[len(sign) :]}"
    return text


def level_cell(key: str, value: float, currency: str = "") -> str:
    """A level without the words the row label gives: ``9.10%``, ``14.2``, ``198.1M``."""
    if value is None or not math.isfinite(value):
        return "—"
    if C.info(key).unit == "money":
        return compact_money(value, currency)
    return C.format_value(key, value, currency, bare=True)


def change_cell(row: Row, currency: str = "") -> Text:
    """``−1.57 ±0.69*``: the mean paired change, the half-width of its 95% interval,
    and ``*`` when the change is material; coloured when it is better or worse."""
    metric = row.metric
    status = row.verdict.status
    if status == "same":
        return Text("same", style="dim")
    half = (row.ci_high - row.ci_low) / 2 if math.isfinite(row.ci_low) else math.nan
    largest = max(abs(row.difference), abs(half) if math.isfinite(half) else 0.0)
    if metric.unit == "money" and largest >= 1e6:
        # Both in millions, to a decimal: +0.5M ±1.8M.
        d = C.plain(row.difference / 1e6, 1, signed=True) + "M"
        spread = C.plain(half / 1e6, 1) + "M" if math.isfinite(half) else ""
    else:
        decimals, _ = C.change_decimals(metric, row.difference, row.ci_low, row.ci_high)
        same = {"decimals": decimals, "millions": False, "unit": False}
        d = C.format_change(metric, row.difference, **same)
        spread = C.format_change(metric, half, signed=False, **same) if math.isfinite(half) else ""
    text = f"{d} ±{spread}" if spread else d
    if status == "material":
        return Text(text + "*", style=STYLE.get(row.verdict.css, ""))
    return Text(text + " ", style="dim" if status in ("undetectable", "small") else "")


def _table(screen: FirstScreen, data: ReportData, names: list[str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("metric", no_wrap=True)
    table.add_column(data.reference, justify="right", no_wrap=True)
    for name in names:
        table.add_column(f"{name} Δ", justify="right", no_wrap=True)
    for key in screen.metrics:
        ref = screen.rows.get(data.reference, {}).get(key)
        cells: list[RenderableType] = [
            C.info(key).short,
            level_cell(key, ref.mean if ref else math.nan, data.currency),
        ]
        for name in names:
            row = screen.rows.get(name, {}).get(key)
            cells.append(change_cell(row, data.currency) if row else Text("—"))
        table.add_row(*cells)
    return table


def _width(renderable: RenderableType) -> int:
    """The width a table takes when nothing squeezes it."""
    probe = Console(width=10_000, file=io.StringIO(), color_system=None)
    with probe.capture() as captured:
        probe.print(renderable)
    return max((len(line.rstrip()) for line in captured.get().splitlines()), default=0)


def comparison_tables(console: Console, screen: FirstScreen, data: ReportData) -> list[Table]:
    """The key numbers as tables as wide as the console allows (scenario columns split
    over several tables rather than wrapped)."""
    others = [n for n in data.scenario_names if n != data.reference]
    if not others:
        return [_table(screen, data, [])]
    per_table = len(others)
    while per_table > 1 and _width(_table(screen, data, others[:per_table])) > console.width:
        per_table -= 1
    return [
        _table(screen, data, others[i : i + per_table]) for i in range(0, len(others), per_table)
    ]


def comparison_output(console: Console, screen: FirstScreen, data: ReportData, title: str):
    """Everything ``solsim compare`` prints before the file locations."""
    months = int(data.timeseries["step"].max()) if len(data.timeseries) else None
    facts = [
        data.runs_text
        + (f", {months} months each" if months else "")
        + f"; reference: {data.reference}."
    ]
    if screen.funds:
        facts.append(
            f"Fund capital {screen.funds} × {C.money(screen.fund_capital, data.currency)} = "
            f"{C.money(screen.capital, data.currency)}."
        )
    unit = data.currency or "currency units"
    facts.append(f"Money in {unit}; shares in %, changes in percentage points (pp).")
    parts: list[RenderableType] = [
        Text(title, style="bold"),
        Text(" ".join(facts)),
        Text(""),
    ]
    if screen.reference_line:
        parts += [Text(screen.reference_line), Text("")]
    for answer in screen.answers:
        parts.append(Text.from_markup(f"[bold]{escape(answer.scenario)}[/bold]: ") +
                     Text(answer.headline))  # fmt: skip
        for flag in answer.flags:
            mark = "  ! " if flag.kind == "warning" else "  note: "
            style = "red" if flag.kind == "warning" else "dim"
            # Wrapped here, with a hanging indent and no padding to the right.
            lines = textwrap.wrap(
                flag.text, width=max(console.width, 40), initial_indent=mark,
                subsequent_indent="    ", break_on_hyphens=False,
            )  # fmt: skip
            parts.append(Text("\n".join(lines), style=style))
        parts.append(Text(""))
    parts.append(
        Text(
            f"Change from {data.reference}, ± half its 95% confidence interval; * a change at "
            "least as large as the metric's threshold whose interval excludes 0 (green or "
            "red: better or worse for the community).",
            style="dim",
        )
    )
    parts += comparison_tables(console, screen, data)
    return Group(*parts)


# ------------------------------------------------------------------ one run
def run_headline(
    summary: Mapping[str, Any], settings: Mapping[str, Any] | None = None, currency: str = ""
) -> str:
    """One run in a sentence: failures and hazard, the recession's fall and recovery,
    distress, who lost what, the investors' return."""

    def get(key: str) -> float:
        value = summary.get(key)
        return float(value) if isinstance(value, (int, float)) else math.nan

    parts = []
    steps = summary.get("steps")
    hazard_key = C.pick(summary.keys(), "hazard")
    failures = get("coop_failures")
    hazard = get(hazard_key) if hazard_key and hazard_key != "coop_failures" else math.nan
    if math.isfinite(failures):
        text = f"{failures:.0f} co-op failure{'s' if failures != 1 else ''}"
        if math.isfinite(hazard):
            text += f" (a hazard of {C.format_value(hazard_key, hazard)})"
        parts.append(text)
    drawdown, recovery = get("drawdown"), get("recovery_time")
    if math.isfinite(drawdown):
        text = f"output fell {C.format_value('drawdown', drawdown)} in the shock"
        if math.isfinite(recovery):
            months = f"{recovery:.0f} months"
            text += (
                f" and recovered in {months}"
                if get("recovered") == 1
                else f" and had not recovered {months} later"
            )
        parts.append(text)
    distress = get("mean_distress_share")
    if math.isfinite(distress):
        parts.append(
            f"{C.format_value('mean_distress_share', distress)} of households in distress "
            "in an average month"
        )
    setup = setup_of(settings)
    if setup is not None:
        lost = {t.holder: 0.0 for t in setup.tranches}
        for t in setup.tranches:
            lost[t.holder] += get(f"loss_{t.name}") if math.isfinite(get(f"loss_{t.name}")) else 0
        losers = [
            f"{C.holder_name(h)} lost {C.money(v, currency)} of "
            f"{C.money(setup.capacity(h), currency)}"
            for h, v in lost.items()
            if v > 0
        ]
        for holder, layer in C.layers().items():
            paid = get(layer.column) if holder in setup.layers else 0.0
            if math.isfinite(paid) and paid > 0:
                losers.append(
                    f"{layer.name} paid {C.money(paid, currency)} of "
                    f"{C.holder_possessive(holder)} "
                    f"{C.money(setup.layers[holder], currency)} reserve"
                )
        parts.append("; ".join(losers) if losers else "no holder lost anything")
    investor = C.pick(summary.keys(), "investor")
    if investor and math.isfinite(get(investor)):
        parts.append(f"outside investors earned {C.format_value(investor, get(investor))}")
    lead = f"Over {steps} months: " if steps else ""
    return f"{lead}{'; '.join(parts)}." if parts else ""


def summary_table(summary: Mapping[str, Any], title: str, currency: str = "") -> Table:
    """Every summary value in its unit, the key metrics first."""
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("metric")
    table.add_column("value", justify="right", no_wrap=True)
    order = [k for k in key_metrics() if k in summary]
    order += [k for k in summary if k not in order]
    for key in order:
        value = summary[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            text = "—" if value is None else str(value)
        elif key in ("steps", "shock_start"):
            text = str(value)
        else:
            text = C.format_value(key, float(value), currency)
        table.add_row(key, text)
    return table
