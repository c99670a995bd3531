"""Node positions for large views, computed in Python so the browser does not run physics.

networkx's `spring_layout` costs ~40 s at 5,000 nodes (its sparse Fruchterman-Reingold loops
over nodes in Python and repels every pair). `spread` is the same force model made local, as in
the grid variant of Fruchterman and Reingold's paper: springs along edges, repulsion only between
nodes closer than a cut-off (found with a k-d tree), a weak pull to the centre that keeps
components together, and a temperature that cools. All steps are numpy array operations, so
5,000 nodes take about a second (see benchmarks/RESULTS.md).

Each connected component is laid out on its own and the components are then packed in rows
below the largest (as Graphviz's `pack` does): laid out together, the repulsion pushed the
field graph's hundred loose entities to the rim of a canvas whose middle held one tight ball of
900 nodes, so that fitting the page to all of them left the ball a few pixels wide.

>>> import networkx as nx
>>> pos = spread(nx.path_graph(3))
>>> sorted(pos) == [0, 1, 2] and all(len(xy) == 2 for xy in pos.values())
True
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

EDGE_LENGTH = 100.0  # ideal distance between neighbours, in vis-network canvas units
CUTOFF = 1.5  # exact repulsion only within CUTOFF * EDGE_LENGTH (farther: the grid, below)
GRAVITY = 0.02
GRID = 16  # cells per side of the far-field grid


def spread(net: nx.Graph, *, iterations: int = 80, seed: int = 0) -> dict:
    """Positions {node: (x, y)} for every node of `net` (directions and multi-edges ignored):
    each connected component laid out alone, the largest centred, the others packed in rows below.
    """
    undirected = net.to_undirected(as_view=True) if net.is_directed() else net
    components = sorted(nx.connected_components(undirected), key=lambda c: (-len(c), min(map(str, c))))
    if len(components) <= 1:
        return _spread(net, iterations, seed)
    # a lone node needs no layout (the field graph has a hundred: 80 iterations each added up)
    layouts = [_spread(net.subgraph(c), iterations, seed) if len(c) > 1 else {next(iter(c)): (0.0, 0.0)}
               for c in components]
    return _pack(layouts)


def _pack(layouts: list[dict]) -> dict:
    """The first layout centred at the origin, the others in rows beneath it, as wide as it is
    (or as the square root of their total area, when that is wider), a gap of one edge apart."""
    gap = EDGE_LENGTH
    boxes = []
    for layout in layouts:
        xy = np.array(list(layout.values()))
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        boxes.append((lo, hi - lo))
    (lo0, size0), rest = boxes[0], boxes[1:]
    area = sum(float((s[0] + gap) * (s[1] + gap)) for _, s in rest)
    width = max(float(size0[0]), np.sqrt(area))
    out = {node: (float(x - lo0[0] - size0[0] / 2), float(y - lo0[1] - size0[1] / 2)) for node, (x, y) in layouts[0].items()}
    left, top = -width / 2, size0[1] / 2 + 2 * gap  # canvas y grows downwards: rows go below
    x, row_height = left, 0.0
    for layout, (lo, size) in zip(layouts[1:], rest):
        if x > left and x + size[0] > left + width:
            x, top, row_height = left, top + row_height + gap, 0.0
        for node, (nx_, ny) in layout.items():
            out[node] = (float(x + nx_ - lo[0]), float(top + ny - lo[1]))
        x += size[0] + gap
        row_height = max(row_height, float(size[1]))
    return out


def _spread(net: nx.Graph, iterations: int, seed: int) -> dict:
    """The force layout of one connected graph (any graph, in fact), centred on the origin."""
    nodes = list(net)
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {(min(index[a], index[b]), max(index[a], index[b])) for a, b in net.edges() if a != b}
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    k = EDGE_LENGTH
    side = k * np.sqrt(n) * 1.5
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2))
    temperature = side / 8
    cooling = (k / 10 / temperature) ** (1 / max(iterations, 1))  # ends at a tenth of an edge
    for _ in range(iterations):
        disp = _repulsion(pos, k) + _attraction(pos, edges, k) - GRAVITY * pos
        length = np.maximum(np.hypot(disp[:, 0], disp[:, 1]), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature *= cooling
    pos -= pos.mean(axis=0)
    return {node: (float(pos[i, 0]), float(pos[i, 1])) for node, i in index.items()}


def _repulsion(pos: np.ndarray, k: float) -> np.ndarray:
    pairs = cKDTree(pos).query_pairs(CUTOFF * k, output_type="ndarray")
    near = _pairwise(pos, pairs, lambda delta, dist2: delta * (k * k / dist2)[:, None])
    return near + _far_field(pos, k)


def _far_field(pos: np.ndarray, k: float) -> np.ndarray:
    """Repulsion between grid cells, each cell as its centroid with its node count as mass.

    The local repulsion alone lets the springs of hub nodes pull the whole graph into a crowded
    ball; this one-level Barnes-Hut keeps the global balance at the cost of a GRID^2 matrix.
    """
    lo = pos.min(axis=0)
    h = max(float((pos.max(axis=0) - lo).max()) / GRID, 1e-9)
    cell_xy = np.minimum(((pos - lo) / h).astype(np.int64), GRID - 1)
    cell = cell_xy[:, 0] * GRID + cell_xy[:, 1]
    mass = np.bincount(cell, minlength=GRID * GRID).astype(float)
    used = np.nonzero(mass)[0]
    centroid = np.stack([np.bincount(cell, pos[:, axis], minlength=GRID * GRID)[used] for axis in (0, 1)], axis=1)
    centroid /= mass[used][:, None]
    delta = centroid[:, None, :] - centroid[None, :, :]
    dist2 = np.maximum((delta * delta).sum(axis=2), h * h)  # softened: neighbours are handled near
    force = (delta * (k * k * mass[used][None, :] / dist2)[:, :, None]).sum(axis=1)
    per_cell = np.zeros((GRID * GRID, 2))
    per_cell[used] = force
    return per_cell[cell]


def _attraction(pos: np.ndarray, edges: np.ndarray, k: float) -> np.ndarray:
    return _pairwise(pos, edges, lambda delta, dist2: -delta * (np.sqrt(dist2) / k)[:, None])


def _pairwise(pos: np.ndarray, pairs: np.ndarray, force) -> np.ndarray:
    """Sum over pairs (i, j) of force(pos_i - pos_j) on i and its opposite on j."""
    out = np.zeros_like(pos)
    if len(pairs) == 0:
        return out
    i, j = pairs[:, 0], pairs[:, 1]
    delta = pos[i] - pos[j]
    dist2 = np.maximum((delta * delta).sum(axis=1), 1e-6)
    f = force(delta, dist2)
    n = len(pos)
    for axis in (0, 1):  # bincount is the fast scatter-add of numpy
        out[:, axis] += np.bincount(i, f[:, axis], minlength=n) - np.bincount(j, f[:, axis], minlength=n)
    return out
