"""Loan guarantees: a guarantor's reserve covers part of each loss, up to a cap.

Switched on with::

    [instruments.guarantee]
    coverage = 0.5      # g: share of each loss on a covered loan the guarantor pays
    cap_rate = 0.12     # cap = g × cap_rate × covered portfolio
    fee = 0.01          # annual, on covered principal outstanding, paid monthly
    reserve = 100000    # each guarantor's reserve, in currency
    share = 1.0         # share of new loans covered
    funds = [0]         # optional: which funds' loans (default: every fund)

Rules
-----
* The *covered portfolio* of a fund is the original principal of every loan the
  guarantee has covered so far; the fund's cap is ``coverage × cap_rate ×``
  that volume, and its cumulative claims never exceed it (a portfolio cap, as
  in public portfolio-guarantee schemes).
* When a covered loan defaults with loss ``L`` (principal less recovery), the
  fund claims ``coverage × L``, limited by what is left of its cap and by the
  guarantor's reserve. Claims that exceed either are scaled down pro rata over
  the month's defaults.
* The guarantee is a layer of the funds' order of losses
  (:mod:`solsim.engine.fund_books`), after the fund's loan-loss allowance and
  its net assets and before its tranches: a fund claims no more than the loss
  those left (``absorbed_guarantee``). What it pays lowers the loss that
  reaches the tranches.
* Every month each fund pays the fee on its covered principal outstanding,
  ``fee / 12 ×`` principal, as far as its cash allows; fees are an expense of
  the fund (they come out of distributable income) and add to the guarantor's
  reserve.
* Cover changes what a fund will lend to: its screen (months of wages a
  co-op's cash must cover, ``economy.fund_screen_factor``) falls by the factor
  ``1 − coverage × share``, so co-ops short of cash in a downturn can still
  borrow. That credit, not the transfer of losses, is the guarantee's effect
  on the real economy.
* A share below 1 covers exactly that share of the loans in the order they are
  granted (loan k is covered when ``floor((k+1)·share) > floor(k·share)``), so
  switching the guarantee on draws nothing from the run's random stream and
  comparisons with other scenarios stay paired.

Fund ``f`` is backed by guarantor ``f % economy.guarantors``. Guarantors are
outside the local economy: their reserve is funded from the outside world
before month 1 (no money enters the local economy), claims enter it and fees
leave it.

Timeseries columns: ``guarantee_paid`` (cumulative claims; 0 in runs without
the guarantee),
``guarantee_fees`` (cumulative fees), ``guarantor_reserve`` (what the backing
guarantors hold now), ``guarantee_cap_left`` (cap not yet used) and
``guarantee_exhausted`` (1 once a fund that claimed has used its cap, or a
backing reserve is under one unit; its summary, the run's maximum, says
whether the guarantee ran out).
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
    LossLayer,
    Watch,
    percent,
)
from solsim.engine.instruments.registry import register
from solsim.engine.ledger import CENTS, from_cents, sum_cents, to_cents, within_means
from solsim.engine.params import CAPITAL_MAX
from solsim.errors import ScenarioError

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class GuaranteeParams(InstrumentParams):
    """Settings of ``[instruments.guarantee]`` (see the module docstring)."""

    coverage: Fraction = 0.5
    cap_rate: Fraction = 0.12
    fee: Fraction = 0.01
    reserve: Annotated[float, Field(ge=0.0, le=CAPITAL_MAX)] = 100000.0
    share: Fraction = 1.0
    funds: list[Annotated[int, Field(ge=0)]] | None = None


def guarantee_claims(
    loss: np.ndarray,
    covered: np.ndarray,
    fund: np.ndarray,
    coverage: float,
    cap_left: np.ndarray,
    reserve: np.ndarray,
    guarantor_of_fund: np.ndarray | None = None,
) -> np.ndarray:
    """Claim on each defaulted loan under a capped, reserve-backed guarantee.

    Parameters
    ----------
    loss
        Loss on each defaulted loan (principal less recovery), in currency.
    covered
        Whether each loan is covered.
    fund
        Fund of each loan (index into ``cap_left``).
    coverage
        g, the share of each loss the guarantee pays.
    cap_left
        Each fund's cap not yet used by earlier claims.
    reserve
        Each guarantor's reserve.
    guarantor_of_fund
        Guarantor backing each fund (default: guarantor 0 backs every fund).

    Returns
    -------
    numpy.ndarray
        Claims, in currency: ``g × loss`` on covered loans, scaled down pro rata
        within a fund when they would pass its remaining cap, then within a
        guarantor when they would pass its reserve. So each fund's claims are
        at most its remaining cap and each guarantor pays at most its reserve.

    Examples
    --------
    The worked example of the design: a covered pool of 100, g = 50% and a cap
    rate of 12% (cap 6), a loss of 12.

    >>> guarantee_claims(np.array([12.0]), np.array([True]), np.array([0]), 0.5,
    ...                  np.array([0.5 * 0.12 * 100]), np.array([1000.0]))
    array([6.])
    """
    loss = np.asarray(loss, dtype=np.float64).clip(0.0)
    fund = np.asarray(fund, dtype=np.int64)
    cap_left = np.asarray(cap_left, dtype=np.float64).clip(0.0)
    reserve = np.asarray(reserve, dtype=np.float64).clip(0.0)
    if guarantor_of_fund is None:
        guarantor_of_fund = np.zeros(len(cap_left), dtype=np.int64)
    want = coverage * loss * np.asarray(covered, dtype=bool)
    guarantor = np.asarray(guarantor_of_fund, dtype=np.int64)[fund]
    # A tiny claim against a large limit overflows the ratio to inf: scale 1.
    with np.errstate(over="ignore"):
        asked = np.bincount(fund, want, minlength=len(cap_left))
        by_cap = np.divide(cap_left, asked, out=np.ones_like(asked), where=asked > 0)
        within_cap = want * by_cap.clip(0.0, 1.0)[fund]
        asked = np.bincount(guarantor, within_cap, minlength=len(reserve))
        by_reserve = np.divide(reserve, asked, out=np.ones_like(asked), where=asked > 0)
    by_reserve = by_reserve.clip(0.0, 1.0)
    return within_cap * by_reserve[guarantor]


def covered_in_turn(first: int, n: int, share: float) -> np.ndarray:
    """Which of ``n`` loans, numbered from ``first``, a share-``share`` guarantee covers.

    Loan k is covered when ``floor((k+1)·share) > floor(k·share)``: exactly
    ``floor(n·share)`` of the first n loans, spread evenly, with no randomness.
    """
    k = first + np.arange(n, dtype=np.float64)
    return np.floor((k + 1.0) * share + 1e-9) > np.floor(k * share + 1e-9)


def _reserve_committed(params: GuaranteeParams, n_funds: int, n_guarantors: int) -> float:
    """The backing guarantors' reserves together: each backs funds ``f % n_guarantors``."""
    if n_guarantors == 0:
        return 0.0
    funds = range(n_funds) if params.funds is None else params.funds
    return params.reserve * len({fund % n_guarantors for fund in funds})


