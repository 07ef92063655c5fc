"""Households: costs that follow income, buffer-stock spending, arrears, displacement.

Every function here is a whole-array operation over households, called by the
monthly phases (:mod:`solsim.engine.phases`). The rules (DESIGN §1):

* **Costs follow income.** A household's housing cost is a burden drawn
  around a median share of its outside wage (what it earns, or would earn,
  on the outside labour market)
  (renters pay outside landlords, market owners pay the outside bank; outright
  owners pay none), and its essentials a share of it with a floor. Costs are
  set when a household arrives and do not follow a job loss: rent is a
  contract, which is what makes unemployment hurt.
* **Buffer-stock consumption.** Households spend ``propensity_income`` of
  income after housing, plus ``propensity_wealth`` of the gap between liquid
  wealth and ``wealth_target`` months of normal income. Savings therefore
  converge to a target instead of piling up, and the money stock is stationary.
* **Emergencies.** Each month a share ``emergency_rate`` of households meet
  an irregular bill of ``emergency_size`` months of their outside wage (as
  expense shocks do, on a larger scale).
* **Arrears.** What a household cannot pay of its housing, essentials or
  bills becomes arrears owed to outside creditors (landlords, the mortgage
  bank, utilities). Arrears carry over and are paid first, before new spending.
  Arrears on essentials still unpaid after ``writeoff_months`` in a row are
  charged off by their creditors.
* **Displacement and turnover.** After ``eviction_months`` in a row with
  housing arrears the household is displaced: its arrears are written off
  (the outside creditors' loss), it leaves with its cash and deposits, and a
  newcomer with fresh draws takes its place in the labour market, so the
  population is constant. Households without arrears also move away at
  ``move_rate``, and are replaced the same way.

* **Homes.** An arriving household's home, mortgage and equity follow from
  its housing cost at the house-price index (:mod:`solsim.engine.housing`).
  A household housed by an institution of the community (a land trust, a
  housing co-op) pays its housing cost to that institution's account
  (``hh_housing_payee``) instead of a landlord or the bank.

Money moves only through the ledger. Arrears are claims, not money: they are
held in cents (``int64``) and change only by what is booked as unpaid, paid or
written off, so ``arrears[t] = arrears[t-1] + unpaid − paid − written_off``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solsim.engine.codes import MORTGAGE, OUTRIGHT, RENTER
from solsim.engine.housing import MARKET, open_homes
from solsim.engine.ledger import CENTS, from_cents, to_cents, within_means

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = [
    "MORTGAGE",
    "OUTRIGHT",
    "RENTER",
    "draw_households",
    "normal_income",
    "pay_housing_and_spend",
    "rebalance_deposits",
    "settle_arrears",
    "turnover",
]


def normal_income(e: Economy, households: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Monthly income of each household when in work (currency); its savings target
    is set on it.

    A co-op member's is its co-op's full wage; anyone else's is the outside
    wage drawn for it (earned in an outside job, or expected when hired).
    """
    employer = e.hh_employer[households]
    coop_wage = e.firm_wage[np.maximum(employer, 0)]
    return np.where(employer >= 0, coop_wage, e.hh_outside_wage[households])


