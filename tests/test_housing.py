"""Housing: the house-price index, homes and equity, the land trust and housing co-ops.

Known answers by hand (mortgage arithmetic, the recession's effect on the
index, the trust's price and the co-op's charge), the stewardship and hardship
channels switched fully on and off, and the books closing with both on.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS, assert_conserved
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solsim
from solsim.engine.housing import annuity_factor, housing_equity, mortgage_balance
from solsim.scenario import load_scenario

SMALL = {
    "economy.households": 300,
    "economy.coops": 10,
    "economy.communities": 2,
    "burn_in": 24,
    "steps": 36,
}
#: Housing costs double for a year from month 6: arrears for many owners.
SQUEEZE = [
    {"kind": "export_drop", "start": 6, "duration": 12, "size": 0.3},
    {"kind": "housing_cost", "start": 6, "duration": 12, "size": 1.0},
]


def economy_of(name: str, overrides: dict | None = None, seed: int = 1):
    scenario = load_scenario(SCENARIOS / f"{name}.toml", {**SMALL, **(overrides or {})})
    return solsim.SolidarityEconomy(scenario, seed=seed, agents=False)


def instrument(model, name: str):
    return next(i for i in model.economy.instruments if i.name == name)


# ---------------------------------------------------------------------- mortgage arithmetic
def test_annuity_and_balance_by_hand():
    # 1% a month for 2 months: 1/1.01 + 1/1.01² = 1.970395...
    assert float(annuity_factor(0.01, 2)) == pytest.approx(1 / 1.01 + 1 / 1.01**2)
    assert float(annuity_factor(0.0, 24)) == 24.0
    # A 2-month loan of 1000 at 1%: payment 507.51; after one month 1010 − 507.51 owed.
    payment = 1000.0 / float(annuity_factor(0.01, 2))
    balance = mortgage_balance(np.array(1000.0), np.array(0.01), np.array(2), np.array(1))
    assert float(balance) == pytest.approx(1010.0 - payment)
    over = mortgage_balance(np.array(1000.0), np.array(0.01), np.array(2), np.array(5))
    assert float(over) == 0.0


# ---------------------------------------------------------------------- the index
def test_the_recession_lowers_the_index_by_its_stated_amount():
    """Paired runs draw the same index shocks, so the gap is the recession's alone."""
    shocked = economy_of("baseline", {"shocks.scheduled": SQUEEZE[:1]})
    calm = economy_of("baseline", {"shocks.scheduled": []})
    for model in (shocked, calm):
        for _ in range(17):
            model.step()
    hs = shocked.economy.scenario.housing
    # Months 6..17 of exports at 0.7: Σ_k 0.05 × (−0.3) × 0.97^k over 12 months.
    gap = sum(hs.recession_sensitivity * -0.3 * hs.persistence**k for k in range(12))
    log_gap = np.log(shocked.economy.house_price_index / calm.economy.house_price_index)
    assert log_gap == pytest.approx(gap, abs=1e-12)
    # −0.5 × (1 − 0.97¹²) = −0.1531: prices about 14% below the calm run.
    assert gap == pytest.approx(-0.1531, abs=1e-4)


def test_the_index_holds_in_the_burn_in_and_homes_follow_it():
    model = economy_of("baseline")
    e = model.economy
    assert e.house_price_index == 1.0
    model.step()
    owners = np.flatnonzero(e.hh_tenure == 1)
    np.testing.assert_allclose(
        e.hh_home_claim[owners], e.hh_home_quality[owners] * e.house_price_index
    )
    # A market owner's mortgage is its payment's present value; its home that at 80%.
    hs = e.scenario.housing
    carried = float(annuity_factor(hs.mortgage_rate / 12, hs.mortgage_term_months))
    np.testing.assert_allclose(
        e.hh_mortgage_principal[owners], e.hh_housing[owners] * carried, rtol=1e-12
    )