@register
class Guarantee(Instrument):
    """A reserve-backed, capped guarantee on funds' loans (see the module docstring).

    State: ``covered`` (per co-op, whether its current loan is covered) and
    ``paid`` (claims paid to date, currency).
    """

    name = "guarantee"
    Params = GuaranteeParams
    columns = (
        Column("guarantee_paid", "guarantee payouts", "money", summary="final", key=True,
               off=0.0, short="guarantee paid", plain="paid by the guarantor", material=0.001,
               relative_to="capital"),
        Column("guarantee_fees", "guarantee fees paid by the funds", "money"),
        Column("guarantor_reserve", "guarantors' reserve", "money"),
        Column("guarantee_cap_left", "guarantee cap not yet used", "money"),
        Column("guarantee_exhausted", "guarantee cap or reserve ran out (1 = yes)", "share",
               summary="peak", off=0.0),
    )  # fmt: skip
    control = Control(
        "coverage",
        "Loan guarantee",
        "{}% of each defaulted loan",
        "An outside guarantor pays this share of each loss on the funds' loans, so the "
        "funds dare lend to co-ops with thinner cash buffers in a downturn.",
    )
    loss_layers = (
        LossLayer("guarantor", "the guarantor", "guarantee_paid", _reserve_committed, "guarantee"),
    )
    watches = (
        Watch("ran_out", "guarantor_reserve",
              "The guarantor's reserve ran out in {count} of {runs} runs."),
        Watch("ran_out", "guarantee_cap_left", "The guarantee's cap was used up in {count} of "
              "{runs} runs: later losses fell on the funds.", paid="guarantee_paid"),
        Watch("never", "guarantee_paid", "The guarantee paid nothing in any run.", warning=False),
    )  # fmt: skip

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        coverage = float(settings.get("coverage", 0.0))
        detail = (
            f"loan guarantee: pays {percent(coverage)} of each loss on "
            f"{percent(settings.get('share', 1.0))} of new loans, up to "
            f"{percent(settings.get('cap_rate', 0.0))} of the loans covered; fee "
            f"{percent(settings.get('fee', 0.0))} a year; "
            f"reserve {context.money(context.layer or 0.0)}"
        )
        return f"a {percent(coverage)} loan guarantee", detail

    def setup(self, economy: Economy) -> None:
        p: GuaranteeParams = self.params
        e = economy
        if e.n_guarantors == 0:
            raise ScenarioError(
                e.scenario.source,
                "economy.guarantors",
                "the guarantee instrument needs at least one guarantor",
            )
        self.in_scope = np.zeros(e.n_funds, dtype=bool)
        self.in_scope[check_funds(e, self.name, p.funds)] = True
        self.guarantor_of_fund = np.arange(e.n_funds) % e.n_guarantors
        self.guarantor_account = e.ledger.block("guarantors").start + np.arange(e.n_guarantors)
        self.backing = np.unique(self.guarantor_of_fund[self.in_scope])
        self.volume = np.zeros(e.n_funds)  # covered portfolio: original principal
        self.claimed = np.zeros(e.n_funds)
        self.fees = 0.0
        self.paid = 0.0
        self.covered = np.zeros(e.n_firms, dtype=bool)
        self.offered = 0
        # Both accounts are outside the economy: the money stock does not move.
        e.ledger.transfer(
            e.ledger.world, self.guarantor_account[self.backing], p.reserve, "guarantee_reserve"
        )
        active = np.flatnonzero(e.loan_active)
        self.new_loans(e, {"coop": active, "fund": e.loan_fund[active]})
        # With a share g of each loss covered, a fund can lend to co-ops with
        # thinner cash buffers: the screen falls in proportion to the cover.
        e.fund_screen_factor[self.in_scope] *= 1.0 - p.coverage * p.share

    def start_run(self, economy: Economy) -> None:
        """Month 1: the reserve is back at its committed size, the cap counts afresh.

        The covered portfolio restarts as the covered loans still running.
        """
        e, p = economy, self.params
        self.claimed[:] = 0.0
        self.fees = 0.0
        self.paid = 0.0
        covered = np.flatnonzero(e.loan_active & self.covered)
        self.volume = np.zeros(e.n_funds)
        self.volume += np.bincount(
            e.loan_fund[covered], e.loan_original[covered] / CENTS, minlength=e.n_funds
        )
        committed = to_cents(p.reserve)
        held = e.ledger.cash[self.guarantor_account[self.backing]]
        e.ledger.transfer(
            e.ledger.world,
            self.guarantor_account[self.backing],
            np.maximum(committed - held, 0),
            "guarantee_reserve",
            cents=True,
        )

    def cap_left(self) -> np.ndarray:
        """Each fund's cap not yet used."""
        p: GuaranteeParams = self.params
        return (p.coverage * p.cap_rate * self.volume - self.claimed).clip(0.0)

    def new_loans(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e = economy
        coop = np.asarray(ctx["coop"], dtype=np.int64)
        fund = np.asarray(ctx["fund"], dtype=np.int64)
        self.covered[coop] = False
        offered = coop[self.in_scope[fund]]
        covered = offered[covered_in_turn(self.offered, offered.size, self.params.share)]
        self.offered += offered.size
        self.covered[covered] = True
        self.volume += np.bincount(
            e.loan_fund[covered], e.loan_original[covered] / CENTS, minlength=e.n_funds
        )

    def start_month(self, economy: Economy) -> None:
        e = economy
        p: GuaranteeParams = self.params
        loans = np.flatnonzero(e.loan_active & self.covered)
        if loans.size == 0 or p.fee == 0.0:
            return
        due = np.bincount(
            e.loan_fund[loans], e.loan_principal[loans] / CENTS * p.fee / 12.0, minlength=e.n_funds
        )
        due = np.minimum(due, from_cents(e.fund_cash.clip(0)))
        paid = e.ledger.transfer(
            e.fund_account, self.guarantor_account[self.guarantor_of_fund], due, "guarantee_fees"
        )
        # A fee is the fund's expense: it is not income to distribute as coupons.
        e.fund_interest_income -= paid / CENTS
        self.fees += paid.sum() / CENTS

    def losses(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e = economy
        coop = np.asarray(ctx["coop"], dtype=np.int64)
        fund = np.asarray(ctx["fund"], dtype=np.int64)
        loss = np.asarray(ctx["loss"], dtype=np.float64)
        remaining = np.asarray(ctx["remaining"], dtype=np.int64)
        reserve = from_cents(e.ledger.cash[self.guarantor_account])
        claim = guarantee_claims(
            loss,
            self.covered[coop],
            fund,
            self.params.coverage,
            self.cap_left(),
            reserve,
            self.guarantor_of_fund,
        )
        # The guarantee stands after the fund's allowance and net assets: it
        # pays no more of a fund's losses than they left (DESIGN's order).
        claim_cents = np.floor(claim * CENTS).astype(np.int64)
        paid = within_means(claim_cents, remaining, fund, e.n_funds)
        paid = e.ledger.transfer(
            self.guarantor_account[self.guarantor_of_fund[fund]],
            e.fund_account[fund],
            paid,
            "guarantee_claims",
            cents=True,
        )
        by_fund = sum_cents(fund, paid, e.n_funds)
        ctx["remaining"] = remaining - by_fund
        self.claimed += by_fund / CENTS
        self.paid += float(by_fund.sum()) / CENTS
        self.covered[coop] = False

    def exhausted(self, economy: Economy) -> bool:
        """Whether the cap of a fund that claimed, or a backing reserve, has run out."""
        reserve = economy.ledger.cash[self.guarantor_account[self.backing]]
        cap_used = (self.claimed > 0) & (self.cap_left() < 0.01) & self.in_scope
        return bool(cap_used.any() or (reserve < CENTS).any())

    def record(self, economy: Economy) -> dict[str, float]:
        reserve = economy.ledger.cash[self.guarantor_account[self.backing]].sum()
        return {
            "guarantee_paid": self.paid,
            "guarantee_fees": self.fees,
            "guarantor_reserve": float(from_cents(reserve)),
            "guarantee_cap_left": float(self.cap_left()[self.in_scope].sum()),
            "guarantee_exhausted": float(self.exhausted(economy)),
        }
