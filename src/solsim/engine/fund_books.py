"""A community fund's books: allowance, net assets, the order of losses, redemptions.

Every fund keeps a balance sheet that closes every month (currency; the
amounts the identities below rest on are kept in ``int64`` cents)::

    assets       cash + loans − loan-loss allowance
    liabilities  household deposits + deposit interest owed + investor notes
                 (the capital still at work in its tranches)
    net assets   assets − liabilities            (Economy.fund_net_assets)

Income and expenses, each month, in this order (:func:`solsim.engine.phases.
fund_operations`): loan interest comes in with debt service; deposit interest
and the operating cost (:func:`pay_operating_cost`) go out; the allowance is
provisioned out of what is left of net interest (:func:`provision`); coupons
are paid out of what is left after that. Net assets above
``funds.net_asset_target`` are paid out by ``funds.surplus_rule``
(:func:`solsim.engine.phases.fund_distributions`).

The order of losses (:func:`charge_off`). A defaulted loan recovers the co-op's
cash and its equipment, sold outside at ``funds.collateral_haircut`` below its
depreciated value (a loan marked ``loan_asset_only`` recovers only the
equipment); the rest of its principal is a net charge-off L, which is absorbed,
fund by fund, by

1. the allowance, up to its balance;
2. the fund's net assets, up to what they were before the loss (never below
   zero: a fund already in deficit absorbs nothing);
3. each switched-on instrument's declared layer
   (:class:`~solsim.engine.instruments.contract.LossLayer`), in the order the
   instruments are listed (an outside backer pays cash in);
4. the tranches, junior first (pro rata in a pari-passu stack), over the
   capital still at risk (:func:`solsim.engine.capital.allocate`);
5. the backstop: ``"depositors"`` (deposits are written down pro rata; what
   they cannot cover is bailed out from outside) or ``"outside"``.

Nothing vanishes: every month, exactly in cents and fund by fund,

    net_chargeoffs_cum = Σ absorbed_<layer>

where the layers are ``allowance``, ``net_assets``, each instrument's layer,
``tranche_<name>`` for each tranche name, and ``backstop``. Losses written
back to a tranche out of later surplus move from its layer to ``net_assets``.

Investor notes (:class:`~solsim.engine.params.NoteTerms`): a request to redeem
(at maturity, by the optional capital-flight rule, or in an
``investor_withdrawal`` shock) waits ``notice_months`` and the end of the
lock-up before it is payable (:func:`redemption_requests`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from solsim.engine.capital import allocate, grouped_cumsum
from solsim.engine.credit import split_cents
from solsim.engine.ledger import CENTS, sum_cents

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

#: The engine's own layers, in the order they absorb; instrument layers and
#: the tranches come between ``net_assets`` and ``backstop``.
FIRST_LAYERS = ("allowance", "net_assets")
LAST_LAYER = "backstop"

#: A tranche that has lost this share of its size is wiped out.
WIPED_OUT = 0.99


class FundBooks:
    """The funds' allowance and their loss and recovery tallies (``int64`` cents).

    Parameters
    ----------
    n_funds
        Number of funds.
    layers
        The instrument layers a run may use (their names), in absorbing order.
    notice_months
        Months a redemption request waits before it is payable.
    """

    def __init__(self, n_funds: int, layers: list[str], notice_months: int) -> None:
        self.n_funds = n_funds
        self.allowance = np.zeros(n_funds, dtype=np.int64)
        self.layers = [*FIRST_LAYERS, *layers, LAST_LAYER]
        self.absorbed = {name: np.zeros(n_funds, dtype=np.int64) for name in self.layers}
        self.net_chargeoffs_cum = np.zeros(n_funds, dtype=np.int64)
        self.recoveries_cum = np.zeros(n_funds, dtype=np.int64)
        self.net_chargeoffs_month = 0
        self.recoveries_month = 0
        self.provisioned_month = 0
        self.operating_cost_month = 0
        # Redemption requests waiting out their notice: one row per month to go.
        self.pending = np.zeros((notice_months, 0))
        # Requests past their notice, waiting for the lock-up to end.
        self.waiting = np.zeros(0)
        # Households' ranks within their fund (for equal shares), made on first use.
        self.fund_rank: np.ndarray | None = None

    def start_run(self) -> None:
        """Month 1: the run's tallies restart (the allowance is a balance and stays)."""
        for values in self.absorbed.values():
            values[:] = 0
        self.net_chargeoffs_cum[:] = 0
        self.recoveries_cum[:] = 0

    def start_month(self) -> None:
        self.net_chargeoffs_month = 0
        self.recoveries_month = 0
        self.provisioned_month = 0
        self.operating_cost_month = 0