def test_switching_a_housing_institution_on_leaves_the_index_paired():
    runs = {}
    for name in ("baseline", "clt", "housing_coop"):
        model = economy_of(name)
        for _ in range(12):
            model.step()
        runs[name] = [row["house_price_index"] for row in model.economy.history]
    assert runs["clt"] == runs["baseline"] == runs["housing_coop"]


def test_net_worth_counts_housing_equity():
    model = economy_of("clt")
    model.step()
    e = model.economy
    equity = housing_equity(e)
    h = e.ledger.block("households").slice
    liquid = (e.ledger.cash[h] + e.hh_deposit + e.hh_interest_owed + e.ledger.credit[h]) / 100
    members = np.maximum(e.firm_workers(), 1)
    worth = np.where(e.firm_active & e.firm_is_coop, e.firm_net_worth(), 0.0) / members
    share = np.concatenate([[0.0, 0.0], worth])[e.hh_employer + 2]
    owned = np.flatnonzero(e.firm_owner >= 0)
    np.add.at(share, e.firm_owner[owned], np.where(e.firm_active, e.firm_net_worth(), 0.0)[owned])
    np.testing.assert_allclose(e.household_net_worth(), liquid + equity + share, atol=1e-6)
    assert (equity[e.hh_tenure == 1] != 0).all()


# ---------------------------------------------------------------------- land trust
def test_the_trust_sells_at_its_price_with_a_fee():
    model = economy_of("clt")
    e, trust = model.economy, instrument(model, "clt")
    p, hs = trust.params, e.scenario.housing
    homes = np.flatnonzero(trust.slot)
    # 5% of places at the start, more bought with grants in the burn-in.
    assert homes.size >= round(p.homes * e.n_households) - 1
    market_value = e.hh_home_quality[homes] * 1.0  # bought at index 1 in the burn-in
    # Same rate and term as the market: the mortgage payment is 70% of the market's.
    market_payment = (
        market_value
        * hs.loan_to_value
        / annuity_factor(hs.mortgage_rate / 12, hs.mortgage_term_months)
    )
    np.testing.assert_allclose(
        e.hh_housing[homes] - p.ground_lease_fee,
        trust.ratio[homes] * market_payment,
        rtol=1e-9,
    )
    assert (e.hh_housing_payee[homes] == trust.collections).all()
    assert e.hh_home_controlled[homes].all() and not e.hh_home_controlled[~trust.slot].any()


def test_the_resale_formula_keeps_the_appreciation_share():
    model = economy_of("clt", {"instruments.clt.appreciation_share": 0.25})
    e, trust = model.economy, instrument(model, "clt")
    homes = np.flatnonzero(trust.slot)[:3]
    trust.price[homes] = 100_000.0
    trust.market_at_purchase[homes] = 140_000.0
    e.hh_home_quality[homes] = 150_000.0
    e.house_price_index = 1.2  # market value 180,000: a gain of 40,000
    np.testing.assert_allclose(trust._formula_price(e, homes), 100_000.0 + 0.25 * 40_000.0)


@pytest.mark.parametrize("cure_rate", [0.0, 1.0])
def test_stewardship_cures_or_forecloses(cure_rate):
    model = economy_of(
        "clt",
        {
            "shocks.scheduled": SQUEEZE,
            "instruments.clt.homes": 0.3,
            "instruments.clt.cure_rate": cure_rate,
            "instruments.clt.stewardship_grant": 50_000.0,
        },
    )
    for _ in range(36):
        model.step()
    history = model.economy.history
    due = sum(row["clt_due"] for row in history)
    cures = sum(row["clt_cures"] for row in history)
    foreclosed = sum(row["clt_foreclosures"] for row in history)
    assert due > 0, "the squeeze put no trust owner behind"
    assert cures + foreclosed == due
    if cure_rate == 1.0:
        assert foreclosed == 0 and history[-1]["foreclosure_rate_clt"] == 0.0
    else:
        assert cures == 0 and history[-1]["foreclosure_rate_clt"] > 0


