"""What a run reports: the month's row of metrics and the run's summary.

One module reads the core's measurements and the instruments' declarations
(:mod:`solsim.engine.instruments.contract`): :func:`record` writes a month's
row, the core's columns then each switched-on instrument's declared columns
(and, for instruments that are off, the columns that declare an ``off``
value, so scenarios compare pair by pair); :func:`summarize` turns a finished
run into one number per question, the core's by the rules below and each
instrument column by its declared summary rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from solsim import metrics
from solsim.engine import fund_books, households, housing, instruments
from solsim.engine.codes import OUTSIDE, UNEMPLOYED
from solsim.engine.instruments.contract import summarise
from solsim.engine.ledger import CENTS

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = [
    "BASELINES",
    "circulation",
    "entry_survival",
    "history_series",
    "investor_returns",
    "record",
    "resilience",
    "shock_start",
    "summarize",
]


# ---------------------------------------------------------------------- monthly row
def circulation(e: Economy) -> dict[str, float]:
    """How far the month's money travels locally: each kind's local spending
    share, the households', and LM3.

    ``coop_local_spend_share`` is the share of what co-ops paid out this month
    that stayed in the community: wages and patronage to members, trade credit
    to local suppliers and loan service to the community funds, against
    imports, bank service and equipment bought outside.
    ``firm_local_spend_share`` is the same for conventional firms, whose
    dividends count as local only when their owner is. ``household_local_spend_share``
    is the same for households: purchases at local firms and deposits at the
    community funds, against imports, rent, mortgages, expenses and arrears
    paid to outside creditors.

    ``lm3`` (Sacks 2002, :func:`solsim.metrics.lm3`) follows the co-ops'
    revenue R1 (``coop_revenue``, currency) for three rounds: R2 = R1 × the
    co-ops' local spending share; R3 re-spends R2 locally, its part paid to
    members at the households' local share and its part paid to firms and
    funds at the co-ops'.
    """
    flows = e.ledger.flows
    coop = e.firm_is_coop
    local, out = e.firm_paid_local, e.firm_paid_out

    def share(mask: np.ndarray) -> float:
        inside, total = local[mask].sum(), local[mask].sum() + out[mask].sum()
        return float(inside / total) if total > 0 else float("nan")

    coop_share = share(coop)
    hh_local = flows["local_purchases"] + flows["deposit"]
    hh_out = (
        flows["imports"]
        + flows["rent"]
        + flows["mortgage"]
        + flows["expenses"]
        + flows["arrears_paid"]
    )
    hh_share = hh_local / (hh_local + hh_out) if hh_local + hh_out else float("nan")
    first = float(e.firm_revenue[coop].sum())
    coop_local = float(local[coop].sum())
    second = first * coop_share if coop_local + out[coop].sum() > 0 else 0.0
    third = 0.0
    if coop_local > 0:
        to_members = float(e.month_flows["wages"][coop].sum())
        to_members += float(e.month_flows.get("patronage", np.zeros(e.n_firms))[coop].sum())
        members = min(to_members / coop_local, 1.0)
        third = second * (members * hh_share + (1.0 - members) * coop_share)
    return {
        "coop_revenue": first,
        "coop_local_spend_share": coop_share,
        "firm_local_spend_share": share(~coop),
        "household_local_spend_share": hh_share,
        "lm3": metrics.lm3(first, second, third),
    }


def fund_record(e: Economy) -> dict[str, float]:
    """The funds' books (:mod:`solsim.engine.fund_books`), summed over funds (currency).

    Flows this month: ``net_chargeoffs`` (charge-offs net of recoveries) and
    ``recoveries`` (cash and collateral recovered on defaulted loans).
    Cumulative since month 1: ``net_chargeoffs_cum`` and, one per absorbing
    layer, ``absorbed_allowance``, ``absorbed_net_assets``, ``absorbed_<layer>``
    for every registered instrument layer (0 when it is off),
    ``absorbed_tranche_<name>`` for each tranche name and ``absorbed_backstop``;
    they add up to ``net_chargeoffs_cum`` exactly. Balances: ``allowance`` and
    ``fund_net_assets``. ``tranche_wiped_out`` is 1 once any tranche has lost at
    least 99% of its size in the run. ``loss_<name>`` is each tranche name's
    loss now (equal to its ``absorbed_tranche_<name>``; the report's name).
    """
    books = e.books
    t = e.tranches
    row: dict[str, float] = {
        "net_chargeoffs": books.net_chargeoffs_month / CENTS,
        "recoveries": books.recoveries_month / CENTS,
        "net_chargeoffs_cum": int(books.net_chargeoffs_cum.sum()) / CENTS,
        "absorbed_allowance": int(books.absorbed["allowance"].sum()) / CENTS,
        "absorbed_net_assets": int(books.absorbed["net_assets"].sum()) / CENTS,
    }
    for _name, layer in instruments.loss_layers():
        absorbed = books.absorbed.get(layer.layer)
        row[f"absorbed_{layer.layer}"] = 0.0 if absorbed is None else int(absorbed.sum()) / CENTS
    names = list(dict.fromkeys(t.name))
    for name in names:
        lost = int(t.loss_cents[[n == name for n in t.name]].sum()) / CENTS
        row[f"absorbed_tranche_{name}"] = lost
    row["absorbed_backstop"] = int(books.absorbed["backstop"].sum()) / CENTS
    row["allowance"] = int(books.allowance.sum()) / CENTS
    row["fund_net_assets"] = float(e.fund_net_assets().sum())
    row["tranche_wiped_out"] = float((t.peak_loss_share >= fund_books.WIPED_OUT).any())
    for name in names:
        row[f"loss_{name}"] = row[f"absorbed_tranche_{name}"]
    return row


def tranche_outcomes(e: Economy) -> dict[str, float]:
    """Per tranche name, whether any fund's tranche of that name was hit in the run
    (``tranche_hit_<name>``: it absorbed some loss) and whether one was wiped out
    (``tranche_wiped_<name>``: it lost at least 99% of its size), as 1 or 0."""
    t = e.tranches
    out: dict[str, float] = {}
    for name in dict.fromkeys(t.name):
        rows = np.array([n == name for n in t.name])
        peak = t.peak_loss_share[rows]
        out[f"tranche_hit_{name}"] = float((peak > 0).any())
        out[f"tranche_wiped_{name}"] = float((peak >= fund_books.WIPED_OUT).any())
    return out


def power_record(e: Economy, net_worth: np.ndarray | None = None) -> dict[str, float]:
    """Who depends on, benefits from and carries the risk of the funds (DESIGN §3).

    ``outside_dependency``: outside investors' share of the funds' funding (their
    tranches ÷ deposits + every tranche); ``outside_hhi``: the concentration of
    their holdings (:func:`outside_hhi`); ``benefit_bottom40_share``
    (:func:`bottom40_share`) and ``community_loss_share``
    (:func:`community_loss_share`).
    """
    t = e.tranches
    outside = float(t.balance[t.held_by("outside")].sum())
    funding = float(t.balance.sum()) + float(e.fund_deposits().sum()) / CENTS
    return {
        "outside_dependency": outside / funding if funding > 0 else 0.0,
        "outside_hhi": outside_hhi(e),
        "benefit_bottom40_share": bottom40_share(e, net_worth),
        "community_loss_share": community_loss_share(e),
    }


def bottom40_share(e: Economy, net_worth: np.ndarray | None = None) -> float:
    """Share of the month's surplus paid to households that reaches the bottom 40%.

    Surplus: co-op patronage, deposit interest and the funds' payouts (dividends,
    community coupons, running costs paid locally) this month (``hh_patronage``
    + ``hh_deposit_interest``); the bottom 40% by net worth (DESIGN §3, benefit
    incidence). 0.4 means in proportion to headcount; more is progressive. NaN
    in a month without such surplus.
    """
    income = e.hh_patronage + e.hh_deposit_interest
    total = income.sum()
    if total <= 0:
        return float("nan")
    # Households' net worth, when the caller has it (the month's record does).
    worth = e.household_net_worth() if net_worth is None else net_worth
    cutoff = np.quantile(worth, 0.4)
    return float(income[worth <= cutoff].sum() / total)


def outside_hhi(e: Economy) -> float:
    """Herfindahl index of the outside investors' holdings across all funds.

    HHI = Σ s_i², s_i an outside investor's share of all outside capital at work
    (1: one funder; 1/n: n equal funders; 0 without outside capital).
    """
    t = e.tranches
    outside = t.held_by("outside")
    per_investor = t.holdings.T @ np.where(outside, t.balance, 0.0)
    total = per_investor.sum()
    if total <= 0:
        return 0.0
    return float(((per_investor / total) ** 2).sum())


def community_loss_share(e: Economy) -> float:
    """Share of the funds' net charge-offs since month 1 carried by the community.

    The community carries what the funds' own allowance and net assets absorb
    (the fund is the community's), its tranches and the depositors' write-downs;
    philanthropy, outside investors, guarantors and bail-outs are not the
    community. 0 before any charge-off: there was nothing to carry.
    """
    books, t = e.books, e.tranches
    total = int(books.net_chargeoffs_cum.sum())
    if total <= 0:
        return 0.0
    own = int(books.absorbed["allowance"].sum()) + int(books.absorbed["net_assets"].sum())
    tranches = int(t.loss_cents[t.held_by("community")].sum())
    return (own + tranches + e.deposits_written_off) / total


def firm_record(e: Economy) -> dict[str, float]:
    """Firm and bank columns.

    ``failures_illiquid`` and ``failures_insolvent`` split the month's
    failures by cause (:func:`expected_margin`), ``coop_failures_illiquid``
    the co-ops among the illiquid; ``bank_credit`` is credit
    drawn on the bank's lines at the end of the month, ``bank_credit_peak`` at
    its highest within the month (co-ops draw to pay wages and inputs before
    sales come in, and repay after), ``bank_credit_limit`` the lines' total
    (currency); ``bank_chargeoffs`` what the bank wrote off this
    month; ``bank_interest`` the interest paid to it (it leaves the community);
    ``coop_pay_ratio`` the mean share of the full wage that active co-ops with
    members paid. ``active_firms`` and ``firm_failures`` are the conventional
    firms' counterparts of ``active_coops`` and ``coop_failures``,
    ``firm_jobs`` their staff, ``dividends_out`` the dividends they paid to
    owners outside the community to date (currency). ``coop_jobs`` is the
    members of active co-ops; ``trade_credit_invoiced`` the trade credit firms
    invoiced each other this month (currency), against which ``cleared_share``
    and trade credit paid in mutual credit are measured.
    """
    staff = e.firm_workers()
    staffed = e.firm_active & e.firm_is_coop & (staff > 0)
    conventional = e.firm_active & ~e.firm_is_coop
    return {
        **circulation(e),
        "active_firms": int(conventional.sum()),
        "firm_failures": e.month_flows["failures"] - e.month_flows["coop_failures"],
        "firm_jobs": int(staff[conventional].sum()),
        "coop_jobs": int(staff[e.firm_active & e.firm_is_coop].sum()),
        "trade_credit_invoiced": int(e.invoiced_month.sum()) / CENTS,
        "dividends_out": e.dividends_out,
        "failures_illiquid": float(e.failures_illiquid_month),
        "failures_insolvent": float(e.failures_insolvent_month),
        "coop_failures_illiquid": float(e.coop_failures_illiquid_month),
        "bank_credit": int(e.bank_drawn.sum()) / CENTS,
        "bank_credit_peak": e.bank_peak_month / CENTS,
        "bank_credit_limit": int(e.bank_limit.sum()) / CENTS,
        "bank_chargeoffs": e.bank_chargeoffs_month / CENTS,
        "bank_interest": e.bank_interest_month / CENTS,
        "coop_pay_ratio": float(e.firm_pay_ratio[staffed].mean()) if staffed.any() else 1.0,
    }


def _median(values: np.ndarray) -> float:
    """``np.median`` of a one-dimensional float array (``nan`` when empty), by a sort.

    numpy's sort is vectorised and, for the tens of thousands of renters of a
    region, about three times as fast as the selection ``np.median`` runs. The
    middle value(s) are the same and are averaged as ``np.median`` does (its
    ``mean`` of one or two values); a NaN, sorted last, makes it NaN, as there.
    """
    n = values.size
    if n == 0:
        return float("nan")
    ordered = np.sort(values)
    if np.isnan(ordered[-1]):
        return float("nan")
    half = n // 2
    middle = ordered[half : half + 1] if n % 2 else ordered[half - 1 : half + 1]
    return float(np.mean(middle))


def household_record(e: Economy) -> dict[str, float]:
    """Household columns: arrears, displacement, consumption, rent burden, distress.

    ``arrears`` is what households owe outside creditors on housing and
    essentials (currency, end of month); ``displaced`` the households displaced
    this month and ``moved`` those that moved away of their own accord;
    ``consumption`` their spending this month and ``consumption_gini`` its
    Gini; ``rent_burden`` the median renter's rent ÷ income this month;
    ``distress_<status>`` the share of households of that employment status
    (outside job, unemployed, co-op member, conventional-firm employee) distressed.
    """
    # Renters by index: gathering with indices is several times faster than
    # selecting with a boolean mask that picks a random half of the households.
    # Renters of outside landlords: households a community institution houses
    # are its to report.
    renter = np.flatnonzero(
        (e.hh_tenure == households.RENTER) & (e.hh_housing_payee == housing.MARKET)
    )
    income = e.hh_income.take(renter)
    rent = e.hh_housing.take(renter) * e.housing_multiplier
    burden = np.divide(rent, income, out=np.full(income.size, np.inf), where=income > 0)
    employer = e.hh_employer
    status = {"outside": employer == OUTSIDE, "unemployed": employer == UNEMPLOYED}
    at_firm = employer >= 0
    is_coop = e.firm_is_coop[np.maximum(employer, 0)]
    status["coop"] = at_firm & is_coop
    status["firm"] = at_firm & ~is_coop
    distressed = e.hh_distressed
    row = {
        "arrears": (int(e.hh_arrears_housing.sum()) + int(e.hh_arrears_other.sum())) / CENTS,
        "displaced": float(e.hh_displaced_month),
        "moved": float(e.hh_moved_month),
        "consumption": float(e.hh_consumption.sum()),
        "consumption_gini": metrics.gini(e.hh_consumption),
        "rent_burden": _median(burden),
    }
    for name, mask in status.items():
        # The mean of the selected flags, as a count over a count (the same float).
        size = np.count_nonzero(mask)
        hit = np.count_nonzero(mask & distressed)
        row[f"distress_{name}"] = hit / size if size else 0.0
    return row


def record(e: Economy) -> dict[str, float]:
    """The month's row of metrics (DESIGN §3).

    Risk and return, all to date: ``investor_paid``, ``investor_redeemed``
    and ``investor_balance`` are the coupons and redemptions paid to outside
    investors and their capital still at work (currency), the dated flows of
    the run's :func:`solsim.metrics.investor_irr`; ``investor_return`` is the
    running total-value multiple of outside capital, annualised,
    ((coupons + redemptions + remaining balance) / invested)^(12 / months) − 1,
    so losses count against it (−1 when all is lost) -- a month's indicator for
    the timeseries, not the run's return, which is the money-weighted
    ``investor_irr`` of the summary; ``community_return`` is wages + patronage
    + deposit interest + the community holders' coupons passed on to
    households; ``community_equity`` is what the community owns in the funds at
    the end of the month: the community-held capital still at work plus the
    funds' own net assets (which belong to their depositors); ``community_capital_share``
    is the share of the capital still at work that community holders own
    (philanthropic and outside capital are not community-held);
    ``loss_<tranche>`` is each tranche's cumulative loss.
    """
    ledger = e.ledger
    flows = ledger.flows
    net_worth = e.household_net_worth()
    row: dict[str, float] = {"step": e.month}
    row.update(metrics.inequality(net_worth))
    stock = ledger.money_stock() / CENTS
    turnover = (
        flows["local_purchases"] + flows["trade_credit"] + flows["wages"] + flows["patronage"]
    ) / CENTS
    household_spending = (flows["local_purchases"] + flows["imports"]) / CENTS
    labour = e.n_households
    t = e.tranches
    outside, community = t.held_by("outside"), t.held_by("community")
    invested_outside = t.size[outside].sum()
    years = e.month / 12.0
    outside_value = t.paid[outside].sum() + t.balance[outside].sum() + t.redeemed[outside].sum()
    if invested_outside > 0:
        investor_return = (outside_value / invested_outside) ** (1.0 / years) - 1.0
    else:
        investor_return = float("nan")
    community_return = (
        e.community_wages
        + e.community_patronage
        + e.community_deposit_interest
        + e.community_dividends
    )
    capital = t.balance.sum()
    row.update(
        velocity=metrics.velocity(turnover, stock),
        local_share=flows["local_purchases"] / CENTS / household_spending
        if household_spending > 0
        else float("nan"),
        output=float(e.firm_revenue.sum()),
        active_coops=int((e.firm_active & e.firm_is_coop).sum()),
        coop_failures=e.month_flows["coop_failures"],
        distress_share=float(e.hh_distressed.mean()),
        unemployment=float((e.hh_employer == UNEMPLOYED).sum() / labour),
        money_stock=stock,
        external_in=ledger.external_in / CENTS,
        external_out=ledger.external_out / CENTS,
        loans_outstanding=float(e.loan_principal[e.loan_active].sum() / CENTS),
        fund_assets=float(
            (int(e.fund_cash.sum()) + int(e.loan_principal[e.loan_active].sum())) / CENTS
        ),
        **fund_record(e),
        **power_record(e, net_worth),
        investor_return=investor_return,
        investor_paid=float(t.paid[outside].sum()),
        investor_redeemed=float(t.redeemed[outside].sum()),
        investor_balance=float(t.balance[outside].sum()),
        community_return=community_return,
        community_equity=float(t.balance[community].sum() + e.fund_net_assets().sum()),
        community_capital_share=float(t.balance[community].sum() / capital)
        if capital > 0
        else float("nan"),
        cleared_share=e.cleared_share,
        **household_record(e),
        **firm_record(e),
        **housing.record(e),
    )
    row.update(instrument_record(e))
    return row


def instrument_record(e: Economy) -> dict[str, float]:
    """The switched-on instruments' columns this month, and the ``off`` value of
    every other registered instrument's columns that declare one.

    Raises
    ------
    ValueError
        When an instrument's ``record`` does not return exactly its declared columns.
    """
    row: dict[str, float] = {}
    on = set()
    for instrument in e.instruments:
        values = instrument.record(e)
        names = [column.name for column in instrument.columns]
        if values.keys() != set(names):
            raise ValueError(
                f"instrument {instrument.name!r}: record() returned "
                f"{sorted(values)}, its declared columns are {sorted(names)}"
            )
        row.update(values)
        on.add(instrument.name)
    for name, column in instruments.declared():
        if name not in on and column.off is not None:
            row[column.name] = column.off
    return row


# ---------------------------------------------------------------------- run summary
def shock_start(economy: Economy) -> int | None:
    """Month of the first scheduled shock (the stress the resilience metrics measure)."""
    starts = [s.start for s in economy.scenario.shocks.scheduled]
    return min(starts) if starts else None


#: Months a firm must last to count as a five-year survivor.
FIVE_YEARS = 60


def entry_survival(economy: Economy, coop: bool, months: int = FIVE_YEARS) -> float | None:
    """Share of new firms of one kind still open ``months`` after they were founded.

    The cohort is every firm of the kind founded in the second half of the
    burn-in or in the run, at least ``months`` before its end: the survey
    anchors (co-ops ≈ 62%, conventional firms ≈ 35% at five years) follow
    start-ups from their founding, not the standing stock of firms, which
    survivors of earlier years dominate. The opening firms (founded together
    when the economy is built) are left out. None without such firms.
    """
    end = economy.clock
    first = max(economy.scenario.burn_in // 2, 1)
    last = end - months
    founded, failed = [], []
    for is_coop, born, at in economy.firm_exits:
        keep = is_coop == coop
        founded.append(born[keep])
        failed.append(np.full(int(keep.sum()), at))
    open_ = economy.firm_active & (economy.firm_is_coop == coop)
    founded.append(economy.firm_founded_at[open_])
    failed.append(np.full(int(open_.sum()), np.iinfo(np.int64).max))
    born, died = np.concatenate(founded), np.concatenate(failed)
    cohort = (born >= first) & (born <= last)
    if not cohort.any():
        return None
    return float((died[cohort] - born[cohort] > months).mean())


#: What the resilience metrics are measured against: the paired run without
#: the shock, or the level of the months before it.
BASELINES = ("counterfactual", "pre_shock")


def resilience(
    series: Mapping[str, ArrayLike],
    start: int | None,
    households: int,
    baseline: Mapping[str, ArrayLike] | None = None,
) -> dict[str, float | int | str | None]:
    """Resilience around the first scheduled shock, against a baseline.

    Measured on monthly output (``drawdown``, ``recovery_time``, ``recovered``,
    ``area_lost``; :mod:`solsim.metrics`), unemployment (``job_years_lost``,
    person-years of unemployment beyond the baseline from the shock on) and
    co-op failures (``excess_failures``, co-op failures beyond the baseline from
    the shock on). With ``baseline`` -- the paired run without the shock, same
    seed and streams -- each month is compared with the same month of that run
    and ``baseline`` is ``"counterfactual"``; without it, with the mean of the
    12 months before the shock, ``"pre_shock"``. ``drawdown`` is always against
    the pre-shock level (the deepest fall a funder would see).

    Parameters
    ----------
    series
        The run's monthly columns (``output``, ``unemployment``, ``coop_failures``).
    start
        Month of the first scheduled shock (1-based), or None.
    households
        Households in the economy (to turn the unemployment rate into people).
    baseline
        The paired no-shock run's monthly columns, or None.

    Returns
    -------
    dict
        The keys above, None where undefined: no shock, or no month before it.
    """
    output = np.asarray(series["output"], dtype=np.float64)
    keys = ("drawdown", "recovery_time", "recovered", "area_lost", "job_years_lost")
    out: dict[str, float | int | str | None] = {"shock_start": start}
    out["baseline"] = "pre_shock" if baseline is None else "counterfactual"
    # Resilience needs at least one month before the shock (the pre-shock
    # level) and one from it.
    if start is None or not 2 <= start <= output.size:
        out.update(dict.fromkeys((*keys, "excess_failures")))
        return out
    at = start - 1  # position of month `start` in the 0-based series

    def paired(key: str, scale: float = 1.0) -> np.ndarray | None:
        if baseline is None:
            return None
        return np.asarray(baseline[key], dtype=np.float64) * scale

    unemployed = np.asarray(series["unemployment"], dtype=np.float64) * households
    out["drawdown"] = metrics.drawdown(output, at)
    months = metrics.recovery_time(output, at, baseline=paired("output"))
    # A run that has not recovered by its end counts the months it was
    # watched (a lower bound), so averages and paired differences do not
    # silently drop the worst cases; ``recovered`` says which it is.
    out["recovered"] = 0.0 if months is None else 1.0
    out["recovery_time"] = output.size - at if months is None else months
    out["area_lost"] = metrics.area_lost(output, at, baseline=paired("output"))
    out["job_years_lost"] = metrics.job_years_lost(
        unemployed, at, baseline=paired("unemployment", households)
    )
    out["excess_failures"] = metrics.excess_failures(
        series["coop_failures"], at, baseline=paired("coop_failures")
    )
    return out


def investor_returns(series: Mapping[str, ArrayLike], invested: float) -> dict[str, float | None]:
    """The outside investors' return over a run, from its monthly columns.

    ``investor_irr`` is the money-weighted annual return on the dated flows
    (:func:`solsim.metrics.investor_irr`); ``investor_net_gain`` the capital
    holders' net gain, coupons + redemptions + remaining balance − capital in
    (currency), the denominator of return parity; ``investor_invested`` the
    capital committed at the start.
    """
    paid = np.asarray(series["investor_paid"], dtype=np.float64)
    redeemed = np.asarray(series["investor_redeemed"], dtype=np.float64)
    balance = float(np.asarray(series["investor_balance"], dtype=np.float64)[-1])
    if not invested > 0:
        return {"investor_invested": 0.0, "investor_irr": None, "investor_net_gain": None}
    return {
        "investor_invested": float(invested),
        "investor_irr": metrics.investor_irr(invested, paid, redeemed, balance),
        "investor_net_gain": float(paid[-1] + redeemed[-1] + balance - invested),
    }


def history_series(economy: Economy) -> dict[str, np.ndarray]:
    """The run's monthly rows as one float array per column."""
    rows = economy.history
    if not rows:
        raise ValueError("the economy has not run yet")
    return {key: np.array([row[key] for row in rows], dtype=np.float64) for key in rows[0]}


def summarize(economy: Economy) -> dict[str, float | int | str | None]:
    """Summary of a finished run.

    Resilience (:func:`resilience`) is measured around the first scheduled
    shock against the level of the months before it (``baseline`` is
    ``"pre_shock"``); a paired run without the shock replaces those keys with
    the same measures against it (:func:`solsim.runner.run`). Calibration
    figures: ``coop_hazard`` and ``firm_hazard`` (failures per firm-year over
    the whole run, for co-ops and for conventional firms,
    :func:`solsim.metrics.hazard`), ``hazard_illiquid`` and ``hazard_insolvent``
    (failures of all firms, co-ops and conventional, by cause, per firm-year;
    they add up to the hazard of all firms), ``coop_hazard_illiquid``,
    ``coop_hazard_insolvent``, ``firm_hazard_illiquid`` and
    ``firm_hazard_insolvent`` (each kind's hazard by cause; a kind's two add up
    to its hazard), ``coop_survival_5y`` and
    ``firm_survival_5y`` (share of the firms of that kind active at month 1
    that had not failed by month 60), ``chargeoff_rate`` (net loan losses per
    year over average loans outstanding, in the calm months before the shock).
    Circulation: ``lm3`` is the run's LM3, all three rounds over the run's
    co-op revenue (the months weighted by revenue), beside ``mean_lm3``, the
    mean of the monthly ratios. ``consumption_gini_final`` is the Gini of the
    last month's household consumption. Risk and return: :func:`investor_returns`;
    ``community_return`` (to date), ``community_equity`` (at the end) and
    ``community_capital_in`` (the community holders' capital committed at the
    start) are what return parity compares between paired runs
    (:func:`solsim.runner.run`).
    """
    rows = economy.history
    series = history_series(economy)
    start = shock_start(economy)
    summary: dict[str, float | int | str | None] = {"steps": len(rows)}
    summary.update(resilience(series, start, economy.n_households))
    last = rows[-1]
    for key in ("gini", "palma", "top10_share", "theil"):
        summary[f"final_{key}"] = last[key]
    summary["coop_failures"] = int(series["coop_failures"].sum())
    summary["active_coops_final"] = int(last["active_coops"])
    summary["mean_distress_share"] = float(series["distress_share"].mean())
    summary["peak_unemployment"] = float(series["unemployment"].max())
    summary["mean_velocity"] = float(np.nanmean(series["velocity"]))
    summary["mean_local_share"] = float(np.nanmean(series["local_share"]))
    summary["mean_output"] = float(series["output"].mean())
    failures = series["failures_illiquid"].sum() + series["failures_insolvent"].sum()
    summary["illiquid_share"] = (
        float(series["failures_illiquid"].sum() / failures) if failures > 0 else None
    )
    limit = series["bank_credit_limit"]
    summary["bank_use"] = (
        float(np.mean(series["bank_credit_peak"][limit > 0] / limit[limit > 0]))
        if (limit > 0).any()
        else None
    )
    summary["bank_chargeoffs"] = float(series["bank_chargeoffs"].sum())
    summary["mean_coop_pay_ratio"] = float(series["coop_pay_ratio"].mean())
    for key in (
        "coop_local_spend_share",
        "firm_local_spend_share",
        "household_local_spend_share",
        "lm3",
    ):
        # No month with spending (a tiny economy whose co-ops all failed): no mean.
        known = series[key][~np.isnan(series[key])]
        summary[f"mean_{key}"] = float(known.mean()) if known.size else None
    revenue = series["coop_revenue"]
    weighted = ~np.isnan(series["lm3"]) & (revenue > 0)
    # Σ (R1 + R2 + R3) / Σ R1 over the run: each month's ratio weighted by its R1.
    summary["lm3"] = (
        float(np.sum(series["lm3"][weighted] * revenue[weighted]) / revenue[weighted].sum())
        if weighted.any()
        else None
    )
    summary["mean_arrears"] = float(series["arrears"].mean())
    summary["displaced"] = int(series["displaced"].sum())
    # Every household displaced over the run, whoever housed it.
    summary["displaced_total"] = int(economy.displaced_total)
    # Market owners' foreclosures per owner-year over the run; the share of
    # local assets under community control at the end.
    summary["foreclosure_rate_market"] = float(last["foreclosure_rate_market"])
    summary["eviction_rate_market"] = float(last["eviction_rate_market"])
    summary["control_share"] = _plain(last["control_share"])
    summary["mean_owner_burden"] = float(np.nanmean(series["owner_burden"]))
    summary["final_house_price_index"] = float(last["house_price_index"])
    # What outside creditors wrote off of households' arrears over the run.
    summary["arrears_written_off"] = economy.arrears_written_off / CENTS
    summary["mean_rent_burden"] = float(np.nanmean(series["rent_burden"]))
    summary["mean_consumption_gini"] = float(np.nanmean(series["consumption_gini"]))
    summary["consumption_gini_final"] = last["consumption_gini"]
    for status in ("outside", "unemployed", "coop", "firm"):
        key = f"distress_{status}"
        summary[f"mean_{key}"] = float(series[key].mean())

    # Hazard over the whole run, recession included, like the survey anchors;
    # charge-offs over the calm months before the first shock.
    for kind, active, failures in (
        ("coop", "active_coops", "coop_failures"),
        ("firm", "active_firms", "firm_failures"),
    ):
        summary[f"{kind}_hazard"] = metrics.hazard(series[failures], series[active])
        summary[f"{kind}_survival_5y"] = entry_survival(economy, coop=kind == "coop")
    every_firm = series["active_coops"] + series["active_firms"]
    for cause in ("illiquid", "insolvent"):
        summary[f"hazard_{cause}"] = metrics.hazard(series[f"failures_{cause}"], every_firm)
    # By kind and cause: each kind's failures split by the month's cause counts.
    by_cause = {
        ("coop", "illiquid"): series["coop_failures_illiquid"],
        ("coop", "insolvent"): series["coop_failures"] - series["coop_failures_illiquid"],
        ("firm", "illiquid"): series["failures_illiquid"] - series["coop_failures_illiquid"],
    }
    by_cause["firm", "insolvent"] = series["firm_failures"] - by_cause["firm", "illiquid"]
    for (kind, cause), failed in by_cause.items():
        active = series["active_coops" if kind == "coop" else "active_firms"]
        summary[f"{kind}_hazard_{cause}"] = metrics.hazard(failed, active)
    summary["firm_failures"] = int(series["firm_failures"].sum())
    summary["active_firms_final"] = int(last["active_firms"])
    summary["dividends_out"] = float(last["dividends_out"])
    calm = slice(0, (start - 1) if start else len(rows))
    loans = series["loans_outstanding"][calm]
    losses = series["net_chargeoffs"][calm]
    # No calm months (a shock in month 1) or no loans: no rate to report.
    summary["chargeoff_rate"] = (
        float(losses.sum() / loans.mean() * 12.0 / len(loans))
        if len(loans) and loans.mean() > 0
        else None
    )
    t = economy.tranches
    summary.update(investor_returns(series, float(t.size[t.held_by("outside")].sum())))
    for key in ("community_return", "community_equity", "community_capital_share"):
        summary[key] = last[key]
    # What community holders committed to the funds' capital at the start: their
    # part of the equity at the end is theirs only net of it.
    summary["community_capital_in"] = float(t.size[t.held_by("community")].sum())
    # Return parity needs the paired run without the instrument (solsim.runner).
    summary["community_gain"] = None
    summary["return_parity"] = None
    summary["return_parity_reason"] = metrics.NO_COUNTERFACTUAL
    summary.update(instrument_summary(series))
    for key in last:
        if key.startswith(("loss_", "absorbed_")):
            summary[key] = last[key]
    summary["net_chargeoffs_cum"] = last["net_chargeoffs_cum"]
    summary["recoveries"] = float(series["recoveries"].sum())
    summary["allowance_final"] = last["allowance"]
    summary["fund_net_assets_final"] = last["fund_net_assets"]
    summary["tranche_wiped_out"] = float(series["tranche_wiped_out"].max())
    for key in ("outside_dependency", "outside_hhi", "benefit_bottom40_share"):
        known = series[key][~np.isnan(series[key])]
        summary[key] = float(known.mean()) if known.size else None
    summary["community_loss_share"] = last["community_loss_share"]
    summary.update(tranche_outcomes(economy))
    return {key: _plain(value) for key, value in summary.items()}


def instrument_summary(series: dict[str, np.ndarray]) -> dict[str, float | None]:
    """Each registered instrument's summarised columns that the run has, by their rule.

    A summary carries its column's name.
    """
    out: dict[str, float | None] = {}
    for _name, column in instruments.declared():
        if column.summary is not None and column.name in series:
            out[column.name] = summarise(series[column.name], column.summary)
    return out


def _plain(value):
    """JSON-friendly scalars: numpy types to Python, NaN to None; words stay words."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    return None if np.isnan(value) else value
