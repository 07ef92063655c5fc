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

Resilience circles (``circle_size``, 10–20 in practice): members are also
grouped into circles of about that many neighbours on the trade graph —
households of a community that buy from the same co-op, taken in order of that
co-op (no random draw). ``circle_share`` of each contribution goes to the
member's circle, the rest to the community pool; a distressed member draws on
its circle first (pro rata when the circle is short) and on the pool only for
the rest of its claim.

Pool and circle balances are their members' assets: each member's equal share
of its pool and its circle counts in household net worth
(:meth:`MutualAid.household_claims`).

Metrics: ``aid_paid`` (cumulative, the economy's total; 0 in runs without the
pools), and per month
``aid_pool`` (what the pools hold), ``aid_month`` (paid out),
``aid_contributions`` (paid in) and ``aid_unmet`` (claims the pools could not pay);
``aid_circles`` (what circles hold) and ``aid_from_circles`` (paid by circles
to date; 0 without circles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field

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
    circle_size: Annotated[int, Field(ge=2, le=1000)] | None = None
    circle_share: Probability = 0.5


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
        Column("aid_circles", "held in resilience circles", "money"),
        Column("aid_from_circles", "aid paid by resilience circles", "money", summary="final"),
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
        self.circle_of = circles(e, self.member, p.circle_size) if p.circle_size else None
        if self.circle_of is not None:
            self.n_circles = int(self.circle_of.max(initial=-1)) + 1
            block = e.ledger.add_block("aid_circle", max(self.n_circles, 1))
            self.circle = block.start + np.arange(max(self.n_circles, 1))
            in_circle = self.circle_of >= 0
            self.members_per_circle = np.bincount(
                self.circle_of[in_circle], minlength=self.n_circles
            )
        self.circle_paid = 0.0
        self.paid_month = 0
        self.contributed_month = 0
        self.unmet_month = 0
        self.paid = 0.0

    def start_run(self, economy: Economy) -> None:
        """Month 1: what the pools paid out counts afresh."""
        self.paid = 0.0
        self.circle_paid = 0.0

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
        if self.circle_of is not None:
            # A circle takes its share of the dues while it holds less than the
            # pool cap per member; a full circle's share goes to the pool.
            to_circle = int(np.floor(dues * p.circle_share))
            in_circle = self.circle_of >= 0
            circle_held = ledger.cash[self.circle[: self.n_circles]]
            open_circle = circle_held < to_cents(p.pool_cap * self.members_per_circle)
            circling = np.zeros(e.n_households, dtype=bool)
            circling[in_circle] = open_circle[self.circle_of[in_circle]]
            circled = payers[circling[payers]]
            into_circles = ledger.transfer(
                e.hh_account[circled],
                self.circle[self.circle_of[circled]],
                to_circle,
                "aid_contributions",
                cents=True,
            )
            self.contributed_month = int(into_circles.sum())
            dues_to_pool = np.where(circling[payers], dues - to_circle, dues)
        else:
            self.contributed_month = 0
            dues_to_pool = np.full(payers.size, dues, dtype=np.int64)
        got = ledger.transfer(
            e.hh_account[payers],
            self.pool[self.pool_of[payers]],
            dues_to_pool,
            "aid_contributions",
            cents=True,
        )
        self.contributed_month += int(got.sum())

        # Claims, paid pro rata when a pool runs short.
        shortfall = np.asarray(e.hh_shortfall, dtype=np.float64)
        claim = np.where(
            self.member & distressed, np.minimum(p.payout_share * shortfall, p.max_payout), 0.0
        )
        claim = to_cents(claim)
        from_circle = np.zeros(e.n_households, dtype=np.int64)
        if self.circle_of is not None:
            # The circle first: each distressed member's claim on its circle,
            # pro rata when the circle is short; the pool meets the rest.
            in_circle = self.circle_of >= 0
            circle_claim = np.where(in_circle, claim, 0)
            group = np.where(in_circle, self.circle_of, 0)
            asked = np.bincount(group, circle_claim, minlength=self.n_circles)
            held = ledger.cash[self.circle[: self.n_circles]]
            ratio = np.divide(held, asked, out=np.zeros(self.n_circles), where=asked > 0)
            want = np.floor(circle_claim * np.minimum(ratio, 1.0)[group]).astype(np.int64)
            drawn = np.flatnonzero(want > 0)
            if drawn.size:
                from_circle[drawn] = ledger.transfer(
                    self.circle[self.circle_of[drawn]],
                    e.hh_account[drawn],
                    want[drawn],
                    "aid_payouts",
                    cents=True,
                )
            claim = claim - from_circle
        asked = np.bincount(self.pool_of, claim, minlength=self.n_pools)
        held = ledger.cash[self.pool]
        ratio = np.divide(held, asked, out=np.zeros(self.n_pools), where=asked > 0)
        grant = np.floor(claim * np.minimum(ratio, 1.0)[self.pool_of]).astype(np.int64)
        self.unmet_month = int((claim - grant).sum())
        self.circle_paid += float(from_circle.sum()) / CENTS
        takers = np.flatnonzero(grant > 0)
        paid = ledger.transfer(
            self.pool[self.pool_of[takers]],
            e.hh_account[takers],
            grant[takers],
            "aid_payouts",
            cents=True,
        )
        aid_cents = from_circle.copy()
        aid_cents[takers] += paid
        self.paid_month = int(aid_cents.sum())
        if self.paid_month == 0:
            return
        self.paid += self.paid_month / CENTS
        aid = aid_cents / CENTS
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
        claims = np.where(self.member, per_member[self.pool_of], 0.0)
        if self.circle_of is not None and self.n_circles:
            held = economy.ledger.cash[self.circle[: self.n_circles]] / CENTS
            per_member = np.divide(
                held,
                self.members_per_circle,
                out=np.zeros(self.n_circles),
                where=self.members_per_circle > 0,
            )
            claims = claims + np.where(
                self.circle_of >= 0, per_member[np.maximum(self.circle_of, 0)], 0.0
            )
        return claims

    def record(self, economy: Economy) -> dict[str, float]:
        return {
            "aid_paid": self.paid,
            "aid_pool": float(economy.ledger.cash[self.pool].sum()) / CENTS,
            "aid_month": self.paid_month / CENTS,
            "aid_contributions": self.contributed_month / CENTS,
            "aid_unmet": self.unmet_month / CENTS,
            "aid_circles": (
                float(economy.ledger.cash[self.circle[: self.n_circles]].sum()) / CENTS
                if self.circle_of is not None
                else 0.0
            ),
            "aid_from_circles": self.circle_paid,
        }


def circles(e: Economy, member: np.ndarray, size: int) -> np.ndarray:
    """Each member's resilience circle (−1 for non-members): neighbours on the graph.

    Members of a community are ordered by the co-op they buy from first (their
    first purchase edge; households without one come last), then by index, and
    cut into consecutive circles of ``size``; a community's last circle takes
    the remainder when it is shorter than half a circle. Deterministic: no draw.
    """
    first_seller = np.full(e.n_households, e.n_firms, dtype=np.int64)
    has_edge = np.diff(e.purchase.indptr) > 0
    first_seller[has_edge] = e.purchase.indices[e.purchase.indptr[:-1][has_edge]]
    who = np.flatnonzero(member)
    community = e.hh_community[who].astype(np.int64)
    order = who[np.lexsort((who, first_seller[who], community))]
    community = e.hh_community[order].astype(np.int64)
    rank = np.arange(order.size) - np.searchsorted(community, community)
    count = np.bincount(community)[community]
    full = count // size
    # A remainder of at least half a circle forms its own circle; a smaller one
    # joins the community's last full circle.
    extra = (count % size) * 2 >= size
    n_in_community = np.maximum(full + extra, 1)
    local = np.minimum(rank // size, n_in_community - 1)
    per_community = np.zeros(int(community.max(initial=-1)) + 1, dtype=np.int64)
    per_community[community] = n_in_community
    offset = np.concatenate([[0], np.cumsum(per_community)])[:-1]
    circle_of = np.full(e.n_households, -1, dtype=np.int64)
    circle_of[order] = offset[community] + local
    return circle_of
