"""Fund-side instruments: first-loss capital, guarantees, patient capital.

Known answers (DESIGN §2's worked example), the waterfall's rules, the loan
terms debt service applies, the scenarios run from the command line, property
tests over random loss paths, and the one-line errors of bad input.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_bad_addition_rejected, assert_conserved, run_scenarios_with_the_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solsim
from solsim.engine import phases, reporting
from solsim.engine.capital import attachment_points, waterfall
from solsim.engine.instruments import available
from solsim.engine.instruments.guarantee import covered_in_turn, guarantee_claims
from solsim.engine.ledger import CENTS
from solsim.model import SolidarityEconomy
from solsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TINY = {
    "economy": {"households": 120, "coops": 6, "funds": 1, "investors": 1, "communities": 1},
    "steps": 12,
    # Hand-built cases start from the opening balances.
    "burn_in": 0,
}


def tiny_economy(instruments: dict, **sections):
    """A one-fund economy, built but not yet run."""
    data = {**TINY, "instruments": instruments, **sections}
    return SolidarityEconomy(load_scenario(data=data), seed=0, agents=False).economy


def new_month(e) -> None:
    """The per-month scratch state ``run_month`` sets up, for calling one phase alone."""
    e.month_flows = {
        "wages": np.zeros(e.n_firms),
        "inputs": np.zeros(e.n_firms),
        "interest": np.zeros(e.n_firms),
        "failures": 0,
        "net_loss": 0.0,
    }


def tranche_loss(e, name: str) -> float:
    return float(e.tranches.loss[e.tranches.name.index(name)])


# ------------------------------------------------------------------ known answers
WORKED = {
    "funds": {"capital": 100.0},
}
STACK_10_90 = {
    "tranches": [
        {"name": "first_loss", "share": 0.1, "holder": "philanthropic"},
        {"name": "senior", "share": 0.9, "holder": "outside"},
    ]
}


def test_waterfall_worked_example():
    a, d = attachment_points([10.0, 90.0])
    np.testing.assert_allclose(waterfall(12.0, a, d), [10.0, 2.0])


def test_recoveries_are_written_back_senior_first():
    a, d = attachment_points([10.0, 30.0, 60.0])
    path = [25.0, 45.0, 42.0, 38.0, 12.0, 4.0, 0.0]
    losses = np.array([waterfall(L, a, d) for L in path])
    np.testing.assert_allclose(losses[1], [10.0, 30.0, 5.0])
    np.testing.assert_allclose(losses[2], [10.0, 30.0, 2.0])  # recovery of 3: senior first
    np.testing.assert_allclose(losses[3], [10.0, 28.0, 0.0])  # senior whole before mezzanine
    np.testing.assert_allclose(losses[4], [10.0, 2.0, 0.0])
    np.testing.assert_allclose(losses[5], [4.0, 0.0, 0.0])  # junior recovers last
    np.testing.assert_allclose(losses[6], [0.0, 0.0, 0.0])


def test_guarantee_worked_example_pure():
    """Pool 100 (first loss 10, senior 90), loss 12, g = 50%, cap rate 12%: claim 6."""
    cap = 0.5 * 0.12 * 100.0
    claim = guarantee_claims(
        np.array([12.0]), np.array([True]), np.array([0]), 0.5, np.array([cap]), np.array([1e6])
    )
    np.testing.assert_allclose(claim, [6.0])
    a, d = attachment_points([10.0, 90.0])
    np.testing.assert_allclose(waterfall(12.0 - claim.sum(), a, d), [6.0, 0.0])


def defaulting_pool(instruments: dict, **sections):
    """Five loans of 20 (pool 100) paid out of the fund, so its net assets and its
    allowance stay at zero, as in DESIGN's worked check."""
    e = tiny_economy(instruments, **(sections or WORKED))
    coops = np.arange(5)
    e.loan_active[coops] = True
    e.loan_fund[coops] = 0
    e.loan_principal[coops] = e.loan_original[coops] = 20 * CENTS
    e.ledger.transfer(e.fund_account[0], e.firm_account[coops], 20 * CENTS, "loans", cents=True)
    e.hook("new_loans", {"coop": coops, "fund": e.loan_fund[coops]})
    assert e.books.allowance[0] == 0 and e.fund_net_assets()[0] == pytest.approx(0.0)
    return e


