"""Clearing of obligation networks: Eisenberg–Noe payments and multilateral netting.

Two operations on an n×n obligation matrix ``L`` whose entry ``L[i, j] >= 0`` is what
node *i* owes node *j* (row = debtor, column = creditor, zero diagonal):

**Eisenberg–Noe clearing** (:func:`eisenberg_noe`, :func:`clearing_payments`,
:func:`default_set`). Every node holds outside assets ``e_i >= 0`` and must pay its
total obligation ``p̄_i = Σ_j L[i, j]``, pro rata to its creditors. The clearing vector
is the greatest fixed point of

    p = min(p̄, e + Πᵀ p),        Π[i, j] = L[i, j] / p̄_i,

i.e. each node pays in full if it can, and otherwise pays everything it has (limited
liability), while debts rank ahead of equity (absolute priority). Eisenberg and Noe
(2001) show the set of fixed points is a complete lattice, so a greatest one exists,
and compute it with the *fictitious default* algorithm implemented here.

**Multilateral netting** (:func:`net_bilateral`, :func:`net_cycles`). A node's *net
position* is ``Σ_j L[i, j] − Σ_j L[j, i]`` (what it owes minus what it is owed).
Obligations that run round a directed cycle can be cancelled without changing any net
position; this is what mutual-credit and trade-credit clearing circuits do. For
integer inputs (e.g. ``int64`` cents) the result stays integer and every net position
is preserved exactly.

This module is part of the engine layer: pure numpy/scipy, no Mesa and no I/O.

References
----------
.. [EN2001] Eisenberg, L. and Noe, T. H. (2001). Systemic risk in financial systems.
   *Management Science* 47(2), 236–249.
.. [AMO1993] Ahuja, R. K., Magnanti, T. L. and Orlin, J. B. (1993). *Network Flows:
   Theory, Algorithms, and Applications*. Prentice Hall. (Flow decomposition, §3.5;
   minimum-cost flow, ch. 9–11.)
.. [DR2017] D'Errico, M. and Roukny, T. (2017). Compressing over-the-counter markets.
   ESRB Working Paper 44; arXiv:1705.07155. ("Conservative" vs "non-conservative"
   compression.)
.. [FDL2020] Fleischman, T., Dini, P. and Littera, G. (2020). Liquidity-saving through
   obligation-clearing and mutual credit: an effective monetary innovation for SMEs in
   times of crisis. *Journal of Risk and Financial Management* 13(12), 295.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components

__all__ = [
    "clearing_payments",
    "default_set",
    "eisenberg_noe",
    "net_bilateral",
    "net_cycles",
]

Matrix = np.ndarray | sp.sparray | sp.spmatrix

# Defaulter systems larger than this are solved iteratively (BiCGSTAB to a
# relative residual of _KRYLOV_RTOL), falling back to LU if that fails.
_DIRECT_MAX = 200
_KRYLOV_RTOL = 1e-14
# Dense input with at most this share of non-zero entries is handled as sparse.
_DENSITY_MAX = 0.1


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


def _check_square(shape: tuple[int, ...], name: str) -> int:
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name} must be a square 2-D matrix, got shape {tuple(shape)}")
    return int(shape[0])


def _check_values(values: np.ndarray, name: str) -> None:
    if values.size == 0:
        return
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be finite (found NaN or infinity)")
    if np.any(values < 0):
        raise ValueError(f"{name} must be non-negative (smallest entry is {values.min()!r})")


def _check_diagonal(diagonal: np.ndarray, name: str) -> None:
    bad = np.flatnonzero(diagonal != 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name} must have a zero diagonal (node {i} owes itself {diagonal[i]!r})")


def _as_float_liabilities(liabilities: Matrix | ArrayLike) -> tuple[np.ndarray | sp.csr_array, int]:
    """Validate a liability matrix; return it as float64 (dense ndarray or csr_array)."""
    name = "liabilities"
    if sp.issparse(liabilities):
        n = _check_square(liabilities.shape, name)
        try:
            mat = sp.csr_array(liabilities, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a numeric matrix ({exc})") from None
        mat.sum_duplicates()
        _check_values(mat.data, name)
        mat.eliminate_zeros()
        _check_diagonal(mat.diagonal(), name)
        return mat, n
    try:
        dense = np.asarray(liabilities, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric matrix ({exc})") from None
    n = _check_square(dense.shape, name)
    _check_values(dense, name)
    _check_diagonal(np.diagonal(dense), name)
    return dense, n


def _as_external_assets(external_assets: ArrayLike, n: int) -> np.ndarray:
    name = "external_assets"
    try:
        e = np.asarray(external_assets, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric vector ({exc})") from None
    if e.shape != (n,):
        raise ValueError(
            f"{name} must be a 1-D vector of length n={n} (one entry per node), got shape {e.shape}"
        )
    _check_values(e, name)
    return e


def _like_input(mat: sp.sparray | sp.spmatrix, template: object) -> sp.sparray | sp.spmatrix:
    """Return ``mat`` as CSR, as a sparse *matrix* if ``template`` was one, else an array."""
    if isinstance(template, sp.spmatrix):
        return sp.csr_matrix(mat)
    return sp.csr_array(mat)


# --------------------------------------------------------------------------------------
# Eisenberg–Noe
# --------------------------------------------------------------------------------------


def _solve_defaulters(
    L: np.ndarray | sp.csr_array,
    LT: np.ndarray | sp.csr_array,
    pbar: np.ndarray,
    e: np.ndarray,
    r: np.ndarray,
    defaulted: np.ndarray,
) -> np.ndarray | None:
    """Recovery rates of the defaulters when every other node pays in full.

    Solves ``(diag(p̄_D) − L_DDᵀ) r_D = e_D + (Lᵀ r_N)_D``; returns None if the system
    is singular (which cannot happen in exact arithmetic, see :func:`eisenberg_noe`).
    """
    D = np.flatnonzero(defaulted)
    paying = np.where(defaulted, 0.0, r)
    rhs = e[D] + (LT @ paying)[D]
    if sp.issparse(L):
        M = (sp.diags_array(pbar[D]) - L[D][:, D].T).tocsr()
    else:
        M = np.diag(pbar[D]) - L[np.ix_(D, D)].T
    x = None
    if D.size > _DIRECT_MAX:
        # Krylov solve warm-started at the previous rates. M is a column diagonally
        # dominant M-matrix, non-singular here and usually well conditioned; sparse LU of
        # a random obligation graph fills in heavily and dense LU costs O(|D|³).
        x, info = spla.bicgstab(M, rhs, x0=r[D], rtol=_KRYLOV_RTOL, atol=0.0, maxiter=D.size)
        if info != 0 or not np.all(np.isfinite(x)):
            x = None
    if x is None:
        if sp.issparse(M):
            with warnings.catch_warnings():
                warnings.simplefilter("error", spla.MatrixRankWarning)
                try:
                    x = np.atleast_1d(spla.spsolve(M.tocsc(), rhs))
                except (spla.MatrixRankWarning, RuntimeError):
                    return None
        else:
            try:
                x = np.linalg.solve(M, rhs)
            except np.linalg.LinAlgError:
                return None
    if not np.all(np.isfinite(x)):
        return None
    out = r.copy()
    out[D] = np.clip(x, 0.0, 1.0)
    return out


def _picard(
    LT: np.ndarray | sp.csr_array,
    pbar: np.ndarray,
    e: np.ndarray,
    r: np.ndarray,
    tol: float,
    max_iter: int,
) -> np.ndarray:
    """Monotone fixed-point iteration ``p ← min(p̄, e + Πᵀp)`` from a super-solution.

    Used only as a fallback; started from any ``p ≥ p*`` with ``Φ(p) ≤ p`` it decreases
    monotonically to the greatest fixed point ``p*`` (the map is monotone, [EN2001]).
    """
    scale = max(float(pbar.max(initial=0.0)), 1.0)
    owes = pbar > 0
    for _ in range(max_iter):
        p_new = np.minimum(pbar, e + LT @ r)
        r_new = np.where(owes, p_new / np.where(owes, pbar, 1.0), 1.0)
        if np.max(np.abs((r_new - r) * pbar), initial=0.0) <= tol * scale:
            return r_new
        r = r_new
    raise RuntimeError(
        f"Eisenberg–Noe fallback iteration did not converge in max_iter={max_iter} steps"
    )


def _clearing(
    liabilities: Matrix | ArrayLike,
    external_assets: ArrayLike,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | sp.csr_array]:
    """Return (p, r, defaulted, L) where r = p / p̄ is each node's recovery rate."""
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite non-negative number, got {tol!r}")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter!r}")
    L, n = _as_float_liabilities(liabilities)
    e = _as_external_assets(external_assets, n)
    if not sp.issparse(L) and n > _DIRECT_MAX and np.count_nonzero(L) <= _DENSITY_MAX * n * n:
        L = sp.csr_array(L)  # mostly empty dense input: work sparse
    if sp.issparse(L):
        pbar = np.asarray(L.sum(axis=1)).ravel()
        LT = L.T.tocsr()
    else:
        pbar = L.sum(axis=1)
        LT = L.T
    # r[i] = p[i] / p̄[i]; nodes with nothing to pay keep r = 1 (they pay p̄ = 0).
    r = np.ones(n)
    defaulted = np.zeros(n, dtype=bool)
    for _ in range(n + 1):
        # Inflows at the current payments: Σ_j L[j, i] r_j = (Πᵀ p)_i.
        shortfall = pbar - (e + LT @ r)
        short = (pbar > 0) & (shortfall > tol * pbar)
        if not np.any(short & ~defaulted):
            break
        defaulted |= short
        solved = _solve_defaulters(L, LT, pbar, e, r, defaulted)
        if solved is None:
            r = _picard(LT, pbar, e, r, tol, int(max_iter))
            defaulted = r < 1.0
            break
        r = solved
    p = r * pbar
    return p, r, defaulted & (p < pbar), L