def net_assets_cents(e: Economy) -> np.ndarray:
    """Each fund's net assets in whole cents (floored), for the order of losses."""
    return np.floor(e.fund_net_assets() * CENTS + 1e-6).astype(np.int64)


# ---------------------------------------------------------------------- income and expenses
def pay_operating_cost(e: Economy) -> np.ndarray:
    """Each fund pays ``funds.operating_cost`` a year of its loans as its running cost.

    The cost is the fund's staff and services, paid out of its cash (never
    beyond it) to the households it serves, equally: a local flow, so running
    a fund moves money within the community rather than out of it. It is an
    expense: it comes out of distributable income.

    Returns
    -------
    numpy.ndarray
        What each household received (currency).
    """
    rate = e.scenario.funds.operating_cost
    received = np.zeros(e.n_households)
    if rate <= 0:
        return received
    due = np.floor(e.fund_loans() * rate / 12.0).astype(np.int64)
    due = np.minimum(due, e.fund_cash.clip(0))
    if not due.any():
        return received
    if e.books.fund_rank is None:  # households keep their fund: ranked once
        e.books.fund_rank = member_rank(e.hh_fund)
    share = equal_split(due, e.hh_fund, e.n_funds, e.books.fund_rank)
    paid = e.ledger.transfer(e.hh_fund_account, e.hh_account, share, "fund_operating", cents=True)
    by_fund = sum_cents(e.hh_fund, paid, e.n_funds)
    e.fund_interest_income -= by_fund / CENTS
    e.books.operating_cost_month += int(by_fund.sum())
    return paid / CENTS


def member_rank(group: np.ndarray) -> np.ndarray:
    """Each member's rank within its group, in index order."""
    group = np.asarray(group, dtype=np.intp)
    order = np.argsort(group, kind="stable")
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - np.searchsorted(group[order], group[order])
    return rank


