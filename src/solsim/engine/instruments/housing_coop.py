"""Housing co-ops: members pay a carrying charge, not market rent.

The co-ops' homes are the places of the share ``members`` of households,
chosen by a fixed low-discrepancy rule on their index (the other end of the
rule a land trust uses, so the two do not share places unless their shares sum
above 1); no draw shifts the run's streams. Each community has one co-op
(a building; a ledger account each for collections, the reserve and the
hardship fund, in the ``housing_coop`` block).

**The carrying charge.** A member's home is the one it would rent on the
market (its rent burden drawn as a market renter's is). Instead of that rent
it pays its co-op, each month:

* debt service on the co-op's blanket mortgage, ``debt_service_share`` of the
  comparable rent (to the outside lender);
* operating cost, ``operating_share`` of the comparable rent less
  ``operating_discount`` (NCB: co-ops' operating costs run about 20% below
  comparable rentals; paid to outside contractors);
* a reserve contribution, ``reserve_share`` of the comparable rent, and a
  hardship contribution, ``hardship_share``, kept by the co-op.

At the defaults the charge is 0.45 + 0.35 × 0.8 + 0.05 + 0.02 = 0.80 of the
comparable rent: the landlord's margin is not charged, and operating costs
are lower.

**The reserve.** Each month a co-op's building needs a repair with
probability ``repair_rate``, costing ``repair_size`` months of its members'
comparable rents; the reserve pays what it holds, and what it cannot is
assessed on the members equally (a bill, which they pay like any other or
owe as arrears).

**The hardship fund.** A member behind on its charge has its arrears paid
by its co-op's hardship fund, up to ``hardship_max`` a month, pro rata when
the fund is short: it stays housed. A member still behind for
``households.eviction_months`` is displaced, as a renter would be, and the
newcomer in its place joins the co-op.

A member's claim on its home is its share, ``share_price`` (limited equity),
counted in its net worth; the co-op's homes are under community control.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Field

from solsim.engine.codes import RENTER
from solsim.engine.housing import annuity_factor
from solsim.engine.instruments.contract import (
    Column,
    Control,
    Described,
    Instrument,
    InstrumentParams,
    Watch,
    percent,
)
from solsim.engine.instruments.registry import register
from solsim.engine.ledger import CENTS, from_cents, to_cents
from solsim.engine.params import HouseholdMoney, Probability

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["HousingCoop", "HousingCoopParams"]


class HousingCoopParams(InstrumentParams):
    """Settings of ``[instruments.housing_coop]``: shares of a member's comparable rent."""

    members: Probability = 0.05
    debt_service_share: Probability = 0.45
    operating_share: Probability = 0.35
    operating_discount: Probability = 0.2
    reserve_share: Probability = 0.05
    hardship_share: Probability = 0.02
    hardship_max: HouseholdMoney = 1000.0
    repair_rate: Probability = 0.02
    repair_size: Annotated[float, Field(ge=0.0, le=120.0)] = 2.0
    share_price: HouseholdMoney = 2000.0


def coop_places(n: int, share: float) -> np.ndarray:
    """The top ``share`` of the low-discrepancy rule of
    :func:`~solsim.engine.instruments.common.select_members`: item *i* when the
    fractional part of *i* × (golden ratio − 1) is at least 1 − ``share``."""
    return (np.arange(n) * 0.6180339887498949) % 1.0 >= 1.0 - share