def recovering(e, coop: int, cash_cents: int) -> None:
    """Leave the co-op ``cash_cents`` and no equipment: the fund recovers just that."""
    e.ledger.transfer(
        e.firm_account[coop],
        e.ledger.world,
        int(e.firm_cash[coop]) - cash_cents,
        "wages",
        cents=True,
    )
    e.firm_equipment[coop] = 0.0


@pytest.mark.parametrize("guaranteed", [False, True])
def test_worked_example_in_the_engine(guaranteed):
    """One loan of 20 defaults at 40% recovery (8 of cash): loss 12."""
    instruments = {"first_loss": STACK_10_90}
    if guaranteed:
        instruments["guarantee"] = {"coverage": 0.5, "cap_rate": 0.12, "reserve": 50.0}
    e = defaulting_pool(instruments)
    recovering(e, 0, 8 * CENTS)
    fund_cash = int(e.fund_cash[0])
    new_month(e)
    phases._liquidate(e, np.array([0]))
    guarantee = next((i for i in e.instruments if i.name == "guarantee"), None)
    row = reporting.fund_record(e)
    assert row["net_chargeoffs"] == row["net_chargeoffs_cum"] == 12.0
    assert row["recoveries"] == 8.0
    assert row["absorbed_allowance"] == row["absorbed_net_assets"] == 0.0
    if guaranteed:
        assert guarantee.covered[1:5].all()
        assert guarantee.paid == pytest.approx(6.0)
        assert row["absorbed_guarantee"] == 6.0
        assert (tranche_loss(e, "first_loss"), tranche_loss(e, "senior")) == pytest.approx((6, 0))
        assert int(e.fund_cash[0]) - fund_cash == 8 * CENTS + 6 * CENTS
    else:
        assert guarantee is None
        assert reporting.instrument_record(e)["guarantee_paid"] == 0.0
        assert row["absorbed_guarantee"] == 0.0
        assert (tranche_loss(e, "first_loss"), tranche_loss(e, "senior")) == pytest.approx((10, 2))
        assert int(e.fund_cash[0]) - fund_cash == 8 * CENTS
    assert row["absorbed_backstop"] == 0.0


def test_the_allowance_and_net_assets_absorb_before_any_tranche():
    """Allowance 3 and net assets 4 take 7 of the loss of 12; the first loss takes 5."""
    e = defaulting_pool({"first_loss": STACK_10_90})
    e.books.allowance[0] = 3 * CENTS
    # Net assets of 4 on top of the allowance: cash the fund holds for itself.
    e.ledger.transfer(e.ledger.world, e.fund_account[0], 7 * CENTS, "opening", cents=True)
    assert e.fund_net_assets()[0] == pytest.approx(4.0)
    recovering(e, 0, 8 * CENTS)
    new_month(e)
    phases._liquidate(e, np.array([0]))
    row = reporting.fund_record(e)
    assert (row["absorbed_allowance"], row["absorbed_net_assets"]) == (3.0, 4.0)
    assert (row["absorbed_tranche_first_loss"], row["absorbed_tranche_senior"]) == (5.0, 0.0)
    assert e.books.allowance[0] == 0 and e.fund_net_assets()[0] == pytest.approx(0.0)


@pytest.mark.parametrize("backstop", ["depositors", "outside"])
def test_a_loss_beyond_every_layer_lands_on_the_backstop(backstop):
    """The whole pool defaults with nothing recovered: 100 lost, tranches hold 100,
    but half of that capital was redeemed: the backstop takes the other 50."""
    e = defaulting_pool({"first_loss": STACK_10_90}, funds={"capital": 100.0, "backstop": backstop})
    e.tranches.redeemed[:] = e.tranches.size / 2  # capital that left earlier
    e.ledger.transfer(e.fund_account[0], e.ledger.world, 50 * CENTS, "redemptions", cents=True)
    deposits = int(e.hh_deposit.sum())
    outside_in = e.ledger.external_in
    for coop in range(5):
        recovering(e, coop, 0)
    new_month(e)
    phases._liquidate(e, np.arange(5))
    row = reporting.fund_record(e)
    assert row["net_chargeoffs_cum"] == 100.0
    assert row["absorbed_tranche_first_loss"] + row["absorbed_tranche_senior"] == 50.0
    assert row["absorbed_backstop"] == 50.0
    if backstop == "depositors" and deposits >= 50 * CENTS:
        assert deposits - int(e.hh_deposit.sum()) == 50 * CENTS
        assert e.deposits_written_off == 50 * CENTS
    else:
        assert e.ledger.external_in - outside_in >= 50 * CENTS


