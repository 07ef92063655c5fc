"""Typed, validated parameters of one economy.

These pydantic models are the engine's whole configuration. They are pure data:
reading TOML files, ``extends`` chains and command-line overrides live in
:mod:`solsim.scenario`, one layer up. Every model forbids unknown keys, so a typo
in a scenario file is an error rather than a silently ignored setting.

Money is in currency units (the engine books it in integer cents); rates are
annual unless the name says ``monthly``; durations are in months (one step).

Upper bounds: money stays exact in int64 cents
---------------------------------------------
The ledger books ``int64`` cents, exact below 2**63 ≈ 9.2e18. Every count and
every money field has an upper bound chosen so that the money any valid
scenario can hold stays below 2**60 cents, an eighth of that:

* counts: ``households`` ≤ 5·10^6 (five times the largest benchmarked
  economy), ``coops``, ``communities`` ≤ 10^6, ``funds``, ``investors``,
  ``guarantors`` ≤ 10^4; ``steps`` ≤ 10^4 (already);
* per agent and month (:data:`MONTHLY_MAX` = 10^5): wages (outside and co-op),
  benefits, essential spending, housing cost, export demand;
* stocks: a household's opening cash ≤ 10^7 (:data:`HOUSEHOLD_CASH_MAX`), a
  co-op's ≤ 10^8, one-off expenses ≤ 10^7, loans ≤ 10^9, a fund's capital
  and a guarantor's reserve ≤ 10^10 (:data:`CAPITAL_MAX`);
* spreads: wage and export dispersion ≤ 1 (log-normal factors with mean 1).

Money enters the economy only from outside accounts. Opening balances are at
most 5·10^6 × 10^7 × 10 (households; a household opens with ``initial_cash``
scaled by its income, at most 10 times) + 10^6 × 10^8 (co-ops) + 10^4 × 10^10
(capital) + 10^4 × 10^10 (reserves) ≈ 4.7·10^14 currency. Each month at most
5·10^6 × (10^5 + 10^5) (outside wages at their mean factor, and benefits)
+ 10^6 × 10^5 (exports, whose demand factors average one) ≈ 1.1·10^12 comes in,
so over 10^4 months at most about 1.1·10^16 currency, 1.1·10^18 cents < 2**60.
Recoveries and loss-layer claims only return money lent or reserved above.
Every balance, every transfer and every sum of balances (the money stock) is
then below 2**60 cents, so int64 sums have a factor of 8 to spare. Endogenous
growth (export gains bought with loans, ``coops.investment_yield``) is not
covered by this worst case; it stays far smaller at any calibrated yield.
Timeseries columns are float64 currency: exact to the cent up to about 2**51
cents (2·10^13 currency); beyond that the int64 ledger stays exact.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from solsim.engine.instruments.registry import validate_instruments
from solsim.engine.network import SUPPLY_FEEDBACK

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Count = Annotated[int, Field(ge=0)]

# Upper bounds on amounts and counts (derivation in the module docstring).
MONTHLY_MAX = 1e5
HOUSEHOLD_CASH_MAX = 1e7
COOP_CASH_MAX = 1e8
LOAN_MAX = 1e9
CAPITAL_MAX = 1e10
HOUSEHOLDS_MAX = 5_000_000
COOPS_MAX = 1_000_000
FUNDS_MAX = 10_000

#: Money per agent and month (wages, benefits, spending, export demand).
Monthly = Annotated[float, Field(ge=0.0, le=MONTHLY_MAX)]
#: A household-sized stock of money (opening cash, a one-off expense).
HouseholdMoney = Annotated[float, Field(ge=0.0, le=HOUSEHOLD_CASH_MAX)]
Spread = Annotated[float, Field(ge=0.0, le=1.0)]
#: Agents of a kind per household.
Density = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    """Base of every parameter model.

    Unknown keys are errors; numbers must be finite (``inf`` and ``nan`` are
    refused, whatever the bounds); types are strict: a boolean is not a count,
    a string is not a number and ``"yes"`` is not a boolean (an integer is
    accepted where a float is expected).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False
    )


