"""The core economy: conservation, reproducibility, the Mesa face, the summary."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from conftest import assert_conserved
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solsim
from solsim.engine.ledger import Ledger

TIMESERIES_COLUMNS = [
    "step",
    "gini",
    "palma",
    "top10_share",
    "theil",
    "velocity",
    "local_share",
    "output",
    "active_coops",
    "coop_failures",
    "distress_share",
    "unemployment",
    "money_stock",
    "external_in",
    "external_out",
]


def test_timeseries_has_the_documented_columns(baseline_path, small_overrides):
    result = solsim.run(baseline_path, seed=1, steps=6, overrides=small_overrides)
    assert list(result.timeseries.columns[: len(TIMESERIES_COLUMNS)]) == TIMESERIES_COLUMNS
    assert len(result.timeseries) == 6
    assert result.timeseries["step"].tolist() == [1, 2, 3, 4, 5, 6]


def test_money_is_conserved_every_month_in_the_baseline(baseline_path, small_overrides):
    result = solsim.run(baseline_path, seed=3, steps=48, overrides=small_overrides)
    e = result.model.economy
    assert_conserved(result.timeseries, e.initial_money_stock / 100)
    # Exactly, in cents: every account including the outside world sums to zero.
    assert int(e.ledger.cash.sum()) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    households=st.integers(20, 300),
    coops=st.integers(1, 15),
    funds=st.integers(1, 3),
    investors=st.integers(0, 4),
    local_share=st.floats(0.0, 1.0),
    export_drop=st.floats(0.0, 1.0),
    job_loss=st.floats(0.0, 1.0),
    expense=st.floats(0.0, 5000.0),
    rate_rise=st.floats(0.0, 0.2),
    withdrawal=st.floats(0.0, 1.0),
    failures=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_money_is_conserved_in_random_scenarios(
    households,
    coops,
    funds,
    investors,
    local_share,
    export_drop,
    job_loss,
    expense,
    rate_rise,
    withdrawal,
    failures,
    seed,
):
    shocks = [
        {"kind": "export_drop", "start": 3, "duration": 6, "size": export_drop},
        {"kind": "job_loss", "start": 4, "size": job_loss},
        {"kind": "expense", "start": 5, "size": expense, "share": 0.3},
        {"kind": "rate_rise", "start": 2, "duration": 10, "size": rate_rise},
        {"kind": "investor_withdrawal", "start": 6, "size": withdrawal},
        {"kind": "supplier_failure", "start": 7, "size": failures},
    ]
    scenario = solsim.load_scenario(
        data={
            "steps": 14,
            "economy": {
                "households": households,
                "coops": coops,
                "funds": funds,
                "investors": investors,
                "communities": 2,
            },
            "households": {"local_share": local_share},
            "shocks": {
                "scheduled": shocks,
                "random": [{"kind": "expense", "probability": 0.2, "size": 300.0}],
            },
        }
    )
    result = solsim.run(scenario, seed=seed, agents=False)
    assert_conserved(result.timeseries, result.model.economy.initial_money_stock / 100)
    assert int(result.model.economy.ledger.cash.sum()) == 0


def test_same_seed_same_timeseries_other_seed_different(baseline_path, small_overrides):
    first = solsim.run(baseline_path, seed=11, steps=30, overrides=small_overrides)
    again = solsim.run(baseline_path, seed=11, steps=30, overrides=small_overrides)
    other = solsim.run(baseline_path, seed=12, steps=30, overrides=small_overrides)
    assert first.timeseries.equals(again.timeseries)
    assert first.summary == again.summary
    assert not first.timeseries.equals(other.timeseries)


def test_seed_sequence_is_accepted_and_reproducible(baseline_path, small_overrides):
    seq = np.random.SeedSequence(2026, spawn_key=(3,))
    a = solsim.run(baseline_path, seed=seq, steps=5, overrides=small_overrides)
    b = solsim.run(
        baseline_path,
        seed=np.random.SeedSequence(2026, spawn_key=(3,)),
        steps=5,
        overrides=small_overrides,
    )
    assert a.timeseries.equals(b.timeseries)


def test_global_random_state_is_untouched(baseline_path, small_overrides):
    import random

    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    py_state = random.getstate()
    solsim.run(baseline_path, seed=5, steps=5, overrides=small_overrides)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert random.getstate() == py_state


def test_mesa_face(baseline_path, small_overrides):
    model = solsim.SolidarityEconomy(baseline_path, seed=2, overrides=small_overrides)
    assert isinstance(model, mesa.Model)
    households = model.agents_by_type[solsim.Household]
    assert len(households) == 300
    assert len(model.agents_by_type[solsim.Coop]) == 12
    assert len(model.agents_by_type[solsim.Fund]) == 2
    # Two outside investors and one community holder per fund.
    assert len(model.agents_by_type[solsim.Investor]) == 4
    assert len(model.agents_by_type[solsim.Guarantor]) == 1
    for _ in range(3):
        model.step()
    e = model.economy
    # Facades read the arrays.
    cash = np.array(households.get("cash"))
    np.testing.assert_allclose(cash, e.ledger.cash[e.hh_account] / 100)
    np.testing.assert_allclose(households.get("net_worth"), e.household_net_worth())
    assert all(agent.mc_balance == 0 for agent in model.agents)
    for agent in model.agents:
        assert isinstance(agent.net_worth, float)
    # AgentSet queries work.
    distressed = households.select(lambda h: h.distressed)
    assert len(distressed) == int(e.hh_distressed.sum())
    # Writing a behavioural attribute reaches the engine.
    coop = model.coops[0]
    coop.wage = 1234.0
    assert e.firm_wage[0] == 1234.0
    with pytest.raises(AttributeError):
        households[0].cash = 5.0


def test_datacollector_works_on_facades(baseline_path, small_overrides):
    model = solsim.SolidarityEconomy(baseline_path, seed=4, overrides=small_overrides)
    collector = mesa.DataCollector(
        model_reporters={"output": lambda m: m.economy.firm_revenue.sum()},
        agent_reporters={"cash": "cash", "net_worth": "net_worth"},
    )
    for _ in range(3):
        model.step()
        collector.collect(model)
    agents = collector.get_agent_vars_dataframe()
    assert len(agents) == 3 * len(model.agents)
    assert collector.get_model_vars_dataframe()["output"].gt(0).all()


def test_graph_view_has_typed_edges(baseline_path, small_overrides):
    model = solsim.SolidarityEconomy(baseline_path, seed=4, overrides=small_overrides)
    graph = model.graph
    kinds = {data["kind"] for _, data in graph.nodes(data=True)}
    assert {"household", "coop", "fund", "investor", "guarantor"} <= kinds
    relations = {data["relation"] for _, _, data in graph.edges(data=True)}
    assert {"purchase", "supply", "employment"} <= relations


def test_recession_lowers_output_and_summary_measures_it(baseline_path, small_overrides):
    calm = dict(small_overrides, **{"shocks.scheduled": []})
    during = slice(24, 35)
    drawdowns = []
    for seed in (8, 9, 10):
        shocked = solsim.run(baseline_path, seed=seed, steps=48, overrides=small_overrides)
        quiet = solsim.run(baseline_path, seed=seed, steps=48, overrides=calm)
        assert (
            shocked.timeseries["output"].iloc[during].mean()
            < quiet.timeseries["output"].iloc[during].mean()
        )
        assert quiet.summary["drawdown"] is None
        assert shocked.summary["shock_start"] == 24
        drawdowns.append(shocked.summary["drawdown"])
    assert np.mean(drawdowns) > 0.03


def test_runs_longer_than_the_scenario_steps_stop_the_mesa_loop(baseline_path, small_overrides):
    model = solsim.SolidarityEconomy(
        baseline_path, seed=0, overrides=dict(small_overrides, steps=3, **{"shocks.scheduled": []})
    )
    while model.running:
        model.step()
    assert model.economy.month == 3


def test_ledger_transfers_are_double_entry():
    ledger = Ledger([("a", 3, False), ("b", 2, False), ("outside", 1, True)])
    ledger.transfer(ledger.world, np.array([0, 1, 2]), np.array([10.0, 20.0, 30.005]), "in")
    assert ledger.cash[:3].tolist() == [1000, 2000, 3000]  # floored to cents
    assert ledger.external_in == 6000
    ledger.transfer(np.array([0, 1]), 3, np.array([1.0, 2.0]), "local")
    assert ledger.cash[3] == 300 and ledger.flows["local"] == 300
    ledger.transfer(2, ledger.block("outside").start, 5.0, "out")
    assert ledger.external_out == 500
    assert ledger.cash.sum() == 0
    ledger.credit_transfer(np.array([0, 1]), np.array([1, 4]), np.array([250, 100]), "mc")
    assert ledger.credit.sum() == 0


def test_every_fund_serves_someone_when_funds_outnumber_communities(baseline_path):
    from solsim.engine.economy import serving_fund

    overrides = {
        "economy.households": 400,
        "economy.coops": 40,
        "economy.funds": 8,
        "economy.investors": 8,
        "economy.communities": 4,
    }
    model = solsim.SolidarityEconomy(baseline_path, seed=1, overrides=overrides, agents=False)
    e = model.economy
    assert set(np.unique(e.hh_fund)) == set(range(8))
    assert set(np.unique(e.firm_fund)) == set(range(8))
    # Members keep to their own community's funds.
    assert np.all(e.hh_fund % 4 == e.hh_community)
    # With no more funds than communities, community c is served by fund c % F.
    community = np.array([0, 1, 2, 3, 0, 1])
    assert serving_fund(community, 2, 4).tolist() == [0, 1, 0, 1, 0, 1]


def test_paired_scenarios_keep_their_random_streams_aligned(baseline_path, small_overrides):
    # A guarantee changes who borrows (state-dependent draws), yet the streams
    # for shocks, labour and demand stay where the baseline's are.
    a = solsim.SolidarityEconomy(baseline_path, seed=9, overrides=small_overrides, agents=False)
    with_tool = dict(small_overrides, **{"instruments.guarantee.coverage": 0.5})
    b = solsim.SolidarityEconomy(baseline_path, seed=9, overrides=with_tool, agents=False)
    for _ in range(36):
        a.step()
        b.step()
    for name in ("shocks", "labour", "demand"):
        assert (
            a.economy.streams[name].bit_generator.state
            == b.economy.streams[name].bit_generator.state
        )
    assert not a.timeseries.equals(b.timeseries)


def test_a_shock_in_the_first_month_is_summarised(baseline_path, small_overrides):
    shock = [{"kind": "export_drop", "start": 1, "duration": 3, "size": 0.3}]
    result = solsim.run(
        baseline_path,
        seed=1,
        steps=12,
        overrides=dict(small_overrides, **{"shocks.scheduled": shock}),
    )
    # No month before the shock: no pre-shock level to measure resilience against.
    assert result.summary["shock_start"] == 1
    assert result.summary["drawdown"] is None


def test_redeemed_capital_bears_no_later_losses(baseline_path, small_overrides):
    shocks = [
        {"kind": "investor_withdrawal", "start": 3, "size": 0.9},
        {"kind": "export_drop", "start": 6, "duration": 12, "size": 0.6},
        {"kind": "supplier_failure", "start": 8, "size": 0.5},
    ]
    result = solsim.run(
        baseline_path,
        seed=1,
        steps=30,
        agents=False,
        overrides=dict(
            small_overrides,
            **{"shocks.scheduled": shocks, "funds.notes.lockup_months": 0},
        ),
    )
    t = result.model.economy.tranches
    assert t.redeemed.sum() > 0 and t.loss.sum() > 0
    # Loss and redemption together never exceed what a tranche put in.
    assert np.all(t.loss + t.redeemed <= t.size + 1e-6)


@pytest.mark.parametrize(("notice", "lockup", "first_paid"), [(0, 0, 3), (2, 0, 5), (2, 9, 10)])
def test_redemptions_wait_for_the_notice_and_the_lockup(
    baseline_path, small_overrides, notice, lockup, first_paid
):
    """A withdrawal asked for in month 3 is paid after the notes' notice, and not
    before their lock-up from month 1 has ended."""
    shocks = [{"kind": "investor_withdrawal", "start": 3, "size": 0.5}]
    overrides = dict(
        small_overrides,
        **{
            "shocks.scheduled": shocks,
            "funds.notes.notice_months": notice,
            "funds.notes.lockup_months": lockup,
        },
    )
    model = solsim.SolidarityEconomy(
        solsim.load_scenario(baseline_path, overrides), seed=2, agents=False
    )
    redeemed = []
    for _ in range(12):
        model.step()
        redeemed.append(model.economy.tranches.redeemed.sum())
    months = [month for month, total in enumerate(redeemed, start=1) if total > 0]
    assert months and months[0] == first_paid


def test_a_reused_seed_sequence_gives_the_same_run(baseline_path, small_overrides):
    seq = np.random.SeedSequence(77)
    a = solsim.run(baseline_path, seed=seq, steps=6, overrides=small_overrides)
    b = solsim.run(baseline_path, seed=seq, steps=6, overrides=small_overrides)
    assert a.timeseries.equals(b.timeseries)
