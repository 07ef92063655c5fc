"""Participatory budgeting: residents vote each year on how a budget is spent.

Switched on with::

    [instruments.participatory_budget]
    grant_per_resident = 10.0   # outside grant, currency per resident a year
    surplus_share = 0.5         # share of the funds' surplus payout put to the vote
    turnout = 0.08              # share of residents who vote
    need_weight = 1.0           # how much a community's distress weighs

    [instruments.participatory_budget.uses]   # what the voters choose, in shares
    coop_startups = 0.4
    aid = 0.3
    housing = 0.3

The budget of each fund is ``surplus_share`` of what it would have paid out of
its surplus (instead of paying it to depositors) over the year, plus an
outside grant of ``grant_per_resident`` for each household it serves. Once a
year (months 12, 24, ...) it is allocated:

* **across communities** of the fund, in proportion to the votes cast there
  weighted by need: ``turnout × residents × (1 + need_weight × distress share)``
  (:func:`allocate_budget`);
* **across uses**, by the voters' shares in ``uses``: ``coop_startups`` is paid
  into the fund as a grant for start-up loans (it raises what the fund can
  lend and refound with); ``aid`` is paid to the community's households in
  distress, equally; ``housing`` pays down the housing arrears of the
  community's households, in proportion to them, to their creditors (the
  community institution that houses them, or landlords and lenders outside).

What a use cannot spend in its community this year (nobody in distress, no
arrears) stays in the budget for the next. Scale: New York's participatory
budgeting allocated about $35M over 31 districts in 2016–17, a few dollars to
tens of dollars per resident a year; Porto Alegre drew up to 17,200
participants. The default grant, 10 a resident a year, is of that order against
the default economy's wages.

Columns: ``pb_allocated`` (cumulative, by use ``pb_startups``, ``pb_aid``,
``pb_housing``), ``pb_budget`` (what waits in the budget now) and
``pb_voters`` (the last vote's participants).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from solsim.engine.credit import split_cents
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
from solsim.engine.ledger import CENTS, sum_cents

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
USES = ("coop_startups", "aid", "housing")


class Uses(BaseModel):
    """The voters' shares of the budget by use (they must sum to a positive total)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    coop_startups: Fraction = 0.4
    aid: Fraction = 0.3
    housing: Fraction = 0.3

    def shares(self) -> np.ndarray:
        values = np.array([getattr(self, use) for use in USES])
        return values / values.sum()


class ParticipatoryBudgetParams(InstrumentParams):
    """Settings of ``[instruments.participatory_budget]`` (see the module docstring)."""

    grant_per_resident: Annotated[float, Field(ge=0.0, le=10_000.0)] = 10.0
    surplus_share: Fraction = 0.5
    turnout: Annotated[float, Field(gt=0.0, le=1.0)] = 0.08
    need_weight: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    uses: Uses = Field(default_factory=Uses)

    @model_validator(mode="after")
    def _check(self) -> ParticipatoryBudgetParams:
        if sum(getattr(self.uses, use) for use in USES) <= 0:
            raise ParamError("uses", "the uses' shares must sum to a positive total")
        return self


def allocate_budget(
    budget: np.ndarray,
    group_fund: np.ndarray,
    residents: np.ndarray,
    distress: np.ndarray,
    turnout: float,
    need_weight: float,
) -> np.ndarray:
    """Each group's (a community within a fund) share of its fund's budget, in cents.

    Weight of group g: ``turnout × residents_g × (1 + need_weight × distress_g)``
    (votes cast, weighted by need); a fund's budget is split over its groups in
    proportion, to the cent.

    Examples
    --------
    Two communities of 100 residents, one with no distress and one with half its
    households in distress, need weight 1: 1 : 1.5.

    >>> allocate_budget(np.array([1000]), np.array([0, 0]), np.array([100, 100]),
    ...                 np.array([0.0, 0.5]), 0.1, 1.0)
    array([400, 600])
    """
    weight = turnout * np.asarray(residents, dtype=np.float64)
    weight = weight * (1.0 + need_weight * np.asarray(distress, dtype=np.float64))
    return split_cents(np.asarray(budget, dtype=np.int64), weight, group_fund, len(budget))