class EconomySize(_Strict):
    """How many agents of each kind.

    Sizes scale together: co-ops, conventional firms, funds, investors, guarantors and communities
    are set as densities per household, so ``economy.households = 5000`` is a
    bigger version of the same economy, not another one. A count is
    ``max(least, round(density × households))`` (``least`` is 1 for co-ops,
    funds and communities, and 1 for investors and guarantors while their
    density is positive). An explicit count (``economy.coops = 60``) wins over
    its density. Read the counts in force with :meth:`count` or the ``n_*``
    properties.
    """

    households: Annotated[int, Field(ge=1, le=HOUSEHOLDS_MAX)] = 2000
    coops: Annotated[int, Field(ge=1, le=COOPS_MAX)] | None = None
    firms: Annotated[int, Field(ge=0, le=COOPS_MAX)] | None = None
    funds: Annotated[int, Field(ge=1, le=FUNDS_MAX)] | None = None
    investors: Annotated[int, Field(ge=0, le=FUNDS_MAX)] | None = None
    guarantors: Annotated[int, Field(ge=0, le=FUNDS_MAX)] | None = None
    communities: Annotated[int, Field(ge=1, le=COOPS_MAX)] | None = None
    coops_per_household: Density = 0.03
    firms_per_household: Density = 0.015
    funds_per_household: Density = 0.001
    investors_per_household: Density = 0.002
    guarantors_per_household: Density = 0.0005
    communities_per_household: Density = 0.002

    def count(self, kind: str) -> int:
        """The number of agents of ``kind`` (``"coops"``, ``"funds"``, ...) in force."""
        explicit = getattr(self, kind)
        if explicit is not None:
            return int(explicit)
        density = getattr(self, f"{kind}_per_household")
        least = 1 if kind in ("coops", "funds", "communities") or density > 0 else 0
        return max(least, round(density * self.households))

    @model_validator(mode="after")
    def _counts_within_bounds(self) -> EconomySize:
        for kind, most in (
            ("coops", COOPS_MAX),
            ("firms", COOPS_MAX),
            ("communities", COOPS_MAX),
            ("funds", FUNDS_MAX),
            ("investors", FUNDS_MAX),
            ("guarantors", FUNDS_MAX),
        ):
            if self.count(kind) > most:
                raise ValueError(
                    f"{kind}_per_household × households gives {self.count(kind):,} {kind}, "
                    f"more than the {most:,} allowed"
                )
        return self

    @property
    def n_coops(self) -> int:
        return self.count("coops")

    @property
    def n_conventional(self) -> int:
        """Conventional local firms (``firms``, ``firms_per_household``)."""
        return self.count("firms")

    @property
    def n_firms(self) -> int:
        """Firms of both kinds: co-ops, then conventional firms."""
        return self.n_coops + self.n_conventional

    @property
    def n_funds(self) -> int:
        return self.count("funds")

    @property
    def n_investors(self) -> int:
        return self.count("investors")

    @property
    def n_guarantors(self) -> int:
        return self.count("guarantors")

    @property
    def n_communities(self) -> int:
        return self.count("communities")


class GraphParams(_Strict):
    """The trade graph: how households and co-ops are linked.

    ``kind`` picks a generator (``communities`` is a stochastic block model,
    ``small_world`` a rewired ring, ``scale_free`` preferential attachment,
    ``spatial`` nearest neighbours in the unit square) or ``file`` to load
    ``path`` (GraphML, or a CSV edge list with ``source,target,relation,weight``).

    ``supply_feedback`` shapes the supply edges of the ``communities`` and
    ``scale_free`` kinds (the others ignore it): co-ops stand in a random
    production order, from upstream producers to downstream firms, and each
    supply edge runs with the order (the buyer buys from a co-op upstream of
    it) except for this share, which runs against it (from one downstream).
    Those edges close the cycles of obligations that netting can clear: 0 gives
    a supply chain acyclic but for the co-op at its top. The default 0.13 puts
    the share of the baseline's monthly obligations that cycle netting alone
    would clear (``cleared_share``, against the month's new invoices) at
    28.0% ± 1.4% (20 seeds), near the 25%
    Fleischman, Dini & Littera (2020) found in the Sardex invoices (the
    unordered supply edges used before: 40.7%).
    """

    kind: Literal["communities", "small_world", "scale_free", "spatial", "file"] = "communities"
    purchase_edges: Annotated[int, Field(ge=1, le=50)] = 5
    supply_edges: Annotated[int, Field(ge=0, le=50)] = 3
    within_community: Probability = 0.85
    rewire: Probability = 0.1
    supply_feedback: Probability = SUPPLY_FEEDBACK
    path: str | None = None

    @model_validator(mode="after")
    def _file_needs_path(self) -> GraphParams:
        if self.kind == "file" and not self.path:
            raise ValueError("graph.kind = 'file' needs graph.path")
        return self