def draw_households(e: Economy, households: np.ndarray, rng: np.random.Generator) -> None:
    """Draw wage, tenure, housing cost and essentials for ``households``.

    Used at the start and for newcomers. Employment must be set first, since a
    co-op member's costs follow its co-op's wage.
    """
    hp = e.scenario.households
    n = households.size
    wage = np.exp(rng.normal(-0.5 * hp.wage_dispersion**2, hp.wage_dispersion, n))
    e.hh_outside_wage[households] = hp.outside_wage * wage
    u = rng.random(n)
    tenure = np.where(
        u < hp.renter_share,
        RENTER,
        np.where(u < hp.renter_share + hp.mortgage_share, MORTGAGE, OUTRIGHT),
    ).astype(np.int8)
    e.hh_tenure[households] = tenure
    median = np.where(tenure == RENTER, hp.rent_burden, hp.mortgage_burden)
    burden = median * np.exp(rng.normal(0.0, hp.burden_dispersion, n))
    # A burden above 90% of income is no tenancy anyone signs.
    burden = np.where(tenure == OUTRIGHT, 0.0, np.minimum(burden, 0.9))
    # Costs follow what the household can earn on the outside labour market,
    # whatever its job today: a co-op member whose co-op fails and who finds an
    # outside job is back at the income its rent was set on. (Setting costs on
    # the co-op wage instead left ex-members with costs above their outside
    # pay, owing bills month after month; their number grew without end.)
    income = e.hh_outside_wage[households]
    e.hh_housing[households] = burden * income
    e.hh_essential[households] = np.maximum(hp.essential_share * income, hp.essential_floor)
    # Their homes and mortgages follow from these costs, without draws.
    open_homes(e, households)


def _housing_due(e: Economy) -> np.ndarray:
    """This month's housing cost, under any housing-cost shock (currency)."""
    return e.hh_housing * e.housing_multiplier


def _withdraw_deposits(e: Economy, need_cents: np.ndarray) -> None:
    """Households short of cash draw on their deposits, as far as funds can pay."""
    want = np.minimum(need_cents, e.hh_deposit)
    who = np.flatnonzero(want > 0)
    if who.size == 0:
        return
    if who.size > want.size // 4:
        # Many ask (rebalancing moves about half of the households): whole arrays.
        # Pro rata when a fund is short, and exactly within its cash at any size.
        take = within_means(want, e.fund_cash, e.hh_fund, e.n_funds)
        paid = e.ledger.transfer(e.hh_fund_account, e.hh_account, take, "withdrawals", cents=True)
        e.hh_deposit -= paid
        return
    # Few ask (the short, the leavers): only those. Households asking for nothing
    # change neither a fund's total nor the order in which a short fund's cents
    # are cut, so the payments are the same as over every household.
    take = within_means(want[who], e.fund_cash, e.hh_fund[who], e.n_funds)
    paid = e.ledger.transfer(
        e.hh_fund_account[who], e.hh_account[who], take, "withdrawals", cents=True
    )
    e.hh_deposit[who] -= paid


