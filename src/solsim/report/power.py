"""Who decides, who benefits, who carries the risk: one plain line per scenario.

The seeds' due-diligence questions — "Who decides? Who benefits? What shifts in
control, ownership, or accountability will this investment produce?" — put to
each scenario's runs, and answered with their means:

* **who decides**: the community constituencies' share of the funds' votes and
  of the decisions that went their way, and the terms decided
  (``community_vote_share``, ``community_decision_share``, ``decided_rate``,
  ``decided_screen``; present when the funds' policy is put to a vote), and
  how the vote share moved over the run;
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


def _vote_shift(data: ReportData, name: str) -> tuple[float, float] | None:
    """Mean community vote share in the first and last month, when it moved."""
    ts = data.timeseries
    if ts is None or "community_vote_share" not in ts:
        return None
    own = ts[ts["scenario"] == name]
    if own.empty:
        return None
    first = own[own["step"] == own["step"].min()]["community_vote_share"].mean()
    last = own[own["step"] == own["step"].max()]["community_vote_share"].mean()
    if not (math.isfinite(first) and math.isfinite(last)) or abs(last - first) < 0.005:
        return None
    return float(first), float(last)


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

    votes, won = take("community_vote_share"), take("community_decision_share")
    rate, screen = take("decided_rate"), take("decided_screen")
    if votes is None:
        decides = "no vote is modelled: each fund lends on the scenario's own terms"
    else:
        decides = f"the community holds {_pct(votes)} of the funds' votes"
        if won is not None:
            decides += f" and its choice carried {_pct(won)} of the decisions"
        if rate is not None and screen is not None:
            decides += (
                f" (a lending rate of {rate * 100:.1f}% and a screen of "
                f"{screen:.1f} months of wages)"
            )
        shift = _vote_shift(data, name)
        if shift is not None:
            figures["community_vote_share_first"], figures["community_vote_share_last"] = shift
            decides += f"; its vote share moved from {_pct(shift[0])} to {_pct(shift[1])}"

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
