"""The housing market: a house-price index, homes, mortgages, equity and control.

Every function here is a whole-array operation, called by the monthly phases
(:mod:`solsim.engine.phases`) and by :mod:`solsim.engine.households` when a
household arrives. The process and the mortgage terms are set by
:class:`~solsim.engine.params.HousingParams`.

* **The index.** ``log I_t = drift·t/12 + c_t``, with a cycle
  ``c_t = persistence·c_{t−1} + recession_sensitivity·(m_t − 1) + volatility·ε_t``
  (``m_t`` the month's export multiplier, ``ε_t`` one standard normal draw a
  month from the ``housing`` stream). It holds at 1 in the burn-in, without
  draws, so a run and its paired no-shock twin start month 1 alike.
* **Homes.** Each household lives in a home whose market value is its
  *quality* (the home's price at index 1) × the index. An arriving market
  owner's mortgage is the present value of its monthly payment (its housing
  cost) at the market rate over the market term, and its home the one that
  mortgage buys at the loan-to-value ratio, at the index of the month it
  arrives: the index sets the price of a home and the size of the mortgage on
  it. A renter's home is valued the same way from its rent (the landlord's
  asset); an outright owner's from the median mortgage burden.
* **Equity.** A household's claim on its home (``hh_home_claim``: the
  market value for a market owner, nothing for a renter) less the balance of
  its mortgage, which amortises on schedule, counts in its net worth. The
  index gain on a home is its owner's resale gain.
* **Who houses whom.** A household whose ``hh_housing_payee`` is an account
  (not −1) pays its housing cost to that account instead of to a landlord or
  the bank: an institution of the community houses it, values its claim and
  says whether the home is under community control (``hh_home_controlled``).
  The core's market measures (owner foreclosures, the renters' burden) count
  only households the market houses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solsim.engine.codes import MORTGAGE, OUTRIGHT, RENTER
from solsim.engine.ledger import from_cents

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = [
    "MARKET",
    "annuity_factor",
    "balance_sheet",
    "control_share",
    "housing_equity",
    "market_owners",
    "mortgage_balance",
    "open_homes",
    "record",
    "revalue",
    "start_run",
    "tally_foreclosures",
    "update_index",
]

#: ``hh_housing_payee`` of a household the market houses (landlords, the bank).
MARKET = -1


def annuity_factor(monthly_rate: float | np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Present value of one currency unit a month for ``months`` months.

    ``(1 − (1 + r)^−n) / r``, and ``n`` when ``r = 0``: the principal a monthly
    payment of 1 repays over ``n`` months at the monthly rate ``r``.

    >>> float(annuity_factor(0.0, 360)), round(float(annuity_factor(0.005, 360)), 2)
    (360.0, 166.79)
    """
    r = np.asarray(monthly_rate, dtype=np.float64)
    n = np.asarray(months, dtype=np.float64)
    safe = np.where(r > 0, r, 1.0)
    return np.where(r > 0, (1.0 - (1.0 + safe) ** -n) / safe, n)


def mortgage_balance(
    principal: np.ndarray, monthly_rate: np.ndarray, months: np.ndarray, elapsed: np.ndarray
) -> np.ndarray:
    """Balance of level-payment mortgages after ``elapsed`` months, on schedule.

    ``P·((1 + r)^n − (1 + r)^k) / ((1 + r)^n − 1)`` for ``k`` months of an
    ``n``-month term (``P·(1 − k/n)`` at ``r = 0``), 0 once the term is over.

    >>> float(mortgage_balance(np.array(1200.0), np.array(0.0), np.array(12), np.array(3)))
    900.0
    """
    r = np.asarray(monthly_rate, dtype=np.float64)
    n = np.maximum(np.asarray(months, dtype=np.float64), 1.0)
    k = np.clip(np.asarray(elapsed, dtype=np.float64), 0.0, n)
    growth_n, growth_k = (1.0 + r) ** n, (1.0 + r) ** k
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(r > 0, (growth_n - growth_k) / (growth_n - 1.0), 1.0 - k / n)
    return np.asarray(principal, dtype=np.float64) * share