def pay_housing_and_spend(e: Economy, spend) -> dict:
    """Housing, arrears, expense shocks, then buffer-stock consumption.

    Order of claims on a household's cash: housing (arrears first, then this
    month's), one-off expenses, arrears on essentials, then consumption. A
    household short of cash for them draws on its deposits first.

    Parameters
    ----------
    spend
        ``spend(economy, budget) -> (paid_per_edge, coop_sales)``: how a budget
        is spent at co-ops along purchase edges and on imports.

    Returns
    -------
    dict
        The spending hook's context: ``shortfall`` (essentials not paid this
        month, currency), ``coop_sales`` and ``purchases``.
    """
    hp = e.scenario.households
    ledger = e.ledger
    # Emergencies: a share of households meet an irregular bill this month (a
    # repair, a medical bill), of ``emergency_size`` months of outside wage.
    # One draw per household every month keeps paired runs paired.
    hit = e.streams["households"].random(e.n_households) < hp.emergency_rate
    e.hh_expense_due = e.hh_expense_due + np.where(hit, hp.emergency_size * e.hh_outside_wage, 0.0)
    housing = _housing_due(e)
    housing_cents = to_cents(housing)
    owed_housing = e.hh_arrears_housing + housing_cents
    need = owed_housing + e.hh_arrears_other + to_cents(e.hh_essential + e.hh_expense_due)
    _withdraw_deposits(e, np.maximum(need - e.hh_cash, 0))

    # Housing: oldest arrears first. Renters pay outside landlords, owners the
    # bank; households an institution of the community houses pay it instead
    # (``hh_housing_payee``), and it settles with lenders and contractors.
    cash = e.hh_cash
    pay = np.minimum(cash, owed_housing)
    e.hh_housing_paid = pay
    market_pay = pay
    housed = np.flatnonzero(e.hh_housing_payee != MARKET)
    if housed.size:
        ledger.transfer(
            e.hh_account[housed],
            e.hh_housing_payee[housed],
            pay[housed],
            "housing_local",
            cents=True,
        )
        market_pay = pay.copy()
        market_pay[housed] = 0
    # Each tenure's payments as a whole-block transfer with zeros for the others:
    # the same bookings as transfers of the masked households, without four
    # boolean selections of a random half of them (the costliest step here).
    rent = np.where(e.hh_tenure == RENTER, market_pay, 0)
    ledger.transfer(e.hh_account, ledger.world, rent, "rent", cents=True)
    ledger.transfer(e.hh_account, e.bank_account, market_pay - rent, "mortgage", cents=True)
    current_paid = np.maximum(pay - e.hh_arrears_housing, 0)
    e.hh_housing_gap = from_cents(housing_cents - current_paid)
    e.hh_arrears_housing = owed_housing - pay

    # Bills (emergencies, expense shocks): what cannot be paid is owed to the
    # (outside) creditor, as arrears. A month without any bill has nothing to do.
    if e.hh_expense_due.any():
        cash = e.hh_cash
        expense = ledger.transfer(
            e.hh_account, ledger.world, np.minimum(from_cents(cash), e.hh_expense_due), "expenses"
        )
        e.hh_arrears_other += to_cents(np.maximum(e.hh_expense_due - expense / CENTS, 0.0))
        e.hh_expense_due = np.zeros(e.n_households)

    cash = e.hh_cash
    repay = np.minimum(cash, e.hh_arrears_other)
    ledger.transfer(e.hh_account, ledger.world, repay, "arrears_paid", cents=True)
    e.hh_arrears_other -= repay

    cash = from_cents(e.hh_cash)
    disposable = np.maximum(e.hh_income - housing, 0.0)
    wealth = cash + from_cents(e.hh_deposit)
    gap = wealth - hp.wealth_target * normal_income(e)
    desired = hp.propensity_income * disposable + hp.propensity_wealth * gap
    budget = np.minimum(cash, np.maximum(desired, e.hh_essential))
    shortfall = np.maximum(e.hh_essential - budget, 0.0)
    paid, e.firm_sales_local = spend(e, budget)
    e.hh_consumption = budget.copy()
    return {"shortfall": shortfall, "coop_sales": e.firm_sales_local, "purchases": paid}


def settle_arrears(e: Economy) -> np.ndarray:
    """Book the month's unpaid essentials as arrears; count months behind on housing.

    Called after instruments had their say (what they relieved is not owed).
    Returns the households to displace.
    """
    hp = e.scenario.households
    e.hh_arrears_other += to_cents(e.hh_shortfall)
    # Bills left unpaid for ``writeoff_months`` in a row are charged off by the
    # outside creditors (as lenders charge off consumer debt 180 days past
    # due): the household is not pursued further, and the loss is theirs.
    behind_other = e.hh_arrears_other > 0
    e.hh_months_behind_other = np.where(behind_other, e.hh_months_behind_other + 1, 0)
    stale = e.hh_months_behind_other >= hp.writeoff_months
    e.arrears_written_off += int(e.hh_arrears_other[stale].sum())
    e.hh_arrears_other[stale] = 0
    e.hh_months_behind_other[stale] = 0
    behind = e.hh_arrears_housing > 0
    e.hh_months_behind = np.where(behind, e.hh_months_behind + 1, 0)
    return np.flatnonzero(e.hh_months_behind >= hp.eviction_months)


