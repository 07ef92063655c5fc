"""The monthly phases: each one a whole-array operation over the economy.

Order within a month (``run_month``):

shocks → house prices → labour market → wages → household spending → exports and input
purchases → debt service (trade credit, loans) → fund payouts, redemptions and
lending (including new co-ops) → surplus split → clearing → exit and distress.

Every money movement goes through the ledger (double entry). Loops here run over
shocks, funds' tranches or instruments, never over agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from solsim.engine import bank, fund_books, households, housing
from solsim.engine.codes import OUTSIDE, UNEMPLOYED
from solsim.engine.ledger import CENTS, from_cents, to_cents, within_means
from solsim.engine.settlement import settle_failures

if TYPE_CHECKING:
    from solsim.engine.economy import Economy


def run_month(e: Economy) -> None:
    """Advance the economy by one month."""
    e.month_flows = {
        "wages": np.zeros(e.n_firms),
        "inputs": np.zeros(e.n_firms),
        "interest": np.zeros(e.n_firms),
        "failures": 0,
        "coop_failures": 0,
    }
    # What each firm paid this month inside the community and outside it
    # (currency): the local spending shares by kind (``circulation``).
    e.firm_paid_local = np.zeros(e.n_firms)
    e.firm_paid_out = np.zeros(e.n_firms)
    e.firm_unable[:] = False
    e.bank_chargeoffs_month = 0
    e.failures_illiquid_month = 0
    e.failures_insolvent_month = 0
    e.coop_failures_illiquid_month = 0
    e.books.start_month()
    apply_shocks(e)
    housing.update_index(e)
    labour_market(e)
    firm_staffing(e)
    e.hook("start_month")
    bank.set_limits(e)
    pay_wages(e)
    household_spending(e)
    trade(e)
    debt_service(e)
    bank.service(e)
    fund_operations(e)
    enter_firms(e)
    fund_distributions(e)
    surplus_split(e)
    e.hook("clearing")
    exit_and_distress(e)


# ---------------------------------------------------------------------- shocks
def _active_shocks(e: Economy) -> list[Any]:
    """Shocks in force this month: scheduled ones, and random ones drawn now.

    None in the burn-in, and no draws either: shock months count from month 1.
    """
    if e.burning_in:
        return []
    month = e.month
    # One draw per random-shock kind every month, whether or not it strikes, so
    # the stream of draws is the same across scenarios (paired comparisons).
    draws = e.streams["shocks"].random(len(e.scenario.shocks.random))
    for spec, u in zip(e.scenario.shocks.random, draws, strict=True):
        if u < spec.probability:
            e.random_shocks.append((month, spec))
    active = [(s.start, s) for s in e.scenario.shocks.scheduled]
    active += e.random_shocks
    return [(start, s) for start, s in active if start <= month < start + s.duration]


def apply_shocks(e: Economy) -> None:
    """Set this month's export multiplier and rate rise; apply one-off shocks."""
    month = e.month
    multiplier, rate, housing, crunch = 1.0, 0.0, 1.0, 1.0
    for start, shock in _active_shocks(e):
        if shock.kind == "export_drop":
            multiplier *= max(1.0 - shock.size, 0.0)
        elif shock.kind == "rate_rise":
            rate += shock.size
        elif shock.kind == "housing_cost":
            housing *= 1.0 + shock.size
        elif shock.kind == "credit_crunch":
            crunch *= max(1.0 - shock.size, 0.0)
        if start != month:
            continue
        if shock.kind == "job_loss":
            # Outside employers lay off; co-op members keep their work while
            # their co-op survives.
            draw = e.streams["shocks"].random(e.n_households)
            laid_off = (e.hh_employer == OUTSIDE) & (draw < shock.size)
            e.hh_employer[laid_off] = UNEMPLOYED
        elif shock.kind == "expense":
            hit = e.streams["shocks"].random(e.n_households) < shock.share
            e.hh_expense_due[hit] += shock.size
        elif shock.kind == "investor_withdrawal":
            outside = e.tranches.held_by("outside")
            # A request under the notes' terms: paid after their notice and lock-up.
            e.redemption_new += np.where(outside, shock.size * e.tranches.balance, 0.0)
        elif shock.kind == "supplier_failure":
            struck = e.firm_active & (e.streams["shocks"].random(e.n_firms) < shock.size)
            e.firm_forced_failure |= struck
    e.export_multiplier = multiplier
    e.rate_shock = rate
    e.housing_multiplier = housing
    e.credit_crunch = crunch


def labour_market(e: Economy) -> None:
    """Outside hiring and separations, both worse while exports are down."""
    hp = e.scenario.households
    u = e.streams["labour"].random(e.n_households)
    finding = hp.job_finding * e.export_multiplier
    losing = min(hp.job_loss / max(e.export_multiplier, 1e-9), 1.0)
    hired = (e.hh_employer == UNEMPLOYED) & (u < finding)
    fired = (e.hh_employer == OUTSIDE) & (u < losing)
    e.hh_employer[hired] = OUTSIDE
    e.hh_employer[fired] = UNEMPLOYED


def _tally(e: Economy, firms: np.ndarray, amount: np.ndarray, local: bool) -> None:
    """Add what ``firms`` paid (currency, one entry per payment) to this month's tallies."""
    target = e.firm_paid_local if local else e.firm_paid_out
    target += np.bincount(firms, amount, minlength=e.n_firms)


def breakeven_ratio(e: Economy, staff: np.ndarray) -> np.ndarray:
    """The share of its full wage bill each firm could pay and break even.

    ``1 + margin × revenue ÷ full wage bill``, with the expected margin
    (:func:`expected_margin`) and mean revenue over the bank's window: 1 at a
    zero margin, below 1 when the firm is losing money at full pay.
    """
    full = staff * e.firm_wage
    revenue = e.firm_revenue_window.mean(axis=0)
    return 1.0 + np.divide(e.firm_margin * revenue, full, out=np.zeros(e.n_firms), where=full > 0)


