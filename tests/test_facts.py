"""The stylised facts of the economy (solsim.facts): pass rule, measures and robustness
on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from solsim import facts
from solsim.facts import FACTS, PARAMETER_RANGES, FactRow


def fact(key: str):
    return next(f for f in FACTS if f.key == key)


def statistics(points: int = 1, replicates: int = 4, **columns) -> pd.DataFrame:
    """A statistics table: ``columns`` give one value per (point, replicate)."""
    frame = pd.DataFrame(
        {
            "point": np.repeat(np.arange(points), replicates),
            "replicate": np.tile(np.arange(replicates), points),
        }
    )
    for name in ("coop_hazard", "firm_hazard", "coop_jobs_change", "firm_jobs_change"):
        frame[name] = 0.0
    for name in ("coop_pay_change", "firm_pay_change", "coop_local", "firm_local"):
        frame[name] = 0.0
    for name in ("chargeoff_rate", "cleared_alone", "cleared_with_credit", "mc_velocity"):
        frame[name] = 0.0
    frame["countercyclical"] = 0.0
    frame["tb_giver_share"] = 0.5
    for name in ("clt_foreclosures", "market_foreclosures"):
        frame[name] = 0.0
    for name in ("clt_owner_years", "market_owner_years"):
        frame[name] = 100.0
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_a_row_passes_when_mean_plus_or_minus_two_se_is_inside_the_band():
    f = fact("mc_velocity")  # band 8-15 a year
    assert FactRow(f, 11.0, 1.0, 20).passed  # 9-13
    assert not FactRow(f, 9.0, 1.0, 20).passed  # 7-11: the mean is in, the interval is not
    assert not FactRow(f, 11.0, math.nan, 20).passed


def test_measures_are_means_and_standard_errors_of_the_replicates():
    table = statistics(mc_velocity=[9.0, 11.0, 13.0, 11.0])
    (row,) = [r for r in facts.fact_rows(table) if r.fact.key == "mc_velocity"]
    assert row.mean == pytest.approx(11.0)
    assert row.se == pytest.approx(np.std([9, 11, 13, 11], ddof=1) / 2)
    # A difference fact is the mean of the paired differences.
    table = statistics(coop_jobs_change=[-0.01, -0.02, 0.0, -0.01], firm_jobs_change=-0.05)
    (row,) = [r for r in facts.fact_rows(table) if r.fact.key == "jobs_fall_less"]
    assert row.mean == pytest.approx(0.04)


def test_the_hazard_ratio_is_a_ratio_of_means_with_a_delta_method_se():
    coop = np.array([0.08, 0.10, 0.12, 0.10])
    firm = np.array([0.20, 0.20, 0.20, 0.20])
    mean, se = fact("hazard_ratio").measure(statistics(coop_hazard=coop, firm_hazard=firm))
    assert mean == pytest.approx(0.5)
    # With the firms' hazard fixed, SE(ratio) = SE(coop) / firm.
    assert se == pytest.approx(coop.std(ddof=1) / 2 / 0.2)


def test_the_foreclosure_ratio_pools_rates_with_a_delta_method_se():
    # Market: 10 foreclosures in 200 owner-years in every run (5%); the trust:
    # 1, 0, 1, 0 in 100 owner-years each (0.5%): a ratio of 0.1.
    clt = np.array([1.0, 0.0, 1.0, 0.0])
    table = statistics(
        clt_foreclosures=clt,
        clt_owner_years=100.0,
        market_foreclosures=10.0,
        market_owner_years=200.0,
    )
    mean, se = fact("clt_foreclosures").measure(table)
    assert mean == pytest.approx(0.1)
    # Only the trust's count varies: SE = SE(mean count) ÷ 100 ÷ 0.05.
    assert se == pytest.approx(clt.std(ddof=1) / 2 / 100 / 0.05)
    # No market foreclosure: no ratio.
    assert math.isnan(fact("clt_foreclosures").measure(statistics(clt_foreclosures=clt))[0])


def test_robustness_counts_the_points_where_a_direction_holds_and_flags_fragile_facts():
    # Five points: co-op hazard below the firms' at 3 of them (60%: fragile, since
    # it holds at the defaults); co-ops more local at all 5.
    coop = np.repeat([0.1, 0.1, 0.1, 0.3, 0.3], 2)
    table = statistics(
        points=5, replicates=2, coop_hazard=coop, firm_hazard=0.2, coop_local=0.7, firm_local=0.3
    )
    defaults = statistics(coop_hazard=0.1, firm_hazard=0.2, coop_local=0.7, firm_local=0.3)
    result = facts.robustness(table, defaults).set_index("fact")
    assert result.loc["hazard_ratio", "holds_share"] == pytest.approx(0.6)
    assert result.loc["hazard_ratio", "flagged"]
    assert result.loc["coop_local", "holds_share"] == 1.0
    assert not result.loc["coop_local", "flagged"]
    # Only facts with a direction are listed.
    assert "mc_velocity" not in result.index


def test_the_latin_hypercube_stays_in_its_ranges_and_is_reproducible():
    design = facts.lhs_design(50, seed=3)
    assert list(design.columns) == list(PARAMETER_RANGES)
    for key, (low, high) in PARAMETER_RANGES.items():
        assert design[key].between(low, high).all(), key
    assert design["coops.payment_delay"].dtype.kind == "i"
    assert set(design["coops.failure_months"]) == {2, 3, 4, 5, 6}
    pd.testing.assert_frame_equal(design, facts.lhs_design(50, seed=3))


def test_countercyclical_is_negative_when_credit_use_rises_as_output_falls():
    months = np.arange(24)
    output = 100.0 + 10.0 * np.sin(months / 3.0)
    turnover = 5.0 * (120.0 - output)  # more credit when output is low
    frame = pd.DataFrame(
        {"point": 0, "replicate": 0, "step": months, "output": output, "mc_turnover": turnover}
    )
    (value,) = facts._countercyclical(frame).to_numpy()
    assert value < -0.9


def test_the_default_design_reads_the_scenario():
    from solsim.engine.params import Scenario

    scenario = Scenario.model_validate({"coops": {"payment_delay": 3}})
    design = facts.default_design(scenario)
    assert len(design) == 1 and design.loc[0, "coops.payment_delay"] == 3
    assert design.loc[0, "bank.procyclicality"] == scenario.bank.procyclicality


def test_the_timebank_giver_share_is_the_smallest_share_giving_half_the_hours():
    from solsim.engine.instruments.timebank import giver_share

    assert giver_share(np.array([10, 10, 10, 10])) == 0.5  # equal givers: half of them
    assert giver_share(np.array([97, 1, 1, 1])) == 0.25  # one of four gave nearly all
    assert giver_share(np.array([30, 30, 20, 10, 5, 5])) == pytest.approx(2 / 6)
    assert math.isnan(giver_share(np.zeros(3, dtype=np.int64)))


def test_validation_clears_only_the_facts_sweeps_it_wrote(tmp_path):
    from solsim.validation import clear_earlier_facts

    ours = tmp_path / "defaults"
    ours.mkdir()
    (ours / "design.csv").write_text("x\n1\n")
    (ours / "calm.toml").write_text("")
    theirs = tmp_path / "robust"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("a user's file")
    clear_earlier_facts(tmp_path)
    assert not ours.exists()
    assert (theirs / "notes.txt").read_text() == "a user's file"