@register
class ParticipatoryBudget(Instrument):
    """A yearly vote on a budget from the funds' surplus and an outside grant."""

    name = "participatory_budget"
    Params = ParticipatoryBudgetParams
    columns = (
        Column("pb_allocated", "participatory budget allocated", "money", summary="final",
               key=True, direction="better", short="budget allocated", off=0.0),
        Column("pb_startups", "budget to co-op start-ups", "money", summary="final"),
        Column("pb_aid", "budget to households in distress", "money", summary="final"),
        Column("pb_housing", "budget to housing arrears", "money", summary="final"),
        Column("pb_budget", "budget waiting to be spent", "money"),
        Column("pb_voters", "residents who voted in the last vote", "count", summary="peak"),
    )  # fmt: skip
    control = Control(
        "grant_per_resident",
        "Participatory budget",
        "{} a resident a year",
        "Once a year residents vote on how a budget is spent: co-op start-ups, aid to "
        "households in distress, housing arrears.",
        high=100.0,
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        grant = float(settings.get("grant_per_resident", 10.0))
        detail = (
            f"participatory budget: {percent(settings.get('surplus_share', 0.5))} of the funds' "
            f"surplus payout and a grant of {context.money(grant)} a resident a year, "
            f"allocated by a vote with {percent(settings.get('turnout', 0.08))} turnout"
        )
        return "a participatory budget", detail

    def setup(self, economy: Economy) -> None:
        e = economy
        block = e.ledger.add_block("pb_budget", e.n_funds)
        self.account = block.start + np.arange(e.n_funds)
        # Communities within funds: the groups that vote.
        self.n_communities = int(e.hh_community.max()) + 1 if e.n_households else 1
        self.hh_group = e.hh_fund.astype(np.int64) * self.n_communities + e.hh_community
        groups = e.n_funds * self.n_communities
        self.group_fund = np.arange(groups) // self.n_communities
        self.residents = np.bincount(self.hh_group, minlength=groups)
        self.start_run(e)

    def start_run(self, economy: Economy) -> None:
        self.allocated = {use: 0 for use in USES}
        self.voters = 0

    def payout(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e = economy
        share = self.params.surplus_share
        if share <= 0:
            return
        want = np.floor(np.asarray(ctx["payout"]) * share * CENTS).astype(np.int64)
        taken = e.ledger.transfer(e.fund_account, self.account, want, "pb_surplus", cents=True)
        ctx["payout"] = np.asarray(ctx["payout"]) - taken / CENTS

    def start_month(self, economy: Economy) -> None:
        e = economy
        if e.month % 12 or e.month == 0:
            return
        p: ParticipatoryBudgetParams = self.params
        served = np.bincount(e.hh_fund, minlength=e.n_funds)
        e.ledger.transfer(e.ledger.world, self.account, p.grant_per_resident * served, "pb_grant")
        budget = e.ledger.cash[self.account].copy()
        groups = len(self.group_fund)
        distress = np.bincount(self.hh_group, e.hh_distressed, minlength=groups)
        share = np.divide(distress, self.residents, out=np.zeros(groups), where=self.residents > 0)
        per_group = allocate_budget(
            budget, self.group_fund, self.residents, share, p.turnout, p.need_weight
        )
        self.voters = round(p.turnout * self.residents.sum())
        uses = p.uses.shares()
        by_use = split_cents(
            per_group,
            np.tile(uses, groups),
            np.repeat(np.arange(groups), len(USES)),
            groups,
        ).reshape(groups, len(USES))
        self._startups(e, by_use[:, 0])
        self._aid(e, by_use[:, 1])
        self._housing(e, by_use[:, 2])

    def _startups(self, e: Economy, amount: np.ndarray) -> None:
        per_fund = np.bincount(self.group_fund, amount, minlength=e.n_funds).astype(np.int64)
        paid = e.ledger.transfer(self.account, e.fund_account, per_fund, "pb_startups", cents=True)
        self.allocated["coop_startups"] += int(paid.sum())

    def _aid(self, e: Economy, amount: np.ndarray) -> None:
        distressed = e.hh_distressed.astype(np.float64)
        paid = split_cents(amount, distressed, self.hh_group, len(self.group_fund))
        # A group with nobody in distress keeps its share for next year.
        paid = e.ledger.transfer(self.account[e.hh_fund], e.hh_account, paid, "pb_aid", cents=True)
        self.allocated["aid"] += int(paid.sum())

    def _housing(self, e: Economy, amount: np.ndarray) -> None:
        arrears = e.hh_arrears_housing.clip(0)
        groups = len(self.group_fund)
        owed = sum_cents(self.hh_group, arrears, groups)
        pay = split_cents(
            np.minimum(amount, owed), arrears.astype(np.float64), self.hh_group, groups
        )
        pay = np.minimum(pay, arrears)
        # Paid on the households' behalf to whom they owe rent or mortgage: the
        # community institution that houses them, else creditors outside.
        from solsim.engine.housing import MARKET

        payee = np.where(e.hh_housing_payee != MARKET, e.hh_housing_payee, e.ledger.world)
        paid = e.ledger.transfer(self.account[e.hh_fund], payee, pay, "pb_housing", cents=True)
        e.hh_arrears_housing -= paid
        self.allocated["housing"] += int(paid.sum())

    def record(self, economy: Economy) -> dict[str, float]:
        total = sum(self.allocated.values())
        return {
            "pb_allocated": total / CENTS,
            "pb_startups": self.allocated["coop_startups"] / CENTS,
            "pb_aid": self.allocated["aid"] / CENTS,
            "pb_housing": self.allocated["housing"] / CENTS,
            "pb_budget": float(economy.ledger.cash[self.account].sum()) / CENTS,
            "pb_voters": float(self.voters),
        }
