"""Community-side instruments: mutual credit, intertrading, timebanks, mutual aid,
and the Eisenberg–Noe settlement of trade credit when co-ops fail.

The scenarios run from the command line and their instruments act; property tests
over random trade check that credit balances sum to exactly zero (over the Mesa
agents and the ledger), that credit limits hold and that money is conserved; the
settlement never pays more than is owed or than the payer has, and a failure
cascades along a hand-built supply chain; bad input is one line and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import assert_bad_addition_rejected, assert_conserved, run_scenarios_with_the_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solsim.clearing import eisenberg_noe
from solsim.cli import main
from solsim.engine import phases
from solsim.engine.credit import CreditNetwork, split_cents
from solsim.engine.economy import Economy
from solsim.engine.instruments import registry
from solsim.engine.ledger import CENTS, Ledger
from solsim.engine.network import TradeNetwork
from solsim.engine.settlement import clear_obligations, settle_failures
from solsim.model import SolidarityEconomy
from solsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SMALL = {"households": 300, "coops": 12, "funds": 2, "investors": 2, "communities": 3}
# A month-6 expense shock and a deep export drop make cash run short early.
STRESS = {
    "scheduled": [
        {"kind": "expense", "start": 6, "size": 2500.0, "share": 0.4},
        {"kind": "export_drop", "start": 8, "duration": 10, "size": 0.5},
    ]
}


def cents(series: pd.Series) -> np.ndarray:
    return np.rint(series.to_numpy() * CENTS).astype(np.int64)


def mc(e: Economy):
    return next(i for i in e.instruments if i.name == "mutual_credit")


# ------------------------------------------------------------------ scenarios via the CLI
@pytest.fixture(scope="module")
def scenario_runs(tmp_path_factory):
    """Each community scenario, run with ``solsim run`` for 60 months (seed 0)."""
    out = tmp_path_factory.mktemp("community_scenarios")
    names = ("mutual_credit", "intertrading", "timebank", "mutual_aid")
    return run_scenarios_with_the_cli(names, out)


def test_scenarios_extend_the_baseline_and_switch_one_instrument_on():
    base = load_scenario(SCENARIOS / "baseline.toml")
    expected = {
        "mutual_credit": {"mutual_credit"},
        "intertrading": {"mutual_credit"},
        "timebank": {"timebank"},
        "mutual_aid": {"mutual_aid"},
        # Every built-in instrument (a package that adds one need not edit it).
        "all_tools": set(registry.BUILTIN),
    }
    for name, instruments in expected.items():
        scenario = load_scenario(SCENARIOS / f"{name}.toml")
        assert set(scenario.instruments) == instruments, name
        assert scenario.economy == base.economy and scenario.shocks == base.shocks
        assert scenario.households == base.households and scenario.coops == base.coops


def test_mutual_credit_turns_over_when_cash_runs_short(scenario_runs):
    ts = scenario_runs["mutual_credit"]
    short = ts["distress_share"] > 0
    assert short.any()
    assert (ts.loc[short, "mc_turnover"] > 0).all()
    assert ts["cleared_share"].max() > 0  # obligation cycles were cleared
    assert ts["mc_settled"].sum() > 0  # co-ops paid suppliers in credit
    assert ts["mc_velocity"].iloc[12:].mean() > 1
    assert_conserved(ts)


def test_intertrading_accounts_are_used(scenario_runs):
    ts = scenario_runs["intertrading"]
    assert ts["mc_intertrading"].max() > 0
    assert ts["mc_demurrage"].sum() > 0
    assert ts["mc_turnover"].sum() > 0
    assert_conserved(ts)


def test_timebank_hours_move(scenario_runs):
    ts = scenario_runs["timebank"]
    assert ts["tb_hours"].sum() > 0
    assert ts["tb_relief"].sum() > 0
    assert_conserved(ts)


def test_mutual_aid_pays_out(scenario_runs):
    ts = scenario_runs["mutual_aid"]
    assert ts["aid_paid"].iloc[-1] > 0
    assert (np.diff(ts["aid_paid"]) >= -1e-9).all()
    assert (ts["aid_pool"] >= 0).all()
    np.testing.assert_allclose(ts["aid_month"].cumsum(), ts["aid_paid"], atol=0.01)
    assert_conserved(ts)


def test_all_tools_runs_with_every_instrument(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "run",
                str(SCENARIOS / "all_tools.toml"),
                "--steps",
                "30",
                "-q",
                "--set",
                "economy.households=400",
                "--set",
                "economy.coops=16",
                "--out",
                str(tmp_path),
            ]
        )
    assert exit_info.value.code in (0, None)
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    for column in ("mc_turnover", "tb_hours", "aid_paid", "guarantee_paid", "loss_first_loss"):
        assert column in ts
    assert ts["mc_turnover"].sum() > 0 and ts["tb_hours"].sum() > 0
    assert_conserved(ts)


# ------------------------------------------------------------------ effects
def test_mutual_credit_lowers_shortfall_and_adds_sales():
    # From the same opening balances (no burn-in), so the two runs differ only
    # by the instrument; shortfalls summed over the months through the stress.
    data = {"economy": SMALL, "shocks": STRESS, "steps": 12, "burn_in": 0}
    plain = SolidarityEconomy(load_scenario(data=data), seed=3, agents=False).economy
    data["instruments"] = {"mutual_credit": {"acceptance": 1.0}}
    credit = SolidarityEconomy(load_scenario(data=data), seed=3, agents=False).economy
    short = {"plain": 0.0, "credit": 0.0}
    for _ in range(12):  # through the expense shock, same random stream
        plain.step()
        credit.step()
        short["plain"] += plain.hh_shortfall.sum()
        short["credit"] += credit.hh_shortfall.sum()
    assert short["credit"] < short["plain"]
    assert credit.history[-1]["mc_turnover"] > 0


def test_mutual_aid_pool_runs_dry_and_pays_pro_rata():
    data = {
        "economy": SMALL,
        "shocks": STRESS,
        "steps": 10,
        # From the opening balances: the pools start empty and fill slowly.
        "burn_in": 0,
        "instruments": {"mutual_aid": {"contribution": 1.0, "max_payout": 1000.0}},
    }
    model = SolidarityEconomy(load_scenario(data=data), seed=1, agents=False)
    e = model.economy
    (aid,) = e.instruments
    rows, driest = [], []
    for _ in range(10):
        rows.append(e.step())
        driest.append(e.ledger.cash[aid.pool].min() / 100)
    ts = pd.DataFrame(rows)
    assert ts["aid_unmet"].max() > 0  # claims the pools could not pay
    assert ts["aid_month"].max() > 0
    # A dry pool pays what it holds and no more: in a month with unmet claims,
    # some pool has (almost) nothing left.
    assert (ts["aid_pool"] >= 0).all()
    assert max(np.asarray(driest)[ts["aid_unmet"] > 0]) < 10.0


def test_mutual_aid_pools_count_in_their_members_net_worth():
    data = {
        "economy": SMALL,
        "steps": 6,
        "burn_in": 0,
        "instruments": {"mutual_aid": {"members": 0.5}},
    }
    e = SolidarityEconomy(load_scenario(data=data), seed=2, agents=False).economy
    (aid,) = e.instruments
    for _ in range(6):
        e.step()
    held = e.ledger.cash[aid.pool] / CENTS
    assert held.sum() > 0
    claims = aid.household_claims(e)
    # Every cent in the pools is someone's, members of a pool hold equal shares,
    # and households outside the pools hold none.
    assert claims.sum() == pytest.approx(held.sum())
    assert (claims[~aid.member] == 0).all()
    for pool in range(aid.n_pools):
        mine = claims[aid.member & (aid.pool_of == pool)]
        assert mine == pytest.approx(np.full(mine.size, held[pool] / mine.size))
    with_pools = e.household_net_worth()
    e.instruments = []
    assert with_pools - e.household_net_worth() == pytest.approx(claims)


def test_a_firm_short_of_cash_and_bank_credit_pays_part_of_wages_in_credit():
    # Co-op 0 has 1,000 in cash, no bank line and members earning the co-op wage:
    # each member in the network is paid 30% of its wage in credit, the rest of the
    # bill in cash as far as the 1,000 goes, and the wage bill counts both.
    data = {
        "economy": SMALL,
        "steps": 2,
        "burn_in": 0,
        "instruments": {"mutual_credit": {"wage_share": 0.3, "coop_credit_limit": 1e6}},
    }
    e = SolidarityEconomy(load_scenario(data=data), seed=3, agents=False).economy
    (credit,) = e.instruments
    coop = 0
    e.ledger.transfer(e.firm_account[[coop]], e.ledger.world, e.firm_cash[[coop]] - 1000 * CENTS,
                      "test", cents=True)  # fmt: skip
    e.bank_limit[:] = 0
    e.month_flows = {"wages": np.zeros(e.n_firms)}
    e.firm_paid_local = np.zeros(e.n_firms)
    credit.start_month(e)
    members = np.flatnonzero(e.hh_employer == coop)
    wage = e.firm_wage[coop]
    before = credit.net.balance(credit.hh_m[members]).copy()
    phases.pay_wages(e)
    in_credit = credit.net.balance(credit.hh_m[members]) - before
    assert (in_credit == np.floor(0.3 * wage * CENTS)).all()
    assert credit.net.balance(credit.coop_m[[coop]])[0] == -in_credit.sum()
    # All the cash went on wages, but for a cent or less per member (rounding down).
    left = int(e.firm_cash[coop])
    assert 0 <= left <= members.size
    paid = (in_credit.sum() + 1000 * CENTS - left) / CENTS
    assert e.month_flows["wages"][coop] == pytest.approx(paid)


def _timebank_economy(**terms):
    data = {"economy": SMALL, "steps": 2, "burn_in": 0, "instruments": {"timebank": terms}}
    return SolidarityEconomy(load_scenario(data=data), seed=4, agents=False).economy


def test_timebank_help_met_in_full_clears_the_shortfall():
    # 10.00 short at 18 an hour: 0.56 hours asked (rounded up), so the shortfall is
    # covered to the cent and the household is no longer short; flooring to 0.55
    # hours left 0.10 unpaid, above the 0.01 that counts as distress.
    e = _timebank_economy(members=1.0, active_share=1.0, hour_value=18.0, service_share=1.0)
    (bank,) = e.instruments
    bank.start_month(e)
    shortfall = np.zeros(e.n_households)
    shortfall[7] = 10.0
    ctx = {"shortfall": shortfall}
    bank.spending(e, ctx)
    assert ctx["shortfall"][7] == 0.0
    assert bank.relief == pytest.approx(10.0)
    assert bank.lifted == 1
    assert bank.essential == 56  # hundredths of an hour received


def test_everyday_help_in_hours_keeps_cash_the_household_would_have_spent():
    # Household 5 holds 10 hours and is not short: it asks for 5 hours of everyday
    # help (spend_share 0.5), worth 90 at 18 an hour, which replaces services it
    # bought: at most 30% of the 100 it imported this month, so it keeps 30.
    e = _timebank_economy(members=1.0, active_share=1.0, hour_value=18.0, service_share=0.3)
    (bank,) = e.instruments
    bank.start_month(e)
    # A neighbour of the same community owes it the hours.
    neighbour = np.flatnonzero(e.hh_community == e.hh_community[5])[-1]
    bank.net.pay(np.array([neighbour]), np.array([5]), np.array([1000]), "test")
    e.hh_consumption = np.zeros(e.n_households)
    e.hh_consumption[5] = 100.0
    before = int(e.hh_cash[5])
    ctx = {"shortfall": np.zeros(e.n_households), "purchases": np.zeros(e.purchase.nnz)}
    bank.spending(e, ctx)
    assert int(e.hh_cash[5]) - before == 30 * CENTS
    assert bank.kept == pytest.approx(30.0)


def test_timebank_only_active_members_trade_and_the_out_of_work_give_most():
    e = _timebank_economy(members=1.0, active_share=0.15)
    (bank,) = e.instruments
    assert bank.active.mean() == pytest.approx(0.15, abs=0.02)
    assert not (bank.active & ~bank.member).any()
    e.hh_employer[:10] = -2  # unemployed
    offered = bank.hours_offered(e)
    assert (offered[:10] == 30.0).all()
    inactive = np.flatnonzero(~bank.active)[:5]
    bank.start_month(e)
    shortfall = np.zeros(e.n_households)
    shortfall[inactive] = 5.0
    ctx = {"shortfall": shortfall.copy()}
    bank.spending(e, ctx)
    assert (ctx["shortfall"][inactive] == 5.0).all()  # members who never trade get no help


# ------------------------------------------------------------------ properties
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    communities=st.integers(1, 3),
    intertrading=st.booleans(),
    members=st.sampled_from(["households_and_coops", "coops"]),
    acceptance=st.floats(0.0, 1.0),
    credit_limit=st.floats(0.0, 2000.0),
    coop_credit_limit=st.floats(0.0, 20000.0),
    limit_growth=st.floats(0.0, 0.2),
    demurrage=st.floats(0.0, 0.05),
    clearing=st.booleans(),
    failing=st.floats(0.0, 0.5),
)
def test_random_trade_keeps_credit_at_zero_limits_and_money(
    seed,
    communities,
    intertrading,
    members,
    acceptance,
    credit_limit,
    coop_credit_limit,
    limit_growth,
    demurrage,
    clearing,
    failing,
):
    data = {
        "economy": SMALL,
        "steps": 14,
        "shocks": {
            "scheduled": [
                *STRESS["scheduled"],
                {"kind": "supplier_failure", "start": 10, "size": failing},
            ]
        },
        "instruments": {
            "mutual_credit": {
                "members": members,
                "acceptance": acceptance,
                "credit_limit": credit_limit,
                "coop_credit_limit": coop_credit_limit,
                "limit_growth": limit_growth,
                "demurrage": demurrage,
                "clearing": clearing,
                "communities": communities,
                "intertrading": intertrading,
            },
            "timebank": {},
        },
    }
    model = SolidarityEconomy(load_scenario(data=data), seed=seed)
    e = model.economy
    net = mc(e).net
    hours = next(i for i in e.instruments if i.name == "timebank").net
    before = net.balance().copy()
    for _ in range(14):
        model.step()
        balance = net.balance()
        # Exactly zero: over every Mesa agent, over the ledger, in every network.
        assert sum(round(agent.mc_balance * CENTS) for agent in model.agents) == 0
        assert int(e.ledger.credit.sum()) == 0
        assert not net.network_sums().any()
        if net.intertrading is not None:
            assert int(e.ledger.credit[net.intertrading].sum()) == 0
        assert not e.ledger.credit[net.commons].any() and not e.ledger.cash[net.commons].any()
        # No payment takes a member below its limit (a limit that shrank does
        # not force repayment, so an older, deeper balance may stay).
        assert (balance >= np.minimum(-net.limit, before)).all()
        # Failed co-ops leave the network with a zero balance.
        gone = net.account[mc(e).coop_m][~e.firm_active]
        assert not e.ledger.credit[gone].any()
        # Hours, too, sum to zero in every community's timebank.
        assert not hours.network_sums().any()
        assert sum(round(agent.timebank_hours * CENTS) for agent in model.agents) == 0
        before = balance.copy()
    ts = model.timeseries
    assert_conserved(ts)
    assert int(e.ledger.cash.sum()) == 0
    assert (ts["mc_turnover"] >= 0).all()


@settings(max_examples=60, deadline=None)
@given(
    n_nets=st.integers(1, 3),
    intertrading=st.booleans(),
    data=st.data(),
)
def test_credit_network_payments_sum_to_zero_and_respect_room(n_nets, intertrading, data):
    """Random payments through the machinery: exact zero sums, commons left empty."""
    n = data.draw(st.integers(2, 12))
    nets = np.array(data.draw(st.lists(st.integers(0, n_nets - 1), min_size=n, max_size=n)))
    blocks = [("members", n, False), ("commons", n_nets, False), ("it", n_nets, False)]
    ledger = Ledger(blocks)
    it = ledger.block("it").start + np.arange(n_nets) if intertrading else None
    net = CreditNetwork(
        ledger, np.arange(n), nets, n_nets, ledger.block("commons").start + np.arange(n_nets), it
    )
    net.limit[:] = data.draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))
    for _ in range(data.draw(st.integers(1, 8))):
        k = data.draw(st.integers(1, 6))
        payer = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)))
        payee = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)))
        wish = np.array(data.draw(st.lists(st.integers(0, 4000), min_size=k, max_size=k)))
        ok = net.allowed(payer, payee)
        # The caller's rule: a payer's payments together stay within its room.
        want = np.where(ok, wish, 0)
        total = np.bincount(payer, want, minlength=n)
        scale = np.divide(net.room(), total, out=np.zeros(n), where=total > 0).clip(0, 1)
        amount = np.floor(want * scale[payer]).astype(np.int64)
        net.pay(payer, payee, amount, "test")
        assert (net.balance() >= -net.limit).all()
        assert not net.network_sums().any()
        if it is not None:
            assert int(ledger.credit[it].sum()) == 0
        # Demurrage-like spread: 10% of positive balances to debtors, exactly
        # (within a network without intertrading, debts match positive balances).
        if it is None:
            members = np.arange(n)
            debt = np.maximum(-net.balance(), 0)
            charge = np.maximum(net.balance(), 0) // 10
            received = net.spread(members, charge, members, debt, "spread")
            assert (received <= debt).all() and received.sum() == charge.sum()
        assert not ledger.credit[net.commons].any()
        assert not net.network_sums().any()
    assert int(ledger.credit.sum()) == 0


@given(
    totals=st.lists(st.integers(0, 10**9), min_size=1, max_size=4),
    data=st.data(),
)
def test_split_cents_is_exact_and_within_caps(totals, data):
    g = len(totals)
    m = data.draw(st.integers(1, 20))
    groups = np.array(data.draw(st.lists(st.integers(0, g - 1), min_size=m, max_size=m)))
    caps = np.array(data.draw(st.lists(st.integers(0, 10**9), min_size=m, max_size=m)))
    room = np.bincount(groups, caps, minlength=g)
    totals = np.minimum(np.array(totals), room)
    parts = split_cents(totals, caps.astype(float), groups, g)
    np.testing.assert_array_equal(np.bincount(groups, parts, minlength=g), totals)
    assert (parts >= 0).all() and (parts <= caps).all()


@given(data=st.data())
@settings(max_examples=80, deadline=None)
def test_clearing_never_pays_more_than_owed_or_held(data):
    n = data.draw(st.integers(2, 10))
    m = data.draw(st.integers(1, 25))
    debtor = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    shift = np.array(data.draw(st.lists(st.integers(1, n - 1), min_size=m, max_size=m)))
    creditor = (debtor + shift) % n
    # One edge per ordered pair (as on supply edges).
    _, first = np.unique(debtor * n + creditor, return_index=True)
    debtor, creditor = debtor[first], creditor[first]
    owed = np.array(
        data.draw(st.lists(st.integers(0, 10**7), min_size=first.size, max_size=first.size))
    )
    cash = np.array(data.draw(st.lists(st.integers(0, 10**7), min_size=n, max_size=n)))
    pay = clear_obligations(owed, debtor, creditor, cash)
    assert (pay >= 0).all() and (pay <= owed).all()
    out = np.bincount(debtor, pay, minlength=n)
    inflow = np.bincount(creditor, pay, minlength=n)
    assert (out <= cash + inflow).all()
    # Whole cents below the exact clearing vector, by at most the rounding.
    exact = eisenberg_noe(
        sp.csr_array((owed.astype(float), (debtor, creditor)), shape=(n, n)), cash.astype(float)
    )
    assert (out <= exact + 1e-6).all()
    assert (exact - out <= m * m + 1).all()


# ------------------------------------------------------------------ settlement cascade
def chain_economy(n: int = 4) -> Economy:
    """Co-ops 0 → 1 → … → n−1: each buys from the next (and so owes it)."""
    supply = sp.csr_matrix((np.ones(n - 1), (np.arange(n - 1), np.arange(1, n))), shape=(n, n))
    purchase = sp.csr_matrix((np.ones(n), (np.arange(n), np.arange(n))), shape=(n, n))
    network = TradeNetwork(purchase, supply, np.zeros(n, np.int32), np.zeros(n, np.int32))
    scenario = load_scenario(
        data={
            "economy": {
                "households": n,
                "coops": n,
                "funds": 1,
                "investors": 0,
                "guarantors": 0,
                "communities": 1,
            }
        }
    )
    e = Economy(scenario, network, np.random.default_rng(0))
    # The hand cases set their own obligations, all of them due now: forget the
    # invoices of the months run to build the economy.
    e.invoiced_recent[:] = 0
    return e


def set_cash(e: Economy, coop_cash: list[float]) -> None:
    """Move co-ops' opening cash back to the world, then give each the amount asked for."""
    ledger = e.ledger
    ledger.transfer(e.firm_account, ledger.world, e.firm_cash, "test", cents=True)
    ledger.transfer(ledger.world, e.firm_account, np.asarray(coop_cash) * CENTS, "test", cents=True)


