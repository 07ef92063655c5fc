"""Double-entry books of one economy, as struct-of-arrays.

Every agent owns one account (an index into the balance arrays). Accounts are laid
out in contiguous blocks, one per agent kind, followed by any accounts instruments
add (a mutual-aid pool, an intertrading account) and, last, the outside world.

Money is booked in integer cents (``int64``). A transfer debits the payer and
credits the payee by the same integer amount, so the sum over all accounts,
the outside world included, never changes: conservation is exact, not merely
within rounding. Amounts computed in floating point are floored to whole cents
by :meth:`Ledger.transfer`, which returns what was actually booked.

Accounts marked *external* (the outside world, outside investors, guarantors)
are outside the local economy: the money stock is the sum over internal accounts,
and each transfer that crosses the boundary is tallied in ``external_in`` or
``external_out`` for the month, so that

    money_stock[t] - money_stock[t-1] == external_in[t] - external_out[t]

holds exactly. Mutual-credit balances live in a second integer array whose
entries always sum to exactly zero (see :meth:`Ledger.credit_transfer`).

Sums of cents stay in ``int64`` end to end (per-account sums by ``np.add.at``,
never float64 accumulation, which loses cents above 2**53): the bounds on
scenario amounts in :mod:`solsim.engine.params` keep every balance and every
sum of balances far below 2**63.

Internal accounts never go negative: every phase and instrument caps what an
internal account pays at what it holds. In *strict* mode (:attr:`Ledger.strict`,
or the environment variable ``SOLSIM_STRICT_LEDGER=1``, which the test suite
sets) the ledger checks this after every transfer and raises
:class:`NegativeBalanceError` naming the flow and the account's block.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

CENTS = 100

#: Environment variable that switches strict mode on for every new ledger.
STRICT_ENV = "SOLSIM_STRICT_LEDGER"


class NegativeBalanceError(RuntimeError):
    """A transfer left an internal account with a negative cash balance (strict mode)."""


def to_cents(amount: np.ndarray | float) -> np.ndarray:
    """Floor currency amounts to whole cents (``int64``); negative amounts become 0."""
    values = np.asarray(amount, dtype=np.float64)
    if values.ndim == 0:
        return np.floor(np.maximum(values, 0.0) * CENTS).astype(np.int64)
    return _whole_cents(values).astype(np.int64)


def _whole_cents(values: np.ndarray) -> np.ndarray:
    """``floor(max(values, 0) * CENTS)`` as a new float64 array (of whole numbers)."""
    # The same operations in place on one copy: a transfer over every purchase
    # edge would otherwise make three edge-length temporaries.
    cents = np.maximum(values, 0.0)
    cents *= CENTS
    np.floor(cents, out=cents)
    return cents


def sum_cents(index: np.ndarray, cents: np.ndarray, minlength: int = 0) -> np.ndarray:
    """Per-index sums of ``int64`` cents, exactly (``bincount`` that stays in integers).

    ``np.bincount`` with weights adds in float64, which drops cents once a sum
    passes 2**53; this adds int64 in place.
    """
    index = np.asarray(index, dtype=np.intp).ravel()
    size = max(minlength, int(index.max()) + 1 if index.size else 0)
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, np.asarray(cents, dtype=np.int64).ravel())
    return out


def cut_cents(amounts: np.ndarray, cut: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Take exactly ``cut[g]`` cents off the amounts of group ``g``, in item order.

    Parameters
    ----------
    amounts
        Non-negative ``int64`` cents per item.
    cut
        ``int64`` cents per group to take off (at most the group's total; more
        is clipped to it, a negative cut to zero).
    group
        Group of each item.

    Returns
    -------
    numpy.ndarray
        ``int64`` cents taken off each item: never more than the item's amount,
        summing to ``min(cut[g], total of g)`` over each group. Items are cut in
        a fixed order (their index within the group): the first items' amounts
        go first, so the result is deterministic and exact in integers.
    """
    amounts = np.asarray(amounts, dtype=np.int64)
    group = np.asarray(group, dtype=np.intp)
    cut = np.asarray(cut, dtype=np.int64).clip(0)
    taken = np.zeros(amounts.size, dtype=np.int64)
    hit = np.flatnonzero((cut[group] > 0) & (amounts > 0))
    if hit.size == 0:
        return taken
    order = hit[np.argsort(group[hit], kind="stable")]
    g = group[order]
    running = np.cumsum(amounts[order])
    # What the group's earlier items hold: running total less the group's start.
    start = np.searchsorted(g, g, side="left")
    before = running - amounts[order] - np.concatenate([[0], running])[start]
    taken[order] = np.clip(cut[g] - before, 0, amounts[order])
    return taken


