"""Economy v2, firms and the bank: working capital, credit lines, pay cuts, and
failures that are illiquid or insolvent."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_bad_addition_rejected, assert_conserved

import solsim
from solsim.engine import bank, phases, reporting
from solsim.engine.ledger import CENTS
from solsim.model import SolidarityEconomy

NO_SHOCK = {"shocks.scheduled": []}
CRUNCH = [{"kind": "credit_crunch", "start": 24, "duration": 12, "size": 0.6}]
TINY = {
    "economy.households": 120,
    "economy.coops": 4,
    "economy.firms": 0,
    "economy.funds": 1,
    "economy.investors": 1,
    "economy.communities": 1,
    "burn_in": 0,
    **NO_SHOCK,
}


def tiny(baseline_path, **overrides):
    return SolidarityEconomy(
        baseline_path, seed=0, agents=False, overrides={**TINY, **overrides}
    ).economy


def test_expected_margin_is_the_smoothed_margin_at_full_pay(baseline_path):
    # Hand case: revenue 10,000 a month, full wage bill 6,000 (members × wage),
    # inputs 3,000, no interest: margin 0.1. Smoothed with weight 1/6 from 0,
    # after n months it is 0.1 × (1 − (5/6)^n).
    e = tiny(baseline_path)
    members = e.firm_workers()
    e.firm_wage[:] = np.where(members > 0, 6000.0 / np.maximum(members, 1), 0.0)
    for month in range(1, 7):
        e.month_flows = {
            "wages": members * e.firm_wage,
            "inputs": np.full(e.n_firms, 3000.0),
            "interest": np.zeros(e.n_firms),
        }
        e.firm_revenue = np.full(e.n_firms, 10_000.0)
        phases.surplus_split(e)
        expected = 0.1 * (1 - (5 / 6) ** month)
        staffed = e.firm_active & (members > 0)
        np.testing.assert_allclose(phases.expected_margin(e)[staffed], expected)


def test_failures_are_classified_by_expected_margin(baseline_path):
    e = tiny(baseline_path)
    e.month_flows = {"failures": 0, "net_loss": 0.0}
    e.firm_margin[:] = [0.05, -0.02, 0.0, 0.3]
    phases._liquidate(e, np.array([0, 1, 2]))
    # Positive expected margin: illiquid; zero or negative: insolvent.
    assert (e.failures_illiquid_month, e.failures_insolvent_month) == (1, 2)


def test_coops_cut_pay_to_the_floor_before_failing(baseline_path):
    e = tiny(baseline_path, **{"coops.pay_floor": 0.7})
    members = e.firm_workers()
    e.firm_revenue_window[:] = 10_000.0
    full = members * e.firm_wage
    # Break-even pay: 1 + margin × revenue ÷ full bill, between the floor and 1.
    e.firm_margin[:] = [0.1, -0.1, -2.0, 0.0]
    planned = phases.planned_pay_ratio(e, members)
    breakeven = 1 + e.firm_margin * 10_000.0 / full
    np.testing.assert_allclose(planned, np.clip(breakeven, 0.7, 1.0))
    assert planned[0] == 1.0 and planned[2] == 0.7


def test_trade_credit_due_is_what_is_owed_less_recent_invoices(baseline_path):
    # Hand case, three supply edges and a two-month delay: edge 0 owes 100 of
    # which 30 + 20 were invoiced in the last two months (50 due); edge 1 owes
    # 50 but 60 was invoiced (netting or early payment took the oldest first: 0
    # due); edge 2 owes nothing.
    e = tiny(baseline_path)
    assert e.invoiced_recent.shape[0] == e.scenario.coops.payment_delay == 2
    e.payable = np.zeros(e.supply.nnz, dtype=np.int64)
    e.invoiced_recent[:] = 0
    e.payable[:3] = [100, 50, 0]
    e.invoiced_recent[:, :3] = [[30, 60, 0], [20, 0, 0]]
    np.testing.assert_array_equal(e.payable_due()[:3], [50, 0, 0])


@pytest.mark.parametrize("delay", [0, 1, 3])
def test_suppliers_are_paid_payment_delay_months_after_they_invoice(baseline_path, delay):
    # With cash to spare and no failure, a buyer pays each invoice exactly
    # ``payment_delay`` months after it is sent: what is still owed after the
    # month's debt service is the last ``delay`` months' invoices, no more.
    model = SolidarityEconomy(
        baseline_path,
        seed=1,
        agents=False,
        overrides={
            **TINY,
            "coops.payment_delay": delay,
            "coops.initial_cash": 500_000.0,
            "coops.pay_floor": 0.0,  # no month unable for want of margin
            "coops.reserve_target_months": 100.0,  # the cash stays in the co-ops
        },
    )
    e = model.economy
    invoices = []
    for _ in range(8):
        model.step()
        invoices.append(e.invoiced_month.copy())
        assert not e.firm_unable.any()
        recent = sum(invoices[-delay:], np.zeros(e.supply.nnz, dtype=np.int64)) if delay else 0
        np.testing.assert_array_equal(e.payable, recent)
    assert sum(int(i.sum()) for i in invoices) > 0


def test_a_coop_short_of_cash_draws_on_its_line_and_repays(baseline_path):
    e = tiny(baseline_path)
    e.firm_revenue_window[:] = 40_000.0
    bank.set_limits(e)
    limit = e.bank_limit.copy()
    np.testing.assert_array_equal(limit, np.round(0.75 * 40_000.0 * CENTS) * e.firm_active)
    need = e.firm_cash + 10_000 * CENTS
    drawn = bank.draw(e, need)
    np.testing.assert_array_equal(drawn, np.minimum(10_000 * CENTS, limit))
    before = int(e.ledger.cash.sum())
    e.firm_unable[:] = False
    bank.service(e)
    assert int(e.ledger.cash.sum()) == before  # double entry, the bank included
    # Cash above the reserve target repays the line; the interest leaves.
    assert e.bank_interest_month > 0
    assert (e.bank_drawn <= drawn).all()


def test_a_crunch_cuts_limits_and_forces_repayment(baseline_path):
    e = tiny(baseline_path)
    e.firm_revenue_window[:] = 40_000.0
    bank.set_limits(e)
    bank.draw(e, e.firm_cash + e.bank_limit)  # fully drawn
    e.credit_crunch = 0.5
    bank.set_limits(e)
    over = e.bank_drawn - e.bank_limit
    assert (over > 0).all()
    cash = e.firm_cash.copy()
    bank.service(e)
    # Whoever could not repay the excess (and the interest) is unable this month.
    short = cash < over
    assert (e.firm_unable[short & e.firm_active]).all()


@pytest.mark.slow
def test_a_credit_crunch_makes_viable_coops_fail(baseline_path):
    # No change in demand, only the bank's limits cut for a year: over 20
    # replicates against the same seed without the crunch, illiquid failures
    # rise, with the 95% paired interval above 0. The effect has a threshold:
    # lines of 0.75 months of revenue cut by 60% still cover most co-ops'
    # gap between paying and being paid (+0.35 illiquid failures a run,
    # 95% CI ±0.46, with the funds' books of v2); cut by 90% they do not
    # (+24.8 ± 1.6 on 1.6). The test takes the deep crunch.
    deep = [dict(CRUNCH[0], size=0.9)]
    differences = []
    for seed in range(20):
        crunch = solsim.run(
            baseline_path, seed=seed, overrides={"shocks.scheduled": deep}, agents=False
        ).timeseries
        calm = solsim.run(baseline_path, seed=seed, overrides=NO_SHOCK, agents=False).timeseries
        differences.append(crunch["failures_illiquid"].sum() - calm["failures_illiquid"].sum())
    values = np.asarray(differences, dtype=float)
    half_width = 2.093 * values.std(ddof=1) / np.sqrt(values.size)  # t(19), 95%
    assert values.mean() - half_width > 0, (values.mean(), half_width)


def test_the_bank_binds_in_the_baseline(baseline_path):
    result = solsim.run(baseline_path, seed=1, agents=False, overrides={"burn_in": 120})
    ts, summary = result.timeseries, result.summary
    for column in (
        "failures_illiquid",
        "failures_insolvent",
        "bank_credit",
        "bank_credit_limit",
        "bank_chargeoffs",
        "coop_pay_ratio",
    ):
        assert column in ts
    # Co-ops draw to bridge wages and inputs until sales come in.
    assert (ts["bank_credit_peak"] > 0).all()
    assert 0 < summary["bank_use"] < 1
    failures = ts["coop_failures"] + ts["firm_failures"]
    assert (ts["failures_illiquid"] + ts["failures_insolvent"] == failures).all()
    assert ts["coop_pay_ratio"].between(0.0, 1.0).all()
    assert_conserved(ts)


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (
            "steps = 6\n[coops]\npayment_delay = 12\n",
            "coops.payment_delay",
            "longer than the run",
        ),
        ("[bank]\nprocyclicality = 1.5\n", "bank.procyclicality", "less than or equal to 1"),
        ("[bank]\nrate = -0.1\n", "bank.rate", "greater than or equal to 0"),
        ("[coops]\npay_floor = 2\n", "coops.pay_floor", "less than or equal to 1"),
    ],
)
def test_bad_bank_and_firm_settings_are_refused(tmp_path, capsys, text, key, reason):
    assert_bad_addition_rejected(text, key, reason, tmp_path / "bad.toml", capsys)


def test_local_spending_shares_and_lm3_on_a_hand_case(baseline_path):
    e = tiny(baseline_path, **{"economy.coops": 2, "economy.firms": 2})
    e.ledger.start_month()
    flows = e.ledger.flows
    coop = e.firm_is_coop
    # Each co-op paid 25 to members (wages 20, patronage 5), 10 to suppliers and
    # the funds, and 15 outside: 35 of 50 local. Each conventional firm paid 18
    # locally and 32 outside (dividends, stock): 36%.
    e.month_flows = {
        "wages": np.where(coop, 20.0, 10.0),
        "patronage": np.where(coop, 5.0, 0.0),
    }
    e.firm_paid_local = np.where(coop, 35.0, 18.0)
    e.firm_paid_out = np.where(coop, 15.0, 32.0)
    # Households spent 40 locally and deposited 5; 55 left.
    flows.update(local_purchases=40, deposit=5, imports=30, rent=20, mortgage=5)
    e.firm_revenue = np.full(e.n_firms, 50.0)  # R1 = 100 (the co-ops')
    row = reporting.circulation(e)
    assert row["coop_local_spend_share"] == pytest.approx(0.7)
    assert row["firm_local_spend_share"] == pytest.approx(0.36)
    assert row["household_local_spend_share"] == pytest.approx(0.45)
    # R2 = 70; R3 = 70 × (50/70 × 0.45 + 20/70 × 0.7) = 36.5; LM3 = 2.065.
    assert row["lm3"] == pytest.approx(2.065)


FIRMS = {"economy.coops": 2, "economy.firms": 2, "households.firm_employment": 0.3}


def test_firm_kinds_are_spread_over_the_index():
    from solsim.engine.economy import conventional_spread

    kinds = conventional_spread(9, 3)
    assert kinds.tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1]
    assert conventional_spread(4, 0).sum() == 0 and conventional_spread(4, 4).sum() == 4


def test_conventional_firms_lay_off_where_coops_cut_pay(baseline_path):
    e = tiny(baseline_path, **FIRMS, **{"firms.layoff_limit": 0.25})
    staff = e.firm_workers()
    e.firm_revenue_window[:] = 20_000.0
    # Every firm loses 10% of its revenue at full pay: break-even is at full
    # pay minus 2,000 a month of wages.
    e.firm_margin[:] = -0.1
    phases.firm_staffing(e)
    after = e.firm_workers()
    coop = e.firm_is_coop
    # Co-ops keep their members (they cut pay instead).
    assert (after[coop] == staff[coop]).all()
    assert (phases.planned_pay_ratio(e, after)[coop] < 1).all()
    # Conventional firms lay off down to break-even, at most a quarter a month.
    breakeven = np.floor((1 - 2000.0 / (staff * e.firm_wage)) * staff)
    expected = np.maximum(breakeven, staff - np.maximum(np.floor(0.25 * staff), 1))
    np.testing.assert_array_equal(after[~coop], expected[~coop])
    assert (phases.planned_pay_ratio(e, after)[~coop] == 1).all()
    assert (e.hh_employer == phases.UNEMPLOYED).sum() > 0


def test_owners_close_firms_that_earn_less_than_required(baseline_path):
    e = tiny(baseline_path, **FIRMS, **{"firms.required_margin": 0.05, "firms.exit_months": 2})
    e.month_flows = {"failures": 0, "coop_failures": 0, "net_loss": 0.0}
    e.hh_shortfall = np.zeros(e.n_households)
    e.hh_housing_gap = np.zeros(e.n_households)
    # Margin 3%: above zero (the co-ops carry on) but below the owners' 5%.
    e.firm_margin[:] = 0.03
    phases.exit_and_distress(e)
    assert e.firm_active.all()
    phases.exit_and_distress(e)
    assert (e.firm_active == e.firm_is_coop).all()
    # Below the required return is a loss to the owner: insolvent, not illiquid.
    assert (e.failures_illiquid_month, e.failures_insolvent_month) == (0, 2)


@pytest.mark.parametrize("owner", ["outside", "local"])
def test_dividends_go_to_the_owner(baseline_path, owner):
    e = tiny(baseline_path, **FIRMS, **{"firms.owner": owner})
    conventional = np.flatnonzero(~e.firm_is_coop)
    before_world = e.ledger.external_out
    amount = np.where(e.firm_is_coop, 0.0, 100.0)
    paid = phases._pay_dividends(e, amount)
    np.testing.assert_allclose(paid[conventional], 100.0)
    if owner == "outside":
        assert e.ledger.external_out - before_world == 200 * CENTS
        assert e.dividends_out == 200.0
    else:
        owners = e.firm_owner[conventional]
        assert (owners >= 0).all()
        assert e.hh_deposit_interest[owners].sum() == pytest.approx(200.0)
        assert e.dividends_local == 200.0


def test_survival_follows_entry_cohorts(baseline_path):
    from solsim.engine.reporting import entry_survival

    e = tiny(baseline_path, **FIRMS, burn_in=0)
    e.clock = 200
    # Founded at 10 and failed at 30 (20 months), founded at 20 and failed at
    # 100 (80 months), founded at 150 (too recent to count); the opening firms
    # (founded at 0) are left out.
    e.firm_exits = [
        (np.array([False]), np.array([10]), 30),
        (np.array([False]), np.array([20]), 100),
    ]
    e.firm_founded_at[:] = 0
    e.firm_founded_at[~e.firm_is_coop] = [150, 5]
    # Cohort founded in [1, 140]: (10 → 20 months), (20 → 80), (5 → still open).
    assert entry_survival(e, coop=False) == pytest.approx(2 / 3)
    assert entry_survival(e, coop=True) is None


def test_firm_facades_and_columns(baseline_path):
    model = SolidarityEconomy(baseline_path, seed=0, overrides={**TINY, **FIRMS, "steps": 3})
    assert len(model.firms) == 2 and len(model.coops) == 2
    assert len(model.agents_by_type[solsim.Firm]) == 2
    for _ in range(3):
        model.step()
    firm = model.firms[0]
    assert firm.members == int((model.economy.hh_employer == firm.index).sum())
    assert firm.owner is None
    # A household finds its employer, co-op or conventional firm, by the firm's row.
    for household in model.households:
        row = int(model.economy.hh_employer[household.index])
        if row >= 0:
            assert household.employer.index == row
            kind = "coop" if model.economy.firm_is_coop[row] else "firm"
            assert household.employment == kind == household.employer.kind
    ts = model.timeseries
    for column in ("active_firms", "firm_failures", "firm_local_spend_share", "firm_jobs"):
        assert column in ts
    summary = model.summary
    for key in ("coop_hazard", "firm_hazard", "coop_survival_5y", "firm_survival_5y"):
        assert key in summary