class HouseholdParams(_Strict):
    """Household incomes, costs, tenure, spending rules and labour market.

    Costs follow income. Each household has an outside wage, what it earns on
    the outside labour market or would earn when hired, drawn lognormal around
    ``outside_wage`` with ``wage_dispersion``; its *normal income* is its
    co-op's wage while it is a member, its outside wage otherwise. Its housing
    cost is a burden × its outside wage, the burden drawn lognormal around a
    median of ``rent_burden`` (renters, paid to outside landlords) or
    ``mortgage_burden`` (market owners, paid to the outside bank) with
    ``burden_dispersion``; outright owners (the share left after
    ``renter_share`` and ``mortgage_share``) pay none. Essentials cost
    ``essential_share`` × the outside wage, at least ``essential_floor``.

    Consumption is buffer-stock: ``propensity_income`` × (income − housing)
    plus ``propensity_wealth`` × (liquid wealth − ``wealth_target`` × normal
    income), at least the essentials when cash allows. Liquid wealth (cash and
    deposits) converges to about ``wealth_target`` months of normal income plus
    (1 − ``propensity_income``) ÷ ``propensity_wealth`` months of disposable
    income. A household on ``outside_wage`` opens with ``initial_cash``, others
    in proportion to their outside wage (at most ten times as much).
    Households keep ``deposit_share`` of their liquid wealth on deposit at
    their fund.

    Unpaid housing and essentials become arrears, paid first from later cash.
    After ``eviction_months`` in a row with housing arrears a household is
    displaced and replaced by a newcomer; arrears on essentials unpaid for
    ``writeoff_months`` in a row are charged off by their outside creditors.
    Each month a share ``emergency_rate`` of households meet an irregular
    bill (a repair, a medical bill) of ``emergency_size`` months of their
    outside wage; what they cannot pay becomes arrears. Households without
    arrears move away at ``move_rate`` a month and are replaced too. The
    default, 0.015 (17% a year), is above the US rate for all households
    (about 11%) and near renters' (about 20%): turnover is what lets the
    population's make-up, selected by displacement, settle within the burn-in.
    """

    initial_cash: HouseholdMoney = 6000.0
    coop_employment: Probability = 0.30
    firm_employment: Probability = 0.15
    outside_employment: Probability = 0.40
    outside_wage: Monthly = 2300.0
    wage_dispersion: Spread = 0.35
    unemployment_benefit: Monthly = 1000.0
    propensity_income: Probability = 0.95
    propensity_wealth: Probability = 0.05
    wealth_target: NonNegative = 2.0
    essential_share: Probability = 0.25
    essential_floor: Monthly = 400.0
    rent_burden: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.30
    mortgage_burden: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.25
    burden_dispersion: Spread = 0.3
    renter_share: Probability = 0.45
    mortgage_share: Probability = 0.35
    eviction_months: Annotated[int, Field(ge=1, le=120)] = 3
    writeoff_months: Annotated[int, Field(ge=1, le=120)] = 6
    move_rate: Probability = 0.015
    emergency_rate: Probability = 0.03
    emergency_size: Annotated[float, Field(ge=0.0, le=12.0)] = 0.5
    local_share: Probability = 0.65
    deposit_share: Probability = 0.15
    job_finding: Probability = 0.08
    job_loss: Probability = 0.006

    @model_validator(mode="after")
    def _shares_fit(self) -> HouseholdParams:
        employed = self.coop_employment + self.firm_employment + self.outside_employment
        if employed > 1.0:
            raise ValueError(
                "coop_employment + firm_employment + outside_employment must not exceed 1 "
                f"(got {employed:g})"
            )
        if self.renter_share + self.mortgage_share > 1.0:
            raise ValueError(
                "renter_share + mortgage_share must not exceed 1 "
                f"(got {self.renter_share + self.mortgage_share:g})"
            )
        return self


