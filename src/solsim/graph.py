"""The trade graph as people see it: networkx views, and GraphML / CSV files.

The engine works on the sparse matrices of :class:`~solsim.engine.network.TradeNetwork`.
This module is the bridge to everything outside it:

- :func:`to_networkx` builds a :class:`networkx.DiGraph` of the network for drawing,
  inspection and Mesa's network space. It is built only when someone asks for it.
- :func:`load_network` reads a network from a GraphML file or a CSV edge list, with
  one-line, located error messages (:class:`GraphFileError`).
- :func:`save_network` writes a network back out so that loading it again gives the same
  matrices.

File format
-----------
Nodes are households and co-ops. Their ids read ``"<kind>:<name>"``, e.g.
``household:ana`` or ``coop:bakery``; in GraphML a node may instead carry a ``kind``
attribute, and then its id can be anything. ``fund:``, ``investor:`` and ``guarantor:``
nodes are accepted too but are not part of the trade network.

Edges have a ``relation`` and an optional ``weight`` (default 1.0, must be >= 0; a zero
weight edge is dropped):

``purchase``
    household -> co-op: the household buys from the co-op, with this weight relative to its
    other purchase edges.
``supply``
    co-op -> co-op: the first co-op buys inputs from the second (no self loops).
``employment``
    household -> co-op: the household works at the co-op (at most one per household).
``membership``, ``lending``, ``investment``, ``guarantee``, ``deposit``
    accepted and ignored here; the scenario sets these up.

A CSV edge list has the header ``source,target,relation,weight`` (``weight`` optional, other
columns ignored). Blank lines and lines starting with ``#`` are skipped. Two optional
extensions let a CSV say everything GraphML can: a row with relation ``node`` declares its
``source`` node (target left empty), so that households without edges exist and the order
of nodes is fixed; and a ``community`` column, read on ``node`` rows, gives that node's
community (GraphML uses a ``community`` node attribute).

Households and co-ops are numbered, separately, in the order they first appear in the
file: for GraphML, the order of the node elements; for CSV, reading rows top to bottom and
each row's source before its target. The original ids are kept in
:attr:`TradeNetwork.household_ids` and :attr:`TradeNetwork.coop_ids`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from solsim.engine.network import TradeNetwork

__all__ = [
    "EXTRA_NODE_KINDS",
    "IGNORED_RELATIONS",
    "NODE_KINDS",
    "RELATIONS",
    "GraphFileError",
    "load_network",
    "save_network",
    "to_networkx",
]

#: Kinds of node a graph file may contain. Only households and co-ops enter the network.
NODE_KINDS: tuple[str, ...] = ("household", "coop", "fund", "investor", "guarantor")

#: Kinds :func:`to_networkx` can add as extra, edge-less nodes.
EXTRA_NODE_KINDS: tuple[str, ...] = ("fund", "investor", "guarantor")

#: Relations that shape the trade network, with the (source kind, target kind) they join.
RELATIONS: dict[str, tuple[str, str]] = {
    "purchase": ("household", "coop"),
    "supply": ("coop", "coop"),
    "employment": ("household", "coop"),
}

#: Relations a file may contain that the trade network does not read.
IGNORED_RELATIONS: tuple[str, ...] = ("membership", "lending", "investment", "guarantee", "deposit")

# Relation of a CSV row that declares a node rather than an edge.
_NODE_ROW = "node"

# Spellings of the co-op kind accepted in a GraphML ``kind`` attribute.
_KIND_ALIASES = {"co-op": "coop", "cooperative": "coop"}

_EXPECTED_ID = "expected household:<name> or coop:<name>"
_CSV_COLUMNS = ("source", "target", "relation")


class GraphFileError(ValueError):
    """A graph file that cannot be read, with a one-line reason.

    ``str(error)`` is the reason alone; the scenario layer adds the file and the setting
    that named it (``error: FILE: graph.path: reason``).

    Parameters
    ----------
    reason : str
        What is wrong, located where possible (``"line 7: ..."``, ``"node 'x': ..."``).
    path : str or pathlib.Path
        The graph file.
    key : str, optional
        The scenario setting that named the file.

    Attributes
    ----------
    reason : str
    path : str
    key : str
    """

    def __init__(self, reason: str, path: str | Path, key: str = "graph.path") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = str(path)
        self.key = key


# ---------------------------------------------------------------------------
# networkx view


def to_networkx(
    network: TradeNetwork,
    employer: np.ndarray | None = None,
    extra_nodes: dict[str, int] | None = None,
) -> nx.DiGraph:
    """Build a directed networkx graph of a trade network.

    Parameters
    ----------
    network : TradeNetwork
        The network to show.
    employer : numpy.ndarray or None, optional
        Co-op index employing each household, -1 for none; adds ``employment`` edges.
        Defaults to ``network.employer``.
    extra_nodes : dict of str to int, optional
        How many edge-less ``fund``, ``investor`` and ``guarantor`` nodes to add,
        e.g. ``{"fund": 2}``.

    Returns
    -------
    networkx.DiGraph
        Nodes ``"household:<i>"``, ``"coop:<j>"`` (and ``"fund:<k>"`` ...) with attributes
        ``kind``, ``index`` (position within its kind) and ``community`` (-1 for the extra
        kinds), plus ``name``, the original id, for networks loaded from a file. Edges carry
        ``relation`` (``"purchase"``, ``"supply"`` or ``"employment"``) and ``weight``.
        A directed graph holds one edge per ordered pair, so when a household buys from the
        co-op it works at, that edge stays a ``purchase`` edge and gains
        ``employment=True``.

    Raises
    ------
    ValueError
        If ``employer`` has the wrong shape or names a co-op that does not exist, or an
        extra kind is unknown.
    """
    n_households, n_coops = network.n_households, network.n_coops
    households = [f"household:{i}" for i in range(n_households)]
    coops = [f"coop:{j}" for j in range(n_coops)]
    graph = nx.DiGraph()
    graph.add_nodes_from(
        _node_records(households, "household", network.household_community, network.household_ids)
    )
    graph.add_nodes_from(_node_records(coops, "coop", network.coop_community, network.coop_ids))
    for kind, count in (extra_nodes or {}).items():
        if kind not in EXTRA_NODE_KINDS:
            raise ValueError(
                f"unknown extra node kind {kind!r}; expected one of {', '.join(EXTRA_NODE_KINDS)}"
            )
        if int(count) < 0:
            raise ValueError(f"extra_nodes[{kind!r}] must be >= 0, got {count}")
        graph.add_nodes_from(
            (f"{kind}:{k}", {"kind": kind, "index": k, "community": -1}) for k in range(int(count))
        )

    graph.add_edges_from(_edge_records(network.purchase, households, coops, "purchase"))
    graph.add_edges_from(_edge_records(network.supply, coops, coops, "supply"))

    employer = network.employer if employer is None else np.asarray(employer)
    if employer is not None:
        if employer.shape != (n_households,):
            raise ValueError(f"employer has shape {employer.shape}, expected ({n_households},)")
        if employer.size and employer.max() >= n_coops:
            raise ValueError(f"employer names co-op {int(employer.max())}, but there are {n_coops}")
        for i in np.flatnonzero(employer >= 0).tolist():
            u, v = households[i], coops[int(employer[i])]
            if graph.has_edge(u, v):
                graph.edges[u, v]["employment"] = True
            else:
                graph.add_edge(u, v, relation="employment", weight=1.0)
    return graph


def _node_records(
    names: list[str], kind: str, community: np.ndarray, ids: list[str] | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    labels = community.tolist()
    for index, (name, label) in enumerate(zip(names, labels, strict=True)):
        attributes: dict[str, Any] = {"kind": kind, "index": index, "community": label}
        if ids is not None:
            attributes["name"] = ids[index]
        yield name, attributes


def _edge_records(
    matrix: sp.csr_matrix, sources: list[str], targets: list[str], relation: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    coo = matrix.tocoo()
    for row, col, weight in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        yield sources[row], targets[col], {"relation": relation, "weight": weight}


# ---------------------------------------------------------------------------
# saving


def save_network(network: TradeNetwork, path: str | Path) -> Path:
    """Write a trade network to GraphML or CSV, chosen by the file suffix.

    Nodes keep their original ids when the network came from a file, and are otherwise
    named ``household:<i>`` and ``coop:<j>``. Households are written before co-ops, each in
    index order, with their communities, so :func:`load_network` gives back the same
    matrices, communities and employer. A CSV starts with one ``node`` row per node (see the
    module notes) and has columns ``source,target,relation,weight,community``.

    Parameters
    ----------
    network : TradeNetwork
        The network to write.
    path : str or pathlib.Path
        Target file, ending in ``.graphml`` or ``.csv``.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If the suffix is neither ``.graphml`` nor ``.csv``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".graphml", ".csv"):
        raise ValueError(f"cannot save a network as {path.name!r}: use a .graphml or .csv file")
    as_csv = suffix == ".csv"
    households = _ids_for_saving(network.household_ids, "household", network.n_households, as_csv)
    coops = _ids_for_saving(network.coop_ids, "coop", network.n_coops, as_csv)
    edges = list(_file_edges(network, households, coops))
    if as_csv:
        _write_csv(path, network, households, coops, edges)
    else:
        _write_graphml(path, network, households, coops, edges)
    return path