def equal_split(
    total: np.ndarray, group: np.ndarray, n_groups: int, rank: np.ndarray | None = None
) -> np.ndarray:
    """``total`` cents per group shared equally among its members, to the cent.

    Each member gets ``total // members``; the ``total % members`` cents left
    go one each to the group's first members in index order. This is
    :func:`~solsim.engine.credit.split_cents` with equal weights (whose ties
    keep index order), without its sort when ``rank`` (:func:`member_rank`,
    for groups that do not change) is given.

    >>> equal_split(np.array([10, 4]), np.array([0, 1, 0, 0, 1]), 2).tolist()
    [4, 2, 3, 3, 2]
    """
    group = np.asarray(group, dtype=np.intp)
    total = np.asarray(total, dtype=np.int64)
    members = np.bincount(group, minlength=n_groups).astype(np.int64)
    base = np.where(members > 0, total // np.maximum(members, 1), 0)
    left = np.where(members > 0, total - base * members, 0)
    if rank is None:
        rank = member_rank(group)
    return base[group] + (rank < left[group])


def provision(e: Economy) -> None:
    """Move the allowance toward ``funds.allowance_target`` of each fund's loans.

    A fund below its target sets aside what it can of its undistributed net
    interest (``fund_interest_income``), never more; a fund above it (its loan
    book shrank) releases the excess back to income. Provisioning is a book
    entry: no cash moves, but what is set aside is not paid out as coupons.
    """
    books = e.books
    target = np.floor(e.fund_loans() * e.scenario.funds.allowance_target).astype(np.int64)
    gap = target - books.allowance
    release = np.maximum(-gap, 0)
    income = np.floor(np.maximum(e.fund_interest_income, 0.0) * CENTS).astype(np.int64)
    add = np.minimum(np.maximum(gap, 0), income)
    books.allowance += add - release
    e.fund_interest_income += (release - add) / CENTS
    books.provisioned_month += int((add - release).sum())


# ---------------------------------------------------------------------- losses
def recover(e: Economy, loans: np.ndarray) -> np.ndarray:
    """Recoveries on the defaulted ``loans`` (co-op indices), paid to their funds.

    The fund takes the co-op's cash first (unless the loan is asset-only),
    then sells its equipment outside the economy at ``funds.collateral_haircut``
    below its depreciated value; it never takes more than the principal.

    Returns
    -------
    numpy.ndarray
        ``int64`` cents recovered per loan.
    """
    ledger = e.ledger
    principal = e.loan_principal[loans]
    funds = e.loan_fund[loans]
    cash = ledger.cash[e.firm_account[loans]].clip(0)
    from_cash = np.where(e.loan_asset_only[loans], 0, np.minimum(principal, cash))
    resale = 1.0 - e.scenario.funds.collateral_haircut
    equipment = np.floor(e.firm_equipment[loans] * resale * CENTS).astype(np.int64)
    from_sale = np.minimum(principal - from_cash, equipment)
    ledger.transfer(
        e.firm_account[loans], e.fund_account[funds], from_cash, "recoveries", cents=True
    )
    # The equipment goes to buyers outside the economy: their money comes in.
    ledger.transfer(ledger.world, e.fund_account[funds], from_sale, "recoveries", cents=True)
    e.firm_equipment[loans] = 0.0
    return from_cash + from_sale


def charge_off(e: Economy, loans: np.ndarray) -> None:
    """Default ``loans`` (co-op indices with an active loan) through the order of losses.

    See the module docstring. Instruments see each loan's loss (``ctx["loss"]``,
    currency) and the loss left per fund after the allowance and net assets
    (``ctx["remaining"]``, ``int64`` cents), and lower the latter by what their
    layer pays.
    """
    books = e.books
    funds = e.loan_fund[loans].astype(np.int64)
    principal = e.loan_principal[loans].copy()
    # The fund's net assets as they stood before the loss: what they can absorb.
    cushion = np.maximum(net_assets_cents(e), 0)
    recovered = recover(e, loans)
    loss = principal - recovered
    per_fund = sum_cents(funds, loss, e.n_funds)
    books.net_chargeoffs_cum += per_fund
    books.recoveries_cum += sum_cents(funds, recovered, e.n_funds)
    books.net_chargeoffs_month += int(per_fund.sum())
    books.recoveries_month += int(recovered.sum())
    e.loan_active[loans] = False
    e.loan_principal[loans] = 0
    e.loan_arrears[loans] = 0

    remaining = per_fund.copy()
    taken = np.minimum(remaining, books.allowance)
    books.allowance -= taken
    books.absorbed["allowance"] += taken
    remaining -= taken
    taken = np.minimum(remaining, cushion)
    books.absorbed["net_assets"] += taken
    remaining -= taken

    ctx = {
        "coop": loans,
        "fund": funds,
        "principal": principal / CENTS,
        "loss": loss / CENTS,
        "remaining": remaining,
    }
    for instrument in e.instruments:
        before = ctx["remaining"].copy()
        instrument.losses(e, ctx)
        paid = before - np.asarray(ctx["remaining"], dtype=np.int64)
        if (paid < 0).any() or (paid > before).any():
            raise ValueError(f"instrument {instrument.name!r}: a loss layer must pay 0..remaining")
        if paid.any():
            if not instrument.loss_layers:
                raise ValueError(
                    f"instrument {instrument.name!r} absorbed losses without declaring a LossLayer"
                )
            books.absorbed[instrument.loss_layers[0].layer] += paid
    remaining = np.asarray(ctx["remaining"], dtype=np.int64)

    t = e.tranches
    if remaining.any() and len(t.name):
        hit = allocate(remaining, t.fund, t.at_risk_cents(), t.attachment, e.fund_sequential)
        t.loss_cents += hit
        size = np.maximum(t.size, 1e-9)
        t.peak_loss_share = np.maximum(t.peak_loss_share, np.where(t.size > 0, t.loss / size, 0.0))
        remaining = remaining - np.bincount(t.fund, hit, minlength=e.n_funds).astype(np.int64)

    if remaining.any():
        _backstop(e, remaining)
        books.absorbed[LAST_LAYER] += remaining

    # The per-fund tallies the agents' facades read (currency).
    e.fund_gross_loss += sum_cents(funds, principal, e.n_funds) / CENTS
    e.fund_cum_loss += per_fund / CENTS


def _backstop(e: Economy, loss: np.ndarray) -> None:
    """The loss no layer could take: depositors' claims are cut, or outside money bails out."""
    if e.scenario.funds.backstop == "depositors":
        held = sum_cents(e.hh_fund, e.hh_deposit, e.n_funds)
        cut_by_fund = np.minimum(loss, held)
        # Only the depositors of funds with a cut: the split of each fund's cut
        # over its own depositors is the same, without a pass over everyone.
        hit = np.flatnonzero((cut_by_fund > 0)[e.hh_fund])
        if hit.size:
            cut = split_cents(cut_by_fund, e.hh_deposit[hit], e.hh_fund[hit], e.n_funds)
            e.hh_deposit[hit] -= np.minimum(cut, e.hh_deposit[hit])
            e.deposits_written_off += int(cut.sum())
        loss = loss - cut_by_fund
    if loss.any():
        e.ledger.transfer(e.ledger.world, e.fund_account, loss, "bailout", cents=True)


def write_back(e: Economy, amount: np.ndarray) -> np.ndarray:
    """Surplus writes back tranche losses, senior first, up to ``amount`` per fund.

    A book entry: the written-back loss moves from the tranche's layer to the
    fund's net assets. Returns what each fund wrote back (currency).
    """
    t = e.tranches
    budget = np.floor(np.maximum(amount, 0.0) * CENTS).astype(np.int64)
    if not budget.any() or not t.loss_cents.any():
        return np.zeros(e.n_funds)
    order = np.lexsort((-t.attachment, t.fund))
    lost = t.loss_cents[order]
    funds = t.fund[order]
    before = grouped_cumsum(lost, funds) - lost  # lost by more senior tranches of the fund
    back = np.zeros(len(t.name), dtype=np.int64)
    back[order] = np.clip(budget[funds] - before, 0, lost)
    t.loss_cents -= back
    by_fund = np.bincount(t.fund, back, minlength=e.n_funds).astype(np.int64)
    e.books.absorbed["net_assets"] += by_fund
    return by_fund / CENTS


# ---------------------------------------------------------------------- redemptions
def redemption_requests(e: Economy, new: np.ndarray) -> np.ndarray:
    """Queue this month's new requests (currency per tranche); return what is payable.

    A request made this month becomes payable after ``funds.notes.notice_months``
    and not before the lock-up ends (``funds.notes.lockup_months`` from month
    1); until then it waits. The burn-in is not under the lock-up (its months
    are not the run's).
    """
    notes = e.scenario.funds.notes
    books = e.books
    if books.pending.shape[1] != len(new):
        books.pending = np.zeros((notes.notice_months, len(new)))
        books.waiting = np.zeros(len(new))
    if notes.notice_months:
        books.waiting += books.pending[0]
        books.pending = np.roll(books.pending, -1, axis=0)
        books.pending[-1] = new
    else:
        books.waiting += new
    if not e.burning_in and e.month <= notes.lockup_months:
        return np.zeros(len(new))
    payable, books.waiting = books.waiting, np.zeros(len(new))
    return payable


def maturing(e: Economy) -> np.ndarray:
    """Outside notes that mature this month ask for their whole balance (currency)."""
    t = e.tranches
    if e.burning_in or e.month != e.scenario.funds.notes.tenor_months + 1:
        return np.zeros(len(t.name))
    return np.where(t.held_by("outside"), t.balance, 0.0)


__all__ = [
    "FundBooks",
    "charge_off",
    "maturing",
    "pay_operating_cost",
    "provision",
    "recover",
    "redemption_requests",
    "write_back",
]
