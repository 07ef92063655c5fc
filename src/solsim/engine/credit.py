"""Mutual-credit accounts: balances that sum to zero, limits, and exact splits.

:class:`CreditNetwork` keeps one or more networks of members on a ledger's
``credit`` array (a mutual-credit network, a network trading hours);
:func:`split_cents` shares whole-cent totals pro rata, exactly. Instruments
build on both; neither knows which instrument uses it.
"""

from __future__ import annotations

import numpy as np

from solsim.engine.ledger import Ledger

__all__ = ["CreditNetwork", "split_cents"]


def split_cents(
    totals: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Split whole-cent totals over items, pro rata to weights, exactly.

    Parameters
    ----------
    totals
        ``int64`` per group: the amount to split.
    weights
        Non-negative weight per item.
    groups
        Group of each item (``0..n_groups-1``).

    Returns
    -------
    numpy.ndarray
        ``int64`` per item. Within each group with positive total weight the
        amounts sum to exactly that group's total (largest-remainder rounding:
        floors, then one more cent to the items with the largest remainders);
        groups without weight get nothing. When the total does not exceed the
        sum of the weights and weights are whole numbers, no item gets more
        than its weight, so weights can serve as caps.
    """
    totals = np.asarray(totals, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    if groups.size == 0:
        return np.zeros(0, dtype=np.int64)
    weight_sum = np.bincount(groups, weights, minlength=n_groups)
    denom = weight_sum[groups]
    share = np.divide(
        totals[groups].astype(np.float64) * weights,
        denom,
        out=np.zeros(groups.size),
        where=denom > 0,
    )
    base = np.floor(share).astype(np.int64)
    target = np.where(weight_sum > 0, totals, 0)
    left = target - np.bincount(groups, base, minlength=n_groups).astype(np.int64)
    # Hand out the leftover cents by largest remainder, within each group
    # (only weighted items can take one, so only they are sorted).
    weighted = np.flatnonzero(weights > 0)
    order = weighted[np.lexsort((-(share - base)[weighted], groups[weighted]))]
    sorted_groups = groups[order]
    rank = np.arange(order.size) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    base[order[rank < left[sorted_groups]]] += 1
    # Floating-point sums can be a cent off at extreme sizes: settle the
    # difference on each group's heaviest item so totals stay exact.
    diff = target - np.bincount(groups, base, minlength=n_groups).astype(np.int64)
    if diff.any():
        heaviest = np.lexsort((-weights, groups))
        first = heaviest[np.searchsorted(groups[heaviest], np.flatnonzero(diff), side="left")]
        base[first] += diff[diff != 0]
    return base


class CreditNetwork:
    """Accounts of one or more mutual-credit networks on a ledger's credit array.

    Parameters
    ----------
    ledger
        The ledger whose ``credit`` array holds the balances.
    accounts
        Ledger account of each member.
    nets
        Network of each member (``0..n_nets-1``).
    n_nets
        Number of networks.
    commons
        Ledger account of each network's commons (a transit account that every
        operation leaves at zero).
    intertrading
        Ledger account of each network's intertrading account, or None when
        networks do not trade with each other.
    """

    def __init__(
        self,
        ledger: Ledger,
        accounts: np.ndarray,
        nets: np.ndarray,
        n_nets: int,
        commons: np.ndarray,
        intertrading: np.ndarray | None = None,
    ):
        self.ledger = ledger
        self.account = np.asarray(accounts, dtype=np.int64)
        self.net = np.asarray(nets, dtype=np.int64)
        self.n_nets = int(n_nets)
        self.commons = np.asarray(commons, dtype=np.int64)
        self.intertrading = None if intertrading is None else np.asarray(intertrading, np.int64)
        self.limit = np.zeros(self.account.size, dtype=np.int64)
        self.turnover = 0  # cents paid this month (each payment once)

    # -- reading ---------------------------------------------------------------
    def balance(self, members: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Balances (cents) of members."""
        return self.ledger.credit[self.account[members]]

    def room(self, members: np.ndarray | slice = slice(None)) -> np.ndarray:
        """How much each member can still pay: balance + limit, never below 0."""
        return np.maximum(self.balance(members) + self.limit[members], 0)

    def allowed(self, payer: np.ndarray, payee: np.ndarray) -> np.ndarray:
        """Whether members may pay each other (same network, or networks intertrade)."""
        if self.intertrading is not None:
            return np.ones(np.broadcast(payer, payee).shape, dtype=bool)
        return self.net[payer] == self.net[payee]

    def network_sums(self) -> np.ndarray:
        """Sum of each network's balances, its intertrading account included (always 0)."""
        sums = np.bincount(
            self.net, self.balance().astype(np.float64), minlength=self.n_nets
        ).astype(np.int64)
        if self.intertrading is not None:
            sums += self.ledger.credit[self.intertrading]
        return sums

    # -- writing ---------------------------------------------------------------
    def pay_accounts(
        self,
        payer: np.ndarray,
        payer_net: np.ndarray,
        payee: np.ndarray,
        payee_net: np.ndarray,
        cents: np.ndarray,
        flow: str,
        count: bool = True,
    ) -> None:
        """Pay in credit between ledger accounts; across networks via intertrading.

        A payment between networks *a* and *b* is booked as two legs, payer →
        intertrading account of *a* and intertrading account of *b* → payee,
        so every network's sum and the sum of the intertrading accounts stay zero.
        """
        payer, payer_net, payee, payee_net, cents = np.broadcast_arrays(
            np.asarray(payer, np.int64),
            np.asarray(payer_net, np.int64),
            np.asarray(payee, np.int64),
            np.asarray(payee_net, np.int64),
            np.asarray(cents, np.int64),
        )
        live = cents > 0
        if not live.any():
            return
        payer, payer_net, payee, payee_net, cents = (
            a[live] for a in (payer, payer_net, payee, payee_net, cents)
        )
        same = payer_net == payee_net
        ledger = self.ledger
        if same.any():
            ledger.credit_transfer(payer[same], payee[same], cents[same], flow)
        cross = ~same
        if cross.any():
            if self.intertrading is None:
                raise RuntimeError("a credit payment across networks needs intertrading")
            it = self.intertrading
            ledger.credit_transfer(payer[cross], it[payer_net[cross]], cents[cross], flow)
            ledger.credit_transfer(
                it[payee_net[cross]], payee[cross], cents[cross], f"{flow}_intertrading"
            )
        if count:
            self.turnover += int(cents.sum())

    def pay(self, payer: np.ndarray, payee: np.ndarray, cents: np.ndarray, flow: str) -> None:
        """Members pay members (indices into the member arrays)."""
        payer = np.asarray(payer, np.int64)
        payee = np.asarray(payee, np.int64)
        self.pay_accounts(
            self.account[payer], self.net[payer], self.account[payee], self.net[payee], cents, flow
        )

    def spread(
        self,
        source: np.ndarray,
        amount: np.ndarray,
        target: np.ndarray,
        weight: np.ndarray,
        flow: str,
    ) -> np.ndarray:
        """Move credit from source members to target members of the same network.

        Each network's collected total is split over its targets pro rata to
        ``weight`` (whole cents, exactly), through the network's commons account,
        which ends where it started. Returns what each target received.
        """
        source = np.asarray(source, np.int64)
        target = np.asarray(target, np.int64)
        amount = np.asarray(amount, np.int64)
        collected = np.bincount(self.net[source], amount, minlength=self.n_nets).astype(np.int64)
        if not collected.any():
            return np.zeros(target.size, dtype=np.int64)
        commons = self.commons
        self.ledger.credit_transfer(self.account[source], commons[self.net[source]], amount, flow)
        received = split_cents(collected, weight, self.net[target], self.n_nets)
        self.ledger.credit_transfer(commons[self.net[target]], self.account[target], received, flow)
        return received
