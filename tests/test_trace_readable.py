"""Readable traces: the layered layout orders nodes to minimise crossings (never worse than the order it is given,
a crossing-free order found when one exists), labels wrap with the full name on hover, suppliers and smelters beyond
a size become one "+N more" node, and the graph and the Sankey use the Overview's risk colours with a legend."""

from __future__ import annotations

import random

import pandas as pd

from minetrace.app.explorer import charts
from minetrace.app.explorer.screens import trace
from minetrace.app.explorer.trace_layout import crossings, layered_positions, order_layers


def random_layers(rng: random.Random) -> tuple[dict[int, list[str]], list[tuple[str, str]]]:
    sizes = [1, rng.randint(2, 12), rng.randint(2, 20), rng.randint(1, 8)]
    layers = {i: [f"{i}:{j}" for j in range(n)] for i, n in enumerate(sizes)}
    edges = [(a, rng.choice(layers[i + 1])) for i in range(3) for a in layers[i] for _ in range(rng.randint(1, 3))]
    for b in (n for i in (1, 2, 3) for n in layers[i]):  # every node reached
        edges.append((rng.choice(layers[int(b[0]) - 1]), b))
    for nodes in layers.values():
        rng.shuffle(nodes)
    return layers, edges


def test_the_order_never_adds_crossings_and_usually_removes_many() -> None:
    rng = random.Random(12)
    before = after = 0
    for _ in range(40):
        layers, edges = random_layers(rng)
        n0, n1 = crossings(layers, edges), crossings(order_layers(layers, edges), edges)
        assert n1 <= n0
        before, after = before + n0, after + n1
    assert after < 0.6 * before  # the barycentre sweeps untangle most of a shuffled graph


def test_a_tree_of_smelters_and_countries_is_drawn_without_crossings() -> None:
    countries = ["CN", "JP", "RU", "US", "DE"]
    smelters = [f"m{i}" for i in range(20)]
    layers = {0: ["company"], 1: ["supplier"], 2: smelters, 3: list(reversed(countries))}
    edges = [("company", "supplier")] + [("supplier", m) for m in smelters]
    edges += [(m, countries[i * 7 % 5]) for i, m in enumerate(smelters)]
    assert crossings(layers, edges) > 0
    assert crossings(order_layers(layers, edges), edges) == 0
    pos = layered_positions(layers, edges)
    assert {round(x) for x, _ in pos.values()} == {0, 1, 2, 3}


def hops(n_suppliers: int, n_smelters: int) -> pd.DataFrame:
    rows = []
    for s in range(n_suppliers):
        for m in range(n_smelters):
            rows.append({"supplier_id": f"S{s:03d}", "supplier_name": f"Supplier {s} with a rather long name Ltd.",
                         "smelter_key": f"CID{m:06d}", "cid": f"CID{m:06d}", "smelter_name": f"Smelter {m}",
                         "raw_name": f"Smelter {m}", "metal": "Tin", "resolution_status": "resolved",
                         "country_iso2": ["CN", "RU", None][m % 3], "risk": ["high", "medium", "low", "unrated"][m % 4],
                         "row": m + 5})
    return pd.DataFrame(rows)


def test_a_big_country_aggregates_beyond_a_size_and_keeps_full_names_on_hover() -> None:
    h = hops(23, 10)  # the hairball: 23 suppliers × 10 smelters
    page = set(trace._smelter_order(h)[:6])
    view = trace._view(h, page, {f"S{s:03d}": f"Supplier {s} with a rather long name Ltd." for s in range(23)})
    assert len(view.suppliers) == trace.MAX_SUPPLIERS and len(view.other_suppliers) == 23 - trace.MAX_SUPPLIERS
    graph = trace._graph(view, {})
    labels = {n.label for n in graph.nodes.values()}
    assert f"+{23 - trace.MAX_SUPPLIERS} more suppliers" in labels and "+4 more smelters" in labels
    assert "country unknown" in labels  # a row without a country is a node with words, not a crash
    smelters = [n for n in graph.nodes.values() if n.kind == "smelter" and not n.id.endswith("__other__")]
    assert [n.risk for n in smelters][:2] == ["high", "high"]  # the highest risk drawn first
    fig, ids = charts.network(graph)
    nodes = fig.data[1]
    assert list(nodes.customdata) == ids
    long = next(i for i, n in enumerate(graph.nodes.values()) if n.label.startswith("Supplier 0 "))
    assert "<br>" in nodes.text[long] and "Supplier 0 with a rather long name Ltd." in nodes.hovertext[long]
    legend = {t.name for t in fig.data if t.showlegend is not False and t.name}
    drawn = {charts.risk_legend_name(charts._norm_risk(n.risk)) for n in graph.nodes.values() if n.kind == "smelter"}
    assert drawn == legend - {"Supplier", "Country"} and {"High risk", "Low risk"} <= legend  # only what is drawn
    colours = dict(zip([n.id for n in graph.nodes.values()], nodes.marker.color, strict=True))
    assert colours[smelters[0].id] == charts.risk_colour("high")


def test_the_sankey_colours_smelters_and_flows_by_risk_with_a_legend() -> None:
    h = hops(3, 4)
    view = trace._view(h, set(h["smelter_key"]), {})
    flows, kinds, risks, hover = trace._flows(view)
    fig = charts.sankey(flows, node_kinds=kinds, node_risks=risks, hover=hover)
    sk = fig.data[0]
    labels = [lbl.replace("<br>", " ") for lbl in sk.node.label]
    high = next(i for i, lbl in enumerate(labels) if lbl.startswith("Smelter 0"))
    low = next(i for i, lbl in enumerate(labels) if lbl.startswith("Smelter 2"))
    assert sk.node.color[high] == charts.risk_colour("high") and sk.node.color[low] == charts.risk_colour("low")
    assert "High risk" in fig.layout.annotations[0].text and "Not rated" in fig.layout.annotations[0].text


def test_labels_keep_quotes_and_escape_markup() -> None:
    assert charts.wrap_label('OJSC "The Gulidov" <b>x</b>') == 'OJSC "The Gulidov"<br>&lt;b&gt;x&lt;/b&gt;'
    assert charts.wrap_label("A" * 80).endswith("…")
