"""Outcome metrics: hazards, investor IRR, return parity, paired counterfactual runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import solsim
import solsim.results
from solsim import metrics
from solsim.cli import main
from solsim.engine.params import Scenario
from solsim.runner import COUNTERFACTUALS, counterfactual_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
TINY = {
    "economy.households": 100,
    "economy.coops": 6,
    "economy.communities": 2,
    "burn_in": 24,
}
SHOCK = [{"kind": "export_drop", "start": 4, "duration": 3, "size": 0.3}]


# ------------------------------------------------------------------ IRR
def test_irr_of_one_period_is_the_simple_return():
    assert metrics.irr([-100.0, 0.0, 121.0], periods_per_year=1) == pytest.approx(0.10, abs=1e-12)


def test_investor_irr_of_a_monthly_coupon_bond_is_its_compounded_rate():
    # 100 in, 1 a month for a year, 100 back at the end: 1% a month.
    paid = np.arange(1, 13, dtype=float)
    irr = metrics.investor_irr(100.0, paid, np.zeros(12), balance=100.0)
    assert irr == pytest.approx(1.01**12 - 1, rel=1e-10)


def test_investor_irr_weights_capital_by_the_months_it_was_at_work():
    # 100 in; 60 redeemed at month 6, the last 60 at month 12. With x = (1+r)^-6,
    # 60x² + 60x − 100 = 0, so x = (−60 + √27600) / 120 and the annual rate is
    # x^-2 − 1 ≈ 27.84%; the total-value multiple annualised says 20%.
    redeemed = np.zeros(12)
    redeemed[5:] = 60.0
    redeemed[11] = 120.0
    x = (-60.0 + math.sqrt(60.0**2 + 4 * 60.0 * 100.0)) / 120.0
    irr = metrics.investor_irr(100.0, np.zeros(12), redeemed, balance=0.0)
    assert irr == pytest.approx(x**-2 - 1, rel=1e-9)
    assert irr == pytest.approx(0.27840, abs=1e-5)


def test_investor_irr_of_a_loss_and_of_nothing_invested():
    # All lost: −100%; half the capital back after two years: 0.5^(1/2) − 1.
    assert metrics.investor_irr(100.0, np.zeros(24), np.zeros(24), balance=0.0) == -1.0
    half = metrics.investor_irr(100.0, np.zeros(24), np.zeros(24), balance=50.0)
    assert half == pytest.approx(0.5**0.5 - 1, rel=1e-9)
    assert math.isnan(metrics.investor_irr(0.0, np.zeros(3), np.zeros(3), balance=0.0))
    assert math.isnan(metrics.irr([0.0, 5.0, 5.0]))  # nothing went in: no rate


def test_irr_does_not_overflow_over_long_streams():
    # 100 in, 1 back after ten years: 0.01^(1/10) − 1 a year.
    flows = np.zeros(121)
    flows[0], flows[-1] = -100.0, 1.0
    with np.errstate(over="raise", invalid="raise"):  # underflow to 0 is harmless
        assert metrics.irr(flows) == pytest.approx(0.01**0.1 - 1, rel=1e-9)


# ------------------------------------------------------------------ hazards
def test_hazard_is_failures_per_firm_year_and_causes_add_up():
    active = [100, 99, 97, 97]
    illiquid, insolvent = [1, 0, 0, 0], [0, 2, 0, 1]
    # 4 failures over 393 firm-months = 32.75 firm-years.
    total = metrics.hazard(np.add(illiquid, insolvent), active)
    assert total == pytest.approx(4 / 32.75)
    assert metrics.hazard(illiquid, active) == pytest.approx(1 / 32.75)
    assert metrics.hazard(illiquid, active) + metrics.hazard(insolvent, active) == pytest.approx(
        total
    )
    assert math.isnan(metrics.hazard([0, 0], [0, 0]))
    with pytest.raises(ValueError, match="months"):
        metrics.hazard([1, 2], [3])


# ------------------------------------------------------------------ return parity
def test_return_parity_defined():
    assert metrics.return_parity(150.0, 100.0) == (1.5, "")
    assert metrics.return_parity(100.0, 100.0) == (1.0, "")  # equal gains: 1
    assert metrics.return_parity(-20.0, 80.0) == (-0.25, "")  # the community lost


@pytest.mark.parametrize(
    ("community", "holders", "reason"),
    [
        (150.0, 0.0, metrics.NO_HOLDER_GAIN),
        (150.0, -5.0, metrics.NO_HOLDER_GAIN),
        (150.0, math.nan, metrics.NO_HOLDER_GAIN),
        (math.nan, 100.0, metrics.NO_COUNTERFACTUAL),
    ],
)
def test_return_parity_undefined_with_its_reason(community, holders, reason):
    value, why = metrics.return_parity(community, holders)
    assert math.isnan(value) and why == reason


# ------------------------------------------------------------------ resilience
def test_resilience_against_a_paired_baseline():
    y = [10.0, 10.0, 6.0, 8.0, 9.0, 9.0]
    drift = [10.0, 10.0, 9.0, 8.0, 9.5, 9.0]  # the same economy without the shock
    # Pre-shock: back at 95% of 10 never (9 < 9.5). Paired: month 3 is at 100%
    # of the twin's 8, so recovered one month after the shock's first.
    assert metrics.recovery_time(y, 2) is None
    assert metrics.recovery_time(y, 2, baseline=drift) == 1
    # Area against the twin, in months of pre-shock output: (3 + 0 + 0.5 + 0) / 10.
    assert metrics.area_lost(y, 2, baseline=drift) == pytest.approx(0.35)
    assert metrics.area_lost(y, 2) == pytest.approx((4 + 2 + 1 + 1) / 10)
    with pytest.raises(ValueError, match="baseline has 2 months"):
        metrics.area_lost(y, 2, baseline=[1.0, 2.0])


def test_job_years_lost_and_excess_failures_by_hand():
    unemployed = [10, 10, 34, 22, 10]
    # Pre-shock level 10: (24 + 12 + 0) / 12 person-years.
    assert metrics.job_years_lost(unemployed, 2) == pytest.approx(3.0)
    # Against the twin: (24 + 12 + 6) / 12.
    assert metrics.job_years_lost(unemployed, 2, baseline=[10, 10, 10, 10, 4]) == 3.5
    assert metrics.excess_failures([1, 0, 3, 2, 1], 2, window=2) == pytest.approx(4.5)
    assert metrics.excess_failures([1, 0, 3, 2, 1], 2, baseline=[1, 0, 1, 0, 1]) == 4.0


# ------------------------------------------------------------------ run summaries
@pytest.fixture(scope="module")
def shocked():
    overrides = {**TINY, "shocks.scheduled": SHOCK}
    return solsim.run(BASELINE, seed=5, steps=12, overrides=overrides, agents=False)


def test_summary_hazards_irr_and_no_return_ratio(shocked):
    s, ts = shocked.summary, shocked.timeseries
    assert "return_ratio" not in s and "return_ratio" not in ts
    every = ts["active_coops"] + ts["active_firms"]
    failures = ts["failures_illiquid"] + ts["failures_insolvent"]
    assert s["hazard_illiquid"] + s["hazard_insolvent"] == pytest.approx(
        failures.sum() / (every.sum() / 12)
    )
    # Each kind's hazards by cause add up to its hazard.
    for kind in ("coop", "firm"):
        parts = s[f"{kind}_hazard_illiquid"] + s[f"{kind}_hazard_insolvent"]
        assert parts == pytest.approx(s[f"{kind}_hazard"])
    coops = ts["active_coops"].sum() / 12
    assert s["coop_hazard_illiquid"] == pytest.approx(ts["coop_failures_illiquid"].sum() / coops)
    irr = metrics.investor_irr(
        s["investor_invested"],
        ts["investor_paid"],
        ts["investor_redeemed"],
        ts["investor_balance"].iloc[-1],
    )
    assert s["investor_irr"] == pytest.approx(irr)
    last = ts.iloc[-1]
    gain = last["investor_paid"] + last["investor_redeemed"] + last["investor_balance"]
    assert s["investor_net_gain"] == pytest.approx(gain - s["investor_invested"])
    assert s["baseline"] == "pre_shock"
    assert s["return_parity"] is None and s["return_parity_reason"] == metrics.NO_COUNTERFACTUAL
    assert s["consumption_gini_final"] == pytest.approx(last["consumption_gini"])
    # The run's LM3: all rounds over all co-op revenue, the months weighted by revenue.
    weights = ts["coop_revenue"]
    assert s["lm3"] == pytest.approx((ts["lm3"] * weights).sum() / weights.sum())


# ------------------------------------------------------------------ counterfactuals
def test_no_shock_counterfactual_of_a_run_without_shocks_is_the_run():
    result = solsim.run(
        BASELINE,
        seed=3,
        steps=10,
        overrides={**TINY, "shocks.scheduled": []},
        agents=False,
        counterfactual="no_shock",
    )
    twin = result.counterfactual
    pd.testing.assert_frame_equal(result.timeseries, twin.timeseries, check_exact=True)
    s = result.summary
    for key, value in twin.summary.items():
        if not isinstance(value, str) and key not in ("drawdown",):
            assert s[f"cf_{key}"] == value, key
    assert s["counterfactual"] == "no_shock" and s["cf_removed"] == "shocks"


def test_no_shock_pair_shares_the_months_before_the_shock(shocked):
    paired = solsim.run(
        BASELINE,
        seed=5,
        steps=12,
        overrides={**TINY, "shocks.scheduled": SHOCK},
        agents=False,
        counterfactual="no_shock",
    )
    # The run itself is the unpaired run, month for month.
    pd.testing.assert_frame_equal(paired.timeseries, shocked.timeseries, check_exact=True)
    twin = paired.counterfactual.timeseries
    before = slice(0, 3)  # months 1-3, before the shock at month 4
    pd.testing.assert_frame_equal(paired.timeseries.iloc[before], twin.iloc[before])
    s = paired.summary
    assert s["baseline"] == "counterfactual"
    output = paired.timeseries["output"].to_numpy()
    assert s["area_lost"] == pytest.approx(
        metrics.area_lost(output, 3, baseline=twin["output"].to_numpy())
    )
    assert s["excess_failures"] == pytest.approx(
        paired.timeseries["coop_failures"].iloc[3:].sum() - twin["coop_failures"].iloc[3:].sum()
    )


def test_no_instrument_counterfactual_gives_return_parity():
    result = solsim.run(
        ROOT / "scenarios" / "first_loss.toml",
        seed=2,
        steps=8,
        overrides=TINY,
        agents=False,
        counterfactual="no_instrument",
    )
    s = result.summary
    assert s["cf_removed"] == "instruments"
    assert result.counterfactual.model.economy.scenario.instruments == {}
    gain = (s["community_return"] + s["community_equity"] - s["community_capital_in"]) - (
        s["cf_community_return"] + s["cf_community_equity"] - s["cf_community_capital_in"]
    )
    assert s["community_gain"] == pytest.approx(gain)
    if s["investor_net_gain"] > 0:
        assert s["return_parity"] == pytest.approx(gain / s["investor_net_gain"])
        assert s["return_parity_reason"] == ""
    else:
        assert s["return_parity"] is None
        assert s["return_parity_reason"] == metrics.NO_HOLDER_GAIN


def test_no_instrument_of_a_scenario_without_instruments_removes_the_fund():
    scenario = Scenario()
    alternative, removed = counterfactual_scenario(scenario, "no_instrument")
    assert removed == "fund capital" and alternative.funds.capital == 0.0
    assert scenario.funds.capital > 0  # the scenario itself is untouched
    assert set(COUNTERFACTUALS) == {"no_shock", "no_instrument"}
    with pytest.raises(ValueError, match="counterfactual must be one of"):
        solsim.run(scenario, steps=1, counterfactual="no_tax")


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main([*args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


EXPERIMENT = f"""
name = "paired"
scenario = "{BASELINE}"
replicates = 2
root_seed = 4
steps = 8
counterfactual = "{{kind}}"
[set]
economy.households = 100
economy.coops = 6
economy.communities = 2
burn_in = 24
shocks.scheduled = [{{{{ kind = "export_drop", start = 4, duration = 3, size = 0.3 }}}}]
[design]
kind = "grid"
[design.parameters]
funds.interest_rate = [0.04]
"""


def test_sweep_stores_the_counterfactual_beside_each_run(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT.format(kind="no_shock"))
    out_dir = tmp_path / "out"
    code, _, err = _cli(capsys, "sweep", str(path), "--out", str(out_dir), "-w", "1")
    assert code == 0, err
    summaries = solsim.results.load(out_dir).summaries
    assert len(summaries) == 2
    assert (summaries["counterfactual"] == "no_shock").all()
    assert (summaries["baseline"] == "counterfactual").all()
    assert {"cf_coop_hazard", "cf_mean_output", "cf_investor_irr"} <= set(summaries.columns)
    # The paired run alone gives the same row: same seed, same streams.
    from solsim.experiments.spec import load_experiment
    from solsim.scenario import load_scenario

    experiment = load_experiment(path)
    alone = solsim.run(
        load_scenario(None, None, data=experiment.point_scenario(0)),
        seed=experiment.seed(0, 1),
        agents=False,
        counterfactual="no_shock",
    )
    row = summaries.query("replicate == 1").iloc[0]
    assert row["cf_mean_output"] == pytest.approx(alone.summary["cf_mean_output"], rel=1e-12)
    assert row["area_lost"] == pytest.approx(alone.summary["area_lost"], rel=1e-12)


def test_a_bad_counterfactual_exits_2_with_file_and_key(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(EXPERIMENT.format(kind="no_shocks"))
    code, out, err = _cli(capsys, "sweep", str(path), "--out", str(tmp_path / "o"), "-w", "1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: counterfactual: "), err
    assert "no_shock" in err and not (tmp_path / "o").exists()
    code, _, err = _cli(capsys, "run", str(BASELINE), "--counterfactual", "none")
    assert code == 2 and err.count("\n") == 1 and "--counterfactual none" in err


# ------------------------------------------------------------------ directions
def test_every_reader_takes_a_metrics_direction_from_its_one_declaration():
    from solsim.engine import instruments, summaries
    from solsim.report import catalog
    from solsim.report.futures import direction as report_direction

    keys = [c.name for c in summaries.SUMMARY_METRICS]
    keys += [c.name for _name, c in instruments.declared()]
    for key in keys:
        declared = summaries.direction(key)
        assert catalog.info(key).direction == declared, key
        assert report_direction(key) == declared, key
    # The community's view: hazards and lost jobs are worse, parity better,
    # the investors' own return neither.
    assert summaries.direction("hazard_illiquid") == summaries.direction("job_years_lost") == -1
    assert summaries.direction("return_parity") == 1
    assert summaries.direction("investor_irr") == 0
    # A counterfactual's own figure is a baseline, not an outcome.
    assert summaries.direction("cf_coop_hazard") == 0
    assert catalog.info("cf_coop_hazard").unit == catalog.info("coop_hazard").unit
    assert "return_ratio" not in catalog.CATALOG


def test_the_counterfactual_is_part_of_the_experiment(tmp_path):
    from solsim.experiments.spec import load_experiment

    hashes = {}
    for kind in ("no_shock", "no_instrument"):
        path = tmp_path / f"{kind}.toml"
        path.write_text(EXPERIMENT.format(kind=kind))
        experiment = load_experiment(path)
        assert experiment.describe()["counterfactual"] == kind
        hashes[kind] = experiment.hash
    plain = tmp_path / "plain.toml"
    plain.write_text(
        EXPERIMENT.format(kind="no_shock").replace('counterfactual = "no_shock"\n', "")
    )
    hashes[None] = load_experiment(plain).hash
    assert len(set(hashes.values())) == 3  # a sweep never resumes into another pairing


def test_run_command_writes_the_pair(tmp_path, capsys):
    import json

    out = tmp_path / "pair"
    tiny = [f"--set={key}={value}" for key, value in TINY.items()]
    args = ["run", str(BASELINE), "--steps", "6", *tiny, "--counterfactual", "no_shock"]
    code, _, err = _cli(capsys, *args, "--out", str(out), "-q")
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counterfactual"] == "no_shock" and "cf_coop_hazard" in summary
    assert json.loads((out / "manifest.json").read_text())["counterfactual"] == "no_shock"
    twin = pd.read_parquet(out / "counterfactual_timeseries.parquet")
    run = pd.read_parquet(out / "timeseries.parquet")
    assert len(twin) == len(run) == 6
