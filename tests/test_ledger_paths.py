"""The ledger's fast paths book exactly what the general path books.

``Ledger.transfer`` posts a whole block of accounts in order as a slice, other
account arrays by ``np.add.at`` (int64), scalars directly, and tallies the boundary of
the local economy from the largest account index when it can. Whatever path a
transfer takes, balances, flows and boundary tallies must be the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from solsim.engine.ledger import Ledger, to_cents


def make_ledger() -> Ledger:
    ledger = Ledger([("households", 6, False), ("coops", 3, False), ("outside", 2, True)])
    ledger.transfer(ledger.world, np.arange(9), 100.0, "opening")
    ledger.start_month()
    return ledger


def state(ledger: Ledger) -> tuple:
    return (
        ledger.cash.tolist(),
        dict(ledger.flows),
        ledger.external_in,
        ledger.external_out,
    )


def test_block_in_order_books_as_a_permutation_of_it():
    amounts = np.array([1.234, 0.0, 7.5, 2.999, 0.01, 3.0])
    ordered, shuffled = make_ledger(), make_ledger()
    ordered.transfer(np.arange(6), 7, amounts, "buy")
    order = np.array([3, 0, 5, 1, 4, 2])
    shuffled.transfer(order, 7, amounts[order], "buy")
    assert state(ordered) == state(shuffled)
    assert ordered.cash[:6].tolist() == [10000 - c for c in to_cents(amounts)]


def test_repeated_accounts_add_up():
    ledger = make_ledger()
    payer = np.array([0, 0, 1, 0])
    payee = np.array([6, 7, 6, 6])
    booked = ledger.transfer(payer, payee, [1.0, 2.0, 3.0, 4.0], "buy")
    assert booked.tolist() == [100, 200, 300, 400]
    assert ledger.cash[[0, 1, 6, 7]].tolist() == [10000 - 700, 10000 - 300, 10000 + 800, 10200]
    assert ledger.flows["buy"] == 1000
    assert int(ledger.cash.sum()) == 0  # the world is the other side of the openings


@pytest.mark.parametrize("cents", [False, True])
def test_boundary_tallies_each_direction(cents):
    ledger = make_ledger()
    amount = [5, 7] if cents else [0.05, 0.07]
    ledger.transfer(np.array([0, 9]), np.array([10, 1]), amount, "mixed", cents=cents)
    # household 0 pays outside account 10 (out); outside account 9 pays household 1 (in)
    assert (ledger.external_in, ledger.external_out) == (7, 5)
    ledger.transfer(np.arange(6), ledger.world, 1.0, "imports")
    assert ledger.external_out == 5 + 600
    ledger.transfer(np.array([6, 7]), np.array([0, 1]), 1.0, "internal")
    assert (ledger.external_in, ledger.external_out) == (7, 605)


def test_money_stock_moves_by_the_tallies():
    ledger = make_ledger()
    before = ledger.money_stock()
    rng = np.random.default_rng(3)
    for _ in range(20):
        payer = rng.integers(0, ledger.n_accounts, 5)
        payee = rng.integers(0, ledger.n_accounts, 5)
        ledger.transfer(payer, payee, rng.random(5) * 10, "random")
    assert ledger.money_stock() - before == ledger.external_in - ledger.external_out


def test_returned_amounts_are_new_arrays():
    ledger = make_ledger()
    amounts = np.array([100, 200, 300], dtype=np.int64)
    booked = ledger.transfer(np.arange(3), 6, amounts, "buy", cents=True)
    assert booked.tolist() == amounts.tolist()
    booked[0] = -1
    assert amounts[0] == 100


def test_scalar_and_array_cents():
    assert to_cents(1.239) == 123
    assert isinstance(to_cents(1.239), np.integer)
    assert to_cents(np.array([-1.0, 0.019, 2.5])).tolist() == [0, 1, 250]