def test_stressed_losses_reach_the_tranches_junior_first_month_by_month():
    """A fund with no allowance and no retained surplus in a deep recession: each
    month's losses hit the first-loss tranche, and the senior tranche only once
    the first loss is gone."""
    scenario = load_scenario(
        SCENARIOS / "first_loss.toml",
        {
            "steps": 48,
            "funds.allowance_target": 0.0,
            "funds.net_asset_target": 0.0,
            # A thin first-loss slice, so that a recession's losses pass it.
            "instruments.first_loss.tranches": [
                {"name": "first_loss", "share": 0.05, "holder": "philanthropic"},
                {"name": "senior", "share": 0.95, "holder": "outside"},
            ],
            "shocks.scheduled": [
                {"kind": "export_drop", "start": 6, "duration": 36, "size": 0.6},
                {"kind": "supplier_failure", "start": 12, "size": 0.3},
            ],
        },
    )
    result = solsim.run(scenario, seed=1, agents=False)
    ts, t = result.timeseries, result.model.economy.tranches
    layers = [c for c in ts.columns if c.startswith("absorbed_")]
    np.testing.assert_allclose(ts[layers].sum(axis=1), ts["net_chargeoffs_cum"], atol=1e-6)
    junior, senior = ts["absorbed_tranche_first_loss"], ts["absorbed_tranche_senior"]
    assert junior.iloc[-1] > 0
    one_slice = t.size[np.array(t.name) == "first_loss"].min()
    for month in range(len(ts)):
        if senior.iloc[month] > 0:
            # The senior tranche of a fund is hit only once its own junior slice
            # is gone, so at least one fund's whole first-loss slice is spent.
            assert junior.iloc[month] >= one_slice - 1e-6
    assert senior.iloc[-1] > 0, "the stress is meant to reach the senior tranche"


def test_coupons_are_paid_senior_first():
    e = tiny_economy(
        {"first_loss": STACK_10_90},
        funds={"capital": 120000.0, "deposit_rate": 0.0, "target_return": 0.04},
    )
    # Monthly coupons at 4%: senior 108000 → 360, first loss 12000 → 40.
    e.fund_interest_income[:] = 370.0
    new_month(e)
    phases.fund_operations(e)
    paid = dict(zip(e.tranches.name, e.tranches.paid, strict=True))
    assert paid["senior"] == pytest.approx(360.0)
    assert paid["first_loss"] == pytest.approx(10.0)
    assert e.fund_interest_income[0] == pytest.approx(0.0)


def test_pro_rata_funds_share_coupons_pro_rata():
    """Without first-loss capital the stack stays pari passu (baseline behaviour)."""
    e = tiny_economy({}, funds={"capital": 100000.0, "deposit_rate": 0.0, "outside_share": 0.6})
    assert not e.fund_sequential.any()
    e.fund_interest_income[:] = 100.0
    new_month(e)
    phases.fund_operations(e)
    paid = dict(zip(e.tranches.name, e.tranches.paid, strict=True))
    assert paid["outside"] / paid["community"] == pytest.approx(1.5, rel=1e-3)


# ------------------------------------------------------------------ patient capital
def _one_loan(e, revenue: float) -> None:
    """Grant co-op 0 a standard loan on its fund's terms, with ample cash."""
    e.loan_active[0] = True
    e.loan_fund[0] = 0
    e.loan_principal[0] = e.loan_original[0] = 24000 * CENTS
    e.loan_rate[0] = e.fund_rate[0]
    e.loan_tenor_left[0] = e.fund_tenor[0]
    e.loan_grace_left[0] = e.fund_grace[0]
    e.loan_revenue_share[0] = e.fund_revenue_share[0]
    e.ledger.transfer(e.ledger.world, e.firm_account[0], 1e6, "test")
    e.firm_revenue[:] = revenue


