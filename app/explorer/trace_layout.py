"""Where each node of a trace goes: a layered layout that orders every layer to minimise edge crossings.

Why its own module: a trace is a layered graph (company → suppliers → sub-suppliers → smelters → countries).
Placing each layer in a fixed order (by name) makes smelter → country edges cross all over the picture; the
barycentre heuristic (Sugiyama et al.) — sweep the layers down and up, sort each by the mean position of
its neighbours in the layer just placed, keep the order with the fewest crossings — untangles it in
milliseconds for the few dozen nodes a trace page draws. Pure functions: no Streamlit, no plotly.

Example:
    >>> layers = {0: ["c"], 1: ["s1", "s2"], 2: ["m1", "m2"]}
    >>> edges = [("c", "s1"), ("c", "s2"), ("s1", "m2"), ("s2", "m1")]
    >>> crossings(layers, edges)
    1
    >>> crossings(order_layers(layers, edges), edges)
    0
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

Layers = dict[int, list[str]]
Edge = tuple[str, str]


def _positions(layers: Layers) -> dict[str, float]:
    """Each node's position in its layer, scaled to 0..1 so layers of different sizes compare."""
    out: dict[str, float] = {}
    for nodes in layers.values():
        n = len(nodes)
        for i, node in enumerate(nodes):
            out[node] = (i + 0.5) / n if n else 0.5
    return out


def crossings(layers: Layers, edges: Iterable[Edge]) -> int:
    """How many pairs of edges between the same two layers cross."""
    layer_of = {node: layer for layer, nodes in layers.items() for node in nodes}
    pos = _positions(layers)
    groups: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for a, b in edges:
        if a in layer_of and b in layer_of:
            la, lb = layer_of[a], layer_of[b]
            if la > lb:
                a, b, la, lb = b, a, lb, la
            groups[(la, lb)].append((pos[a], pos[b]))
    total = 0
    for segs in groups.values():
        segs.sort()
        for i, (a1, b1) in enumerate(segs):
            for a2, b2 in segs[i + 1:]:
                if a1 != a2 and b1 != b2 and (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def order_layers(layers: Layers, edges: Iterable[Edge], sweeps: int = 8) -> Layers:
    """The layers reordered by barycentre sweeps (down, then up), keeping the order with the fewest crossings.

    The given order is the tie-breaker and the starting point (put the most important nodes first): a node
    without neighbours in the layer just placed keeps its place."""
    edges = list(edges)
    layer_of = {node: layer for layer, nodes in layers.items() for node in nodes}
    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        if a not in layer_of or b not in layer_of or layer_of[a] == layer_of[b]:
            continue
        if layer_of[a] > layer_of[b]:
            a, b = b, a
        down[a].append(b)
        up[b].append(a)
    keys = sorted(layers)
    current = {k: list(layers[k]) for k in keys}
    best, best_n = {k: list(v) for k, v in current.items()}, crossings(current, edges)
    for _ in range(sweeps):
        if best_n == 0:
            break
        for direction in ("down", "up"):
            sequence = keys[1:] if direction == "down" else list(reversed(keys[:-1]))
            for k in sequence:
                pos = _positions(current)
                links = up if direction == "down" else down

                def centre(node: str, pos: dict[str, float] = pos, links: dict[str, list[str]] = links) -> float:
                    near = [pos[x] for x in links.get(node, []) if x in pos]
                    return sum(near) / len(near) if near else pos[node]

                tie = {node: i for i, node in enumerate(current[k])}
                current[k].sort(key=lambda node: (centre(node), tie[node]))
            n = crossings(current, edges)
            if n < best_n:
                best, best_n = {k: list(v) for k, v in current.items()}, n
    return best


def layered_positions(layers: Layers, edges: Iterable[Edge]) -> dict[str, tuple[float, float]]:
    """node → (x, y): x is the layer, y spreads the layer's nodes from top (1) to bottom (0) in the order
    `order_layers` chose."""
    ordered = order_layers(layers, edges)
    out: dict[str, tuple[float, float]] = {}
    for layer, nodes in ordered.items():
        n = len(nodes)
        for i, node in enumerate(nodes):
            out[node] = (float(layer), 1.0 - (i + 0.5) / n if n > 1 else 0.5)
    return out
