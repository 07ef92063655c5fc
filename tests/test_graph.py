"""Tests for solsim.graph: the networkx view and GraphML / CSV files."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from solsim.engine.network import TradeNetwork, generate_network
from solsim.graph import GraphFileError, load_network, save_network, to_networkx

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "graphs"

HEADER = "source,target,relation,weight\n"


def small_network() -> TradeNetwork:
    """3 households, 2 co-ops; households 0 and 1 work where they shop, household 2 doesn't."""
    purchase = sp.csr_matrix(np.array([[0.5, 2.0], [1.0, 0.0], [0.0, 0.0]]))
    supply = sp.csr_matrix(np.array([[0.0, 3.0], [0.0, 0.0]]))
    return TradeNetwork(
        purchase,
        supply,
        household_community=np.array([0, 0, 1]),
        coop_community=np.array([0, 1]),
        employer=np.array([1, 0, 0]),
    )


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def graphml(nodes: str, edges: str = "", *, directed: bool = True) -> str:
    default = "directed" if directed else "undirected"
    return f"""<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="k" for="node" attr.name="kind" attr.type="string"/>
  <key id="c" for="node" attr.name="community" attr.type="int"/>
  <key id="r" for="edge" attr.name="relation" attr.type="string"/>
  <key id="w" for="edge" attr.name="weight" attr.type="double"/>
  <graph edgedefault="{default}">
{nodes}
{edges}
  </graph>
</graphml>
"""


def assert_same(a: TradeNetwork, b: TradeNetwork) -> None:
    assert a.purchase.shape == b.purchase.shape
    np.testing.assert_allclose(a.purchase.toarray(), b.purchase.toarray())
    np.testing.assert_allclose(a.supply.toarray(), b.supply.toarray())
    np.testing.assert_array_equal(a.household_community, b.household_community)
    np.testing.assert_array_equal(a.coop_community, b.coop_community)
    if a.employer is None:
        assert b.employer is None
    else:
        np.testing.assert_array_equal(a.employer, b.employer)


# ---------------------------------------------------------------------------
# to_networkx


def test_to_networkx_nodes_and_attributes() -> None:
    graph = to_networkx(small_network(), extra_nodes={"fund": 2, "investor": 1})
    assert isinstance(graph, nx.DiGraph)
    assert graph.number_of_nodes() == 3 + 2 + 2 + 1
    assert graph.nodes["household:2"] == {"kind": "household", "index": 2, "community": 1}
    assert graph.nodes["coop:1"] == {"kind": "coop", "index": 1, "community": 1}
    assert graph.nodes["fund:1"] == {"kind": "fund", "index": 1, "community": -1}
    assert graph.nodes["investor:0"]["kind"] == "investor"
    assert all(isinstance(node, str) for node in graph)


def test_to_networkx_edges() -> None:
    graph = to_networkx(small_network())
    relations = [data["relation"] for _, _, data in graph.edges(data=True)]
    assert relations.count("purchase") == 3
    assert relations.count("supply") == 1
    # Working where one shops flags the purchase edge; otherwise employment is its own edge.
    assert relations.count("employment") == 1
    assert graph.edges["household:2", "coop:0"] == {"relation": "employment", "weight": 1.0}
    assert graph.edges["household:0", "coop:1"] == {
        "relation": "purchase",
        "weight": 2.0,
        "employment": True,
    }
    assert graph.edges["household:1", "coop:0"]["employment"] is True
    assert graph.edges["coop:0", "coop:1"] == {"relation": "supply", "weight": 3.0}
    assert graph.out_degree("household:2") == 1


def test_to_networkx_employer_argument_overrides() -> None:
    graph = to_networkx(small_network(), employer=np.array([-1, -1, 1]))
    assert graph.edges["household:2", "coop:1"] == {"relation": "employment", "weight": 1.0}
    assert not graph.has_edge("household:2", "coop:0")
    assert "employment" not in graph.edges["household:0", "coop:1"]
    with pytest.raises(ValueError, match="employer"):
        to_networkx(small_network(), employer=np.array([0, 5, -1]))


def test_to_networkx_rejects_unknown_extra_kind() -> None:
    with pytest.raises(ValueError, match="shop"):
        to_networkx(small_network(), extra_nodes={"shop": 1})


