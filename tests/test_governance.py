"""Who decides: decision rules on hand cases, votes by rule, presets, the vote-share
sweep, the power-shift schedule, and the one-line errors of bad settings."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS, SMALL, assert_bad_addition_rejected

import solsim
from solsim.engine.instruments.governance import (
    CONSTITUENCIES,
    DECISIONS,
    weighted_mean,
    weighted_median,
)


# ------------------------------------------------------------------ decision rules
def test_weighted_median_on_hand_cases():
    # One voter with most of the votes decides.
    assert weighted_median([[0.05, 0.09]], np.array([0.8, 0.2])).tolist() == [0.05]
    assert weighted_median([[0.05, 0.09]], np.array([0.2, 0.8])).tolist() == [0.09]
    # Votes 1, 1, 2 on values 1, 2, 3: half the votes (2 of 4) prefer 2 or less.
    assert weighted_median([[1.0, 2.0, 3.0]], np.array([1.0, 1.0, 2.0])).tolist() == [2.0]
    # A tie at exactly half goes to the lower value: a change needs a majority.
    assert weighted_median([[0.06, 0.09]], np.array([0.5, 0.5])).tolist() == [0.06]
    assert weighted_median([[0.09, 0.06]], np.array([0.5, 0.5])).tolist() == [0.06]
    # Just past half moves it.
    assert weighted_median([[0.06, 0.09]], np.array([0.49, 0.51])).tolist() == [0.09]
    # Order of the voters does not matter, and each row is decided on its own.
    rows = np.array([[3.0, 1.0, 2.0], [0.0, 10.0, 5.0]])
    np.testing.assert_array_equal(weighted_median(rows, np.array([1.0, 1.0, 1.0])), [2.0, 5.0])


def test_weighted_mean_on_a_hand_case():
    assert weighted_mean([[0.05, 0.09]], np.array([3.0, 1.0])).tolist() == pytest.approx([0.06])


def governed(settings: dict, **overrides) -> solsim.SolidarityEconomy:
    scenario = solsim.load_scenario(
        SCENARIOS / "baseline.toml",
        {**SMALL, "instruments": {"governance": settings}, **overrides},
    )
    return solsim.SolidarityEconomy(scenario, seed=1, agents=False)


def instrument(model):
    return next(i for i in model.economy.instruments if i.name == "governance")


def test_one_member_one_vote_against_capital_weighted():
    """Counted by heads, residents and borrowers outvote a few investors; counted by
    capital, borrowers have no vote and investors' money weighs."""
    heads = governed({"voting": "one_member_one_vote"})
    money = governed({"voting": "capital_weighted"})
    e = heads.economy
    by_heads = instrument(heads).votes(e)
    by_money = instrument(money).votes(money.economy)
    borrowers = CONSTITUENCIES.index("borrowers")
    outside = CONSTITUENCIES.index("outside_investors")
    np.testing.assert_allclose(by_heads.sum(axis=1), 1.0)
    np.testing.assert_allclose(by_money.sum(axis=1), 1.0)
    assert (by_money[:, borrowers] == 0).all() and (by_heads[:, borrowers] > 0).all()
    assert (by_money[:, outside] > by_heads[:, outside]).all()
    # By heads: each fund's members counted as the definitions say.
    members = instrument(heads).members(e)
    served = np.bincount(e.hh_fund, minlength=e.n_funds)
    np.testing.assert_array_equal(members[:, CONSTITUENCIES.index("residents")], served)
    np.testing.assert_allclose(by_heads, members / members.sum(axis=1, keepdims=True))


@pytest.mark.parametrize(("preset", "premium", "screen"), [("community", 0.0, 2.0),
                                                            ("investor", 0.03, 4.0)])  # fmt: skip
def test_presets_decide_the_terms_the_labels_used_to_fix(preset, premium, screen):
    """v1's labels, now outcomes: the community's terms, or 3 points more and twice
    the screen when investors hold the majority."""
    model = governed({"preset": preset})
    model.step()
    e = model.economy
    rate = e.scenario.funds.interest_rate + premium
    np.testing.assert_allclose(e.fund_rate, rate)
    np.testing.assert_allclose(e.fund_buffer_months, screen)
    assert set(e.fund_governance) == {preset}
    assert e.fund_refound.tolist() == [1.0 if preset == "community" else 0.0] * e.n_funds


