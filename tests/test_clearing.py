"""Tests for solsim.clearing: Eisenberg–Noe clearing and multilateral cycle netting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.sparse.csgraph import connected_components

import solsim.clearing as clearing
from solsim.clearing import (
    clearing_payments,
    default_set,
    eisenberg_noe,
    net_bilateral,
    net_cycles,
)

# ======================================================================================
# Helpers
# ======================================================================================


def _dense(m):
    return m.toarray() if sp.issparse(m) else np.asarray(m)


def _net(m) -> np.ndarray:
    """Net position of every node: what it owes minus what it is owed."""
    d = _dense(m)
    return d.sum(axis=1) - d.sum(axis=0)


def _phi(L: np.ndarray, e: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The Eisenberg–Noe map min(p̄, e + Πᵀp), written out independently."""
    pbar = L.sum(axis=1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    return np.minimum(pbar, e + Pi.T @ p)


def _inflows(L: np.ndarray, p: np.ndarray) -> np.ndarray:
    pbar = L.sum(axis=1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    return Pi.T @ p


def _is_acyclic(m) -> bool:
    """True if the support of ``m`` has no directed cycle (every strong component is a
    single node; the diagonal is zero)."""
    d = _dense(m)
    n_comp, _ = connected_components(sp.csr_array(d != 0), directed=True, connection="strong")
    return n_comp == d.shape[0]


# ======================================================================================
# Eisenberg–Noe: worked examples
# ======================================================================================

# DESIGN §6 ring. A owes B 10, B owes C 10, C owes A 5; outside assets (1, 2, 1).
#   p̄ = (10, 10, 5). Everyone paying in full: A has 1 + 5 = 6 < 10 → A defaults.
#   Round 1, D = {A}: p_A = 1 + 5 = 6. Then B has 2 + 6 = 8 < 10 → B defaults.
#   Round 2, D = {A, B}: p_A = 1 + p_C = 6, p_B = 2 + p_A = 8; C has 1 + 8 = 9 ≥ 5.
#   p = (6, 8, 5).
RING = np.array([[0, 10, 0], [0, 0, 10], [5, 0, 0]], dtype=float)
RING_E = np.array([1.0, 2.0, 1.0])


@pytest.mark.parametrize("kind", ["dense", "list", "csr_array", "csr_matrix", "coo_array"])
def test_design_ring(kind):
    L = {
        "dense": RING,
        "list": RING.tolist(),
        "csr_array": sp.csr_array(RING),
        "csr_matrix": sp.csr_matrix(RING),
        "coo_array": sp.coo_array(RING),
    }[kind]
    p = eisenberg_noe(L, RING_E)
    np.testing.assert_allclose(p, [6.0, 8.0, 5.0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(default_set(L, RING_E), [True, True, False])
    p2, P = clearing_payments(L, RING_E)
    np.testing.assert_allclose(p2, p)
    np.testing.assert_allclose(_dense(P), [[0, 6, 0], [0, 0, 8], [5, 0, 0]], atol=1e-12)
    assert sp.issparse(P) == sp.issparse(L)
    if isinstance(L, sp.spmatrix):
        assert isinstance(P, sp.spmatrix)
    elif sp.issparse(L):
        assert isinstance(P, sp.sparray)


def test_everyone_pays_in_full():
    # A owes B 4, B owes C 6; outside assets (4, 2, 0).
    #   A has 4 ≥ 4; B has 2 + 4 = 6 ≥ 6; C owes nothing. No default: p = p̄ = (4, 6, 0).
    L = np.array([[0, 4, 0], [0, 0, 6], [0, 0, 0]], dtype=float)
    e = np.array([4.0, 2.0, 0.0])
    np.testing.assert_array_equal(eisenberg_noe(L, e), [4.0, 6.0, 0.0])
    assert not default_set(L, e).any()


def test_default_propagates_down_a_chain():
    # A owes B 10, B owes C 10; outside assets (4, 3, 0).
    #   A pays all it has, 4. B then has 3 + 4 = 7 < 10 and pays 7. C receives 7.
    #   The first default (A) causes the second (B): p = (4, 7, 0).
    L = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    e = np.array([4.0, 3.0, 0.0])
    p, P = clearing_payments(L, e)
    np.testing.assert_allclose(p, [4.0, 7.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(P, [[0, 4, 0], [0, 0, 7], [0, 0, 0]], atol=1e-12)
    np.testing.assert_array_equal(default_set(L, e), [True, True, False])
    # With more outside assets at B, B absorbs A's default and stays solvent.
    np.testing.assert_allclose(eisenberg_noe(L, [4.0, 6.0, 0.0]), [4.0, 10.0, 0.0])


def test_pure_cycle_has_many_fixed_points_and_we_return_the_greatest():
    # A → B → C → A, 10 each, no outside assets. For every t in [0, 10], p = (t, t, t)
    # is a fixed point (each node receives exactly what it pays). The greatest, and the
    # one Eisenberg & Noe define as the clearing vector, is full payment t = 10.
    L = np.array([[0, 10, 0], [0, 0, 10], [10, 0, 0]], dtype=float)
    e = np.zeros(3)
    for t in (0.0, 3.0, 10.0):
        np.testing.assert_allclose(_phi(L, e, np.full(3, t)), t)  # all are fixed points
    np.testing.assert_array_equal(eisenberg_noe(L, e), [10.0, 10.0, 10.0])
    np.testing.assert_array_equal(eisenberg_noe(sp.csr_array(L), e), [10.0, 10.0, 10.0])
    assert not default_set(L, e).any()


def test_mutual_default_needs_the_linear_solve():
    # A owes B 8; B owes A 4 and C 4; outside assets (2, 1, 0). p̄ = (8, 8, 0).
    #   All paying in full: A has 2 + 4 = 6 < 8 → A defaults; B has 1 + 8 = 9 ≥ 8.
    #   Round 1, D = {A}: p_A = 2 + 4 = 6; B has 1 + 6 = 7 < 8 → B defaults.
    #   Round 2, D = {A, B}: p_A = 2 + p_B / 2, p_B = 1 + p_A ⇒ p_A = 5, p_B = 6.
    #   C receives p_B / 2 = 3 = total outside assets: all value ends at C.
    L = np.array([[0, 8, 0], [4, 0, 4], [0, 0, 0]], dtype=float)
    e = np.array([2.0, 1.0, 0.0])
    p, P = clearing_payments(L, e)
    np.testing.assert_allclose(p, [5.0, 6.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(P, [[0, 5, 0], [3, 0, 3], [0, 0, 0]], atol=1e-12)


def test_pro_rata_sharing():
    # A owes B 6 and C 4 (p̄_A = 10) and has 5: it pays half of each debt, 3 and 2.
    L = np.array([[0, 6, 4], [0, 0, 0], [0, 0, 0]], dtype=float)
    p, P = clearing_payments(L, [5.0, 0.0, 0.0])
    np.testing.assert_allclose(p, [5.0, 0.0, 0.0])
    np.testing.assert_allclose(P[0], [0.0, 3.0, 2.0])


def test_cycle_with_leak_defaults_fully_without_outside_assets():
    # A owes B 10; B owes A 5 and C 5; no outside assets. Every unit that enters the
    # A–B loop eventually leaks to C, and there is none to start with, so the greatest
    # fixed point is p = 0 (the unique one: B pays half to A, (I − Π_DDᵀ) is invertible).
    L = np.array([[0, 10, 0], [5, 0, 5], [0, 0, 0]], dtype=float)
    np.testing.assert_allclose(eisenberg_noe(L, np.zeros(3)), 0.0, atol=1e-12)


def test_no_obligations_and_single_node():
    np.testing.assert_array_equal(eisenberg_noe(np.zeros((4, 4)), np.ones(4)), 0.0)
    np.testing.assert_array_equal(eisenberg_noe([[0.0]], [3.0]), [0.0])
    assert default_set(np.zeros((2, 2)), [0, 0]).tolist() == [False, False]


def test_fallback_iteration_gives_the_same_answer(monkeypatch):
    # Force the (normally unreachable) singular-system fallback.
    monkeypatch.setattr(clearing, "_solve_defaulters", lambda *a: None)
    np.testing.assert_allclose(eisenberg_noe(RING, RING_E), [6.0, 8.0, 5.0], atol=1e-9)
    with pytest.raises(RuntimeError, match="did not converge"):
        eisenberg_noe(RING, RING_E, max_iter=1)


@pytest.mark.parametrize(
    ("L", "e", "match"),
    [
        (np.zeros((2, 3)), np.zeros(2), "square"),
        (np.zeros(3), np.zeros(3), "square"),
        (np.array([[0, -1], [0, 0]], float), np.zeros(2), "non-negative"),
        (np.array([[0, np.nan], [0, 0]]), np.zeros(2), "finite"),
        (np.array([[0, np.inf], [0, 0]]), np.zeros(2), "finite"),
        (np.array([[1, 1], [0, 0]], float), np.zeros(2), "zero diagonal"),
        (np.zeros((2, 2)), np.zeros(3), "length n=2"),
        (np.zeros((2, 2)), np.zeros((2, 1)), "length n=2"),
        (np.zeros((2, 2)), np.array([0.0, -1.0]), "external_assets must be non-negative"),
        (np.zeros((2, 2)), np.array([0.0, np.nan]), "external_assets must be finite"),
        (sp.csr_array(np.array([[0, -1], [0, 0]], float)), np.zeros(2), "non-negative"),
        (sp.csr_array(np.array([[2, 1], [0, 0]], float)), np.zeros(2), "zero diagonal"),
        (sp.csr_array((2, 3)), np.zeros(2), "square"),
        ([["a", "b"], ["c", "d"]], np.zeros(2), "numeric"),
    ],
)
def test_eisenberg_noe_rejects_bad_input(L, e, match):
    with pytest.raises(ValueError, match=match):
        eisenberg_noe(L, e)


def test_eisenberg_noe_rejects_bad_options():
    with pytest.raises(ValueError, match="tol"):
        eisenberg_noe(RING, RING_E, tol=-1.0)
    with pytest.raises(ValueError, match="max_iter"):
        eisenberg_noe(RING, RING_E, max_iter=0)


# ======================================================================================
# Eisenberg–Noe: properties on random small networks
# ======================================================================================

_amount = st.one_of(st.just(0.0), st.integers(1, 50).map(float), st.floats(0.25, 100.0))


@st.composite
def networks(draw, max_n: int = 7):
    n = draw(st.integers(1, max_n))
    L = draw(arrays(np.float64, (n, n), elements=_amount))
    np.fill_diagonal(L, 0.0)
    e = draw(arrays(np.float64, n, elements=_amount))
    return L, e


def _atol(L, e) -> float:
    return 1e-9 * max(1.0, float(L.sum()), float(e.sum()))


@settings(max_examples=300, deadline=None)
@given(networks())
def test_clearing_vector_properties(net):
    L, e = net
    pbar = L.sum(axis=1)
    p, P = clearing_payments(L, e)
    atol = _atol(L, e)
    inflow = _inflows(L, p)
    # 0 ≤ p ≤ p̄.
    assert np.all(p >= 0)
    assert np.all(p <= pbar + atol)
    # Nobody pays more than it has.
    assert np.all(p <= e + inflow + atol)
    # p is a fixed point of p = min(p̄, e + Πᵀp).
    np.testing.assert_allclose(p, _phi(L, e, p), rtol=0, atol=atol)
    # Limited liability and absolute priority: pay in full, or pay everything you have.
    full = np.isclose(p, pbar, rtol=0, atol=atol)
    all_in = np.isclose(p, e + inflow, rtol=0, atol=atol)
    assert np.all(full | all_in)
    # What is paid is received: row sums are p, column sums are inflows, totals agree.
    np.testing.assert_allclose(P.sum(axis=1), p, rtol=0, atol=atol)
    np.testing.assert_allclose(P.sum(axis=0), inflow, rtol=0, atol=atol)
    # Equity e + inflow − p sums to total outside assets (value is neither made nor lost).
    np.testing.assert_allclose((e + inflow - p).sum(), e.sum(), rtol=0, atol=atol)
    # Payments never exceed the obligations they settle, edge by edge.
    assert np.all(np.less_equal(P, L + atol))
    # default_set agrees with p < p̄ (up to borderline cases within rounding).
    d = default_set(L, e)
    assert np.all(p[d] < pbar[d])
    assert np.all(d[p < pbar - atol])


@settings(max_examples=150, deadline=None)
@given(networks(max_n=6))
def test_clearing_vector_is_the_greatest_fixed_point(net):
    # Brute force: for every candidate default set D, solve the linear system with D
    # paying all it has and the others paying in full; keep the candidates that are
    # genuine fixed points. The returned vector must dominate every one of them.
    L, e = net
    n = L.shape[0]
    pbar = L.sum(axis=1)
    p = eisenberg_noe(L, e)
    atol = _atol(L, e) * 10
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    for size in range(n + 1):
        for D in itertools.combinations(range(n), size):
            D = list(D)
            N = [i for i in range(n) if i not in D]
            q = pbar.copy()
            if D:
                A = np.eye(len(D)) - Pi[np.ix_(D, D)].T
                b = e[D] + Pi[np.ix_(N, D)].T @ pbar[N]
                try:
                    q[D] = np.linalg.solve(A, b)
                except np.linalg.LinAlgError:
                    continue
            if np.all(np.isfinite(q)) and np.allclose(q, _phi(L, e, q), rtol=0, atol=atol):
                assert np.all(p >= q - atol), (p, q, D)


@settings(max_examples=100, deadline=None)
@given(networks())
def test_sparse_and_dense_agree(net):
    L, e = net
    p_dense = eisenberg_noe(L, e)
    p_sparse, P_sparse = clearing_payments(sp.csr_array(L), e)
    np.testing.assert_allclose(p_sparse, p_dense, rtol=0, atol=_atol(L, e))
    assert sp.issparse(P_sparse)


def test_monotone_in_outside_assets():
    # More outside assets never lower anyone's payment.
    rng = np.random.default_rng(7)
    L = rng.uniform(0, 10, (30, 30)) * (rng.random((30, 30)) < 0.2)
    np.fill_diagonal(L, 0.0)
    e = rng.uniform(0, 3, 30)
    p0 = eisenberg_noe(L, e)
    p1 = eisenberg_noe(L, e + rng.uniform(0, 3, 30))
    assert np.all(p1 >= p0 - 1e-9)


def _random_network(rng, n, m):
    i = rng.integers(0, n, m)
    j = rng.integers(0, n, m)
    keep = i != j
    L = sp.coo_array((rng.uniform(1, 100, keep.sum()), (i[keep], j[keep])), shape=(n, n))
    return L.tocsr()


@pytest.mark.parametrize("kind", ["sparse", "dense"])
def test_eisenberg_noe_scales_to_thousands_of_nodes(kind):
    rng = np.random.default_rng(2024)
    n = 2000
    L = _random_network(rng, n, 10_000)
    e = rng.uniform(0, 5, n)  # small buffers: a large default cascade
    Lin = L if kind == "sparse" else L.toarray()
    p, P = clearing_payments(Lin, e)
    d = _dense(L)
    atol = 1e-9 * d.sum()
    np.testing.assert_allclose(p, _phi(d, e, p), rtol=0, atol=atol)
    assert default_set(Lin, e).sum() > n // 2
    np.testing.assert_allclose(_dense(P).sum(axis=1), p, rtol=0, atol=atol)


# ======================================================================================
# Cycle netting: worked examples
# ======================================================================================


def test_three_cycle_of_equal_debts_clears_completely():
    L = np.array([[0, 7, 0], [0, 0, 7], [7, 0, 0]], dtype=np.int64)
    X, share = net_cycles(L)
    np.testing.assert_array_equal(X, 0)
    assert share == 1.0
    assert X.dtype == np.int64


def test_three_cycle_of_unequal_debts_clears_three_times_the_minimum():
    # A → B 5, B → C 7, C → A 3: the cycle carries min = 3 round; 3 × 3 = 9 of 15 cleared.
    L = np.array([[0, 5, 0], [0, 0, 7], [3, 0, 0]], dtype=np.int64)
    for method in ("highs", "network_simplex"):
        X, share = net_cycles(L, method=method)
        np.testing.assert_array_equal(X, [[0, 2, 0], [0, 0, 4], [0, 0, 0]])
        assert share == pytest.approx(9 / 15)


def test_chain_clears_nothing_but_opposite_debts_net():
    chain = np.array([[0, 5, 0], [0, 0, 5], [0, 0, 0]], dtype=np.int64)
    X, share = net_cycles(chain)
    np.testing.assert_array_equal(X, chain)
    assert share == 0.0
    X, share = net_bilateral(chain)
    np.testing.assert_array_equal(X, chain)
    assert share == 0.0
    # A owes B 5 and B owes A 3: B's 3 offsets, A owes B 2; 6 of 8 cleared.
    pair = np.array([[0, 5], [3, 0]], dtype=np.int64)
    expected = np.array([[0, 2], [0, 0]])
    for fn in (net_bilateral, net_cycles):
        X, share = fn(pair)
        np.testing.assert_array_equal(X, expected)
        assert share == pytest.approx(6 / 8)


def test_joint_netting_beats_bilateral_first():
    # i=0 owes j=1 10, j owes i 8, i owes k=2 3, k owes j 3 (gross 24; nets −5, +5, 0
    # in "owed minus owed-to" terms: i owes 13 and is owed 8).
    #   Bilateral first: offset 8 of the i–j pair (16 cleared) → i→j 2, i→k 3, k→j 3,
    #   which has no cycle left: 16/24.
    #   Jointly: cancel the 3-cycle j→i→k→j by 3 and the i⇄j 2-cycle by 5 → i→j 5,
    #   j→i 0: 19/24, the minimum gross total for net positions (5, −5, 0) on these edges.
    L = np.zeros((3, 3), dtype=np.int64)
    L[0, 1], L[1, 0], L[0, 2], L[2, 1] = 10, 8, 3, 3
    Xb, sb = net_bilateral(L)
    np.testing.assert_array_equal(Xb, [[0, 2, 3], [0, 0, 0], [0, 3, 0]])
    assert sb == pytest.approx(16 / 24)
    _, sbc = net_cycles(Xb)
    assert sbc == 0.0
    X, s = net_cycles(L)
    np.testing.assert_array_equal(X, [[0, 5, 0], [0, 0, 0], [0, 0, 0]])
    assert s == pytest.approx(19 / 24)


def test_two_overlapping_cycles():
    # A→B 6, B→C 4, C→A 4, B→D 2, D→A 2: the cycles A→B→C→A (4) and A→B→D→A (2)
    # share the edge A→B (4 + 2 = 6). Every node is balanced, so all 18 clears.
    L = np.zeros((4, 4), dtype=np.int64)
    L[0, 1], L[1, 2], L[2, 0], L[1, 3], L[3, 0] = 6, 4, 4, 2, 2
    X, share = net_cycles(L)
    np.testing.assert_array_equal(X, 0)
    assert share == 1.0


def test_unrestricted_netting_reaches_sum_of_positive_nets():
    # Chain A→B 5, B→C 5: B is a pure intermediary. Restricted netting cannot help;
    # unrestricted netting replaces the chain by A→C 5 (a new obligation).
    chain = np.array([[0, 5, 0], [0, 0, 5], [0, 0, 0]], dtype=np.int64)
    X, share = net_cycles(chain, restrict_to_existing_edges=False)
    np.testing.assert_array_equal(X, [[0, 0, 5], [0, 0, 0], [0, 0, 0]])
    assert share == 0.5


def test_integer_dtypes_and_kinds_are_kept():
    L = np.array([[0, 5, 0], [0, 0, 7], [3, 0, 0]], dtype=np.int32)
    X, _ = net_cycles(L)
    assert isinstance(X, np.ndarray)
    assert X.dtype == np.int32
    X, _ = net_cycles(L.astype(bool))
    assert X.dtype == np.int64
    Xs, _ = net_cycles(sp.csr_matrix(L.astype(np.int64)))
    assert isinstance(Xs, sp.spmatrix)
    assert Xs.dtype == np.int64
    np.testing.assert_array_equal(Xs.toarray(), [[0, 2, 0], [0, 0, 4], [0, 0, 0]])
    Xa, _ = net_cycles(sp.coo_array(L.astype(np.int64)))
    assert isinstance(Xa, sp.sparray)
    Xf, share = net_cycles(L.astype(float))
    assert Xf.dtype == np.float64
    np.testing.assert_allclose(Xf, [[0, 2, 0], [0, 0, 4], [0, 0, 0]], atol=1e-9)
    assert share == pytest.approx(0.6)


def test_empty_and_zero_matrices():
    for L in (np.zeros((3, 3), dtype=np.int64), sp.csr_array((3, 3), dtype=np.int64)):
        X, share = net_cycles(L)
        assert share == 0.0
        np.testing.assert_array_equal(_dense(X), 0)
        X, share = net_cycles(L, restrict_to_existing_edges=False)
        assert share == 0.0
        X, share = net_bilateral(L)
        assert share == 0.0


def test_large_int64_cents_stay_exact():
    # Amounts near 10^15 cents (10^13 currency units): beyond float32, within float64's
    # exact integers; the integer check must pass and net positions stay exact.
    big = 10**15
    L = np.array([[0, big + 1, 0], [0, 0, big + 3], [big + 2, 0, 0]], dtype=np.int64)
    X, _ = net_cycles(L)
    np.testing.assert_array_equal(_net(X), _net(L))
    np.testing.assert_array_equal(X, [[0, 0, 0], [0, 0, 2], [1, 0, 0]])


@pytest.mark.parametrize(
    ("L", "match"),
    [
        (np.zeros((2, 3)), "square"),
        (np.array([[0, -1], [0, 0]]), "non-negative"),
        (np.array([[0, np.nan], [0, 0]]), "finite"),
        (np.array([[4, 1], [0, 0]]), "zero diagonal"),
        (sp.csr_array(np.array([[0, 1], [2, 3]])), "zero diagonal"),
        (np.array([[0, 1j], [0, 0]]), "integer or real"),
    ],
)
def test_net_cycles_rejects_bad_input(L, match):
    with pytest.raises(ValueError, match=match):
        net_cycles(L)


def test_net_cycles_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        net_cycles(np.zeros((2, 2)), method="dfs")


# ======================================================================================
# Cycle netting: properties on random integer matrices
# ======================================================================================


@st.composite
def obligation_matrices(draw, max_n: int = 8):
    n = draw(st.integers(1, max_n))
    # Mostly zeros, some small and some large amounts (int64 cents).
    amount = st.one_of(st.just(0), st.just(0), st.integers(1, 20), st.integers(1, 10**12))
    L = draw(arrays(np.int64, (n, n), elements=amount))
    np.fill_diagonal(L, 0)
    return L


@settings(max_examples=300, deadline=None)
@given(obligation_matrices())
def test_netting_keeps_integers_and_net_positions(L):
    results = {}
    for method in ("highs", "network_simplex"):
        X, share = net_cycles(L, method=method)
        assert X.dtype == np.int64
        np.testing.assert_array_equal(_net(X), _net(L))  # exact
        assert np.all(X >= 0)
        assert np.all(X <= L)  # never increases (nor creates) an obligation
        assert 0.0 <= share <= 1.0
        assert _is_acyclic(X)  # every cycle has been cancelled
        results[method] = X.sum()
    # Both exact solvers reach the same (optimal) gross total.
    assert results["highs"] == results["network_simplex"]
    # The optimum is never worse than bilateral netting, with or without cycles after.
    Xb, _ = net_bilateral(L)
    np.testing.assert_array_equal(_net(Xb), _net(L))
    assert np.all(Xb <= L)
    assert results["highs"] <= net_cycles(Xb)[0].sum() <= Xb.sum()
    # Unrestricted netting reaches the lower bound Σ max(net, 0), exactly.
    Xu, _ = net_cycles(L, restrict_to_existing_edges=False)
    assert Xu.dtype == np.int64
    np.testing.assert_array_equal(_net(Xu), _net(L))
    assert Xu.sum() == np.maximum(_net(L), 0).sum() <= results["highs"]
    assert np.all(Xu >= 0)
    assert np.all(np.diagonal(Xu) == 0)


@settings(max_examples=100, deadline=None)
@given(obligation_matrices())
def test_sparse_input_gives_the_same_result(L):
    X, share = net_cycles(L)
    Xs, shares = net_cycles(sp.csr_array(L))
    assert sp.issparse(Xs)
    assert Xs.dtype == np.int64
    np.testing.assert_array_equal(_net(Xs), _net(L))
    assert Xs.sum() == X.sum()
    assert shares == share


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(1, 7).map(lambda n: (n, n)),
        elements=st.one_of(st.just(0.0), st.floats(0.01, 1000.0)),
    )
)
def test_float_netting_keeps_net_positions(L):
    np.fill_diagonal(L, 0.0)
    X, share = net_cycles(L)
    atol = 1e-6 * max(1.0, L.sum())
    np.testing.assert_allclose(_net(X), _net(L), rtol=0, atol=atol)
    assert np.all(X >= 0)
    assert np.all(np.less_equal(X, L + atol))
    assert 0.0 <= share <= 1.0 + 1e-12


# ======================================================================================
# Trade networks: a Sardex-like report and a scale check
# ======================================================================================


def _trade_obligations(rng, n_firms, n_partners, n_trades):
    """Unpaid invoices from random trades on a random directed supplier network.

    Each firm buys from ``n_partners`` suppliers; each trade picks a buyer and one of its
    suppliers and adds a log-normal invoice (in cents) that the buyer owes the supplier.
    """
    suppliers = np.stack(
        [
            rng.choice(np.delete(np.arange(n_firms), i), n_partners, replace=False)
            for i in range(n_firms)
        ]
    )
    buyer = rng.integers(0, n_firms, n_trades)
    seller = suppliers[buyer, rng.integers(0, n_partners, n_trades)]
    cents = np.rint(rng.lognormal(mean=np.log(50_000), sigma=1.0, size=n_trades)).astype(np.int64)
    L = sp.coo_array((cents, (buyer, seller)), shape=(n_firms, n_firms)).tocsr()
    L.sum_duplicates()
    return L


def test_sardex_like_trade_network_report(record_property):
    # Obligation clearing of an invoice network. Fleischman, Dini & Littera (2020) report
    # that clearing the Sardex invoice network cut net internal debt by ~25%. Our random
    # network and our measure (share of gross obligations cancelled) are not theirs, so
    # the figure is reported, not asserted tightly.
    rng = np.random.default_rng(20200)
    L = _trade_obligations(rng, n_firms=300, n_partners=4, n_trades=3_000)
    _, share_bilateral = net_bilateral(L)
    X, share = net_cycles(L)
    _, share_unrestricted = net_cycles(L, restrict_to_existing_edges=False)
    print(
        f"\nSardex-like network (300 firms, {L.nnz} invoice edges): share cleared "
        f"bilateral {share_bilateral:.1%}, cycles {share:.1%}, "
        f"unrestricted {share_unrestricted:.1%}"
    )
    record_property("share_cleared_bilateral", share_bilateral)
    record_property("share_cleared_cycles", share)
    record_property("share_cleared_unrestricted", share_unrestricted)
    np.testing.assert_array_equal(_net(X), _net(L))
    assert 0.0 <= share_bilateral <= share <= share_unrestricted <= 1.0
    assert share > 0.0


def test_net_cycles_scales_to_2000_nodes_and_10000_edges():
    rng = np.random.default_rng(11)
    n, m = 2000, 10_000
    i = rng.integers(0, n, 2 * m)
    j = rng.integers(0, n, 2 * m)
    keep = i != j
    L = sp.coo_array(
        (rng.integers(1, 100_000, keep.sum()), (i[keep], j[keep])), shape=(n, n)
    ).tocsr()
    L.sum_duplicates()
    # Keep exactly m distinct edges.
    coo = L.tocoo()
    pick = rng.choice(coo.nnz, m, replace=False)
    L = sp.csr_array((coo.data[pick], (coo.row[pick], coo.col[pick])), shape=(n, n))
    assert L.nnz == m
    X, share = net_cycles(L)
    assert 0.0 <= share <= 1.0
    assert X.dtype == np.int64
    np.testing.assert_array_equal(_net(X), _net(L))
    assert (X - L).max() <= 0
    assert _is_acyclic(X)