def open_homes(e: Economy, households: np.ndarray) -> None:
    """Homes and mortgages of arriving ``households`` (their costs already drawn).

    No draws: the home follows from the housing cost at today's index (see the
    module docstring). The market houses them until an institution says otherwise.
    """
    hp, hs = e.scenario.households, e.scenario.housing
    rate = hs.mortgage_rate / 12.0
    carried = annuity_factor(rate, hs.mortgage_term_months)
    tenure = e.hh_tenure[households]
    payment = np.where(
        tenure == OUTRIGHT,
        hp.mortgage_burden * e.hh_outside_wage[households],
        e.hh_housing[households],
    )
    price = payment * carried / hs.loan_to_value
    e.hh_home_quality[households] = price / e.house_price_index
    owes = tenure == MORTGAGE
    e.hh_mortgage_principal[households] = np.where(owes, payment * carried, 0.0)
    e.hh_mortgage_rate[households] = rate
    e.hh_mortgage_term[households] = hs.mortgage_term_months
    e.hh_mortgage_start[households] = e.clock
    e.hh_home_claim[households] = np.where(tenure == RENTER, 0.0, price)
    e.hh_housing_payee[households] = MARKET
    e.hh_home_controlled[households] = False


def update_index(e: Economy) -> None:
    """Move the house-price index one month (after this month's shocks are set)."""
    if e.burning_in:
        return
    hs = e.scenario.housing
    draw = e.stream("housing").standard_normal()
    e.house_price_cycle = (
        hs.persistence * e.house_price_cycle
        + hs.recession_sensitivity * (e.export_multiplier - 1.0)
        + hs.volatility * draw
    )
    e.house_price_index = float(np.exp(hs.drift * e.month / 12.0 + e.house_price_cycle))
    revalue(e)


def revalue(e: Economy) -> None:
    """Market owners' claims follow the index (institutions value their own)."""
    market = e.hh_housing_payee == MARKET
    value = e.hh_home_quality * e.house_price_index
    e.hh_home_claim = np.where(market, np.where(e.hh_tenure == RENTER, 0.0, value), e.hh_home_claim)


def housing_equity(e: Economy) -> np.ndarray:
    """Each household's housing equity: its claim on its home less its mortgage balance.

    Currency; negative for an owner under water. 0 for a market renter.
    """
    balance = mortgage_balance(
        e.hh_mortgage_principal,
        e.hh_mortgage_rate,
        e.hh_mortgage_term,
        e.clock - e.hh_mortgage_start,
    )
    return e.hh_home_claim - balance


def market_owners(e: Economy) -> np.ndarray:
    """Mask of owners with a mortgage whom the market houses (not an institution)."""
    return (e.hh_tenure == MORTGAGE) & (e.hh_housing_payee == MARKET)


def tally_foreclosures(e: Economy, displaced: np.ndarray) -> None:
    """Count the month's market-owner foreclosures (owners displaced) and owner-months.

    Called with the month's displaced households, before they are replaced.
    """
    owners = market_owners(e)
    renters = (e.hh_tenure == RENTER) & (e.hh_housing_payee == MARKET)
    e.market_evictions_month = int(renters[displaced].sum())
    e.market_renter_months += int(renters.sum())
    e.market_evictions += e.market_evictions_month
    e.market_foreclosures_month = int(owners[displaced].sum())
    e.market_foreclosures += e.market_foreclosures_month
    e.market_owner_months += int(owners.sum())


def start_run(e: Economy) -> None:
    """Month 1: the run's foreclosure tallies start afresh."""
    e.market_foreclosures = 0
    e.market_owner_months = 0
    e.market_foreclosures_month = 0
    e.market_evictions = 0
    e.market_renter_months = 0
    e.market_evictions_month = 0