def test_to_networkx_edge_count_matches_matrices() -> None:
    net = generate_network("communities", 300, 20, 3, 4, 2, 0.8, 0.0, np.random.default_rng(1))
    graph = to_networkx(net)
    assert graph.number_of_nodes() == 320
    assert graph.number_of_edges() == net.purchase.nnz + net.supply.nnz
    communities = nx.get_node_attributes(graph, "community")
    assert communities["household:17"] == net.household_community[17]


def test_to_networkx_keeps_file_ids_as_names() -> None:
    net = load_network(EXAMPLES / "village.csv")
    graph = to_networkx(net)
    assert graph.nodes["coop:0"]["name"] == "coop:bakery"
    assert graph.nodes["household:0"]["name"] == "household:h01"


# ---------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("suffix", [".graphml", ".csv"])
def test_generated_network_round_trips(tmp_path: Path, suffix: str) -> None:
    net = generate_network("scale_free", 60, 8, 3, 3, 2, 0.8, 0.1, np.random.default_rng(5))
    net.employer = np.where(np.arange(60) % 4 == 0, np.arange(60) % 8, -1).astype(np.int32)
    path = save_network(net, tmp_path / f"net{suffix}")
    assert path.exists()
    back = load_network(path)
    assert_same(net, back)
    assert back.household_ids == [f"household:{i}" for i in range(60)]
    assert back.coop_ids == [f"coop:{j}" for j in range(8)]


@pytest.mark.parametrize("suffix", [".graphml", ".csv"])
def test_small_network_with_employment_overlap_round_trips(tmp_path: Path, suffix: str) -> None:
    net = small_network()
    back = load_network(save_network(net, tmp_path / f"small{suffix}"))
    assert_same(net, back)


@pytest.mark.parametrize("first", ["village.csv", "village.graphml"])
@pytest.mark.parametrize("suffix", [".graphml", ".csv"])
def test_loaded_network_round_trips_with_its_ids(tmp_path: Path, first: str, suffix: str) -> None:
    net = load_network(EXAMPLES / first)
    back = load_network(save_network(net, tmp_path / f"again{suffix}"))
    assert_same(net, back)
    assert back.household_ids == net.household_ids
    assert back.coop_ids == net.coop_ids


def test_kind_attribute_ids_get_a_prefix_in_csv(tmp_path: Path) -> None:
    nodes = """
    <node id="n1"><data key="k">household</data></node>
    <node id="n2"><data key="k">coop</data></node>"""
    edges = '<edge source="n1" target="n2"><data key="r">purchase</data></edge>'
    net = load_network(write(tmp_path, "g.graphml", graphml(nodes, edges)))
    assert net.household_ids == ["n1"] and net.coop_ids == ["n2"]
    back = load_network(save_network(net, tmp_path / "g.csv"))
    assert back.household_ids == ["household:n1"] and back.coop_ids == ["coop:n2"]
    assert_same(net, back)


# ---------------------------------------------------------------------------
# loading: good files


def test_example_village_files_agree() -> None:
    from_csv = load_network(EXAMPLES / "village.csv")
    from_graphml = load_network(EXAMPLES / "village.graphml")
    assert (from_csv.n_households, from_csv.n_coops, from_csv.n_communities) == (30, 4, 2)
    assert_same(from_csv, from_graphml)
    assert from_csv.household_ids == from_graphml.household_ids
    # Two households buy only imports; ten work at a co-op.
    assert (np.diff(from_csv.purchase.indptr) == 0).sum() == 2
    assert from_csv.employer is not None and (from_csv.employer >= 0).sum() == 10


def test_csv_order_of_first_appearance_and_merging(tmp_path: Path) -> None:
    text = HEADER + (
        "household:b,coop:y,purchase,2\n"
        "\n"
        "# a comment line\n"
        "household:a,coop:x,purchase,\n"
        "household:b,coop:y,purchase,0.5\n"
        "coop:x,coop:y,supply,4\n"
        "household:c,coop:x,employment\n"
        "household:a,coop:y,purchase,0\n"
        "fund:f,coop:x,lending,100\n"
        "household:a,coop:x,membership,1\n"
    )
    net = load_network(write(tmp_path, "g.csv", text))
    assert net.household_ids == ["household:b", "household:a", "household:c"]
    assert net.coop_ids == ["coop:y", "coop:x"]
    # Repeated edges add up; a missing weight is 1; a zero weight is dropped.
    expected = [[2.5, 0.0], [0.0, 1.0], [0.0, 0.0]]
    np.testing.assert_array_equal(net.purchase.toarray(), expected)
    np.testing.assert_array_equal(net.supply.toarray(), [[0.0, 0.0], [4.0, 0.0]])
    np.testing.assert_array_equal(net.employer, [-1, -1, 1])
    np.testing.assert_array_equal(net.household_community, [0, 0, 0])


