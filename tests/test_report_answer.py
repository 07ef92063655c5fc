"""The report's first screen: headline sentences checked number by number against
the summaries they come from, honest wording for null and small effects, the
direction of large ones, colour only where it is earned, and surprises in words."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from solsim.report import ReportData
from solsim.report import catalog as C
from solsim.report.answer import first_screen, holder_losses, setup_of
from solsim.report.html import key_table
from solsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
N = 20


def settings(name: str, rename: str | None = None) -> dict:
    data = load_scenario(SCENARIOS / f"{name}.toml").model_dump(mode="json")
    if rename:
        data["name"] = rename
    return data


BASELINE = settings("baseline")
FIRST_LOSS = settings("first_loss")
GUARANTEE = settings("guarantee")


def runs(name: str, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    frame.insert(0, "replicate", np.arange(len(frame)))
    frame.insert(0, "scenario", name)
    return frame


def reference_runs(rng: np.random.Generator, **extra) -> dict[str, np.ndarray]:
    """A baseline's per-run summaries: noisy, plausible levels."""
    return {
        "coop_hazard": rng.normal(0.09, 0.01, N),
        "drawdown": rng.normal(0.12, 0.02, N),
        "mean_distress_share": rng.normal(0.008, 0.001, N),
        "final_gini": rng.normal(0.30, 0.01, N),
        "investor_return": rng.normal(0.035, 0.002, N),
        "community_return": rng.normal(2.0e8, 2.0e6, N),
        "guarantee_paid": np.zeros(N),
        "loss_community": rng.uniform(1_000.0, 5_000.0, N),
        "loss_outside": rng.uniform(2_000.0, 8_000.0, N),
        **extra,
    }


def symmetric_noise(rng: np.random.Generator, scale: float) -> np.ndarray:
    """Paired noise whose mean is exactly zero: +a, −a, +b, −b, ..."""
    half = rng.normal(0.0, scale, N // 2)
    return np.ravel(np.column_stack([half, -half]))


def report_data(frames: list[pd.DataFrame], scenarios: dict, timeseries=None) -> ReportData:
    return ReportData(
        timeseries=pd.DataFrame() if timeseries is None else timeseries,
        summaries=pd.concat(frames, ignore_index=True),
        households=None,
        scenarios=scenarios,
        reference="baseline",
    )


# ---------------------------------------------------------------- checking numbers
NUMBER = re.compile(r"(?<![\w.])([−+-]?)(\d[\d,]*(?:\.\d+)?)( million)?")


def printed_numbers(text: str) -> list[tuple[float, float]]:
    """Every number in a sentence, as (value, half of its last printed digit)."""
    out = []
    for sign, digits, _million in NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = -value if sign in ("−", "-") else value
        out.append((value, 0.5 * 10.0**-decimals))
    return out


def t_interval(d: np.ndarray) -> tuple[float, float, float]:
    mean = float(d.mean())
    half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d)))
    return mean, mean - half, mean + half


def expected_numbers(data: ReportData, name: str) -> list[float]:
    """What a sentence about ``name`` may print, computed here from the summaries and
    the settings: means, paired differences and their t-intervals (also ×100 for
    shares and rates, in millions for money), capital, tranche and reserve sizes."""
    s = data.summaries
    own = s[s["scenario"] == name].set_index("replicate")
    ref = s[s["scenario"] == data.reference].set_index("replicate")
    holders = {
        scenario: {
            "community": ["loss_community"],
            "philanthropic": ["loss_first_loss"],
            "outside": ["loss_outside", "loss_senior"],
        }
        for scenario in (name, data.reference)
    }
    columns = {}
    for frame_name, frame in (("own", own), ("ref", ref)):
        cols = {c: frame[c] for c in frame.columns if c != "scenario"}
        for holder, keys in holders[name].items():
            cols[f"lost_{holder}"] = sum(
                (frame[k].fillna(0.0) for k in keys if k in frame), pd.Series(0.0, frame.index)
            )
        cols["lost_guarantor"] = frame.get("guarantee_paid", pd.Series(0.0, frame.index))
        columns[frame_name] = cols
    # Each holder's share of the losses, in %.
    lost = {k: v.mean() for k, v in columns["own"].items() if k.startswith("lost_")}
    total = sum(lost.values())
    values = [100.0 * v / total for v in lost.values()] if total > 0 else []
    for key, series in columns["own"].items():
        theirs = columns["ref"].get(key)
        values += [series.mean()]
        if theirs is not None:
            values += [theirs.mean(), *t_interval((series - theirs).to_numpy(dtype=float))]
    setup = setup_of(data.scenarios[name])
    values += [setup.total_capital, setup.capital, setup.funds, setup.layers.get("guarantor", 0)]
    values += [t.size for t in setup.tranches] + [95.0, 10.0, 50.0, 0.0]
    scaled = []
    for v in values:
        scaled += [v, v * 100.0, v / 1e6]
    return [v for v in scaled if np.isfinite(v)]