class HousingParams(_Strict):
    """The housing market: a house-price index and the terms of a market mortgage.

    The index ``I`` (1 at month 1) moves as ``log I_t = drift·t/12 + c_t`` with
    a cycle ``c_t = persistence·c_{t−1} + recession_sensitivity·(m_t − 1) +
    volatility·ε_t``, where ``m_t`` is the month's export multiplier (0.7 in
    the standard recession) and ``ε_t`` a standard normal draw from the
    ``housing`` stream (one a month, so paired runs stay paired). At the
    defaults the standard recession (exports −30% for 12 months) takes about
    15% off house prices by its last month, and the cycle then closes by about
    3% of the gap a month; the trend is 3% a year. The index holds at 1 in
    the burn-in.

    A market owner's mortgage payment is its housing cost (a burden × its
    outside wage, :class:`HouseholdParams`); the mortgage it carries is that
    payment's present value at ``mortgage_rate`` over ``mortgage_term_months``,
    and its home the one that mortgage buys at ``loan_to_value`` at the index
    of the month it arrived. The home's value then follows the index; the
    mortgage amortises on schedule; equity (value − balance) counts in the
    household's net worth, and the index gain is the resale gain.
    """

    drift: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.03
    volatility: Annotated[float, Field(ge=0.0, le=0.2)] = 0.01
    persistence: Annotated[float, Field(ge=0.0, le=0.999)] = 0.97
    recession_sensitivity: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05
    mortgage_rate: Annotated[float, Field(ge=0.0, le=0.3)] = 0.06
    mortgage_term_months: Annotated[int, Field(ge=12, le=480)] = 360
    loan_to_value: Annotated[float, Field(gt=0.0, le=1.0)] = 0.8


class CoopParams(_Strict):
    """Worker co-operatives: wages, trade, reserves and failure.

    Demand for each co-op follows a log AR(1) with ``demand_volatility`` and
    ``demand_persistence``; each month's export orders are that demand times a
    transitory mean-one lognormal factor with log-spread ``order_noise``. A
    co-op spends ``input_share`` of last month's sales on inputs,
    ``local_input_share`` of them from supplier co-ops on trade credit.
    Of positive surplus it keeps ``reserve_share`` and pays the rest to members
    as patronage, once its cash covers ``reserve_target_months`` of wages.
    Exports, and trade credit between firms, are paid ``payment_delay`` months
    after they are sold or invoiced, so wages and imported inputs are paid
    first, out of cash or the bank's credit line (working capital). When
    revenue falls a co-op cuts pay (hours), down to ``pay_floor`` of the full
    wage, before anything else; paying less than the floor, or missing trade
    credit, loan or bank payments, is a month unable to
    meet its obligations, and it fails after ``failure_months`` such months in
    a row. Each failure is recorded as *illiquid* when its expected margin (the
    six-month smoothed operating margin at full pay, see
    :func:`solsim.engine.phases.expected_margin`) was positive, *insolvent*
    otherwise. Each month a failed co-op's slot is refounded with
    probability ``entry_rate`` if a fund finances it. A loan spends
    ``investment_share`` of its principal on equipment bought outside, which
    adds ``investment_yield`` × its remaining value to monthly export sales;
    equipment loses ``depreciation`` of its value a month (1/60: a five-year
    life), so capacity bought with loans does not pile up.
    """

    initial_cash: Annotated[float, Field(ge=0.0, le=COOP_CASH_MAX)] = 30000.0
    wage: Monthly = 2650.0
    export_demand: Monthly = 12000.0
    export_dispersion: Spread = 0.3
    demand_volatility: Spread = 0.2
    demand_persistence: Probability = 0.99
    order_noise: Spread = 0.0
    input_share: Probability = 0.30
    local_input_share: Probability = 0.5
    reserve_share: Probability = 0.5
    reserve_target_months: NonNegative = 0.25
    failure_months: Annotated[int, Field(ge=1, le=36)] = 4
    entry_rate: Probability = 0.05
    investment_share: Probability = 0.6
    investment_yield: Annotated[float, Field(ge=0.0, le=1.0)] = 0.035
    depreciation: Probability = 1.0 / 60.0
    payment_delay: Annotated[int, Field(ge=0, le=24)] = 2
    pay_floor: Probability = 0.5