def test_a_failure_cascades_along_a_supply_chain():
    e = chain_economy(4)
    # 0 owes 1 1,000; 1 owes 2 1,000; 2 owes 3 1,000. Co-op 0 fails with 100 in
    # cash; 1 holds 300 and 2 holds 400: each is short once its buyer defaults.
    e.payable[:] = 1000 * CENTS
    set_cash(e, [100.0, 300.0, 400.0, 0.0])
    defaulted = settle_failures(e, np.array([0]))
    # Eisenberg–Noe: 0 pays 100, 1 pays 100 + 300 = 400, 2 pays 400 + 400 = 800.
    np.testing.assert_array_equal(e.firm_cash, np.array([0, 0, 0, 800]) * CENTS)
    assert set(defaulted) == {1, 2}  # the cascade: two suppliers miss payments
    assert e.firm_unable[[1, 2]].all() and not e.firm_unable[3]
    assert (e.firm_unable_months[[1, 2]] == 1).all()
    # What the failing co-op owed is written off; what survivors still owe stays.
    np.testing.assert_array_equal(e.payable, np.array([0, 600, 200]) * CENTS)
    assert e.trade_credit_written_off == pytest.approx(900.0)


def test_a_solvent_chain_absorbs_a_failure():
    e = chain_economy(4)
    e.payable[:] = 1000 * CENTS
    set_cash(e, [0.0, 5000.0, 0.0, 0.0])
    defaulted = settle_failures(e, np.array([0]))
    # Co-op 1 pays in full from its own cash, so 2 can pay 3 in full: no cascade.
    assert defaulted.size == 0
    np.testing.assert_array_equal(e.payable, [0, 0, 0])
    np.testing.assert_array_equal(e.firm_cash, np.array([0, 4000, 0, 1000]) * CENTS)


