"""The share of the month's trade credit that cycle netting alone would clear.

``cleared_share`` (:mod:`solsim.engine.obligations`) on cases worked out by hand,
the timeseries column, and the figure of clearing alone against the Sardex anchor
(about 25% cleared by cycles alone, Fleischman, Dini & Littera 2020).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

import solsim
from solsim.engine.network import generate_network
from solsim.engine.obligations import cleared_share

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
CLEARING = BASELINE.parent / "clearing.toml"


def share(edges: list[tuple[int, int, int]], n: int) -> float:
    """cleared_share of ``(debtor, creditor, cents)`` edges."""
    debtor, creditor, cents = (np.array(column) for column in zip(*edges, strict=True))
    return cleared_share(cents.astype(np.int64), debtor, creditor, n)


def test_a_pure_three_cycle_clears_entirely() -> None:
    assert share([(0, 1, 400), (1, 2, 400), (2, 0, 400)], 3) == 1.0


def test_a_chain_clears_nothing() -> None:
    assert share([(0, 1, 500), (1, 2, 300), (2, 3, 900)], 4) == 0.0


def test_a_three_cycle_clears_its_smallest_obligation_round_it() -> None:
    # 0 owes 1 five, 1 owes 2 seven, 2 owes 0 three: 3 × 3 of 15 cancel.
    assert share([(0, 1, 5), (1, 2, 7), (2, 0, 3)], 3) == pytest.approx(9 / 15)


def test_the_worked_example_of_net_cycles() -> None:
    # i=0 owes j=1 10, j owes i 8, i owes k=2 3, k owes j 3: cancelling the 3-cycle
    # j→i→k→j by 3 and the 2-cycle by 5 removes 19 of 24 (bilateral first: 16).
    edges = [(0, 1, 10), (1, 0, 8), (0, 2, 3), (2, 1, 3)]
    assert share(edges, 3) == pytest.approx(19 / 24)


def test_nothing_owed_clears_nothing() -> None:
    empty = np.zeros(3, dtype=np.int64)
    assert cleared_share(empty, np.array([0, 1, 2]), np.array([1, 2, 0]), 3) == 0.0


def test_edges_owing_nothing_are_ignored_and_repeats_summed() -> None:
    # The zero edge would otherwise close no cycle anyway; the repeated pair counts once
    # with 6 + 4 = 10 against 10 back.
    edges = [(0, 1, 6), (0, 1, 4), (1, 0, 10), (1, 2, 0), (2, 0, 5)]
    assert share(edges, 3) == pytest.approx(20 / 25)


def test_cleared_share_is_what_netting_cancelled() -> None:
    overrides = {"burn_in": 24, "economy.households": 400, "economy.coops": 16}
    plain = solsim.run(BASELINE, seed=3, steps=24, overrides=overrides, agents=False)
    # Nothing nets obligations in the baseline.
    assert (plain.timeseries["cleared_share"] == 0.0).all()
    netted = solsim.run(CLEARING, seed=3, steps=24, overrides=overrides, agents=False)
    column = netted.timeseries["cleared_share"]
    assert len(column) == 24
    assert column.notna().all()
    assert ((column >= 0.0) & (column <= 1.0)).all()
    assert column.max() > 0.0


def test_supply_feedback_zero_gives_an_acyclic_chain_but_for_the_first_co_op() -> None:
    net = generate_network(
        "communities", 500, 80, 4, 3, 3, 0.85, 0.1, np.random.default_rng(2), supply_feedback=0.0
    )
    supply = net.supply.tocoo()
    # With no feedback only the co-op furthest upstream (no one is upstream of it) buys
    # against the order: some single co-op's purchases close every cycle.
    n = net.n_coops
    acyclic_without = []
    for first in range(n):
        keep = supply.row != first
        graph = np.zeros((n, n))
        graph[supply.row[keep], supply.col[keep]] = 1.0
        n_strong, _ = connected_components(graph, directed=True, connection="strong")
        acyclic_without.append(n_strong == n)
    assert any(acyclic_without)


def test_more_feedback_means_more_against_the_order() -> None:
    def strong_edges(feedback: float) -> int:
        net = generate_network(
            "scale_free",
            500,
            200,
            4,
            3,
            3,
            0.85,
            0.1,
            np.random.default_rng(5),
            supply_feedback=feedback,
        )
        supply = net.supply.tocoo()
        _, label = connected_components(net.supply, directed=True, connection="strong")
        return int((label[supply.row] == label[supply.col]).sum())

    assert strong_edges(0.0) < strong_edges(0.2) < strong_edges(0.5)


@pytest.mark.slow
def test_clearing_alone_cuts_about_a_quarter_of_the_obligations() -> None:
    # Sardex: obligation clearing alone cut invoices by about 25% (band 15-35%).
    # Mean over months and five seeds of the full baseline with clearing alone
    # switched on (seed-to-seed SE of the mean about 0.025).
    means = [
        solsim.run(CLEARING, seed=seed, agents=False).timeseries["cleared_share"].mean()
        for seed in range(5)
    ]
    assert 0.15 <= float(np.mean(means)) <= 0.35


def test_the_measurement_agrees_with_the_netting_it_describes() -> None:
    # What cleared_share() says netting would cancel is what netting cancelled.
    from solsim.model import SolidarityEconomy

    overrides = {"burn_in": 12, "economy.households": 400, "economy.coops": 16}
    model = SolidarityEconomy(CLEARING, seed=2, overrides=overrides, agents=False)
    e = model.economy
    (netting,) = e.instruments
    seen = []
    original = netting._net_obligations

    def measured(economy, open_edge):
        live = open_edge & (economy.payable > 0)
        gross = int(economy.payable[live].sum())
        share = cleared_share(
            np.where(live, economy.payable, 0),
            economy.supply_row,
            economy.supply.indices,
            economy.n_firms,
        )
        original(economy, open_edge)
        invoiced = int(economy.invoiced_month[open_edge].sum())
        seen.append((share * gross, netting.cleared_cents, invoiced, economy.cleared_share))

    netting._net_obligations = measured
    for _ in range(6):
        model.step()
    assert any(cancelled > 0 for _, cancelled, _, _ in seen)
    for expected, cancelled, invoiced, column in seen:
        # What netting cancelled is what cleared_share() said it would; the
        # column puts it against the month's new obligations.
        assert cancelled == pytest.approx(expected, abs=1.0)
        assert column == pytest.approx(cancelled / invoiced)