class FirmParams(_Strict):
    """Conventional local firms: wages, trade, ownership, layoffs and entry.

    They sell on the same markets as co-ops (purchase edges, exports, supply
    edges) with the same demand process (``coops.demand_volatility``,
    ``coops.demand_persistence``, ``coops.order_noise``), need the same working
    capital (``coops.payment_delay``, the bank's lines) and fail by the same
    rule (``coops.failure_months`` months in a row unable to pay). They differ
    in how they adjust and where their money goes:

    * **Pay, not jobs, is fixed.** Staff are paid ``wage`` in full. A firm whose
      expected margin is negative lays off staff down to where it would break
      even, at most ``layoff_limit`` of them a month and never its last; one
      whose expected margin is above ``hire_margin`` hires one unemployed
      household a month, up to its founding size.
    * **Profit leaves.** Of positive profit it keeps ``reserve_share``; the rest,
      and cash above ``reserve_target_months`` of wages and its debts, is paid
      as dividends: to owners outside the community (``owner = "outside"``) or
      to a local owner household (``owner = "local"``).
    * **It buys less locally.** It spends ``input_share`` of sales on inputs,
      ``local_input_share`` of them from local suppliers on trade credit; the
      rest is imported (stock bought from outside wholesalers).
    * **Exit.** Besides failing for want of cash, a firm is closed by its owner
      once its expected margin (:func:`solsim.engine.phases.expected_margin`)
      has stayed below ``required_margin`` of revenue, the owner's required
      return, for ``exit_months`` months in a row.
    * **Entry.** A failed firm's slot reopens with probability ``entry_rate`` a
      month, its owner paying in ``initial_cash`` from outside, and hires
      unemployed households. Funds do not lend to conventional firms.
    """

    initial_cash: Annotated[float, Field(ge=0.0, le=COOP_CASH_MAX)] = 30000.0
    wage: Monthly = 2300.0
    export_demand: Monthly = 12000.0
    export_dispersion: Spread = 0.3
    input_share: Probability = 0.45
    local_input_share: Probability = 0.25
    reserve_share: Probability = 0.2
    reserve_target_months: NonNegative = 0.25
    layoff_limit: Probability = 0.25
    hire_margin: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.05
    entry_rate: Probability = 0.03
    required_margin: Annotated[float, Field(ge=0.0, le=1.0)] = 0.02
    exit_months: Annotated[int, Field(ge=1, le=120)] = 6
    owner: Literal["outside", "local"] = "outside"


class BankParams(_Strict):
    """The outside bank's credit lines to co-ops (see :mod:`solsim.engine.bank`).

    A line's limit is ``limit_months`` × the co-op's mean revenue over the last
    three months, times the bank's stance: cut by ``procyclicality`` × the fall
    in export demand (0 ignores the cycle, 1 cuts one for one), by
    ``default_sensitivity`` × the month's charge-offs ÷ the credit it extends
    (recovering a twelfth of the way back each month), and by a
    ``credit_crunch`` shock. Interest at ``rate`` a year leaves the community;
    co-ops repay out of cash above their reserve target.
    """

    limit_months: Annotated[float, Field(ge=0.0, le=24.0)] = 0.75
    rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.09
    procyclicality: Probability = 0.5
    default_sensitivity: Annotated[float, Field(ge=0.0, le=100.0)] = 2.0


class NoteTerms(_Strict):
    """Contract terms of the investor notes that make up a fund's tranches.

    A note matures ``tenor_months`` after month 1: its holder then asks for its
    whole balance back. A request to redeem (at maturity, by capital flight or
    in an ``investor_withdrawal`` shock) is paid ``notice_months`` after it is
    made, and never before ``lockup_months`` from month 1; it is paid as the
    fund's cash above its liquidity floor allows, and what cannot be paid stays
    asked for. The defaults are a ten-year note with a quarter's notice and a
    two-year lock-up, terms of the kind community loan funds offer on investor
    notes; a tenor beyond the run means the notes do not mature within it.
    """

    tenor_months: Annotated[int, Field(ge=1, le=1200)] = 120
    notice_months: Annotated[int, Field(ge=0, le=60)] = 3
    lockup_months: Annotated[int, Field(ge=0, le=600)] = 24