def test_no_employment_edges_means_no_employer(tmp_path: Path) -> None:
    net = load_network(write(tmp_path, "g.csv", HEADER + "household:a,coop:x,purchase,1\n"))
    assert net.employer is None


def test_household_without_purchase_edge_is_allowed(tmp_path: Path) -> None:
    text = "source,target,relation\nhousehold:a,coop:x,purchase\nhousehold:b,,node\n"
    net = load_network(write(tmp_path, "g.csv", text))
    assert net.n_households == 2
    assert net.purchase[1].nnz == 0


def test_communities_from_the_file(tmp_path: Path) -> None:
    text = (
        "source,target,relation,weight,community\n"
        "household:a,,node,,south\n"
        "household:b,,node,,north\n"
        "coop:x,,node,,north\n"
        "household:a,coop:x,purchase,1,\n"
        "household:b,coop:x,purchase,1,\n"
    )
    net = load_network(write(tmp_path, "g.csv", text), n_communities=7)
    np.testing.assert_array_equal(net.household_community, [0, 1])
    np.testing.assert_array_equal(net.coop_community, [1])
    nodes = """
    <node id="household:a"><data key="c">3</data></node>
    <node id="coop:x"><data key="c">0</data></node>"""
    edges = '<edge source="household:a" target="coop:x"/>'
    net = load_network(write(tmp_path, "g.graphml", graphml(nodes, edges)))
    assert net.household_community.tolist() == [3] and net.coop_community.tolist() == [0]


def test_community_split_when_the_file_has_none(tmp_path: Path) -> None:
    rows = "".join(f"household:{i},coop:{i % 4},purchase,1\n" for i in range(12))
    path = write(tmp_path, "g.csv", HEADER + rows)
    assert load_network(path).household_community.tolist() == [0] * 12
    blocks = load_network(path, n_communities=3).household_community
    assert blocks.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    shuffled = load_network(path, n_communities=3, rng=np.random.default_rng(0))
    assert np.bincount(shuffled.household_community).tolist() == [4, 4, 4]
    assert np.bincount(shuffled.coop_community).tolist() == [2, 1, 1]


def test_graphml_without_relations_infers_them(tmp_path: Path) -> None:
    nodes = """
    <node id="household:a"/><node id="coop:x"/><node id="coop:y"/>"""
    edges = """
    <edge source="household:a" target="coop:x"><data key="w">2.5</data></edge>
    <edge source="coop:x" target="coop:y"/>"""
    net = load_network(write(tmp_path, "g.graphml", graphml(nodes, edges)))
    assert net.purchase.toarray().tolist() == [[2.5, 0.0]]
    assert net.supply.toarray().tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_undirected_graphml_orients_household_edges(tmp_path: Path) -> None:
    nodes = '<node id="coop:x"/><node id="household:a"/>'
    edges = '<edge source="coop:x" target="household:a"><data key="r">purchase</data></edge>'
    net = load_network(write(tmp_path, "g.graphml", graphml(nodes, edges, directed=False)))
    assert net.purchase.toarray().tolist() == [[1.0]]


# ---------------------------------------------------------------------------
# loading: bad files

GOOD_NODES = '<node id="household:a"/><node id="coop:x"/>'

