"""The default economy lands near the field's published anchors (DESIGN §1).

Bands, for the mean over 20 seeds of the baseline scenario (2,000 households,
60 co-ops, 120 months including the standard recession):

* co-op annual failure hazard 6%–12% (anchor ≈ 9%, Québec 2008; the run-to-run
  standard error of the mean is about 0.4 points);
* co-op 5-year survival 50%–75% (anchor ≈ 62%, same study), of start-ups;
* conventional-firm 5-year survival 25%–45% (anchor ≈ 35%, same study);
* local spending shares: co-ops 66%–86%, outside-owned firms 26%–46% (NEF 2005);
* fund net charge-offs in calm months 0.2%–2% a year (anchor ≈ 1%, CDFI loan
  funds): missed, 3.5% ± 0.6, and kept as a strict expected failure so that a
  change that reaches the band is noticed.
"""

from __future__ import annotations

import numpy as np
import pytest

import solsim

SEEDS = range(20)


@pytest.fixture(scope="module")
def summaries(baseline_path_module):
    return [solsim.run(baseline_path_module, seed=seed, agents=False).summary for seed in SEEDS]


@pytest.fixture(scope="module")
def baseline_path_module():
    from conftest import SCENARIOS

    return SCENARIOS / "baseline.toml"


def mean(summaries, key):
    return float(np.mean([s[key] for s in summaries]))


def test_coop_hazard_near_nine_percent(summaries):
    assert 0.06 <= mean(summaries, "coop_hazard") <= 0.12


def test_coop_five_year_survival_near_62_percent(summaries):
    assert 0.50 <= mean(summaries, "coop_survival_5y") <= 0.75


def test_conventional_firm_five_year_survival_near_35_percent(summaries):
    assert 0.25 <= mean(summaries, "firm_survival_5y") <= 0.45


def test_coops_survive_longer_than_conventional_firms(summaries):
    assert mean(summaries, "coop_survival_5y") > mean(summaries, "firm_survival_5y")
    assert mean(summaries, "coop_hazard") < mean(summaries, "firm_hazard")


@pytest.mark.xfail(
    strict=True,
    reason="a named miss: 3.5% ± 0.6 a year (20 seeds). Recoveries now come from the "
    "co-op's cash and equipment, and nearly all defaults are start-up loans to refounded "
    "co-ops with no equipment (README, Stylised facts)",
)
def test_fund_chargeoffs_near_one_percent_in_calm_times(summaries):
    assert 0.002 <= mean(summaries, "chargeoff_rate") <= 0.02


def test_coops_respend_about_three_quarters_locally(summaries):
    # NEF (Northumberland, 2005): locally owned suppliers re-spent 76% locally.
    assert 0.66 <= mean(summaries, "mean_coop_local_spend_share") <= 0.86


def test_outside_owned_firms_respend_about_a_third_locally(summaries):
    # NEF (Northumberland, 2005): non-local suppliers re-spent 36% locally.
    assert 0.26 <= mean(summaries, "mean_firm_local_spend_share") <= 0.46