def test_trust_and_coop_keep_the_books(tmp_path):
    for name in ("clt", "housing_coop"):
        scenario = load_scenario(SCENARIOS / f"{name}.toml", {**SMALL, "shocks.scheduled": SQUEEZE})
        result = solsim.run(scenario, seed=2, agents=False)
        assert_conserved(result.timeseries)
        assert result.summary["displaced_total"] == result.summary["displaced"]
        assert 0.0 < result.summary["control_share"] < 1.0


def test_the_trust_buys_homes_with_grants_only():
    model = economy_of("clt", {"instruments.clt.acquisition_grant": 0.0})
    for _ in range(24):
        model.step()
    assert model.economy.history[-1]["clt_acquired"] == 0
    funded = economy_of("clt", {"instruments.clt.acquisition_grant": 100_000.0})
    for _ in range(24):
        funded.step()
    trust = instrument(funded, "clt")
    assert funded.economy.history[-1]["clt_acquired"] > 0
    assert trust.slot.sum() > instrument(model, "clt").slot.sum()


# ---------------------------------------------------------------------- housing co-op
def test_the_carrying_charge_is_debt_operating_and_reserve():
    model = economy_of("housing_coop")
    e, coop = model.economy, instrument(model, "housing_coop")
    members = np.flatnonzero(coop.place)
    # 0.45 + 0.35 × (1 − 0.2) + 0.05 + 0.02 of the comparable rent.
    np.testing.assert_allclose(e.hh_housing[members], 0.80 * coop.rent[members], rtol=1e-12)
    assert not (coop.place & instrument(economy_of("clt"), "clt").slot).any()


@pytest.mark.parametrize("hardship", [0.0, 0.3])
def test_the_hardship_fund_keeps_members_housed(hardship):
    model = economy_of(
        "housing_coop",
        {
            "shocks.scheduled": SQUEEZE,
            "instruments.housing_coop.members": 0.4,
            "instruments.housing_coop.hardship_share": hardship,
            "instruments.housing_coop.hardship_max": 5_000.0,
        },
    )
    for _ in range(36):
        model.step()
    history = model.economy.history
    displaced = sum(row["hcoop_displaced"] for row in history)
    if hardship == 0.0:
        assert history[-1]["hcoop_hardship_paid"] == 0.0 and displaced > 0
    else:
        assert history[-1]["hcoop_hardship_paid"] > 0 and displaced == 0


def test_repairs_draw_on_the_reserve_then_on_members():
    model = economy_of(
        "housing_coop",
        {"instruments.housing_coop.repair_rate": 1.0, "instruments.housing_coop.repair_size": 1.0},
    )
    for _ in range(6):
        model.step()
    last = model.economy.history[-1]
    # A repair every month costs a month of rents; the reserve gets 5% of 80%: it runs dry.
    assert last["hcoop_repairs"] > 0 and last["hcoop_assessed"] > 0


def test_extra_streams_do_not_shift_the_engine_streams():
    a = economy_of("baseline").economy
    b = economy_of("baseline").economy
    b.stream("anything").random(1000)
    for name, stream in a.streams.items():
        if name in b.streams and name != "anything":
            assert stream.random() == b.streams[name].random(), name
    assert a.stream("x").random() == economy_of("baseline").economy.stream("x").random()


def test_housing_scenarios_extend_the_baseline():
    base = load_scenario(SCENARIOS / "baseline.toml")
    for name in ("clt", "housing_coop"):
        scenario = load_scenario(SCENARIOS / f"{name}.toml")
        assert set(scenario.instruments) == {name}
        assert scenario.economy == base.economy and scenario.shocks == base.shocks
        assert scenario.households == base.households and scenario.housing == base.housing