def eisenberg_noe(
    liabilities: Matrix | ArrayLike,
    external_assets: ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> np.ndarray:
    r"""Greatest clearing payment vector of an obligation network (Eisenberg & Noe 2001).

    Node *i* owes node *j* ``L[i, j]`` and holds outside assets ``e_i``. With total
    obligations :math:`\bar p_i = \sum_j L_{ij}` and relative liabilities
    :math:`\Pi_{ij} = L_{ij} / \bar p_i` (a zero row where :math:`\bar p_i = 0`), the
    clearing vector is the greatest fixed point of

    .. math:: p = \min\bigl(\bar p,\; e + \Pi^\top p\bigr),

    so each node either pays its debts in full or pays everything it has (its outside
    assets plus what it receives), and creditors share a shortfall pro rata.

    Algorithm (fictitious default, [EN2001]). Start with everyone paying in full.
    Mark as defaulting every node whose outside assets plus inflows fall short of
    :math:`\bar p_i`; solve the linear system in which the defaulters :math:`D` pay all
    they have and the others pay in full,

    .. math:: \bigl(\operatorname{diag}(\bar p_D) - L_{DD}^\top\bigr)\, r_D
              = e_D + \bigl(L^\top \mathbf 1_{N}\bigr)_D,
              \qquad p_D = \bar p_D \odot r_D,

    and repeat with the new payments until the default set stops growing. Payments only
    fall from round to round and the default set only grows, so the loop ends after at
    most *n* rounds, and the result is exact up to the accuracy of the linear solves
    (see ``liabilities`` below). The matrix is non-singular whenever the default set
    is contained in that of the greatest fixed point, which the algorithm guarantees in
    exact arithmetic (a singular matrix needs a closed group of defaulters owing only
    each other, with no outside assets and no inflow from outside the group; scaling
    their payments up would then give a larger fixed point); should floating-point
    rounding ever make it singular, the function falls back to the monotone iteration
    :math:`p \leftarrow \min(\bar p, e + \Pi^\top p)` from the current payments, which
    also converges to the greatest fixed point.

    Parameters
    ----------
    liabilities : (n, n) array_like or scipy.sparse matrix/array
        ``L[i, j] >= 0`` is what *i* owes *j*; finite, with a zero diagonal. Sparse
        input (and dense input above 200 nodes with at most 10% non-zero entries) is
        handled with scipy.sparse, other dense input with numpy. Each round's linear
        system is solved directly (``numpy.linalg.solve`` / ``scipy.sparse.linalg.spsolve``)
        when it has at most 200 unknowns, otherwise by BiCGSTAB warm-started at the
        previous round to a relative residual of 1e-14, falling back to the direct
        solve if BiCGSTAB does not converge.
    external_assets : (n,) array_like
        Outside assets ``e_i >= 0``, finite.
    tol : float, default 1e-12
        A node defaults when its shortfall exceeds ``tol * p̄_i`` (relative tolerance,
        so that rounding in the inflow sums does not create spurious defaults).
    max_iter : int, default 10_000
        Iteration cap of the fallback fixed-point iteration (never used in the exact
        path, which needs at most n + 1 rounds).

    Returns
    -------
    numpy.ndarray
        ``p``, shape (n,): the total each node pays. ``0 <= p <= p̄``.

    Raises
    ------
    ValueError
        If ``liabilities`` is not square, has a negative, NaN or infinite entry or a
        non-zero diagonal; if ``external_assets`` has the wrong length or a negative or
        non-finite entry; or if ``tol``/``max_iter`` are out of range.

    References
    ----------
    Eisenberg, L. and Noe, T. H. (2001). Systemic risk in financial systems.
    *Management Science* 47(2), 236–249.

    Examples
    --------
    A owes B 10, B owes C 10, C owes A 5; outside assets (1, 2, 1):

    >>> L = [[0, 10, 0], [0, 0, 10], [5, 0, 0]]
    >>> eisenberg_noe(L, [1, 2, 1]).round(12).tolist()
    [6.0, 8.0, 5.0]
    """
    p, _, _, _ = _clearing(liabilities, external_assets, tol, max_iter)
    return p


def clearing_payments(
    liabilities: Matrix | ArrayLike,
    external_assets: ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> tuple[np.ndarray, np.ndarray | sp.sparray | sp.spmatrix]:
    r"""Clearing vector and the matrix of actual payments.

    The payment from *i* to *j* is :math:`P_{ij} = \Pi_{ij} p_i = L_{ij}\, p_i / \bar p_i`
    (pro-rata sharing of *i*'s payment among its creditors), with *p* the greatest
    clearing vector of :func:`eisenberg_noe`. Row sums of *P* are *p*; column sums are
    each node's inflows, and ``P.sum() == p.sum()`` (what is paid is received).

    Parameters
    ----------
    liabilities, external_assets, tol, max_iter
        As in :func:`eisenberg_noe`.

    Returns
    -------
    p : numpy.ndarray, shape (n,)
        Total paid by each node.
    payments : (n, n) numpy.ndarray or scipy.sparse CSR
        ``payments[i, j]``, what *i* actually pays *j*; float64. Sparse CSR (a
        ``csr_matrix`` for ``spmatrix`` input, a ``csr_array`` otherwise) when
        ``liabilities`` is sparse, a dense ndarray otherwise.

    References
    ----------
    Eisenberg, L. and Noe, T. H. (2001). *Management Science* 47(2), 236–249.
    """
    p, r, _, L = _clearing(liabilities, external_assets, tol, max_iter)
    if not sp.issparse(liabilities):
        dense = L.toarray() if sp.issparse(L) else L
        return p, dense * r[:, None]
    payments = L.copy()
    payments.data = payments.data * np.repeat(r, np.diff(payments.indptr))
    return p, _like_input(payments, liabilities)


def default_set(
    liabilities: Matrix | ArrayLike,
    external_assets: ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> np.ndarray:
    r"""Which nodes default at the greatest clearing vector.

    Node *i* defaults when it pays less than it owes, :math:`p_i < \bar p_i`, with *p*
    from :func:`eisenberg_noe` (the default set *D* of the fictitious-default
    algorithm's last round).

    Parameters
    ----------
    liabilities, external_assets, tol, max_iter
        As in :func:`eisenberg_noe`.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True for the defaulting nodes.

    References
    ----------
    Eisenberg, L. and Noe, T. H. (2001). *Management Science* 47(2), 236–249.
    """
    _, _, defaulted, _ = _clearing(liabilities, external_assets, tol, max_iter)
    return defaulted


# --------------------------------------------------------------------------------------
# Multilateral netting
# --------------------------------------------------------------------------------------


class _Edges:
    """An obligation matrix as an edge list (row, col, value) plus how to rebuild it."""

    def __init__(self, obligations: Matrix | ArrayLike) -> None:
        name = "obligations"
        self.template = obligations
        self.is_sparse = sp.issparse(obligations)
        if self.is_sparse:
            self.n = _check_square(obligations.shape, name)
            coo = sp.coo_array(obligations)
            coo.sum_duplicates()
            raw, rows, cols = coo.data, coo.row, coo.col
        else:
            dense = np.asarray(obligations)
            self.n = _check_square(dense.shape, name)
            rows, cols = np.nonzero(dense)
            raw = dense[rows, cols]
        in_dtype = np.dtype(obligations.dtype) if self.is_sparse else dense.dtype
        kind = in_dtype.kind
        if kind not in ("b", "i", "u", "f"):
            raise ValueError(f"{name} must be an integer or real matrix, got dtype {in_dtype}")
        self.integer = kind in ("b", "i", "u")
        if kind == "b":
            self.out_dtype = np.dtype(np.int64)
        elif self.integer:
            self.out_dtype = in_dtype
        else:
            self.out_dtype = np.dtype(np.float64)
        if kind == "u" and raw.size and raw.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name} has entries too large for int64")
        work = np.int64 if self.integer else np.float64
        values = np.asarray(raw).astype(work)
        _check_values(values, name)
        keep = values != 0
        self.rows = np.asarray(rows[keep], dtype=np.int64)
        self.cols = np.asarray(cols[keep], dtype=np.int64)
        self.values = values[keep]
        diag = self.rows == self.cols
        if np.any(diag):
            k = int(np.flatnonzero(diag)[0])
            raise ValueError(
                f"{name} must have a zero diagonal (node {self.rows[k]} owes itself "
                f"{self.values[k]!r})"
            )

    def total(self, values: np.ndarray | None = None) -> float:
        v = self.values if values is None else values
        return v.sum()

    def build(
        self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray
    ) -> np.ndarray | sp.sparray | sp.spmatrix:
        """A matrix of the input's kind holding ``values`` at (rows, cols)."""
        dtype = self.out_dtype
        if self.integer and values.size and dtype.kind in "iu":
            info = np.iinfo(dtype)
            if values.max() > info.max:
                dtype = np.dtype(np.int64)
        keep = values != 0
        rows, cols, values = rows[keep], cols[keep], values[keep].astype(dtype)
        if self.is_sparse:
            mat = sp.coo_array((values, (rows, cols)), shape=(self.n, self.n)).tocsr()
            mat.sum_duplicates()
            return _like_input(mat, self.template)
        out = np.zeros((self.n, self.n), dtype=dtype)
        np.add.at(out, (rows, cols), values)
        return out


def _net_positions(edges: _Edges, values: np.ndarray) -> np.ndarray:
    """Row sum minus column sum (owed minus owed-to), exact for integer values."""
    net = np.zeros(edges.n, dtype=values.dtype)
    np.add.at(net, edges.rows, values)
    np.subtract.at(net, edges.cols, values)
    return net


def _share(before: float, after: float) -> float:
    return 0.0 if before == 0 else float((before - after) / before)


def net_bilateral(
    obligations: Matrix | ArrayLike,
) -> tuple[np.ndarray | sp.sparray | sp.spmatrix, float]:
    r"""Bilateral netting: offset every pair's opposite obligations.

    .. math:: L' = \max(L - L^\top, 0)

    Each pair that owes each other in both directions keeps only the difference, owed by
    the larger debtor. This cancels every directed 2-cycle; net positions
    :math:`\sum_j L_{ij} - \sum_j L_{ji}` are unchanged and no edge grows.

    Parameters
    ----------
    obligations : (n, n) array_like or scipy.sparse matrix/array
        ``L[i, j] >= 0`` is what *i* owes *j*; finite, zero diagonal. Integer input
        stays integer (same dtype; bool becomes int64).

    Returns
    -------
    reduced : ndarray or scipy.sparse CSR
        The netted matrix, of the same kind as the input (dense, ``csr_matrix`` for
        ``spmatrix`` input, ``csr_array`` for other sparse input).
    share_cleared : float
        ``(Σ L − Σ L') / Σ L`` (0.0 if ``Σ L == 0``).

    References
    ----------
    D'Errico, M. and Roukny, T. (2017). Compressing over-the-counter markets. ESRB
    Working Paper 44 (bilateral compression).
    """
    edges = _Edges(obligations)
    # Pair each edge (i, j) with its opposite (j, i) via a key on the unordered pair.
    n = edges.n
    lo = np.minimum(edges.rows, edges.cols)
    hi = np.maximum(edges.rows, edges.cols)
    key = lo * n + hi
    # Signed amount in the direction lo → hi.
    signed = np.where(edges.rows == lo, edges.values, -edges.values)
    uniq, inv = np.unique(key, return_inverse=True)
    net = np.zeros(uniq.size, dtype=edges.values.dtype)
    np.add.at(net, inv, signed)
    a, b = uniq // n, uniq % n
    rows = np.where(net > 0, a, b)
    cols = np.where(net > 0, b, a)
    values = np.abs(net)
    reduced = edges.build(rows, cols, values)
    return reduced, _share(edges.total(), values.sum())


def _circulation_highs(
    tail: np.ndarray, head: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """Maximum circulation ``0 <= c <= cap`` by LP (HiGHS dual simplex)."""
    # Imported when first needed: scipy.optimize adds 0.2 s to every start of solsim.
    from scipy.optimize import linprog

    nodes, idx = np.unique(np.concatenate([tail, head]), return_inverse=True)
    m = tail.size
    t, h = idx[:m], idx[m:]
    k = np.arange(m)
    # Flow conservation: Σ_out c − Σ_in c = 0 at every node.
    A = sp.csr_array(
        (
            np.concatenate([np.ones(m), -np.ones(m)]),
            (np.concatenate([t, h]), np.concatenate([k, k])),
        ),
        shape=(nodes.size, m),
    )
    res = linprog(
        c=-np.ones(m),
        A_eq=A,
        b_eq=np.zeros(nodes.size),
        bounds=np.column_stack([np.zeros(m), cap.astype(np.float64)]),
        method="highs-ds",
    )
    if res.status != 0:
        return None
    return res.x, float(-res.fun)


def _circulation_network_simplex(tail: np.ndarray, head: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Maximum circulation ``0 <= c <= cap`` as a min-cost flow (networkx network simplex).

    Minimises ``Σ x`` over flows ``0 <= x <= cap`` with the node demands of ``cap``; the
    cancelled circulation is ``c = cap − x``. Exact for integers.
    """
    import networkx as nx  # imported when first needed: 0.2 s at every start otherwise

    graph = nx.DiGraph()
    demand: dict[int, int | float] = {}
    py = cap.tolist()
    for u, v, w in zip(tail.tolist(), head.tolist(), py, strict=True):
        graph.add_edge(u, v, capacity=w, weight=1)
        demand[u] = demand.get(u, 0) - w
        demand[v] = demand.get(v, 0) + w
    nx.set_node_attributes(graph, demand, "demand")
    _, flow = nx.network_simplex(graph)
    x = np.array(
        [flow[u][v] for u, v in zip(tail.tolist(), head.tolist(), strict=True)],
        dtype=cap.dtype,
    )
    return cap - x


def _integral_ok(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, c: np.ndarray) -> bool:
    if np.any(c < 0) or np.any(c > cap):
        return False
    bal = np.zeros(int(max(tail.max(), head.max())) + 1, dtype=np.int64)
    np.add.at(bal, tail, c)
    np.subtract.at(bal, head, c)
    return not np.any(bal)


def net_cycles(
    obligations: Matrix | ArrayLike,
    *,
    restrict_to_existing_edges: bool = True,
    method: Literal["highs", "network_simplex"] = "highs",
) -> tuple[np.ndarray | sp.sparray | sp.spmatrix, float]:
    r"""Multilateral netting: cancel obligations that run round cycles.

    Keeps every node's net position :math:`\nu_i = \sum_j L_{ij} - \sum_j L_{ji}` and
    cuts the gross total :math:`\sum_{ij} L_{ij}` as far as the chosen constraint allows.

    **restrict_to_existing_edges=True** (default; "conservative compression" in
    [DR2017]). Find the reduced matrix :math:`X` solving the minimum-cost flow problem

    .. math:: \min \sum_{ij} X_{ij}
              \quad\text{s.t.}\quad
              \sum_j X_{ij} - \sum_j X_{ji} = \nu_i \ \forall i,
              \qquad 0 \le X_{ij} \le L_{ij}.

    The cancelled part :math:`C = L - X` is then a non-negative circulation inside
    :math:`L`, and by the flow-decomposition theorem ([AMO1993] §3.5) it is a sum of
    directed cycles of obligations, each cancelled by a common amount: this is exactly
    cycle cancellation, solved to optimality (the largest total that any sequence of
    cycle cancellations can remove). No new obligation is created and no obligation
    grows. Bilateral netting (:func:`net_bilateral`) is the special case of 2-cycles and
    is included; solving jointly is never worse and can be strictly better than netting
    bilaterally first (worked example: *i* owes *j* 10, *j* owes *i* 8, *i* owes *k* 3,
    *k* owes *j* 3; bilateral-first removes 16 of 24, the joint optimum removes 19 by
    cancelling the 3-cycle *j→i→k→j* by 3 and the 2-cycle by 5).

    Only edges inside a strongly connected component of the obligation graph lie on a
    cycle (found with ``scipy.sparse.csgraph.connected_components``); the others are
    left untouched and the flow problem is solved on the rest.

    Solvers (``method``):

    * ``"highs"`` (default): the LP above by ``scipy.optimize.linprog`` with the HiGHS
      dual simplex. The constraint matrix is a network incidence matrix (totally
      unimodular), so the simplex vertex is integral for integer data; for integer
      input it is rounded and checked exactly (bounds and every net position, in
      ``int64``) and, if the check ever fails, re-solved with ``"network_simplex"``.
    * ``"network_simplex"``: ``networkx.network_simplex`` on the min-cost flow; exact
      integer arithmetic, several times slower.

    Measured on a random network of 2,000 nodes and 10,000 edges (int64 cents): about
    0.2 s with ``"highs"`` and 1–3 s with ``"network_simplex"``.

    **restrict_to_existing_edges=False** ("non-conservative compression"). Any pair may
    owe any other, so the minimum gross total is :math:`\sum_i \max(\nu_i, 0)`. Net
    debtors (in index order) are matched to net creditors (in index order) greedily
    along the cumulative sums of their positions, giving at most
    ``#debtors + #creditors − 1`` obligations. This may create obligations between
    parties that had none.

    Parameters
    ----------
    obligations : (n, n) array_like or scipy.sparse matrix/array
        ``L[i, j] >= 0`` is what *i* owes *j*; finite, zero diagonal. Integer matrices
        (e.g. ``int64`` cents) stay integer with the same dtype (bool becomes int64),
        and every net position is then preserved exactly; for float input net positions
        are preserved up to the LP's feasibility tolerance (~1e-7 absolute).
    restrict_to_existing_edges : bool, default True
        See above.
    method : {"highs", "network_simplex"}, default "highs"
        Solver of the restricted problem (ignored when unrestricted).

    Returns
    -------
    reduced : ndarray or scipy.sparse CSR
        The netted obligation matrix, of the same kind as the input (dense,
        ``csr_matrix`` for ``spmatrix`` input, ``csr_array`` for other sparse input).
    share_cleared : float
        Share of the gross obligation cleared, ``(Σ L − Σ reduced) / Σ L`` in [0, 1]
        (0.0 if ``Σ L == 0``).

    Raises
    ------
    ValueError
        If the matrix is not square, has a negative/NaN/infinite entry or a non-zero
        diagonal, or ``method`` is unknown.

    References
    ----------
    Ahuja, Magnanti & Orlin (1993), *Network Flows*, Prentice Hall; D'Errico & Roukny
    (2017), Compressing over-the-counter markets, ESRB WP 44; Fleischman, Dini & Littera
    (2020), *J. Risk Financial Manag.* 13(12), 295 (obligation clearing in Sardex).

    Examples
    --------
    >>> L = np.array([[0, 5, 0], [0, 0, 7], [3, 0, 0]], dtype=np.int64)
    >>> X, share = net_cycles(L)
    >>> X.tolist(), round(share, 4)
    ([[0, 2, 0], [0, 0, 4], [0, 0, 0]], 0.6)
    """
    if method not in ("highs", "network_simplex"):
        raise ValueError(f"method must be 'highs' or 'network_simplex', got {method!r}")
    edges = _Edges(obligations)
    before = edges.total()
    if edges.values.size == 0:
        return edges.build(edges.rows, edges.cols, edges.values), 0.0

    if not restrict_to_existing_edges:
        rows, cols, values = _net_unrestricted(_net_positions(edges, edges.values))
        return edges.build(rows, cols, values), _share(before, values.sum())

    # Edges on some directed cycle are exactly those inside a strong component.
    graph = sp.csr_array(
        (np.ones(edges.rows.size), (edges.rows, edges.cols)), shape=(edges.n, edges.n)
    )
    _, label = connected_components(graph, directed=True, connection="strong")
    cyclic = label[edges.rows] == label[edges.cols]
    values = edges.values.copy()
    if np.any(cyclic):
        tail, head, cap = edges.rows[cyclic], edges.cols[cyclic], values[cyclic]
        c = None
        if method == "highs":
            solved = _circulation_highs(tail, head, cap)
            if solved is not None:
                x, best = solved
                if edges.integer:
                    c = np.rint(x).astype(np.int64)
                    # HiGHS's objective is a float sum: allow its rounding error.
                    slack = 0.5 + cap.size * np.finfo(np.float64).eps * float(cap.sum())
                    if not _integral_ok(tail, head, cap, c) or abs(c.sum() - best) > slack:
                        c = None
                else:
                    c = np.clip(x, 0.0, cap)
            elif not edges.integer:
                raise RuntimeError("linprog (HiGHS) failed on the cycle-netting problem")
        if c is None:
            c = _circulation_network_simplex(tail, head, cap)
        values[cyclic] = cap - c
    return edges.build(edges.rows, edges.cols, values), _share(before, values.sum())


def _net_unrestricted(net: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match net debtors to net creditors along cumulative sums (greedy, in index order).

    Debtor *d*'s debt occupies the interval ``(D_{d-1}, D_d]`` of the cumulative debts,
    creditor *c*'s claim the interval ``(C_{c-1}, C_c]`` of the cumulative claims; every
    overlap of a debtor interval with a creditor interval becomes one obligation.
    """
    debtors = np.flatnonzero(net > 0)
    creditors = np.flatnonzero(net < 0)
    if debtors.size == 0 or creditors.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=net.dtype)
    cum_d = np.cumsum(net[debtors])
    cum_c = np.cumsum(-net[creditors])
    top = min(cum_d[-1], cum_c[-1])
    cuts = np.unique(np.concatenate([cum_d, cum_c]))
    cuts = cuts[cuts <= top]
    if cuts.size == 0 or cuts[-1] < max(cum_d[-1], cum_c[-1]):
        # Only possible for floats (rounding): give the remainder to the last pair.
        cuts = np.append(cuts, max(cum_d[-1], cum_c[-1]))
    amounts = np.diff(cuts, prepend=np.zeros(1, dtype=cuts.dtype))
    di = np.minimum(np.searchsorted(cum_d, cuts, side="left"), debtors.size - 1)
    ci = np.minimum(np.searchsorted(cum_c, cuts, side="left"), creditors.size - 1)
    return debtors[di], creditors[ci], amounts
