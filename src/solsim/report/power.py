"""Who decides, who benefits, who carries the risk: one plain line per scenario.

The seeds' due-diligence questions — "Who decides? Who benefits? What shifts in
control, ownership, or accountability will this investment produce?" — put to
each scenario's runs, and answered with their means:

* **who decides**: the summaries an instrument declares as answering it
  (``Column(power="decides")``: a vote's shares and the terms it decided),
  each with its label, and how the first of them moved over the run; without
  one, the funds lend on the scenario's own terms;
* **who benefits**: what households received from co-ops and funds
  (``community_return``), the share of the surplus paid to them that reached
  the bottom 40% (``benefit_bottom40_share``), outside investors' money-weighted
  return (``investor_irr``) and return parity (``return_parity``, where the
  runs have a counterfactual);
* **who carries the risk**: the share of the funds' net charge-offs the
  community carried (``community_loss_share``) and outside investors' share of
  the funds' funding (``outside_dependency``).

Every number in a line is in :attr:`PowerLine.figures`, under its summary key,
so a test can hold the words to the summaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from solsim.engine import instruments
from solsim.report import catalog as C
from solsim.report.data import ReportData

__all__ = ["PowerLine", "power_lines"]


@dataclass
class PowerLine:
    """One scenario's answer: the sentence and the means it was built from."""

    scenario: str
    text: str
    figures: dict[str, float] = field(default_factory=dict)


def _mean(runs: pd.DataFrame, key: str) -> float | None:
    if key not in runs:
        return None
    values = pd.to_numeric(runs[key], errors="coerce").dropna()
    return float(values.mean()) if len(values) else None


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _shift(data: ReportData, name: str, key: str) -> tuple[float, float] | None:
    """Mean of a monthly column in the first and last month, when it moved."""
    ts = data.timeseries
    if ts is None or key not in ts:
        return None
    own = ts[ts["scenario"] == name]
    if own.empty:
        return None
    first = own[own["step"] == own["step"].min()][key].mean()
    last = own[own["step"] == own["step"].max()][key].mean()
    if not (math.isfinite(first) and math.isfinite(last)) or abs(last - first) < 0.005:
        return None
    return float(first), float(last)


def _deciders() -> list:
    """The registered instruments' summaries that answer "who decides"."""
    return [c for _, c in instruments.declared() if c.power == "decides" and c.summary]


def _as_text(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value * 100:.1f}%" if abs(value) < 0.2 else f"{value * 100:.0f}%"
    return f"{value:.1f}"


def power_line(data: ReportData, name: str) -> PowerLine:
    """The line of one scenario (see the module docstring)."""
    runs = data.summaries[data.summaries["scenario"] == name]
    money = lambda value: C.money(value, data.currency)  # noqa: E731
    figures: dict[str, float] = {}

    def take(key: str) -> float | None:
        value = _mean(runs, key)
        if value is not None and math.isfinite(value):
            figures[key] = value
            return value
        return None

    said = []
    for column in _deciders():
        value = take(column.name)
        if value is not None:
            said.append(f"{column.label} {_as_text(value, column.unit)}")
    if not said:
        decides = "no vote is modelled: each fund lends on the scenario's own terms"
    else:
        decides = ", ".join(said)
        first = next(c for c in _deciders() if c.name in figures)
        shift = _shift(data, name, first.name)
        if shift is not None:
            figures[f"{first.name}_first"], figures[f"{first.name}_last"] = shift
            decides += (
                f" ({first.label} moved from {_as_text(shift[0], first.unit)} to "
                f"{_as_text(shift[1], first.unit)} over the run)"
            )

    income, bottom = take("community_return"), take("benefit_bottom40_share")
    irr, parity = take("investor_irr"), take("return_parity")
    benefits = []
    if income is not None:
        benefits.append(f"households received {money(income)} in local pay, patronage and interest")
    if bottom is not None:
        benefits.append(f"{_pct(bottom)} of the surplus paid to them reached the bottom 40%")
    if irr is not None:
        benefits.append(f"outside investors earned {irr * 100:.1f}% a year")
    if parity is not None:
        benefits.append(f"return parity was {parity:.2f} (1 is equal)")

    loss_share, lost = take("community_loss_share"), take("net_chargeoffs_cum")
    dependency = take("outside_dependency")
    risks = []
    if lost is not None and loss_share is not None:
        risks.append(
            f"the community carried {_pct(loss_share)} of the funds' net charge-offs "
            f"of {money(lost)}"
        )
    if dependency is not None:
        risks.append(f"outside investors provided {_pct(dependency)} of the funds' funding")
    parts = [f"who decides: {decides}"]
    if benefits:
        parts.append("who benefits: " + ", ".join(benefits))
    if risks:
        parts.append("who carries the risk: " + ", ".join(risks))
    return PowerLine(name, f"{name} — " + "; ".join(parts) + ".", figures)


def power_lines(data: ReportData) -> list[PowerLine]:
    """One line per scenario, in the report's order."""
    return [power_line(data, name) for name in data.scenario_names]