def _service(e) -> float:
    """One month of debt service; returns what co-op 0 paid."""
    new_month(e)
    before = int(e.firm_cash[0])
    phases.debt_service(e)
    return (before - int(e.firm_cash[0])) / CENTS


def test_grace_months_are_interest_only_and_extend_the_loan():
    terms = {"tenor_months": 12, "grace_months": 3, "revenue_share": 0.0, "rate": 0.06}
    e = tiny_economy({"patient_capital": terms})
    _one_loan(e, revenue=0.0)
    payments = []
    while e.loan_active[0]:
        payments.append(_service(e))
        assert len(payments) <= 40
    assert len(payments) == 3 + 12  # grace, then the whole tenor
    assert payments[:3] == pytest.approx([24000 * 0.005] * 3)  # interest only
    annuity = 24000 * 0.005 / (1 - 1.005**-12)
    assert payments[3:-1] == pytest.approx([annuity] * 11, abs=0.02)
    assert sum(payments[3:]) - 24000 == pytest.approx(12 * annuity - 24000, abs=0.1)


def test_revenue_based_payments_fall_with_revenue():
    terms = {"tenor_months": 120, "grace_months": 0, "revenue_share": 0.02, "rate": 0.06}
    e = tiny_economy({"patient_capital": terms})
    _one_loan(e, revenue=50000.0)
    assert _service(e) == pytest.approx(1000.0)
    e.firm_revenue[0] = 20000.0
    assert _service(e) == pytest.approx(400.0)
    e.firm_revenue[0] = 0.0  # no sales: interest only, no arrears
    interest = e.loan_principal[0] / CENTS * 0.005
    assert _service(e) == pytest.approx(interest, abs=0.01)
    assert e.loan_arrears[0] == 0


def test_longer_tenor_means_smaller_payments():
    paid = {}
    for tenor in (60, 120):
        e = tiny_economy(
            {"patient_capital": {"tenor_months": tenor, "grace_months": 0, "revenue_share": 0.0}}
        )
        _one_loan(e, revenue=0.0)
        paid[tenor] = _service(e)
    assert paid[120] < 0.6 * paid[60]


def test_revenue_based_loans_keep_to_the_floor_path():
    # Floor 1.2 over a 10-month tenor: by month k the co-op has paid 1.2 × 24,000 × k / 10
    # in all, whatever its sales; with no sales it pays exactly that path.
    terms = {
        "tenor_months": 10,
        "grace_months": 0,
        "revenue_share": 0.02,
        "floor": 1.2,
        "repayment_cap": 1.5,
        "rate": 0.06,
    }
    e = tiny_economy({"patient_capital": terms})
    _one_loan(e, revenue=0.0)
    instrument = e.instruments[0]
    instrument.new_loans(e, {"coop": np.array([0]), "fund": np.array([0])})
    e.loan_tenor[0] = 10
    assert _service(e) == pytest.approx(2880.0)  # 1.2 × 24,000 / 10
    assert _service(e) == pytest.approx(2880.0)
    # Sales far ahead of the path: 2% of 500,000 = 10,000 this month ...
    e.firm_revenue[0] = 500_000.0
    assert _service(e) == pytest.approx(10_000.0)
    # ... which leaves room: the next month without sales pays only the interest.
    e.firm_revenue[0] = 0.0
    interest = e.loan_principal[0] / CENTS * 0.005
    assert _service(e) == pytest.approx(interest, abs=0.01)
    assert e.loan_arrears[0] == 0


def test_the_repayment_cap_bounds_what_a_loan_pays_in_all():
    # A 60% rate and a 1.1 cap: interest stops when the cap leaves no room, and the
    # loan is repaid with exactly 1.1 × its principal.
    terms = {
        "tenor_months": 24,
        "grace_months": 0,
        "revenue_share": 0.01,
        "floor": 1.0,
        "repayment_cap": 1.1,
        "rate": 0.6,
    }
    e = tiny_economy({"patient_capital": terms})
    _one_loan(e, revenue=100_000.0)
    e.instruments[0].new_loans(e, {"coop": np.array([0]), "fund": np.array([0])})
    e.loan_tenor[0] = 24
    paid = []
    while e.loan_active[0]:
        paid.append(_service(e))
        assert len(paid) <= 24
    assert sum(paid) == pytest.approx(1.1 * 24_000.0, abs=0.01)
    assert int(e.loan_repaid[0]) == round(1.1 * 24_000 * CENTS)


