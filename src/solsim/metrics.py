"""Metrics of one simulated economy: inequality, circulation and resilience.

Every function here is a pure function of numbers or numpy arrays: no Mesa, no
pandas, no I/O and no random state. Array arguments may be any array-like
(lists, tuples, integer arrays of cents, ...); they are converted to
``float64`` and, for the inequality measures, flattened. Scalar results are
plain Python ``float`` (or ``int``/``None`` where stated), so they can go
straight into a results table or a JSON file.

Conventions
-----------
Negative net worth
    Household net worth can be negative (debts exceed assets). The inequality
    measures use the raw values, as wealth surveys do, rather than dropping or
    shifting the negative entries. With negative entries the Gini coefficient
    can exceed 1 and the Lorenz curve dips below zero before rising to 1. A
    measure is returned as ``nan`` when it is undefined: when the total (or
    mean) is not positive -- every share would divide by zero or flip sign --
    or, for the Palma ratio, when the bottom 40% hold nothing or are net in
    debt. The Theil index, which needs logarithms, is computed on values
    clipped at zero (see :func:`theil`).
Groups of households
    "The top 10%" of ``n`` households is the ``ceil(0.1 * n)`` richest of them,
    "the bottom 40%" the ``ceil(0.4 * n)`` poorest: the smallest whole number of
    households covering at least that fraction of the population (so a group is
    never empty). Exact multiples are not pushed up by floating-point noise:
    for ``n = 10`` the top 10% is exactly the richest household, for
    ``n = 30`` exactly the richest three.
Empty input
    Inequality measures of an empty array are ``nan``.

The measure :func:`inequality` computes the Gini coefficient, Palma ratio,
top-10% share and Theil index from a single sort; it is meant to be called on
every simulated month.
"""

from __future__ import annotations

import math
import operator

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "area_lost",
    "drawdown",
    "excess_failures",
    "gini",
    "hazard",
    "inequality",
    "investor_irr",
    "irr",
    "job_years_lost",
    "lm3",
    "lm3_from_share",
    "local_multiplier",
    "lorenz",
    "palma",
    "pre_shock_level",
    "recovery_time",
    "return_parity",
    "share_in_debt",
    "theil",
    "top_share",
    "velocity",
]

NAN = float("nan")

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _flat(values: ArrayLike) -> np.ndarray:
    """Return ``values`` as a flat ``float64`` array (no copy when possible)."""
    return np.asarray(values, dtype=np.float64).ravel()