class CapitalFlight(_Strict):
    """An optional behavioural rule: outside holders flee a fund after losses.

    When ``enabled``, an outside tranche whose own loss exceeds ``trigger`` of
    its size asks, every month, for ``share`` of its balance back (subject to
    the notes' notice and lock-up). It is off by default: the standard
    scenarios hold investors to their contract terms, so that a structure's
    effect on losses is not mixed with a run on the fund; switch it on to study
    one.
    """

    enabled: bool = False
    trigger: Probability = 0.05
    share: Probability = 0.1


class FundParams(_Strict):
    """Community loan funds: capital, deposits, lending terms and books.

    A fund lends at ``interest_rate`` to any co-op whose cash covers
    ``min_buffer_months`` of wages, and pays its capital holders a coupon of
    ``target_return`` out of what it earns. The defaults (8% on loans, a 2%
    coupon, a running cost of 0.5% of loans: the rest of a loan fund's cost is
    grant-funded, outside the model) are set together so that a fund's books are
    stationary without a shock: at 6% and 4%, its net charge-offs of about 3–4% a
    year ate its capital, and fund assets fell 17% over ten calm years. Who
    decides those terms, and so how they change, is an instrument's matter (the
    votes and preferences of the fund's constituencies); without one the
    settings hold.

    The books (:mod:`solsim.engine.fund_books`): each month a fund provisions
    its loan-loss allowance out of net interest toward ``allowance_target`` of
    its loans, and pays ``operating_cost`` a year of its loans as its running
    cost (staff and services, paid to the households it serves). A defaulted
    loan recovers the co-op's cash and its equipment, sold outside at a
    ``collateral_haircut`` below its depreciated value; a start-up loan that
    bought no equipment recovers only the cash. The loss left hits the
    allowance, then the fund's net assets, then instruments' layers (an
    outside backer), then the tranches junior first, then the ``backstop``:
    ``"depositors"`` (their deposits are written down pro rata; what they
    cannot cover is bailed out from outside) or ``"outside"`` (a bail-out).

    Nothing accumulates without a rule that stops it: a fund's net assets
    (cash + loans − allowance − deposits − capital at work) above
    ``net_asset_target`` of its total assets first write back tranche losses,
    senior first; the rest is paid out by ``surplus_rule``: ``"depositors"``,
    pro rata to their deposits (as credit unions return surplus to members), or
    ``"community"``, to the households the fund serves, equally. Community
    holders of a fund's capital pass what they receive on to those households.
    """

    capital: Annotated[float, Field(ge=0.0, le=CAPITAL_MAX)] = 400000.0
    outside_share: Probability = 0.6
    interest_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.08
    deposit_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.01
    target_return: Annotated[float, Field(ge=0.0, le=1.0)] = 0.02
    loan_size: Annotated[float, Field(gt=0.0, le=LOAN_MAX)] = 100000.0
    tenor_months: Annotated[int, Field(ge=1, le=600)] = 60
    grace_months: Annotated[int, Field(ge=0, le=120)] = 0
    revenue_share: Probability = 0.0
    lending_rate: Probability = 0.10
    min_buffer_months: NonNegative = 2.0
    min_margin: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.0
    max_lending_share: Probability = 0.9
    arrears_default_months: Annotated[int, Field(ge=1, le=36)] = 3
    collateral_haircut: Probability = 0.5
    allowance_target: Annotated[float, Field(ge=0.0, le=0.5)] = 0.03
    operating_cost: Annotated[float, Field(ge=0.0, le=0.2)] = 0.005
    net_asset_target: Probability = 0.1
    surplus_rule: Literal["depositors", "community"] = "depositors"
    backstop: Literal["depositors", "outside"] = "depositors"
    notes: NoteTerms = Field(default_factory=NoteTerms)
    flight: CapitalFlight = Field(default_factory=CapitalFlight)