@register
class HousingCoop(Instrument):
    """Limited-equity housing co-ops, one per community (see the module docstring)."""

    name = "housing_coop"
    Params = HousingCoopParams
    params: HousingCoopParams
    columns = (
        Column("hcoop_displacement_rate", "housing co-op members displaced a year", "per_year",
               "worse", summary="final", key=True, short="co-op displacement rate",
               plain="co-op members who lost their homes, a year", material=0.001,
               relative_to=None),
        Column("hcoop_members", "housing co-op members", "count"),
        Column("hcoop_charge_ratio", "carrying charge ÷ comparable market rent", "ratio",
               summary="final"),
        Column("hcoop_burden", "housing co-op members' median housing burden", "share",
               "worse", summary="mean"),
        Column("hcoop_displaced", "housing co-op members displaced", "count", "worse",
               summary="sum"),
        Column("hcoop_reserve", "housing co-ops' reserves", "money", summary="final"),
        Column("hcoop_hardship_paid", "housing co-ops' hardship payments", "money",
               summary="final"),
        Column("hcoop_repairs", "repairs paid from housing co-ops' reserves", "money",
               summary="final"),
        Column("hcoop_assessed", "repairs assessed on housing co-op members", "money", "worse",
               summary="final"),
    )  # fmt: skip
    control = Control(
        "members",
        "Housing co-ops",
        "{}% of households in co-op housing",
        "Members pay a carrying charge (debt service, operating cost, reserve) "
        "instead of market rent; the reserve pays repairs and a hardship fund "
        "covers members behind on their charge.",
        high=0.3,
    )
    watches = (
        Watch(
            "ran_out",
            "hcoop_reserve",
            "a housing co-op's reserve ran dry in {count} of {runs} runs",
            paid="hcoop_repairs",
        ),
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"housing co-ops: {percent(settings.get('members', 0.05))} of households, "
            f"operating costs {percent(settings.get('operating_discount', 0.2))} below "
            f"comparable rentals, a reserve of {percent(settings.get('reserve_share', 0.05))} "
            "of the comparable rent"
        )
        return "housing co-ops", detail

    # ------------------------------------------------------------------ set-up
    def setup(self, economy: Economy) -> None:
        e, p = economy, self.params
        H = e.n_households
        self.rng = e.stream("housing_coop")
        self.place = coop_places(H, p.members)
        self.building = e.hh_community.astype(np.intp)
        self.n_buildings = int(self.building.max(initial=0)) + 1
        n = self.n_buildings
        block = e.ledger.add_block("housing_coop", 3 * n)
        accounts = block.start + np.arange(3 * n)
        self.collections, self.reserve, self.hardship = (
            accounts[:n],
            accounts[n : 2 * n],
            accounts[2 * n :],
        )
        self.rent = np.zeros(H)
        shares = np.array(
            [
                p.debt_service_share + p.operating_share * (1.0 - p.operating_discount),
                p.reserve_share,
                p.hardship_share,
            ]
        )
        total = shares.sum()
        self.charge_share = float(total)
        # How each unit of charge collected is passed on: costs, reserve, hardship.
        self.split = shares / total if total > 0 else np.array([1.0, 0.0, 0.0])
        self._reset_tallies()
        self._house(e, np.flatnonzero(self.place))

    def _reset_tallies(self) -> None:
        self.displaced = 0
        self.member_months = 0
        self.displaced_month = 0
        self.hardship_paid = 0
        self.repairs = 0
        self.assessed = 0.0

    def start_run(self, economy: Economy) -> None:
        """Month 1: displacements, hardship payments and repairs count afresh."""
        self._reset_tallies()

    def _house(self, e: Economy, places: np.ndarray) -> None:
        """The households now in ``places`` join their community's co-op."""
        if places.size == 0:
            return
        p, hp, hs = self.params, e.scenario.households, e.scenario.housing
        burden = hp.rent_burden * np.exp(self.rng.normal(0.0, hp.burden_dispersion, places.size))
        rent = np.minimum(burden, 0.9) * e.hh_outside_wage[places]
        self.rent[places] = rent
        carried = annuity_factor(hs.mortgage_rate / 12.0, hs.mortgage_term_months)
        e.hh_tenure[places] = RENTER
        e.hh_housing[places] = self.charge_share * rent
        e.hh_home_quality[places] = rent * carried / hs.loan_to_value / e.house_price_index
        e.hh_home_claim[places] = p.share_price
        e.hh_mortgage_principal[places] = 0.0
        e.hh_housing_payee[places] = self.collections[self.building[places]]
        e.hh_home_controlled[places] = True

    def _members(self, e: Economy) -> np.ndarray:
        return self.place & np.isin(e.hh_housing_payee, self.collections)

    # ------------------------------------------------------------------ each month
    def start_month(self, economy: Economy) -> None:
        """Repairs: the reserve pays what it holds, the rest is assessed on members."""
        e, p = economy, self.params
        strikes = self.rng.random(self.n_buildings) < p.repair_rate
        if not strikes.any():
            return
        members = self._members(e)
        roll = np.bincount(self.building[members], self.rent[members], minlength=self.n_buildings)
        count = np.bincount(self.building[members], minlength=self.n_buildings)
        cost = to_cents(np.where(strikes, p.repair_size * roll, 0.0))
        paid = np.minimum(cost, e.ledger.cash[self.reserve].clip(0))
        e.ledger.transfer(self.reserve, e.ledger.world, paid, "hcoop_repairs", cents=True)
        self.repairs += int(paid.sum())
        left = from_cents(cost - paid)
        per_member = np.divide(left, count, out=np.zeros(self.n_buildings), where=count > 0)
        bill = np.where(members, per_member[self.building], 0.0)
        e.hh_expense_due = e.hh_expense_due + bill
        self.assessed += float(bill.sum())

    def spending(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Pass the charges collected on: costs out, the rest to reserve and hardship fund."""
        e = economy
        held = e.ledger.cash[self.collections].clip(0)
        to_reserve = np.floor(held * self.split[1]).astype(np.int64)
        to_hardship = np.floor(held * self.split[2]).astype(np.int64)
        costs = held - to_reserve - to_hardship
        ledger = e.ledger
        ledger.transfer(self.collections, ledger.world, costs, "hcoop_costs", cents=True)
        ledger.transfer(self.collections, self.reserve, to_reserve, "hcoop_reserve", cents=True)
        ledger.transfer(self.collections, self.hardship, to_hardship, "hcoop_hardship", cents=True)

    def housing_arrears(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """The hardship fund pays members' arrears (to their co-op), pro rata when short."""
        e, p = economy, self.params
        members = self._members(e)
        self.member_months += int(members.sum())
        claim = np.where(members, np.minimum(e.hh_arrears_housing, to_cents(p.hardship_max)), 0)
        asked = np.bincount(self.building, claim, minlength=self.n_buildings)
        held = e.ledger.cash[self.hardship].clip(0)
        ratio = np.minimum(
            np.divide(held, asked, out=np.zeros(self.n_buildings), where=asked > 0), 1
        )
        grant = np.floor(claim * ratio[self.building]).astype(np.int64)
        takers = np.flatnonzero(grant > 0)
        if takers.size:
            where = self.building[takers]
            paid = e.ledger.transfer(
                self.hardship[where],
                self.collections[where],
                grant[takers],
                "hcoop_hardship_paid",
                cents=True,
            )
            e.hh_arrears_housing[takers] -= paid
            self.hardship_paid += int(paid.sum())
            current = takers[e.hh_arrears_housing[takers] == 0]
            e.hh_months_behind[current] = 0
        displaced = np.asarray(ctx["displaced"], dtype=np.intp)
        # Members the fund brought current stay; everyone else is as the rule says.
        still = ~members[displaced] | (e.hh_arrears_housing[displaced] > 0)
        ctx["displaced"] = displaced[still]
        self.displaced_month = int(members[displaced[still]].sum())
        self.displaced += self.displaced_month

    def arrivals(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Newcomers in the co-ops' places join them."""
        arrived = np.asarray(ctx["arrived"], dtype=np.intp)
        self._house(economy, arrived[self.place[arrived]])

    # ------------------------------------------------------------------ metrics
    def record(self, economy: Economy) -> dict[str, float]:
        e = economy
        members = np.flatnonzero(self._members(e))
        income = e.hh_income[members]
        cost = e.hh_housing[members] * e.housing_multiplier
        burden = np.divide(cost, income, out=np.full(members.size, np.inf), where=income > 0)
        return {
            "hcoop_displacement_rate": self.displaced / self.member_months * 12.0
            if self.member_months
            else 0.0,
            "hcoop_members": float(members.size),
            "hcoop_charge_ratio": self.charge_share,
            "hcoop_burden": float(np.median(burden)) if members.size else float("nan"),
            "hcoop_displaced": float(self.displaced_month),
            "hcoop_reserve": float(from_cents(int(e.ledger.cash[self.reserve].sum()))),
            "hcoop_hardship_paid": self.hardship_paid / CENTS,
            "hcoop_repairs": self.repairs / CENTS,
            "hcoop_assessed": self.assessed,
        }
