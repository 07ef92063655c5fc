"""Validation: the kinetic exchange reference model and ``solsim validate``."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from solsim import metrics
from solsim.cli import app
from solsim.reference import gamma_shape, kinetic_exchange
from solsim.validation import (
    Check,
    ValidationReport,
    constant_share_scenario,
    gamma_gini,
    saving_moments,
    trace_rounds,
)

ROOT = Path(__file__).resolve().parents[1]


def cents(balances: np.ndarray) -> np.ndarray:
    """Balances back to the integer cents the ledger booked."""
    return np.round(balances * 100).astype(np.int64)


# ----------------------------------------------------------------------------- kinetic exchange
@pytest.mark.parametrize(
    ("saving", "debt_limit", "initial"),
    [(0.0, 0.0, 1000.0), (0.5, 0.0, 1000.0), (0.0, 750.0, 1000.0), (0.3, 500.0, 0.0)],
)
def test_money_is_conserved_to_the_cent(saving, debt_limit, initial):
    m = kinetic_exchange(
        1001, 30, saving_propensity=saving, debt_limit=debt_limit, initial=initial, seed=4
    )
    assert m.shape == (1001,)
    assert cents(m).sum() == 1001 * round(initial * 100)
    # Balances are whole cents.
    np.testing.assert_array_equal(cents(m) / 100, m)


def test_same_seed_same_balances_other_seed_different():
    a = kinetic_exchange(500, 20, saving_propensity=0.2, seed=11)
    b = kinetic_exchange(500, 20, saving_propensity=0.2, seed=11)
    c = kinetic_exchange(500, 20, saving_propensity=0.2, seed=12)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # A SeedSequence is accepted and is the same stream as its entropy.
    d = kinetic_exchange(500, 20, saving_propensity=0.2, seed=np.random.SeedSequence(11))
    np.testing.assert_array_equal(a, d)


def test_no_sweeps_leaves_everyone_at_the_opening_balance():
    np.testing.assert_array_equal(kinetic_exchange(10, 0, initial=12.5), np.full(10, 12.5))


def test_without_debt_limit_nobody_goes_negative():
    m = kinetic_exchange(2000, 40, seed=1)
    assert m.min() >= 0.0
    assert m.max() > 3 * 1000.0  # the exponential tail is reached


def test_debt_limit_is_respected_and_used():
    m = kinetic_exchange(2000, 40, debt_limit=300.0, seed=2)
    assert m.min() >= -300.0
    assert (m < 0).any()


def test_pure_mutual_credit_balances_sum_to_zero():
    m = kinetic_exchange(1000, 40, debt_limit=100.0, initial=0.0, seed=3)
    assert cents(m).sum() == 0
    assert m.min() >= -100.0
    # 1 − 1/e of members are in debt at the stationary state (±5 binomial SE).
    assert abs(metrics.share_in_debt(m) - (1 - math.exp(-1))) < 5 * math.sqrt(0.23 / 1000)


def test_random_exchange_gives_an_exponential_law():
    m = kinetic_exchange(5000, 60, seed=5)
    assert metrics.gini(m) == pytest.approx(0.5, abs=0.02)
    assert metrics.top_share(m, 0.1) == pytest.approx(0.1 * (1 + math.log(10)), abs=0.02)


def test_saving_half_gives_gini_0273():
    ginis = [
        metrics.gini(kinetic_exchange(5000, 60, saving_propensity=0.5, seed=s)) for s in (0, 1)
    ]
    assert np.mean(ginis) == pytest.approx(0.273, abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"agents": 1, "steps": 1}, "agents"),
        ({"agents": 10, "steps": -1}, "steps"),
        ({"agents": 10, "steps": 1, "saving_propensity": 1.0}, "saving_propensity"),
        ({"agents": 10, "steps": 1, "saving_propensity": -0.1}, "saving_propensity"),
        ({"agents": 10, "steps": 1, "debt_limit": -1.0}, "debt_limit"),
        ({"agents": 10, "steps": 1, "initial": float("nan")}, "initial"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kinetic_exchange(**kwargs)


# ----------------------------------------------------------------------------- targets
def test_gamma_targets():
    assert gamma_shape(0.0) == 1.0
    assert gamma_shape(0.5) == 4.0
    assert gamma_gini(1.0) == pytest.approx(0.5)
    assert gamma_gini(gamma_shape(0.5)) == pytest.approx(0.2734375)  # 35/128
    with pytest.raises(ValueError):
        gamma_shape(1.0)


@pytest.mark.parametrize("lam", [0.0, 0.25, 0.5, 0.75])
def test_saving_moments_match_the_gamma_law_up_to_the_third(lam):
    n = gamma_shape(lam)
    mu = saving_moments(lam, 4)
    assert mu[1] == 1.0
    assert mu[2] - 1 == pytest.approx((1 - lam) / (1 + 2 * lam))
    assert mu[3] == pytest.approx((n + 1) * (n + 2) / n**2)
    gamma4 = (n + 1) * (n + 2) * (n + 3) / n**3
    if lam == 0.0:
        assert mu[4] == pytest.approx(gamma4)  # exactly exponential
    else:
        assert mu[4] < gamma4  # the Gamma form is only an approximation


# ----------------------------------------------------------------------------- multiplier
def test_constant_share_economy_respends_r_each_round():
    r = 0.4
    traced = trace_rounds(r, households=200, coops=8, months=12)
    rounds = traced["rounds"]
    assert traced["books_balance"]
    assert rounds[0] == 200 * 1000 * 100  # the injection: one month of outside wages
    # Each round is r times the previous one, less at most a cent per edge.
    assert rounds[1] == pytest.approx(r * rounds[0], abs=traced["purchase_edges"])
    assert rounds[2] == pytest.approx(r * rounds[1], abs=traced["supply_edges"])
    assert rounds[3] == pytest.approx(r * rounds[2], abs=traced["supply_edges"])
    assert metrics.lm3(*rounds[:3]) == pytest.approx(1 + r + r * r, abs=1e-4)


def test_constant_share_scenario_rejects_bad_share():
    with pytest.raises(ValueError, match="share"):
        constant_share_scenario(1.0)
    assert constant_share_scenario(0.3).households.local_share == 0.3
    assert constant_share_scenario(0.3).coops.local_input_share == 0.3


# ----------------------------------------------------------------------------- command
@pytest.mark.slow
def test_validate_quick_passes_prints_the_table_and_writes_the_report(tmp_path):
    out = tmp_path / "validation"
    result = subprocess.run(
        [sys.executable, "-m", "solsim", "validate", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("check", "source", "target", "measured", "tolerance", "pass"):
        assert heading in result.stdout
    assert "random exchange: Gini" in result.stdout
    assert "LM3" in result.stdout
    assert "FAIL" not in result.stdout
    text = (out / "validation.md").read_text()
    assert text.startswith("# solsim validation")
    assert "| check | evidence | source | target | measured | tolerance | pass |" in text
    assert "**Machine:**" in text and "cores" in text and "Python" in text
    assert "EN ring" in text and "(6, 8, 5)" in text
    data = json.loads((out / "validation.json").read_text())
    assert data["passed"] is True and data["quick"] is True
    groups = {"exchange", "clearing", "multiplier", "facts"}
    assert {c["group"] for c in data["checks"]} == groups
    # Every stylised fact is covered at the quick size: labelled, shown, not judged.
    from solsim.facts import FACTS, PENDING

    facts = [c for c in data["checks"] if c["group"] == "facts"]
    assert [c["name"] for c in facts] == [f.fact for f in FACTS] + [p[0] for p in PENDING]
    assert all(not c["judged"] for c in facts)
    assert {c["label"] for c in facts[: len(FACTS)]} <= {"calibrated", "imposed", "predicted"}
    assert all(c["label"] == "closed form" for c in data["checks"] if c["group"] != "facts")
    assert (
        "not judged" in text
        and "| hazard ratio, co-ops ÷ conventional firms | calibrated |" in text
    )
    # The facts' sweeps are kept, with experiment files that rerun them.
    assert (out / "facts" / "defaults" / "calm.toml").exists()
    assert (out / "facts" / "defaults" / "design.csv").exists()


def test_validate_exits_1_when_a_check_fails(tmp_path, monkeypatch):
    import solsim.validation as validation

    def fake(quick=False, baseline=None, progress=None, **options):
        good = Check("exchange", "fine", "src", 0.5, 0.5, 0.01, True)
        bad = Check("exchange", "broken", "src", 0.5, 0.9, 0.01, False, note="it broke")
        return ValidationReport([good, bad], quick=quick, seconds=0.0, settings={})

    monkeypatch.setattr(validation, "run_validation", fake)
    result = CliRunner().invoke(app, ["validate", "--quick", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "1 of 2 checks failed" in result.output
    text = (tmp_path / "validation.md").read_text()
    assert "1 of 2 checks pass" in text and "| broken |" in text


def test_validate_rejects_a_missing_baseline_with_one_line(tmp_path, capsys):
    from solsim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["validate", "--baseline", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "nope.toml" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_baseline_without_a_recession_is_a_one_line_error(tmp_path):
    calm = tmp_path / "calm.toml"
    calm.write_text(
        f'extends = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
        "[shocks]\nscheduled = []\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "solsim", "validate", "--quick", "--baseline", str(calm),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {calm}: shocks.scheduled: needs a scheduled export_drop: the recession "
        "the stylised facts are measured on"
    ]
    assert not (tmp_path / "out").exists()  # nothing written