def assert_numbers_from_summaries(data: ReportData, name: str, text: str) -> None:
    candidates = np.array(expected_numbers(data, name))
    for value, tolerance in printed_numbers(text):
        gap = np.abs(candidates - value).min()
        assert gap <= tolerance + 1e-9, f"{value} in {text!r} matches no summary figure"


def headline(screen, name: str) -> str:
    return next(a.headline for a in screen.answers if a.scenario == name)


def answer(screen, name: str):
    return next(a for a in screen.answers if a.scenario == name)


# ---------------------------------------------------------------- null fixtures
@pytest.fixture(scope="module")
def null_data() -> ReportData:
    """A scenario identical to the reference, and one that differs by noise that
    cancels exactly (paired mean zero): nothing the replicates can tell apart."""
    rng = np.random.default_rng(1)
    base = reference_runs(rng)
    twin = {k: v.copy() for k, v in base.items()}
    noisy = {k: v + symmetric_noise(rng, 0.1 * abs(v).mean() + 1e-3) for k, v in base.items()}
    noisy["guarantee_paid"] = np.zeros(N)
    return report_data(
        [runs("baseline", **base), runs("twin", **twin), runs("noisy", **noisy)],
        {"baseline": BASELINE, "twin": settings("baseline", "twin"), "noisy": BASELINE},
    )


def test_null_fixture_gives_no_detectable_change_everywhere(null_data):
    screen = first_screen(null_data)
    for name in ("twin", "noisy"):
        text = headline(screen, name)
        assert text.startswith("The same settings as baseline: "), text
        # Every clause: the hazard, each holder that lost something, the investors.
        assert "no detectable change in the co-op failure hazard" in text
        assert "community holders lost" in text and "outside investors lost" in text
        assert text.count("no detectable change") == 4, text
        for word in ("rose", "fell", "better", "worse", "too small", "instead of"):
            assert word not in text, (word, text)
        rows = answer(screen, name).rows
        assert {r.verdict.status for r in rows.values()} <= {"same", "undetectable"}
        assert answer(screen, name).flags == []
        assert_numbers_from_summaries(null_data, name, text)
    assert "(the same in every run)" in headline(screen, "twin")
    page = key_table(null_data, screen)
    assert not re.search(r'class="(good|bad|sig)"', page)


# ---------------------------------------------------------------- large effects
@pytest.fixture(scope="module")
def effect_data() -> ReportData:
    """Large effects: first-loss capital that takes nearly all losses and lifts the
    investors' return, a guarantee that raises the hazard and runs out, and a
    change that is detectable but too small to matter."""
    rng = np.random.default_rng(7)
    base = reference_runs(
        rng,
        investor_return=rng.normal(-0.005, 0.001, N),
        loss_community=rng.normal(30_000.0, 2_000.0, N),
        loss_outside=rng.normal(50_000.0, 3_000.0, N),
    )
    first = {k: v.copy() for k, v in base.items() if k not in ("loss_community", "loss_outside")}
    first.update(
        coop_hazard=base["coop_hazard"] + symmetric_noise(rng, 0.004),
        investor_return=rng.normal(0.032, 0.001, N),
        loss_first_loss=np.minimum(80_000.0, rng.normal(79_515.0, 400.0, N)),
        loss_community=np.zeros(N),
        loss_senior=np.zeros(N),
        # Detectable (the interval excludes 0) but far below the 1 pp that counts.
        drawdown=base["drawdown"] + 0.002 + rng.normal(0.0, 0.0005, N),
    )
    guarantee = {k: v.copy() for k, v in base.items()}
    guarantee.update(
        coop_hazard=base["coop_hazard"] + 0.02 + rng.normal(0.0, 0.002, N),
        guarantee_paid=np.full(N, 100_000.0),
        loss_community=base["loss_community"] / 2,
        loss_outside=base["loss_outside"] / 2,
    )
    last = pd.DataFrame(
        {
            "scenario": "guarantee",
            "replicate": np.arange(N),
            "step": 72,
            "guarantor_reserve": np.r_[np.zeros(15), np.full(5, 2_000.0)],
            "guarantee_cap_left": np.full(N, 5_000.0),
            "guarantee_paid": np.full(N, 100_000.0),
        }
    )
    return report_data(
        [runs("baseline", **base), runs("first_loss", **first), runs("guarantee", **guarantee)],
        {"baseline": BASELINE, "first_loss": FIRST_LOSS, "guarantee": GUARANTEE},
        timeseries=last,
    )


