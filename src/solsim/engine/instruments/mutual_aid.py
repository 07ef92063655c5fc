"""Mutual-aid pool: members pay in every month, distressed members draw out.

Members are the share ``members`` of households (1.0: all), chosen by a fixed
low-discrepancy rule on their index (no random draw, so switching the pool on
does not shift the run's random stream). With ``pools = "community"`` each
community has its own pool, with ``"single"`` there is one for the economy.
Pools are ledger accounts inside the local economy (the ``aid_pool`` block).

In the ``distress`` phase, after the month's spending:

1. *Contributions.* Every member who is not distressed this month and still has
   ``contribution`` in cash pays it into its pool, unless the pool already holds
   ``pool_cap`` per member (then contributions pause: the pool is full).
2. *Payouts.* Every distressed member claims ``payout_share`` of its shortfall,
   at most ``max_payout``. A pool that cannot pay every claim pays them pro rata
   to what it holds: it can run dry.
3. The aid is spent at once on the essentials the household could not buy,
   like its other spending (``households.local_share`` at the co-ops on its
   purchase edges, the rest imported), so it adds to co-ops' sales this month.
   A household whose shortfall the aid covers is no longer distressed.

Pool balances are their members' assets: each member's equal share of its
pool counts in household net worth (:meth:`MutualAid.household_claims`).

Metrics: ``aid_paid`` (cumulative, the economy's total; 0 in runs without the
pools), and per month
``aid_pool`` (what the pools hold), ``aid_month`` (paid out),
``aid_contributions`` (paid in) and ``aid_unmet`` (claims the pools could not pay).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from solsim.engine.instruments.common import select_members
from solsim.engine.instruments.contract import (
    Column,
    Control,
    Described,
    Instrument,
    InstrumentParams,
    percent,
)
from solsim.engine.instruments.registry import register
from solsim.engine.ledger import CENTS, to_cents
from solsim.engine.params import HouseholdMoney, Probability
from solsim.engine.phases import spend_locally

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["MutualAid", "MutualAidParams"]


class MutualAidParams(InstrumentParams):
    """Settings of ``[instruments.mutual_aid]`` (money in currency units a month)."""

    members: Probability = 1.0
    contribution: HouseholdMoney = 25.0
    max_payout: HouseholdMoney = 400.0
    payout_share: Probability = 1.0
    pool_cap: HouseholdMoney = 600.0
    pools: Literal["community", "single"] = "community"


@register
class MutualAid(Instrument):
    """Mutual-aid pools of households (see the module docstring)."""

    name = "mutual_aid"
    Params = MutualAidParams
    params: MutualAidParams
    columns = (
        Column("aid_paid", "mutual-aid payouts", "money", summary="final", off=0.0,
               short="aid paid", plain="mutual aid paid out"),
        Column("aid_pool", "held in mutual-aid pools", "money"),
        Column("aid_month", "mutual aid paid this month", "money"),
        Column("aid_contributions", "paid into mutual-aid pools this month", "money"),
        Column("aid_unmet", "aid claims the pools could not pay", "money", "worse"),
    )  # fmt: skip
    control = Control(
        "contribution",
        "Mutual aid",
        "{} a month from each household",
        "Households pay into a community pool; members who cannot cover their "
        "essentials draw from it and spend the aid at local co-ops.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"mutual-aid pools: {context.money(settings.get('contribution', 0))} a month from "
            f"{percent(settings.get('members', 1.0))} of households, payouts up to "
            f"{context.money(settings.get('max_payout', 0))}"
        )
        return "mutual-aid pools", detail

    def setup(self, economy: Economy) -> None:
        e, p = economy, self.params
        self.member = select_members(e.n_households, p.members)
        if p.pools == "community":
            self.pool_of = e.hh_community.astype(np.int64)
        else:
            self.pool_of = np.zeros(e.n_households, dtype=np.int64)
        self.n_pools = int(self.pool_of.max(initial=0)) + 1
        block = e.ledger.add_block("aid_pool", self.n_pools)
        self.pool = block.start + np.arange(self.n_pools)
        self.members_per_pool = np.bincount(self.pool_of[self.member], minlength=self.n_pools)
        self.paid_month = 0
        self.contributed_month = 0
        self.unmet_month = 0
        self.paid = 0.0

    def start_run(self, economy: Economy) -> None:
        """Month 1: what the pools paid out counts afresh."""
        self.paid = 0.0

    def distress(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e, p = economy, self.params
        ledger = e.ledger
        distressed = np.asarray(ctx["distressed"], dtype=bool)

        # Contributions from members who can pay, into pools that are not full.
        held = ledger.cash[self.pool]
        open_pool = held < to_cents(p.pool_cap * self.members_per_pool)
        dues = to_cents(p.contribution)
        pays = self.member & ~distressed & (e.hh_cash >= dues) & open_pool[self.pool_of]
        payers = np.flatnonzero(pays)
        got = ledger.transfer(
            e.hh_account[payers],
            self.pool[self.pool_of[payers]],
            dues,
            "aid_contributions",
            cents=True,
        )
        self.contributed_month = int(got.sum())

        # Claims, paid pro rata when a pool runs short.
        shortfall = np.asarray(e.hh_shortfall, dtype=np.float64)
        claim = np.where(
            self.member & distressed, np.minimum(p.payout_share * shortfall, p.max_payout), 0.0
        )
        claim = to_cents(claim)
        asked = np.bincount(self.pool_of, claim, minlength=self.n_pools)
        held = ledger.cash[self.pool]
        ratio = np.divide(held, asked, out=np.zeros(self.n_pools), where=asked > 0)
        grant = np.floor(claim * np.minimum(ratio, 1.0)[self.pool_of]).astype(np.int64)
        self.unmet_month = int((claim - grant).sum())
        takers = np.flatnonzero(grant > 0)
        self.paid_month = 0
        if takers.size == 0:
            return
        paid = ledger.transfer(
            self.pool[self.pool_of[takers]],
            e.hh_account[takers],
            grant[takers],
            "aid_payouts",
            cents=True,
        )
        self.paid_month = int(paid.sum())
        self.paid += self.paid_month / CENTS
        aid = np.zeros(e.n_households)
        aid[takers] = paid / CENTS
        self._spend(e, aid)
        e.hh_shortfall = np.maximum(shortfall - aid, 0.0)
        # Aid buys essentials; rent still unpaid keeps a household distressed.
        ctx["distressed"] = distressed & ((e.hh_shortfall > 0.01) | (e.hh_housing_gap > 0.01))

    @staticmethod
    def _spend(e: Economy, aid: np.ndarray) -> None:
        """Households spend aid on essentials: locally along purchase edges, the rest imported."""
        _, sales = spend_locally(e, aid)
        e.firm_sales_local = e.firm_sales_local + sales
        e.firm_revenue = e.firm_revenue + sales

    def household_claims(self, economy: Economy) -> np.ndarray:
        """Each member's equal share of its pool's balance (currency); 0 for others.

        A pool's money is its members' savings held in common: it counts in
        their net worth (and so in the wealth Gini), not in nobody's.
        """
        held = economy.ledger.cash[self.pool] / CENTS
        per_member = np.divide(
            held,
            self.members_per_pool,
            out=np.zeros(self.n_pools),
            where=self.members_per_pool > 0,
        )
        return np.where(self.member, per_member[self.pool_of], 0.0)

    def record(self, economy: Economy) -> dict[str, float]:
        return {
            "aid_paid": self.paid,
            "aid_pool": float(economy.ledger.cash[self.pool].sum()) / CENTS,
            "aid_month": self.paid_month / CENTS,
            "aid_contributions": self.contributed_month / CENTS,
            "aid_unmet": self.unmet_month / CENTS,
        }