def firm_staffing(e: Economy) -> None:
    """Conventional firms adjust jobs: layoffs when losing money, hiring when not.

    A conventional firm whose expected margin is negative lays off staff down
    to its break-even size (:func:`breakeven_ratio` × staff, rounded down),
    at most ``firms.layoff_limit`` of its staff a month (at least one) and
    never its last worker; laid-off workers become unemployed. One whose
    expected margin is above ``firms.hire_margin`` and that is below its
    founding size hires one unemployed household. Co-ops keep their members
    (they cut pay instead: :func:`planned_pay_ratio`).
    """
    if not e.n_conventional:
        return
    kp = e.scenario.firms
    staff = e.firm_workers()
    conventional = e.firm_active & ~e.firm_is_coop & (staff > 0)
    target = np.floor(breakeven_ratio(e, staff) * staff)
    most = np.maximum(np.floor(kp.layoff_limit * staff), 1)
    cut = np.where(
        conventional & (e.firm_margin < 0),
        np.clip(staff - target, 0, np.minimum(most, staff - 1)),
        0,
    ).astype(np.int64)
    # How many are laid off or hired depends on the state: the allocation stream.
    rng = e.streams["allocation"]
    if cut.any():
        # Who goes: a random order of each firm's staff, the first ``cut`` of it.
        # One draw per employed household (so the stream does not depend on
        # which firms cut), but only the cutting firms' staff are sorted.
        employed = np.flatnonzero(e.hh_employer >= 0)
        draws = rng.random(employed.size)
        cutting = cut[e.hh_employer[employed]] > 0
        employed, draws = employed[cutting], draws[cutting]
        firm = e.hh_employer[employed]
        order = np.lexsort((draws, firm))
        start = np.searchsorted(firm[order], firm[order])
        rank = np.empty(employed.size, dtype=np.int64)
        rank[order] = np.arange(employed.size) - start
        e.hh_employer[employed[rank < cut[firm]]] = UNEMPLOYED
    hiring = np.flatnonzero(conventional & (e.firm_margin > kp.hire_margin) & (staff < e.firm_size))
    if hiring.size:
        unemployed = np.flatnonzero(e.hh_employer == UNEMPLOYED)
        hires = rng.permutation(unemployed)[: hiring.size]
        e.hh_employer[hires] = hiring[: hires.size].astype(e.hh_employer.dtype)


# ---------------------------------------------------------------------- wages
def planned_pay_ratio(e: Economy, members: np.ndarray) -> np.ndarray:
    """The share of the full wage each firm plans to pay this month.

    A co-op whose expected margin is negative cuts pay (hours) to where it
    would break even (:func:`breakeven_ratio`), but not below
    ``coops.pay_floor``: co-ops adjust pay before jobs (Burdín & Dean 2009).
    A conventional firm plans full pay (it lays off instead:
    :func:`firm_staffing`).
    """
    cut = np.clip(breakeven_ratio(e, members), e.scenario.coops.pay_floor, 1.0)
    return np.where(e.firm_is_coop, cut, 1.0)


def pay_wages(e: Economy) -> None:
    """Co-ops pay members their planned pay, drawing on the bank when short;
    outside employers and benefits pay the rest."""
    ledger = e.ledger
    hp = e.scenario.households
    members = e.firm_workers()
    bill = members * e.firm_wage * CENTS
    planned = planned_pay_ratio(e, members)
    due = np.ceil(planned * bill).astype(np.int64)
    bank.draw(e, due)
    # Where cash and bank credit fall short, an instrument may pay part of the
    # wages in another medium (mutual credit): ``paid`` per firm and
    # ``per_worker`` per household, in cents, count as wages paid.
    ctx = {
        "due": due,
        "planned": planned,
        "paid": np.zeros(e.n_firms, dtype=np.int64),
        "per_worker": np.zeros(e.n_households, dtype=np.int64),
    }
    e.hook("wages", ctx)
    other = np.asarray(ctx["paid"], dtype=np.float64)
    cash = e.firm_cash.astype(np.float64)
    affordable = np.divide(cash + other, bill, out=np.ones(e.n_firms), where=bill > 0)
    ratio = np.minimum(planned, affordable.clip(0.0, 1.0))
    e.firm_pay_ratio = np.where(bill > 0, ratio, 1.0)
    # Paying less than the floor (planned pay never is) is a month unable to meet wages.
    e.firm_unable |= (ratio < e.scenario.coops.pay_floor - 1e-9) & e.firm_active
    in_coop = np.flatnonzero(e.hh_employer >= 0)
    employer = e.hh_employer[in_coop]
    wage = e.firm_wage[employer] * ratio[employer]
    in_other = ctx["per_worker"][in_coop]
    if other.any():
        # What was paid in another medium is not paid again in cash, and the
        # cash paid stays within each firm's cash (a worker paid more than its
        # share in the other medium leaves the others no more cash than there is).
        wage = np.maximum(wage - in_other / CENTS, 0.0)
        wanted = np.bincount(employer, wage, minlength=e.n_firms)
        fits = np.divide(cash / CENTS, wanted, out=np.ones(e.n_firms), where=wanted > 0)
        wage = wage * np.minimum(fits, 1.0)[employer]
    paid = ledger.transfer(e.firm_account[employer], e.hh_account[in_coop], wage, "wages")
    income = np.zeros(e.n_households)
    # Income is what came in cash (it is what households spend cash out of).
    income[in_coop] = paid / CENTS
    wages = (paid + in_other) / CENTS
    e.month_flows["wages"] = np.bincount(employer, wages, minlength=e.n_firms)
    e.firm_paid_local += e.month_flows["wages"]
    e.community_wages += (paid.sum() + in_other.sum()) / CENTS

    outside = np.flatnonzero(e.hh_employer == OUTSIDE)
    paid = ledger.transfer(
        ledger.world, e.hh_account[outside], e.hh_outside_wage[outside], "outside_wages"
    )
    income[outside] = paid / CENTS
    jobless = np.flatnonzero(e.hh_employer == UNEMPLOYED)
    paid = ledger.transfer(ledger.world, e.hh_account[jobless], hp.unemployment_benefit, "benefits")
    income[jobless] = paid / CENTS
    e.hh_income = income + e.hh_patronage + e.hh_deposit_interest
    e.hh_patronage = np.zeros(e.n_households)
    e.hh_deposit_interest = np.zeros(e.n_households)


