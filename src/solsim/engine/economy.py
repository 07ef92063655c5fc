"""The state of one economy, as arrays, and the month that moves it.

:class:`Economy` holds every agent's state in numpy arrays indexed by agent
(households ``0..H-1``, firms ``0..C-1``, ...), the double-entry
:class:`~solsim.engine.ledger.Ledger`, the trade network as sparse matrices and
the switched-on instruments. :meth:`Economy.step` runs one month as the sequence
of whole-array phases in :mod:`solsim.engine.phases`.

The engine imports neither Mesa nor anything that reads files: the Mesa model
(:mod:`solsim.model`) wraps it, and the scenario layer hands it validated
parameters and a network.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from solsim.engine import bank as bank_lines
from solsim.engine import households as household_rules
from solsim.engine import housing, phases, reporting
from solsim.engine import instruments as instrument_registry
from solsim.engine.codes import OUTSIDE, UNEMPLOYED
from solsim.engine.fund_books import FundBooks
from solsim.engine.ledger import CENTS, Ledger, from_cents, sum_cents
from solsim.engine.memory import tune_allocator
from solsim.engine.network import TradeNetwork
from solsim.engine.params import Scenario

#: The engine's random streams, one per kind of draw (see ``Economy.streams``).
STREAMS = ("shocks", "labour", "demand", "lending", "allocation", "households", "newcomers")


@dataclass
class Tranches:
    """Every fund's capital stack, one row per tranche (all funds together).

    ``holdings`` maps tranches to investors (rows sum to 1), so a tranche may
    have several holders, paid and written down pro rata.
    """

    name: list[str]
    fund: np.ndarray
    holder_kind: list[str]
    attachment: np.ndarray
    detachment: np.ndarray
    coupon: np.ndarray
    holdings: sp.csr_matrix
    loss_cents: np.ndarray = field(init=False)
    redeemed: np.ndarray = field(init=False)
    paid: np.ndarray = field(init=False)
    peak_loss_share: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        # Losses are kept in whole cents, so the funds' loss identity is exact.
        self.loss_cents = np.zeros(len(self.name), dtype=np.int64)
        self.redeemed = np.zeros(len(self.name))
        self.paid = np.zeros(len(self.name))
        # The largest share of its size each tranche has lost so far in the run.
        self.peak_loss_share = np.zeros(len(self.name))

    @property
    def loss(self) -> np.ndarray:
        """What each tranche has lost (currency): losses less losses written back."""
        return self.loss_cents / CENTS

    def at_risk_cents(self) -> np.ndarray:
        """Capital still at risk in each tranche, in whole cents."""
        return np.floor(self.balance * CENTS + 1e-6).astype(np.int64)

    @property
    def size(self) -> np.ndarray:
        return self.detachment - self.attachment

    def held_by(self, kind: str) -> np.ndarray:
        """Mask of the tranches whose holders are of ``kind`` (outside, community, ...)."""
        return np.array([k == kind for k in self.holder_kind], dtype=bool)

    @property
    def balance(self) -> np.ndarray:
        """Capital still at work: size less losses and redemptions."""
        return np.maximum(self.size - self.loss - self.redeemed, 0.0)


def conventional_spread(n_firms: int, n_conventional: int) -> np.ndarray:
    """1 for the firms that are conventional, 0 for co-ops: spread evenly over the index.

    Firm ``j`` is conventional when ``⌊(j + 1)·K / C⌋ > ⌊j·K / C⌋`` (K conventional
    of C firms): every stretch of the index holds its share of both kinds, so
    communities, which the network deals in index order, have both.
    """
    j = np.arange(n_firms, dtype=np.int64)
    k = min(max(int(n_conventional), 0), n_firms)
    if n_firms == 0:
        return np.zeros(0, dtype=np.int8)
    return (((j + 1) * k) // n_firms - (j * k) // n_firms).astype(np.int8)


def serving_fund(community: np.ndarray, n_funds: int, n_communities: int) -> np.ndarray:
    """The fund that serves each household or co-op of a community.

    With no more funds than communities, community ``c`` is served by fund
    ``c % n_funds``. With more funds, each community's members are dealt
    round-robin among the funds ``c, c + K, c + 2K, ...`` (K communities), so
    every fund has members and a community keeps to its own funds.
    """
    community = np.asarray(community, dtype=np.intp)
    per_community = max(1, -(-n_funds // max(n_communities, 1)))
    if per_community == 1:
        return community % n_funds
    # Rank within the community, in index order: deterministic, no draws.
    order = np.argsort(community, kind="stable")
    starts = np.searchsorted(community[order], community[order])
    rank = np.empty(len(community), dtype=np.intp)
    rank[order] = np.arange(len(community)) - starts
    return (community + n_communities * (rank % per_community)) % n_funds


class Economy:
    """One economy: parameters, arrays, ledger, network and instruments.

    Parameters
    ----------
    scenario
        Validated parameters.
    network
        The trade network (sparse purchase and supply matrices).
    rng
        The run's only source of randomness.
    """

    def __init__(self, scenario: Scenario, network: TradeNetwork, rng: np.random.Generator):
        # Large months make many short-lived arrays: keep their memory in the heap.
        tune_allocator()
        self.scenario = scenario
        self.rng = rng
        # One child stream per kind of draw, spawned from the run's generator.
        # A scenario that draws more for one purpose (more loan applicants, say)
        # then leaves every other stream where a paired scenario has it, so
        # comparisons on common random numbers stay paired month after month.
        # ``rng`` itself builds the economy and is left to instruments.
        # Their seeds are drawn from ``rng`` rather than spawned from its seed
        # sequence: spawning would change a SeedSequence the caller may reuse.
        seeds = rng.integers(0, 2**63, size=len(STREAMS), dtype=np.uint64)
        self.streams: dict[str, np.random.Generator] = {
            name: np.random.default_rng(int(seed))
            for name, seed in zip(STREAMS, seeds, strict=True)
        }
        # Further streams (see ``stream``) are seeded from these seeds and their
        # name, so adding one draws nothing more from ``rng``.
        self._stream_entropy = [int(seed) for seed in seeds]
        self.network = network
        self.month = 0
        # Months since the economy was built, burn-in included: firms' founding
        # and failure dates for survival by entry cohort are on this clock.
        self.clock = 0
        self.n_households = network.n_households
        # Firms of both kinds share the firm arrays (``firm_*``, ledger block
        # ``firms``); ``firm_is_coop`` says which are worker co-ops.
        self.n_firms = network.n_coops
        self.firm_is_coop = conventional_spread(self.n_firms, network.n_conventional) == 0
        self.n_coops = int(self.firm_is_coop.sum())
        self.n_conventional = self.n_firms - self.n_coops
        self.n_funds = scenario.economy.n_funds
        self.n_outside_investors = scenario.economy.n_investors
        self.n_guarantors = scenario.economy.n_guarantors
        self.ledger = Ledger(
            [
                ("households", self.n_households, False),
                ("firms", self.n_firms, False),
                ("funds", self.n_funds, False),
                ("community_investors", self.n_funds, False),
                ("outside_investors", self.n_outside_investors, True),
                ("guarantors", self.n_guarantors, True),
                # The outside bank: mortgages are paid to it.
                ("bank", 1, True),
            ]
        )
        self.instruments = instrument_registry.build(scenario.instruments)
        # The funds' allowance and loss tallies, with a layer for each switched-on
        # instrument that absorbs losses (engine.fund_books).
        self.books = FundBooks(
            self.n_funds,
            [i.loss_layers[0].layer for i in self.instruments if i.loss_layers],
            scenario.funds.notes.notice_months,
        )
        self.history: list[dict[str, float]] = []
        self._build()
        for instrument in self.instruments:
            instrument.setup(self)
        # Capital is paid in once every instrument has shaped the stacks.
        self._invest_capital()
        # What outside investors have asked to redeem and not yet been paid,
        # per tranche of the final capital stacks.
        self.redemption_request = np.zeros(len(self.tranches.name))
        # Requests to redeem made this month (a shock, maturity, flight), before
        # their notice and lock-up (engine.fund_books.redemption_requests).
        self.redemption_new = np.zeros(len(self.tranches.name))
        self.burning_in = False
        self.firm_active_at_start = self.firm_active.copy()
        if scenario.burn_in:
            self._burn_in(scenario.burn_in)
        self.initial_money_stock = self.ledger.money_stock()

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        p = self.scenario
        rng = self.rng
        H, C, F = self.n_households, self.n_firms, self.n_funds
        hp, cp, fp, kp = p.households, p.coops, p.funds, p.firms
        coop = self.firm_is_coop
        ledger = self.ledger
        world = ledger.world

        self.hh_account = np.arange(H) + ledger.block("households").start
        self.firm_account = np.arange(C) + ledger.block("firms").start
        # Account arrays handed to the ledger month after month are read-only: it
        # then works out once, not at every transfer, that they are runs of
        # accounts and what their largest account is (``Ledger._fact``).
        self.hh_account.setflags(write=False)
        self.firm_account.setflags(write=False)
        self.fund_account = np.arange(F) + ledger.block("funds").start
        self.bank_account = ledger.block("bank").start

        # Households ------------------------------------------------------
        self.hh_community = self.network.household_community.astype(np.int32)
        # Household -> fund and -> employer are native-size integers (intp): bincount
        # and fancy indexing would otherwise convert an int32 copy on every use.
        self.hh_fund = serving_fund(self.hh_community, F, self.network.n_communities)
        # Each household's fund account, gathered once: deposits, withdrawals and
        # interest move between the two every month. Renew it if ``hh_fund`` changes.
        self.hh_fund_account = self.fund_account[self.hh_fund]
        self.hh_fund_account.setflags(write=False)
        # And the account of the community holder of each household's fund.
        self.hh_holder_account = ledger.block("community_investors").start + self.hh_fund
        self.hh_holder_account.setflags(write=False)
        draw = rng.random(H)
        employer = np.full(H, UNEMPLOYED, dtype=np.intp)
        if self.network.employer is not None:
            employer = np.where(self.network.employer >= 0, self.network.employer, employer)
            outside = (self.network.employer < 0) & (draw < hp.outside_employment)
            employer[outside] = OUTSIDE
        else:
            in_coop = draw < hp.coop_employment
            employer[in_coop] = self._assign_members(np.flatnonzero(in_coop), coop)
            at_firm = (draw >= hp.coop_employment) & (
                draw < hp.coop_employment + hp.firm_employment
            )
            if self.n_conventional:
                employer[at_firm] = self._assign_members(np.flatnonzero(at_firm), ~coop)
            else:
                # No conventional firm to work at: they work outside.
                employer[at_firm] = OUTSIDE
            beyond = hp.coop_employment + hp.firm_employment
            employer[(draw >= beyond) & (draw < beyond + hp.outside_employment)] = OUTSIDE
        self.hh_employer = employer
        # Co-op member counts and the employer array they were counted from
        # (see ``coop_members``).
        self._members_of: np.ndarray | None = None
        self._members = np.zeros(C, dtype=np.intp)
        self.hh_outside_wage = np.zeros(H)
        self.hh_tenure = np.zeros(H, dtype=np.int8)
        self.hh_housing = np.zeros(H)
        self.hh_essential = np.zeros(H)
        self.hh_deposit = np.zeros(H, dtype=np.int64)
        self.hh_income = np.zeros(H)
        self.hh_consumption = np.zeros(H)
        self.hh_distressed = np.zeros(H, dtype=bool)
        self.hh_shortfall = np.zeros(H)
        self.hh_housing_gap = np.zeros(H)
        self.hh_expense_due = np.zeros(H)
        self.hh_patronage = np.zeros(H)
        self.hh_deposit_interest = np.zeros(H)
        # Arrears are claims of outside creditors, in cents: on housing (landlords,
        # the mortgage bank) and on essentials (utilities, suppliers).
        self.hh_arrears_housing = np.zeros(H, dtype=np.int64)
        self.hh_arrears_other = np.zeros(H, dtype=np.int64)
        self.hh_months_behind = np.zeros(H, dtype=np.int64)
        self.hh_months_behind_other = np.zeros(H, dtype=np.int64)
        self.hh_displaced_month = 0
        self.hh_moved_month = 0
        self.displaced_total = 0
        self.arrears_written_off = 0
        self.housing_multiplier = 1.0
        # The housing market (see engine.housing): the index and its cycle, each
        # household's home (its price at index 1), its claim on it, its
        # mortgage (currency; a claim of the outside bank, not money), whom it
        # pays its housing cost to, and whether the community controls its home.
        self.house_price_index = 1.0
        self.house_price_cycle = 0.0
        self.hh_home_quality = np.zeros(H)
        self.hh_home_claim = np.zeros(H)
        self.hh_mortgage_principal = np.zeros(H)
        self.hh_mortgage_rate = np.zeros(H)
        self.hh_mortgage_term = np.ones(H, dtype=np.int64)
        self.hh_mortgage_start = np.zeros(H, dtype=np.int64)
        self.hh_housing_payee = np.full(H, housing.MARKET, dtype=np.intp)
        self.hh_housing_paid = np.zeros(H, dtype=np.int64)
        self.hh_home_controlled = np.zeros(H, dtype=bool)
        housing.start_run(self)
        # Deposit interest a fund owed and could not pay (cents; see fund_operations).
        self.hh_interest_owed = np.zeros(H, dtype=np.int64)

        # Co-ops -----------------------------------------------------------
        self.firm_community = self.network.coop_community.astype(np.int32)
        self.firm_fund = serving_fund(self.firm_community, F, self.network.n_communities)
        self.firm_active = np.ones(C, dtype=bool)
        self.firm_age = np.zeros(C, dtype=np.int64)
        self.firm_founded_at = np.zeros(C, dtype=np.int64)
        # Every failure as (co-op?, founded, failed) on ``clock``, for survival.
        self.firm_exits: list[tuple[np.ndarray, np.ndarray, int]] = []
        # Each firm's terms, from its kind's parameters.
        self.firm_wage = np.where(coop, cp.wage, kp.wage)
        self.firm_input_share = np.where(coop, cp.input_share, kp.input_share)
        self.firm_local_input_share = np.where(coop, cp.local_input_share, kp.local_input_share)
        self.firm_reserve_share = np.where(coop, cp.reserve_share, kp.reserve_share)
        self.firm_reserve_target = np.where(
            coop, cp.reserve_target_months, kp.reserve_target_months
        )
        # A firm's founding size: how many it hires when founded, and how far a
        # conventional firm hires back after layoffs.
        founders = np.bincount(np.maximum(employer, -1) + 1, minlength=C + 1)[1:]
        self.firm_size = np.maximum(founders, 1)
        self.firm_owner = np.full(C, -1, dtype=np.intp)
        if kp.owner == "local" and self.n_conventional:
            # Each locally owned firm's owner: a household of its community when
            # it has one (its dividends stay in the community).
            self.firm_owner[~coop] = self._draw_owners(np.flatnonzero(~coop), rng)
        household_rules.draw_households(self, np.arange(H), rng)
        self.firm_export_base = self._draw_export_base(np.arange(C), rng)
        self.firm_demand = self.draw_demand(C, rng)
        self.firm_revenue = np.zeros(C)
        # Expected margins open at break-even (an owner's required return).
        self.firm_margin = np.where(coop, 0.0, kp.required_margin)
        # Equipment bought with loans (currency, at cost less depreciation).
        self.firm_equipment = np.zeros(C)
        # Working capital: exports sold but not yet paid (cents), one row per
        # month of ``payment_delay``; revenue over the last months (the bank's
        # limits look at it); the share of the full wage paid this month.
        self.export_due = np.zeros((cp.payment_delay, C), dtype=np.int64)
        self.firm_revenue_window = np.zeros((bank_lines.WINDOW, C))
        self.firm_pay_ratio = np.ones(C)
        # The outside bank's credit lines (see engine.bank).
        self.bank_drawn = np.zeros(C, dtype=np.int64)
        self.bank_limit = np.zeros(C, dtype=np.int64)
        self.bank_stance = 1.0
        self.credit_crunch = 1.0
        self.bank_chargeoffs_month = 0
        self.bank_interest_month = 0
        self.bank_peak_month = 0
        self.failures_illiquid_month = 0
        self.failures_insolvent_month = 0
        self.coop_failures_illiquid_month = 0
        self.firm_sales_local = np.zeros(C)
        self.firm_sales_export = np.zeros(C)
        self.firm_sales_supply = np.zeros(C)
        self.firm_unable = np.zeros(C, dtype=bool)
        self.firm_unable_months = np.zeros(C, dtype=np.int64)
        # What each firm paid this month inside and outside the community (set
        # afresh each month by ``phases.run_month``).
        self.firm_paid_local = np.zeros(C)
        self.firm_paid_out = np.zeros(C)
        # Months in a row a conventional firm's owner has earned less than required.
        self.firm_poor_months = np.zeros(C, dtype=np.int64)
        self.firm_reserves = np.zeros(C)
        self.firm_forced_failure = np.zeros(C, dtype=bool)
        self.firm_failed_at = np.full(C, -1, dtype=np.int64)
        self.firm_first_failed_at = np.full(C, -1, dtype=np.int64)

        # Trade network as matrices, with per-edge arrays aligned to .data.
        self.purchase = sp.csr_matrix(self.network.purchase, dtype=np.float64)
        self.purchase.sum_duplicates()
        self.purchase_row = np.repeat(np.arange(H), np.diff(self.purchase.indptr))
        # Each purchase edge's co-op (as intp) and its payer and payee accounts, made
        # once: int32 indices, or gathered accounts, would cost a pass over every
        # edge each month. Whoever replaces ``purchase`` must renew these too.
        self.purchase_col = self.purchase.indices.astype(np.intp)
        self.purchase_payer = self.hh_account[self.purchase_row]
        self.purchase_payee = self.firm_account[self.purchase_col]
        self.purchase_payer.setflags(write=False)
        self.purchase_payee.setflags(write=False)
        self.supply = sp.csr_matrix(self.network.supply, dtype=np.float64)
        self.supply.sum_duplicates()
        self.supply_row = np.repeat(np.arange(C), np.diff(self.supply.indptr))
        self.payable = np.zeros(self.supply.nnz, dtype=np.int64)
        # Trade credit falls due ``payment_delay`` months after it is invoiced:
        # this month's and the last months' invoices (cents per supply edge, one
        # row per month of the delay) are owed but not yet due.
        self.invoiced_recent = np.zeros((cp.payment_delay, self.supply.nnz), dtype=np.int64)
        self.invoiced_month = np.zeros(self.supply.nnz, dtype=np.int64)

        # Loans: at most one per co-op, so loan arrays are indexed by co-op.
        self.loan_active = np.zeros(C, dtype=bool)
        self.loan_fund = np.zeros(C, dtype=np.int32)
        self.loan_principal = np.zeros(C, dtype=np.int64)
        self.loan_original = np.zeros(C, dtype=np.int64)
        self.loan_rate = np.zeros(C)
        self.loan_tenor_left = np.zeros(C, dtype=np.int64)
        self.loan_grace_left = np.zeros(C, dtype=np.int64)
        self.loan_revenue_share = np.zeros(C)
        self.loan_arrears = np.zeros(C, dtype=np.int64)
        # Terms an instrument may set on a loan when it is granted (its
        # ``new_loans`` hook); ``_lend`` resets them for every new loan.
        # The tenor the loan was granted with (months after the grace period).
        self.loan_tenor = np.zeros(C, dtype=np.int64)
        # Everything paid on the loan since it was granted, interest included (cents).
        self.loan_repaid = np.zeros(C, dtype=np.int64)
        # Revenue-based terms: by month k of the tenor the co-op has paid at
        # least ``floor × principal × k / tenor`` in all; it never pays more
        # than ``cap × principal`` in all (0: no cap).
        self.loan_floor = np.zeros(C)
        self.loan_cap = np.zeros(C)
        # Repaid only out of surplus: the month's payment is at most this share
        # of the co-op's surplus (0: a scheduled loan).
        self.loan_surplus_share = np.zeros(C)
        # A loan that may recover only from the asset it financed, not the co-op's cash.
        self.loan_asset_only = np.zeros(C, dtype=bool)
        # Depositors' claims cut when a fund's losses passed every other layer (cents).
        self.deposits_written_off = 0

        # Funds ------------------------------------------------------------
        self.fund_sequential = np.zeros(F, dtype=bool)
        self.fund_cum_loss = np.zeros(F)
        self.fund_gross_loss = np.zeros(F)
        self.fund_interest_income = np.zeros(F)
        # Fund policies. Without an instrument that decides them by vote,
        # each fund follows the scenario's settings; who controls it is then the
        # community that owns it.
        self.fund_governance = np.full(F, "community")
        self.fund_rate = np.full(F, fp.interest_rate)
        self.fund_tenor = np.full(F, fp.tenor_months, dtype=np.int64)
        self.fund_grace = np.full(F, fp.grace_months, dtype=np.int64)
        self.fund_revenue_share = np.full(F, fp.revenue_share)
        # The lending screen: months of wages a co-op's cash must cover, times a
        # factor by which instruments that carry risk may relax it.
        self.fund_buffer_months = np.full(F, fp.min_buffer_months)
        self.fund_screen_factor = np.ones(F)
        # Share of the refounding chance a fund takes up (1: every chance), and
        # whom it serves first: 0 in random order, 1 new co-ops first, -1
        # existing co-ops first.
        self.fund_refound = np.ones(F)
        self.fund_priority = np.zeros(F, dtype=np.int8)
        # Net assets above this share of total assets are paid out.
        self.fund_net_asset_target = np.full(F, fp.net_asset_target)
        self.rate_shock = 0.0
        self.export_multiplier = 1.0
        self.tranches = self._default_tranches()

        # Opening balances come from the outside world, then deposits move
        # households' cash into their fund: both legs are double entry.
        ledger.transfer(world, self.hh_account, household_rules.opening_cash(self), "opening")
        ledger.transfer(
            world, self.firm_account, np.where(coop, cp.initial_cash, kp.initial_cash), "opening"
        )
        self.hh_deposit = ledger.transfer(
            self.hh_account,
            self.fund_account[self.hh_fund],
            hp.deposit_share * from_cents(ledger.cash[self.hh_account]),
            "deposit",
        )

        self._reset_totals()
        # Share of the month's trade credit that netting cancelled (set by an
        # instrument that nets obligations; 0 when none does).
        self.cleared_share = 0.0
        # Trade credit written off when co-ops fail, and survivors that missed
        # a payment in a settlement (see engine.settlement).
        self.trade_credit_written_off = 0.0
        self.settlement_defaults = 0
        # Shocks drawn at random so far, as (start month, shock).
        self.random_shocks: list = []

    def draw_demand(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Demand for ``n`` firms drawn from the stationary spread of the log AR(1).

        Firms open at this spread, so the burn-in has only the survivors'
        selection left to reach (the log AR(1) alone would take several times
        1 / (1 − persistence) months to spread out); a new firm is as popular
        as a firm drawn at random from it, not fixed at the median, which the
        survivors' selected demand would leave far behind. (Capped: a random
        walk, persistence 1, has no stationary spread.)
        """
        cp = self.scenario.coops
        spread = min(cp.demand_volatility / np.sqrt(max(1.0 - cp.demand_persistence**2, 1e-6)), 3.0)
        return np.exp(rng.normal(0.0, spread, n))

    def _draw_export_base(self, firms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each firm's export capacity: its kind's ``export_demand`` × a mean-one lognormal."""
        cp, kp = self.scenario.coops, self.scenario.firms
        coop = self.firm_is_coop[firms]
        level = np.where(coop, cp.export_demand, kp.export_demand)
        spread = np.where(coop, cp.export_dispersion, kp.export_dispersion)
        return level * np.exp(rng.normal(-0.5 * spread**2, spread, firms.size))

    def _draw_owners(self, firms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A local owner household for each of ``firms``: one of its community's, if any."""
        comm = self.network.household_community
        firm_comm = self.network.coop_community[firms]
        order = np.argsort(comm, kind="stable")
        counts = np.bincount(comm, minlength=int(firm_comm.max(initial=0)) + 1)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        size = counts[firm_comm] if firm_comm.size else counts[:0]
        pick = np.floor(rng.random(firms.size) * np.maximum(size, 1)).astype(np.intp)
        within = order[np.minimum(first[firm_comm] + pick, self.n_households - 1)]
        anyone = rng.integers(0, self.n_households, firms.size)
        return np.where(size > 0, within, anyone)

    def _assign_members(self, households: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Firm of each worker: dealt round-robin among their community's firms of ``kind``.

        ``kind`` masks the firms they may join (the co-ops, say). Dealing rather
        than drawing keeps firms of one community the same size at the start, so
        early failures come from demand, not from a lottery of wage bills.
        Households of a community without such a firm join any of them.
        """
        allowed = np.flatnonzero(kind)
        coop_comm = self.network.coop_community[allowed]
        comm = self.network.household_community[households]
        n_comm = int(max(coop_comm.max(initial=0), comm.max(initial=0))) + 1
        counts = np.bincount(coop_comm, minlength=n_comm)
        coops_by_comm = np.argsort(coop_comm, kind="stable")
        first_coop = np.concatenate([[0], np.cumsum(counts)[:-1]])
        # Rank of each worker within its community, in a random order.
        order = np.lexsort((self.rng.random(len(households)), comm))
        group_start = np.searchsorted(comm[order], comm[order])
        rank = np.empty(len(households), dtype=np.int64)
        rank[order] = np.arange(len(households)) - group_start
        have = counts[comm] > 0
        slot = first_coop[comm] + rank % np.maximum(counts[comm], 1)
        dealt = coops_by_comm[np.minimum(slot, allowed.size - 1)]
        anywhere = rank % allowed.size
        return allowed[np.where(have, dealt, anywhere)].astype(np.int32)

    def _default_tranches(self) -> Tranches:
        """Each fund: a community tranche and, if it has outside investors, an outside one.

        Without first-loss capital the stack is pro rata: both share every loss.
        """
        fp = self.scenario.funds
        F, I_out = self.n_funds, self.n_outside_investors
        names, funds, kinds, attach, detach, holders = [], [], [], [], [], []
        for_fund = np.arange(I_out) % F  # outside investor i backs fund i % F
        for fund in range(F):
            backers = np.flatnonzero(for_fund == fund)
            outside = fp.capital * fp.outside_share if len(backers) else 0.0
            community = fp.capital - outside
            for name, size, kind, who in (
                ("community", community, "community", [I_out + fund]),
                ("outside", outside, "outside", list(backers)),
            ):
                if size <= 0 or not who:
                    continue
                names.append(name)
                funds.append(fund)
                kinds.append(kind)
                attach.append(0.0)
                detach.append(size)
                holders.append(who)
        return self._make_tranches(names, funds, kinds, attach, detach, holders, fp.target_return)

    def _make_tranches(self, names, funds, kinds, attach, detach, holders, coupon) -> Tranches:
        n_investors = self.n_outside_investors + self.n_funds
        rows = np.repeat(np.arange(len(holders)), [len(h) for h in holders])
        cols = np.array([i for h in holders for i in h], dtype=np.int64)
        weights = (
            np.concatenate([np.full(len(h), 1.0 / len(h)) for h in holders])
            if holders
            else np.zeros(0)
        )
        holdings = sp.csr_matrix((weights, (rows, cols)), shape=(len(holders), n_investors))
        coupons = np.broadcast_to(np.asarray(coupon, dtype=np.float64), (len(names),)).copy()
        return Tranches(
            list(names),
            np.asarray(funds, dtype=np.int64),
            list(kinds),
            np.asarray(attach, dtype=np.float64),
            np.asarray(detach, dtype=np.float64),
            coupons,
            holdings,
        )

    def investor_account(self, investor: np.ndarray) -> np.ndarray:
        """Ledger account of investors (outside ones first, then community holders)."""
        investor = np.asarray(investor)
        outside = self.ledger.block("outside_investors").start
        community = self.ledger.block("community_investors").start
        return np.where(
            investor < self.n_outside_investors,
            outside + investor,
            community + investor - self.n_outside_investors,
        )

    def set_capital_stack(
        self,
        fund: int,
        tranches: list[tuple[str, float, str]],
        sequential: bool = True,
        coupon: float | list[float] | None = None,
    ) -> None:
        """Replace one fund's capital stack before month 1 (used by instruments).

        Parameters
        ----------
        tranches
            ``(name, size, holder_kind)`` junior first; holder kinds are
            ``"community"``, ``"outside"`` or ``"philanthropic"``. Community and
            philanthropic capital is held by the fund's community holder,
            outside capital by its outside investors.
        """
        if self.month or self.history:
            raise RuntimeError("a capital stack can only be set before month 1")
        old = self.tranches
        keep = old.fund != fund
        I_out = self.n_outside_investors
        backers = list(np.flatnonzero(np.arange(I_out) % self.n_funds == fund))
        names = [n for n, k in zip(old.name, keep, strict=True) if k]
        funds = list(old.fund[keep])
        kinds = [n for n, k in zip(old.holder_kind, keep, strict=True) if k]
        attach, detach = list(old.attachment[keep]), list(old.detachment[keep])
        coupons = list(old.coupon[keep])
        holdings = old.holdings[keep]
        holders = [list(holdings[i].indices) for i in range(holdings.shape[0])]
        level = 0.0
        new_coupons = np.broadcast_to(
            np.asarray(self.scenario.funds.target_return if coupon is None else coupon, float),
            (len(tranches),),
        )
        for (name, size, kind), rate in zip(tranches, new_coupons, strict=True):
            who = backers if kind == "outside" and backers else [I_out + fund]
            names.append(name)
            funds.append(fund)
            kinds.append(kind)
            attach.append(level if sequential else 0.0)
            detach.append(level + size if sequential else size)
            coupons.append(float(rate))
            holders.append(who)
            level += size
        self.tranches = self._make_tranches(names, funds, kinds, attach, detach, holders, coupons)
        self.fund_sequential[fund] = sequential

    def _tranche_flows(self, amount_per_tranche: np.ndarray):
        """Per-investor amounts from per-tranche amounts, through holdings."""
        return self.tranches.holdings.T @ amount_per_tranche

    def _invest_capital(self) -> None:
        """Investors pay each tranche's size into its fund (from outside the economy)."""
        t = self.tranches
        per_investor = self._tranche_flows(t.size)
        investors = np.flatnonzero(per_investor > 0)
        # Capital arrives from outside the economy: philanthropy, investors, and
        # the community's own savings pooled before month 1.
        self.ledger.transfer(
            self.ledger.world, self.investor_account(investors), per_investor[investors], "opening"
        )
        coo = sp.coo_matrix(t.holdings.multiply(t.size[:, None]))
        self.ledger.transfer(
            self.investor_account(coo.col), self.fund_account[t.fund[coo.row]], coo.data, "capital"
        )

    # ------------------------------------------------------------------ burn-in
    def _burn_in(self, months: int) -> None:
        """Run ``months`` unreported months without shocks, then open the books.

        The economy reaches its own steady state: co-ops that survived and the
        refounded ones, savings at their targets, a loan book, households in
        arrears and newcomers. Month 1 then starts from that state, and only
        what is measured starts afresh: cumulative tallies are zeroed, capital
        that tranches lost or returned during the burn-in is paid back in by
        its holders (so the stacks are as committed at month 1), and each
        instrument's ``start_run`` hook restores what it committed (a
        guarantor's reserve, say). Shocks are not drawn in the burn-in, so a
        paired run with the shock removed has the very same month 1.
        """
        self.burning_in = True
        for _ in range(months):
            self.month += 1
            self.clock += 1
            self.ledger.start_month()
            phases.run_month(self)
        self.burning_in = False
        self.month = 0
        self.ledger.start_month()
        self._recapitalise()
        self._reset_totals()
        self.trade_credit_written_off = 0.0
        self.settlement_defaults = 0
        self.displaced_total = 0
        self.arrears_written_off = 0
        housing.start_run(self)
        self.fund_cum_loss[:] = 0.0
        self.fund_gross_loss[:] = 0.0
        self.books.start_run()
        self.deposits_written_off = 0
        self.firm_failed_at[:] = -1
        self.firm_first_failed_at[:] = -1
        self.firm_active_at_start = self.firm_active.copy()
        self.hook("start_run")

    def _reset_totals(self) -> None:
        """Zero the run's totals for the risk-and-return metrics (at build and after burn-in)."""
        self.community_wages = 0.0
        self.community_patronage = 0.0
        self.community_deposit_interest = 0.0
        self.community_dividends = 0.0
        # Conventional firms' dividends, to owners outside and inside the community.
        self.dividends_out = 0.0
        self.dividends_local = 0.0

    def _recapitalise(self) -> None:
        """Holders pay back into each tranche what it lost or returned; tallies restart."""
        t = self.tranches
        restore = np.minimum(t.loss + t.redeemed, t.size)
        per_investor = self._tranche_flows(restore)
        investors = np.flatnonzero(per_investor > 0)
        if investors.size:
            self.ledger.transfer(
                self.ledger.world,
                self.investor_account(investors),
                per_investor[investors],
                "recapitalisation",
            )
            coo = sp.coo_matrix(t.holdings.multiply(restore[:, None]))
            self.ledger.transfer(
                self.investor_account(coo.col),
                self.fund_account[t.fund[coo.row]],
                coo.data,
                "recapitalisation",
            )
        t.loss_cents[:] = 0
        t.peak_loss_share[:] = 0.0
        t.redeemed[:] = 0.0
        t.paid[:] = 0.0
        self.redemption_request[:] = 0.0

    # ------------------------------------------------------------------ views
    @property
    def hh_cash(self) -> np.ndarray:
        # A copy of the contiguous block (households are accounts 0..H-1): the
        # same values as ``cash[hh_account]`` without gathering them one by one.
        return self.ledger.cash[self.ledger.block("households").slice].copy()

    @property
    def firm_cash(self) -> np.ndarray:
        return self.ledger.cash[self.firm_account]

    @property
    def fund_cash(self) -> np.ndarray:
        return self.ledger.cash[self.fund_account]

    def firm_workers(self) -> np.ndarray:
        """Number of member-workers of each co-op."""
        # Read about six times a month, while membership changes only when co-ops
        # are founded or fail: the counts are kept with a copy of the employer
        # array they came from and recounted only when it differs (whoever wrote
        # to it, and however). Comparing costs a fraction of the count.
        employer = self.hh_employer
        counted = self._members_of
        if counted is None or not np.array_equal(counted, employer):
            # Shifted by two so OUTSIDE (-1) and UNEMPLOYED (-2) count in bins 0 and
            # 1, which are dropped: one pass, no mask or gather.
            shifted = np.bincount(employer + 2, minlength=self.n_firms + 2)
            self._members = shifted[2:]
            self._members_of = employer.copy()
        # A copy: callers may change what they are given.
        return self._members.copy()

    def payable_due(self) -> np.ndarray:
        """Trade credit due now, per supply edge (cents).

        What is owed less what was invoiced in the last ``payment_delay``
        months (at least 0): obligations cancelled or paid early count against
        the oldest invoices first.
        """
        if not self.invoiced_recent.size:
            return self.payable.copy()
        return np.maximum(self.payable - self.invoiced_recent.sum(axis=0), 0)

    def firm_payables(self) -> np.ndarray:
        """Trade credit each co-op owes its suppliers (cents)."""
        return sum_cents(self.supply_row, self.payable, self.n_firms)

    def firm_receivables(self) -> np.ndarray:
        return sum_cents(self.supply.indices, self.payable, self.n_firms)

    def firm_net_worth(self) -> np.ndarray:
        """Cash + mutual credit + receivables − loan − payables, in currency."""
        c = self.ledger.block("firms").slice
        cents = (
            self.ledger.cash[c]
            + self.ledger.credit[c]
            + self.firm_receivables()
            - self.firm_payables()
            - self.loan_principal
        )
        return from_cents(cents)

    def household_net_worth(self) -> np.ndarray:
        """Cash + deposits (with interest owed on them) + mutual credit + housing
        equity + share of their co-op's net worth + claims on money instruments
        hold for them (:meth:`Instrument.household_claims`), in currency.

        Housing equity is the household's claim on its home less its mortgage
        balance (:func:`solsim.engine.housing.housing_equity`).

        A member's share of a co-op is its net worth divided equally among its
        members; it can be negative for an indebted co-op.
        """
        h = self.ledger.block("households").slice
        own = from_cents(
            self.ledger.cash[h] + self.hh_deposit + self.hh_interest_owed + self.ledger.credit[h]
        )
        members = np.maximum(self.firm_workers(), 1)
        worth = np.where(self.firm_active, self.firm_net_worth(), 0.0)
        # Members own their co-op; a conventional firm's staff own none of it.
        per_member = np.where(self.firm_is_coop, worth, 0.0) / members
        # Non-members (OUTSIDE -1, UNEMPLOYED -2) read one of two zeros put in front
        # of the table: one gather per household, no mask.
        share = np.concatenate([[0.0, 0.0], per_member])[self.hh_employer + 2]
        owned = np.flatnonzero(self.firm_owner >= 0)
        if owned.size:
            # A local owner owns its firm.
            np.add.at(share, self.firm_owner[owned], worth[owned])
        worth = own + housing.housing_equity(self) + share
        # Money instruments hold for their members (pools) is the members'.
        for instrument in self.instruments:
            claims = instrument.household_claims(self)
            if claims is not None:
                worth = worth + claims
        return worth

    def fund_deposits(self) -> np.ndarray:
        return sum_cents(self.hh_fund, self.hh_deposit, self.n_funds)

    def fund_net_assets(self) -> np.ndarray:
        """Each fund's own equity (currency): cash + loans − loan-loss allowance −
        deposits − interest owed to depositors − capital still at work in its
        tranches (see :mod:`solsim.engine.fund_books`)."""
        owed = sum_cents(self.hh_fund, self.hh_interest_owed, self.n_funds)
        cents = (
            self.fund_cash + self.fund_loans() - self.books.allowance - self.fund_deposits() - owed
        )
        capital = np.bincount(self.tranches.fund, self.tranches.balance, minlength=self.n_funds)
        return from_cents(cents) - capital

    def fund_loans(self) -> np.ndarray:
        return sum_cents(
            self.loan_fund[self.loan_active], self.loan_principal[self.loan_active], self.n_funds
        )

    # ------------------------------------------------------------------ step
    def step(self) -> dict[str, float]:
        """Run one month and return its row of metrics."""
        self.month += 1
        self.clock += 1
        self.ledger.start_month()
        phases.run_month(self)
        row = reporting.record(self)
        self.history.append(row)
        return row

    def stream(self, name: str) -> np.random.Generator:
        """The random stream called ``name``, made on first use.

        The engine's own streams are in :data:`STREAMS`; any other (an
        instrument's own kind of draw) is seeded from the run's stream seeds
        and the name, so it draws nothing from the others, and a run that uses
        it leaves every other stream where a paired run without it has it.
        """
        if name not in self.streams:
            key = zlib.crc32(name.encode())
            sequence = np.random.SeedSequence(self._stream_entropy, spawn_key=(key,))
            self.streams[name] = np.random.default_rng(sequence)
        return self.streams[name]

    def hook(self, name: str, *args: Any) -> None:
        for instrument in self.instruments:
            getattr(instrument, name)(self, *args)


__all__ = ["CENTS", "OUTSIDE", "UNEMPLOYED", "Economy", "Tranches"]