def pct(value: float) -> str:
    """A share in % as the report writes it: 1 decimal from 10%, else 2."""
    decimals = 1 if abs(value) >= 0.1 else 2
    return f"{value * 100:.{decimals}f}".replace("-", "−")


def test_first_loss_headline_states_the_setting_and_the_effects(effect_data):
    screen = first_screen(effect_data)
    text = headline(screen, "first_loss")
    s = effect_data.summaries
    own = s[s["scenario"] == "first_loss"]
    ref = s[s["scenario"] == "baseline"]
    assert text.startswith(
        "A 10% philanthropic first-loss tranche (80,000 of 800,000 fund capital): "
    ), text
    # The tranche took nearly all of its capital; nobody else lost anything.
    lost = own["loss_first_loss"].mean()
    assert f"philanthropy lost {lost:,.0f} of its 80,000 capital" in text
    assert "community holders lost nothing of their 240,000 capital" in text
    assert "outside investors lost nothing of their 480,000 capital" in text
    # Investors: a large rise, with its direction and both levels.
    after, before = own["investor_return"].mean(), ref["investor_return"].mean()
    assert f"outside investors earned {pct(after)}% a year instead of {pct(before)}%" in text
    assert "no detectable change in the co-op failure hazard" in text
    assert_numbers_from_summaries(effect_data, "first_loss", text)
    rows = answer(screen, "first_loss").rows
    # Less lost by the community is better for it; the investors' gain is neither.
    assert rows["lost_community"].verdict == C.Verdict("material", 1)
    assert rows["investor_return"].verdict == C.Verdict("material", 0)
    assert rows["lost_philanthropic"].verdict.css == "sig"
    # Detectable, but smaller than the metric's threshold: not called better or worse.
    assert rows["drawdown"].verdict == C.Verdict("small", 0)


def test_first_loss_wiped_out_is_flagged(effect_data):
    flags = answer(first_screen(effect_data), "first_loss").flags
    s = effect_data.summaries
    losses = s.loc[s["scenario"] == "first_loss", "loss_first_loss"]
    wiped = int((losses >= 0.99 * 80_000).sum())
    assert wiped > 0
    texts = [f.text for f in flags if f.kind == "warning"]
    start = f"The “first_loss” tranche (philanthropic, 80,000) was wiped out in {wiped} of {N} runs"
    assert any(t.startswith(start) for t in texts), texts


def test_a_guarantee_that_raises_the_hazard_and_runs_out(effect_data):
    screen = first_screen(effect_data)
    text = headline(screen, "guarantee")
    s = effect_data.summaries
    own = s[s["scenario"] == "guarantee"]
    ref = s[s["scenario"] == "baseline"]
    before, after = ref["coop_hazard"].mean(), own["coop_hazard"].mean()
    assert text.startswith("A 50% loan guarantee: the co-op failure hazard rose from "), text
    assert f"rose from {pct(before)}% to {pct(after)}% a year" in text
    assert "the guarantor paid 100,000 of its 100,000 reserve" in text
    assert_numbers_from_summaries(effect_data, "guarantee", text)
    flags = [f.text for f in answer(screen, "guarantee").flags]
    assert any(f.startswith("It raises the co-op failure hazard") for f in flags), flags
    assert f"The guarantor's reserve ran out in 15 of {N} runs." in flags
    assert answer(screen, "guarantee").rows["coop_hazard"].verdict.css == "bad"
    # Colour: the worse hazard is red, the community's smaller loss green, the rest plain.
    page = key_table(effect_data, screen)
    assert page.count('class="bad"') == 1
    assert 'class="small"' in page  # the first-loss scenario's tiny drawdown change


