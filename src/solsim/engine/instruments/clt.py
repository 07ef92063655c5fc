"""Community land trust: the trust holds the land, households own the homes on it.

The trust's homes are the places of the share ``homes`` of households, chosen
by a fixed low-discrepancy rule on their index (no draw, so the run's other
streams are untouched). Incomes are drawn for every household alike, so the
trust's owners and the market's owners come from the same income
distribution: any difference in how they fare is the trust's doing, not a
selection of who gets in.

**Buying.** A household that moves into a trust home buys the house (the
trust keeps the land) with a mortgage from the outside bank at
``mortgage_rate`` over ``mortgage_term_months``, at the market's loan-to-value
ratio (``housing.loan_to_value``). Its home is the one its income would buy
on the market (its burden is drawn as a market owner's is); it pays the trust's
price for it, ``affordable_share`` of the market value when the trust
first sells, then the resale formula's price (below) in the same ratio to the
market value. On top of its mortgage it pays the trust a ground-lease fee,
``ground_lease_fee`` a month. It pays both to the trust, which passes the
mortgage payments on to the bank and keeps the fees in its stewardship fund.

**Resale.** The owner's claim on its home is the price it paid plus
``appreciation_share`` of the market value's gain since (the index gain): it
keeps that share, the rest stays with the home, so the next buyer pays the
formula price. It counts, less the mortgage balance, in the owner's net worth.

**Stewardship.** An owner ``foreclosure_months`` behind on its housing is due
for foreclosure. Before that, the trust cures its arrears with probability
``cure_rate`` (Thaden 2010: CLTs cured about 51% of the loans that were ever
seriously delinquent), paying them from the stewardship fund as long as the
fund has the cash; cured, the owner is current again. An owner not cured is
foreclosed and displaced, and the trust resells the home to the newcomer.
The fund is financed by the fees and by an outside grant of
``stewardship_grant`` a month, through the ledger (the ``clt`` block:
collections, stewardship fund, acquisition fund).

**Acquisitions.** An outside grant of ``acquisition_grant`` a month goes to
the acquisition fund. When a market owner's home changes hands, the trust
buys the land under it while the fund can pay the affordability gap (the
market value less the trust's price), and sells the house to the newcomer at
the trust's price: the trust grows by grants. (It does not borrow from the
community funds to buy.)

Metrics: ``foreclosure_rate_clt`` (foreclosures per trust owner-year to date,
to set beside the core's ``foreclosure_rate_market``), the month's
owners due for foreclosure, cures and foreclosures (cures ÷ due is the
share cured),
the stewardship fund, the owners' median housing burden and mean equity,
the formula price of a trust home against the median income (affordability
for the next buyer), homes acquired and grants received.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Field

from solsim.engine.codes import MORTGAGE
from solsim.engine.housing import annuity_factor, housing_equity, market_owners
from solsim.engine.instruments.common import select_members
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
from solsim.engine.params import MONTHLY_MAX, HouseholdMoney, Probability

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["CommunityLandTrust", "CommunityLandTrustParams"]


class CommunityLandTrustParams(InstrumentParams):
    """Settings of ``[instruments.clt]`` (money in currency units; a month unless said)."""

    homes: Probability = 0.05
    affordable_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.7
    ground_lease_fee: Annotated[float, Field(ge=0.0, le=MONTHLY_MAX)] = 25.0
    appreciation_share: Probability = 0.25
    cure_rate: Probability = 0.51
    foreclosure_months: Annotated[int, Field(ge=1, le=120)] = 3
    mortgage_rate: Annotated[float, Field(ge=0.0, le=0.3)] = 0.06
    mortgage_term_months: Annotated[int, Field(ge=12, le=480)] = 360
    stewardship_grant: HouseholdMoney = 1000.0
    acquisition_grant: HouseholdMoney = 5000.0


@register
class CommunityLandTrust(Instrument):
    """A community land trust (see the module docstring)."""

    name = "clt"
    Params = CommunityLandTrustParams
    params: CommunityLandTrustParams
    columns = (
        Column("foreclosure_rate_clt", "land-trust owners' foreclosures a year", "per_year",
               "worse", summary="final", key=True, short="CLT foreclosure rate",
               plain="land-trust homes lost to foreclosure, a year", material=0.001,
               relative_to=None),
        Column("clt_owners", "land-trust owners", "count"),
        Column("clt_foreclosures", "land-trust foreclosures", "count", "worse", summary="sum"),
        Column("clt_cures", "arrears cured by the land trust", "count", summary="sum"),
        Column("clt_due", "land-trust owners due for foreclosure", "count", "worse",
               summary="sum"),
        Column("clt_stewardship_fund", "land trust's stewardship fund", "money", summary="final"),
        Column("clt_burden", "land-trust owners' median housing burden", "share", "worse",
               summary="mean"),
        Column("clt_equity", "land-trust owners' mean housing equity", "money", "better",
               summary="final"),
        Column("clt_resale_to_income", "land-trust resale price ÷ median annual income",
               "ratio", "worse", summary="final"),
        Column("clt_acquired", "homes the land trust acquired", "count", summary="final"),
        Column("clt_grants", "grants to the land trust", "money", summary="final"),
    )  # fmt: skip
    control = Control(
        "homes",
        "Community land trust",
        "{}% of homes on trust land",
        "A trust holds the land; households buy the houses at an affordable price, "
        "pay a ground-lease fee, and the trust cures arrears before foreclosure.",
        high=0.3,
    )
    watches = (
        Watch(
            "ran_out",
            "clt_stewardship_fund",
            "the land trust's stewardship fund ran dry in {count} of {runs} runs",
            paid="clt_cures",
        ),
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        detail = (
            f"community land trust: {percent(settings.get('homes', 0.05))} of homes, sold at "
            f"{percent(settings.get('affordable_share', 0.7))} of market value, owners keep "
            f"{percent(settings.get('appreciation_share', 0.25))} of the gain, "
            f"{percent(settings.get('cure_rate', 0.51))} of arrears cured before foreclosure"
        )
        return "a community land trust", detail

    # ------------------------------------------------------------------ set-up
    def setup(self, economy: Economy) -> None:
        e, p = economy, self.params
        H = e.n_households
        self.rng = e.stream("clt")
        self.slot = select_members(H, p.homes)
        block = e.ledger.add_block("clt", 3)
        self.collections, self.stewardship, self.acquisition = block.start + np.arange(3)
        # Per place: the trust's price ÷ market value for the next buyer, what
        # the occupant paid, the market value when it bought, its mortgage payment.
        self.ratio = np.where(self.slot, p.affordable_share, 0.0)
        self.price = np.zeros(H)
        self.market_at_purchase = np.zeros(H)
        self.payment = np.zeros(H)
        self._reset_tallies()
        self._sell(e, np.flatnonzero(self.slot))

    def _reset_tallies(self) -> None:
        self.foreclosures = 0
        self.owner_months = 0
        self.cures = 0
        self.foreclosures_month = 0
        self.cures_month = 0
        self.due_month = 0
        self.acquired = 0
        self.grants = 0

    def start_run(self, economy: Economy) -> None:
        """Month 1: foreclosures, cures, acquisitions and grants count afresh."""
        self._reset_tallies()

    def _sell(self, e: Economy, places: np.ndarray) -> None:
        """The households now in ``places`` buy the trust's houses there."""
        if places.size == 0:
            return
        p, hp, hs = self.params, e.scenario.households, e.scenario.housing
        # The home its income would buy on the market, drawn as a market owner's.
        burden = hp.mortgage_burden * np.exp(
            self.rng.normal(0.0, hp.burden_dispersion, places.size)
        )
        market_payment = np.minimum(burden, 0.9) * e.hh_outside_wage[places]
        market_value = (
            market_payment * annuity_factor(hs.mortgage_rate / 12.0, hs.mortgage_term_months)
        ) / hs.loan_to_value
        price = self.ratio[places] * market_value
        mortgage = hs.loan_to_value * price
        rate = p.mortgage_rate / 12.0
        payment = mortgage / annuity_factor(rate, p.mortgage_term_months)
        e.hh_tenure[places] = MORTGAGE
        e.hh_housing[places] = payment + p.ground_lease_fee
        e.hh_home_quality[places] = market_value / e.house_price_index
        e.hh_home_claim[places] = price
        e.hh_mortgage_principal[places] = mortgage
        e.hh_mortgage_rate[places] = rate
        e.hh_mortgage_term[places] = p.mortgage_term_months
        e.hh_mortgage_start[places] = e.clock
        e.hh_housing_payee[places] = self.collections
        e.hh_home_controlled[places] = True
        self.price[places] = price
        self.market_at_purchase[places] = market_value
        self.payment[places] = payment

    def _formula_price(self, e: Economy, places: np.ndarray) -> np.ndarray:
        """The resale price: price paid + ``appreciation_share`` of the market value's gain."""
        value = e.hh_home_quality[places] * e.house_price_index
        gain = value - self.market_at_purchase[places]
        return self.price[places] + self.params.appreciation_share * gain

    # ------------------------------------------------------------------ each month
    def start_month(self, economy: Economy) -> None:
        e, p = economy, self.params
        grants = e.ledger.transfer(
            e.ledger.world,
            np.array([self.stewardship, self.acquisition]),
            np.array([p.stewardship_grant, p.acquisition_grant]),
            "clt_grants",
        )
        self.grants += int(grants.sum())
        places = np.flatnonzero(self.slot)
        e.hh_home_claim[places] = self._formula_price(e, places)

    def spending(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Pass what owners paid on to the bank; the fees' share goes to stewardship."""
        e, p = economy, self.params
        held = int(e.ledger.cash[self.collections])
        if held <= 0:
            return
        places = np.flatnonzero(self.slot)
        fees = p.ground_lease_fee * places.size
        due = fees + float(self.payment[places].sum())
        fee_share = fees / due if due > 0 else 0.0
        to_fund = int(np.floor(held * fee_share))
        e.ledger.transfer(self.collections, self.stewardship, to_fund, "clt_fees", cents=True)
        e.ledger.transfer(self.collections, e.bank_account, held - to_fund, "mortgage", cents=True)

    def housing_arrears(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Cure owners due for foreclosure while the stewardship fund can; foreclose the rest."""
        e, p = economy, self.params
        housed = self.slot & (e.hh_housing_payee == self.collections)
        displaced = np.asarray(ctx["displaced"], dtype=np.intp)
        # The trust, not the eviction rule, decides about its owners.
        others = displaced[~housed[displaced]]
        draws = self.rng.random(e.n_households)  # one per household a month: paired
        due = np.flatnonzero(housed & (e.hh_months_behind >= p.foreclosure_months))
        trying = due[draws[due] < p.cure_rate]
        owed = e.hh_arrears_housing[trying]
        affordable = np.cumsum(owed) <= int(e.ledger.cash[self.stewardship])
        cured = trying[affordable]
        e.ledger.transfer(
            self.stewardship, self.collections, int(owed[affordable].sum()), "clt_cures", cents=True
        )
        e.hh_arrears_housing[cured] = 0
        e.hh_months_behind[cured] = 0
        foreclosed = np.setdiff1d(due, cured)
        self.cures_month = int(cured.size)
        self.due_month = int(due.size)
        self.foreclosures_month = int(foreclosed.size)
        self.cures += self.cures_month
        self.foreclosures += self.foreclosures_month
        self.owner_months += int(housed.sum())
        ctx["displaced"] = np.concatenate([others, foreclosed]).astype(np.intp)
        # Market owners now, to know which homes changing hands the trust may buy.
        self._market_homes = market_owners(e)
        self._market_value = e.hh_home_quality * e.house_price_index

    def arrivals(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Resell trust homes to the newcomers; buy land under market homes changing hands."""
        e, p = economy, self.params
        arrived = np.asarray(ctx["arrived"], dtype=np.intp)
        if arrived.size == 0:
            return
        resold = arrived[self.slot[arrived]]
        if resold.size:
            # The newcomer's home was valued by the market on arrival; the
            # trust's price for it keeps the ratio of the resale formula's
            # price to the market value of the home the last owner sold.
            sold_value = self._market_value[resold]
            gain = sold_value - self.market_at_purchase[resold]
            formula = self.price[resold] + p.appreciation_share * gain
            ratio = np.divide(formula, sold_value, out=np.ones(resold.size), where=sold_value > 0)
            self.ratio[resold] = np.clip(ratio, 0.05, 1.0)
        for_sale = arrived[self._market_homes[arrived] & ~self.slot[arrived]]
        gap = to_cents((1.0 - p.affordable_share) * self._market_value[for_sale])
        bought = for_sale[np.cumsum(gap) <= int(e.ledger.cash[self.acquisition])]
        if bought.size:
            paid = gap[: bought.size]
            e.ledger.transfer(
                self.acquisition, e.ledger.world, int(paid.sum()), "clt_acquisitions", cents=True
            )
            self.slot[bought] = True
            self.ratio[bought] = p.affordable_share
            self.acquired += int(bought.size)
        self._sell(e, np.concatenate([resold, bought]))

    # ------------------------------------------------------------------ metrics
    def record(self, economy: Economy) -> dict[str, float]:
        e = economy
        places = np.flatnonzero(self.slot)
        income = e.hh_income[places]
        cost = e.hh_housing[places] * e.housing_multiplier
        burden = np.divide(cost, income, out=np.full(places.size, np.inf), where=income > 0)
        annual_income = 12.0 * float(np.median(e.hh_outside_wage))
        resale = self._formula_price(e, places)
        return {
            "foreclosure_rate_clt": self.foreclosures / self.owner_months * 12.0
            if self.owner_months
            else 0.0,
            "clt_owners": float(places.size),
            "clt_foreclosures": float(self.foreclosures_month),
            "clt_cures": float(self.cures_month),
            "clt_due": float(self.due_month),
            "clt_stewardship_fund": float(from_cents(e.ledger.cash[self.stewardship])),
            "clt_burden": float(np.median(burden)) if places.size else float("nan"),
            "clt_equity": float(housing_equity(e)[places].mean()) if places.size else 0.0,
            "clt_resale_to_income": float(np.median(resale)) / annual_income
            if places.size and annual_income > 0
            else float("nan"),
            "clt_acquired": float(self.acquired),
            "clt_grants": self.grants / CENTS,
        }