ShockKind = Literal[
    "export_drop",
    "job_loss",
    "expense",
    "rate_rise",
    "investor_withdrawal",
    "supplier_failure",
    "housing_cost",
    "credit_crunch",
]


class ScheduledShock(_Strict):
    """A shock that starts at a given month.

    ``size`` means, by kind: ``export_drop`` the fall in export demand (0.3 = −30%);
    ``job_loss`` the share of households in outside jobs laid off at the start
    (co-op members keep their work while their co-op survives);
    ``expense`` the one-off cost, in currency, each hit household pays;
    ``rate_rise`` the rise in the annual lending rate; ``investor_withdrawal``
    the share of outside capital pulled at the start; ``supplier_failure`` the
    share of active co-ops that fail at the start; ``housing_cost`` the rise in
    rents and mortgage payments (0.2 = +20%); ``credit_crunch`` the share by
    which the bank cuts its credit limits (0.5 halves them). ``duration``
    matters to ``export_drop``, ``rate_rise``, ``housing_cost`` and
    ``credit_crunch``; the others strike
    once, at ``start``. Months count from the first reported month, after the
    burn-in.
    ``share`` is the share of households an ``expense`` shock hits (other kinds
    use ``size`` alone). ``size`` is at most 10^7 whatever the kind (the bound on
    a household-sized amount; see the module docstring).
    """

    kind: ShockKind
    start: Annotated[int, Field(ge=1)]
    duration: Annotated[int, Field(ge=1)] = 1
    size: HouseholdMoney
    share: Probability = 1.0


class RandomShock(_Strict):
    """A shock that strikes each month with ``probability`` (drawn from the run's rng)."""

    kind: ShockKind
    probability: Probability
    duration: Annotated[int, Field(ge=1)] = 1
    size: HouseholdMoney
    share: Probability = 1.0


class ShockParams(_Strict):
    scheduled: list[ScheduledShock] = Field(default_factory=list)
    random: list[RandomShock] = Field(default_factory=list)


class Scenario(_Strict):
    """One economy: sizes, behaviour, shocks and the instruments switched on.

    ``burn_in`` months run before month 1, without shocks, and are not
    reported: the economy starts from its own steady state (co-ops that
    survived, households' savings at their buffer-stock targets, a fund loan
    book) rather than from the arbitrary opening balances. The slowest
    adjustments are selections: of co-ops by failure and refounding (a co-op
    lives about eleven years), and of households by displacement and moving
    (a household stays about five and a half years). 240 months is more than
    twice the former and about four times the latter; the trends that remain
    over the reported months are in docs/validation.md.

    ``instruments`` maps an instrument name to its own settings table; names
    are checked against the registry (:mod:`solsim.engine.instruments`) and each
    table against that instrument's parameter model.
    """

    name: str = "scenario"
    description: str = ""
    steps: Annotated[int, Field(ge=1, le=10000)] = 120
    burn_in: Annotated[int, Field(ge=0, le=10000)] = 240
    economy: EconomySize = Field(default_factory=EconomySize)
    graph: GraphParams = Field(default_factory=GraphParams)
    households: HouseholdParams = Field(default_factory=HouseholdParams)
    housing: HousingParams = Field(default_factory=HousingParams)
    coops: CoopParams = Field(default_factory=CoopParams)
    firms: FirmParams = Field(default_factory=FirmParams)
    funds: FundParams = Field(default_factory=FundParams)
    bank: BankParams = Field(default_factory=BankParams)
    shocks: ShockParams = Field(default_factory=ShockParams)
    instruments: dict[str, Any] = Field(default_factory=dict)
    _source: str = PrivateAttr(default="<scenario>")

    @property
    def source(self) -> str:
        """The file this scenario was read from (for error messages)."""
        return self._source

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.coops.payment_delay > self.steps:
            raise ValueError(
                f"coops.payment_delay: {self.coops.payment_delay} months is longer "
                f"than the run ({self.steps} months)"
            )
        for index, shock in enumerate(self.shocks.scheduled):
            if shock.start > self.steps:
                raise ValueError(
                    f"shocks.scheduled.{index}.start: month {shock.start} is after "
                    f"the last month ({self.steps})"
                )
        self.__dict__["instruments"] = validate_instruments(self.instruments)
        return self