def test_holder_losses_follow_the_settings(effect_data):
    setups = {n: setup_of(effect_data.scenarios[n]) for n in effect_data.scenarios}
    lost = holder_losses(effect_data.summaries, setups).set_index(["scenario", "replicate"])
    s = effect_data.summaries.set_index(["scenario", "replicate"])
    first = lost.loc["first_loss"]
    assert np.allclose(first["lost_philanthropic"], s.loc["first_loss", "loss_first_loss"])
    assert np.allclose(first["lost_outside"], 0.0)
    base = lost.loc["baseline"]
    assert np.allclose(base["lost_outside"], s.loc["baseline", "loss_outside"])
    assert np.allclose(base["lost_philanthropic"], 0.0)
    assert np.allclose(lost.loc["guarantee", "lost_guarantor"], 100_000.0)
    assert setups["first_loss"].capacity("philanthropic") == 80_000
    assert setups["baseline"].capacity("outside") == 480_000
    assert setups["guarantee"].layers == {"guarantor": 100_000}


def test_investor_irr_is_preferred_when_summaries_have_it(effect_data):
    frames = effect_data.summaries.copy()
    frames["investor_irr"] = frames["investor_return"] + 0.01
    data = report_data([frames], effect_data.scenarios)
    screen = first_screen(data)
    assert "investor_irr" in screen.metrics and "investor_return" not in screen.metrics
    own = frames.loc[frames["scenario"] == "first_loss", "investor_irr"].mean()
    assert f"outside investors earned {pct(own)}% a year" in headline(screen, "first_loss")


# ---------------------------------------------------------------- the catalogue
def test_catalogue_formats_units_without_scientific_notation():
    assert C.format_value("drawdown", 0.1186) == "11.9%"
    assert C.format_value("coop_hazard", 0.09097) == "9.10% a year"
    assert C.pick(["coop_failures", "coop_failure_hazard"], "hazard") == "coop_failure_hazard"
    assert C.pick(["coop_failures", "coop_hazard"], "hazard") == "coop_hazard"
    assert C.format_value("community_return", 198_123_533.0) == "198.1 million"
    assert C.format_value("guarantee_paid", 44_158.2, "£") == "£44,158"
    assert C.format_value("guarantee_paid", 44_158.2, "EUR") == "44,158 EUR"
    change, ci = C.format_interval("mean_local_share", 2.48e-06, -4.466e-05, 4.962e-05)
    assert (change, ci) == ("+0.0002 pp", "95% CI −0.0045 to +0.0050")
    assert C.format_interval("coop_failures", -5.45, -7.39, -3.51)[1] == "95% CI −7.4 to −3.5"
    for key, value in (("mean_velocity", 4.478e-05), ("mean_distress_outside", 4.6e-05)):
        assert "e-" not in C.format_value(key, value)
        assert "e-" not in C.format_change(key, value)


def test_verdicts_need_an_interval_excluding_zero_and_a_material_change():
    assert C.verdict("coop_failures", -5.0, -7.0, -3.0, 25.0).status == "material"
    assert C.verdict("coop_failures", -5.0, -7.0, -3.0, 25.0).better == 1
    assert C.verdict("coop_failures", -5.0, -9.0, 1.0, 25.0).status == "undetectable"
    # 2% of the reference's velocity is the threshold: a 1% change is too small.
    assert C.verdict("mean_velocity", 0.066, 0.03, 0.10, 6.6).status == "small"
    assert C.verdict("investor_return", 0.02, 0.01, 0.03).better == 0  # neutral
    assert C.verdict("investor_return", 0.0, 0.0, 0.0).status == "same"


def test_failures_stand_in_for_the_hazard_and_one_pair_has_no_interval(effect_data):
    frames = effect_data.summaries.drop(columns=["coop_hazard"])
    frames["coop_failures"] = np.where(frames["scenario"] == "guarantee", 30.0, 20.0)
    data = report_data([frames], effect_data.scenarios)
    text = headline(first_screen(data), "guarantee")
    assert "co-op failures rose from 20 to 30 (+10, 95% CI +10 to +10)" in text
    # One replicate: levels and the change, no interval, no verdict.
    single = report_data([frames[frames["replicate"] == 0]], effect_data.scenarios)
    screen = first_screen(single)
    assert "co-op failures went from 20 to 30 (one pair of runs: no interval)" in headline(
        screen, "guarantee"
    )
    assert {r.verdict.status for r in answer(screen, "guarantee").rows.values()} <= {
        "single",
        "same",
    }
