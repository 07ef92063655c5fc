"""Mutual credit: members pay each other in credit units when cash runs short.

A mutual-credit network is a set of member accounts whose balances start at zero
and always sum to exactly zero: a payment of *x* lowers the payer's balance by *x*
and raises the payee's by *x* (:meth:`~solsim.engine.ledger.Ledger.credit_transfer`,
``int64`` cents, one credit unit = one currency unit as in Sardex). A member may
go negative down to its credit limit; a negative balance is a promise to deliver
goods or work to the network later, a positive one a claim on it.

Who takes part (``members``): households and co-ops (default) or co-ops only.

Where it acts in the month
--------------------------
``start_month``
    Credit limits are set: every household has ``credit_limit``; a co-op has
    ``coop_credit_limit`` or, when larger, ``limit_growth`` times its sales of
    the past 12 months, up to ``limit_cap``. Demurrage (``demurrage``, a monthly
    rate on positive balances) is collected into the network's commons account
    and at once credited to the members in debt, pro rata to their debt, so the
    commons ends the month empty: a charge on hoarding credit that forgives debt.
``wages`` (firms, after drawing on the bank)
    A firm whose cash and bank credit do not cover this month's wage bill
    pays the gap in credit to its workers in the network, at most
    ``wage_share`` of each one's wage and within the firm's credit room: the
    network is the working capital the bank no longer gives. Workers spend the
    credit at the co-ops on their purchase edges (``spending``).
``spending`` (households, after they spent their cash)
    A seller takes at most the share ``acceptance`` of a sale in credit and wants
    the rest in cash, so on each purchase edge the credit part is at most
    ``acceptance / (1 − acceptance)`` times the cash the household paid there
    this month (no bound when ``acceptance = 1``). A co-op accepts less as the
    credit it holds nears its own credit limit, and none beyond it.

    1. *Repayment.* A household in debt with cash to spare beyond next month's
       essentials and housing repays ``repay_share`` of its debt in cash: the cash
       goes to co-ops of its network holding positive balances (pro rata to them),
       which hand over the same amount of credit. Both legs pass through the
       network's commons account, which ends at zero.
    2. *Spending credit.* A household holding credit and not short spends
       ``spend_share`` of it at the co-ops on its purchase edges, on top of its
       cash spending.
    3. *Buying on credit.* A household short of essentials (``ctx["shortfall"]``)
       buys the missing part from the co-ops on its purchase edges (shared as its
       cash spending is), within its remaining credit (balance + limit).

    Steps 2 and 3 add to the co-ops' local sales (``ctx["coop_sales"]``); step 3
    lowers the shortfall.
``settle`` (co-ops, in debt service, before trade credit is paid in cash)
    1. *Obligation clearing* (``clearing = true``): the month's trade-credit
       obligations between co-ops (``economy.payable``) that run round directed
       cycles are cancelled (:func:`solsim.clearing.net_cycles`): every co-op's
       net position is unchanged and no money moves. Netting covers all outstanding
       trade credit, due or not. ``cleared_share`` (a core column) is what it
       cancelled this month as a share of the trade credit members invoiced each
       other this month: in a steady state, the share of invoiced trade credit
       that netting clears (the Sardex measure).
    2. *Paying suppliers in credit.* A co-op pays trade credit in credit with
       what it holds in positive balance (spending its credit back at suppliers)
       or, when its cash and the room left on its bank line do not cover what
       it owes plus next month's wages (saving cash for wages, as Sardex
       members do), with its remaining credit: so its use rises when bank
       credit contracts.
       A supplier takes at most its acceptance share of an invoice in credit;
       the rest is paid in cash by the debt-service phase.
``clearing`` (after surplus split)
    A co-op that earned credit this month pays up to ``patronage_share`` of the
    patronage it just paid in cash in credit instead (members hand back the
    cash), within what it earned in credit and holds: profit earned in credit is
    shared in credit, and the co-op keeps its cash for wages.
``distress`` (after exit)
    A co-op that failed this month leaves the network: a negative balance is
    written off against the members holding positive balances, pro rata (the
    network carries the loss); a positive one is credited to the members in
    debt, pro rata. Both keep the sum at zero and leave the failed account at 0.

Several communities (``communities`` = *k* > 1): members belong to network
``community % k`` and each network's balances sum to zero on their own. Without
``intertrading`` members trade in credit only inside their network. With it,
a payment across networks goes through each network's intertrading account
(as the Community Exchange System and Community Forge planned): the payer pays
its network's account, the payee's network's account pays the payee, so each
network (members plus its intertrading account) still sums to zero and the
intertrading accounts sum to zero among themselves.

Metrics (per month): ``mc_turnover`` (credit paid, currency; 0 in runs
without mutual credit), the core's ``cleared_share``, ``mc_positive`` (sum of positive
member balances: the credit in circulation), ``mc_velocity`` (annualised
turnover over ``mc_positive``; Sardex ≈ 12 a year), ``mc_in_debt`` (share of
members with a negative balance), ``mc_settled`` (trade credit paid in credit),
``mc_repaid`` (debt repaid for cash), ``mc_wages`` (wages paid in credit),
``mc_demurrage`` and ``mc_intertrading`` (sum of positive intertrading balances).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from solsim.clearing import net_cycles
from solsim.engine.credit import CreditNetwork, split_cents
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
from solsim.engine.params import COOP_CASH_MAX, NonNegative, Probability
from solsim.errors import ScenarioError

if TYPE_CHECKING:
    from solsim.engine.economy import Economy

__all__ = ["MutualCredit", "MutualCreditParams"]


# ---------------------------------------------------------------------- parameters
class MutualCreditParams(InstrumentParams):
    """Settings of ``[instruments.mutual_credit]`` (money in currency units).

    Attributes
    ----------
    members
        ``"households_and_coops"`` or ``"coops"`` (business-to-business only).
    credit_limit
        How far below zero a household may go.
    coop_credit_limit, limit_growth, limit_cap
        A co-op's limit: ``coop_credit_limit``, or ``limit_growth`` × its sales
        of the past 12 months when larger, up to ``limit_cap``. A co-op also
        takes credit only until its positive balance reaches its limit.
    acceptance
        Largest share of a sale a firm takes in credit: one share for all, or a
        list with one per firm (co-ops and conventional firms, in firm order).
    demurrage
        Monthly charge on positive balances, credited to members in debt.
    clearing
        Cancel cycles of trade-credit obligations every month.
    repay_share
        Monthly share of its debt a household with spare cash buys back.
    patronage_share
        Largest share of a month's patronage paid in credit (within what the
        co-op earned in credit).
    wage_share
        Largest share of a worker's wage its firm pays in credit when its cash
        and bank credit do not cover the wage bill.
    spend_share
        Monthly share of a household's positive balance it spends at co-ops.
    communities, intertrading
        Number of networks (members join network ``community % communities``)
        and whether they trade with each other through intertrading accounts.
    """

    members: Literal["households_and_coops", "coops"] = "households_and_coops"
    # Limits are bounded like a co-op's cash (see solsim.engine.params).
    credit_limit: Annotated[float, Field(ge=0.0, le=COOP_CASH_MAX)] = 600.0
    coop_credit_limit: Annotated[float, Field(ge=0.0, le=COOP_CASH_MAX)] = 8000.0
    limit_growth: NonNegative = 0.02
    limit_cap: Annotated[float, Field(ge=0.0, le=COOP_CASH_MAX)] = 30000.0
    acceptance: float | list[float] = 0.6
    demurrage: Probability = 0.0
    clearing: bool = True
    repay_share: Probability = 0.1
    patronage_share: Probability = 0.5
    wage_share: Probability = 0.3
    spend_share: Probability = 0.5
    communities: int = Field(default=1, ge=1, le=1000)
    intertrading: bool = False

    @field_validator("acceptance", mode="before")
    @classmethod
    def _acceptance_is_a_share(cls, value: Any) -> Any:
        values = value if isinstance(value, list) else [value]
        for index, share in enumerate(values):
            if isinstance(share, bool) or not isinstance(share, int | float):
                raise PydanticCustomError(
                    "acceptance", "must be a share in [0, 1] or a list of shares, one per co-op"
                )
            if not 0.0 <= float(share) <= 1.0:
                where = f" (entry {index})" if isinstance(value, list) else ""
                raise PydanticCustomError(
                    "acceptance",
                    "must be between 0 and 1{where}, got {got}",
                    {"where": where, "got": share},
                )
        return value


# ---------------------------------------------------------------------- instrument
@register
class MutualCredit(Instrument):
    """Mutual-credit networks of households and co-ops (see the module docstring)."""

    name = "mutual_credit"
    Params = MutualCreditParams
    params: MutualCreditParams
    columns = (
        Column("mc_turnover", "mutual-credit turnover", "money", summary="sum", off=0.0,
               short="credit turnover", plain="paid in mutual credit"),
        Column("mc_positive", "mutual credit in circulation", "money"),
        Column("mc_velocity", "mutual-credit velocity", "per_year"),
        Column("mc_in_debt", "members in mutual-credit debt", "share"),
        Column("mc_settled", "trade credit paid in mutual credit", "money"),
        Column("mc_repaid", "mutual-credit debt repaid in cash", "money"),
        Column("mc_wages", "wages paid in mutual credit", "money", summary="sum"),
        Column("mc_demurrage", "mutual-credit demurrage", "money"),
        Column("mc_intertrading", "credit held in intertrading accounts", "money"),
    )  # fmt: skip
    control = Control(
        "credit_limit",
        "Mutual credit",
        "{} credit line per household",
        "Members pay each other in local credit when cash runs short, down to this "
        "line, and earn it back by selling to the network.",
    )

    @classmethod
    def describe(cls, settings: Mapping[str, Any], context: Described) -> tuple[str, str]:
        p, money = settings, context.money
        if not p.get("credit_limit") and not p.get("coop_credit_limit") and p.get("clearing"):
            return "obligation clearing among co-ops", "cycle clearing of trade credit, monthly"
        members = (
            "households and co-ops" if p.get("members") == "households_and_coops" else "co-ops"
        )
        acceptance = p.get("acceptance", 0.0)
        accept = (
            percent(acceptance) if not isinstance(acceptance, list) else "a share per community"
        )
        parts = [
            f"mutual credit among {members}: limits {money(p.get('credit_limit', 0))} "
            f"a household and {money(p.get('coop_credit_limit', 0))} a co-op",
            f"sellers take up to {accept} of a sale in credit",
        ]
        if p.get("clearing"):
            parts.append("monthly clearing")
        if p.get("intertrading"):
            parts.append(f"{p.get('communities')} networks trading with each other")
        return f"mutual credit among {members}", "; ".join(parts)

    # -- setup -------------------------------------------------------------------
    def setup(self, economy: Economy) -> None:
        e, p = economy, self.params
        H, C = e.n_households, e.n_firms
        accept = np.asarray(p.acceptance, dtype=np.float64)
        if accept.ndim == 1 and accept.size != C:
            raise ScenarioError(
                e.scenario.source,
                "instruments.mutual_credit.acceptance",
                f"has {accept.size} entries; give one share for all firms or one per firm ({C})",
            )
        self.accept = np.broadcast_to(accept, (C,)).copy()
        k = p.communities
        ledger = e.ledger
        commons = ledger.add_block("mc_commons", k)
        self.intertrading = p.intertrading and k > 1
        it = ledger.add_block("mc_intertrading", k) if self.intertrading else None
        self.with_households = p.members == "households_and_coops"
        H_m = H if self.with_households else 0
        self.hh_m = np.arange(H_m)
        self.coop_m = H_m + np.arange(C)
        accounts = np.concatenate([e.hh_account[:H_m], e.firm_account]).astype(np.int64)
        nets = np.concatenate([e.hh_community[:H_m] % k, e.firm_community % k])
        self.net = CreditNetwork(
            ledger,
            accounts,
            nets,
            k,
            commons.start + np.arange(k),
            None if it is None else it.start + np.arange(k),
        )
        self.net.limit[self.hh_m] = to_cents(p.credit_limit)
        self.sales = np.zeros((12, C))
        self._reset_month(e)
        e.cleared_share = 0.0

    def _reset_month(self, e: Economy) -> None:
        self.net.turnover = 0
        self.credit_income = np.zeros(e.n_firms, dtype=np.int64)
        self.settled = 0
        self.wages_paid = 0
        self.repaid = 0
        self.demurrage_paid = 0
        self.cleared_share = 0.0
        self.cleared_cents = 0
        self.turnover_month = 0.0
        e.cleared_share = 0.0

    def _book_turnover(self, e: Economy) -> None:
        self.turnover_month = self.net.turnover / CENTS

    # -- start of month: limits and demurrage ------------------------------------
    def start_month(self, economy: Economy) -> None:
        e, p, net = economy, self.params, self.net
        self._reset_month(e)
        # Last month's sales enter the 12-month window behind growing limits.
        if e.month > 1:
            self.sales[(e.month - 2) % 12] = e.firm_revenue
        self.sales[:, ~e.firm_active] = 0.0
        grown = np.minimum(p.limit_growth * self.sales.sum(axis=0), p.limit_cap)
        limit = np.maximum(p.coop_credit_limit, grown)
        net.limit[self.coop_m] = np.where(e.firm_active, to_cents(limit), 0)
        if p.demurrage > 0:
            self._demurrage(p.demurrage)
        self._book_turnover(e)

    def _demurrage(self, rate: float) -> None:
        net = self.net
        balance = net.balance()
        charge = np.floor(np.maximum(balance, 0) * rate).astype(np.int64)
        debt = np.maximum(-balance, 0)
        # Never collect more than the network's members owe (credit can sit in an
        # intertrading account rather than with members).
        collected = np.bincount(net.net, charge, minlength=net.n_nets)
        owed = np.bincount(net.net, debt, minlength=net.n_nets)
        scale = np.divide(owed, collected, out=np.ones(net.n_nets), where=collected > owed)
        charge = np.floor(charge * scale[net.net]).astype(np.int64)
        members = np.arange(balance.size)
        received = net.spread(members, charge, members, debt, "mc_demurrage")
        self.demurrage_paid = int(received.sum())

    # -- firms: wages ------------------------------------------------------------
    def wages(self, economy: Economy, ctx: dict[str, Any]) -> None:
        """Pay in credit the part of the wage bill that cash and bank credit miss."""
        e, p, net = economy, self.params, self.net
        if not self.with_households or p.wage_share <= 0:
            return
        due = np.asarray(ctx["due"], dtype=np.int64)
        gap = np.where(e.firm_active, np.maximum(due - e.firm_cash.clip(0), 0), 0)
        if not gap.any():
            return
        workers = np.flatnonzero(e.hh_employer >= 0)
        employer = e.hh_employer[workers].astype(np.int64)
        keep = (gap[employer] > 0) & net.allowed(self.coop_m[employer], self.hh_m[workers])
        workers, employer = workers[keep], employer[keep]
        if workers.size == 0:
            return
        planned = np.asarray(ctx["planned"], dtype=np.float64)
        most = np.floor(p.wage_share * e.firm_wage[employer] * planned[employer] * CENTS)
        wanted = np.bincount(employer, most, minlength=e.n_firms)
        budget = np.minimum(gap, net.room(self.coop_m)).astype(np.float64)
        scale = np.divide(budget, wanted, out=np.zeros(e.n_firms), where=wanted >= 1.0)
        amount = np.floor(most * np.minimum(scale, 1.0)[employer]).astype(np.int64)
        if not amount.any():
            return
        net.pay(self.coop_m[employer], self.hh_m[workers], amount, "mc_wages")
        ctx["paid"] += np.bincount(employer, amount, minlength=e.n_firms).astype(np.int64)
        ctx["per_worker"][workers] += amount
        self.wages_paid += int(amount.sum())
        self._book_turnover(e)

    # -- households ----------------------------------------------------------------
    def _acceptance(self, e: Economy) -> np.ndarray:
        """Share of a sale each co-op takes in credit now.

        A co-op takes ``acceptance`` while it holds no credit, less as its
        positive balance grows, and none once that balance reaches its own credit
        limit: credit it cannot spend is of no use to it.
        """
        held = np.maximum(self.net.balance(self.coop_m), 0)
        limit = self.net.limit[self.coop_m]
        free = np.divide(limit - held, limit, out=np.zeros(e.n_firms), where=limit > 0)
        return self.accept * np.clip(free, 0.0, 1.0) * e.firm_active

    def spending(self, economy: Economy, ctx: dict[str, Any]) -> None:
        if not self.with_households:
            return
        e, p, net = economy, self.params, self.net
        H = e.n_households
        shortfall = np.asarray(ctx["shortfall"], dtype=np.float64)
        short = shortfall > 0.01

        if p.repay_share > 0:
            self._repay(e, short)

        positive = np.maximum(net.balance(self.hh_m), 0) * ~short
        # Only the purchase edges of households that are short or hold credit act.
        edges = np.flatnonzero((short | (positive > 0))[e.purchase_row])
        if edges.size == 0:
            self._book_turnover(e)
            return
        row, col = e.purchase_row[edges], e.purchase.indices[edges]
        purchases = np.asarray(ctx.get("purchases", np.zeros(e.purchase.nnz)), dtype=np.float64)
        purchases = purchases[edges]
        hh, seller = self.hh_m[row], self.coop_m[col]

        # A seller takes at most the share a of a sale in credit, the rest in
        # cash: on each edge, credit <= a / (1 - a) x the cash paid there.
        accept = self._acceptance(e)[col] * net.allowed(hh, seller)
        cap = np.divide(
            accept * purchases, 1.0 - accept, out=np.full(row.size, np.inf), where=accept < 1.0
        )
        cap = np.where(accept > 0, cap, 0.0)
        weights = e.purchase.data[edges] * e.firm_demand[col] * (accept > 0)
        total = np.bincount(row, weights, minlength=H)
        share = np.divide(weights, total[row], out=np.zeros_like(weights), where=total[row] > 0)

        # Households holding credit spend part of it at their co-ops, on top of
        # their cash spending (members earn it as co-op payouts).
        budget = np.floor(p.spend_share * positive)
        spent = self._buy(e, ctx, row, col, np.minimum(budget[row] * share, cap), budget)
        cap = cap - spent

        # Buying on credit what cash could not pay for, within the credit left.
        need = to_cents(np.where(short, shortfall, 0.0)).astype(np.float64)
        room = net.room(self.hh_m).astype(np.float64)
        bought = self._buy(e, ctx, row, col, np.minimum(need[row] * share, cap), room)
        per_household = np.bincount(row, bought, minlength=H) / CENTS
        ctx["shortfall"] = np.maximum(shortfall - per_household, 0.0)
        self._book_turnover(e)

    def _buy(self, e, ctx, row, col, want, budget) -> np.ndarray:
        """Households buy ``want`` (cents per purchase edge) in credit, within ``budget``."""
        wanted = np.bincount(row, want, minlength=e.n_households)
        scale = np.divide(budget, wanted, out=np.zeros(e.n_households), where=wanted >= 1.0)
        bought = np.floor(want * np.minimum(scale, 1.0)[row]).astype(np.int64)
        if bought.any():
            self.net.pay(self.hh_m[row], self.coop_m[col], bought, "mc_purchases")
            self.credit_income += np.bincount(col, bought, minlength=e.n_firms).astype(np.int64)
            sales = ctx["coop_sales"]
            sales += np.bincount(col, bought, minlength=e.n_firms) / CENTS
        return bought

    def _repay(self, e: Economy, short: np.ndarray) -> None:
        """Households in debt buy back credit for cash from co-ops holding credit."""
        net, p = self.net, self.params
        balance = net.balance(self.hh_m)
        debt = np.maximum(-balance, 0) * ~short
        spare = e.hh_cash - to_cents(e.hh_essential + e.hh_housing)
        request = np.minimum(np.floor(p.repay_share * debt).astype(np.int64), spare.clip(0))
        if not request.any():
            return
        coop_pos = np.maximum(net.balance(self.coop_m), 0) * e.firm_active
        hh_net, coop_net = net.net[self.hh_m], net.net[self.coop_m]
        available = np.bincount(coop_net, coop_pos, minlength=net.n_nets)
        asked = np.bincount(hh_net, request, minlength=net.n_nets)
        scale = np.divide(available, asked, out=np.zeros(net.n_nets), where=asked > 0)
        repay = np.floor(request * np.minimum(scale, 1.0)[hh_net]).astype(np.int64)
        total = np.bincount(hh_net, repay, minlength=net.n_nets).astype(np.int64)
        if not total.any():
            return
        to_coop = split_cents(total, coop_pos, coop_net, net.n_nets)
        ledger, commons = e.ledger, net.commons
        # Cash: households -> commons -> co-ops; credit: the other way round.
        ledger.transfer(e.hh_account, commons[hh_net], repay, "mc_repayment", cents=True)
        ledger.transfer(commons[coop_net], e.firm_account, to_coop, "mc_repayment", cents=True)
        ledger.credit_transfer(net.account[self.coop_m], commons[coop_net], to_coop, "mc_repayment")
        ledger.credit_transfer(commons[hh_net], net.account[self.hh_m], repay, "mc_repayment")
        net.turnover += int(repay.sum())
        self.repaid += int(repay.sum())

    # -- co-ops: obligations -----------------------------------------------------
    def settle(self, economy: Economy) -> None:
        e, p, net = economy, self.params, self.net
        buyer, supplier = e.supply_row, e.supply.indices
        b_m, s_m = self.coop_m[buyer], self.coop_m[supplier]
        open_edge = e.firm_active[buyer] & e.firm_active[supplier] & net.allowed(b_m, s_m)
        if p.clearing:
            self._net_obligations(e, open_edge)

        # Cash a co-op needs: what has fallen due to suppliers plus next month's wages.
        due_edge = e.payable_due()
        due = np.bincount(buyer, due_edge, minlength=e.n_firms)
        wages = to_cents(e.firm_workers() * e.firm_wage)
        bank_room = np.maximum(e.bank_limit - e.bank_drawn, 0)
        shortfall = np.maximum(due + wages - e.firm_cash.clip(0) - bank_room, 0)
        balance = net.balance(self.coop_m)
        budget = np.minimum(net.room(self.coop_m), np.maximum(np.maximum(balance, 0), shortfall))
        want = np.where(open_edge, self._acceptance(e)[supplier] * due_edge, 0.0)
        wanted = np.bincount(buyer, want, minlength=e.n_firms)
        scale = np.divide(budget, wanted, out=np.zeros(e.n_firms), where=wanted >= 1.0)
        paid = np.floor(want * np.minimum(scale, 1.0)[buyer]).astype(np.int64)
        paid = np.minimum(paid, due_edge)
        if paid.any():
            net.pay(b_m, s_m, paid, "mc_trade_credit")
            self.credit_income += np.bincount(supplier, paid, minlength=e.n_firms).astype(np.int64)
            e.payable -= paid
            self.settled += int(paid.sum())
        self._book_turnover(e)

    def _net_obligations(self, e: Economy, open_edge: np.ndarray) -> None:
        """Cancel trade-credit obligations that run round cycles."""
        live = open_edge & (e.payable > 0)
        gross = int(e.payable[live].sum())
        if gross == 0:
            return
        C = e.n_firms
        rows, cols = e.supply_row[live], e.supply.indices[live]
        obligations = sp.csr_array((e.payable[live], (rows, cols)), shape=(C, C))
        reduced, _ = net_cycles(obligations)
        reduced = sp.coo_array(reduced)
        # Look each edge up in the reduced matrix (entries it dropped are 0).
        keys = reduced.row.astype(np.int64) * C + reduced.col
        order = np.argsort(keys)
        keys = keys[order]
        values = np.asarray(reduced.data, dtype=np.int64)[order]
        after = np.zeros(rows.size, dtype=np.int64)
        if keys.size:
            edge_keys = rows.astype(np.int64) * C + cols
            at = np.minimum(np.searchsorted(keys, edge_keys), keys.size - 1)
            after = np.where(keys[at] == edge_keys, values[at], 0)
        after = np.clip(after, 0, e.payable[live])
        e.payable[live] = after
        # Against the month's new obligations between members: in a steady
        # state, the share of invoiced trade credit that netting cancels. (The
        # outstanding stock also holds invoices not yet due, already netted once.)
        self.cleared_cents = gross - int(after.sum())
        invoiced = int(e.invoiced_month[open_edge].sum())
        self.cleared_share = self.cleared_cents / invoiced if invoiced else 0.0
        e.cleared_share = self.cleared_share

    # -- co-ops: paying members --------------------------------------------------
    def clearing(self, economy: Economy) -> None:
        """Pay part of this month's patronage in credit instead of cash.

        A co-op that earned credit this month pays members up to that much of the
        patronage the surplus split just paid them in cash, in credit instead
        (the members hand back the cash): profit earned in credit is shared in
        credit, and the co-op keeps its cash for wages.
        """
        e, p, net = economy, self.params, self.net
        if not self.with_households or p.patronage_share <= 0:
            return
        workers = np.flatnonzero((e.hh_employer >= 0) & (e.hh_patronage > 0))
        if workers.size == 0:
            return
        employer = e.hh_employer[workers].astype(np.int64)
        eligible = net.allowed(self.coop_m[employer], self.hh_m[workers]) & e.firm_active[employer]
        patronage = np.where(eligible, to_cents(e.hh_patronage[workers]), 0)
        paid = np.bincount(employer, patronage, minlength=e.n_firms).astype(np.int64)
        held = np.maximum(net.balance(self.coop_m), 0)
        convert = np.minimum(
            np.floor(p.patronage_share * paid).astype(np.int64),
            np.minimum(self.credit_income, held),
        )
        if not convert.any():
            return
        amount = split_cents(convert, patronage.astype(np.float64), employer, e.n_firms)
        net.pay(self.coop_m[employer], self.hh_m[workers], amount, "mc_patronage")
        e.ledger.transfer(
            e.hh_account[workers], e.firm_account[employer], amount, "mc_patronage", cents=True
        )
        self._book_turnover(e)

    # -- failures ------------------------------------------------------------------
    def distress(self, economy: Economy, ctx: dict[str, Any]) -> None:
        e, net = economy, self.net
        failed = np.flatnonzero(~e.firm_active & (e.firm_failed_at == e.month))
        if failed.size == 0:
            return
        failed_m = self.coop_m[failed]
        members = np.arange(net.account.size)
        # Debts of failed co-ops: the holders of positive balances in their
        # network (failed ones first among equals) absorb them, pro rata. A
        # network's members and intertrading account sum to zero, so within one
        # network there is always enough positive balance unless credit sits in
        # its intertrading account; then the other networks absorb the rest.
        debt = np.maximum(-net.balance(failed_m), 0)
        if debt.any():
            holders = members[net.balance(members) > 0]
            self._absorb(failed_m, debt, holders, net.balance(holders), sign=+1)
        # What failed co-ops still hold goes to the members in debt, pro rata.
        claim = np.maximum(net.balance(failed_m), 0)
        if claim.any():
            debtors = members[net.balance(members) < 0]
            self._absorb(failed_m, claim, debtors, -net.balance(debtors), sign=-1)
        self._book_turnover(e)

    def _absorb(
        self,
        failed: np.ndarray,
        amount: np.ndarray,
        members: np.ndarray,
        capacity: np.ndarray,
        sign: int,
    ) -> None:
        """Clear failed members' balances against the others, network by network.

        ``sign=+1``: failed debtors are paid off by holders of positive balances
        (capacity = positive balance). ``sign=-1``: failed creditors' balances go
        to members in debt (capacity = debt). Amounts a network cannot absorb
        (possible only when credit sits in its intertrading account) are
        absorbed by the other networks, through intertrading.
        """
        net = self.net
        n = net.n_nets
        need = np.bincount(net.net[failed], amount, minlength=n).astype(np.int64)
        cap_net = np.bincount(net.net[members], capacity, minlength=n).astype(np.int64)
        local = np.minimum(need, cap_net)
        take = split_cents(local, capacity, net.net[members], n)
        # Give each failed member its part of its network's local total.
        give = split_cents(local, amount, net.net[failed], n)
        self._move(members, take, failed, give, sign, "mc_write_off")
        rest = need - local
        if rest.any() and net.intertrading is not None:
            capacity = capacity - take
            for target in np.flatnonzero(rest):
                elsewhere = (net.net[members] != target) & (capacity > 0)
                total = min(int(rest[target]), int(capacity[elsewhere].sum()))
                if total <= 0:
                    continue
                src = members[elsewhere]
                part = split_cents(np.array([total]), capacity[elsewhere], np.zeros(src.size), 1)
                in_target = net.net[failed] == target
                dst = failed[in_target]
                got = split_cents(
                    np.array([total]), (amount - give)[in_target], np.zeros(dst.size), 1
                )
                # Route through the target network's commons so that the
                # intertrading legs pair up member by member.
                commons = net.commons[target]
                if sign > 0:
                    net.pay_accounts(
                        net.account[src], net.net[src], commons, target, part, "mc_write_off", False
                    )
                    net.ledger.credit_transfer(commons, net.account[dst], got, "mc_write_off")
                else:
                    net.ledger.credit_transfer(net.account[dst], commons, got, "mc_write_off")
                    net.pay_accounts(
                        commons, target, net.account[src], net.net[src], part, "mc_write_off", False
                    )
                capacity[elsewhere] -= part

    def _move(self, src, src_amount, dst, dst_amount, sign, flow) -> None:
        net = self.net
        commons = net.commons
        ledger = net.ledger
        if sign > 0:  # holders of credit pay the failed debtors
            ledger.credit_transfer(net.account[src], commons[net.net[src]], src_amount, flow)
            ledger.credit_transfer(commons[net.net[dst]], net.account[dst], dst_amount, flow)
        else:  # failed creditors pay members in debt
            ledger.credit_transfer(net.account[dst], commons[net.net[dst]], dst_amount, flow)
            ledger.credit_transfer(commons[net.net[src]], net.account[src], src_amount, flow)

    # -- metrics -------------------------------------------------------------------
    def record(self, economy: Economy) -> dict[str, float]:
        net = self.net
        balance = net.balance()
        positive = float(np.maximum(balance, 0).sum()) / CENTS
        turnover = net.turnover / CENTS
        it = 0.0
        if net.intertrading is not None:
            it = float(np.maximum(net.ledger.credit[net.intertrading], 0).sum()) / CENTS
        return {
            "mc_turnover": self.turnover_month,
            "mc_positive": positive,
            "mc_velocity": 12.0 * turnover / positive if positive > 0 else 0.0,
            "mc_in_debt": float((balance < 0).mean()) if balance.size else 0.0,
            "mc_settled": self.settled / CENTS,
            "mc_repaid": self.repaid / CENTS,
            "mc_wages": self.wages_paid / CENTS,
            "mc_demurrage": self.demurrage_paid / CENTS,
            "mc_intertrading": it,
        }
