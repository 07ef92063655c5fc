"""Capital stacks: how a fund's pool losses are split among its tranches.

A tranche covering the slice [a, d] of the pool (attachment a, detachment d,
in currency) loses

    loss_tranche(L) = min(max(L - a, 0), d - a)

of a pool loss L (:func:`waterfall`): losses reach the junior tranche first.
Recoveries are written back the other way, to the most senior impaired tranche
first. The engine applies this month by month to the capital still at risk in
each tranche (:func:`allocate`), so capital that investors have redeemed no
longer stands in the waterfall; on a stack that has not moved, that is the same
as applying the waterfall to the cumulative loss.

A *pro-rata* (pari passu) stack, the default when no first-loss capital is
switched on, gives every tranche the same share of each loss, in proportion to
the capital it has at risk.
"""

from __future__ import annotations

import numpy as np

from solsim.engine.credit import split_cents


def waterfall(
    loss: float | np.ndarray, attachment: np.ndarray, detachment: np.ndarray
) -> np.ndarray:
    """Loss borne by each tranche of a sequential (junior-first) capital stack.

    Parameters
    ----------
    loss
        Cumulative pool loss L (scalar), or one per tranche (broadcast).
    attachment, detachment
        Points a and d of each tranche, with a <= d.

    Returns
    -------
    numpy.ndarray
        min(max(L - a, 0), d - a) for each tranche.

    Examples
    --------
    The worked example of the design: a pool of 100 with first-loss capital of
    10 below 90 of senior capital loses 12.

    >>> waterfall(12.0, np.array([0.0, 10.0]), np.array([10.0, 100.0]))
    array([10.,  2.])
    """
    attachment = np.asarray(attachment, dtype=np.float64)
    detachment = np.asarray(detachment, dtype=np.float64)
    return np.minimum(
        np.maximum(np.asarray(loss, dtype=np.float64) - attachment, 0.0), detachment - attachment
    )


def attachment_points(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Attachment and detachment points of tranches listed junior first."""
    sizes = np.asarray(sizes, dtype=np.float64)
    detachment = np.cumsum(sizes)
    return detachment - sizes, detachment


def pro_rata(loss: float, sizes: np.ndarray) -> np.ndarray:
    """Loss borne by each tranche of a pari-passu stack: L × size / total, capped at size."""
    sizes = np.asarray(sizes, dtype=np.float64)
    total = sizes.sum()
    if total <= 0:
        return np.zeros_like(sizes)
    return np.minimum(sizes, max(loss, 0.0) * sizes / total)


def grouped_cumsum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within each run of equal, sorted ``groups``."""
    total = np.cumsum(values)
    start = np.searchsorted(groups, groups)
    return total - np.concatenate([np.zeros(1, dtype=total.dtype), total])[start]


def allocate(
    new_loss: np.ndarray,
    tranche_fund: np.ndarray,
    at_risk: np.ndarray,
    seniority: np.ndarray,
    sequential: np.ndarray,
) -> np.ndarray:
    """Each tranche's share of this month's pool losses, for all funds at once, in cents.

    Losses are split over the capital still at risk in each tranche (its size
    less what it has lost and what investors have redeemed), so capital that
    has left a fund no longer stands in its waterfall.

    Parameters
    ----------
    new_loss
        ``int64`` cents per fund: the loss that reaches the fund's tranches.
    tranche_fund
        Fund of each tranche.
    at_risk
        ``int64`` cents: capital of each tranche still at risk.
    seniority
        Orders the tranches of a fund, junior (lowest) first; the attachment
        points of the stack as first set.
    sequential
        Per fund: True for a junior-first waterfall, False for pro rata.

    Returns
    -------
    numpy.ndarray
        ``int64`` cents added to each tranche's loss, never above its capital
        at risk. On a waterfall the junior tranche takes min(L, at risk), the
        next what is left, and so on: :func:`waterfall` with points from the
        capital at risk. Pro rata, the loss (up to the fund's capital at risk)
        is split in proportion to the capital at risk, to the cent
        (largest-remainder rounding). A fund's tranches together take
        min(L, its capital at risk) exactly; the caller carries the rest on.

    Examples
    --------
    The design's worked example in cents: 1,200 of loss on a stack of 1,000
    junior below 9,000 senior.

    >>> allocate(np.array([1200]), np.array([0, 0]), np.array([1000, 9000]),
    ...          np.array([0.0, 10.0]), np.array([True]))
    array([1000,  200])
    """
    new_loss = np.asarray(new_loss, dtype=np.int64).clip(0)
    tranche_fund = np.asarray(tranche_fund, dtype=np.int64)
    at_risk = np.asarray(at_risk, dtype=np.int64).clip(0)
    n_funds = len(new_loss)
    added = np.zeros(len(at_risk), dtype=np.int64)
    if len(at_risk) == 0:
        return added
    # Waterfall: junior first over the capital at risk (exact in integers).
    order = np.lexsort((seniority, tranche_fund))
    funds = tranche_fund[order]
    top = grouped_cumsum(at_risk[order], funds)
    below = top - at_risk[order]
    by_waterfall = np.minimum(np.maximum(new_loss[funds] - below, 0), at_risk[order])
    added[order] = by_waterfall
    # Pro rata: the loss up to the fund's capital, split to the cent.
    pari_passu = ~np.asarray(sequential, dtype=bool)[tranche_fund]
    if pari_passu.any():
        total = np.bincount(tranche_fund, at_risk, minlength=n_funds).astype(np.int64)
        share = split_cents(
            np.minimum(new_loss, total), at_risk[pari_passu], tranche_fund[pari_passu], n_funds
        )
        added[pari_passu] = share
    return added