def test_a_sweep_of_community_votes_moves_rate_and_screen_monotonically():
    """More community votes never raise the decided rate or screen (the community
    prefers lower ones), and the whole range is covered."""
    decided = []
    for share in np.linspace(0.0, 1.0, 11):
        model = governed({"preset": "investor", "community_share": float(share)})
        model.step()
        e = model.economy
        decided.append((e.fund_rate.mean(), e.fund_buffer_months.mean(), e.fund_refound.mean()))
    rate, screen, refound = np.array(decided).T
    assert (np.diff(rate) <= 1e-12).all() and (np.diff(screen) <= 1e-12).all()
    assert (np.diff(refound) >= -1e-12).all()
    own = model.economy.scenario.funds.interest_rate
    assert rate[0] == pytest.approx(own + 0.03) and rate[-1] == pytest.approx(own)
    assert screen[0] == pytest.approx(4.0) and screen[-1] == pytest.approx(2.0)


def test_decided_terms_reach_new_loans():
    """The board decides in the burn-in too, so every loan the run holds carries
    the investors' rate."""
    model = governed({"preset": "investor"}, **{"funds.lending_rate": 1.0})
    for _ in range(24):
        model.step()
    e = model.economy
    assert e.loan_active.any()
    np.testing.assert_allclose(e.loan_rate[e.loan_active], e.scenario.funds.interest_rate + 0.03)


def test_power_shift_hands_the_votes_to_the_community():
    result = solsim.run(SCENARIOS / "power_shift.toml", seed=0, agents=False, overrides=SMALL)
    ts = result.timeseries
    share = ts["community_vote_share"]
    assert share.iloc[0] == pytest.approx(0.2)
    assert (np.diff(share) >= -1e-12).all()
    # The last decision (month 109 of 120) stands at the schedule's value then.
    last_decision = 1 + 12 * ((int(ts["step"].iloc[-1]) - 1) // 12)
    assert share.iloc[-1] == pytest.approx(0.2 + 0.4 * (last_decision - 1) / 119)
    # Decided once a year: the rate changes at most on months 1, 13, 25, ...
    changes = np.flatnonzero(np.diff(ts["decided_rate"])) + 2
    assert all((month - 1) % 12 == 0 for month in changes)
    assert ts["decided_rate"].iloc[0] > ts["decided_rate"].iloc[-1]


def test_loss_share_and_decision_share_are_shares():
    result = solsim.run(SCENARIOS / "community_governed.toml", seed=0, agents=False,
                        overrides=SMALL)  # fmt: skip
    ts = result.timeseries
    for column in ("community_decision_share", "benefit_bottom40_share", "outside_dependency"):
        values = ts[column].dropna()
        assert ((values >= 0) & (values <= 1)).all(), column
    assert ts["community_decision_share"].iloc[-1] == 1.0  # 80% of the votes decide alone
    # Every decision is counted once a year over the two funds and five decisions.
    assert ts["community_vote_share"].iloc[-1] == pytest.approx(0.8)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[instruments.governance.seats]\nborrowers = 0.0\ndepositors = 0.0\nresidents = 0.0\n"
         "philanthropy = 0.0\noutside_investors = 0.0\n",
         "instruments.governance.seats", "positive total"),
        ("[instruments.governance.preferences.borrowers]\nrate = 0.5\n",
         "instruments.governance.preferences.borrowers.rate", "outside [0, 0.3]"),
        ("[instruments.governance]\nrule = \"dictator\"\n",
         "instruments.governance.rule", "valid: weighted_mean, weighted_median"),
        ("[instruments.governance.seats]\nmayor = 1.0\n",
         "instruments.governance.seats.mayor", "unknown constituency"),
        ("[instruments.governance]\ncommunity_share = 0.5\nfollow_capital = true\n",
         "instruments.governance.follow_capital", "not community_share and follow_capital"),
    ],
)  # fmt: skip
def test_bad_governance_settings(tmp_path, capsys, text, key, reason):
    assert_bad_addition_rejected(text, key, reason, tmp_path / "bad.toml", capsys)


def test_every_decision_has_a_range():
    assert set(DECISIONS) == {"rate", "screen", "refound", "new_first", "reserve"}