# ------------------------------------------------------------------ non-extractive lending
def test_non_extractive_loan_by_hand():
    """One loan of 24,000 at 6% over 12 months, θ = 0.5, on equipment of 60,000.

    Scheduled: the annuity 24,000 × 0.005 / (1 − 1.005⁻¹²) = 2,065.60.
    Month 1: surplus 100,000 − 60,000 − 37,000 = 3,000, so it pays
    min(2,065.60, 0.5 × 3,000) = 1,500, of which 120 is interest.
    Month 2: surplus −500, so it pays nothing and is in no arrears.
    The equipment's exports: capacity 20,000 + 0.035 × 60,000 = 22,100 sold in
    full, 2,100 of it from the equipment, less 30% inputs: 1,470 of surplus a month.
    Extraction ratio after two months: 120 / (2 × 1,470).
    """
    terms = {"surplus_share": 0.5, "tenor_months": 12, "grace_months": 0, "rate": 0.06}
    e = tiny_economy({"non_extractive": terms})
    coop = 0
    assert e.firm_is_coop[coop] and e.firm_active[coop]
    _one_loan(e, revenue=100_000.0)
    e.loan_tenor[coop] = 12
    instrument = e.instruments[0]
    instrument.new_loans(e, {"coop": np.array([coop]), "fund": np.array([0])})
    assert e.loan_asset_only[coop] and e.loan_surplus_share[coop] == 0.5
    e.firm_equipment[coop] = 60_000.0
    e.firm_export_base[coop] = 20_000.0
    e.firm_sales_export[coop] = 22_100.0

    def month(wages: float, inputs: float) -> float:
        new_month(e)
        e.month_flows["wages"][coop] = wages
        e.month_flows["inputs"][coop] = inputs
        before = int(e.firm_cash[coop])
        phases.debt_service(e)
        instrument.record(e)
        return (before - int(e.firm_cash[coop])) / CENTS

    assert month(60_000.0, 37_000.0) == pytest.approx(1500.0)
    assert e.loan_principal[coop] == (24_000 - 1_380) * CENTS
    assert month(60_000.0, 40_500.0) == 0.0
    assert e.loan_arrears[coop] == 0 and e.loan_principal[coop] == (24_000 - 1_380) * CENTS
    values = instrument.record(e)
    assert values["ne_interest"] == pytest.approx(120.0)
    assert values["ne_surplus"] == pytest.approx(2 * 1470.0)
    assert values["ne_extraction_ratio"] == pytest.approx(120.0 / 2940.0)


# ------------------------------------------------------------------ scenarios via the CLI
@pytest.fixture(scope="module")
def scenario_runs(tmp_path_factory):
    """Each fund-side scenario, run with ``solsim run`` for 60 months (seed 0)."""
    out = tmp_path_factory.mktemp("fund_scenarios")
    # From the opening balances and with no retained surplus, every net loss
    # goes through the tranche waterfall (a fund's own net assets would absorb
    # it first), which is what these tests follow.
    return run_scenarios_with_the_cli(
        ("first_loss", "guarantee", "patient_capital"),
        out,
        sets=("burn_in=0", "funds.net_asset_target=0"),
    )


def test_first_loss_scenario_losses_reach_the_junior_tranche_first(scenario_runs):
    ts = scenario_runs["first_loss"]
    assert {"loss_first_loss", "loss_community", "loss_senior"} <= set(ts.columns)
    # Junior first: community capital loses only once the first-loss tranches
    # (10% of each fund's 400,000) are used up, and senior capital after that.
    first_loss_size = 0.1 * 400_000 * 2
    for _, month in ts[ts["net_chargeoffs"] > 0].iterrows():
        assert month["loss_first_loss"] > 0
        if month["loss_community"] > 0:
            assert month["loss_first_loss"] >= 0.1 * 400_000 - 1e-6
        if month["loss_senior"] > 0:
            assert month["loss_first_loss"] == pytest.approx(first_loss_size)
    # Philanthropic capital is not community-held: 30% of the stack is.
    assert ts["community_capital_share"].iloc[0] == pytest.approx(0.3)
    assert_conserved(ts)