def balance_sheet(e: Economy) -> dict[str, float]:
    """The community balance sheet (DESIGN §3, Power), in currency and as a share.

    ``local_assets``: every home at market value (quality × the index,
    whoever owns it: renters' homes are outside landlords' assets, market
    owners' their own, and homes an institution of the community holds, a
    land trust's or a housing co-op's, are controlled), active firms' cash
    and equipment, and the funds' cash. Loans are left out: their value is
    already in the firms' cash and equipment.
    ``community_assets``: the controlled homes, the co-ops' cash and
    equipment and the cash of community-governed funds.
    ``outside_liabilities``: what the community owes outsiders: mortgage
    balances (to the outside bank), credit drawn on the bank's lines,
    households' arrears (to landlords, the bank, utilities) and the capital
    outside investors still have in the funds.
    ``control_share``: community assets ÷ local assets, in [0, 1]; NaN
    without assets. Reference: DESIGN §3 ("control share").
    """
    homes = e.hh_home_quality * e.house_price_index
    firm_assets = np.where(e.firm_active, from_cents(e.firm_cash.clip(0)) + e.firm_equipment, 0.0)
    fund_cash = from_cents(e.fund_cash.clip(0))
    community_fund = np.asarray(e.fund_governance) == "community"
    total = homes.sum() + firm_assets.sum() + fund_cash.sum()
    controlled = (
        homes[e.hh_home_controlled].sum()
        + firm_assets[e.firm_is_coop].sum()
        + fund_cash[community_fund].sum()
    )
    mortgages = mortgage_balance(
        e.hh_mortgage_principal,
        e.hh_mortgage_rate,
        e.hh_mortgage_term,
        e.clock - e.hh_mortgage_start,
    ).sum()
    arrears = int(e.hh_arrears_housing.sum()) + int(e.hh_arrears_other.sum())
    tranches = e.tranches
    outside_capital = tranches.balance[tranches.held_by("outside")].sum()
    return {
        "local_assets": float(total),
        "community_assets": float(controlled),
        "outside_liabilities": float(
            mortgages + from_cents(int(e.bank_drawn.sum()) + arrears) + outside_capital
        ),
        "control_share": float(controlled / total) if total > 0 else float("nan"),
    }


def control_share(e: Economy) -> float:
    """Share of local assets under community control (see :func:`balance_sheet`)."""
    return balance_sheet(e)["control_share"]


def record(e: Economy) -> dict[str, float]:
    """The housing market's columns this month.

    ``house_price_index`` (1 at month 1); ``market_owners`` (owners with a
    mortgage the market houses); ``market_foreclosures`` (market owners
    displaced this month); ``foreclosure_rate_market`` (foreclosures
    per market owner-year to date: foreclosures ÷ owner-months × 12);
    ``market_owner_equity`` (mean housing equity of market owners, currency);
    ``owner_burden`` (median market owner's housing cost ÷ income this
    month); the community balance sheet (:func:`balance_sheet`:
    ``local_assets``, ``community_assets``, ``outside_liabilities``,
    ``control_share``); ``market_renters`` (renters of outside landlords),
    ``market_evictions`` (those displaced this month) and
    ``eviction_rate_market`` (evictions per renter-year to date).
    """
    owners = np.flatnonzero(market_owners(e))
    renters = (e.hh_tenure == RENTER) & (e.hh_housing_payee == MARKET)
    equity = housing_equity(e)
    income = e.hh_income[owners]
    cost = e.hh_housing[owners] * e.housing_multiplier
    burden = np.divide(cost, income, out=np.full(owners.size, np.inf), where=income > 0)
    months = e.market_owner_months
    return {
        "house_price_index": e.house_price_index,
        "market_owners": float(owners.size),
        "market_foreclosures": float(e.market_foreclosures_month),
        "foreclosure_rate_market": e.market_foreclosures / months * 12.0 if months else 0.0,
        "market_owner_equity": float(equity[owners].mean()) if owners.size else 0.0,
        "market_renters": float(np.count_nonzero(renters)),
        "market_evictions": float(e.market_evictions_month),
        "eviction_rate_market": e.market_evictions / e.market_renter_months * 12.0
        if e.market_renter_months
        else 0.0,
        "owner_burden": float(np.median(burden)) if owners.size else float("nan"),
        **balance_sheet(e),
    }