# ------------------------------------------------------------------ power metrics
def test_power_metrics_on_hand_cases():
    from solsim.engine.reporting import bottom40_share, community_loss_share, outside_hhi

    model = solsim.SolidarityEconomy(
        solsim.load_scenario(SCENARIOS / "baseline.toml", {**SMALL, "burn_in": 0}),
        seed=0,
        agents=False,
    )
    e = model.economy
    worth = e.household_net_worth()
    poorest = worth <= np.quantile(worth, 0.4)
    # Surplus paid only to the poorest 40%: all of it reaches them; paid alike
    # to every household: their headcount share.
    e.hh_patronage = np.where(poorest, 10.0, 0.0)
    e.hh_deposit_interest = np.zeros(e.n_households)
    assert bottom40_share(e) == 1.0
    e.hh_patronage = np.ones(e.n_households)
    assert bottom40_share(e) == pytest.approx(poorest.mean())
    # Outside capital: each fund's outside tranche held by its own investor,
    # equal sizes: HHI = 1 / (funds with outside capital).
    assert outside_hhi(e) == pytest.approx(1.0 / e.n_funds)
    # Losses: 30 by the allowance, 10 by net assets, 20 by the community's
    # tranche, 40 by outside investors: the community carried 60%.
    books, t = e.books, e.tranches
    books.net_chargeoffs_cum[0] = 100 * 100
    books.absorbed["allowance"][0] = 30 * 100
    books.absorbed["net_assets"][0] = 10 * 100
    t.loss_cents[np.flatnonzero(t.held_by("community") & (t.fund == 0))[0]] = 20 * 100
    t.loss_cents[np.flatnonzero(t.held_by("outside") & (t.fund == 0))[0]] = 40 * 100
    assert community_loss_share(e) == pytest.approx(0.6)


# ------------------------------------------------------------------ participatory budget
def test_budget_allocation_by_turnout_and_need():
    from solsim.engine.instruments.participatory_budget import allocate_budget

    # Two communities of 100 in fund 0: no distress against half in distress,
    # need weight 1, so 1 : 1.5; fund 1's one community takes its whole budget.
    cents = allocate_budget(
        np.array([1000, 777]), np.array([0, 0, 1]), np.array([100, 100, 50]),
        np.array([0.0, 0.5, 0.2]), 0.1, 1.0,
    )  # fmt: skip
    assert cents.tolist() == [400, 600, 777]
    # Without weight on need, turnout alone: equal communities, equal shares.
    cents = allocate_budget(np.array([1000]), np.array([0, 0]), np.array([100, 300]),
                            np.array([0.0, 0.9]), 0.05, 0.0)  # fmt: skip
    assert cents.tolist() == [250, 750]


def test_the_yearly_vote_pays_only_those_its_uses_name():
    model = solsim.SolidarityEconomy(
        solsim.load_scenario(
            SCENARIOS / "participatory_budget.toml",
            {**SMALL, "burn_in": 0, "instruments.participatory_budget.surplus_share": 0.0},
        ),
        seed=2,
        agents=False,
    )
    e = model.economy
    budget = next(i for i in e.instruments if i.name == "participatory_budget")
    e.hh_distressed[:] = False
    e.hh_distressed[[3, 5]] = True
    e.hh_arrears_housing[:] = 0
    e.hh_arrears_housing[7] = 500  # five units owed, far below its share
    cash = e.hh_cash
    e.month = 12
    budget.start_month(e)
    gained = e.hh_cash - cash
    assert set(np.flatnonzero(gained)) <= {3, 5}
    assert gained[[3, 5]].sum() == budget.allocated["aid"] > 0
    assert budget.allocated["housing"] == 500 and e.hh_arrears_housing[7] == 0
    grant = 10.0 * e.n_households * 100
    assert budget.allocated["coop_startups"] == pytest.approx(0.4 * grant, abs=e.n_funds * 4)
    # What could not be spent (aid beyond the two, housing beyond the arrears)
    # waits in the budget: nothing is lost.
    left = int(e.ledger.cash[budget.account].sum())
    assert left + sum(budget.allocated.values()) == pytest.approx(grant, abs=2)


def test_rules_decide_for_every_fund_at_once():
    values = np.array([[0.05, 0.06, 0.09], [2.0, 2.0, 4.0]])
    votes = np.array([[0.6, 0.1, 0.3], [0.1, 0.2, 0.7], [0.25, 0.25, 0.5]])
    for rule in (weighted_median, weighted_mean):
        together = rule(values, votes)
        assert together.shape == (3, 2)
        for fund in range(3):
            np.testing.assert_allclose(together[fund], rule(values, votes[fund]))