def within_means(
    due: np.ndarray, available: np.ndarray, group: np.ndarray, n_groups: int
) -> np.ndarray:
    """Pay ``due`` (``int64`` cents per item) out of each group's ``available`` cents.

    A group whose items ask no more than it has pays them in full; otherwise
    each item gets the same share of what it asked (floored to cents), so the
    group pays at most what it has. Floating-point ratios can overshoot by a
    cent at large sums: any excess is cut exactly (:func:`cut_cents`).

    Returns
    -------
    numpy.ndarray
        ``int64`` cents paid per item, between 0 and ``due``.
    """
    due = np.asarray(due, dtype=np.int64).clip(0)
    group = np.asarray(group, dtype=np.intp)
    available = np.asarray(available, dtype=np.int64).clip(0)
    asked = sum_cents(group, due, n_groups)
    short = asked > available
    if not short.any():
        return due.copy()
    ratio = np.divide(available, asked, out=np.ones(n_groups), where=short)
    pay = np.where(short[group], np.floor(due * ratio[group]), due).astype(np.int64)
    pay = np.minimum(pay, due)
    over = sum_cents(group, pay, n_groups) - available
    if (over > 0).any():
        pay -= cut_cents(pay, over, group)
    return pay


def from_cents(cents: np.ndarray | int) -> np.ndarray | float:
    """Currency units from cents."""
    return np.asarray(cents, dtype=np.float64) / CENTS


@dataclass(frozen=True)
class Block:
    """A contiguous range of accounts belonging to one agent kind."""

    name: str
    start: int
    size: int

    @property
    def stop(self) -> int:
        return self.start + self.size

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)

    def index(self, local: np.ndarray | int) -> np.ndarray | int:
        """Global account index of a block-local index."""
        return np.asarray(local) + self.start if not np.isscalar(local) else local + self.start


