"""Plotly figures for the explorer: funnel, risk bars, the trace node-link graph, the Sankey, the world map.

Why plotly only: everything draws offline (no CDN at runtime), Streamlit renders plotly natively with
selection events (click a node → details), and one library keeps the figures consistent. These
functions take already-computed answers (rows from ``queries/``) and only lay them out.
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from minetrace.app.explorer import geo
from minetrace.app.explorer.trace_layout import layered_positions
from minetrace.app.explorer.values import shown
from minetrace.app.safe_output import html, plain
from minetrace.queries import glossary

RISK_COLOURS = {"high": "#d62728", "medium": "#ff7f0e", "low": "#2ca02c", "unrated": "#9e9e9e", None: "#9e9e9e"}
KIND_COLOURS = {"company": "#1f4e78", "supplier": "#4c78a8", "declaration": "#72b7b2", "country": "#8c6d31"}
RISK_ORDER = ("high", "medium", "low", "unrated")


def risk_colour(risk: Any) -> str:
    """The colour of a risk level — the same on the Overview's bars, the trace graph and the Sankey."""
    return RISK_COLOURS.get(shown(risk, "unrated").lower(), RISK_COLOURS["unrated"])


def funnel(figures: dict[str, Any]) -> go.Figure:
    """Response funnel: master list → in scope → contacted → responded → valid."""
    stages = [("Master list", figures.get("master_list", 0)), ("In scope", figures.get("in_scope", 0)),
              ("Contacted", figures.get("contacted", 0)), ("Responded", figures.get("responded", 0)),
              ("Valid forms", figures.get("valid", 0))]
    fig = go.Figure(go.Funnel(y=[s for s, _ in stages], x=[v for _, v in stages], textinfo="value+percent initial",
                              marker={"color": ["#1f4e78", "#2e75b6", "#5b9bd5", "#9dc3e6", "#2ca02c"]}))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=320, title="Response funnel")
    return fig


def days_to_respond(days: list[Any], by_reminders: dict[str, int]) -> go.Figure:
    """Responders by days from first contact to response (histogram) and by reminders needed (bars)."""
    values = [int(d) for d in days if isinstance(d, int | float) and d >= 0]
    fig = go.Figure()
    fig.add_histogram(x=values, name="days to respond", marker_color="#2e75b6", nbinsx=20)
    fig.add_bar(x=[f"{k} reminder(s)" for k in by_reminders], y=list(by_reminders.values()),
                name="responders by reminders", marker_color="#ff7f0e", xaxis="x2", yaxis="y2")
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Days to respond",
                      xaxis={"domain": [0, 0.6], "title": "days from first contact"},
                      xaxis2={"domain": [0.7, 1], "anchor": "y2"}, yaxis2={"anchor": "x2"}, showlegend=False)
    return fig