def test_the_balance_sheet_adds_up():
    model = economy_of("housing_coop")
    model.step()
    e = model.economy
    row = e.history[-1]
    homes = e.hh_home_quality * e.house_price_index
    assert row["local_assets"] > homes.sum() > row["community_assets"] > 0
    assert row["control_share"] == pytest.approx(row["community_assets"] / row["local_assets"])
    # The co-ops' homes are controlled, every other home is not.
    coop = instrument(model, "housing_coop")
    assert e.hh_home_controlled[coop.place].all() and not e.hh_home_controlled[~coop.place].any()
    mortgages = mortgage_balance(
        e.hh_mortgage_principal, e.hh_mortgage_rate, e.hh_mortgage_term,
        e.clock - e.hh_mortgage_start,
    ).sum()  # fmt: skip
    assert row["outside_liabilities"] >= mortgages > 0


def test_trust_and_market_owners_come_from_the_same_income_distribution():
    from scipy.stats import ks_2samp

    model = economy_of("clt", {"economy.households": 3000, "instruments.clt.homes": 0.2})
    e, trust = model.economy, instrument(model, "clt")
    trust_owners = e.hh_outside_wage[trust.slot]
    market = e.hh_outside_wage[(e.hh_tenure == 1) & ~trust.slot]
    assert ks_2samp(trust_owners, market).pvalue > 0.01
    assert np.median(trust_owners) == pytest.approx(np.median(market), rel=0.1)


# ---------------------------------------------------------------------- properties
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    homes=st.floats(0.0, 0.5),
    members=st.floats(0.0, 0.5),
    cure_rate=st.floats(0.0, 1.0),
    appreciation=st.floats(0.0, 1.0),
    fee=st.floats(0.0, 300.0),
    grant=st.sampled_from([0.0, 200.0, 20_000.0]),
    hardship=st.floats(0.0, 0.2),
    repair_rate=st.floats(0.0, 1.0),
    squeeze=st.floats(0.0, 2.0),
)
def test_books_close_with_housing_and_the_other_instruments(
    seed, homes, members, cure_rate, appreciation, fee, grant, hardship, repair_rate, squeeze
):
    """Conservation, the funds' loss identity, mutual credit's zero sum and no
    negative internal account (the ledger is strict), with both housing
    institutions beside first-loss capital, a guarantee and mutual credit."""
    data = {
        "economy": {"households": 200, "coops": 10, "funds": 2, "investors": 2, "communities": 2},
        "burn_in": 6,
        "steps": 18,
        "shocks": {
            "scheduled": [
                {"kind": "export_drop", "start": 3, "duration": 8, "size": 0.4},
                {"kind": "housing_cost", "start": 3, "duration": 8, "size": squeeze},
                {"kind": "supplier_failure", "start": 6, "size": 0.3},
            ]
        },
        "instruments": {
            "first_loss": {},
            "guarantee": {"coverage": 0.5, "reserve": 20_000.0},
            "mutual_credit": {"members": "households_and_coops", "credit_limit": 500.0},
            "clt": {
                "homes": homes,
                "cure_rate": cure_rate,
                "appreciation_share": appreciation,
                "ground_lease_fee": fee,
                "stewardship_grant": grant,
                "acquisition_grant": grant,
            },
            "housing_coop": {
                "members": members,
                "hardship_share": hardship,
                "repair_rate": repair_rate,
            },
        },
    }
    model = solsim.SolidarityEconomy(load_scenario(data=data), seed=seed, agents=False)
    e = model.economy
    assert e.ledger.strict
    for _ in range(18):
        model.step()
        assert int(e.ledger.credit.sum()) == 0
        assert e.ledger.cash[~e.ledger.is_external].min() >= 0
        assert (e.hh_arrears_housing >= 0).all()
    assert_conserved(model.timeseries)
    assert int(e.ledger.cash.sum()) == 0
    t = e.tranches
    for fund in range(e.n_funds):
        rows = np.flatnonzero(t.fund == fund)
        assert t.loss[rows].sum() <= e.fund_cum_loss[fund] + 1e-6
    trust = instrument(model, "clt")
    row = e.history[-1]
    assert row["clt_owners"] == trust.slot.sum()
    assert 0.0 <= row["control_share"] <= 1.0