BAD_CSV = [
    ("", ["empty file"]),
    ("source,target\nhousehold:a,coop:x\n", ["line 1", "missing column", "relation"]),
    (
        HEADER + "household:a,coop:x,purchase,1\nshop:3,coop:x,purchase,1\n",
        ["line 3", "unknown node id 'shop:3'", "household:<name> or coop:<name>"],
    ),
    (HEADER + "household:a,coop,purchase,1\n", ["line 2", "unknown node id 'coop'"]),
    (HEADER + "coop:x,household:a,purchase,1\n", ["line 2", "purchase", "household", "co-op"]),
    (HEADER + "household:a,household:b,supply,1\n", ["line 2", "supply edge goes from a co-op"]),
    (HEADER + "fund:f,coop:x,employment,1\n", ["employment", "fund"]),
    (HEADER + "household:a,coop:x,purchase,-2\n", ["line 2", "negative weight"]),
    (HEADER + "household:a,coop:x,purchase,lots\n", ["line 2", "weight 'lots' is not a number"]),
    (HEADER + "household:a,coop:x,purchase,nan\n", ["not a finite number"]),
    (HEADER + "household:a,coop:x,buys,1\n", ["line 2", "unknown relation 'buys'"]),
    (HEADER + "household:a,coop:x,,1\n", ["line 2", "empty relation"]),
    (HEADER + ",coop:x,purchase,1\n", ["line 2", "empty source"]),
    (HEADER + "household:a,,purchase,1\n", ["line 2", "empty target"]),
    (HEADER + "household:a,coop:x,purchase,1,extra\n", ["line 2", "5 fields"]),
    (HEADER + "coop:x,coop:y,supply,1\n", ["no households"]),
    (HEADER + "household:a,fund:f,deposit,1\n", ["no co-ops"]),
    (
        HEADER + "household:a,coop:x,employment\nhousehold:a,coop:y,employment\n",
        ["line 3", "second employment edge", "line 2"],
    ),
    (HEADER + "household:a,coop:x,purchase\ncoop:x,coop:x,supply\n", ["line 3", "itself"]),
    (
        "source,target,relation,community\nhousehold:a,,node,1\nhousehold:a,coop:x,purchase,\n",
        ["node 'coop:x' has no community"],
    ),
    (
        "source,target,relation,community\nhousehold:a,coop:x,purchase,2\n",
        ["line 2", "community is only read on rows with relation 'node'"],
    ),
    (
        "source,target,relation,community\nhousehold:a,,node,1\nhousehold:a,,node,2\n",
        ["line 3", "community '2'", "line 2"],
    ),
]


@pytest.mark.parametrize(("text", "words"), BAD_CSV)
def test_bad_csv_files(tmp_path: Path, text: str, words: list[str]) -> None:
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(GraphFileError) as info:
        load_network(path)
    message = str(info.value)
    for word in words:
        assert word in message
    assert "\n" not in message
    assert info.value.path == str(path)
    assert info.value.key == "graph.path"
    assert isinstance(info.value, ValueError)


BAD_GRAPHML = [
    ("this is not xml at all", ["not a readable GraphML file"]),
    ("<root><child/></root>", ["not a readable GraphML file"]),
    (graphml('<node id="shop:1"/>' + GOOD_NODES), ["node 'shop:1'", "unknown node id"]),
    (
        graphml('<node id="n1"><data key="k">shop</data></node>' + GOOD_NODES),
        ["node 'n1'", "unknown kind 'shop'"],
    ),
    (
        graphml(
            GOOD_NODES + '<node id="household:b"/>',
            '<edge source="household:a" target="household:b"/>',
        ),
        ["edge 'household:a' -> 'household:b'", "no relation"],
    ),
    (
        graphml(
            GOOD_NODES,
            '<edge source="household:a" target="coop:x"><data key="w">-1</data></edge>',
        ),
        ["edge 'household:a' -> 'coop:x'", "negative weight"],
    ),
    (graphml('<node id="coop:x"/>'), ["no households"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_GRAPHML)
def test_bad_graphml_files(tmp_path: Path, text: str, words: list[str]) -> None:
    path = write(tmp_path, "bad.graphml", text)
    with pytest.raises(GraphFileError) as info:
        load_network(path)
    for word in words:
        assert word in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.graphml"
    with pytest.raises(GraphFileError, match="file not found") as info:
        load_network(path)
    assert str(path) in str(info.value)
    assert info.value.path == str(path)


def test_unsupported_suffix_and_directory(tmp_path: Path) -> None:
    with pytest.raises(GraphFileError, match=r"unsupported graph file type '\.txt'"):
        load_network(write(tmp_path, "g.txt", HEADER))
    with pytest.raises(GraphFileError, match="not a file"):
        load_network(tmp_path)


def test_csv_that_is_not_text(tmp_path: Path) -> None:
    with pytest.raises(GraphFileError, match="not a readable CSV file"):
        load_network(write(tmp_path, "g.csv", b"\xff\xfe\x00\x81binary"))


def test_save_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="graphml"):
        save_network(small_network(), tmp_path / "net.json")
