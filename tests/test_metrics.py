"""Tests of solsim.metrics against known answers, hand computations and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solsim import metrics
from solsim.metrics import (
    area_lost,
    drawdown,
    gini,
    inequality,
    lm3,
    lm3_from_share,
    local_multiplier,
    lorenz,
    palma,
    pre_shock_level,
    recovery_time,
    share_in_debt,
    theil,
    top_share,
    velocity,
)

N_SAMPLE = 200_000
# Standard errors at n = 200 000, measured over 200 independent samples:
# Gini (exponential) 0.0007, Gini (uniform) 0.0005, top-10% share 0.0007,
# Theil 0.0013, Palma 0.016. Tolerances are about 6-7 standard errors.
TOL_GINI = 0.005
TOL_TOP = 0.005
TOL_THEIL = 0.008
TOL_PALMA = 0.1

EXP_TOP10 = 0.1 * (1.0 + math.log(10.0))  # f (1 - ln f) at f = 0.1
EXP_BOTTOM40 = 0.4 + 0.6 * math.log(0.6)  # Lorenz curve of Exp at p = 0.4
EXP_THEIL = 1.0 - np.euler_gamma

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None)


@pytest.fixture(scope="module")
def exponential() -> np.ndarray:
    return np.random.default_rng(20240611).exponential(scale=3.0, size=N_SAMPLE)


@pytest.fixture(scope="module")
def uniform() -> np.ndarray:
    return np.random.default_rng(20240612).uniform(0.0, 50.0, size=N_SAMPLE)


def gini_brute_force(x: np.ndarray) -> float:
    """The defining O(n^2) formula, sum |x_i - x_j| / (2 n^2 mu)."""
    x = np.asarray(x, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


# ---------------------------------------------------------------------------
# Gini
# ---------------------------------------------------------------------------


def test_gini_exponential_is_one_half(exponential):
    assert gini(exponential) == pytest.approx(0.5, abs=TOL_GINI)


def test_gini_uniform_is_one_third(uniform):
    assert gini(uniform) == pytest.approx(1.0 / 3.0, abs=TOL_GINI)


def test_gini_equal_is_zero():
    assert gini(np.full(1000, 7.25)) == pytest.approx(0.0, abs=1e-12)
    assert gini([3.0]) == 0.0


def test_gini_hand_examples():
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)
    # One of n holds everything: 1 - 1/n.
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)


def test_gini_sorted_fast_path():
    x = np.random.default_rng(1).lognormal(size=1000)
    assert gini(np.sort(x), sorted_values=True) == pytest.approx(gini(x), rel=1e-12)


def test_gini_accepts_integer_cents():
    cents = np.array([100, 200, 300, 400], dtype=np.int64)
    assert gini(cents) == pytest.approx(0.25)


def test_gini_negative_values_use_raw_values():
    # Pairwise |differences|: 11, 20, 9 (each twice) -> 80; n = 3, mean = 1/3.
    x = [-10.0, 1.0, 10.0]
    assert gini(x) == pytest.approx(80.0 / (2 * 9 * (1.0 / 3.0)))
    assert gini(x) > 1.0
    assert gini(x) == pytest.approx(gini_brute_force(np.array(x)))


def test_gini_nan_when_mean_not_positive_or_empty():
    assert math.isnan(gini([]))
    assert math.isnan(gini([0.0, 0.0]))
    assert math.isnan(gini([-5.0, 2.0, 3.0]))  # mean 0
    assert math.isnan(gini([-5.0, 1.0]))  # mean < 0


# ---------------------------------------------------------------------------
# Top share and Palma
# ---------------------------------------------------------------------------


def test_top_share_exponential(exponential):
    assert top_share(exponential) == pytest.approx(EXP_TOP10, abs=TOL_TOP)
    assert abs(EXP_TOP10 - 0.330) < 5e-4


def test_top_share_group_sizes():
    x = np.arange(1.0, 11.0)  # n = 10: the top 10% is exactly the largest
    assert top_share(x) == pytest.approx(10.0 / 55.0)
    y = np.arange(1.0, 31.0)  # n = 30: exactly three, despite 0.1 * 30 > 3 in floats
    assert top_share(y) == pytest.approx((28 + 29 + 30) / y.sum())
    z = np.arange(1.0, 6.0)  # n = 5: ceil(0.5) = 1 household
    assert top_share(z) == pytest.approx(5.0 / 15.0)
    assert top_share(z, fraction=0.5) == pytest.approx((3 + 4 + 5) / 15.0)
    assert top_share(z, fraction=1.0) == pytest.approx(1.0)


def test_top_share_with_debt_and_nan_rules():
    assert top_share([-10.0, 0, 0, 0, 0, 0, 0, 0, 0, 20.0]) == pytest.approx(2.0)
    assert math.isnan(top_share([-1.0, 1.0]))
    assert math.isnan(top_share([]))
    with pytest.raises(ValueError):
        top_share([1.0, 2.0], fraction=0.0)
    with pytest.raises(ValueError):
        top_share([1.0, 2.0], fraction=1.5)


def test_palma_hand_example():
    # Bottom 4 hold 1+1+1+1 = 4, top 1 holds 6.
    assert palma([2, 1, 2, 6, 1, 2, 1, 2, 1, 2]) == pytest.approx(1.5)
    # n = 20: bottom 8 hold 8, top 2 hold 10 + 10.
    x = [1.0] * 8 + [3.0] * 10 + [10.0] * 2
    assert palma(x) == pytest.approx(20.0 / 8.0)


def test_palma_exponential(exponential):
    assert palma(exponential) == pytest.approx(EXP_TOP10 / EXP_BOTTOM40, abs=TOL_PALMA)


def test_palma_nan_when_bottom_holds_nothing_or_debt():
    assert math.isnan(palma([0, 0, 0, 0, 1, 1, 1, 1, 1, 5]))
    assert math.isnan(palma([-3, 1, 1, 1, 1, 1, 1, 1, 1, 5]))
    assert math.isnan(palma([]))
    # Some debt at the bottom, but the bottom 40% still hold a positive total.
    assert palma([-1, 1, 2, 2, 3, 3, 3, 3, 3, 8]) == pytest.approx(8.0 / 4.0)


# ---------------------------------------------------------------------------
# Theil
# ---------------------------------------------------------------------------


def test_theil_equal_is_zero():
    assert theil(np.full(50, 4.0)) == pytest.approx(0.0, abs=1e-12)


def test_theil_two_point_hand_formula():
    # mean 2; shares 1/2 and 3/2.
    expected = 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))
    assert theil([1.0, 3.0]) == pytest.approx(expected)


def test_theil_all_to_one_is_log_n():
    assert theil([0.0, 0.0, 0.0, 0.0, 9.0]) == pytest.approx(math.log(5))


def test_theil_exponential_is_one_minus_euler_gamma(exponential):
    assert theil(exponential) == pytest.approx(EXP_THEIL, abs=TOL_THEIL)
    assert abs(EXP_THEIL - 0.4228) < 1e-4


def test_theil_clips_negative_values_at_zero():
    assert theil([-1.0, 1.0, 2.0]) == pytest.approx(theil([0.0, 1.0, 2.0]))
    # The nan rule uses the raw mean, as gini does.
    assert math.isnan(theil([-3.0, 1.0, 1.0]))
    assert math.isnan(theil([]))
    assert math.isnan(theil([0.0, 0.0]))


# ---------------------------------------------------------------------------
# Lorenz curve
# ---------------------------------------------------------------------------


def test_lorenz_endpoints_and_vertices():
    p, w = lorenz([3.0, 1.0])
    np.testing.assert_allclose(p, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(w, [0.0, 0.25, 1.0])
    p, w = lorenz(np.random.default_rng(3).exponential(size=1001))
    assert (p[0], w[0]) == (0.0, 0.0)
    assert (p[-1], w[-1]) == (1.0, 1.0)
    assert p.size == w.size == 1002


def test_lorenz_points():
    x = np.arange(1.0, 5.0)  # vertices at 0, .25, .5, .75, 1: 0, .1, .3, .6, 1
    p, w = lorenz(x, points=5)
    np.testing.assert_allclose(w, [0.0, 0.1, 0.3, 0.6, 1.0])
    p, w = lorenz(x, points=[0.0, 0.125, 0.9, 1.0])
    np.testing.assert_allclose(p, [0.0, 0.125, 0.9, 1.0])
    np.testing.assert_allclose(w, [0.0, 0.05, 0.84, 1.0])
    with pytest.raises(ValueError):
        lorenz(x, points=1)
    with pytest.raises(ValueError):
        lorenz(x, points=[0.5, 1.2])


def test_lorenz_gini_is_twice_area_to_diagonal():
    x = np.random.default_rng(4).lognormal(sigma=1.2, size=5000)
    p, w = lorenz(x)
    area_under = float(np.sum((w[1:] + w[:-1]) * np.diff(p)) / 2.0)
    assert 1.0 - 2.0 * area_under == pytest.approx(gini(x), rel=1e-9)


def test_lorenz_negative_values_dip_below_zero():
    _, w = lorenz([-2.0, 1.0, 5.0])
    np.testing.assert_allclose(w, [0.0, -0.5, -0.25, 1.0])


def test_lorenz_nan_when_total_not_positive():
    p, w = lorenz([-1.0, 1.0])
    assert p.tolist() == [0.0, 0.5, 1.0]
    assert np.isnan(w).all()
    p, w = lorenz([])
    assert p.tolist() == [0.0, 1.0]
    assert np.isnan(w).all()


# ---------------------------------------------------------------------------
# inequality(): one sort, same answers
# ---------------------------------------------------------------------------


def _individual(x) -> dict[str, float]:
    return {"gini": gini(x), "palma": palma(x), "top10_share": top_share(x), "theil": theil(x)}


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3, 4],
        [2, 1, 2, 6, 1, 2, 1, 2, 1, 2],
        [-1, 1, 2, 2, 3, 3, 3, 3, 3, 8],
        [-10.0, 1.0, 10.0],
        [5.0],
        [-3, 1, 1, 1, 1, 1, 1, 1, 1, 5],  # Palma nan, the rest defined
        [-5.0, 1.0],  # all nan
        [],
    ],
)
def test_inequality_agrees_with_individual_functions(values):
    got = inequality(values)
    assert list(got) == ["gini", "palma", "top10_share", "theil"]
    want = _individual(values)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-12, nan_ok=True), key
        assert type(got[key]) is float


def test_inequality_exponential(exponential):
    got = inequality(exponential)
    want = _individual(exponential)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-10), key


def test_inequality_sorts_once(monkeypatch):
    calls = []
    real_sort = np.sort

    def counting_sort(*args, **kwargs):
        calls.append(1)
        return real_sort(*args, **kwargs)

    monkeypatch.setattr(metrics.np, "sort", counting_sort)
    inequality(np.random.default_rng(5).exponential(size=1000))
    assert len(calls) == 1


# ---------------------------------------------------------------------------
# Circulation
# ---------------------------------------------------------------------------


def test_velocity():
    assert velocity(50.0, 100.0) == pytest.approx(6.0)
    assert velocity(50.0, 100.0, periods_per_year=1) == pytest.approx(0.5)
    assert math.isnan(velocity(50.0, 0.0))
    assert math.isnan(velocity(50.0, -1.0))
    with pytest.raises(ValueError):
        velocity(50.0, 100.0, periods_per_year=0)


def test_lm3_and_constant_share():
    assert lm3(100.0, 50.0, 25.0) == pytest.approx(1.75)
    assert lm3_from_share(0.5) == pytest.approx(1.75)
    assert lm3_from_share(0.0) == 1.0
    assert lm3_from_share(1.0) == 3.0
    assert math.isnan(lm3(0.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        lm3_from_share(-0.1)
    with pytest.raises(ValueError):
        lm3_from_share(1.1)


def test_local_multiplier():
    assert local_multiplier(0.5) == pytest.approx(2.0)
    assert local_multiplier(0.0) == 1.0
    assert local_multiplier(0.8) == pytest.approx(5.0)
    for bad in (1.0, -0.01, 1.5):
        with pytest.raises(ValueError):
            local_multiplier(bad)


@SETTINGS
@given(st.floats(min_value=0.0, max_value=0.999))
def test_lm3_is_the_first_three_rounds_of_the_multiplier(r):
    assert lm3(1.0, r, r * r) == pytest.approx(lm3_from_share(r))
    assert lm3_from_share(r) <= local_multiplier(r) + 1e-12


# ---------------------------------------------------------------------------
# Resilience
# ---------------------------------------------------------------------------

PRE = [100.0] * 12


def test_v_shaped_shock():
    y = np.array([*PRE, 80.0, 60.0, 80.0, 96.0, 100.0, 100.0])
    s = 12
    assert pre_shock_level(y, s) == pytest.approx(100.0)
    assert drawdown(y, s) == pytest.approx(0.4)
    assert recovery_time(y, s) == 3  # month 15, the first back at >= 95
    assert area_lost(y, s) == pytest.approx((20 + 40 + 20 + 4) / 100.0)
    assert recovery_time(y, s, threshold=1.0) == 4


def test_never_recovers():
    y = np.array([*PRE, 50.0, 60.0, 70.0, 80.0, 90.0, 94.9])
    assert recovery_time(y, 12) is None
    assert drawdown(y, 12) == pytest.approx(0.5)
    assert area_lost(y, 12) == pytest.approx((50 + 40 + 30 + 20 + 10 + 5.1) / 100.0)


def test_never_drops():
    y = np.array([*PRE, 99.0, 96.0, 101.0, 120.0])
    assert recovery_time(y, 12) == 0
    assert drawdown(y, 12) == pytest.approx(0.04)
    assert area_lost(y, 12) == pytest.approx(0.05)  # gains above 100 do not offset
    y = np.array([*PRE, 100.0, 110.0])
    assert recovery_time(y, 12) == 0
    assert drawdown(y, 12) == 0.0
    assert area_lost(y, 12) == 0.0


def test_delayed_drop_counts_from_shock_start():
    y = np.array([*PRE, 100.0, 97.0, 90.0, 94.0, 95.0])
    assert recovery_time(y, 12) == 4


def test_pre_shock_window():
    y = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    assert pre_shock_level(y, 4, window=2) == pytest.approx(3.5)
    assert pre_shock_level(y, 4) == pytest.approx(2.5)  # fewer than 12 available
    assert pre_shock_level(y, 1) == pytest.approx(1.0)
    assert pre_shock_level(list(y), np.int64(4), window=1) == pytest.approx(4.0)


def test_resilience_argument_checks():
    y = np.array([*PRE, 50.0])
    for bad in (0, 13, -1):
        with pytest.raises(ValueError):
            drawdown(y, bad)
    with pytest.raises(ValueError):
        pre_shock_level(y, 12, window=0)
    with pytest.raises(ValueError):
        recovery_time(y, 12, threshold=0.0)
    with pytest.raises(ValueError):
        area_lost(np.ones((4, 4)), 2)
    with pytest.raises(ValueError):
        recovery_time([1.0, np.nan, 1.0], 1)
    with pytest.raises(TypeError):
        drawdown(y, 12.0)


def test_resilience_nan_when_pre_shock_level_not_positive():
    y = np.array([0.0, 0.0, 0.0, 1.0])
    assert math.isnan(drawdown(y, 2))
    assert math.isnan(area_lost(y, 2))


# ---------------------------------------------------------------------------
# Debt
# ---------------------------------------------------------------------------


def test_share_in_debt():
    assert share_in_debt([-5, 0, 3, 10]) == 0.25
    assert share_in_debt(np.array([[-1, -2], [1, 2]])) == 0.5
    assert share_in_debt([0.0, 1.0]) == 0.0
    assert math.isnan(share_in_debt([]))
    assert type(share_in_debt([-1])) is float


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

nonneg = st.lists(
    st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_subnormal=False),
    min_size=1,
    max_size=60,
)
signed = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False),
    min_size=1,
    max_size=40,
)


@SETTINGS
@given(nonneg)
def test_gini_bounds_for_non_negative_values(values):
    x = np.array(values)
    assume(x.sum() > 0)
    g = gini(x)
    assert 0.0 <= g <= 1.0 - 1.0 / x.size + 1e-9


@SETTINGS
@given(nonneg, st.floats(min_value=1e-3, max_value=1e3))
def test_scale_invariance(values, c):
    x = np.array(values)
    assume(x.sum() > 0)
    a, b = inequality(x), inequality(c * x)
    for key in a:
        assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-12, nan_ok=True), key


@SETTINGS
@given(st.data())
def test_permutation_invariance(data):
    values = data.draw(nonneg)
    shuffled = data.draw(st.permutations(values))
    assume(sum(values) > 0)
    for f in (gini, palma, top_share, theil):
        assert f(shuffled) == pytest.approx(f(values), rel=1e-9, abs=1e-12, nan_ok=True)


@SETTINGS
@given(signed)
def test_gini_matches_definition_including_negative_values(values):
    x = np.array(values)
    assume(x.mean() > 1e-3 * np.abs(x).max())
    assert gini(x) == pytest.approx(gini_brute_force(x), rel=1e-9, abs=1e-12)


@SETTINGS
@given(signed)
def test_inequality_matches_individual_functions(values):
    got, want = inequality(values), _individual(values)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-9, abs=1e-12, nan_ok=True), key


@SETTINGS
@given(nonneg)
def test_lorenz_is_increasing_and_below_diagonal(values):
    x = np.array(values)
    assume(x.sum() > 0)
    p, w = lorenz(x)
    assert w[0] == 0.0
    assert w[-1] == pytest.approx(1.0)
    assert np.all(np.diff(w) >= -1e-12)
    assert np.all(w <= p + 1e-12)