def _check_fraction(fraction: float) -> float:
    fraction = float(fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    return fraction


def _group_size(n: int, fraction: float) -> int:
    """Number of households in a group covering ``fraction`` of ``n``.

    ``ceil(fraction * n)``, computed after rounding the product to 6 decimals
    so that exact multiples (``0.1 * 30 == 3.0000000000000004``) are not
    rounded up by floating-point noise; clamped to ``[1, n]``.
    """
    return min(n, max(1, math.ceil(round(fraction * n, 6))))


def _gini_sorted(x: np.ndarray, total: float) -> float:
    """Gini coefficient of ascending ``x`` with ``sum(x) == total > 0``."""
    n = x.size
    # Weights 2i - n - 1 for i = 1..n; they sum to zero, which keeps the
    # result of an equal distribution at (almost exactly) zero.
    weights = np.arange(1 - n, n, 2, dtype=np.float64)
    # einsum, not ``@``: a threaded BLAS dot product splits the sum by thread
    # count (results would differ between machines) and spin-waits on busy ones.
    g = float(np.einsum("i,i->", weights, x)) / (n * total)
    # The coefficient is a mean absolute difference over a positive mean, so
    # it is non-negative; clip rounding noise of near-equal distributions.
    return max(g, 0.0)


def _theil_positive_mean(x: np.ndarray) -> float:
    """Theil T of ``max(x, 0)``, assuming ``mean(x) > 0`` (any order)."""
    clipped = np.maximum(x, 0.0)
    s = clipped / clipped.mean()
    logs = np.zeros_like(s)
    np.log(s, out=logs, where=s > 0.0)  # 0 * ln 0 = 0
    t = float(np.einsum("i,i->", s, logs)) / s.size  # not BLAS: see _gini_sorted
    # T >= 0 by Jensen's inequality; clip rounding noise.
    return max(t, 0.0)


def _series(series: ArrayLike) -> np.ndarray:
    y = np.asarray(series, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"series must be one-dimensional, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("series must contain only finite values")
    return y


def _shock_index(y: np.ndarray, shock_start: int) -> int:
    s = operator.index(shock_start)
    if not 1 <= s < y.size:
        raise ValueError(
            f"shock_start must satisfy 1 <= shock_start < len(series) = {y.size} "
            f"(at least one month before and one from the shock), got {s}"
        )
    return s


def _paired(y: np.ndarray, baseline: ArrayLike) -> np.ndarray:
    """The paired run's series, checked like ``y`` and of the same length."""
    b = _series(baseline)
    if b.shape != y.shape:
        raise ValueError(f"baseline has {b.size} months, the series {y.size}")
    return b


def _pre_level(y: np.ndarray, s: int, window: int) -> float:
    window = operator.index(window)
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    return float(y[max(0, s - window) : s].mean())


# ---------------------------------------------------------------------------
# Inequality
# ---------------------------------------------------------------------------


def gini(values: ArrayLike, sorted_values: bool = False) -> float:
    r"""Gini coefficient: the mean absolute difference over twice the mean.

    .. math::

        G = \frac{\sum_{i=1}^{n}\sum_{j=1}^{n} |x_i - x_j|}{2 n^2 \mu}
          = \frac{\sum_{i=1}^{n} (2i - n - 1)\, x_{(i)}}{n \sum_{i} x_i},

    where :math:`x_{(1)} \le \dots \le x_{(n)}` are the values in ascending
    order and :math:`\mu` is their mean. The second form is evaluated, in
    :math:`O(n \log n)` time (one sort) and :math:`O(n)` memory.

    Parameters
    ----------
    values : array_like
        Household net worth (or income); flattened. May contain negative
        values.
    sorted_values : bool, default False
        Set to True when ``values`` is already in ascending order to skip the
        sort. The order is not checked: unsorted input then gives a wrong
        (too small) result.

    Returns
    -------
    float
        ``0`` for perfect equality, ``1 - 1/n`` when one household holds
        everything. ``nan`` if ``values`` is empty or its mean is ``<= 0``.

    Notes
    -----
    Negative values are used as they are, so the coefficient of net worth may
    exceed 1 when some households are in debt (Chen, Tsaur & Rhai 1982); this
    is the convention of wealth surveys. When the mean is not positive the
    normalisation by the mean breaks down (division by zero or a sign flip),
    hence ``nan``. This is the plain (population) coefficient, without the
    ``n / (n - 1)`` small-sample correction. An exponential distribution has
    :math:`G = 1/2` (Drăgulescu & Yakovenko 2000), a uniform one on
    :math:`[0, a]` has :math:`G = 1/3`.

    References
    ----------
    .. [1] C. Gini, *Variabilità e mutabilità*, Bologna: Tipografia di Paolo
       Cuppini (1912).
    .. [2] F. A. Cowell, *Measuring Inequality*, 3rd ed., Oxford University
       Press (2011), ch. 2 and Technical Appendix.
    .. [3] C.-N. Chen, T.-W. Tsaur and T.-S. Rhai, "The Gini coefficient and
       negative income", *Oxford Economic Papers* 34(3), 473-478 (1982).
    .. [4] A. Drăgulescu and V. M. Yakovenko, "Statistical mechanics of
       money", *Eur. Phys. J. B* 17, 723-729 (2000).

    Examples
    --------
    >>> gini([1, 2, 3, 4])
    0.25
    >>> gini([5, 5, 5])
    0.0
    """
    x = _flat(values)
    if x.size == 0:
        return NAN
    if not sorted_values:
        x = np.sort(x)
    total = float(x.sum())
    if not total > 0.0:
        return NAN
    return _gini_sorted(x, total)


def top_share(values: ArrayLike, fraction: float = 0.1) -> float:
    r"""Share of the total held by the richest ``fraction`` of households.

    .. math::

        S_{\text{top}}(f) = \frac{\sum_{i=n-k+1}^{n} x_{(i)}}{\sum_{i=1}^{n} x_i},
        \qquad k = \lceil f n \rceil,

    with :math:`x_{(i)}` in ascending order.

    Parameters
    ----------
    values : array_like
        Household net worth; flattened. May contain negative values.
    fraction : float, default 0.1
        Population fraction :math:`f \in (0, 1]` of the top group.

    Returns
    -------
    float
        The top group's share; it may exceed 1 when others are net in debt.
        ``nan`` when ``values`` is empty or the total is ``<= 0``.

    Raises
    ------
    ValueError
        If ``fraction`` is not in ``(0, 1]``.

    Notes
    -----
    The group is the smallest whole number of households that covers at
    least the fraction, ``k = ceil(f n)`` (exact multiples are not rounded up
    by floating-point noise, so for ``n = 10`` and ``f = 0.1`` it is exactly
    the richest household), and never empty. The top ``k`` are found by
    partial sorting (``O(n)``). For an exponential distribution,
    :math:`S_{\text{top}}(f) = f (1 - \ln f)`, i.e. about 0.330 for
    :math:`f = 0.1`.

    References
    ----------
    .. [1] A. B. Atkinson, T. Piketty and E. Saez, "Top incomes in the long
       run of history", *Journal of Economic Literature* 49(1), 3-71 (2011).

    Examples
    --------
    >>> top_share([1, 1, 1, 1, 1, 1, 1, 1, 1, 11])
    0.55
    """
    fraction = _check_fraction(fraction)
    x = _flat(values)
    n = x.size
    if n == 0:
        return NAN
    total = float(x.sum())
    if not total > 0.0:
        return NAN
    k = _group_size(n, fraction)
    top = np.partition(x, n - k)[n - k :] if k < n else x
    return float(top.sum()) / total


def palma(values: ArrayLike) -> float:
    r"""Palma ratio: share of the richest 10% over share of the poorest 40%.

    .. math::

        P = \frac{S_{\text{top}}(0.1)}{S_{\text{bottom}}(0.4)}
          = \frac{\sum_{i=n-k+1}^{n} x_{(i)}}{\sum_{i=1}^{m} x_{(i)}},
        \qquad k = \lceil 0.1 n \rceil,\; m = \lceil 0.4 n \rceil.

    Parameters
    ----------
    values : array_like
        Household net worth; flattened. May contain negative values.

    Returns
    -------
    float
        The ratio; ``nan`` when ``values`` is empty or the bottom 40% hold a
        total ``<= 0``.

    Notes
    -----
    When the poorest 40% hold nothing the ratio is infinite, and when they
    are net in debt it turns negative and a richer top would make it *smaller*:
    in neither case does it rank distributions any more, so it is reported as
    ``nan`` (net-worth distributions often have this property; the Gini
    coefficient and top share remain defined). Group sizes round up, as in
    :func:`top_share`; for ``n < 3`` the two groups overlap. For an exponential
    distribution :math:`P = 0.1(1 + \ln 10) / (0.4 + 0.6 \ln 0.6) \approx 3.53`.

    References
    ----------
    .. [1] A. Cobham and A. Sumner, "Is it all about the tails? The Palma
       measure of income inequality", Center for Global Development Working
       Paper 343 (2013).
    .. [2] J. G. Palma, "Homogeneous middles vs. heterogeneous tails, and the
       end of the 'inverted-U'", *Development and Change* 42(1), 87-153 (2011).

    Examples
    --------
    >>> palma([1, 1, 1, 1, 2, 2, 2, 2, 2, 6])
    1.5
    """
    x = _flat(values)
    if x.size == 0:
        return NAN
    return _palma_sorted(np.sort(x))


def _palma_sorted(x: np.ndarray) -> float:
    n = x.size
    bottom = float(x[: _group_size(n, 0.4)].sum())
    if not bottom > 0.0:
        return NAN
    return float(x[n - _group_size(n, 0.1) :].sum()) / bottom


def theil(values: ArrayLike) -> float:
    r"""Theil T index (the Theil entropy index, GE(1)).

    .. math::

        T = \frac{1}{n} \sum_{i=1}^{n} \frac{x_i}{\mu} \ln \frac{x_i}{\mu},

    with :math:`0 \ln 0 = 0`.

    Parameters
    ----------
    values : array_like
        Household net worth; flattened.

    Returns
    -------
    float
        ``0`` for perfect equality, ``ln n`` when one household holds
        everything. ``nan`` when ``values`` is empty or the mean of the raw
        values is ``<= 0``.

    Notes
    -----
    The index needs non-negative values. Negative values are clipped at 0
    (households in debt count as holding nothing) and :math:`\mu` is the
    mean of the clipped values; a zero contributes :math:`0 \ln 0 = 0`. The
    ``nan`` rule uses the raw mean, as :func:`gini` does, so that both are
    undefined for the same economies. For an exponential distribution
    :math:`T = 1 - \gamma \approx 0.4228`, with :math:`\gamma` the
    Euler-Mascheroni constant. Takes ``O(n)`` time; no sort is needed.

    References
    ----------
    .. [1] H. Theil, *Economics and Information Theory*, Amsterdam:
       North-Holland (1967).
    .. [2] F. A. Cowell, *Measuring Inequality*, 3rd ed., Oxford University
       Press (2011), ch. 3.

    Examples
    --------
    >>> theil([2.0, 2.0, 2.0])
    0.0
    >>> round(theil([0.0, 1.0]), 6)  # one of two holds everything: ln 2
    0.693147
    """
    x = _flat(values)
    if x.size == 0:
        return NAN
    mean = float(x.mean())
    if not mean > 0.0:
        return NAN
    return _theil_positive_mean(x)


def lorenz(
    values: ArrayLike, points: int | ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Lorenz curve: cumulative population share against cumulative wealth share.

    With values in ascending order :math:`x_{(1)} \le \dots \le x_{(n)}`,
    the curve passes through

    .. math::

        \left(\frac{k}{n},\; L_k = \frac{\sum_{i=1}^{k} x_{(i)}}{\sum_{i=1}^{n} x_i}\right),
        \qquad k = 0, 1, \dots, n,

    starting at :math:`(0, 0)` and ending at :math:`(1, 1)`, and is linear in
    between.

    Parameters
    ----------
    values : array_like
        Household net worth; flattened. May contain negative values.
    points : int or array_like, optional
        ``None`` (default): all ``n + 1`` vertices above. An int ``m >= 2``:
        ``m`` evenly spaced population shares from 0 to 1. An array: the
        population shares in ``[0, 1]`` at which to evaluate the curve. Values
        between vertices are linearly interpolated.

    Returns
    -------
    population_share : numpy.ndarray
        Cumulative population shares.
    wealth_share : numpy.ndarray
        Cumulative shares of total wealth held by the poorest households up to
        each population share. All ``nan`` when the total is ``<= 0``. For an
        empty input, the shares ``[0, 1]`` (or ``points``) with ``nan``.

    Raises
    ------
    ValueError
        If ``points`` is an int below 2 or contains shares outside ``[0, 1]``.

    Notes
    -----
    With negative values the curve first falls below zero (the poorest hold
    net debt) before rising to 1 -- the Lorenz curve of net worth used in
    wealth studies. The Gini coefficient is twice the area between the curve
    and the diagonal.

    References
    ----------
    .. [1] M. O. Lorenz, "Methods of measuring the concentration of wealth",
       *Publications of the American Statistical Association* 9(70), 209-219
       (1905).

    Examples
    --------
    >>> p, w = lorenz([1, 3])
    >>> p.tolist(), w.tolist()
    ([0.0, 0.5, 1.0], [0.0, 0.25, 1.0])
    """
    x = np.sort(_flat(values))
    n = x.size
    if points is None:
        shares = np.linspace(0.0, 1.0, n + 1) if n else np.array([0.0, 1.0])
        at = None
    elif isinstance(points, int | np.integer):
        if points < 2:
            raise ValueError(f"points must be >= 2, got {points}")
        shares = at = np.linspace(0.0, 1.0, int(points))
    else:
        shares = at = np.asarray(points, dtype=np.float64)
        if not np.all((shares >= 0.0) & (shares <= 1.0)):
            raise ValueError("population shares in points must lie in [0, 1]")
    cumulative = np.concatenate(([0.0], np.cumsum(x)))
    total = cumulative[-1]
    if n == 0 or not total > 0.0:
        return shares, np.full(shares.shape, np.nan)
    curve = cumulative / total  # ends at exactly 1
    if at is None:
        return shares, curve
    return shares, np.interp(at, np.linspace(0.0, 1.0, n + 1), curve)


def inequality(values: ArrayLike) -> dict[str, float]:
    """Gini, Palma, top-10% share and Theil index of one distribution, from one sort.

    Equivalent to calling :func:`gini`, :func:`palma`, :func:`top_share`
    (``fraction=0.1``) and :func:`theil` on ``values``, with the same
    conventions for negative values and the same ``nan`` rules, but the
    values are converted and sorted once and reused by all four measures:
    ``O(n log n)`` for the sort plus a few ``O(n)`` passes. It is meant to run
    every simulated month, on up to a million households.

    Parameters
    ----------
    values : array_like
        Household net worth; flattened. May contain negative values.

    Returns
    -------
    dict of str to float
        Keys ``"gini"``, ``"palma"``, ``"top10_share"`` and ``"theil"``.
        All ``nan`` for an empty input.

    References
    ----------
    See the individual functions.

    Examples
    --------
    >>> inequality([1, 2, 3, 4])["gini"]
    0.25
    """
    x = _flat(values)
    n = x.size
    if n == 0:
        return {"gini": NAN, "palma": NAN, "top10_share": NAN, "theil": NAN}
    x = np.sort(x)
    total = float(x.sum())
    out: dict[str, float] = {"palma": _palma_sorted(x)}
    if total > 0.0:
        out["gini"] = _gini_sorted(x, total)
        out["top10_share"] = float(x[n - _group_size(n, 0.1) :].sum()) / total
        out["theil"] = _theil_positive_mean(x)
    else:
        out["gini"] = out["top10_share"] = out["theil"] = NAN
    return {key: out[key] for key in ("gini", "palma", "top10_share", "theil")}


# ---------------------------------------------------------------------------
# Circulation
# ---------------------------------------------------------------------------


def velocity(local_turnover: float, money_stock: float, periods_per_year: int = 12) -> float:
    r"""Annualised velocity of money: turnover per year over the money stock.

    .. math::

        V = \frac{\text{turnover per period} \times \text{periods per year}}{M},

    the velocity of the equation of exchange :math:`MV = PT` (Fisher 1911),
    with :math:`PT` measured directly as the value of local transactions.

    Parameters
    ----------
    local_turnover : float
        Value of local transactions during one period (a month by default).
    money_stock : float
        Money held by local agents over that period (e.g. its average or
        end-of-period stock).
    periods_per_year : int, default 12
        Number of periods in a year; 12 for monthly turnover.

    Returns
    -------
    float
        Times the money stock turns over per year; ``nan`` if the stock is
        ``<= 0``.

    Raises
    ------
    ValueError
        If ``periods_per_year`` is not positive.

    References
    ----------
    .. [1] I. Fisher, *The Purchasing Power of Money*, New York: Macmillan
       (1911), ch. 2.

    Examples
    --------
    >>> velocity(50.0, 100.0)  # half the stock changes hands each month
    6.0
    """
    if not periods_per_year > 0:
        raise ValueError(f"periods_per_year must be positive, got {periods_per_year!r}")
    stock = float(money_stock)
    if not stock > 0.0:
        return NAN
    return float(local_turnover) * periods_per_year / stock


def lm3(first_round: float, second_round_local: float, third_round_local: float) -> float:
    r"""Local Multiplier 3: how far spending travels locally over three rounds.

    .. math::

        \mathrm{LM3} = \frac{R_1 + R_2 + R_3}{R_1},

    where :math:`R_1` is the initial spending (income of the organisation
    studied), :math:`R_2` the part of it its recipients spend locally and
    :math:`R_3` the part of :math:`R_2` re-spent locally in the next round.

    Parameters
    ----------
    first_round : float
        Round-1 spending :math:`R_1`.
    second_round_local : float
        Round-2 local spending :math:`R_2`.
    third_round_local : float
        Round-3 local spending :math:`R_3`.

    Returns
    -------
    float
        Between 1 (nothing re-spent locally) and 3 (everything re-spent);
        ``nan`` if ``first_round <= 0``.

    References
    ----------
    .. [1] J. Sacks, *The Money Trail: Measuring Your Impact on the Local
       Economy Using LM3*, London: New Economics Foundation (2002).

    Examples
    --------
    >>> lm3(100.0, 50.0, 25.0)
    1.75
    """
    r1 = float(first_round)
    if not r1 > 0.0:
        return NAN
    return (r1 + float(second_round_local) + float(third_round_local)) / r1


def lm3_from_share(r: float) -> float:
    r"""LM3 implied by a constant local re-spend share.

    If every round re-spends the same share :math:`r` locally, then
    :math:`R_2 = r R_1`, :math:`R_3 = r^2 R_1` and

    .. math::

        \mathrm{LM3} = 1 + r + r^2.

    Parameters
    ----------
    r : float
        Local re-spend share, in ``[0, 1]``.

    Returns
    -------
    float
        The LM3 value.

    Raises
    ------
    ValueError
        If ``r`` is outside ``[0, 1]``.

    References
    ----------
    .. [1] J. Sacks, *The Money Trail: Measuring Your Impact on the Local
       Economy Using LM3*, London: New Economics Foundation (2002).

    Examples
    --------
    >>> lm3_from_share(0.5)
    1.75
    """
    r = float(r)
    if not 0.0 <= r <= 1.0:
        raise ValueError(f"local re-spend share must be in [0, 1], got {r!r}")
    return 1.0 + r + r * r


def local_multiplier(r: float) -> float:
    r"""Keynesian local multiplier of a constant local re-spend share.

    Summing every round of local re-spending,

    .. math::

        k = \sum_{j=0}^{\infty} r^j = \frac{1}{1 - r},

    of which :func:`lm3_from_share` is the first three terms.

    Parameters
    ----------
    r : float
        Local re-spend share (the marginal propensity to spend locally), in
        ``[0, 1)``.

    Returns
    -------
    float
        The multiplier, at least 1.

    Raises
    ------
    ValueError
        If ``r`` is outside ``[0, 1)`` (the series diverges at ``r = 1``).

    References
    ----------
    .. [1] R. F. Kahn, "The relation of home investment to unemployment",
       *Economic Journal* 41(162), 173-198 (1931).
    .. [2] J. M. Keynes, *The General Theory of Employment, Interest and
       Money*, London: Macmillan (1936), ch. 10.

    Examples
    --------
    >>> local_multiplier(0.5)
    2.0
    """
    r = float(r)
    if not 0.0 <= r < 1.0:
        raise ValueError(f"local re-spend share must be in [0, 1), got {r!r}")
    return 1.0 / (1.0 - r)


# ---------------------------------------------------------------------------
# Resilience
# ---------------------------------------------------------------------------
# ``series`` is a one-dimensional array of monthly output indexed 0..T-1 and
# ``shock_start`` the position of the first shocked month. All functions
# require 1 <= shock_start < T and finite values.


def pre_shock_level(series: ArrayLike, shock_start: int, window: int = 12) -> float:
    r"""Pre-shock output level: the mean of the months just before the shock.

    .. math::

        \bar{y}_{\text{pre}} = \frac{1}{s - s_0} \sum_{t=s_0}^{s-1} y_t,
        \qquad s_0 = \max(0, s - w),

    with :math:`s` = ``shock_start`` and :math:`w` = ``window``: the mean of
    the ``window`` months before the shock, or of all of them when fewer are
    available.

    Parameters
    ----------
    series : array_like
        One-dimensional monthly output, indexed by month ``0 .. T-1``.
    shock_start : int
        Position in ``series`` of the first month of the shock;
        ``1 <= shock_start < T``.
    window : int, default 12
        Number of pre-shock months averaged.

    Returns
    -------
    float
        The pre-shock level.

    Raises
    ------
    ValueError
        If ``series`` is not one-dimensional or not finite, ``shock_start`` is
        out of range, or ``window < 1``.

    References
    ----------
    .. [1] R. Martin, "Regional economic resilience, hysteresis and
       recessionary shocks", *Journal of Economic Geography* 12(1), 1-32
       (2012).

    Examples
    --------
    >>> pre_shock_level([1.0, 2.0, 3.0, 0.0], shock_start=3, window=2)
    2.5
    """
    y = _series(series)
    s = _shock_index(y, shock_start)
    return _pre_level(y, s, window)


def drawdown(series: ArrayLike, shock_start: int, window: int = 12) -> float:
    r"""Drawdown: the deepest fall of output below its pre-shock level.

    .. math::

        D = \max\left(0,\; 1 - \frac{\min_{t \ge s} y_t}{\bar{y}_{\text{pre}}}\right),

    with :math:`\bar{y}_{\text{pre}}` from :func:`pre_shock_level`.

    Parameters
    ----------
    series : array_like
        One-dimensional monthly output, indexed by month ``0 .. T-1``.
    shock_start : int
        Position of the first month of the shock; ``1 <= shock_start < T``.
    window : int, default 12
        Months averaged for the pre-shock level.

    Returns
    -------
    float
        Fractional fall at the trough (0.4 for a fall to 60% of pre-shock
        output); 0 if output never falls below the pre-shock level; ``nan``
        if the pre-shock level is ``<= 0``.

    Raises
    ------
    ValueError
        As :func:`pre_shock_level`.

    References
    ----------
    .. [1] R. Martin, "Regional economic resilience, hysteresis and
       recessionary shocks", *Journal of Economic Geography* 12(1), 1-32
       (2012).
    .. [2] M. Bruneau et al., "A framework to quantitatively assess and
       enhance the seismic resilience of communities", *Earthquake Spectra*
       19(4), 733-752 (2003).

    Examples
    --------
    >>> drawdown([10.0, 10.0, 6.0, 8.0, 10.0], shock_start=2)
    0.4
    """
    y = _series(series)
    s = _shock_index(y, shock_start)
    pre = _pre_level(y, s, window)
    if not pre > 0.0:
        return NAN
    return max(0.0, 1.0 - float(y[s:].min()) / pre)


def recovery_time(
    series: ArrayLike,
    shock_start: int,
    threshold: float = 0.95,
    window: int = 12,
    baseline: ArrayLike | None = None,
) -> int | None:
    r"""Recovery time: first month after the shock with output ≥ 95% of pre-shock.

    Let :math:`b` = ``threshold`` × :func:`pre_shock_level` and :math:`s` =
    ``shock_start``. Let :math:`t_d` be the first month :math:`t \ge s` with
    :math:`y_t < b` (output has dropped). The recovery month is the first
    :math:`t_r > t_d` with :math:`y_{t_r} \ge b`, and the recovery time is

    .. math::

        \tau = t_r - s

    months, counted from the start of the shock.

    Parameters
    ----------
    series : array_like
        One-dimensional monthly output, indexed by month ``0 .. T-1``.
    shock_start : int
        Position of the first month of the shock; ``1 <= shock_start < T``.
    threshold : float, default 0.95
        Fraction of the pre-shock level that counts as recovered; positive.
    window : int, default 12
        Months averaged for the pre-shock level.
    baseline : array_like, optional
        The paired run without the shock (same length): when given, the level
        of month :math:`t` is its output :math:`\tilde{y}_t` rather than the
        pre-shock mean, so :math:`b_t` = ``threshold`` × :math:`\tilde{y}_t`.
        In a drifting economy this measures the shock, not the drift.

    Returns
    -------
    int or None
        Months from ``shock_start`` to the recovery month; ``0`` if output
        never drops below the threshold from ``shock_start`` on; ``None`` if
        it drops and is still below the threshold at the end of the series.

    Raises
    ------
    ValueError
        As :func:`pre_shock_level`, or if ``threshold`` is not positive.

    Notes
    -----
    A delayed drop counts: if output first falls below the threshold some
    months after ``shock_start``, recovery is still measured from
    ``shock_start``. Only the first recovery counts; a later second dip does
    not change the result. When the pre-shock level is ``<= 0`` the
    comparison is made as written (output is then never below a zero
    threshold, giving 0).

    References
    ----------
    .. [1] R. Martin, "Regional economic resilience, hysteresis and
       recessionary shocks", *Journal of Economic Geography* 12(1), 1-32
       (2012).
    .. [2] M. Bruneau et al., "A framework to quantitatively assess and
       enhance the seismic resilience of communities", *Earthquake Spectra*
       19(4), 733-752 (2003).
    .. [3] R. Martin and P. Sunley, "On the notion of regional economic
       resilience: conceptualization and explanation", *Journal of Economic
       Geography* 15(1), 1-42 (2015).

    Examples
    --------
    >>> recovery_time([10.0, 10.0, 6.0, 8.0, 10.0], shock_start=2)
    2
    """
    threshold = float(threshold)
    if not threshold > 0.0:
        raise ValueError(f"threshold must be positive, got {threshold!r}")
    y = _series(series)
    s = _shock_index(y, shock_start)
    level = _pre_level(y, s, window) if baseline is None else _paired(y, baseline)[s:]
    bar = threshold * level
    after = y[s:]
    below = np.flatnonzero(after < bar)
    if below.size == 0:
        return 0
    drop = int(below[0])
    rest = bar[drop + 1 :] if np.ndim(bar) else bar
    back = np.flatnonzero(after[drop + 1 :] >= rest)
    if back.size == 0:
        return None
    return drop + 1 + int(back[0])


def area_lost(
    series: ArrayLike, shock_start: int, window: int = 12, baseline: ArrayLike | None = None
) -> float:
    r"""Output lost after the shock, in months of pre-shock output.

    .. math::

        A = \frac{1}{\bar{y}_{\text{pre}}} \sum_{t \ge s}
            \max\left(\bar{y}_{\text{pre}} - y_t,\; 0\right),

    the area between the pre-shock level and the output path where output is
    below it, from ``shock_start`` to the end of the series (the "resilience
    triangle" of Bruneau et al. 2003), normalised by the pre-shock level.

    Parameters
    ----------
    series : array_like
        One-dimensional monthly output, indexed by month ``0 .. T-1``.
    shock_start : int
        Position of the first month of the shock; ``1 <= shock_start < T``.
    window : int, default 12
        Months averaged for the pre-shock level.
    baseline : array_like, optional
        The paired run without the shock (same length): the area is then
        between its output :math:`\tilde{y}_t` and :math:`y_t`,
        :math:`\sum_{t \ge s} \max(\tilde{y}_t - y_t, 0) / \bar{y}_{\text{pre}}`,
        still in months of pre-shock output (the two runs share the months
        before the shock).

    Returns
    -------
    float
        Lost output as a number of months of pre-shock output (2.0: as much
        as two normal months); 0 if output never falls below the pre-shock
        level; ``nan`` if the pre-shock level is ``<= 0``. Months above the
        pre-shock level do not offset months below it.

    Raises
    ------
    ValueError
        As :func:`pre_shock_level`.

    References
    ----------
    .. [1] R. Martin, "Regional economic resilience, hysteresis and
       recessionary shocks", *Journal of Economic Geography* 12(1), 1-32
       (2012).
    .. [2] M. Bruneau et al., "A framework to quantitatively assess and
       enhance the seismic resilience of communities", *Earthquake Spectra*
       19(4), 733-752 (2003).

    Examples
    --------
    >>> area_lost([10.0, 10.0, 6.0, 8.0, 10.0], shock_start=2)
    0.6
    """
    y = _series(series)
    s = _shock_index(y, shock_start)
    pre = _pre_level(y, s, window)
    if not pre > 0.0:
        return NAN
    level = pre if baseline is None else _paired(y, baseline)[s:]
    return float(np.maximum(level - y[s:], 0.0).sum()) / pre


def share_in_debt(balances: ArrayLike) -> float:
    r"""Share of accounts with a negative balance.

    .. math::

        H = \frac{1}{n} \#\{i : b_i < 0\},

    the headcount ratio :math:`P_0` of Foster, Greer & Thorbecke (1984) with
    the poverty line at zero net balance (strictly below: a zero balance is
    not debt).

    Parameters
    ----------
    balances : array_like
        Balances (net worth, mutual-credit balances, ...); flattened.

    Returns
    -------
    float
        Fraction in ``[0, 1]``; ``nan`` for an empty input. NaN entries count
        as not in debt.

    References
    ----------
    .. [1] J. Foster, J. Greer and E. Thorbecke, "A class of decomposable
       poverty measures", *Econometrica* 52(3), 761-766 (1984).

    Examples
    --------
    >>> share_in_debt([-5, 0, 3, 10])
    0.25
    """
    b = _flat(balances)
    if b.size == 0:
        return NAN
    return int(np.count_nonzero(b < 0.0)) / b.size


def job_years_lost(
    unemployed: ArrayLike,
    shock_start: int,
    window: int = 12,
    baseline: ArrayLike | None = None,
) -> float:
    r"""Job-years lost to a shock: extra unemployment after it, in person-years.

    .. math::

        J = \frac{1}{12} \sum_{t \ge s} \left(u_t - \tilde{u}_t\right),

    where :math:`u_t` is the number of people unemployed in month :math:`t`
    and :math:`\tilde{u}_t` the baseline: the paired run without the shock in
    the same month when ``baseline`` is given, otherwise the mean of the
    ``window`` months before the shock (:func:`pre_shock_level`). Every job
    lost to a failure counts for the months its holder stays unemployed, and
    months below the baseline offset months above it (a net figure, so that
    paired noise cancels rather than accumulates).

    Parameters
    ----------
    unemployed : array_like
        People unemployed each month, indexed ``0 .. T-1``.
    shock_start : int
        Position of the first month of the shock; ``1 <= shock_start < T``.
    window : int, default 12
        Months averaged for the pre-shock level.
    baseline : array_like, optional
        The paired run's unemployed count, same length.

    Returns
    -------
    float
        Person-years of unemployment beyond the baseline (negative when the
        run had less unemployment than its baseline).

    Examples
    --------
    >>> job_years_lost([10, 10, 34, 22, 10], shock_start=2)
    3.0
    >>> job_years_lost([10, 10, 34, 22, 10], 2, baseline=[10, 10, 10, 10, 4])
    3.5
    """
    u = _series(unemployed)
    s = _shock_index(u, shock_start)
    level = _pre_level(u, s, window) if baseline is None else _paired(u, baseline)[s:]
    return float(np.sum(u[s:] - level)) / 12.0


def excess_failures(
    failures: ArrayLike,
    shock_start: int,
    window: int = 12,
    baseline: ArrayLike | None = None,
) -> float:
    r"""Failures beyond the baseline from the shock to the end of the run.

    .. math::

        E = \sum_{t \ge s} f_t - \sum_{t \ge s} \tilde{f}_t,

    where :math:`f_t` are the month's failures and :math:`\tilde{f}_t` those of
    the paired run without the shock in the same month (``baseline``), or,
    without one, the mean monthly failures of the ``window`` months before the
    shock (:func:`pre_shock_level`).

    Parameters
    ----------
    failures : array_like
        Failures each month, indexed ``0 .. T-1``.
    shock_start : int
        Position of the first month of the shock; ``1 <= shock_start < T``.
    window : int, default 12
        Months averaged for the pre-shock rate.
    baseline : array_like, optional
        The paired run's failures, same length.

    Returns
    -------
    float
        Failures (a count; negative when fewer failed than in the baseline).

    Examples
    --------
    >>> excess_failures([1, 0, 3, 2, 1], shock_start=2, window=2)
    4.5
    >>> excess_failures([1, 0, 3, 2, 1], 2, baseline=[1, 0, 1, 0, 1])
    4.0
    """
    f = _series(failures)
    s = _shock_index(f, shock_start)
    level = _pre_level(f, s, window) if baseline is None else _paired(f, baseline)[s:]
    return float(np.sum(f[s:] - level))


# ---------------------------------------------------------------------------
# Hazards and returns
# ---------------------------------------------------------------------------


def hazard(failures: ArrayLike, active: ArrayLike) -> float:
    r"""Failure hazard per firm-year: failures over the years of exposure.

    .. math::

        h = \frac{\sum_t f_t}{\frac{1}{12} \sum_t n_t},

    where :math:`f_t` are the month's failures (of one kind of firm, or of one
    cause) and :math:`n_t` the firms active at the end of the month: the
    occurrence/exposure rate of survival analysis, with each active firm-month
    one-twelfth of a firm-year. Split by cause the hazards add up to the
    total: :math:`h_{\text{illiquid}} + h_{\text{insolvent}} = h`.

    Parameters
    ----------
    failures : array_like
        Failures each month.
    active : array_like
        Firms active each month (the population at risk), same length.

    Returns
    -------
    float
        Failures per firm-year (0.09: 9% a year); ``nan`` without exposure.

    References
    ----------
    .. [1] J. D. Kalbfleisch and R. L. Prentice, *The Statistical Analysis of
       Failure Time Data*, 2nd ed., Wiley (2002), §1.2 (the constant hazard
       estimate: events over time at risk).

    Examples
    --------
    >>> round(hazard([1, 0, 2], [100, 99, 97]), 6)  # 3 failures in 296 firm-months
    0.121622
    """
    f, n = _flat(failures), _flat(active)
    if f.shape != n.shape:
        raise ValueError(f"failures has {f.size} months, active {n.size}")
    exposure = float(n.sum()) / 12.0
    return float(f.sum()) / exposure if exposure > 0 else NAN


def irr(flows: ArrayLike, periods_per_year: int = 12) -> float:
    r"""Money-weighted (internal) rate of return of dated cash flows, annualised.

    The period rate :math:`r` solves

    .. math::

        \sum_{t=0}^{T} \frac{c_t}{(1 + r)^t} = 0,

    with :math:`c_t` the holder's net flow at the end of period :math:`t`
    (negative when money goes in), and the annual rate is
    :math:`(1 + r)^{p} - 1` for :math:`p` = ``periods_per_year``. The root is
    found by Brent's method (:func:`scipy.optimize.brentq`) on
    :math:`r \in (-1, 10]`; the net present value of a stream with one
    outflow before its inflows falls monotonically in :math:`r`, so the root
    is unique.

    Parameters
    ----------
    flows : array_like
        Net flows, one per period from period 0 (currency).
    periods_per_year : int, default 12
        Periods in a year (12 for monthly flows).

    Returns
    -------
    float
        Annual rate (0.05: 5% a year); −1 when money went in and nothing came
        back; ``nan`` when the flows do not change sign (nothing invested, or
        nothing but gains) or the root lies outside the bracket.

    References
    ----------
    .. [1] R. A. Brealey, S. C. Myers and F. Allen, *Principles of Corporate
       Finance*, 13th ed., McGraw-Hill (2020), ch. 5.
    .. [2] R. P. Brent, *Algorithms for Minimization without Derivatives*,
       Prentice-Hall (1973), ch. 4.

    Examples
    --------
    >>> round(irr([-100.0, 0.0, 121.0], periods_per_year=1), 12)  # 10% a period
    0.1
    """
    from scipy.optimize import brentq

    c = _flat(flows)
    if c.size < 2 or not np.all(np.isfinite(c)):
        return NAN
    inflow, outflow = c[c > 0].sum(), c[c < 0].sum()
    if outflow < 0 and inflow == 0:
        return -1.0
    if inflow == 0 or outflow == 0:
        return NAN
    t = np.arange(c.size, dtype=np.float64)

    horizon = t[-1]

    def npv(rate: float) -> float:
        # The net present value, times (1 + r)^T below r = 0: the same sign and
        # the same root, continuous at 0, and every exponent is ≤ 0 so nothing
        # overflows near r = −1 or at high rates over long streams.
        log = np.log1p(rate)
        power = (horizon - t) * log if rate < 0 else -t * log
        return float(np.sum(c * np.exp(power)))

    low, high = -1.0 + 1e-9, 10.0
    if np.sign(npv(low)) == np.sign(npv(high)):
        return NAN
    rate = brentq(npv, low, high, xtol=1e-14, rtol=1e-12, maxiter=500)
    return float(np.expm1(periods_per_year * np.log1p(rate)))


def investor_irr(invested: float, paid: ArrayLike, redeemed: ArrayLike, balance: float) -> float:
    r"""Outside investors' money-weighted annual return over a run.

    The dated monthly flows to the investors are

    .. math::

        c_0 = -K, \qquad
        c_t = \Delta P_t + \Delta R_t \;(1 \le t < T), \qquad
        c_T = \Delta P_T + \Delta R_T + B_T,

    with :math:`K` the capital committed at the start of month 1,
    :math:`P_t` and :math:`R_t` the coupons and redemptions paid to them up to
    the end of month :math:`t` (so :math:`\Delta P_t = P_t - P_{t-1}`,
    :math:`P_0 = R_0 = 0`) and :math:`B_T` the balance still at work at the
    end, valued at par: written down by the losses it has taken. The return is
    :func:`irr` of these flows, annualised. Unlike the total-value multiple
    annualised over the whole run, it weights each month by the capital at
    work in it, so money redeemed early counts only while it was invested.

    Parameters
    ----------
    invested : float
        Capital committed at the start (currency).
    paid, redeemed : array_like
        Cumulative coupons and redemptions to date, one per month (currency).
    balance : float
        Capital still at work at the end (currency).

    Returns
    -------
    float
        Annual rate; ``nan`` when nothing was invested.

    Examples
    --------
    100 in, a coupon of 1 a month, 100 back after a year: 1% a month,
    1.01^12 − 1 a year.

    >>> round(investor_irr(100.0, [1.0 * m for m in range(1, 13)], [0.0] * 12, 100.0), 10)
    0.1268250301
    """
    p, r = _flat(paid), _flat(redeemed)
    if p.shape != r.shape:
        raise ValueError(f"paid has {p.size} months, redeemed {r.size}")
    if not invested > 0 or p.size == 0:
        return NAN
    flows = np.empty(p.size + 1)
    flows[0] = -float(invested)
    flows[1:] = np.diff(p, prepend=0.0) + np.diff(r, prepend=0.0)
    flows[-1] += float(balance)
    return irr(flows, periods_per_year=12)


#: Why :func:`return_parity` is undefined.
NO_COUNTERFACTUAL = "no counterfactual without the instrument"
NO_HOLDER_GAIN = "capital holders' net gain is not positive"


def return_parity(community_gain: float, holders_net_gain: float) -> tuple[float, str]:
    r"""Return parity: the community's paired gain per unit the capital holders gained.

    .. math::

        \rho = \frac{G_c}{G_h}, \qquad
        G_h = \text{coupons} + \text{redemptions} + \text{remaining balance}
              - \text{capital in},

    where :math:`G_c` is the community's gain against the paired run without
    the instrument (wages, patronage, deposit interest, community coupons and
    the community's equity net of the capital it put in, run minus
    counterfactual) and :math:`G_h` the
    capital holders' net gain over the run. :math:`\rho = 1` means the
    community gained as much as the capital holders (the seed's test:
    "EQUAL or greater to the community as it does to the capital holder" is
    :math:`\rho \ge 1`). A ratio is meaningless when the holders gained
    nothing or lost, so it is then undefined.

    Parameters
    ----------
    community_gain : float
        :math:`G_c` (currency); NaN when there is no counterfactual.
    holders_net_gain : float
        :math:`G_h` (currency).

    Returns
    -------
    (float, str)
        The ratio (a pure number) and ``""``; or NaN and the reason
        (:data:`NO_COUNTERFACTUAL`, :data:`NO_HOLDER_GAIN`).

    Examples
    --------
    >>> return_parity(150.0, 100.0)
    (1.5, '')
    >>> return_parity(150.0, -5.0)
    (nan, "capital holders' net gain is not positive")
    """
    if not math.isfinite(community_gain):
        return NAN, NO_COUNTERFACTUAL
    if not (math.isfinite(holders_net_gain) and holders_net_gain > 0):
        return NAN, NO_HOLDER_GAIN
    return float(community_gain) / float(holders_net_gain), ""