class Ledger:
    """Balances of every account, and the month's tallied flows.

    Parameters
    ----------
    blocks
        ``(name, size, external)`` triples in account order. A block named
        ``"world"`` of size 1 is appended when missing; it is always external.

    Attributes
    ----------
    strict
        When true, every transfer checks that no internal account's cash is
        negative afterwards and raises :class:`NegativeBalanceError` otherwise.
        Set on the class to switch it on for every ledger, or on one instance;
        the environment variable ``SOLSIM_STRICT_LEDGER=1`` switches it on for
        ledgers made from then on (in worker processes too).
    """

    strict: ClassVar[bool] = False

    def __init__(self, blocks: list[tuple[str, int, bool]]):
        if not any(name == "world" for name, _, _ in blocks):
            blocks = [*blocks, ("world", 1, True)]
        self.blocks: dict[str, Block] = {}
        external: list[np.ndarray] = []
        start = 0
        for name, size, is_external in blocks:
            if name in self.blocks:
                raise ValueError(f"duplicate ledger block {name!r}")
            self.blocks[name] = Block(name, start, size)
            external.append(np.full(size, is_external or name == "world", dtype=bool))
            start += size
        self.n_accounts = start
        self.is_external = np.concatenate(external)
        self.world = self.blocks["world"].start
        self.cash = np.zeros(self.n_accounts, dtype=np.int64)
        self.credit = np.zeros(self.n_accounts, dtype=np.int64)
        self.flows: defaultdict[str, int] = defaultdict(int)
        self.external_in = 0
        self.external_out = 0
        # An instance attribute, so one ledger can be strict without the others;
        # the environment is read here so worker processes inherit the setting.
        self.strict = type(self).strict or os.environ.get(STRICT_ENV, "") not in ("", "0")
        self._internal_runs = self._runs()
        self._first_external = int(self.is_external.argmax())
        # What is known of read-only account arrays (see ``_fact``), by ``id``; the
        # arrays are kept with it, so an id is not reused while it is known.
        self._facts: dict[int, tuple[np.ndarray, dict[str, object]]] = {}

    def _runs(self) -> list[slice]:
        """Contiguous runs of internal accounts (a few slices: blocks are contiguous)."""
        internal = np.concatenate([[False], ~self.is_external, [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(internal))
        return [slice(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]

    # -- blocks ---------------------------------------------------------------
    def block(self, name: str) -> Block:
        return self.blocks[name]

    def add_block(self, name: str, size: int, external: bool = False) -> Block:
        """Append accounts (before the outside world, which stays last)."""
        if name in self.blocks:
            raise ValueError(f"duplicate ledger block {name!r}")
        world_balance = self.cash[self.world]
        world_credit = self.credit[self.world]
        start = self.world
        self.blocks[name] = Block(name, start, size)
        self.blocks["world"] = Block("world", start + size, 1)
        self.world = start + size
        self.n_accounts += size
        self.cash = np.concatenate([self.cash[:start], np.zeros(size, np.int64), [world_balance]])
        self.credit = np.concatenate(
            [self.credit[:start], np.zeros(size, np.int64), [world_credit]]
        )
        self.is_external = np.concatenate(
            [self.is_external[:start], np.full(size, external), [True]]
        )
        self._internal_runs = self._runs()
        self._first_external = int(self.is_external.argmax())
        return self.blocks[name]

    # -- reading --------------------------------------------------------------
    def balances(self, name: str) -> np.ndarray:
        """A view of one block's cash balances, in cents."""
        return self.cash[self.blocks[name].slice]

    def money_stock(self) -> int:
        """Cash held inside the local economy, in cents."""
        return int(self.cash[~self.is_external].sum())

    def start_month(self) -> None:
        """Reset the month's flow tallies."""
        self.flows.clear()
        self.external_in = 0
        self.external_out = 0

    # -- writing --------------------------------------------------------------
    def transfer(
        self,
        payer: np.ndarray | int,
        payee: np.ndarray | int,
        amount: np.ndarray | float,
        flow: str,
        *,
        cents: bool = False,
    ) -> np.ndarray:
        """Move money from payer to payee, double entry.

        Parameters
        ----------
        payer, payee
            Global account indices: scalars or arrays broadcast against ``amount``.
        amount
            Currency units (floored to cents), or cents when ``cents=True``.
        flow
            Name under which the month's total is tallied in :attr:`flows`.

        Returns
        -------
        numpy.ndarray
            The booked amounts in cents (``int64``), shaped like the broadcast inputs.

        Notes
        -----
        The ledger does not cap payments at the payer's balance: callers decide
        what is affordable (a phase computes budgets first). Balances may go
        negative only for external accounts, which is what the outside world is;
        in strict mode an internal account left negative raises
        :class:`NegativeBalanceError`.
        """
        values = None if cents else np.asarray(amount, dtype=np.float64)
        if values is not None and values.ndim:
            booked = _whole_cents(values).astype(np.int64)
            fresh = booked
        else:
            booked = np.asarray(amount, dtype=np.int64) if cents else to_cents(values)
            fresh = None
        payer_arr = np.asarray(payer, dtype=np.int64)
        payee_arr = np.asarray(payee, dtype=np.int64)
        # Broadcasting is only needed when an account array is not already the
        # amounts' shape (a scalar account is posted as a scalar anyway); skipping
        # it saves a noticeable share of a small transfer.
        if payer_arr.shape not in (booked.shape, ()) or payee_arr.shape not in (booked.shape, ()):
            payer_arr, payee_arr, booked = np.broadcast_arrays(payer_arr, payee_arr, booked)
        if booked.size == 0:
            return booked.copy()
        total = int(booked.sum())
        if total == 0 and not booked.any():
            return booked.copy()
        self._post(payer, payer_arr, booked, total, -1)
        self._post(payee, payee_arr, booked, total, 1)
        self._tally_boundary(payer, payee, payer_arr, payee_arr, booked)
        self.flows[flow] += total
        if self.strict:
            self.check(flow)
        if fresh is not None and fresh.shape == booked.shape:
            return fresh
        return booked.copy()

    def check(self, flow: str = "") -> None:
        """Raise :class:`NegativeBalanceError` if an internal account's cash is negative.

        One minimum per contiguous run of internal accounts (a few slices, no
        copy), so it is cheap enough to run after every transfer in strict mode.
        """
        for run in self._internal_runs:
            if run.stop > run.start and self.cash[run].min() < 0:
                account = run.start + int(np.argmax(self.cash[run] < 0))
                block = next(b for b in self.blocks.values() if b.start <= account < b.stop)
                raise NegativeBalanceError(
                    f"flow {flow!r} left internal account {account} "
                    f"({block.name}[{account - block.start}]) at {int(self.cash[account])} cents"
                )

    def _post(self, account, account_arr, booked, total: int, sign: int) -> None:
        """Add ``sign`` × the booked cents to the cash of one side of a transfer."""
        if account_arr.ndim == 0 or np.ndim(account) == 0:
            self.cash[int(np.asarray(account))] += sign * total
            return
        index = account_arr.ravel()
        first = int(index[0])
        if int(index[-1]) - first == index.size - 1 and self._consecutive(account_arr, index):
            # A whole block in order (every household, say): add the amounts to a
            # slice of the balances instead of summing them per account.
            block = self.cash[first : first + index.size]
            if sign > 0:
                block += booked.ravel()
            else:
                block -= booked.ravel()
            return
        # Per-account sums in int64, in place: exact at any size (a float64
        # bincount loses cents once sums pass 2**53) and, measured on a
        # 10**6-edge transfer into 200,000 accounts, about twice as fast
        # (1.2 ms against 2.6 ms for bincount with float weights).
        if sign > 0:
            np.add.at(self.cash, index, booked.ravel())
        else:
            np.subtract.at(self.cash, index, booked.ravel())

    def _fact(self, accounts: np.ndarray, name: str, compute):
        """``compute(accounts)``, worked out once for a read-only account array.

        Whether an array of accounts is a run, and its largest account, each take
        a pass over it. The engine hands the same account arrays (every household,
        every purchase edge's payer and payee, ...) to many transfers a month; it
        makes them read-only, and an array that owns its memory and is read-only
        cannot change, so what was found for it holds until it is gone.
        """
        entry = self._facts.get(id(accounts))
        if entry is None or entry[0] is not accounts:
            if accounts.flags.writeable or not accounts.flags.owndata:
                return compute(accounts)
            entry = (accounts, {})
            self._facts[id(accounts)] = entry
        facts = entry[1]
        if name not in facts:
            facts[name] = compute(accounts)
        return facts[name]

    def _consecutive(self, account_arr: np.ndarray, index: np.ndarray) -> bool:
        """Whether ``index`` (first and last already a run apart) is a run of accounts."""
        return self._fact(account_arr, "run", lambda _: bool((np.diff(index) == 1).all()))

    def _largest(self, accounts: np.ndarray) -> int:
        return self._fact(accounts, "max", lambda a: int(a.max()))

    def _tally_boundary(self, payer, payee, payer_arr, payee_arr, booked) -> None:
        # Accounts below the first external one are all internal, so an array of
        # accounts whose largest is below it crosses no boundary: one pass for a
        # maximum instead of a lookup per transfer (households and co-ops come first).
        # (Found once, when the blocks are laid out: see ``__init__`` and ``add_block``.)
        first_external = self._first_external
        payer_external = (
            self.is_external[int(np.asarray(payer))]
            if np.ndim(payer) == 0
            else False
            if self._largest(payer_arr) < first_external
            else self.is_external[payer_arr]
        )
        payee_external = (
            self.is_external[int(np.asarray(payee))]
            if np.ndim(payee) == 0
            else False
            if self._largest(payee_arr) < first_external
            else self.is_external[payee_arr]
        )
        if np.ndim(payer_external) == 0 and np.ndim(payee_external) == 0:
            if payer_external and not payee_external:
                self.external_in += int(booked.sum())
            elif payee_external and not payer_external:
                self.external_out += int(booked.sum())
            return
        payer_external, payee_external, _ = np.broadcast_arrays(
            payer_external, payee_external, booked
        )
        self.external_in += int(booked[payer_external & ~payee_external].sum())
        self.external_out += int(booked[payee_external & ~payer_external].sum())

    def credit_transfer(
        self,
        payer: np.ndarray | int,
        payee: np.ndarray | int,
        amount_cents: np.ndarray | int,
        flow: str,
    ) -> np.ndarray:
        """Pay in mutual-credit units: the payer's balance falls, the payee's rises.

        Both legs are the same integers, so the balances keep summing to exactly zero.
        Limits are the caller's business (the mutual-credit instrument checks them).
        """
        payer_arr, payee_arr, booked = np.broadcast_arrays(
            np.asarray(payer, dtype=np.int64),
            np.asarray(payee, dtype=np.int64),
            np.asarray(amount_cents, dtype=np.int64),
        )
        if booked.size == 0:
            return booked.copy()
        # int64 in place, exact at any size (see ``_post``).
        np.subtract.at(self.credit, payer_arr.ravel(), booked.ravel())
        np.add.at(self.credit, payee_arr.ravel(), booked.ravel())
        self.flows[flow] += int(booked.sum())
        return booked.copy()