def risk_by_metal(rows: list[dict[str, Any]]) -> go.Figure:
    """Stacked bars: smelters per metal by risk level. rows: {metal, risk}."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        counts[str(r.get("metal") or "?")][str(r.get("risk") or "unrated").lower()] += 1
    metals = sorted(counts)
    fig = go.Figure()
    for level in RISK_ORDER:
        fig.add_bar(name=risk_legend_name(level), x=metals, y=[counts[m][level] for m in metals],
                    marker_color=risk_colour(level))
    fig.update_layout(barmode="stack", height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      title="Smelter risk by metal", legend_title_text="Smelter risk")
    return fig


@dataclass
class Node:
    id: str
    label: str
    kind: str  # company | supplier | smelter | country
    layer: int
    risk: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add_node(self, node: Node) -> None:
        old = self.nodes.get(node.id)
        if old is None:
            self.nodes[node.id] = node
        elif RISK_ORDER.index(_norm_risk(node.risk)) < RISK_ORDER.index(_norm_risk(old.risk)):
            old.risk = node.risk

    def add_edge(self, a: str, b: str, weight: int = 1) -> None:
        self.edges[(a, b)] += weight


def _norm_risk(risk: Any) -> str:
    r = shown(risk, "unrated").lower()
    return r if r in RISK_ORDER else "unrated"


def label_html(value: Any, limit: int | None = 200) -> str:
    """Text for a plotly label or hover: `html()` (markup escaped, controls shown) without turning quotes into
    entities — plotly prints "&quot;" literally, and a quote cannot start markup once < and & are escaped."""
    return html(value, limit).replace("&quot;", '"').replace("&#x27;", "'")


def wrap_label(text: Any, width: int = 24, max_lines: int = 2) -> str:
    """A node label on at most `max_lines` lines of about `width` characters (HTML-escaped, "…" when cut); the
    full name goes in the hover text."""
    lines = textwrap.wrap(plain(shown(text, "?"), 200), width, break_long_words=True, break_on_hyphens=True) or ["?"]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:width - 1].rstrip() + "…"
    return "<br>".join(label_html(line, None) for line in lines)


def risk_legend_name(level: str) -> str:
    return glossary.value("risk_legend", level)


def _legend_traces(fig: go.Figure, levels: list[str]) -> None:
    """One legend entry per risk level drawn (an empty trace each), then the node kinds."""
    for level in RISK_ORDER:
        if level in levels:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=risk_legend_name(level),
                                     marker={"size": 12, "color": risk_colour(level), "symbol": "diamond",
                                             "line": {"width": 1, "color": "#333"}},
                                     hoverinfo="skip", legendgroup="risk", legendgrouptitle_text="Smelter risk"))
    for kind, label in (("supplier", "Supplier"), ("country", "Country")):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label,
                                 marker={"size": 11, "color": KIND_COLOURS[kind], "symbol": SYMBOLS[kind],
                                         "line": {"width": 1, "color": "#333"}},
                                 hoverinfo="skip", legendgroup="kind", legendgrouptitle_text="Nodes"))


SYMBOLS = {"company": "square", "supplier": "circle", "smelter": "diamond", "country": "triangle-up"}


def network(graph: Graph, height: int | None = None) -> tuple[go.Figure, list[str]]:
    """The node-link graph (plotly scatter, no network needed), laid out in layers ordered to minimise
    crossings (app.explorer.trace_layout). Returns the figure and the node ids in point order of the node
    trace (trace index 1), so a selection event maps back to a node."""
    layers: dict[int, list[str]] = defaultdict(list)
    for n in graph.nodes.values():  # insertion order is the tie-breaker: the caller adds what matters first
        layers[n.layer].append(n.id)
    pos = layered_positions(dict(layers), list(graph.edges))
    if height is None:  # room for the fullest layer (two-line labels), within bounds
        widest = max((len(v) for v in layers.values()), default=1)
        height = max(360, min(1600, 110 + 40 * widest))
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in graph.edges:
        if a in pos and b in pos:
            ex += [pos[a][0], pos[b][0], None]
            ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line={"width": 0.7, "color": "#b0b0b0"}, hoverinfo="skip",
                             showlegend=False))
    ids = list(graph.nodes)
    nodes = [graph.nodes[i] for i in ids]
    colours = [risk_colour(n.risk) if n.kind == "smelter" else KIND_COLOURS.get(n.kind, "#777") for n in nodes]
    hover = []
    for n in nodes:
        lines = [f"<b>{label_html(n.label, 400)}</b>", label_html(n.detail.get("kind_label") or n.kind)]
        if n.kind == "smelter":
            lines.append(f"risk: {label_html(glossary.value('risk', _norm_risk(n.risk)))}")
        lines += [label_html(extra, 300) for extra in n.detail.get("hover", [])]
        hover.append("<br>".join(lines))
    fig.add_trace(go.Scatter(
        x=[pos[i][0] for i in ids], y=[pos[i][1] for i in ids], mode="markers+text",
        text=[wrap_label(n.label) for n in nodes], textposition="middle right",
        textfont={"size": 11, "color": "#222"},
        marker={"size": [18 if n.kind == "company" else 13 for n in nodes], "color": colours,
                "symbol": [SYMBOLS.get(n.kind, "circle") for n in nodes], "line": {"width": 1, "color": "#333"}},
        unselected={"marker": {"opacity": 0.55}, "textfont": {"color": "#555"}},
        customdata=ids, hovertext=hover, hoverinfo="text", showlegend=False))
    _legend_traces(fig, sorted({_norm_risk(n.risk) for n in nodes if n.kind == "smelter"}))
    top = max((n.layer for n in nodes), default=0)
    layer_names = {0: "Company", 1: "Suppliers", top - 1: "Smelters", top: "Countries"} if top >= 3 else \
        {0: "Company", 1: "Suppliers", 2: "Smelters"}
    for layer in range(2, top - 1):
        layer_names.setdefault(layer, "Sub-suppliers")
    for layer, name in layer_names.items():
        if any(n.layer == layer for n in nodes):
            fig.add_annotation(x=layer, y=1.06, text=f"<b>{name}</b>", showarrow=False)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, clickmode="event+select",
                      xaxis={"visible": False, "range": [-0.3, top + 1.0]},
                      yaxis={"visible": False, "range": [-0.05, 1.1]}, dragmode="pan",
                      legend={"orientation": "h", "y": -0.02, "x": 0, "yanchor": "top"})
    return fig, ids


def legend_html() -> str:
    """The risk colours as one line of coloured text (plotly annotations accept a little HTML)."""
    return "   ".join(f"<span style='color:{risk_colour(level)}'>■</span> {risk_legend_name(level)}"
                      for level in RISK_ORDER)


def sankey(flows: list[tuple[str, str, int, str | None]], height: int = 560,
           node_kinds: dict[str, str] | None = None, node_risks: dict[str, str | None] | None = None,
           hover: dict[str, str] | None = None) -> go.Figure:
    """Sankey from (source label, target label, value, risk) flows: links coloured by the risk of the smelter
    they lead to, smelter nodes by their own risk (the Overview's colours), a legend of the colours; labels
    wrapped, full names on hover."""
    labels: list[str] = []
    index: dict[str, int] = {}
    for a, b, _, _ in flows:
        for x in (a, b):
            if x not in index:
                index[x] = len(labels)
                labels.append(x)
    kinds = node_kinds or {}
    risks = node_risks or {}

    def node_colour(label: str) -> str:
        kind = kinds.get(label, "")
        if kind == "smelter":
            return risk_colour(risks.get(label))
        return KIND_COLOURS.get(kind, "#8c8c8c")

    def rgba(colour: str, alpha: float) -> str:
        c = colour.lstrip("#")
        return f"rgba({int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha})"

    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": [wrap_label(lbl, 28, 2) for lbl in labels], "pad": 14, "thickness": 14,
              "color": [node_colour(lbl) for lbl in labels],
              "customdata": [label_html((hover or {}).get(lbl, lbl), 400) for lbl in labels],
              "hovertemplate": "%{customdata}<br>%{value} declaration row(s)<extra></extra>"},
        link={"source": [index[a] for a, *_ in flows], "target": [index[b] for _, b, *_ in flows],
              "value": [v for _, _, v, _ in flows],
              "color": [rgba(risk_colour(r), 0.45) for *_, r in flows]},
        textfont={"color": "#1a1a1a", "size": 11, "shadow": "none"}))
    fig.add_annotation(x=0, y=-0.06, xref="paper", yref="paper", showarrow=False, xanchor="left",
                       text="Colours (smelters and the flows to them): " + legend_html())
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return fig


def world_map(smelter_countries: dict[str, int], sourcing_countries: dict[str, int],
              covered: set[str] | None = None, height: int = 480) -> go.Figure:
    """Smelter locations (circles sized by count) and declared sourcing countries (triangles) on an
    offline base map; Covered Countries shaded."""
    fig = go.Figure()
    lons, lats = geo.outline_lines()
    fig.add_trace(go.Scattergeo(lon=lons, lat=lats, mode="lines", line={"width": 0.5, "color": "#9a9a9a"},
                                hoverinfo="skip", showlegend=False))
    for iso2 in sorted(covered or ()):
        for ring in geo.country_shapes().get(iso2, []):
            fig.add_trace(go.Scattergeo(lon=[p[0] for p in ring], lat=[p[1] for p in ring], mode="lines",
                                        fill="toself", fillcolor="rgba(214,39,40,0.15)",
                                        line={"width": 0.6, "color": "#d62728"}, hoverinfo="skip", showlegend=False))
    points = geo.label_points()

    def markers(counts: dict[str, int], name: str, colour: str, symbol: str, offset: float) -> None:
        known = [c for c in counts if c in points]
        if not known:
            return
        top = max(counts[c] for c in known)
        fig.add_trace(go.Scattergeo(
            lon=[points[c][0] + offset for c in known], lat=[points[c][1] for c in known], mode="markers",
            name=name, marker={"size": [8 + 22 * counts[c] / top for c in known], "color": colour, "symbol": symbol,
                               "opacity": 0.8, "line": {"width": 0.5, "color": "#333"}},
            text=[f"{geo.country_name(c)} ({c}): {counts[c]}" for c in known], hoverinfo="text+name"))

    markers(smelter_countries, "smelter locations", "#1f77b4", "circle", 0.0)
    markers(sourcing_countries, "declared sourcing countries", "#ff7f0e", "triangle-up", 1.5)
    fig.update_geos(projection_type="natural earth", showland=False, showcoastlines=False, showcountries=False,
                    showocean=False, showlakes=False, showrivers=False, showframe=True,
                    lataxis_showgrid=True, lonaxis_showgrid=True, lataxis_gridcolor="#eee", lonaxis_gridcolor="#eee")
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                      legend={"orientation": "h", "y": -0.02})
    return fig
