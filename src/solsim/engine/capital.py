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


def _grouped_cumsum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within each run of equal, sorted ``groups``."""
    total = np.cumsum(values)
    start = np.searchsorted(groups, groups)
    return total - np.concatenate([[0.0], total])[start]


def allocate(
    new_loss: np.ndarray,
    tranche_fund: np.ndarray,
    at_risk: np.ndarray,
    seniority: np.ndarray,
    sequential: np.ndarray,
    borne: np.ndarray | None = None,
) -> np.ndarray:
    """Each tranche's share of this month's net pool losses, for all funds at once.

    Losses are split over the capital still at risk in each tranche (its size
    less what it has lost and what investors have redeemed), so capital that
    has left a fund no longer stands in its waterfall.

    Parameters
    ----------
    new_loss
        Net pool loss of each fund this month (negative: a recovery).
    tranche_fund
        Fund of each tranche.
    at_risk
        Capital of each tranche still at risk.
    seniority
        Orders the tranches of a fund, junior (lowest) first; the attachment
        points of the stack as first set.
    sequential
        Per fund: True for a junior-first waterfall, False for pro rata.
    borne
        Losses each tranche has borne so far: a recovery is written back
        senior first, up to these.

    Returns
    -------
    numpy.ndarray
        Loss added to each tranche (negative where a recovery is written back).
        On a waterfall the junior tranche takes min(L, at risk), the next what
        is left, and so on: :func:`waterfall` with points from the capital at
        risk. Pro rata, each takes L × at risk / fund total, capped.
    """
    new_loss = np.asarray(new_loss, dtype=np.float64)
    at_risk = np.maximum(np.asarray(at_risk, dtype=np.float64), 0.0)
    n = len(at_risk)
    added = np.zeros(n)
    # Losses: junior first over the capital at risk.
    order = np.lexsort((seniority, tranche_fund))
    funds = tranche_fund[order]
    top = _grouped_cumsum(at_risk[order], funds)
    loss_here = np.maximum(new_loss, 0.0)[funds]
    by_waterfall = waterfall(loss_here, top - at_risk[order], top)
    total = np.bincount(tranche_fund, at_risk, minlength=len(new_loss))[funds]
    share = np.divide(at_risk[order], total, out=np.zeros(n), where=total > 0)
    by_share = np.minimum(at_risk[order], loss_here * share)
    added[order] = np.where(sequential[funds], by_waterfall, by_share)
    if borne is not None and (new_loss < 0).any():
        # Recoveries: written back senior first, up to what each has lost.
        back_order = np.lexsort((-np.asarray(seniority), tranche_fund))
        funds = tranche_fund[back_order]
        lost = np.maximum(np.asarray(borne, dtype=np.float64)[back_order], 0.0)
        top = _grouped_cumsum(lost, funds)
        written_back = waterfall(np.maximum(-new_loss, 0.0)[funds], top - lost, top)
        added[back_order] -= written_back
    return added
