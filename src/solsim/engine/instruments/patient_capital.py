"""Patient capital: longer tenors, grace periods and revenue-based repayment.

Switched on with::

    [instruments.patient_capital]
    tenor_months = 120      # amortisation period after the grace period
    grace_months = 12       # interest-only months at the start of a loan
    revenue_share = 0.006   # monthly payment = this share of the month's revenue
    rate = 0.04             # optional annual rate (default: the fund's own)
    funds = [0]             # optional: which funds lend on these terms (default: all)

The instrument sets the lending terms of the chosen funds; every loan they
grant from month 1 carries them, and :func:`solsim.engine.phases.debt_service`
applies them:

* in the grace period a loan pays interest only and its tenor does not run, so
  a loan lives ``grace_months + tenor_months`` months at most;
* with ``revenue_share > 0`` the monthly payment is that share of the co-op's
  revenue this month, at least the interest and at most what clears the loan,
  so payments fall when sales fall (the anti-cyclical point of revenue-based
  finance); what is still owed when the tenor runs out is due then;
* with ``revenue_share = 0`` the loan is an annuity over the remaining tenor.

``rate`` replaces the fund's lending rate, including any investor premium.

The default share (0.6% of monthly revenue) repays a standard loan in about six
years at the default economy's median co-op revenue, versus a five-year
annuity without the instrument. Timeseries columns: ``loans_in_grace`` and
``revenue_based_loans`` (active loans of each kind this month).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Field

from solsim.engine.instruments.common import check_funds
from solsim.engine.instruments.contract import (
    Column,
    Control,
    Described,
    Instrument,
    InstrumentParams,
    percent,
)
from solsim.engine.instruments.registry import register

if TYPE_CHECKING:
    from solsim.engine.economy import Economy


class PatientCapitalParams(InstrumentParams):
    """Settings of ``[instruments.patient_capital]`` (see the module docstring)."""

    tenor_months: Annotated[int, Field(ge=1, le=600)] = 120
    grace_months: Annotated[int, Field(ge=0, le=120)] = 12
    revenue_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.006
    rate: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    funds: list[Annotated[int, Field(ge=0)]] | None = None


@register
class PatientCapital(Instrument):
    """Set patient lending terms on the chosen funds."""

    name = "patient_capital"
    Params = PatientCapitalParams
    columns = (
        Column("loans_in_grace", "loans in their grace period", "count"),
        Column("revenue_based_loans", "revenue-based loans", "count"),
    )
    control = Control(
        None,
        "Patient capital",
        help="The funds lend for longer, with a year's grace and repayments that fall "
        "when a co-op's sales fall.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"patient capital: loans over {settings.get('tenor_months')} months with "
            f"{settings.get('grace_months')} months' grace, repaid with "
            f"{percent(settings.get('revenue_share', 0.0))} of revenue"
        )
        return "patient capital", detail

    def setup(self, economy: Economy) -> None:
        p: PatientCapitalParams = self.params
        funds = np.asarray(check_funds(economy, self.name, p.funds), dtype=np.int64)
        economy.fund_tenor[funds] = p.tenor_months
        economy.fund_grace[funds] = p.grace_months
        economy.fund_revenue_share[funds] = p.revenue_share
        if p.rate is not None:
            economy.fund_rate[funds] = p.rate

    def record(self, economy: Economy) -> dict[str, float]:
        active = economy.loan_active
        return {
            "loans_in_grace": float((active & (economy.loan_grace_left > 0)).sum()),
            "revenue_based_loans": float((active & (economy.loan_revenue_share > 0)).sum()),
        }