def _ids_for_saving(ids: list[str] | None, kind: str, n: int, as_csv: bool) -> list[str]:
    if ids is None:
        return [f"{kind}:{i}" for i in range(n)]
    if not as_csv:
        return list(ids)
    # A CSV node is known by its id prefix alone, so ids from a GraphML file that relied on
    # a kind attribute get the prefix added.
    prefix = f"{kind}:"
    return [i if i.lower().startswith(prefix) else prefix + i for i in ids]


def _file_edges(
    network: TradeNetwork, households: list[str], coops: list[str]
) -> Iterator[tuple[str, str, str, float]]:
    for u, v, data in _edge_records(network.purchase, households, coops, "purchase"):
        yield u, v, "purchase", data["weight"]
    for u, v, data in _edge_records(network.supply, coops, coops, "supply"):
        yield u, v, "supply", data["weight"]
    if network.employer is not None:
        for i in np.flatnonzero(network.employer >= 0).tolist():
            yield households[i], coops[int(network.employer[i])], "employment", 1.0


def _write_csv(
    path: Path,
    network: TradeNetwork,
    households: list[str],
    coops: list[str],
    edges: list[tuple[str, str, str, float]],
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", "relation", "weight", "community"])
        for ids, labels in (
            (households, network.household_community),
            (coops, network.coop_community),
        ):
            writer.writerows(
                [node, "", _NODE_ROW, "", label]
                for node, label in zip(ids, labels.tolist(), strict=True)
            )
        # repr() of a float is the shortest text that reads back as the same float.
        writer.writerows([u, v, relation, repr(weight), ""] for u, v, relation, weight in edges)


def _write_graphml(
    path: Path,
    network: TradeNetwork,
    households: list[str],
    coops: list[str],
    edges: list[tuple[str, str, str, float]],
) -> None:
    pairs = [(u, v) for u, v, _, _ in edges]
    # Employment at a co-op the household also buys from is a second edge between the same
    # two nodes, which only a multigraph can hold.
    graph: nx.DiGraph = nx.MultiDiGraph() if len(set(pairs)) < len(pairs) else nx.DiGraph()
    for ids, kind, labels in (
        (households, "household", network.household_community),
        (coops, "coop", network.coop_community),
    ):
        graph.add_nodes_from(
            (node, {"kind": kind, "community": label})
            for node, label in zip(ids, labels.tolist(), strict=True)
        )
    graph.add_edges_from(
        (u, v, {"relation": relation, "weight": float(weight)}) for u, v, relation, weight in edges
    )
    nx.write_graphml(graph, path)


# ---------------------------------------------------------------------------
# loading


def load_network(
    path: str | Path,
    n_communities: int = 1,
    rng: np.random.Generator | None = None,
) -> TradeNetwork:
    """Read a trade network from a GraphML file or a CSV edge list.

    See the module notes for the format. Households and co-ops are numbered in order of
    first appearance; their ids are kept in ``household_ids`` and ``coop_ids``. A
    household without a purchase edge is fine: it buys only imports.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.graphml`` or ``.csv`` file.
    n_communities : int, optional
        Used only when the file gives no communities: with 1 (the default) everyone is in
        community 0; otherwise households and co-ops are split into this many near-equal
        communities, at random if ``rng`` is given, else in contiguous blocks of index.
        Communities given in the file are used as they are when they are non-negative
        integers, and otherwise numbered 0, 1, ... in order of first appearance.
    rng : numpy.random.Generator or None, optional
        Source of the random community split.

    Returns
    -------
    TradeNetwork
        ``employer`` is set (to -1 for households without one) only when the file has
        employment edges.

    Raises
    ------
    GraphFileError
        If the file is missing, unreadable or malformed; the message says where.
    ValueError
        If ``n_communities`` is below 1.
    """
    if int(n_communities) < 1:
        raise ValueError(f"n_communities must be >= 1, got {n_communities}")
    path = Path(path)
    if not path.exists():
        raise GraphFileError(f"file not found: {path}", path)
    if not path.is_file():
        raise GraphFileError(f"not a file: {path}", path)
    builder = _Builder(path)
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        _read_graphml(path, builder)
    elif suffix == ".csv":
        _read_csv(path, builder)
    else:
        raise GraphFileError(
            f"unsupported graph file type {path.suffix or '(none)'!r} (expected .graphml or .csv)",
            path,
        )
    return builder.build(int(n_communities), rng)


class _Builder:
    """Collects nodes and edges read from a file, checking each as it comes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index: dict[str, dict[str, int]] = {"household": {}, "coop": {}}
        self.community: dict[str, list[Any]] = {"household": [], "coop": []}
        self.community_where: dict[str, list[str]] = {"household": [], "coop": []}
        self.edges: dict[str, tuple[list[int], list[int], list[float]]] = {
            "purchase": ([], [], []),
            "supply": ([], [], []),
        }
        self.employer: dict[int, tuple[int, str]] = {}
        self.has_employment = False

    def fail(self, reason: str) -> GraphFileError:
        return GraphFileError(reason, self.path)

    def node(self, node_id: str, kind: str) -> int | None:
        """Index of a node, registering it on first sight; None for non-network kinds."""
        table = self.index.get(kind)
        if table is None:
            return None
        index = table.get(node_id)
        if index is None:
            index = table[node_id] = len(table)
            self.community[kind].append(None)
            self.community_where[kind].append("")
        return index

    def set_community(self, node_id: str, kind: str, value: Any, where: str) -> None:
        index = self.node(node_id, kind)
        if index is None or value is None or (isinstance(value, str) and not value.strip()):
            return
        value = value.strip() if isinstance(value, str) else value
        old = self.community[kind][index]
        if old is not None and old != value:
            raise self.fail(
                f"{where}: node {node_id!r} given community {value!r}, "
                f"but {self.community_where[kind][index]} gave {old!r}"
            )
        self.community[kind][index] = value
        self.community_where[kind][index] = where

    def edge(
        self,
        source: str,
        source_kind: str,
        target: str,
        target_kind: str,
        relation: str,
        weight: float,
        where: str,
    ) -> None:
        u = self.node(source, source_kind)
        v = self.node(target, target_kind)
        if relation in IGNORED_RELATIONS:
            return
        want = RELATIONS[relation]
        if (source_kind, target_kind) != want:
            raise self.fail(
                f"{where}: a {relation} edge goes from a {_kind_word(want[0])} to a "
                f"{_kind_word(want[1])}, got {source!r} -> {target!r} "
                f"({_kind_word(source_kind)} -> {_kind_word(target_kind)})"
            )
        assert u is not None and v is not None
        if relation == "employment":
            self.has_employment = True
            if u in self.employer:
                previous = self.employer[u][1]
                raise self.fail(
                    f"{where}: household {source!r} has a second employment edge "
                    f"(the first is at {previous}); a household has at most one employer"
                )
            self.employer[u] = (v, where)
            return
        if relation == "supply" and u == v:
            raise self.fail(f"{where}: supply edge from {source!r} to itself")
        if weight == 0.0:
            return
        rows, cols, weights = self.edges[relation]
        rows.append(u)
        cols.append(v)
        weights.append(weight)

    def build(self, n_communities: int, rng: np.random.Generator | None) -> TradeNetwork:
        n_households = len(self.index["household"])
        n_coops = len(self.index["coop"])
        if n_households == 0:
            raise self.fail(
                "no households found (expected node ids like household:<name>, "
                "or nodes with kind=household)"
            )
        if n_coops == 0:
            raise self.fail(
                "no co-ops found (expected node ids like coop:<name>, or nodes with kind=coop)"
            )
        purchase = self._matrix("purchase", (n_households, n_coops))
        supply = self._matrix("supply", (n_coops, n_coops))
        household_community, coop_community = self._communities(n_communities, rng)
        employer = None
        if self.has_employment:
            employer = np.full(n_households, -1, dtype=np.int32)
            for household, (coop, _) in self.employer.items():
                employer[household] = coop
        return TradeNetwork(
            purchase=purchase,
            supply=supply,
            household_community=household_community,
            coop_community=coop_community,
            employer=employer,
            household_ids=list(self.index["household"]),
            coop_ids=list(self.index["coop"]),
        )

    def _matrix(self, relation: str, shape: tuple[int, int]) -> sp.csr_matrix:
        rows, cols, weights = self.edges[relation]
        matrix = sp.csr_matrix(
            (np.asarray(weights, dtype=np.float64), (np.asarray(rows), np.asarray(cols))),
            shape=shape,
            dtype=np.float64,
        )
        # Repeated rows of the same edge add up.
        matrix.sum_duplicates()
        return matrix

    def _communities(
        self, n_communities: int, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, np.ndarray]:
        given = self.community["household"] + self.community["coop"]
        if all(value is None for value in given):
            return (
                _split(len(self.community["household"]), n_communities, rng),
                _split(len(self.community["coop"]), n_communities, rng),
            )
        for kind in ("household", "coop"):
            for node_id, value in zip(self.index[kind], self.community[kind], strict=True):
                if value is None:
                    raise self.fail(
                        f"node {node_id!r} has no community while other nodes have one "
                        "(give every household and co-op a community, or none)"
                    )
        labels = _community_labels(given)
        n_households = len(self.community["household"])
        return labels[:n_households], labels[n_households:]


def _split(n: int, n_communities: int, rng: np.random.Generator | None) -> np.ndarray:
    if n_communities == 1:
        return np.zeros(n, dtype=np.int32)
    if rng is not None:
        return rng.permutation(np.arange(n, dtype=np.int32) % np.int32(n_communities))
    return ((np.arange(n, dtype=np.int64) * n_communities) // max(n, 1)).astype(np.int32)


def _community_labels(values: list[Any]) -> np.ndarray:
    """Integer labels kept as they are; anything else numbered by first appearance."""
    integers = [_as_label(value) for value in values]
    if all(label is not None for label in integers):
        return np.asarray(integers, dtype=np.int32)
    numbering: dict[str, int] = {}
    return np.asarray(
        [numbering.setdefault(str(value), len(numbering)) for value in values], dtype=np.int32
    )


def _as_label(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value) if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _kind_word(kind: str) -> str:
    return "co-op" if kind == "coop" else kind


def _kind_from_id(node_id: str, where: str, builder: _Builder) -> str:
    prefix, colon, name = node_id.partition(":")
    kind = prefix.strip().lower()
    if not colon or not name.strip() or kind not in NODE_KINDS:
        raise builder.fail(f"{where}: unknown node id {node_id!r} ({_EXPECTED_ID})")
    return kind


def _relation(text: Any, where: str, builder: _Builder) -> str:
    relation = str(text).strip().lower()
    if relation in RELATIONS or relation in IGNORED_RELATIONS:
        return relation
    if not relation:
        raise builder.fail(f"{where}: empty relation")
    known = ", ".join([*RELATIONS, *IGNORED_RELATIONS])
    raise builder.fail(f"{where}: unknown relation {relation!r} (expected one of {known})")


def _weight(value: Any, where: str, builder: _Builder) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1.0
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise builder.fail(f"{where}: weight {value!r} is not a number") from None
    if not math.isfinite(weight):
        raise builder.fail(f"{where}: weight {value!r} is not a finite number")
    if weight < 0:
        raise builder.fail(f"{where}: negative weight {value!r} (weights must be >= 0)")
    return weight


# CSV ----------------------------------------------------------------------


def _read_csv(path: Path, builder: _Builder) -> None:
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs like to write.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            _parse_csv(csv.reader(handle), builder)
    except UnicodeDecodeError as exc:
        raise builder.fail(f"not a readable CSV file (not UTF-8 text: {exc.reason})") from None
    except csv.Error as exc:
        raise builder.fail(f"not a readable CSV file: {exc}") from None
    except OSError as exc:
        raise builder.fail(f"cannot read the file: {exc.strerror or exc}") from None


def _parse_csv(reader: Iterable[list[str]], builder: _Builder) -> None:
    rows = iter(reader)
    line = 0
    header: list[str] | None = None
    for row in rows:
        line = getattr(reader, "line_num", line + 1)
        if _skip(row):
            continue
        header = [cell.strip().lower() for cell in row]
        break
    if header is None:
        raise builder.fail("empty file: expected a header source,target,relation[,weight]")
    missing = [name for name in _CSV_COLUMNS if name not in header]
    if missing:
        raise builder.fail(
            f"line {line}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} in the header (expected source,target,relation[,weight])"
        )
    column = {
        name: header.index(name)
        for name in (*_CSV_COLUMNS, "weight", "community")
        if name in header
    }

    def cell(row: list[str], name: str) -> str:
        at = column.get(name)
        return row[at].strip() if at is not None and at < len(row) else ""

    for row in rows:
        line = getattr(reader, "line_num", line + 1)
        if _skip(row):
            continue
        where = f"line {line}"
        if len(row) > len(header):
            raise builder.fail(f"{where}: {len(row)} fields, but the header has {len(header)}")
        source = cell(row, "source")
        if not source:
            raise builder.fail(f"{where}: empty source")
        source_kind = _kind_from_id(source, where, builder)
        relation_text = cell(row, "relation")
        community = cell(row, "community")
        if relation_text.lower() == _NODE_ROW:
            builder.node(source, source_kind)
            builder.set_community(source, source_kind, community or None, where)
            continue
        if community:
            raise builder.fail(
                f"{where}: a community is only read on rows with relation {_NODE_ROW!r}"
            )
        target = cell(row, "target")
        if not target:
            raise builder.fail(f"{where}: empty target")
        target_kind = _kind_from_id(target, where, builder)
        relation = _relation(relation_text, where, builder)
        weight = _weight(cell(row, "weight"), where, builder)
        builder.edge(source, source_kind, target, target_kind, relation, weight, where)


def _skip(row: list[str]) -> bool:
    """Blank rows and ``#`` comment rows carry nothing."""
    return not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#")


# GraphML ------------------------------------------------------------------


def _read_graphml(path: Path, builder: _Builder) -> None:
    try:
        graph = nx.read_graphml(path)
    except Exception as exc:
        # The XML parser and networkx raise many different types; all mean the same here.
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise builder.fail(f"not a readable GraphML file: {detail}") from None

    kinds: dict[str, str] = {}
    for node_id, data in graph.nodes(data=True):
        where = f"node {node_id!r}"
        kind = _graphml_kind(node_id, data.get("kind"), where, builder)
        kinds[node_id] = kind
        builder.node(node_id, kind)
        builder.set_community(node_id, kind, data.get("community"), where)

    for u, v, data in graph.edges(data=True):
        source, target = u, v
        if not graph.is_directed() and (kinds[u], kinds[v]) == ("coop", "household"):
            # An undirected file still means household -> co-op for its trade edges.
            source, target = v, u
        where = f"edge {source!r} -> {target!r}"
        pair = (kinds[source], kinds[target])
        if data.get("relation") is None:
            relation = {("household", "coop"): "purchase", ("coop", "coop"): "supply"}.get(pair)
            if relation is None:
                raise builder.fail(f"{where}: no relation attribute, and none can be inferred")
        else:
            relation = _relation(data["relation"], where, builder)
        weight = _weight(data.get("weight"), where, builder)
        builder.edge(source, pair[0], target, pair[1], relation, weight, where)


def _graphml_kind(node_id: str, kind: Any, where: str, builder: _Builder) -> str:
    if kind is None:
        return _kind_from_id(node_id, where, builder)
    text = str(kind).strip().lower()
    text = _KIND_ALIASES.get(text, text)
    if text not in NODE_KINDS:
        raise builder.fail(
            f"{where}: unknown kind {str(kind)!r} (expected one of {', '.join(NODE_KINDS)})"
        )
    return text
