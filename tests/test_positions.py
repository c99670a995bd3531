"""kg.view.positions: components laid out apart and packed, so the main one fills a fitted view."""

from __future__ import annotations

import networkx as nx
import numpy as np

from kg.view.positions import EDGE_LENGTH, spread


def graph() -> nx.MultiDiGraph:
    """A connected core of 120 nodes, 10 pairs and 60 lone nodes: the field graph's shape."""
    net = nx.MultiDiGraph(nx.barabasi_albert_graph(120, 2, seed=1))
    for i in range(10):
        net.add_edge(f"pair{i}a", f"pair{i}b")
    net.add_nodes_from(f"lone{i}" for i in range(60))
    return net


def test_the_largest_component_is_centred_and_the_others_lie_in_rows_below_it():
    net = graph()
    pos = spread(net)
    assert set(pos) == set(net)
    core = np.array([pos[n] for n in range(120)])
    others = np.array([p for n, p in pos.items() if not isinstance(n, int)])
    assert np.allclose((core.min(axis=0) + core.max(axis=0)) / 2, 0, atol=1e-6)
    assert others[:, 1].min() >= core[:, 1].max() + EDGE_LENGTH  # below, a gap apart
    width = core[:, 0].max() - core[:, 0].min()
    assert others[:, 0].min() >= -width / 2 - 1 and others[:, 0].max() <= width / 2 + EDGE_LENGTH + 1
    # the rows are compact: the loose part is no taller than the core
    assert others[:, 1].max() - others[:, 1].min() <= core[:, 1].max() - core[:, 1].min()


def test_no_two_nodes_share_a_place_and_pairs_stay_together():
    pos = spread(graph())
    xy = np.array(list(pos.values()))
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(distances, np.inf)
    assert distances.min() > EDGE_LENGTH / 10
    for i in range(10):
        (ax, ay), (bx, by) = pos[f"pair{i}a"], pos[f"pair{i}b"]
        assert np.hypot(ax - bx, ay - by) < 3 * EDGE_LENGTH


def test_a_connected_graph_is_laid_out_as_before_centred():
    net = nx.MultiDiGraph(nx.path_graph(30))
    xy = np.array(list(spread(net).values()))
    assert np.allclose(xy.mean(axis=0), 0, atol=1e-6)