# ---------------------------------------------------------------------- households
def spend_locally(e: Economy, budget: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Households spend ``budget`` (currency, per household): ``local_share`` of it
    at their active co-ops along purchase edges, in proportion to edge weight ×
    demand; the rest, and all of it where no co-op of theirs is active, is imported.

    Returns
    -------
    paid : numpy.ndarray
        Cents each household paid each co-op, aligned with ``economy.purchase.data``.
    coop_sales : numpy.ndarray
        What each co-op sold, in currency.
    """
    ledger = e.ledger
    # Per-edge arrays (five per household) dominate here: gathers with ``take``
    # (faster than indexing), and the share and amount computed in place in the
    # weights' array instead of two more edge-length temporaries.
    row = e.purchase_row
    weights = e.purchase.data * (e.firm_active * e.firm_demand).take(e.purchase_col)
    row_total = np.bincount(row, weights, minlength=e.n_households)
    has_local = row_total > 0
    local = np.where(has_local, budget * e.scenario.households.local_share, 0.0)
    # Weights are >= 0, so a row summing to zero is all zeros: dividing it by one
    # gives the same zero shares with one gather per edge instead of two and a mask.
    share = np.divide(weights, np.where(has_local, row_total, 1.0).take(row), out=weights)
    amount = np.multiply(local.take(row), share, out=share)
    households, coops = ledger.block("households").slice, ledger.block("firms").slice
    hh_before, coop_before = ledger.cash[households].copy(), ledger.cash[coops].copy()
    paid = ledger.transfer(e.purchase_payer, e.purchase_payee, amount, "local_purchases")
    # Cents are whole numbers, so each balance moved by exactly the sum of its
    # edges: the same totals as summing ``paid`` per co-op and per household,
    # without two more passes over every edge.
    coop_sales = from_cents(ledger.cash[coops] - coop_before)
    spent_local = from_cents(hh_before - ledger.cash[households])
    ledger.transfer(e.hh_account, ledger.world, budget - spent_local, "imports")
    return paid, coop_sales


def household_spending(e: Economy) -> None:
    """Housing, arrears and expenses, then consumption at co-ops or imports; deposits.

    See :mod:`solsim.engine.households` for the rules.
    """
    ctx = households.pay_housing_and_spend(e, spend_locally)
    # ``purchases``: cents each household paid each co-op (aligned with purchase.data).
    e.hook("spending", ctx)
    e.hh_shortfall = ctx["shortfall"]
    households.rebalance_deposits(e)


# ---------------------------------------------------------------------- co-ops
def trade(e: Economy) -> None:
    """Exports from the world; inputs bought from suppliers on trade credit, or imported."""
    cp = e.scenario.coops
    ledger = e.ledger
    # Idiosyncratic demand: a log AR(1) per co-op. It says how popular a co-op
    # is relative to the others, so exports use it relative to the active mean:
    # a lognormal's mean grows with its variance, and aggregate export demand
    # must not drift up with it (the world sets that level).
    shock = e.streams["demand"].normal(0.0, cp.demand_volatility, e.n_firms)
    e.firm_demand = np.exp(cp.demand_persistence * np.log(e.firm_demand) + shock)
    # On top, this month's orders: a transitory, mean-one lognormal factor
    # (lumpy orders, late customers) that a co-op must bridge with cash or credit.
    noise = e.streams["demand"].normal(-0.5 * cp.order_noise**2, cp.order_noise, e.n_firms)
    orders = e.firm_demand * np.exp(noise)
    active_mean = e.firm_demand[e.firm_active].mean() if e.firm_active.any() else 1.0
    relative = orders / active_mean

    # Equipment bought with loans wears out, and the sales it brings with it.
    e.firm_equipment *= 1.0 - cp.depreciation
    capacity = e.firm_export_base + cp.investment_yield * e.firm_equipment
    exports = to_cents(capacity * relative * e.export_multiplier * e.firm_active)
    e.firm_sales_export = exports / CENTS
    if cp.payment_delay:
        # Exports are paid ``payment_delay`` months after the sale.
        slot = e.month % cp.payment_delay
        ledger.transfer(ledger.world, e.firm_account, e.export_due[slot], "exports", cents=True)
        e.export_due[slot] = exports
    else:
        ledger.transfer(ledger.world, e.firm_account, exports, "exports", cents=True)

    inputs = e.firm_input_share * e.firm_revenue * e.firm_active
    weights = e.supply.data * e.firm_active[e.supply.indices]
    row_total = np.bincount(e.supply_row, weights, minlength=e.n_firms)
    local = np.where(row_total > 0, inputs * e.firm_local_input_share, 0.0)
    share = np.divide(
        weights,
        row_total[e.supply_row],
        out=np.zeros_like(weights),
        where=row_total[e.supply_row] > 0,
    )
    invoiced = to_cents(local[e.supply_row] * share)
    e.payable += invoiced
    e.invoiced_month = invoiced
    if e.invoiced_recent.size:
        # Invoiced on trade credit, due ``payment_delay`` months from now (the
        # row overwritten held the invoices falling due this month).
        e.invoiced_recent[e.month % e.invoiced_recent.shape[0]] = invoiced
    e.firm_sales_supply = np.bincount(e.supply.indices, invoiced, minlength=e.n_firms) / CENTS
    local_booked = np.bincount(e.supply_row, invoiced, minlength=e.n_firms) / CENTS
    wanted = to_cents(np.maximum(inputs - local_booked, 0.0))
    bank.draw(e, wanted)
    imports = np.minimum(wanted, e.firm_cash.clip(0))
    imported = ledger.transfer(e.firm_account, ledger.world, imports, "firm_imports", cents=True)
    e.firm_paid_out += imported / CENTS
    e.month_flows["inputs"] = local_booked + imported / CENTS
    e.firm_revenue = e.firm_sales_local + e.firm_sales_export + e.firm_sales_supply
    e.firm_revenue_window[e.month % e.firm_revenue_window.shape[0]] = e.firm_revenue


def _annuity(principal: np.ndarray, monthly_rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The level monthly payment that repays ``principal`` over ``months`` (at least 1)."""
    return principal / housing.annuity_factor(monthly_rate, np.maximum(months, 1))


def loan_dues(e: Economy, loans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What each of ``loans`` owes this month (cents) and the interest in it (currency).

    * In the grace period a loan pays interest only.
    * A revenue-based loan (``loan_revenue_share`` > 0) pays that share of the
      co-op's revenue this month, but at least the interest and at least what
      keeps it on its floor path: by month *k* of a tenor of *n* months it has
      paid ``loan_floor × original principal × k / n`` in all (interest
      included), so it amortises within the tenor even when sales fall.
    * Any other loan is an annuity over the months left of its tenor.
    * In the last month of the tenor what is still owed is due.
    * A repayment cap (``loan_cap`` > 0) bounds everything a loan ever pays at
      ``cap × original principal``: interest is charged only as far as the
      cap leaves room above the principal still owed.
    * A loan repaid only out of surplus (``loan_surplus_share`` θ > 0) pays
      ``min(due, θ × max(surplus, 0))``, the surplus being the co-op's revenue
      less the wages and inputs it paid this month; what it cannot pay for want
      of surplus is not in arrears, and after its tenor it goes on paying the
      rest out of surplus. Interest it does not pay is not added to the loan.
    """
    principal_cents = e.loan_principal[loans]
    principal = principal_cents / CENTS
    rate = (e.loan_rate[loans] + e.rate_shock) / 12.0
    interest = principal * rate
    cap = e.loan_cap[loans]
    room = (cap * e.loan_original[loans] - e.loan_repaid[loans]) / CENTS - principal
    interest = np.where(cap > 0, np.clip(room, 0.0, interest), interest)
    owed = principal + interest
    tenor_left = e.loan_tenor_left[loans]
    grace = e.loan_grace_left[loans] > 0
    scheduled = _annuity(principal, rate, tenor_left)
    tenor = np.maximum(e.loan_tenor[loans], 1)
    month_of_tenor = np.clip(tenor - tenor_left + 1, 1, tenor)
    path = (
        e.loan_floor[loans] * e.loan_original[loans] * month_of_tenor / tenor - e.loan_repaid[loans]
    ) / CENTS
    by_revenue = np.maximum(
        np.maximum(e.loan_revenue_share[loans] * e.firm_revenue[loans], interest), path
    )
    revenue_based = e.loan_revenue_share[loans] > 0
    due_now = np.where(grace, interest, np.where(revenue_based, by_revenue, scheduled))
    due_now = np.where((tenor_left <= 1) & ~grace, owed, due_now)
    theta = e.loan_surplus_share[loans]
    if (theta > 0).any():
        flows = e.month_flows
        surplus = e.firm_revenue[loans] - flows["wages"][loans] - flows["inputs"][loans]
        due_now = np.where(theta > 0, np.minimum(due_now, theta * surplus.clip(0)), due_now)
    due_now = np.minimum(due_now, owed)
    # Dues are rounded up to the cent so the last payment clears the loan exactly.
    due_cents = np.minimum(
        np.ceil(due_now * CENTS - 1e-6).astype(np.int64),
        principal_cents + np.ceil(interest * CENTS).astype(np.int64),
    )
    return due_cents, interest


def debt_service(e: Economy) -> None:
    """Settle the trade credit that has fallen due, then pay loans; count arrears."""
    ledger = e.ledger
    # Instruments may net obligations or pay part of them in mutual credit first.
    e.hook("settle")
    # Trade credit: each buyer pays all suppliers the same share of what is due.
    due_edge = e.payable_due()
    due = np.bincount(e.supply_row, due_edge, minlength=e.n_firms)
    bank.draw(e, due.astype(np.int64))
    cash = e.firm_cash.clip(0).astype(np.float64)
    ratio = np.divide(cash, due, out=np.ones(e.n_firms), where=due > 0).clip(0.0, 1.0)
    pay = np.floor(due_edge * ratio[e.supply_row]).astype(np.int64)
    paid = ledger.transfer(
        e.firm_account[e.supply_row],
        e.firm_account[e.supply.indices],
        pay,
        "trade_credit",
        cents=True,
    )
    e.payable -= paid
    _tally(e, e.supply_row, paid / CENTS, local=True)
    e.firm_unable |= (ratio < 0.999) & e.firm_active

    # Loans: interest-only in grace, revenue-based where a share is set, else annuity.
    loans = np.flatnonzero(e.loan_active)
    if loans.size == 0:
        return
    grace = e.loan_grace_left[loans] > 0
    due_cents, interest = loan_dues(e, loans)
    need = np.zeros(e.n_firms, dtype=np.int64)
    need[loans] = due_cents
    bank.draw(e, need)
    pay = np.minimum(e.firm_cash[loans].clip(0), due_cents)
    paid_cents = ledger.transfer(
        e.firm_account[loans], e.fund_account[e.loan_fund[loans]], pay, "loan_service", cents=True
    )
    e.firm_paid_local[loans] += paid_cents / CENTS
    interest_cents = np.minimum(paid_cents, np.ceil(interest * CENTS - 1e-6).astype(np.int64))
    e.loan_principal[loans] = (e.loan_principal[loans] - (paid_cents - interest_cents)).clip(0)
    e.loan_repaid[loans] += paid_cents
    paid = paid_cents / CENTS
    interest_paid = interest_cents / CENTS
    short = paid_cents < due_cents
    e.loan_arrears[loans] = np.where(short, e.loan_arrears[loans] + 1, 0)
    e.firm_unable[loans] |= short
    e.loan_tenor_left[loans] = np.maximum(e.loan_tenor_left[loans] - (~grace), 1)
    e.loan_grace_left[loans] = np.maximum(e.loan_grace_left[loans] - 1, 0)
    e.month_flows["interest"][loans] = interest_paid
    e.fund_interest_income += np.bincount(e.loan_fund[loans], interest_paid, minlength=e.n_funds)
    repaid = loans[e.loan_principal[loans] <= 0]
    e.loan_active[repaid] = False
    defaulting = loans[e.loan_arrears[loans] >= e.scenario.funds.arrears_default_months]
    e.firm_forced_failure[defaulting] = True


# ---------------------------------------------------------------------- funds
def _liquidity_floor(e: Economy, deposits: np.ndarray | None = None) -> np.ndarray:
    """Cash each fund keeps back: its share of deposits and capital not lent out.

    ``deposits`` (cents per fund, :meth:`Economy.fund_deposits`) may be passed by
    a caller that already summed them: a pass over every household each time.
    """
    fp = e.scenario.funds
    if deposits is None:
        deposits = e.fund_deposits()
    capital = np.bincount(e.tranches.fund, e.tranches.balance, minlength=e.n_funds)
    return (1.0 - fp.max_lending_share) * (from_cents(deposits) + capital)


def fund_operations(e: Economy) -> None:
    """Policies decided, deposit interest, operating cost, provisions, tranche coupons,
    redemptions, then new loans and new co-ops."""
    # Instruments that decide fund policy (rate, screen, whom to serve, reserve) act first.
    e.hook("decide")
    fp = e.scenario.funds
    ledger = e.ledger
    t = e.tranches

    # Deposit interest, from the fund's cash and never beyond it: this month's
    # interest plus what is still owed from months the fund could not pay. A
    # short fund pays its depositors pro rata; the unpaid part stays owed
    # interest (``hh_interest_owed``, a claim on the fund, due again next month
    # with that month's interest). It is not capitalised: owed interest earns
    # none, so an insolvent fund's claims grow linearly, not compounding.
    interest = to_cents(from_cents(e.hh_deposit) * fp.deposit_rate / 12.0)
    due = interest + e.hh_interest_owed
    pay = within_means(due, e.fund_cash, e.hh_fund, e.n_funds)
    paid = ledger.transfer(e.hh_fund_account, e.hh_account, pay, "deposit_interest", cents=True)
    e.hh_interest_owed = due - paid
    e.hh_deposit_interest = paid / CENTS
    e.community_deposit_interest += paid.sum() / CENTS
    e.fund_interest_income -= np.bincount(e.hh_fund, e.hh_deposit_interest, minlength=e.n_funds)
    # The running cost, then the allowance, before anything is distributed.
    staff_pay = fund_books.pay_operating_cost(e)
    e.hh_deposit_interest = e.hh_deposit_interest + staff_pay
    e.community_wages += float(staff_pay.sum())
    fund_books.provision(e)
    # Deposits do not move again until next month's spending: summed once for
    # the liquidity floors of coupons, redemptions and lending.
    deposits = e.fund_deposits()

    # Coupons, only out of income earned and not yet distributed; senior first.
    distributable = np.minimum(
        e.fund_interest_income.clip(0),
        (from_cents(e.fund_cash) - _liquidity_floor(e, deposits)).clip(0),
    )
    coupon = t.balance * t.coupon / 12.0
    order = np.lexsort((-t.attachment, t.fund))
    cum = np.cumsum(coupon[order])
    start = np.concatenate([[0.0], cum])[np.searchsorted(t.fund[order], t.fund[order])]
    before = cum - coupon[order] - start
    senior_first = np.empty_like(coupon)
    senior_first[order] = np.clip(distributable[t.fund[order]] - before, 0.0, coupon[order])
    total = np.bincount(t.fund, coupon, minlength=e.n_funds)
    # Coupons below a thousandth of a cent are nothing to pay (and would overflow the ratio).
    ratio = np.divide(distributable, total, out=np.zeros(e.n_funds), where=total > 1e-5).clip(0, 1)
    pro_rata = coupon * ratio[t.fund]
    pay = np.where(e.fund_sequential[t.fund], senior_first, pro_rata)
    booked = _pay_holders(e, pay, "coupons")
    t.paid += booked
    e.fund_interest_income -= np.bincount(t.fund, booked, minlength=e.n_funds)

    # Redemptions: requests made this month (a withdrawal shock, notes that
    # mature, and capital flight when that rule is on) wait out the notes'
    # notice and lock-up; then they are paid as the fund's cash allows.
    new = e.redemption_new + fund_books.maturing(e)
    if fp.flight.enabled:
        # Capital flight: outside holders whose own tranche has lost more than
        # the trigger ask for a share of it back every month. Junior capital
        # that absorbs losses first keeps them below the trigger.
        outside = t.held_by("outside")
        own_loss = np.divide(t.loss, t.size, out=np.zeros(len(t.name)), where=t.size > 0)
        fleeing = outside & (own_loss > fp.flight.trigger)
        new = new + np.where(fleeing, fp.flight.share * t.balance, 0.0)
    e.redemption_new = np.zeros(len(t.name))
    request = np.minimum(e.redemption_request + fund_books.redemption_requests(e, new), t.balance)
    room = (from_cents(e.fund_cash) - _liquidity_floor(e, deposits)).clip(0)
    asked = np.bincount(t.fund, request, minlength=e.n_funds)
    # Requests below a thousandth of a cent are nothing to pay (and would overflow).
    scale = np.divide(room, asked, out=np.zeros(e.n_funds), where=asked > 1e-5).clip(0, 1)
    booked = _pay_holders(e, request * scale[t.fund], "redemptions")
    t.redeemed += booked
    e.redemption_request = request - booked

    _lend(e, deposits)


def fund_distributions(e: Economy) -> None:
    """Rules that stop funds and their community holders from hoarding.

    A fund's net assets (:meth:`Economy.fund_net_assets`) above
    ``funds.net_asset_target`` of its total assets first write back losses
    its tranches took, senior first; what is left is paid out by
    ``funds.surplus_rule``: to its depositors pro rata to their deposits (to
    every household it serves alike when it has none), or to every household
    it serves alike, as far as its cash above the liquidity floor allows. Community
    holders of fund capital pass on all they received (coupons, redemptions)
    to the households their fund serves, equally. Both reach households as
    income next month, with deposit interest.
    """
    fp = e.scenario.funds
    ledger = e.ledger
    cash = from_cents(e.fund_cash)
    assets = cash + from_cents(e.fund_loans() - e.books.allowance)
    excess = (e.fund_net_assets() - e.fund_net_asset_target * assets).clip(0)
    # Surplus first writes back capital that earlier losses wrote off, senior
    # tranche first (a book entry: no cash moves); only a fund whose capital
    # is whole pays out.
    excess -= fund_books.write_back(e, excess)
    room = (cash - _liquidity_floor(e)).clip(0)
    dividend = np.minimum(excess.clip(0), room)
    # Instruments may take part of the payout (a participatory budget): they
    # move it out of the fund and lower ``ctx["payout"]``.
    ctx = {"payout": dividend}
    e.hook("payout", ctx)
    taken = dividend - ctx["payout"]
    e.fund_interest_income -= taken
    dividend = ctx["payout"]
    # What households received, in currency (None: nothing yet); adding it to a
    # zero array first would change no value, only cost passes.
    received = None
    if (dividend > 0.005).any():
        served = np.bincount(e.hh_fund, minlength=e.n_funds)
        if fp.surplus_rule == "depositors":
            held = np.bincount(e.hh_fund, e.hh_deposit, minlength=e.n_funds)
            held_by_fund = held[e.hh_fund]  # each household's fund's deposits, gathered once
            weight = np.where(
                held_by_fund > 0,
                e.hh_deposit / np.maximum(held_by_fund, 1),
                1.0 / served[e.hh_fund],
            )
        else:
            # "community": every household the fund serves alike.
            weight = 1.0 / served[e.hh_fund]
        paid = ledger.transfer(
            e.hh_fund_account, e.hh_account, dividend[e.hh_fund] * weight, "fund_dividends"
        )
        received = paid / CENTS
        e.fund_interest_income -= np.bincount(e.hh_fund, received, minlength=e.n_funds)
    holders = ledger.block("community_investors")
    held = ledger.cash[holders.slice].clip(0)
    if held.any():
        served = np.bincount(e.hh_fund, minlength=e.n_funds)
        share = np.floor(held / np.maximum(served, 1)).astype(np.int64)
        share = np.where(served > 0, share, 0)
        paid = ledger.transfer(
            e.hh_holder_account,
            e.hh_account,
            share[e.hh_fund],
            "community_dividends",
            cents=True,
        )
        received = paid / CENTS if received is None else received + paid / CENTS
    if received is not None:
        e.hh_deposit_interest = e.hh_deposit_interest + received
        e.community_dividends += float(received.sum())


def _pay_holders(e: Economy, per_tranche: np.ndarray, flow: str) -> np.ndarray:
    """Pay each tranche's holders from its fund; returns what each tranche paid."""
    t = e.tranches
    holdings = t.holdings
    # Each holding (in storage order) times its tranche's amount, straight from the
    # CSR arrays: for a handful of tranches a sparse product is mostly overhead.
    row = np.repeat(np.arange(holdings.shape[0]), np.diff(holdings.indptr))
    if row.size == 0:
        return np.zeros(len(t.name))
    paid = e.ledger.transfer(
        e.fund_account[t.fund[row]],
        e.investor_account(holdings.indices),
        holdings.data * per_tranche[row],
        flow,
    )
    return np.bincount(row, paid / CENTS, minlength=len(t.name))


def _lend(e: Economy, deposits: np.ndarray | None = None) -> None:
    """Fund lending to eligible co-ops and start-up loans to new co-ops, within capacity.

    ``deposits``: each fund's deposits in cents, when the caller has them.
    """
    fp, cp = e.scenario.funds, e.scenario.coops
    # Fixed-size draws (one per co-op) here; draws whose number depends on the
    # state come from the allocation stream.
    rng = e.streams["lending"]
    members = e.firm_workers()
    bill = members * e.firm_wage
    buffer_months = e.fund_buffer_months * e.fund_screen_factor
    fund_of = e.firm_fund
    eligible = (
        e.firm_active
        & e.firm_is_coop
        & ~e.loan_active
        & ~e.firm_forced_failure
        & (from_cents(e.firm_cash) >= buffer_months[fund_of] * bill)
        & (e.firm_margin >= fp.min_margin)
    )
    applies = eligible & (rng.random(e.n_firms) < fp.lending_rate)

    # Refounding: a failed co-op's slot comes back if unemployed members and a loan exist.
    size = max(3, round(e.n_households * e.scenario.households.coop_employment / max(e.n_coops, 1)))
    unemployed = np.flatnonzero(e.hh_employer == UNEMPLOYED)
    founding = (
        ~e.firm_active
        & e.firm_is_coop
        & ~e.loan_active
        & (rng.random(e.n_firms) < cp.entry_rate * e.fund_refound[fund_of])
    )
    founding_idx = np.flatnonzero(founding)[: len(unemployed) // size]
    founding[:] = False
    founding[founding_idx] = True

    candidates = np.flatnonzero(applies | founding)
    if candidates.size == 0:
        return
    key = e.streams["allocation"].random(candidates.size)
    # Whom a fund serves first: its policy ranks new and existing co-ops (the
    # random key orders each rank), or leaves the order to the key alone.
    priority = e.fund_priority[fund_of[candidates]]
    rank = np.where(founding[candidates], -priority, priority)
    order = np.lexsort((key, rank, fund_of[candidates]))
    candidates = candidates[order]
    funds = fund_of[candidates]
    amount = np.full(candidates.size, fp.loan_size)
    room = (from_cents(e.fund_cash) - _liquidity_floor(e, deposits)).clip(0)
    cum = np.cumsum(amount)
    start = np.concatenate([[0.0], cum])[np.searchsorted(funds, funds)]
    granted = candidates[(cum - start) <= room[funds]]
    if granted.size == 0:
        return

    g_fund = fund_of[granted]
    lent = e.ledger.transfer(e.fund_account[g_fund], e.firm_account[granted], fp.loan_size, "loans")
    e.loan_active[granted] = True
    e.loan_fund[granted] = g_fund
    e.loan_principal[granted] = lent
    e.loan_original[granted] = lent
    e.loan_rate[granted] = e.fund_rate[g_fund]
    e.loan_tenor_left[granted] = e.fund_tenor[g_fund]
    e.loan_grace_left[granted] = e.fund_grace[g_fund]
    e.loan_revenue_share[granted] = e.fund_revenue_share[g_fund]
    e.loan_arrears[granted] = 0
    e.loan_tenor[granted] = e.fund_tenor[g_fund]
    e.loan_repaid[granted] = 0
    e.loan_floor[granted] = 0.0
    e.loan_cap[granted] = 0.0
    e.loan_surplus_share[granted] = 0.0
    e.loan_asset_only[granted] = False
    e.hook("new_loans", {"coop": granted, "fund": g_fund})

    new = granted[founding[granted]]
    existing = granted[~founding[granted]]
    # Existing co-ops invest: equipment bought outside raises their export sales.
    invest = cp.investment_share * lent[~founding[granted]] / CENTS
    bought = e.ledger.transfer(e.firm_account[existing], e.ledger.world, invest, "investment")
    e.firm_paid_out[existing] += bought / CENTS
    e.firm_equipment[existing] += invest
    if new.size:
        _found(e, new, unemployed, size)


def enter_firms(e: Economy) -> None:
    """Conventional firms enter: a failed firm's slot reopens with ``firms.entry_rate``.

    Its owner pays in ``firms.initial_cash`` from outside the community, and it
    hires unemployed households up to its founding size (it opens only if
    there are enough). One draw per firm a month (stream ``lending``), so the
    draws do not depend on the state.
    """
    if not e.n_conventional:
        return
    kp = e.scenario.firms
    draw = e.streams["lending"].random(e.n_firms)
    opening = np.flatnonzero(~e.firm_active & ~e.firm_is_coop & (draw < kp.entry_rate))
    if opening.size == 0:
        return
    unemployed = np.flatnonzero(e.hh_employer == UNEMPLOYED)
    # Only as many as the unemployed can staff, in index order.
    staffed = np.cumsum(e.firm_size[opening]) <= unemployed.size
    opening = opening[staffed]
    if opening.size == 0:
        return
    e.ledger.transfer(e.ledger.world, e.firm_account[opening], kp.initial_cash, "firm_capital")
    rng = e.streams["allocation"]
    hires = rng.permutation(unemployed)[: int(e.firm_size[opening].sum())]
    e.hh_employer[hires] = np.repeat(opening, e.firm_size[opening]).astype(e.hh_employer.dtype)
    _reset_firms(e, opening, rng)


def _found(e: Economy, new: np.ndarray, unemployed: np.ndarray, size: int) -> None:
    rng = e.streams["allocation"]
    hires = rng.permutation(unemployed)[: new.size * size]
    e.hh_employer[hires] = np.repeat(new, size)[: hires.size].astype(np.int32)
    _reset_firms(e, new, rng)


def _reset_firms(e: Economy, new: np.ndarray, rng: np.random.Generator) -> None:
    """A new firm in each of ``new``'s slots: active, young, with fresh demand."""
    e.firm_active[new] = True
    e.firm_age[new] = 0
    e.firm_founded_at[new] = e.clock
    e.firm_unable_months[new] = 0
    e.firm_poor_months[new] = 0
    e.firm_forced_failure[new] = False
    e.firm_reserves[new] = 0.0
    # A new firm opens as popular as the typical (median) active firm: demand
    # is relative, and the survivors' selected demand has left 1 far behind.
    active = e.firm_active.copy()
    active[new] = False
    e.firm_demand[new] = np.median(e.firm_demand[active]) if active.any() else 1.0
    e.firm_equipment[new] = 0.0
    e.firm_revenue_window[:, new] = 0.0
    e.firm_export_base[new] = e._draw_export_base(new, rng)
    e.firm_revenue[new] = 0.0
    # A new firm expects to break even: its owner's required return, nothing for a co-op.
    e.firm_margin[new] = np.where(e.firm_is_coop[new], 0.0, e.scenario.firms.required_margin)


# ---------------------------------------------------------------------- surplus
def surplus_split(e: Economy) -> None:
    """Split surplus: keep the kind's ``reserve_share``, pay out the rest.

    Co-ops pay it to their members as patronage; conventional firms pay it to
    their owners as dividends (outside the community, or to a local owner
    household: ``firms.owner``). A firm also pays out cash above its reserve
    target (``reserve_target_months`` of wages) plus what it owes, so firms do
    not hoard the community's money nor pay borrowed money out.
    """
    flows = e.month_flows
    profit = e.firm_revenue - flows["wages"] - flows["inputs"] - flows["interest"]
    members = e.firm_workers()
    # The operating margin at full pay, smoothed over about six months: what a
    # lender screens on (see ``_lend``).
    full_cost = members * e.firm_wage + flows["inputs"] + flows["interest"]
    margin = np.divide(
        e.firm_revenue - full_cost,
        e.firm_revenue,
        out=np.full(e.n_firms, -1.0),
        where=e.firm_revenue > 0,
    )
    smoothed = e.firm_margin + (margin - e.firm_margin) / 6.0
    # A firm founded this month has sold nothing yet: its margin waits for sales.
    founded = (e.firm_age == 0) & (e.firm_revenue <= 0)
    e.firm_margin = np.where(e.firm_active, np.where(founded, e.firm_margin, smoothed), 0.0)
    target = e.firm_reserve_target * members * e.firm_wage
    cash = from_cents(e.firm_cash).clip(0)
    # Cash above the target and above what the firm owes (its fund loan, its
    # credit line) is paid out too: borrowed money is not surplus.
    debt = from_cents(np.where(e.loan_active, e.loan_principal, 0) + e.bank_drawn)
    excess = cash - target - debt
    payout = np.maximum((1.0 - e.firm_reserve_share) * profit.clip(0), excess)
    payout = np.where(e.firm_active & (members > 0), np.minimum(payout, cash), 0.0)
    dividends = _pay_dividends(e, np.where(e.firm_is_coop, 0.0, payout))
    patronage = np.where(e.firm_is_coop, payout, 0.0)
    workers = np.flatnonzero(e.hh_employer >= 0)
    employer = e.hh_employer[workers]
    per_member = np.divide(patronage, members, out=np.zeros(e.n_firms), where=members > 0)
    paid = e.ledger.transfer(
        e.firm_account[employer], e.hh_account[workers], per_member[employer], "patronage"
    )
    patronage = paid / CENTS
    e.hh_patronage[workers] += patronage
    paid_by_coop = np.bincount(employer, patronage, minlength=e.n_firms)
    e.firm_paid_local += paid_by_coop
    flows["patronage"] = paid_by_coop
    e.community_patronage += paid_by_coop.sum()
    e.firm_reserves = np.where(e.firm_active, cash - paid_by_coop - dividends, 0.0)


def _pay_dividends(e: Economy, amount: np.ndarray) -> np.ndarray:
    """Conventional firms pay ``amount`` (currency per firm) to their owners.

    Outside owners are the outside world; a local owner is a household
    (``economy.firm_owner``), which receives it as income next month.
    Returns what each firm paid.
    """
    firms = np.flatnonzero(amount > 0)
    paid_by_firm = np.zeros(e.n_firms)
    if firms.size == 0:
        return paid_by_firm
    owner = e.firm_owner[firms]
    local = owner >= 0
    ledger = e.ledger
    out = firms[~local]
    paid = ledger.transfer(e.firm_account[out], ledger.world, amount[out], "dividends_out")
    paid_by_firm[out] = paid / CENTS
    e.firm_paid_out[out] += paid / CENTS
    e.dividends_out += paid.sum() / CENTS
    mine = firms[local]
    paid = ledger.transfer(
        e.firm_account[mine], e.hh_account[owner[local]], amount[mine], "dividends_local"
    )
    paid_by_firm[mine] = paid / CENTS
    e.firm_paid_local[mine] += paid / CENTS
    # Income next month, like deposit interest (not patronage: owners need not work there).
    np.add.at(e.hh_deposit_interest, owner[local], paid / CENTS)
    e.dividends_local += paid.sum() / CENTS
    return paid_by_firm


# ---------------------------------------------------------------------- exit
def exit_and_distress(e: Economy) -> None:
    """Failures and liquidation; then household distress and its instruments."""
    cp = e.scenario.coops
    e.firm_unable_months = np.where(e.firm_unable & e.firm_active, e.firm_unable_months + 1, 0)
    # Owners close a conventional firm that has not earned their required
    # return for ``firms.exit_months`` months in a row; co-op members keep
    # theirs going while it pays them (see ``expected_margin``).
    kp = e.scenario.firms
    poor = e.firm_active & ~e.firm_is_coop & (expected_margin(e) < 0)
    e.firm_poor_months = np.where(poor, e.firm_poor_months + 1, 0)
    failing = np.flatnonzero(
        e.firm_active
        & (
            (e.firm_unable_months >= cp.failure_months)
            | e.firm_forced_failure
            | (e.firm_poor_months >= kp.exit_months)
        )
    )
    e.firm_forced_failure[:] = False
    e.firm_age[e.firm_active] += 1
    if failing.size:
        _liquidate(e, failing)

    ctx = {"distressed": (e.hh_shortfall > 0.01) | (e.hh_housing_gap > 0.01)}
    e.hook("distress", ctx)
    e.hh_distressed = ctx["distressed"]
    # Households about to be displaced: an institution that houses some may
    # cure their arrears or hold off (``housing_arrears``); then they leave,
    # and it may house the newcomers that take their places (``arrivals``).
    ctx = {"displaced": households.settle_arrears(e)}
    e.hook("housing_arrears", ctx)
    displaced = np.asarray(ctx["displaced"], dtype=np.intp)
    housing.tally_foreclosures(e, displaced)
    arrived = households.turnover(e, displaced)
    e.hook("arrivals", {"arrived": arrived, "displaced": displaced})


def expected_margin(e: Economy) -> np.ndarray:
    """Each firm's expected economic margin (a share of revenue).

    The exponentially smoothed (weight 1/6 a month, about six months) margin at
    full pay: (revenue − full wage bill − inputs − loan interest) ÷ revenue,
    with −1 for a month without revenue. For a conventional firm it is net of
    its owner's required return, ``firms.required_margin`` of revenue: capital
    that earns less than it could elsewhere is a loss to its owner, who closes
    the firm after ``firms.exit_months`` such months (co-op members instead
    keep a co-op going while it pays them). A failing firm whose expected
    margin is positive was *illiquid* (it would have covered its costs, but ran
    out of cash and credit); otherwise it was *insolvent*.
    """
    required = np.where(e.firm_is_coop, 0.0, e.scenario.firms.required_margin)
    return e.firm_margin - required


def _liquidate(e: Economy, failing: np.ndarray) -> None:
    """Default the loans of failing co-ops, settle what cash allows, release members."""
    ledger = e.ledger
    illiquid = expected_margin(e)[failing] > 0
    e.failures_illiquid_month += int(illiquid.sum())
    e.failures_insolvent_month += int((~illiquid).sum())
    e.coop_failures_illiquid_month += int((illiquid & e.firm_is_coop[failing]).sum())
    # Exports already sold are collected before anything is shared out.
    if e.export_due.size:
        due = e.export_due[:, failing].sum(axis=0)
        ledger.transfer(ledger.world, e.firm_account[failing], due, "exports", cents=True)
        e.export_due[:, failing] = 0
    with_loan = failing[e.loan_active[failing]]
    if with_loan.size:
        # Recoveries from collateral, then the order of losses (engine.fund_books).
        fund_books.charge_off(e, with_loan)

    # The bank recovers what it can of its credit line, after the fund.
    bank.charge_off(e, failing)

    # Trade credit linked to the failing co-ops is settled with the Eisenberg–Noe
    # clearing vector (suppliers paid less may default in turn: the cascade);
    # then debts of and to a failed co-op are written off.
    settle_failures(e, failing)

    # What is left goes to the members, who then lose their jobs.
    # A lookup over co-ops (two leading slots for OUTSIDE and UNEMPLOYED) finds
    # the members in one gather, where isin would sort every household.
    is_failing = np.zeros(e.n_firms + 2, dtype=bool)
    is_failing[np.asarray(failing) + 2] = True
    workers = np.flatnonzero(is_failing[e.hh_employer + 2])
    if workers.size:
        employer = e.hh_employer[workers]
        members = np.bincount(employer, minlength=e.n_firms)
        left = e.firm_cash.clip(0)
        per_member = np.floor(left / np.maximum(members, 1)).astype(np.int64)
        ledger.transfer(
            e.firm_account[employer],
            e.hh_account[workers],
            per_member[employer],
            "liquidation",
            cents=True,
        )
        e.hh_employer[workers] = UNEMPLOYED
    e.firm_active[failing] = False
    e.firm_failed_at[failing] = e.month
    first = e.firm_first_failed_at[failing]
    e.firm_first_failed_at[failing] = np.where(first < 0, e.month, first)
    e.firm_exits.append((e.firm_is_coop[failing], e.firm_founded_at[failing], e.clock))
    e.firm_unable_months[failing] = 0
    e.firm_poor_months[failing] = 0
    e.month_flows["failures"] = int(failing.size)
    e.month_flows["coop_failures"] = int(e.firm_is_coop[failing].sum())