def test_guarantee_scenario_pays_claims(scenario_runs):
    ts = scenario_runs["guarantee"]
    last = ts.iloc[-1]
    assert last["guarantee_paid"] > 0
    assert last["guarantee_fees"] > 0
    assert (ts["guarantor_reserve"] >= 0).all()
    # With g = 50% a claim is at most the loss left to the fund, and the
    # tranches only see what is left.
    month = ts[ts["net_chargeoffs"] > 0].iloc[0]
    assert 0 < month["guarantee_paid"] <= month["net_chargeoffs"] + 0.01
    tranche_losses = ts["loss_community"] + ts["loss_outside"]
    # What the guarantee leaves reaches the tranches; later surplus may write
    # part of it back, never more.
    cumulative = ts["net_chargeoffs"].cumsum()
    first = int(np.argmax(ts["net_chargeoffs"].to_numpy() > 0))
    # (the fund's own net assets take the first cents of a loss).
    assert 0 < tranche_losses.iloc[first] <= cumulative.iloc[first] + 1e-6
    assert (tranche_losses <= cumulative + 1e-6).all()
    assert_conserved(ts)


def test_patient_capital_scenario_changes_loan_terms(scenario_runs):
    ts = scenario_runs["patient_capital"]
    assert ts["loans_in_grace"].max() > 0
    assert ts["revenue_based_loans"].iloc[-1] > 0
    assert_conserved(ts)


# ------------------------------------------------------------------ properties
stacks = st.lists(st.floats(0.5, 100.0), min_size=1, max_size=5)
paths = st.lists(st.floats(0.0, 600.0), min_size=1, max_size=12)


@given(sizes=stacks, path=paths)
def test_waterfall_properties_on_random_loss_paths(sizes, path):
    a, d = attachment_points(sizes)
    size = d - a
    for loss in path:
        hit = waterfall(loss, a, d)
        assert (hit >= 0).all() and (hit <= size + 1e-9).all()
        assert hit.sum() == pytest.approx(min(loss, size.sum()), abs=1e-6)
        # Junior first: a tranche loses only once every junior one is wiped out.
        impaired = np.flatnonzero(hit > 1e-9)
        if impaired.size:
            np.testing.assert_allclose(hit[: impaired.max()], size[: impaired.max()])


@given(
    losses=st.lists(st.lists(st.floats(0.0, 50.0), min_size=1, max_size=6), min_size=1, max_size=8),
    coverage=st.floats(0.0, 1.0),
    cap_rate=st.floats(0.0, 1.0),
    reserve=st.floats(0.0, 200.0),
    n_funds=st.integers(1, 3),
    data=st.data(),
)
def test_guarantee_claims_stay_within_cap_and_reserve(
    losses, coverage, cap_rate, reserve, n_funds, data
):
    volume = np.full(n_funds, 300.0)
    cap = coverage * cap_rate * volume
    claimed = np.zeros(n_funds)
    left = reserve
    for month in losses:
        loss = np.array(month)
        fund = np.array(
            data.draw(
                st.lists(st.integers(0, n_funds - 1), min_size=len(month), max_size=len(month))
            )
        )
        covered = np.array(
            data.draw(st.lists(st.booleans(), min_size=len(month), max_size=len(month)))
        )
        claim = guarantee_claims(loss, covered, fund, coverage, cap - claimed, np.array([left]))
        assert (claim >= 0).all()
        assert (claim <= coverage * loss * covered + 1e-9).all()
        claimed += np.bincount(fund, claim, minlength=n_funds)
        left -= claim.sum()
        assert (claimed <= cap + 1e-9).all()
        assert left >= -1e-9


