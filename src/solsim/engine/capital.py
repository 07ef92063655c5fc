"""Capital stacks: how a fund's pool losses are split among its tranches.

A tranche covering the slice [a, d] of the pool (attachment a, detachment d,
in currency) loses

    loss_tranche(L) = min(max(L - a, 0), d - a)

of a cumulative pool loss L. Applying this to the *cumulative* net loss every
month gives both rules of a waterfall at once: new losses reach the junior
tranche first, and recoveries (which lower the cumulative loss) are written back
to the most senior impaired tranche first.

A *pro-rata* (pari passu) stack, the default when no first-loss capital is
switched on, gives every tranche the same share of each loss, in proportion to
its size.
"""

from __future__ import annotations

import numpy as np


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


def allocate(
    cumulative_loss: np.ndarray,
    tranche_fund: np.ndarray,
    attachment: np.ndarray,
    detachment: np.ndarray,
    sequential: np.ndarray,
) -> np.ndarray:
    """Cumulative loss of every tranche, for all funds at once.

    Parameters
    ----------
    cumulative_loss
        Cumulative net pool loss of each fund.
    tranche_fund
        Fund of each tranche.
    attachment, detachment
        Each tranche's points within its fund's pool. For a pro-rata fund every
        tranche spans [0, fund capital] and is scaled by its share (below).
    sequential
        Per fund: True for a junior-first waterfall, False for pro rata.
    """
    pool_loss = cumulative_loss[tranche_fund]
    seq = sequential[tranche_fund]
    size = detachment - attachment
    by_waterfall = waterfall(pool_loss, attachment, detachment)
    fund_capital = np.bincount(tranche_fund, size, minlength=len(cumulative_loss))
    capital = fund_capital[tranche_fund]
    share = np.divide(size, capital, out=np.zeros_like(size), where=capital > 0)
    by_share = np.minimum(size, np.maximum(pool_loss, 0.0) * share)
    return np.where(seq, by_waterfall, by_share)
