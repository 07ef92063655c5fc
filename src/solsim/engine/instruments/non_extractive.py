"""Non-extractive lending: loans repaid only out of surplus, recovered only from the asset.

Switched on with::

    [instruments.non_extractive]
    surplus_share = 0.5     # θ: at most this share of a month's surplus goes to the loan
    tenor_months = 84       # the schedule the loan follows when surplus allows
    grace_months = 6        # interest-only months at the start
    rate = 0.04             # optional annual rate (default: the fund's own)
    funds = [0]             # optional: which funds lend this way (default: all)

A loan of the chosen funds follows its schedule (an annuity over the tenor, or
patient capital's revenue-based schedule when both are on), but a month's
payment is ``min(scheduled, θ × max(surplus, 0))``, the surplus being the
co-op's revenue less the wages and inputs it paid that month
(:func:`solsim.engine.phases.loan_dues`). A month without surplus costs the
co-op nothing and puts it in no arrears; interest not paid for want of surplus
is not added to the loan; after the tenor the loan is repaid out of surplus as
it comes. The loan is marked recoverable only from the asset it financed
(``economy.loan_asset_only``), which liquidation reads: when a co-op fails the
fund may sell the financed equipment but does not take the co-op's remaining
cash.

The lender's cost to the borrower is reported as the **extraction ratio**:
the interest paid on these loans (the cost of capital; the principal is the
borrower's own money returned) divided by the surplus the investments
produced for the borrowers, both summed since month 1. The surplus from an
investment is what the equipment it bought sold (its share of the co-op's
export capacity, times the co-op's exports) less the inputs those sales took
(``coops.input_share``); a loan that founded a co-op bought the whole co-op,
so the co-op's own surplus is the surplus from it. A ratio of 0.2 means the
lender took a fifth of what its money earned; above 1, more than it earned.

Columns: ``ne_extraction_ratio`` (the ratio to date), ``ne_interest`` and
``ne_surplus`` (its two sums, currency) and ``ne_loans`` (active loans on
these terms).
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

__all__ = ["NonExtractive", "NonExtractiveParams", "investment_surplus"]


class NonExtractiveParams(InstrumentParams):
    """Settings of ``[instruments.non_extractive]`` (see the module docstring)."""

    surplus_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5
    tenor_months: Annotated[int, Field(ge=1, le=600)] = 84
    grace_months: Annotated[int, Field(ge=0, le=120)] = 6
    rate: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    funds: list[Annotated[int, Field(ge=0)]] | None = None


def investment_surplus(
    exports: np.ndarray,
    export_base: np.ndarray,
    equipment: np.ndarray,
    investment_yield: float,
    input_share: np.ndarray,
) -> np.ndarray:
    """The month's surplus from equipment bought with a loan, per co-op (currency).

    A co-op's export capacity is ``export_base + investment_yield × equipment``
    (:func:`solsim.engine.phases.trade`), so the equipment's part of its exports
    is ``exports × investment_yield × equipment / capacity``; inputs take
    ``input_share`` of sales, and the rest is the surplus the equipment made:

    ``surplus = exports × y·K / (B + y·K) × (1 − input_share)``.

    0 where there is no capacity.
    """
    bought = investment_yield * np.asarray(equipment, dtype=np.float64)
    capacity = np.asarray(export_base, dtype=np.float64) + bought
    share = np.divide(bought, capacity, out=np.zeros_like(capacity), where=capacity > 0)
    return np.asarray(exports, dtype=np.float64) * share * (1.0 - np.asarray(input_share))


@register
class NonExtractive(Instrument):
    """Funds lend repayable only out of surplus, recoverable only from the financed asset."""

    name = "non_extractive"
    Params = NonExtractiveParams
    params: NonExtractiveParams
    columns = (
        Column(
            "ne_extraction_ratio",
            "extraction ratio (interest ÷ surplus from the investment)",
            "ratio",
            "worse",
            summary="final",
            short="extraction ratio",
            plain="what lenders took of what their money earned",
        ),
        Column("ne_interest", "interest paid on non-extractive loans", "money", summary="final"),
        Column("ne_surplus", "surplus from non-extractive investments", "money", summary="final"),
        Column("ne_loans", "non-extractive loans", "count"),
    )
    control = Control(
        "surplus_share",
        "Non-extractive lending",
        "at most {} of a month's surplus to the loan",
        "Co-ops repay the funds only out of surplus, and a failed co-op loses only "
        "the equipment the loan bought.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"non-extractive lending: repaid with at most "
            f"{percent(settings.get('surplus_share', 0.5))} of each month's surplus, "
            "recovered only from the financed equipment"
        )
        return "non-extractive lending", detail

    def setup(self, economy: Economy) -> None:
        e, p = economy, self.params
        funds = np.asarray(check_funds(e, self.name, p.funds), dtype=np.int64)
        e.fund_tenor[funds] = p.tenor_months
        e.fund_grace[funds] = p.grace_months
        if p.rate is not None:
            e.fund_rate[funds] = p.rate
        self.lends = np.zeros(e.n_funds, dtype=bool)
        self.lends[funds] = True
        # Which co-op's loan is on these terms, and whether it founded the co-op.
        self.mine = np.zeros(e.n_firms, dtype=bool)
        self.founding = np.zeros(e.n_firms, dtype=bool)
        # This month's surplus from each co-op's investment (set in ``settle``).
        self.surplus_month = np.zeros(e.n_firms)
        self.interest = 0.0
        self.surplus = 0.0

    def start_run(self, economy: Economy) -> None:
        self.interest = 0.0
        self.surplus = 0.0

    def new_loans(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e = economy
        coop = np.asarray(ctx["coop"])
        mine = coop[self.lends[np.asarray(ctx["fund"])]]
        self.mine[coop] = False
        self.mine[mine] = True
        # A loan to an empty slot founds a co-op; one to an active co-op buys equipment.
        self.founding[mine] = ~e.firm_active[mine]
        e.loan_surplus_share[mine] = self.params.surplus_share
        e.loan_asset_only[mine] = True

    def settle(self, economy: Economy) -> None:
        # After this month's sales and wages, before the loans are served.
        e = economy
        self.mine &= e.loan_active
        flows = e.month_flows
        own = e.firm_revenue - flows["wages"] - flows["inputs"]
        from_equipment = investment_surplus(
            e.firm_sales_export,
            e.firm_export_base,
            e.firm_equipment,
            e.scenario.coops.investment_yield,
            e.firm_input_share,
        )
        surplus = np.where(self.founding, own, from_equipment)
        self.surplus_month = np.where(self.mine, surplus, 0.0)

    def record(self, economy: Economy) -> dict[str, float]:
        e = economy
        self.interest += float(e.month_flows["interest"][self.mine].sum())
        self.surplus += float(self.surplus_month.sum())
        self.surplus_month[:] = 0.0
        return {
            "ne_extraction_ratio": self.interest / self.surplus
            if self.surplus > 0
            else float("nan"),
            "ne_interest": self.interest,
            "ne_surplus": self.surplus,
            "ne_loans": float((self.mine & e.loan_active).sum()),
        }