@given(
    first=st.integers(0, 50),
    sizes=st.lists(st.integers(0, 7), max_size=6),
    share=st.floats(0.0, 1.0),
)
def test_a_share_of_loans_is_covered_exactly_and_in_turn(first, sizes, share):
    covered = np.concatenate(
        [covered_in_turn(first + sum(sizes[:i]), n, share) for i, n in enumerate(sizes)]
        or [np.zeros(0, bool)]
    )
    np.testing.assert_array_equal(covered, covered_in_turn(first, sum(sizes), share))
    total = int(np.floor((first + sum(sizes)) * share + 1e-9) - np.floor(first * share + 1e-9))
    assert covered.sum() == total


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    junior=st.floats(0.02, 0.3),
    coverage=st.floats(0.0, 1.0),
    cap_rate=st.floats(0.0, 0.5),
    reserve=st.floats(0.0, 40000.0),
    recovery=st.floats(0.0, 0.9),
    failing=st.floats(0.2, 0.8),
)
def test_random_loss_paths_in_the_engine(
    seed, junior, coverage, cap_rate, reserve, recovery, failing
):
    """Forced co-op failures: conservation, tranche limits, junior first, claims within limits."""
    data = {
        "economy": {"households": 300, "coops": 12, "funds": 2, "investors": 2, "communities": 2},
        "burn_in": 0,
        "funds": {
            "capital": 60000.0,
            "collateral_haircut": recovery,
            "lending_rate": 0.3,
            "net_asset_target": 0.0,
        },
        "shocks": {
            "scheduled": [
                {"kind": "supplier_failure", "start": 8, "size": failing},
                {"kind": "export_drop", "start": 12, "duration": 6, "size": 0.5},
            ]
        },
        "instruments": {
            "first_loss": {
                "tranches": [
                    {"name": "junior", "share": junior, "holder": "philanthropic"},
                    {"name": "senior", "share": 1.0 - junior, "holder": "outside"},
                ]
            },
            "guarantee": {
                "coverage": coverage,
                "cap_rate": cap_rate,
                "reserve": reserve,
                "share": 0.5,
            },
            "patient_capital": {"grace_months": 2},
        },
    }
    result = solsim.run(load_scenario(data=data), seed=seed, steps=20, agents=False)
    e = result.model.economy
    ts = result.timeseries
    assert_conserved(ts, e.initial_money_stock / CENTS)
    assert int(e.ledger.cash.sum()) == 0  # every account, the outside world included

    t = e.tranches
    assert (t.loss >= 0).all() and (t.loss <= t.size + 1e-6).all()
    for fund in range(e.n_funds):
        rows = np.flatnonzero(t.fund == fund)
        junior_row, senior_row = rows[np.argsort(t.attachment[rows])]
        if t.loss[senior_row] > 0:
            assert t.loss[junior_row] == pytest.approx(t.size[junior_row], abs=0.01)
        # Losses land on capital still at risk, never more than the pool lost:
        # the fund's allowance and net assets absorb first, and surplus writes back.
        assert t.loss[rows].sum() <= e.fund_cum_loss[fund] + 1e-6
    layers = [c for c in ts.columns if c.startswith("absorbed_")]
    np.testing.assert_allclose(ts[layers].sum(axis=1), ts["net_chargeoffs_cum"], atol=1e-6)

    guarantee = next(i for i in e.instruments if i.name == "guarantee")
    assert (guarantee.claimed <= coverage * cap_rate * guarantee.volume + 1e-6).all()
    assert guarantee.paid <= reserve + guarantee.fees + 1e-6
    assert ts["guarantor_reserve"].min() >= 0
    assert (np.diff(ts["guarantee_paid"]) >= 0).all()