def test_a_failure_does_not_call_in_trade_credit_not_yet_due_between_survivors():
    # 0 owes 1 1,000 and fails with nothing; 1 owes 2 1,000 invoiced this month
    # (not due for payment_delay months), and 2 owes 3 1,000 due now.
    e = chain_economy(4)
    e.payable[:] = 1000 * CENTS
    e.invoiced_recent[0, 1] = 1000 * CENTS
    set_cash(e, [0.0, 300.0, 1000.0, 0.0])
    defaulted = settle_failures(e, np.array([0]))
    # 1 keeps its cash and still owes 2, so 2 and 3 are not linked to the
    # failure and are left to the month's debt service; 0's debt is gone.
    np.testing.assert_array_equal(e.firm_cash, np.array([0, 300, 1000, 0]) * CENTS)
    np.testing.assert_array_equal(e.payable, np.array([0, 1000, 1000]) * CENTS)
    assert defaulted.size == 0
    assert e.trade_credit_written_off == pytest.approx(1000.0)


def test_a_failing_coops_receivables_are_collected_for_its_creditors():
    # 0 → 1 → 2 and 3 → 0 (3 owes the failing co-op 0).
    supply = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 1, 3], [1, 2, 0])), shape=(4, 4))
    e = chain_economy(4)
    e.supply = supply
    e.supply_row = np.repeat(np.arange(4), np.diff(supply.indptr))
    e.payable = np.array([500, 300, 200]) * CENTS  # edges (0,1), (1,2), (3,0)
    set_cash(e, [0.0, 0.0, 0.0, 1000.0])
    settle_failures(e, np.array([0]))
    # 3 pays 0 its 200, which 0 passes on to 1; 1 pays 2 its 200 (all it has).
    np.testing.assert_array_equal(e.firm_cash, np.array([0, 0, 200, 800]) * CENTS)
    np.testing.assert_array_equal(e.payable, np.array([0, 100, 0]) * CENTS)


