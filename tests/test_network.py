"""Tests for the trade-network generators in solsim.engine.network."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp

from solsim.engine.network import NETWORK_KINDS, TradeNetwork, generate_network

# A mid-sized network: big enough for the statistical checks, small enough to be instant.
BASE = {
    "n_households": 4000,
    "n_coops": 200,
    "n_communities": 5,
    "purchase_edges": 5,
    "supply_edges": 3,
    "within_community": 0.8,
    "rewire": 0.1,
}


def make(kind: str, seed: int = 0, **overrides) -> TradeNetwork:
    return generate_network(kind, **{**BASE, **overrides}, rng=np.random.default_rng(seed))


def row_counts(matrix: sp.csr_matrix) -> np.ndarray:
    return np.diff(matrix.indptr)


def in_degrees(matrix: sp.csr_matrix) -> np.ndarray:
    return np.bincount(matrix.indices, minlength=matrix.shape[1])


def same_network(a: TradeNetwork, b: TradeNetwork) -> bool:
    return (
        (a.purchase != b.purchase).nnz == 0
        and (a.supply != b.supply).nnz == 0
        and np.array_equal(a.household_community, b.household_community)
        and np.array_equal(a.coop_community, b.coop_community)
    )


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_shapes_types_and_weights(kind: str) -> None:
    net = make(kind)
    assert isinstance(net.purchase, sp.csr_matrix)
    assert isinstance(net.supply, sp.csr_matrix)
    assert net.purchase.shape == (4000, 200)
    assert net.supply.shape == (200, 200)
    assert net.purchase.dtype == np.float64 and net.supply.dtype == np.float64
    assert net.household_community.dtype == np.int32
    assert net.coop_community.dtype == np.int32
    assert net.household_community.shape == (4000,)
    assert net.coop_community.shape == (200,)
    assert (net.n_households, net.n_coops, net.n_communities) == (4000, 200, 5)
    assert net.employer is None and net.household_ids is None and net.coop_ids is None
    # Duplicates merged, all weights positive, mean weight near 1.
    assert net.purchase.has_canonical_format and net.supply.has_canonical_format
    assert (net.purchase.data > 0).all() and (net.supply.data > 0).all()
    assert net.purchase.data.mean() == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_every_household_buys_and_rows_hold_about_k_edges(kind: str) -> None:
    net = make(kind)
    per_row = row_counts(net.purchase)
    assert per_row.min() >= 1
    assert per_row.max() <= BASE["purchase_edges"]
    assert per_row.mean() >= 0.98 * BASE["purchase_edges"]
    supply_rows = row_counts(net.supply)
    assert supply_rows.max() <= BASE["supply_edges"]
    assert supply_rows.mean() >= 0.95 * BASE["supply_edges"]


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_no_supply_self_loops(kind: str) -> None:
    net = make(kind, supply_edges=8, n_coops=12, n_communities=4)
    assert net.supply.diagonal().sum() == 0
    assert (net.supply.diagonal() == 0).all()


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_same_seed_same_network_other_seed_other_network(kind: str) -> None:
    assert same_network(make(kind, seed=7), make(kind, seed=7))
    assert not same_network(make(kind, seed=7), make(kind, seed=8))


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_global_random_state_is_untouched(kind: str) -> None:
    legacy = np.random.get_state()  # noqa: NPY002
    stdlib = random.getstate()
    make(kind)
    assert random.getstate() == stdlib
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == legacy[0] and np.array_equal(after[1], legacy[1])


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize(
    ("n_households", "n_coops", "n_communities", "purchase_edges", "supply_edges"),
    [(1, 1, 1, 1, 1), (5, 1, 3, 4, 2), (10, 3, 5, 6, 6), (7, 2, 2, 2, 1), (60, 40, 3, 50, 50)],
)
def test_tiny_and_oversubscribed_networks(
    kind: str,
    n_households: int,
    n_coops: int,
    n_communities: int,
    purchase_edges: int,
    supply_edges: int,
) -> None:
    net = generate_network(
        kind,
        n_households,
        n_coops,
        n_communities,
        purchase_edges,
        supply_edges,
        0.7,
        0.3,
        np.random.default_rng(3),
    )
    per_row = row_counts(net.purchase)
    assert net.purchase.shape == (n_households, n_coops)
    assert per_row.min() >= 1
    assert per_row.max() <= min(purchase_edges, n_coops)
    assert row_counts(net.supply).max(initial=0) <= min(supply_edges, n_coops - 1)
    assert (net.supply.diagonal() == 0).all()
    assert net.household_community.max() < n_communities
    assert net.coop_community.max() < n_communities


def test_communities_within_share_tracks_the_parameter() -> None:
    for within in (0.0, 0.5, 0.9):
        net = make("communities", within_community=within, n_households=20000)
        coo = net.purchase.tocoo()
        share = np.mean(net.household_community[coo.row] == net.coop_community[coo.col])
        # Draws "from anywhere" land in the own community 1/K of the time too.
        expected = within + (1 - within) / BASE["n_communities"]
        assert share == pytest.approx(expected, abs=0.02)


def test_communities_are_balanced_and_each_has_a_coop() -> None:
    net = make("communities", n_households=1003, n_coops=12, n_communities=5)
    sizes = np.bincount(net.household_community, minlength=5)
    assert sizes.max() - sizes.min() <= 1
    assert (np.bincount(net.coop_community, minlength=5) >= 2).all()
    net = make("communities", n_coops=5, n_communities=5)
    assert (np.bincount(net.coop_community, minlength=5) == 1).all()


def test_small_world_without_rewiring_links_the_nearest_coops() -> None:
    net = make("small_world", rewire=0.0, n_households=40, n_coops=10, purchase_edges=3)
    dense = net.purchase.toarray() > 0
    household_position = (np.arange(40) + 0.5) / 40
    coop_position = (np.arange(10) + 0.5) / 10
    gap = np.abs(household_position[:, None] - coop_position[None, :])
    ring_distance = np.minimum(gap, 1 - gap)
    for i in range(40):
        chosen = ring_distance[i, dense[i]]
        others = ring_distance[i, ~dense[i]]
        assert chosen.max() <= others.min() + 1e-12
    # Communities are contiguous arcs: labels never go down along the ring.
    assert (np.diff(net.household_community) >= 0).all()
    assert (np.diff(net.coop_community) >= 0).all()
    supply = net.supply.toarray() > 0
    for j in range(10):
        assert supply[j, (j + 1) % 10] and supply[j, (j - 1) % 10]


def test_small_world_rewiring_moves_edges_off_the_lattice() -> None:
    lattice = make("small_world", rewire=0.0)
    rewired = make("small_world", rewire=0.5)
    shared = lattice.purchase.multiply(rewired.purchase).nnz / lattice.purchase.nnz
    # About half the edges stay; the rewired ones rarely land back on the lattice.
    assert 0.4 < shared < 0.65


def test_scale_free_in_degree_is_heavy_tailed() -> None:
    heavy = in_degrees(make("scale_free", n_households=20000, n_coops=500).purchase)
    flat = in_degrees(make("communities", n_households=20000, n_coops=500).purchase)
    assert heavy.max() > 8 * heavy.mean()
    assert flat.max() < 2 * flat.mean()
    # The top 5% of co-ops carry a far larger share of all purchase edges.
    top = np.sort(heavy)[::-1][:25]
    assert top.sum() > 0.12 * heavy.sum()  # uniform would give 0.05


def test_spatial_links_are_local() -> None:
    net = make("spatial", n_communities=4, purchase_edges=3)
    coo = net.purchase.tocoo()
    share = np.mean(net.household_community[coo.row] == net.coop_community[coo.col])
    # Nearest co-ops are mostly in the same grid cell, far above the 1/4 of random links.
    assert share > 0.6
    assert set(np.unique(net.household_community)) == {0, 1, 2, 3}


@pytest.mark.parametrize("n_communities", [1, 2, 3, 5, 7])
def test_spatial_grid_has_exactly_the_requested_cells(n_communities: int) -> None:
    net = make("spatial", n_communities=n_communities, n_households=3000)
    assert set(np.unique(net.household_community)) == set(range(n_communities))


def test_unknown_kind_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown network kind 'ring'") as info:
        make("ring")
    for kind in NETWORK_KINDS:
        assert kind in str(info.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_households", 0),
        ("n_coops", 0),
        ("n_communities", 0),
        ("purchase_edges", 0),
        ("supply_edges", -1),
        ("within_community", 1.5),
        ("rewire", -0.1),
        ("n_coops", 2.5),
    ],
)
def test_bad_parameters_raise(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        make("communities", **{field: value})


def test_trade_network_checks_shapes() -> None:
    purchase = sp.csr_matrix(np.ones((3, 2)))
    with pytest.raises(ValueError, match="supply"):
        TradeNetwork(purchase, sp.csr_matrix((3, 3)), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="household_community"):
        TradeNetwork(purchase, sp.csr_matrix((2, 2)), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="employer"):
        TradeNetwork(purchase, sp.csr_matrix((2, 2)), np.zeros(3), np.zeros(2), np.zeros(2))
    net = TradeNetwork(np.ones((3, 2)), sp.csr_matrix((2, 2)), [0, 1, 1], [0, 2])
    assert isinstance(net.purchase, sp.csr_matrix)
    assert net.household_community.dtype == np.int32
    assert net.n_communities == 3


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_builds_at_region_scale(kind: str) -> None:
    # Build times are measured in benchmarks/; here, only that region-scale
    # networks come out whole.
    net = generate_network(kind, 100_000, 2000, 10, 5, 3, 0.8, 0.1, np.random.default_rng(0))
    assert net.purchase.shape == (100_000, 2000)
    assert net.purchase.nnz >= 490_000
    assert np.diff(net.purchase.indptr).min() >= 1