def turnover(e: Economy, displaced: np.ndarray) -> np.ndarray:
    """Displaced households and movers leave; newcomers take their places.

    Besides the displaced, households with no arrears move away at
    ``move_rate`` a month (see :class:`~solsim.engine.params.HouseholdParams`).
    Without such turnover the only exit would be displacement, and the
    population would drift, generation after generation, towards households
    whose costs never outrun their income: no steady state.

    The leavers' arrears (the displaced have some) are written off
    (``economy.arrears_written_off``, cents, the outside creditors' loss);
    their deposits are paid out as far as their fund's cash allows and they
    take their cash with them, out of the economy. A newcomer arrives with
    fresh draws of wage, tenure and costs, opening cash from outside, no
    arrears, and the leaver's place in the labour market (its job, or its
    search for one). A deposit or deposit interest the fund could not pay out
    stays on the books, now the newcomer's, so no claim vanishes.

    Who moves is one draw per household from the ``households`` stream every
    month, so paired runs keep the same movers; newcomers' draws come from the
    ``newcomers`` stream, whose use varies with how many arrive.

    Returns the households replaced (the displaced, then the movers): their
    places now hold newcomers.
    """
    hp = e.scenario.households
    move = e.streams["households"].random(e.n_households) < hp.move_rate
    move &= (e.hh_arrears_housing == 0) & (e.hh_arrears_other == 0)
    move[displaced] = False
    movers = np.flatnonzero(move)
    e.hh_displaced_month = int(displaced.size)
    e.hh_moved_month = int(movers.size)
    e.displaced_total += int(displaced.size)
    leaving = np.concatenate([displaced, movers]).astype(np.intp)
    if leaving.size == 0:
        return leaving
    ledger = e.ledger
    e.arrears_written_off += int(
        e.hh_arrears_housing[leaving].sum() + e.hh_arrears_other[leaving].sum()
    )
    e.hh_arrears_housing[leaving] = 0
    e.hh_arrears_other[leaving] = 0
    e.hh_months_behind[leaving] = 0
    e.hh_months_behind_other[leaving] = 0
    e.hh_expense_due[leaving] = 0.0
    want = np.zeros(e.n_households, dtype=np.int64)
    want[leaving] = e.hh_deposit[leaving]
    _withdraw_deposits(e, want)
    accounts = e.hh_account[leaving]
    ledger.transfer(accounts, ledger.world, ledger.cash[accounts].clip(0), "departures", cents=True)
    draw_households(e, leaving, e.streams["newcomers"])
    ledger.transfer(ledger.world, accounts, opening_cash(e, leaving), "arrivals")
    return leaving


def opening_cash(e: Economy, households: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Cash a household arrives with: ``initial_cash`` scaled by its outside wage.

    The scale is capped at 10, which keeps opening balances within the bounds
    that make every valid scenario exact in int64 cents (see ``params``).
    """
    hp = e.scenario.households
    income = e.hh_outside_wage[households]
    scale = income / hp.outside_wage if hp.outside_wage > 0 else np.ones_like(income)
    return hp.initial_cash * np.minimum(scale, 10.0)


def rebalance_deposits(e: Economy) -> None:
    """Households move a twelfth of the gap to their deposit target each month.

    The target is ``deposit_share`` of liquid wealth (cash + deposits). Moving
    towards it both ways keeps deposits a stable share of household wealth, so
    the funds' deposit base is as stationary as that wealth; withdrawals also
    happen whenever a household is short (:func:`pay_housing_and_spend`),
    within what its fund's cash allows.
    """
    share = e.scenario.households.deposit_share
    cash = e.hh_cash
    target = np.floor(share * (cash + e.hh_deposit)).astype(np.int64)
    gap = (target - e.hh_deposit) // 12
    put = np.minimum(gap.clip(0), cash.clip(0))
    paid = e.ledger.transfer(e.hh_account, e.hh_fund_account, put, "deposit", cents=True)
    e.hh_deposit += paid
    _withdraw_deposits(e, (-gap).clip(0))