# ------------------------------------------------------------------ bad input
BAD = {
    "negative_limit": (
        "[instruments.mutual_credit]\ncredit_limit = -100\n",
        "instruments.mutual_credit.credit_limit",
        "greater than or equal to 0",
    ),
    "acceptance_above_one": (
        "[instruments.mutual_credit]\nacceptance = 1.5\n",
        "instruments.mutual_credit.acceptance",
        "must be between 0 and 1, got 1.5",
    ),
    "acceptance_entry_below_zero": (
        "[instruments.mutual_credit]\nacceptance = [0.5, -0.2]\n",
        "instruments.mutual_credit.acceptance",
        "must be between 0 and 1 (entry 1), got -0.2",
    ),
    "acceptance_wrong_length": (
        "[instruments.mutual_credit]\nacceptance = [0.5, 0.5]\n",
        "instruments.mutual_credit.acceptance",
        "has 2 entries; give one share for all firms or one per firm (90)",
    ),
    "unknown_members": (
        '[instruments.mutual_credit]\nmembers = "everyone"\n',
        "instruments.mutual_credit.members",
        "households_and_coops",
    ),
    "negative_hours": (
        "[instruments.timebank]\nhour_limit = -1\n",
        "instruments.timebank.hour_limit",
        "greater than or equal to 0",
    ),
    "aid_share": (
        "[instruments.mutual_aid]\nmembers = 2\n",
        "instruments.mutual_aid.members",
        "less than or equal to 1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys):
    text, key, reason = BAD[case]
    assert_bad_addition_rejected(text, key, reason, tmp_path / "bad.toml", capsys)


# ------------------------------------------------------------------ resilience circles
def circled_economy(**settings):
    scenario = load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios" / "resilience_circles.toml",
        {
            "economy.households": 300,
            "economy.coops": 12,
            "economy.funds": 2,
            "economy.investors": 2,
            "economy.communities": 2,
            "burn_in": 0,
            **{f"instruments.mutual_aid.{k}": v for k, v in settings.items()},
        },
    )
    model = SolidarityEconomy(scenario, seed=4, agents=False)
    aid = next(i for i in model.economy.instruments if i.name == "mutual_aid")
    return model.economy, aid


def test_circles_are_neighbours_of_one_community_about_the_size_asked():
    e, aid = circled_economy(circle_size=15)
    circle = aid.circle_of
    assert (circle >= 0).all()  # every household is a member here
    sizes = np.bincount(circle)
    assert sizes.min() >= 8 and sizes.max() <= 22  # 15, remainders of 7 or fewer join
    # A circle never spans two communities.
    for c in range(sizes.size):
        assert np.unique(e.hh_community[circle == c]).size == 1
    # Neighbours: households of a circle mostly buy first from the same co-op.
    first = e.purchase.indices[e.purchase.indptr[:-1]]
    same = [np.bincount(first[circle == c]).max() / sizes[c] for c in range(sizes.size)]
    assert np.mean(same) > 0.5
    again, _ = circled_economy(circle_size=15)
    np.testing.assert_array_equal(circle, next(
        i for i in again.instruments if i.name == "mutual_aid").circle_of)  # fmt: skip


def test_a_distressed_member_draws_on_its_circle_before_the_pool():
    e, aid = circled_economy(circle_size=10, max_payout=400.0)
    ledger = e.ledger
    # Empty every pool and circle, then fund one circle with 300 and its pool with 1,000.
    for accounts in (aid.pool, aid.circle[: aid.n_circles]):
        ledger.transfer(accounts, ledger.world, ledger.cash[accounts], "test", cents=True)
    member = int(np.flatnonzero(aid.circle_of == 0)[0])
    ledger.transfer(ledger.world, aid.circle[0], 300 * CENTS, "test", cents=True)
    ledger.transfer(ledger.world, aid.pool[aid.pool_of[member]], 1000 * CENTS, "test", cents=True)
    e.hh_shortfall = np.zeros(e.n_households)
    e.hh_shortfall[member] = 350.0
    e.hh_housing_gap = np.zeros(e.n_households)
    distressed = np.zeros(e.n_households, dtype=bool)
    distressed[member] = True
    # Nobody else pays in this month (no cash), so the balances move only by the claim.
    ledger.transfer(e.hh_account, ledger.world, ledger.cash[e.hh_account], "test", cents=True)
    aid.distress(e, {"distressed": distressed})
    # The circle pays all it has (300); the pool the remaining 50.
    assert ledger.cash[aid.circle[0]] == 0
    assert ledger.cash[aid.pool[aid.pool_of[member]]] == 950 * CENTS
    assert aid.circle_paid == 300.0 and aid.paid_month == 350 * CENTS


def test_a_circle_of_one_is_refused(tmp_path, capsys):
    assert_bad_addition_rejected(
        "[instruments.mutual_aid]\ncircle_size = 1\n",
        "instruments.mutual_aid.circle_size",
        "greater than or equal to 2",
        tmp_path / "bad.toml",
        capsys,
    )


@pytest.mark.slow
def test_mutual_credit_relieves_a_credit_crunch():
    """The recession with the bank's limits cut by 60% for its year: against the
    same replicates without mutual credit, illiquid failures fall, with the 95%
    paired interval below 0 (−1.0 [−1.8, −0.2] a run when written): firms short
    of cash and bank credit pay suppliers and part of wages in credit."""
    shocks = [
        {"kind": "export_drop", "start": 24, "duration": 12, "size": 0.3},
        {"kind": "credit_crunch", "start": 24, "duration": 12, "size": 0.6},
    ]
    root = Path(__file__).resolve().parents[1] / "scenarios"
    differences = []
    for seed in range(20):
        runs = [
            solsim_run(root / f"{name}.toml", seed, {"shocks.scheduled": shocks})
            for name in ("mutual_credit", "baseline")
        ]
        differences.append(runs[0]["failures_illiquid"].sum() - runs[1]["failures_illiquid"].sum())
    values = np.asarray(differences, dtype=float)
    half_width = 2.093 * values.std(ddof=1) / np.sqrt(values.size)  # t(19), 95%
    assert values.mean() + half_width < 0, (values.mean(), half_width)


def solsim_run(path, seed, overrides):
    import solsim

    return solsim.run(path, seed=seed, overrides=overrides, agents=False).timeseries
