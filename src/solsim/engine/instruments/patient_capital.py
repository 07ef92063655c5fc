"""Patient capital: longer tenors, grace periods and revenue-based repayment.

Switched on with::

    [instruments.patient_capital]
    tenor_months = 120      # amortisation period after the grace period
    grace_months = 12       # interest-only months at the start of a loan
    revenue_share = 0.025   # monthly payment = this share of the month's revenue
    floor = 1.0             # paid in all by the end of the tenor, at least (× principal)
    repayment_cap = 1.5     # paid in all, at most (× principal)
    rate = 0.04             # optional annual rate (default: the fund's own)
    funds = [0]             # optional: which funds lend on these terms (default: all)

The instrument sets the lending terms of the chosen funds; every loan they
grant carries them, and :func:`solsim.engine.phases.loan_dues` applies them:

* in the grace period a loan pays interest only and its tenor does not run, so
  a loan lives ``grace_months + tenor_months`` months at most;
* with ``revenue_share > 0`` the monthly payment is that share of the co-op's
  revenue this month, so payments fall when sales fall (the anti-cyclical
  point of revenue-based finance), but never below the interest, and never
  below what keeps the loan on its *floor path*: by month *k* of the tenor the
  co-op has paid at least ``floor × principal × k / tenor_months`` in all. A
  co-op whose sales run ahead of the path pays ahead and has room to pay less
  in a bad month; one that falls behind catches up. What is still owed at the
  end of the tenor is due then;
* everything a loan ever pays, interest included, is at most
  ``repayment_cap × principal``: interest stops once the cap leaves no room
  above the principal still owed (so slow repayment never costs more than the
  cap, as in revenue-based finance's repayment multiple);
* with ``revenue_share = 0`` the loan is an annuity over the remaining tenor
  (under the same cap);
* defaults go through the fund's books like any other loan's.

``rate`` replaces the fund's lending rate, including any investor premium.

At the default economy's median co-op revenue (about 60,000 a month) 2.5% of
revenue is about 1,500 a month, which repays a standard loan of 100,000 at 6% in
about six and a half years, inside the ten-year tenor; the floor path (1.0 ×
principal over the tenor, about 830 a month) keeps co-ops with lower sales
amortising, and the cap (1.5 × principal) bounds what the slowest pay.

Columns: ``loans_in_grace`` and ``revenue_based_loans`` (active loans of each
kind this month); of the loans on these terms that closed since month 1,
``pc_repaid_share`` (principal repaid before the last month of the tenor, as a
share of the principal of the loans that closed without default: how far loans
amortise within the tenor rather than with a final balloon),
``pc_chargeoff_share`` (principal outstanding at default, as a share of the
principal of all loans that closed) and ``pc_closed`` (how many closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from solsim.engine.instruments.common import check_funds
from solsim.engine.instruments.contract import (
    Column,
    Control,
    Described,
    Instrument,
    InstrumentParams,
    ParamError,
    percent,
)
from solsim.engine.instruments.registry import register
from solsim.engine.ledger import CENTS

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["PatientCapital", "PatientCapitalParams"]


class PatientCapitalParams(InstrumentParams):
    """Settings of ``[instruments.patient_capital]`` (see the module docstring)."""

    tenor_months: Annotated[int, Field(ge=1, le=600)] = 120
    grace_months: Annotated[int, Field(ge=0, le=120)] = 12
    revenue_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.025
    floor: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    repayment_cap: Annotated[float, Field(ge=0.0, le=10.0)] = 1.5
    rate: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    funds: list[Annotated[int, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _check_floor_and_cap(self) -> PatientCapitalParams:
        if self.repayment_cap < 1.0:
            raise ParamError(
                "repayment_cap",
                f"{self.repayment_cap:g} is below 1: a loan could never repay its principal",
            )
        if self.floor > self.repayment_cap:
            raise ParamError(
                "floor",
                f"{self.floor:g} is above repayment_cap = {self.repayment_cap:g}: "
                "the floor would ask for more than the cap allows",
            )
        return self


@register
class PatientCapital(Instrument):
    """Set patient lending terms on the chosen funds."""

    name = "patient_capital"
    Params = PatientCapitalParams
    params: PatientCapitalParams
    columns = (
        Column("loans_in_grace", "loans in their grace period", "count"),
        Column("revenue_based_loans", "revenue-based loans", "count"),
        Column(
            "pc_repaid_share",
            "principal repaid within the tenor (patient loans closed without default)",
            "share",
            "better",
            summary="final",
            short="repaid within tenor",
        ),
        Column(
            "pc_chargeoff_share",
            "principal charged off (patient loans closed)",
            "share",
            "worse",
            summary="final",
            short="charged off",
        ),
        Column("pc_closed", "patient loans closed", "count", summary="final"),
    )
    control = Control(
        None,
        "Patient capital",
        help="The funds lend for longer, with a year's grace and repayments that fall "
        "when a co-op's sales fall, capped at 1.5 times the loan.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"patient capital: loans over {settings.get('tenor_months')} months with "
            f"{settings.get('grace_months')} months' grace, repaid with "
            f"{percent(settings.get('revenue_share', 0.0))} of revenue, at least "
            f"{settings.get('floor', 1.0):g} and at most {settings.get('repayment_cap', 1.5):g} "
            "times the loan in all"
        )
        return "patient capital", detail

    def setup(self, economy: Economy) -> None:
        p = self.params
        e = economy
        funds = np.asarray(check_funds(e, self.name, p.funds), dtype=np.int64)
        e.fund_tenor[funds] = p.tenor_months
        e.fund_grace[funds] = p.grace_months
        e.fund_revenue_share[funds] = p.revenue_share
        if p.rate is not None:
            e.fund_rate[funds] = p.rate
        self.lends = np.zeros(e.n_funds, dtype=bool)
        self.lends[funds] = True
        # Which co-op's loan is on these terms, and the state of each loan at
        # the last month's end (to tell a repayment at maturity from one before).
        self.patient = np.zeros(e.n_firms, dtype=bool)
        self.was_active = np.zeros(e.n_firms, dtype=bool)
        self.last_principal = np.zeros(e.n_firms, dtype=np.int64)
        self.last_tenor_left = np.zeros(e.n_firms, dtype=np.int64)
        self.last_grace_left = np.zeros(e.n_firms, dtype=np.int64)
        self.defaulted = np.zeros(e.n_firms, dtype=bool)
        self.original = np.zeros(e.n_firms, dtype=np.int64)
        self._zero()

    def _zero(self) -> None:
        # Cents of original principal and of what was repaid or charged off,
        # over the loans that closed since month 1.
        self.closed_repaid = 0
        self.repaid_in_tenor = 0
        self.closed_all = 0
        self.charged_off = 0
        self.n_closed = 0

    def start_run(self, economy: Economy) -> None:
        self._zero()

    def new_loans(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e, p = economy, self.params
        coop = np.asarray(ctx["coop"])
        # A co-op that repaid a loan this month and borrows again: close the old one first.
        self._close(coop[self.patient[coop] & self.was_active[coop]])
        mine = coop[self.lends[np.asarray(ctx["fund"])]]
        self.patient[coop] = False
        self.patient[mine] = True
        self.original[mine] = e.loan_original[mine]
        self.was_active[mine] = False
        e.loan_floor[mine] = p.floor if p.revenue_share > 0 else 0.0
        e.loan_cap[mine] = p.repayment_cap

    def losses(self, economy: Economy, ctx: dict[str, Any]) -> None:
        coop = np.asarray(ctx["coop"])
        mine = self.patient[coop]
        self.defaulted[coop[mine]] = True
        principal = np.asarray(ctx["principal"], dtype=np.float64)[mine]
        self.charged_off += int(np.round(principal * CENTS).sum())

    def _close(self, closed: np.ndarray) -> None:
        """Tally the loans of co-ops ``closed`` (indices), repaid or defaulted."""
        if closed.size == 0:
            return
        original = self.original[closed]
        defaulted = self.defaulted[closed]
        # A loan repaid in its last month of tenor (or later) paid what was
        # left then as a balloon: that much was not amortised before it.
        at_maturity = (self.last_tenor_left[closed] <= 1) & (self.last_grace_left[closed] == 0)
        balloon = np.where(at_maturity, self.last_principal[closed], 0)
        self.closed_repaid += int(original[~defaulted].sum())
        self.repaid_in_tenor += int((original - balloon)[~defaulted].sum())
        self.closed_all += int(original.sum())
        self.n_closed += int(closed.size)
        self.patient[closed] = False
        self.defaulted[closed] = False

    def record(self, economy: Economy) -> dict[str, float]:
        e = economy
        active = e.loan_active
        self._close(np.flatnonzero(self.patient & self.was_active & ~active))
        self.was_active = active.copy()
        self.last_principal = e.loan_principal.copy()
        self.last_tenor_left = e.loan_tenor_left.copy()
        self.last_grace_left = e.loan_grace_left.copy()
        return {
            "loans_in_grace": float((active & (e.loan_grace_left > 0)).sum()),
            "revenue_based_loans": float((active & (e.loan_revenue_share > 0)).sum()),
            "pc_repaid_share": self.repaid_in_tenor / self.closed_repaid
            if self.closed_repaid
            else float("nan"),
            "pc_chargeoff_share": self.charged_off / self.closed_all
            if self.closed_all
            else float("nan"),
            "pc_closed": float(self.n_closed),
        }