# ------------------------------------------------------------------ bad input
BAD = {
    "overlap": (
        '[[instruments.first_loss.tranches]]\nname = "junior"\nattachment = 0.0\n'
        'detachment = 0.1\nholder = "philanthropic"\n'
        '[[instruments.first_loss.tranches]]\nname = "senior"\nattachment = 0.05\n'
        'detachment = 1.0\nholder = "outside"\n',
        "instruments.first_loss.tranches.1.attachment",
        "overlaps tranche 'junior' [0, 0.1]",
    ),
    "gap": (
        '[[instruments.first_loss.tranches]]\nname = "junior"\nattachment = 0.0\n'
        'detachment = 0.1\nholder = "philanthropic"\n'
        '[[instruments.first_loss.tranches]]\nname = "senior"\nattachment = 0.2\n'
        'detachment = 1.0\nholder = "outside"\n',
        "instruments.first_loss.tranches.1.attachment",
        "leaves a gap [0.1, 0.2] after tranche 'junior'",
    ),
    "short_top": (
        '[[instruments.first_loss.tranches]]\nname = "junior"\nattachment = 0.0\n'
        'detachment = 0.1\nholder = "philanthropic"\n'
        '[[instruments.first_loss.tranches]]\nname = "senior"\nattachment = 0.1\n'
        'detachment = 0.9\nholder = "outside"\n',
        "instruments.first_loss.tranches.1.detachment",
        "must detach at 1",
    ),
    "shares": (
        '[[instruments.first_loss.tranches]]\nname = "junior"\nshare = 0.2\n'
        'holder = "philanthropic"\n'
        '[[instruments.first_loss.tranches]]\nname = "senior"\nshare = 0.7\nholder = "outside"\n',
        "instruments.first_loss.tranches",
        "shares sum to 0.9, not 1",
    ),
    "duplicate": (
        '[[instruments.first_loss.tranches]]\nname = "a"\nshare = 0.2\nholder = "community"\n'
        '[[instruments.first_loss.tranches]]\nname = "a"\nshare = 0.8\nholder = "outside"\n',
        "instruments.first_loss.tranches.1.name",
        "duplicate tranche name 'a'",
    ),
    "holder": (
        '[[instruments.first_loss.tranches]]\nname = "a"\nshare = 1.0\nholder = "bank"\n',
        "instruments.first_loss.tranches.0.holder",
        "'community', 'philanthropic' or 'outside'",
    ),
    "coverage_high": (
        "[instruments.guarantee]\ncoverage = 1.5\n",
        "instruments.guarantee.coverage",
        "less than or equal to 1",
    ),
    "coverage_negative": (
        "[instruments.guarantee]\ncoverage = -0.1\n",
        "instruments.guarantee.coverage",
        "greater than or equal to 0",
    ),
    "unknown": (
        "[instruments.first_los]\n",
        "instruments.first_los",
        f"unknown instrument; valid: {', '.join(available())}",
    ),
    "fund": (
        "[instruments.patient_capital]\nfunds = [7]\n",
        "instruments.patient_capital.funds.0",
        "no fund 7",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys):
    text, key, reason = BAD[case]
    assert_bad_addition_rejected(text, key, reason, tmp_path / f"{case}.toml", capsys)


def test_bad_input_from_the_installed_command(tmp_path):
    text, key, reason = BAD["overlap"]
    path = tmp_path / "overlap.toml"
    path.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n{text}')
    result = subprocess.run(
        [sys.executable, "-m", "solsim", "run", str(path), "--steps", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: {path}: {key}: {reason} (list tranches junior first)"


def test_each_fund_is_junior_first_month_by_month():
    """In every fund and every month, a tranche loses only once those below it are spent."""
    scenario = load_scenario(
        SCENARIOS / "first_loss.toml",
        {
            "burn_in": 0,
            "funds.net_asset_target": 0.0,
            # A recession deep enough to reach the upper tranches.
            "shocks.scheduled": [
                {"kind": "export_drop", "start": 24, "duration": 24, "size": 0.6},
                {"kind": "supplier_failure", "start": 30, "size": 0.4},
            ],
        },
    )
    model = solsim.SolidarityEconomy(scenario, seed=3, agents=False)
    e = model.economy
    t = e.tranches
    checked = 0
    for _ in range(120):
        model.step()
        for fund in range(e.n_funds):
            rows = np.flatnonzero(t.fund == fund)
            rows = rows[np.argsort(t.attachment[rows])]  # junior first
            for below, above in itertools.pairwise(rows):
                if t.loss[above] > 1e-6:
                    # Spent: lost, or (outside capital) redeemed, all it had.
                    assert t.loss[below] + t.redeemed[below] == pytest.approx(t.size[below])
                    checked += 1
    assert checked > 0  # the recession does reach the upper tranches
